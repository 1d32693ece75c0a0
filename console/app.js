// The console's shell: sign-in state, the navigation the signed-in role may use, and a hash router
// (`#/register?status=NON_COMPLIANT`) that renders one view module at a time into <main>.

import { idle, post } from "./lib/api.js";
import { fill, h, notice } from "./lib/dom.js";
import { session } from "./lib/session.js";

/** Route -> [menu label, module, roles that see it, { menu: false } for a page reached by links only]. */
const ROUTES = {
  overview: ["Overview", "./views/overview.js", ["ADMIN", "DPO", "PROCUREMENT", "AUDITOR"]],
  due: ["What is due", "./views/due.js", ["ADMIN", "DPO", "PROCUREMENT", "AUDITOR"]],
  register: ["Transfers", "./views/register.js", ["ADMIN", "DPO", "PROCUREMENT", "AUDITOR"]],
  map: ["Map", "./views/map.js", ["ADMIN", "DPO", "PROCUREMENT", "AUDITOR"]],
  organisations: ["Organisations", "./views/organisations.js", ["ADMIN", "DPO", "PROCUREMENT", "AUDITOR"]],
  datamap: ["Data map", "./views/datamap.js", ["ADMIN", "DPO", "PROCUREMENT", "AUDITOR"]],
  requests: ["Requests", "./views/requests.js", ["ADMIN", "DPO", "AUDITOR"]],
  tasks: ["My tasks", "./views/tasks.js", ["PROCESSOR"]],
  announce: ["Announce a change", "./views/announce.js", ["PROCESSOR"]],
  "subprocessor-changes": ["Sub-processor changes", "./views/subprocessors.js", ["ADMIN", "DPO", "PROCUREMENT", "AUDITOR"]],
  "who-holds": ["Who holds", "./views/whoholds.js", ["ADMIN", "DPO", "AUDITOR"]],
  "what-if": ["What if", "./views/whatif.js", ["ADMIN", "DPO", "PROCUREMENT", "AUDITOR"]],
  "import-export": ["Import / export", "./views/importexport.js", ["ADMIN", "DPO", "PROCUREMENT", "AUDITOR"]],
  categories: ["Categories", "./views/taxonomy.js", ["ADMIN", "DPO", "PROCUREMENT", "AUDITOR"]],
  record: ["Record of processing", "./views/record.js", ["ADMIN", "DPO", "PROCUREMENT", "AUDITOR"]],
  assessment: ["Transfer impact assessment", "./views/tia.js", ["ADMIN", "DPO", "PROCUREMENT", "AUDITOR"], { menu: false }],
  transfer: ["Transfer", "./views/transfer.js", ["ADMIN", "DPO", "PROCUREMENT", "AUDITOR"], { menu: false }],
  "flow-problems": ["Flows with a problem of their own", "./views/flowproblems.js", ["ADMIN", "DPO", "PROCUREMENT", "AUDITOR"], { menu: false }],
};

const VIEWER = "query Viewer { viewer { role tokenName signedIn organisation { id name } } }";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
let cleanup = null;

/** `#/organisations/4?tab=flows` -> `{ name: "organisations", rest: ["4"], params }`. */
function parseHash() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name = "", ...rest] = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { name, rest, params: new URLSearchParams(query) };
}

function allowed(name) {
  const route = ROUTES[name];
  return route && route[2].includes(session.role());
}

function home() {
  return session.role() === "PROCESSOR" ? "tasks" : "overview";
}

function renderChrome() {
  const current = parseHash().name || home();
  fill(
    nav,
    session.viewer()
      ? h(
          "ul",
          {},
          Object.entries(ROUTES)
            .filter(([name, route]) => allowed(name) && route[3]?.menu !== false)
            .map(([name, [text]]) => h("li", {}, h("a", { href: `#/${name}`, "aria-current": name === current ? "page" : null }, text))),
          h("li", {}, h("a", { href: "/graphql", target: "_blank", rel: "noopener" }, "GraphiQL")),
        )
      : null,
  );
  const viewer = session.viewer();
  fill(
    who,
    viewer
      ? [
          h("span", { class: "role", title: viewer.signedIn ? `Signed in as ${viewer.tokenName}` : `Token ${viewer.tokenName}` }, viewer.role, viewer.organisation ? ` · ${viewer.organisation.name}` : ""),
          h("button", { type: "button", class: "link", onclick: signOut }, "Sign out"),
        ]
      : null,
  );
}

/** Signs out: a token is forgotten; a session is ended at the register (and at the provider). */
async function signOut() {
  if (!session.signedInWithProvider()) {
    session.signOut();
    return;
  }
  try {
    const response = await fetch("/auth/logout", { method: "POST", headers: { "X-Requested-With": "register-console" } });
    const { location: next } = await response.json();
    location.assign(next || "/");
  } catch {
    location.assign("/");
  }
}

/** Counts the visits, so a view that finishes after the next one began is known. */
let visits = 0;

async function route() {
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  const { name, rest, params } = parseHash();
  if (!session.viewer()) {
    // No view to wait for: an older one still loading no longer marks the page.
    ++visits;
    main.removeAttribute("aria-busy");
    renderChrome();
    const view = await import("./views/signin.js");
    view.render(main, { onSignedIn: signedIn });
    return;
  }
  if (!allowed(name)) {
    location.replace(`#/${home()}`);
    return;
  }
  renderChrome();
  const [title, module] = ROUTES[name];
  document.title = `${title} · Transfer register`;
  // Each visit renders into its own element: a slower view still loading when the address
  // changes again fills an element no longer shown, never the page of the newer one.
  const visit = ++visits;
  // Busy until the view has drawn and every request it made has answered; then `data-settled`
  // names the visit, and a `settled` performance mark times it (a person sees the whole page).
  main.setAttribute("aria-busy", "true");
  main.removeAttribute("data-settled");
  main.dataset.visit = String(visit);
  const target = h("div", {});
  fill(main, target);
  fill(target, notice("Loading…"));
  try {
    const view = await import(module);
    const result = await view.render(target, { rest, params });
    if (typeof result === "function") {
      if (visit === visits) cleanup = result;
      else result();
    }
  } catch (e) {
    fill(target, h("h1", {}, title), notice(e.message, "bad"));
  }
  if (visit === visits && document.activeElement === document.body) main.focus({ preventScroll: true });
  await idle();
  if (visit !== visits) return;
  main.removeAttribute("aria-busy");
  main.dataset.settled = String(visit);
  performance.mark("settled", { detail: { visit, view: name } });
}

function signedIn() {
  const { name } = parseHash();
  if (!allowed(name)) location.hash = `#/${home()}`;
  else route();
}

async function start() {
  // A token of this tab, else the session cookie of a sign-in with the identity provider.
  try {
    const data = await post({ query: VIEWER, operationName: "Viewer" });
    session.setViewer(data.viewer);
  } catch {
    if (session.token()) session.signOut();
    session.setViewer(null);
  }
  session.onChange(() => route());
  window.addEventListener("hashchange", route);
  route();
}

start();
