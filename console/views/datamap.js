// The data map: who sends what to whom, for one activity, one organisation or one person
// (whoHolds), drawn as layers (controller, recipients, their sub-processors...) in SVG by hand.
// An edge whose transfer is non-compliant is drawn red, dashed and marked with a cross.

import { categories, categoryText, loadCategories } from "../lib/categories.js";
import { run } from "../lib/api.js";
import { field, fill, h, label, notice, s, values, verdict } from "../lib/dom.js";
import { picker } from "../lib/picker.js";
import { searchActivities, searchOrganisations } from "./activities.js";

const DOC = new URL("./datamap.graphql", import.meta.url);
const BOX_W = 190;
const BOX_H = 46;
const GAP_X = 110;
const GAP_Y = 22;
const RANK = { NON_COMPLIANT: 0, DEROGATION: 1, SAFEGUARDED: 2, ADEQUATE: 3, NOT_RESTRICTED: 4 };

export async function render(main, { params }) {
  await loadCategories();
  // Pickers that search the whole register as you type: no list loaded up front, no id typed.
  const clear = (other) => () => {
    other.querySelector("input[type=hidden]").value = "";
    other.control.value = "";
    other.chosen = null;
  };
  const activity = picker("activity", searchActivities, { initial: params.get("activity") ? { id: params.get("activity"), label: "" } : null, placeholder: "type part of its name or purpose" });
  const supplier = picker("supplier", searchOrganisations, { initial: params.get("supplier") ? { id: params.get("supplier"), label: "" } : null, placeholder: "type part of its name" });
  activity.addEventListener("change", clear(supplier));
  supplier.addEventListener("change", clear(activity));
  const form = h(
    "form",
    { class: "filters", "aria-label": "What to draw" },
    field("Activity", activity),
    field("or organisation", supplier),
    field("or person's e-mail", h("input", { name: "email", type: "email", value: params.get("email") ?? "", autocomplete: "off" })),
    field("or account number", h("input", { name: "accountNumber", value: params.get("accountNumber") ?? "", autocomplete: "off" })),
    h("button", { type: "submit", class: "primary" }, "Draw"),
  );
  const result = h("div", {});
  fill(main, h("h1", {}, "Data map"), h("p", {}, "Who sends what to whom. Choose one activity, one organisation, or one person."), form, result);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = values(form);
    const pick = v.activity ? { activity: v.activity } : v.supplier ? { supplier: v.supplier } : v.email || v.accountNumber ? Object.fromEntries(Object.entries(v).filter(([k]) => ["email", "accountNumber"].includes(k))) : {};
    location.hash = `#/datamap?${new URLSearchParams(pick)}`;
  });

  let flows;
  let title;
  if (params.get("activity")) {
    const d = await run(DOC, "ActivityFlows", { id: params.get("activity") });
    if (!d.processingActivity) return fill(result, notice("No such activity.", "bad"));
    activity.control.value = `${d.processingActivity.name} (${d.processingActivity.controller.name})`;
    flows = d.dataFlows.edges.map((e) => e.node);
    title = `Activity: ${d.processingActivity.name}`;
  } else if (params.get("supplier")) {
    const d = await run(DOC, "SupplierFlows", { id: params.get("supplier") });
    if (!d.organisation) return fill(result, notice("No such organisation.", "bad"));
    supplier.control.value = d.organisation.name;
    flows = [...d.incoming.edges, ...d.outgoing.edges].map((e) => e.node);
    title = `Organisation: ${d.organisation.name}`;
  } else if (params.get("email") || params.get("phone") || params.get("accountNumber")) {
    const subject = Object.fromEntries([...params.entries()].filter(([k]) => ["email", "phone", "accountNumber"].includes(k)));
    const d = await run(DOC, "SubjectFlows", { subject });
    if (!d.whoHolds.subject) return fill(result, notice("No one in the register matches.", "bad"));
    const byId = new Map();
    for (const holding of d.whoHolds.holdings) for (const f of holding.flows) byId.set(f.id, f);
    flows = [...byId.values()];
    title = "One person's data";
  } else {
    return fill(result, notice("Choose what to draw."));
  }
  fill(result, flows.length ? diagram(title, flows) : notice("No flows to draw."));
}

/** Worst verdict of a flow's transfers; NOT_RESTRICTED when it never leaves the area. */
function worst(flow) {
  return flow.transfers.reduce((w, t) => (RANK[t.status] < RANK[w] ? t.status : w), "NOT_RESTRICTED");
}

function diagram(title, flows) {
  const nodes = new Map();
  for (const f of flows) {
    nodes.set(f.from.id, f.from);
    nodes.set(f.to.id, f.to);
  }
  // Layers: the longest path from an organisation nothing flows into, relaxed at most once per
  // organisation so that a cycle (A -> B -> A) cannot push layers on for ever.
  const layer = new Map([...nodes.keys()].map((id) => [id, 0]));
  for (let round = 0; round < nodes.size; round++) {
    let moved = false;
    for (const f of flows) {
      if (f.from.id !== f.to.id && layer.get(f.to.id) < layer.get(f.from.id) + 1 && layer.get(f.from.id) + 1 < nodes.size) {
        layer.set(f.to.id, layer.get(f.from.id) + 1);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const columns = [];
  for (const [id, depth] of layer) (columns[depth] ??= []).push(id);
  columns.forEach((c) => c.sort((a, b) => nodes.get(a).name.localeCompare(nodes.get(b).name)));
  const pos = new Map();
  const tallest = Math.max(...columns.map((c) => c.length));
  columns.forEach((column, x) => column.forEach((id, y) => pos.set(id, { x: 20 + x * (BOX_W + GAP_X), y: 20 + y * (BOX_H + GAP_Y) + ((tallest - column.length) * (BOX_H + GAP_Y)) / 2 })));
  const width = 40 + columns.length * (BOX_W + GAP_X) - GAP_X;
  const height = 40 + tallest * (BOX_H + GAP_Y) - GAP_Y;

  const svg = s(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, width, height, class: "flows", role: "img", "aria-labelledby": "dm-title" },
    s("title", { id: "dm-title" }, `${title}: ${flows.length} flows between ${nodes.size} organisations; the table below lists them.`),
    s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }))),
  );
  for (const f of flows) {
    const a = pos.get(f.from.id);
    const b = pos.get(f.to.id);
    const status = worst(f);
    const tone = status === "NON_COMPLIANT" ? "bad" : status === "DEROGATION" ? "warn" : status === "NOT_RESTRICTED" ? "plain" : "ok";
    const x1 = a.x + BOX_W;
    const y1 = a.y + BOX_H / 2;
    const x2 = b.x;
    const y2 = b.y + BOX_H / 2;
    const back = x2 <= x1;
    const d = back ? `M${x1},${y1} C${x1 + 60},${y1 - 80} ${x2 - 60},${y2 - 80} ${x2},${y2}` : `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`;
    const edge = s("g", { class: `edge ${tone}` }, s("path", { d, "marker-end": "url(#arrow)" }), s("title", {}, `${f.from.name} → ${f.to.name}: ${categoryText(f.dataCategories)}; ${label(f.mechanism)}; ${label(status)}`));
    if (tone === "bad") edge.append(s("text", { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 4, class: "edge-mark", "text-anchor": "middle" }, "✗"));
    svg.append(edge);
  }
  for (const [id, o] of nodes) {
    const p = pos.get(id);
    const link = s(
      "a",
      { href: `#/organisations/${id}` },
      s("rect", { x: p.x, y: p.y, width: BOX_W, height: BOX_H, rx: 6, class: "node" }),
      s("text", { x: p.x + 10, y: p.y + 19, class: "node-name" }, o.name.length > 24 ? `${o.name.slice(0, 23)}…` : o.name),
      s("text", { x: p.x + 10, y: p.y + 36, class: "node-country" }, o.country),
    );
    svg.append(link);
  }
  return [
    h("h2", {}, title),
    h("ul", { class: "legend" }, h("li", {}, h("span", { class: "line bad", "aria-hidden": "true" }), "✗ non-compliant transfer"), h("li", {}, h("span", { class: "line warn", "aria-hidden": "true" }), "derogation only"), h("li", {}, h("span", { class: "line ok", "aria-hidden": "true" }), "lawful restricted transfer"), h("li", {}, h("span", { class: "line plain", "aria-hidden": "true" }), "not restricted")),
    h("div", { class: "diagram" }, svg),
    h(
      "table",
      { class: "data" },
      h("caption", {}, "The flows drawn above"),
      h("thead", {}, h("tr", {}, ["From", "To", "Role", "Categories", "Mechanism", "Verdict"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, flows.map((f) => h("tr", {}, h("td", {}, f.from.name), h("td", {}, f.to.name), h("td", {}, label(f.recipientRole)), h("td", {}, categories(f.dataCategories)), h("td", {}, label(f.mechanism)), h("td", {}, verdict(worst(f)))))),
    ),
  ];
}
