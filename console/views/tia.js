// A flow's transfer impact assessment (EDPB Recommendations 01/2020; UK: transfer risk
// assessment): the flow's verdict as reasoning, and the form that records an assessment
// (`recordTransferImpactAssessment`: completed on, review by, outcome, the supplementary
// measures relied on, the laws assessed, who assessed). After saving, the verdict as it now
// stands. A reasoning step asking for an assessment links here (`#/assessment/<flow id>`).

import { run } from "../lib/api.js";
import { clearErrors, field, fill, h, label, notice, showError, today, values, verdict } from "../lib/dom.js";
import { checklist } from "../lib/reasoning.js";
import { session } from "../lib/session.js";

const DOC = new URL("./tia.graphql", import.meta.url);

const OUTCOMES = {
  PROCEED: "Proceed: the destination's law and practice do not impinge on the safeguard",
  PROCEED_WITH_MEASURES: "Proceed with the supplementary measures below",
  DO_NOT_PROCEED: "Do not proceed: no measure makes the protection essentially equivalent",
};

/** The EDPB's kinds of supplementary measure (Recommendations 01/2020, Annex 2), in words. */
const MEASURES = [
  ["Technical", [
    ["ENCRYPTION_IN_TRANSIT", "Transport encryption of the data in transit"],
    ["ENCRYPTION_AT_REST_KEYS_IN_EEA", "Encryption at rest, the keys held only in the EEA or the UK"],
    ["PSEUDONYMISATION", "Pseudonymisation, the additional information kept in the EEA or the UK"],
    ["SPLIT_PROCESSING", "Processing split so that no processor alone can re-identify"],
  ]],
  ["Contractual", [
    ["CONTRACTUAL_TRANSPARENCY", "The importer discloses the laws and access requests it faces"],
    ["CONTRACTUAL_CHALLENGE", "The importer challenges access requests and informs the exporter"],
    ["CONTRACTUAL_AUDIT", "Audits and inspections of the importer's processing"],
  ]],
  ["Organisational", [
    ["ORGANISATIONAL_POLICIES", "Internal policies and responsibilities for access requests"],
    ["DATA_MINIMISATION", "Data minimisation: only what is needed is transferred"],
    ["ACCESS_REQUEST_RECORDS", "Access requests received are documented (transparency reports)"],
  ]],
];
const MEASURE_WORDS = new Map(MEASURES.flatMap(([, list]) => list));

export async function render(main, { rest }) {
  const id = rest[0];
  if (!id) return fill(main, h("h1", {}, "Transfer impact assessment"), notice("Open it from a transfer's reasoning or from what is due.", "warn"));
  const d = await run(DOC, "AssessmentFlow", { id });
  const flow = d.dataFlow;
  if (!flow) return fill(main, h("h1", {}, "Transfer impact assessment"), notice("No such flow.", "bad"));
  const now = h("section", { class: "card wide", "aria-labelledby": "tia-now-h" });
  const recorded = h("div", { "aria-live": "polite" });
  const last = h("dd", {}, lastAssessment(flow));
  const form = session.canHandleRequests()
    ? assessmentForm(flow, async (saved) => {
        fill(recorded, savedNotice(saved));
        // The verdict as it now stands, read again from the service.
        const again = await run(DOC, "AssessmentFlow", { id }).catch(() => null);
        const current = again?.dataFlow ?? saved.flow;
        fill(last, lastAssessment(current));
        drawVerdict(now, current, form);
        recorded.scrollIntoView({ block: "nearest" });
      })
    : null;
  fill(
    main,
    h("p", { class: "crumbs" }, h("a", { href: `#/organisations/${flow.from.id}` }, flow.from.name), " / "),
    h("div", { class: "title-row" }, h("h1", {}, "Transfer impact assessment"), h("a", { class: "button", href: `#/organisations/${flow.from.id}?correct=${flow.id}` }, "Correct the flow")),
    h(
      "dl",
      { class: "facts inline-facts" },
      h("dt", {}, "Activity"), h("dd", {}, flow.activity.name),
      h("dt", {}, "From"), h("dd", {}, `${flow.from.name} (${flow.from.country})`),
      h("dt", {}, "To"), h("dd", {}, h("a", { href: `#/organisations/${flow.to.id}` }, flow.to.name), ` (${flow.to.country})`),
      h("dt", {}, "Mechanism"), h("dd", {}, label(flow.mechanism), flow.sccModule ? ` ${flow.sccModule}` : ""),
      h("dt", {}, "Last assessment"), last,
    ),
    recorded,
    h("div", { class: "grid" }, now, form ? h("section", { class: "card wide", "aria-labelledby": "tia-form-h" }, h("h2", { id: "tia-form-h" }, "Record an assessment"), form) : notice("Assessments are recorded by the DPO.")),
  );
  drawVerdict(now, flow, form);
}

/** The verdict of each of the flow's transfers, as a checklist; the assessment step leads to the form. */
function drawVerdict(section, flow, form) {
  const fix = (fieldName) => {
    if (fieldName === "tiaCompletedOn") return form ? () => form.querySelector("[name=completedOn]")?.focus() : null;
    return fieldName === "dpaSignedOn" ? `#/organisations/${flow.to.id}?edit=1&field=dpaSignedOn` : `#/organisations/${flow.from.id}?correct=${flow.id}&field=${fieldName}`;
  };
  fill(
    section,
    h("h2", { id: "tia-now-h" }, "The verdict now"),
    flow.transfers.length
      ? flow.transfers.map((t) => h("div", { class: "transfer-verdict", dataset: { destination: t.destinationCountry } }, h("p", {}, `To ${t.destinationCountry}: `, verdict(t.status)), checklist(t.reasoning ?? [], fix)))
      : notice("Not a restricted transfer: no assessment is needed."),
  );
}

function lastAssessment(flow) {
  return flow.tiaCompletedOn ? `completed on ${flow.tiaCompletedOn}` : h("span", { class: "badge bad" }, "✗ none recorded");
}

function savedNotice(a) {
  const measures = a.measures.map((m) => MEASURE_WORDS.get(m) ?? label(m));
  return h(
    "div",
    { class: "notice ok saved-assessment", role: "status" },
    h("strong", {}, "Assessment recorded. "),
    `Completed on ${a.completedOn}, to be reviewed by ${a.reviewOn}. ${OUTCOMES[a.outcome] ?? label(a.outcome)}.`,
    measures.length ? ` Measures relied on: ${measures.join("; ")}.` : "",
  );
}

function assessmentForm(flow, onSaved) {
  const outcome = h("select", { name: "outcome", required: true }, Object.entries(OUTCOMES).map(([value, words]) => h("option", { value }, words)));
  const measures = h(
    "fieldset",
    { class: "measures", dataset: { field: "measures" } },
    h("legend", {}, "Supplementary measures relied on (EDPB Recommendations 01/2020)"),
    MEASURES.map(([kind, list]) =>
      h("div", { class: "measure-kind" }, h("p", { class: "hint" }, kind), list.map(([value, words]) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "measure", value }), ` ${words}`))),
    ),
    h("p", { class: "field-error", role: "alert", hidden: true }),
  );
  const form = h(
    "form",
    { class: "stack tia-form", novalidate: true },
    h("div", { class: "inline" },
      field("Completed on", h("input", { type: "date", name: "completedOn", required: true, max: today(), value: today() })),
      field("Review by", h("input", { type: "date", name: "reviewOn" }), "Left empty: twelve months after completion (a setting)"),
    ),
    field("Outcome", outcome),
    measures,
    field("Laws and practices of the destination assessed", h("textarea", { name: "lawsAssessed", rows: 3 }), "e.g. FISA Section 702 and EO 12333; EO 14086 redress"),
    field("Assessed by", h("input", { name: "assessor", autocomplete: "name" })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Record the assessment")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const v = values(form);
    delete v.measure;
    const input = { flowId: flow.id, ...v, measures: [...form.querySelectorAll("input[name=measure]:checked")].map((c) => c.value) };
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const d = await run(DOC, "RecordAssessment", { input });
      onSaved(d.recordTransferImpactAssessment);
    } catch (err) {
      showError(form, err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
