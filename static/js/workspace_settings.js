// Workspace settings: let htmx show the answer of a refused row action (400: the list again, with the form's
// errors or the refusal's message) instead of dropping it, as htmx does by default for error statuses.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (event.detail.xhr.status === 400 && target && target.closest && target.closest("[data-settings-rows]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
