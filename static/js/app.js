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

  // A Copy button (data-copy="<input id>") puts that input's value on the clipboard and says so; where the
  // clipboard is not available (http, an old browser) it selects the text for Ctrl+C instead.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var id = button.getAttribute("data-copy");
    var input = document.getElementById(id);
    var status = document.querySelector('[data-copied-for="' + id + '"]');
    if (!input) return;
    function say(text) { if (status) status.textContent = text; }
    input.focus();
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(
        function () { say("Copied."); },
        function () { say("Press Ctrl+C (⌘C) to copy."); }
      );
    } else {
      say("Press Ctrl+C (⌘C) to copy.");
    }
  });
})();

// The header's quick search (templates/layouts/app.html): under two characters it asks nothing (the server would
// answer nothing anyway); Escape or a click elsewhere hides the dropdown, focus brings it back; the arrow keys walk
// from the box through the links and back.
(function () {
  "use strict";
  var MIN_LENGTH = 2;

  function parts(element) {
    var form = element && element.closest ? element.closest("form[data-quick-search]") : null;
    if (!form) return null;
    return {
      form: form,
      input: form.querySelector('input[type="search"]'),
      results: form.querySelector(".quick-search-results"),
      status: form.querySelector('[role="status"]')
    };
  }

  document.addEventListener("htmx:confirm", function (event) {
    var box = parts(event.detail.elt);
    if (!box || event.detail.elt !== box.input) return;
    if (box.input.value.trim().length >= MIN_LENGTH) return;
    event.preventDefault();
    box.results.replaceChildren();
    box.status.textContent = "";
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var box = parts(event.target);
    if (box && event.target === box.results) box.results.hidden = false;
  });

  document.addEventListener("focusin", function (event) {
    var box = parts(event.target);
    if (box && event.target === box.input) box.results.hidden = false;
  });

  document.addEventListener("click", function (event) {
    document.querySelectorAll("form[data-quick-search] .quick-search-results").forEach(function (results) {
      if (!results.closest("form").contains(event.target)) results.hidden = true;
    });
  });

  document.addEventListener("keydown", function (event) {
    var box = parts(event.target);
    if (!box) return;
    if (event.key === "Escape") {
      box.results.hidden = true;
      box.input.focus();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    if (box.results.hidden) return;
    var stops = [box.input].concat(Array.prototype.slice.call(box.results.querySelectorAll("a")));
    if (stops.length < 2) return;
    var at = stops.indexOf(event.target);
    var next = at + (event.key === "ArrowDown" ? 1 : -1);
    if (next < 0 || next >= stops.length) return;
    event.preventDefault();
    stops[next].focus();
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

// An htmx request that failed says so where messages appear, instead of leaving the page as if nothing happened.
// 503 is load shedding (csm/overload.py): the request never reached the application, so nothing changed. A 5xx
// rolls the request's transaction back. (The pipeline board puts a dragged card back and says so itself.)
(function () {
  "use strict";

  function say(text) {
    var box = document.getElementById("messages");
    if (!box) return;
    var line = document.createElement("p");
    line.className = "message message-error";
    line.setAttribute("role", "alert");
    line.textContent = text;
    box.replaceChildren(line);
  }

  function explain(status, retryAfter) {
    if (status === 503) {
      var wait = parseInt(retryAfter, 10);
      return "The server is busy and did not take this request; nothing was changed. Try again" +
        (wait > 0 ? " in " + wait + " second" + (wait === 1 ? "" : "s") + "." : " in a moment.");
    }
    if (status === 403) return "You do not have permission to do that, or your session changed. Reload the page.";
    if (status === 404) return "This is no longer here: it may have been deleted. Reload the page.";
    if (status === 413) return "That is too large to send.";
    if (status === 429) return "Too many attempts. Wait a little, then try again.";
    if (status >= 500) return "Something went wrong on our side (error " + status + "); nothing was changed. Try again.";
    return "The request failed (error " + status + ").";
  }

  function handledElsewhere(target) {
    return target && target.matches && target.matches("form[data-board-move]");
  }

  document.addEventListener("htmx:responseError", function (event) {
    if (handledElsewhere(event.target)) return;
    var xhr = event.detail.xhr;
    say(explain(xhr.status, xhr.getResponseHeader("Retry-After")));
  });
  document.addEventListener("htmx:sendError", function (event) {
    if (handledElsewhere(event.target)) return;
    say("The server did not answer: check the connection, then try again.");
  });
})();
