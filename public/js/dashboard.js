// Dashboard charts (chart.js from /vendor): each <canvas data-chart> holds its numbers as JSON;
// the table beside it shows the same numbers with or without JavaScript.
(function () {
  'use strict';
  // categories, statuses and tiers are not warnings: no red, green, orange or yellow among them (issue 14)
  var PALETTE = ['#0b5cad', '#6941c6', '#0e7490', '#475467', '#3e4784', '#9aa5b1', '#1e40af', '#7a5af8', '#155e75', '#667085', '#53389e', '#2e90fa'];
  var NAMED = { red: '#dc2626', orange: '#f97316', yellow: '#eab308', blue: '#2563eb', green: '#16a34a', none: '#9aa5b1' };
  window.wuye.ready(function () {
    if (typeof Chart !== 'function') return;
    Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
    document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      var spec;
      try { spec = JSON.parse(canvas.getAttribute("data-chart") || "{}"); } catch { return; }
      if (!spec.labels || !spec.labels.length) return;
      var named = (canvas.getAttribute('data-colors') || '').split(',').filter(Boolean);
      var colors = spec.labels.map(function (_, i) { return named[i] ? NAMED[named[i]] : PALETTE[i % PALETTE.length]; });
      var doughnut = spec.kind === 'doughnut';
      new Chart(canvas, {
        type: doughnut ? 'doughnut' : 'bar',
        data: { labels: spec.labels, datasets: [{ data: spec.values, backgroundColor: colors, borderWidth: doughnut ? 2 : 0, maxBarThickness: 28 }] },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          indexAxis: doughnut ? undefined : 'y',
          plugins: { legend: { display: doughnut, position: 'right' } },
          scales: doughnut ? {} : { x: { beginAtZero: true, ticks: { precision: 0 } } },
        },
      });
    });
  });
})();

// Reconciliation: a chosen file (CSV or XLSX) is read here and sent base64-encoded with the form,
// since the CSRF-protected form posts as urlencoded. Without JavaScript, paste the CSV instead.
(function () {
  'use strict';
  window.wuye.ready(function () {
    var input = document.querySelector('[data-reconcile-file]');
    var hidden = document.querySelector('[data-reconcile-file64]');
    if (!input || !hidden || typeof window.FileReader !== 'function') return;
    input.addEventListener('change', function () {
      hidden.value = '';
      var file = input.files && input.files[0];
      if (!file) return;
      var reader = new window.FileReader();
      reader.onload = function () {
        var s = String(reader.result || '');
        hidden.value = s.slice(s.indexOf(',') + 1);
      };
      reader.readAsDataURL(file);
    });
  });
})();
