//! The webhook address check at delivery time, with a DNS the test controls (the policy's
//! resolver seam): a name whose answer changes to a private address after it passed the check
//! at registration gets nothing (rebinding); the connection goes to the address the check saw,
//! not to a fresh lookup (pinning); a plain-HTTP URL is refused for its scheme alone, before any
//! lookup.

use super::{
    Chain, chain, file,
    receiver::{Behaviour, Receiver},
    show, task_of, worker,
};
use crate::{db_tests, support::TestApp};
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};
use transfer_register::service::webhook_url::{self, WebhookPolicy};

db_tests!(
    a_name_rebound_to_a_private_address_after_registration_gets_nothing,
    delivery_connects_to_the_address_the_check_saw_not_to_a_fresh_lookup,
    a_plain_http_url_is_refused_at_delivery_before_any_lookup,
);

/// A DNS for one test: every name answers `answer`, which the test may change; `asked` counts
/// the lookups.
#[derive(Clone, Default)]
struct Dns {
    answer: Arc<Mutex<Vec<SocketAddr>>>,
    asked: Arc<AtomicUsize>,
}

impl Dns {
    fn answering(addr: SocketAddr) -> Self {
        let dns = Self::default();
        dns.set(addr);
        dns
    }

    fn set(&self, addr: SocketAddr) {
        *self.answer.lock().expect("lock") = vec![addr];
    }

    fn asked(&self) -> usize {
        self.asked.load(Ordering::SeqCst)
    }

    /// `policy` with this DNS in place of the system's.
    fn policy(&self, policy: WebhookPolicy) -> WebhookPolicy {
        let dns = self.clone();
        WebhookPolicy {
            resolver: Some(Arc::new(move |_host: &str, _port: u16| {
                dns.asked.fetch_add(1, Ordering::SeqCst);
                Ok(dns.answer.lock().expect("lock").clone())
            })),
            ..policy
        }
    }
}

fn port_of(url: &str) -> u16 {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.port())
        .expect("a receiver URL with a port")
}

/// Points `organisation`'s webhook at `url`, as a registration that passed the check stores it.
async fn point_webhook(app: &TestApp, organisation: &str, url: &str) {
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE organisation SET erasure_webhook_url = '{url}' WHERE id = {organisation}"
        ))
        .await
        .expect("point the webhook");
}

/// The check is on (https, public addresses only, the receiver's port listed). At registration
/// the name answers a public address; by delivery it answers the receiver's own loopback
/// address, so a delivery that skipped the check, or trusted the first answer, would reach it.
async fn a_name_rebound_to_a_private_address_after_registration_gets_nothing(app: TestApp) {
    let Chain {
        processors,
        receivers,
        ..
    } = chain(&app, &[Behaviour::Succeed], "2 years").await;
    let port = port_of(&receivers[0].url);
    let dns = Dns::answering(SocketAddr::from(([93, 184, 216, 34], port)));
    let secure = dns.policy(WebhookPolicy {
        extra_ports: vec![port].into(),
        ..WebhookPolicy::secure()
    });
    let url = format!("https://hooks.rebind.test:{port}/erase");
    let registered = webhook_url::check("erasureWebhookUrl", &url, &secure)
        .await
        .expect("a public answer passes at registration");
    assert_eq!(
        registered.addresses,
        [SocketAddr::from(([93, 184, 216, 34], port))]
    );
    point_webhook(&app, &processors[0], &registered.url).await;

    dns.set(SocketAddr::from(([127, 0, 0, 1], port)));
    let id = file(&app, "ERASURE", None).await;
    let worker = worker(&app, |c| c.delivery_max_attempts = 1).with_webhook_policy(secure);
    assert_eq!(
        worker.tick().await.expect("tick"),
        1,
        "the task was attempted"
    );
    assert_eq!(
        dns.asked(),
        2,
        "asked again at delivery, not only at registration"
    );
    assert!(
        receivers[0].received().is_empty(),
        "nothing reached the rebound address"
    );
    let shown = show(&app, &id).await;
    let task = task_of(&shown, &processors[0]);
    assert_eq!(task["status"], json!("FAILED"), "{task:#}");
    assert!(
        task["lastError"]
            .as_str()
            .is_some_and(|e| e.contains("non-public address (127.0.0.1)")),
        "the DPO is told why: {task:#}"
    );
}

/// `localhost` resolves, by the system, to 127.0.0.1, where a decoy listens; the policy's DNS
/// answers 127.0.0.2 on the same port, where the real receiver listens. Only a connection pinned
/// to the checked address reaches the receiver. (A test machine has no public address to
/// listen on, so this runs under the permissive policy; the pinning is the same code.)
async fn delivery_connects_to_the_address_the_check_saw_not_to_a_fresh_lookup(app: TestApp) {
    let Chain {
        processors,
        receivers,
        ..
    } = chain(&app, &[Behaviour::Succeed], "2 years").await;
    let checked =
        Receiver::start_on("127.0.0.2:0".parse().expect("addr"), Behaviour::Succeed).await;
    let port = port_of(&checked.url);
    let decoy =
        Receiver::start_on(SocketAddr::from(([127, 0, 0, 1], port)), Behaviour::Succeed).await;
    checked.set_secret(&String::from_utf8(receivers[0].secret()).expect("secret"));
    point_webhook(
        &app,
        &processors[0],
        &format!("http://localhost:{port}/hook"),
    )
    .await;
    let dns = Dns::answering(SocketAddr::from(([127, 0, 0, 2], port)));

    let id = file(&app, "ERASURE", None).await;
    let worker = worker(&app, |c| c.delivery_max_attempts = 1)
        .with_webhook_policy(dns.policy(WebhookPolicy::insecure()));
    assert_eq!(worker.tick().await.expect("tick"), 1);
    assert_eq!(dns.asked(), 1);
    let shown = show(&app, &id).await;
    let task = task_of(&shown, &processors[0]);
    assert_eq!(task["status"], json!("SENT"), "{task:#}");
    let got = checked.received();
    assert_eq!(got.len(), 1, "the checked address got the delivery");
    assert!(got[0].signature_valid);
    assert_eq!(json!(got[0].idempotency_key), task["id"]);
    assert!(
        decoy.received().is_empty(),
        "the system's answer was never used"
    );
    assert!(receivers[0].received().is_empty());
}

/// The https-only rule alone: a public address on port 443 under the production policy, refused
/// because the URL is `http://`; refused before the name is even looked up.
async fn a_plain_http_url_is_refused_at_delivery_before_any_lookup(app: TestApp) {
    let Chain {
        processors,
        receivers,
        ..
    } = chain(&app, &[Behaviour::Succeed], "2 years").await;
    let dns = Dns::answering(SocketAddr::from(([93, 184, 216, 34], 443)));
    let secure = dns.policy(WebhookPolicy::secure());
    // The same address over https passes: the scheme is the only thing wrong.
    webhook_url::check(
        "erasureWebhookUrl",
        "https://hooks.plain.test/erase",
        &secure,
    )
    .await
    .expect("https to a public address on 443 passes");
    assert_eq!(dns.asked(), 1);
    point_webhook(&app, &processors[0], "http://hooks.plain.test:443/erase").await;

    let id = file(&app, "ERASURE", None).await;
    let worker = worker(&app, |c| c.delivery_max_attempts = 1).with_webhook_policy(secure);
    assert_eq!(worker.tick().await.expect("tick"), 1);
    assert_eq!(dns.asked(), 1, "no lookup for a refused scheme");
    assert!(receivers[0].received().is_empty());
    let shown = show(&app, &id).await;
    let task = task_of(&shown, &processors[0]);
    assert_eq!(task["status"], json!("FAILED"), "{task:#}");
    assert!(
        task["lastError"]
            .as_str()
            .is_some_and(|e| e.contains("must be an https:// URL")),
        "{task:#}"
    );
}
