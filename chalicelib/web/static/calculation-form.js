// The calculation form: the service validates, and its errors appear beside the field they name.
import { postJson } from "./api.js";
import { say } from "./dom.js";
import { clearErrors, showError } from "./forms.js";

export function setUpCalculationForm(form, message, { onCreated }) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    say(message, "Sending…");
    try {
      const { id } = await postJson("calculations", body(form));
      say(message, "Queued: its status and result are shown below.", "ok");
      onCreated(id);
    } catch (error) {
      showError(form, message, error);
    }
  });
}

/** The request body: empty fields are left out (the service says which are required). */
function body(form) {
  const fields = form.elements;
  const request = {};
  for (const name of ["date_start", "date_fin", "name"]) {
    const value = fields.namedItem(name).value.trim();
    if (value) request[name] = value;
  }
  const lag = fields.namedItem("lag").value.trim();
  // A number input gives text: send a number when it is one, else the text, for the service to judge.
  if (lag) request.lag = Number.isNaN(Number(lag)) ? lag : Number(lag);
  return request;
}
