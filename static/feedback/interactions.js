// Quick customer picker for the logging form: search as you type, pick with a tap.
// Without JavaScript the form still works with the name / e-mail / phone fields.
(function () {
  "use strict";
  var search = document.getElementById("customer-search");
  if (!search) return;
  var results = document.getElementById("customer-results");
  var chosen = document.getElementById("customer-chosen");
  var hidden = document.querySelector("input[name=customer]");
  document.querySelectorAll(".js-only").forEach(function (el) { el.classList.remove("js-only"); });
  var timer = null;

  function render(items) {
    results.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "picker__option";
      button.textContent = [item.name, item.email, item.phone].filter(Boolean).join(" · ");
      button.addEventListener("click", function () {
        hidden.value = item.uuid;
        chosen.textContent = "✓ " + button.textContent;
        results.textContent = "";
        search.value = "";
      });
      li.appendChild(button);
      results.appendChild(li);
    });
  }

  search.addEventListener("input", function () {
    clearTimeout(timer);
    hidden.value = "";
    chosen.textContent = "";
    var q = search.value.trim();
    if (q.length < 2) { render([]); return; }
    timer = setTimeout(function () {
      fetch(search.dataset.searchUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { render(data.results); })
        .catch(function () { render([]); });
    }, 200);
  });
})();
