// A refused form's error summary takes the focus when the page opens (templates/includes/
// error_summary.html), so that it is seen on a phone and read out first; its links move the
// focus to the field itself, not only the view.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) return;
  // Not when an A&E instruction is above it: that must stay in view (no data-focus then).
  if (summary.hasAttribute("data-focus") && document.activeElement !== summary) summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    field.focus();
    var block = field.closest("fieldset, .mb-3") || field;
    block.scrollIntoView({ block: "start" });
  });
})();
