// The settings page's "Survey look": a colour picker kept in step with the #rrggbb text
// field (the field is what is sent, so the form works without this script) and a
// preview of a newly chosen logo, read as a data: URL (the CSP allows data: images).
(function () {
  "use strict";
  var form = document.getElementById("look-form");
  if (!form) return;
  var picker = document.getElementById("brand-colour-picker");
  var text = form.querySelector("input[name=brand_colour]");
  var HEX = /^#?[0-9a-fA-F]{6}$/;

  form.querySelectorAll(".js-only").forEach(function (el) { el.classList.remove("js-only"); });
  document.getElementById("logo-preview-box").hidden = true;

  picker.addEventListener("input", function () { text.value = picker.value; });
  text.addEventListener("input", function () {
    var value = text.value.trim();
    if (HEX.test(value)) picker.value = (value[0] === "#" ? value : "#" + value).toLowerCase();
  });

  var file = form.querySelector("input[name=logo]");
  var preview = document.getElementById("logo-preview");
  file.addEventListener("change", function () {
    var chosen = file.files && file.files[0];
    var box = document.getElementById("logo-preview-box");
    if (!chosen || !/^image\/(png|jpeg|webp)$/.test(chosen.type)) { box.hidden = true; return; }
    var reader = new FileReader();
    reader.onload = function () { preview.src = reader.result; box.hidden = false; };
    reader.readAsDataURL(chosen);
  });
})();
