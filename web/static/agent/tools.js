// Teranga agent page, part 5: transfer, snooze, merge, resolve, the knowledge base,
// and the keyboard shortcuts.
(function () {
  "use strict";
  var T = window.Teranga;

  function need() { return T.openId !== null && T.current; }
  function tenantId() { return T.current ? T.current.tenant_id : null; }

  function openDialog(id, prepare) {
    if (!need()) return;
    var dialog = T.$(id);
    var error = dialog.querySelector(".error");
    if (error) error.hidden = true;
    if (prepare) prepare(dialog);
    dialog.showModal();
  }

  // Transfer: only this business's groups and people are offered.
  function prepareTransfer() {
    var tid = String(tenantId());
    [T.$("transfer-group"), T.$("transfer-agent")].forEach(function (select) {
      Array.prototype.forEach.call(select.options, function (o) {
        o.hidden = o.disabled = !!o.value && o.dataset.tenant !== tid;
      });
      select.value = "";
    });
    T.$("transfer-reason").value = "";
  }
  T.$("transfer-open").addEventListener("click", function () {
    openDialog("transfer-dialog", prepareTransfer);
  });
  T.$("transfer-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var body = { reason: T.$("transfer-reason").value };
    if (T.$("transfer-group").value) body.skill_group_id = Number(T.$("transfer-group").value);
    if (T.$("transfer-agent").value) body.agent_id = Number(T.$("transfer-agent").value);
    T.api("POST", "/api/v1/interactions/" + T.openId + "/transfer", body).then(function () {
      T.$("transfer-dialog").close();
      T.$("conv-status").textContent = T.s.done_transfer;
    }).catch(function (err) { T.showError("transfer-error", err); });
  });

  // Snooze: the time is the browser's, sent with its zone.
  function snoozeUntil() {
    var choice = T.$("snooze-form").querySelector('input[name="when"]:checked').value;
    var d = new Date();
    if (choice === "1h") return new Date(d.getTime() + 3600e3);
    if (choice === "3h") return new Date(d.getTime() + 3 * 3600e3);
    if (choice === "tomorrow" || choice === "monday") {
      var days = choice === "tomorrow" ? 1 : ((8 - d.getDay()) % 7 || 7);
      d.setDate(d.getDate() + days);
      d.setHours(9, 0, 0, 0);
      return d;
    }
    var custom = T.$("snooze-at").value;
    return custom ? new Date(custom) : null;
  }
  T.$("snooze-open").addEventListener("click", function () {
    openDialog("snooze-dialog", function () { T.$("snooze-reason").value = ""; });
  });
  T.$("snooze-at").addEventListener("input", function () {
    T.$("snooze-form").querySelector('input[value="custom"]').checked = true;
  });
  T.$("snooze-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var until = snoozeUntil();
    if (!until || isNaN(until)) { T.showError("snooze-error", T.s.pick_time); return; }
    T.api("POST", "/api/v1/interactions/" + T.openId + "/snooze",
      { until: until.toISOString(), reason: T.$("snooze-reason").value || null })
      .then(function () {
        T.$("snooze-dialog").close();
        T.$("conv-status").textContent = T.fmt(T.s.done_snooze, { when: T.when(until.toISOString()) });
      }).catch(function (err) { T.showError("snooze-error", err); });
  });

  // Merge: another conversation of this customer, or another card of the same person.
  function prepareMerge() {
    var select = T.$("merge-interaction");
    select.textContent = "";
    ((T.contact && T.contact.interactions) || []).forEach(function (i) {
      if (i.id === T.openId || !i.visible) return;
      var o = T.el("option", "", "#" + i.id + " · " + (T.s.channels[i.channel] || i.channel) +
        " · " + (T.s.statuses[i.status] || i.status) + " · " + T.when(i.created_at));
      o.value = i.id;
      select.appendChild(o);
    });
    T.$("merge-interaction-go").disabled = !select.options.length;
    T.$("merge-contacts").textContent = "";
    T.$("merge-contact-q").value = "";
  }
  T.$("merge-open").addEventListener("click", function () {
    openDialog("merge-dialog", prepareMerge);
  });
  T.$("merge-interaction-go").addEventListener("click", function () {
    var other = Number(T.$("merge-interaction").value);
    if (!other || !window.confirm(T.s.confirm_merge)) return;
    T.api("POST", "/api/v1/interactions/" + T.openId + "/merge", { other_id: other })
      .then(function () {
        T.$("merge-dialog").close();
        T.openConversation(T.openId);
      }).catch(function (err) { T.showError("merge-error", err); });
  });
  var contactSearch = null;
  T.$("merge-contact-q").addEventListener("input", function (e) {
    clearTimeout(contactSearch);
    var q = e.target.value.trim();
    if (q.length < 2 || !T.current) return;
    contactSearch = setTimeout(function () {
      T.api("GET", "/api/v1/tenants/" + encodeURIComponent(T.current.tenant) +
        "/contacts?q=" + encodeURIComponent(q)).then(function (r) {
        var ul = T.$("merge-contacts");
        ul.textContent = "";
        r.items.filter(function (c) { return !T.contact || c.id !== T.contact.id; })
          .forEach(function (c) {
            var li = T.el("li", "", (c.name || T.s.no_name) + " — " + c.identities.join(", ") + " ");
            li.appendChild(T.button(T.s.merge_contact, "small", function () { mergeContact(c.id); }));
            ul.appendChild(li);
          });
        if (!ul.children.length) ul.appendChild(T.el("li", "hint", T.s.nothing));
      }).catch(function (err) { T.showError("merge-error", err); });
    }, 300);
  });
  function mergeContact(otherId) {
    if (!T.contact || !window.confirm(T.s.confirm_merge)) return;
    T.api("POST", "/api/v1/contacts/" + T.contact.id + "/merge", { other_id: otherId })
      .then(function () {
        T.$("merge-dialog").close();
        T.openConversation(T.openId);
      }).catch(function (err) { T.showError("merge-error", err); });
  }

  T.$("resolve").addEventListener("click", function () {
    if (!need()) return;
    T.api("POST", "/api/v1/interactions/" + T.openId + "/resolve",
      { outcome: T.$("outcome").value }).then(function () {
      T.$("conv-status").textContent = T.s.done_resolve;
    }).catch(function (err) { T.showError("reply-error", err); });
  });

  // The knowledge base of the conversation's business (or the first one's).
  var kbTimer = null;
  function kbTenant() {
    if (T.current) return T.current.tenant;
    var option = document.querySelector("#f-tenant option[value]:not([value=''])");
    return option ? option.value : (document.querySelector(".row") || { dataset: {} }).dataset.tenant;
  }
  function searchKb() {
    var tenant = kbTenant();
    if (!tenant) return;
    var params = new URLSearchParams();
    if (T.$("kb-q").value.trim()) params.set("q", T.$("kb-q").value.trim());
    if (T.$("kb-kind").value) params.set("kind", T.$("kb-kind").value);
    T.api("GET", "/api/v1/tenants/" + encodeURIComponent(tenant) + "/knowledge?" + params)
      .then(function (r) {
        var ul = T.$("kb-results");
        ul.textContent = "";
        r.items.forEach(function (a) {
          var li = T.el("li"), details = T.el("details"), summary = T.el("summary", "", a.title);
          details.appendChild(summary);
          details.appendChild(T.el("p", "kb-body", a.body));
          details.appendChild(T.button(T.s.insert, "small", function () { T.insert(a.body); }));
          li.appendChild(details);
          ul.appendChild(li);
        });
        if (!r.items.length) ul.appendChild(T.el("li", "hint", T.s.nothing));
      }).catch(function () {});
  }
  T.$("kb-q").addEventListener("input", function () {
    clearTimeout(kbTimer);
    kbTimer = setTimeout(searchKb, 300);
  });
  T.$("kb-kind").addEventListener("change", searchKb);

  // Keyboard: single keys act when no text field has the focus.
  T.$("help-open").addEventListener("click", function () { T.$("help-dialog").showModal(); });
  function typingInField(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (document.querySelector("dialog[open]")) return; // the dialog owns the keyboard
    if (e.key === "Escape") {
      if (typingInField(e.target)) { e.target.blur(); return; }
      if (T.openId) T.$("back").click();
      return;
    }
    if (typingInField(e.target)) return;
    var views = T.allViews();
    var actions = {
      "j": function () { T.moveInList(1); },
      "k": function () { T.moveInList(-1); },
      "r": function () { if (need()) T.setMode("reply"); },
      "n": function () { if (need()) T.setMode("note"); },
      "c": function () { if (need()) T.$("canned-q").focus(); },
      "/": function () { T.$("side").hidden = false; T.$("kb-q").focus(); },
      "t": function () { T.$("transfer-open").click(); },
      "s": function () { T.$("snooze-open").click(); },
      "m": function () { T.$("merge-open").click(); },
      "e": function () { if (need()) T.$("outcome").focus(); },
      "?": function () { T.$("help-dialog").showModal(); }
    };
    var n = Number(e.key);
    if (n >= 1 && n <= views.length) {
      e.preventDefault();
      T.showView(views[n - 1]);
      T.$("tab-" + views[n - 1]).focus();
      return;
    }
    if (actions[e.key]) { e.preventDefault(); actions[e.key](); }
  });
})();
