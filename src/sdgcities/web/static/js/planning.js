/* sdgcities strategic plan: the map of spatial priorities over the city's boundary and
   hex layer, and the polygon tool of draw.js writing into the form's geometry field. */
(function () {
  "use strict";
  var el = document.getElementById("plan-map");
  if (!el || !window.L) return;
  var map = L.map(el, { zoomSnap: 0.25, maxZoom: 18 });
  var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
  map.setView(isNaN(lat) ? [0, 0] : [lat, lon], isNaN(lat) ? 2 : 12);
  var bounds = null;
  function extend(layer) {
    try {
      var b = layer.getBounds();
      if (b.isValid()) { bounds = bounds ? bounds.extend(b) : b; map.fitBounds(bounds, { padding: [12, 12] }); }
    } catch (e) { /* a layer without bounds */ }
  }
  function load(url, style) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (gj) { if (gj) { var l = L.geoJSON(gj, { style: style, interactive: false }).addTo(map); extend(l); return l; } });
  }
  if (el.dataset.hexes) load(el.dataset.hexes, function (f) {
    var s = f.properties && f.properties.share;
    return { weight: 0.4, color: "#14213d", fillOpacity: 0.35, fillColor: s == null ? "#999" : (s < 0.5 ? "#e8743b" : "#8cc084") };
  });
  if (el.dataset.boundary) load(el.dataset.boundary, function () { return { color: "#14213d", weight: 2, fill: false, dashArray: "4 3" }; });
  var src = document.getElementById(el.dataset.places);
  if (src) {
    var places = L.geoJSON(JSON.parse(src.textContent), {
      style: function () { return { color: "#0072B2", weight: 3, fillOpacity: 0.25 }; },
      onEachFeature: function (f, layer) { layer.bindTooltip(String(f.properties.name || "")); }
    }).addTo(map);
    extend(places);
  }
  el.dataset.ready = "1";

  var field = el.dataset.draw ? document.getElementById(el.dataset.draw) : null;
  if (!field || !window.SdgDraw) return;
  window.SdgDraw.shapeTool(map, el, field, { finish: "draw-finish", undo: "draw-undo", clear: "draw-clear" });
})();
