// The real-name form (issue 26): as many member fieldsets as the party size chosen, and each
// child's guardian chosen among the other members shown, named as they are typed. A child's
// fields (birth date, guardian) and an adult's (ID number) are shown by site.css (:has). Without
// script the form shows the size it was opened with (links under the select change it).
(function () {
  "use strict";
  var size = document.querySelector("[data-party-size]");
  if (!size) return;
  var sets = Array.prototype.slice.call(document.querySelectorAll("fieldset.member[data-member]"));
  var base = {};  // each guardian option's first text ("Person 2"), before a name is added
  function names() {
    return sets.map(function (fs) {
      var input = fs.querySelector("[data-member-name]");
      return input ? input.value.trim() : "";
    });
  }
  function guardians(n) {
    var typed = names();
    document.querySelectorAll("[data-guardian] option").forEach(function (opt) {
      var place = +opt.getAttribute("data-place");
      var key = opt.parentNode.id + ":" + place;
      if (!(key in base)) base[key] = opt.textContent;
      opt.hidden = opt.disabled = place >= n;
      opt.textContent = base[key] + (typed[place] ? " " + typed[place] : "");
    });
  }
  function show() {
    var n = +size.value || 1;
    sets.forEach(function (fs, i) {
      fs.hidden = fs.disabled = i >= n;
    });
    guardians(n);
  }
  size.addEventListener("change", show);
  sets.forEach(function (fs) {
    var input = fs.querySelector("[data-member-name]");
    if (input) input.addEventListener("input", function () { guardians(+size.value || 1); });
  });
  show();
})();
