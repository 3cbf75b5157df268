/* Page glue that used to be inline <script>: the Content-Security-Policy allows only
   scripts served from /static. Loaded last on every page; each block runs only where its
   element exists. Data comes from data-* attributes and <script type="application/json">. */
(function () {
  "use strict";
  function byId(id) { return document.getElementById(id); }

  // language switch: submit on change (a button is shown without script)
  var lang = byId("lang-select");
  if (lang && lang.form) {
    lang.addEventListener("change", function () { lang.form.submit(); });
  }

  // compare: the chosen cities travel as one "cities" field
  var compare = byId("compare-form");
  if (compare) {
    compare.addEventListener("submit", function () {
      var selects = compare.querySelectorAll("select");
      var picks = Array.prototype.map.call(selects, function (s) { return s.value; })
        .filter(function (v) { return v; });
      var field = byId("cities-field");
      if (field) { field.value = picks.join(","); }
      Array.prototype.forEach.call(selects, function (s) { s.disabled = true; });
    });
  }

  var maps = window.SdgMaps, charts = window.SdgCharts;
  // home: the map of all cities
  if (maps && byId("city-map")) { maps.homeMap(byId("city-map")); }
  // city: hex map and the series chart
  if (maps && byId("hex-map")) { maps.hexMap(byId("hex-map")); }
  if (charts && byId("series-chart") && byId("series-data")) {
    charts.seriesChart("series-chart", "series-select", "series-data");
  }
  // indicator: point map and the distribution of values
  var points = byId("points-data"), indMap = byId("ind-map");
  if (points && indMap) {
    var parsed = JSON.parse(points.textContent);
    parsed.countLabel = indMap.getAttribute("data-count-label") || "Cities";
    points.textContent = JSON.stringify(parsed);
    if (maps) { maps.pointMap(indMap); }
    if (charts && byId("dist-chart")) { charts.histogram("dist-chart", "points-data"); }
  }
})();
