// Progressive enhancement for Boomerang's pages: everything works without this file.
(function () {
  "use strict";

  var forEach = Array.prototype.forEach;

  // Narrow a select's options to those whose data-company matches another select's value.
  function scopeOptions(select) {
    var source = document.getElementById(select.dataset.filterBy);
    if (!source) return;
    function apply() {
      var company = source.value;
      var cleared = false;
      forEach.call(select.options, function (option) {
        if (!option.value) return;
        var match = !company || option.dataset.company === company;
        option.hidden = !match;
        option.disabled = !match;
        if (!match && option.selected) {
          select.value = "";
          cleared = true;
        }
      });
      // A combobox on this select shows the emptied choice.
      if (cleared) select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    source.addEventListener("change", apply);
    apply();
  }

  // -- combobox ---------------------------------------------------------------------------
  // A <select data-combobox> becomes a text box with a list of matching options (the ARIA
  // combobox pattern): type to narrow, arrows to move, Enter to choose, Escape to close or
  // clear. The select stays in the form, hidden, and carries the value; without this script
  // it is an ordinary select.
  var MAX_SHOWN = 100;
  var comboboxCount = 0;

  function labelText(select) {
    return select.labels && select.labels[0] ? select.labels[0].textContent.replace("*", "").trim() : "options";
  }

  function words(text) {
    return text.toLowerCase().split(/\s+/).filter(Boolean);
  }

  function combobox(select) {
    if (select.dataset.comboboxReady) return;
    select.dataset.comboboxReady = "true";
    comboboxCount += 1;
    var base = select.id || "combobox-" + comboboxCount;
    var name = labelText(select);

    var wrap = document.createElement("div");
    wrap.className = "combobox";
    var input = document.createElement("input");
    input.type = "text";
    input.id = base + "-input";
    input.className = "form-control" + (select.classList.contains("is-invalid") ? " is-invalid" : "");
    input.autocomplete = "off";
    input.spellcheck = false;
    input.placeholder = "Type to search…";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    ["aria-describedby", "aria-invalid"].forEach(function (attr) {
      if (select.hasAttribute(attr)) input.setAttribute(attr, select.getAttribute(attr));
    });
    if (select.required) input.setAttribute("aria-required", "true");
    if (select.disabled) input.disabled = true;
    var list = document.createElement("ul");
    list.id = base + "-listbox";
    list.className = "combobox-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", name);
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");

    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.appendChild(status);
    select.parentNode.insertBefore(wrap, select.nextSibling);
    if (select.labels) forEach.call(select.labels, function (label) { label.htmlFor = input.id; });
    select.hidden = true;
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");
    select.dataset.comboboxInput = input.id;

    var shown = [];
    var active = -1;

    function selectedText() {
      var option = select.options[select.selectedIndex];
      return option && option.value ? option.textContent.trim() : "";
    }

    function setActive(index) {
      if (active >= 0 && shown[active]) shown[active].element.classList.remove("active");
      active = index;
      if (active >= 0 && shown[active]) {
        var element = shown[active].element;
        element.classList.add("active");
        input.setAttribute("aria-activedescendant", element.id);
        element.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function render(filter) {
      var needles = filter ? words(input.value) : [];
      list.textContent = "";
      shown = [];
      var total = 0;
      forEach.call(select.options, function (option, index) {
        if (!option.value || option.hidden) return;
        var text = option.textContent.trim();
        var haystack = text.toLowerCase();
        if (!needles.every(function (needle) { return haystack.indexOf(needle) !== -1; })) return;
        total += 1;
        if (shown.length >= MAX_SHOWN) return;
        var item = document.createElement("li");
        item.id = base + "-option-" + index;
        item.className = "combobox-option";
        item.setAttribute("role", "option");
        item.textContent = text;
        var selected = option.selected;
        item.setAttribute("aria-selected", selected ? "true" : "false");
        if (option.disabled) item.setAttribute("aria-disabled", "true");
        list.appendChild(item);
        shown.push({ element: item, option: option });
      });
      list.hidden = shown.length === 0;
      input.setAttribute("aria-expanded", shown.length ? "true" : "false");
      setActive(-1);
      if (!total) status.textContent = "No " + name.toLowerCase() + " matches.";
      else if (total > shown.length) status.textContent = total + " matches, " + shown.length + " shown: keep typing to narrow them.";
      else status.textContent = total === 1 ? "1 match." : total + " matches.";
    }

    function choose(entry) {
      if (!entry || entry.option.disabled) return;
      select.value = entry.option.value;
      input.value = entry.option.textContent.trim();
      close();
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function move(step) {
      if (list.hidden) render(false);
      if (!shown.length) return;
      var index = active;
      for (var tries = 0; tries < shown.length; tries += 1) {
        index = (index + step + shown.length) % shown.length;
        if (step > 0 && active === -1 && tries === 0) index = 0;
        if (step < 0 && active === -1 && tries === 0) index = shown.length - 1;
        if (!shown[index].option.disabled) break;
      }
      setActive(index);
    }

    function commit() {
      var text = input.value.trim();
      if (!text) {
        if (select.value) {
          select.value = "";
          select.dispatchEvent(new Event("change", { bubbles: true }));
        }
        return;
      }
      if (text === selectedText()) return;
      var exact = null;
      forEach.call(select.options, function (option) {
        if (!exact && option.value && !option.hidden && !option.disabled &&
            option.textContent.trim().toLowerCase() === text.toLowerCase()) exact = option;
      });
      if (exact) {
        choose({ option: exact });
      } else {
        input.value = selectedText();
      }
    }

    input.value = selectedText();
    input.addEventListener("input", function () { render(true); });
    input.addEventListener("click", function () { if (list.hidden) render(false); });
    input.addEventListener("keydown", function (event) {
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (event.altKey) render(false);
          else move(1);
          break;
        case "ArrowUp":
          event.preventDefault();
          move(-1);
          break;
        case "Enter":
          // Never submit the form from here: Enter chooses the highlighted option.
          event.preventDefault();
          if (!list.hidden && active >= 0) choose(shown[active]);
          else if (!list.hidden && shown.length === 1) choose(shown[0]);
          break;
        case "Escape":
          // First Escape closes the list and undoes the typing; a second clears the choice.
          if (!list.hidden || input.value !== selectedText()) {
            event.preventDefault();
            close();
            input.value = selectedText();
          } else if (input.value) {
            event.preventDefault();
            input.value = "";
            commit();
          }
          break;
        case "Tab":
          if (!list.hidden && active >= 0) choose(shown[active]);
          break;
      }
    });
    input.addEventListener("blur", function () {
      close();
      commit();
    });
    // Keep focus in the box while an option is clicked.
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var item = event.target.closest("[role=option]");
      if (!item) return;
      shown.forEach(function (entry) { if (entry.element === item) choose(entry); });
    });
    select.addEventListener("change", function () {
      if (document.activeElement !== input) input.value = selectedText();
    });
  }

  // -- picker: a combobox that asks the server ---------------------------------------------
  // An <input data-picker data-picker-url data-picker-value> names something among too many to
  // list in the page (customers, owners). Typing asks the URL for the matches ({"results":
  // [{value, label}]}) and shows them as the combobox above does; choosing one puts its key in
  // the hidden field named by data-picker-value. Editing the name clears the key, so a submitted
  // name without a choice is resolved by the server, as it is without this script.
  var PICKER_DELAY = 200;

  function picker(input) {
    if (input.dataset.pickerReady) return;
    input.dataset.pickerReady = "true";
    var hidden = document.getElementById(input.dataset.pickerValue);
    if (!hidden) return;
    var name = input.labels && input.labels[0] ? input.labels[0].textContent.replace("*", "").trim() : "matches";

    var wrap = document.createElement("div");
    wrap.className = "combobox";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var list = document.createElement("ul");
    list.id = input.id + "-listbox";
    list.className = "combobox-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", name);
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    wrap.appendChild(list);
    wrap.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.placeholder = "Type to search…";

    var shown = [];
    var active = -1;
    var chosenLabel = input.value;
    var timer = null;
    var asked = 0;

    function setActive(index) {
      if (active >= 0 && shown[active]) shown[active].element.classList.remove("active");
      active = index;
      if (active >= 0 && shown[active]) {
        var element = shown[active].element;
        element.classList.add("active");
        input.setAttribute("aria-activedescendant", element.id);
        element.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function render(results) {
      list.textContent = "";
      shown = [];
      results.forEach(function (row, index) {
        var item = document.createElement("li");
        item.id = input.id + "-option-" + index;
        item.className = "combobox-option";
        item.setAttribute("role", "option");
        item.textContent = row.label;
        item.setAttribute("aria-selected", String(row.value) === hidden.value ? "true" : "false");
        list.appendChild(item);
        shown.push({ element: item, value: String(row.value), label: row.label });
      });
      list.hidden = shown.length === 0;
      input.setAttribute("aria-expanded", shown.length ? "true" : "false");
      setActive(-1);
      if (!shown.length) status.textContent = "No " + name.toLowerCase() + " matches.";
      else status.textContent = shown.length === 1 ? "1 match." : shown.length + " matches.";
    }

    function ask() {
      asked += 1;
      var mine = asked;
      var url = input.dataset.pickerUrl + "?q=" + encodeURIComponent(input.value.trim());
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          // An answer to an older question arrives late: keep only the newest.
          if (mine === asked && document.activeElement === input) render(data.results || []);
        })
        .catch(function () { /* Offline: the server resolves the name on submit. */ });
    }

    function choose(entry) {
      if (!entry) return;
      hidden.value = entry.value;
      input.value = chosenLabel = entry.label;
      close();
    }

    function move(step) {
      if (!shown.length) return;
      if (active === -1) setActive(step > 0 ? 0 : shown.length - 1);
      else setActive((active + step + shown.length) % shown.length);
    }

    input.addEventListener("input", function () {
      // A changed name is no longer the chosen one: the server reads the name instead.
      if (input.value !== chosenLabel) hidden.value = "";
      clearTimeout(timer);
      timer = setTimeout(ask, PICKER_DELAY);
    });
    input.addEventListener("click", function () { if (list.hidden) ask(); });
    input.addEventListener("keydown", function (event) {
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (list.hidden) ask();
          else move(1);
          break;
        case "ArrowUp":
          event.preventDefault();
          move(-1);
          break;
        case "Enter":
          // Enter chooses the highlighted match; with none highlighted it submits the filters.
          if (!list.hidden && active >= 0) {
            event.preventDefault();
            choose(shown[active]);
          }
          break;
        case "Escape":
          if (!list.hidden) {
            event.preventDefault();
            close();
          } else if (input.value) {
            event.preventDefault();
            input.value = chosenLabel = "";
            hidden.value = "";
          }
          break;
        case "Tab":
          if (!list.hidden && active >= 0) choose(shown[active]);
          break;
      }
    });
    input.addEventListener("blur", function () {
      asked += 1; // an answer arriving after leaving the box must not reopen the list
      close();
    });
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var item = event.target.closest("[role=option]");
      if (!item) return;
      shown.forEach(function (entry) { if (entry.element === item) choose(entry); });
    });
    // A chosen match travels as its key alone: the name would only cost a redirect.
    if (input.form) {
      input.form.addEventListener("submit", function () {
        if (hidden.value && input.value === chosenLabel) input.disabled = true;
      });
      window.addEventListener("pageshow", function () { input.disabled = false; });
    }
  }

  // The element to focus for a form control: a combobox's text box stands for its select.
  function focusTarget(element) {
    if (element && element.dataset && element.dataset.comboboxInput) {
      return document.getElementById(element.dataset.comboboxInput);
    }
    if (element && element.tagName === "FIELDSET") {
      return element.querySelector("input, select, textarea");
    }
    return element;
  }

  function isShown(element) {
    return !!(element && !element.hidden && element.getClientRects().length);
  }

  // After a rejected submit: focus the first bad field, or the summary for a form-wide error.
  function focusFirstError(summary) {
    var scope = summary.closest("form") || document;
    var candidates = scope.querySelectorAll("[aria-invalid=true]");
    for (var i = 0; i < candidates.length; i += 1) {
      var target = focusTarget(candidates[i]);
      if (isShown(target)) {
        target.focus();
        return;
      }
    }
    summary.focus();
  }

  function errorLink(link) {
    link.addEventListener("click", function (event) {
      var target = focusTarget(document.getElementById(link.hash.slice(1)));
      if (!isShown(target)) return;
      event.preventDefault();
      target.focus();
      target.scrollIntoView({ block: "center" });
    });
  }

  // A table wider than its box scrolls sideways: make the box reachable and named for the
  // keyboard (axe: scrollable-region-focusable).
  function scrollableTables() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var table = box.querySelector("table");
        var caption = table && table.caption ? table.caption.textContent.trim() : "";
        var label = caption || (table && table.getAttribute("aria-label")) || "Table";
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          box.setAttribute("aria-label", label + " (scrolls sideways)");
        }
        box.dataset.scrollableAdded = "true";
      } else if (!scrolls && box.dataset.scrollableAdded) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        delete box.dataset.scrollableAdded;
      }
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
    document.querySelectorAll("select[data-combobox], select[data-searchable]").forEach(combobox);
    document.querySelectorAll("input[data-picker]").forEach(picker);
    // A box that only filters what is on the page: Enter there must not submit its form.
    document.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.matches && event.target.matches("input[data-filter-box]")) {
        event.preventDefault();
      }
    });
    document.querySelectorAll("[data-copy-target]").forEach(copyButton);
    document.querySelectorAll("a[data-error-link]").forEach(errorLink);
    var summary = document.querySelector("[data-error-summary]");
    if (summary) focusFirstError(summary);
    scrollableTables();
    var resizeTimer;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(scrollableTables, 150);
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  });
})();
