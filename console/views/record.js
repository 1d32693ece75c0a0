// The record of processing activities (Art 30(1)) of one group company, as a page to read and
// print: the controller's block, then one row per activity with the columns of Art 30(1)(b) to
// (g) (purposes, categories of subjects and data, recipients, transfers to third countries and
// their safeguards, time limits for erasure, security measures). The export (CSV, XLSX) is the
// same record for a spreadsheet.

import { categories, loadCategories } from "../lib/categories.js";
import { run } from "../lib/api.js";
import { field, fill, h, label, notice, today, verdict } from "../lib/dom.js";

const DOC = new URL("./record.graphql", import.meta.url);

export async function render(main, { params }) {
  await loadCategories();
  const { organisations } = await run(DOC, "Controllers");
  const controllers = organisations.edges.map((e) => e.node).sort((a, b) => a.name.localeCompare(b.name));
  const chosen = params.get("controller") ?? controllers[0]?.id ?? "";
  const picker = h("select", { name: "controller" }, controllers.map((o) => h("option", { value: o.id, selected: o.id === chosen }, `${o.name} (${o.country})`)));
  picker.addEventListener("change", () => (location.hash = `#/record?controller=${picker.value}`));
  const head = [
    h("div", { class: "title-row" }, h("h1", {}, "Record of processing activities"), h("button", { type: "button", class: "print", onclick: () => window.print() }, "Print")),
    h("form", { class: "filters", "aria-label": "Controller" }, field("Controller", picker)),
  ];
  if (!chosen) return fill(main, head, notice("No group company is registered yet."));
  const d = await run(DOC, "Record", { controller: chosen });
  if (!d.organisation) return fill(main, head, notice("No such organisation.", "bad"));
  const o = d.organisation;
  const subjects = new Map(d.subjectCategories.map((c) => [c.code, c.name]));
  const flows = d.dataFlows.edges.map((e) => e.node).filter((f) => !f.endedOn);
  const activities = d.processingActivities.edges.map((e) => e.node).filter((a) => !a.endedOn && a.actingAs !== "PROCESSOR");
  fill(
    main,
    head,
    h(
      "section",
      { class: "card controller-block", "aria-labelledby": "ctl-h" },
      h("h2", { id: "ctl-h" }, "Controller (Art 30(1)(a))"),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Name"), h("dd", {}, o.name),
        h("dt", {}, "Country"), h("dd", {}, o.country),
        o.companyNumber ? [h("dt", {}, "Company number"), h("dd", {}, o.companyNumber)] : null,
        h("dt", {}, "Privacy contact"), h("dd", {}, o.privacyContactEmail ?? "—"),
        h("dt", {}, "Record as of"), h("dd", {}, today()),
      ),
    ),
    activities.length
      ? h(
          "table",
          { class: "data record" },
          h("caption", {}, `${activities.length} processing ${activities.length === 1 ? "activity" : "activities"} as controller`),
          h("thead", {}, h("tr", {}, ["Activity", "Purposes (b)", "Lawful basis", "Categories of data subjects (c)", "Categories of personal data (c)", "Recipients (d)", "Transfers to third countries (e)", "Time limits for erasure (f)", "Security measures (g)"].map((c) => h("th", { scope: "col" }, c)))),
          h(
            "tbody",
            {},
            activities.map((a) => {
              const out = flows.filter((f) => f.activity.id === a.id);
              const transfers = out.flatMap((f) => f.transfers.map((t) => ({ ...t, flow: f })));
              return h(
                "tr",
                {},
                h("th", { scope: "row" }, a.name, a.ref ? h("div", { class: "muted" }, a.ref) : null),
                h("td", {}, a.purpose),
                h("td", {}, label(a.lawfulBasis)),
                h("td", {}, a.subjectCategories.map((c) => subjects.get(c) ?? c).join(", ")),
                h("td", {}, categories(a.dataCategories)),
                h("td", {}, out.length ? h("ul", { class: "plain" }, out.map((f) => h("li", {}, `${f.to.name} (${f.to.country}), ${label(f.recipientRole).toLowerCase()}`))) : "None"),
                h("td", {}, transfers.length ? h("ul", { class: "plain" }, transfers.map((t) => h("li", {}, `${t.flow.to.name} → ${t.destinationCountry}: ${label(t.flow.mechanism)} `, verdict(t.status)))) : "None"),
                h("td", {}, a.retention),
                h("td", {}, a.securityMeasures ?? o.securityMeasures ?? "—"),
              );
            }),
          ),
        )
      : notice("No running processing activity of this controller."),
  );
}
