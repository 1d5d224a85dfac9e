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
})();
