// The review-request page's one link goes straight to the review site (it works with no
// script at all). Tapping it also tells us, with a beacon that outlives the page: that
// tap is the click counted, since mail scanners open links but do not tap them.
(function () {
  "use strict";

  var link = document.querySelector("[data-click-url]");
  if (!link || !navigator.sendBeacon) return;

  link.addEventListener("click", function () {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", link.dataset.csrf);
    navigator.sendBeacon(link.dataset.clickUrl, body);
  });
})();
