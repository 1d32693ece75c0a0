// What is due (`dueItems`): contracts expiring or due for review, assessments due for review,
// DPF entries lapsed or missing, objection deadlines of announced sub-processor changes and
// data-subject request deadlines, and transfers whose verdict the law changed, soonest first, the overdue marked, each linking to where it
// is fixed. A page of its own (`#/due`) and a panel of the overview (`duePanel`).

import { download, run } from "../lib/api.js";
import { daysUntil, field, fill, h, notice, plural, select } from "../lib/dom.js";

const DOC = new URL("./due.graphql", import.meta.url);
const HORIZONS = ["7", "30", "90", "365"];

/** Where each kind is, in words a DPO reads. */
const KIND = {
  CONTRACT_EXPIRY: "Contract expires",
  CONTRACT_REVIEW: "Contract review",
  TIA_REVIEW: "Assessment review",
  DPF_LAPSED: "DPF certification lapsed",
  DPF_NOT_LISTED: "Not on the DPF list",
  OBJECTION_DEADLINE: "Objection deadline",
  DSR_DEADLINE: "Request deadline",
  VERDICT_CHANGED_BY_LAW: "Verdict changed by the law",
};

/** The address where an item is fixed, and the words of its link (from the ids the item carries). */
function whereFixed(item) {
  const { kind, organisation, request, subprocessorChange, contract } = item;
  // A contract's item links to the contract's own flow (the one due item names, else its first).
  const flow = item.flow ?? contract?.flows?.[0] ?? null;
  switch (kind) {
    case "CONTRACT_EXPIRY":
    case "CONTRACT_REVIEW":
      // The flow's form, on its contract's signing date (the contract covering the flow).
      return flow ? [`#/organisations/${flow.from.id}?correct=${flow.id}&field=signedOn`, `the flow to ${flow.to.name}`] : null;
    case "TIA_REVIEW":
      return flow ? [`#/assessment/${flow.id}`, `assess the flow to ${flow.to.name} again`] : null;
    case "VERDICT_CHANGED_BY_LAW":
      return flow ? [`#/organisations/${flow.from.id}?correct=${flow.id}&field=mechanism`, `the flow to ${flow.to.name}`] : null;
    case "DPF_LAPSED":
    case "DPF_NOT_LISTED":
      return organisation ? [`#/organisations/${organisation.id}`, `${organisation.name}'s DPF entry`] : null;
    case "OBJECTION_DEADLINE":
      return subprocessorChange
        ? [`#/subprocessor-changes?status=${subprocessorChange.status}&change=${subprocessorChange.id}`, "the announced change"]
        : ["#/subprocessor-changes?status=PENDING", "the announced changes"];
    case "DSR_DEADLINE":
      // A role that may not read requests (procurement) gets no request: linked to the list.
      return request ? [`#/requests/${request.id}`, `request ${request.reference}`] : ["#/requests", "the requests"];
    default:
      return organisation ? [`#/organisations/${organisation.id}`, organisation.name] : null;
  }
}

/** When, as a badge: overdue, today, or in so many days. */
function when(dueOn) {
  const days = daysUntil(dueOn);
  if (days < 0) return h("span", { class: "badge bad", dataset: { overdue: "true" } }, h("span", { "aria-hidden": "true" }, "!"), ` Overdue by ${plural(-days, "day")}`);
  if (days === 0) return h("span", { class: "badge warn" }, "Due today");
  return h("span", { class: days <= 7 ? "badge warn" : "badge" }, `In ${plural(days, "day")}`);
}

/** The items as a table, soonest first (as the service gives them). */
function table(items) {
  return h(
    "table",
    { class: "data due" },
    h("caption", { class: "sr-only" }, "What is due, soonest first"),
    h("thead", {}, h("tr", {}, ["Due on", "When", "What", "Details", "Where it is fixed"].map((c) => h("th", { scope: "col" }, c)))),
    h(
      "tbody",
      {},
      items.map((item) => {
        const fix = whereFixed(item);
        return h(
          "tr",
          { class: daysUntil(item.dueOn) < 0 ? "flag" : "", dataset: { kind: item.kind } },
          h("td", {}, item.dueOn),
          h("td", {}, when(item.dueOn)),
          h("td", {}, KIND[item.kind] ?? item.kind),
          h("td", {}, item.message),
          h("td", {}, fix ? h("a", { class: "fix", href: fix[0] }, fix[1]) : null),
        );
      }),
    ),
  );
}

/** A summary line: how many are overdue, how many due. */
function summary(items, within) {
  const overdue = items.filter((i) => daysUntil(i.dueOn) < 0).length;
  return h("p", { class: "summary" }, h("strong", { class: "big" }, overdue), ` overdue, ${items.length - overdue} due within ${plural(within, "day")}.`);
}

/** The overview's panel: the first items within 30 days, and a link to the page. */
export function duePanel() {
  const panel = h("section", { class: "card wide due-panel", "aria-labelledby": "due-h" }, h("h2", { id: "due-h" }, "What is due"), notice("Loading…"));
  run(DOC, "DueItems", { within: 30 })
    .then((d) => {
      const items = d.dueItems;
      const more = h("a", { href: "#/due" }, "Everything due");
      if (!items.length) return fill(panel, panel.firstChild, notice("Nothing is overdue or due within 30 days.", "ok"), more);
      const shown = items.slice(0, 10);
      fill(panel, panel.firstChild, summary(items, 30), table(shown), items.length > shown.length ? h("p", {}, `${items.length - shown.length} more. `, more) : h("p", {}, more));
    })
    .catch((e) => fill(panel, panel.firstChild, notice(e.message, "bad")));
  return panel;
}

export async function render(main, { params }) {
  const within = HORIZONS.includes(params.get("within")) ? params.get("within") : "30";
  const horizon = select("within", HORIZONS, { value: within });
  for (const o of horizon.options) o.textContent = plural(Number(o.value), "day");
  horizon.addEventListener("change", () => (location.hash = `#/due?within=${horizon.value}`));
  const status = h("p", { class: "live", role: "status" });
  const exports = ["csv", "xlsx"].map((ext) =>
    h(
      "a",
      {
        class: "button download",
        href: `/exports/due.${ext}`,
        download: `due-${new Date().toISOString().slice(0, 10)}.${ext}`,
        onclick: async (event) => {
          event.preventDefault();
          const link = event.currentTarget;
          try {
            await download(link.getAttribute("href"), link.getAttribute("download"));
            fill(status, `due.${ext} downloaded.`);
          } catch (e) {
            fill(status, e.message);
          }
        },
      },
      `${ext.toUpperCase()} (30 days)`,
    ),
  );
  const d = await run(DOC, "DueItems", { within: Number(within) });
  const items = d.dueItems;
  fill(
    main,
    h("div", { class: "title-row" }, h("h1", {}, "What is due"), ...exports),
    status,
    h("form", { class: "filters", "aria-label": "Horizon" }, field("Overdue, and due within", horizon)),
    summary(items, Number(within)),
    items.length ? table(items) : notice(`Nothing is overdue or due within ${plural(Number(within), "day")}.`, "ok"),
  );
}
