// @handle autocomplete for the script and prompt fields, and a "prompt-changed" event that
// lets the reference panel follow the prompt as it is typed and the model as it is picked.
(function () {
  "use strict";

  // Same rule as characters/mentions.py: an "@" after a letter, digit, ".", "+" or "-" is
  // part of an e-mail address, not a mention.
  const PARTIAL = /(?<![\p{L}\p{M}\p{N}_.+\-])@((?:\p{L}[\p{L}\p{M}\p{N}_]{0,31})?)$/u;
  const PROMPT_PAUSE_MS = 700;
  const cache = new Map();
  let menu = null;
  let state = null; // {field, start, items, active}
  let requestNumber = 0;
  let promptTimer = null;

  function mentionUrl(field) {
    const holder = field.closest("[data-mention-url]");
    return holder ? holder.dataset.mentionUrl : null;
  }

  function partialAtCursor(field) {
    if (field.selectionStart !== field.selectionEnd) return null;
    const before = field.value.slice(0, field.selectionStart);
    const match = PARTIAL.exec(before);
    return match ? { typed: match[1], start: before.length - match[1].length - 1 } : null;
  }

  function fetchHandles(url, typed) {
    const key = url + "|" + typed.toLowerCase();
    if (!cache.has(key)) {
      const request = fetch(url + "?q=" + encodeURIComponent(typed), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : { handles: [] }; })
        .then(function (data) { return data.handles || []; })
        .catch(function () { cache.delete(key); return []; });
      cache.set(key, request);
    }
    return cache.get(key);
  }

  function ensureMenu() {
    if (menu) return menu;
    menu = document.createElement("ul");
    menu.className = "mention-menu";
    menu.id = "mention-menu";
    menu.setAttribute("role", "listbox");
    menu.hidden = true;
    // mousedown, not click: the field must keep focus, or its form saves and is swapped.
    menu.addEventListener("mousedown", function (event) {
      const option = event.target.closest("[data-index]");
      event.preventDefault();
      if (option) choose(Number(option.dataset.index));
    });
    document.body.appendChild(menu);
    return menu;
  }

  function close() {
    if (menu) menu.hidden = true;
    if (state) state.field.removeAttribute("aria-activedescendant");
    state = null;
  }

  function render() {
    const list = ensureMenu();
    list.replaceChildren();
    state.items.forEach(function (item, index) {
      const option = document.createElement("li");
      option.id = "mention-option-" + index;
      option.dataset.index = index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", index === state.active ? "true" : "false");
      if (item.thumbnail) {
        const image = document.createElement("img");
        image.src = item.thumbnail;
        image.alt = "";
        option.appendChild(image);
      } else {
        const blank = document.createElement("span");
        blank.className = "mention-blank";
        blank.textContent = "@";
        option.appendChild(blank);
      }
      const handle = document.createElement("strong");
      handle.textContent = "@" + item.handle;
      const detail = document.createElement("span");
      detail.className = "muted small";
      detail.textContent = item.name + " · " + item.kind;
      option.append(handle, detail);
      list.appendChild(option);
    });
    const box = state.field.getBoundingClientRect();
    list.style.left = window.scrollX + box.left + "px";
    list.style.top = window.scrollY + box.bottom + 4 + "px";
    list.style.minWidth = Math.min(box.width, 320) + "px";
    list.hidden = false;
    state.field.setAttribute("aria-controls", "mention-menu");
    state.field.setAttribute("aria-activedescendant", "mention-option-" + state.active);
  }

  function choose(index) {
    if (!state || !state.items[index]) return;
    const field = state.field;
    const cursor = field.selectionStart;
    const text = "@" + state.items[index].handle + " ";
    field.setRangeText(text, state.start, cursor, "end");
    close();
    field.focus();
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function suggest(field) {
    const number = ++requestNumber; // a late answer for an earlier keystroke is ignored
    const url = mentionUrl(field);
    const partial = url && partialAtCursor(field);
    if (!partial) { close(); return; }
    fetchHandles(url, partial.typed).then(function (items) {
      if (number !== requestNumber || document.activeElement !== field) return;
      if (!items.length) { close(); return; }
      state = { field: field, start: partial.start, items: items, active: 0 };
      render();
    });
  }

  function isMentionField(element) {
    return element instanceof HTMLTextAreaElement && mentionUrl(element) !== null;
  }

  document.addEventListener("input", function (event) {
    const field = event.target;
    if (!isMentionField(field)) return;
    suggest(field);
    if (field.id === "id_prompt") {
      clearTimeout(promptTimer);
      promptTimer = setTimeout(function () {
        document.body.dispatchEvent(new CustomEvent("prompt-changed"));
      }, PROMPT_PAUSE_MS);
    }
  });

  // "Add them to the prompt" in the reference panel: the script's mentions the prompt lacks.
  // Typed in as the creator would, so autosave and the panel follow.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-add-mentions]");
    const prompt = document.getElementById("id_prompt");
    if (!button || !prompt) return;
    const separator = prompt.value === "" || /\s$/.test(prompt.value) ? "" : " ";
    prompt.value += separator + button.dataset.addMentions;
    prompt.dispatchEvent(new Event("input", { bubbles: true }));
    button.disabled = true;
  });

  // The panel also depends on the chosen model (how many references it takes).
  document.addEventListener("change", function (event) {
    if (event.target.id === "id_model") {
      document.body.dispatchEvent(new CustomEvent("prompt-changed"));
    }
  });

  document.addEventListener("keydown", function (event) {
    if (!state || event.target !== state.field || (menu && menu.hidden)) return;
    const count = state.items.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      state.active = (state.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
      render();
    } else if (event.key === "Enter" || event.key === "Tab") {
      choose(state.active);
    } else if (event.key === "Escape") {
      close();
    } else {
      return;
    }
    event.preventDefault();
  });

  document.addEventListener("focusout", function (event) {
    if (state && event.target === state.field) close();
  });
  document.addEventListener("click", function (event) {
    if (state && event.target !== state.field) close();
  });
  // An htmx swap can replace the field the menu belongs to.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (state && event.detail.target.contains(state.field)) close();
  });
})();
