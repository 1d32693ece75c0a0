//! The HTTP surface: `/graphql` (POST queries, GET GraphiQL), `/graphql/ws`, `/healthz`,
//! `/readyz`, `/metrics`; every response carries `x-request-id`.

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
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    Router,
    extract::State,
    http::{HeaderMap, StatusCode, header::AUTHORIZATION},
    response::{Html, IntoResponse},
    routing::get,
};
mod ops;
mod ws;

use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};

/// The service's router, used by `serve` and by the HTTP tests alike.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config.max_body_bytes;
    let timeout = state.config.request_timeout();
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/graphql/ws", get(ws::graphql_ws))
        .route("/healthz", get(healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
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
            let response = async_graphql::Response::from_errors(vec![
                err.into_server_error(Default::default()),
            ]);
            crate::metrics::graphql_request(None, &response, std::time::Duration::ZERO);
            return response.into();
        }
    };
    let request = request.into_inner();
    let operation = request.operation_name.clone();
    let started = std::time::Instant::now();
    let response = execute(&state, auth, request).await;
    crate::metrics::graphql_request(operation.as_deref(), &response, started.elapsed());
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
        .data(state.dsr.clone())
        .data(crate::graphql::issued::IssuedSecrets::default());
    let response = errors::normalise(state.schema.execute(request).await, &state.field_index);
    crate::graphql::hints::explain_limits(response, &state.config)
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

async fn graphiql(State(state): State<AppState>) -> impl IntoResponse {
    if !state.config.graphiql {
        return (
            StatusCode::NOT_FOUND,
            Html(String::from("GraphiQL is disabled")),
        )
            .into_response();
    }
    Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response()
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
