//! E-mail tasks: the request sent to the holder's privacy contact through the configured SMTP
//! server (lettre), or, without one, written to the outbox for a person to send. Every message
//! carries the task's answer link. This only composes and performs one attempt.

use crate::{config::Config, domain::dsr::delivery::WebhookBody};
use entity::dsr_request;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, message::header::ContentType,
};
use std::time::Duration;

/// The message text: what is asked, by when, and how to answer.
fn text(
    request: &dsr_request::Model,
    body: &WebhookBody,
    link: &str,
    reminder: Option<&str>,
) -> Result<String, String> {
    let json = serde_json::to_string_pretty(body).map_err(|e| e.to_string())?;
    let reminder = reminder
        .map(|r| format!("REMINDER: {r}. We have not had your answer yet.\n\n"))
        .unwrap_or_default();
    Ok(format!(
        "{reminder}A data subject has made a {kind} request (reference {reference}).\n\
         Action asked of you: {action}. Due on {due}.\n\
         Data categories you hold: {cats}.\n{split}\n\
         Answer here once it is done (no account needed; the link is for this task only):\n\
         {link}\n\n\
         Or confirm task {task} to your contact at the controller, with evidence of what was done.\n\
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

/// What happens to an e-mail on a service without SMTP, and what a person does instead.
pub fn not_configured(to: &str, outbox_id: i64) -> String {
    format!(
        "no SMTP server is configured (REGISTER_SMTP_URL), so this e-mail is not sent: it is \
         in the outbox as message {outbox_id} (/exports/outbox/{outbox_id}.eml); send it to {to} \
         by hand, or wait for the holder's answer through its link"
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

/// A message ready to send or to keep in the outbox.
#[derive(Debug, Clone)]
pub struct Composed {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// The message of an e-mail task (or of its reminder), with its answer link.
pub fn compose(
    to: &str,
    request: &dsr_request::Model,
    body: &WebhookBody,
    link: &str,
    reminder: Option<&str>,
) -> Result<Composed, String> {
    Ok(Composed {
        to: to.to_string(),
        subject: format!(
            "{}Data-subject request {}: {} due {} (task {})",
            if reminder.is_some() { "Reminder: " } else { "" },
            request.reference,
            body.kind,
            body.due_on,
            body.task_id
        ),
        body: text(request, body, link, reminder)?,
    })
}

/// The message as an RFC 5322 file (`.eml`), for the outbox's downloads.
pub fn eml(config: &Config, message: &Composed) -> Result<Vec<u8>, String> {
    Ok(build(config, message)?.formatted())
}

fn build(config: &Config, message: &Composed) -> Result<Message, String> {
    Message::builder()
        .from(
            config
                .smtp_from
                .parse()
                .map_err(|e| format!("REGISTER_SMTP_FROM: {e}"))?,
        )
        .to(message
            .to
            .parse()
            .map_err(|e| format!("privacyContactEmail: {e}"))?)
        .subject(message.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(message.body.clone())
        .map_err(|e| format!("building the message: {e}"))
}

/// Hands one message to the SMTP server; `Ok` once the server accepted it.
pub async fn send(
    config: &Config,
    timeout: Duration,
    message: &Composed,
) -> Result<String, String> {
    let url = config
        .smtp_url
        .as_deref()
        .ok_or("no SMTP server is configured (REGISTER_SMTP_URL)")?;
    let built = build(config, message)?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| format!("REGISTER_SMTP_URL: {e}"))?
        .timeout(Some(timeout))
        .build();
    let response = transport
        .send(built)
        .await
        .map_err(|e| format!("SMTP: {e}"))?;
    Ok(format!("accepted by the SMTP server ({})", response.code()))
}
