// The board: drag a card (SortableJS) or move it with the arrow keys on its handle; either
// way the new order is posted at once and the server's cards, renumbered, replace the list.
(function () {
  "use strict";

  let focusAfterSave = null;

  function cardIds(list) {
    return Array.from(list.children).map(function (card) { return card.dataset.cutId; });
  }

  function save(list, announcement) {
    const board = list.closest("#board");
    board.querySelector("[data-board-status]").textContent = announcement;
    htmx.ajax("POST", board.dataset.orderUrl, {
      target: "#board",
      swap: "outerHTML",
      values: { order: cardIds(list).join(",") },
    });
  }

  function moveWithKeys(event) {
    const handle = event.target.closest("[data-drag-handle]");
    if (!handle) return;
    const step = { ArrowUp: -1, ArrowLeft: -1, ArrowDown: 1, ArrowRight: 1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const card = handle.closest("[data-cut-id]");
    const list = card.parentElement;
    const neighbour = step < 0 ? card.previousElementSibling : card.nextElementSibling;
    if (!neighbour) return;
    list.insertBefore(card, step < 0 ? neighbour : neighbour.nextElementSibling);
    focusAfterSave = card.dataset.cutId;
    handle.focus();
    const position = Array.from(list.children).indexOf(card) + 1;
    save(list, "Moved to position " + position + ".");
  }

  function setUp(root) {
    const list = root.querySelector ? root.querySelector("[data-board-cards]") : null;
    if (!list || list.dataset.sortable) return;
    list.dataset.sortable = "on";
    if (window.Sortable) {
      Sortable.create(list, {
        animation: 150,
        onEnd: function (event) {
          if (event.oldIndex !== event.newIndex) save(list, "Order saved.");
        },
      });
    }
    list.addEventListener("keydown", moveWithKeys);
    if (focusAfterSave) {
      const handle = list.querySelector('[data-cut-id="' + focusAfterSave + '"] [data-drag-handle]');
      if (handle) handle.focus();
      focusAfterSave = null;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUp(document);
    htmx.onLoad(function (element) { setUp(element.parentElement || document); });
  });
})();
