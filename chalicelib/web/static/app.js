// The page's entry point: each section sets itself up from its own part of index.html.
import { setUpCalculations } from "./calculations.js";
import { setUpImports } from "./imports.js";
import { setUpJobs } from "./jobs.js";
import { setUpKeyForm } from "./key.js";
import { setUpLogs } from "./logs.js";
import { setUpMetric } from "./metric.js";
import { setUpReports } from "./reports.js";

setUpKeyForm(document.querySelector("#api-key"), document.querySelector("#api-key-open"));
setUpLogs(document.querySelector("#logs"));
setUpMetric(document.querySelector("#metric"));
// Where the Jobs section's "Show in ..." opens a job of each kind: the section and its `open(id)`.
const sections = {
  calculation: ["#calculations", setUpCalculations],
  report: ["#reports", setUpReports],
  import: ["#imports", setUpImports],
};
const opens = Object.fromEntries(
  Object.entries(sections).map(([kind, [selector, setUp]]) => [kind, setUp(document.querySelector(selector)).open]),
);
setUpJobs(document.querySelector("#jobs"), {
  onShow: (kind, id) => {
    opens[kind](id);
    document.querySelector(sections[kind][0]).scrollIntoView();
  },
});
document.body.dataset.ready = "true";
