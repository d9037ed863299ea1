// The 清零 dashboard's weekly trend: opened, closed or rejected, and remaining (drawn by chart.js).
window.jingzhunChart("ledger-trend", function (data) {
  "use strict";
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 8, right: 8, bottom: 8, top: 40, containLabel: true },
    xAxis: { type: "category", data: data.weeks },
    // Bars (per week) on the left axis, the remaining count on the right one; the legend names them.
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", minInterval: 1, splitLine: { show: false } },
    ],
    series: [
      { name: data.labels.opened, type: "bar", data: data.opened, itemStyle: { color: "#c0392b" }, barMaxWidth: 18 },
      { name: data.labels.cleared, type: "bar", data: data.cleared, itemStyle: { color: "#2e8b57" }, barMaxWidth: 18 },
      {
        name: data.labels.remaining, type: "line", yAxisIndex: 1, data: data.remaining, step: "end",
        itemStyle: { color: "#1e3a8a" }, areaStyle: { opacity: 0.08 },
      },
    ],
  };
});
