// Service worker of Công Dân Số: pages and files of downloaded courses answer without a network.
// Everything else goes to the network as usual (network first: a fresh page whenever possible).
var CACHE = "cds-offline-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  // only reads of this site; the offline queue's own requests always go to the network
  if (request.method !== "GET" || url.origin !== self.location.origin
      || url.pathname.indexOf("/learn/offline/") === 0) { return; }
  event.respondWith(
    fetch(request).then(function (response) {
      // keep downloaded pages fresh when they are opened online
      if (response.ok && request.mode === "navigate") {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) {
          cache.match(request).then(function (old) { if (old) { cache.put(request, copy); } });
        });
      }
      return response;
    }).catch(function () {
      return caches.match(request, {ignoreVary: true}).then(function (cached) {
        if (cached) { return cached; }
        if (request.headers.get("range")) { return caches.match(request.url); }
        if (request.mode !== "navigate") { return Response.error(); }
        return new Response(
          "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
          "<title>Công Dân Số</title><p style='font:1.1rem sans-serif;padding:1rem'>" +
          "Không có mạng. Trang này chưa được tải về máy. / No network: this page was not downloaded.</p>",
          {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
      });
    })
  );
});
