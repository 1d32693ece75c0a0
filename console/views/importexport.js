// Import and export: upload a CSV or XLSX file and read the per-row report (nothing is imported
// when any row is refused; "check only" imports nothing at all); download the record of
// processing activities (Art 30) and the transfer register as CSV or XLSX.

import { download, run } from "../lib/api.js";
import { clearErrors, field, fill, h, notice, select, showError } from "../lib/dom.js";
import { session } from "../lib/session.js";

const DOC = new URL("./importexport.graphql", import.meta.url);
const KINDS = ["ORGANISATIONS", "ACTIVITIES", "FLOWS", "SUBJECTS"];
const EXPORTS = [
  ["ropa", "Record of processing activities (Art 30)"],
  ["transfers", "Transfer register"],
];

export async function render(main) {
  const status = h("p", { class: "live", role: "status" });
  const exports = h(
    "section",
    { class: "card", "aria-labelledby": "exp-h" },
    h("h2", { id: "exp-h" }, "Export"),
    h(
      "ul",
      { class: "plain downloads" },
      EXPORTS.map(([name, text]) =>
        h(
          "li",
          {},
          h("span", {}, text),
          ["csv", "xlsx"].map((ext) =>
            // A real link to the export (copyable, and what a script would fetch); the click
            // fetches it with the bearer token, which a plain navigation cannot send.
            h(
              "a",
              {
                class: "button download",
                href: `/exports/${name}.${ext}`,
                download: `${name}-${new Date().toISOString().slice(0, 10)}.${ext}`,
                onclick: async (event) => {
                  event.preventDefault();
                  const link = event.currentTarget;
                  fill(status, `Preparing ${name}.${ext}…`);
                  try {
                    await download(link.getAttribute("href"), link.getAttribute("download"));
                    fill(status, `${name}.${ext} downloaded.`);
                  } catch (e) {
                    fill(status, e.message);
                  }
                },
              },
              `${ext.toUpperCase()}`,
            ),
          ),
        ),
      ),
    ),
    status,
  );
  let kinds = null;
  if (session.canEdit()) kinds = await run(DOC, "ImportKinds").then((d) => d.__type?.enumValues.map((v) => v.name) ?? [], () => KINDS);
  fill(main, h("h1", {}, "Import and export"), h("div", { class: "grid" }, kinds ? importCard(kinds) : null, exports));
}

function importCard(kinds) {
  if (!kinds.length)
    return h("section", { class: "card", "aria-labelledby": "imp-h" }, h("h2", { id: "imp-h" }, "Import a spreadsheet"), notice("This server does not offer spreadsheet import yet. Use `transfer-register import organisations FILE` on the command line.", "warn"));
  const file = h("input", { type: "file", name: "file", accept: ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", required: true });
  const dryRun = h("input", { type: "checkbox", name: "dryRun", checked: true });
  const report = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("What the file holds", select("kind", kinds)),
    field("Spreadsheet (CSV or XLSX, header row)", file),
    h("div", { class: "field check" }, h("label", {}, dryRun, " Check only (import nothing)")),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Upload")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const chosen = file.files[0];
    if (!chosen) return showError(form, { field: "file", message: "Choose a file." });
    const xlsx = /\.xlsx$/i.test(chosen.name);
    const content = xlsx ? base64(new Uint8Array(await chosen.arrayBuffer())) : await chosen.text();
    fill(report, notice("Checking…"));
    try {
      const d = await run(DOC, "Import", { kind: form.elements.kind.value, fileName: chosen.name, content, dryRun: dryRun.checked });
      fill(report, reportOf(d.importRecords, dryRun.checked));
    } catch (err) {
      fill(report);
      if (/Unknown (field|type)|importRecords|ImportKind/.test(err.message) && err.code !== "BAD_USER_INPUT") showError(form, { message: "This server does not offer spreadsheet import yet (importRecords is missing). Use `transfer-register import` on the command line." });
      else showError(form, err);
    }
  });
  return h("section", { class: "card", "aria-labelledby": "imp-h" }, h("h2", { id: "imp-h" }, "Import a spreadsheet"), form, report);
}

function reportOf(r, dry) {
  if (!r.errors.length && r.webhookSecrets?.length) return [notice(`${r.imported} rows imported.`, "ok"), secretsOf(r.webhookSecrets)];
  if (!r.errors.length) return notice(dry ? `Every row is valid: ${r.imported} would be imported. Untick "check only" to import.` : `${r.imported} rows imported.`, "ok");
  return [
    notice(`${r.errors.length} ${r.errors.length === 1 ? "problem" : "problems"}; nothing was imported.`, "bad"),
    h(
      "table",
      { class: "data refused" },
      h("caption", {}, "Refused rows"),
      h("thead", {}, h("tr", {}, ["Line", "Column", "Problem"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, r.errors.map((x) => h("tr", {}, h("td", { class: "num" }, x.line), h("td", {}, x.field), h("td", {}, x.message)))),
    ),
  ];
}

/** The webhook secrets the import issued: shown here once, for the processors' receivers. */
function secretsOf(secrets) {
  return [
    notice("Each organisation imported with an erasure webhook has a signing secret. Copy them now and give each to its processor: they are never shown again (the rotateWebhookSecret mutation, open to a DPO or an ADMIN, replaces one).", "warn"),
    h(
      "table",
      { class: "data secrets" },
      h("caption", {}, "Webhook secrets"),
      h("thead", {}, h("tr", {}, ["Line", "Organisation", "Secret"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, secrets.map((s) => h("tr", {}, h("td", { class: "num" }, s.line), h("td", {}, h("a", { href: `#/organisations/${s.organisationId}` }, s.name)), h("td", {}, h("code", {}, s.secret))))),
    ),
  ];
}

function base64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
