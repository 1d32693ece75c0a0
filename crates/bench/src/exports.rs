//! The exports at the register's size (`--only exports`): the release `serve` binary started as
//! a child process on the bench's database, each export fetched over HTTP with a token, one after
//! the other. Per export: the time to the first byte of the body, the total time, the size, the
//! start of the body's SHA-256 (to compare the bytes before and after a change on the same
//! register) and the child's peak resident memory during that export above its idle resident
//! memory (`VmHWM` reset through `/proc/<pid>/clear_refs` before each export, minus `VmRSS` once
//! the service is warm and idle).
//!
//! The service is warmed first as the console warms it: one page of the transfer register, which
//! judges the register once and keeps today's verdicts. That time and memory are printed apart.

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use std::{
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::process::{Child, Command};

/// The exports measured, as `GET /exports/{file}?{query}`.
const EXPORTS: &[(&str, &str)] = &[
    ("transfers.csv", ""),
    ("transfers.json", ""),
    ("transfers.xlsx", ""),
    ("gaps.csv", ""),
    ("ropa.csv", ""),
    ("ropa.json", ""),
    ("ropa.xlsx", ""),
    ("processor-record.csv", ""),
    ("whatif.csv", "mechanism=EU_US_DPF&endsOn=2030-01-01"),
    ("due.csv", ""),
];

/// The service started from its release binary; killed when dropped.
struct Service {
    child: Child,
    pid: u32,
    base: String,
}

impl Service {
    async fn start(binary: &str, url: &str, secret: &str) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(binary)
            .arg("serve")
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", url)
            .env("REGISTER_SECRET", secret)
            // The slowest exports before streaming took over a minute.
            .env("REGISTER_REQUEST_TIMEOUT_SECS", "900")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {binary} serve"))?;
        let pid = child.id().context("the service's pid")?;
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_mins(5);
        loop {
            if let Ok(r) = client.get(format!("{base}/healthz")).send().await
                && r.status().is_success()
            {
                break;
            }
            if Instant::now() > deadline {
                bail!("{binary} serve did not answer /healthz in 5 minutes");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(Self { child, pid, base })
    }

    /// A line of `/proc/<pid>/status` in kB (`VmRSS`, `VmHWM`).
    fn status_kb(&self, field: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("{field} in /proc/{}/status", self.pid))
    }

    /// Resets the peak resident memory to the current one (Linux 4.0 and later).
    fn reset_peak(&self) -> anyhow::Result<()> {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5")
            .with_context(|| format!("resetting VmHWM of {}", self.pid))
    }
}

/// What one fetch measured.
struct Fetched {
    first_byte: Duration,
    total: Duration,
    bytes: u64,
    sha: String,
}

async fn fetch(client: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<Fetched> {
    let started = Instant::now();
    let mut response = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    if !response.status().is_success() {
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        bail!("GET {url}: {status}: {text}");
    }
    let mut first_byte = None;
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    while let Some(chunk) = response.chunk().await? {
        first_byte.get_or_insert_with(|| started.elapsed());
        bytes += chunk.len() as u64;
        hasher.update(&chunk);
    }
    let total = started.elapsed();
    Ok(Fetched {
        first_byte: first_byte.unwrap_or(total),
        total,
        bytes,
        sha: hex::encode(hasher.finalize())[..16].to_string(),
    })
}

/// Starts `binary serve` on `url`, warms it, and fetches every export in turn; prints a line each.
pub async fn run(
    binary: &str,
    backend: &str,
    url: &str,
    secret: &str,
    token: &str,
) -> anyhow::Result<()> {
    let service = Service::start(binary, url, secret).await?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_mins(15))
        .build()?;
    let started_kb = service.status_kb("VmRSS")?;
    let warm = Instant::now();
    let answer = client
        .post(format!("{}/graphql", service.base))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "query": "{ transferRegisterPage(first: 1) { totalCount } }"
        }))
        .send()
        .await?
        .text()
        .await?;
    let warmed = warm.elapsed();
    anyhow::ensure!(answer.contains("totalCount"), "warming: {answer}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_kb = service.status_kb("VmRSS")?;
    println!(
        "{backend:<10} service pid {}: RSS {} MB after start, {} MB idle after warming \
         (one transferRegisterPage, {warmed:.2?}: {answer})",
        service.pid,
        started_kb / 1024,
        idle_kb / 1024
    );
    println!(
        "{:<10} {:<22} {:>10} {:>10} {:>12} {:>17} {:>12}",
        "database", "export", "first byte", "total", "bytes", "sha256", "peak +MB"
    );
    for (file, query) in EXPORTS {
        service.reset_peak()?;
        let url = format!("{}/exports/{file}?{query}", service.base);
        let fetched = fetch(&client, &url, token).await?;
        let peak_kb = service.status_kb("VmHWM")?;
        println!(
            "{backend:<10} {file:<22} {:>10.3?} {:>10.3?} {:>12} {:>17} {:>12.1}",
            fetched.first_byte,
            fetched.total,
            fetched.bytes,
            fetched.sha,
            peak_kb.saturating_sub(idle_kb) as f64 / 1024.0
        );
    }
    let after_kb = service.status_kb("VmRSS")?;
    println!(
        "{backend:<10}   idle RSS {} MB before the exports, {} MB after; peak +MB: VmHWM during \
         the export minus the idle RSS",
        idle_kb / 1024,
        after_kb / 1024
    );
    drop(service.child);
    Ok(())
}
