/* sdgcities charts (uPlot): a city's indicator over time, an indicator's distribution.
   Years are a time axis with integer year ticks; a single observation is shown as a value
   with its year (one point is not a chart); histogram counts are whole numbers. */
(function () {
  "use strict";
  function width(el) { return Math.max(280, el.clientWidth || 600); }

  /* whole-number ticks from lo to hi, at most `most` of them (step 1, 2, 5, 10, 20 …) */
  function integerTicks(lo, hi, most) {
    lo = Math.ceil(lo); hi = Math.floor(hi);
    if (hi < lo) return [];
    var steps = [1, 2, 5], step = 1, k = 0, mag = 1;
    while ((hi - lo) / step + 1 > most) {
      k++; if (k === steps.length) { k = 0; mag *= 10; }
      step = steps[k] * mag;
    }
    var out = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi; t += step) out.push(t);
    return out;
  }

  function showSingle(el, note, s) {
    el.innerHTML = "";
    var p = document.createElement("p");
    p.className = "single-value";
    var strong = document.createElement("strong");
    strong.textContent = s.single;
    p.appendChild(strong);
    el.appendChild(p);
    if (note) {
      var n = document.createElement("p");
      n.className = "small muted";
      n.textContent = note;
      el.appendChild(n);
    }
    el.removeAttribute("role");
    el.dataset.mode = "value";
    el.removeAttribute("data-xticks");
  }

  function seriesChart(id, selectId, dataId) {
    var el = document.getElementById(id), select = document.getElementById(selectId);
    var src = document.getElementById(dataId);
    if (!el || !select || !src || !window.uPlot) return;
    var all = JSON.parse(src.textContent), plot = null;
    function draw() {
      var s = all[select.value]; if (!s) return;
      if (plot) { plot.destroy(); plot = null; }
      el.innerHTML = "";
      var years = s.years.filter(function (y, i) { return s.values[i] != null; });
      if (years.length < 2) {
        showSingle(el, el.dataset.labelSingle, s);
        el.dataset.ready = "1";
        return;
      }
      if (el.dataset.imgLabel) el.setAttribute("role", "img");
      var lo = Math.min.apply(null, years), hi = Math.max.apply(null, years);
      var ticks = integerTicks(lo, hi, Math.max(3, Math.floor(width(el) / 70)));
      plot = new uPlot({
        width: width(el), height: 260, legend: { show: false },
        scales: { x: { time: false, range: function () { return [lo - 0.5, hi + 0.5]; } } },
        axes: [
          { label: el.dataset.labelYear || "", splits: function () { return ticks; },
            values: function (u, v) { return v.map(function (x) { return String(x); }); } },
          { label: s.unit || "" }
        ],
        series: [{ label: el.dataset.labelYear || "year" },
                 { label: s.name, stroke: "#14213d", width: 2, points: { size: 7, fill: "#fd9d24" } }]
      }, [s.years, s.values], el);
      el.dataset.mode = "chart";
      el.dataset.xticks = JSON.stringify(ticks);
      el.dataset.ready = "1";
    }
    select.addEventListener("change", draw);
    window.addEventListener("resize", function () { if (plot) plot.setSize({ width: width(el), height: 260 }); });
    draw();
  }

  function histogram(id, dataId) {
    var el = document.getElementById(id), src = document.getElementById(dataId);
    if (!el || !src || !window.uPlot) return;
    var d = JSON.parse(src.textContent);
    var vals = d.points.map(function (p) { return p.value; }).filter(function (v) { return v != null; });
    if (!vals.length) return;
    var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
    var n = Math.min(20, Math.max(5, Math.ceil(Math.sqrt(vals.length))));
    var step = (hi - lo) / n || 1, xs = [], ys = [];
    for (var i = 0; i < n; i++) { xs.push(lo + step * (i + 0.5)); ys.push(0); }
    vals.forEach(function (v) { var k = Math.min(n - 1, Math.floor((v - lo) / step)); ys[k]++; });
    var top = Math.max.apply(null, ys);
    var yticks = integerTicks(0, top, 6);
    new uPlot({
      width: width(el), height: 240, legend: { show: false },
      scales: { x: { time: false }, y: { range: function () { return [0, top]; } } },
      axes: [{ label: d.unit || "" },
             { label: d.countLabel || "", splits: function () { return yticks; },
               values: function (u, v) { return v.map(function (x) { return String(x); }); } }],
      series: [{}, { label: d.countLabel || "", fill: "rgba(20,33,61,0.75)", stroke: "#14213d",
                     paths: uPlot.paths.bars({ size: [0.9, 100] }), points: { show: false } }]
    }, [xs, ys], el);
    el.dataset.yticks = JSON.stringify(yticks);
    el.dataset.ready = "1";
  }

  window.SdgCharts = { seriesChart: seriesChart, histogram: histogram, integerTicks: integerTicks };
})();
