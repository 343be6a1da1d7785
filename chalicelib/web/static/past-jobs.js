// Earlier work of one kind (GET /jobs?kind=...): a short list under a section's form, newest first,
// a page at a time, refreshed while one of its jobs is still queued or running.
import { getJson } from "./api.js";
import { badge, formatSeconds, formatTime, h, pager, say, table } from "./dom.js";
import { FINISHED, refreshOnChanges, repeat } from "./poll.js";

const PAGE_SIZE = 10;

/** Draws the list under `title` in `container`; `onOpen(id)` shows the job in the section; returns `{ reload }`. */
export function setUpPastJobs(container, { kind, title, onOpen }) {
  const message = h("p", { class: "note", role: "status" });
  const output = h("div", { class: "table-frame" });
  const controls = h("div", { class: "controls" }, h("span", { "data-pager": true }));
  container.replaceChildren(h("h3", {}, title), controls, message, output);
  const paging = pager(controls, (by) => {
    page += by;
    live.now();
  });
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
      paging.show(page + 1, Boolean(answer.next_cursor));
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
  refreshOnChanges(live);
  live.now();
  return { reload: () => live.now() };
}
