// Reports: upload a plays CSV, watch the job, download the totals; earlier reports listed below,
// the one shown kept in the address (?report=ID).
import { readParam, writeParams } from "./address.js";
import { getJson } from "./api.js";
import { badge, facts, formatSeconds, h, say } from "./dom.js";
import { setUpFileForm } from "./file-form.js";
import { setUpPastJobs } from "./past-jobs.js";
import { Follower, follow } from "./poll.js";
import { postReport } from "./upload.js";

export function setUpReports(section) {
  const message = section.querySelector(".message");
  const details = section.querySelector("#report-job");
  const problems = section.querySelector("#report-errors");
  const follower = new Follower();

  async function watch({ id }) {
    const signal = follower.start();
    problems.replaceChildren();
    try {
      const last = await follow(() => getJson(`reports/${encodeURIComponent(id)}`), (report) => show(report), { signal });
      if (!last) return;
      if (last.status === "succeeded") say(message, "Done: download the totals below.", "ok");
      else if (last.status === "cancelled") say(message, "The report was cancelled.");
      else say(message, `The report ${last.status}: ${last.error ?? "no reason given"}`, "error");
    } catch (error) {
      say(message, error.message, "error");
    }
  }

  function show(report) {
    const download = /^https?:\/\//.test(report.result_url ?? "")
      ? h("a", { href: report.result_url, class: "download", download: "" }, "Download the totals (CSV)")
      : null;
    facts(details, [
      ["Report", report.id],
      ["Status", badge(report.status)],
      ["Progress", `${Math.round((report.progress ?? 0) * 100)} %`],
      ["Rows read", report.rows_in?.toLocaleString("en")],
      ["Invalid rows", report.rows_invalid?.toLocaleString("en")],
      ["Song and date pairs", report.pairs?.toLocaleString("en")],
      ["Took", formatSeconds(report.duration)],
      ["Result", download],
    ]);
    problems.replaceChildren(...(report.errors ?? []).map((problem) => h("li", {}, problem)));
  }

  function open(id) {
    writeParams({ report: id });
    say(message, "");
    watch({ id });
  }

  setUpFileForm(section.querySelector("#report-form"), message, {
    send: postReport,
    onSent: ({ id }) => {
      writeParams({ report: id });
      watch({ id });
    },
  });
  setUpPastJobs(section.querySelector("#report-history"), { kind: "report", title: "Earlier reports", onOpen: open });
  const opened = readParam("report");
  if (opened) watch({ id: opened });
  return { open };
}
