// Installs the service worker (pages of downloaded courses work without a network).
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {});
}
