//! The HTTP surface: `/graphql` (POST queries, GET GraphiQL), `/graphql/ws`, `/healthz`, and the
//! console at `/` and `/console/`.

use crate::{
    error::AppResult,
    graphql::{
        context::{Auth, RequestContext},
        errors,
        loaders::Loaders,
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
    let auth = match authenticate(&state, &headers).await {
        Ok(auth) => auth,
        Err(err) => {
            let err: async_graphql::Error = err.into();
            return async_graphql::Response::from_errors(vec![
                err.into_server_error(Default::default()),
            ])
            .into();
        }
    };
    let response = execute(&state, auth, request.into_inner()).await;
    response.into()
}

/// Runs one GraphQL request as `auth`, with fresh loaders; also used by in-process tests.
pub async fn execute(
    state: &AppState,
    auth: Auth,
    request: async_graphql::Request,
) -> async_graphql::Response {
    let context = RequestContext {
        db: state.db.clone(),
        reference: state.reference.clone(),
        config: state.config.clone(),
        auth,
    };
    let keys = crate::service::subjects::SubjectKeys::new(
        &state.secret,
        state.config.phone_default_country,
    );
    let request = request
        .data(Loaders::new(&state.db))
        .data(context)
        .data(keys)
        .data(state.dsr.clone());
    errors::normalise(state.schema.execute(request).await, &state.field_index)
}

/// Reads `Authorization: Bearer <token>`; a missing header is anonymous, anything else unknown is rejected.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> AppResult<Auth> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(Auth::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    Ok(match token {
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
