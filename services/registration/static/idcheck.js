// The ID number's check digit, checked as it is typed (居民身份证 and the 2023 外国人永久居留身份证:
// GB 11643 MOD 11-2), and the passport's issuing country shown only for passports. Only a hint:
// the server checks everything again. No library, no network.
(function () {
  "use strict";
  // The page's catalogue (shared/translations.py js_catalogue); the msgid is the English text.
  var block = document.getElementById("catalogue");
  var texts = block ? JSON.parse(block.textContent).messages : {};
  function _(msgid) { return texts[msgid] || msgid; }
  var T = {
    ok: _("Check digit OK"),
    bad: _("The check digit does not match; check the number"),
    date: _("The birth date is not valid"),
    len: _("18 characters expected"),
    chars: _("Letters and digits (ASCII) only")
  };
  function say(key) { return T[key]; }
  var W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], C = "10X98765432";
  function check(v) {
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += (v.charCodeAt(i) - 48) * W[i];
    return C.charAt(sum % 11);
  }
  function validDate(v) {
    var y = +v.slice(6, 10), m = +v.slice(10, 12), d = +v.slice(12, 14);
    var dt = new Date(Date.UTC(y, m - 1, d));
    return y >= 1900 && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d && dt <= new Date();
  }
  function judge(type, raw) {
    var v = raw.replace(/ /g, "").toUpperCase();
    if (!v) return null;
    if (!/^[0-9A-Z]*$/.test(v)) return "chars";
    var eighteen = type === "resident_id" || (type === "foreign_permanent_id" && v.charAt(0) === "9");
    if (!eighteen) return null;
    if (v.length < 18) return v.length > 0 && type === "resident_id" ? "len" : null;
    if (!/^[0-9]{17}[0-9X]$/.test(v) || v.length !== 18) return "len";
    if (check(v) !== v.charAt(17)) return "bad";
    if (!validDate(v)) return "date";
    return "ok";
  }
  document.querySelectorAll("fieldset.member").forEach(function (fs) {
    var type = fs.querySelector("[data-idtype]"), input = fs.querySelector("[data-idnumber]");
    var hint = fs.querySelector("[data-idhint]");
    if (!type || !input || !hint) return;
    // A passport's issuing country: asked only for a passport (without script it is always shown,
    // labelled "passports only"; the server ignores it for other documents).
    var nat = fs.querySelector("[data-nationality]");
    function showNationality() { if (nat) nat.hidden = type.value !== "passport"; }
    showNationality();
    type.addEventListener("change", showNationality);
    function update(final) {
      var r = judge(type.value, input.value);
      if (r === "len" && !final) r = null;  // still typing
      hint.textContent = r ? say(r) : "";
      hint.className = "id-hint fine " + (r === "ok" ? "good" : r ? "bad" : "");
      input.setAttribute("aria-invalid", r && r !== "ok" ? "true" : "false");
    }
    input.addEventListener("input", function () { update(false); });
    input.addEventListener("blur", function () { update(true); });
    type.addEventListener("change", function () { update(true); });
  });
})();
