//! Stored documents: a holder's evidence file sent with its answer through its link, and a
//! contract's signed document. Stored with their SHA-256, refused over the size limit with no
//! change, their names sanitised, served only to ADMIN, DPO and AUDITOR and only as an
//! attachment that cannot render in the register's origin. Over real HTTP, on both databases.

use crate::{
    db_tests, fixtures,
    requests::respond::{emailed, mailed_holder},
    support::{TestApp, assert_error},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use transfer_register::{domain::vocab::Role, service::tokens};

db_tests!(
    an_answer_with_an_evidence_file_is_shown_to_the_dpo_downloaded_and_named_in_the_certificate,
    an_over_size_evidence_file_is_refused_with_a_page_and_changes_nothing,
    a_hostile_file_name_is_sanitised_and_the_file_served_as_an_attachment,
    a_contract_document_is_uploaded_by_procurement_and_downloaded_by_the_privacy_team_only,
    an_over_size_contract_document_is_refused_and_changes_nothing,
    the_answer_pages_rate_limit_is_a_setting,
);

const BOUNDARY: &str = "----register-test-boundary-7MA4YWxkTrZu0gW";

/// One part of a multipart body: a text field, or a file with its name and content type.
enum Part<'a> {
    Text(&'a str, &'a str),
    File {
        field: &'a str,
        name: &'a str,
        content_type: &'a str,
        content: &'a [u8],
    },
}

/// A `multipart/form-data` body as a browser writes it.
fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File {
                field,
                name,
                content_type,
                content,
            } => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{field}\"; filename=\"{}\"\r\n\
                         Content-Type: {content_type}\r\n\r\n",
                        name.replace('"', "\\\"")
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(content);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn content_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

async fn post_multipart(base: &str, token: &str, body: Vec<u8>) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(format!("{base}/respond/{token}"))
        .header("content-type", content_type())
        .body(body)
        .send()
        .await
        .expect("post");
    let status = response.status().as_u16();
    (status, response.text().await.expect("text"))
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn secret(app: &TestApp, role: Role, organisation: Option<&str>) -> String {
    tokens::create(
        &app.state.db,
        &app.state.audit_key,
        &format!("{}-docs-{}", role.as_str(), uuid::Uuid::new_v4().simple()),
        role,
        organisation.and_then(|o| o.parse().ok()),
        None,
    )
    .await
    .expect("token")
    .1
}

/// `GET path` with `token` (none: anonymous).
async fn get(base: &str, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("get")
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

const TASK_FILE: &str = r#"query($id: ID!) { dataSubjectRequest(id: $id) { tasks {
  id status evidence evidenceDocument { id fileName size sha256 declaredContentType uploadedAt downloadPath } } } }"#;

async fn task_now(app: &TestApp, request: &str, task: &Value) -> Value {
    let data = app.ok(TASK_FILE, json!({ "id": request })).await;
    data["dataSubjectRequest"]["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["id"] == task["id"])
        .expect("task")
        .clone()
}

async fn footprint(app: &TestApp) -> [i64; 3] {
    [
        app.count("document").await,
        app.count("dsr_task_event").await,
        app.count("audit_event").await,
    ]
}

/// A download's headers say: never render this here.
fn assert_served_as_attachment(response: &reqwest::Response, sha: &str) {
    assert_eq!(header(response, "content-type"), "application/octet-stream");
    assert!(
        header(response, "content-disposition").starts_with("attachment; filename=\""),
        "{}",
        header(response, "content-disposition")
    );
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert!(header(response, "content-security-policy").contains("sandbox"));
    assert_eq!(header(response, "etag"), format!("\"{sha}\""));
    assert_eq!(header(response, "x-content-sha256"), sha);
}

async fn an_answer_with_an_evidence_file_is_shown_to_the_dpo_downloaded_and_named_in_the_certificate(
    app: TestApp,
) {
    let org = mailed_holder(&app).await;
    let (request, task, token) = emailed(&app, &org, "ERASURE", None).await;
    let base = app.serve().await;
    // Content a browser would run, were it rendered in the register's origin.
    let content = b"<html><script>alert(document.cookie)</script>deletion log 2026-12-05</html>";
    let sha = sha256(content);
    let (status, page) = post_multipart(
        &base,
        &token,
        multipart(&[
            Part::Text("outcome", "DONE"),
            Part::Text("evidence", "Erased; the deletion log is attached"),
            Part::File {
                field: "file",
                name: "deletion-log.html",
                content_type: "text/html",
                content,
            },
        ]),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("your answer is recorded"), "{page}");
    assert!(
        page.contains(&sha),
        "the page names the file by its SHA-256: {page}"
    );

    let now = task_now(&app, &request, &task).await;
    assert_eq!(now["status"], json!("COMPLETED"), "{now:#}");
    let file = &now["evidenceDocument"];
    assert_eq!(file["fileName"], json!("deletion-log.html"), "{now:#}");
    assert_eq!(file["size"], json!(content.len()));
    assert_eq!(file["sha256"], json!(sha));
    assert_eq!(file["declaredContentType"], json!("text/html"));
    let path = file["downloadPath"].as_str().expect("path").to_string();

    // The privacy team and the auditor download it, as an attachment, byte for byte.
    for role in [Role::Dpo, Role::Auditor, Role::Admin] {
        let token = secret(&app, role, None).await;
        let response = get(&base, &path, Some(&token)).await;
        assert_eq!(response.status(), 200, "{role:?}");
        assert_served_as_attachment(&response, &sha);
        let bytes = response.bytes().await.expect("bytes");
        assert_eq!(&bytes[..], &content[..], "{role:?}");
    }
    // Nobody else does: the holder itself, procurement, and no token.
    let processor = secret(&app, Role::Processor, Some(&org)).await;
    assert_eq!(get(&base, &path, Some(&processor)).await.status(), 403);
    let procurement = secret(&app, Role::Procurement, None).await;
    assert_eq!(get(&base, &path, Some(&procurement)).await.status(), 403);
    assert_eq!(get(&base, &path, None).await.status(), 401);
    let dpo = secret(&app, Role::Dpo, None).await;
    assert_eq!(
        get(&base, "/documents/999999", Some(&dpo)).await.status(),
        404
    );

    // The certificate names the file by its SHA-256, never its content.
    let json_certificate: Value = get(
        &base,
        &format!("/exports/requests/{request}/certificate.json"),
        Some(&dpo),
    )
    .await
    .json()
    .await
    .expect("json");
    let holder = json_certificate["holders"]
        .as_array()
        .expect("holders")
        .iter()
        .find(|h| h["taskId"] == task["id"])
        .expect("holder")
        .clone();
    assert_eq!(
        holder["evidenceDocument"]["sha256"],
        json!(sha),
        "{holder:#}"
    );
    assert_eq!(
        holder["evidenceDocument"]["fileName"],
        json!("deletion-log.html")
    );
    let html = get(
        &base,
        &format!("/exports/requests/{request}/certificate.html"),
        Some(&dpo),
    )
    .await
    .text()
    .await
    .expect("html");
    assert!(html.contains(&sha), "{html}");
    for text in [json_certificate.to_string(), html] {
        assert!(!text.contains("alert(document.cookie)"), "{text}");
    }

    // The upload is audited with the link as its actor.
    let audit = app
        .ok(
            r#"{ auditEvents(entity: "document") { edges { node { actorRole operation after } } } }"#,
            json!({}),
        )
        .await;
    let events = audit["auditEvents"]["edges"].as_array().expect("edges");
    assert_eq!(events.len(), 1, "{audit:#}");
    assert_eq!(
        events[0]["node"]["operation"],
        json!("attachEvidenceDocument")
    );
    assert_eq!(events[0]["node"]["actorRole"], json!("RESPOND_LINK"));
    assert!(
        !events[0]["node"]["after"]
            .to_string()
            .contains("alert(document.cookie)"),
        "{audit:#}"
    );
}

async fn an_over_size_evidence_file_is_refused_with_a_page_and_changes_nothing(app: TestApp) {
    let org = mailed_holder(&app).await;
    let (request, task, token) = emailed(&app, &org, "ERASURE", None).await;
    let base = app
        .serve_with(|c| c.documents.document_max_bytes = 1024)
        .await;
    let unchanged = footprint(&app).await;
    let answer = |content: &[u8]| {
        multipart(&[
            Part::Text("outcome", "DONE"),
            Part::Text("evidence", "Erased"),
            Part::File {
                field: "file",
                name: "log.txt",
                content_type: "text/plain",
                content,
            },
        ])
    };
    // Just over the limit (read up to it), far over it, and over any body's limit (refused by its
    // declared length before it is read).
    for size in [1025, 200_000, 1_200_000] {
        let (status, page) = post_multipart(&base, &token, answer(&vec![b'x'; size])).await;
        assert_eq!(status, 413, "{size}: {page}");
        assert!(page.contains("too large"), "{page}");
        assert!(page.contains("1 KB"), "the page says the limit: {page}");
        assert!(page.contains("Nothing has been recorded"), "{page}");
    }
    // A form that is not an answer, with a file within the limit, stores no file either.
    let (status, page) = post_multipart(
        &base,
        &token,
        multipart(&[Part::File {
            field: "file",
            name: "log.txt",
            content_type: "text/plain",
            content: b"fine",
        }]),
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert_eq!(footprint(&app).await, unchanged, "nothing recorded");
    assert_eq!(
        task_now(&app, &request, &task).await["status"],
        json!("SENT")
    );

    // The link still takes an answer with a file within the limit.
    let (status, page) = post_multipart(&base, &token, answer(&[b'x'; 1024])).await;
    assert_eq!(status, 200, "{page}");
    let now = task_now(&app, &request, &task).await;
    assert_eq!(now["evidenceDocument"]["size"], json!(1024), "{now:#}");

    // An answered link refuses another file and changes nothing.
    let answered = footprint(&app).await;
    let (status, _) = post_multipart(&base, &token, answer(b"again")).await;
    assert_eq!(status, 409);
    assert_eq!(footprint(&app).await, answered);
}

async fn a_hostile_file_name_is_sanitised_and_the_file_served_as_an_attachment(app: TestApp) {
    let org = mailed_holder(&app).await;
    let (request, task, token) = emailed(&app, &org, "ACCESS", None).await;
    let base = app.serve().await;
    let content = b"%PDF-1.7 not really";
    // A path, a right-to-left override (shows as "evil.pdf" while it is ".html"), a quote and
    // a semicolon that would end a header's parameter.
    let hostile = "..\\..\\windows/system32/evil\u{202E}fdp.html\";x=y";
    let (status, page) = post_multipart(
        &base,
        &token,
        multipart(&[
            Part::Text("outcome", "DONE"),
            Part::Text("evidence", "Copy sent"),
            Part::File {
                field: "file",
                name: hostile,
                content_type: "application/pdf",
                content,
            },
        ]),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let now = task_now(&app, &request, &task).await;
    let file = &now["evidenceDocument"];
    assert_eq!(file["fileName"], json!("evilfdp.html\";x=y"), "{now:#}");
    let dpo = secret(&app, Role::Dpo, None).await;
    let response = get(
        &base,
        file["downloadPath"].as_str().expect("path"),
        Some(&dpo),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_served_as_attachment(&response, &sha256(content));
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"evilfdp.html__x_y\"; filename*=UTF-8''evilfdp.html%22%3Bx%3Dy"
    );
}

const ATTACH: &str = r#"mutation($contract: ID!, $file: Upload!) {
  attachContractDocument(contractId: $contract, file: $file) {
    id document { id fileName size sha256 declaredContentType downloadPath } } }"#;

/// `attachContractDocument` as a GraphQL multipart request (operations, map, the file).
async fn attach(
    base: &str,
    token: &str,
    contract: &str,
    name: &str,
    content: &[u8],
) -> (u16, Value) {
    let operations =
        json!({ "query": ATTACH, "variables": { "contract": contract, "file": null } }).to_string();
    let body = multipart(&[
        Part::Text("operations", &operations),
        Part::Text("map", r#"{ "0": ["variables.file"] }"#),
        Part::File {
            field: "0",
            name,
            content_type: "application/pdf",
            content,
        },
    ]);
    let response = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .header("content-type", content_type())
        .body(body)
        .send()
        .await
        .expect("post");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

async fn contract(app: &TestApp) -> String {
    let controller = fixtures::org(
        app,
        json!({ "name": "Shop GmbH", "kind": "GROUP_COMPANY", "country": "DE" }),
    )
    .await;
    let processor = fixtures::org(
        app,
        json!({ "name": "Cloud Inc", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    let activity = fixtures::activity(app, &controller, &["contact.email"]).await;
    let flow = fixtures::flow(
        app,
        json!({ "activityId": activity, "fromId": controller, "toId": processor,
            "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"],
            "mechanism": "SCC_2021", "sccModule": "C2P", "signedOn": "2024-01-01" }),
    )
    .await;
    app.ok(
        r#"mutation($input: RecordContractInput!) { recordContract(input: $input) { id } }"#,
        json!({ "input": { "kind": "SCC_2021", "sccModule": "C2P", "reference": "SCC-17",
            "flowIds": [flow], "signedOn": "2024-01-01" } }),
    )
    .await["recordContract"]["id"]
        .as_str()
        .expect("id")
        .to_string()
}

async fn a_contract_document_is_uploaded_by_procurement_and_downloaded_by_the_privacy_team_only(
    app: TestApp,
) {
    let id = contract(&app).await;
    let base = app.serve().await;
    let procurement = secret(&app, Role::Procurement, None).await;
    let content = b"%PDF-1.7 signed standard contractual clauses";
    let sha = sha256(content);
    let (status, body) = attach(
        &base,
        &procurement,
        &id,
        "scc/../SCC-17 signed.pdf",
        content,
    )
    .await;
    assert_eq!(status, 200, "{body:#}");
    assert!(body.get("errors").is_none(), "{body:#}");
    let document = &body["data"]["attachContractDocument"]["document"];
    assert_eq!(document["fileName"], json!("SCC-17 signed.pdf"), "{body:#}");
    assert_eq!(document["sha256"], json!(sha));
    assert_eq!(document["size"], json!(content.len()));

    // Read back later, by anyone who reads the register.
    let read = app
        .ok(
            "query($id: ID!) { contract(id: $id) { id reference document { id sha256 fileName } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(read["contract"]["reference"], json!("SCC-17"));
    assert_eq!(
        read["contract"]["document"]["sha256"],
        json!(sha),
        "{read:#}"
    );
    let missing = app
        .gql("query { contract(id: \"999999\") { id } }", json!({}))
        .await;
    assert_error(&missing, "NOT_FOUND", None);

    let path = document["downloadPath"].as_str().expect("path");
    assert_eq!(get(&base, path, Some(&procurement)).await.status(), 403);
    let dpo = secret(&app, Role::Dpo, None).await;
    let response = get(&base, path, Some(&dpo)).await;
    assert_eq!(response.status(), 200);
    assert_served_as_attachment(&response, &sha);
    assert_eq!(&response.bytes().await.expect("bytes")[..], &content[..]);

    // A second document replaces it as the contract's current one; both are audited.
    let (_, body) = attach(&base, &procurement, &id, "SCC-17 v2.pdf", b"%PDF v2").await;
    assert_eq!(
        body["data"]["attachContractDocument"]["document"]["fileName"],
        json!("SCC-17 v2.pdf"),
        "{body:#}"
    );
    let audit = app
        .ok(
            r#"{ auditEvents(entity: "document") { edges { node { operation actorRole } } } }"#,
            json!({}),
        )
        .await;
    let events = audit["auditEvents"]["edges"].as_array().expect("edges");
    assert_eq!(events.len(), 2, "{audit:#}");
    assert!(
        events.iter().all(
            |e| e["node"]["operation"] == json!("attachContractDocument")
                && e["node"]["actorRole"] == json!("PROCUREMENT")
        ),
        "{audit:#}"
    );

    // The auditor may not attach one (refused before the file is looked at), nor anyone anonymous.
    let auditor = secret(&app, Role::Auditor, None).await;
    let (_, body) = attach(&base, &auditor, &id, "x.pdf", b"x").await;
    assert_error(&body, "FORBIDDEN", None);
    let (_, body) = attach(&base, "not-a-token", &id, "x.pdf", b"x").await;
    assert_error(&body, "UNAUTHENTICATED", None);
    // A document larger than any other body may be (REGISTER_MAX_BODY_BYTES, 1 MiB) is taken
    // whole, up to REGISTER_DOCUMENT_MAX_BYTES (10 MiB).
    let large = vec![b'%'; 1_500_000];
    let (status, body) = attach(&base, &procurement, &id, "scan.pdf", &large).await;
    assert_eq!(status, 200, "{body:#}");
    let document = &body["data"]["attachContractDocument"]["document"];
    assert_eq!(document["size"], json!(large.len()), "{body:#}");
    assert_eq!(document["sha256"], json!(sha256(&large)));

    // A variable that names no file of the request is an input error (async-graphql's own
    // Upload would panic on both).
    for named in ["#__graphql_file__:0", "#__graphql_file__:x", "a file"] {
        let body = app
            .gql(ATTACH, json!({ "contract": id, "file": named }))
            .await;
        assert_error(&body, "BAD_USER_INPUT", None);
    }
    // An unknown contract is NOT_FOUND, and stores nothing.
    let before = app.count("document").await;
    let (_, body) = attach(&base, &procurement, "999999", "x.pdf", b"x").await;
    assert_error(&body, "NOT_FOUND", None);
    assert_eq!(app.count("document").await, before);
}

async fn an_over_size_contract_document_is_refused_and_changes_nothing(app: TestApp) {
    let id = contract(&app).await;
    let base = app
        .serve_with(|c| c.documents.document_max_bytes = 1024)
        .await;
    let dpo = secret(&app, Role::Dpo, None).await;
    let unchanged = footprint(&app).await;
    let (_, body) = attach(&base, &dpo, &id, "big.pdf", &[b'x'; 1025]).await;
    assert_error(&body, "BAD_USER_INPUT", Some("file"));
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("REGISTER_DOCUMENT_MAX_BYTES")),
        "{body:#}"
    );
    let (_, body) = attach(&base, &dpo, &id, "empty.pdf", b"").await;
    assert_error(&body, "BAD_USER_INPUT", Some("file"));
    // Over what any body may be (REGISTER_MAX_BODY_BYTES, 1 MiB, here larger than a document and
    // its form): refused by its declared length, before it is read.
    let (status, body) = attach(&base, &dpo, &id, "huge.pdf", &vec![b'x'; 1_200_000]).await;
    assert_eq!(status, 413, "{body:#}");
    assert_error(&body, "BAD_USER_INPUT", Some("body"));
    assert_eq!(footprint(&app).await, unchanged);
    let read = app
        .ok(
            "query($id: ID!) { contract(id: $id) { document { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(read["contract"]["document"], Value::Null);
}

async fn the_answer_pages_rate_limit_is_a_setting(app: TestApp) {
    let base = app
        .serve_with(|c| c.documents.respond_rate_per_minute = 3)
        .await;
    let token = "A".repeat(43);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            get(&base, &format!("/respond/{token}"), None)
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [404, 404, 404, 429]);
}
