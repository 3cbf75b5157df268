/* sdgcities charts (uPlot): a city's indicator over time, an indicator's distribution. */
(function () {
  "use strict";
  function width(el) { return Math.max(280, el.clientWidth || 600); }

  function seriesChart(id, selectId, dataId) {
    var el = document.getElementById(id), select = document.getElementById(selectId);
    var src = document.getElementById(dataId);
    if (!el || !select || !src || !window.uPlot) return;
    var all = JSON.parse(src.textContent), plot = null;
    function draw() {
      var s = all[select.value]; if (!s) return;
      if (plot) plot.destroy();
      el.innerHTML = "";
      plot = new uPlot({
        width: width(el), height: 260, legend: { show: false },
        scales: { x: { time: false } },
        axes: [{ values: function (u, v) { return v.map(function (x) { return Math.round(x) === x ? String(x) : ""; }); } },
               { label: s.unit || "" }],
        series: [{ label: "year" }, { label: s.name, stroke: "#14213d", width: 2, points: { size: 7, fill: "#fd9d24" } }]
      }, [s.years, s.values], el);
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
    new uPlot({
      width: width(el), height: 240, legend: { show: false },
      scales: { x: { time: false } },
      axes: [{ label: d.unit || "" }, { label: d.countLabel || "" }],
      series: [{}, { label: d.countLabel || "", fill: "rgba(20,33,61,0.75)", stroke: "#14213d",
                     paths: uPlot.paths.bars({ size: [0.9, 100] }), points: { show: false } }]
    }, [xs, ys], el);
    el.dataset.ready = "1";
  }

  window.SdgCharts = { seriesChart: seriesChart, histogram: histogram };
})();
