// The order page: a line's resolution form opens in place, in a row under the line. Without
// this file (or when anything goes wrong) the links open the form on its own page, which
// posts and comes back to the order the same way.
(function () {
  "use strict";

  // One form at a time: each panel holds a whole form, with its field ids.
  function closeAll() {
    document.querySelectorAll("tr.resolve-inline").forEach(function (inline) { inline.remove(); });
  }

  function show(link, row, text) {
    var doc = new DOMParser().parseFromString(text, "text/html");
    var panel = doc.getElementById("resolve-panel");
    if (!panel) return false;
    panel = document.importNode(panel, true);
    // The page's title becomes the panel's heading: the order page keeps its one h1.
    var title = panel.querySelector("h1");
    if (title) {
      var heading = document.createElement("h2");
      heading.className = "h5 mb-2";
      heading.textContent = title.textContent;
      title.replaceWith(heading);
    }
    panel.querySelectorAll("[data-resolve-cancel]").forEach(function (cancel) {
      cancel.addEventListener("click", function (event) {
        event.preventDefault();
        closeAll();
        link.focus();
      });
    });
    var inline = document.createElement("tr");
    inline.className = "resolve-inline";
    var cell = document.createElement("td");
    cell.colSpan = row.children.length;
    cell.appendChild(panel);
    inline.appendChild(cell);
    closeAll();
    row.after(inline);
    var first = panel.querySelector("form[method=post] select, form[method=post] textarea, form[method=post] input:not([type=hidden])");
    if (first) first.focus();
    return true;
  }

  function open(link) {
    var row = link.closest("tr");
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) {
        // A redirect carries the reason the line cannot be resolved so: let the page say it.
        if (!response.ok || response.redirected) throw new Error("not a form");
        return response.text();
      })
      .then(function (text) {
        if (!show(link, row, text)) throw new Error("no form");
        var menu = link.closest("details");
        if (menu) menu.open = false;
      })
      .catch(function () { window.location.assign(link.href); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("a[data-resolve-inline]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
        event.preventDefault();
        open(link);
      });
    });
  });
})();
