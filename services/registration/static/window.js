/* The staffed window and the phone line (issue 29, /staff/window): a steward (their venue's
 * activities) or an organizer (any) books on someone's behalf through
 * POST /api/v1/activities/<id>/window-registrations with `Authorization: Bearer`, then prints the
 * ticket. The token is kept in sessionStorage (localStorage if "remember" is ticked), never in a
 * URL; the organizer page's token is taken too. The seat rules are the server's (quota.lua).
 */
(function () {
  "use strict";
  var KEY = "sciday.staff.token", ORGANIZER = "sciday.organizer.token";
  var T = JSON.parse(document.getElementById("window-i18n").textContent);
  var EN = T.lang === "en";
  var who = null, shown = {};
  function $(id) { return document.getElementById(id); }
  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, k) { return values[k] === undefined ? "" : String(values[k]); });
  }
  function token() {
    return sessionStorage.getItem(KEY) || localStorage.getItem(KEY) ||
      sessionStorage.getItem(ORGANIZER) || localStorage.getItem(ORGANIZER) || "";
  }
  function forget() { [KEY, ORGANIZER].forEach(function (k) { sessionStorage.removeItem(k); localStorage.removeItem(k); }); }
  function api(method, path, body, extra) {
    var headers = { "Authorization": "Bearer " + token(), "Accept-Language": EN ? "en" : "zh-CN" };
    if (body) headers["Content-Type"] = "application/json";
    Object.keys(extra || {}).forEach(function (k) { headers[k] = extra[k]; });
    return fetch(path, { method: method, headers: headers, cache: "no-store", credentials: "omit",
                         body: body ? JSON.stringify(body) : undefined })
      .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); });
  }
  function title(t) { return (EN && t && t.en) || (t && t.zh) || ""; }
  function show(id, on) { $(id).hidden = !on; }

  function signIn(value) {
    return fetch("/api/v1/tokens/current", { headers: { "Authorization": "Bearer " + value }, cache: "no-store", credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; });
  }
  function start() {
    if (!token()) { show("window-login", true); return; }
    signIn(token()).then(function (p) {
      if (!p) { forget(); show("window-login", true); return; }
      who = p;
      $("window-who").textContent = say(T.who, { name: p.name, role: T.roles[p.role] || p.role });
      show("window-login", false); show("window-desk", true);
      loadActivities();
    });
  }
  $("window-login").addEventListener("submit", function (e) {
    e.preventDefault();
    var value = $("window-token").value.trim();
    signIn(value).then(function (p) {
      if (!p) { $("window-login-error").textContent = T.failed; show("window-login-error", true); return; }
      ($("window-remember").checked ? localStorage : sessionStorage).setItem(KEY, value);
      $("window-token").value = "";
      start();
    });
  });
  $("window-logout").addEventListener("click", function () { forget(); location.reload(); });

  function loadActivities() {
    api("GET", "/api/v1/activities").then(function (res) {
      var sel = $("window-activity"), now = Date.now();
      sel.textContent = "";
      (res.body.activities || []).filter(function (a) {
        return a.status === "scheduled" && a.allocation !== "lottery" && Date.parse(a.starts_at) > now &&
          (who.role === "organizer" || a.venue.id === who.venue);
      }).forEach(function (a) {
        shown[a.id] = a;
        var o = document.createElement("option");
        o.value = a.id;
        o.textContent = title(a.title) + " · " + a.starts_at.substring(5, 16).replace("T", " ");
        sel.appendChild(o);
      });
      if (!sel.options.length) { $("window-seats").textContent = T.none; return; }
      chosen();
    });
  }
  function chosen() {
    var a = shown[$("window-activity").value];
    if (!a) return;
    show("window-members", !!a.real_name);
    var needsOrg = a.audience === "sci_workers_and_families";  // the form rule is the server's; a hint
    $("window-organization").required = needsOrg;
    members();
    api("GET", "/api/v1/activities/" + encodeURIComponent(a.id) + "/window").then(function (res) {
      if (res.status === 200) $("window-seats").textContent = say(T.open, { open: res.body.seats_open, kept: res.body.window_left });
    });
  }
  $("window-activity").addEventListener("change", chosen);
  function members() {
    var a = shown[$("window-activity").value], list = $("window-member-list");
    var n = Math.max(1, Math.min(parseInt($("window-party").value, 10) || 1, 20));
    if (!a || !a.real_name) { list.textContent = ""; return; }
    while (list.children.length > n) list.removeChild(list.lastChild);
    while (list.children.length < n) {
      var f = $("window-member").content.firstElementChild.cloneNode(true);
      f.querySelector("legend").textContent = say(T.person, { n: list.children.length + 1 });
      list.appendChild(f);
    }
  }
  $("window-party").addEventListener("input", members);

  function body() {
    var a = shown[$("window-activity").value];
    var out = { name: $("window-name").value.trim(), party_size: parseInt($("window-party").value, 10) || 0,
                consent: $("window-consent").checked, locale: EN ? "en" : "zh-CN" };
    var phone = $("window-phone").value.trim(), org = $("window-organization").value.trim();
    if (org) out.organization = org;
    if (phone) out.phone = phone;
    if (a && a.real_name) {
      out.id_checked = $("window-id-checked").checked;
      out.members = Array.prototype.map.call($("window-member-list").children, function (f) {
        var m = {};
        f.querySelectorAll("[data-f]").forEach(function (el) { m[el.dataset.f] = el.value.trim(); });
        return m;
      });
    }
    return out;
  }
  function clearErrors() {
    document.querySelectorAll(".window-staff .field-error").forEach(function (p) { p.textContent = ""; });
    document.querySelectorAll(".window-staff [aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    show("window-error", false);
  }
  function flat(v) { return Array.isArray(v) ? v.join(" ") : (v && typeof v === "object") ? Object.keys(v).map(function (k) { return flat(v[k]); }).join(" ") : String(v || ""); }
  function fieldErrors(errors) {
    Object.keys(errors || {}).forEach(function (k) {
      var p = $("err-" + k);
      if (p) p.textContent = flat(errors[k]);
      var input = { name: "window-name", phone: "window-phone", organization: "window-organization", party_size: "window-party", consent: "window-consent", id_checked: "window-id-checked" }[k];
      if (input) $(input).setAttribute("aria-invalid", "true");
    });
  }
  $("window-form").addEventListener("submit", function (e) {
    e.preventDefault();
    clearErrors();
    var aid = $("window-activity").value;
    if (!aid) return;
    $("window-book").disabled = true;
    var key = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^A-Za-z0-9-]/g, "");
    api("POST", "/api/v1/activities/" + encodeURIComponent(aid) + "/window-registrations", body(), { "Idempotency-Key": key })
      .then(function (res) {
        $("window-book").disabled = false;
        if (res.status !== 201) {
          $("window-error").textContent = res.body.message || T.failed;
          show("window-error", true);
          fieldErrors(res.body.errors);
          return;
        }
        done(res.body);
      }, function () { $("window-book").disabled = false; $("window-error").textContent = T.failed; show("window-error", true); });
  });
  function done(reg) {
    var text = reg.status === "confirmed"
      ? say(T.confirmed, { name: $("window-name").value.trim(), n: reg.party_size, id: reg.registration_id })
      : say(T.waitlisted, { pos: reg.waitlist_position });
    $("window-done-text").textContent = text;
    var lang = EN ? "&lang=en" : "";
    $("window-print-80").href = reg.print_url + "&paper=80" + lang;
    $("window-print-58").href = reg.print_url + "&paper=58" + lang;
    $("window-print-80").hidden = $("window-print-58").hidden = reg.status !== "confirmed";
    show("window-form", false); show("window-done", true);
    $("window-done").focus && $("window-done").setAttribute("tabindex", "-1");
    $("window-done").focus();
  }
  $("window-next").addEventListener("click", function () {
    $("window-form").reset();
    members();
    show("window-done", false); show("window-form", true);
    chosen();
    $("window-name").focus();
  });
  start();
})();
