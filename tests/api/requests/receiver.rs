//! Local webhook receivers on 127.0.0.1 that check the contract's headers and signature and
//! answer as told: succeed, fail N times, answer 500, answer slowly, or hold every answer until the test
//! opens the receiver's gate (so "in flight" is a state the test controls, not a race).

use axum::{
    Router,
    body::Bytes,
    extract::{ConnectInfo, State},
    http::HeaderMap,
    http::StatusCode,
    routing::post,
};
use serde_json::Value;
use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use transfer_register::domain::dsr::delivery::{
    DEFAULT_TOLERANCE_SECS, signature, verify_timestamped,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    Succeed,
    /// Answer 503 to the first N deliveries of each task, then 200.
    FailTimes(usize),
    Always500,
    /// Take this long, then 200 (to give two workers a chance to overlap).
    Slow(Duration),
    /// Hold each delivery, received and recorded, until [`Receiver::open`]; then 200.
    Gated,
    /// Answer 307 pointing at `/followed` on the same server (which would answer 200).
    Redirect,
}

/// One delivery as received.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub idempotency_key: String,
    pub signature_valid: bool,
    /// Whether `X-Register-Signature-V2` verified, as a receiver rejecting replays checks it.
    pub timestamped_valid: bool,
    /// `X-Register-Timestamp` and `X-Register-Signature-V2` as received.
    pub timestamp: String,
    pub signature_v2: String,
    pub raw: Vec<u8>,
    pub body: Value,
    /// The sender's address and port: the same for deliveries over one kept-alive connection.
    pub peer: SocketAddr,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub deliveries: Arc<Mutex<Vec<Delivery>>>,
    secret: Arc<Mutex<Vec<u8>>>,
    /// Deliveries being handled right now, per key, and the most ever seen at once.
    in_flight: Arc<Mutex<std::collections::HashMap<String, usize>>>,
    pub max_concurrent_same_key: Arc<AtomicUsize>,
    /// Requests that followed a redirect to `/followed`.
    pub followed: Arc<AtomicUsize>,
    /// Whether a [`Behaviour::Gated`] receiver answers yet.
    gate: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Receiver {
    pub async fn start(behaviour: Behaviour) -> Self {
        Self::start_on("127.0.0.1:0".parse().expect("addr"), behaviour).await
    }

    /// A receiver listening on `addr` (a port of 0 takes a free one).
    pub async fn start_on(addr: SocketAddr, behaviour: Behaviour) -> Self {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .unwrap_or_else(|e| panic!("bind {addr}: {e}"));
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let receiver = Self {
            url,
            deliveries: Arc::default(),
            secret: Arc::default(),
            in_flight: Arc::default(),
            max_concurrent_same_key: Arc::default(),
            followed: Arc::default(),
            gate: Arc::new(tokio::sync::watch::Sender::new(false)),
        };
        let followed = receiver.followed.clone();
        let router = Router::new()
            .route(
                "/followed",
                post(move || async move {
                    followed.fetch_add(1, Ordering::SeqCst);
                    StatusCode::OK
                }),
            )
            .route("/hook", post(handle))
            .with_state((receiver.clone(), behaviour));
        tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        receiver
    }

    /// The secret `rotateWebhookSecret` returned, as the holder would store it.
    pub fn set_secret(&self, secret: &str) {
        *self.secret.lock().expect("lock") = secret.as_bytes().to_vec();
    }

    /// The secret this receiver verifies with.
    pub fn secret(&self) -> Vec<u8> {
        self.secret.lock().expect("lock").clone()
    }

    /// Lets every held delivery of a [`Behaviour::Gated`] receiver, and every later one, answer 200.
    pub fn open(&self) {
        self.gate.send_replace(true);
    }

    /// Waits (bounded) until `n` deliveries have arrived.
    pub async fn until_received(&self, n: usize) {
        crate::support::wait_until(&format!("{n} deliveries at {}", self.url), || {
            self.received().len() >= n
        })
        .await;
    }

    pub fn received(&self) -> Vec<Delivery> {
        self.deliveries.lock().expect("lock").clone()
    }
}

async fn handle(
    State((receiver, behaviour)): State<(Receiver, Behaviour)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let key = header("idempotency-key");
    let expected = signature(&receiver.secret.lock().expect("lock"), &body);
    assert_eq!(header("content-type"), "application/json");
    let delivery = Delivery {
        idempotency_key: key.clone(),
        signature_valid: header("x-register-signature") == expected,
        timestamped_valid: verify_timestamped(
            &receiver.secret.lock().expect("lock"),
            &header("x-register-signature-v2"),
            &body,
            chrono::Utc::now().timestamp(),
            DEFAULT_TOLERANCE_SECS,
        ),
        timestamp: header("x-register-timestamp"),
        signature_v2: header("x-register-signature-v2"),
        raw: body.to_vec(),
        body: serde_json::from_slice(&body).expect("JSON body"),
        peer,
    };
    let seen_before = {
        let mut all = receiver.deliveries.lock().expect("lock");
        let n = all.iter().filter(|d| d.idempotency_key == key).count();
        all.push(delivery);
        n
    };
    {
        let mut in_flight = receiver.in_flight.lock().expect("lock");
        let n = in_flight.entry(key.clone()).or_default();
        *n += 1;
        receiver
            .max_concurrent_same_key
            .fetch_max(*n, Ordering::SeqCst);
    }
    let status = match behaviour {
        Behaviour::Succeed => StatusCode::OK,
        Behaviour::FailTimes(n) if seen_before < n => StatusCode::SERVICE_UNAVAILABLE,
        Behaviour::FailTimes(_) => StatusCode::NO_CONTENT,
        Behaviour::Always500 => StatusCode::INTERNAL_SERVER_ERROR,
        Behaviour::Slow(d) => {
            tokio::time::sleep(d).await;
            StatusCode::OK
        }
        Behaviour::Gated => {
            let mut open = receiver.gate.subscribe();
            // An error means the receiver is gone with its test: nothing to answer.
            let _ = open.wait_for(|open| *open).await;
            StatusCode::OK
        }
        Behaviour::Redirect => StatusCode::TEMPORARY_REDIRECT,
    };
    if let Some(n) = receiver.in_flight.lock().expect("lock").get_mut(&key) {
        *n -= 1;
    }
    if behaviour == Behaviour::Redirect {
        return (status, [(axum::http::header::LOCATION, "/followed")]).into_response();
    }
    status.into_response()
}
