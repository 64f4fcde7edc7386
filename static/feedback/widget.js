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

  function makeFrame() {
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.title = script.dataset.label || "Feedback survey";
    frame.style.cssText = "width:100%;max-width:40rem;border:0;height:34rem;display:block;background:#f5f6f8;border-radius:10px";
    frame.setAttribute("loading", "lazy");
    window.addEventListener("message", function (event) {
      if (event.origin !== host || event.source !== frame.contentWindow) return;
      if (event.data && event.data.type === "cx-survey-height") {
        frame.style.height = Math.min(Math.max(event.data.height, 200), 4000) + "px";
      }
    });
    return frame;
  }

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

  function close() {
    panel.remove();
    panel = null;
    button.setAttribute("aria-expanded", "false");
  }

  // Escape closes the survey from the host page (inside the frame the keys are the
  // survey's own) and gives the focus back to the button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !panel) return;
    close();
    button.focus();
  });

  button.addEventListener("click", function () {
    if (panel) { close(); return; }
    panel = document.createElement("div");
    panel.id = "cx-survey-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", button.textContent);
    panel.style.cssText = "position:fixed;right:1rem;bottom:4.5rem;width:min(26rem,calc(100vw - 2rem));max-height:calc(100vh - 6rem);overflow:auto;z-index:2147483000;box-shadow:0 8px 30px rgba(0,0,0,.25);border-radius:10px;background:#f5f6f8";
    panel.appendChild(makeFrame());
    button.after(panel);
    button.setAttribute("aria-expanded", "true");
  });
  document.body.appendChild(button);
})();
