// The order page's line table: a "select all" box and a count for the bulk actions, and
// outcome selects that save as soon as they change (htmx posts them; without this file
// each has its own Save button).
(function () {
  "use strict";

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input[data-line-select]"));
  }

  function refresh() {
    var all = document.getElementById("select-all-lines");
    var count = document.getElementById("line-bulk-count");
    var list = boxes();
    var chosen = list.filter(function (box) { return box.checked; }).length;
    if (all) {
      all.checked = list.length > 0 && chosen === list.length;
      all.indeterminate = chosen > 0 && chosen < list.length;
    }
    if (count) count.textContent = chosen === 1 ? "1 line selected:" : chosen + " lines selected:";
  }

  function enhance(root) {
    root.querySelectorAll("[data-outcome-save]").forEach(function (button) {
      // htmx saves on change; the button stays for a browser without scripts.
      if (window.htmx) button.classList.add("d-none");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var all = document.getElementById("select-all-lines");
    var wrap = document.getElementById("select-all-wrap");
    if (wrap) wrap.hidden = false;
    if (all) {
      all.addEventListener("change", function () {
        boxes().forEach(function (box) { box.checked = all.checked; });
        refresh();
      });
    }
    document.addEventListener("change", function (event) {
      if (event.target.matches && event.target.matches("input[data-line-select]")) refresh();
    });
    enhance(document);
    if (boxes().length) refresh();
  });

  document.addEventListener("htmx:load", function (event) {
    enhance(event.target);
    refresh();
  });
})();
