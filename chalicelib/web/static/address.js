// State that survives a reload: open ids and filters live in the page's address (?job=...&kind=...),
// written in place (no new history entry per click), read once when the page starts.

export function readParam(name) {
  return new URLSearchParams(window.location.search).get(name) ?? "";
}

/** Set the given parameters (an empty value removes one); the rest of the address stays. */
export function writeParams(changes) {
  const url = new URL(window.location.href);
  for (const [name, value] of Object.entries(changes)) {
    if (value) url.searchParams.set(name, value);
    else url.searchParams.delete(name);
  }
  window.history.replaceState(null, "", url);
}
