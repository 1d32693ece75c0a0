//! E-mail tasks: the request sent to the holder's privacy contact through the configured SMTP
//! server (lettre). The task row is the outbox; this only performs one attempt.

use crate::{config::Config, domain::dsr::delivery::WebhookBody};
use entity::dsr_request;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, message::header::ContentType,
};
use std::time::Duration;

/// The message text: what is asked, by when, and how to confirm.
fn text(request: &dsr_request::Model, body: &WebhookBody) -> Result<String, String> {
    let json = serde_json::to_string_pretty(body).map_err(|e| e.to_string())?;
    Ok(format!(
        "A data subject has made a {kind} request (reference {reference}).\n\
         Action asked of you: {action}. Due on {due}.\n\
         Data categories you hold: {cats}.\n{split}\n\
         Please confirm task {task} to your contact at the controller, with evidence of what was done.\n\
         The request, as the webhook would carry it (Idempotency-Key {task}):\n\n{json}\n",
        kind = body.kind,
        reference = request.reference,
        action = body.action,
        due = body.due_on,
        cats = body.data_categories.join(", "),
        split = split(body),
        task = body.task_id,
    ))
}

/// Why an e-mail task fails at once on a service without SMTP, and what a person does instead.
pub fn not_configured(to: &str) -> String {
    format!(
        "no SMTP server is configured (REGISTER_SMTP_URL), so this e-mail is not sent and not \
         retried: send the request to {to} by hand and confirm the task with evidence"
    )
}

/// For an erasure split by category: what to erase, and what to keep restricted and why.
fn split(body: &WebhookBody) -> String {
    let mut out = String::new();
    if let Some(erase) = &body.erase_categories {
        out.push_str(&format!("Erase: {}.\n", erase.join(", ")));
    }
    for kept in body.restrict_categories.iter().flatten() {
        out.push_str(&format!(
            "Keep restricted (do not use, do not erase): {}, because of {}{}.\n",
            kept.categories.join(", "),
            kept.reason,
            kept.until
                .as_deref()
                .map(|u| format!(", until {u}"))
                .unwrap_or_default()
        ));
    }
    out
}

/// Hands one message to the SMTP server; `Ok` once the server accepted it.
pub async fn send(
    config: &Config,
    timeout: Duration,
    to: &str,
    request: &dsr_request::Model,
    body: &WebhookBody,
) -> Result<String, String> {
    let url = config
        .smtp_url
        .as_deref()
        .ok_or_else(|| not_configured(to))?;
    let message = Message::builder()
        .from(
            config
                .smtp_from
                .parse()
                .map_err(|e| format!("REGISTER_SMTP_FROM: {e}"))?,
        )
        .to(to
            .parse()
            .map_err(|e| format!("privacyContactEmail: {e}"))?)
        .subject(format!(
            "Data-subject request {}: {} due {} (task {})",
            request.reference, body.kind, body.due_on, body.task_id
        ))
        .header(ContentType::TEXT_PLAIN)
        .body(text(request, body)?)
        .map_err(|e| format!("building the message: {e}"))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| format!("REGISTER_SMTP_URL: {e}"))?
        .timeout(Some(timeout))
        .build();
    let response = transport
        .send(message)
        .await
        .map_err(|e| format!("SMTP: {e}"))?;
    Ok(format!("accepted by the SMTP server ({})", response.code()))
}
