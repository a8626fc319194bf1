// The group booking page (issue 29, group.html): the roster is checked before the booking.
// The first tap sends the roster alone (POST .../groups/roster): each row shown masked, or each
// row's errors (row number, column, the server's message in the page's language); once the roster
// is clean the button confirms, and the whole form books (POST .../groups) and opens the group's
// ticket. A new file asks for a new check. Without script the form books at once (groups/pages.py).
(function () {
  "use strict";
  var form = document.getElementById("group-form");
  if (!form || !window.fetch || !window.FormData) return;
  var button = document.getElementById("group-submit");
  var file = document.getElementById("g-file");
  var errorsBox = document.getElementById("roster-errors");
  var previewBox = document.getElementById("roster-preview");
  var errorsBody = errorsBox.querySelector("[data-errors-body]");
  var previewBody = previewBox.querySelector("[data-preview-body]");
  var names = JSON.parse(errorsBody.getAttribute("data-field-names") || "{}");
  var said = document.getElementById("group-error");
  var checked = false;

  function headers() {
    var token = form.querySelector('input[name="csrf_token"]');
    return { "Accept": "application/json", "X-CSRF-Token": token ? token.value : "" };
  }
  function cell(tr, text) {
    var td = document.createElement("td");
    td.textContent = text;
    tr.appendChild(td);
  }
  function say(text) {
    said.textContent = text || "";
    said.hidden = !text;
  }
  function state(isChecked) {
    checked = isChecked;
    button.textContent = button.getAttribute(isChecked ? "data-confirm" : "data-check");
  }
  function showErrors(errors) {
    errorsBody.textContent = "";
    var rows = errors.rows || {};
    Object.keys(rows).sort(function (a, b) { return a - b; }).forEach(function (row) {
      Object.keys(rows[row]).forEach(function (field) {
        var tr = document.createElement("tr");
        cell(tr, row);
        cell(tr, names[field] || field);
        cell(tr, [].concat(rows[row][field]).join("; "));
        errorsBody.appendChild(tr);
      });
    });
    errorsBox.hidden = !errorsBody.firstChild;
    previewBox.hidden = true;
  }
  function showPreview(answer) {
    previewBody.textContent = "";
    answer.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, String(r.row));
      cell(tr, r.name_masked);
      cell(tr, r.child ? previewBody.getAttribute("data-child") : (r.id_masked || ""));
      previewBody.appendChild(tr);
    });
    var count = previewBox.querySelector("[data-count]");
    count.textContent = count.getAttribute("data-template").replace("{n}", String(answer.party_size));
    previewBox.hidden = false;
    errorsBox.hidden = true;
  }
  function refused(body) {
    var errors = (body && body.errors) || {};
    showErrors(errors);
    var fields = Object.keys(errors).filter(function (k) { return k !== "rows"; }).map(function (k) {
      var got = errors[k];
      return typeof got === "object" && !Array.isArray(got) ? Object.values(got).join("; ") : [].concat(got).join("; ");
    });
    say([body && body.message].concat(fields).filter(Boolean).join(" "));
    state(false);
  }
  function check() {
    var data = new FormData();
    if (file.files.length) data.append("file", file.files[0]);
    return fetch(form.getAttribute("data-roster-url"), { method: "POST", body: data, headers: headers(), credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (got) {
        if (!got.ok) return refused(got.body);
        say("");
        showPreview(got.body);
        state(true);
      });
  }
  function book() {
    var data = new FormData(form);
    return fetch(form.getAttribute("data-book-url"), { method: "POST", body: data, headers: headers(), credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (got) {
        if (!got.ok) return refused(got.body);
        var made = new URL(got.body.manage_url, window.location.href);
        window.location.assign("/t/" + got.body.registration_id + made.search);
      });
  }
  file.addEventListener("change", function () { state(false); previewBox.hidden = true; });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    button.disabled = true;
    (checked ? book() : check())
      .catch(function () { say(button.getAttribute("data-check")); state(false); })
      .then(function () { button.disabled = false; });
  });
  state(false);
})();
