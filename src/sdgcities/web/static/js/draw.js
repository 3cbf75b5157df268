/* sdgcities: a minimal shape tool on a Leaflet map (click to add points, then finish, undo
   or clear) that writes GeoJSON (EPSG:4326, longitude first) into a form field. Used by
   the strategic plan's spatial priorities and by a programme initiative's geometry. */
(function () {
  "use strict";
  /* opts: finish, undo, clear (button ids); point: one point finishes as a Point */
  function shapeTool(map, el, field, opts) {
    opts = opts || {};
    var points = [], line = L.polyline([], { color: "#D55E00", weight: 2, dashArray: "5 4" }).addTo(map);
    var markers = L.layerGroup().addTo(map), shape = null;
    el.style.cursor = "crosshair";
    function redraw() {
      line.setLatLngs(points);
      markers.clearLayers();
      points.forEach(function (p) { L.circleMarker(p, { radius: 4, color: "#D55E00" }).addTo(markers); });
      el.dataset.vertices = String(points.length);
    }
    function lonLat(p) { return [Number(p[1].toFixed(7)), Number(p[0].toFixed(7))]; }
    function removeShape() { if (shape) { map.removeLayer(shape); shape = null; } }
    map.on("click", function (ev) {
      removeShape();
      points.push([ev.latlng.lat, ev.latlng.lng]);
      redraw();
    });
    function finish() {
      if (opts.point && points.length === 1) {
        field.value = JSON.stringify({ type: "Point", coordinates: lonLat(points[0]) });
        removeShape();
        shape = L.circleMarker(points[0], { radius: 7, color: "#D55E00", weight: 3, fillOpacity: 0.4 }).addTo(map);
      } else if (points.length >= 3) {
        var ring = points.map(lonLat);
        ring.push(ring[0]);
        field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
        removeShape();
        shape = L.polygon(points, { color: "#D55E00", weight: 3, fillOpacity: 0.2 }).addTo(map);
      } else {
        return;
      }
      points = []; redraw();
    }
    var fin = document.getElementById(opts.finish), undo = document.getElementById(opts.undo);
    var clear = document.getElementById(opts.clear);
    if (fin) fin.addEventListener("click", finish);
    if (undo) undo.addEventListener("click", function () { points.pop(); redraw(); });
    if (clear) clear.addEventListener("click", function () { points = []; field.value = ""; removeShape(); redraw(); });
  }
  window.SdgDraw = { shapeTool: shapeTool };
})();
