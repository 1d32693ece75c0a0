// A processor's own page: announcing a change of its sub-processors to the controller, and the
// changes it announced with where each stands. A PROCESSOR token announces, reads and withdraws
// its own organisation's changes only.

import { run } from "../lib/api.js";
import { clearErrors, field, fill, h, label, notice, select, showError, today, values } from "../lib/dom.js";
import { session } from "../lib/session.js";

const DOC = new URL("./subprocessors.graphql", import.meta.url);
const MECHANISMS = ["SCC_2021", "EU_US_DPF", "ADEQUACY", "BCR", "UK_IDTA", "UK_ADDENDUM", "DEROGATION", "NONE"];
const WITHDRAWABLE = ["PENDING", "APPROVED", "ACCEPTED_BY_SILENCE"];

/** What a change does, in words. */
function what(c) {
  const sub = `${c.subprocessorName} (${c.subprocessorCountry})`;
  if (c.kind === "ADD") return `Adds ${sub}`;
  if (c.kind === "REMOVE") return `Removes ${sub}`;
  return `Moves ${sub} to ${c.relocateTo}`;
}

/** The changes this processor announced, with their status, and Withdraw while it can. */
async function mine(list) {
  const data = await run(DOC, "Mine", {});
  const changes = data.subprocessorChanges.edges.map((e) => e.node);
  if (!changes.length) {
    fill(list, notice("You have not announced any change yet."));
    return;
  }
  fill(
    list,
    h(
      "table",
      { class: "data my-changes" },
      h("caption", {}, "Your announced changes"),
      h("thead", {}, h("tr", {}, ["Change", "Announced", "Takes effect", "Objections until", "Status", ""].map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        changes.map((c) =>
          h(
            "tr",
            { dataset: { change: c.id } },
            h("td", {}, what(c)),
            h("td", {}, c.announcedOn),
            h("td", {}, c.effectiveOn),
            h("td", {}, c.objectionDeadline ?? "No period recorded"),
            h("td", { class: "status" }, label(c.status), c.reason ? h("div", { class: "muted" }, c.reason) : null),
            h(
              "td",
              {},
              WITHDRAWABLE.includes(c.status)
                ? h("button", { type: "button", class: "withdraw", onclick: () => withdraw(c, list) }, "Withdraw")
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}

async function withdraw(change, list) {
  try {
    await run(DOC, "Withdraw", { id: change.id });
  } catch (err) {
    list.prepend(notice(err.message, "bad"));
    return;
  }
  await mine(list);
}

export async function render(main) {
  const own = session.viewer()?.organisation;
  const form = h(
    "form",
    { class: "stack announce", novalidate: true },
    field("Change", select("kind", ["ADD", "RELOCATE", "REMOVE"])),
    field("Sub-processor", h("input", { name: "subprocessorId", required: true }), "Its id in the register (ask the controller to register a new one first)"),
    field("Processing activities", h("input", { name: "activityIds", dataset: { type: "list" } }), "Their ids, separated by commas"),
    field("Data categories", h("input", { name: "dataCategories", dataset: { type: "list" } }), "Codes, separated by commas (e.g. contact.email)"),
    field("Safeguard", select("mechanism", MECHANISMS, { empty: "None proposed" })),
    field("Moves to (relocation)", h("input", { name: "relocateTo", maxlength: 2 }), "Country code, for a relocation only"),
    field("Announced on", h("input", { name: "announcedOn", type: "date", value: today() })),
    field("Takes effect on", h("input", { name: "effectiveOn", type: "date" })),
    field("Source", h("input", { name: "source" }), "Where the notice is published (a web page, an e-mail)"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Announce")),
  );
  const result = h("div", { class: "result" });
  const list = h("section", { class: "mine" });
  fill(main, h("h1", {}, "Announce a sub-processor change"), h("p", {}, `For ${own?.name ?? "your organisation"}. The controller may object until the deadline its contract gives.`), form, result, list);
  await mine(list);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      const input = { processorId: own?.id, dataCategories: [], activityIds: [], ...values(form) };
      const data = await run(DOC, "Announce", { input });
      const change = data.announceSubprocessorChange;
      fill(result, notice(`Announced (change ${change.id}): ${change.objectionDeadline ? `objections until ${change.objectionDeadline}` : "no objection period recorded"}.`, "ok"));
      await mine(list);
    } catch (err) {
      showError(form, err);
    }
  });
}
