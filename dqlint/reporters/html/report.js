(function () {
  "use strict";
  var q = document.getElementById("q");
  if (!q) { return; }
  var byStatus = document.getElementById("f-status");
  var byRule = document.getElementById("f-rule");
  var count = document.getElementById("f-count");
  var items = Array.prototype.slice.call(document.querySelectorAll("article.finding"));
  var haystacks = items.map(function (el) { return el.textContent.toLowerCase(); });
  var groups = Array.prototype.slice.call(document.querySelectorAll("section.rule-findings"));
  function apply() {
    var words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
    var status = byStatus.value, rule = byRule.value, shown = 0;
    items.forEach(function (el, i) {
      var ok = (!status || el.getAttribute("data-status") === status) &&
               (!rule || el.getAttribute("data-rule") === rule) &&
               words.every(function (w) { return haystacks[i].indexOf(w) !== -1; });
      el.hidden = !ok;
      if (ok) { shown += 1; }
    });
    groups.forEach(function (g) { g.hidden = !g.querySelector("article.finding:not([hidden])"); });
    count.textContent = shown + " of " + items.length + " findings shown";
  }
  q.addEventListener("input", apply);
  byStatus.addEventListener("change", apply);
  byRule.addEventListener("change", apply);
  apply();
})();
