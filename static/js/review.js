// Review mode's keys: 1-4 pick in the current cut, J/K move to the next/previous cut, Enter
// enlarges the current cut's first image. A click on a cut makes it the current one.
(function () {
  "use strict";

  function cuts() {
    return Array.from(document.querySelectorAll("[data-review-cut]"));
  }

  // Kept by id: a pick's answer replaces its cut, and htmx puts the answer's classes back
  // on it a moment after the swap, when J may already have moved on to the next cut.
  let currentId = null;

  function current() {
    return currentId ? document.getElementById(currentId) : null;
  }

  function showCurrent() {
    cuts().forEach(function (each) { each.classList.toggle("current", each.id === currentId); });
  }

  function makeCurrent(cut) {
    if (!cut) return;
    currentId = cut.id;
    showCurrent();
    cut.focus({ preventScroll: true });
    cut.scrollIntoView({ block: "nearest" });
  }

  function step(offset) {
    const list = cuts();
    const index = list.indexOf(current());
    makeCurrent(list[Math.min(Math.max(index + offset, 0), list.length - 1)]);
  }

  function enlarge(button) {
    const dialog = document.querySelector("[data-review-lightbox]");
    dialog.querySelector("[data-review-lightbox-image]").src = button.dataset.fullSrc;
    dialog.showModal();
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select, dialog[open]")) return;
    const key = event.key.toLowerCase();
    if (key === "j") step(1);
    else if (key === "k") step(-1);
    else if (/^[1-4]$/.test(key) && current()) {
      const pick = current().querySelectorAll("[data-pick]")[Number(key) - 1];
      if (pick) pick.click();
    } else if (key === "enter" && current() && !event.target.closest("button, a")) {
      const zoom = current().querySelector("[data-review-zoom]");
      if (zoom) enlarge(zoom);
    } else return;
    event.preventDefault();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector("[data-review-list]")) return;
    makeCurrent(cuts()[0]);
    document.addEventListener("htmx:afterSettle", showCurrent);
    document.addEventListener("keydown", onKey);
    document.addEventListener("click", function (event) {
      const zoom = event.target.closest("[data-review-zoom]");
      if (zoom) enlarge(zoom);
      const cut = event.target.closest("[data-review-cut]");
      if (cut) makeCurrent(cut);
    });
  });
})();
