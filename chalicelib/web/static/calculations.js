// Calculations: the form, the list of runs and one run's detail, wired together.
import { setUpCalculationDetail } from "./calculation-detail.js";
import { setUpCalculationForm } from "./calculation-form.js";
import { setUpCalculationList } from "./calculation-list.js";

export function setUpCalculations(section) {
  const detail = setUpCalculationDetail(section.querySelector("#calculation-detail"), {
    onFinished: () => list.reload(),
  });
  const list = setUpCalculationList(section.querySelector("#calculation-list"), { onOpen: detail.open });
  setUpCalculationForm(section.querySelector("#calculation-form"), section.querySelector("#calculation-form-message"), {
    onCreated: (id) => {
      list.reload(1);
      detail.open(id);
    },
  });
  list.reload(1);
}
