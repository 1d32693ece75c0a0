//! `GET /respond/{token}` and `POST /respond/{token}`: the holder's answer page, reached from the
//! link in an e-mailed task, with no account or bearer token. Plain HTML that works without
//! JavaScript (a small module only shows the exemption fields when they apply). A link that is
//! unknown or tampered with (404), expired (410) or already answered (409 to a second answer)
//! changes nothing; each address may make `REGISTER_RESPOND_RATE_PER_MINUTE` requests a minute
//! (429 after). The answer may carry an evidence file (`multipart/form-data`, at most
//! `REGISTER_DOCUMENT_MAX_BYTES`: a larger one gets a 413 page and changes nothing), stored with
//! the answer in its transaction.

use crate::{
    documents::{self as upload, FormError},
    page::{document, esc, html},
    server,
    service::requests::respond::{self, Answer, Refusal, Shown},
    state::AppState,
};
use axum::{
    Extension,
    body::Body,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
};
use std::{
    collections::HashMap,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::Mutex,
    time::{Duration, Instant},
};

const WINDOW: Duration = Duration::from_mins(1);
/// Addresses remembered at most; past this, windows that have ended are forgotten.
const ADDRESSES_KEPT: usize = 10_000;

/// A fixed one-minute window per client address (an IPv4 address, an IPv6 /64).
#[derive(Debug, Default)]
pub struct RateLimit(Mutex<HashMap<IpAddr, (Instant, u32)>>);

impl RateLimit {
    /// Whether `address` may make one more request now, `per_minute` being allowed.
    fn admit(&self, address: IpAddr, per_minute: u32) -> bool {
        let now = Instant::now();
        let mut seen = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.len() >= ADDRESSES_KEPT {
            seen.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = seen.entry(address).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= per_minute
    }
}

type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

fn address(peer: &Peer) -> IpAddr {
    peer.as_ref()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.0.0.ip())
}

fn too_many() -> Response {
    let mut response = html(
        StatusCode::TOO_MANY_REQUESTS,
        document(
            "Too many requests",
            "<h1>Too many requests</h1><p>This address has made too many requests to answer \
             pages. Wait a minute and try again.</p>",
            None,
        ),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    response
}

/// `GET /respond/{token}`.
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    peer: Peer,
) -> Response {
    if !state.respond_limit.admit(
        server::client_key(address(&peer)),
        state.config.documents.respond_rate_per_minute,
    ) {
        return too_many();
    }
    let max_file = state.config.documents.document_max_bytes;
    match respond::open(&state.db, &state.dsr, &state.config, &token).await {
        Ok(shown) => html(StatusCode::OK, form_page(&shown, &token, max_file, None)),
        Err(refusal) => refused(refusal, &token, StatusCode::OK, max_file),
    }
}

/// The page of an evidence file (or a form) over `max` bytes: nothing was recorded. The rest of
/// the body is not read, so the connection is closed.
pub fn too_large(max: usize) -> Response {
    let mut response = html(
        StatusCode::PAYLOAD_TOO_LARGE,
        document(
            "File too large",
            &format!(
                "<h1>The file is too large</h1><p>Evidence files may be at most {}. Nothing has \
                 been recorded: <a href=\"\">go back to the form</a> and attach a smaller \
                 file (or describe the evidence in the text).</p>",
                esc(&size_in_words(max))
            ),
            None,
        ),
    );
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// `bytes` as people read it (`10 MB`, `512 KB`).
fn size_in_words(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

fn unreadable() -> Response {
    html(
        StatusCode::BAD_REQUEST,
        document(
            "Form not read",
            "<h1>The form could not be read</h1><p>Nothing has been recorded: \
             <a href=\"\">go back to the form</a> and send it again.</p>",
            None,
        ),
    )
}

/// The answer as the form says: `application/x-www-form-urlencoded` (as the contract fixes it)
/// or `multipart/form-data` with an evidence file in `file`.
async fn read_answer(
    headers: &HeaderMap,
    body: Body,
    max_file: usize,
) -> Result<Answer, FormError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (fields, file) = if content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        let form = upload::read_multipart(content_type, body, "file", max_file).await?;
        (form.fields, form.file)
    } else {
        let bytes = axum::body::to_bytes(body, usize::MAX).await.map_err(|e| {
            if upload::is_length_limit(&e) {
                FormError::TooLarge
            } else {
                FormError::Unreadable
            }
        })?;
        let fields = url::form_urlencoded::parse(&bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        (fields, None)
    };
    let mut answer = Answer {
        file,
        ..Answer::default()
    };
    for (key, value) in fields {
        match key.as_str() {
            "outcome" => answer.outcome = Some(value),
            "evidence" => answer.evidence = Some(value),
            "reason" => answer.reason = Some(value),
            "kept" => answer.kept.push(value),
            _ => {}
        }
    }
    Ok(answer)
}

/// `POST /respond/{token}` with `application/x-www-form-urlencoded` or `multipart/form-data`:
/// `outcome`, `evidence`, for `EXEMPT` one `kept` per category kept and `reason`, and optionally
/// an evidence file in `file`.
pub async fn answer(
    State(state): State<AppState>,
    Path(token): Path<String>,
    peer: Peer,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let client = address(&peer);
    let settings = &state.config.documents;
    if !state
        .respond_limit
        .admit(server::client_key(client), settings.respond_rate_per_minute)
    {
        return too_many();
    }
    let answer = match read_answer(&headers, body, settings.document_max_bytes).await {
        Ok(answer) => answer,
        Err(FormError::TooLarge) => return too_large(settings.document_max_bytes),
        Err(FormError::Unreadable) => return unreadable(),
    };
    match respond::answer(
        &state.db,
        &state.dsr,
        &state.audit_key,
        &state.config,
        &token,
        &answer,
        &client.to_string(),
    )
    .await
    {
        Ok(shown) => html(
            StatusCode::OK,
            answered_page(&shown, Some("Thank you: your answer is recorded.")),
        ),
        Err(refusal) => refused(
            refusal,
            &token,
            StatusCode::CONFLICT,
            settings.document_max_bytes,
        ),
    }
}

/// The page of a refusal; `answered` is the status of an answered link (200 to look at it, 409
/// to a second answer).
fn refused(refusal: Refusal, token: &str, answered: StatusCode, max_file: usize) -> Response {
    match refusal {
        Refusal::Unknown => html(
            StatusCode::NOT_FOUND,
            document(
                "Link not valid",
                "<h1>This link is not valid</h1><p>It may have been mistyped or cut short. \
                 Open the link exactly as it is in the e-mail, or contact the controller that \
                 sent it. Nothing has been recorded.</p>",
                None,
            ),
        ),
        Refusal::Expired(shown) => html(
            StatusCode::GONE,
            document(
                "Link expired",
                &format!(
                    "<h1>This link has expired</h1><p>It worked until {} (the deadline of request \
                     {} and a grace period). Nothing has been recorded: contact the controller \
                     that sent it to answer.</p>",
                    esc(&shown.expires_at.format("%Y-%m-%d %H:%M UTC").to_string()),
                    esc(&shown.reference)
                ),
                None,
            ),
        ),
        Refusal::TooLarge { max } => too_large(max),
        Refusal::Answered(shown) => html(
            answered,
            answered_page(
                &shown,
                (answered != StatusCode::OK)
                    .then_some("This task was already answered: nothing has been changed."),
            ),
        ),
        Refusal::Invalid {
            field,
            message,
            shown,
        } => html(
            StatusCode::BAD_REQUEST,
            form_page(&shown, token, max_file, Some((field, &message))),
        ),
        Refusal::Failed(err) => {
            tracing::error!(error = ?err, "answering through a link failed");
            html(
                StatusCode::INTERNAL_SERVER_ERROR,
                document(
                    "Not recorded",
                    "<h1>Your answer could not be recorded</h1><p>Please try again later.</p>",
                    None,
                ),
            )
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "none".into();
    }
    items.iter().map(|i| esc(i)).collect::<Vec<_>>().join(", ")
}

/// What is asked: the request's kind, the categories held, what to erase and keep, the deadline.
fn asked(shown: &Shown) -> String {
    let mut out = format!(
        "<dl class=\"facts\"><dt>Request</dt><dd>{reference} ({kind})</dd>\
         <dt>Holder</dt><dd>{holder} (task {task})</dd>\
         <dt>What is asked</dt><dd>{action}</dd>\
         <dt>Deadline</dt><dd><time datetime=\"{due}\">{due}</time></dd>\
         <dt>Categories you hold</dt><dd>{cats}</dd>",
        reference = esc(&shown.reference),
        kind = esc(register_sheets::export::words::dsr_kind(shown.kind)),
        holder = esc(&shown.organisation),
        task = shown.task_id,
        action = esc(&shown.action),
        due = shown.due_on,
        cats = list(&shown.data_categories),
    );
    if shown.kind == crate::domain::vocab::DsrKind::Erasure {
        out.push_str(&format!(
            "<dt>Erase</dt><dd>{}</dd>",
            list(&shown.erase_categories)
        ));
        for (cats, reason) in &shown.restricted {
            out.push_str(&format!(
                "<dt>Keep restricted</dt><dd>{} because of {}</dd>",
                list(cats),
                esc(reason)
            ));
        }
    }
    out.push_str(
        "</dl><p class=\"note\">The identifiers of the data subject are in the e-mail \
                  you received; they are not shown on this page.</p>",
    );
    out
}

fn form_page(shown: &Shown, token: &str, max_file: usize, error: Option<(&str, &str)>) -> String {
    let error = error
        .map(|(field, message)| {
            format!(
                "<p class=\"error\" role=\"alert\" id=\"error\" data-field=\"{}\">{}</p>",
                esc(field),
                esc(message)
            )
        })
        .unwrap_or_default();
    let kept: String = shown
        .data_categories
        .iter()
        .map(|c| {
            format!(
                "<label class=\"check\"><input type=\"checkbox\" name=\"kept\" value=\"{0}\"> {0}</label>",
                esc(c)
            )
        })
        .collect();
    let body = format!(
        "<h1>Data-subject request {reference}</h1>{asked}{error}\
         <form method=\"post\" action=\"/respond/{token}\" id=\"answer\" \
         enctype=\"multipart/form-data\">\
         <fieldset><legend>What was done?</legend>\
         <label class=\"choice\"><input type=\"radio\" name=\"outcome\" value=\"DONE\" required> \
         Done as asked</label>\
         <label class=\"choice\"><input type=\"radio\" name=\"outcome\" value=\"EXEMPT\"> \
         Done, except categories we must keep for a legal reason</label>\
         <label class=\"choice\"><input type=\"radio\" name=\"outcome\" value=\"NOT_FOUND\"> \
         We cannot identify this data subject</label></fieldset>\
         <p><label for=\"evidence\">Evidence: what was done, when, and by whom</label>\
         <textarea id=\"evidence\" name=\"evidence\" rows=\"5\" maxlength=\"4000\"></textarea></p>\
         <p><label for=\"file\">Evidence file, if you have one (a deletion log, a signed \
         statement; at most {max_file})</label>\
         <input type=\"file\" id=\"file\" name=\"file\"></p>\
         <fieldset id=\"exempt\"><legend>Only if some data is kept</legend>\
         <p>Categories kept:</p>{kept}\
         <p><label for=\"reason\">Legal reason they are kept (for example Art 17(3)(b), a legal \
         obligation to keep invoices)</label>\
         <input id=\"reason\" name=\"reason\" maxlength=\"4000\"></p></fieldset>\
         <p><button type=\"submit\">Send the answer</button></p>\
         <p class=\"note\">One answer only: once sent, this page shows it and takes no other. \
         The link works until {expires}.</p></form>",
        reference = esc(&shown.reference),
        asked = asked(shown),
        token = esc(token),
        expires = esc(&shown.expires_at.format("%Y-%m-%d %H:%M UTC").to_string()),
        max_file = esc(&size_in_words(max_file)),
    );
    document(
        &format!("Data-subject request {}", shown.reference),
        &body,
        Some("/console/respond.js"),
    )
}

fn answered_page(shown: &Shown, message: Option<&str>) -> String {
    let message = message
        .map(|m| {
            format!(
                "<p class=\"done\" role=\"status\" id=\"message\">{}</p>",
                esc(m)
            )
        })
        .unwrap_or_default();
    let outcome = match shown.answer.as_deref() {
        Some("DONE") => "Done as asked",
        Some("EXEMPT") => "Done, except categories kept for a legal reason",
        Some("NOT_FOUND") => "The data subject could not be identified",
        _ => "Answered to the controller",
    };
    let mut facts = format!(
        "<dl class=\"facts\" id=\"answer\"><dt>Answer</dt><dd>{}</dd><dt>Status</dt><dd>{}</dd>",
        esc(outcome),
        esc(register_sheets::export::words::task_status(shown.status))
    );
    if let Some(at) = shown.answered_at {
        facts.push_str(&format!(
            "<dt>Answered</dt><dd>{}</dd>",
            esc(&at.format("%Y-%m-%d %H:%M UTC").to_string())
        ));
    }
    if let Some(evidence) = &shown.evidence {
        facts.push_str(&format!("<dt>Evidence</dt><dd>{}</dd>", esc(evidence)));
    }
    if let Some(reason) = &shown.exemption_reason {
        facts.push_str(&format!("<dt>Kept, and why</dt><dd>{}</dd>", esc(reason)));
    }
    if let Some(file) = &shown.evidence_document {
        facts.push_str(&format!(
            "<dt>Evidence file</dt><dd id=\"evidence-file\">{} ({} bytes, SHA-256 <code>{}</code>)</dd>",
            esc(&file.file_name),
            file.size,
            esc(&file.sha256)
        ));
    }
    facts.push_str("</dl>");
    document(
        &format!("Data-subject request {}: answered", shown.reference),
        &format!(
            "<h1>Data-subject request {}</h1>{message}{}{facts}",
            esc(&shown.reference),
            asked(shown)
        ),
        None,
    )
}
