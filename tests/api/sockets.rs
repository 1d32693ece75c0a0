//! The WebSocket as a session: every operation authenticates again, errors carry their code,
//! and the socket closes when its token is revoked or a time limit passes.

use crate::{db_tests, support::TestApp};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest},
};
use transfer_register::{domain::vocab::Role, service::tokens};

db_tests!(
    a_revoked_token_stops_working_on_an_open_socket_and_its_subscriptions_end,
    who_holds_and_filing_a_request_work_over_the_socket_as_over_http,
    a_socket_that_never_sends_connection_init_is_closed,
    open_sockets_are_limited_in_total_and_a_closed_one_frees_its_place,
    connection_init_without_a_valid_token_is_refused_with_4403,
    unauthenticated_sockets_cannot_take_the_places_of_authenticated_ones,
    a_message_over_the_body_limit_is_refused_and_never_run,
    an_alias_bomb_of_typename_is_refused_over_the_socket_as_over_http,
    a_revoked_token_gets_no_push_and_its_socket_closes_with_4403,
    an_idle_socket_is_closed_with_1001,
    each_push_shows_related_records_as_they_are_now,
);

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects with graphql-transport-ws, initialised with `token`.
async fn connect(base: &str, token: &str) -> Socket {
    let mut socket = open(base).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }),
    )
    .await;
    let ack = receive(&mut socket).await.expect("an acknowledgement");
    assert_eq!(ack["type"], json!("connection_ack"), "{ack:#}");
    socket
}

/// Opens a graphql-transport-ws socket, not yet initialised.
pub async fn open(base: &str) -> Socket {
    try_open(base, None).await.expect("connect")
}

/// Opens a graphql-transport-ws socket, with `Authorization: Bearer <token>` on the upgrade if given.
async fn try_open(
    base: &str,
    token: Option<&str>,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("{}/graphql/ws", base.replacen("http", "ws", 1))
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    if let Some(token) = token {
        request.headers_mut().insert(
            "Authorization",
            format!("Bearer {token}").parse().expect("header"),
        );
    }
    Ok(tokio_tungstenite::connect_async(request).await?.0)
}

/// Sends `connection_init` with `token` (none: an empty payload); `Ok` on the acknowledgement,
/// else the close code the server closed with (`None`: closed without one).
pub async fn initialise(socket: &mut Socket, token: Option<&str>) -> Result<(), Option<u16>> {
    let payload = token.map_or(
        json!({}),
        |t| json!({ "Authorization": format!("Bearer {t}") }),
    );
    send(
        socket,
        json!({ "type": "connection_init", "payload": payload }),
    )
    .await;
    match next_or_close(socket).await {
        Ok(ack) if ack["type"] == json!("connection_ack") => Ok(()),
        Ok(other) => panic!("an acknowledgement or a close, not {other:#}"),
        Err(code) => Err(code),
    }
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("send");
}

/// The next protocol message (pings skipped), or `None` once the socket is closed.
async fn receive(socket: &mut Socket) -> Option<Value> {
    next_or_close(socket).await.ok()
}

/// The next protocol message (pings skipped), or the code the socket was closed with (`None`:
/// closed without a close frame, or with one without a code).
async fn next_or_close(socket: &mut Socket) -> Result<Value, Option<u16>> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("a message or the close in time");
        match frame {
            None | Some(Err(_)) => return Err(None),
            Some(Ok(Message::Close(frame))) => return Err(frame.map(|f| u16::from(f.code))),
            Some(Ok(Message::Text(text))) => {
                let value: Value = serde_json::from_str(&text).expect("json");
                if value["type"] != json!("ping") && value["type"] != json!("pong") {
                    return Ok(value);
                }
            }
            Some(Ok(_)) => {}
        }
    }
}

/// Waits for the socket to close, failing on any push meanwhile; returns the close code.
async fn closes_without_a_push(socket: &mut Socket) -> Option<u16> {
    loop {
        match next_or_close(socket).await {
            Ok(message) if message["type"] == json!("next") => {
                panic!("a push reached the socket: {message:#}")
            }
            Ok(_) => {}
            Err(code) => return code,
        }
    }
}

/// Runs one operation on the socket and returns its first payload.
pub async fn operation(socket: &mut Socket, id: &str, query: &str, variables: Value) -> Value {
    send(
        socket,
        json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }),
    )
    .await;
    loop {
        let message = receive(socket).await.expect("an answer");
        match message["type"].as_str() {
            Some("next") if message["id"] == json!(id) => return message["payload"].clone(),
            // The protocol's own refusal carries a list of errors.
            Some("error") if message["id"] == json!(id) => {
                return json!({ "errors": message["payload"] });
            }
            _ => {}
        }
    }
}

async fn a_revoked_token_stops_working_on_an_open_socket_and_its_subscriptions_end(app: TestApp) {
    let org = app
        .ok(
            r#"mutation { registerOrganisation(input: {name: "Acme Hosting", kind: SUPPLIER, country: "IE"}) { id } }"#,
            json!({}),
        )
        .await["registerOrganisation"]["id"]
        .clone();
    let base = app.serve().await;
    let name = format!("dpo-{}", uuid::Uuid::new_v4().simple());
    let (_, token) = tokens::create(
        &app.state.db,
        &app.state.audit_key,
        &name,
        Role::Dpo,
        None,
        None,
    )
    .await
    .expect("token");
    let mut socket = connect(&base, &token).await;
    let before = operation(
        &mut socket,
        "1",
        "{ organisations { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(
        before["data"]["organisations"]["totalCount"],
        json!(1),
        "{before:#}"
    );

    tokens::revoke(&app.state.db, &app.state.audit_key, &name)
        .await
        .expect("revoke");
    let after = operation(
        &mut socket,
        "2",
        "mutation($id: ID!) { rotateWebhookSecret(organisationId: $id) }",
        json!({ "id": org }),
    )
    .await;
    assert_eq!(
        after["errors"][0]["extensions"]["code"],
        json!("UNAUTHENTICATED"),
        "{after:#}"
    );
    assert!(after["data"].is_null() || after["data"]["rotateWebhookSecret"].is_null());
    // The watchdog notices the revocation within seconds and closes the socket, which ends every
    // subscription on it.
    let mut closed = false;
    for _ in 0..20 {
        if receive(&mut socket).await.is_none() {
            closed = true;
            break;
        }
    }
    assert!(closed, "the socket of a revoked token is closed");
}

async fn who_holds_and_filing_a_request_work_over_the_socket_as_over_http(app: TestApp) {
    let base = app.serve().await;
    let token = app.token(Role::Dpo).await;
    let mut socket = connect(&base, &token).await;
    let holds = operation(
        &mut socket,
        "1",
        r#"{ whoHolds(subject: {email: "nobody@example.com"}) { subject { id } holdings { role } } }"#,
        json!({}),
    )
    .await;
    assert!(holds.get("errors").is_none(), "{holds:#}");
    assert_eq!(
        holds["data"]["whoHolds"]["holdings"],
        json!([]),
        "{holds:#}"
    );
    let bad = operation(
        &mut socket,
        "2",
        r#"mutation { fileDataSubjectRequest(input: {subject: {email: "not an address"}, kind: ERASURE}) { id } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"],
        json!("BAD_USER_INPUT"),
        "{bad:#}"
    );
    assert_eq!(
        bad["errors"][0]["extensions"]["field"],
        json!("email"),
        "{bad:#}"
    );
}

async fn a_socket_that_never_sends_connection_init_is_closed(app: TestApp) {
    let base = app.serve_with(|c| c.ws_init_timeout_secs = 1).await;
    let mut socket = open(&base).await;
    assert_eq!(
        next_or_close(&mut socket).await.err(),
        Some(Some(4408)),
        "a socket without connection_init is closed with 4408 (Connection initialisation timeout)"
    );
}

/// Authenticated sockets count against the server's total: one more is refused before the
/// upgrade with a GraphQL error, and closing one lets the next in.
async fn open_sockets_are_limited_in_total_and_a_closed_one_frees_its_place(app: TestApp) {
    let base = app.serve_with(|c| c.max_sockets = 2).await;
    let token = app.token(Role::Dpo).await;
    let mut first = connect(&base, &token).await;
    let _second = connect(&base, &token).await;
    match try_open(&base, Some(&token)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
            let body: Value =
                serde_json::from_slice(response.body().as_deref().unwrap_or_default())
                    .expect("a JSON body");
            assert_eq!(body["errors"][0]["extensions"]["code"], json!("CONFLICT"));
            assert_eq!(body["errors"][0]["extensions"]["reason"], json!("BUSY"));
            assert!(
                body.to_string().contains("REGISTER_MAX_SOCKETS"),
                "the refusal names its setting: {body}"
            );
        }
        Err(other) => panic!("refused with an HTTP response, not {other}"),
        Ok(_) => panic!("a third socket was accepted over a limit of two"),
    }
    first.close(None).await.expect("close");
    while first.next().await.is_some() {}
    // The server frees the place once it has seen the close: retry briefly.
    let mut reopened = None;
    for _ in 0..50 {
        if let Ok(socket) = try_open(&base, Some(&token)).await {
            reopened = Some(socket);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(reopened.is_some(), "a closed socket frees its place");
}

async fn connection_init_without_a_valid_token_is_refused_with_4403(app: TestApp) {
    let base = app.serve().await;
    let mut anonymous = open(&base).await;
    assert_eq!(
        initialise(&mut anonymous, None).await,
        Err(Some(4403)),
        "an init without a token is refused with 4403 Forbidden"
    );
    let mut unknown = open(&base).await;
    assert_eq!(
        initialise(&mut unknown, Some("not-a-token")).await,
        Err(Some(4403))
    );
    match try_open(&base, Some("not-a-token")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(
                response.status(),
                401,
                "a bad token on the upgrade is refused"
            );
        }
        Err(other) => panic!("refused with an HTTP response, not {other}"),
        Ok(_) => panic!("a socket with an unknown bearer token was upgraded"),
    }
}

/// Sockets that have not authenticated have a small allowance per address, apart from the
/// server's pool: they cannot fill it, and authenticating moves a socket out of the allowance.
async fn unauthenticated_sockets_cannot_take_the_places_of_authenticated_ones(app: TestApp) {
    let base = app
        .serve_with(|c| {
            c.max_sockets = 2;
            c.ws_unauthenticated_per_address = 2;
        })
        .await;
    let token = app.token(Role::Dpo).await;
    let mut waiting = vec![open(&base).await, open(&base).await];
    match try_open(&base, None).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
            let body = String::from_utf8_lossy(response.body().as_deref().unwrap_or_default())
                .into_owned();
            assert!(
                body.contains("REGISTER_WS_UNAUTHENTICATED_PER_ADDRESS"),
                "the refusal names its setting: {body}"
            );
        }
        Err(other) => panic!("refused with an HTTP response, not {other}"),
        Ok(_) => panic!("a third unauthenticated socket was accepted over an allowance of two"),
    }
    // A waiting socket that authenticates moves to the pool and leaves the allowance, so
    // another may wait.
    let mut promoted = waiting.remove(0);
    initialise(&mut promoted, Some(&token))
        .await
        .expect("a waiting socket authenticates");
    let answer = operation(&mut promoted, "1", "{ __typename }", json!({})).await;
    assert_eq!(answer["data"]["__typename"], json!("Query"), "{answer:#}");
    waiting.push(
        try_open(&base, None)
            .await
            .expect("the authenticated socket left the allowance"),
    );
    // The pool's second place is still free for a socket with a token on the upgrade, while
    // two unauthenticated sockets wait.
    let mut by_header = try_open(&base, Some(&token))
        .await
        .expect("a socket with a token on the upgrade");
    initialise(&mut by_header, None)
        .await
        .expect("initialised by the upgrade's token");
    assert_eq!(waiting.len(), 2);
}

async fn a_message_over_the_body_limit_is_refused_and_never_run(app: TestApp) {
    let base = app.serve_with(|c| c.max_body_bytes = 64 * 1024).await;
    let token = app.token(Role::Dpo).await;
    let mut socket = connect(&base, &token).await;
    let padding = "x".repeat(100 * 1024);
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe",
                "payload": { "query": format!("{{ __typename }} #{padding}") } }),
    )
    .await;
    assert_eq!(
        closes_without_a_push(&mut socket).await,
        Some(1009),
        "a message over REGISTER_MAX_BODY_BYTES closes the socket with 1009 (message too big)"
    );
}

async fn an_alias_bomb_of_typename_is_refused_over_the_socket_as_over_http(app: TestApp) {
    let base = app.serve().await;
    let token = app.token(Role::Dpo).await;
    let bomb: String = (0..5_000).map(|i| format!("a{i}: __typename ")).collect();
    let bomb = format!("{{ {bomb} }}");
    let mut socket = connect(&base, &token).await;
    let over_socket = operation(&mut socket, "1", &bomb, json!({})).await;
    let over_http: Value = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": bomb }))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    for (how, response) in [("socket", &over_socket), ("HTTP", &over_http)] {
        assert!(response["data"].is_null(), "over {how}: {response:#}");
        assert_eq!(
            response["errors"][0]["extensions"]["code"],
            json!("BAD_USER_INPUT"),
            "over {how}: {response:#}"
        );
        assert!(
            response.to_string().contains("REGISTER_MAX_FIELDS"),
            "over {how}, the refusal names its setting: {response:#}"
        );
    }
    // An ordinary query still runs on the same socket.
    let fine = operation(
        &mut socket,
        "2",
        "{ a: __typename b: __typename }",
        json!({}),
    )
    .await;
    assert_eq!(fine["data"]["b"], json!("Query"), "{fine:#}");
}

/// Files a request (with its controller's task) and returns the request's and the
/// controller's ids.
async fn a_request(app: &TestApp) -> (String, String) {
    let chain = crate::requests::chain(app, &[], "2 years").await;
    let id = crate::requests::file(app, "ACCESS", None).await;
    (id, chain.controller)
}

const EXTEND: &str = r#"mutation($id: ID!) { extendDeadline(input: {requestId: $id, months: 1, reason: "complex"}) { dueOn } }"#;

async fn a_revoked_token_gets_no_push_and_its_socket_closes_with_4403(app: TestApp) {
    let (id, _) = a_request(&app).await;
    let base = app.serve().await;
    let name = format!("dpo-{}", uuid::Uuid::new_v4().simple());
    let (_, token) = tokens::create(
        &app.state.db,
        &app.state.audit_key,
        &name,
        Role::Dpo,
        None,
        None,
    )
    .await
    .expect("token");
    let mut socket = connect(&base, &token).await;
    let first = operation(
        &mut socket,
        "1",
        "subscription($id: ID!) { dataSubjectRequestUpdated(id: $id) { id dueOn } }",
        json!({ "id": id }),
    )
    .await;
    assert!(first.get("errors").is_none(), "{first:#}");
    tokens::revoke(&app.state.db, &app.state.audit_key, &name)
        .await
        .expect("revoke");
    app.ok(EXTEND, json!({ "id": id })).await;
    assert_eq!(
        closes_without_a_push(&mut socket).await,
        Some(4403),
        "the socket of a revoked token closes with 4403 Forbidden"
    );
}

async fn an_idle_socket_is_closed_with_1001(app: TestApp) {
    let base = app.serve_with(|c| c.ws_idle_timeout_secs = 1).await;
    let token = app.token(Role::Dpo).await;
    let mut socket = connect(&base, &token).await;
    assert_eq!(
        closes_without_a_push(&mut socket).await,
        Some(1001),
        "an idle socket closes with 1001 (going away)"
    );
}

/// A subscription lives for many pushes; each shows the records as they are then, not as its
/// first push read them.
async fn each_push_shows_related_records_as_they_are_now(app: TestApp) {
    let (id, controller) = a_request(&app).await;
    let base = app.serve().await;
    let token = app.token(Role::Dpo).await;
    let mut socket = connect(&base, &token).await;
    let first = operation(
        &mut socket,
        "1",
        "subscription($id: ID!) { dataSubjectRequestUpdated(id: $id) { dueOn tasks { organisation { name } } } }",
        json!({ "id": id }),
    )
    .await;
    let names = |push: &Value| {
        push["data"]["dataSubjectRequestUpdated"]["tasks"][0]["organisation"]["name"].clone()
    };
    assert_eq!(names(&first), json!("Contoso Group plc"), "{first:#}");
    app.ok(
        r#"mutation($id: ID!) { updateOrganisation(input: {id: $id, name: "Contoso Holdings plc"}) { id } }"#,
        json!({ "id": controller }),
    )
    .await;
    app.ok(EXTEND, json!({ "id": id })).await;
    let pushed = loop {
        let message = receive(&mut socket).await.expect("a push");
        if message["type"] == json!("next")
            && message["payload"]["data"]["dataSubjectRequestUpdated"]["dueOn"]
                != first["data"]["dataSubjectRequestUpdated"]["dueOn"]
        {
            break message["payload"].clone();
        }
    };
    assert_eq!(
        names(&pushed),
        json!("Contoso Holdings plc"),
        "the push after the change shows the organisation's new name: {pushed:#}"
    );
}
