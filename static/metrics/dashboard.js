// The dashboard's trend chart: one KPI at a time (buttons choose which), week by week
// or month by month, with its 95% interval as a band where there is one. Drawn as SVG
// from the JSON the page embeds; text goes in with textContent, never as HTML.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var W = 720, H = 260, LEFT = 48, RIGHT = 16, TOP = 16, BOTTOM = 40;
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

  function draw(figure, points, key, labels) {
    var spec = FIGURES[key];
    figure.textContent = "";
    var known = points.filter(function (p) { return spec.value(p) !== null; });
    if (!known.length) {
      figure.appendChild(document.createElement("p")).textContent = labels.none;
      return;
    }
    var n = points.length, step = (W - LEFT - RIGHT) / Math.max(1, n);
    var x = function (i) { return LEFT + step * (i + 0.5); };
    var y = function (v) { return TOP + (spec.max - v) / (spec.max - spec.min) * (H - TOP - BOTTOM); };
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", class: "trend__svg" });
    svg.appendChild(el("title", {}, labels[key]));
    [0, 0.25, 0.5, 0.75, 1].forEach(function (share) {
      var v = spec.min + share * (spec.max - spec.min);
      svg.appendChild(el("line", { x1: LEFT, x2: W - RIGHT, y1: y(v), y2: y(v), class: "grid" }));
      svg.appendChild(el("text", { x: LEFT - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, String(Math.round(v * 10) / 10)));
    });
    var path = "";
    points.forEach(function (p, i) {
      var band = spec.band(p), value = spec.value(p);
      if (band && spec.enough(p)) {
        svg.appendChild(el("line", { x1: x(i), x2: x(i), y1: y(band.high), y2: y(band.low), class: "whisker" }));
      }
      if (value !== null) path += (path ? " L " : "M ") + x(i) + " " + y(value);
      if (n <= 16 || i % Math.ceil(n / 12) === 0) {
        svg.appendChild(el("text", { x: x(i), y: H - 12, "text-anchor": "middle", class: "tick" }, p.start.slice(5)));
      }
    });
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
    Object.keys(FIGURES).forEach(function (key, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--quiet";
      button.textContent = labels[key];
      button.setAttribute("aria-pressed", index === 0 ? "true" : "false");
      button.addEventListener("click", function () {
        choices.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
        button.setAttribute("aria-pressed", "true");
        draw(figure, data.points, key, labels);
      });
      choices.appendChild(button);
    });
    draw(figure, data.points, "nps", labels);
  });
})();
