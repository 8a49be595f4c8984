// The staff menu on a narrow screen: folded behind a "Menu" button, so the work starts near
// the top of the page. Without this script the menu is simply shown (clinic.css: .menu-folds).
(function () {
  "use strict";
  var button = document.querySelector(".staff-menu-toggle");
  var menu = document.getElementById("staff-menu");
  if (!button || !menu) return;
  document.documentElement.classList.add("menu-folds");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("open", open);
  });
})();
