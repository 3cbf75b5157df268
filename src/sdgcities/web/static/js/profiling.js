/* sdgcities profiling maps: neighbourhood choropleths and exposure maps (Leaflet, no tiles). */
(function () {
  "use strict";
  var PALETTE = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  function breaks(values) {
    var v = values.filter(function (x) { return x != null && isFinite(x); }).sort(function (a, b) { return a - b; });
    if (!v.length) return [];
    return [0.2, 0.4, 0.6, 0.8].map(function (q) { return v[Math.min(v.length - 1, Math.floor(q * v.length))]; });
  }

  /* red = worse: high values are worse for these, low values for access shares */
  var HIGH_IS_WORSE = /^(af_score|pm25|exposed_share|population_exposed)$/;

  function colour(value, edges, prop) {
    if (value == null || !isFinite(value)) return "#cccccc";
    var i = 0;
    while (i < edges.length && value > edges[i]) i++;
    return PALETTE[HIGH_IS_WORSE.test(prop) || !/(_access|min)$/.test(prop) ? i : PALETTE.length - 1 - i];
  }

  function draw(el) {
    var map = L.map(el, { zoomSnap: 0.25, maxZoom: 19 });
    var layer = null, data = null;
    function paint(prop) {
      if (layer) map.removeLayer(layer);
      var polys = data.features.filter(function (f) { return f.properties.kind !== "building"; });
      var edges = breaks(polys.map(function (f) { return f.properties[prop]; }));
      layer = L.geoJSON(data, {
        style: function (f) {
          return { color: "#14213d", weight: 0.6, fillOpacity: 0.75, fillColor: colour(f.properties[prop], edges, prop) };
        },
        pointToLayer: function (f, ll) {
          return L.circleMarker(ll, { radius: 3, color: "#08306b", weight: 1, fillColor: "#2171b5", fillOpacity: 0.9 });
        },
        onEachFeature: function (f, l) {
          var p = f.properties, v = p[prop];
          l.bindTooltip(esc(p.name || p.hazard_class || p.kind || "") + ": " + (v == null ? "—" : esc(Number(v).toLocaleString(undefined, { maximumFractionDigits: 1 }))));
        }
      }).addTo(map);
      el.dataset.features = String(data.features.length);
      el.dataset.ready = "1";
    }
    fetch(el.dataset.geojson, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (body) {
      data = body.features || { type: "FeatureCollection", features: [] };
      paint(el.dataset.property);
      try { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); } catch (e) { map.setView([0, 0], 2); }
      var select = document.querySelector("[data-map-select='" + el.id + "']");
      if (select) select.addEventListener("change", function () { paint(select.value); });
    });
  }

  document.querySelectorAll(".profile-map").forEach(draw);
})();
