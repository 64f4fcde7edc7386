/*
 * CX Platform survey widget. Put this on your own website:
 *   <script src="https://YOUR-CX-HOST/static/feedback/widget.js" data-survey="SURVEY-UUID" async></script>
 * Options (attributes on the script tag):
 *   data-mode="button" (default: a "Give feedback" button opening the survey) or "inline"
 *   data-label="Tell us how we did" (the button's text)
 * The survey opens in an iframe served by the CX host; only the sites the business
 * lists on the survey's Share page may show it.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.survey) return;
  var host = new URL(script.src).origin;
  var src = host + "/s/" + encodeURIComponent(script.dataset.survey) + "/embed/";
  var mode = script.dataset.mode || "button";

  var frame = null;

  function makeFrame() {
    frame = document.createElement("iframe");
    frame.src = src;
    frame.title = script.dataset.label || "Feedback survey";
    frame.style.cssText = "width:100%;max-width:40rem;border:0;height:34rem;display:block;background:#f5f6f8;border-radius:10px";
    frame.setAttribute("loading", "lazy");
    return frame;
  }

  // What the survey inside the frame tells the page: its height, and that the customer
  // pressed Escape in it (keys inside a frame from another site never reach this page).
  var onEscapeInFrame = function () {};
  window.addEventListener("message", function (event) {
    if (!frame || event.origin !== host || event.source !== frame.contentWindow) return;
    var type = event.data && event.data.type;
    if (type === "cx-survey-height") {
      frame.style.height = Math.min(Math.max(event.data.height, 200), 4000) + "px";
    } else if (type === "cx-survey-escape") {
      onEscapeInFrame();
    }
  });

  if (mode === "inline") {
    script.parentNode.insertBefore(makeFrame(), script.nextSibling);
    return;
  }

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = script.dataset.label || "Give feedback";
  button.style.cssText = "position:fixed;right:1rem;bottom:1rem;z-index:2147483000;background:#2f5bd3;color:#fff;border:0;border-radius:999px;padding:.8rem 1.2rem;font:600 1rem system-ui,sans-serif;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.2)";
  // A disclosure: the button says whether the survey is open, and the survey comes
  // right after it in the tab order (the panel is the next element in the page).
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "cx-survey-panel");
  var panel = null;

  // Closing hides the survey rather than removing it: an answer half given is still
  // there when the customer opens it again.
  function open() {
    if (!panel) {
      panel = document.createElement("div");
      panel.id = "cx-survey-panel";
      panel.setAttribute("role", "dialog");
      panel.setAttribute("aria-label", button.textContent);
      panel.style.cssText = "position:fixed;right:1rem;bottom:4.5rem;width:min(26rem,calc(100vw - 2rem));max-height:calc(100vh - 6rem);overflow:auto;z-index:2147483000;box-shadow:0 8px 30px rgba(0,0,0,.25);border-radius:10px;background:#f5f6f8";
      panel.appendChild(makeFrame());
      button.after(panel);
    }
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
  }

  function isOpen() {
    return panel !== null && !panel.hidden;
  }

  function close() {
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
  }

  // Escape closes the survey, pressed on the page or inside the survey, and gives the
  // focus back to the button.
  function closeByKeyboard() {
    if (!isOpen()) return;
    close();
    button.focus();
  }
  onEscapeInFrame = closeByKeyboard;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeByKeyboard();
  });

  button.addEventListener("click", function () {
    if (isOpen()) close();
    else open();
  });
  document.body.appendChild(button);
})();
