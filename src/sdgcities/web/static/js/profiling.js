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

  var NO_DATA = "#cccccc";

  function classColour(i, prop) {
    return PALETTE[HIGH_IS_WORSE.test(prop) || !/(_access|min)$/.test(prop) ? i : PALETTE.length - 1 - i];
  }

  function colour(value, edges, prop) {
    if (value == null || !isFinite(value)) return NO_DATA;
    var i = 0;
    while (i < edges.length && value > edges[i]) i++;
    return classColour(i, prop);
  }

  function fmt(v) {
    return Number(v).toLocaleString(document.documentElement.lang || undefined, { maximumFractionDigits: 1 });
  }

  function swatch(fill, text, extra) {
    return "<li><span class=\"swatch" + (extra || "") + "\" style=\"background:" + fill + "\" aria-hidden=\"true\"></span>" + esc(text) + "</li>";
  }

  /* the legend under a map (<ul id="MAP-legend">): the class breaks with their colours
     and the column's label and unit, "no data", and exposed buildings when drawn */
  function legend(el, prop, edges, values, buildings) {
    var box = document.getElementById(el.id + "-legend");
    if (!box) return;
    var select = document.querySelector("[data-map-select='" + el.id + "']");
    var title = select ? select.options[select.selectedIndex].text : (el.dataset.labelName || prop);
    var v = values.filter(function (x) { return x != null && isFinite(x); }).sort(function (a, b) { return a - b; });
    var items = ["<li class=\"legend-title\"><strong>" + esc(title) + "</strong></li>"];
    var n = 0;
    if (v.length) {
      var bounds = [v[0]].concat(edges).concat([v[v.length - 1]]);
      for (var i = 0; i < bounds.length - 1; i++) {
        if (i > 0 && bounds[i + 1] <= bounds[i]) continue; /* an empty class */
        var text = i === 0 ? (bounds[1] > bounds[0] ? fmt(bounds[0]) + " – " + fmt(bounds[1]) : fmt(bounds[0]))
          : "> " + fmt(bounds[i]) + " – " + fmt(bounds[i + 1]);
        items.push(swatch(classColour(i, prop), text));
        n++;
      }
    }
    if (values.length > v.length) items.push(swatch(NO_DATA, el.dataset.legendNodata || "no data"));
    if (buildings) items.push(swatch("#2171b5", el.dataset.legendBuildings || "buildings", " swatch-dot"));
    box.innerHTML = items.join("");
    box.dataset.classes = String(n);
  }

  function draw(el) {
    var map = L.map(el, { zoomSnap: 0.25, maxZoom: 19 });
    var layer = null, data = null;
    function paint(prop) {
      if (layer) map.removeLayer(layer);
      var polys = data.features.filter(function (f) { return f.properties.kind !== "building"; });
      var values = polys.map(function (f) { return f.properties[prop]; });
      var edges = breaks(values);
      legend(el, prop, edges, values, polys.length < data.features.length);
      layer = L.geoJSON(data, {
        style: function (f) {
          return { color: "#14213d", weight: 0.6, fillOpacity: 0.75, fillColor: colour(f.properties[prop], edges, prop) };
        },
        pointToLayer: function (f, ll) {
          return L.circleMarker(ll, { radius: 3, color: "#08306b", weight: 1, fillColor: "#2171b5", fillOpacity: 0.9 });
        },
        onEachFeature: function (f, l) {
          var p = f.properties, v = p[prop];
          l.bindTooltip(esc(p.name || p.hazard_class || p.kind || "") + ": " + (v == null ? "—" : esc(fmt(v))));
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
