/* sdgcities programme maps: an initiative's geometry (Leaflet, no tiles, offline); on its
   edit page, the shape tool of draw.js to draw a new one. */
(function () {
  "use strict";
  function draw(el) {
    if (el.dataset.ready || typeof L === "undefined") return;
    var src = document.getElementById(el.dataset.programmesMap);
    if (!src) return;
    var data = JSON.parse(src.textContent);
    var map = L.map(el, { zoomSnap: 0.25, maxZoom: 19 });
    var layer = L.geoJSON(data, {
      style: function () { return { color: "#0072B2", weight: 2, fillOpacity: 0.35, fillColor: "#56B4E9" }; },
      pointToLayer: function (f, ll) {
        return L.circleMarker(ll, { radius: 7, color: "#0072B2", weight: 2, fillColor: "#56B4E9", fillOpacity: 0.9 });
      },
      onEachFeature: function (f, l) {
        var name = (f.properties && f.properties.name) || "";
        l.bindTooltip(name.replace(/[&<>"']/g, function (c) {
          return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
        }));
        if (f.properties && f.properties.href) l.on("click", function () { window.location.href = f.properties.href; });
      }
    }).addTo(map);
    var b = layer.getBounds(), lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
    if (b.isValid()) map.fitBounds(b.pad(0.3), { maxZoom: 16 });
    else if (!isNaN(lat) && !isNaN(lon)) map.setView([lat, lon], 12); /* the initiative's city */
    else map.setView([0, 0], 2);
    el.dataset.features = String(data.features.length);
    var field = el.dataset.draw ? document.getElementById(el.dataset.draw) : null;
    if (field && window.SdgDraw) {
      window.SdgDraw.shapeTool(map, el, field,
        { finish: "ini-draw-finish", undo: "ini-draw-undo", clear: "ini-draw-clear", point: true });
    }
    el.dataset.ready = "1";
  }
  function all() { document.querySelectorAll("[data-programmes-map]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all); else all();
  window.addEventListener("load", all);
})();
