// Playback speed buttons for lesson videos (the page works without this script).
document.querySelectorAll("[data-speed-for]").forEach(function (bar) {
  var video = document.getElementById(bar.getAttribute("data-speed-for"));
  if (!video) { return; }
  bar.hidden = false;
  bar.addEventListener("click", function (event) {
    var rate = event.target.getAttribute("data-rate");
    if (rate) {
      video.playbackRate = parseFloat(rate);
      bar.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", String(b === event.target)); });
    }
  });
});

// "Watched" is reported by the player: seconds actually played (skipping ahead does not count).
// When most of the video has been played the report is sent and the Continue button appears.
(function () {
  var form = document.getElementById("watched-form");
  var video = form && document.getElementById(form.getAttribute("data-video"));
  if (!form || !video) { return; }
  var share = parseFloat(form.getAttribute("data-share")) || 0.8;
  var sent = false;
  function played() {
    var total = 0;
    for (var i = 0; i < video.played.length; i++) { total += video.played.end(i) - video.played.start(i); }
    return total;
  }
  video.addEventListener("timeupdate", function () {
    if (sent || !video.duration || !isFinite(video.duration)) { return; }
    form.elements.played.value = played().toFixed(1);
    form.elements.duration.value = video.duration.toFixed(1);
    if (played() >= share * video.duration) {
      sent = true;
      form.hidden = false;
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin"});
    }
  });
})();
