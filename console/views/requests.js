// Data-subject requests: overdue ones on top, each with its tasks' progress, live through the
// `dataSubjectRequestUpdated` subscription; a request's page with its tasks; and the DPO's
// actions: file a request, extend a deadline (Art 12(3)), confirm or exempt a task, remind a
// holder, and open the request's certificate.

import { categories, loadCategories } from "../lib/categories.js";
import { download, run, subscribe } from "../lib/api.js";
import { daysUntil, dialog, field, fill, h, label, notice, select, showError, clearErrors, status, today, values, plural } from "../lib/dom.js";
import { session } from "../lib/session.js";

const DOC = new URL("./requests.graphql", import.meta.url);
const KINDS = ["ERASURE", "ACCESS", "RECTIFICATION", "RESTRICTION", "OBJECTION", "PORTABILITY"];
const FINISHED = ["COMPLETED", "CLOSED"];
const ORDER = { OVERDUE: 0, OPEN: 1, IN_PROGRESS: 1, COMPLETED: 2, CLOSED: 3 };

export async function render(main, { rest }) {
  await loadCategories();
  if (rest[0]) return one(main, rest[0]);
  return list(main);
}

/** Done (completed or exempt) of all tasks. */
function progress(r) {
  const done = r.tasks.filter((t) => t.status === "COMPLETED" || t.status === "EXEMPT").length;
  return h(
    "span",
    { class: "progress" },
    h("progress", { max: r.tasks.length || 1, value: done, "aria-label": `${done} of ${r.tasks.length} tasks done` }),
    ` ${done}/${r.tasks.length}`,
    r.tasks.some((t) => t.status === "FAILED") ? h("span", { class: "badge bad" }, " ✗ delivery failed") : null,
  );
}

function due(r) {
  if (FINISHED.includes(r.status)) return r.dueOn;
  const days = daysUntil(r.dueOn);
  return h("span", { class: days < 0 ? "late" : days <= 7 ? "soon" : "" }, `${r.dueOn} (${days < 0 ? `${-days} days late` : days === 0 ? "today" : `in ${days} days`})`);
}

async function list(main) {
  const data = await run(DOC, "Requests", { first: 100, overdueFirst: 50 });
  const byId = new Map([...data.overdue.edges, ...data.dataSubjectRequests.edges].map((e) => [e.node.id, e.node]));
  const requests = [...byId.values()];
  requests.sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.dueOn.localeCompare(b.dueOn));
  const rows = new Map();
  const row = (r) =>
    h(
      "tr",
      { class: r.status === "OVERDUE" ? "flag" : "", dataset: { request: r.id } },
      h("td", {}, h("a", { href: `#/requests/${r.id}` }, r.reference)),
      h("td", {}, label(r.kind)),
      h("td", {}, status(r.status)),
      h("td", {}, r.receivedOn),
      h("td", {}, due(r), r.extensionMonths ? ` (extended ${r.extensionMonths} mo.)` : ""),
      h("td", {}, progress(r)),
    );
  const tbody = h(
    "tbody",
    {},
    requests.map((r) => {
      const tr = row(r);
      rows.set(r.id, tr);
      return tr;
    }),
  );
  const live = h("p", { class: "live muted", role: "status" }, "Live: changes appear as they happen.");
  fill(
    main,
    h("div", { class: "title-row" }, h("h1", {}, "Data-subject requests"), session.canHandleRequests() ? h("button", { type: "button", class: "primary", onclick: fileForm }, "File a request") : null),
    data.dataSubjectRequests.pageInfo.hasNextPage ? notice(`Showing the first ${requests.length} of ${data.dataSubjectRequests.totalCount} requests.`, "warn") : null,
    requests.length
      ? [
          h("table", { class: "data" }, h("caption", { class: "sr-only" }, "Requests, overdue first"), h("thead", {}, h("tr", {}, ["Reference", "Kind", "Status", "Received", "Due", "Tasks done"].map((c) => h("th", { scope: "col" }, c)))), tbody),
          live,
        ]
      : notice("No requests yet."),
  );
  const open = requests.filter((r) => !FINISHED.includes(r.status)).slice(0, 100);
  if (!open.length) return;
  return subscribe(
    DOC,
    "RequestUpdated",
    open.map((r) => ({ id: r.id })),
    (d) => {
      const r = d.dataSubjectRequestUpdated;
      const old = rows.get(r.id);
      const tr = row(r);
      rows.set(r.id, tr);
      old?.replaceWith(tr);
    },
    (e) => fill(live, e.message),
  );
}

async function one(main, id) {
  const data = await run(DOC, "Request", { id });
  if (!data.dataSubjectRequest) {
    fill(main, h("h1", {}, "Request"), notice(`No request with id ${id}.`, "bad"));
    return;
  }
  const body = h("div", {});
  const live = h("p", { class: "live muted", role: "status" }, "Live: task changes appear as they happen.");
  fill(main, h("p", { class: "crumbs" }, h("a", { href: "#/requests" }, "Requests"), " / "), body, live);
  const draw = (r) => fill(body, requestDetail(r));
  draw(data.dataSubjectRequest);
  if (FINISHED.includes(data.dataSubjectRequest.status)) return;
  return subscribe(
    DOC,
    "RequestUpdated",
    [{ id }],
    (d) => {
      draw(d.dataSubjectRequestUpdated);
      live.dataset.connected = "true";
    },
    (e) => fill(live, e.message),
  );
}

const LINK_STATES = { SENT: "link sent", OPENED: "link opened", ANSWERED: "answered through the link", EXPIRED: "link expired" };

/** The answer link's state and the reminders of an e-mailed or webhook task. */
function chasing(t) {
  const link = t.answerLink
    ? h("div", { class: "link-state", dataset: { state: t.answerLink.state } }, LINK_STATES[t.answerLink.state] ?? t.answerLink.state, t.answerLink.answer ? ` (${label(t.answerLink.answer)})` : "")
    : null;
  const sent = (t.reminders ?? []).filter((x) => x.sentAt);
  const reminders = sent.length
    ? h("div", { class: "muted reminders" }, `${sent.length} reminder${sent.length > 1 ? "s" : ""}, last ${sent[sent.length - 1].sentAt.slice(0, 10)}`)
    : null;
  return [link, reminders];
}

/** The evidence file a holder attached to its answer: name, size, SHA-256, and a download for those who may read it. */
function evidenceFile(t, canDownload) {
  const file = t.evidenceDocument;
  if (!file) return null;
  const fetchFile = async () => {
    try {
      await download(file.downloadPath, file.fileName);
    } catch (err) {
      dialog("That did not work", notice(err.message, "bad"));
    }
  };
  return h(
    "div",
    { class: "evidence-file", title: `SHA-256 ${file.sha256}` },
    canDownload ? h("a", { href: file.downloadPath, onclick: (e) => (e.preventDefault(), fetchFile()) }, file.fileName) : file.fileName,
    ` (${file.size} bytes)`,
  );
}

/** Downloads the request's certificate (a draft while it is open). */
async function certificate(r, format) {
  try {
    await download(`/exports/requests/${r.id}/certificate.${format}`, `certificate-${r.reference}.${format}`);
  } catch (err) {
    dialog("That did not work", notice(err.message, "bad"));
  }
}

async function remind(t) {
  try {
    await run(DOC, "SendReminder", { taskId: t.id });
  } catch (err) {
    dialog("That did not work", notice(err.message, "bad"));
  }
}

function requestDetail(r) {
  const act = session.canHandleRequests() && !FINISHED.includes(r.status);
  const certify = session.canHandleRequests() || session.role() === "AUDITOR";
  return [
    h(
      "div",
      { class: "title-row" },
      h("h1", {}, `${label(r.kind)} request ${r.reference}`),
      status(r.status),
      act && !r.extensionMonths ? h("button", { type: "button", onclick: () => extendForm(r) }, "Extend the deadline") : null,
      certify ? h("button", { type: "button", class: "certificate", onclick: () => certificate(r, "html") }, FINISHED.includes(r.status) ? "Certificate" : "Certificate (draft)") : null,
      certify ? h("button", { type: "button", onclick: () => certificate(r, "json") }, "Certificate as JSON") : null,
    ),
    h(
      "dl",
      { class: "facts inline-facts" },
      h("dt", {}, "Received"),
      h("dd", {}, r.receivedOn),
      h("dt", {}, "Due"),
      h("dd", {}, due(r)),
      r.extensionMonths ? [h("dt", {}, "Extended"), h("dd", {}, `${r.extensionMonths} months: ${r.extensionReason}`)] : null,
      h("dt", {}, "Filed by"),
      h("dd", {}, r.filedBy),
      h("dt", {}, "Progress"),
      h("dd", {}, progress(r)),
      r.closureReason ? [h("dt", {}, "Closed"), h("dd", {}, r.closureReason)] : null,
    ),
    h(
      "table",
      { class: "data tasks" },
      h("caption", {}, "One task per organisation holding the subject's data"),
      h("thead", {}, h("tr", {}, ["Organisation", "Channel", "Status", "Categories", "Delivery", "Proof", ""].map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        r.tasks.map((t) =>
          h(
            "tr",
            { dataset: { task: t.id } },
            h("td", {}, h("a", { href: `#/organisations/${t.organisation.id}` }, t.organisation.name)),
            h("td", {}, label(t.channel)),
            h("td", { class: "task-status" }, status(t.status)),
            h("td", {}, categories(t.dataCategories), t.retentionExemption ? h("div", { class: "muted" }, `Retention: ${t.retentionExemption}`) : null),
            h("td", {}, plural(t.attempts, "attempt"), t.lastError ? h("div", { class: "late" }, t.lastError) : null, t.nextAttemptAt ? h("div", { class: "muted" }, `next ${t.nextAttemptAt.slice(0, 16).replace("T", " ")}`) : null, chasing(t), act && ["SENT", "ACKNOWLEDGED"].includes(t.status) && t.channel !== "MANUAL" ? h("button", { type: "button", class: "remind", onclick: () => remind(t) }, "Send a reminder") : null),
            h("td", {}, t.evidence ?? "", evidenceFile(t, certify), t.confirmedBy ? h("div", { class: "muted" }, `${t.confirmedBy}, ${t.confirmedAt?.slice(0, 10)}`) : null),
            h("td", {}, act && !["COMPLETED", "EXEMPT"].includes(t.status) ? h("button", { type: "button", onclick: () => confirmForm(t, t.channel === "WEBHOOK" ? ["EXEMPT"] : undefined) }, t.channel === "WEBHOOK" ? "Exempt" : "Confirm or exempt") : null),
          ),
        ),
      ),
    ),
  ];
}

/** The DPO's confirm form for one task (a processor confirms its own tasks in tasks.js). */
function confirmForm(task, outcomes = ["COMPLETED", "ACKNOWLEDGED", "EXEMPT"], onDone = () => {}) {
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    h("p", {}, `${task.organisation.name}: `, categories(task.dataCategories)),
    field("Outcome", select("outcome", outcomes)),
    field("Evidence", h("textarea", { name: "evidence", rows: 3, required: true }), "What was done, kept as proof (required to complete or exempt; for EXEMPT, the reason)"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Confirm")),
  );
  const box = dialog("Confirm a task", form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      await run(DOC, "ConfirmTask", { input: { taskId: task.id, ...values(form) } });
      box.close();
      onDone();
    } catch (err) {
      showError(form, err);
    }
  });
}

function extendForm(r) {
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    h("p", {}, "Art 12(3): by one or two further months, once, where requests are complex or numerous. The subject must be told within the first month."),
    field("Further months", select("months", ["1", "2"])),
    field("Reason", h("textarea", { name: "reason", rows: 2, required: true })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Extend")),
  );
  form.querySelector("[name=months]").dataset.type = "int";
  const box = dialog("Extend the deadline", form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await run(DOC, "ExtendDeadline", { input: { requestId: r.id, ...values(form) } });
      box.close();
    } catch (err) {
      showError(form, err);
    }
  });
}

function fileForm() {
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    h("p", {}, "Any one identifier the person quoted is enough. It is used to find every holder and kept sealed until the request closes."),
    field("E-mail", h("input", { name: "email", type: "email", autocomplete: "off" })),
    field("Phone", h("input", { name: "phone", type: "tel", autocomplete: "off" })),
    field("Account number", h("input", { name: "accountNumber", autocomplete: "off" })),
    field("Kind", select("kind", KINDS)),
    field("Received on", h("input", { name: "receivedOn", type: "date", value: today() })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "File the request")),
  );
  const box = dialog("File a data-subject request", form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = values(form);
    const subject = {};
    for (const k of ["email", "phone", "accountNumber"]) if (v[k]) subject[k] = v[k];
    try {
      const d = await run(DOC, "FileRequest", { input: { subject, kind: v.kind, receivedOn: v.receivedOn } });
      box.close();
      location.hash = `#/requests/${d.fileDataSubjectRequest.id}`;
    } catch (err) {
      showError(form, err);
    }
  });
}
