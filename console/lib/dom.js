// Small helpers over the DOM: building elements without innerHTML (so nothing from the register
// is ever parsed as markup), labelled form fields with an error slot, verdict badges.

/** `h("a", { href: "#/x", class: "btn" }, "text", child)`; `on*` attributes become listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = tag === "svg" || attrs?.xmlns ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "xmlns") continue;
    else el.setAttribute(key, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

/** An SVG element (namespace set). */
export function s(tag, attrs = {}, ...children) {
  return h(tag, { ...attrs, xmlns: true }, ...children);
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let ids = 0;
/** A unique element id. */
export const uid = (prefix = "f") => `${prefix}-${++ids}`;

/**
 * A labelled control with an error slot below it; `name` is the schema's input field name, so
 * a refusal's `extensions.field` finds its way back here.
 */
export function field(label, control, hint) {
  const id = control.id || uid();
  control.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error`, role: "alert", hidden: true });
  const hintEl = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field", dataset: { field: control.name || "" } }, h("label", { for: id }, label), control, hintEl, error);
}

/** A `<select>` of `values` (the schema's enum names), with an optional empty choice. */
export function select(name, values, { empty, value, required } = {}) {
  const el = h("select", { name, required });
  if (empty !== undefined) el.append(h("option", { value: "" }, empty));
  for (const v of values) el.append(h("option", { value: v, selected: v === value }, label(v)));
  return el;
}

/** Enum values whose words are names or acronyms, as a privacy lawyer writes them. */
const NAMES = {
  EU_GDPR: "EU GDPR",
  UK_GDPR: "UK GDPR",
  EU_US_DPF: "EU-US DPF",
  SCC_2021: "2021 SCCs",
  SCC_2010: "Pre-2021 SCCs",
  UK_IDTA: "UK IDTA",
  UK_ADDENDUM: "UK Addendum",
  BCR: "BCRs",
  PRIVACY_SHIELD: "Privacy Shield",
  SAFE_HARBOR: "Safe Harbor",
  C2C: "C2C",
  C2P: "C2P",
  P2P: "P2P",
  P2C: "P2C",
  SUB_PROCESSOR: "Sub-processor",
  JOINT_CONTROLLER: "Joint controller",
};
const ACRONYMS = /\b(Tia|Dpa|Scc|Dpo|Uk|Eu|Eea|Url)\b/g;

/** `NON_COMPLIANT` -> `Non compliant`, `TIA_MISSING` -> `TIA missing`, `EU_US_DPF` -> `EU-US DPF`. */
export function label(enumValue) {
  if (!enumValue) return "";
  if (NAMES[enumValue]) return NAMES[enumValue];
  const text = String(enumValue).replaceAll("_", " ").toLowerCase();
  return (text.charAt(0).toUpperCase() + text.slice(1)).replace(ACRONYMS, (w) => w.toUpperCase());
}

/** `1 attempt`, `2 attempts`: a count with its noun in the right number. */
export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

/** Clears the errors shown in `form`. */
export function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((e) => {
    e.hidden = true;
    e.textContent = "";
  });
  form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
  form.querySelector(".form-error")?.remove();
}

/**
 * Shows a refusal in `form`: beside the field it names (`extensions.field`, e.g. `country` or
 * `locations[0].country`), else at the top of the form.
 */
export function showError(form, error) {
  clearErrors(form);
  const name = error.field;
  const target = name && (form.querySelector(`[data-field="${CSS.escape(name)}"]`) ?? form.querySelector(`[data-field="${CSS.escape(name.replace(/^.*\./, ""))}"]`));
  if (target) {
    const slot = target.querySelector(".field-error");
    slot.textContent = error.message;
    slot.hidden = false;
    const control = target.querySelector("input, select, textarea");
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", [slot.id, control.getAttribute("aria-describedby")].filter(Boolean).join(" "));
      control.focus();
    }
    return;
  }
  form.prepend(h("p", { class: "form-error", role: "alert" }, error.message));
}

const VERDICT = {
  NOT_RESTRICTED: ["ok", "✓", "Not restricted"],
  ADEQUATE: ["ok", "✓", "Adequate"],
  SAFEGUARDED: ["safe", "✓", "Safeguarded"],
  DEROGATION: ["warn", "!", "Derogation"],
  NON_COMPLIANT: ["bad", "✗", "Non-compliant"],
};

/** A verdict as colour, symbol and words, so it reads without colour. */
export function verdict(status) {
  const [tone, icon, text] = VERDICT[status] ?? ["", "?", label(status)];
  return h("span", { class: `badge ${tone}` }, h("span", { "aria-hidden": "true" }, icon), ` ${text}`);
}

const TASK = {
  PENDING: ["", "○"],
  SENT: ["info", "→"],
  ACKNOWLEDGED: ["info", "✉"],
  COMPLETED: ["ok", "✓"],
  EXEMPT: ["safe", "§"],
  FAILED: ["bad", "✗"],
  OPEN: ["", "○"],
  IN_PROGRESS: ["info", "→"],
  OVERDUE: ["bad", "!"],
  CLOSED: ["", "■"],
};

/** A task or request status as a badge with a symbol. */
export function status(value) {
  const [tone, icon] = TASK[value] ?? ["", "?"];
  return h("span", { class: `badge ${tone}`, dataset: { status: value } }, h("span", { "aria-hidden": "true" }, icon), ` ${label(value)}`);
}

/** Today as `YYYY-MM-DD` in the browser's time zone. */
export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** Days from today to `date` (negative when past). */
export function daysUntil(date) {
  return Math.round((Date.parse(`${date}T00:00:00`) - Date.parse(`${today()}T00:00:00`)) / 86_400_000);
}

/** A message in the page, for loading and failures. */
export function notice(text, tone = "") {
  return h("p", { class: `notice ${tone}`, role: tone === "bad" ? "alert" : "status" }, text);
}

/** A modal `<dialog>` with a title and content; closes on Escape and its close button, removed afterwards. */
export function dialog(title, ...content) {
  const titleId = uid("d");
  const el = h(
    "dialog",
    { "aria-labelledby": titleId },
    h("header", {}, h("h2", { id: titleId }, title), h("button", { type: "button", class: "close", "aria-label": "Close", onclick: () => el.close() }, "×")),
    h("div", { class: "dialog-body" }, ...content),
  );
  el.addEventListener("close", () => el.remove());
  // A link inside (to an organisation, a data map) leaves the dialog behind it.
  el.addEventListener("click", (event) => {
    if (event.target.closest('a[href^="#"]')) el.close();
  });
  document.body.append(el);
  el.showModal();
  return el;
}

/** Form values as an object: empty strings left out, `data-type="bool|int|list"` converted. */
export function values(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    const type = el.dataset.type;
    if (type === "bool") {
      out[el.name] = el.checked;
      continue;
    }
    const v = el.value.trim();
    if (v === "") continue;
    if (type === "int") out[el.name] = Number(v);
    else if (type === "list")
      out[el.name] = v
        .split(/[,\s]+/)
        .map((x) => x.trim())
        .filter(Boolean);
    else out[el.name] = v;
  }
  return out;
}
