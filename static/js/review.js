// Review mode's keys: 1-4 pick in the current cut, J/K move to the next/previous cut, Enter
// enlarges the current cut's first image. A click on a cut makes it the current one.
(function () {
  "use strict";

  function cuts() {
    return Array.from(document.querySelectorAll("[data-review-cut]"));
  }

  function current() {
    return document.querySelector("[data-review-cut].current");
  }

  function makeCurrent(cut) {
    if (!cut) return;
    cuts().forEach(function (each) { each.classList.toggle("current", each === cut); });
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
    document.addEventListener("keydown", onKey);
    document.addEventListener("click", function (event) {
      const zoom = event.target.closest("[data-review-zoom]");
      if (zoom) enlarge(zoom);
      const cut = event.target.closest("[data-review-cut]");
      if (cut) makeCurrent(cut);
    });
  });
})();
