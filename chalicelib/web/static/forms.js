// Showing the service's validation errors beside the form field they name.
import { say } from "./dom.js";

export function clearErrors(form) {
  for (const slot of form.querySelectorAll("[data-error-for]")) slot.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/** Put `error` beside its field when the form has one; otherwise in `message`. */
export function showError(form, message, error) {
  const slot = error.field ? form.querySelector(`[data-error-for="${error.field}"]`) : null;
  if (!slot) {
    say(message, error.message, "error");
    return;
  }
  slot.textContent = error.message;
  form.elements.namedItem(error.field)?.setAttribute("aria-invalid", "true");
  say(message, "Please correct the field marked above.", "error");
}
