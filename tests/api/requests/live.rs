//! `dataSubjectRequestUpdated` over `GET /graphql/ws` (graphql-transport-ws), with a real client.

use super::{as_role, chain, confirm, file, receiver::Behaviour, show, task_of};
use crate::{db_tests, support::TestApp};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use transfer_register::domain::vocab::Role;

db_tests!(a_dashboard_sees_each_change_of_a_request_without_polling);
db_tests!(postgres_only: another_instance_on_the_same_postgresql_sees_each_change_too);

async fn a_dashboard_sees_each_change_of_a_request_without_polling(app: TestApp) {
    let chain = chain(&app, &[Behaviour::Succeed], "2 years").await;
    let id = file(&app, "ERASURE", None).await;
    let base = app.serve().await;
    let token = app.token(Role::Dpo).await;
    let mut ws = crate::sockets::open(&base).await;
    let send = |v: Value| Message::Text(v.to_string().into());
    ws.send(send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })))
        .await
        .expect("init");
    ws.send(send(json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($id: ID!) { dataSubjectRequestUpdated(id: $id) { id status tasks { status } } }",
        "variables": { "id": id } } })))
        .await
        .expect("subscribe");
    // A change can be announced twice (on PostgreSQL the filing's own notice may arrive after the
    // subscription began) and the worker may touch a task in between: skip states that repeat the
    // request's last status, so each assertion below is about the next *change of status*.
    let mut last = Value::Null;
    let mut next = async || loop {
        let message = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message in time")
            .expect("open")
            .expect("frame");
        let Message::Text(text) = message else {
            continue;
        };
        let value: Value = serde_json::from_str(&text).expect("json");
        match value["type"].as_str() {
            Some("next") => {
                let status =
                    value["payload"]["data"]["dataSubjectRequestUpdated"]["status"].clone();
                if status != last {
                    last = status;
                    return value["payload"].clone();
                }
            }
            Some("connection_ack" | "ping" | "pong") => {}
            _ => panic!("unexpected {value:#}"),
        }
    };
    let first = next().await;
    assert_eq!(
        first["data"]["dataSubjectRequestUpdated"]["status"],
        json!("OPEN"),
        "{first:#}"
    );
    let shown = show(&app, &id).await;
    let dpo = as_role(&app, Role::Dpo, None).await;
    confirm(
        &app,
        dpo,
        task_of(&shown, &chain.controller),
        "COMPLETED",
        Some("done"),
    )
    .await;
    let second = next().await;
    assert_eq!(
        second["data"]["dataSubjectRequestUpdated"]["status"],
        json!("IN_PROGRESS"),
        "{second:#}"
    );
    let holder = as_role(&app, Role::Processor, Some(&chain.processors[0])).await;
    confirm(
        &app,
        holder,
        task_of(&shown, &chain.processors[0]),
        "COMPLETED",
        Some("erased"),
    )
    .await;
    let third = next().await;
    assert_eq!(
        third["data"]["dataSubjectRequestUpdated"]["status"],
        json!("COMPLETED"),
        "{third:#}"
    );
}

/// Two service instances on one PostgreSQL: a change made through one reaches the subscribers of
/// the other (the database carries it with NOTIFY). SQLite is one process: nothing to show there.
async fn another_instance_on_the_same_postgresql_sees_each_change_too(app: TestApp) {
    let chain = chain(&app, &[Behaviour::Succeed], "2 years").await;
    let id: i64 = file(&app, "ERASURE", None).await.parse().expect("id");
    let other =
        transfer_register::AppState::with_db((*app.state.config).clone(), app.state.db.clone())
            .await
            .expect("second instance");
    let mut feed = other.dsr.events.subscribe();
    // The other instance's listener connects in the background: announce until it hears.
    let heard = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            app.state.dsr.events.publish(id);
            if let Ok(Ok(got)) = tokio::time::timeout(Duration::from_millis(200), feed.recv()).await
            {
                return got;
            }
        }
    })
    .await
    .expect("the other instance hears the change");
    assert_eq!(heard, id);
    while feed.try_recv().is_ok() {}
    // A real change through this instance: the DPO completes the controller's manual task.
    let shown = show(&app, &id.to_string()).await;
    let dpo = as_role(&app, Role::Dpo, None).await;
    confirm(
        &app,
        dpo,
        task_of(&shown, &chain.controller),
        "COMPLETED",
        Some("CRM purge"),
    )
    .await;
    let got = tokio::time::timeout(Duration::from_secs(10), feed.recv())
        .await
        .expect("in time")
        .expect("open");
    assert_eq!(got, id);
}
