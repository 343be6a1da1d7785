// Building the page from data. Everything the server sends is put in as text (textContent),
// never as markup: a CSV cell like <img src=x onerror=...> shows up as those characters.

/** `h("td", { class: "number" }, "42")`: an element with attributes and text or element children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) element.setAttribute(name, value === true ? "" : value);
  }
  element.append(...children.filter((child) => child !== null && child !== undefined).map(asNode));
  return element;
}

function asNode(child) {
  return child instanceof Node ? child : document.createTextNode(String(child));
}

/** A message under a section's controls: kind is "info", "ok" or "error" (styled by CSS). */
export function say(element, text, kind = "info") {
  element.textContent = text;
  element.dataset.kind = kind;
}

/**
 * A table of `rows` (objects) under `columns`: [{ key, label, format? }]; `rowAttributes(row)`
 * gives each row's attributes (e.g. `data-id`).
 */
export function table(columns, rows, { rowAttributes = () => ({}) } = {}) {
  const head = h("tr", {}, ...columns.map((column) => h("th", { scope: "col" }, column.label ?? column.key)));
  const body = rows.map((row) => h("tr", rowAttributes(row), ...columns.map((column) => cell(column, row))));
  return h("table", {}, h("thead", {}, head), h("tbody", {}, ...body));
}

function cell(column, row) {
  const value = row[column.key];
  const shown = column.format ? column.format(value, row) : value;
  const numeric = typeof value === "number";
  return h("td", { class: numeric ? "number" : null }, shown === null || shown === undefined ? "" : shown);
}

/**
 * Paging controls in `container`, drawn in place of its `<span data-pager></span>`: Previous, the
 * page number, Next, and Refresh where it says `data-pager="refresh"`. A click calls `turn(-1)`,
 * `turn(1)` or `turn(0)`; `show(number, hasMore)` writes "page N" (from 1) and enables the buttons
 * that lead somewhere.
 */
export function pager(container, turn) {
  const slot = container.querySelector("[data-pager]");
  const previous = h("button", { type: "button", "data-page": "previous", disabled: true }, "Previous");
  const pageNumber = h("span", { class: "page-number" });
  const next = h("button", { type: "button", "data-page": "next", disabled: true }, "Next");
  const refresh = slot.dataset.pager === "refresh" ? h("button", { type: "button", "data-page": "refresh" }, "Refresh") : null;
  slot.replaceWith(...[previous, pageNumber, next, refresh].filter(Boolean));
  previous.addEventListener("click", () => turn(-1));
  next.addEventListener("click", () => turn(1));
  refresh?.addEventListener("click", () => turn(0));
  return {
    show(number, hasMore) {
      pageNumber.textContent = `page ${number}`;
      previous.disabled = number === 1;
      next.disabled = !hasMore;
    },
  };
}

/** One `<option>` a value, after the options `select` already has (e.g. "any status"). */
export function addOptions(select, values) {
  select.append(...values.map((value) => h("option", { value }, value)));
}

/** A definition list from [label, value] pairs; values may be text or elements. */
export function facts(element, pairs) {
  element.replaceChildren(
    ...pairs.flatMap(([label, value]) => [h("dt", {}, label), h("dd", {}, value ?? "—")]),
  );
}

/** The job status as a coloured badge ("queued", "running", "succeeded", "failed", "cancelled"). */
export function badge(status) {
  return h("span", { class: `badge ${status}` }, status);
}

/** A job's progress (0 to 1) as a bar with its percentage beside it. */
export function progressBar(fraction) {
  const value = Math.min(1, Math.max(0, Number(fraction) || 0));
  const percent = `${Math.round(value * 100)} %`;
  return h("span", { class: "progress" }, h("progress", { max: "1", value: String(value), "aria-label": percent }), percent);
}

export function formatTime(iso) {
  return iso ? iso.replace("T", " ").replace(/\.\d+Z$/, " UTC").replace(/Z$/, " UTC") : "";
}

export function formatSeconds(seconds) {
  return seconds === null || seconds === undefined ? "" : `${Number(seconds).toFixed(2)} s`;
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}
