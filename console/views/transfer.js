// One transfer's reasoning as a page of its own, to read, send on and print: the flow, then for
// each destination (or the one asked for) the verdict, the questions a lawyer asks with their
// answers and sources, the explanation and the problems. `#/transfer/<flow id>?destination=US&on=`.

import { categories, loadCategories } from "../lib/categories.js";
import { run } from "../lib/api.js";
import { fill, h, label, notice, today, verdict } from "../lib/dom.js";
import { checklist } from "../lib/reasoning.js";

const DOC = new URL("./transfer.graphql", import.meta.url);

export async function render(main, { rest, params }) {
  const on = params.get("on") || null;
  await loadCategories();
  const d = await run(DOC, "TransferReasoning", { id: rest[0] ?? "", on });
  const flow = d.dataFlow;
  if (!flow) return fill(main, h("h1", {}, "Transfer"), notice("No such flow.", "bad"));
  const destination = params.get("destination");
  const regime = params.get("regime");
  const shown = flow.transfers.filter((t) => (!destination || t.destinationCountry === destination) && (!regime || t.regime === regime));
  const fix = (f) => (f === "dpaSignedOn" ? `#/organisations/${flow.to.id}?edit=1&field=dpaSignedOn` : f === "tiaCompletedOn" ? `#/assessment/${flow.id}` : `#/organisations/${flow.from.id}?correct=${flow.id}&field=${f}`);
  fill(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "#/register" }, "Transfers"), " / "),
    h("div", { class: "title-row" }, h("h1", {}, `${flow.from.name} → ${flow.to.name}`), h("button", { type: "button", class: "print", onclick: () => window.print() }, "Print")),
    h(
      "dl",
      { class: "facts inline-facts" },
      h("dt", {}, "Activity"), h("dd", {}, flow.activity.name, flow.activity.purpose ? h("span", { class: "muted" }, ` (${flow.activity.purpose})`) : null),
      h("dt", {}, "Exporter"), h("dd", {}, `${flow.from.name} (${flow.from.country})`),
      h("dt", {}, "Recipient"), h("dd", {}, `${flow.to.name} (${flow.to.country}), ${label(flow.recipientRole).toLowerCase()}`),
      h("dt", {}, "Data"), h("dd", {}, categories(flow.dataCategories)),
      h("dt", {}, "Mechanism"), h("dd", {}, label(flow.mechanism), flow.sccModule ? ` ${flow.sccModule}` : "", flow.derogation ? ` (${label(flow.derogation)})` : ""),
      h("dt", {}, "As of"), h("dd", {}, on ?? today()),
    ),
    shown.length
      ? shown.map((t) =>
          h(
            "section",
            { class: "card transfer-reasoning", dataset: { destination: t.destinationCountry } },
            h("h2", {}, `To ${t.destinationCountry} under ${t.regime === "UK_GDPR" ? "the UK GDPR" : "the EU GDPR"}: `, verdict(t.status)),
            h("h3", {}, "Reasoning"),
            checklist(t.reasoning ?? [], fix),
            h("p", { class: "explanation-text" }, t.explanation),
            t.problems.length ? [h("h3", {}, "Problems"), h("ul", {}, t.problems.map((p) => h("li", {}, h("strong", {}, label(p.code)), `: ${p.message}`)))] : null,
            t.instrument ? h("p", { class: "muted" }, `Instrument: ${t.instrument.name}${t.instrument.article ? `, ${t.instrument.article}` : ""}`) : null,
          ),
        )
      : notice("Not a restricted transfer on this date: no reasoning to show."),
  );
}
