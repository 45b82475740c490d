// The pipeline board, on the same htmx pattern as the ticket board: every move goes through the card's own Move
// form (the one that works without JavaScript), which htmx posts; the answer (every column, its counts and sums,
// and the messages) replaces the board. Dragging a card onto another column sets that form's stage and submits
// it. A move into a churned column asks for the reason in a <dialog> first (htmx's confirm step waits for it);
// cancelling puts the card back. A column's "Show more" is plain htmx (the next cards replace the link's <li>); the
// focus, which would be lost with the link, goes to the first new card.
(function () {
  "use strict";

  var showingMore = null; // the list of the column whose "Show more" was followed, until its new cards arrive

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.matches && target.matches(".board-more")) showingMore = target.parentNode;
  });

  document.addEventListener("htmx:load", function (event) {
    var card = event.target;
    if (!showingMore || !card.matches || !card.matches(".board-card") || card.parentNode !== showingMore) return;
    showingMore = null;
    var link = card.querySelector(".board-card-name a");
    if (link) link.focus({ preventScroll: true });
  });

  var dragging = null; // {card, list, next, column}: where the dragged card came from

  function origin(card) {
    return { card: card, list: card.parentNode, next: card.nextSibling, column: card.closest(".board-column") };
  }

  function putBack(from) {
    if (!from || !from.card.isConnected) return;
    from.card.classList.remove("is-moving");
    if (from.next && from.next.parentNode === from.list) from.list.insertBefore(from.card, from.next);
    else from.list.appendChild(from.card);
  }

  function moveForm(card) {
    return card.querySelector("form[data-board-move]");
  }

  function chosenOption(form) {
    var select = form.querySelector("select[name=stage]");
    return select ? select.options[select.selectedIndex] : null;
  }

  // A move into a churned stage: ask why before htmx posts the form, then post it with the answer.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-board-move]")) return;
    var option = chosenOption(form);
    var reason = form.querySelector("[name=churn_reason]");
    if (!option || !option.hasAttribute("data-churned") || (reason && reason.value)) return;
    event.preventDefault();
    var dialog = document.getElementById("churn-dialog");
    var card = form.closest(".board-card");
    var name = card && card.querySelector(".board-card-name");
    dialog.querySelector("[data-account-name]").textContent = name ? name.textContent.trim() : "this account";
    dialog.querySelector("form").reset();
    dialog.returnValue = "";
    dialog.addEventListener("close", function answered() {
      dialog.removeEventListener("close", answered);
      if (dialog.returnValue !== "confirm") {
        putBack(card && card.boardOrigin);
        return;
      }
      ["churn_reason", "churn_date"].forEach(function (name) {
        var input = form.querySelector("input[name=" + name + "]");
        if (!input) {
          input = document.createElement("input");
          input.type = "hidden";
          input.name = name;
          form.appendChild(input);
        }
        input.value = dialog.querySelector("[name=" + name + "]").value;
      });
      event.detail.issueRequest(true);
    });
    dialog.showModal();
  });

  // The server did not answer, or answered with an error htmx does not swap in: the card goes back.
  ["htmx:sendError", "htmx:responseError"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var form = event.target;
      if (!form.matches || !form.matches("form[data-board-move]")) return;
      var card = form.closest(".board-card");
      putBack(card && card.boardOrigin);
      var box = document.getElementById("messages");
      if (!box) return;
      var line = document.createElement("p");
      line.className = "message message-error";
      line.textContent = name === "htmx:sendError"
        ? "The card could not be moved: the server did not answer. Try again."
        : "The card could not be moved (error " + event.detail.xhr.status + ").";
      box.replaceChildren(line);
    });
  });

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
    var form = moveForm(from.card);
    var select = form && form.querySelector("select[name=stage]");
    if (!select) return;
    select.value = column.getAttribute("data-stage");
    // The card lands at once; the server's answer then puts it in its place by renewal date.
    from.card.boardOrigin = from;
    from.card.classList.add("is-moving");
    column.querySelector(".board-cards").prepend(from.card);
    form.requestSubmit();
  });

  document.addEventListener("dragend", function () {
    clearHighlight();
    if (dragging) dragging.card.classList.remove("is-dragging");
    dragging = null;
  });
})();
