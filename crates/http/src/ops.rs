//! The operator's endpoints: `GET /readyz` for load balancers and `GET /metrics` for Prometheus,
//! and the span every request is logged in (with its `x-request-id`).

use crate::state::AppState;
use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, Request, StatusCode, header},
    response::{IntoResponse, Response},
};
use migration::{Migrator, MigratorTrait};

/// 200 once every migration has run and the database answers; 503 naming what is missing.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if let Err(err) = state.db.ping().await {
        tracing::warn!(error = %err, "not ready: the database does not answer");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable".to_string(),
        );
    }
    match Migrator::get_pending_migrations(&state.db).await {
        Ok(pending) if pending.is_empty() => (StatusCode::OK, "ready".to_string()),
        Ok(pending) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{} migration(s) pending", pending.len()),
        ),
        Err(err) => {
            tracing::warn!(error = %err, "not ready: reading the migrations failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "migrations unknown".to_string(),
            )
        }
    }
}

/// Prometheus text. Open unless `REGISTER_METRICS_TOKEN` is set, then only for
/// `Authorization: Bearer <that token>` (API tokens do not open it: scrapers get their own).
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = state
        .config
        .metrics_token
        .as_deref()
        .filter(|t| !t.is_empty())
    {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        let same: bool =
            subtle::ConstantTimeEq::ct_eq(given.as_bytes(), expected.as_bytes()).into();
        if !same {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
                "metrics need Authorization: Bearer <REGISTER_METRICS_TOKEN>",
            )
                .into_response();
        }
    }
    match crate::metrics::render(&state.db).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            )],
            text,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "reading the register's gauges failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Longest caller-given `x-request-id` kept (as the GraphQL handler keeps it).
const LONGEST_REQUEST_ID: usize = 64;

/// Drops a caller's `x-request-id` that is empty, longer than 64 characters or not plain
/// visible ASCII, so a fresh one is made: the id goes into every log line of the request.
pub async fn sanitise_request_id<B>(mut request: Request<B>) -> Request<B> {
    let keep = request.headers().get("x-request-id").is_none_or(|v| {
        let bytes = v.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= LONGEST_REQUEST_ID
            && bytes.iter().all(u8::is_ascii_graphic)
    });
    if !keep {
        request.headers_mut().remove("x-request-id");
    }
    request
}

/// The span of one request: method, path (never the query string or headers, which may carry
/// tokens) and the request id that `SetRequestIdLayer` put on it.
pub fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
    )
}
