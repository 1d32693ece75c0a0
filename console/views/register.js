// The transfer register: filter (regime, verdict, destination, mechanism, supplier, problem),
// sort, an "as of" date, a page of rows at a time (100,000 rows stay responsive: only one page
// is ever in the DOM), and a row's explanation with its legal sources in a <dialog>.

import { run } from "../lib/api.js";
import { dialog, field, fill, h, label, notice, select, today, verdict } from "../lib/dom.js";

const DOC = new URL("./register.graphql", import.meta.url);
const PAGE = 50;
const STATUSES = ["NOT_RESTRICTED", "ADEQUATE", "SAFEGUARDED", "DEROGATION", "NON_COMPLIANT"];
const MECHANISMS = ["ADEQUACY", "EU_US_DPF", "SCC_2021", "UK_IDTA", "UK_ADDENDUM", "BCR", "CODE_OF_CONDUCT", "CERTIFICATION", "DEROGATION", "PRIVACY_SHIELD", "SAFE_HARBOR", "SCC_2010", "NONE"];
const PROBLEMS = ["MISSING_SAFEGUARD", "INVALID_MECHANISM", "EXPIRED_INSTRUMENT", "MODULE_MISSING", "MODULE_MISMATCH", "TIA_MISSING", "NOT_CERTIFIED", "OUTSIDE_ADEQUACY_SCOPE", "DEROGATION_MISSING", "DPA_MISSING"];
const SEVERITY = { NON_COMPLIANT: 0, DEROGATION: 1, SAFEGUARDED: 2, ADEQUATE: 3, NOT_RESTRICTED: 4 };

const COLUMNS = [
  ["supplier", "Recipient", (a) => a.flow?.to.name ?? ""],
  ["exporter", "Exporter", (a) => a.flow?.from.name ?? ""],
  ["destination", "Destination", (a) => a.destinationCountry],
  ["regime", "Regime", (a) => a.regime],
  ["mechanism", "Mechanism", (a) => a.mechanism],
  ["status", "Verdict", (a) => SEVERITY[a.status]],
];

export async function render(main, { params }) {
  const state = {
    regime: params.get("regime") ?? "",
    on: params.get("on") ?? "",
    status: params.get("status") ?? "",
    destination: params.get("destination") ?? "",
    mechanism: params.get("mechanism") ?? "",
    supplier: params.get("supplier") ?? "",
    problem: params.get("problem") ?? "",
    sort: params.get("sort") ?? "status",
    desc: params.get("desc") === "1",
    page: Number(params.get("page") ?? 0),
  };
  let rows = [];
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter the register" });
  const result = h("div", { class: "result" }, notice("Loading the register…"));
  fill(main, h("h1", {}, "Transfer register"), form, result);

  const regime = select("regime", ["EU_GDPR", "UK_GDPR"], { empty: "Both", value: state.regime });
  const on = h("input", { type: "date", name: "on", value: state.on, max: "2100-12-31" });
  const statusEl = select("status", STATUSES, { empty: "Any", value: state.status });
  const destination = h("input", { name: "destination", value: state.destination, size: 4, maxlength: 2, placeholder: "US", autocapitalize: "characters" });
  const mechanism = select("mechanism", MECHANISMS, { empty: "Any", value: state.mechanism });
  const supplier = h("input", { name: "supplier", type: "search", value: state.supplier, placeholder: "name contains" });
  const problem = select("problem", PROBLEMS, { empty: "Any", value: state.problem });
  fill(
    form,
    field("Regime", regime),
    field("As of", on),
    field("Verdict", statusEl),
    field("Destination", destination),
    field("Mechanism", mechanism),
    field("Recipient", supplier),
    field("Problem", problem),
    h("button", { type: "reset", class: "link" }, "Clear filters"),
  );

  async function load() {
    fill(result, notice(`Assessing the register${state.on ? ` as of ${state.on}` : " today"}…`));
    const data = await run(DOC, "Register", { regime: state.regime || null, on: state.on || null });
    rows = data.transferRegister;
    draw();
  }

  function filtered() {
    const dest = state.destination.trim().toUpperCase();
    const who = state.supplier.trim().toLowerCase();
    const out = rows.filter(
      (a) =>
        (!state.status || a.status === state.status) &&
        (!dest || a.destinationCountry === dest) &&
        (!state.mechanism || a.mechanism === state.mechanism) &&
        (!state.problem || a.problems.some((p) => p.code === state.problem)) &&
        (!who || (a.flow?.to.name ?? "").toLowerCase().includes(who)),
    );
    const key = (COLUMNS.find((c) => c[0] === state.sort) ?? COLUMNS[COLUMNS.length - 1])[2];
    const dir = state.desc ? -1 : 1;
    out.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return (typeof x === "number" ? x - y : String(x).localeCompare(String(y))) * dir;
    });
    return out;
  }

  function remember() {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(state)) if (v && !(k === "sort" && v === "status")) q.set(k, v === true ? "1" : v);
    history.replaceState(null, "", `#/register${q.size ? `?${q}` : ""}`);
  }

  function draw() {
    remember();
    const list = filtered();
    const pages = Math.max(1, Math.ceil(list.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    const slice = list.slice(state.page * PAGE, state.page * PAGE + PAGE);
    const header = COLUMNS.map(([key, text]) => {
      const sorted = state.sort === key;
      return h(
        "th",
        { scope: "col", "aria-sort": sorted ? (state.desc ? "descending" : "ascending") : null },
        h(
          "button",
          {
            type: "button",
            class: "sort",
            onclick: () => {
              state.desc = sorted ? !state.desc : false;
              state.sort = key;
              draw();
            },
          },
          text,
          h("span", { "aria-hidden": "true" }, sorted ? (state.desc ? " ▼" : " ▲") : ""),
        ),
      );
    });
    const body = slice.map((a) =>
      h(
        "tr",
        { class: `row ${a.status === "NON_COMPLIANT" ? "flag" : ""}`, onclick: (e) => e.target.closest("a, button") || explain(a, state) },
        h("td", {}, h("button", { type: "button", class: "link", onclick: () => explain(a, state), "aria-label": `Explain the transfer to ${a.flow?.to.name} in ${a.destinationCountry}` }, a.flow?.to.name)),
        h("td", {}, a.flow?.from.name),
        h("td", {}, h("abbr", { title: a.destinationCountry }, a.destinationCountry)),
        h("td", {}, a.regime === "EU_GDPR" ? "EU" : "UK"),
        h("td", {}, label(a.mechanism)),
        h("td", {}, verdict(a.status), a.problems.length ? h("span", { class: "problems" }, ` ${a.problems.map((p) => label(p.code)).join(", ")}`) : null, a.reliesOnUnverifiedFact ? h("span", { class: "unverified", title: "Relies on a fact the reference data marks unverified" }, " (unverified)") : null),
      ),
    );
    const pager = h(
      "nav",
      { class: "pager", "aria-label": "Pages" },
      h("button", { type: "button", disabled: state.page === 0, onclick: () => go(state.page - 1) }, "← Previous"),
      h("span", { "aria-live": "polite" }, `Page ${state.page + 1} of ${pages} · ${list.length} of ${rows.length} transfers`),
      h("button", { type: "button", disabled: state.page >= pages - 1, onclick: () => go(state.page + 1) }, "Next →"),
    );
    fill(
      result,
      list.length
        ? h("table", { class: "data register" }, h("caption", { class: "sr-only" }, "Restricted transfers; choose a recipient to read why"), h("thead", {}, h("tr", {}, header)), h("tbody", {}, body))
        : notice(rows.length ? "No transfer matches these filters." : "The register has no restricted transfers."),
      pager,
    );
  }

  function go(page) {
    state.page = page;
    draw();
    result.querySelector("table")?.scrollIntoView({ block: "start" });
  }

  // Filters apply as they are typed or chosen; the regime and the date ask the service again.
  const apply = (event) => {
    const el = event.target;
    if (!el.name || state[el.name] === el.value) return;
    state[el.name] = el.value;
    state.page = 0;
    if (el === on || el === regime) load().catch((e) => fill(result, notice(e.message, "bad")));
    else draw();
  };
  form.addEventListener("input", (event) => event.target !== on && apply(event));
  form.addEventListener("change", apply);
  form.addEventListener("submit", (e) => e.preventDefault());
  form.addEventListener("reset", () => {
    Object.assign(state, { regime: "", on: "", status: "", destination: "", mechanism: "", supplier: "", problem: "", page: 0 });
    setTimeout(() => load().catch((e) => fill(result, notice(e.message, "bad"))));
  });

  await load();
}

/** Opens the explanation of one assessment: the paragraph, the problems, the instrument and its source. */
export async function explain(assessment, state = {}) {
  const body = h("div", {}, notice("Loading the explanation…"));
  const title = `${assessment.flow?.from.name} → ${assessment.flow?.to.name} (${assessment.destinationCountry})`;
  dialog(title, body).classList.add("explanation");
  try {
    const data = await run(DOC, "Explanation", { id: assessment.flow.id, on: state.on || null, regime: assessment.regime });
    const flow = data.dataFlow;
    const transfer = flow.transfers.find((t) => t.destinationCountry === assessment.destinationCountry && t.regime === assessment.regime) ?? flow.transfers[0];
    const decision = data.adequacyDecisions.find((d) => d.countries.includes(assessment.destinationCountry) && (!d.effectiveTo || d.effectiveTo > (state.on || today())));
    fill(
      body,
      h("p", { class: "verdict-line" }, verdict(transfer.status), ` under ${transfer.regime === "EU_GDPR" ? "the EU GDPR" : "the UK GDPR"}, as of ${state.on || "today"}`),
      h("p", { class: "explanation-text" }, transfer.explanation),
      transfer.problems.length
        ? h("section", {}, h("h3", {}, "Problems"), h("ul", {}, transfer.problems.map((p) => h("li", {}, h("strong", {}, label(p.code)), `: ${p.message}`))))
        : null,
      h(
        "section",
        {},
        h("h3", {}, "Legal sources"),
        h(
          "ul",
          {},
          transfer.instrument
            ? h(
                "li",
                {},
                h("strong", {}, transfer.instrument.name),
                `: ${transfer.instrument.instrument}, ${transfer.instrument.article}; in force from ${transfer.instrument.effectiveFrom}${transfer.instrument.effectiveTo ? ` until ${transfer.instrument.effectiveTo}` : ""} (${label(transfer.instrument.verification)})`,
              )
            : null,
          decision
            ? h(
                "li",
                {},
                h("strong", {}, decision.name),
                `: ${decision.instrument}, scope ${decision.scope}, from ${decision.effectiveFrom}. Source: `,
                /^https:\/\//.test(decision.source) ? h("a", { href: decision.source, rel: "noreferrer noopener", target: "_blank" }, decision.source) : decision.source,
                ` (${label(decision.verification)})`,
              )
            : h("li", {}, `No adequacy decision covers ${assessment.destinationCountry} under this regime.`),
          transfer.reliesOnUnverifiedFact ? h("li", { class: "unverified" }, "This verdict relies on a fact the reference data marks as not verified: check it before relying on it.") : null,
        ),
      ),
      h(
        "section",
        {},
        h("h3", {}, "The flow"),
        h(
          "dl",
          { class: "facts" },
          fact("Activity", flow.activity.name),
          fact("Purpose", flow.activity.purpose),
          fact("Recipient role", label(flow.recipientRole)),
          fact("Data categories", flow.dataCategories.join(", ")),
          fact("Mechanism", label(flow.mechanism)),
          fact("SCC module", flow.sccModule),
          fact("Derogation", label(flow.derogation)),
          fact("Signed on", flow.signedOn),
          fact("TIA completed on", flow.tiaCompletedOn),
          fact("Recipient's DPA signed on", flow.to.dpaSignedOn ?? "none recorded"),
          fact("Recipient DPF-certified", flow.to.dpfCertified ? "yes" : "no"),
          fact("Evidence", flow.evidence),
        ),
        h("p", {}, h("a", { href: `#/organisations/${flow.to.id}` }, `Open ${flow.to.name}`), " · ", h("a", { href: `#/datamap?activity=${flow.activity.id}` }, "See the activity's data map")),
      ),
    );
  } catch (e) {
    fill(body, notice(e.message, "bad"));
  }
}

function fact(term, value) {
  if (value === null || value === undefined || value === "") return null;
  return [h("dt", {}, term), h("dd", {}, value)];
}
