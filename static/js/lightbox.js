// The keyframe lightbox: full-size image, arrows across every candidate of the cut, zoom and
// pan, and Select as representative. Everything it shows comes from data attributes on the
// canvas thumbnails, so opening it needs no request.
(function () {
  "use strict";

  const MAX_SCALE = 6;
  const CLICK_SLOP_PX = 4;
  let dialog = null;
  let currentId = null;
  const view = { scale: 1, x: 0, y: 0 };
  let drag = null;

  function items() {
    return Array.from(document.querySelectorAll("#canvas [data-lightbox-open]"));
  }

  function part(name) {
    return dialog.querySelector("[data-lightbox-" + name + "]");
  }

  function currentIndex(list) {
    return list.findIndex(function (item) { return item.dataset.keyframeId === currentId; });
  }

  function applyView() {
    const image = part("image");
    image.style.transform = "translate(" + view.x + "px, " + view.y + "px) scale(" + view.scale + ")";
    part("stage").classList.toggle("zoomed", view.scale > 1);
  }

  function resetView() {
    view.scale = 1; view.x = 0; view.y = 0;
    applyView();
  }

  function show(item, list) {
    currentId = item.dataset.keyframeId;
    const image = part("image");
    if (image.getAttribute("src") !== item.dataset.fullSrc) {
      image.src = item.dataset.fullSrc;
      resetView();
    }
    const thumbnail = item.querySelector("img");
    image.alt = thumbnail ? thumbnail.alt : "Keyframe";
    part("model").textContent = item.dataset.model || "—";
    part("seed").textContent = item.dataset.seed || "—";
    part("sent").textContent = item.dataset.sent || "—";
    part("faces").textContent = item.dataset.faces || "—";
    part("prompt").textContent = item.dataset.prompt || "Uploaded image";
    part("prompt").title = item.dataset.prompt || "";
    part("position").textContent = (list.indexOf(item) + 1) + " / " + list.length;
    const form = part("select");
    const chosen = item.dataset.representative === "true";
    form.action = item.dataset.selectUrl;
    form.querySelector("button").hidden = chosen;
    part("chosen").hidden = !chosen;
  }

  function step(offset) {
    const list = items();
    if (!list.length) return;
    const index = currentIndex(list);
    const next = list[(Math.max(index, 0) + offset + list.length) % list.length];
    show(next, list);
  }

  function open(item) {
    show(item, items());
    if (!dialog.open) dialog.showModal();
  }

  function zoomTo(scale, originX, originY) {
    const stage = part("stage").getBoundingClientRect();
    const next = Math.min(Math.max(scale, 1), MAX_SCALE);
    // Keep the point under the pointer where it is while the scale changes.
    const cx = originX - (stage.left + stage.width / 2);
    const cy = originY - (stage.top + stage.height / 2);
    view.x = cx - (cx - view.x) * (next / view.scale);
    view.y = cy - (cy - view.y) * (next / view.scale);
    view.scale = next;
    if (next === 1) { view.x = 0; view.y = 0; }
    applyView();
  }

  function bind() {
    dialog = document.getElementById("lightbox");
    if (!dialog || dialog.dataset.bound) return;
    dialog.dataset.bound = "true";
    const stage = part("stage");

    part("prev").addEventListener("click", function () { step(-1); });
    part("next").addEventListener("click", function () { step(1); });
    part("close").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () { currentId = null; resetView(); });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight") { event.preventDefault(); step(1); }
      if (event.key === "ArrowLeft") { event.preventDefault(); step(-1); }
    });

    stage.addEventListener("wheel", function (event) {
      event.preventDefault();
      zoomTo(view.scale * (event.deltaY < 0 ? 1.2 : 1 / 1.2), event.clientX, event.clientY);
    }, { passive: false });
    stage.addEventListener("pointerdown", function (event) {
      drag = { x: event.clientX, y: event.clientY, startX: view.x, startY: view.y, moved: false };
      stage.setPointerCapture(event.pointerId);
    });
    stage.addEventListener("pointermove", function (event) {
      if (!drag) return;
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > CLICK_SLOP_PX) drag.moved = true;
      if (drag.moved && view.scale > 1) {
        stage.classList.add("dragging");
        view.x = drag.startX + dx; view.y = drag.startY + dy;
        applyView();
      }
    });
    stage.addEventListener("pointerup", function (event) {
      const wasClick = drag && !drag.moved;
      drag = null;
      stage.classList.remove("dragging");
      if (wasClick) zoomTo(view.scale > 1 ? 1 : 2, event.clientX, event.clientY);
    });

    part("select").addEventListener("submit", function (event) {
      if (!window.htmx) return; // a plain POST still works and reloads the cut
      event.preventDefault();
      window.htmx.ajax("POST", event.target.action, {
        source: event.target, target: "#canvas", swap: "outerHTML",
      });
    });
  }

  document.addEventListener("click", function (event) {
    const opener = event.target.closest("[data-lightbox-open]");
    if (!opener) return;
    bind();
    if (dialog) open(opener);
  });

  // The canvas is re-rendered by polling and by Select: follow the image being viewed.
  document.addEventListener("htmx:afterSettle", function () {
    if (!dialog || !dialog.open) return;
    const list = items();
    const index = currentIndex(list);
    if (index >= 0) show(list[index], list);
    else if (list.length) show(list[0], list);
    else dialog.close();
  });

  document.addEventListener("DOMContentLoaded", bind);
})();
