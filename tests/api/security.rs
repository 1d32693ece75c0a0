//! The findings of the security probe (issue 16), each reproduced: who rotates webhook secrets,
//! the webhook URL policy, refusals as GraphQL responses, headers, what a processor sees, strict
//! input, the expensive-work pool, streamed exports, and the subscription and socket limits.

use crate::{
    db_tests, fixtures,
    support::{TestApp, assert_error},
};
use serde_json::{Value, json};
use transfer_register::{domain::vocab::Role, graphql::context::Auth};

db_tests!(
    only_the_dpo_and_admin_may_rotate_a_webhook_secret,
    refusals_before_graphql_runs_are_graphql_errors_with_a_code,
    responses_carry_security_headers_and_html_a_frame_policy,
    a_processor_sees_its_tasks_without_the_parent_token_names_or_delivery_internals,
    token_list_shows_expired_tokens_as_expired,
    dates_names_and_identifier_lists_are_strict,
    four_aliases_of_a_whole_register_field_exceed_the_complexity_limit,
    a_webhook_carries_a_timestamped_signature_that_refuses_replays,
    one_change_costs_one_read_whatever_the_number_of_subscribers,
    subscriptions_are_limited_per_token_and_in_total,
    an_export_streams_out_and_gives_its_turn_back,
);

crate::sqlite_tests!(
    a_timed_out_request_is_a_graphql_error_with_a_code,
    whole_register_work_waits_its_turn_is_refused_as_busy_and_a_dropped_request_frees_its_turn,
);

const ROTATE: &str = r#"mutation($id: ID!) { rotateWebhookSecret(organisationId: $id) }"#;

async fn only_the_dpo_and_admin_may_rotate_a_webhook_secret(app: TestApp) {
    let org = fixtures::org(
        &app,
        json!({ "name": "Hooked", "kind": "SUPPLIER", "country": "IE" }),
    )
    .await;
    let procurement = Auth::Token(app.principal(Role::Procurement, None).await);
    let events = app.count("audit_event").await;
    let refused = app.exec(procurement, ROTATE, json!({ "id": org })).await;
    assert_error(&refused, "FORBIDDEN", None);
    assert!(refused["data"].is_null(), "{refused}");
    assert_eq!(app.count("audit_event").await, events, "nothing rotated");
    assert_eq!(
        app.count("organisation WHERE webhook_secret IS NOT NULL")
            .await,
        0
    );
    let dpo = Auth::Token(app.principal(Role::Dpo, None).await);
    let rotated = app.exec(dpo, ROTATE, json!({ "id": org })).await;
    assert!(
        rotated["data"]["rotateWebhookSecret"]
            .as_str()
            .is_some_and(|s| s.starts_with("whsec_")),
        "{rotated}"
    );
}

/// The one error of an HTTP refusal, after checking it is JSON in the GraphQL shape.
async fn refusal(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json")),
        "{status} is JSON: {:?}",
        response.headers()
    );
    let body: Value = response.json().await.expect("a JSON body");
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{body}");
    let message = errors[0]["message"].as_str().expect("message");
    assert!(
        !message.contains("Error(") && !message.contains("{ "),
        "no Rust debug format: {message}"
    );
    errors[0].clone()
}

async fn refusals_before_graphql_runs_are_graphql_errors_with_a_code(app: TestApp) {
    let base = app.serve_with(|c| c.max_body_bytes = 1024).await;
    let token = app.token(Role::Dpo).await;
    let client = reqwest::Client::new();
    let post = |body: String| {
        client
            .post(format!("{base}/graphql"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let bad_json = refusal(post("{not json".into()).await.expect("send"), 400).await;
    assert_eq!(bad_json["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(bad_json["extensions"]["field"], "body");

    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]);
    let batch = refusal(post(batch.to_string()).await.expect("send"), 400).await;
    assert_eq!(batch["extensions"]["code"], "BAD_USER_INPUT");

    let large = json!({ "query": format!("{{ __typename }} #{}", "x".repeat(4096)) });
    let large = refusal(post(large.to_string()).await.expect("send"), 413).await;
    assert_eq!(large["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(large["extensions"]["field"], "body");

    let put = client
        .put(format!("{base}/graphql"))
        .body("{}")
        .send()
        .await
        .expect("send");
    let put = refusal(put, 405).await;
    assert_eq!(put["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(put["extensions"]["field"], "method");

    let missing = client
        .get(format!("{base}/no-such-path"))
        .send()
        .await
        .expect("send");
    let missing = refusal(missing, 404).await;
    assert_eq!(missing["extensions"]["code"], "NOT_FOUND");
}

async fn a_timed_out_request_is_a_graphql_error_with_a_code(app: TestApp) {
    use sea_orm::TransactionTrait;
    // SQLite only: its single writer lets the test hold every write up at will.
    let base = app.serve_with(|c| c.request_timeout_secs = 1).await;
    let token = app.token(Role::Dpo).await;
    // Hold the one writer: a write waits behind it past the timeout (reads have their own pool).
    let held = app.state.db.begin().await.expect("begin");
    let response = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": r#"mutation { defineSubjectCategory(input: {code: "held", name: "Held"}) { code } }"# }))
        .send()
        .await
        .expect("send");
    let timeout = refusal(response, 408).await;
    held.rollback().await.expect("release");
    assert_eq!(timeout["extensions"]["code"], "INTERNAL");
    assert_eq!(timeout["extensions"]["reason"], "TIMEOUT");
}

async fn responses_carry_security_headers_and_html_a_frame_policy(app: TestApp) {
    let base = app.serve().await;
    let client = reqwest::Client::new();
    let graphiql = client
        .get(format!("{base}/graphql"))
        .send()
        .await
        .expect("graphiql");
    let post = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("post");
    let refused = client
        .put(format!("{base}/graphql"))
        .send()
        .await
        .expect("put");
    for response in [&graphiql, &post, &refused] {
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{headers:?}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{headers:?}");
    }
    let csp = graphiql.headers()["content-security-policy"]
        .to_str()
        .expect("ascii");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        post.headers().get("content-security-policy").is_none(),
        "JSON needs no CSP"
    );
}

const PROCESSOR_TASKS: &str = r#"{ dsrTasks(first: 10) { edges { node {
  id status lastError confirmedBy organisation { id parent { id name } }
  history { actor detail } } } } }"#;

async fn a_processor_sees_its_tasks_without_the_parent_token_names_or_delivery_internals(
    app: TestApp,
) {
    use crate::requests::{
        as_role, chain, deliver_all, file, receiver::Behaviour, show, task_of, worker,
    };
    let chain = chain(&app, &[Behaviour::Always500], "2 years").await;
    let processor = &chain.processors[0];
    app.ok(
        r#"mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { id } }"#,
        json!({ "input": { "id": processor, "parentId": chain.controller } }),
    )
    .await;
    let request = file(&app, "ERASURE", None).await;
    let shown = deliver_all(
        &app,
        &worker(&app, |c| c.delivery_max_attempts = 1),
        &request,
    )
    .await;
    let dpo_view = task_of(&shown, processor);
    assert_eq!(dpo_view["status"], "FAILED", "{shown:#}");
    let url = chain.receivers[0].url.clone();
    let host = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .expect("host")
        .to_string();
    assert!(
        dpo_view["history"].to_string().contains("admin-"),
        "the DPO sees the token that filed: {dpo_view:#}"
    );

    let auth = as_role(&app, Role::Processor, Some(processor)).await;
    let seen = app.exec(auth, PROCESSOR_TASKS, json!({})).await;
    assert!(seen.get("errors").is_none(), "{seen:#}");
    let node = &seen["data"]["dsrTasks"]["edges"][0]["node"];
    assert_eq!(node["organisation"]["id"], json!(processor));
    assert!(
        node["organisation"]["parent"].is_null(),
        "a processor does not see its parent: {node:#}"
    );
    assert_eq!(node["lastError"], "the webhook answered HTTP 500");
    let text = node.to_string();
    for secret in [host.as_str(), "admin-", "rotateWebhookSecret", "127.0.0.1"] {
        assert!(
            !text.contains(secret),
            "{secret} leaks to the processor: {node:#}"
        );
    }
    let actors: Vec<&str> = node["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["actor"].as_str())
        .collect();
    assert!(
        actors.contains(&"ADMIN"),
        "the filer shown by role: {actors:?}"
    );
    assert!(actors.contains(&"delivery-worker"), "{actors:?}");
    let again = show(&app, &request).await;
    assert!(
        task_of(&again, processor)["lastError"]
            .as_str()
            .is_some_and(|e| e.contains("500")),
        "the DPO still sees the error as recorded: {again:#}"
    );
}

async fn token_list_shows_expired_tokens_as_expired(app: TestApp) {
    use transfer_register::service::tokens;
    let now = chrono::Utc::now();
    let db = &app.state.db;
    tokens::create(
        db,
        &app.state.audit_key,
        "old",
        Role::Dpo,
        None,
        Some(now - chrono::Duration::days(1)),
    )
    .await
    .expect("expired token");
    tokens::create(
        db,
        &app.state.audit_key,
        "fresh",
        Role::Dpo,
        None,
        Some(now + chrono::Duration::days(1)),
    )
    .await
    .expect("token");
    tokens::create(db, &app.state.audit_key, "gone", Role::Dpo, None, None)
        .await
        .expect("token");
    tokens::revoke(db, &app.state.audit_key, "gone")
        .await
        .expect("revoke");
    let states: Vec<(String, &str)> = tokens::list(db)
        .await
        .expect("list")
        .iter()
        .map(|t| (t.name.clone(), tokens::state(t, now)))
        .collect();
    assert_eq!(
        states,
        [
            ("old".to_string(), "expired"),
            ("fresh".to_string(), "active"),
            ("gone".to_string(), "revoked"),
        ]
    );
}

async fn dates_names_and_identifier_lists_are_strict(app: TestApp) {
    for bad in ["2026-1-1", "0000-01-01", "+2026-01-01", "2201-01-01"] {
        let refused = app
            .gql(
                "query($on: Date) { transferRegister(on: $on) { status } }",
                json!({ "on": bad }),
            )
            .await;
        assert_error(&refused, "BAD_USER_INPUT", Some("on"));
    }
    app.ok(
        r#"{ transferRegister(on: "2026-01-01") { status } }"#,
        json!({}),
    )
    .await;

    let before = app.count("organisation").await;
    for invisible in [
        "\u{200B}\u{200B}",
        "\u{200E}\u{202E}\u{2069}",
        "\u{FEFF} \u{3000}",
    ] {
        let refused = app
            .gql(
                "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { id } }",
                json!({ "input": { "name": invisible, "kind": "SUPPLIER", "country": "US" } }),
            )
            .await;
        assert_error(&refused, "BAD_USER_INPUT", Some("name"));
    }
    assert_eq!(app.count("organisation").await, before);

    // Each identifier of whoHolds costs its lookup: three cost more than one.
    let mut config = (*app.state.config).clone();
    config.max_complexity = 2 * transfer_register::graphql::IDENTIFIER_COST;
    let state = transfer_register::AppState::with_db(config, app.state.db.clone())
        .await
        .expect("state");
    let admin = Auth::Token(app.principal(Role::Admin, None).await);
    let run = |subject: &'static str| {
        let state = state.clone();
        let admin = admin.clone();
        async move {
            let query = format!("{{ whoHolds(subject: {subject}) {{ subject {{ id }} }} }}");
            let response =
                transfer_register::http::execute(&state, admin, async_graphql::Request::new(query))
                    .await;
            serde_json::to_value(&response).expect("json")
        }
    };
    let one = run(r#"{ email: "ada@example.com" }"#).await;
    assert!(one.get("errors").is_none(), "{one}");
    let three =
        run(r#"{ email: "ada@example.com", phone: "+44 20 7946 0958", accountNumber: "A-1" }"#)
            .await;
    assert_error(&three, "BAD_USER_INPUT", None);
    assert!(three.to_string().contains("complex"), "{three}");
}

async fn four_aliases_of_a_whole_register_field_exceed_the_complexity_limit(app: TestApp) {
    let aliases = |n: usize| -> String {
        let fields: String = (0..n)
            .map(|i| format!("r{i}: transferRegister {{ status explanation }} "))
            .collect();
        format!("{{ {fields} }}")
    };
    let four = app.gql(&aliases(4), json!({})).await;
    assert_error(&four, "BAD_USER_INPUT", None);
    assert!(four.to_string().contains("complex"), "{four}");
    app.ok(&aliases(1), json!({})).await;
}

async fn a_webhook_carries_a_timestamped_signature_that_refuses_replays(app: TestApp) {
    use crate::requests::{chain, deliver_all, file, receiver::Behaviour, worker};
    use transfer_register::domain::dsr::delivery::{DEFAULT_TOLERANCE_SECS, verify_timestamped};
    let chain = chain(&app, &[Behaviour::Succeed], "2 years").await;
    let request = file(&app, "ERASURE", None).await;
    deliver_all(&app, &worker(&app, |_| {}), &request).await;
    let got = chain.receivers[0].received();
    assert_eq!(got.len(), 1);
    let delivery = &got[0];
    assert!(
        delivery.signature_valid,
        "the contract's signature is unchanged"
    );
    assert!(delivery.timestamped_valid, "{delivery:?}");
    let sent_at: i64 = delivery.timestamp.parse().expect("unix seconds");
    assert!(
        delivery
            .signature_v2
            .starts_with(&format!("t={sent_at},v1=")),
        "{delivery:?}"
    );
    // The same delivery replayed ten minutes later is refused by a receiver that checks.
    let secret = chain.receivers[0].secret();
    let check = |now: i64| {
        verify_timestamped(
            &secret,
            &delivery.signature_v2,
            &delivery.raw,
            now,
            DEFAULT_TOLERANCE_SECS,
        )
    };
    assert!(check(sent_at));
    assert!(!check(sent_at + 600), "a replay ten minutes later");
}

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_file_its_wal_and_its_key_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    use transfer_register::{config::Config, db};
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("data").join("register.sqlite");
    let config = Config::for_database(format!("sqlite://{}", path.display()));
    let conn = db::connect(&config).await.expect("connect");
    db::load_secret(&config).expect("key file");
    // A write, so that the WAL holds something.
    let state = transfer_register::AppState::with_db(config, conn)
        .await
        .expect("state");
    transfer_register::service::tokens::create(
        &state.db,
        &state.audit_key,
        "t",
        Role::Dpo,
        None,
        None,
    )
    .await
    .expect("write");
    let mut files = db::sqlite_files(&path);
    files.push(path.with_extension("key"));
    for file in files {
        let mode = std::fs::metadata(&file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{} is {:o}", file.display(), mode);
    }
}

/// The app's database under a changed configuration, as a second server would run it.
async fn state_with(
    app: &TestApp,
    change: impl FnOnce(&mut transfer_register::config::Config),
) -> transfer_register::AppState {
    let mut config = (*app.state.config).clone();
    change(&mut config);
    transfer_register::AppState::with_db(config, app.state.db.clone())
        .await
        .expect("state")
}

async fn run_as(state: &transfer_register::AppState, auth: Auth, query: &str) -> Value {
    let response = transfer_register::http::execute(
        state,
        auth,
        async_graphql::Request::new(query.to_string()),
    )
    .await;
    serde_json::to_value(&response).expect("json")
}

async fn whole_register_work_waits_its_turn_is_refused_as_busy_and_a_dropped_request_frees_its_turn(
    app: TestApp,
) {
    use sea_orm::TransactionTrait;
    use std::time::Duration;
    // SQLite only: its single connection lets the test hold a request up at will.
    let state = state_with(&app, |c| {
        c.expensive_concurrency = 1;
        c.expensive_wait_ms = 100;
    })
    .await;
    let dpo = Auth::Token(app.principal(Role::Dpo, None).await);
    // Hold the one connection: the first register query takes its turn, then waits on it.
    let held = app.state.db.begin().await.expect("begin");
    let first = {
        let (state, dpo) = (state.clone(), dpo.clone());
        tokio::spawn(async move {
            // What the request timeout layer does: drop the request's future when time is up.
            tokio::time::timeout(
                Duration::from_millis(1500),
                run_as(&state, dpo, "{ transferRegister { status } }"),
            )
            .await
        })
    };
    crate::support::wait_until("the first request to take the only turn", || {
        state.limits.expensive_available() == 0
    })
    .await;
    let busy = run_as(&state, dpo.clone(), "{ complianceGaps { assessed } }").await;
    assert_error(&busy, "CONFLICT", None);
    assert_eq!(busy["errors"][0]["extensions"]["reason"], "BUSY", "{busy}");
    assert!(
        busy["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("REGISTER_EXPENSIVE_CONCURRENCY")),
        "{busy}"
    );
    let timed_out = first.await.expect("join");
    assert!(
        timed_out.is_err(),
        "the first request was dropped: {timed_out:?}"
    );
    // Its work, on the blocking pool, stops at the read it waits on and gives the turn back.
    let freed = tokio::time::timeout(Duration::from_secs(10), async {
        while state.limits.expensive_available() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(
        freed.is_ok(),
        "the dropped request stopped and gave its turn back while the database is still held"
    );
    held.rollback().await.expect("release");
    let again = run_as(&state, dpo, "{ transferRegister { status } }").await;
    assert!(again.get("errors").is_none(), "{again}");
}

/// Opens the subscription to request `id` in-process; the stream of its responses as JSON.
fn subscribe(
    state: &transfer_register::AppState,
    auth: Auth,
    id: &str,
) -> futures::stream::BoxStream<'static, Value> {
    use futures::StreamExt;
    let request = async_graphql::Request::new(
        "subscription($id: ID!) { dataSubjectRequestUpdated(id: $id) { id status noHolderFound tasks { id status } } }",
    )
    .variables(async_graphql::Variables::from_json(json!({ "id": id })));
    let request = transfer_register::http::prepare(state, auth, "test".into(), request);
    state
        .schema
        .execute_stream(request)
        .map(|r| serde_json::to_value(&r).expect("json"))
        .boxed()
}

async fn next(stream: &mut futures::stream::BoxStream<'static, Value>) -> Value {
    use futures::StreamExt;
    tokio::time::timeout(std::time::Duration::from_secs(10), stream.next())
        .await
        .expect("a response in time")
        .expect("the stream is open")
}

async fn one_change_costs_one_read_whatever_the_number_of_subscribers(app: TestApp) {
    use crate::requests::{chain, file, receiver::Behaviour};
    chain(&app, &[Behaviour::Succeed], "2 years").await;
    let id = file(&app, "ERASURE", None).await;
    let dpo = Auth::Token(app.principal(Role::Dpo, None).await);
    let mut streams = Vec::new();
    for _ in 0..20 {
        let mut stream = subscribe(&app.state, dpo.clone(), &id);
        let now = next(&mut stream).await;
        assert_eq!(
            now["data"]["dataSubjectRequestUpdated"]["id"],
            json!(id),
            "{now}"
        );
        streams.push(stream);
    }
    let before = app.statements();
    app.state.dsr.events.publish(id.parse().expect("id"));
    for stream in &mut streams {
        let pushed = next(stream).await;
        assert_eq!(
            pushed["data"]["dataSubjectRequestUpdated"]["id"],
            json!(id),
            "{pushed}"
        );
        assert_eq!(
            pushed["data"]["dataSubjectRequestUpdated"]["tasks"]
                .as_array()
                .map(Vec::len),
            Some(2),
            "the tasks come with the shared read: {pushed}"
        );
    }
    // On PostgreSQL the change is announced by one NOTIFY, then read once: the request and its
    // tasks, two statements for twenty subscribers.
    let announce = usize::from(app.backend == crate::support::Backend::Postgres);
    assert_eq!(
        app.statements() - before,
        announce + 2,
        "one read of the request and its tasks for twenty subscribers"
    );
}

async fn subscriptions_are_limited_per_token_and_in_total(app: TestApp) {
    use crate::requests::{chain, file, receiver::Behaviour};
    chain(&app, &[Behaviour::Succeed], "2 years").await;
    let id = file(&app, "ERASURE", None).await;
    let state = state_with(&app, |c| {
        c.max_subscriptions_per_token = 2;
        c.max_subscriptions = 3;
    })
    .await;
    let dpo = Auth::Token(app.principal(Role::Dpo, None).await);
    let auditor = Auth::Token(app.principal(Role::Auditor, None).await);
    let mut first = subscribe(&state, dpo.clone(), &id);
    assert!(next(&mut first).await.get("errors").is_none());
    let mut second = subscribe(&state, dpo.clone(), &id);
    assert!(next(&mut second).await.get("errors").is_none());
    let refused = next(&mut subscribe(&state, dpo.clone(), &id)).await;
    assert_error(&refused, "CONFLICT", None);
    assert_eq!(refused["errors"][0]["extensions"]["reason"], "BUSY");
    assert!(
        refused
            .to_string()
            .contains("REGISTER_MAX_SUBSCRIPTIONS_PER_TOKEN"),
        "{refused}"
    );
    let mut other = subscribe(&state, auditor.clone(), &id);
    assert!(
        next(&mut other).await.get("errors").is_none(),
        "another token has its own"
    );
    let full = next(&mut subscribe(&state, auditor.clone(), &id)).await;
    assert_error(&full, "CONFLICT", None);
    assert!(
        full.to_string().contains("REGISTER_MAX_SUBSCRIPTIONS"),
        "{full}"
    );
    drop(first);
    let mut again = subscribe(&state, dpo, &id);
    assert!(
        next(&mut again).await.get("errors").is_none(),
        "a closed subscription frees its place"
    );
}

/// An export is streamed as it is rendered (no length known in advance, no second copy of the
/// register in memory) and holds its turn in the pool of whole-register work until it ends.
async fn an_export_streams_out_and_gives_its_turn_back(app: TestApp) {
    for name in ["Streamed A", "Streamed B", "Streamed C"] {
        fixtures::org(
            &app,
            json!({ "name": name, "kind": "SUPPLIER", "country": "IE" }),
        )
        .await;
    }
    let base = app.serve().await;
    let token = app.token(Role::Dpo).await;
    let pool = app.state.config.expensive_concurrency as usize;
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{base}/exports/organisations.csv"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get("content-length").is_none(),
        "streamed, so no length up front: {:?}",
        response.headers()
    );
    let body = response.text().await.expect("body");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let column = reader
        .headers()
        .expect("a header")
        .iter()
        .position(|h| h == "name")
        .expect("a name column");
    let names: Vec<String> = reader
        .records()
        .map(|r| r.expect("a CSV record")[column].to_string())
        .collect();
    for name in ["Streamed A", "Streamed B", "Streamed C"] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    // A client that hangs up after the headers: the rendering stops and the turn comes back.
    let dropped = client
        .get(format!("{base}/exports/organisations.xlsx"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(dropped.status(), 200);
    drop(dropped);
    let mut freed = false;
    for _ in 0..100 {
        if app.state.limits.expensive_available() == pool {
            freed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(freed, "every export gave its turn back");
}
