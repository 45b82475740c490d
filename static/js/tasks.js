// Tasks: let htmx show the answer of a refused action (400: the row again and the error message) instead of
// dropping it, as it does by default for error statuses.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (event.detail.xhr.status === 400 && target && target.closest && target.closest(".task")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
