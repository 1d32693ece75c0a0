//! The processor's side of an erasure: an e-mailed task carries a one-time link to
//! `/respond/{token}`, where the holder answers (done, done except categories kept, cannot
//! identify) without an account; the answer goes through `confirmTask`'s rules and is audited
//! with the link and the client address. Unknown, tampered, expired and reused links change
//! nothing. Over real HTTP, on both databases.

use super::{file, show, subject_in, task_of, worker};
use crate::{db_tests, fixtures, support::TestApp};
use serde_json::{Value, json};

db_tests!(
    an_emailed_task_answered_done_through_its_link_is_completed_and_audited,
    an_exempt_answer_keeps_the_categories_with_their_legal_reason,
    a_holder_that_cannot_identify_the_subject_completes_the_task_saying_so,
    a_reused_expired_tampered_or_unknown_link_is_refused_and_changes_nothing,
    an_answer_that_is_not_one_is_refused_with_the_form_again,
    the_answer_page_is_rate_limited_per_address,
);

pub const PUBLIC_URL: &str = "https://register.example.com";

const OUTBOX: &str =
    r#"{ outbox(first: 50) { edges { node { id to subject body createdAt task { id } } } } }"#;

const LINK: &str = r#"query($id: ID!) { dataSubjectRequest(id: $id) { tasks {
  id status evidence exemptionReason confirmedBy
  answerLink { state sentAt openedAt answeredAt expiresAt answer answeredFrom }
  history { actor fromStatus toStatus detail evidence } } } }"#;

/// A supplier reached by e-mail only, holding the subject's e-mail address and name.
pub async fn mailed_holder(app: &TestApp) -> String {
    let org = fixtures::org(
        app,
        json!({ "name": "Mailed Ltd", "kind": "SUPPLIER", "country": "GB",
                "privacyContactEmail": "privacy@mailed.example" }),
    )
    .await;
    let activity = fixtures::activity(app, &org, &["contact.email", "identity.name"]).await;
    subject_in(app, &activity).await;
    org
}

/// Files a request (received on `received_on`, default today), delivers it without SMTP (to the
/// outbox) and returns (request id, task, the link's token) from the outbox message.
pub async fn emailed(
    app: &TestApp,
    org: &str,
    kind: &str,
    received_on: Option<&str>,
) -> (String, Value, String) {
    let request = file(app, kind, received_on).await;
    worker(app, |c| c.public_url = Some(format!("{PUBLIC_URL}/")))
        .tick()
        .await
        .expect("tick");
    let shown = show(app, &request).await;
    let task = task_of(&shown, org).clone();
    assert_eq!(task["status"], json!("SENT"), "{shown:#}");
    let outbox = app.ok(OUTBOX, json!({})).await;
    let message = outbox["outbox"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .rfind(|m| m["task"]["id"] == task["id"])
        .unwrap_or_else(|| panic!("no outbox message of the task: {outbox:#}"))
        .clone();
    assert_eq!(message["to"], json!("privacy@mailed.example"));
    (
        request,
        task,
        token_in(message["body"].as_str().expect("body")),
    )
}

/// The token of the link `<REGISTER_PUBLIC_URL>/respond/{token}` in a message.
pub fn token_in(body: &str) -> String {
    let prefix = format!("{PUBLIC_URL}/respond/");
    let start = body
        .find(&prefix)
        .unwrap_or_else(|| panic!("no answer link in the message: {body}"))
        + prefix.len();
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

pub async fn get_page(base: &str, token: &str) -> (u16, String) {
    let response = reqwest::get(format!("{base}/respond/{token}"))
        .await
        .expect("get");
    let status = response.status().as_u16();
    let csp = response
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("form-action 'self'"), "{csp}");
    (status, response.text().await.expect("text"))
}

pub async fn post_answer(base: &str, token: &str, form: &[(&str, &str)]) -> (u16, String) {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let response = reqwest::Client::new()
        .post(format!("{base}/respond/{token}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("post");
    let status = response.status().as_u16();
    (status, response.text().await.expect("text"))
}

/// The task as the DPO sees it now.
async fn task_now(app: &TestApp, request: &str, task: &Value) -> Value {
    let data = app.ok(LINK, json!({ "id": request })).await;
    data["dataSubjectRequest"]["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["id"] == task["id"])
        .expect("task")
        .clone()
}

/// The audit events of the task.
async fn audit_of(app: &TestApp, task: &Value) -> Vec<Value> {
    let data = app
        .ok(
            r#"query($id: ID) { auditEvents(entity: "dsr_task", id: $id) { edges { node { actor actorRole operation } } } }"#,
            json!({ "id": task["id"] }),
        )
        .await;
    data["auditEvents"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn an_emailed_task_answered_done_through_its_link_is_completed_and_audited(app: TestApp) {
    let org = mailed_holder(&app).await;
    let (request, task, token) = emailed(&app, &org, "ERASURE", None).await;
    assert_eq!(token.len(), 43, "256 bits in base64url: {token}");
    let base = app.serve().await;
    let before = task_now(&app, &request, &task).await;
    assert_eq!(before["answerLink"]["state"], json!("SENT"), "{before:#}");

    let (status, page) = get_page(&base, &token).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<form method=\"post\""), "{page}");
    assert!(
        page.contains("contact.email"),
        "the categories held: {page}"
    );
    assert!(
        page.contains("Erasure (Art 17)"),
        "the kind in words: {page}"
    );
    assert!(!page.contains("ERASURE"), "no code: {page}");
    assert!(
        !page.contains("ada@example.com")
            && !page.contains("7946 0958")
            && !page.contains("2079460958"),
        "no identifier on the page: {page}"
    );
    assert!(!page.contains("<script>"), "no inline script");
    let opened = task_now(&app, &request, &task).await;
    assert_eq!(opened["answerLink"]["state"], json!("OPENED"), "{opened:#}");

    let (status, page) = post_answer(
        &base,
        &token,
        &[
            ("outcome", "DONE"),
            (
                "evidence",
                "Erased from CRM and backups on 5 Dec <b>2026</b>",
            ),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("your answer is recorded"), "{page}");
    assert!(
        page.contains("&lt;b&gt;2026&lt;/b&gt;") && !page.contains("<b>2026"),
        "escaped: {page}"
    );

    let answered = task_now(&app, &request, &task).await;
    assert_eq!(answered["status"], json!("COMPLETED"), "{answered:#}");
    assert_eq!(
        answered["evidence"],
        json!("Erased from CRM and backups on 5 Dec <b>2026</b>")
    );
    let link = &answered["answerLink"];
    assert_eq!(link["state"], json!("ANSWERED"));
    assert_eq!(link["answer"], json!("DONE"));
    assert_eq!(link["answeredFrom"], json!("127.0.0.1"));
    let actor = format!(
        "respond link for task {} from 127.0.0.1",
        task["id"].as_str().expect("id")
    );
    assert_eq!(answered["confirmedBy"], json!(actor));
    let last = answered["history"]
        .as_array()
        .and_then(|h| h.last())
        .expect("history");
    assert_eq!(last["actor"], json!(actor));
    assert_eq!(last["toStatus"], json!("COMPLETED"));
    assert!(
        last["detail"]
            .as_str()
            .is_some_and(|d| d.contains("answer link")),
        "{last:#}"
    );
    let audit = audit_of(&app, &task).await;
    let event = audit.last().expect("audited");
    assert_eq!(event["actor"], json!(actor), "{audit:#?}");
    assert_eq!(event["actorRole"], json!("RESPOND_LINK"));
    assert_eq!(event["operation"], json!("confirmTask"));
    // The only holder answered: the request completed and its identifiers are gone.
    assert_eq!(show(&app, &request).await["status"], json!("COMPLETED"));

    // The link now shows the answer, read-only.
    let (status, page) = get_page(&base, &token).await;
    assert_eq!(status, 200);
    assert!(!page.contains("<form"), "{page}");
    assert!(page.contains("Done as asked"), "{page}");
}

async fn an_exempt_answer_keeps_the_categories_with_their_legal_reason(app: TestApp) {
    let org = mailed_holder(&app).await;
    let (request, task, token) = emailed(&app, &org, "ERASURE", None).await;
    let base = app.serve().await;
    let (status, page) = post_answer(
        &base,
        &token,
        &[
            ("outcome", "EXEMPT"),
            ("evidence", "Name erased; e-mail kept on invoices"),
            ("kept", "contact.email"),
            ("reason", "Art 17(3)(b): invoices kept 10 years by tax law"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let answered = task_now(&app, &request, &task).await;
    assert_eq!(answered["status"], json!("EXEMPT"), "{answered:#}");
    let reason = answered["exemptionReason"].as_str().expect("reason");
    assert!(reason.contains("Art 17(3)(b)"), "{reason}");
    assert!(reason.contains("contact.email"), "{reason}");
    assert_eq!(
        answered["evidence"],
        json!("Name erased; e-mail kept on invoices")
    );
    assert_eq!(answered["answerLink"]["answer"], json!("EXEMPT"));
    assert_eq!(
        audit_of(&app, &task).await.last().expect("audited")["actorRole"],
        json!("RESPOND_LINK")
    );
}

async fn a_holder_that_cannot_identify_the_subject_completes_the_task_saying_so(app: TestApp) {
    let org = mailed_holder(&app).await;
    let (request, task, token) = emailed(&app, &org, "ACCESS", None).await;
    let base = app.serve().await;
    let (status, page) = post_answer(
        &base,
        &token,
        &[("outcome", "NOT_FOUND"), ("evidence", "No match in CRM")],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let answered = task_now(&app, &request, &task).await;
    assert_eq!(answered["status"], json!("COMPLETED"), "{answered:#}");
    let evidence = answered["evidence"].as_str().expect("evidence");
    assert!(evidence.contains("could not be identified"), "{evidence}");
    assert!(evidence.contains("No match in CRM"), "{evidence}");
    assert_eq!(answered["answerLink"]["answer"], json!("NOT_FOUND"));
}

/// Rows that any answer would add to.
async fn footprint(app: &TestApp) -> [i64; 2] {
    [
        app.count("dsr_task_event").await,
        app.count("audit_event").await,
    ]
}

async fn a_reused_expired_tampered_or_unknown_link_is_refused_and_changes_nothing(app: TestApp) {
    let org = mailed_holder(&app).await;
    // Received long ago: its deadline and the 14 days' grace have passed.
    let (old_request, old_task, expired) = emailed(&app, &org, "ACCESS", Some("2026-01-05")).await;
    let (request, task, token) = emailed(&app, &org, "ACCESS", None).await;
    let base = app.serve().await;
    let done = [("outcome", "DONE"), ("evidence", "Sent the copy")];

    let unchanged = footprint(&app).await;
    let (status, page) = get_page(&base, &expired).await;
    assert_eq!(status, 410, "{page}");
    assert!(page.contains("expired"), "{page}");
    let (status, _) = post_answer(&base, &expired, &done).await;
    assert_eq!(status, 410);
    assert_eq!(
        task_now(&app, &old_request, &old_task).await["answerLink"]["state"],
        json!("EXPIRED")
    );

    let mut tampered = token.clone().into_bytes();
    tampered[10] = if tampered[10] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    let unknown = "A".repeat(43);
    for bad in [
        tampered.as_str(),
        unknown.as_str(),
        "short",
        "..%2F..%2Fetc",
    ] {
        let (status, page) = get_page(&base, bad).await;
        assert_eq!(status, 404, "{bad}: {page}");
        assert!(page.contains("not valid"), "{page}");
        let (status, _) = post_answer(&base, bad, &done).await;
        assert_eq!(status, 404, "{bad}");
    }
    assert_eq!(footprint(&app).await, unchanged, "nothing recorded");
    assert_eq!(
        task_now(&app, &request, &task).await["status"],
        json!("SENT")
    );

    let (status, _) = post_answer(&base, &token, &done).await;
    assert_eq!(status, 200);
    let answered = footprint(&app).await;
    let (status, page) = post_answer(
        &base,
        &token,
        &[("outcome", "NOT_FOUND"), ("evidence", "changed my mind")],
    )
    .await;
    assert_eq!(status, 409, "a second answer: {page}");
    assert!(page.contains("already answered"), "{page}");
    assert_eq!(
        footprint(&app).await,
        answered,
        "the second answer changed nothing"
    );
    let now = task_now(&app, &request, &task).await;
    assert_eq!(now["evidence"], json!("Sent the copy"));
    assert_eq!(now["answerLink"]["answer"], json!("DONE"));
}

async fn an_answer_that_is_not_one_is_refused_with_the_form_again(app: TestApp) {
    let org = mailed_holder(&app).await;
    let (request, task, token) = emailed(&app, &org, "ERASURE", None).await;
    let base = app.serve().await;
    let unchanged = footprint(&app).await;
    for form in [
        vec![("evidence", "no outcome")],
        vec![("outcome", "MAYBE"), ("evidence", "x")],
        vec![("outcome", "DONE")],
        vec![
            ("outcome", "EXEMPT"),
            ("evidence", "kept"),
            ("kept", "contact.email"),
        ],
        vec![
            ("outcome", "EXEMPT"),
            ("evidence", "kept"),
            ("reason", "tax law"),
        ],
        vec![
            ("outcome", "EXEMPT"),
            ("evidence", "kept"),
            ("reason", "tax law"),
            ("kept", "health.records"),
        ],
    ] {
        let (status, page) = post_answer(&base, &token, &form).await;
        assert_eq!(status, 400, "{form:?}: {page}");
        assert!(page.contains("role=\"alert\""), "{page}");
        assert!(page.contains("<form"), "the form again: {page}");
    }
    assert_eq!(footprint(&app).await, unchanged);
    assert_eq!(
        task_now(&app, &request, &task).await["status"],
        json!("SENT")
    );
}

async fn the_answer_page_is_rate_limited_per_address(app: TestApp) {
    let base = app.serve().await;
    let token = "A".repeat(43);
    let mut statuses = Vec::new();
    for _ in 0..31 {
        let response = reqwest::get(format!("{base}/respond/{token}"))
            .await
            .expect("get");
        statuses.push(response.status().as_u16());
    }
    assert!(statuses[..30].iter().all(|s| *s == 404), "{statuses:?}");
    assert_eq!(statuses[30], 429);
}
