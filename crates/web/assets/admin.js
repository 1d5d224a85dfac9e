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
  // New survey: choosing a template fills in its title (still editable). A title the user
  // typed is kept; one filled in from another template follows the new choice.
  var titles = document.querySelectorAll("input[data-template-title]");
  document.querySelectorAll("input[type=radio][name=template]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      titles.forEach(function (input) {
        var lang = input.getAttribute("data-template-title");
        if (input.value !== "" && input.value !== input.getAttribute("data-filled")) { return; }
        var title = radio.getAttribute("data-title-" + lang) || "";
        input.value = title;
        input.setAttribute("data-filled", title);
      });
    });
  });
  // Builder: a live preview beside the editor. Typing in a question's form sends that form,
  // marked `live`, into the preview frame: the server applies the edit to the draft in memory
  // and renders the page as respondents will see it. Nothing is saved until "Save".
  var frame = document.querySelector("iframe[name=live-preview]");
  if (frame) {
    var timer = null;
    var preview = function (form) {
      var live = document.createElement("input");
      live.type = "hidden"; live.name = "live"; live.value = "1";
      form.appendChild(live);
      var target = form.getAttribute("target");
      form.setAttribute("target", "live-preview");
      form.submit();
      form.removeChild(live);
      if (target === null) { form.removeAttribute("target"); } else { form.setAttribute("target", target); }
    };
    document.querySelectorAll("form[data-live]").forEach(function (form) {
      var changed = function () {
        clearTimeout(timer);
        timer = setTimeout(function () { preview(form); }, 400);
      };
      form.addEventListener("input", changed);
      form.addEventListener("change", changed);
    });
  }
})();
