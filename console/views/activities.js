// Processing activities from the console: a controller's activities on its page, and the form
// that registers, corrects and ends one (purpose, lawful basis, the controller picked by name,
// categories of subjects and data picked from the taxonomy by name, retention). The searches the
// pickers send live here too, for the flow form.

import { run } from "../lib/api.js";
import { categories } from "../lib/categories.js";
import { clearErrors, dialog, field, fill, h, label, notice, select, showError, values } from "../lib/dom.js";
import { picker } from "../lib/picker.js";

const DOC = new URL("./activities.graphql", import.meta.url);
const BASES = ["CONSENT", "CONTRACT", "LEGAL_OBLIGATION", "VITAL_INTERESTS", "PUBLIC_TASK", "LEGITIMATE_INTERESTS"];

/** Organisations whose name contains `text`, as picker records. */
export async function searchOrganisations(text) {
  const d = await run(DOC, "SearchOrganisations", { text: text || null });
  return d.organisations.edges.map(({ node: o }) => ({ ...o, label: `${o.name} (${o.country})` }));
}

/** Activities whose name or purpose contains `text`, as picker records. */
export async function searchActivities(text) {
  const d = await run(DOC, "SearchActivities", { text: text || null });
  return d.processingActivities.edges.map(({ node: a }) => ({ ...a, label: `${a.name} (${a.controller.name})` }));
}

/** The flows an organisation receives: the flows an onward flow from it may continue. */
export async function incomingFlows(toId) {
  const d = await run(DOC, "IncomingFlows", { toId });
  return d.dataFlows.edges.map(({ node: f }) => f);
}

/** The activities `o` controls, with the buttons that change them. */
export function activitiesSection(o, edit) {
  const section = h("section", { class: "card wide", "aria-labelledby": "act-h" }, h("h2", { id: "act-h" }, "Processing activities"), notice("Loading…"));
  const load = async () => {
    const d = await run(DOC, "ControllerActivities", { controllerId: o.id });
    const list = d.processingActivities.edges.map((e) => e.node);
    fill(
      section,
      h("h2", { id: "act-h" }, `Processing activities (${d.processingActivities.totalCount})`),
      edit ? h("button", { type: "button", class: "primary", onclick: () => activityForm(null, o, load) }, "Register an activity") : null,
      list.length
        ? h(
            "table",
            { class: "data activities" },
            h("thead", {}, h("tr", {}, ["Activity", "Purpose", "Lawful basis", "Categories of data", "Retention", ""].map((c) => h("th", { scope: "col" }, c)))),
            h(
              "tbody",
              {},
              list.map((a) =>
                h(
                  "tr",
                  { dataset: { id: a.id } },
                  h(
                    "td",
                    {},
                    a.name,
                    a.actingAs === "PROCESSOR" ? h("div", { class: "muted" }, "for customers, as their processor") : null,
                    a.endedOn ? h("div", { class: "muted" }, `ended ${a.endedOn}`) : null,
                  ),
                  h("td", {}, a.purpose),
                  h("td", {}, label(a.lawfulBasis)),
                  h("td", {}, categories(a.dataCategories)),
                  h("td", {}, a.retention),
                  h(
                    "td",
                    {},
                    edit && !a.endedOn
                      ? [h("button", { type: "button", class: "link", onclick: () => activityForm(a, o, load) }, "Correct"), " ", h("button", { type: "button", class: "link", onclick: () => endForm(a, load) }, "End")]
                      : null,
                  ),
                ),
              ),
            ),
          )
        : notice("None."),
    );
  };
  load().catch((e) => fill(section, notice(e.message, "bad")));
  return section;
}

/** Check boxes of a taxonomy, by name (the code on hover); `chosen` codes ticked. */
function checks(name, list, chosen) {
  return h(
    "div",
    { class: "checks", role: "group", dataset: { list: name } },
    list.map((c) => h("label", { title: c.code }, h("input", { type: "checkbox", value: c.code, checked: chosen.includes(c.code) }), ` ${c.name}`, c.special ? " (Art 9)" : "")),
  );
}

const ticked = (form, name) => [...form.querySelectorAll(`[data-list="${name}"] input:checked`)].map((c) => c.value);

async function activityForm(a, controller, done) {
  const taxonomy = await run(DOC, "Taxonomy");
  const creating = !a;
  const chooser = picker("controllerId", searchOrganisations, { initial: { id: (a?.controller ?? controller).id, label: (a?.controller ?? controller).name } });
  const data = checks("dataCategories", taxonomy.dataCategories, a?.dataCategories ?? []);
  const subjects = checks("subjectCategories", taxonomy.subjectCategories, a?.subjectCategories ?? []);
  const dataField = field("Categories of personal data", data);
  dataField.dataset.field = "dataCategories";
  const subjectField = field("Categories of data subjects", subjects);
  subjectField.dataset.field = "subjectCategories";
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Name", h("input", { name: "name", value: a?.name ?? "", required: true })),
    creating ? field("Controller", chooser, "Type part of the name and pick it") : null,
    field("Purpose", h("textarea", { name: "purpose", rows: 2 }, a?.purpose ?? "")),
    field("Lawful basis", select("lawfulBasis", BASES, { value: a?.lawfulBasis ?? "CONTRACT" })),
    field("Acting as", select("actingAs", ["CONTROLLER", "PROCESSOR"], { value: a?.actingAs ?? "CONTROLLER" }), "Processor: the group carries it out for its customers; its recipients are then the group's published sub-processors"),
    dataField,
    subjectField,
    field("Retention", h("input", { name: "retention", value: a?.retention ?? "" }), "As the policy states it, e.g. 7 years after the contract ends"),
    field("Retention in months", h("input", { name: "retentionMonths", "data-type": "int", type: "number", min: 0, value: a?.retentionMonths ?? "" })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, creating ? "Register the activity" : "Save the correction")),
  );
  const box = dialog(creating ? "Register a processing activity" : `Correct ${a.name}`, form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const v = { ...values(form), dataCategories: ticked(form, "dataCategories"), subjectCategories: ticked(form, "subjectCategories") };
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      if (creating) await run(DOC, "RegisterActivity", { input: v });
      else {
        delete v.controllerId;
        await run(DOC, "UpdateActivity", { input: { id: a.id, ...v } });
      }
      box.close();
      done();
    } catch (err) {
      showError(form, err);
    } finally {
      button.disabled = false;
    }
  });
}

function endForm(a, done) {
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    h("p", {}, `Ending ${a.name} ends its flows too; both stay in the history.`),
    field("Ended on", h("input", { type: "date", name: "endedOn" }), "Today unless given"),
    field("Reason", h("input", { name: "reason" })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "End the activity")),
  );
  const box = dialog(`End ${a.name}`, form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await run(DOC, "EndActivity", { input: { id: a.id, ...values(form) } });
      box.close();
      done();
    } catch (err) {
      showError(form, err);
    }
  });
}
