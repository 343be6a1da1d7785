// What waits for the workers, from GET /health (open, no job data): each lane's queue, the
// dead-letter queue and the age of the oldest queued job, in one line above the jobs table.
import { getJson } from "./api.js";
import { h } from "./dom.js";

/** Read /health into `element`; a part the service could not read shows as "?". */
export async function showQueues(element) {
  let health;
  try {
    health = await getJson("health");
  } catch (error) {
    element.replaceChildren(`Queues: ${error.message}`);
    return;
  }
  const parts = Object.entries(health.queues ?? {}).map(([lane, depth]) => part(`${lane} queue`, depth));
  parts.push(part("dead letters", health.dead_letters));
  const oldest = health.oldest_queued_seconds;
  parts.push(h("span", {}, "oldest queued: ", h("strong", {}, oldest === null || oldest === undefined ? "none" : `${Math.round(oldest)} s`)));
  element.replaceChildren(...parts);
}

function part(label, depth) {
  if (!depth) return h("span", {}, `${label}: `, h("strong", {}, "?"));
  const counts = `${depth.waiting} waiting, ${depth.in_flight} in flight, ${depth.delayed} delayed`;
  return h("span", { "data-queue": label }, `${label}: `, h("strong", {}, counts));
}
