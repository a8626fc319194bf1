// The release queue's page (issue 28): asks GET .../queue/me every poll_s seconds (the answer's
// poll_s when it gives one) and shows the place, the people ahead and the estimate; a new state
// (the release, the turn, sold out) reloads the page, which the server draws. An error doubles the
// wait, up to data-poll-max-s. Without script the page's <noscript> refresh does the same.
(function () {
  "use strict";
  var box = document.getElementById("queue");
  if (!box || !box.getAttribute("data-poll-url") || !window.fetch) return;
  var block = document.getElementById("catalogue");
  var texts = block ? JSON.parse(block.textContent).messages : {};
  function _(msgid) { return texts[msgid] || msgid; }
  function ngettext(one, many, n) {  // Chinese has one form; English's are the msgids
    var t = texts[one];
    if (Array.isArray(t)) return t[Math.min(n === 1 ? 0 : 1, t.length - 1)];
    return n === 1 ? one : many;
  }
  var url = box.getAttribute("data-poll-url");
  var state = box.getAttribute("data-state");
  var every = +box.getAttribute("data-poll-s") || 5;
  var most = +box.getAttribute("data-poll-max-s") || every;
  var wait = every;
  function show(field, text) {
    var el = box.querySelector('[data-field="' + field + '"]');
    if (el && el.textContent !== text) el.textContent = text;
  }
  function estimate(seconds) {
    var min = Math.ceil(seconds / 60);
    if (min < 1) return _("Less than a minute");
    return ngettext("About %(num)d minute", "About %(num)d minutes", min).replace("%(num)d", String(min));
  }
  function answer(q) {
    if (q.state !== state) { window.location.reload(); return; }
    if (q.position != null) show("position", String(q.position));
    if (q.ahead != null) show("ahead", String(q.ahead));
    if (q.estimate_s != null) show("estimate", estimate(q.estimate_s));
    var go = document.getElementById("queue-go");  // the turn: the button carries a fresh token
    if (go && q.token) go.search = "?queue_token=" + encodeURIComponent(q.token);
    if (q.poll_s) every = q.poll_s;
    wait = every;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(answer, function () { wait = Math.min(wait * 2, Math.max(most, every)); })
      .then(function () { setTimeout(poll, wait * 1000); });
  }
  setTimeout(poll, wait * 1000);
})();
