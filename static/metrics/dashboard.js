// The dashboard's trend chart: one KPI at a time (buttons choose which), week by week
// or month by month, with its 95% interval as a band where there is one. Drawn as SVG
// from the JSON the page embeds; text goes in with textContent, never as HTML.
// The drawing is as wide as its figure (redrawn when that changes), so the 12px labels
// stay 12px on a phone instead of shrinking with a scaled-down picture.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var H = 280, LEFT = 64, RIGHT = 16, TOP = 16, BOTTOM = 56, MIN_W = 300, LABEL_GAP = 48;
  // Each figure: where it sits in a point, its scale, and whether it had enough answers.
  var FIGURES = {
    nps: { value: function (p) { return p.nps.score; }, band: function (p) { return p.nps.interval; }, enough: function (p) { return p.nps.enough; }, min: -100, max: 100 },
    csat: { value: function (p) { return p.csat.percent_satisfied; }, band: function (p) { return p.csat.interval; }, enough: function (p) { return p.csat.enough; }, min: 0, max: 100 },
    ces: { value: function (p) { return p.ces.mean; }, band: function (p) { return p.ces.interval; }, enough: function (p) { return p.ces.enough; }, min: 1, max: 7 },
    trust: { value: function (p) { return p.trust.index; }, band: function () { return null; }, enough: function (p) { return p.trust.index !== null; }, min: 0, max: 100 },
    sentiment: { value: function (p) { return p.sentiment.mean === null ? null : Math.round(p.sentiment.mean * 100); }, band: function () { return null; }, enough: function (p) { return p.sentiment.scored >= 10; }, min: -100, max: 100 }
  };

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The axis titles come from the figure's data attributes (translated in the template).
  function axisTitles(svg, figure, key, grain, W) {
    var plotMiddle = TOP + (H - TOP - BOTTOM) / 2;
    var yTitle = el("text", { x: 0, y: 0, "text-anchor": "middle", class: "axis-title",
      transform: "translate(14 " + plotMiddle + ") rotate(-90)" }, figure.getAttribute("data-axis-" + key) || "");
    svg.appendChild(yTitle);
    var xTitle = figure.getAttribute(grain === "month" ? "data-axis-month" : "data-axis-week") || "";
    svg.appendChild(el("text", { x: LEFT + (W - LEFT - RIGHT) / 2, y: H - 6, "text-anchor": "middle", class: "axis-title" }, xTitle));
  }

  function draw(figure, trend, key, labels) {
    var spec = FIGURES[key], points = trend.points;
    var W = Math.max(MIN_W, Math.floor(figure.clientWidth) || 720);
    figure.textContent = "";
    var known = points.filter(function (p) { return spec.value(p) !== null; });
    if (!known.length) {
      figure.appendChild(document.createElement("p")).textContent = labels.none;
      return;
    }
    var n = points.length, step = (W - LEFT - RIGHT) / Math.max(1, n);
    // Every week's label when they fit side by side, else every k-th one.
    var every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor((W - LEFT - RIGHT) / LABEL_GAP))));
    var x = function (i) { return LEFT + step * (i + 0.5); };
    var y = function (v) { return TOP + (spec.max - v) / (spec.max - spec.min) * (H - TOP - BOTTOM); };
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img", class: "trend__svg" });
    svg.appendChild(el("title", {}, labels[key]));
    [0, 0.25, 0.5, 0.75, 1].forEach(function (share) {
      var v = spec.min + share * (spec.max - spec.min);
      svg.appendChild(el("line", { x1: LEFT, x2: W - RIGHT, y1: y(v), y2: y(v), class: v === 0 && spec.min < 0 ? "axis-zero" : "grid" }));
      svg.appendChild(el("text", { x: LEFT - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, String(Math.round(v * 10) / 10)));
    });
    var path = "";
    points.forEach(function (p, i) {
      var band = spec.band(p), value = spec.value(p);
      if (band && spec.enough(p)) {
        svg.appendChild(el("line", { x1: x(i), x2: x(i), y1: y(band.high), y2: y(band.low), class: "whisker" }));
      }
      if (value !== null) path += (path ? " L " : "M ") + x(i) + " " + y(value);
      if (i % every === 0) {
        svg.appendChild(el("text", { x: x(i), y: H - BOTTOM + 20, "text-anchor": "middle", class: "tick" }, p.start.slice(5)));
      }
    });
    svg.appendChild(el("line", { x1: LEFT, x2: W - RIGHT, y1: H - BOTTOM, y2: H - BOTTOM, class: "axis" }));
    axisTitles(svg, figure, key, trend.grain, W);
    if (path) svg.appendChild(el("path", { d: path, class: "curve" }));
    points.forEach(function (p, i) {
      var value = spec.value(p);
      if (value === null) return;
      var dot = el("circle", { cx: x(i), cy: y(value), r: 5, class: spec.enough(p) ? "dot" : "dot dot--few" });
      dot.appendChild(el("title", {}, p.start + ": " + value + " (" + p.responses + ")"));
      svg.appendChild(dot);
    });
    figure.appendChild(svg);
    figure.appendChild(document.createElement("figcaption")).textContent = labels.few;
  }

  document.querySelectorAll("[data-trend]").forEach(function (box) {
    var data = JSON.parse(document.getElementById("trend-data").textContent);
    var labels = JSON.parse(document.getElementById("trend-labels").textContent);
    var choices = box.querySelector(".trend__choices"), figure = box.querySelector(".trend__chart");
    var shown = "nps", drawnWidth = figure.clientWidth;
    Object.keys(FIGURES).forEach(function (key, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--quiet";
      button.textContent = labels[key];
      button.setAttribute("aria-pressed", index === 0 ? "true" : "false");
      button.addEventListener("click", function () {
        choices.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
        button.setAttribute("aria-pressed", "true");
        shown = key;
        draw(figure, data, key, labels);
      });
      choices.appendChild(button);
    });
    draw(figure, data, shown, labels);
    window.addEventListener("resize", function () {
      if (figure.clientWidth === drawnWidth) return;
      drawnWidth = figure.clientWidth;
      draw(figure, data, shown, labels);
    });
  });
})();
