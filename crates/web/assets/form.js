// Progressive enhancement for respondent forms: hides questions whose show_if condition does not
// hold for the answers given so far. The form works without this file: the server decides what
// is stored, and the condition is evaluated there again.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.querySelector("form[data-survey]");
  if (!form) return;
  var earlier = {};
  try { earlier = JSON.parse(form.getAttribute("data-earlier") || "{}"); } catch (e) { earlier = {}; }

  function kindOf(id) {
    var fs = document.getElementById("q-" + id);
    return fs ? fs.getAttribute("data-kind") : null;
  }
  function value(id) {
    if (Object.prototype.hasOwnProperty.call(earlier, id)) return earlier[id];
    var kind = kindOf(id);
    var fs = document.getElementById("q-" + id);
    if (!fs || fs.classList.contains("is-hidden")) return undefined;
    var name = "q." + id;
    var els = form.elements;
    var i, el, out;
    if (kind === "multi") {
      out = [];
      for (i = 0; i < els.length; i++) { el = els[i]; if (el.name === name && el.checked) out.push(el.value); }
      return out.length ? out : undefined;
    }
    if (kind === "matrix" || kind === "allocation" || kind === "ranking") {
      out = {}; var any = false;
      for (i = 0; i < els.length; i++) {
        el = els[i];
        if (el.name && el.name.indexOf(name + ".") === 0 && el.value !== "" && (el.type !== "radio" || el.checked)) {
          out[el.name.slice(name.length + 1)] = parseInt(el.value, 10); any = true;
        }
      }
      if (!any) return undefined;
      if (kind === "ranking") {
        return Object.keys(out).sort(function (a, b) { return out[a] - out[b]; });
      }
      return out;
    }
    var v;
    for (i = 0; i < els.length; i++) {
      el = els[i];
      if (el.name !== name) continue;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) continue;
      v = el.value;
    }
    if (v === undefined || v === "") return undefined;
    if (kind === "yesno") return v === "yes";
    if (kind === "nps" || kind === "rating" || kind === "likert") return parseInt(v, 10);
    return v;
  }
  function holds(c) {
    if (c.all) return c.all.every(holds);
    if (c.any) return c.any.some(holds);
    if (c.not) return !holds(c.not);
    var a = value(c.question);
    if ("answered" in c) return (a !== undefined) === c.answered;
    if (a === undefined) return false;
    if (c.item !== undefined) { a = a[c.item]; if (a === undefined) return false; }
    if ("eq" in c) return a === c.eq;
    if ("ne" in c) return a !== c.ne;
    if ("lt" in c) return a < c.lt;
    if ("lte" in c) return a <= c.lte;
    if ("gt" in c) return a > c.gt;
    if ("gte" in c) return a >= c.gte;
    if ("in" in c) return c["in"].indexOf(a) >= 0;
    if ("includes" in c) return Array.isArray(a) && a.indexOf(c.includes) >= 0;
    return false;
  }
  var conditional = form.querySelectorAll("[data-show-if]");
  function update() {
    for (var i = 0; i < conditional.length; i++) {
      var fs = conditional[i], cond;
      try { cond = JSON.parse(fs.getAttribute("data-show-if")); } catch (e) { continue; }
      var show = holds(cond);
      fs.classList.toggle("is-hidden", !show);
      fs.disabled = !show;
    }
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
  // Open answers count down to their limit, and say so once the limit is reached: the
  // browser stops taking text at maxlength (also when pasting) without telling anyone.
  var counters = form.querySelectorAll("[data-count-for]");
  function count(c) {
    var el = form.elements[c.getAttribute("data-count-for")];
    if (!el) return;
    var max = parseInt(el.getAttribute("maxlength"), 10);
    var left = max - el.value.length;
    c.hidden = left > Math.max(100, max / 10);
    c.classList.toggle("at-limit", left <= 0);
    c.textContent = left <= 0 ? c.getAttribute("data-full") : c.getAttribute("data-left").replace("#", String(left));
  }
  Array.prototype.forEach.call(counters, function (c) {
    var el = form.elements[c.getAttribute("data-count-for")];
    if (!el) return;
    el.addEventListener("input", function () { count(c); });
    count(c);
  });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
