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
    let mut request = format!("{}/graphql/ws", base.replacen("http", "ws", 1))
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .expect("connect")
        .0
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("send");
}

/// The next protocol message (pings skipped), or `None` once the socket is closed.
async fn receive(socket: &mut Socket) -> Option<Value> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("a message or the close in time");
        match frame {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return None,
            Some(Ok(Message::Text(text))) => {
                let value: Value = serde_json::from_str(&text).expect("json");
                if value["type"] != json!("ping") && value["type"] != json!("pong") {
                    return Some(value);
                }
            }
            Some(Ok(_)) => {}
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
    assert!(
        receive(&mut socket).await.is_none(),
        "a socket without connection_init is closed"
    );
}

/// Sockets count against the server's total from the upgrade, initialised or not: one more is
/// refused before the upgrade with a GraphQL error, and closing one lets the next in.
async fn open_sockets_are_limited_in_total_and_a_closed_one_frees_its_place(app: TestApp) {
    let base = app.serve_with(|c| c.max_sockets = 2).await;
    let mut first = open(&base).await;
    let _second = open(&base).await;
    let url = format!("{}/graphql/ws", base.replacen("http", "ws", 1));
    let mut request = url.clone().into_client_request().expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    match tokio_tungstenite::connect_async(request).await {
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
        let mut request = url.clone().into_client_request().expect("request");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().expect("header"),
        );
        if let Ok((socket, _)) = tokio_tungstenite::connect_async(request).await {
            reopened = Some(socket);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(reopened.is_some(), "a closed socket frees its place");
}
