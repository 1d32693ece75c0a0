//! The webhook address is checked again when a delivery goes out, not only when the URL was
//! registered: an address that has since become one the policy refuses (a name rebound to a
//! private address, a plain-HTTP URL) gets nothing, whatever was accepted before.

use super::{Chain, chain, file, receiver::Behaviour, show, task_of, worker};
use crate::{db_tests, support::TestApp};
use serde_json::json;

db_tests!(
    a_delivery_to_an_address_the_policy_now_refuses_sends_nothing,
    a_name_that_now_resolves_to_loopback_gets_nothing,
);

/// The receivers are on loopback over plain HTTP, accepted when registered (the test app allows
/// insecure URLs); the worker delivers under the production policy.
async fn a_delivery_to_an_address_the_policy_now_refuses_sends_nothing(app: TestApp) {
    let Chain {
        processors,
        receivers,
        ..
    } = chain(&app, &[Behaviour::Succeed], "2 years").await;
    let id = file(&app, "ERASURE", None).await;
    let secure = worker(&app, |c| {
        c.webhook_allow_insecure = false;
        c.delivery_max_attempts = 1;
    });
    assert_eq!(
        secure.tick().await.expect("tick"),
        1,
        "the task was attempted"
    );
    assert!(
        receivers[0].received().is_empty(),
        "nothing reached the refused address"
    );
    let shown = show(&app, &id).await;
    let task = task_of(&shown, &processors[0]);
    assert_eq!(task["status"], json!("FAILED"), "{task:#}");
    let error = task["lastError"].as_str().unwrap_or_default();
    assert!(
        error.contains("https") || error.contains("non-public") || error.contains("port"),
        "the DPO is told why: {task:#}"
    );
}

/// `localhost` stands for a public name whose DNS answer changed to a private address after it
/// was registered (rebinding): the answer at delivery time is what is checked.
async fn a_name_that_now_resolves_to_loopback_gets_nothing(app: TestApp) {
    use sea_orm::ConnectionTrait;
    let Chain {
        processors,
        receivers,
        ..
    } = chain(&app, &[Behaviour::Succeed], "2 years").await;
    let port = receivers[0]
        .url
        .split(':')
        .nth(2)
        .and_then(|p| p.split('/').next())
        .map(str::to_owned)
        .expect("port");
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE organisation SET erasure_webhook_url = 'https://localhost:{port}/erase' WHERE id = {}",
            processors[0]
        ))
        .await
        .expect("rebind");
    let id = file(&app, "ERASURE", None).await;
    let secure = worker(&app, |c| {
        c.webhook_allow_insecure = false;
        c.webhook_allowed_ports = vec![port.parse().expect("port")];
        c.delivery_max_attempts = 1;
    });
    assert_eq!(secure.tick().await.expect("tick"), 1);
    assert!(receivers[0].received().is_empty());
    let shown = show(&app, &id).await;
    let task = task_of(&shown, &processors[0]);
    assert_eq!(task["status"], json!("FAILED"), "{task:#}");
    assert!(
        task["lastError"]
            .as_str()
            .is_some_and(|e| e.contains("non-public")),
        "{task:#}"
    );
}
