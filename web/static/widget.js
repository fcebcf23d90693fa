/* Teranga website widget: live chat and "call me back".
 * Embed: <script src="https://HOST/widget.js" data-channel="KEY" async></script>
 * Optional: data-lang="fr"|"en".
 * No framework, no dependency; styles live in a shadow root so the host page and the
 * widget never restyle each other. Every text from a visitor or an agent is set with
 * textContent: nothing they write is ever parsed as HTML. */
(function () {
  "use strict";
  var d = document, w = window;
  var me = d.currentScript || d.querySelector("script[data-channel][src*='widget']");
  if (!me || w.__terangaWidget) return;
  w.__terangaWidget = 1;
  var KEY = me.getAttribute("data-channel");
  if (!KEY) return;
  var ORIGIN = new URL(me.src, location.href).origin;
  var WS_URL = ORIGIN.replace(/^http/, "ws") + "/ws/chat/" + encodeURIComponent(KEY);
  var STORE = "teranga:" + KEY;

  var TEXT = {
    fr: {
      open: "Discuter avec nous", close: "Fermer", chat: "Discussion", cb: "Rappelez-moi",
      name: "Votre nom", email: "E-mail", phone: "Téléphone", start: "Commencer",
      write: "Votre message", send: "Envoyer", sending: "envoi…", waiting: "en attente de connexion",
      failed: "non envoyé", you: "Vous", agent: "Conseiller", typing: " écrit…",
      offline: "Connexion perdue, nouvelle tentative…", with: "Vous discutez avec ",
      queue: "Vous êtes n° {n} dans la file", wait: " · attente estimée ≈ {m} min",
      noagent: "Aucun conseiller n'est disponible pour le moment.",
      closedNow: "Nous sommes fermés pour le moment.", reopens: " Réouverture : {t}.",
      leave: "Laissez-nous un message avec votre téléphone ou e-mail, ou demandez à être rappelé.",
      ended: "La conversation est terminée. Écrivez pour la reprendre.",
      transcript: "Recevoir la conversation par e-mail", txSent: "La conversation sera envoyée à {e} à la fin de l'échange.",
      txDone: "La conversation part vers {e}.", txFail: "La conversation n'a pas pu être envoyée à {e}.",
      when: "Quand ?", asap: "Dès que possible", asapClosed: "Dès l'ouverture",
      later: "À un moment précis", day: "Jour", time: "Heure", note: "Objet (facultatif)",
      book: "Être rappelé", booked: "C'est noté : nous vous appellerons au {p} {w}.",
      soon: "très bientôt", at: "le {t}", badPhone: "Ce numéro de téléphone n'est pas valide.",
      badWhen: "Ce créneau n'est pas disponible, choisissez-en un autre.",
      tooMany: "Trop de demandes, réessayez plus tard.", error: "Une erreur est survenue, réessayez.",
      noslot: "Aucun créneau disponible.", contact: "Téléphone ou e-mail pour vous répondre"
    },
    en: {
      open: "Chat with us", close: "Close", chat: "Chat", cb: "Call me back",
      name: "Your name", email: "E-mail", phone: "Phone", start: "Start",
      write: "Your message", send: "Send", sending: "sending…", waiting: "waiting for connection",
      failed: "not sent", you: "You", agent: "Agent", typing: " is typing…",
      offline: "Connection lost, retrying…", with: "You are chatting with ",
      queue: "You are number {n} in the queue", wait: " · estimated wait ≈ {m} min",
      noagent: "No agent is available right now.",
      closedNow: "We are closed right now.", reopens: " We reopen {t}.",
      leave: "Leave us a message with your phone or e-mail, or ask us to call you back.",
      ended: "This conversation has ended. Write to pick it up again.",
      transcript: "E-mail me this conversation", txSent: "The conversation will be sent to {e} when it ends.",
      txDone: "The conversation is on its way to {e}.", txFail: "The conversation could not be sent to {e}.",
      when: "When?", asap: "As soon as possible", asapClosed: "As soon as we open",
      later: "At a time I choose", day: "Day", time: "Time", note: "Subject (optional)",
      book: "Call me back", booked: "Noted: we will call you on {p} {w}.",
      soon: "very soon", at: "at {t}", badPhone: "This phone number is not valid.",
      badWhen: "This slot is not available; please choose another.",
      tooMany: "Too many requests; please try later.", error: "Something went wrong; please try again.",
      noslot: "No slot available.", contact: "Phone or e-mail so we can answer"
    }
  };

  function pickLang(extra) {
    var c = [me.getAttribute("data-lang"), d.documentElement.lang].concat(
      navigator.languages || [navigator.language], [extra]);
    for (var i = 0; i < c.length; i++) {
      var l = (c[i] || "").slice(0, 2).toLowerCase();
      if (TEXT[l]) return l;
    }
    return "fr";
  }
  var LANG = pickLang(), T = TEXT[LANG];
  function fmt(s, v) { return s.replace(/\{(\w)\}/g, function (_, k) { return v[k]; }); }

  // Storage may be refused (private mode, policies): the widget then works per page.
  var st = {};
  try { st = JSON.parse(localStorage.getItem(STORE) || "{}") || {}; } catch (e) { st = {}; }
  st.pending = st.pending || [];
  function save() { try { localStorage.setItem(STORE, JSON.stringify(st)); } catch (e) { /* ignore */ } }

  var CSS = ":host{all:initial}*{box-sizing:border-box;font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif}" +
    ".l{position:fixed;right:16px;bottom:16px;width:56px;height:56px;border-radius:50%;border:0;background:#1f6f4a;color:#fff;cursor:pointer;box-shadow:0 2px 8px #0004;z-index:2147483000}" +
    ".l svg{width:28px;height:28px;fill:#fff;vertical-align:middle}.u{position:absolute;top:-2px;right:-2px;background:#d93025;color:#fff;border-radius:9px;min-width:18px;height:18px;font-size:11px;line-height:18px}" +
    ".p{position:fixed;right:16px;bottom:84px;width:min(360px,calc(100vw - 32px));height:min(520px,calc(100vh - 110px));background:#fff;color:#1d2330;border-radius:12px;box-shadow:0 4px 24px #0005;display:flex;flex-direction:column;overflow:hidden;z-index:2147483000}" +
    ".p[hidden],[hidden]{display:none!important}header{display:flex;align-items:center;padding:10px 12px;background:#1f6f4a;color:#fff}header b{flex:1;font-weight:600}" +
    "header button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}nav{display:flex;border-bottom:1px solid #e3e3e3}" +
    "nav button{flex:1;padding:8px;border:0;background:#f6f7f8;cursor:pointer}nav button[aria-selected=true]{background:#fff;font-weight:600;border-bottom:2px solid #1f6f4a}" +
    ".t{flex:1;display:flex;flex-direction:column;min-height:0}.b{margin:0;padding:6px 12px;background:#fff8e1;font-size:13px}.b button{margin-left:4px}" +
    "ol{list-style:none;margin:0;padding:8px 12px;flex:1;overflow-y:auto}li{margin:6px 0;max-width:85%;padding:6px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}" +
    "li.in{background:#dff1e7;margin-left:auto}li.out{background:#f0f1f4}li small{display:block;font-size:11px;color:#555}li.pend{opacity:.65}li.fail small{color:#d93025}" +
    ".y{margin:0 12px;font-size:12px;color:#555;min-height:16px}form{display:flex;flex-direction:column;gap:6px;padding:8px 12px}" +
    "input,textarea,select{width:100%;padding:7px;border:1px solid #bbb;border-radius:6px;background:#fff;color:#1d2330}textarea{resize:none}" +
    ".c{flex-direction:row;align-items:flex-end;border-top:1px solid #e3e3e3}.c textarea{flex:1}" +
    ".k{padding:7px 12px;border:0;border-radius:6px;background:#1f6f4a;color:#fff;cursor:pointer}.k[disabled]{opacity:.5}" +
    ".x{border:0;background:none;color:#1f6f4a;text-decoration:underline;cursor:pointer;padding:2px 12px 8px;text-align:left;font-size:12px}" +
    ".r{display:flex;gap:6px}.r label{display:flex;gap:4px;align-items:center}.r input{width:auto}.e{color:#d93025;margin:0}.ok{color:#1f6f4a;margin:0}" +
    ".cb{overflow-y:auto}label{font-size:13px}";

  var host, root, ui = {}, conf = null, ws = null, welcomed = false, delay = 1000, timer = 0;
  var agentName = null, unread = 0, typingOut = 0, typingHide = 0, shown = {}, slotsLoaded = false;

  function el(tag, attrs, text) {
    var e = d.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = String(text);
    return e;
  }
  function q(sel) { return root.querySelector(sel); }

  function build() {
    host = el("div", { "data-teranga": "" });
    root = host.attachShadow({ mode: "open" });
    var style = el("style"); style.textContent = CSS; root.appendChild(style);
    var launch = el("button", { "class": "l", "aria-label": T.open, "aria-expanded": "false" });
    launch.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg>';
    var badge = el("span", { "class": "u", hidden: "" }); launch.appendChild(badge);
    var p = el("section", { "class": "p", role: "dialog", "aria-label": conf.name, hidden: "" });
    var head = el("header"); head.appendChild(el("b", {}, conf.name));
    var x = el("button", { "aria-label": T.close }, "×"); head.appendChild(x); p.appendChild(head);
    var nav = el("nav", { role: "tablist" });
    var tChat = el("button", { role: "tab", "aria-selected": "true" }, T.chat);
    var tCb = el("button", { role: "tab", "aria-selected": "false" }, T.cb);
    nav.appendChild(tChat); if (conf.callback_channel) nav.appendChild(tCb); p.appendChild(nav);

    var chat = el("div", { "class": "t", role: "tabpanel", "aria-label": T.chat });
    var banner = el("p", { "class": "b", role: "status", hidden: "" });
    var pre = el("form", { "class": "pre", hidden: "" });
    var log = el("ol", { "aria-live": "polite", "aria-label": T.chat });
    var typing = el("p", { "class": "y", "aria-live": "polite" });
    var compose = el("form", { "class": "c" });
    var box = el("textarea", { rows: "2", "aria-label": T.write, placeholder: T.write, maxlength: String(conf.max_message_chars) });
    compose.appendChild(box); compose.appendChild(el("button", { "class": "k", type: "submit" }, T.send));
    var tx = el("button", { "class": "x", type: "button" }, T.transcript);
    [banner, pre, log, typing, compose, tx].forEach(function (n) { chat.appendChild(n); });
    p.appendChild(chat);

    var cb = el("div", { "class": "t cb", role: "tabpanel", "aria-label": T.cb, hidden: "" });
    p.appendChild(cb);
    root.appendChild(launch); root.appendChild(p);
    ui = { launch: launch, badge: badge, panel: p, chat: chat, cb: cb, banner: banner, pre: pre, log: log,
           typing: typing, compose: compose, box: box, tx: tx, tChat: tChat, tCb: tCb };

    launch.addEventListener("click", function () { toggle(p.hidden); });
    x.addEventListener("click", function () { toggle(false); });
    tChat.addEventListener("click", function () { tab("chat"); });
    tCb.addEventListener("click", function () { tab("cb"); });
    compose.addEventListener("submit", function (e) { e.preventDefault(); submitLine(); });
    box.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); submitLine(); }
    });
    box.addEventListener("input", typingStarted);
    tx.addEventListener("click", askTranscript);
    buildPre(); buildCallback();
    (d.body || d.documentElement).appendChild(host);
  }

  function toggle(open) {
    ui.panel.hidden = !open;
    ui.launch.setAttribute("aria-expanded", String(open));
    if (open) {
      unread = 0; ui.badge.hidden = true;
      if (!ui.pre.hidden) { var f = ui.pre.querySelector("input"); if (f) f.focus(); }
      else { ui.box.focus(); if (!ws) connect(); }
    }
  }

  function tab(which) {
    ui.chat.hidden = which !== "chat"; ui.cb.hidden = which === "chat";
    ui.tChat.setAttribute("aria-selected", String(which === "chat"));
    ui.tCb.setAttribute("aria-selected", String(which !== "chat"));
    if (which !== "chat" && !slotsLoaded) loadSlots();
  }

  // -- pre-chat form (also asked when nobody can answer now, to reach the visitor later) --
  function buildPre() {
    var f = ui.pre;
    ["name", "email", "phone"].forEach(function (k) {
      var i = el("input", { name: k, "aria-label": T[k], placeholder: T[k],
                            type: k === "email" ? "email" : k === "phone" ? "tel" : "text" });
      if (st[k]) i.value = st[k];
      f.appendChild(i);
    });
    f.appendChild(el("button", { "class": "k", type: "submit" }, T.start));
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      ["name", "email", "phone"].forEach(function (k) { st[k] = f.elements[k].value.trim() || st[k]; });
      st.asked = 1; save();
      showPre(false);
      if (ws) { try { ws.close(); } catch (x) { /* reconnects with the details */ } delay = 200; } else connect();
      ui.box.focus();
    });
  }
  function showPre(on, fields) {
    ui.pre.hidden = !on; ui.compose.hidden = on;
    if (on) ["name", "email", "phone"].forEach(function (k) {
      ui.pre.elements[k].hidden = fields.indexOf(k) < 0;
    });
  }

  // -- the conversation ------------------------------------------------------------------
  function clientId() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }

  function line(m) {
    var key = m.id ? "m" + m.id : "c" + m.client_id;
    if (m.client_id && shown["c" + m.client_id]) { var old = shown["c" + m.client_id]; delete shown["c" + m.client_id]; old.remove(); }
    if (shown[key]) return shown[key];
    var li = el("li", { "class": m.direction === "in" ? "in" : "out" });
    li.appendChild(el("small", {}, m.direction === "in" ? T.you : (m.author || agentName || T.agent)));
    li.appendChild(d.createTextNode(m.text));
    var note = el("small", { "class": "s" }); li.appendChild(note);
    ui.log.appendChild(li);
    ui.log.scrollTop = ui.log.scrollHeight;
    shown[key] = li;
    return li;
  }
  function mark(li, cls, text) { li.className = "in " + cls; li.querySelector(".s").textContent = text; }

  function submitLine() {
    var text = ui.box.value.trim();
    if (!text) return;
    ui.box.value = "";
    stopTyping();
    var item = { c: clientId(), t: text.slice(0, conf.max_message_chars) };
    st.pending.push(item); save();
    mark(line({ direction: "in", client_id: item.c, text: item.t }), "pend", welcomed ? T.sending : T.waiting);
    if (welcomed) sendLine(item); else if (!ws) connect();
  }
  function sendLine(item) { send({ type: "message", client_id: item.c, text: item.t }); }
  function flush() { st.pending.forEach(sendLine); }

  function send(frame) {
    if (ws && ws.readyState === 1) { try { ws.send(JSON.stringify(frame)); return true; } catch (e) { /* closing */ } }
    return false;
  }

  function typingStarted() {
    if (!typingOut) send({ type: "typing", state: true });
    clearTimeout(typingOut);
    typingOut = setTimeout(stopTyping, 3000);
  }
  function stopTyping() {
    if (typingOut) { clearTimeout(typingOut); typingOut = 0; send({ type: "typing", state: false }); }
  }

  function askTranscript() {
    var email = st.email || (w.prompt ? w.prompt(T.email) : "");
    if (email) { st.email = email.trim(); save(); send({ type: "transcript", email: st.email }); }
  }

  function say(text, closedHint) {
    var b = ui.banner;
    b.textContent = text || "";
    b.hidden = !text;
    if (text && closedHint && conf.callback_channel) {
      var go = el("button", { "class": "x", type: "button" }, T.cb);
      go.addEventListener("click", function () { tab("cb"); });
      b.appendChild(go);
    }
  }

  function when(iso) {
    try {
      return new Intl.DateTimeFormat(LANG === "fr" ? "fr-FR" : "en-GB", { timeZone: conf.timezone,
        weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
    } catch (e) { return iso; }
  }

  function queue(f) {
    if (agentName) return;
    if (!f.open) {
      say(T.closedNow + (f.reopens_at ? fmt(T.reopens, { t: when(f.reopens_at) }) : "") + " " + T.leave, true);
      askContact();
    } else if (!f.agents_available) {
      say(T.noagent + " " + T.leave, true);
      askContact();
    } else if (f.position) {
      say(fmt(T.queue, { n: f.position }) +
          (f.estimated_wait_seconds != null ? fmt(T.wait, { m: Math.max(1, Math.round(f.estimated_wait_seconds / 60)) }) : ""));
    }
  }
  function askContact() {
    if (!st.asked && !st.email && !st.phone) showPre(true, ["name", "email", "phone"]);
  }

  function onFrame(f) {
    if (f.type === "welcome") {
      welcomed = true; delay = 1000;
      st.token = f.visitor_token; save();
      agentName = f.agent || null;
      var seen = {};
      ui.log.textContent = ""; shown = {};
      (f.history || []).forEach(function (m) { line(m); if (m.client_id) seen[m.client_id] = 1; });
      st.pending = st.pending.filter(function (p) { return !seen[p.c]; }); save();
      st.pending.forEach(function (p) { mark(line({ direction: "in", client_id: p.c, text: p.t }), "pend", T.sending); });
      flush();
      if (agentName) say(T.with + agentName);
      else if (f.queue) queue(f.queue);
      else if (!f.open) queue(f);
      else say("");
    } else if (f.type === "ack") {
      st.pending = st.pending.filter(function (p) { return p.c !== f.client_id; }); save();
      var li = shown["c" + f.client_id];
      if (li) { delete shown["c" + f.client_id]; shown["m" + f.message_id] = li; mark(li, "", ""); }
    } else if (f.type === "message") {
      line(f);
      ui.typing.textContent = "";
      if (ui.panel.hidden) { unread++; ui.badge.textContent = String(unread); ui.badge.hidden = false; }
    } else if (f.type === "typing") {
      ui.typing.textContent = f.state ? (agentName || T.agent) + T.typing : "";
      clearTimeout(typingHide);
      if (f.state) typingHide = setTimeout(function () { ui.typing.textContent = ""; }, 8000);
    } else if (f.type === "agent") {
      agentName = f.name; say(T.with + f.name);
    } else if (f.type === "queue") {
      queue(f);
    } else if (f.type === "closed") {
      agentName = null; say(T.ended);
    } else if (f.type === "system") {
      agentName = null; say(f.text || T.ended);
    } else if (f.type === "transcript") {
      say(fmt(f.status === "failed" ? T.txFail : f.status === "requested" ? T.txSent : T.txDone,
        { e: f.email }));
    } else if (f.type === "error") {
      if (f.client_id && f.retry_after) {
        setTimeout(function () {
          st.pending.forEach(function (p) { if (p.c === f.client_id) sendLine(p); });
        }, f.retry_after * 1000);
      } else if (f.client_id) {
        st.pending = st.pending.filter(function (p) { return p.c !== f.client_id; }); save();
        var bad = shown["c" + f.client_id];
        if (bad) mark(bad, "fail", T.failed + " — " + f.detail);
      }
    }
  }

  function connect() {
    clearTimeout(timer); timer = 0;
    if (ws) return;
    try { ws = new WebSocket(WS_URL); } catch (e) { retry(); return; }
    ws.onopen = function () {
      send({ type: "hello", visitor_token: st.token || null, name: st.name || null,
             email: st.email || null, phone: st.phone || null });
    };
    ws.onmessage = function (e) { try { onFrame(JSON.parse(e.data)); } catch (x) { /* a bad frame must not stop the widget */ } };
    ws.onclose = function (e) {
      ws = null;
      if (welcomed) say(T.offline);
      welcomed = false;
      st.pending.forEach(function (p) { var li = shown["c" + p.c]; if (li) mark(li, "pend", T.waiting); });
      if (e.code !== 4403 && e.code !== 4404) retry();
    };
  }
  // Backoff with jitter, so a restarted server is not stampeded by every visitor at once.
  function retry() {
    if (timer) return;
    timer = setTimeout(connect, delay * (0.75 + Math.random() / 2));
    delay = Math.min(delay * 2, 30000);
  }
  w.addEventListener("online", function () { if (!ws) { delay = 1000; connect(); } });

  // -- call me back ----------------------------------------------------------------------
  function buildCallback() {
    var f = el("form", { "class": "cf", novalidate: "" });
    var name = el("input", { name: "name", "aria-label": T.name, placeholder: T.name, required: "" });
    var phone = el("input", { name: "phone", type: "tel", "aria-label": T.phone, placeholder: T.phone, required: "" });
    name.value = st.name || ""; phone.value = st.phone || "";
    var radios = el("div", { "class": "r", role: "radiogroup", "aria-label": T.when });
    [["asap", conf.open ? T.asap : T.asapClosed], ["later", T.later]].forEach(function (o, i) {
      var lab = el("label"), r = el("input", { type: "radio", name: "when", value: o[0] });
      if (!i) r.checked = true;
      lab.appendChild(r); lab.appendChild(d.createTextNode(o[1])); radios.appendChild(lab);
    });
    var day = el("select", { name: "day", "aria-label": T.day, hidden: "" });
    var time = el("select", { name: "time", "aria-label": T.time, hidden: "" });
    var note = el("textarea", { name: "note", rows: "2", "aria-label": T.note, placeholder: T.note, maxlength: "2000" });
    var err = el("p", { "class": "e", role: "alert" }), ok = el("p", { "class": "ok", role: "status" });
    var go = el("button", { "class": "k", type: "submit" }, T.book);
    [name, phone, radios, day, time, note, go, err, ok].forEach(function (n) { f.appendChild(n); });
    ui.cb.appendChild(f);
    ui.cbf = f;
    radios.addEventListener("change", function () {
      var later = f.elements.when.value === "later";
      day.hidden = time.hidden = !later;
      if (later && !slotsLoaded) loadSlots();
    });
    day.addEventListener("change", fillTimes);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      err.textContent = ""; ok.textContent = "";
      var later = f.elements.when.value === "later";
      var body = { name: name.value.trim(), phone: phone.value.trim(), note: note.value.trim() || null,
                   when: later ? time.value || null : null, lang: LANG };
      st.name = body.name || st.name; st.phone = body.phone || st.phone; save();
      go.disabled = true;
      // text/plain keeps this a "simple" request: no CORS preflight round trip on 3G.
      fetch(ORIGIN + "/public/callbacks/" + encodeURIComponent(conf.callback_channel),
            { method: "POST", headers: { "Content-Type": "text/plain" }, body: JSON.stringify(body) })
        .then(function (r) { return r.json().then(function (j) { return [r.status, j]; }); })
        .then(function (res) {
          go.disabled = false;
          var j = res[1], detail = String(j.detail || "");
          if (res[0] === 201) {
            ok.textContent = fmt(T.booked, { p: j.phone, w: j.when ? fmt(T.at, { t: when(j.when) }) : T.soon });
            note.value = "";
          } else if (res[0] === 429) err.textContent = T.tooMany;
          else if (/^phone/.test(detail)) err.textContent = T.badPhone;
          else if (/^when/.test(detail)) err.textContent = T.badWhen;
          else err.textContent = LANG === "en" && detail ? detail : T.error;
        })
        .catch(function () { go.disabled = false; err.textContent = T.error; });
    });
  }

  var slots = {};
  function loadSlots() {
    slotsLoaded = true;
    if (!conf.callback_channel) return;
    fetch(ORIGIN + "/public/callbacks/" + encodeURIComponent(conf.callback_channel) + "/slots?days=7")
      .then(function (r) { return r.json(); })
      .then(function (j) {
        var fd = new Intl.DateTimeFormat(LANG === "fr" ? "fr-FR" : "en-GB",
                                         { timeZone: j.timezone, weekday: "long", day: "numeric", month: "long" });
        slots = {};
        var day = ui.cbf.elements.day;
        day.textContent = "";
        (j.slots || []).forEach(function (s) {
          var label = fd.format(new Date(s));
          if (!slots[label]) { slots[label] = []; day.appendChild(el("option", { value: label }, label)); }
          slots[label].push(s);
        });
        if (!day.options.length) day.appendChild(el("option", { value: "" }, T.noslot));
        fillTimes();
      })
      .catch(function () { slotsLoaded = false; });
  }
  function fillTimes() {
    var f = ui.cbf, time = f.elements.time;
    var ft = new Intl.DateTimeFormat(LANG === "fr" ? "fr-FR" : "en-GB", { timeZone: conf.timezone, hour: "2-digit", minute: "2-digit" });
    time.textContent = "";
    (slots[f.elements.day.value] || []).forEach(function (s) { time.appendChild(el("option", { value: s }, ft.format(new Date(s)))); });
  }

  // -- start, without ever holding the host page up ---------------------------------------
  function start() {
    fetch(ORIGIN + "/public/chat/" + encodeURIComponent(KEY) + "/config")
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (c) {
        conf = c;
        if (!me.getAttribute("data-lang") && !/^(fr|en)/i.test(d.documentElement.lang || "")) {
          LANG = pickLang(c.lang); T = TEXT[LANG];
        }
        build();
        if (c.prechat && !st.token && !st.asked) showPre(true, c.prechat_fields);
        if (!c.open && !st.token) queue(c);
        if (st.token) connect();
      })
      .catch(function (e) { if (w.console) console.warn("Teranga widget disabled:", e.message); });
  }
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", start);
  else setTimeout(start, 0);
})();
