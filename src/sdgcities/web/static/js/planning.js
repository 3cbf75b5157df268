/* sdgcities strategic plan: the map of spatial priorities over the city's boundary and
   hex layer, and a minimal polygon tool (click to add corners, finish, undo, clear) that
   writes GeoJSON (EPSG:4326, longitude first) into the form's geometry field. */
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
  if (!field) return;
  var points = [], line = L.polyline([], { color: "#D55E00", weight: 2, dashArray: "5 4" }).addTo(map);
  var markers = L.layerGroup().addTo(map), shape = null;
  el.style.cursor = "crosshair";
  function redraw() {
    line.setLatLngs(points);
    markers.clearLayers();
    points.forEach(function (p) { L.circleMarker(p, { radius: 4, color: "#D55E00" }).addTo(markers); });
    el.dataset.vertices = String(points.length);
  }
  map.on("click", function (ev) {
    if (shape) { map.removeLayer(shape); shape = null; }
    points.push([ev.latlng.lat, ev.latlng.lng]);
    redraw();
  });
  function finish() {
    if (points.length < 3) return;
    var ring = points.map(function (p) { return [Number(p[1].toFixed(7)), Number(p[0].toFixed(7))]; });
    ring.push(ring[0]);
    field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    if (shape) map.removeLayer(shape);
    shape = L.polygon(points, { color: "#D55E00", weight: 3, fillOpacity: 0.2 }).addTo(map);
    points = []; redraw();
  }
  var fin = document.getElementById("draw-finish"), undo = document.getElementById("draw-undo"), clear = document.getElementById("draw-clear");
  if (fin) fin.addEventListener("click", finish);
  if (undo) undo.addEventListener("click", function () { points.pop(); redraw(); });
  if (clear) clear.addEventListener("click", function () { points = []; field.value = ""; if (shape) { map.removeLayer(shape); shape = null; } redraw(); });
})();
