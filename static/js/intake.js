// Progressive enhancement of the questionnaire (public, reception and check-in forms):
// - ticking an answer that fires an emergency rule shows the A&E instruction beside it at once;
// - a date of birth is shown back as people write it, with the age it gives.
// Which answers fire an emergency is data worked out from the rules on the server
// (intake.rules.emergency_triggers, in the #emergency-triggers JSON); nothing here repeats a rule.
// Without this script the server shows the same instruction first when the form is sent.
(function () {
  "use strict";
  var data = document.getElementById("emergency-triggers");
  var noteTemplate = document.getElementById("emergency-note");
  if (!data || !noteTemplate) return;
  var triggers = JSON.parse(data.textContent);
  var form = document.querySelector("main form[method=post]");
  if (!form) return;
  var birth = form.querySelector("input[name=date_of_birth]");

  function given() {
    var answers = {};
    form.querySelectorAll("input[type=radio]:checked").forEach(function (input) {
      answers[input.name] = input.value;
    });
    if (birth && birth.value) answers.date_of_birth = birth.value;
    return answers;
  }

  function fires(trigger, answers) {
    var ids = Object.keys(trigger.answers);
    for (var i = 0; i < ids.length; i++) {
      if (answers[ids[i]] !== trigger.answers[ids[i]]) return false;
    }
    var born = trigger.born;
    if (born) {
      var dob = answers.date_of_birth; // YYYY-MM-DD compares as text
      if (!dob) return false;
      if (born.from && dob < born.from) return false;
      if (born.to && dob > born.to) return false;
    }
    return true;
  }

  function showEmergencies() {
    var answers = given();
    var involved = {};
    triggers.forEach(function (trigger) {
      if (fires(trigger, answers)) {
        Object.keys(trigger.answers).forEach(function (id) { involved[id] = true; });
      }
    });
    form.querySelectorAll("[data-emergency-note]").forEach(function (note) {
      if (!involved[note.dataset.emergencyNote]) note.remove();
    });
    Object.keys(involved).forEach(function (id) {
      if (form.querySelector('[data-emergency-note="' + id + '"]')) return;
      var field = document.getElementById("div_id_" + id);
      if (!field) return;
      var note = noteTemplate.content.firstElementChild.cloneNode(true);
      note.dataset.emergencyNote = id;
      field.appendChild(note);
    });
  }

  var bornTemplate = document.getElementById("born-note");
  var bornNote = null;
  function showBirthDate() {
    if (!birth || !bornTemplate) return;
    if (!bornNote) {
      bornNote = bornTemplate.content.firstElementChild.cloneNode(true);
      birth.insertAdjacentElement("afterend", bornNote);
    }
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birth.value);
    if (!parts) { bornNote.textContent = ""; return; }
    var year = +parts[1], month = +parts[2], day = +parts[3];
    var today = new Date();
    var age = today.getFullYear() - year -
      ((today.getMonth() + 1 < month || (today.getMonth() + 1 === month && today.getDate() < day)) ? 1 : 0);
    var written = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" })
      .format(new Date(Date.UTC(year, month - 1, day)));
    bornNote.textContent = age >= 0 ? "You were born on " + written + " (age " + age + ")." : "";
  }

  form.addEventListener("change", function () { showEmergencies(); showBirthDate(); });
  if (birth) birth.addEventListener("input", showBirthDate);
  showEmergencies();
})();
