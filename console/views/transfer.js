// One transfer's reasoning as a page of its own, to read, send on and print: the flow, then for
// each destination (or the one asked for) the verdict, the questions a lawyer asks with their
// answers and sources, the explanation and the problems. `#/transfer/<flow id>?destination=US&on=`.
// Below, the contracts on record covering the flow, and for those who record contracts a form to
// record one (its verdicts are judged again on the next load).

import { categories, loadCategories } from "../lib/categories.js";
import { run } from "../lib/api.js";
import { clearErrors, field, fill, h, label, notice, select, showError, today, values, verdict } from "../lib/dom.js";
import { session } from "../lib/session.js";
import { checklist } from "../lib/reasoning.js";

const DOC = new URL("./transfer.graphql", import.meta.url);
const KINDS = ["DPA", "SCC_2021", "UK_IDTA", "UK_ADDENDUM", "BCR"];
const MODULES = ["C2C", "C2P", "P2P", "P2C"];
const RECORDERS = ["ADMIN", "PROCUREMENT", "DPO"];

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
    contracts(flow),
  );
}

/** The contracts covering the flow, and the form to record one. */
function contracts(flow) {
  const range = (c) => [c.inForceFrom ?? c.signedOn ?? "?", c.expiresOn ?? "open-ended"].join(" to ");
  const listed = flow.contracts.length
    ? h(
        "table",
        { class: "data contracts" },
        h("caption", { class: "sr-only" }, "Contracts covering this flow"),
        h("thead", {}, h("tr", {}, ["Contract", "Reference", "In force", "Review", "Notice"].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          flow.contracts.map((c) =>
            h(
              "tr",
              { dataset: { contract: c.id } },
              h("td", {}, label(c.kind), c.sccModule ? ` ${c.sccModule}` : ""),
              h("td", {}, c.reference ?? ""),
              h("td", {}, range(c)),
              h("td", {}, c.reviewOn ?? ""),
              h("td", {}, c.noticePeriodDays === null ? "" : `${c.noticePeriodDays} days`),
            ),
          ),
        ),
      )
    : notice("No contract on record covers this flow.");
  return h("section", { class: "card contracts-of-flow" }, h("h2", {}, "Contracts"), listed, RECORDERS.includes(session.role()) ? contractForm(flow) : null);
}

function contractForm(flow) {
  const date = (name) => h("input", { name, type: "date" });
  const form = h(
    "form",
    { class: "stack contract-form", novalidate: true },
    h("h3", {}, "Record a contract"),
    field("Kind", select("kind", KINDS, { required: true })),
    field("SCC module", select("sccModule", MODULES, { empty: "None" }), "For the 2021 SCCs and the UK Addendum"),
    field("Reference", h("input", { name: "reference" }), "Your reference for the signed contract"),
    field("Signed on", date("signedOn")),
    field("In force from", date("inForceFrom")),
    field("Expires on", date("expiresOn"), "Its last day in force; empty if open-ended"),
    field("Review on", date("reviewOn")),
    field("Notice period (days)", h("input", { name: "noticePeriodDays", type: "number", min: 0, dataset: { type: "int" } })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Record contract")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      await run(DOC, "RecordContract", { input: { ...values(form), flowIds: [flow.id] } });
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}
