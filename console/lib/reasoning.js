// A transfer's reasoning (`TransferAssessment.reasoning`) as a checklist: each question a lawyer
// asks, its outcome as a symbol and words, the answer, and for a failed step a link to the
// field that fixes it. The rules are the service's; this only draws what it says.

import { h } from "./dom.js";

const OUTCOME = {
  MET: ["ok", "✓", "Met"],
  NOT_MET: ["bad", "✗", "Not met"],
  WARNING: ["warn", "!", "To note"],
  NOT_APPLICABLE: ["", "–", "Not applicable"],
};

/** The words of the field a step names, as the flow form labels it. */
export const FIELD_WORDS = {
  mechanism: "Mechanism",
  sccModule: "SCC module",
  derogation: "Derogation",
  occasional: "Occasional",
  signedOn: "Signed on",
  tiaCompletedOn: "transfer impact assessment",
  evidence: "Evidence",
  dpaSignedOn: "the recipient's DPA signed on",
};

/** Warnings a record answers, so they link too: an assessment past its review date. */
const LINKED_WARNINGS = new Set(["tiaCompletedOn"]);

/**
 * The checklist of `steps`. `fix(field)` gives, for a failed step's field, either an address
 * (a link) or a function (a button that runs it); null draws no link.
 */
export function checklist(steps, fix = () => null) {
  return h(
    "ol",
    { class: "reasoning" },
    steps.map((s) => {
      const [tone, icon, words] = OUTCOME[s.outcome] ?? ["", "?", s.outcome];
      const linked = s.outcome === "NOT_MET" || (s.outcome === "WARNING" && LINKED_WARNINGS.has(s.field));
      const target = linked && s.field ? fix(s.field) : null;
      const name = FIELD_WORDS[s.field] ?? s.field;
      let link = null;
      if (typeof target === "string") link = h("a", { class: "fix", href: target, dataset: { field: s.field } }, `Fix: ${name}`);
      else if (typeof target === "function") link = h("button", { type: "button", class: "link fix", dataset: { field: s.field }, onclick: target }, `Fix: ${name}`);
      return h(
        "li",
        { class: `step ${tone}`, dataset: { outcome: s.outcome } },
        h("span", { class: `badge ${tone}` }, h("span", { "aria-hidden": "true" }, icon), ` ${words}`),
        " ",
        h("strong", {}, s.question),
        " ",
        h("span", { class: "answer" }, s.answer),
        s.sources?.length ? h("span", { class: "sources muted" }, ` (${s.sources.join("; ")})`) : null,
        link ? [" ", link] : null,
      );
    }),
  );
}
