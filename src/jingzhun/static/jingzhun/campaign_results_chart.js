// A campaign's estimates: each rate as a dot with its confidence interval as a bar (drawn by chart.js).
window.jingzhunChart("campaign-results", function (data) {
  "use strict";
  var intervals = data.labels.map(function (label, index) {
    return data.lows[index] === null ? null : [index, data.lows[index], data.highs[index]];
  }).filter(function (value) { return value !== null; });
  return {
    tooltip: { trigger: "item" },
    grid: { left: 8, right: 24, bottom: 8, top: 16, containLabel: true },
    yAxis: { type: "category", data: data.labels, inverse: true },
    xAxis: { type: "value", name: "%", min: 0 },
    series: [
      {
        name: data.interval, type: "custom", data: intervals,
        renderItem: function (params, api) {
          var low = api.coord([api.value(1), api.value(0)]);
          var high = api.coord([api.value(2), api.value(0)]);
          return { type: "rect", shape: { x: low[0], y: low[1] - 4, width: Math.max(high[0] - low[0], 2), height: 8 },
                   style: { fill: "#9fb3d9" } };
        },
        encode: { x: [1, 2], y: 0 },
        tooltip: { formatter: function (p) { return data.labels[p.value[0]] + ": " + p.value[1] + " % – " + p.value[2] + " %"; } },
      },
      { name: data.name, type: "scatter", symbolSize: 12, itemStyle: { color: "#1e3a8a" },
        data: data.rates.map(function (rate, index) { return rate === null ? null : [rate, index]; })
          .filter(function (value) { return value !== null; }) },
    ],
  };
});
