/*! relatedposts: report clicks on search results (list, article, position; never the query). */
(function () {
  "use strict";
  var list = document.querySelector("ol.results[data-first]");
  if (!list || !navigator.sendBeacon) return;
  var first = parseInt(list.getAttribute("data-first"), 10) || 1;
  var links = list.querySelectorAll("li > h2 > a");
  function report(link, position) {
    var body = JSON.stringify({ type: "click", list: "search", from: "/search",
                                to: link.getAttribute("href"), position: position });
    try { navigator.sendBeacon("/api/events", body); } catch (e) { /* never block a click */ }
  }
  for (var i = 0; i < links.length; i++) {
    (function (link, position) {
      // mousedown-less: click and middle-click (auxclick) both count, once each.
      link.addEventListener("click", function () { report(link, position); });
      link.addEventListener("auxclick", function (e) { if (e.button === 1) report(link, position); });
    })(links[i], first + i);
  }
})();
