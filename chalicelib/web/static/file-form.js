// A form that uploads one file with a progress bar, then hands the service's answer on.
import { formatBytes, h, say } from "./dom.js";
import { clearErrors, showError } from "./forms.js";

/**
 * Draws the form (a CSV file field under `label`, Upload, a progress bar); `send(file, onProgress)`
 * uploads and resolves with the answer, which goes to `onSent`.
 */
export function setUpFileForm(form, message, { label, send, onSent }) {
  const errorId = `${form.id}-file-error`;
  const input = h("input", { type: "file", name: "file", accept: ".csv,text/csv", "aria-describedby": errorId });
  const bar = h("progress", { max: "1", value: "0", hidden: true });
  form.replaceChildren(
    h("label", {}, `${label} `, input, " ", h("span", { class: "field-error", id: errorId, "data-error-for": "file" })),
    h("button", { type: "submit" }, "Upload"),
    bar,
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const file = input.files[0];
    if (!file) {
      showError(form, message, { field: "file", message: "Choose a CSV file first." });
      return;
    }
    bar.hidden = false;
    bar.value = 0;
    say(message, `Uploading ${file.name} (${formatBytes(file.size)})…`);
    try {
      const answer = await send(file, (fraction) => {
        bar.value = fraction;
      });
      bar.value = 1;
      say(message, `Uploaded ${file.name}; the job follows below.`, "ok");
      onSent(answer);
    } catch (error) {
      bar.hidden = true;
      showError(form, message, error);
    }
  });
}
