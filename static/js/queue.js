// Keeps the triage queue live: every 15 s it fetches the queue fragment (same filters), swaps
// the table in on the first page, and on any page announces an emergency it had not seen.
(function () {
  "use strict";
  var POLL_MS = 15000;
  var live = document.getElementById("queue-live");
  var announcement = document.getElementById("announcement");
  if (!live || !announcement) return;
  var title = document.title;
  var seen = emergencyIds(document);

  function emergencyIds(root) {
    var pinned = root.querySelector("#pinned");
    var ids = pinned ? pinned.dataset.emergencyIds : "";
    return ids.split(" ").filter(Boolean);
  }

  // The refresh replaces the rows: whoever was on a link or button of the queue (a keyboard or
  // screen reader user) stays on the same one of the same case, or the nearest that is left,
  // instead of being thrown back to the top of the page (WCAG 2.4.3).
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

  function focusPlace(container) {
    var active = document.activeElement;
    if (!active || !container.contains(active)) return null;
    var row = active.closest("[data-case]");
    var scope = row || container;
    return {
      element: active,
      caseId: row ? row.dataset.case : null,
      index: Array.prototype.indexOf.call(scope.querySelectorAll(FOCUSABLE), active),
      overall: Array.prototype.indexOf.call(container.querySelectorAll(FOCUSABLE), active),
    };
  }

  function restoreFocus(container, place) {
    if (!place || place.element.isConnected) return;  // not replaced: focus is where it was
    var target = null;
    if (place.caseId) {
      var row = container.querySelector('[data-case="' + place.caseId + '"]');
      if (row) {
        var inRow = row.querySelectorAll(FOCUSABLE);
        target = inRow[place.index] || inRow[0];  // an acknowledged case has no button left
      }
    }
    if (!target) {
      var all = container.querySelectorAll(FOCUSABLE);
      target = all[Math.min(place.overall, all.length - 1)];
    }
    if (!target) {
      live.tabIndex = -1;  // nothing focusable left in the queue: the queue itself
      target = live;
    }
    target.focus({ preventScroll: true });
  }

  function announce() {
    announcement.hidden = false;
    document.title = "(!) New emergency · " + title;
  }

  function poll() {
    fetch(live.dataset.fragmentUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        // Signed out (a redirect to the login page) or refused: leave the page as it is.
        if (!response.ok || response.redirected) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = document.createElement("template");
        fresh.innerHTML = html;
        var ids = emergencyIds(fresh.content);
        // A case seen before can come back: an answer that raises it to emergency again.
        if (ids.some(function (id) { return seen.indexOf(id) === -1; })) announce();
        seen = ids;
        var place = focusPlace(live);
        if (live.dataset.firstPage === "yes") {
          live.replaceChildren(fresh.content);
        } else {
          document.getElementById("pinned").replaceWith(fresh.content.getElementById("pinned"));
        }
        restoreFocus(live, place);
      })
      .catch(function () {
        // The next poll tries again.
      });
  }

  document.getElementById("announcement-seen").addEventListener("click", function () {
    announcement.hidden = true;
    document.title = title;
  });
  setInterval(poll, POLL_MS);
})();
