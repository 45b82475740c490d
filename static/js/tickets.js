// The ticket board: drag a card onto another column to move it. The drop sets the card's own move form (the one
// that works without JavaScript) to the column's status and submits it; htmx posts it and swaps the whole board.
(function () {
  "use strict";
  var dragged = null;

  function columnOf(node) {
    return node && node.closest ? node.closest("[data-drop-status]") : null;
  }

  function clearTargets() {
    document.querySelectorAll(".ticket-drop-target").forEach(function (column) {
      column.classList.remove("ticket-drop-target");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("[data-ticket-card]");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clearTargets();
  });

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("ticket-drop-target")) {
      clearTargets();
      column.classList.add("ticket-drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column) return;
    event.preventDefault();
    clearTargets();
    var form = dragged.querySelector("form[data-move-form]");
    var select = form && form.querySelector("select[name=status]");
    var status = column.getAttribute("data-drop-status");
    if (!select || select.value === status) return;
    select.value = status;
    form.requestSubmit();
  });
})();
