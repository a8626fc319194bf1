// The code page's "send again" (issue 26): waits out the resend cooldown with a countdown. The
// seconds come from the page (data-resend-after: the setting, or what is left of it), never from
// here. Without script the button is always there; the server answers a resend too early.
(function () {
  "use strict";
  var block = document.getElementById("catalogue");
  var texts = block ? JSON.parse(block.textContent).messages : {};
  function _(msgid) { return texts[msgid] || msgid; }
  // Issue 29: "send again" and "call me instead" (data-call-after) share the cooldown: one rule,
  // code_issue.lua, for both channels.
  var buttons = document.querySelectorAll("[data-resend-after], [data-call-after]");
  Array.prototype.forEach.call(buttons, function (button) {
    var idle = button.textContent;
    var call = button.hasAttribute("data-call-after");
    var wait = call ? _("Call again in %(num)d s") : _("Send again in %(num)d s");
    var after = button.getAttribute(call ? "data-call-after" : "data-resend-after");
    var until = Date.now() + 1000 * (+after || 0);
    function tick() {
      var left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) {
        button.disabled = false;
        button.textContent = idle;
        return;
      }
      button.disabled = true;
      button.textContent = wait.replace("%(num)d", String(left));
      setTimeout(tick, 1000 - ((until - Date.now()) % 1000 || 0));
    }
    tick();
  });
})();
