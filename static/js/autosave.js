// Autosave of the cut's text form (form[data-autosave]).
//
// Saves are debounced while the creator types (and made at least every few seconds during a
// long burst), sent one at a time, and flushed before anything leaves the page or changes
// it on the server: links, plain forms, htmx posts, pagehide and a hidden tab. The server
// answers with the save status only (#save-status), so nothing here ever rewrites a field
// the creator is typing in. A save typed over text that changed elsewhere is refused by the
// server (409); both texts stay until the creator keeps one of them.
(function () {
  "use strict";

  const PAUSE_MS = 500; // a pause this long in typing saves
  // and a long burst of typing saves at least this often (settings.AUTOSAVE_MAX_WAIT_MS)
  const MAX_WAIT_MS = Number(document.currentScript.dataset.maxWaitMs) || 2500;
  const RETRY_MS = 4000; // after a failed connection
  const FIELDS = ["script", "prompt", "negative_prompt"];

  let current = null; // the form being watched
  let saved = {}; // its fields as last saved (or as loaded)
  let pauseTimer = null;
  let burstTimer = null;
  let inFlight = null; // the promise of the save under way
  let conflict = false; // the text changed elsewhere: the creator keeps one of the two texts

  function form() {
    return document.querySelector("form[data-autosave]");
  }

  function values(f) {
    const result = {};
    FIELDS.forEach(function (name) {
      result[name] = f.elements[name] ? f.elements[name].value : "";
    });
    return result;
  }

  function changedFields(f) {
    const now = values(f);
    return FIELDS.filter(function (name) { return now[name] !== saved[name]; });
  }

  function unsaved() {
    const f = form();
    return Boolean(f) && (conflict || inFlight !== null || changedFields(f).length > 0);
  }

  // state: "unsaved", "saving", "failed" or "shown" (the saved text was loaded).
  function setMessage(f, text, state) {
    const status = f.querySelector("#save-status");
    const message = f.querySelector("[data-save-message]");
    if (!status || !message) return;
    status.dataset.state = state;
    message.textContent = text;
    message.classList.toggle("error", state === "failed");
    message.classList.toggle("muted", state !== "failed");
  }

  // A new form (first load, or one an htmx answer put in): keep what was typed into the old
  // one and not saved yet, unless the server changed that same field meanwhile.
  function watch(f) {
    if (f === current) return;
    const typed = current && current.isConnected === false ? values(current) : null;
    const typedChanges = typed ? FIELDS.filter(function (n) { return typed[n] !== saved[n]; }) : [];
    const before = saved;
    current = f;
    saved = values(f);
    conflict = false;
    typedChanges.forEach(function (name) {
      if (f.elements[name] && saved[name] === before[name]) f.elements[name].value = typed[name];
    });
    if (changedFields(f).length) schedule();
  }

  function schedule() {
    clearTimeout(pauseTimer);
    pauseTimer = setTimeout(save, PAUSE_MS);
    if (!burstTimer) burstTimer = setTimeout(save, MAX_WAIT_MS);
  }

  function clearTimers() {
    clearTimeout(pauseTimer);
    clearTimeout(burstTimer);
    pauseTimer = burstTimer = null;
  }

  function applyAnswer(f, html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const fresh = template.content.querySelector("#save-status");
    const old = f.querySelector("#save-status");
    if (!fresh || !old) return null;
    old.replaceWith(fresh);
    return fresh;
  }

  function send(f, keepalive) {
    const sent = values(f);
    setMessage(f, "Saving…", "saving");
    return fetch(f.action, {
      method: "POST",
      body: new FormData(f),
      headers: { "HX-Request": "true" },
      credentials: "same-origin",
      // Lets the request outlive the page; browsers cap such bodies at 64 KB in all.
      keepalive: Boolean(keepalive) || JSON.stringify(sent).length < 24000,
    }).then(function (response) {
      return response.text().then(function (html) {
        if (form() !== f) return true; // replaced meanwhile: the new form is watched instead
        const status = applyAnswer(f, html);
        if (status && status.dataset.state === "saved") {
          f.querySelector("[data-base-version]").value = status.dataset.version;
          saved = sent;
          return true;
        }
        if (status) {
          // The answer says why (refused text, or a conflict) and what to do.
          conflict = status.dataset.state === "conflict";
          revealSavedTextButton(status);
        } else {
          setMessage(f, "Not saved (the server answered " + response.status + "). Retrying…", "failed");
          setTimeout(save, RETRY_MS);
        }
        return false;
      });
    }, function () {
      setMessage(f, "Not saved: the connection failed. Retrying…", "failed");
      setTimeout(save, RETRY_MS);
      return false;
    });
  }

  // Saves what is typed now; the promise says whether everything is saved.
  function save() {
    clearTimers();
    const f = form();
    if (!f) return Promise.resolve(true);
    watch(f);
    if (inFlight) return inFlight.then(save);
    if (conflict) return Promise.resolve(false);
    if (!changedFields(f).length) return Promise.resolve(true);
    inFlight = send(f, false).finally(function () { inFlight = null; });
    return inFlight.then(function (ok) {
      if (ok && form() === f && changedFields(f).length) {
        setMessage(f, "Unsaved changes", "unsaved"); // typed on during the save
        schedule();
      }
      return ok;
    });
  }

  // Before leaving or acting: save, and wait until everything typed is saved.
  function flush() {
    return save().then(function (ok) {
      const f = form();
      return ok && (!f || changedFields(f).length === 0 ? true : flush());
    });
  }

  function revealSavedTextButton(status) {
    const button = status.querySelector("[data-save-take-saved]");
    if (button) button.hidden = false;
  }

  document.addEventListener("input", function (event) {
    const f = form();
    if (!f || !f.contains(event.target) || !FIELDS.includes(event.target.name)) return;
    watch(f);
    if (!conflict) {
      setMessage(f, "Unsaved changes", "unsaved");
      schedule();
    }
  });

  // Keep my text: save it over the newer one, knowingly.
  document.addEventListener("click", function (event) {
    const keep = event.target.closest("[data-save-keep-mine]");
    const take = event.target.closest("[data-save-take-saved]");
    const f = form();
    if (!f || (!keep && !take)) return;
    event.preventDefault();
    const status = f.querySelector("#save-status");
    f.querySelector("[data-base-version]").value = status.dataset.version;
    conflict = false;
    if (keep) {
      saved = {}; // whatever is on screen now counts as unsaved
      save();
      return;
    }
    f.querySelectorAll("[data-saved-field]").forEach(function (entry) {
      f.elements[entry.dataset.savedField].value = entry.dataset.value;
    });
    if (!f.querySelector("[data-saved-field='negative_prompt']")) f.elements.negative_prompt.value = "";
    saved = values(f);
    setMessage(f, "Showing the saved text", "shown");
    status.querySelector(".save-conflict").remove();
    document.body.dispatchEvent(new CustomEvent("prompt-changed"));
  });

  // The form's own submit (Save button, Enter in the negative prompt) saves through here.
  document.addEventListener("submit", function (event) {
    const f = form();
    if (!f) return;
    if (event.target === f) {
      event.preventDefault();
      save();
      return;
    }
    const other = event.target;
    if (!unsaved() || other.matches("[hx-post],[hx-get]")) return;
    event.preventDefault();
    flush().then(function () {
      // Saved, or not (the status says why): the page then asks before it is left.
      const submitter = event.submitter;
      if (submitter && submitter.name) {
        const carried = document.createElement("input");
        carried.type = "hidden";
        carried.name = submitter.name;
        carried.value = submitter.value;
        other.appendChild(carried);
      }
      HTMLFormElement.prototype.submit.call(other); // confirmed already: no second prompt
    });
  });

  // Links inside the app wait for the save, then go.
  document.addEventListener("click", function (event) {
    const link = event.target.closest("a[href]");
    if (!link || event.defaultPrevented || !unsaved()) return;
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if ((link.target && link.target !== "_self") || link.hasAttribute("download")) return;
    const url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin) return;
    if (url.pathname === window.location.pathname && url.hash) return;
    event.preventDefault();
    flush().then(function () {
      window.location.assign(url.href); // unsaved text makes the page ask first
    });
  }, true);

  // htmx actions that change something (Generate, Add cut, Move, Generate prompt…) run on
  // the saved text: save first. Polls and other reads go ahead.
  document.addEventListener("htmx:confirm", function (event) {
    if (event.defaultPrevented || event.detail.verb === "get" || !unsaved()) return;
    event.preventDefault();
    // The button waits for the save as it would for its own request: pressed once, no more.
    const elt = event.detail.elt;
    const buttons = elt.matches("button") ? [elt] : Array.from(elt.querySelectorAll("button"));
    const waiting = buttons.filter(function (button) { return !button.disabled; });
    waiting.forEach(function (button) { button.disabled = true; });
    flush().then(function (ok) {
      waiting.forEach(function (button) { button.disabled = false; });
      if (ok) event.detail.issueRequest(true);
    });
  });

  document.addEventListener("htmx:load", function () {
    const f = form();
    if (f) watch(f);
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") save();
  });

  // The page is going away: one last save that outlives it (a save under way outlives it too).
  window.addEventListener("pagehide", function () {
    const f = form();
    if (f && !inFlight && !conflict && changedFields(f).length) send(f, true);
  });

  window.addEventListener("beforeunload", function (event) {
    if (!unsaved()) return;
    event.preventDefault();
    event.returnValue = "";
  });

  const initial = form();
  if (initial) watch(initial);
})();
