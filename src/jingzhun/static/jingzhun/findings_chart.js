// The findings overview's stacked bar chart: findings per item of the standard and subregion (drawn by chart.js).
(function () {
  "use strict";

  // One colour per item of the standard, the same on every page.
  var COLOURS = {
    education: "#5470c6",
    medical: "#c0392b",
    housing: "#8e5b2f",
    water: "#1f9bd1",
    food: "#e6a23c",
    clothing: "#9b59b6",
    income: "#2e8b57",
    monitoring: "#e67e22",
    data: "#7f8c8d",
  };

  window.jingzhunChart("findings-chart", function (data) {
    var many = data.categories.length > 6;
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 8, bottom: 8, top: 40, containLabel: true },
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
          stack: "findings",
          data: series.data,
          barMaxWidth: 40,
          itemStyle: { color: COLOURS[series.item] },
          emphasis: { focus: "series" },
        };
      }),
    };
  });
})();
