// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Close open menus on Escape or a click outside them.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });

  // <form data-confirm="Are you sure?">: ask before a plain (non-htmx) submit.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // A navigation bar that scrolls sideways (a phone) shows the current page's item.
  document.querySelectorAll("nav [aria-current='page']").forEach(function (link) {
    var bar = link.parentElement;
    if (bar && bar.scrollWidth > bar.clientWidth) {
      var offset = link.getBoundingClientRect().left - bar.getBoundingClientRect().left;
      bar.scrollLeft += offset - (bar.clientWidth - link.offsetWidth) / 2;
    }
  });

  // Select a one-time secret when it gets focus, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-select-on-focus")) event.target.select();
  });
})();

// Filter forms (hx-get with data-clean-query) leave empty fields out of the URL they push: ?owner=me, not
// ?q=&owner=me&tier=&...
document.addEventListener("htmx:configRequest", function (event) {
  var source = event.detail.elt;
  var form = source && source.closest ? source.closest("form[data-clean-query]") : null;
  if (!form || event.detail.verb !== "get") return;
  var data = event.detail.formData;
  if (!data || !data.entries) return;
  Array.from(data.entries()).forEach(function (pair) {
    if (pair[1] === "") data.delete(pair[0]);
  });
});
