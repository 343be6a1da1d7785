// The list of calculation runs: 10 a page, newest or oldest first.
import { getJson } from "./api.js";
import { badge, formatTime, h, pager, say, table } from "./dom.js";

export function setUpCalculationList(container, { onOpen }) {
  const order = container.querySelector('select[name="order"]');
  const paging = pager(container, (by) => reload(page + by));
  const message = container.querySelector(".message");
  const output = container.querySelector(".table-frame");
  let page = 1;

  async function reload(wanted = page) {
    try {
      const answer = await getJson(`calculations?order=${order.value}&page=${wanted}`);
      page = answer.page;
      paging.show(page, answer.has_more);
      show(answer.items);
    } catch (error) {
      say(message, error.message, "error");
    }
  }

  function show(items) {
    if (items.length === 0) {
      say(message, page === 1 ? "No calculations yet: start one with the form above." : "No more calculations.");
      output.replaceChildren();
      return;
    }
    say(message, "");
    const columns = [
      { key: "name", label: "Name", format: (name, item) => h("button", { type: "button", class: "link" }, name || item.id) },
      { key: "launched_at", label: "Launched", format: formatTime },
      { key: "status", label: "Status", format: badge },
    ];
    const rendered = table(columns, items);
    rendered.querySelectorAll("tbody tr").forEach((row, index) => {
      row.querySelector("button").addEventListener("click", () => onOpen(items[index].id));
    });
    output.replaceChildren(rendered);
  }

  order.addEventListener("change", () => reload(1));
  return { reload };
}
