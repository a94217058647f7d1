// The return-order index: select every order on the page, count the selection, and keep
// filter URLs clean. The page works without this file: the server drops empty filter fields
// with a redirect, and each row's checkbox is a plain form field.
(function () {
  "use strict";

  // A GET form submits every field: leave the empty ones out of the URL.
  document.querySelectorAll("form[data-drop-empty]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select, textarea").forEach(function (field) {
        if (field.name && !field.disabled && field.value === "" && field.type !== "checkbox") {
          field.disabled = true;
        }
      });
      // A restored page (back button) must not keep the fields disabled.
      window.addEventListener("pageshow", function () {
        form.querySelectorAll("[disabled]").forEach(function (field) {
          field.disabled = false;
        });
      }, { once: true });
    });
  });

  // "Subscribe" jumps to the subscribe panel: open it on the way.
  document.querySelectorAll('a[href="#calendar-subscribe"]').forEach(function (link) {
    link.addEventListener("click", function () {
      var panel = document.getElementById("calendar-subscribe");
      if (panel) {
        panel.open = true;
      }
    });
  });

  var bulk = document.getElementById("bulk-form");
  if (!bulk) {
    return;
  }
  var all = document.getElementById("select-page");
  var boxes = Array.prototype.slice.call(bulk.querySelectorAll('input[name="orders"]'));
  var count = document.getElementById("bulk-count");

  function update() {
    var n = boxes.filter(function (box) { return box.checked; }).length;
    if (all) {
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
    if (count) {
      count.textContent = n ? count.dataset.some.replace("{n}", String(n)) : count.dataset.none;
    }
    boxes.forEach(function (box) {
      box.closest("tr").classList.toggle("table-active", box.checked);
    });
  }

  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  update();
})();
