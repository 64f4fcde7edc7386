// Quick customer picker for the logging form: search as you type, pick with a tap, or
// from the keyboard (Enter searches at once, the arrows go through the matches).
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

  function options() {
    return Array.prototype.slice.call(results.querySelectorAll("button"));
  }

  function pick(item, label) {
    hidden.value = item.uuid;
    chosen.textContent = "✓ " + label;
    results.textContent = "";
    search.value = "";
    search.focus(); // not lost to the page once the list it was in is gone
  }

  function render(items, query) {
    results.textContent = "";
    if (!items.length && query) {
      var empty = document.createElement("li");
      empty.className = "meta";
      empty.textContent = search.dataset.noMatch;
      results.appendChild(empty);
    }
    items.forEach(function (item) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "picker__option";
      button.textContent = [item.name, item.email, item.phone].filter(Boolean).join(" · ");
      button.addEventListener("click", function () { pick(item, button.textContent); });
      li.appendChild(button);
      results.appendChild(li);
    });
  }

  function find(query) {
    fetch(search.dataset.searchUrl + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) { render(data.results, query); })
      .catch(function () { render([], ""); });
  }

  search.addEventListener("input", function () {
    clearTimeout(timer);
    hidden.value = "";
    chosen.textContent = "";
    var q = search.value.trim();
    if (q.length < 2) { render([], ""); return; }
    timer = setTimeout(function () { find(q); }, 200);
  });

  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      // Enter (a phone keyboard's Search) looks customers up; it must not send the form.
      event.preventDefault();
      clearTimeout(timer);
      var q = search.value.trim();
      if (q.length >= 2) find(q);
    } else if (event.key === "ArrowDown" && options().length) {
      event.preventDefault();
      options()[0].focus();
    }
  });

  results.addEventListener("keydown", function (event) {
    var list = options();
    var at = list.indexOf(document.activeElement);
    if (at < 0) return;
    if (event.key === "ArrowDown" && at < list.length - 1) {
      event.preventDefault();
      list[at + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (at > 0 ? list[at - 1] : search).focus();
    } else if (event.key === "Escape") {
      search.focus();
    }
  });
})();
