// The transfer register, a page at a time from the server (`transferRegisterPage`): filters
// (regime, verdict, destination, mechanism, organisation, problem, "as of" date) go to the
// service, which counts what they keep; "Previous"/"Next" walk its cursors. Only one page is
// fetched and drawn, so a register of 100,000 transfers costs the browser one page. A column
// header orders the whole register by that column (the service sorts, then pages; a second
// click reverses). A row opens its explanation with its legal sources in a <dialog>.

import { categories, loadCategories } from "../lib/categories.js";
import { run } from "../lib/api.js";
import { checklist } from "../lib/reasoning.js";
import { dialog, field, fill, h, label, notice, select, showError, clearErrors, today, verdict } from "../lib/dom.js";

const DOC = new URL("./register.graphql", import.meta.url);
const SIZES = ["10", "25", "50", "100"];
const STATUSES = ["NOT_RESTRICTED", "ADEQUATE", "SAFEGUARDED", "DEROGATION", "NON_COMPLIANT"];
const MECHANISMS = ["ADEQUACY", "EU_US_DPF", "SCC_2021", "UK_IDTA", "UK_ADDENDUM", "BCR", "CODE_OF_CONDUCT", "CERTIFICATION", "DEROGATION", "PRIVACY_SHIELD", "SAFE_HARBOR", "SCC_2010", "NONE"];
const PROBLEMS = ["MISSING_SAFEGUARD", "INVALID_MECHANISM", "EXPIRED_INSTRUMENT", "MODULE_MISSING", "MODULE_MISMATCH", "TIA_MISSING", "NOT_CERTIFIED", "OUTSIDE_ADEQUACY_SCOPE", "DEROGATION_MISSING", "DPA_MISSING", "DEROGATION_NOT_OCCASIONAL"];
/** The filters the service applies, as named in the URL and in the query's variables. */
const FILTERS = ["regime", "on", "status", "destination", "mechanism", "organisation", "problem"];

/** Each column: its key in the address, its heading, and the service's order for it. */
const COLUMNS = [
  ["supplier", "Recipient", "RECIPIENT"],
  ["exporter", "Exporter", "EXPORTER"],
  ["destination", "Destination", "DESTINATION"],
  ["regime", "Regime", "REGIME"],
  ["mechanism", "Mechanism", "MECHANISM"],
  ["status", "Verdict", "VERDICT"],
];

export async function render(main, { params }) {
  const state = { first: SIZES.includes(params.get("first")) ? params.get("first") : "50", sort: params.get("sort") ?? "", desc: params.get("desc") === "1" };
  for (const k of FILTERS) state[k] = params.get(k) ?? "";
  // The `after` cursor of each page reached so far: "Previous" goes back along it.
  let cursors = [null];
  let index = 0;
  let page = null;
  let chosenName = "";
  let asked = 0;

  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter the register", novalidate: true });
  const result = h("div", { class: "result" }, notice("Loading the register…"));
  fill(main, h("h1", {}, "Transfer register"), form, result);

  const regime = select("regime", ["EU_GDPR", "UK_GDPR"], { empty: "Both", value: state.regime });
  const on = h("input", { type: "date", name: "on", value: state.on, max: "2100-01-01" });
  const statusEl = select("status", STATUSES, { empty: "Any", value: state.status });
  const destination = h("input", { name: "destination", value: state.destination, size: 4, maxlength: 2, placeholder: "US", autocapitalize: "characters" });
  const mechanism = select("mechanism", MECHANISMS, { empty: "Any", value: state.mechanism });
  const organisation = h("input", { name: "organisation", type: "search", list: "register-organisations", autocomplete: "off", placeholder: "exporter or recipient" });
  const suggestions = h("datalist", { id: "register-organisations" });
  const problem = select("problem", PROBLEMS, { empty: "Any", value: state.problem });
  const size = select("first", SIZES, { value: state.first });
  fill(
    form,
    field("Regime", regime),
    field("As of", on),
    field("Verdict", statusEl),
    field("Destination", destination),
    field("Mechanism", mechanism),
    field("Organisation", organisation),
    suggestions,
    field("Problem", problem),
    field("Per page", size),
    h("button", { type: "submit" }, "Apply"),
    h("button", { type: "reset", class: "link" }, "Clear filters"),
  );

  function remember() {
    const q = new URLSearchParams();
    for (const k of FILTERS) if (state[k]) q.set(k, state[k]);
    if (state.first !== "50") q.set("first", state.first);
    if (state.sort) q.set("sort", state.sort);
    if (state.desc) q.set("desc", "1");
    // A view still loading after the reader moved on must not take the address back.
    if (location.hash.startsWith("#/register")) history.replaceState(null, "", `#/register${q.size ? `?${q}` : ""}`);
  }

  /** Asks the service for the page at `index`; an answer to an older question is dropped. */
  async function load() {
    const mine = ++asked;
    clearErrors(form);
    remember();
    result.setAttribute("aria-busy", "true");
    const variables = {
      first: Number(state.first),
      after: cursors[index],
      regime: state.regime || null,
      on: state.on || null,
      status: state.status || null,
      destination: state.destination.trim().toUpperCase() || null,
      mechanism: state.mechanism || null,
      organisationId: state.organisation || null,
      problem: state.problem || null,
      orderBy: COLUMNS.find((c) => c[0] === state.sort)?.[2] ?? null,
      descending: state.sort ? state.desc : null,
    };
    try {
      const data = await run(DOC, "RegisterPage", variables);
      if (mine !== asked) return;
      const conn = data.transferRegisterPage;
      page = { rows: conn.edges.map((e) => e.node), total: conn.totalCount, whole: data.whole.totalCount, hasNext: conn.pageInfo.hasNextPage, end: conn.pageInfo.endCursor };
      draw();
    } catch (e) {
      if (mine !== asked) return;
      const where = e.field === "organisationId" ? "organisation" : e.field;
      if (where && form.querySelector(`[data-field="${where}"]`)) {
        showError(form, { field: where, message: e.message });
        fill(result, notice("Correct the filter marked above.", "bad"));
      } else fill(result, notice(e.message, "bad"));
    } finally {
      if (mine === asked) result.removeAttribute("aria-busy");
    }
  }

  /** Back to the first page, for new filters. */
  function restart() {
    cursors = [null];
    index = 0;
    return load();
  }

  function draw() {
    remember();
    const size = Number(state.first);
    const pages = Math.max(1, Math.ceil(page.total / size));
    const from = page.rows.length ? index * size + 1 : 0;
    const to = index * size + page.rows.length;
    const header = COLUMNS.map(([key, text]) => {
      const active = state.sort === key;
      return h(
        "th",
        { scope: "col", "aria-sort": active ? (state.desc ? "descending" : "ascending") : null },
        h(
          "button",
          {
            type: "button",
            class: "sort",
            title: "Orders the whole register by this column; again to reverse",
            onclick: () => {
              state.desc = active ? !state.desc : false;
              state.sort = key;
              restart();
            },
          },
          text,
          h("span", { "aria-hidden": "true" }, active ? (state.desc ? " ▼" : " ▲") : ""),
        ),
      );
    });
    const body = page.rows.map((a) =>
      h(
        "tr",
        {
          class: `row ${a.status === "NON_COMPLIANT" ? "flag" : ""}`,
          dataset: { flow: a.flow?.id ?? "", destination: a.destinationCountry },
          onclick: (e) => e.target.closest("a, button") || explain(a, state),
        },
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
      h("button", { type: "button", class: "previous", disabled: index === 0, onclick: () => go(index - 1) }, "← Previous"),
      h("span", { class: "count", "aria-live": "polite" }, `Page ${index + 1} of ${pages} · ${from}–${to} of ${page.total} transfers${page.total !== page.whole ? ` (${page.whole} in the register)` : ""}`),
      h("button", { type: "button", class: "next", disabled: !page.hasNext, onclick: () => go(index + 1) }, "Next →"),
    );
    fill(
      result,
      page.rows.length
        ? [
            h(
              "table",
              { class: "data register" },
              h("caption", { class: "sr-only" }, "Restricted transfers; choose a recipient to read why"),
              h("thead", {}, h("tr", {}, header)),
              h("tbody", {}, body),
            ),
            state.sort ? h("p", { class: "hint" }, `The whole register ordered by ${COLUMNS.find((c) => c[0] === state.sort)?.[1].toLowerCase()}${state.desc ? ", reversed" : ""}; ties by flow, then destination.`) : null,
          ]
        : notice(page.whole ? "No transfer matches these filters." : "The register has no restricted transfers."),
      pager,
    );
  }

  function go(to) {
    if (to > index) cursors[to] = page.end;
    index = to;
    load().then(() => result.querySelector("table")?.scrollIntoView({ block: "start" }));
  }

  /** The organisations whose name contains `text`, for the suggestions and the choice. */
  async function organisationsNamed(text) {
    const d = await run(DOC, "RegisterOrganisations", { name: text });
    return { total: d.organisations.totalCount, list: d.organisations.edges.map((e) => e.node) };
  }

  /** Turns the organisation typed into the id the service filters on: an exact name or the one match. */
  async function chooseOrganisation() {
    const text = organisation.value.trim();
    if (!text) {
      chosenName = "";
      if (state.organisation) {
        state.organisation = "";
        await restart();
      }
      return;
    }
    if (state.organisation && text === chosenName) return;
    const { total, list } = await organisationsNamed(text);
    const chosen = list.find((o) => o.name.toLowerCase() === text.toLowerCase()) ?? (total === 1 ? list[0] : null);
    if (!chosen) {
      showError(form, { field: "organisation", message: total ? `${total} organisations match "${text}": choose one from the list.` : `No organisation matches "${text}".` });
      return;
    }
    organisation.value = chosen.name;
    chosenName = chosen.name;
    state.organisation = chosen.id;
    await restart();
  }

  const failed = (e) => fill(result, notice(e.message, "bad"));

  // Choices apply when made; the destination once it is two letters (or cleared); the
  // organisation once chosen from the list, on Enter or on leaving the field.
  form.addEventListener("change", (event) => {
    const el = event.target;
    if (el === organisation) return chooseOrganisation().catch(failed);
    if (!el.name || !(el.name in state) || state[el.name] === el.value) return;
    state[el.name] = el.value;
    restart();
  });
  form.addEventListener("input", (event) => {
    const el = event.target;
    if (el === destination && el.value.trim().length !== 1 && state.destination !== el.value.trim()) {
      state.destination = el.value.trim();
      restart();
    } else if (el === organisation && organisation.value.trim().length >= 2) {
      organisationsNamed(organisation.value.trim())
        .then(({ list }) => fill(suggestions, list.map((o) => h("option", { value: o.name }))))
        .catch(() => {});
    }
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    state.destination = destination.value.trim();
    if (organisation.value.trim() !== chosenName || !organisation.value.trim()) chooseOrganisation().catch(failed);
    else restart();
  });
  form.addEventListener("reset", () => {
    for (const k of FILTERS) state[k] = "";
    chosenName = "";
    // The form's controls are reset after this event: read them again then.
    setTimeout(() => {
      state.first = size.value;
      restart();
    });
  });

  if (state.organisation) {
    const d = await run(DOC, "RegisterOrganisation", { id: state.organisation }).catch(() => null);
    chosenName = d?.organisation?.name ?? "";
    organisation.value = chosenName;
  }
  await load();
}

/** Opens the explanation of one assessment: the paragraph, the problems, the instrument and its source. */
export async function explain(assessment, state = {}) {
  const body = h("div", {}, notice("Loading the explanation…"));
  const title = `${assessment.flow?.from.name} → ${assessment.flow?.to.name} (${assessment.destinationCountry})`;
  dialog(title, body).classList.add("explanation");
  try {
    const [data] = await Promise.all([run(DOC, "Explanation", { id: assessment.flow.id, on: state.on || null, regime: assessment.regime }), loadCategories()]);
    const flow = data.dataFlow;
    const transfer = flow.transfers.find((t) => t.destinationCountry === assessment.destinationCountry && t.regime === assessment.regime) ?? flow.transfers[0];
    const decision = data.adequacyDecisions.find((d) => d.countries.includes(assessment.destinationCountry) && (!d.effectiveTo || d.effectiveTo > (state.on || today())));
    fill(
      body,
      h("p", { class: "verdict-line" }, verdict(transfer.status), ` under ${transfer.regime === "EU_GDPR" ? "the EU GDPR" : "the UK GDPR"}, as of ${state.on || "today"}`),
      h("p", {}, h("a", { class: "page-link", href: `#/transfer/${flow.id}?${new URLSearchParams({ destination: transfer.destinationCountry, regime: transfer.regime, ...(state.on ? { on: state.on } : {}) })}` }, "Open as a page (to print or send on)")),
      h(
        "section",
        {},
        h("h3", {}, "Reasoning"),
        checklist(transfer.reasoning ?? [], (f) => (f === "dpaSignedOn" ? `#/organisations/${flow.to.id}?edit=1&field=dpaSignedOn` : f === "tiaCompletedOn" ? `#/assessment/${flow.id}` : `#/organisations/${flow.from.id}?correct=${flow.id}&field=${f}`)),
      ),
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
          fact("Data categories", flow.dataCategories.length ? categories(flow.dataCategories) : null),
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
