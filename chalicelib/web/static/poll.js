// Following a job until it finishes: ask, show, wait, ask again.

export const FINISHED = new Set(["succeeded", "failed", "cancelled"]);
/** Every job status, in the order a job goes through them. */
export const STATUSES = ["queued", "running", ...FINISHED];

/**
 * Call `load()` every `every` ms and pass each answer to `show`, until its status is finished.
 * Resolves with the last answer, or null when `signal` was aborted (a newer job took over).
 */
export async function follow(load, show, { signal, every = 500 } = {}) {
  while (!signal?.aborted) {
    const answer = await load();
    if (signal?.aborted) break;
    show(answer);
    if (FINISHED.has(answer.status)) return answer;
    await new Promise((resolve) => setTimeout(resolve, every));
  }
  return null;
}

/** One follower per section: starting a new one stops the previous one. */
export class Follower {
  #controller = null;

  start() {
    this.#controller?.abort();
    this.#controller = new AbortController();
    return this.#controller.signal;
  }
}

/**
 * Call `refresh()` now and again every `every` ms while `wanted()` (e.g. a listed job is still
 * open) and the page is visible: a list costs one request a period however many rows it shows,
 * and nothing at all once its jobs are finished or the tab is hidden. `now()` refreshes at once
 * (a job was launched, a filter changed); calls never overlap.
 */
export function repeat(refresh, { wanted, every = 2000 }) {
  let timer = null;
  let running = null;
  let again = false;

  async function now() {
    clearTimeout(timer);
    timer = null;
    if (running) {
      again = true; // one more refresh after this one, with what changed meanwhile
      return running;
    }
    // `refresh` shows its own errors; a failed one is tried again at the next period.
    running = Promise.resolve()
      .then(refresh)
      .catch(() => {})
      .finally(() => {
        running = null;
      });
    await running;
    if (again) {
      again = false;
      return now();
    }
    if (wanted() && document.visibilityState === "visible") timer = setTimeout(now, every);
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && !timer && !running && wanted()) now();
  });
  return { now };
}

/** Refresh `live` (a `repeat`) when a job was launched, cancelled or retried here, or the API key given after a 403. */
export function refreshOnChanges(live) {
  document.addEventListener("jobs-changed", () => live.now());
  document.addEventListener("api-key-changed", () => live.now());
}
