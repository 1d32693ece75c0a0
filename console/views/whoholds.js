// Who holds: one identifier in, every holder out (the controller, processors, sub-processors
// down each chain), with the countries it reaches and the verdicts of the transfers on the way.

import { categories, loadCategories, sensitiveBadge } from "../lib/categories.js";
import { run } from "../lib/api.js";
import { clearErrors, field, fill, h, label, notice, showError, values, verdict } from "../lib/dom.js";
import { session } from "../lib/session.js";

const DOC = new URL("./whoholds.graphql", import.meta.url);

export async function render(main) {
  await loadCategories();
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Find who holds a person's data", novalidate: true },
    field("E-mail", h("input", { name: "email", type: "email", autocomplete: "off" })),
    field("Phone", h("input", { name: "phone", type: "tel", autocomplete: "off" })),
    field("Account number", h("input", { name: "accountNumber", autocomplete: "off" })),
    h("button", { type: "submit", class: "primary" }, "Look up"),
  );
  const result = h("div", {});
  fill(main, h("h1", {}, "Who holds this person's data?"), h("p", {}, "Identifiers are normalised and hashed as on registration; nothing you type is stored."), form, result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const subject = values(form);
    if (!Object.keys(subject).length) return showError(form, { field: "email", message: "Give an e-mail, a phone number or an account number." });
    fill(result, notice("Looking up…"));
    try {
      const data = await run(DOC, "WhoHolds", { subject });
      fill(result, holdings(data.whoHolds, subject));
    } catch (err) {
      fill(result);
      showError(form, err);
    }
  });
}

function holdings(w, subject) {
  if (!w.subject) return notice("No one in the register matches these identifiers.");
  const q = new URLSearchParams(subject);
  return [
    h(
      "p",
      { class: "summary" },
      h("strong", { class: "big" }, w.holdings.length),
      ` organisations hold this person's data, through ${w.subject.activities.length} activities (${w.subject.activities.map((a) => a.name).join(", ")}). `,
      h("a", { href: `#/datamap?${q}` }, "See it as a diagram"),
      session.canHandleRequests() ? [" · ", h("a", { href: "#/requests" }, "File a request")] : null,
    ),
    w.cycles.length ? notice(`Chains that loop back: ${w.cycles.map((c) => c.map((o) => o.name).join(" → ")).join("; ")}`, "warn") : null,
    h(
      "table",
      { class: "data" },
      h("thead", {}, h("tr", {}, ["Holder", "Role", "Categories", "Countries", "Chain", "Transfers on the way"].map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        w.holdings.map((x) =>
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: `#/organisations/${x.organisation.id}` }, x.organisation.name), x.offboarded ? h("span", { class: "muted" }, " (offboarded)") : null),
            h("td", {}, label(x.role)),
            h("td", {}, categories(x.dataCategories), " ", sensitiveBadge(x.specialCategories, x.criminalOffenceData)),
            h("td", {}, x.countries.join(", ")),
            h("td", {}, x.path.map((o) => o.name).join(" → ")),
            h("td", {}, x.transfers.length ? x.transfers.map((t) => h("div", {}, `${t.destinationCountry} ${label(t.mechanism)} `, verdict(t.status))) : h("span", { class: "muted" }, "none restricted")),
          ),
        ),
      ),
    ),
  ];
}
