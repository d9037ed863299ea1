// Draw the findings overview's stacked bar chart (findings per item of the standard and subregion) from the JSON
// the template wrote with json_script (no inline script: the pages run under a strict Content-Security-Policy).
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

  function draw() {
    var source = document.getElementById("findings-chart-data");
    var target = document.getElementById("findings-chart");
    if (!source || !target || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var many = data.categories.length > 6;
    var chart = window.echarts.init(target, null, { renderer: "canvas" });
    chart.setOption({
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
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
