// The API key, where a stage asks for one: asked for in a small form of the page (never a browser
// dialog), kept in this tab's sessionStorage (never in the page), read by api.js for every request.

const STORAGE = "jobsvc.api-key";
let pending = null; // the open question: { promise, resolve }, shared by every request that met a 403
let declined = false; // "Not now": 403s answer as errors until the person opens the form again

/** The key this tab was given, or null. */
export function storedKey() {
  try {
    return sessionStorage.getItem(STORAGE);
  } catch {
    return null; // storage switched off: nothing is kept
  }
}

/**
 * Ask for a key (the service answered 403): resolves with the key typed in, or null when the
 * person declined. `refused`: the key sent was refused, which the form says.
 */
export function askForKey({ refused = false } = {}) {
  if (declined) return Promise.resolve(null);
  open(refused ? "The service refused that key: check it and try again." : "The service asks for an API key.");
  return pending.promise;
}

/** Wire the form (`#api-key`) and the header's button that opens it at any time. */
export function setUpKeyForm(container, opener) {
  const form = container.querySelector("form");
  const input = form.elements.namedItem("key");

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      say(container, "Type the key first.");
      input.focus();
      return;
    }
    input.value = ""; // out of the page as soon as it is stored
    try {
      sessionStorage.setItem(STORAGE, key);
    } catch {
      // storage switched off: the key is used for the requests waiting now only
    }
    declined = false;
    close(key);
    document.dispatchEvent(new CustomEvent("api-key-changed"));
  });
  form.querySelector('[data-action="dismiss"]').addEventListener("click", () => {
    input.value = "";
    declined = true;
    close(null);
  });
  opener.addEventListener("click", () => {
    declined = false;
    open(storedKey() ? "Replace the key this tab sends." : "The key this tab sends as x-api-key.");
  });
}

function open(text) {
  const container = document.querySelector("#api-key");
  say(container, text);
  if (!pending) {
    let resolve;
    const promise = new Promise((done) => {
      resolve = done;
    });
    pending = { promise, resolve };
  }
  if (container.hidden) {
    container.hidden = false;
    container.querySelector("input").focus();
  }
}

function close(key) {
  document.querySelector("#api-key").hidden = true;
  pending?.resolve(key);
  pending = null;
}

function say(container, text) {
  container.querySelector(".message").textContent = text;
}
