// Small behaviours with no framework: confirmations and dialogs.
(function () {
  "use strict";

  // Plain forms confirm on submit; htmx forms confirm through htmx:confirm below, once.
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-confirm]");
    if (form && !form.matches("[hx-post],[hx-get]") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("htmx:confirm", function (event) {
    const source = event.detail.elt.closest("[data-confirm]");
    if (source && !window.confirm(source.dataset.confirm)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    const opener = event.target.closest("[data-open-dialog]");
    if (!opener) return;
    const dialog = document.getElementById(opener.dataset.openDialog);
    if (dialog && typeof dialog.showModal === "function") dialog.showModal();
  });

  // Sort a set's images by face match, best first; unscored images go last. Client-side:
  // the next canvas swap shows the set in its generated order again.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-sort-faces]");
    if (!button) return;
    const grid = button.closest(".keyframe-set").querySelector(".keyframe-grid");
    const score = function (slot) {
      const value = slot.dataset.faceScore;
      return value === undefined || value === "" ? -1 : parseFloat(value);
    };
    Array.from(grid.children)
      .sort(function (a, b) { return score(b) - score(a); })
      .forEach(function (slot) { grid.appendChild(slot); });
  });

  // htmx leaves 4xx answers unswapped; a rate-limit answer carries a message to show.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 429) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // On a phone the cut list is a horizontal strip: bring the open cut into view in it.
  function showSelectedCut() {
    const selected = document.querySelector(".cut-list .cut-item.selected");
    const strip = selected && selected.parentElement;
    if (!strip || strip.scrollWidth <= strip.clientWidth) return;
    strip.scrollLeft = selected.offsetLeft - strip.offsetLeft - (strip.clientWidth - selected.offsetWidth) / 2;
  }
  document.addEventListener("DOMContentLoaded", showSelectedCut);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.elt.closest && event.detail.elt.closest("#cut-list")) showSelectedCut();
  });

  // A server response can ask for the purchase dialog (not enough credits).
  document.body.addEventListener("open-purchase-dialog", function () {
    const dialog = document.getElementById("purchase-dialog");
    if (dialog && !dialog.open) dialog.showModal();
  });
})();
