// A picker that searches the whole register as you type: a text box, the matches the service
// returns as buttons below it, and the chosen record's id in a hidden input named for the schema's
// field. Nothing is loaded up front, so a register of 20,000 activities is as quick as one of 20;
// no one types an id.

import { h } from "./dom.js";

/**
 * `search(text)` resolves to `[{ id, label, ...record }]`; `onChoose(record)` runs when one is
 * picked. `initial` is `{ id, label }` or null.
 */
export function picker(name, search, { initial = null, onChoose = () => {}, placeholder = "type to search" } = {}) {
  const hidden = h("input", { type: "hidden", name, value: initial?.id ?? "" });
  const text = h("input", { type: "search", value: initial?.label ?? "", placeholder, autocomplete: "off", "aria-autocomplete": "list", dataset: { picker: name } });
  const options = h("ul", { class: "picker-options", role: "listbox" });
  const wrap = h("div", { class: "picker" }, text, hidden, options);
  let asked = 0;
  let timer = null;
  const choose = (record) => {
    hidden.value = record.id;
    text.value = record.label;
    options.replaceChildren();
    wrap.chosen = record;
    onChoose(record);
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
  };
  const ask = async () => {
    const mine = ++asked;
    const found = await search(text.value.trim()).catch(() => []);
    if (mine !== asked) return;
    options.replaceChildren(...found.map((r) => h("li", { role: "option" }, h("button", { type: "button", class: "link", dataset: { id: r.id }, onclick: () => choose(r) }, r.label))));
    if (!found.length) options.append(h("li", { class: "muted" }, "Nothing matches."));
  };
  text.addEventListener("input", () => {
    hidden.value = "";
    wrap.chosen = null;
    clearTimeout(timer);
    timer = setTimeout(ask, 200);
  });
  text.addEventListener("focus", () => {
    if (!hidden.value) ask();
  });
  wrap.chosen = initial;
  wrap.choose = choose;
  wrap.control = text;
  wrap.name = name;
  // The error slot and label of `field()` find the text box; the hidden input carries the value.
  text.id = `${name}-picker`;
  return wrap;
}
