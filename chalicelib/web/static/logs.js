// Logs: the 100 latest records of a table, filtered by date and user.
import { getJson } from "./api.js";
import { h, say, table } from "./dom.js";
import { clearErrors, showError } from "./forms.js";

export function setUpLogs(section) {
  const form = section.querySelector("form");
  const message = section.querySelector(".message");
  const output = section.querySelector("#logs-records");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    say(message, "Loading…");
    try {
      const answer = await getJson(`logs?${query(form)}`);
      show(answer, message, output);
    } catch (error) {
      output.replaceChildren();
      showError(form, message, error);
    }
  });
}

/** The form's filled-in fields as a query string; empty filters are left out. */
function query(form) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (String(value).trim()) params.set(name, String(value).trim());
  }
  return params.toString();
}

function show(answer, message, output) {
  const records = answer.records;
  if (records.length === 0) {
    say(message, `No records in ${answer.table_name} match.`);
    output.replaceChildren();
    return;
  }
  const columns = Object.keys(records[0]).map((key) => ({ key }));
  say(message, `${records.length} records of ${answer.table_name}, newest first.`, "ok");
  output.replaceChildren(h("div", {}, table(columns, records)));
}
