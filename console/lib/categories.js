// Category names from the taxonomy: every view shows a category's name, its code on hover, and
// marks special categories (Art 9) and criminal-offence data (Art 10). The taxonomy is read once
// per page load; a code the taxonomy does not know is shown as it is.

import { run } from "./api.js";
import { h } from "./dom.js";

const DOC = new URL("../views/categories.graphql", import.meta.url);
let known = null;
let names = new Map();

/** Reads the taxonomy once; later calls reuse it. Views await it before drawing categories. */
export function loadCategories() {
  known ??= run(DOC, "Categories")
    .then((d) => {
      names = new Map(d.dataCategories.map((c) => [c.code, c]));
      return names;
    })
    .catch(() => names);
  return known;
}

/** Forgets the taxonomy read, so the next view reads it again (after a category is defined). */
export function forgetCategories() {
  known = null;
}

/**
 * Adds categories named elsewhere (a task's `namedDataCategories`: a PROCESSOR may not read the
 * taxonomy, but its own tasks name their categories), so `category()` draws their names.
 */
export function learnCategories(named = []) {
  for (const c of named) if (c?.code && !names.has(c.code)) names.set(c.code, c);
}

/** Whether a code is criminal-offence data (Art 10): the codes under `criminal`. */
const criminal = (code) => code === "criminal" || code.startsWith("criminal.");

/** One category: its name, the code on hover, Art 9 / Art 10 marked. */
export function category(code) {
  const c = names.get(code);
  const mark = c?.special ? "Art 9" : criminal(code) ? "Art 10" : null;
  return h(
    "span",
    { class: mark ? "category sensitive" : "category", title: code, dataset: { code } },
    c?.name ?? code,
    mark ? h("span", { class: "badge warn mark" }, mark) : null,
  );
}

/** Categories as names separated by commas. */
export function categories(codes) {
  return codes.flatMap((code, i) => (i ? [", ", category(code)] : [category(code)]));
}

/** Plain text of categories' names (for tooltips and SVG titles). */
export function categoryText(codes) {
  return codes.map((code) => names.get(code)?.name ?? code).join(", ");
}

/** A badge saying a flow or holder has special-category or criminal-offence data. */
export function sensitiveBadge(special, criminalData) {
  const parts = [special ? "special categories (Art 9)" : null, criminalData ? "criminal-offence data (Art 10)" : null].filter(Boolean);
  return parts.length ? h("span", { class: "badge warn sensitive-data", title: `Holds ${parts.join(" and ")}` }, `⚠ ${parts.join(", ")}`) : null;
}
