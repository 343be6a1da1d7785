// Calculations: the form, the list of runs and one run's detail, wired together; the run shown is
// kept in the address (?calculation=ID).
import { readParam, writeParams } from "./address.js";
import { setUpCalculationDetail } from "./calculation-detail.js";
import { setUpCalculationForm } from "./calculation-form.js";
import { setUpCalculationList } from "./calculation-list.js";

export function setUpCalculations(section) {
  const detail = setUpCalculationDetail(section.querySelector("#calculation-detail"), {
    onFinished: () => list.reload(),
  });
  const open = (id) => {
    writeParams({ calculation: id });
    detail.open(id);
  };
  const list = setUpCalculationList(section.querySelector("#calculation-list"), { onOpen: open });
  setUpCalculationForm(section.querySelector("#calculation-form"), section.querySelector("#calculation-form-message"), {
    onCreated: (id) => {
      list.reload(1);
      open(id);
    },
  });
  list.reload(1);
  const opened = readParam("calculation");
  if (opened) detail.open(opened);
  return { open };
}
