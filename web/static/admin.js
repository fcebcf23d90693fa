// Teranga admin pages: every form.api is sent to the JSON API named by its data-url.
// Field encodings (data-type): list ("a, b"), levels ("ventes=3, support=2"), json, int,
// number, percent (80 -> 0.8), bool (checkbox), null (a checkbox that, when ticked, sends
// null). Empty fields are left out unless marked data-keep-empty. A dotted name
// ("routing.overflow.target_group") writes inside nested objects; a form's data-base
// (JSON) is the object it edits, so keys the form has no field for are kept.
// An API error naming a field ({"detail", "field"}) is shown next to that field.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;

  function call(method, url, body) {
    var opts = { method: method, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" } };
    if (body !== undefined) opts.body = JSON.stringify(body);
    return fetch(url, opts).then(function (r) {
      if (r.status === 204) return {};
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var detail = data.detail;
          var field = data.field;
          if (Array.isArray(detail)) {
            if (detail.length && detail[0].loc) field = detail[0].loc.slice(1).join(".");
            detail = detail.map(function (d) { return (d.loc || []).slice(-1)[0] + ": " + d.msg; }).join("; ");
          }
          var err = new Error(detail || "HTTP " + r.status);
          err.field = field;
          throw err;
        }
        return data;
      });
    });
  }

  function list(text) {
    return text.split(/[,\n]/).map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function levels(text) {
    var out = {};
    list(text).forEach(function (pair) {
      var parts = pair.split("=");
      var n = Number(parts[1]);
      if (parts.length !== 2 || !parts[0].trim() || !Number.isInteger(n)) {
        throw new Error("« " + pair + " »: name=number");
      }
      out[parts[0].trim()] = n;
    });
    return out;
  }

  function value(field) {
    var type = field.dataset.type || "text";
    if (type === "bool") return field.checked;
    var raw = field.value;
    if (!raw.trim() && !field.hasAttribute("data-keep-empty")) return undefined;
    if (type === "list") return list(raw);
    if (type === "levels") return levels(raw);
    if (type === "null") return field.checked ? null : undefined;
    if (type === "int" || type === "number" || type === "percent") {
      var n = Number(raw);
      if (raw.trim() === "" || !isFinite(n)) throw fieldError(field, (field.labels[0] || field).textContent + ": ?");
      return type === "percent" ? n / 100 : n;
    }
    if (type === "json") {
      try { return JSON.parse(raw); } catch (e) { throw new Error(field.labels[0].textContent + ": JSON"); }
    }
    return raw;
  }

  function fieldError(field, message) {
    var err = new Error(message);
    err.field = field.name;
    return err;
  }

  function setPath(obj, path, v) {
    var keys = path.split(".");
    var last = keys.pop();
    keys.forEach(function (k) {
      if (typeof obj[k] !== "object" || obj[k] === null || Array.isArray(obj[k])) obj[k] = {};
      obj = obj[k];
    });
    if (v === undefined) delete obj[last]; else obj[last] = v;
  }

  // Objects left empty by the form are dropped (the default applies), except those named
  // in the form's data-keep, where empty means "none" (no SLA target, never time out).
  function prune(obj, keep, prefix) {
    Object.keys(obj).forEach(function (k) {
      var v = obj[k];
      var path = prefix + k;
      if (v && typeof v === "object" && !Array.isArray(v)) {
        prune(v, keep, path + ".");
        if (!Object.keys(v).length && keep.indexOf(path) < 0) delete obj[k];
      }
    });
    return obj;
  }

  function body(form) {
    var out = form.dataset.base ? JSON.parse(form.dataset.base) : {};
    var fields = Array.prototype.filter.call(form.elements, function (f) {
      return f.name && !f.disabled;
    });
    fields.forEach(function (f) { setPath(out, f.name, undefined); });
    fields.forEach(function (f) {
      var v = value(f);
      if (v !== undefined) setPath(out, f.name, v);
    });
    if (form.dataset.base) prune(out, list(form.dataset.keep || ""), "");
    return form.dataset.whole ? out[form.dataset.whole] : out;
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (p) {
      var input = document.getElementById(p.dataset.for);
      if (input) {
        input.removeAttribute("aria-invalid");
        input.setAttribute("aria-describedby",
          (input.getAttribute("aria-describedby") || "").replace(p.id, "").trim());
      }
      p.remove();
    });
  }

  // The message goes right after the field, tied to it for screen readers.
  function showFieldError(form, name, message) {
    var input = form.querySelector('[name="' + name + '"]') ||
      form.querySelector('[name^="' + name + '."]');
    if (!input || !input.id) return false;
    var p = document.createElement("p");
    p.className = "field-error bad";
    p.id = input.id + "-error";
    p.dataset.for = input.id;
    p.textContent = message;
    var after = input.nextElementSibling && input.nextElementSibling.matches("label.check") ?
      input.nextElementSibling : input;
    after.insertAdjacentElement("afterend", p);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby",
      ((input.getAttribute("aria-describedby") || "") + " " + p.id).trim());
    return true;
  }

  function copyRow(label, text, n) {
    var id = "result-" + n + "-" + Date.now();
    var wrap = document.createElement("div");
    var l = document.createElement("label");
    l.htmlFor = id;
    l.textContent = label;
    var row = document.createElement("div");
    row.className = "copy";
    var input = document.createElement("input");
    input.id = id;
    input.readOnly = true;
    input.value = text;
    var b = document.createElement("button");
    b.type = "button";
    b.className = "copy-btn";
    b.dataset.copy = id;
    b.textContent = document.querySelector(".copy-btn") ?
      document.querySelector(".copy-btn").textContent : "Copy";
    row.appendChild(input);
    row.appendChild(b);
    wrap.appendChild(l);
    wrap.appendChild(row);
    return wrap;
  }

  // A new channel's key and secret are shown once, with its URLs, ready to copy.
  function show(form, data) {
    var box = form.querySelector(".result");
    var labels = JSON.parse(box.dataset.labels || "{}");
    var n = 0;
    [["key", data.key], ["secret", data.secret]].concat(Object.entries(data.urls || {}))
      .forEach(function (pair) {
        if (pair[1]) box.appendChild(copyRow(labels[pair[0]] || pair[0], pair[1], n++));
      });
    box.hidden = false;
  }

  document.addEventListener("submit", function (e) {
    var form = e.target.closest("form.api");
    if (!form) return;
    e.preventDefault();
    var status = form.querySelector(".status");
    status.className = "status";
    clearErrors(form);
    function failed(err) {
      status.textContent = err.message;
      status.className = "status bad";
      if (err.field) showFieldError(form, err.field, err.message);
    }
    var payload;
    try { payload = body(form); } catch (err) {
      failed(err);
      return;
    }
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    // data-busy: a slow action (retraining) says it is working and cannot be sent twice.
    var buttons = form.querySelectorAll("button[type=submit]");
    if (form.dataset.busy) {
      status.textContent = form.dataset.busy;
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    }
    call(form.dataset.method, form.dataset.url, payload).then(function (data) {
      if (form.dataset.after === "show") {
        status.textContent = "✓";
        show(form, data);
      } else {
        location.reload();
      }
    }).catch(function (err) {
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
      failed(err);
    });
  });

  document.addEventListener("click", function (e) {
    var copy = e.target.closest(".copy-btn");
    if (copy) {
      var input = document.getElementById(copy.dataset.copy);
      input.select();
      if (navigator.clipboard) navigator.clipboard.writeText(input.value).catch(function () {});
      else document.execCommand("copy");
      copy.setAttribute("aria-pressed", "true");
      return;
    }
    var del = e.target.closest("button.delete");
    if (del && window.confirm(del.textContent + " ?")) {
      call("DELETE", del.dataset.url).then(function () { location.reload(); })
        .catch(function (err) { del.closest("form").querySelector(".status").textContent = err.message; });
    }
  });
})();
