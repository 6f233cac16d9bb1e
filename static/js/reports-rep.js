// A rep's drill-down: burn-up, gap trend and team ranking, drawn from the JSON the page embeds.
(function () {
  "use strict";
  const source = document.getElementById("report-charts");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  // Labels from Django's JavaScript catalogue (jsi18n), loaded by the base layout.
  const text = {
    actual: gettext("Cumulative actual"),
    plan: gettext("Plan"),
    time: gettext("Time line"),
    gap: gettext("Gap (pp)"),
    achievement: gettext("Achievement %"),
  };
  const money = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 0 });

  new Chart(document.getElementById("burn-up-chart"), {
    type: "line",
    data: {
      labels: data.burnUp.labels.map((d) => d.slice(5)),
      datasets: [
        { label: text.actual, data: data.burnUp.actual, borderColor: "#0d6efd", backgroundColor: "rgba(13,110,253,.15)", fill: true, tension: 0.1, pointRadius: 2 },
        { label: text.plan, data: data.burnUp.plan, borderColor: "#198754", borderDash: [6, 4], pointRadius: 0 },
        // Wide and pale, so it still shows where an even plan lies on top of it.
        { label: text.time, data: data.burnUp.time, borderColor: "rgba(108,117,125,.35)", borderWidth: 7, pointRadius: 0 },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, ticks: { callback: (v) => money.format(v) } } },
    },
  });

  new Chart(document.getElementById("gap-trend-chart"), {
    type: "line",
    data: {
      labels: data.gapTrend.labels.map((d) => d.slice(5)),
      datasets: [{ label: text.gap, data: data.gapTrend.gap, borderColor: "#dc3545", pointRadius: 2, tension: 0.2 }],
    },
    options: { maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } },
  });

  new Chart(document.getElementById("ranking-chart"), {
    type: "bar",
    data: {
      labels: data.ranking.labels,
      datasets: [{
        label: text.achievement,
        data: data.ranking.achievement,
        backgroundColor: data.ranking.highlight.map((h) => (h ? "#0d6efd" : "#adb5bd")),
      }],
    },
    options: { indexAxis: "y", maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } },
  });
})();
