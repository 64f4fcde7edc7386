// Progressive enhancement of the public survey page:
// - hides follow-up questions whose condition is not met (without JavaScript every
//   question shows, each follow-up saying when it applies; the server checks either way);
// - inside the widget's panel, lets Escape close it;
// - after a submit with problems, puts the focus on the error summary (so it is read
//   out first) and lets its links take the focus to each question, its wording in view;
// - inside the embed iframe, tells the host page how tall the survey is.
(function () {
  "use strict";

  function tellHeight() {
    if (window.parent === window) return;
    var height = document.documentElement.scrollHeight;
    window.parent.postMessage({ type: "cx-survey-height", height: height }, "*");
  }

  var form = document.getElementById("survey-form");
  var followUps = form ? form.querySelectorAll("[data-show-if]") : [];

  function answerOf(name) {
    var picked = form.querySelectorAll('[name="' + name + '"]:checked');
    return Array.prototype.map.call(picked, function (input) { return input.value; });
  }

  function applies(el) {
    var values = answerOf(el.dataset.showIf);
    if (!values.length) return false;
    if (el.dataset.choices) {
      var wanted = el.dataset.choices.split("|");
      return values.some(function (v) { return wanted.indexOf(v) !== -1; });
    }
    var n = Number(values[0]);
    var min = el.dataset.min === "" ? -Infinity : Number(el.dataset.min);
    var max = el.dataset.max === "" ? Infinity : Number(el.dataset.max);
    return n >= min && n <= max;
  }

  function update() {
    Array.prototype.forEach.call(followUps, function (el) {
      var show = applies(el);
      el.hidden = !show;
      el.querySelectorAll("input, textarea").forEach(function (input) { input.disabled = !show; });
      var note = el.querySelector(".condition");
      if (note) note.hidden = true;
    });
    tellHeight();
  }

  // The summary's links point at a question's first control; the browser would scroll
  // that control to the very top, hiding the question it belongs to.
  function goToField(event) {
    var target = document.getElementById(event.currentTarget.hash.slice(1));
    if (!target) return;
    event.preventDefault();
    target.focus({ preventScroll: true });
    var question = target.closest("fieldset, .field") || target;
    question.scrollIntoView({ block: "start" });
  }

  function showErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (!summary) return;
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", goToField);
    });
    summary.focus();
  }

  // In the widget's panel, Escape inside the survey closes it: the page around the
  // frame is another site and never sees these keys, so it is told. The message says
  // nothing but that; the widget checks it comes from this frame.
  if (window.parent !== window) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") window.parent.postMessage({ type: "cx-survey-escape" }, "*");
    });
  }

  if (form) form.addEventListener("change", update);
  showErrorSummary();
  update();
  window.addEventListener("load", tellHeight);
  window.addEventListener("resize", tellHeight);
})();
