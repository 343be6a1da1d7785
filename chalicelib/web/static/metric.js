// Metric: launch calculate_metric, watch its status change, see the (big, exact) result; the job
// shown is kept in the address (?metric=ID).
import { readParam, writeParams } from "./address.js";
import { getJson, postJson } from "./api.js";
import { badge, facts, formatSeconds, formatTime, h, say } from "./dom.js";
import { Follower, follow } from "./poll.js";

export function setUpMetric(section) {
  const button = section.querySelector("#metric-launch");
  const message = section.querySelector(".message");
  const details = section.querySelector("#metric-job");
  const follower = new Follower();

  async function watch(jobId) {
    const signal = follower.start();
    try {
      const last = await follow(
        () => getJson(`get_result?job_id=${encodeURIComponent(jobId)}`),
        (answer) => show(details, answer),
        { signal },
      );
      if (last) await finish(last, message, details);
    } catch (error) {
      say(message, error.message, "error");
    }
  }

  button.addEventListener("click", async () => {
    follower.start(); // the job shown until now is no longer followed
    details.replaceChildren();
    say(message, "Launching…");
    try {
      const { job_id: jobId } = await postJson("launch", {});
      writeParams({ metric: jobId });
      say(message, "Launched; the status below follows the job.");
      await watch(jobId);
    } catch (error) {
      say(message, error.message, "error");
    }
  });
  const shown = readParam("metric");
  if (shown) watch(shown);
}

function show(details, answer) {
  facts(details, [
    ["Job", answer.job_id],
    ["Status", badge(answer.status)],
    ["Result", answer.result === null ? null : h("output", { class: "big-number" }, answer.result)],
  ]);
}

async function finish(answer, message, details) {
  if (answer.status !== "succeeded") {
    say(message, `The job ${answer.status}: ${answer.error ?? "no reason given"}`, "error");
    return;
  }
  const job = await getJson(`jobs/${encodeURIComponent(answer.job_id)}`);
  say(message, `Done: a ${answer.result.length}-digit number.`, "ok");
  facts(details, [
    ["Job", answer.job_id],
    ["Status", badge(answer.status)],
    ["Launched", formatTime(job.created_at)],
    ["Took", formatSeconds(job.duration)],
    ["Result", h("output", { class: "big-number" }, answer.result)],
  ]);
}
