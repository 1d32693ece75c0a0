// Organisations: search, one organisation's page (locations, flows out and in, DPA, DPF
// certification, audit history), and the forms to register or edit one and to record or correct
// a flow. A refused field shows the service's message beside itself (`extensions.field`).

import { categories, loadCategories, sensitiveBadge } from "../lib/categories.js";
import { run } from "../lib/api.js";
import { clearErrors, dialog, field, fill, h, label, notice, select, showError, values, verdict } from "../lib/dom.js";
import { picker } from "../lib/picker.js";
import { checklist } from "../lib/reasoning.js";
import { activitiesSection, incomingFlows, searchActivities, searchOrganisations } from "./activities.js";
import { session } from "../lib/session.js";

const DOC = new URL("./organisations.graphql", import.meta.url);
const KINDS = ["GROUP_COMPANY", "SUPPLIER", "SUBCONTRACTOR", "OTHER_CONTROLLER"];
const STATUSES = ["PROPOSED", "ACTIVE", "OFFBOARDED"];
const USES = ["STORAGE", "PROCESSING", "REMOTE_ACCESS"];
const ROLES = ["PROCESSOR", "SUB_PROCESSOR", "CONTROLLER", "JOINT_CONTROLLER"];
const MECHANISMS = ["NONE", "ADEQUACY", "EU_US_DPF", "SCC_2021", "UK_IDTA", "UK_ADDENDUM", "BCR", "CODE_OF_CONDUCT", "CERTIFICATION", "DEROGATION", "PRIVACY_SHIELD", "SAFE_HARBOR", "SCC_2010"];
const MODULES = ["C2C", "C2P", "P2P", "P2C"];
const DEROGATIONS = ["EXPLICIT_CONSENT", "CONTRACT_WITH_SUBJECT", "CONTRACT_IN_SUBJECT_INTEREST", "PUBLIC_INTEREST", "LEGAL_CLAIMS", "VITAL_INTERESTS", "PUBLIC_REGISTER", "COMPELLING_LEGITIMATE_INTERESTS"];
const PAGE = 50;

export async function render(main, { rest, params }) {
  if (rest[0]) return detail(main, rest[0], params);
  return list(main, params);
}

async function list(main, params) {
  const search = h("input", { type: "search", name: "nameContains", value: params.get("q") ?? "", placeholder: "part of the name" });
  const kind = select("kind", KINDS, { empty: "Any", value: params.get("kind") ?? "" });
  const country = h("input", { name: "country", size: 4, maxlength: 2, value: params.get("country") ?? "", placeholder: "GB" });
  const form = h("form", { class: "filters", role: "search", "aria-label": "Search organisations" }, field("Name", search), field("Kind", kind), field("Country", country), h("button", { type: "submit" }, "Search"));
  const result = h("div", {}, notice("Loading…"));
  const actions = session.canEdit() ? h("button", { type: "button", class: "primary", onclick: () => organisationForm(null) }, "Register a supplier") : null;
  fill(main, h("div", { class: "title-row" }, h("h1", {}, "Organisations"), actions), form, result);
  const cursors = [null];

  async function load(page) {
    const v = values(form);
    const data = await run(DOC, "Organisations", { ...v, country: v.country?.toUpperCase(), first: PAGE, after: cursors[page] });
    const conn = data.organisations;
    cursors[page + 1] = conn.pageInfo.endCursor;
    fill(
      result,
      conn.edges.length
        ? h(
            "table",
            { class: "data" },
            h("caption", { class: "sr-only" }, "Organisations"),
            h("thead", {}, h("tr", {}, ["Name", "Kind", "Status", "Country", "Locations", "DPA signed", "DPF"].map((c) => h("th", { scope: "col" }, c)))),
            h(
              "tbody",
              {},
              conn.edges.map(({ node: o }) =>
                h(
                  "tr",
                  {},
                  h("td", {}, h("a", { href: `#/organisations/${o.id}` }, o.name)),
                  h("td", {}, label(o.kind)),
                  h("td", {}, label(o.status)),
                  h("td", {}, o.country, o.insideEea ? " (EEA)" : ""),
                  h("td", {}, [...new Set(o.locations.map((l) => l.country))].join(", ")),
                  h("td", {}, o.dpaSignedOn ?? h("span", { class: "muted" }, "none")),
                  h("td", {}, o.dpfCertified ? "✓ certified" : ""),
                ),
              ),
            ),
          )
        : notice("No organisation matches."),
      h(
        "nav",
        { class: "pager", "aria-label": "Pages" },
        h("button", { type: "button", disabled: page === 0, onclick: () => load(page - 1) }, "← Previous"),
        h("span", {}, `Page ${page + 1} · ${conn.totalCount} organisations`),
        h("button", { type: "button", disabled: !conn.pageInfo.hasNextPage, onclick: () => load(page + 1) }, "Next →"),
      ),
    );
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    cursors.length = 1;
    load(0).catch((err) => fill(result, notice(err.message, "bad")));
  });
  await load(0);
}

async function detail(main, id, params = new URLSearchParams()) {
  const [data] = await Promise.all([run(DOC, "Organisation", { id }), loadCategories()]);
  const o = data.organisation;
  if (!o) {
    fill(main, h("h1", {}, "Organisation"), notice(`No organisation with id ${id}.`, "bad"));
    return;
  }
  document.title = `${o.name} · Transfer register`;
  const edit = session.canEdit();
  const history = h("section", { class: "card wide", "aria-labelledby": "hist-h" }, h("h2", { id: "hist-h" }, "History"));
  fill(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "#/organisations" }, "Organisations"), " / "),
    h(
      "div",
      { class: "title-row" },
      h("h1", {}, o.name),
      edit ? h("button", { type: "button", onclick: () => organisationForm(o) }, "Edit") : null,
      edit ? h("button", { type: "button", onclick: () => flowForm({ to: o }) }, "Record a flow to it") : null,
      h("a", { class: "button", href: `#/datamap?supplier=${o.id}` }, "Data map"),
    ),
    h(
      "div",
      { class: "grid" },
      h(
        "section",
        { class: "card", "aria-labelledby": "facts-h" },
        h("h2", { id: "facts-h" }, "Details"),
        h(
          "dl",
          { class: "facts" },
          fact("Kind", label(o.kind)),
          fact("Status", label(o.status)),
          fact("Country", `${o.country}${o.insideEea ? " (inside the EEA)" : ""}`),
          fact("Company number", o.companyNumber),
          fact("Parent", o.parent ? h("a", { href: `#/organisations/${o.parent.id}` }, o.parent.name) : null),
          fact("DPA (Art 28) signed", o.dpaSignedOn ?? h("span", { class: "badge bad" }, "✗ none recorded")),
          fact("EU-US DPF", o.dpfCertified ? "✓ certified" : "not certified"),
          o.country === "US" ? fact("DPF list", o.dpfEntry ? `"${o.dpfEntry.name}": ${label(o.dpfEntry.status).toLowerCase()}${o.dpfEntry.ukExtension ? ", UK Extension" : ""} on the list of ${o.dpfEntry.snapshotOn}` : "no entry linked") : null,
          fact("Privacy contact", o.privacyContactEmail),
          fact("Erasure webhook", o.erasureWebhookUrl ? `${o.erasureWebhookUrl}${o.hasWebhookSecret ? " (signed)" : ""}` : null),
          fact("Registered", o.createdAt.slice(0, 10)),
        ),
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "loc-h" },
        h("h2", { id: "loc-h" }, "Locations"),
        o.locations.length
          ? h(
              "ul",
              { class: "plain" },
              o.locations.map((l) =>
                h(
                  "li",
                  {},
                  `${l.country} · ${label(l.use)}${l.insideEea ? " (EEA)" : ""} `,
                  edit ? h("button", { type: "button", class: "link", "aria-label": `Remove ${l.country} ${label(l.use)}`, onclick: () => removeLocation(l, o) }, "remove") : null,
                ),
              ),
            )
          : notice("Only its country of establishment."),
        edit ? locationForm(o) : null,
      ),
      ["GROUP_COMPANY", "OTHER_CONTROLLER"].includes(o.kind) ? activitiesSection(o, edit) : null,
      flowsSection("Flows out", "out-h", data.outgoing, edit),
      flowsSection("Flows in", "in-h", data.incoming, edit),
      history,
    ),
  );
  if (["ADMIN", "DPO", "AUDITOR"].includes(session.role())) {
    run(DOC, "OrganisationHistory", { id })
      .then((d) => fill(history, history.firstChild, historyTable(d.organisation.history)))
      .catch((e) => fill(history, history.firstChild, notice(e.message, "bad")));
  } else history.append(notice("The audit history is for the DPO and auditors."));
  // Arrived from a failed reasoning step: open the form that fixes it, on its field.
  const wanted = params.get("field");
  const flowId = params.get("correct");
  if (edit && flowId) {
    const f = [...data.outgoing.edges, ...data.incoming.edges].map((e) => e.node).find((x) => x.id === flowId);
    if (f) correctForm(f, wanted);
  } else if (edit && params.get("edit") === "1") {
    organisationForm(o);
    focusField(document.querySelector("dialog[open] form"), wanted);
  }
}

/** Moves the focus to the named control of `form`, scrolled into view and outlined. */
function focusField(form, name) {
  const control = name && form?.querySelector(`[name="${name}"]`);
  if (!control) return;
  control.scrollIntoView({ block: "center" });
  control.focus();
  control.closest(".field")?.classList.add("to-fix");
}

/** Where a failed step of `f`'s reasoning is fixed: in `form`, or on the recipient's page. */
function fixer(f, form) {
  return (fieldName) => {
    if (fieldName === "dpaSignedOn") return `#/organisations/${f.to.id}?edit=1&field=dpaSignedOn`;
    if (fieldName === "tiaCompletedOn") return `#/assessment/${f.id}`;
    if (!form.querySelector(`[name="${fieldName}"]`)) return null;
    return () => focusField(form, fieldName);
  };
}

/**
 * Asks the service what the form's values would give before they are saved, and says it in
 * `hint`: the verdict and every step not met or to note (e.g. a UK exporter on the 2021 SCCs
 * needs the UK Addendum). The rules stay in the service.
 */
function proposal(form, hint, parties) {
  let asked = 0;
  const ask = async () => {
    const { from, to, destinations, continues } = parties();
    if (!from?.country || !to?.country) return;
    const v = values(form);
    const mine = ++asked;
    const answers = [];
    for (const destination of destinations?.length ? destinations : [to.country]) {
      const input = {
        fromCountry: from.country,
        destinationCountry: destination,
        mechanism: v.mechanism ?? "NONE",
        sccModule: v.sccModule ?? null,
        derogation: v.derogation ?? null,
        signedOn: v.signedOn ?? null,
        tiaCompletedOn: v.tiaCompletedOn ?? null,
        recipientRole: v.recipientRole ?? null,
        exporterRole: continues ? "PROCESSOR" : "CONTROLLER",
        recipientDpaSignedOn: to.dpaSignedOn ?? null,
        importerDpfCertified: to.dpfCertified ?? null,
      };
      try {
        const data = await run(DOC, "ProposedTransfer", { input });
        answers.push([destination, data.assessTransfer]);
      } catch {
        // A proposal the service cannot judge (e.g. an exporter outside both areas) says nothing.
      }
    }
    if (mine !== asked) return;
    fill(
      hint,
      answers.map(([destination, a]) => {
        const open = a.reasoning.filter((s) => s.outcome === "NOT_MET" || s.outcome === "WARNING");
        return h(
          "div",
          { class: "proposal", dataset: { destination } },
          h("p", {}, `Before saving: with these values the transfer to ${destination} would be `, verdict(a.status), open.length ? ". What it needs:" : "."),
          open.length ? checklist(open) : null,
        );
      }),
    );
  };
  form.addEventListener("change", () => {
    ask();
  });
  return ask;
}

function flowsSection(title, hid, conn, edit) {
  return h(
    "section",
    { class: "card wide", "aria-labelledby": hid },
    h("h2", { id: hid }, `${title} (${conn.totalCount})`),
    conn.edges.length
      ? h(
          "table",
          { class: "data" },
          h("thead", {}, h("tr", {}, ["Activity", "From", "To", "Role", "Categories", "Mechanism", "Verdicts", ""].map((c) => h("th", { scope: "col" }, c)))),
          h(
            "tbody",
            {},
            conn.edges.map(({ node: f }) =>
              h(
                "tr",
                {},
                h("td", {}, f.activity.name),
                h("td", {}, h("a", { href: `#/organisations/${f.from.id}` }, f.from.name)),
                h("td", {}, h("a", { href: `#/organisations/${f.to.id}` }, f.to.name)),
                h("td", {}, label(f.recipientRole)),
                h("td", {}, categories(f.dataCategories), " ", sensitiveBadge(f.specialCategories, f.criminalOffenceData)),
                h("td", {}, label(f.mechanism), f.sccModule ? ` ${f.sccModule}` : ""),
                h("td", {}, f.transfers.length ? f.transfers.map((t) => h("div", {}, `${t.destinationCountry} `, verdict(t.status))) : h("span", { class: "muted" }, "not restricted")),
                h("td", {}, edit ? h("button", { type: "button", class: "link", onclick: () => correctForm(f) }, "Correct") : null),
              ),
            ),
          ),
        )
      : notice("None."),
  );
}

function historyTable(conn) {
  if (!conn.edges.length) return notice("No changes recorded.");
  return h(
    "table",
    { class: "data" },
    h("thead", {}, h("tr", {}, ["When", "Who", "What", "Changed"].map((c) => h("th", { scope: "col" }, c)))),
    h(
      "tbody",
      {},
      conn.edges.map(({ node: e }) => h("tr", {}, h("td", {}, e.occurredAt.replace("T", " ").slice(0, 19)), h("td", {}, e.actor), h("td", {}, e.operation), h("td", {}, changes(e.before, e.after)))),
    ),
  );
}

/** The fields an audit event changed, as `field: before → after`. */
function changes(before, after) {
  const b = before ? JSON.parse(before) : {};
  const a = after ? JSON.parse(after) : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !["updated_at", "created_at"].includes(k) && JSON.stringify(b[k]) !== JSON.stringify(a[k]));
  if (!before) return "created";
  if (!after) return "removed";
  return keys.map((k) => `${k}: ${b[k] ?? "—"} → ${a[k] ?? "—"}`).join("; ");
}

function fact(term, value) {
  if (value === null || value === undefined || value === "") return null;
  return [h("dt", {}, term), h("dd", {}, value)];
}

/** Submits `form` as `operation` with `input`; a refusal is shown beside its field. */
async function submit(form, operation, variables, done) {
  clearErrors(form);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const data = await run(DOC, operation, variables);
    done(data);
  } catch (e) {
    showError(form, /Unknown (field|type)/.test(e.message) ? { message: `This server does not offer ${operation} yet (${e.message}).` } : e);
  } finally {
    button.disabled = false;
  }
}

function organisationForm(o) {
  const creating = !o;
  const locations = h("div", { class: "rows" });
  const addLocationRow = () => {
    const i = locations.children.length;
    const country = h("input", { name: `locations[${i}].country`, size: 4, maxlength: 8 });
    const use = select(`locations[${i}].use`, USES);
    locations.append(h("div", { class: "inline" }, field(`Location ${i + 1} country`, country), field("Use", use)));
  };
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Name", h("input", { name: "name", value: o?.name ?? "", required: true })),
    field("Kind", select("kind", KINDS, { value: o?.kind ?? "SUPPLIER" })),
    field("Country of establishment", h("input", { name: "country", value: o?.country ?? "", size: 4, required: true, autocapitalize: "characters" }), "ISO 3166-1 alpha-2, e.g. GB, IE, US"),
    field("Company number", h("input", { name: "companyNumber", value: o?.companyNumber ?? "" })),
    field("Privacy contact e-mail", h("input", { name: "privacyContactEmail", type: "email", value: o?.privacyContactEmail ?? "" })),
    field("Erasure webhook URL", h("input", { name: "erasureWebhookUrl", type: "url", value: o?.erasureWebhookUrl ?? "" })),
    field("DPA signed on", h("input", { name: "dpaSignedOn", type: "date", value: o?.dpaSignedOn ?? "" })),
    field("Status", select("status", STATUSES, { value: o?.status ?? "ACTIVE" })),
    h("div", { class: "field check" }, h("label", {}, h("input", { type: "checkbox", name: "dpfCertified", "data-type": "bool", checked: !!o?.dpfCertified }), " Certified under the EU-US Data Privacy Framework")),
    creating ? h("fieldset", {}, h("legend", {}, "Locations (where it stores, processes or accesses data)"), locations, h("button", { type: "button", class: "link", onclick: addLocationRow }, "+ add a location")) : null,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, creating ? "Register" : "Save")),
  );
  const box = dialog(creating ? "Register a supplier" : `Edit ${o.name}`, form);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = {};
    for (const [k, value] of Object.entries(values(form))) if (!k.startsWith("locations[")) v[k] = value;
    if (creating) {
      v.locations = [...locations.children].map((row, i) => ({ country: row.querySelector(`[name="locations[${i}].country"]`).value.trim(), use: row.querySelector("select").value })).filter((l) => l.country);
      submit(form, "RegisterOrganisation", { input: v }, (d) => {
        box.close();
        location.hash = `#/organisations/${d.registerOrganisation.id}`;
      });
    } else {
      for (const k of ["companyNumber", "privacyContactEmail", "erasureWebhookUrl", "dpaSignedOn"]) if (!(k in v)) v[k] = null;
      submit(form, "UpdateOrganisation", { input: { id: o.id, ...v } }, () => {
        box.close();
        window.dispatchEvent(new HashChangeEvent("hashchange"));
      });
    }
  });
}

function locationForm(o) {
  const form = h(
    "form",
    { class: "inline", "aria-label": "Add a location" },
    field("Country", h("input", { name: "country", size: 4, maxlength: 8 })),
    field("Use", select("use", USES)),
    h("button", { type: "submit" }, "Add location"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit(form, "AddLocation", { input: { organisationId: o.id, ...values(form) } }, () => window.dispatchEvent(new HashChangeEvent("hashchange")));
  });
  return form;
}

async function removeLocation(l, o) {
  if (!window.confirm(`Remove ${o.name}'s ${label(l.use).toLowerCase()} location in ${l.country}?`)) return;
  await run(DOC, "RemoveLocation", { id: l.id });
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

/** Fields shared by recording and correcting a flow. */
function transferFields(f = {}) {
  return [
    field("Recipient role", select("recipientRole", ROLES, { value: f.recipientRole ?? "PROCESSOR" })),
    field("Mechanism", select("mechanism", MECHANISMS, { value: f.mechanism ?? "NONE" })),
    field("SCC module", select("sccModule", MODULES, { empty: "—", value: f.sccModule ?? "" })),
    field("Derogation", select("derogation", DEROGATIONS, { empty: "—", value: f.derogation ?? "" })),
    field("Signed on", h("input", { type: "date", name: "signedOn", value: f.signedOn ?? "" })),
    field("TIA completed on", h("input", { type: "date", name: "tiaCompletedOn", value: f.tiaCompletedOn ?? "" })),
  ];
}

async function flowForm(preset) {
  const hint = h("div", { class: "what-if-hint", "aria-live": "polite" });
  const categoryInput = h("input", { name: "dataCategories", "data-type": "list", placeholder: "contact.email, financial.payment_card" });
  const continues = h("select", { name: "continuesFlowId" }, h("option", { value: "" }, "— none: the activity's own flow"));
  const from = picker("fromId", searchOrganisations, {
    onChoose: async (o) => {
      // An onward flow continues one of the flows its exporter receives.
      const incoming = await incomingFlows(o.id).catch(() => []);
      continues.replaceChildren(
        h("option", { value: "" }, "— none: the activity's own flow"),
        ...incoming.map((f) => h("option", { value: f.id }, `${f.activity.name}: ${f.from.name} → ${f.to.name} (${label(f.recipientRole)})`)),
      );
    },
  });
  const to = picker("toId", searchOrganisations, { initial: preset.to ? { ...preset.to, label: preset.to.name } : null });
  const activity = picker("activityId", searchActivities, {
    onChoose: (a) => {
      if (!from.chosen) from.choose({ ...a.controller, label: a.controller.name });
      if (!categoryInput.value) categoryInput.value = a.dataCategories.join(", ");
    },
  });
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Activity", activity, "Type part of its name or purpose and pick it"),
    field("From (exporter)", from, "The activity's controller, or the recipient of the flow it continues"),
    field("Continues the flow", continues, "For an onward transfer (e.g. to a sub-processor): one of the flows the exporter receives"),
    field("To (recipient)", to),
    field("Data categories", categoryInput, "Codes, comma-separated; the activity's are filled in when it is picked"),
    ...transferFields(),
    field("Evidence", h("textarea", { name: "evidence", rows: 2 })),
    hint,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Record the flow")),
  );
  const box = dialog("Record a flow", form);
  proposal(form, hint, () => ({ from: from.chosen, to: to.chosen, continues: !!continues.value }));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit(form, "RecordDataFlow", { input: values(form) }, () => {
      box.close();
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    });
  });
}

function correctForm(f, focus) {
  const hint = h("div", { class: "what-if-hint", "aria-live": "polite" });
  const now = h("section", { class: "reasoning-now" }, h("h3", {}, "Why the verdict is what it is"));
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    h("p", {}, `${f.activity.name}: ${f.from.name} → ${f.to.name}`),
    now,
    field("Data categories", h("input", { name: "dataCategories", "data-type": "list", value: f.dataCategories.join(", ") })),
    ...transferFields(f),
    hint,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save the correction")),
  );
  for (const t of f.transfers) now.append(h("p", {}, `To ${t.destinationCountry}: `, verdict(t.status)), checklist(t.reasoning ?? [], fixer(f, form)));
  if (!f.transfers.length) now.append(h("p", { class: "muted" }, "Not a restricted transfer."));
  const box = dialog("Correct a flow", form);
  proposal(form, hint, () => ({ from: f.from, to: f.to, destinations: f.transfers.map((t) => t.destinationCountry), continues: !!f.continues }));
  focusField(form, focus);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = values(form);
    for (const k of ["sccModule", "derogation", "signedOn", "tiaCompletedOn"]) if (!(k in v)) v[k] = null;
    submit(form, "UpdateDataFlow", { input: { id: f.id, ...v } }, () => {
      box.close();
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    });
  });
}
