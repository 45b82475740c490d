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

// On a phone, fold the secondary filters unless one of them is in use.
(function () {
  "use strict";
  if (!window.matchMedia("(max-width: 600px)").matches) return;
  document.querySelectorAll("details[data-collapse-on-phone]:not([data-active])").forEach(function (details) {
    details.open = false;
  });
})();
