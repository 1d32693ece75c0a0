//! The HTTP surface: `/graphql` (POST queries, GET GraphiQL), `/graphql/ws`, `/healthz`,
//! `/readyz`, `/metrics`, `/exports/...`, the holders' answer pages at `/respond/...`, and the console at `/` and `/console/`; every response
//! carries `x-request-id`. [`server::run`] serves it.

pub mod state;

pub use state::{AppState, prepare};

// The layers below, under the paths they had when the layers were one crate.
use register_domain as domain;
use register_graphql as graphql;
use register_service as service;
use register_service::{config, db, error, metrics};

use crate::{
    error::AppResult,
    graphql::{context::Auth, errors},
};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    Router,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::IntoResponse,
    routing::get,
};
/// Sign-in for people (`/auth/...`), in `register-access`.
pub use register_access::auth;
/// The frame of the server-rendered pages, in `register-access`.
use register_access::page;
mod certificate;
mod console;
mod documents;
mod exports;
mod ops;
mod refusals;
mod respond;
/// The accept loop, in `register-server`.
pub use register_server as server;
mod subprocessors;
mod ws;

use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};

/// The listener `serve` accepts on (and the load benchmark): every connection gets
/// `TCP_NODELAY`, since axum leaves Nagle's algorithm on, and with it the last partial segment of
/// a response waits for the client's delayed acknowledgement (40 ms on Linux).
pub async fn listen(
    address: impl tokio::net::ToSocketAddrs,
) -> std::io::Result<
    impl axum::serve::Listener<Io = tokio::net::TcpStream, Addr = std::net::SocketAddr>,
> {
    use axum::serve::ListenerExt as _;
    Ok(tokio::net::TcpListener::bind(address).await?.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::warn!(error = %err, "could not set TCP_NODELAY on a connection");
        }
    }))
}

/// The router over an opened register: what `serve` hands the accept loop (through
/// `register_cli::Api`, so that the command line does not depend on this crate).
pub fn router(register: register_service::Register) -> anyhow::Result<Router> {
    Ok(app(AppState::from_register(register)?))
}

/// The service's router, used by `serve` and by the HTTP tests alike.
pub fn app(state: AppState) -> Router {
    let timeout = state.config.request_timeout();
    let config = state.config.clone();
    // Built in `register-access` with its own state, so its handlers are compiled there.
    let sign_in = register_access::routes(state.access());
    Router::new()
        .route("/", get(console::index))
        .route("/console/{*path}", get(console::file))
        .route("/graphql", get(console::graphiql).post(graphql))
        .route("/graphql/ws", get(ws::graphql_ws))
        .route("/healthz", get(healthz))
        .route("/exports/{file}", get(exports::export))
        .route(
            "/exports/requests/{id}/{file}",
            get(certificate::certificate),
        )
        .route("/exports/outbox/{file}", get(certificate::outbox_message))
        .route("/exports/templates/{file}", get(exports::template))
        .route("/respond/{token}", get(respond::show).post(respond::answer))
        .route("/documents/{id}", get(documents::download))
        .route("/subprocessors", get(subprocessors::page))
        .route("/subprocessors.json", get(subprocessors::json))
        .route("/subprocessors.atom", get(subprocessors::atom))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .with_state(state)
        .merge(sign_in)
        // REGISTER_MAX_BODY_BYTES, or one document for an upload (REGISTER_DOCUMENT_MAX_BYTES).
        .layer(axum::middleware::from_fn_with_state(
            config,
            documents::body_limit,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        // Refusals made above GraphQL (400, 405, 408, 413) are GraphQL responses too.
        .layer(axum::middleware::map_response(refusals::as_graphql))
        // Set only where a handler did not (the console sets its own CSP).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            html_only(HTML_CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            html_only("DENY"),
        ))
        // Outermost last: the id is set (or kept from the caller), then the span logs it, then
        // it is copied onto the response.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(ops::request_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::map_request(ops::sanitise_request_id))
}

/// The Content-Security-Policy of HTML pages without their own (GraphiQL): no framing, no
/// plugins, no base or form redirection. GraphiQL's scripts come from a CDN, so `script-src` is
/// left to the page.
const HTML_CSP: &str =
    "frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'";

/// A header value for HTML responses only.
fn html_only(
    value: &'static str,
) -> impl Fn(&axum::response::Response) -> Option<HeaderValue> + Clone {
    move |response| {
        response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|t| t.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
            .then(|| HeaderValue::from_static(value))
    }
}

async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: GraphQLRequest<refusals::BodyRejection>,
) -> GraphQLResponse {
    let request_id = headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64)
        .map_or_else(new_request_id, str::to_owned);
    let auth = match authenticate(&state, &headers)
        .await
        .and_then(|auth| auth::check_csrf(&auth, &headers).map(|()| auth))
    {
        Ok(auth) => auth,
        Err(err) => {
            let err: async_graphql::Error = err.into();
            let response = async_graphql::Response::from_errors(vec![
                err.into_server_error(async_graphql::Pos::default()),
            ]);
            let request = request.into_inner();
            let origin = errors::Origin {
                request_id: &request_id,
                auth: &Auth::Rejected,
                operation: request.operation_name.as_deref(),
                refusals: &state.refusals,
            };
            let response = errors::normalise(response, &state.field_index, &origin);
            crate::metrics::graphql_request(
                request.operation_name.as_deref(),
                &response,
                std::time::Duration::ZERO,
            );
            return response.into();
        }
    };
    let request = request.into_inner();
    let operation = request.operation_name.clone();
    let started = std::time::Instant::now();
    let response = execute_as(&state, auth, request_id, request).await;
    crate::metrics::graphql_request(operation.as_deref(), &response, started.elapsed());
    response.into()
}

/// The header that names a request in the log and in the response.
pub const REQUEST_ID: &str = "x-request-id";

/// A fresh request id: 16 random hex digits.
pub fn new_request_id() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

/// Runs one GraphQL request as `auth`; used by in-process tests.
pub async fn execute(
    state: &AppState,
    auth: Auth,
    request: async_graphql::Request,
) -> async_graphql::Response {
    execute_as(state, auth, new_request_id(), request).await
}

/// Runs one GraphQL request as `auth` under `request_id`, as every HTTP request runs.
pub async fn execute_as(
    state: &AppState,
    auth: Auth,
    request_id: String,
    request: async_graphql::Request,
) -> async_graphql::Response {
    let operation = request.operation_name.clone();
    let request = prepare(state, auth.clone(), request_id.clone(), request);
    let response = state.schema.execute(request).await;
    finish(state, &auth, &request_id, operation.as_deref(), response)
}

/// What every response goes through, over HTTP and WebSocket alike: errors normalised (codes,
/// fields, refusals logged) and limit errors explained.
pub(crate) fn finish(
    state: &AppState,
    auth: &Auth,
    request_id: &str,
    operation: Option<&str>,
    response: async_graphql::Response,
) -> async_graphql::Response {
    let origin = errors::Origin {
        request_id,
        auth,
        operation,
        refusals: &state.refusals,
    };
    let response = errors::normalise(response, &state.field_index, &origin);
    crate::graphql::hints::explain_limits(response, &state.config)
}

/// The caller of a request, by bearer token or session cookie (see `register_access`).
pub(crate) async fn authenticate(state: &AppState, headers: &HeaderMap) -> AppResult<Auth> {
    register_access::authenticate(&state.access(), headers).await
}

/// A bearer token's caller, or rejected (see `register_access::authenticate_token`).
async fn authenticate_token(state: &AppState, token: &str) -> AppResult<Auth> {
    register_access::authenticate_token(&state.access(), token).await
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(err) => {
            tracing::error!(error = %err, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use axum::serve::Listener as _;

    #[tokio::test]
    async fn accepted_connections_send_without_waiting_for_acknowledgements() {
        let mut listener = super::listen("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let _client = tokio::net::TcpStream::connect(address).await.unwrap();
        let (accepted, _) = listener.accept().await;
        assert!(accepted.nodelay().unwrap(), "Nagle's algorithm is still on");
    }
}
