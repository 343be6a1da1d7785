// Following a job until it finishes: ask, show, wait, ask again.

export const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

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
