// Tevreden admin app: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // Copy buttons: shown only when the clipboard can be used.
  if (navigator.clipboard) {
    document.querySelectorAll("button.copy[data-copy]").forEach(function (b) {
      b.hidden = false;
      var label = b.textContent;
      b.addEventListener("click", function () {
        navigator.clipboard.writeText(b.getAttribute("data-copy")).then(function () {
          b.textContent = b.getAttribute("data-done") || label;
          setTimeout(function () { b.textContent = label; }, 2000);
        });
      });
    });
  }
  // Upload in the builder: read the chosen file into the text area (nothing is sent yet).
  document.querySelectorAll("input[type=file][data-fill]").forEach(function (input) {
    input.addEventListener("change", function () {
      var target = document.getElementById(input.getAttribute("data-fill"));
      var file = input.files && input.files[0];
      if (!target || !file || !window.FileReader) { return; }
      var reader = new FileReader();
      reader.onload = function () { target.value = String(reader.result); target.focus(); };
      reader.readAsText(file);
    });
  });
})();
