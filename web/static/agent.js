// Teranga agent inbox: live lists over /ws/agent, one conversation at a time.
// Every customer-supplied string goes through textContent: nothing is parsed as HTML.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var me = Number(document.querySelector('meta[name="user-id"]').content);
  var lists = { mine: document.getElementById("list-mine"), queue: document.getElementById("list-queue") };
  var openId = null;
  var live = document.getElementById("live");

  function api(method, path, body) {
    var opts = { method: method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { throw new Error(typeof data.detail === "string" ? data.detail : "HTTP " + r.status); }
        return data;
      });
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function who(i) {
    var c = i.contact || {};
    return c.name || (c.phones && c.phones[0]) || (c.emails && c.emails[0]) || "?";
  }

  function rowFor(i) {
    var li = el("li", "row");
    li.dataset.id = i.id;
    li.tabIndex = 0;
    li.appendChild(el("span", "ch ch-" + i.channel, i.channel));
    li.appendChild(el("span", "who", who(i)));
    li.appendChild(el("span", "grp", i.skill_group || "—"));
    li.appendChild(el("span", "st st-" + i.status, i.status));
    li.appendChild(el("span", "pv", i.preview || ""));
    return li;
  }

  function place(i) {
    var open = i.status === "queued" || i.status === "assigned" || i.status === "waiting_customer";
    var target = null;
    if (open && i.assignee === me) target = "mine";
    else if (i.status === "queued") target = "queue";
    ["mine", "queue"].forEach(function (name) {
      var old = lists[name].querySelector('[data-id="' + i.id + '"]');
      if (name === target) {
        var fresh = rowFor(i);
        if (old) {
          if (!i.preview) fresh.querySelector(".pv").textContent = old.querySelector(".pv").textContent;
          lists[name].replaceChild(fresh, old);
        } else lists[name].insertBefore(fresh, lists[name].firstChild);
      } else if (old) old.remove();
    });
    counts();
    if (openId === i.id) header(i);
  }

  function removeRow(id) {
    ["mine", "queue"].forEach(function (name) {
      var old = lists[name].querySelector('[data-id="' + id + '"]');
      if (old) old.remove();
    });
    counts();
  }

  function counts() {
    document.getElementById("count-mine").textContent = lists.mine.children.length;
    document.getElementById("count-queue").textContent = lists.queue.children.length;
  }

  function header(i) {
    document.getElementById("conv-title").textContent = who(i);
    var cls = i.classification || {};
    document.getElementById("conv-meta").textContent = [i.channel, i.status, i.skill_group || "—",
      cls.source ? "(" + cls.source + ")" : "", i.tenant].join(" · ");
  }

  function addMessage(m) {
    var ol = document.getElementById("messages");
    if (ol.querySelector('[data-mid="' + m.id + '"]')) { updateMessage(m); return; }
    var li = el("li", "msg " + (m.direction === "in" ? "in" : "out"));
    li.dataset.mid = m.id;
    li.appendChild(el("div", "text", m.text));
    var meta = el("div", "mmeta", (m.author ? m.author.name + " · " : "") + (m.created_at || "").replace("T", " ").slice(0, 16));
    if (m.direction === "out") meta.appendChild(el("span", "ds ds-" + m.delivery_status, " " + m.delivery_status));
    li.appendChild(meta);
    ol.appendChild(li);
    ol.scrollTop = ol.scrollHeight;
  }

  function updateMessage(m) {
    var li = document.querySelector('#messages [data-mid="' + m.id + '"] .ds');
    if (li) { li.className = "ds ds-" + m.delivery_status; li.textContent = " " + m.delivery_status; }
  }

  // Call-backs are answered by phone: the number to dial and the outcome of each call.
  var openChannel = null;
  function showCallback(id) {
    var box = document.getElementById("callback");
    document.getElementById("reply-text").hidden = document.getElementById("send").hidden = openChannel === "callback";
    box.hidden = openChannel !== "callback";
    if (box.hidden) return;
    api("GET", "/api/v1/interactions/" + id + "/callback").then(function (c) {
      var tel = document.getElementById("cb-tel"), sip = document.getElementById("cb-sip");
      tel.href = c.tel; tel.textContent = c.phone;
      sip.hidden = !c.sip; if (c.sip) sip.href = c.sip;
      document.getElementById("cb-dial").hidden = !c.click_to_call;
      var ol = document.getElementById("cb-attempts");
      ol.textContent = "";
      c.attempts.forEach(function (a) {
        ol.appendChild(el("li", null, a.attempt + ". " + a.outcome + " · " + (a.agent || "") + " · " + (a.at || "").replace("T", " ").slice(0, 16)));
      });
    }).catch(showError);
  }
  document.getElementById("cb-record").addEventListener("click", function () {
    if (openId === null) return;
    api("POST", "/api/v1/interactions/" + openId + "/callback-outcomes",
        { outcome: document.getElementById("cb-outcome").value }).then(function () { showCallback(openId); }).catch(showError);
  });
  document.getElementById("cb-dial").addEventListener("click", function () {
    if (openId !== null) api("POST", "/api/v1/interactions/" + openId + "/callback-dial").catch(showError);
  });
  // Chat typing indicator, both ways.
  var typingSent = 0, typingHide = 0;
  document.getElementById("reply-text").addEventListener("input", function () {
    if (openChannel !== "chat" || openId === null || Date.now() - typingSent < 3000) return;
    typingSent = Date.now();
    api("POST", "/api/v1/interactions/" + openId + "/typing", { state: true }).catch(function () {});
  });
  function visitorTyping(data) {
    if (data.interaction_id !== openId) return;
    var p = document.getElementById("conv-typing");
    p.textContent = data.state ? "…" : "";
    clearTimeout(typingHide);
    if (data.state) typingHide = setTimeout(function () { p.textContent = ""; }, 8000);
  }

  function openConversation(id) {
    api("GET", "/api/v1/interactions/" + id).then(function (i) {
      openId = i.id;
      openChannel = i.channel;
      document.getElementById("conv").hidden = false;
      header(i);
      showCallback(i.id);
      var ol = document.getElementById("messages");
      ol.textContent = "";
      i.messages.forEach(addMessage);
      document.getElementById("reply-text").focus();
    }).catch(showError);
  }

  function showError(err) {
    var p = document.getElementById("reply-error");
    p.textContent = err.message;
    p.hidden = false;
  }

  document.querySelector(".lists").addEventListener("click", function (e) {
    var row = e.target.closest(".row");
    if (row) openConversation(Number(row.dataset.id));
  });
  document.querySelector(".lists").addEventListener("keydown", function (e) {
    var row = e.target.closest(".row");
    if (row && e.key === "Enter") openConversation(Number(row.dataset.id));
  });

  document.getElementById("reply-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var box = document.getElementById("reply-text");
    var text = box.value.trim();
    if (!text || openId === null) return;
    document.getElementById("reply-error").hidden = true;
    api("POST", "/api/v1/interactions/" + openId + "/replies", { text: text })
      .then(function () { box.value = ""; }).catch(showError);
  });

  document.getElementById("resolve").addEventListener("click", function () {
    if (openId === null) return;
    api("POST", "/api/v1/interactions/" + openId + "/resolve").catch(showError);
  });

  document.getElementById("presence").addEventListener("change", function (e) {
    api("PUT", "/api/v1/agents/me/presence", { state: e.target.value }).catch(showError);
  });

  function resync() {
    Promise.all([
      api("GET", "/api/v1/interactions?status=open&assignee=me&limit=100"),
      api("GET", "/api/v1/interactions?status=queued&limit=100")
    ]).then(function (res) {
      lists.mine.textContent = "";
      lists.queue.textContent = "";
      res[0].items.concat(res[1].items).reverse().forEach(place);
    }).catch(function () {});
  }

  var delay = 500, first = true;
  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + "/ws/agent");
    ws.onopen = function () {
      delay = 500;
      live.textContent = "live";
      live.className = "live on";
      if (!first) resync();
      first = false;
    };
    ws.onmessage = function (msg) {
      var ev = JSON.parse(msg.data);
      if (ev.type === "interaction.created" || ev.type === "interaction.updated") place(ev.data);
      else if (ev.type === "interaction.removed") removeRow(ev.data.id);
      else if (ev.type === "message.created" && ev.data.interaction_id === openId) addMessage(ev.data);
      else if (ev.type === "message.updated" && ev.data.interaction_id === openId) updateMessage(ev.data);
      else if (ev.type === "resync") resync();
      else if (ev.type === "chat.typing") visitorTyping(ev.data);
      else if (ev.type === "agent.presence" && ev.data.user_id === me) document.getElementById("presence").value = ev.data.state;
    };
    ws.onclose = function () {
      live.textContent = "offline";
      live.className = "live off";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }
  connect();
})();
