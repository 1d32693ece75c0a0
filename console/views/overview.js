// Overview: compliance gaps by problem code (restricted transfers and flows with a problem of
// their own counted apart, each number linking to the page that lists exactly as many), requests due this week or overdue, and the
// transfers whose verdict changed in the last 30 days (the law moved or the register did), as the
// service's history of verdicts recorded them (`verdictChanges`), not by fetching the register.

import { run, track } from "../lib/api.js";
import { daysUntil, fill, h, label, notice, plural, status, verdict } from "../lib/dom.js";
import { session } from "../lib/session.js";

const DOC = new URL("./overview.graphql", import.meta.url);

const PROBLEM_HELP = {
  MISSING_SAFEGUARD: "No adequacy, safeguard or derogation covers the transfer.",
  INVALID_MECHANISM: "The mechanism relied on is no longer valid (e.g. Privacy Shield, struck down 16 July 2020).",
  EXPIRED_INSTRUMENT: "The instrument (e.g. the 2010 SCCs) has expired.",
  MODULE_MISSING: "SCCs without a module.",
  MODULE_MISMATCH: "The SCC module does not fit the parties' roles.",
  TIA_MISSING: "No transfer impact assessment recorded.",
  NOT_CERTIFIED: "The importer is not certified under the Data Privacy Framework.",
  OUTSIDE_ADEQUACY_SCOPE: "The importer falls outside a partial adequacy decision.",
  DEROGATION_MISSING: "A derogation is claimed but not named.",
  DPA_MISSING: "No Art 28 contract (DPA) with the processor.",
};

export async function render(main) {
  const gaps = h("section", { class: "card", "aria-labelledby": "gaps-h" }, h("h2", { id: "gaps-h" }, "Compliance gaps today"), notice("Loading…"));
  const requests = h("section", { class: "card", "aria-labelledby": "req-h" }, h("h2", { id: "req-h" }, "Requests due this week or overdue"), notice("Loading…"));
  const changes = h("section", { class: "card wide", "aria-labelledby": "chg-h" }, h("h2", { id: "chg-h" }, "Verdicts changed in the last 30 days"), notice("Loading…"));
  fill(main, h("h1", {}, "Overview"), h("div", { class: "grid" }, gaps, session.canHandleRequests() || session.role() === "AUDITOR" ? requests : null, changes));

  run(DOC, "OverviewGaps")
    .then((d) => fill(gaps, gaps.firstChild, gapsTable(d.complianceGaps, d.organisations.totalCount)))
    .catch((e) => fill(gaps, gaps.firstChild, notice(e.message, "bad")));
  if (requests.isConnected)
    run(DOC, "OverviewRequests")
      .then((d) => fill(requests, requests.firstChild, requestList(d.dataSubjectRequests.edges.map((e) => e.node))))
      .catch((e) => fill(requests, requests.firstChild, notice(e.message, "bad")));
  const since = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  run(DOC, "OverviewChanges", { since })
    .then((d) => fill(changes, changes.firstChild, changeList(d.verdictChanges, d.appeared.totalCount, since)))
    .catch((e) => fill(changes, changes.firstChild, notice(e.message, "bad")));
  // What is due (issue 28), a panel of its own module.
  track(import("./due.js").then(({ duePanel }) => main.querySelector(".grid")?.prepend(duePanel())));
}

function gapsTable(gaps, organisations) {
  const own = gaps.flowsWithOwnProblems;
  const summary = h(
    "p",
    { class: "summary", "data-testid": "gap-counts" },
    h("a", { href: "#/register?status=NON_COMPLIANT", "data-testid": "transfers-non-compliant" }, h("strong", { class: "big" }, gaps.transfersNonCompliant)),
    ` ${gaps.transfersNonCompliant === 1 ? "transfer" : "transfers"} non-compliant of `,
    h("a", { href: "#/register", "data-testid": "transfers-assessed" }, gaps.transfersAssessed),
    ` assessed, across ${organisations} organisations; `,
    h("a", { href: "#/flow-problems", "data-testid": "flows-own-problems" }, own),
    ` ${own === 1 ? "flow" : "flows"} with a problem of ${own === 1 ? "its" : "their"} own (not a restricted transfer, e.g. no Art 28 contract).`,
  );
  if (!gaps.byCode.length) return [summary, notice("No gaps: every restricted transfer has a footing.", "ok")];
  const count = (n, href) => (n ? h("a", { href }, n) : "0");
  return [
    summary,
    h(
      "table",
      { class: "data", "data-testid": "gaps-by-code" },
      h("caption", { class: "sr-only" }, "Problems by code"),
      h(
        "thead",
        {},
        h("tr", {}, h("th", { scope: "col" }, "Problem"), h("th", { scope: "col", class: "num" }, "Transfers"), h("th", { scope: "col", class: "num" }, "Flows, own problem"), h("th", { scope: "col" }, "Meaning")),
      ),
      h(
        "tbody",
        {},
        gaps.byCode.map((g) =>
          h(
            "tr",
            { "data-code": g.code },
            h("th", { scope: "row" }, h("a", { href: g.transfers ? `#/register?problem=${g.code}` : `#/flow-problems?problem=${g.code}` }, label(g.code))),
            h("td", { class: "num", "data-testid": "code-transfers" }, count(g.transfers, `#/register?problem=${g.code}`)),
            h("td", { class: "num", "data-testid": "code-flows" }, count(g.flowsWithOwnProblems, `#/flow-problems?problem=${g.code}`)),
            h("td", {}, PROBLEM_HELP[g.code] ?? ""),
          ),
        ),
      ),
    ),
  ];
}

function requestList(all) {
  const watch = all
    .filter((r) => r.status === "OVERDUE" || ((r.status === "OPEN" || r.status === "IN_PROGRESS") && daysUntil(r.dueOn) <= 7))
    .sort((a, b) => a.dueOn.localeCompare(b.dueOn));
  const overdue = watch.filter((r) => r.status === "OVERDUE").length;
  const head = h("p", { class: "summary" }, h("strong", { class: "big" }, overdue), " overdue, ", watch.length - overdue, " due within 7 days. ", h("a", { href: "#/requests" }, "All requests"));
  if (!watch.length) return [head, notice("Nothing due this week.", "ok")];
  return [
    head,
    h(
      "ul",
      { class: "plain" },
      watch.slice(0, 12).map((r) => {
        const done = r.tasks.filter((t) => t.status === "COMPLETED" || t.status === "EXEMPT").length;
        const days = daysUntil(r.dueOn);
        return h(
          "li",
          {},
          status(r.status),
          " ",
          h("a", { href: `#/requests/${r.id}` }, `${label(r.kind)} ${r.reference}`),
          ` · due ${r.dueOn} (${days < 0 ? `${-days} days late` : days === 0 ? "today" : `in ${days} days`}) · ${done}/${r.tasks.length} tasks done`,
        );
      }),
    ),
  ];
}

const CAUSE = {
  REGISTER_WRITE: "the register changed",
  DATE_TURNED: "a date passed",
  REFERENCE_DATA: "changed by law",
};

function changeList(changes, withAppeared, date) {
  const rows = changes.edges.map((e) => e.node);
  const appeared = withAppeared - changes.totalCount;
  const head = h("p", { class: "summary", "data-testid": "verdict-changes" }, `${plural(changes.totalCount, "transfer")} changed verdict since ${date}; ${appeared} appeared or went since then.`);
  if (!rows.length) return head;
  return [
    head,
    h(
      "table",
      { class: "data" },
      h("thead", {}, h("tr", {}, ["Exporter", "Recipient", "Destination", "Mechanism", "Was", "Now", "Why", "When"].map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        rows.map((c) =>
          h(
            "tr",
            {},
            h("td", {}, c.flow?.from.name ?? `flow ${c.flowId} (deleted)`),
            h("td", {}, c.flow ? h("a", { href: `#/organisations/${c.flow.to.id}` }, c.flow.to.name) : ""),
            h("td", {}, c.destinationCountry),
            h("td", {}, c.flow ? label(c.flow.mechanism) : ""),
            h("td", {}, verdict(c.oldStatus)),
            h("td", {}, verdict(c.newStatus)),
            h("td", {}, CAUSE[c.cause] ?? label(c.cause)),
            h("td", {}, c.changedAt.slice(0, 10)),
          ),
        ),
      ),
    ),
  ];
}
