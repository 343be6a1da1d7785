// The page's entry point: each section sets itself up from its own part of index.html.
import { setUpCalculations } from "./calculations.js";
import { setUpImports } from "./imports.js";
import { setUpLogs } from "./logs.js";
import { setUpMetric } from "./metric.js";
import { setUpReports } from "./reports.js";

setUpLogs(document.querySelector("#logs"));
setUpMetric(document.querySelector("#metric"));
setUpCalculations(document.querySelector("#calculations"));
setUpReports(document.querySelector("#reports"));
setUpImports(document.querySelector("#imports"));
document.body.dataset.ready = "true";
