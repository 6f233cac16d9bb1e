// The home of a director or manager: the year's burn-up (actual vs plan vs time), from the JSON the page embeds.
(function () {
  "use strict";
  const source = document.getElementById("cockpit-charts");
  const canvas = document.getElementById("cockpit-burn-up");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent).burnUp;
  const number = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 0 });
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        { label: gettext("Cumulative actual"), data: data.actual, borderColor: "#0d6efd", backgroundColor: "rgba(13,110,253,.15)", fill: true, tension: 0.1, pointRadius: 3 },
        { label: gettext("Plan"), data: data.plan, borderColor: "#198754", borderDash: [6, 4], pointRadius: 0 },
        { label: gettext("Time line"), data: data.time, borderColor: "rgba(108,117,125,.35)", borderWidth: 7, pointRadius: 0 },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, ticks: { callback: (v) => number.format(v) } } },
    },
  });
})();
