//! `GET /exports/requests/{id}/certificate.{html,json}` (ADMIN, DPO, AUDITOR): a request's
//! certificate, printable or as data; and `GET /exports/outbox/{id}.eml` (ADMIN, DPO): one
//! message of the outbox, to send by hand. Refusals are as the other exports'.

use register_sheets::export::words::{self, code_in_words};

use crate::{
    error::AppError,
    exports::refusal,
    graphql::policy,
    page::{document, esc, html},
    service::requests::{
        certificate::{self, Certificate},
        mail, outbox,
    },
    state::AppState,
};
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};

/// `GET /exports/requests/{id}/{file}`.
pub async fn certificate(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    run_certificate(&state, &id, &file, &headers)
        .await
        .unwrap_or_else(|e| refusal(&e))
}

async fn run_certificate(
    state: &AppState,
    id: &str,
    file: &str,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let auth = super::authenticate(state, headers).await?;
    policy::require(&auth, "certificate", policy::CERTIFICATE_READERS)?;
    let html_wanted = match file {
        "certificate.html" => true,
        "certificate.json" => false,
        _ => return Err(AppError::not_found(format!("export {file:?}"))),
    };
    let id = crate::service::validate::id("id", id)?;
    let certificate = certificate::build(&state.read_db, id).await?;
    if html_wanted {
        return Ok(html(StatusCode::OK, render(&certificate)));
    }
    let disposition = format!(
        "inline; filename=\"certificate-{}.json\"",
        certificate.request_id
    );
    Ok((
        [
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        axum::Json(certificate),
    )
        .into_response())
}

fn time(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map_or_else(
        || "—".into(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// A holder's evidence: its text, and the file it attached named by its SHA-256.
fn evidence(h: &certificate::Holder) -> String {
    let mut out = opt(h.evidence.as_deref());
    if let Some(file) = &h.evidence_document {
        out.push_str(&format!(
            "<br><span class=\"evidence-file\">File: {} ({} bytes), SHA-256 <code>{}</code></span>",
            esc(&file.file_name),
            file.size,
            esc(&file.sha256)
        ));
    }
    out
}

fn opt(text: Option<&str>) -> String {
    text.map_or_else(|| "—".into(), esc)
}

/// The printable certificate.
pub fn render(c: &Certificate) -> String {
    let mut body = String::new();
    if c.draft {
        body.push_str(
            "<p class=\"draft\" id=\"draft\">DRAFT: the request is not closed; this is what it \
             shows today.</p>",
        );
    }
    body.push_str(&format!(
        "<h1>Certificate of data-subject request {reference}</h1>\
         <dl class=\"facts\"><dt>Reference</dt><dd>{reference}</dd><dt>Kind</dt><dd>{kind}</dd>\
         <dt>Status</dt><dd>{status}</dd><dt>Received</dt><dd>{received}</dd>\
         <dt>Deadline</dt><dd>{due}</dd><dt>Extension</dt><dd>{extension}</dd>\
         <dt>Closed</dt><dd>{closed}</dd><dt>Generated</dt><dd>{generated}</dd></dl>\
         <p class=\"note\">No identifier of the data subject is shown: the reference names the \
         request.</p><h2>Holders</h2><table><thead><tr><th>Holder</th><th>Channel</th>\
         <th>Status</th><th>Confirmed</th><th>How</th><th>Evidence</th><th>Exemption</th>\
         </tr></thead><tbody>",
        reference = esc(&c.reference),
        kind = esc(&code_in_words(&c.kind, words::dsr_kind)),
        status = esc(&code_in_words(&c.status, words::dsr_status)),
        received = c.received_on,
        due = c.due_on,
        extension = c.extension_months.map_or_else(
            || "none".into(),
            |m| {
                let months = if m == 1 { "month" } else { "months" };
                format!("{m} {months}: {}", opt(c.extension_reason.as_deref()))
            }
        ),
        closed = time(c.closed_at),
        generated = time(Some(c.generated_at)),
    ));
    for h in &c.holders {
        let mut exemption = opt(h.exemption_reason.as_deref());
        for r in &h.restricted {
            exemption.push_str(&format!(
                "<br>Kept restricted: {} ({})",
                esc(&r.categories.join(", ")),
                esc(&r.reason)
            ));
        }
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}<br>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&h.organisation),
            esc(&code_in_words(&h.channel, words::delivery_channel)),
            esc(&code_in_words(&h.status, words::task_status)),
            time(h.confirmed_at),
            opt(h.confirmed_by.as_deref()),
            opt(h.how.as_deref()),
            evidence(h),
            exemption,
        ));
    }
    body.push_str("</tbody></table><h2>Seal</h2>");
    match &c.seal {
        Some(seal) => body.push_str(&format!(
            "<p id=\"seal\">Sealed by audit event {} ({}, {}) of the register's audit chain, \
             hash <code>{}</code>: every later event's hash covers it, so a change to this \
             record shows when the chain is verified.</p>",
            seal.audit_event_id,
            esc(&seal.operation),
            time(Some(seal.occurred_at)),
            esc(&seal.hash)
        )),
        None => body.push_str("<p id=\"seal\">No audit event records this request.</p>"),
    }
    document(
        &format!("Certificate of request {}", c.reference),
        &body,
        None,
    )
}

/// `GET /exports/outbox/{id}.eml`.
pub async fn outbox_message(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    run_outbox(&state, &file, &headers)
        .await
        .unwrap_or_else(|e| refusal(&e))
}

async fn run_outbox(
    state: &AppState,
    file: &str,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let auth = super::authenticate(state, headers).await?;
    policy::require(&auth, "outbox", policy::OUTBOX_READERS)?;
    let id = file
        .strip_suffix(".eml")
        .and_then(|id| id.parse::<i64>().ok())
        .ok_or_else(|| AppError::not_found(format!("outbox message {file:?}")))?;
    let message = outbox::get(&state.read_db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("outbox message {id}")))?;
    let eml = mail::eml(&state.config, &(&message).into())
        .map_err(|e| AppError::internal(anyhow::anyhow!("rendering outbox message {id}: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "message/rfc822".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"outbox-{id}.eml\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        eml,
    )
        .into_response())
}
