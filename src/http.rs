//! The HTTP surface: `/graphql` (POST queries, GET GraphiQL), `/graphql/ws`, `/healthz`, and the
//! console at `/` and `/console/`.

use crate::{
    error::AppResult,
    graphql::{
        context::{self, Auth},
        errors,
    },
    service::tokens,
    state::AppState,
};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    Router,
    extract::State,
    http::{HeaderMap, StatusCode, header::AUTHORIZATION},
    response::IntoResponse,
    routing::get,
};
mod console;
mod exports;
mod ws;

use tower_http::{limit::RequestBodyLimitLayer, timeout::TimeoutLayer, trace::TraceLayer};

/// The service's router, used by `serve` and by the HTTP tests alike.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config.max_body_bytes;
    let timeout = state.config.request_timeout();
    Router::new()
        .route("/", get(console::index))
        .route("/console/{*path}", get(console::file))
        .route("/graphql", get(console::graphiql).post(graphql))
        .route("/graphql/ws", get(ws::graphql_ws))
        .route("/healthz", get(healthz))
        .route("/exports/{file}", get(exports::export))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let request_id = headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64)
        .map_or_else(new_request_id, str::to_owned);
    let auth = match authenticate(&state, &headers).await {
        Ok(auth) => auth,
        Err(err) => {
            let err: async_graphql::Error = err.into();
            let response = async_graphql::Response::from_errors(vec![
                err.into_server_error(Default::default()),
            ]);
            return errors::normalise(response, &state.field_index, &request_id).into();
        }
    };
    execute_as(&state, auth, request_id, request.into_inner())
        .await
        .into()
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
    let request = context::prepare(state, auth, request_id.clone(), request);
    errors::normalise(
        state.schema.execute(request).await,
        &state.field_index,
        &request_id,
    )
}

/// The token of `Authorization: Bearer <token>`. `None` when the header is missing, repeated,
/// or not a bearer token.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return None;
    };
    value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// Reads `Authorization: Bearer <token>`; no header is anonymous; a repeated header, another
/// scheme, or an unknown, revoked or expired token is rejected.
pub(crate) async fn authenticate(state: &AppState, headers: &HeaderMap) -> AppResult<Auth> {
    if headers.get(AUTHORIZATION).is_none() {
        return Ok(Auth::Anonymous);
    }
    Ok(match bearer_token(headers) {
        Some(token) => authenticate_token(state, token).await?,
        None => Auth::Rejected,
    })
}

/// A bearer token's caller, or rejected.
async fn authenticate_token(state: &AppState, token: &str) -> AppResult<Auth> {
    Ok(tokens::authenticate(&state.db, token)
        .await?
        .map_or(Auth::Rejected, Auth::Token))
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
