// Flows with a problem of their own: flows that make no restricted transfer (the recipient sits
// in the exporter's own area, or the law does not restrict the flow) but that the rules still
// fault, e.g. a processor without an Art 28 contract. The overview counts them apart from the
// transfers and links here; `?problem=CODE` keeps those with one problem. A page at a time: at
// 100,000 flows there can be thousands of them.

import { run } from "../lib/api.js";
import { fill, h, label, notice } from "../lib/dom.js";

const DOC = new URL("./flowproblems.graphql", import.meta.url);

/** Rows per page; `?first=` picks another of these. */
const SIZES = ["10", "50", "100"];

export async function render(main, { params }) {
  const problem = params.get("problem") ?? "";
  const perPage = Number(SIZES.includes(params.get("first")) ? params.get("first") : "50");
  const title = h("h1", {}, "Flows with a problem of their own");
  fill(main, title, notice("Loading…"));
  // The `after` cursor of each page reached so far: "Previous" goes back along it.
  const cursors = [null];

  async function load(page) {
    const d = await run(DOC, "FlowProblems", { first: perPage, after: cursors[page], problem: problem || null });
    const conn = d.complianceGaps.ownProblemFlowsPage;
    cursors[page + 1] = conn.pageInfo.endCursor;
    const total = conn.totalCount;
    const head = h(
      "p",
      { class: "summary", "data-testid": "flow-problems-count" },
      `${total} ${total === 1 ? "flow" : "flows"}${problem ? ` with the problem “${label(problem)}”` : ""}: not restricted transfers, but faulted all the same. `,
      problem ? h("a", { href: "#/flow-problems" }, "All of them") : null,
    );
    if (!total) return fill(main, title, head, notice("None.", "ok"));
    fill(
      main,
      title,
      head,
      h(
        "table",
        { class: "data", "data-testid": "flow-problems" },
        h("thead", {}, h("tr", {}, ["Exporter", "Recipient", "Country", "Problem"].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          conn.edges.map(({ node: a }) =>
            h(
              "tr",
              { "data-flow": a.flow?.id ?? "" },
              h("td", {}, a.flow?.from.name ?? ""),
              h("td", {}, a.flow ? h("a", { href: `#/organisations/${a.flow.to.id}` }, a.flow.to.name) : ""),
              h("td", {}, a.destinationCountry),
              h("td", {}, a.problems.map((p) => h("div", { title: label(p.code) }, p.message))),
            ),
          ),
        ),
      ),
      total > perPage
        ? h(
            "nav",
            { class: "pager", "aria-label": "Pages" },
            h("button", { type: "button", class: "previous", disabled: page === 0, onclick: () => turn(page - 1) }, "← Previous"),
            h("span", { class: "count" }, `Page ${page + 1} of ${Math.ceil(total / perPage)}`),
            h("button", { type: "button", class: "next", disabled: !conn.pageInfo.hasNextPage, onclick: () => turn(page + 1) }, "Next →"),
          )
        : null,
    );
    return undefined;
  }
  /** Another page, or the error in its place. */
  function turn(page) {
    load(page).catch((e) => fill(main, title, notice(e.message, "bad")));
  }
  return load(0);
}
