// What Reports and Imports share: a form that uploads a file to start a job of one kind, the job
// shown followed until it finishes (kept in the address, ?KIND=ID), and the earlier ones listed below.
import { readParam, writeParams } from "./address.js";
import { getJson } from "./api.js";
import { say } from "./dom.js";
import { setUpFileForm } from "./file-form.js";
import { setUpPastJobs } from "./past-jobs.js";
import { Follower, follow } from "./poll.js";

/**
 * `send(file, onProgress)` uploads; `show(answer)` draws each answer of `GET path/ID`; `done` says
 * what a succeeded or cancelled job means; `before()` runs as a job is opened, `after(id)` once it
 * finished. Returns `{ open(id) }`.
 */
export function setUpUploadSection(section, { kind, path, label, title, send, show, done, before = () => {}, after = async () => {} }) {
  const message = section.querySelector(".message");
  const follower = new Follower();

  async function watch(id) {
    const signal = follower.start();
    before();
    try {
      const last = await follow(() => getJson(`${path}/${encodeURIComponent(id)}`), show, { signal });
      if (!last) return;
      if (last.status === "succeeded") say(message, done.succeeded, "ok");
      else if (last.status === "cancelled") say(message, done.cancelled);
      else say(message, `The ${kind} ${last.status}: ${last.error ?? "no reason given"}`, "error");
      await after(id);
    } catch (error) {
      say(message, error.message, "error");
    }
  }

  function open(id) {
    writeParams({ [kind]: id });
    say(message, "");
    watch(id);
  }

  setUpFileForm(section.querySelector("form"), message, {
    label,
    send,
    onSent: ({ id }) => {
      writeParams({ [kind]: id });
      watch(id);
    },
  });
  setUpPastJobs(section.querySelector(".past"), { kind, title, onOpen: open });
  const opened = readParam(kind);
  if (opened) watch(opened);
  return { open };
}
