// Teranga admin pages: every form.api is sent to the JSON API named by its data-url.
// Field encodings (data-type): list ("a, b"), levels ("ventes=3, support=2"), json, int,
// bool (checkbox). Empty fields are left out unless marked data-keep-empty.
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
          if (Array.isArray(detail)) {
            detail = detail.map(function (d) { return (d.loc || []).slice(-1)[0] + ": " + d.msg; }).join("; ");
          }
          throw new Error(detail || "HTTP " + r.status);
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
    if (type === "int") return Number(raw);
    if (type === "json") {
      try { return JSON.parse(raw); } catch (e) { throw new Error(field.labels[0].textContent + ": JSON"); }
    }
    return raw;
  }

  function body(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (f) {
      if (!f.name || f.disabled) return;
      var v = value(f);
      if (v !== undefined) out[f.name] = v;
    });
    return form.dataset.whole ? out[form.dataset.whole] : out;
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
    var payload;
    try { payload = body(form); } catch (err) {
      status.textContent = err.message;
      status.className = "status bad";
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
      status.textContent = err.message;
      status.className = "status bad";
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
