// The reply form on a review's page: the empathy checks update as the owner types
// (300 ms after the last key), and "Copy reply" puts the text on the clipboard.
// Without JavaScript the form's "Check" button shows the same list from the server.
(function () {
  "use strict";
  var form = document.getElementById("reply-form");
  if (!form) return;
  var text = form.querySelector("textarea[name=text]");
  var box = document.getElementById("empathy");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
  var timer = null;
  var latest = 0;
  form.querySelectorAll(".js-only").forEach(function (el) { el.classList.remove("js-only"); });

  function render(data) {
    box.textContent = "";
    var missing = data.missing || [];
    if (!missing.length) {
      var ok = document.createElement("p");
      ok.className = "meta";
      ok.textContent = "✓ " + (box.dataset.allPassed || "All checks pass.");
      box.appendChild(ok);
      return;
    }
    var lead = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = box.dataset.lead || "Before posting, consider:";
    lead.appendChild(strong);
    box.appendChild(lead);
    var list = document.createElement("ul");
    list.className = "checks";
    missing.forEach(function (check) {
      var item = document.createElement("li");
      item.dataset.key = check.key;
      item.textContent = check.message;  // text, never HTML
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function check() {
    var ticket = ++latest;
    fetch(form.dataset.checkUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf.value },
      body: JSON.stringify({ text: text.value, review: form.dataset.review })
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && ticket === latest) render(data); })
      .catch(function () { /* the Check button still works */ });
  }

  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
  if (text.value.trim()) check();

  form.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      var done = function () { button.textContent = button.dataset.copied; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done);
      } else {
        source.select();
        if (document.execCommand("copy")) done();
      }
    });
  });
})();
