// Earlier work of one kind (GET /jobs?kind=...): a short list under a section's form, newest first,
// a page at a time, refreshed while one of its jobs is still queued or running.
import { getJson } from "./api.js";
import { badge, formatSeconds, formatTime, h, say, table } from "./dom.js";
import { FINISHED, repeat } from "./poll.js";

const PAGE_SIZE = 10;

/** `onOpen(id)` shows the job in the section; returns `{ reload }`. */
export function setUpPastJobs(container, { kind, onOpen }) {
  const previous = container.querySelector('[data-page="previous"]');
  const next = container.querySelector('[data-page="next"]');
  const pageNumber = container.querySelector(".page-number");
  const message = container.querySelector(".note");
  const output = container.querySelector(".table-frame");
  const columns = [
    { key: "name", label: "Name", format: (name, job) => h("button", { type: "button", class: "link", "data-id": job.id, title: job.id }, name || job.id) },
    { key: "created_at", label: "Uploaded", format: formatTime },
    { key: "status", label: "Status", format: badge },
    { key: "duration", label: "Took", format: formatSeconds },
  ];
  let cursors = [null];
  let page = 0;
  let items = [];
  let shown = "";

  async function load() {
    const query = new URLSearchParams({ kind, limit: String(PAGE_SIZE) });
    if (cursors[page]) query.set("cursor", cursors[page]);
    try {
      const answer = await getJson(`jobs?${query}`);
      cursors[page + 1] = answer.next_cursor;
      items = answer.items;
      pageNumber.textContent = `page ${page + 1}`;
      previous.disabled = page === 0;
      next.disabled = !answer.next_cursor;
      const drawn = JSON.stringify(items);
      if (drawn === shown) return;
      shown = drawn;
      say(message, items.length ? "" : "Nothing yet.");
      output.replaceChildren(items.length ? table(columns, items, { rowAttributes: (job) => ({ "data-id": job.id }) }) : "");
    } catch (error) {
      say(message, error.message, "error");
    }
  }
  const live = repeat(load, { wanted: () => items.some((job) => !FINISHED.has(job.status)), every: 3000 });

  output.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-id]");
    if (button) onOpen(button.dataset.id);
  });
  previous.addEventListener("click", () => {
    page -= 1;
    live.now();
  });
  next.addEventListener("click", () => {
    page += 1;
    live.now();
  });
  document.addEventListener("jobs-changed", () => live.now());
  document.addEventListener("api-key-changed", () => live.now());
  live.now();
  return { reload: () => live.now() };
}
