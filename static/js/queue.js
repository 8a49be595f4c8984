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
        if (live.dataset.firstPage === "yes") {
          live.replaceChildren(fresh.content);
        } else {
          document.getElementById("pinned").replaceWith(fresh.content.getElementById("pinned"));
        }
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
