// Sub-processor changes (Art 28(2) and (4)): the DPO's list of announced changes with the days left
// to object and what each would do to the transfer verdicts, with approve and object buttons; and
// the customers told of the group's own changes (the published list's subscribers), added and
// removed here.

import { run } from "../lib/api.js";
import { clearErrors, daysUntil, dialog, field, fill, h, label, notice, plural, select, showError, values, verdict } from "../lib/dom.js";
import { session } from "../lib/session.js";

const DOC = new URL("./subprocessors.graphql", import.meta.url);
const STATUSES = ["PENDING", "APPROVED", "OBJECTED", "ACCEPTED_BY_SILENCE", "WITHDRAWN", "LIVE"];
const DECIDERS = ["ADMIN", "DPO"];

/** What the change does, in words. */
function what(c) {
  const sub = `${c.subprocessor.name} (${c.subprocessor.country})`;
  if (c.kind === "ADD") return `${c.processor.name} adds ${sub}`;
  if (c.kind === "REMOVE") return `${c.processor.name} removes ${sub}`;
  return `${c.processor.name} moves ${sub} to ${c.relocateTo}`;
}

function daysLeft(c) {
  if (c.status !== "PENDING") return label(c.status);
  if (!c.objectionDeadline) return "No objection period recorded";
  const days = daysUntil(c.objectionDeadline);
  if (days < 0) return `Deadline passed (${c.objectionDeadline})`;
  return days === 0 ? `Last day to object (${c.objectionDeadline})` : `${days} days left to object (until ${c.objectionDeadline})`;
}

function impact(c) {
  if (!c.impact.length) return h("p", { class: "muted" }, c.kind === "REMOVE" ? "Ends transfers; creates none." : "No restricted transfer.");
  return h(
    "ul",
    { class: "impact" },
    c.impact.map((t) =>
      h(
        "li",
        {},
        verdict(t.status),
        ` to ${t.destinationCountry}`,
        t.problems.length ? h("ul", {}, t.problems.map((p) => h("li", {}, p.message))) : null,
        h("details", {}, h("summary", {}, "Why"), h("p", {}, t.explanation)),
      ),
    ),
  );
}

export async function render(main, { params }) {
  const only = params.get("status") ?? "PENDING";
  const data = await run(DOC, "Changes", { status: only || null });
  const changes = data.subprocessorChanges.edges.map((e) => e.node);
  const filter = select("status", STATUSES, { empty: "All", value: only });
  filter.addEventListener("change", () => (location.hash = `#/subprocessor-changes?status=${filter.value}`));
  const decides = DECIDERS.includes(session.role());
  fill(
    main,
    h("h1", {}, "Sub-processor changes"),
    h("p", {}, "Changes processors announced to their sub-processors, judged before they take effect. Under a general authorisation a change not objected to by its deadline is accepted; under a specific one it needs approval."),
    h("form", { class: "filters" }, field("Status", filter)),
    changes.length
      ? h(
          "table",
          { class: "data changes" },
          h("caption", { class: "sr-only" }, "Announced sub-processor changes"),
          h("thead", {}, h("tr", {}, ["Change", "Takes effect", "Objection", "Impact", ""].map((c) => h("th", { scope: "col" }, c)))),
          h(
            "tbody",
            {},
            changes.map((c) =>
              h(
                "tr",
                { dataset: { change: c.id } },
                h("td", {}, what(c), h("div", { class: "muted" }, `Authorisation: ${label(c.processor.subprocessorAuthorisation) || "not recorded"}`)),
                h("td", {}, c.effectiveOn),
                h("td", { class: "days-left" }, daysLeft(c)),
                h("td", {}, impact(c)),
                h(
                  "td",
                  {},
                  decides && c.status === "PENDING"
                    ? [
                        h("button", { type: "button", class: "approve", onclick: () => decide(c, "APPROVE") }, "Approve"),
                        " ",
                        h("button", { type: "button", class: "object", onclick: () => object(c) }, "Object"),
                      ]
                    : null,
                ),
              ),
            ),
          ),
        )
      : notice("No changes."),
    decides ? h("section", { class: "subscribers" }) : null,
  );
  if (decides) await subscribers(main.querySelector("section.subscribers"));
}

/** The published list's subscribers, with a form to add one and a button to remove each. */
async function subscribers(section, added = null) {
  const data = await run(DOC, "Subscribers", {});
  const list = data.subprocessorListSubscribers.edges.map((e) => e.node);
  const form = h(
    "form",
    { class: "stack subscribe", novalidate: true },
    field("Customer", h("input", { name: "name", required: true })),
    field("E-mail", h("input", { name: "email", type: "email" }), "Where notices are e-mailed"),
    field("Webhook", h("input", { name: "webhookUrl", type: "url" }), "Or where they are posted, signed (https)"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Add customer")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      const saved = (await run(DOC, "Subscribe", { input: values(form) })).addSubprocessorListSubscriber;
      await subscribers(section, saved);
    } catch (err) {
      showError(form, err);
    }
  });
  fill(
    section,
    h("h2", {}, "Customers told of our changes"),
    h("p", {}, "Each change to the sub-processors the group uses as a processor is sent once to every customer below, by webhook or e-mail."),
    added?.webhookSecret
      ? h(
          "p",
          { class: "notice secret", role: "status" },
          `${added.name} is added. Hand it this signing secret now; it is not shown again: `,
          h("code", {}, added.webhookSecret),
        )
      : added
        ? notice(`${added.name} is added.`)
        : null,
    list.length
      ? h(
          "table",
          { class: "data subscribers" },
          h("caption", { class: "sr-only" }, "Customers told of sub-processor changes"),
          h("thead", {}, h("tr", {}, ["Customer", "Reached by", "Since", ""].map((c) => h("th", { scope: "col" }, c)))),
          h(
            "tbody",
            {},
            list.map((s) =>
              h(
                "tr",
                { dataset: { subscriber: s.id } },
                h("td", {}, s.name),
                h("td", {}, s.webhookUrl ? `Webhook ${s.webhookUrl}` : `E-mail ${s.email}`),
                h("td", {}, s.createdAt.slice(0, 10)),
                h("td", {}, h("button", { type: "button", class: "remove", onclick: () => unsubscribe(s, section) }, "Remove")),
              ),
            ),
          ),
        )
      : notice("No customer is told of changes yet."),
    h("h3", {}, "Add a customer"),
    form,
  );
}

function unsubscribe(subscriber, section) {
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    h("p", {}, `${subscriber.name} will be told of no further change. The notices it was sent are kept; those not yet sent are withdrawn.`),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Remove")),
  );
  const box = dialog("Remove a customer", form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      const { unsentNoticesWithdrawn: n } = (await run(DOC, "Unsubscribe", { id: subscriber.id })).removeSubprocessorListSubscriber;
      box.close();
      await subscribers(section);
      section.prepend(notice(`${subscriber.name} is removed${n ? `; ${plural(n, "notice")} not yet sent withdrawn` : ""}.`));
    } catch (err) {
      showError(form, err);
    }
  });
}

async function decide(change, decision, reason = null, form = null) {
  try {
    await run(DOC, "Decide", { id: change.id, decision, reason });
    return true;
  } catch (err) {
    if (form) showError(form, err);
    else main().prepend(notice(err.message, "bad"));
    return false;
  } finally {
    if (!form) window.dispatchEvent(new HashChangeEvent("hashchange"));
  }
}

function main() {
  return document.getElementById("main");
}

function object(change) {
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    h("p", {}, what(change)),
    field("Reason", h("textarea", { name: "reason", rows: 3 }), "Sent to the processor with the objection"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Object")),
  );
  const box = dialog("Object to a change", form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const reason = form.elements.reason.value.trim() || null;
    if (await decide(change, "OBJECT", reason, form)) {
      box.close();
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    }
  });
}
