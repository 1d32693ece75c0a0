// A processor's own page: announcing a change of its sub-processors to the controller. A
// PROCESSOR token announces for its own organisation only.

import { run } from "../lib/api.js";
import { clearErrors, field, fill, h, notice, select, showError, today, values } from "../lib/dom.js";
import { session } from "../lib/session.js";

const DOC = new URL("./subprocessors.graphql", import.meta.url);
const MECHANISMS = ["SCC_2021", "EU_US_DPF", "ADEQUACY", "BCR", "UK_IDTA", "UK_ADDENDUM", "DEROGATION", "NONE"];

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
  fill(main, h("h1", {}, "Announce a sub-processor change"), h("p", {}, `For ${own?.name ?? "your organisation"}. The controller may object until the deadline its contract gives.`), form, result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      const input = { processorId: own?.id, dataCategories: [], activityIds: [], ...values(form) };
      const data = await run(DOC, "Announce", { input });
      const change = data.announceSubprocessorChange;
      fill(result, notice(`Announced (change ${change.id}): ${change.objectionDeadline ? `objections until ${change.objectionDeadline}` : "no objection period recorded"}.`, "ok"));
    } catch (err) {
      showError(form, err);
    }
  });
}
