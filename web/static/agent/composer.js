// Teranga agent page, part 4: the composer, shaped by the channel — e-mail subject,
// copies and attachments; SMS segment counter and STOP warning; chat typing signal;
// call-back phone link and outcomes — plus canned responses and suggested replies.
(function () {
  "use strict";
  var T = window.Teranga;
  var box = T.$("reply-text");
  var mode = "reply";
  var canned = [];
  var originalSubject = "";

  // GSM 03.38, mirrored from channels/sms/segments.py (keep the two in step).
  var GSM7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM7_EXT = "\f^{}\\[~]|€";
  T.segments = function (text) {
    var chars = Array.from(text);
    var gsm = chars.every(function (c) { return GSM7.indexOf(c) >= 0 || GSM7_EXT.indexOf(c) >= 0; });
    var costs = chars.map(function (c) {
      if (gsm) return GSM7_EXT.indexOf(c) >= 0 ? 2 : 1;
      return c.codePointAt(0) > 0xFFFF ? 2 : 1;
    });
    var total = costs.reduce(function (a, b) { return a + b; }, 0);
    var single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
    var out = { encoding: gsm ? "gsm7" : "ucs2", characters: total, perSegment: single };
    if (total <= single) {
      out.segments = total ? 1 : 0;
      out.remaining = single - total;
    } else {
      // Parts never split an escape pair or a surrogate pair, as handsets do.
      var segments = 1, used = 0;
      costs.forEach(function (c) { if (used + c > multi) { segments += 1; used = 0; } used += c; });
      out.segments = segments;
      out.perSegment = multi;
      out.remaining = multi - used;
    }
    out.unicode = gsm ? [] : chars.filter(function (c, n) {
      return GSM7.indexOf(c) < 0 && GSM7_EXT.indexOf(c) < 0 && chars.indexOf(c) === n;
    });
    return out;
  };

  function channel() { return T.current ? T.current.channel : ""; }
  function optedOut() {
    return channel() === "sms" && !!(T.contact ? T.contact.sms_opted_out :
      T.current && T.current.contact && T.current.contact.sms_opted_out);
  }

  function count() {
    var p = T.$("sms-count");
    if (channel() !== "sms" || mode !== "reply") { p.textContent = ""; return; }
    var info = T.segments(box.value);
    var text = T.fmt(T.s.sms_count, { chars: info.characters, segments: info.segments,
      encoding: info.encoding === "gsm7" ? "GSM-7" : "Unicode", left: info.remaining });
    if (info.unicode.length) text += " — " + T.fmt(T.s.sms_unicode, { chars: info.unicode.join(" ") });
    p.textContent = text;
  }

  function setMode(next) {
    mode = next;
    T.$("mode-reply").setAttribute("aria-pressed", String(next === "reply"));
    T.$("mode-note").setAttribute("aria-pressed", String(next === "note"));
    T.$("reply-label").textContent = next === "note" ? T.s.note : T.s.reply;
    T.$("send").textContent = next === "note" ? T.s.add_note : T.s.send;
    T.$("reply-form").classList.toggle("noting", next === "note");
    shape();
  }
  T.setMode = function (next) { setMode(next); box.focus(); };
  T.$("mode-reply").addEventListener("click", function () { T.setMode("reply"); });
  T.$("mode-note").addEventListener("click", function () { T.setMode("note"); });

  // Show what this channel's composer needs; hide the rest.
  function shape() {
    var kind = channel(), replying = mode === "reply";
    T.$("email-fields").hidden = !(kind === "email" && replying);
    T.$("callback-fields").hidden = kind !== "callback";
    T.$("mode-reply").hidden = kind === "callback"; // a call-back is answered by phone
    T.$("optout").hidden = !(replying && optedOut());
    T.$("send").disabled = replying && optedOut();
    count();
  }

  T.composerFor = function (i) {
    if (i.channel === "callback" && mode === "reply") setMode("note");
    var phone = i.contact && i.contact.phones && i.contact.phones[0];
    var tel = T.$("tel-link");
    tel.href = "tel:" + (phone || "");
    tel.textContent = phone ? T.fmt("☎ {p}", { p: phone }) : "☎";
    if (i.channel === "callback") loadCallback(i.id);
    if (i.channel === "email") {
      originalSubject = i.subject ? (/^re:/i.test(i.subject) ? i.subject : "Re: " + i.subject) : "";
      if (!T.$("reply-subject").value) T.$("reply-subject").value = originalSubject;
    }
    shape();
  };
  T.afterCard = shape;

  T.afterOpen = function (i) {
    box.value = "";
    T.$("reply-subject").value = "";
    T.$("reply-cc").value = "";
    T.$("reply-files").value = "";
    T.$("reply-error").hidden = true;
    T.$("canned-hint").textContent = "";
    T.$("conv-status").textContent = "";
    setMode(i.channel === "callback" ? "note" : "reply");
    T.composerFor(i);
    loadCanned(i.id);
    loadSuggestions(i.id);
  };

  box.addEventListener("input", function () { count(); typing(); });

  // Chat: the visitor (and colleagues) see that the agent is typing.
  var typingSent = 0, typingStop = null;
  function typing() {
    if (channel() !== "chat" || mode !== "reply" || !T.openId) return;
    var now = Date.now(), id = T.openId;
    if (now - typingSent > 3000) {
      typingSent = now;
      T.api("POST", "/api/v1/interactions/" + id + "/typing", { state: true }).catch(function () {});
    }
    clearTimeout(typingStop);
    typingStop = setTimeout(function () {
      typingSent = 0;
      T.api("POST", "/api/v1/interactions/" + id + "/typing", { state: false }).catch(function () {});
    }, 4000);
  }

  function send() {
    var text = box.value.trim();
    if (!text || T.openId === null) return;
    var id = T.openId;
    T.$("reply-error").hidden = true;
    var request;
    if (mode === "note") {
      request = T.api("POST", "/api/v1/interactions/" + id + "/notes", { text: text });
    } else if (channel() === "email" && hasEmailExtras()) {
      var form = new FormData();
      form.append("text", text);
      form.append("subject", T.$("reply-subject").value);
      form.append("cc", T.$("reply-cc").value);
      Array.prototype.forEach.call(T.$("reply-files").files, function (f) { form.append("attachments", f); });
      request = T.api("POST", "/api/v1/interactions/" + id + "/email-replies", form, true);
    } else {
      request = T.api("POST", "/api/v1/interactions/" + id + "/replies", { text: text });
    }
    T.$("send").disabled = true;
    request.then(function () {
      box.value = "";
      T.$("reply-cc").value = "";
      T.$("reply-files").value = "";
      T.$("canned-hint").textContent = "";
      count();
    }).catch(function (err) { T.showError("reply-error", err); })
      .then(function () { shape(); });
  }
  function hasEmailExtras() {
    return T.$("reply-cc").value.trim() || T.$("reply-files").files.length ||
      T.$("reply-subject").value.trim() !== originalSubject;
  }
  T.$("reply-form").addEventListener("submit", function (e) { e.preventDefault(); send(); });
  box.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send(); }
    if (e.key === "Tab" && !e.shiftKey && expandShortcut()) e.preventDefault();
  });

  // The call-back card: the number (tel: and SIP), and every attempt so far.
  function loadCallback(id) {
    var list = T.$("cb-attempts"), sip = T.$("sip-link");
    sip.hidden = true;
    T.api("GET", "/api/v1/interactions/" + id + "/callback").then(function (c) {
      if (T.openId !== id) return;
      list.textContent = "";  // cleared here: two loads in flight must not both append
      T.$("tel-link").href = c.tel;
      if (c.sip) { sip.href = c.sip; sip.hidden = false; }
      c.attempts.forEach(function (a) {
        var li = document.createElement("li");
        li.textContent = [a.attempt, a.outcome, a.agent || "", (a.at || "").slice(0, 16).replace("T", " "),
          a.retry_at ? "→ " + a.retry_at.slice(0, 16).replace("T", " ") : ""].join(" · ");
        list.appendChild(li);
      });
    }).catch(function () {});
  }

  // Call-back outcomes: recorded by the call-back channel (retries, SMS, history).
  Array.prototype.forEach.call(document.querySelectorAll(".call-outcome"), function (b) {
    b.addEventListener("click", function () {
      if (!T.openId) return;
      T.api("POST", "/api/v1/interactions/" + T.openId + "/callback-outcomes",
        { outcome: b.dataset.outcome }).then(function () {
        T.$("conv-status").textContent = T.s.done_outcome;
        loadCallback(T.openId);
      }).catch(function (err) {
        T.showError("reply-error", err.status === 404 || err.status === 405 ?
          T.s.no_outcome_api : err);
      });
    });
  });

  // Canned responses: filled in by the server with this conversation's names.
  function loadCanned(id) {
    canned = [];
    drawCanned();
    T.api("GET", "/api/v1/interactions/" + id + "/canned-responses").then(function (r) {
      if (T.openId === id) { canned = r.items; drawCanned(); }
    }).catch(function () {});
  }
  function drawCanned() {
    var q = T.$("canned-q").value.trim().toLowerCase();
    var ul = T.$("canned-list");
    ul.textContent = "";
    canned.filter(function (c) {
      return !q || c.title.toLowerCase().indexOf(q) >= 0 || (c.shortcut || "").indexOf(q) >= 0 ||
        c.body.toLowerCase().indexOf(q) >= 0;
    }).slice(0, q ? 8 : 5).forEach(function (c) {
      var li = T.el("li");
      li.appendChild(T.button(c.title + (c.shortcut ? "  /" + c.shortcut : ""), "pick",
        function () { useCanned(c.id); }));
      ul.appendChild(li);
    });
  }
  T.$("canned-q").addEventListener("input", drawCanned);
  T.$("canned-q").addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      e.preventDefault();
      var first = T.$("canned-list").querySelector("button");
      if (first) first.click();
    }
  });

  function insert(text, missing) {
    var start = box.selectionStart || 0, end = box.selectionEnd || 0;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.selectionStart = box.selectionEnd = start + text.length;
    T.$("canned-hint").textContent = missing && missing.length ?
      T.fmt(T.s.missing, { names: missing.join(", ") }) : "";
    count();
    box.focus();
  }
  T.insert = insert;

  function useCanned(cannedId, replaceFrom) {
    var id = T.openId;
    return T.api("GET", "/api/v1/interactions/" + id + "/canned-responses/" + cannedId)
      .then(function (r) {
        if (replaceFrom !== undefined) {
          box.value = box.value.slice(0, replaceFrom) + box.value.slice(box.selectionStart);
          box.selectionStart = box.selectionEnd = replaceFrom;
        }
        insert(r.text, r.missing);
      }).catch(function (err) { T.showError("reply-error", err); });
  }

  // "/riz" then Tab in the reply box: the canned response with that shortcut.
  function expandShortcut() {
    var before = box.value.slice(0, box.selectionStart);
    var m = /(^|\s)\/([a-z0-9_-]+)$/.exec(before);
    if (!m) return false;
    var hit = canned.find(function (c) { return c.shortcut === m[2]; });
    if (!hit) return false;
    useCanned(hit.id, before.length - m[2].length - 1);
    return true;
  }

  function loadSuggestions(id) {
    var holder = T.$("suggestions");
    holder.textContent = "";
    holder.hidden = true;
    T.api("GET", "/api/v1/interactions/" + id + "/suggestions").then(function (r) {
      if (T.openId !== id || !r.items.length) return;
      r.items.forEach(function (s) {
        holder.appendChild(T.button(T.fmt(T.s.suggested, { title: s.title }), "pick",
          function () { insert(s.text, s.missing); }));
      });
      holder.hidden = false;
    }).catch(function () {});
  }
})();
