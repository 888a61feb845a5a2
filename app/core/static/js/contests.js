// Progressive enhancement of the attempt form: a countdown and autosave.
// Without JavaScript the form still works: "Save my answers" and "Submit" post it.
(function () {
  "use strict";
  var clock = document.getElementById("countdown");
  var form = document.getElementById("attempt-form");
  if (clock) {
    // The server's clock decides; the offset only makes the display agree with it.
    var deadline = Date.parse(clock.dataset.deadline);
    var offset = Date.parse(clock.dataset.now) - Date.now();
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - (Date.now() + offset)) / 1000));
      clock.textContent = " (" + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0") + ")";
      if (left <= 60) { clock.classList.add("is-late"); }
      if (left > 0) { window.setTimeout(tick, 1000); }
    };
    tick();
  }
  if (!form || !window.fetch) { return; }
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
