// Steering a job: cancel (queued or running) and retry (failed or cancelled), as buttons.
import { postJson } from "./api.js";
import { h } from "./dom.js";

export const canCancel = (job) => job.status === "queued" || job.status === "running";
export const canRetry = (job) => job.status === "failed" || job.status === "cancelled";

/** A queued job is cancelled at once; a running one stops at its next checkpoint. */
export function cancelJob(id) {
  return postJson(`jobs/${encodeURIComponent(id)}/cancel`, {});
}

/** Runs the job again under its id; an import re-sends rows of unknown outcome only if asked. */
export function retryJob(id, { resendUnknown = false } = {}) {
  return postJson(`jobs/${encodeURIComponent(id)}/retry`, resendUnknown ? { resend_unknown: true } : {});
}

/**
 * The buttons that apply to `job` now, marked with data-action and data-id for one delegated
 * listener; `stopping`: a cancel was asked and the running job has not reached its checkpoint yet.
 */
export function actionButtons(job, { stopping = false } = {}) {
  const buttons = [];
  if (canCancel(job) && stopping) buttons.push(h("span", { class: "hint" }, "stopping…"));
  else if (canCancel(job)) buttons.push(h("button", { type: "button", class: "small", "data-action": "cancel", "data-id": job.id }, "Cancel"));
  if (canRetry(job)) buttons.push(h("button", { type: "button", class: "small", "data-action": "retry", "data-id": job.id }, "Retry"));
  return h("span", { class: "actions" }, ...buttons);
}
