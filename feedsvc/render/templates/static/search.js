// The search page: Pagefind's UI over every year's index (one bundle per year, merged), the
// query taken from ?q=. Result links are made relative to the site's folder, wherever it is served.
(function () {
  var box = document.getElementById("search");
  var bundles = (box.getAttribute("data-bundles") || "").split(" ").filter(Boolean);
  if (!bundles.length || typeof PagefindUI === "undefined") return;
  var at = function (rel) { return new URL(rel, location.href).pathname; };
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: at(bundles[0]),
    mergeIndex: bundles.slice(1).map(function (b) { return { bundlePath: at(b) }; }),
    baseUrl: at("."),
    showImages: false,
    resetStyles: false,
  });
  var q = new URLSearchParams(location.search).get("q");
  if (q) ui.triggerSearch(q);
})();
