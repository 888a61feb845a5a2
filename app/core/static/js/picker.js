// Progressive enhancement of the locality picker: load the next level when a select changes.
// Without JavaScript the "Show units below" button does the same through the server.
(function () {
  document.documentElement.classList.add("js");
  document.querySelectorAll("[data-picker]").forEach(function (box) {
    var urlTemplate = box.getAttribute("data-children-url");
    box.addEventListener("change", function (event) {
      var select = event.target;
      if (select.tagName !== "SELECT") return;
      var selects = Array.prototype.slice.call(box.querySelectorAll("select"));
      selects.slice(selects.indexOf(select) + 1).forEach(function (s) {
        var label = box.querySelector('label[for="' + s.id + '"]');
        if (label) label.remove();
        s.remove();
      });
      var option = select.options[select.selectedIndex];
      var code = option && option.getAttribute("data-code");
      if (!code) return;
      fetch(urlTemplate.replace("CODE", encodeURIComponent(code)), {headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.localities.length) return;
          var n = box.querySelectorAll("select").length + 1;
          var label = document.createElement("label");
          label.className = "sr-only"; label.htmlFor = "loc-" + n; label.textContent = select.labels && select.labels[0] ? select.labels[0].textContent.replace(/\d+/, n) : "";
          var next = document.createElement("select");
          next.name = "loc"; next.id = "loc-" + n;
          next.setAttribute("aria-describedby", select.getAttribute("aria-describedby") || "");
          var first = document.createElement("option");
          first.value = ""; first.textContent = select.options[0].textContent;
          next.appendChild(first);
          data.localities.forEach(function (loc) {
            var o = document.createElement("option");
            o.value = loc.id; o.textContent = loc.type + " " + loc.name; o.setAttribute("data-code", loc.code);
            next.appendChild(o);
          });
          var button = box.querySelector("button[name=drill]");
          box.insertBefore(label, button); box.insertBefore(next, button);
        });
    });
  });
})();
