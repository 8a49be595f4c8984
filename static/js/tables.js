// A table wider than the screen scrolls sideways inside its .table-responsive box. Such a box
// must be reachable from the keyboard to be scrolled without a mouse (WCAG 2.1.1), and a
// focusable box needs a name: while it scrolls, it is a named region in the tab order; when the
// window is wide enough, it is plain again (no needless tab stop).
(function () {
  "use strict";

  function heading(box) {
    var labelled = box.closest("[aria-labelledby]");
    if (labelled) return document.getElementById(labelled.getAttribute("aria-labelledby"));
    var caption = box.querySelector("caption");
    if (caption) return caption;
    var found = null;
    // The last heading before the box, leaving out those of sections the box is not in.
    document.querySelectorAll("h1, h2, h3, h4").forEach(function (h) {
      var section = h.closest("section");
      if (section && !section.contains(box)) return;
      if (h.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING) found = h;
    });
    return found;
  }

  function update(box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      if (box.getAttribute("tabindex") === "0") return;
      var named = heading(box);
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute(
        "aria-label",
        (named ? named.textContent.trim().replace(/\s+/g, " ") + ": " : "") +
          "table, scrolls sideways"
      );
    } else if (box.getAttribute("tabindex") === "0") {
      ["tabindex", "role", "aria-label"].forEach(function (name) {
        box.removeAttribute(name);
      });
    }
  }

  function updateAll() {
    document.querySelectorAll(".table-responsive").forEach(update);
  }

  updateAll();
  window.addEventListener("resize", updateAll);
  // Tables swapped in later (the live triage queue) are looked at as they arrive.
  new MutationObserver(updateAll).observe(document.body, { childList: true, subtree: true });
})();
