// Imports: upload a posts CSV, watch the counters move, page through each row's result; earlier
// imports listed below, the one shown kept in the address (?import=ID).
import { getJson } from "./api.js";
import { badge, facts, h, pager, say, table } from "./dom.js";
import { postFile } from "./upload.js";
import { setUpUploadSection } from "./upload-section.js";

const PAGE_SIZE = 20;
const COLUMNS = [
  { key: "line", label: "Line" },
  { key: "userId", label: "userId" },
  { key: "result", label: "Result", format: (result, row) => resultBadge(row.outcome_unknown ? "unknown" : result) },
  { key: "postId", label: "postId" },
  { key: "error", label: "Error" },
];

export function setUpImports(section) {
  const message = section.querySelector(".message");
  const counters = section.querySelector("#import-job");
  const results = setUpResults(section.querySelector("#import-results"), message);

  function show(job) {
    facts(counters, [
      ["Import", job.id],
      ["Status", badge(job.status)],
      ["Rows", job.rows_total],
      ["Read", job.rows_in],
      ["Invalid", job.rows_invalid],
      ["Sent", job.rows_sent],
      ["Failed", job.rows_failed],
      ["Outcome unknown", job.rows_unknown],
    ]);
  }

  return setUpUploadSection(section, {
    kind: "import",
    path: "imports",
    label: "Posts CSV",
    title: "Earlier imports",
    send: (file, onProgress) => postFile("imports", file, onProgress),
    show,
    done: { succeeded: "Done: every row's result is below.", cancelled: "The import was cancelled: the rows it reached are below." },
    before: () => results.hide(),
    after: (id) => results.open(id),
  });
}

/** A row's result; "unknown" when its request may have reached the API (the post may exist). */
function resultBadge(result) {
  return h("span", { class: `badge ${result}` }, result);
}

/** The per-row results, a page at a time: `next_after` from each answer leads to the next page. */
function setUpResults(container, message) {
  const paging = pager(container, (by) => turn(page + by));
  const output = container.querySelector(".table-frame");
  let importId = null;
  let starts = [0]; // where each page seen so far starts (its `after`)
  let page = 0;

  async function load(wanted) {
    const path = `imports/${encodeURIComponent(importId)}/results?after=${starts[wanted]}&limit=${PAGE_SIZE}`;
    const answer = await getJson(path);
    page = wanted;
    if (answer.next_after !== null) starts[page + 1] = answer.next_after;
    paging.show(page + 1, answer.next_after !== null);
    output.replaceChildren(table(COLUMNS, answer.results));
  }

  const turn = (wanted) => load(wanted).catch((error) => say(message, error.message, "error"));
  return {
    hide() {
      container.hidden = true;
    },
    async open(id) {
      importId = id;
      starts = [0];
      container.hidden = false;
      await load(0);
    },
  };
}
