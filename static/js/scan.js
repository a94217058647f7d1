// Scanning and adding lines: small conveniences; the forms work without this file.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    // The order page's scan field: an empty Enter (a scanner's stray return) posts nothing,
    // and a second Enter while the first scan is on its way is not sent twice.
    var scanForm = document.getElementById("scan-form");
    if (scanForm) {
      var input = scanForm.querySelector("input[name=scan]");
      var sending = false;
      scanForm.addEventListener("submit", function (event) {
        if (!input.value.trim() || sending) {
          event.preventDefault();
          input.focus();
          return;
        }
        sending = true;
        scanForm.setAttribute("aria-busy", "true");
      });
    }

    // The add-line list: typing a bulk item's quantity ticks that item.
    document.querySelectorAll("#pick-table .pick-quantity").forEach(function (quantity) {
      quantity.addEventListener("input", function () {
        var row = quantity.closest("tr");
        var box = row && row.querySelector("input[type=checkbox]");
        if (box && !box.disabled) box.checked = Number(quantity.value) > 0;
      });
    });
  });
})();
