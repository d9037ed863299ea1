// Expand and collapse the region tree table. htmx loads a node's children as rows after it (hx-swap="afterend");
// a second click removes them again instead of loading a second copy.
(function () {
  "use strict";

  function isToggle(element) {
    return element && element.matches && element.matches("[data-tree-toggle]");
  }

  function collapse(button) {
    var row = button.closest("tr");
    var depth = Number(row.dataset.depth);
    var next = row.nextElementSibling;
    while (next && Number(next.dataset.depth) > depth) {
      var after = next.nextElementSibling;
      next.remove();
      next = after;
    }
    button.setAttribute("aria-expanded", "false");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var button = event.detail.elt;
    if (isToggle(button) && button.getAttribute("aria-expanded") === "true") {
      event.preventDefault();
      collapse(button);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var button = event.detail.elt;
    if (isToggle(button) && event.detail.successful) {
      button.setAttribute("aria-expanded", "true");
    }
  });
})();
