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
