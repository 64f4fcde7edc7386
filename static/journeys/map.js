// The emotion curve of the journey map: each stage's sentiment (-100..100) with its
// 95% interval, the journey's average, and the number of voices as bars. Drawn as SVG
// from the JSON the page embeds; text goes in with textContent, never as HTML.
// The drawing is as wide as its figure, but never narrower than MIN_STEP a stage, so the
// 12px labels stay legible; on a phone the figure scrolls sideways instead.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var H = 352, LEFT = 64, RIGHT = 16, TOP = 16, CURVE_H = 190, BARS_TOP = 236, BARS_H = 48, MIN_STEP = 84;

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function y(value) { return TOP + (100 - value) / 200 * CURVE_H; }

  function draw(figure, data) {
    var stages = data.stages, n = stages.length;
    if (!n) return;
    var W = Math.max(LEFT + RIGHT + n * MIN_STEP, Math.floor(figure.clientWidth) || 720);
    var step = (W - LEFT - RIGHT) / n;
    var x = function (i) { return LEFT + step * (i + 0.5); };
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img", class: "journey-chart__svg" });
    svg.appendChild(el("title", {}, data.labels.sentiment));
    axisTitles(svg, figure, W);
    [100, 50, 0, -50, -100].forEach(function (v) {
      svg.appendChild(el("line", { x1: LEFT, x2: W - RIGHT, y1: y(v), y2: y(v), class: v === 0 ? "axis-zero" : "grid" }));
      svg.appendChild(el("text", { x: LEFT - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, (v > 0 ? "+" : "") + v));
    });
    if (data.average !== null) {
      svg.appendChild(el("line", { x1: LEFT, x2: W - RIGHT, y1: y(data.average), y2: y(data.average), class: "average" }));
      svg.appendChild(el("text", { x: W - RIGHT, y: y(data.average) - 4, "text-anchor": "end", class: "tick" }, data.labels.average));
    }
    var most = Math.max.apply(null, stages.map(function (s) { return s.voices; }).concat([1]));
    var path = "";
    stages.forEach(function (stage, i) {
      var h = BARS_H * stage.voices / most;
      svg.appendChild(el("rect", { x: x(i) - step * 0.3, y: BARS_TOP + BARS_H - h, width: step * 0.6, height: h, class: "bar" }));
      svg.appendChild(el("text", { x: x(i), y: BARS_TOP + BARS_H - h - 3, "text-anchor": "middle", class: "tick" }, String(stage.voices)));
      svg.appendChild(el("text", { x: x(i), y: BARS_TOP + BARS_H + 18, "text-anchor": "middle", class: "stage-name" }, stage.name));
      if (stage.sentiment === null) return;
      if (stage.interval) {
        svg.appendChild(el("line", { x1: x(i), x2: x(i), y1: y(stage.interval.high), y2: y(stage.interval.low), class: "whisker" }));
      }
      path += (path ? " L " : "M ") + x(i) + " " + y(stage.sentiment);
    });
    if (path) svg.appendChild(el("path", { d: path, class: "curve" }));
    stages.forEach(function (stage, i) {
      if (stage.sentiment === null) return;
      var dot = el("circle", { cx: x(i), cy: y(stage.sentiment), r: 6, class: "dot dot--" + stage.verdict });
      dot.appendChild(el("title", {}, stage.name + ": " + stage.sentiment + " (" + stage.voices + " " + data.labels.voices + ")"));
      svg.appendChild(dot);
      svg.appendChild(el("text", { x: x(i), y: y(stage.sentiment) - 10, "text-anchor": "middle", class: "value" }, (stage.sentiment > 0 ? "+" : "") + stage.sentiment));
    });
    figure.appendChild(svg);
  }

  // Axis titles from the figure's data attributes (translated in the template).
  function axisTitles(svg, figure, W) {
    var middle = TOP + CURVE_H / 2;
    svg.appendChild(el("text", { x: 0, y: 0, "text-anchor": "middle", class: "axis-title",
      transform: "translate(14 " + middle + ") rotate(-90)" }, figure.getAttribute("data-axis-y") || ""));
    svg.appendChild(el("text", { x: LEFT - 8, y: BARS_TOP + BARS_H, "text-anchor": "end", class: "axis-title" }, figure.getAttribute("data-axis-bars") || ""));
    svg.appendChild(el("text", { x: LEFT + (W - LEFT - RIGHT) / 2, y: H - 6, "text-anchor": "middle", class: "axis-title" }, figure.getAttribute("data-axis-x") || ""));
  }

  document.querySelectorAll("[data-chart]").forEach(function (figure) {
    var source = document.getElementById(figure.getAttribute("data-chart"));
    if (!source) return;
    var data = JSON.parse(source.textContent), drawnWidth = figure.clientWidth;
    draw(figure, data);
    window.addEventListener("resize", function () {
      if (figure.clientWidth === drawnWidth) return;
      drawnWidth = figure.clientWidth;
      figure.querySelectorAll("svg").forEach(function (old) { old.remove(); });
      draw(figure, data);
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
