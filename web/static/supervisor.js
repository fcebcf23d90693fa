// Teranga supervisor pages: the wallboard refreshes itself when something moves.
// The socket says *that* something changed in this tenant; the page then fetches its
// panel again (server-rendered HTML), at most once every few seconds, plus every 30 s
// so that waiting times keep growing on screen. No figure is computed here.
(function () {
  "use strict";

  // Pickers submit on change (the Show button stays for keyboard and no-JS use).
  Array.prototype.forEach.call(document.querySelectorAll("[data-autosubmit]"), function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (el) {
    el.addEventListener("click", function () { window.print(); });
  });

  var board = document.getElementById("board");
  if (!board) return;
  var live = document.getElementById("live");
  var tenant = board.dataset.tenant;
  var MIN_GAP_MS = 5000, PERIOD_MS = 30000;
  var lastFetch = 0, pending = null, inFlight = false, again = false;

  function refresh() {
    pending = null;
    if (inFlight) { again = true; return; }
    inFlight = true;
    lastFetch = Date.now();
    fetch(board.dataset.panel, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        // Our own server's template, rendered with autoescaping: safe to place.
        board.innerHTML = html;
        board.dispatchEvent(new CustomEvent("board:updated"));
      })
      .catch(function () { /* the next event or tick tries again */ })
      .then(function () {
        inFlight = false;
        if (again) { again = false; soon(); }
      });
  }

  function soon() {
    if (pending || document.hidden) return;
    var wait = Math.max(0, lastFetch + MIN_GAP_MS - Date.now());
    pending = setTimeout(refresh, wait);
  }

  function relevant(frame) {
    var t = frame.type || "";
    if (t.indexOf("agent.") === 0 || t === "csat.answered" || t === "resync") return true;
    return t.indexOf("interaction.") === 0 && (!frame.data || !frame.data.tenant || frame.data.tenant === tenant);
  }

  var retry = 1000;
  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + "/ws/agent");
    ws.onopen = function () {
      retry = 1000;
      live.textContent = board.dataset.liveText;
      live.className = "live on";
      soon();  // catch up on whatever moved while we were away
    };
    ws.onmessage = function (e) {
      var frame;
      try { frame = JSON.parse(e.data); } catch (err) { return; }
      if (relevant(frame)) soon();
    };
    ws.onclose = function () {
      live.textContent = board.dataset.offlineText;
      live.className = "live off";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }

  setInterval(function () { if (Date.now() - lastFetch >= PERIOD_MS - 100) soon(); }, PERIOD_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) soon(); });
  lastFetch = Date.now();
  connect();
})();
