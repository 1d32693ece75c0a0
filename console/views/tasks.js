// A processor's tasks: what to erase (or restrict, or hand over) and the proof it gives back.
// A PROCESSOR token sees nothing else in the console.

import { categories, learnCategories } from "../lib/categories.js";
import { run } from "../lib/api.js";
import { clearErrors, dialog, field, fill, h, notice, select, showError, status, values } from "../lib/dom.js";

const DOC = new URL("./tasks.graphql", import.meta.url);
const OPEN = ["PENDING", "SENT", "ACKNOWLEDGED", "FAILED"];

export async function render(main, { params }) {
  const only = params.get("status") ?? "";
  const data = await run(DOC, "MyTasks", { status: only || null });
  const tasks = data.dsrTasks.edges.map((e) => e.node);
  // Names from the tasks themselves: a PROCESSOR may not read the taxonomy.
  for (const t of tasks) learnCategories(t.namedDataCategories);
  tasks.sort((a, b) => Number(OPEN.includes(b.status)) - Number(OPEN.includes(a.status)));
  const filter = select("status", ["PENDING", "SENT", "ACKNOWLEDGED", "COMPLETED", "FAILED", "EXEMPT"], { empty: "All", value: only });
  filter.addEventListener("change", () => (location.hash = filter.value ? `#/tasks?status=${filter.value}` : "#/tasks"));
  const open = tasks.filter((t) => OPEN.includes(t.status)).length;
  fill(
    main,
    h("h1", {}, "My tasks"),
    h("p", {}, `${open} to act on, ${tasks.length} in all. Each asks you to act on one person's data and to say what you did: that statement is kept as proof.`),
    h("form", { class: "filters" }, field("Status", filter)),
    data.dsrTasks.pageInfo.hasNextPage ? notice(`Showing the first ${tasks.length} of ${data.dsrTasks.totalCount}; choose a status to narrow the list.`, "warn") : null,
    tasks.length
      ? h(
          "table",
          { class: "data tasks" },
          h("caption", { class: "sr-only" }, "Your organisation's tasks"),
          h("thead", {}, h("tr", {}, ["Request", "Status", "Categories", "Received", "Proof", ""].map((c) => h("th", { scope: "col" }, c)))),
          h(
            "tbody",
            {},
            tasks.map((t) =>
              h(
                "tr",
                { dataset: { task: t.id } },
                h("td", {}, `#${t.requestId}`),
                h("td", { class: "task-status" }, status(t.status)),
                h("td", {}, categories(t.dataCategories), t.retentionExemption ? h("div", { class: "muted" }, `Keep for: ${t.retentionExemption} (restrict, do not erase)`) : null),
                h("td", {}, t.history[0]?.occurredAt.slice(0, 10) ?? ""),
                h("td", {}, t.evidence ?? ""),
                h("td", {}, OPEN.includes(t.status) ? h("button", { type: "button", onclick: () => confirm(t) }, "Confirm") : null),
              ),
            ),
          ),
        )
      : notice("No tasks."),
  );
}

function confirm(task) {
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    h("p", {}, `Request #${task.requestId}: `, categories(task.dataCategories)),
    field("Outcome", select("outcome", ["COMPLETED", "ACKNOWLEDGED"])),
    field("Evidence", h("textarea", { name: "evidence", rows: 3 }), "What you did (required to complete): e.g. the ticket of the erasure"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Confirm")),
  );
  const box = dialog("Confirm a task", form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      await run(DOC, "ConfirmTask", { input: { taskId: task.id, ...values(form) } });
      box.close();
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) {
      showError(form, err);
    }
  });
}
