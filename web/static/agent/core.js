// Teranga agent page, part 1: shared helpers, the live socket, notifications.
// Every customer-supplied string goes through textContent: nothing is parsed as HTML.
// No inline script anywhere (Content-Security-Policy: script-src 'self').
(function () {
  "use strict";
  var T = window.Teranga = {};
  T.csrf = document.querySelector('meta[name="csrf-token"]').content;
  T.me = Number(document.querySelector('meta[name="user-id"]').content);
  T.role = document.querySelector('meta[name="user-role"]').content;
  T.supervisor = T.role === "supervisor" || T.role === "admin";
  T.s = JSON.parse(document.getElementById("strings").textContent);
  T.lang = document.documentElement.lang || "fr";

  T.$ = function (id) { return document.getElementById(id); };

  // "{name} is typing" + {name: "Awa"}
  T.fmt = function (template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (_, k) {
      return values && values[k] !== undefined ? String(values[k]) : "";
    });
  };

  T.api = function (method, path, body, isForm) {
    var opts = { method: method, headers: { "X-CSRF-Token": T.csrf }, credentials: "same-origin" };
    if (body !== undefined && body !== null) {
      if (isForm) opts.body = body;
      else { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    }
    return fetch(path, opts).then(function (r) {
      if (r.status === 204) return {};
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var err = new Error(typeof data.detail === "string" ? data.detail : "HTTP " + r.status);
          err.status = r.status;
          throw err;
        }
        return data;
      });
    });
  };

  T.el = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };

  T.button = function (label, cls, onClick) {
    var b = T.el("button", cls, label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  };

  T.who = function (i) {
    var c = i.contact || {};
    return c.name || (c.phones && c.phones[0]) || (c.emails && c.emails[0]) || "?";
  };

  var timeFormat = new Intl.DateTimeFormat(T.lang, { dateStyle: "short", timeStyle: "short" });
  T.when = function (iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return isNaN(d) ? "" : timeFormat.format(d);
  };

  T.showError = function (target, err) {
    var p = typeof target === "string" ? T.$(target) : target;
    p.textContent = err && err.message ? err.message : String(err);
    p.hidden = false;
  };

  // Events from /ws/agent go to every handler registered for their type.
  var handlers = {};
  T.on = function (type, fn) { (handlers[type] = handlers[type] || []).push(fn); };
  function dispatch(ev) {
    (handlers[ev.type] || []).forEach(function (fn) { fn(ev.data || {}, ev); });
  }

  var live = T.$("live");
  var delay = 500, first = true;
  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + "/ws/agent");
    ws.onopen = function () {
      delay = 500;
      live.textContent = T.s.live;
      live.className = "live on";
      if (!first) dispatch({ type: "resync" });
      first = false;
    };
    ws.onmessage = function (msg) {
      try { dispatch(JSON.parse(msg.data)); } catch (e) { /* a bad frame must not stop the page */ }
    };
    ws.onclose = function () {
      live.textContent = T.s.offline;
      live.className = "live off";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }
  T.connect = connect;

  // A short beep, made on the fly (no sound file to download). Browsers only allow
  // sound after the user touched the page, so the context is made on first use.
  var audio = null;
  function unlockAudio() {
    if (!audio && (window.AudioContext || window.webkitAudioContext)) {
      audio = new (window.AudioContext || window.webkitAudioContext)();
    }
  }
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });
  T.beep = function () {
    if (!audio) return;
    var osc = audio.createOscillator(), gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.4);
  };

  T.notify = function (title, body, id) {
    T.beep();
    if (window.Notification && Notification.permission === "granted" && document.hidden) {
      var n = new Notification(title, { body: body, tag: "teranga-" + id });
      n.onclick = function () { window.focus(); location.hash = "i=" + id; n.close(); };
    }
  };

  var notifyButton = T.$("notify");
  function showNotifyState() {
    if (!window.Notification) { notifyButton.hidden = true; return; }
    if (Notification.permission === "granted") notifyButton.textContent = T.s.notify_on;
    else if (Notification.permission === "denied") notifyButton.textContent = T.s.notify_blocked;
    notifyButton.setAttribute("aria-pressed", String(Notification.permission === "granted"));
  }
  notifyButton.addEventListener("click", function () {
    unlockAudio();
    if (window.Notification && Notification.permission === "default") {
      Notification.requestPermission().then(showNotifyState);
    }
  });
  showNotifyState();

  T.$("presence").addEventListener("change", function (e) {
    T.api("PUT", "/api/v1/agents/me/presence", { state: e.target.value }).catch(function () {});
  });
  T.on("agent.presence", function (d) {
    if (d.user_id === T.me) T.$("presence").value = d.state;
  });

  // Dialogs: any button with class "close" closes its dialog.
  document.addEventListener("click", function (e) {
    var close = e.target.closest("dialog .close");
    if (close) close.closest("dialog").close();
  });

  // Started once every script has registered its handlers.
  document.addEventListener("DOMContentLoaded", connect);
})();
