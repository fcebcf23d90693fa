// Teranga agent page, part 2: the inbox lists (mine, queues, all, later), their
// filters and counts, kept true by the socket without reloading the page.
(function () {
  "use strict";
  var T = window.Teranga;
  var VIEWS = ["mine", "queue", "all", "later"];
  // A view is loaded when its list holds what the server would answer now; the
  // counts of views not loaded are the server's last figure. Lists come in pages of 100:
  // "next" is the server's cursor of the following page (null at the end), and while a
  // list has more, its count is the server's, kept up to date by the events.
  var views = {};
  var counts = {};
  var current = "mine";
  var moreButton = T.$("load-more");

  VIEWS.forEach(function (v) {
    var ul = T.$("list-" + v);
    if (!ul) return;
    views[v] = { ul: ul, items: new Map(), loaded: v === "mine" || v === "queue",
      next: ul.dataset.next || null };
    counts[v] = Number(T.$("count-" + v).textContent) || 0;
    Array.prototype.forEach.call(ul.querySelectorAll(".row"), function (li) {
      views[v].items.set(Number(li.dataset.id), fromRow(li));
    });
  });

  function fromRow(li) {
    var d = li.dataset;
    return {
      id: Number(d.id), status: d.status, assignee: d.assignee ? Number(d.assignee) : null,
      queued_at: d.queued, updated_at: d.updated, tenant: d.tenant, skill_group: d.group || null,
      channel: d.channel, priority: Number(d.priority) || 3, vip: li.classList.contains("vip"),
      who: li.querySelector(".who").textContent, preview: li.querySelector(".pv").textContent
    };
  }

  function light(i) {
    return {
      id: i.id, status: i.status, assignee: i.assignee, queued_at: i.queued_at,
      updated_at: i.updated_at, tenant: i.tenant, skill_group: i.skill_group, channel: i.channel,
      priority: i.priority, vip: !!(i.contact && i.contact.vip), who: T.who(i),
      preview: i.preview || ""
    };
  }

  function rowFor(i) {
    var li = T.el("li", "row" + (i.vip ? " vip" : ""));
    var d = li.dataset;
    d.id = i.id; d.status = i.status; d.assignee = i.assignee || ""; d.queued = i.queued_at;
    d.updated = i.updated_at; d.tenant = i.tenant; d.group = i.skill_group || "";
    d.channel = i.channel; d.priority = i.priority;
    var a = T.el("a", "open");
    a.href = "#i=" + i.id;
    [["ch ch-" + i.channel, T.s.channels[i.channel] || i.channel], ["who", i.who],
     ["grp", i.skill_group || "—"], ["st st-" + i.status, T.s.statuses[i.status] || i.status],
     ["pv", i.preview]].forEach(function (part, n) {
      if (n) a.appendChild(document.createTextNode(" "));
      a.appendChild(T.el("span", part[0], part[1]));
    });
    li.appendChild(a);
    return li;
  }

  var OPEN = { queued: 1, assigned: 1, waiting_customer: 1 };
  function due(i) { return i.status !== "queued" || new Date(i.queued_at) <= new Date(); }

  function belongs(view, i) {
    if (!OPEN[i.status] || !passesFilters(i)) return false;
    if (view === "mine") return i.assignee === T.me;
    if (view === "queue") return i.status === "queued" && due(i);
    if (view === "later") return i.status === "queued" && !due(i);
    return T.supervisor && due(i);
  }

  var filterForm = T.$("filters");
  function filters() {
    var out = {};
    Array.prototype.forEach.call(filterForm.elements, function (f) {
      if (f.name && f.value) out[f.name] = f.value;
    });
    return out;
  }
  function passesFilters(i) {
    var f = filters();
    return (!f.channel || i.channel === f.channel) && (!f.status || i.status === f.status) &&
      (!f.skill_group || i.skill_group === f.skill_group) && (!f.tenant || i.tenant === f.tenant);
  }

  // The server's order (inbox.py), ids breaking ties, so pages join without a gap.
  function compare(view, a, b) {
    if (view === "queue" || view === "later") {
      return (b.priority - a.priority) || (new Date(a.queued_at) - new Date(b.queued_at)) ||
        (a.id - b.id);
    }
    return (new Date(b.updated_at) - new Date(a.updated_at)) || (b.id - a.id);
  }

  function sorted(view) {
    return Array.from(views[view].items.values()).sort(function (a, b) {
      return compare(view, a, b);
    });
  }

  // Past the last row of a list that has more pages: it belongs to a page not loaded.
  function beyondLoaded(view, i) {
    var v = views[view];
    if (!v.next || !v.items.size) return false;
    var list = sorted(view);
    return compare(view, i, list[list.length - 1]) > 0;
  }

  function draw(view) {
    var v = views[view];
    if (!v) return;
    var focusedId = document.activeElement && document.activeElement.closest(".row") ?
      document.activeElement.closest(".row").dataset.id : null;
    v.ul.textContent = "";
    sorted(view).forEach(function (i) { v.ul.appendChild(rowFor(i)); });
    markOpen();
    if (focusedId) {
      var again = v.ul.querySelector('[data-id="' + focusedId + '"] .open');
      if (again) again.focus();
    }
    if (v.loaded && !v.next) counts[view] = v.items.size;
    showCounts();
  }

  function showCounts() {
    var total = 0;
    VIEWS.forEach(function (v) {
      var c = T.$("count-" + v);
      if (c) c.textContent = counts[v];
    });
    total = counts.mine || 0;
    document.title = (total ? "(" + total + ") " : "") + document.title.replace(/^\(\d+\) /, "");
    T.$("list-empty").hidden = views[current].items.size > 0 || !views[current].loaded;
    moreButton.hidden = !views[current].loaded || !views[current].next;
  }

  // The row of the conversation on screen is marked, for sighted and screen-reader users.
  function markOpen() {
    Array.prototype.forEach.call(document.querySelectorAll(".row"), function (li) {
      var on = Number(li.dataset.id) === T.openId;
      li.classList.toggle("current", on);
      var a = li.querySelector(".open");
      if (on) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
    });
  }
  T.markOpen = markOpen;

  // A list fetched while events arrive must not undo them: an event that came after the
  // question was asked is newer than the answer (it may have taken the row out). While
  // a fetch is in flight, each event notes the interaction it touched.
  var inflight = 0;
  var eventCount = 0;
  var touchedAt = new Map();
  function touched(id) {
    if (inflight > 0) touchedAt.set(id, ++eventCount);
  }

  // An interaction changed: put it in (or take it out of) every list it concerns.
  T.place = function (full) {
    touched(full.id);
    var i = light(full);
    var wasMine = views.mine.items.has(i.id);
    VIEWS.forEach(function (view) {
      var v = views[view];
      if (!v) return;
      var old = v.items.get(i.id);
      var partial = !v.loaded || !!v.next;
      if (belongs(view, i)) {
        if (old && !i.preview) i.preview = old.preview;
        if (!old && partial) counts[view] += 1;
        if (beyondLoaded(view, i)) v.items.delete(i.id);  // "Load more" will bring it
        else v.items.set(i.id, i);
      } else if (old) {
        v.items.delete(i.id);
        if (partial) counts[view] = Math.max(0, counts[view] - 1);
      }
      draw(view);
    });
    if (!wasMine && views.mine.items.has(i.id) && i.id !== T.openId) {
      T.notify(T.s.new_assignment, i.who + " · " + (T.s.channels[i.channel] || ""), i.id);
    }
  };

  T.remove = function (id) {
    touched(id);
    VIEWS.forEach(function (view) {
      if (views[view] && views[view].items.delete(id)) draw(view);
    });
  };

  T.on("interaction.created", T.place);
  T.on("interaction.updated", T.place);
  T.on("interaction.removed", function (d) { T.remove(d.id); });

  function query(view, before) {
    var params = new URLSearchParams(filters());
    params.set("view", view);
    if (before) params.set("before", before);
    return "/api/v1/inbox?" + params.toString();
  }

  function load(view) {
    inflight += 1;
    var asked = eventCount;
    function newer(id) { return (touchedAt.get(id) || 0) > asked; }
    return T.api("GET", query(view)).then(function (answer) {
      var v = views[view];
      var fresh = new Map();
      answer.items.forEach(function (i) { if (!newer(i.id)) fresh.set(i.id, light(i)); });
      v.items.forEach(function (i, id) { if (newer(id)) fresh.set(id, i); });
      v.items = fresh;
      v.loaded = true;
      v.next = answer.next || null;
      Object.keys(answer.counts).forEach(function (k) {
        if (!views[k] || !views[k].loaded || k === view) counts[k] = answer.counts[k];
      });
      draw(view);
    }).finally(function () {
      inflight -= 1;
      if (inflight === 0) touchedAt.clear();
    });
  }

  // The next page of the list on screen joins the rows already there; focus goes to the
  // first new row, so keyboard and screen-reader users carry on where they were.
  moreButton.addEventListener("click", function () {
    var view = current;
    var v = views[view];
    if (!v.next) return;
    moreButton.disabled = true;
    T.api("GET", query(view, v.next)).then(function (answer) {
      var shown = v.ul.querySelectorAll(".row").length;
      answer.items.forEach(function (i) { if (!v.items.has(i.id)) v.items.set(i.id, light(i)); });
      v.next = answer.next || null;
      counts[view] = answer.counts[view];
      draw(view);
      var first = v.ul.querySelectorAll(".row .open")[shown];
      if (first) first.focus();
    }).catch(function () {}).then(function () { moreButton.disabled = false; });
  });

  // After a reconnect or a filter change: what the server says now.
  function reload() {
    VIEWS.forEach(function (v) { if (views[v]) views[v].loaded = false; });
    var wanted = ["mine", "queue"];
    if (wanted.indexOf(current) < 0) wanted.push(current);
    return Promise.all(wanted.map(load)).catch(function () {});
  }
  T.on("resync", reload);

  filterForm.addEventListener("change", function () {
    var params = new URLSearchParams(filters());
    history.replaceState(null, "", "/agent" + (params.toString() ? "?" + params : "") + location.hash);
    reload();
  });
  filterForm.addEventListener("submit", function (e) { e.preventDefault(); reload(); });

  var tabs = Array.prototype.slice.call(document.querySelectorAll('[role="tab"]'));
  T.showView = function (view) {
    if (!views[view]) return;
    current = view;
    tabs.forEach(function (tab) {
      var on = tab.dataset.view === view;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      T.$("panel-" + tab.dataset.view).hidden = !on;
    });
    if (!views[view].loaded) load(view).catch(function () {});
    else showCounts();
  };
  tabs.forEach(function (tab, n) {
    tab.addEventListener("click", function () { T.showView(tab.dataset.view); });
    // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
    tab.addEventListener("keydown", function (e) {
      var step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      var next = tabs[(n + step + tabs.length) % tabs.length];
      next.focus();
      T.showView(next.dataset.view);
    });
  });

  // j / k: move through the rows of the list on screen.
  T.moveInList = function (step) {
    var rows = Array.prototype.slice.call(views[current].ul.querySelectorAll(".row .open"));
    if (!rows.length) return;
    var at = rows.indexOf(document.activeElement);
    if (at < 0) at = rows.findIndex(function (a) { return a.hasAttribute("aria-current"); });
    var next = rows[Math.max(0, Math.min(rows.length - 1, at < 0 ? 0 : at + step))];
    next.focus();
  };
  T.currentView = function () { return current; };
  T.allViews = function () { return VIEWS.filter(function (v) { return views[v]; }); };

  // Snoozed work and booked call-backs come back when their time comes.
  setInterval(function () {
    if (views.later.loaded || views.queue.loaded) {
      views.later.items.forEach(function (i) { if (due(i)) T.place(asFull(i)); });
    }
  }, 30000);
  function asFull(i) {
    return { id: i.id, status: i.status, assignee: i.assignee, queued_at: i.queued_at,
      updated_at: i.updated_at, tenant: i.tenant, skill_group: i.skill_group,
      channel: i.channel, priority: i.priority, preview: i.preview,
      contact: { name: i.who, vip: i.vip } };
  }
  showCounts();
})();
