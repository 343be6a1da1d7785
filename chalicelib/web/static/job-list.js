// The live table of every job: filtered by kind and status (kept in the address), a page at a
// time (cursor paging), refreshed while a job it shows is still queued or running.
import { readParam, writeParams } from "./address.js";
import { getJson } from "./api.js";
import { actionButtons, cancelJob, retryJob } from "./job-actions.js";
import { addOptions, badge, formatSeconds, formatTime, h, pager, progressBar, say, table } from "./dom.js";
import { FINISHED, refreshOnChanges, repeat, STATUSES } from "./poll.js";

const PAGE_SIZE = 20;
const KINDS = ["metric", "calculation", "report", "import"];
const COLUMNS = [
  { key: "name", label: "Job", format: (name, job) => h("button", { type: "button", class: "link", "data-action": "open", "data-id": job.id, title: job.id }, name || job.id) },
  { key: "kind", label: "Kind" },
  { key: "status", label: "Status", format: badge },
  { key: "progress", label: "Progress", format: progressBar },
  { key: "created_at", label: "Created", format: formatTime },
  { key: "duration", label: "Took", format: formatSeconds },
  { key: "attempts", label: "Attempts" },
];

/** `onRefresh()` runs with every refresh of the list (the queues' line follows the same rhythm). */
export function setUpJobList(container, { onOpen, onRefresh }) {
  const kind = container.querySelector('select[name="kind"]');
  const status = container.querySelector('select[name="status"]');
  const paging = pager(container, (by) => {
    page += by;
    live.now();
  });
  const message = container.querySelector(".message");
  const output = container.querySelector(".table-frame");
  let cursors = [null]; // where each page seen so far starts
  let page = 0;
  let items = [];
  let shown = "";
  const stopping = new Set(); // ids whose cancel this page asked for
  const columns = [
    ...COLUMNS,
    { key: "id", label: "", format: (id, job) => actionButtons(job, { stopping: stopping.has(id) }) },
  ];

  addOptions(kind, KINDS);
  addOptions(status, STATUSES);
  kind.value = readParam("kind");
  status.value = readParam("status");

  async function load() {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (kind.value) query.set("kind", kind.value);
    if (status.value) query.set("status", status.value);
    if (cursors[page]) query.set("cursor", cursors[page]);
    try {
      const [answer] = await Promise.all([getJson(`jobs?${query}`), onRefresh()]);
      cursors[page + 1] = answer.next_cursor;
      show(answer.items, answer.next_cursor);
    } catch (error) {
      say(message, error.message, "error");
    }
  }
  const live = repeat(load, { wanted: () => items.some((job) => !FINISHED.has(job.status)) });

  function show(found, nextCursor) {
    items = found;
    paging.show(page + 1, Boolean(nextCursor));
    for (const job of found) if (FINISHED.has(job.status)) stopping.delete(job.id);
    const drawn = JSON.stringify([found, [...stopping]]);
    if (drawn === shown) return; // nothing moved: the rows (and a button under the pointer) stay
    shown = drawn;
    if (found.length === 0) {
      say(message, kind.value || status.value ? "No job matches these filters." : "No jobs yet: launch one in a section below.");
      output.replaceChildren();
      return;
    }
    say(message, "");
    output.replaceChildren(table(columns, found, { rowAttributes: (job) => ({ "data-id": job.id, "data-status": job.status }) }));
  }

  function restart() {
    cursors = [null];
    page = 0;
    writeParams({ kind: kind.value, status: status.value });
    live.now();
  }

  async function act(button) {
    const { action, id } = button.dataset;
    if (action === "open") {
      onOpen(id);
      return;
    }
    button.disabled = true;
    try {
      if (action === "cancel") stopping.add(id);
      else stopping.delete(id);
      const answer = action === "cancel" ? await cancelJob(id) : await retryJob(id);
      say(message, action === "cancel" ? `Cancel asked: the job is ${answer.status}.` : "Retried: the job is queued again.", "ok");
    } catch (error) {
      stopping.delete(id);
      say(message, error.message, "error");
      button.disabled = false;
    }
  }

  output.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button) act(button);
  });
  kind.addEventListener("change", restart);
  status.addEventListener("change", restart);
  // A job launched, cancelled or retried from this page (or the key given after a 403): show it now.
  refreshOnChanges(live);
  live.now();
}
