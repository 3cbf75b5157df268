/* sdgcities maps: the home map of cities, a city's hex layers, an indicator's map.
   No tile layer unless the server sets SDGCITIES_TILE_URL (no network by default). */
(function () {
  "use strict";

  function baseMap(el, opts) {
    var map = L.map(el, Object.assign({ preferCanvas: true, worldCopyJump: true, zoomSnap: 0.25, maxZoom: 18 }, opts || {}));
    var tiles = el.dataset.tiles;
    if (!tiles && el.dataset.outlines && window.topojson) {
      /* no basemap: country outlines (Natural Earth) on a plain background */
      map.createPane("outlines"); map.getPane("outlines").style.zIndex = 250;
      fetch(el.dataset.outlines).then(function (r) { return r.json(); }).then(function (topo) {
        L.geoJSON(topojson.feature(topo, topo.objects.countries), {
          pane: "outlines", interactive: false,
          style: { color: "#9aa5b4", weight: 0.8, fillColor: "#fbfaf7", fillOpacity: 1 }
        }).addTo(map);
      });
    }
    if (tiles) {
      L.tileLayer(tiles, {
        maxZoom: 19,
        attribution: "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors"
      }).addTo(map);
    }
    return map;
  }

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  function fmt(n) {
    if (n == null || isNaN(n)) return "—";
    return Number(n).toLocaleString(document.documentElement.lang || undefined, { maximumFractionDigits: 1 });
  }

  function homeMap(el) {
    if (!el) return;
    var map = baseMap(el, { minZoom: 1 }).setView([15, 10], 2);
    fetch(el.dataset.geojson).then(function (r) { return r.json(); }).then(function (fc) {
      var group = L.markerClusterGroup ? L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false }) : L.layerGroup();
      fc.features.forEach(function (f) {
        var c = f.geometry.coordinates, p = f.properties;
        var m = L.circleMarker([c[1], c[0]], { radius: 6, color: "#14213d", weight: 1.5, fillColor: "#fd9d24", fillOpacity: 0.9 });
        m.bindPopup("<strong><a href=\"/cities/" + encodeURIComponent(p.slug) + "\">" + esc(p.name) + "</a></strong><br>" +
          esc(p.country) + "<br>" + esc(el.dataset.labelPopulation) + ": " + fmt(p.population));
        m.bindTooltip(esc(p.name));
        group.addLayer(m);
      });
      map.addLayer(group);
      if (fc.features.length) {
        try { map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 6 }); } catch (e) { /* empty */ }
      }
      el.dataset.ready = "1";
    });
    return map;
  }

  /* The cells of a layer's compact JSON (/cities/…/hexes/N/cells.json), decoded once:
     each vertex projected to Web Mercator world units (0..1, as Leaflet's zoom 0 / 256),
     so that drawing a view is one multiply-add per vertex. */
  function decodeCells(d) {
    var n = d.count, verts = d.vertices, c = d.coords, scale = d.scale;
    var total = 0, i, j;
    for (i = 0; i < n; i++) total += verts[i];
    var X = new Float64Array(total), Y = new Float64Array(total), start = new Int32Array(n + 1);
    var lon0 = new Float64Array(n), lat0 = new Float64Array(n);
    var k = 0, x = 0, y = 0, d2r = Math.PI / 180, fourPi = 4 * Math.PI;
    for (i = 0; i < n; i++) {
      start[i] = k;
      for (j = 0; j < verts[i]; j++, k++) {
        if (j === 0) { x = c[2 * k]; y = c[2 * k + 1]; } else { x += c[2 * k]; y += c[2 * k + 1]; }
        var lon = x / scale, lat = y / scale, s = Math.sin(lat * d2r);
        if (j === 0) { lon0[i] = lon; lat0[i] = lat; }
        X[k] = (lon + 180) / 360;
        Y[k] = 0.5 - Math.log((1 + s) / (1 - s)) / fourPi;
      }
    }
    start[n] = k;
    return { count: n, X: X, Y: Y, start: start, lon0: lon0, lat0: lat0, share: d.share,
      population: d.population, covered: d.covered, distance_m: d.distance_m, h3: d.h3 };
  }

  /* A canvas layer that draws many polygons in one pass (50,000 hexes in well under a second). */
  var HexCanvas = L.Layer.extend({
    initialize: function (cells, colourOf) {
      this._cells = cells;
      this._colour = new Array(cells.count);
      for (var i = 0; i < cells.count; i++) this._colour[i] = colourOf(cells.share[i]);
    },
    onAdd: function (map) {
      this._map = map;
      this._canvas = L.DomUtil.create("canvas", "leaflet-zoom-hide hex-canvas");
      this._canvas.setAttribute("aria-hidden", "true");
      map.getPanes().overlayPane.appendChild(this._canvas);
      map.on("moveend zoomend resize", this._reset, this);
      this._reset();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend zoomend resize", this._reset, this);
    },
    _reset: function () {
      var map = this._map, size = map.getSize(), ratio = window.devicePixelRatio || 1;
      var topLeft = map.containerPointToLayerPoint([0, 0]);
      L.DomUtil.setPosition(this._canvas, topLeft);
      this._canvas.width = size.x * ratio; this._canvas.height = size.y * ratio;
      this._canvas.style.width = size.x + "px"; this._canvas.style.height = size.y + "px";
      var ctx = this._canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      var bounds = map.getBounds().pad(0.05);
      var zoom = map.getZoom(), origin = map.getPixelOrigin();
      var scale = 256 * Math.pow(2, zoom), ox = origin.x + topLeft.x, oy = origin.y + topLeft.y;
      var cells = this._cells, X = cells.X, Y = cells.Y, start = cells.start;
      var south = bounds.getSouth() - 0.05, north = bounds.getNorth() + 0.05;
      var west = bounds.getWest() - 0.05, east = bounds.getEast() + 0.05;
      var byColour = {};
      for (var i = 0; i < cells.count; i++) {
        var lon = cells.lon0[i], lat = cells.lat0[i];
        if (lat < south || lat > north || lon < west || lon > east) continue;
        var col = this._colour[i];
        (byColour[col] = byColour[col] || []).push(i);
      }
      var outline = zoom >= 13;
      ctx.globalAlpha = 0.8; /* the streets and outline of the extract show through */
      ctx.lineWidth = 0.6;
      ctx.strokeStyle = "rgba(20,33,61,0.35)";
      Object.keys(byColour).forEach(function (col) {
        var ids = byColour[col];
        ctx.fillStyle = col;
        /* fill in batches: one huge path is slow to rasterise, one path per cell is slow to issue */
        for (var first = 0; first < ids.length; first += 500) {
          ctx.beginPath();
          var last = Math.min(ids.length, first + 500);
          for (var m = first; m < last; m++) {
            var c = ids[m], k = start[c], end = start[c + 1];
            ctx.moveTo(X[k] * scale - ox, Y[k] * scale - oy);
            for (k++; k < end; k++) ctx.lineTo(X[k] * scale - ox, Y[k] * scale - oy);
            ctx.closePath();
          }
          ctx.fill();
          if (outline) ctx.stroke();
        }
      });
    }
  });

  /* legend classes: share of population with access, 0..1 (low share = who lacks access) */
  var CLASSES = [
    { max: 0.25, colour: "#b3261e" }, { max: 0.5, colour: "#e8743b" },
    { max: 0.75, colour: "#f2c14e" }, { max: 0.9, colour: "#8cc084" }, { max: 1.01, colour: "#1e7b34" }
  ];
  function shareColour(share) {
    if (share == null) return "rgba(120,120,120,0.35)";
    for (var i = 0; i < CLASSES.length; i++) if (share < CLASSES[i].max) return CLASSES[i].colour;
    return CLASSES[CLASSES.length - 1].colour;
  }

  function hexMap(el) {
    if (!el) return;
    var map = baseMap(el, { minZoom: 2 });
    el._map = map;
    L.control.scale({ imperial: false }).addTo(map);
    var bbox = el.dataset.bbox ? JSON.parse(el.dataset.bbox) : null;
    if (bbox) map.fitBounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]]);
    else if (el.dataset.lat) map.setView([+el.dataset.lat, +el.dataset.lon], 11);
    else map.setView([0, 0], 2);
    /* labelled context above the hexagons: the layer's outline, the city boundary, the centre */
    map.createPane("context"); map.getPane("context").style.zIndex = 450;
    map.getPane("context").style.pointerEvents = "none";
    var contextRenderer = L.svg({ pane: "context" });
    if (el.dataset.boundary) {
      fetch(el.dataset.boundary).then(function (r) { return r.json(); }).then(function (gj) {
        L.geoJSON(gj, { pane: "context", renderer: contextRenderer, interactive: false,
          style: { color: "#6a4c93", weight: 2, fill: false } }).addTo(map);
        el.dataset.boundaryShown = "1";
      });
    }
    if (el.dataset.lat) {
      L.circleMarker([+el.dataset.lat, +el.dataset.lon], { radius: 5, color: "#14213d", fillColor: "#fff", fillOpacity: 1 })
        .bindTooltip((el.dataset.name || "") + (el.dataset.labelCentre ? " — " + el.dataset.labelCentre : "")).addTo(map);
    }
    map.createPane("streets"); map.getPane("streets").style.zIndex = 430;
    map.getPane("streets").style.pointerEvents = "none";
    var streetRenderer = L.canvas({ pane: "streets" });
    var streets = null, streetCredit = null;
    function loadStreets(url) {
      if (streets) { map.removeLayer(streets); streets = null; }
      if (streetCredit) { map.attributionControl.removeAttribution(streetCredit); streetCredit = null; }
      el.dataset.streetsShown = "0";
      if (!url) return;
      fetch(url).then(function (r) { return r.ok ? r.json() : null; }).then(function (gj) {
        if (!gj || !gj.geometry) return;
        streets = L.geoJSON(gj, { pane: "streets", renderer: streetRenderer, interactive: false,
          style: { color: "#11151c", weight: 1.2, opacity: 0.6 } }).addTo(map);
        streetCredit = esc(el.dataset.labelOsm || "© OpenStreetMap contributors");
        map.attributionControl.addAttribution(streetCredit);
        el.dataset.streetsShown = "1";
      });
    }
    var current = null, outline = null, attribution = null, select = document.getElementById(el.dataset.select);
    var status = document.getElementById(el.dataset.status);
    function showStatement(url) {
      document.querySelectorAll(".area-statement[data-for]").forEach(function (p) {
        p.hidden = p.getAttribute("data-for") !== url;
      });
    }
    function loadOutline(url) {
      if (outline) { map.removeLayer(outline); outline = null; }
      if (!url) return;
      fetch(url).then(function (r) { return r.json(); }).then(function (gj) {
        if (!gj.geometry) return;
        outline = L.geoJSON(gj, { pane: "context", renderer: contextRenderer, interactive: false,
          style: { color: "#14213d", weight: 2.5, dashArray: "6 4", fill: false } }).addTo(map);
        outline.bindTooltip(el.dataset.labelOutline || "");
        el.dataset.outlineShown = "1";
      });
    }
    function load(url) {
      if (!url) return;
      var t0 = performance.now();
      el.dataset.ready = "0";
      if (status) status.textContent = el.dataset.labelLoading || "";
      showStatement(url);
      var opt = select ? select.options[select.selectedIndex] : null;
      loadOutline(opt ? opt.getAttribute("data-outline") : null);
      loadStreets(opt ? opt.getAttribute("data-streets") : null);
      var t1, t2;
      var data = opt ? opt.getAttribute("data-map") : null; /* the compact cells of the layer */
      if (!data) return;
      fetch(data).then(function (r) { return r.text(); }).then(function (text) {
        t1 = performance.now();
        var d = JSON.parse(text);
        var cells = decodeCells(d);
        t2 = performance.now();
        if (current) map.removeLayer(current);
        if (attribution) { map.attributionControl.removeAttribution(attribution); attribution = null; }
        if (d.attribution) { attribution = esc(d.attribution); map.attributionControl.addAttribution(attribution); }
        /* fit the hexagons' own extent (their boundaries, not their centres) */
        if (d.bbox) map.fitBounds([[d.bbox[1], d.bbox[0]], [d.bbox[3], d.bbox[2]]], { animate: false, padding: [12, 12] });
        current = new HexCanvas(cells, shareColour).addTo(map);
        var t3 = performance.now();
        var b = map.getBounds();
        el.dataset.bounds = JSON.stringify([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]);
        el.dataset.ready = "1";
        el.dataset.cells = String(cells.count);
        el.dataset.renderMs = String(Math.round(t3 - t0));
        el.dataset.timing = JSON.stringify({ fetch: Math.round(t1 - t0), parse: Math.round(t2 - t1), draw: Math.round(t3 - t2) });
        if (status) status.textContent = (el.dataset.labelCells || "%s").replace("%s", cells.count.toLocaleString());
        el._cells = cells;
      });
    }
    map.on("click", function (e) {
      var cells = el._cells; if (!cells) return;
      var best = -1, bd = Infinity;
      for (var i = 0; i < cells.count; i++) {
        var dx = cells.lon0[i] - e.latlng.lng, dy = cells.lat0[i] - e.latlng.lat, d = dx * dx + dy * dy;
        if (d < bd) { bd = d; best = i; }
      }
      if (best < 0) return;
      var share = cells.share[best], pop = cells.population[best], dist = cells.distance_m[best];
      L.popup().setLatLng(e.latlng).setContent(
        "<strong>" + esc(el.dataset.labelShare) + "</strong>: " + (share == null ? "—" : fmt(share * 100) + " %") + "<br>" +
        esc(el.dataset.labelPopulation) + ": " + fmt(pop) + "<br>" +
        esc(el.dataset.labelLacking) + ": " + fmt(pop - cells.covered[best]) +
        (dist != null ? "<br>" + esc(el.dataset.labelDistance) + ": " + fmt(dist) + " m" : "")
      ).openOn(map);
    });
    if (select) {
      select.addEventListener("change", function () { load(select.value); });
      load(select.value);
    }
    return map;
  }

  function pointMap(el) {
    if (!el) return;
    var map = baseMap(el, { minZoom: 1 }).setView([15, 10], 2);
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var group = L.featureGroup();
    data.points.forEach(function (p) {
      if (p.lat == null || p.lon == null) return;
      L.circleMarker([p.lat, p.lon], { radius: 7, color: "#14213d", weight: 1, fillColor: p.colour, fillOpacity: 0.9 })
        .bindTooltip(esc(p.name) + ": " + fmt(p.value) + " " + esc(data.unit || ""))
        .on("click", function () { window.location.href = "/cities/" + encodeURIComponent(p.slug); })
        .addTo(group);
    });
    group.addTo(map);
    if (group.getLayers().length) map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 6 });
    el.dataset.ready = "1";
    return map;
  }

  window.SdgMaps = { homeMap: homeMap, hexMap: hexMap, pointMap: pointMap, shareClasses: CLASSES };
})();
