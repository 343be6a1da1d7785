// Jobs: every job of every kind in one live table, and the one opened (its id in the address).
import { readParam, writeParams } from "./address.js";
import { setUpJobDetail } from "./job-detail.js";
import { setUpJobList } from "./job-list.js";

/** `onShow(kind, id)` opens the job in its kind's own section (a report's download, an import's rows). */
export function setUpJobs(section, { onShow }) {
  const detail = setUpJobDetail(section.querySelector("#job-detail"), {
    onClose: () => writeParams({ job: "" }),
    onShow,
  });
  setUpJobList(section.querySelector("#job-list"), {
    onOpen: (id) => {
      writeParams({ job: id });
      detail.open(id);
      section.querySelector("#job-detail").scrollIntoView({ block: "nearest" });
    },
  });
  const opened = readParam("job");
  if (opened) detail.open(opened);
}
