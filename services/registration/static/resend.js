// The code page's "send again" (issue 26): waits out the resend cooldown with a countdown. The
// seconds come from the page (data-resend-after: the setting, or what is left of it), never from
// here. Without script the button is always there; the server answers a resend too early.
(function () {
  "use strict";
  var block = document.getElementById("catalogue");
  var texts = block ? JSON.parse(block.textContent).messages : {};
  function _(msgid) { return texts[msgid] || msgid; }
  var button = document.querySelector("[data-resend-after]");
  if (!button) return;
  var idle = button.textContent;
  var until = Date.now() + 1000 * (+button.getAttribute("data-resend-after") || 0);
  function tick() {
    var left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      button.disabled = false;
      button.textContent = idle;
      return;
    }
    button.disabled = true;
    button.textContent = _("Send again in %(num)d s").replace("%(num)d", String(left));
    setTimeout(tick, 1000 - ((until - Date.now()) % 1000 || 0));
  }
  tick();
})();
