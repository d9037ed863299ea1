// Draw an ECharts chart from the JSON a template wrote with json_script (no inline script: the pages run under a
// strict Content-Security-Policy). jingzhunChart("x-chart", options) draws into #x-chart from #x-chart-data, with
// options(data) giving the chart's options, once the page is ready, and keeps it sized to the window.
(function () {
  "use strict";

  window.jingzhunChart = function (id, options) {
    function draw() {
      var source = document.getElementById(id + "-data");
      var target = document.getElementById(id);
      if (!source || !target || !window.echarts) {
        return;
      }
      var chart = window.echarts.init(target, null, { renderer: "canvas" });
      chart.setOption(options(JSON.parse(source.textContent)));
      window.addEventListener("resize", function () {
        chart.resize();
      });
    }

    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", draw);
    } else {
      draw();
    }
  };
})();
