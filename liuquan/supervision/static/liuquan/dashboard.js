// Draws the supervision dashboard's charts with the vendored ECharts from the JSON the page carries in
// <script id="dashboard-data" type="application/json">. The tables on the page hold the same figures, so
// without JavaScript (or ECharts) nothing is lost; each chart's container says whether it was drawn
// (data-state="drawn"), which the browser tests read.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  const data = JSON.parse(source.textContent);
  const labels = data.labels;
  const YELLOW = "#e0b400";
  const RED = "#d9534f";
  const BLUE = "#0b4f8a";
  const charts = [];

  function draw(id, option, hasData) {
    const element = document.getElementById(id);
    if (!element) { return; }
    const chart = window.echarts.init(element, null, { renderer: "svg" });
    if (!hasData) {
      option = { title: { text: option.title.text, subtext: labels.noData, left: "center", textStyle: { fontSize: 14 } } };
      element.dataset.empty = "true";
    }
    option.animation = false;  // a dashboard is read, not watched; and drawn means drawn (data-state)
    chart.setOption(option);
    element.dataset.state = "drawn";
    charts.push(chart);
  }

  function any(values) {
    return values.some(function (value) { return value !== null && value !== 0; });
  }

  draw("chart-trend", {
    title: { text: labels.trend, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    legend: { top: 24 },
    grid: { top: 64, left: 40, right: 48, bottom: 28 },
    xAxis: { type: "category", data: data.weeks },
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
    ],
    series: [
      { name: labels.red, type: "bar", stack: "cards", color: RED, data: data.red },
      { name: labels.yellow, type: "bar", stack: "cards", color: YELLOW, data: data.yellow },
      { name: labels.onTime, type: "line", yAxisIndex: 1, color: BLUE, connectNulls: true, data: data.onTime }
    ]
  }, any(data.red) || any(data.yellow) || any(data.onTime));

  draw("chart-units", {
    title: { text: labels.units, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 24 },
    grid: { top: 64, left: 8, right: 24, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.units.names },
    series: [
      { name: labels.red, type: "bar", stack: "cards", color: RED, barMaxWidth: 28, data: data.units.red },
      { name: labels.yellow, type: "bar", stack: "cards", color: YELLOW, barMaxWidth: 28, data: data.units.yellow }
    ]
  }, data.units.names.length > 0);

  draw("chart-counties", {
    title: { text: labels.counties, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    grid: { top: 48, left: 8, right: 24, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.counties.names, axisLabel: { interval: 0, rotate: data.counties.names.length > 4 ? 30 : 0 } },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [{ name: labels.onTime, type: "bar", color: BLUE, barMaxWidth: 48, data: data.counties.onTime }]
  }, any(data.counties.onTime));

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
}());
