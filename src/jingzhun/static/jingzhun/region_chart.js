// Draw the region page's bar chart from the JSON that the template wrote with json_script (no inline script:
// the pages run under a strict Content-Security-Policy).
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("region-chart-data");
    var target = document.getElementById("region-chart");
    if (!source || !target || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var many = data.categories.length > 6;
    var chart = window.echarts.init(target, null, { renderer: "canvas" });
    chart.setOption({
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
