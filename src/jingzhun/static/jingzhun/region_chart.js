// The region page's bar chart (drawn by chart.js).
window.jingzhunChart("region-chart", function (data) {
  "use strict";
  var many = data.categories.length > 6;
  return {
    color: ["#c0392b", "#7f8c8d", "#e67e22"],
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 8, right: 8, bottom: 8, top: 36, containLabel: true },
    xAxis: {
      type: "category",
      data: data.categories,
      axisLabel: { interval: 0, rotate: many ? 35 : 0 },
    },
    yAxis: { type: "value", minInterval: 1 },
    series: data.series.map(function (series) {
      return {
        name: series.name,
        type: "bar",
        stack: series.stack,
        data: series.data,
        barMaxWidth: 36,
        emphasis: { focus: "series" },
      };
    }),
  };
});
