// The accounts list: a "select all on this page" shortcut (shift-click selects a range).
(function () {
  "use strict";
  var last = null;
  document.addEventListener("click", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.name !== "account_ids") return;
    var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name="account_ids"]'));
    if (event.shiftKey && last && boxes.indexOf(last) !== -1) {
      var from = boxes.indexOf(last), to = boxes.indexOf(box);
      boxes.slice(Math.min(from, to), Math.max(from, to) + 1).forEach(function (b) { b.checked = box.checked; });
    }
    last = box;
  });
})();

// The bulk bar: only the input the chosen action needs shows (without JavaScript every input shows and the server
// checks what the action needs). A confirmed or cancelled panel goes away; "Cancel" needs no page load.
(function () {
  "use strict";
  function sync(bar) {
    var action = bar.querySelector('select[name="action"]');
    bar.querySelectorAll("[data-bulk-for]").forEach(function (part) {
      part.hidden = !action || part.getAttribute("data-bulk-for") !== action.value;
    });
  }
  function init(root) {
    root.querySelectorAll("[data-bulk]").forEach(sync);
  }
  document.addEventListener("change", function (event) {
    var bar = event.target.closest && event.target.closest("[data-bulk]");
    if (bar && event.target.name === "action") sync(bar);
  });
  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest("[data-bulk-cancel]");
    var panel = cancel && cancel.closest("#bulk-confirm");
    if (panel) {
      event.preventDefault();
      panel.innerHTML = "";
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    init(event.target);
    var panel = event.target.querySelector && event.target.querySelector("#bulk-confirm-panel");
    if (panel) panel.focus();
  });
  init(document);
})();
