// Persona's own script: draws charts declared in data-chart attributes (Chart.js) and keeps
// them drawn after htmx swaps. No inline scripts, so the Content-Security-Policy stays strict.
(function () {
  "use strict";
  var palette = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#14b8a6", "#f97316"];

  function draw(root) {
    if (typeof Chart === "undefined") { return; }
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas._chart) { canvas._chart.destroy(); }
      var spec;
      try { spec = JSON.parse(canvas.getAttribute("data-chart")); } catch (e) { return; }
      var round = spec.type === "doughnut" || spec.type === "pie";
      (spec.data.datasets || []).forEach(function (ds, i) {
        if (round && !ds.backgroundColor) { ds.backgroundColor = spec.data.labels.map(function (_, j) { return palette[j % palette.length]; }); }
        var c = ds.color || palette[i % palette.length];
        if (!ds.backgroundColor) { ds.backgroundColor = (ds.type || spec.type) === "line" ? c + "22" : (ds.type === "bar" && spec.type === "line" ? c + "99" : c); }
        if (!ds.borderColor) { ds.borderColor = c; }
        delete ds.color;
      });
      spec.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: round || (spec.data.datasets || []).length > 1 } } }, spec.options || {});
      canvas._chart = new Chart(canvas, spec);
      canvas.setAttribute("data-chart-ready", "1");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (e) { draw(e.target); });
  // Confirm destructive buttons that carry data-confirm.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  }, true);
})();
