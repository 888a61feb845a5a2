// Progressive enhancement of the attempt form: a countdown, time warnings, autosave, a count of
// how often the page lost focus, and a confirmation dialog before submitting.
// Without JavaScript the form still works: "Save my answers" posts it, and "Submit" shows a
// confirmation page (with the number of unanswered questions) before anything is submitted.
(function () {
  "use strict";
  var clock = document.getElementById("countdown");
  var form = document.getElementById("attempt-form");
  var warning = document.getElementById("time-warning");
  // 0: nothing shown yet, 1: the 5-minute warning, 2: the 1-minute one (the server may have
  // rendered one already when the page was loaded late).
  var warned = 0;
  if (warning && !warning.hidden) { warned = warning.textContent.trim() === warning.dataset.one ? 2 : 1; }
  var warn = function (left) {
    // Announced once at 5 minutes and once at 1 minute (role="alert": read out at once).
    if (!warning) { return; }
    var text = null;
    if (left <= 60 && warned < 2) { text = warning.dataset.one; warned = 2; }
    else if (left <= 300 && warned < 1) { text = warning.dataset.five; warned = 1; }
    if (text) { warning.hidden = false; warning.textContent = text; }
  };
  if (clock) {
    // The server's clock decides; the offset only makes the display agree with it.
    var deadline = Date.parse(clock.dataset.deadline);
    var offset = Date.parse(clock.dataset.now) - Date.now();
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - (Date.now() + offset)) / 1000));
      clock.textContent = " (" + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0") + ")";
      if (left <= 60) { clock.classList.add("is-late"); }
      warn(left);
      if (left > 0) { window.setTimeout(tick, 1000); }
    };
    tick();
  }
  if (!form) { return; }
  // Focus lost: the page hidden or the window left; sent with autosave and submit.
  var focusField = document.getElementById("focus-lost");
  var lost = 0;
  var leave = function () { lost += 1; if (focusField) { focusField.value = String(lost); } };
  if (focusField) { focusField.value = "0"; }
  document.addEventListener("visibilitychange", function () { if (document.hidden) { leave(); } });
  window.addEventListener("blur", function () { if (!document.hidden) { leave(); } });

  var dialog = document.getElementById("submit-dialog");
  var submitButton = document.getElementById("submit-attempt");
  if (dialog && submitButton && typeof dialog.showModal === "function") {
    var unanswered = function () {
      var questions = form.querySelectorAll("fieldset.question");
      var open = 0;
      questions.forEach(function (q) { if (!q.querySelector("input:checked")) { open += 1; } });
      return [open, questions.length];
    };
    submitButton.addEventListener("click", function (event) {
      event.preventDefault();
      var counts = unanswered();
      var template = counts[0] ? dialog.dataset.unanswered : dialog.dataset.all;
      document.getElementById("submit-dialog-count").textContent =
        template.replace("{n}", counts[0]).replace("{total}", counts[1]);
      dialog.showModal();
      document.getElementById("submit-dialog-back").focus();
    });
    document.getElementById("submit-dialog-back").addEventListener("click", function () { dialog.close(); });
    document.getElementById("submit-dialog-confirm").addEventListener("click", function () {
      var action = document.createElement("input");
      action.type = "hidden"; action.name = "action"; action.value = "submit";
      form.appendChild(action);
      dialog.close();
      form.submit();
    });
  }
  if (!window.fetch) { return; }
  var status = document.getElementById("autosave-status");
  var timer = null;
  var save = function () {
    var data = new FormData(form);
    data.delete("action");
    fetch(form.dataset.autosave, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (status) { status.textContent = body.saved ? status.dataset.saved : body.message; }
      })
      .catch(function () { if (status) { status.textContent = "…"; } });
  };
  form.addEventListener("change", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 400);
  });
})();
