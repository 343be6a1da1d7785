// One job in full: its parameters, attempts and earlier runs, error and timestamps, with cancel and
// retry; followed while it is queued or running.
import { getJson } from "./api.js";
import { badge, facts, formatSeconds, formatTime, h, progressBar, say, table } from "./dom.js";
import { canCancel, canRetry, cancelJob, retryJob } from "./job-actions.js";
import { Follower, follow } from "./poll.js";

// Earlier runs, oldest first, as a retry recorded them.
const HISTORY = [
  { key: "attempts", label: "Attempts" },
  { key: "status", label: "Ended", format: badge },
  { key: "started_at", label: "Started", format: formatTime },
  { key: "finished_at", label: "Finished", format: formatTime },
  { key: "duration", label: "Took", format: formatSeconds },
  { key: "error", label: "Error" },
];
// The sections that show a job of their kind in their own way.
const SECTION_OF = { report: "Reports", import: "Imports", calculation: "Calculations" };

export function setUpJobDetail(container, { onClose, onShow }) {
  const title = container.querySelector(".title");
  const message = container.querySelector(".message");
  const details = container.querySelector(".facts");
  const params = container.querySelector(".params");
  const history = container.querySelector(".history");
  const cancel = container.querySelector('[data-action="cancel"]');
  const retry = container.querySelector('[data-action="retry"]');
  const resend = container.querySelector('input[name="resend_unknown"]');
  const showIn = container.querySelector('[data-action="show"]');
  const follower = new Follower();
  let job = null;

  async function open(id) {
    const signal = follower.start();
    if (job?.id !== id) {
      job = null;
      title.textContent = "Job";
      for (const part of [details, params, history]) part.replaceChildren();
      say(message, "Loading…");
    }
    container.hidden = false;
    try {
      const last = await follow(() => getJson(`jobs/${encodeURIComponent(id)}`), show, { signal, every: 1000 });
      if (last?.status === "failed") say(message, "The job failed: its error is below; Retry runs it again.", "error");
      else if (last?.status === "cancelled") say(message, "The job was cancelled; Retry runs it again.");
    } catch (error) {
      say(message, error.message, "error");
    }
  }

  function show(answer) {
    job = answer;
    title.textContent = answer.name || answer.id;
    const cancelling = answer.cancel_requested_at && !["cancelled", "succeeded", "failed"].includes(answer.status);
    say(message, cancelling ? "Cancel asked: the job stops at its next checkpoint." : "");
    facts(details, [
      ["Job", answer.id],
      ["Kind", answer.kind],
      ["Status", badge(answer.status)],
      ["Progress", progressBar(answer.progress)],
      ["Attempts", String(answer.attempts ?? 0)],
      ["Created", formatTime(answer.created_at)],
      ["Started", formatTime(answer.started_at) || null],
      ["Finished", formatTime(answer.finished_at) || null],
      ["Took", formatSeconds(answer.duration) || null],
      ["Cancel asked", formatTime(answer.cancel_requested_at) || null],
      // Its message kept failing and reached the dead-letter queue (Retry redrives it).
      ["Dead-lettered", formatTime(answer.dead_lettered_at) || null],
      ["Error", answer.error ? h("span", { class: "problem" }, answer.error) : null],
    ]);
    params.replaceChildren(h("pre", {}, JSON.stringify(answer.params ?? {}, null, 2)));
    const runs = answer.history ?? [];
    history.replaceChildren(runs.length ? table(HISTORY, runs) : h("p", { class: "hint" }, "No earlier runs."));
    cancel.hidden = !canCancel(answer) || Boolean(answer.cancel_requested_at);
    retry.hidden = !canRetry(answer);
    resend.closest("label").hidden = retry.hidden || answer.kind !== "import";
    showIn.hidden = !SECTION_OF[answer.kind];
    showIn.textContent = `Show in ${SECTION_OF[answer.kind] ?? ""}`;
  }

  async function act(action) {
    if (!job) return;
    const button = action === "cancel" ? cancel : retry;
    button.disabled = true;
    try {
      if (action === "cancel") await cancelJob(job.id);
      else await retryJob(job.id, { resendUnknown: resend.checked });
      resend.checked = false;
      // The POST announced itself ("jobs-changed"): the detail and the lists refresh from that.
    } catch (error) {
      say(message, error.message, "error");
    } finally {
      button.disabled = false;
    }
  }

  cancel.addEventListener("click", () => act("cancel"));
  retry.addEventListener("click", () => act("retry"));
  showIn.addEventListener("click", () => job && onShow(job.kind, job.id));
  container.querySelector('[data-action="close"]').addEventListener("click", () => {
    follower.start(); // stops following
    job = null;
    container.hidden = true;
    onClose();
  });
  document.addEventListener("jobs-changed", () => {
    if (!container.hidden && job) open(job.id);
  });
  return { open };
}
