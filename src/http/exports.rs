//! `GET /exports/{kind}.{csv|json|xlsx}`: the exports of the command line, for the console and
//! for anyone holding a bearer token of a role that may read the register.
//!
//! Query parameters: `on` (YYYY-MM-DD, default today) and, for `ropa`, `processor` (an
//! organisation id: its Art 30(2) record). Refusals are JSON in the GraphQL error shape:
//! `{"errors":[{"message":..,"extensions":{"code":..}}]}`.

use crate::{
    error::AppError,
    graphql::policy,
    service::export::{self, ExportKind, ExportOptions, Format},
    state::AppState,
};
use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    on: Option<String>,
    processor: Option<String>,
}

/// A refusal as the GraphQL endpoint would give it, with the matching HTTP status.
fn refusal(err: AppError) -> Response {
    let status = match &err {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::BadInput { .. } => StatusCode::BAD_REQUEST,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Internal(source) => {
            tracing::error!(error = ?source, "export failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let mut extensions = serde_json::json!({ "code": err.code() });
    if let AppError::BadInput { field, .. } = &err {
        extensions["field"] = field.clone().into();
    }
    let body = serde_json::json!({
        "errors": [{ "message": err.to_string(), "extensions": extensions }]
    });
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

pub async fn export(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<ExportQuery>,
    headers: HeaderMap,
) -> Response {
    match run(&state, &file, query, &headers).await {
        Ok(response) => response,
        Err(err) => refusal(err),
    }
}

async fn run(
    state: &AppState,
    file: &str,
    query: ExportQuery,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    // Authorisation before anything else: an anonymous caller learns nothing about the path.
    let auth = super::authenticate(state, headers).await?;
    policy::require(&auth, "exports", policy::EXPORT_READERS)?;
    let (kind, format) = file
        .rsplit_once('.')
        .and_then(|(stem, ext)| Some((ExportKind::parse(stem)?, Format::parse(ext)?)))
        .ok_or_else(|| AppError::not_found(format!("export {file:?}")))?;
    let on = match query.on.as_deref() {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            AppError::bad_input(
                "on",
                format!("on {text:?} is not a date in the form YYYY-MM-DD"),
            )
        })?,
        None => Utc::now().date_naive(),
    };
    let processor = query
        .processor
        .as_deref()
        .map(|p| crate::service::validate::id("processor", p))
        .transpose()?;
    let table = export::build(
        &state.db,
        &state.reference,
        kind,
        ExportOptions { on, processor },
    )
    .await?;
    let bytes = table.to_bytes(format).map_err(AppError::internal)?;
    let disposition = format!(
        "attachment; filename=\"{}-{on}.{}\"",
        kind.name(),
        format.extension()
    );
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
