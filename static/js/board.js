// The pipeline board: drag a card to another column (HTML5 drag and drop), or use the card's Move form without
// reloading. A move into a churned column asks for the reason in a <dialog> first; cancelling puts the card back.
// The server answers with the whole set of columns (counts and sums included), which replaces the board.
// Without JavaScript the Move form posts and the page reloads.
(function () {
  "use strict";

  var dragging = null; // {card, list, next, column}: where the dragged card came from
  var pending = null; // the move waiting for the churn dialog

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function origin(card) {
    return { card: card, list: card.parentNode, next: card.nextSibling, column: card.closest(".board-column") };
  }

  function putBack(move) {
    move.card.classList.remove("is-moving");
    if (move.next && move.next.parentNode === move.list) move.list.insertBefore(move.card, move.next);
    else move.list.appendChild(move.card);
  }

  function showError(text) {
    var box = document.getElementById("messages");
    if (!box) return;
    var line = document.createElement("p");
    line.className = "message message-error";
    line.textContent = text;
    box.replaceChildren(line);
  }

  // Swap in the parts of the answer that the page has: the columns and the messages.
  function apply(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var swapped = false;
    ["board-columns", "messages"].forEach(function (id) {
      var fresh = template.content.getElementById(id);
      var current = document.getElementById(id);
      if (!fresh || !current) return;
      fresh.removeAttribute("hx-swap-oob");
      current.replaceWith(fresh);
      if (window.htmx) window.htmx.process(fresh);
      if (id === "board-columns") swapped = true;
    });
    return swapped;
  }

  function send(move, stage, extra) {
    var board = document.getElementById("board-columns");
    var body = new URLSearchParams(board.getAttribute("data-query") || "");
    body.set("account", move.card.getAttribute("data-account"));
    body.set("stage", stage);
    Object.keys(extra).forEach(function (name) { body.set(name, extra[name]); });
    move.card.classList.add("is-moving");
    fetch(board.getAttribute("data-move-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      body: body,
    }).then(function (response) {
      if (response.redirected) {
        window.location.assign(response.url); // signed out meanwhile: the login page
        return;
      }
      return response.text().then(function (html) {
        if (!apply(html)) {
          putBack(move);
          if (!response.ok) showError("The card could not be moved (error " + response.status + ").");
        }
      });
    }).catch(function () {
      putBack(move);
      showError("The card could not be moved: the server did not answer. Try again.");
    });
  }

  function move(moveFrom, stage, churned) {
    if (!churned) {
      send(moveFrom, stage, {});
      return;
    }
    var dialog = document.getElementById("churn-dialog");
    var name = moveFrom.card.querySelector(".board-card-name");
    dialog.querySelector("[data-account-name]").textContent = name ? name.textContent.trim() : "this account";
    dialog.querySelector("form").reset();
    dialog.returnValue = "";
    pending = { move: moveFrom, stage: stage };
    dialog.showModal();
  }

  document.addEventListener("close", function (event) {
    if (event.target.id !== "churn-dialog" || !pending) return;
    var dialog = event.target;
    var current = pending;
    pending = null;
    if (dialog.returnValue !== "confirm") {
      putBack(current.move);
      return;
    }
    send(current.move, current.stage, {
      churn_reason: dialog.querySelector("[name=churn_reason]").value,
      churn_date: dialog.querySelector("[name=churn_date]").value,
    });
  }, true);

  function dropColumn(event) {
    var column = event.target.closest && event.target.closest(".board-column[data-drop-target]");
    return dragging && column ? column : null;
  }

  function clearHighlight() {
    document.querySelectorAll(".board-column.is-over").forEach(function (column) {
      column.classList.remove("is-over");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".board-card");
    if (!card) return;
    dragging = origin(card);
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-account"));
    card.classList.add("is-dragging");
  });

  document.addEventListener("dragover", function (event) {
    var column = dropColumn(event);
    if (!column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("is-over")) {
      clearHighlight();
      column.classList.add("is-over");
    }
  });

  document.addEventListener("dragleave", function (event) {
    var column = dropColumn(event);
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("is-over");
  });

  document.addEventListener("drop", function (event) {
    var column = dropColumn(event);
    if (!column) return;
    event.preventDefault();
    clearHighlight();
    var from = dragging;
    dragging = null;
    from.card.classList.remove("is-dragging");
    if (column === from.column) return;
    // The card lands at once; the server's answer then puts it in its place by renewal date.
    column.querySelector(".board-cards").prepend(from.card);
    move(from, column.getAttribute("data-stage"), column.hasAttribute("data-churned"));
  });

  document.addEventListener("dragend", function () {
    clearHighlight();
    if (dragging) dragging.card.classList.remove("is-dragging");
    dragging = null;
  });

  // The card's Move form, for keyboards and touch screens: the same move without leaving the page.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-board-move]")) return;
    var select = form.querySelector("select[name=stage]");
    var option = select.options[select.selectedIndex];
    if (!option || !option.value) return;
    event.preventDefault();
    var card = form.closest(".board-card");
    move(origin(card), option.value, option.hasAttribute("data-churned"));
  });
})();
