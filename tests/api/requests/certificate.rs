//! A request's certificate (`/exports/requests/{id}/certificate.{html,json}`): the request, each
//! holder with its channel and what it confirmed, when and how, the evidence or exemption, and
//! the audit event that seals it; no identifier of the subject. A draft while the request is
//! open. ADMIN, DPO and AUDITOR only.

use super::{
    ROTATE, as_role, confirm, file,
    respond::{PUBLIC_URL, post_answer, token_in},
    show, subject_in, task_of, worker,
};
use crate::{db_tests, fixtures, support::TestApp};
use axum::{
    Router,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use serde_json::{Value, json};
use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};
use transfer_register::domain::vocab::Role;

db_tests!(
    the_certificate_shows_each_holder_with_its_channel_confirmation_and_evidence,
    the_certificate_is_for_the_privacy_team_and_the_auditor_only,
);

/// A delivery as the hook saw it: its idempotency key and its `X-Register-Reminder`, if any.
pub type Seen = (String, Option<String>);

/// A webhook receiver that answers 200 and keeps each delivery's idempotency key and
/// `X-Register-Reminder` header; while `failing` is set it answers 503 and keeps nothing.
#[derive(Clone, Default)]
pub struct Hook {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub failing: Arc<AtomicBool>,
}

impl Hook {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let hook = Self {
            url: format!("http://{}/hook", listener.local_addr().expect("addr")),
            seen: Arc::default(),
            failing: Arc::default(),
        };
        let seen = hook.seen.clone();
        let failing = hook.failing.clone();
        let router = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap| async move {
                if failing.load(Ordering::SeqCst) {
                    return (StatusCode::SERVICE_UNAVAILABLE, "down");
                }
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                };
                seen.lock().expect("lock").push((
                    header("idempotency-key").unwrap_or_default(),
                    header("x-register-reminder"),
                ));
                (StatusCode::OK, "ok")
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        hook
    }

    /// Answers 503 from now on (`true`) or 200 again (`false`).
    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

/// A subject held by three organisations, one per channel: the controller (no contact: MANUAL),
/// a processor reached by e-mail, and one with a webhook.
pub struct Holders {
    pub manual: String,
    pub mailed: String,
    pub hooked: String,
    pub hook: Hook,
}

pub async fn three_holders(app: &TestApp) -> Holders {
    let hook = Hook::start().await;
    let manual = fixtures::org(
        app,
        json!({ "name": "Contoso Group plc", "kind": "GROUP_COMPANY", "country": "GB" }),
    )
    .await;
    let mailed = fixtures::org(
        app,
        json!({ "name": "Mailed Ltd", "kind": "SUPPLIER", "country": "GB",
                "dpaSignedOn": "2024-01-01", "privacyContactEmail": "privacy@mailed.example" }),
    )
    .await;
    let hooked = fixtures::org(
        app,
        json!({ "name": "Hooked Ltd", "kind": "SUPPLIER", "country": "IE",
                "dpaSignedOn": "2024-01-01", "erasureWebhookUrl": hook.url }),
    )
    .await;
    app.ok(ROTATE, json!({ "id": hooked })).await;
    let activity = fixtures::activity(app, &manual, &["contact.email", "identity.name"]).await;
    for to in [&mailed, &hooked] {
        fixtures::flow(
            app,
            json!({ "activityId": activity, "fromId": manual, "toId": to,
                    "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"],
                    "mechanism": "ADEQUACY" }),
        )
        .await;
    }
    subject_in(app, &activity).await;
    Holders {
        manual,
        mailed,
        hooked,
        hook,
    }
}

const OUTBOX_BODIES: &str = r#"{ outbox { edges { node { body task { id } } } } }"#;

/// The body of the last outbox message of `task`.
pub async fn last_mail_of(app: &TestApp, task: &Value) -> String {
    let data = app.ok(OUTBOX_BODIES, json!({})).await;
    data["outbox"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .rfind(|e| e["node"]["task"]["id"] == task["id"])
        .and_then(|e| e["node"]["body"].as_str())
        .unwrap_or_else(|| panic!("no message of the task: {data:#}"))
        .to_string()
}

async fn get(base: &str, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("get")
}

async fn the_certificate_shows_each_holder_with_its_channel_confirmation_and_evidence(
    app: TestApp,
) {
    let holders = three_holders(&app).await;
    let request = file(&app, "ERASURE", None).await;
    worker(&app, |c| c.public_url = Some(PUBLIC_URL.into()))
        .tick()
        .await
        .expect("tick");
    let shown = show(&app, &request).await;
    let (manual, mailed, hooked) = (
        task_of(&shown, &holders.manual).clone(),
        task_of(&shown, &holders.mailed).clone(),
        task_of(&shown, &holders.hooked).clone(),
    );
    assert_eq!(manual["channel"], json!("MANUAL"));
    assert_eq!(mailed["channel"], json!("EMAIL"));
    assert_eq!(hooked["channel"], json!("WEBHOOK"));
    assert_eq!(hooked["status"], json!("SENT"), "{shown:#}");
    let base = app.serve().await;
    let dpo = app.token(Role::Dpo).await;
    let path = format!("/exports/requests/{request}/certificate.json");

    // Open: a draft.
    let draft: Value = get(&base, &path, Some(&dpo))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(draft["draft"], json!(true), "{draft:#}");
    assert_eq!(draft["holders"].as_array().map(Vec::len), Some(3));

    // Each holder answers its way: the DPO for the manual task, the e-mailed holder through its
    // link, the webhook holder's processor token through the API (EXEMPT is the DPO's).
    let dpo_auth = as_role(&app, Role::Dpo, None).await;
    let done = confirm(
        &app,
        dpo_auth.clone(),
        &manual,
        "COMPLETED",
        Some("Deleted from the group CRM"),
    )
    .await;
    assert!(done.get("errors").is_none(), "{done:#}");
    let token = token_in(&last_mail_of(&app, &mailed).await);
    let (status, page) = post_answer(
        &base,
        &token,
        &[
            ("outcome", "EXEMPT"),
            ("evidence", "Name erased"),
            ("kept", "contact.email"),
            ("reason", "Art 17(3)(b): invoices kept by tax law"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let processor = as_role(&app, Role::Processor, Some(&holders.hooked)).await;
    let done = confirm(
        &app,
        processor,
        &hooked,
        "COMPLETED",
        Some("Erased by job 4711"),
    )
    .await;
    assert!(done.get("errors").is_none(), "{done:#}");
    assert_eq!(show(&app, &request).await["status"], json!("COMPLETED"));

    let response = get(&base, &path, Some(&dpo)).await;
    assert_eq!(response.status(), 200);
    let certificate: Value = response.json().await.expect("json");
    assert_eq!(certificate["draft"], json!(false), "{certificate:#}");
    assert_eq!(certificate["kind"], json!("ERASURE"));
    assert_eq!(certificate["status"], json!("COMPLETED"));
    assert!(certificate["reference"].is_string());
    assert!(certificate["dueOn"].is_string() && certificate["receivedOn"].is_string());
    assert!(certificate["closedAt"].is_string());
    let holder = |org: &str| {
        certificate["holders"]
            .as_array()
            .expect("holders")
            .iter()
            .find(|h| h["organisation"] == json!(org))
            .unwrap_or_else(|| panic!("no {org}: {certificate:#}"))
            .clone()
    };
    let m = holder("Contoso Group plc");
    assert_eq!(m["channel"], json!("MANUAL"));
    assert_eq!(m["status"], json!("COMPLETED"));
    assert_eq!(m["confirmed"], json!(true));
    assert!(m["confirmedAt"].is_string());
    assert_eq!(m["evidence"], json!("Deleted from the group CRM"));
    assert!(
        m["how"].as_str().is_some_and(|h| h.contains("DPO")),
        "{m:#}"
    );
    let e = holder("Mailed Ltd");
    assert_eq!(e["channel"], json!("EMAIL"));
    assert_eq!(e["status"], json!("EXEMPT"));
    assert_eq!(e["evidence"], json!("Name erased"));
    assert!(
        e["exemptionReason"]
            .as_str()
            .is_some_and(|r| r.contains("Art 17(3)(b)") && r.contains("contact.email")),
        "{e:#}"
    );
    assert_eq!(
        e["confirmedBy"],
        json!("the holder, through its answer link")
    );
    assert!(
        e["how"].as_str().is_some_and(|h| h.contains("answer link")),
        "{e:#}"
    );
    let w = holder("Hooked Ltd");
    assert_eq!(w["channel"], json!("WEBHOOK"));
    assert_eq!(w["status"], json!("COMPLETED"));
    assert_eq!(w["evidence"], json!("Erased by job 4711"));
    assert!(
        w["how"].as_str().is_some_and(|h| h.contains("PROCESSOR")),
        "{w:#}"
    );
    // Sealed by the last audit event of the request: the last confirmation.
    let seal = &certificate["seal"];
    assert!(
        seal["auditEventId"].as_i64().is_some_and(|id| id > 0),
        "{seal:#}"
    );
    assert_eq!(seal["operation"], json!("confirmTask"));
    assert_eq!(seal["hash"].as_str().map(str::len), Some(64));
    let text = certificate.to_string();
    assert!(
        !text.contains("ada@example.com")
            && !text.contains("7946 0958")
            && !text.contains("2079460958"),
        "no identifier of the subject: {text}"
    );

    let response = get(
        &base,
        &format!("/exports/requests/{request}/certificate.html"),
        Some(&dpo),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
    );
    let html = response.text().await.expect("html");
    for expected in [
        "Certificate of data-subject request",
        "Contoso Group plc",
        "Mailed Ltd",
        "Hooked Ltd",
        "Art 17(3)(b)",
        "Erased by job 4711",
        "audit event",
        // The vocabularies in words, not codes.
        "Erasure (Art 17)",
        "<td>Webhook</td>",
        "<td>E-mail</td>",
        "<td>By hand</td>",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
    for code in [
        ">ERASURE<",
        ">WEBHOOK<",
        ">EMAIL<",
        ">MANUAL<",
        ">COMPLETED<",
    ] {
        assert!(!html.contains(code), "{code} in words: {html}");
    }
    assert!(!html.contains("DRAFT"), "closed: no draft");
    assert!(!html.contains("ada@example.com"));
}

async fn the_certificate_is_for_the_privacy_team_and_the_auditor_only(app: TestApp) {
    let holders = three_holders(&app).await;
    let _ = holders;
    let request = file(&app, "ACCESS", None).await;
    let base = app.serve().await;
    let path = format!("/exports/requests/{request}/certificate.json");
    for (role, status) in [
        (Role::Admin, 200),
        (Role::Dpo, 200),
        (Role::Auditor, 200),
        (Role::Procurement, 403),
    ] {
        let token = app.token(role).await;
        assert_eq!(
            get(&base, &path, Some(&token)).await.status().as_u16(),
            status,
            "{role}"
        );
    }
    assert_eq!(get(&base, &path, None).await.status().as_u16(), 401);
    let dpo = app.token(Role::Dpo).await;
    assert_eq!(
        get(
            &base,
            "/exports/requests/999999/certificate.json",
            Some(&dpo)
        )
        .await
        .status()
        .as_u16(),
        404
    );
    assert_eq!(
        get(
            &base,
            &format!("/exports/requests/{request}/certificate.pdf"),
            Some(&dpo)
        )
        .await
        .status()
        .as_u16(),
        404
    );
    // The outbox's downloads: ADMIN and DPO.
    worker(&app, |_| {}).tick().await.expect("tick");
    let outbox = app
        .ok(r#"{ outbox { edges { node { id } } } }"#, json!({}))
        .await;
    let id = outbox["outbox"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("a message")
        .to_string();
    let eml = get(&base, &format!("/exports/outbox/{id}.eml"), Some(&dpo)).await;
    assert_eq!(eml.status(), 200);
    assert_eq!(
        eml.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("message/rfc822")
    );
    let text = eml.text().await.expect("eml");
    assert!(text.contains("To: privacy@mailed.example"), "{text}");
    assert!(text.contains("/respond/"), "{text}");
    let auditor = app.token(Role::Auditor).await;
    assert_eq!(
        get(&base, &format!("/exports/outbox/{id}.eml"), Some(&auditor))
            .await
            .status(),
        403
    );
}
