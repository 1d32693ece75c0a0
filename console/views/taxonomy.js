// The category taxonomy: the data categories (a dotted hierarchy, Art 9 special categories and
// Art 10 criminal-offence data marked) and the subject categories, each name with its code, and
// the forms that define new ones (ADMIN, DPO, PROCUREMENT). A category defined here is offered
// at once by every picker.

import { run } from "../lib/api.js";
import { forgetCategories } from "../lib/categories.js";
import { clearErrors, field, fill, h, showError, values } from "../lib/dom.js";
import { session } from "../lib/session.js";

const DOC = new URL("./taxonomy.graphql", import.meta.url);

export async function render(main) {
  const d = await run(DOC, "Taxonomy");
  const edit = session.canEdit();
  const reload = () => window.dispatchEvent(new HashChangeEvent("hashchange"));
  fill(
    main,
    h("h1", {}, "Categories"),
    h("p", {}, "The categories of personal data and of data subjects that activities and flows name. Every view shows the name, the code on hover."),
    h(
      "div",
      { class: "grid" },
      h(
        "section",
        { class: "card", "aria-labelledby": "dc-h" },
        h("h2", { id: "dc-h" }, `Data categories (${d.dataCategories.length})`),
        edit ? defineForm("DefineDataCategory", "data", reload) : null,
        h(
          "table",
          { class: "data taxonomy" },
          h("thead", {}, h("tr", {}, ["Name", "Code", ""].map((c) => h("th", { scope: "col" }, c)))),
          h(
            "tbody",
            {},
            d.dataCategories.map((c) =>
              h(
                "tr",
                { dataset: { code: c.code } },
                h("td", {}, "\u2003".repeat(c.code.split(".").length - 1), c.name),
                h("td", {}, h("code", {}, c.code)),
                h("td", {}, c.special ? h("span", { class: "badge warn" }, "Art 9") : c.code === "criminal" || c.code.startsWith("criminal.") ? h("span", { class: "badge warn" }, "Art 10") : null),
              ),
            ),
          ),
        ),
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "sc-h" },
        h("h2", { id: "sc-h" }, `Subject categories (${d.subjectCategories.length})`),
        edit ? defineForm("DefineSubjectCategory", "subject", reload) : null,
        h("table", { class: "data" }, h("thead", {}, h("tr", {}, ["Name", "Code"].map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, d.subjectCategories.map((c) => h("tr", {}, h("td", {}, c.name), h("td", {}, h("code", {}, c.code)))))),
      ),
    ),
  );
}

function defineForm(operation, kind, done) {
  const form = h(
    "form",
    { class: "stack define-category", dataset: { kind }, novalidate: true },
    h(
      "div",
      { class: "inline" },
      field("Code", h("input", { name: "code", required: true, placeholder: kind === "data" ? "e.g. contact.messenger" : "e.g. job_applicant" }), kind === "data" ? "Dotted: its parent must exist" : null),
      field("Name", h("input", { name: "name", required: true })),
      kind === "data" ? h("div", { class: "field check" }, h("label", {}, h("input", { type: "checkbox", name: "special", "data-type": "bool" }), " Special category (Art 9)")) : null,
      h("button", { type: "submit", class: "primary" }, "Define"),
    ),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      await run(DOC, operation, { input: values(form) });
      forgetCategories();
      done();
    } catch (err) {
      showError(form, err);
    }
  });
  return h("details", {}, h("summary", {}, `Define a ${kind} category`), form);
}


