//! `GET /respond/{token}` and `POST /respond/{token}`: the holder's answer page, reached from the
//! link in an e-mailed task, with no account or bearer token. Plain HTML that works without
//! JavaScript (a small module only shows the exemption fields when they apply). A link that is
//! unknown or tampered with (404), expired (410) or already answered (409 to a second answer)
//! changes nothing; each address may make [`PER_MINUTE`] requests a minute (429 after).

use crate::{
    page::{document, esc, html},
    server,
    service::requests::respond::{self, Answer, Refusal, Shown},
    state::AppState,
};
use axum::{
    Extension,
    body::Bytes,
    extract::{ConnectInfo, Path, State},
    http::{HeaderValue, StatusCode, header},
    response::Response,
};
use std::{
    collections::HashMap,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::Mutex,
    time::{Duration, Instant},
};

/// Requests one client address may make to `/respond/...` in a minute.
pub const PER_MINUTE: u32 = 30;
const WINDOW: Duration = Duration::from_mins(1);
/// Addresses remembered at most; past this, windows that have ended are forgotten.
const ADDRESSES_KEPT: usize = 10_000;

/// A fixed one-minute window per client address (an IPv4 address, an IPv6 /64).
#[derive(Debug, Default)]
pub struct RateLimit(Mutex<HashMap<IpAddr, (Instant, u32)>>);

impl RateLimit {
    /// Whether `address` may make one more request now.
    fn admit(&self, address: IpAddr) -> bool {
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
        entry.1 += 1;
        entry.1 <= PER_MINUTE
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
    if !state
        .respond_limit
        .admit(server::client_key(address(&peer)))
    {
        return too_many();
    }
    match respond::open(&state.db, &state.dsr, &state.config, &token).await {
        Ok(shown) => html(StatusCode::OK, form_page(&shown, &token, None)),
        Err(refusal) => refused(refusal, &token, StatusCode::OK),
    }
}

/// `POST /respond/{token}` with `application/x-www-form-urlencoded`: `outcome`, `evidence`,
/// and for `EXEMPT` one `kept` per category kept and `reason`.
pub async fn answer(
    State(state): State<AppState>,
    Path(token): Path<String>,
    peer: Peer,
    body: Bytes,
) -> Response {
    let client = address(&peer);
    if !state.respond_limit.admit(server::client_key(client)) {
        return too_many();
    }
    let mut answer = Answer::default();
    for (key, value) in url::form_urlencoded::parse(&body) {
        match key.as_ref() {
            "outcome" => answer.outcome = Some(value.into_owned()),
            "evidence" => answer.evidence = Some(value.into_owned()),
            "reason" => answer.reason = Some(value.into_owned()),
            "kept" => answer.kept.push(value.into_owned()),
            _ => {}
        }
    }
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
        Err(refusal) => refused(refusal, &token, StatusCode::CONFLICT),
    }
}

/// The page of a refusal; `answered` is the status of an answered link (200 to look at it, 409
/// to a second answer).
fn refused(refusal: Refusal, token: &str, answered: StatusCode) -> Response {
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
            form_page(&shown, token, Some((field, &message))),
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

fn form_page(shown: &Shown, token: &str, error: Option<(&str, &str)>) -> String {
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
         <form method=\"post\" action=\"/respond/{token}\" id=\"answer\">\
         <fieldset><legend>What was done?</legend>\
         <label class=\"choice\"><input type=\"radio\" name=\"outcome\" value=\"DONE\" required> \
         Done as asked</label>\
         <label class=\"choice\"><input type=\"radio\" name=\"outcome\" value=\"EXEMPT\"> \
         Done, except categories we must keep for a legal reason</label>\
         <label class=\"choice\"><input type=\"radio\" name=\"outcome\" value=\"NOT_FOUND\"> \
         We cannot identify this data subject</label></fieldset>\
         <p><label for=\"evidence\">Evidence: what was done, when, and by whom</label>\
         <textarea id=\"evidence\" name=\"evidence\" rows=\"5\" maxlength=\"4000\"></textarea></p>\
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
