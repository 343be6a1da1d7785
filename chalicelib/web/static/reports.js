// Reports: upload a plays CSV, watch the job, download the totals; earlier reports listed below,
// the one shown kept in the address (?report=ID).
import { badge, facts, formatSeconds, h } from "./dom.js";
import { postReport } from "./upload.js";
import { setUpUploadSection } from "./upload-section.js";

export function setUpReports(section) {
  const details = section.querySelector("#report-job");
  const problems = section.querySelector("#report-errors");

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

  return setUpUploadSection(section, {
    kind: "report",
    path: "reports",
    label: "Plays CSV",
    title: "Earlier reports",
    send: postReport,
    show,
    done: { succeeded: "Done: download the totals below.", cancelled: "The report was cancelled." },
    before: () => problems.replaceChildren(),
  });
}
