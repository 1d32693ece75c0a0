//! `GET /exports/{kind}.{csv|json|xlsx}`: the exports of the command line, for the console and
//! for anyone holding a bearer token of a role that may read the register.
//!
//! The file streams out as it is rendered (see [`stream`]).
//!
//! Query parameters: `on` (YYYY-MM-DD, default today); for `ropa`, `processor` (an
//! organisation id: its Art 30(2) record); for `whatif`, `endsOn` and one of `mechanism` or
//! `decision` (and `on` defaults to `endsOn`, as in the `whatIf` query). Refusals are JSON in
//! the GraphQL error shape:
//! `{"errors":[{"message":..,"extensions":{"code":..}}]}`.

use crate::{
    error::AppError, graphql::policy, service::limits::run_expensive_keeping, state::AppState,
};
use axum::{
    body::{Body, Bytes},
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{NaiveDate, Utc};
use register_sheets::export::{self, ExportKind, ExportOptions, Format, WhatIfQuestion};
use serde::Deserialize;
use std::io::Write;
use tokio::sync::OwnedSemaphorePermit;

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    on: Option<String>,
    processor: Option<String>,
    controller: Option<String>,
    mechanism: Option<String>,
    decision: Option<String>,
    #[serde(rename = "endsOn")]
    ends_on: Option<String>,
}

/// A date parameter, refused on its own name.
fn date(field: &str, text: &str) -> Result<NaiveDate, AppError> {
    crate::domain::dates::parse(text)
        .ok_or_else(|| AppError::bad_input(field, crate::domain::dates::refusal(field, text)))
}

/// A refusal as the GraphQL endpoint would give it, with the matching HTTP status.
pub(crate) fn refusal(err: &AppError) -> Response {
    let status = match &err {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::BadInput { .. } => StatusCode::BAD_REQUEST,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(source) => {
            tracing::error!(error = ?source, "export failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let mut extensions = serde_json::json!({ "code": err.code() });
    if let AppError::BadInput { field, .. } = &err {
        extensions["field"] = field.clone().into();
    }
    if let AppError::Busy(_) = &err {
        extensions["reason"] = "BUSY".into();
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
        Err(err) => refusal(&err),
    }
}

/// `GET /exports/templates/{organisations,locations,activities,flows}.{csv,xlsx}`: an empty
/// import file with its header and one example row; for the roles that read the register.
pub async fn template(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let auth = super::authenticate(&state, &headers).await?;
        policy::require(&auth, "exports", policy::EXPORT_READERS)?;
        let (kind, format) = file
            .rsplit_once('.')
            .and_then(|(stem, ext)| {
                let kind = export::templates::kind(stem)?;
                let format = Format::parse(ext).filter(|f| *f != Format::Json)?;
                Some((kind, format))
            })
            .ok_or_else(|| AppError::not_found(format!("template {file:?}")))?;
        let mut body = Vec::new();
        export::templates::template(kind)
            .write(format, &mut body)
            .map_err(AppError::Internal)?;
        let disposition = format!(
            "attachment; filename=\"{}-template.{}\"",
            kind.name(),
            format.extension()
        );
        Ok::<_, AppError>(
            (
                [
                    (header::CONTENT_TYPE, format.content_type().to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                body,
            )
                .into_response(),
        )
    };
    match answer.await {
        Ok(response) => response,
        Err(err) => refusal(&err),
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
    let ends_on = query
        .ends_on
        .as_deref()
        .map(|t| date("endsOn", t))
        .transpose()?;
    let on = match query.on.as_deref() {
        Some(text) => date("on", text)?,
        None => ends_on
            .filter(|_| kind == ExportKind::WhatIf)
            .unwrap_or_else(|| Utc::now().date_naive()),
    };
    let what_if = (kind == ExportKind::WhatIf)
        .then(|| {
            WhatIfQuestion::parse(
                &state.reference,
                query.mechanism.as_deref(),
                query.decision.as_deref(),
                ends_on,
            )
        })
        .transpose()?;
    let processor = query
        .processor
        .as_deref()
        .map(|p| crate::service::validate::id("processor", p))
        .transpose()?;
    let controller = query
        .controller
        .as_deref()
        .map(|c| crate::service::validate::id("controller", c))
        .transpose()?;
    // A whole-register read: it takes a turn in the bounded pool, as the GraphQL fields do.
    let turn = state.limits.expensive("an export").await?;
    let options = ExportOptions {
        on,
        processor,
        controller,
        what_if,
    };
    let body = stream(state, kind, options, format, turn).await?;
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
        body,
    )
        .into_response())
}

/// Chunks of the rendered file in flight at most, each of [`CHUNK`] bytes: with the pages the
/// producer and the renderer hold (see `register_sheets::export::stream`), what an answer holds
/// in memory, however large the register.
const CHUNKS_IN_FLIGHT: usize = 4;
const CHUNK: usize = 64 * 1024;

/// The export as a streamed body: read a page at a time on the pool of whole-register work
/// (keeping the export's turn until the last page is read) and rendered on a blocking thread as
/// the pages come. Waits for the first bytes, so that a refusal found before any (an unknown
/// controller, an XLSX file too large for a worksheet, whose bytes come only at its end) is
/// answered as a refusal; a client that goes away stops both.
async fn stream(
    state: &AppState,
    kind: ExportKind,
    options: ExportOptions,
    format: Format,
    turn: OwnedSemaphorePermit,
) -> Result<Body, AppError> {
    let (db, reference, verdicts) = (
        state.read_db.clone(),
        state.reference.clone(),
        state.verdicts.clone(),
    );
    let page = state.config.export_page_ids;
    let (out, mut pieces) = export::stream::channel();
    tokio::spawn(async move {
        // Ends when every page is sent or the renderer went away (the send fails).
        let produced = run_expensive_keeping(turn, async move {
            let source = export::Source {
                db: &db,
                reference: &reference,
                verdicts: Some(verdicts.as_ref()),
                page,
            };
            export::stream::run(&source, kind, options, out).await;
            Ok(())
        })
        .await;
        if let Err(err) = produced {
            tracing::error!(error = ?err, "producing an export failed");
        }
    });
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, AppError>>(CHUNKS_IN_FLIGHT);
    tokio::task::spawn_blocking(move || {
        let mut out = ChannelWriter {
            tx,
            buffer: Vec::with_capacity(CHUNK),
            sent: false,
        };
        let written = export::stream::render(&mut pieces, format, &mut out).and_then(|()| {
            out.flush()
                .map_err(|e| AppError::internal(anyhow::Error::new(e)))
        });
        if let Err(err) = written {
            if out.sent && !out.tx.is_closed() {
                // The status line is gone: the client sees a cut answer. Log the cause, unless
                // the client itself went away.
                tracing::error!(error = ?err, "rendering an export failed midway");
            }
            let _ = out.tx.blocking_send(Err(err));
        }
    });
    let first = match rx.recv().await {
        Some(Ok(chunk)) => chunk,
        Some(Err(err)) => return Err(err),
        None => Bytes::new(),
    };
    let mut first = Some(first);
    Ok(Body::from_stream(futures_util::stream::poll_fn(
        move |cx| {
            if let Some(chunk) = first.take() {
                return std::task::Poll::Ready(Some(Ok(chunk)));
            }
            rx.poll_recv(cx)
                .map(|chunk| chunk.map(|c| c.map_err(|e| std::io::Error::other(e.to_string()))))
        },
    )))
}

/// A writer that hands its bytes to the response body in chunks, waiting while the client is
/// slower than the rendering.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, AppError>>,
    buffer: Vec<u8>,
    /// Whether a chunk went out (the answer has started).
    sent: bool,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.sent = true;
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
