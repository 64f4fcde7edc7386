// Keeps a long job's progress component current (templates/includes/progress.html):
// polls the job's JSON status every 1.5 s, updates the bar, the count and the badge in
// place, and when the job is done or failed loads the page once more (or goes to
// data-progress-done-url) to show the results. Text goes in with textContent only.
(function () {
  "use strict";
  var POLL_MS = 1500;
  var SLOWEST_MS = 15000; // after errors, wait longer between tries, up to this
  var FINISHED = ["done", "failed"];
  var BADGES = ["badge--pending", "badge--positive", "badge--negative"];

  function isFinished(status) {
    return FINISHED.indexOf(status) !== -1;
  }

  function setBadge(badge, status) {
    var key = "label" + status.charAt(0).toUpperCase() + status.slice(1);
    badge.textContent = badge.dataset[key] || status;
    badge.classList.remove.apply(badge.classList, BADGES);
    badge.classList.add(status === "done" ? "badge--positive" : status === "failed" ? "badge--negative" : "badge--pending");
  }

  function show(root, job) {
    var percent = Math.max(0, Math.min(100, Number(job.progress_percent) || 0));
    var bar = root.querySelector("progress");
    bar.value = percent;
    bar.textContent = percent + "%";
    root.querySelector("[data-progress-percent]").textContent = percent + "%";
    root.querySelector("[data-progress-count]").textContent = root.dataset.progressOf
      .replace("{done}", job[root.dataset.progressDoneField])
      .replace("{total}", job[root.dataset.progressTotalField]);
    setBadge(root.querySelector("[data-progress-badge]"), job.status);
    root.dataset.progressStatus = job.status;
    // Other figures of the job shown on the page (e.g. rows taken, the step under way).
    document.querySelectorAll("[data-progress-field]").forEach(function (node) {
      var value = job[node.dataset.progressField];
      if (value !== undefined && value !== null) node.textContent = value;
    });
    var wrap = root.querySelector("[data-progress-detail-wrap]");
    if (wrap) wrap.hidden = !wrap.textContent.replace(/[\s·]/g, "");
  }

  function finish(root) {
    var next = root.dataset.progressDoneUrl;
    if (next) window.location.assign(next);
    else window.location.reload();
  }

  function follow(root) {
    var delay = POLL_MS;
    function later() {
      window.setTimeout(poll, delay);
    }
    function poll() {
      fetch(root.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (reply) {
          if (reply.status >= 400 && reply.status < 500) return null; // signed out or gone: stop
          if (!reply.ok) throw new Error("HTTP " + reply.status);
          return reply.json();
        })
        .then(function (job) {
          if (job === null) return;
          delay = POLL_MS;
          show(root, job);
          if (isFinished(job.status)) finish(root);
          else later();
        })
        .catch(function () {
          // The server or the network had a moment: try again, a little later each time.
          delay = Math.min(delay * 2, SLOWEST_MS);
          later();
        });
    }
    later();
  }

  document.querySelectorAll("[data-progress-url]").forEach(function (root) {
    if (!isFinished(root.dataset.progressStatus)) follow(root);
  });
})();
