// What if: "if the EU-US Data Privacy Framework fell on 1 March, which transfers would fail,
// whom would it touch, and what could carry each instead?" One question at a time, kept in the
// address (`#/what-if?mechanism=EU_US_DPF&endsOn=2027-03-01`) so it can be sent to a colleague;
// the same answer downloads as CSV or a workbook from `/exports/whatif.*`.

import { download, run } from "../lib/api.js";
import { clearErrors, field, fill, h, label, notice, select, showError, today, verdict } from "../lib/dom.js";

const DOC = new URL("./whatif.graphql", import.meta.url);
/** The mechanisms that can stop (each rests on a decision or an instrument that may fall), named as in a memo. */
const MECHANISMS = {
  EU_US_DPF: "the EU-US Data Privacy Framework",
  ADEQUACY: "every adequacy decision",
  SCC_2021: "the 2021 standard contractual clauses",
  UK_IDTA: "the UK IDTA",
  UK_ADDENDUM: "the UK Addendum",
  BCR: "binding corporate rules",
  CODE_OF_CONDUCT: "codes of conduct",
  CERTIFICATION: "certification",
};
/** Decision id -> name, once the reference data has answered. */
const decisions = new Map();

export async function render(main, { params }) {
  const decision = select("decisionId", [], { empty: "—" });
  const mechanism = h(
    "select",
    { name: "mechanism" },
    h("option", { value: "" }, "—"),
    Object.entries(MECHANISMS).map(([value, name]) => h("option", { value, selected: value === params.get("mechanism") }, name)),
  );
  const endsOn = h("input", { type: "date", name: "endsOn", value: params.get("endsOn") ?? "", required: true, max: "2100-01-01" });
  const on = h("input", { type: "date", name: "on", value: params.get("on") ?? "", max: "2100-01-01" });
  const form = h(
    "form",
    { class: "filters", "aria-label": "What stops, and when", novalidate: true },
    field("Mechanism that stops", mechanism),
    field("or adequacy decision", decision),
    field("First day without it", endsOn),
    field("Judge the register on", on, "defaults to that first day"),
    h("button", { type: "submit", class: "primary" }, "Show what would fail"),
  );
  const result = h("div", { class: "result" });
  fill(
    main,
    h("h1", {}, "What if a safeguard stopped?"),
    h("p", {}, "Choose a mechanism or an adequacy decision and the first day it would no longer apply: every transfer that would then have no lawful basis is listed with the people it touches and what could carry it instead. Nothing is changed."),
    form,
    result,
  );

  // The decisions of the reference data, for the second way of asking.
  run(DOC, "WhatIfDecisions")
    .then((data) => {
      const chosen = params.get("decisionId") ?? "";
      for (const d of data.adequacyDecisions) decisions.set(d.id, d.name);
      fill(
        decision,
        h("option", { value: "" }, "—"),
        data.adequacyDecisions
          .filter((d) => !d.effectiveTo || d.effectiveTo >= today())
          .map((d) => h("option", { value: d.id, selected: d.id === chosen }, `${d.name} (${d.regime === "UK_GDPR" ? "UK" : "EU"})`)),
      );
    })
    .catch((err) => showError(form, err));
  // Choosing one way of asking clears the other: the service takes exactly one.
  mechanism.addEventListener("change", () => mechanism.value && (decision.value = ""));
  decision.addEventListener("change", () => decision.value && (mechanism.value = ""));

  async function ask() {
    clearErrors(form);
    const question = { endsOn: endsOn.value };
    if (mechanism.value) question.mechanism = mechanism.value;
    if (decision.value) question.decisionId = decision.value;
    if (on.value) question.on = on.value;
    if (!question.mechanism && !question.decisionId) return showError(form, { field: "mechanism", message: "Choose a mechanism or an adequacy decision." });
    if (!question.endsOn) return showError(form, { field: "endsOn", message: "Give the first day without it." });
    // A view still loading after the reader moved on must not take the address back.
    if (location.hash.startsWith("#/what-if")) history.replaceState(null, "", `#/what-if?${new URLSearchParams(question)}`);
    fill(result, notice("Judging the register…"));
    try {
      const data = await run(DOC, "WhatIf", question);
      fill(result, answer(data.whatIf, question));
    } catch (err) {
      fill(result);
      showError(form, err);
    }
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    ask();
  });
  if (params.get("endsOn") && (params.get("mechanism") || params.get("decisionId"))) ask();
}

/** The export's parameters for the same question (`decision`, not `decisionId`). */
function exportQuery(question) {
  const q = new URLSearchParams({ endsOn: question.endsOn });
  if (question.mechanism) q.set("mechanism", question.mechanism);
  if (question.decisionId) q.set("decision", question.decisionId);
  if (question.on) q.set("on", question.on);
  return q;
}

function answer(impacts, question) {
  const what = question.mechanism ? MECHANISMS[question.mechanism] : (decisions.get(question.decisionId) ?? question.decisionId);
  const people = impacts.reduce((n, i) => n + i.subjectCount, 0);
  const status = h("span", { role: "status" });
  const downloads = ["csv", "xlsx"].map((ext) => {
    const href = `/exports/whatif.${ext}?${exportQuery(question)}`;
    const name = `whatif-${question.endsOn}.${ext}`;
    return h(
      "a",
      {
        href,
        class: "button download",
        download: name,
        onclick: async (e) => {
          e.preventDefault();
          try {
            await download(href, name);
            fill(status, `${name} downloaded.`);
          } catch (err) {
            fill(status, err.message);
          }
        },
      },
      `Download ${ext.toUpperCase()}`,
    );
  });
  if (!impacts.length) return [notice(`No transfer would lose its basis if ${what} stopped on ${question.endsOn}.`), h("p", {}, downloads, " ", status)];
  return [
    h(
      "p",
      { class: "summary" },
      h("strong", { class: "big" }, impacts.length),
      ` transfer${impacts.length === 1 ? "" : "s"} would fail if ${what} stopped on ${question.endsOn}, touching ${people} data subject${people === 1 ? "" : "s"}.`,
    ),
    h("p", {}, downloads, " ", status),
    h(
      "table",
      { class: "data whatif" },
      h("thead", {}, h("tr", {}, ["Exporter", "Holder", "Activity", "Destination", "Verdict now → then", "Subjects", "Could instead rely on"].map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        impacts.map((i) =>
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: `#/organisations/${i.exporter.id}` }, i.exporter.name)),
            h("td", {}, h("a", { href: `#/organisations/${i.holder.id}` }, i.holder.name)),
            h("td", {}, i.activity?.name ?? ""),
            h("td", {}, `${i.transfer.destinationCountry} (${label(i.transfer.mechanism)})`),
            h("td", { title: i.transfer.explanation }, verdict(i.statusBefore), " → ", verdict(i.transfer.status)),
            h("td", { class: "number" }, i.subjectCount),
            h(
              "td",
              {},
              i.alternatives.length
                ? i.alternatives.map((a) => h("div", {}, label(a.mechanism), " ", verdict(a.status), a.stillNeeded.length ? h("span", { class: "muted" }, ` needs: ${a.stillNeeded.map((p) => label(p.code)).join(", ")}`) : null))
                : h("span", { class: "muted" }, "nothing recorded"),
            ),
          ),
        ),
      ),
    ),
  ];
}
