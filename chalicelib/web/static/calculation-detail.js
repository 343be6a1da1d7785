// One calculation: its status while it runs, then the chart and the numbers.
import { getJson } from "./api.js";
import { legend, lineChart } from "./chart.js";
import { badge, facts, formatSeconds, formatTime, say, table } from "./dom.js";
import { Follower, follow } from "./poll.js";

const SERIES = [
  { name: "liquid", axis: "left" },
  { name: "oil", axis: "left" },
  { name: "water", axis: "left" },
  { name: "wct", axis: "right" },
];
const SHOWN_ROWS = 1000; // the table stays quick; the chart shows every row
const number = (value) => value.toFixed(3);

export function setUpCalculationDetail(container, { onFinished }) {
  const title = container.querySelector(".title");
  const message = container.querySelector(".message");
  const details = container.querySelector(".facts");
  const chart = container.querySelector(".chart");
  const numbers = container.querySelector(".numbers");
  const follower = new Follower();

  async function open(id) {
    const signal = follower.start();
    container.hidden = false;
    title.textContent = "Calculation";
    chart.replaceChildren();
    numbers.replaceChildren();
    say(message, "Loading…");
    try {
      const last = await follow(
        () => getJson(`calculations/${encodeURIComponent(id)}?fields=name,duration`),
        (answer) => showStatus(answer),
        { signal },
      );
      if (last) finish(last);
    } catch (error) {
      say(message, error.message, "error");
    }
  }

  function showStatus(answer) {
    title.textContent = answer.name || "Calculation";
    facts(details, [
      ["Status", badge(answer.status)],
      ["Launched", formatTime(answer.launched_at)],
      ["Took", formatSeconds(answer.duration)],
      ["Rows", answer.result ? answer.result.length.toLocaleString("en") : null],
    ]);
    say(message, answer.status === "succeeded" ? "" : `The calculation is ${answer.status}…`);
  }

  function finish(answer) {
    onFinished();
    if (answer.status !== "succeeded") {
      say(message, `The calculation ${answer.status}: ${answer.error ?? "no reason given"}`, "error");
      return;
    }
    const rows = answer.result;
    const series = SERIES.map((one) => ({ ...one, values: rows.map((row) => row[one.name]) }));
    const label = "liquid, oil and water (left axis) and wct (right axis) over date";
    chart.replaceChildren(lineChart({ dates: rows.map((row) => row.date), series, label }), legend(series));
    const columns = [{ key: "date", label: "date" }, ...SERIES.map(({ name }) => ({ key: name, format: number }))];
    numbers.replaceChildren(table(columns, rows.slice(0, SHOWN_ROWS)));
    if (rows.length > SHOWN_ROWS) say(message, `The table shows the first ${SHOWN_ROWS} of ${rows.length} rows; the chart shows all.`);
  }

  return { open };
}
