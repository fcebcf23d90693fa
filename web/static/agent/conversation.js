// Teranga agent page, part 3: one conversation on screen — the timeline across every
// channel of the customer, the contact card, who else has it open, who is typing.
(function () {
  "use strict";
  var T = window.Teranga;
  T.openId = null;
  T.current = null;       // the interaction on screen (API shape)
  T.contact = null;       // its contact card
  var timelineIds = {};   // interactions whose messages the timeline shows
  var viewers = new Map(); // user id -> {name, seen}
  var heartbeat = null;
  var HEARTBEAT_MS = 20000;

  var ol = T.$("messages");

  function header(i) {
    T.current = i;
    T.$("conv-title").textContent = T.who(i) + (i.contact && i.contact.vip ? " ★ VIP" : "");
    var cls = i.classification || {};
    var parts = [T.s.channels[i.channel] || i.channel, T.s.statuses[i.status] || i.status,
      i.skill_group || "—", i.tenant];
    if (cls.source) parts.push(cls.source);
    if (i.snoozed_until && i.status === "queued" && new Date(i.queued_at) > new Date()) {
      parts.push(T.fmt(T.s.until, { when: T.when(i.queued_at) }));
    }
    T.$("conv-meta").textContent = parts.join(" · ");
    if (T.composerFor) T.composerFor(i);
  }
  T.header = header;

  function historyLine(h) {
    var label = (T.s.history && T.s.history[h.kind]) || h.kind;
    var bits = [label];
    var d = h.data || {};
    if (d.reason && (h.kind === "transferred" || h.kind === "snoozed")) bits.push("« " + d.reason + " »");
    if (d.outcome) bits.push(T.s.outcomes[d.outcome] || d.outcome);
    if (d.until) bits.push(T.fmt(T.s.until, { when: T.when(d.until) }));
    if (h.actor) bits.push("— " + h.actor);
    var li = T.el("li", "sys", bits.join(" "));
    li.dataset.at = h.at;
    return li;
  }

  function messageItem(m) {
    var note = m.kind === "note";
    var li = T.el("li", "msg " + (note ? "note" : m.direction === "in" ? "in" : "out"));
    li.dataset.mid = m.id;
    li.dataset.at = m.created_at;
    if (m.interaction_id !== T.openId) li.classList.add("other");
    if (note) li.appendChild(T.el("div", "tag", T.s.internal_note));
    if (m.subject && m.direction === "in") li.appendChild(T.el("div", "subj", m.subject));
    li.appendChild(T.el("div", "text", m.text));
    if (m.html) {
      // Sanitised e-mail HTML is shown only in a sandboxed frame with no scripts, never
      // parsed into this page.
      li.appendChild(T.button(T.s.show_html, "quiet small", function (e) {
        var frame = document.createElement("iframe");
        frame.setAttribute("sandbox", "");
        frame.title = T.s.formatted;
        frame.srcdoc = m.html;
        e.target.replaceWith(frame);
      }));
    }
    var who = note || m.direction === "out" ? (m.author ? m.author.name : "") : T.s.customer;
    var meta = T.el("div", "mmeta", [T.s.channels[m.channel] || "", who, T.when(m.created_at)]
      .filter(Boolean).join(" · "));
    if (m.direction === "out" && !note) {
      meta.appendChild(T.el("span", "ds ds-" + m.delivery_status,
        " " + (T.s.delivery[m.delivery_status] || m.delivery_status || "")));
    }
    li.appendChild(meta);
    return li;
  }

  function divider(id, channel, status) {
    var li = T.el("li", "divider", T.fmt(T.s.conversation_on, {
      id: id, channel: T.s.channels[channel] || channel, status: T.s.statuses[status] || status })
      .replace(/ · $/, ""));
    li.dataset.divider = id;
    return li;
  }

  function addMessage(m) {
    if (ol.querySelector('[data-mid="' + m.id + '"]')) { updateMessage(m); return; }
    if (!m.channel) m.channel = T.current ? T.current.channel : "";
    var atBottom = ol.scrollHeight - ol.scrollTop - ol.clientHeight < 40;
    ol.appendChild(messageItem(m));
    if (atBottom || m.author && m.author.id === T.me) ol.scrollTop = ol.scrollHeight;
  }

  function updateMessage(m) {
    var ds = ol.querySelector('[data-mid="' + m.id + '"] .ds');
    if (ds) {
      ds.className = "ds ds-" + m.delivery_status;
      ds.textContent = " " + (T.s.delivery[m.delivery_status] || m.delivery_status);
    }
  }

  function drawTimeline(t) {
    ol.textContent = "";
    timelineIds = {};
    var entries = t.messages.map(function (m) { return { at: m.created_at, m: m }; })
      .concat(t.history.filter(function (h) { return T.s.history[h.kind]; })
        .map(function (h) { return { at: h.at, h: h }; }));
    entries.sort(function (a, b) { return new Date(a.at) - new Date(b.at); });
    var last = null;
    entries.forEach(function (e) {
      if (e.m) {
        timelineIds[e.m.interaction_id] = true;
        if (e.m.interaction_id !== last) {
          var card = (T.contact && T.contact.interactions || []).find(function (x) {
            return x.id === e.m.interaction_id; });
          var status = e.m.interaction_id === t.interaction.id ? t.interaction.status :
            card ? card.status : "";
          ol.appendChild(divider(e.m.interaction_id, e.m.channel, status));
          last = e.m.interaction_id;
        }
        ol.appendChild(messageItem(e.m));
      } else {
        ol.appendChild(historyLine(e.h));
      }
    });
    timelineIds[T.openId] = true;
    ol.scrollTop = ol.scrollHeight;
  }

  T.openConversation = function (id) {
    if (T.openId && T.openId !== id) announce(T.openId, "closed");
    T.openId = id;
    viewers = new Map();
    showViewers();
    T.$("typing").hidden = true;
    T.markOpen();
    return T.api("GET", "/api/v1/interactions/" + id + "/timeline").then(function (t) {
      if (T.openId !== id) return;
      T.$("conv").hidden = false;
      T.$("side").hidden = false;
      document.body.classList.add("has-conv");
      header(t.interaction);
      drawTimeline(t);
      loadCard(t.interaction.contact.id);
      announce(id, "open");
      clearInterval(heartbeat);
      heartbeat = setInterval(function () { announce(id, "open"); }, HEARTBEAT_MS);
      if (t.interaction.assignee === T.me && !t.interaction.accepted_at) {
        // Opening the work is taking it (no-pick-up timers stop); absent on older servers.
        T.api("POST", "/api/v1/interactions/" + id + "/accept").catch(function () {});
      }
      if (T.afterOpen) T.afterOpen(t.interaction);
      T.$("conv-title").focus();
    }).catch(function (err) {
      T.$("conv").hidden = false;
      T.showError("reply-error", err);
    });
  };

  T.closeConversation = function () {
    if (T.openId) announce(T.openId, "closed");
    clearInterval(heartbeat);
    T.openId = null;
    T.current = null;
    T.$("conv").hidden = true;
    T.$("side").hidden = true;
    document.body.classList.remove("has-conv");
    T.markOpen();
  };

  T.on("message.created", function (m) {
    if (T.openId && timelineIds[m.interaction_id]) addMessage(m);
  });
  T.on("message.updated", function (m) {
    if (T.openId && timelineIds[m.interaction_id]) updateMessage(m);
  });
  T.on("interaction.updated", function (i) {
    if (i.id !== T.openId) return;
    var statusChanged = T.current && T.current.status !== i.status;
    header(i);
    if (statusChanged && T.contact) loadCard(T.contact.id);
  });
  T.on("interaction.created", function (i) { if (i.id === T.openId) header(i); });
  // Transferred away to someone we cannot follow: the conversation leaves the screen.
  T.on("interaction.removed", function (d) {
    if (d.id === T.openId) {
      history.pushState(null, "", location.pathname + location.search);
      T.closeConversation();
    }
  });

  // Collision warning: who else has this conversation open.
  function announce(id, state) {
    return fetch("/api/v1/interactions/" + id + "/viewing", {
      method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": T.csrf },
      body: JSON.stringify({ state: state })
    }).catch(function () {});
  }
  function showViewers() {
    var names = Array.from(viewers.values()).map(function (v) { return v.name; });
    var box = T.$("collision");
    box.hidden = !names.length;
    box.textContent = names.length ? T.fmt(names.length > 1 ? T.s.collision_many :
      T.s.collision_one, { names: names.join(", ") }) : "";
  }
  T.on("viewing", function (d) {
    if (d.interaction_id !== T.openId || d.user_id === T.me) return;
    var known = viewers.has(d.user_id);
    if (d.state === "closed") viewers.delete(d.user_id);
    else viewers.set(d.user_id, { name: d.name, seen: Date.now() });
    // A newcomer does not know we are here: say so once.
    if (d.state === "open" && !known) announce(T.openId, "open");
    showViewers();
  });
  setInterval(function () {
    var changed = false;
    viewers.forEach(function (v, k) {
      if (Date.now() - v.seen > 3 * HEARTBEAT_MS) { viewers.delete(k); changed = true; }
    });
    if (changed) showViewers();
  }, 10000);
  window.addEventListener("pagehide", function () { if (T.openId) announce(T.openId, "closed"); });

  var typingTimer = null;
  T.on("typing", function (d) {
    if (d.interaction_id !== T.openId || d.user_id === T.me) return;
    var p = T.$("typing");
    p.hidden = !d.state;
    p.textContent = d.side === "customer" ? T.s.typing_customer : T.fmt(T.s.typing_agent, d);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { p.hidden = true; }, 6000);
  });

  // The contact card.
  function loadCard(contactId) {
    return T.api("GET", "/api/v1/contacts/" + contactId).then(drawCard).catch(function () {});
  }
  T.loadCard = loadCard;

  function drawCard(c) {
    T.contact = c;
    T.$("card-name").value = c.name || "";
    T.$("card-vip").checked = !!c.vip;
    T.$("card-optout").checked = !!c.sms_opted_out;
    T.$("card-notes").value = c.notes || "";
    var ids = T.$("card-identities");
    ids.textContent = "";
    c.identities.forEach(function (i) {
      var li = T.el("li");
      if (i.kind === "phone") {
        var a = T.el("a", "", i.value);
        a.href = "tel:" + i.value;
        li.appendChild(a);
      } else li.textContent = i.value;
      ids.appendChild(li);
    });
    var hist = T.$("card-history");
    hist.textContent = "";
    c.interactions.forEach(function (i) {
      var li = T.el("li", i.id === T.openId ? "current" : "");
      var label = [T.s.channels[i.channel] || i.channel, T.s.statuses[i.status] || i.status,
        i.skill_group || "", T.when(i.created_at)].filter(Boolean).join(" · ");
      if (i.visible && i.id !== T.openId) {
        var a = T.el("a", "", label);
        a.href = "#i=" + i.id;
        li.appendChild(a);
      } else {
        li.textContent = label + (i.visible ? "" : " (" + T.s.not_yours + ")");
      }
      hist.appendChild(li);
    });
    if (T.afterCard) T.afterCard(c);
  }

  T.on("contact.updated", function (c) {
    if (T.contact && c.id === T.contact.id) loadCard(c.id);
  });

  function saveCard(body) {
    if (!T.contact) return Promise.resolve();
    return T.api("PATCH", "/api/v1/contacts/" + T.contact.id, body).then(function () {
      T.$("card-status").textContent = T.s.saved;
    }).catch(function (err) { T.$("card-status").textContent = err.message; });
  }
  T.$("card-form").addEventListener("submit", function (e) {
    e.preventDefault();
    saveCard({ name: T.$("card-name").value, notes: T.$("card-notes").value });
  });
  T.$("card-vip").addEventListener("change", function (e) { saveCard({ vip: e.target.checked }); });
  T.$("card-optout").addEventListener("change", function (e) {
    saveCard({ sms_opted_out: e.target.checked });
  });

  // #i=123 opens that conversation; the browser's back button returns to the lists.
  function fromHash() {
    var m = /^#i=(\d+)$/.exec(location.hash);
    if (m) { if (Number(m[1]) !== T.openId) T.openConversation(Number(m[1])); }
    else if (T.openId) T.closeConversation();
  }
  window.addEventListener("hashchange", fromHash);
  document.addEventListener("DOMContentLoaded", fromHash);
  T.$("back").addEventListener("click", function () {
    var id = T.openId;
    history.pushState(null, "", location.pathname + location.search);
    T.closeConversation();
    var row = document.querySelector('.row[data-id="' + id + '"] .open');
    if (row) row.focus();
  });
})();
