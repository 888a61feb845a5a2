// Lessons without a network (app/learn/offline.py has the rules).
// 1. Course page: "download to learn offline" stores the course's pages and files in the cache
//    that the service worker (/sw.js) answers from, and its grading rules in localStorage.
// 2. Step pages, offline: the step is graded on the phone and queued; then the next page opens
//    from the cache.
// 3. Back online: the queue is sent once; the server answers which items it recorded or kept.
(function () {
  var CACHE = "cds-offline-v1";
  var QUEUE = "cds-offline-queue";
  var PACKAGE = "cds-offline:";

  function read(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function write(key, value) { localStorage.setItem(key, JSON.stringify(value)); }

  // --- 1. download ---------------------------------------------------------------------------
  var box = document.getElementById("offline-download");
  if (box && "caches" in window && "serviceWorker" in navigator && window.fetch) {
    var status = document.getElementById("offline-status");
    fetch(box.getAttribute("data-package"), {credentials: "same-origin"})
      .then(function (r) { if (!r.ok || r.redirected) { throw new Error("package"); } return r.json(); })
      .then(function (pkg) {
        box.hidden = false;
        document.getElementById("offline-size").textContent = pkg.size_label;
        var videos = document.getElementById("offline-videos");
        if (pkg.video_urls.length) {
          document.getElementById("offline-video-size").textContent = pkg.video_label;
        } else {
          videos.hidden = true;
        }
        if (read(PACKAGE + pkg.course, null)) { status.textContent = pkg.messages.downloaded; }
        document.getElementById("offline-button").addEventListener("click", function () {
          var wanted = pkg.urls.concat(document.getElementById("offline-with-videos").checked ? pkg.video_urls : []);
          status.textContent = pkg.messages.downloading;
          caches.open(CACHE).then(function (cache) { return cache.addAll(wanted); }).then(function () {
            write(PACKAGE + pkg.course, {lessons: pkg.lessons, messages: pkg.messages,
                                         mobile_prefixes: pkg.mobile_prefixes, version: pkg.version});
            status.textContent = pkg.messages.downloaded;
            box.setAttribute("data-downloaded", "true");
          }).catch(function () { status.textContent = pkg.messages.failed; });
        });
      }).catch(function () {});
  }

  // --- 2. a step offline ---------------------------------------------------------------------
  function fold(text) {
    return String(text || "").replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").toLowerCase().split(/\s+/).join(" ").trim();
  }
  function phone(raw, prefixes) {
    var digits = String(raw || "").replace(/[\s.\-()]/g, "");
    if (digits.indexOf("+84") === 0) { digits = "0" + digits.slice(3); }
    else if (digits.indexOf("84") === 0 && digits.length === 11) { digits = "0" + digits.slice(2); }
    return /^0\d{9}$/.test(digits) && prefixes.indexOf(digits.slice(0, 3)) >= 0 ? digits : "";
  }
  // The same rules as app.learn.progress.check_rehearsal.
  function rehearsalMistakes(fields, form, prefixes) {
    var mistakes = {};
    fields.forEach(function (spec) {
      var input = form.elements["f_" + spec.name];
      var value = (input ? input.value : "").trim();
      var ok = value !== "";
      if (ok && spec.type === "digits") {
        value = value.replace(/\s/g, "");
        ok = /^\d+$/.test(value) && value.length === spec.length;
      } else if (ok && spec.type === "phone") {
        value = phone(value, prefixes);
        ok = value !== "";
      } else if (ok && spec.type === "select") {
        ok = (spec.options || []).map(String).indexOf(value) >= 0;
      } else if (ok && spec.type === "date") {
        ok = /^\d{4}-\d{2}-\d{2}$/.test(value) && !isNaN(Date.parse(value));
        var today = new Date().toISOString().slice(0, 10);
        ok = ok && (!spec.not_future || value <= today) && (spec.min == null || value >= String(spec.min))
          && (spec.max == null || value <= String(spec.max));
      }
      if (ok && spec.expected != null) { ok = fold(value) === fold(String(spec.expected)); }
      if (!ok) { mistakes[spec.name] = spec.hint; }
    });
    return mistakes;
  }
  function digest(text) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (buffer) {
      return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
    });
  }
  function say(form, id, text) {
    var old = document.getElementById(id);
    if (old) { old.parentNode.removeChild(old); }
    var p = document.createElement("p");
    p.id = id; p.className = "error"; p.setAttribute("role", "alert"); p.textContent = text;
    form.insertBefore(p, form.firstChild.nextSibling);
  }

  var form = document.querySelector("form.step-form");
  var where = location.pathname.match(/^\/learn\/([^/]+)\/([^/]+)\/step\/(\d+)$/);
  if (form && where) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) { return; }
      var pkg = read(PACKAGE + where[1], null);
      var lesson = pkg && pkg.lessons[where[2]];
      var number = parseInt(where[3], 10);
      var step = lesson && lesson.steps[number - 1];
      if (!step) { return; }  // not downloaded: the browser shows its own offline page
      event.preventDefault();
      var base = "/learn/" + where[1] + "/" + where[2];
      var next = number < lesson.total ? base + "/step/" + (number + 1) : base + "/done";
      var graded;
      if (step.check) {
        var chosen = form.querySelector("input[name=choice]:checked");
        if (!chosen) { say(form, "offline-error", pkg.messages.choose); return; }
        var text = chosen.closest("label").textContent.trim().replace(/\s+/g, " ");
        graded = digest(where[1] + "/" + where[2] + "/" + step.key + "/" + text).then(function (h) {
          if (step.check.right.indexOf(h) < 0) { say(form, "offline-error", pkg.messages.wrong); return false; }
          return true;
        });
      } else if (step.rehearsal) {
        var mistakes = rehearsalMistakes(step.rehearsal.fields, form, pkg.mobile_prefixes || []);
        var names = Object.keys(mistakes);
        if (names.length) {
          say(form, "offline-error", pkg.messages.rehearsal + " " + names.map(function (n) { return mistakes[n]; }).join(" "));
          return;
        }
        graded = Promise.resolve(true);
      } else {
        graded = Promise.resolve(true);
      }
      graded.then(function (ok) {
        if (!ok) { return; }
        var queue = read(QUEUE, []);
        var key = where[1] + "/" + where[2] + "/" + step.key;  // the idempotency key
        if (!queue.some(function (item) { return item.key === key; })) {
          queue.push({key: key, at: new Date().toISOString()});
          write(QUEUE, queue);
        }
        sessionStorage.setItem("cds-offline-saved", pkg.messages.saved);
        location.href = next;
      });
    });
  }
  var saved = sessionStorage.getItem("cds-offline-saved");
  if (saved) {
    sessionStorage.removeItem("cds-offline-saved");
    var main = document.getElementById("main");
    if (main) {
      var note = document.createElement("p");
      note.className = "flash flash-info"; note.setAttribute("role", "status"); note.id = "offline-saved";
      note.textContent = saved;
      main.insertBefore(note, main.firstChild);
    }
  }

  // --- 3. back online: send the queue once -----------------------------------------------------
  var sending = false;
  function flush() {
    var queue = read(QUEUE, []);
    if (sending || !navigator.onLine || !queue.length || !window.fetch) { return; }
    sending = true;
    fetch("/learn/offline/progress", {credentials: "same-origin"})
      .then(function (r) { if (!r.ok || r.redirected) { throw new Error("token"); } return r.json(); })
      .then(function (token) {
        return fetch("/learn/offline/progress", {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": token.csrf},
          body: JSON.stringify({items: queue})});
      })
      .then(function (r) { if (!r.ok) { throw new Error("send"); } return r.json(); })
      .then(function (result) {
        var done = result.recorded.concat(result.kept, result.refused);
        write(QUEUE, read(QUEUE, []).filter(function (item) { return done.indexOf(item.key) < 0; }));
        document.documentElement.setAttribute("data-offline-sent", String(done.length));
      })
      .catch(function () { setTimeout(flush, 5000); })  // the network is often back in steps: retry
      .then(function () { sending = false; });
  }
  window.addEventListener("online", flush);
  setInterval(flush, 60000);
  flush();
})();
