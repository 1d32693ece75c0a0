// The console's only way to the service: GraphQL over fetch (and subscriptions over a WebSocket),
// with the signed-in token as the bearer. Each view keeps its GraphQL document beside itself.

import { session } from "./session.js";

/** A refused operation: the first error's message, `code` and (for bad input) `field`. */
export class ApiError extends Error {
  constructor(errors) {
    const first = errors[0] ?? {};
    super(first.message ?? "The service refused the request.");
    this.errors = errors;
    this.code = first.extensions?.code ?? "INTERNAL";
    this.field = first.extensions?.field ?? null;
  }
}

/**
 * Work under way that a page waits for (GraphQL requests, documents, a view's `track`ed panels):
 * the shell marks a page settled only when none is left (see `idle`).
 */
let pending = 0;
let waiting = [];

/** Counts `promise` as work under way until it ends; returns it. */
export function track(promise) {
  pending++;
  const done = () => {
    if (--pending > 0) return;
    const resolve = waiting;
    waiting = [];
    resolve.forEach((f) => f());
  };
  promise.then(done, done);
  return promise;
}

/**
 * Resolves when no tracked work is under way, checked again after the tasks its last answer let
 * run: a view that asks again from an answer (a document, then its query) is not idle in between.
 */
export async function idle() {
  for (;;) {
    await new Promise((resolve) => {
      setTimeout(resolve, 0);
    });
    if (pending === 0) return;
    await new Promise((resolve) => {
      waiting.push(resolve);
    });
  }
}

const documents = new Map();

/** The GraphQL document at `url` (a view's `.graphql` file beside it), fetched once. */
export async function documentAt(url) {
  const key = String(url);
  if (!documents.has(key)) {
    documents.set(
      key,
      track(
        fetch(key).then((r) => {
          if (!r.ok) throw new Error(`${key}: ${r.status}`);
          return r.text();
        }),
      ),
    );
  }
  return documents.get(key);
}

/**
 * The definitions of a document by name: `{ operations, fragments }`, each the definition's text.
 * Only what one operation needs is sent, so an operation the server lacks (an older binary)
 * fails alone instead of failing every operation of the view.
 */
export function definitions(text) {
  const source = text.replace(/#[^\n]*/g, "");
  const operations = new Map();
  const fragments = new Map();
  let depth = 0;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) {
      const definition = source.slice(start, i + 1).trim();
      const match = /^(query|mutation|subscription|fragment)\s+(\w+)/.exec(definition);
      if (match) (match[1] === "fragment" ? fragments : operations).set(match[2], definition);
      start = i + 1;
    }
  }
  return { operations, fragments };
}

/** Operation `name` of `text` with the fragments it spreads, transitively. */
export function operationText(text, name) {
  const { operations, fragments } = definitions(text);
  const operation = operations.get(name);
  if (!operation) throw new Error(`no operation ${name} in the view's document`);
  const needed = new Set();
  const visit = (body) => {
    for (const [, spread] of body.matchAll(/\.\.\.\s*(\w+)/g)) {
      if (fragments.has(spread) && !needed.has(spread)) {
        needed.add(spread);
        visit(fragments.get(spread));
      }
    }
  };
  visit(operation);
  return [operation, ...[...needed].map((f) => fragments.get(f))].join("\n\n");
}

/** Runs operation `operationName` of the document at `url`; resolves to `data` or throws ApiError. */
export function run(url, operationName, variables = {}) {
  return track(documentAt(url).then((text) => post({ query: operationText(text, operationName), operationName, variables })));
}

/** Posts one GraphQL request with the session's token (tracked: the page is busy until it answers). */
export function post(body) {
  return track(send(body));
}

async function send(body) {
  // X-Requested-With: a request signed in by the session cookie must show it comes from a script
  // of the register's own pages (a cross-site form cannot send it).
  const headers = { "Content-Type": "application/json", Accept: "application/json", "X-Requested-With": "register-console" };
  const token = session.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify(body) });
  } catch (e) {
    throw new ApiError([{ message: `The service cannot be reached (${e.message}).`, extensions: { code: "INTERNAL" } }]);
  }
  let json;
  try {
    json = await response.json();
  } catch {
    throw new ApiError([{ message: `The service answered ${response.status}.`, extensions: { code: "INTERNAL" } }]);
  }
  if (json.errors?.length) {
    const error = new ApiError(json.errors);
    if (error.code === "UNAUTHENTICATED") session.expired();
    throw error;
  }
  return json.data;
}

/**
 * Subscribes to operation `operationName` of the document at `url` once per entry of
 * `variablesList`, all over one graphql-transport-ws connection to `/graphql/ws`; the token travels
 * in `connection_init` (browsers cannot set headers on a WebSocket). `onData(data, index)` gets
 * each event. Returns a function that stops them all.
 */
export function subscribe(url, operationName, variablesList, onData, onError = () => {}) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}/graphql/ws`, "graphql-transport-ws");
  let stopped = false;
  socket.addEventListener("open", () => {
    const token = session.token();
    socket.send(JSON.stringify({ type: "connection_init", payload: token ? { Authorization: `Bearer ${token}` } : {} }));
  });
  socket.addEventListener("message", async (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message.type === "connection_ack") {
      const query = operationText(await documentAt(url), operationName);
      variablesList.forEach((variables, i) => socket.send(JSON.stringify({ id: String(i), type: "subscribe", payload: { query, operationName, variables } })));
    } else if (message.type === "next") {
      if (message.payload?.errors?.length) onError(new ApiError(message.payload.errors));
      else onData(message.payload.data, Number(message.id));
    } else if (message.type === "error") {
      onError(new ApiError(message.payload));
    } else if (message.type === "ping") {
      socket.send(JSON.stringify({ type: "pong" }));
    }
  });
  socket.addEventListener("close", (event) => {
    if (!stopped) onError(new Error(`Live updates stopped (${event.code}${event.reason ? `: ${event.reason}` : ""}); reload to resume.`));
  });
  return () => {
    stopped = true;
    if (socket.readyState === WebSocket.CONNECTING) socket.addEventListener("open", () => socket.close(1000));
    else socket.close(1000);
  };
}

/** Downloads `path` with the bearer token and saves it as `fileName` through a Blob URL. */
export async function download(path, fileName) {
  const token = session.token();
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) {
    const text = await response.text().catch(() => "");
    throw new Error(response.status === 404 ? `${path} is not served by this version of the service.` : `${path}: ${response.status} ${text}`.trim());
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
