/* Sortable and filterable tables: <table class="sortable">, <input data-filter-table="id">. */
(function () {
  "use strict";
  function key(cell) {
    var t = (cell.dataset.sort != null ? cell.dataset.sort : cell.textContent).trim();
    var n = parseFloat(t.replace(/[\s\u00a0\u202f,]/g, ""));
    return isNaN(n) || /[a-z]{3,}/i.test(t.slice(0, 3)) ? t.toLowerCase() : n;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, col) {
      var label = th.textContent.trim();
      var btn = document.createElement("button");
      btn.type = "button"; btn.className = "sort"; btn.textContent = label;
      th.textContent = ""; th.appendChild(btn);
      btn.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          if (x === "" || x === "—") return 1; if (y === "" || y === "—") return -1;
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  document.querySelectorAll("input[data-filter-table]").forEach(function (input) {
    var table = document.getElementById(input.dataset.filterTable);
    var status = document.getElementById(input.dataset.filterStatus);
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase(), shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        var ok = !q || r.textContent.toLowerCase().indexOf(q) >= 0;
        r.hidden = !ok; if (ok) shown++;
      });
      if (status) status.textContent = (status.dataset.template || "%s").replace("%s", shown);
    });
  });
})();
