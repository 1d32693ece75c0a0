// GraphiQL from the embedded bundle (React and ReactDOM 18, GraphiQL 3 UMD), with the console's
// signed-in token applied as the bearer to queries and to subscriptions' connection_init.

const token = sessionStorage.getItem("tr.token");
const authorization = token ? { Authorization: `Bearer ${token}` } : {};
const scheme = location.protocol === "https:" ? "wss:" : "ws:";

const fetcher = window.GraphiQL.createFetcher({
  url: "/graphql",
  subscriptionUrl: `${scheme}//${location.host}/graphql/ws`,
  headers: authorization,
  wsConnectionParams: authorization,
});

const host = document.getElementById("graphiql");
if (!token) {
  const note = document.createElement("p");
  note.className = "graphiql-signed-out";
  note.textContent = "Not signed in: sign in on the console (/) in this tab, or set an Authorization header below.";
  host.before(note);
}

const defaultQuery = `# The transfer register's GraphQL API. Ctrl-Enter runs the query.
query Gaps {
  complianceGaps { assessed nonCompliant byCode { code count } }
}
`;

window.ReactDOM.createRoot(host).render(
  window.React.createElement(window.GraphiQL, {
    fetcher,
    defaultQuery,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false,
  }),
);
