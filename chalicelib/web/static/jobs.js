// Jobs: every job of every kind in one live table, and the one opened (its id in the address).
import { readParam, writeParams } from "./address.js";
import { setUpJobDetail } from "./job-detail.js";
import { setUpJobList } from "./job-list.js";
import { showQueues } from "./queues.js";

/** `onShow(kind, id)` opens the job in its kind's own section (a report's download, an import's rows). */
export function setUpJobs(section, { onShow }) {
  const detail = setUpJobDetail(section.querySelector("#job-detail"), {
    onClose: () => writeParams({ job: "" }),
    onShow,
  });
  const queues = section.querySelector("#job-queues");
  setUpJobList(section.querySelector("#job-list"), {
    onRefresh: () => showQueues(queues),
    onOpen: (id) => {
      writeParams({ job: id });
      detail.open(id);
      section.querySelector("#job-detail").scrollIntoView({ block: "nearest" });
    },
  });
  const opened = readParam("job");
  if (opened) detail.open(opened);
}
