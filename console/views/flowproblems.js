// Flows with a problem of their own: flows that make no restricted transfer (the recipient sits
// in the exporter's own area, or the law does not restrict the flow) but that the rules still
// fault, e.g. a processor without an Art 28 contract. The overview counts them apart from the
// transfers and links here; `?problem=CODE` keeps those with one problem.

import { run } from "../lib/api.js";
import { fill, h, label, notice } from "../lib/dom.js";

const DOC = new URL("./flowproblems.graphql", import.meta.url);

export async function render(main, { params }) {
  const problem = params.get("problem") ?? "";
  const title = h("h1", {}, "Flows with a problem of their own");
  fill(main, title, notice("Loading…"));
  const d = await run(DOC, "FlowProblems");
  const all = d.complianceGaps.ownProblemFlows;
  const rows = problem ? all.filter((a) => a.problems.some((p) => p.code === problem)) : all;
  const head = h(
    "p",
    { class: "summary", "data-testid": "flow-problems-count" },
    `${rows.length} ${rows.length === 1 ? "flow" : "flows"}${problem ? ` with the problem “${label(problem)}”` : ""}: not restricted transfers, but faulted all the same. `,
    problem ? h("a", { href: "#/flow-problems" }, "All of them") : null,
  );
  if (!rows.length) return fill(main, title, head, notice("None.", "ok"));
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
        rows.map((a) =>
          h(
            "tr",
            {},
            h("td", {}, a.flow?.from.name ?? ""),
            h("td", {}, a.flow ? h("a", { href: `#/organisations/${a.flow.to.id}` }, a.flow.to.name) : ""),
            h("td", {}, a.destinationCountry),
            h("td", {}, a.problems.map((p) => h("div", { title: label(p.code) }, p.message))),
          ),
        ),
      ),
    ),
  );
  return undefined;
}
