//! The load figures over HTTP: the real router served on a loopback port in this process, driven
//! by N concurrent clients (one keep-alive connection each), bounded in requests and in time.

use anyhow::Context;
use serde_json::{Value, json};
use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};
use transfer_register::AppState;

/// How much load one figure may generate.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    pub connections: usize,
    pub max_requests: usize,
    pub max_time: Duration,
}

/// What one figure measured.
#[derive(Default)]
pub struct Outcome {
    pub latencies: Vec<Duration>,
    pub errors: usize,
    pub elapsed: Duration,
    pub first_error: Option<String>,
}

impl Outcome {
    pub fn line(&mut self, backend: &str, figure: &str) -> String {
        let n = self.latencies.len();
        let (median, p99) = stats(&mut self.latencies);
        format!(
            "{backend:<10} {figure:<38} {:>7} {:>9.0}/s {:>10.3?} {:>10.3?} {:>6}",
            n,
            n as f64 / self.elapsed.as_secs_f64().max(1e-9),
            median,
            p99,
            self.errors
        )
    }

    /// Throughput in requests per second.
    pub fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Runs `call(worker, i)` from `bound.connections` workers until `max_requests` calls were made
/// or `max_time` passed; every call is timed, a failed one counted.
pub async fn drive<W, F, Fut>(bound: Bound, mut worker: W) -> Outcome
where
    W: FnMut(usize) -> F,
    F: Fn(usize) -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let issued = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..bound.connections.max(1) {
        let call = worker(w);
        let issued = issued.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut errors, mut first_error) = (0, None);
            loop {
                let i = issued.fetch_add(1, Ordering::Relaxed);
                if i >= bound.max_requests || started.elapsed() >= bound.max_time {
                    break;
                }
                let t = Instant::now();
                match call(i).await {
                    Ok(()) => latencies.push(t.elapsed()),
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| format!("{e:#}"));
                    }
                }
            }
            (latencies, errors, first_error)
        }));
    }
    let mut outcome = Outcome {
        latencies: Vec::new(),
        errors: 0,
        elapsed: Duration::ZERO,
        first_error: None,
    };
    for task in tasks {
        match task.await {
            Ok((latencies, errors, first_error)) => {
                outcome.latencies.extend(latencies);
                outcome.errors += errors;
                if outcome.first_error.is_none() {
                    outcome.first_error = first_error;
                }
            }
            Err(e) => {
                outcome.errors += 1;
                outcome.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    outcome.elapsed = started.elapsed();
    outcome
}

/// Serves the real router on `127.0.0.1:0`; returns the GraphQL endpoint.
pub async fn serve(state: AppState) -> anyhow::Result<String> {
    use axum::serve::Listener as _;
    let listener = transfer_register::http::listen("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = transfer_register::app(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(format!("http://{addr}/graphql"))
}

/// A client of one connection to the service, with a bearer token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    url: Arc<String>,
    token: Arc<String>,
}

impl Client {
    pub fn new(url: &str, token: &str) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()?,
            url: Arc::new(url.to_string()),
            token: Arc::new(token.to_string()),
        })
    }

    fn send(&self, query: &str, variables: &Value) -> reqwest::RequestBuilder {
        self.http
            .post(self.url.as_str())
            .bearer_auth(self.token.as_str())
            .json(&json!({ "query": query, "variables": variables }))
    }

    /// Posts a GraphQL request and returns its answer; an HTTP failure or any GraphQL error is an
    /// error.
    pub async fn post(&self, query: &str, variables: Value) -> anyhow::Result<Value> {
        let response = self.send(query, &variables).send().await?;
        let status = response.status();
        let body: Value = response.json().await.context("reading the answer")?;
        anyhow::ensure!(status.is_success(), "HTTP {status}: {body}");
        if let Some(errors) = body.get("errors").filter(|e| !e.is_null()) {
            anyhow::bail!("GraphQL errors: {errors}");
        }
        Ok(body)
    }

    /// Posts a GraphQL request and checks its answer without keeping it: the whole body is read
    /// and scanned as JSON, but no tree is built. The load client shares the machine's cores with
    /// the service it measures, so a client that built every answer's tree would be measured
    /// too (a whoHolds answer is several hundred values).
    pub async fn check(&self, query: &str, variables: Value) -> anyhow::Result<()> {
        let response = self.send(query, &variables).send().await?;
        let status = response.status();
        let body = response.bytes().await.context("reading the answer")?;
        let shown = || String::from_utf8_lossy(&body).into_owned();
        anyhow::ensure!(status.is_success(), "HTTP {status}: {}", shown());
        let top: Top = serde_json::from_slice(&body).context("reading the answer")?;
        anyhow::ensure!(top.data.is_some(), "no data: {}", shown());
        anyhow::ensure!(top.errors.is_none(), "GraphQL errors: {}", shown());
        Ok(())
    }
}

/// The top level of a GraphQL answer, its members skipped over rather than built.
#[derive(serde::Deserialize)]
struct Top {
    data: Option<serde::de::IgnoredAny>,
    errors: Option<serde::de::IgnoredAny>,
}

/// The peak resident memory of this process (server and clients together), from
/// `/proc/self/status` `VmHWM`.
pub fn peak_memory() -> Option<String> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
}

/// Median and 99th percentile.
pub fn stats(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort_unstable();
    let at = |q: f64| {
        samples
            .get(((samples.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    (at(0.5), at(0.99))
}
