// Progressive enhancement for Boomerang's pages: everything works without this file.
(function () {
  "use strict";

  // Narrow a select's options to those whose data-company matches another select's value.
  function scopeOptions(select) {
    var source = document.getElementById(select.dataset.filterBy);
    if (!source) return;
    function apply() {
      var company = source.value;
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) return;
        var match = !company || option.dataset.company === company;
        option.hidden = !match;
        option.disabled = !match;
        if (!match && option.selected) select.value = "";
      });
    }
    source.addEventListener("change", apply);
    apply();
  }

  // A text box above a long select that filters its options as you type.
  function makeSearchable(select) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "form-control form-control-sm mb-1";
    input.placeholder = "Type to filter…";
    input.setAttribute("aria-label", "Filter " + (select.labels[0] ? select.labels[0].textContent.trim() : "options"));
    select.parentNode.insertBefore(input, select);
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) return;
        option.hidden = needle && option.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
  }

  // Copy the text of an element named by data-copy-target to the clipboard.
  function copyButton(button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.dataset.copyTarget);
      if (!target || !navigator.clipboard) return;
      navigator.clipboard.writeText(target.value || target.textContent).then(function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 1500);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-filter-by]").forEach(scopeOptions);
    document.querySelectorAll("select[data-searchable]").forEach(makeSearchable);
    document.querySelectorAll("[data-copy-target]").forEach(copyButton);
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  });
})();
