// A campaign's progress: households done, in progress and not started per town (drawn by chart.js).
window.jingzhunChart("campaign-progress", function (data) {
  "use strict";
  var bar = function (name, values, color) {
    return { name: name, type: "bar", stack: "units", data: values, itemStyle: { color: color }, barMaxWidth: 28 };
  };
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 8, right: 8, bottom: 8, top: 40, containLabel: true },
    xAxis: { type: "category", data: data.towns, axisLabel: { interval: 0, rotate: data.towns.length > 8 ? 30 : 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      bar(data.labels.done, data.done, "#2e8b57"),
      bar(data.labels.started, data.started, "#e0a526"),
      bar(data.labels.pending, data.pending, "#c5cedb"),
    ],
  };
});

// The same per checker: done and still to do (the checker's own households, assigned or not yet).
window.jingzhunChart("campaign-checkers", function (data) {
  "use strict";
  return {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 8, right: 16, bottom: 8, top: 32, containLabel: true },
    yAxis: { type: "category", data: data.checkers, inverse: true },
    xAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.labels.done, type: "bar", stack: "c", data: data.checker_done, itemStyle: { color: "#2e8b57" } },
      { name: data.labels.left, type: "bar", stack: "c", data: data.checker_left, itemStyle: { color: "#c5cedb" } },
    ],
  };
});
