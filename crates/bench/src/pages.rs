//! The console's pages in headless Chromium, as a person uses them: sign in with a token, then
//! click each link of the main navigation in turn, several rounds, and time each click until the
//! page has settled; then load the console afresh. Chromium runs through chromedriver (as the
//! browser tests drive it), against the router this process serves on loopback.
//!
//! Settled is the console's own marker: `<main>` is `aria-busy` from the click until the view
//! has drawn and every request it made (GraphQL, its documents, panels it loads later) has
//! answered; then it carries `data-settled` and the page records a `settled` performance mark.
//! A click is timed in the page, from the click event to that mark, so neither chromedriver's
//! round trips nor this process's polling count. "Painted" is the first frame after it.

use anyhow::{Context, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde::Deserialize;
use serde_json::{Value, json};
use std::{
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::process::{Child, Command};

/// How long one page may take to settle before the figure fails (the page is shown then).
const PATIENCE: Duration = Duration::from_mins(5);

/// Where Chromium and its driver are, and how many rounds to click.
pub struct Options<'a> {
    pub chromedriver: &'a str,
    pub chromium: &'a str,
    pub rounds: usize,
}

/// Installed once per page load: the time of the last click, in the page's clock.
const LISTEN: &str = "if (!window.__bench) { window.__bench = true; \
    document.addEventListener('click', () => { window.__clicked = performance.now(); }, true); } \
    return true;";

/// Before a click: forgets the marks and requests of the last page, remembers the visit shown,
/// and arms an observer that notes the first frame after the next visit settles.
const ARM: &str = "const main = document.querySelector('main'); \
    performance.clearMarks('settled'); performance.clearResourceTimings(); \
    performance.setResourceTimingBufferSize(10000); \
    window.__painted = null; window.__clicked = null; \
    const before = Number(main.dataset.visit || 0); \
    const observer = new MutationObserver(() => { \
      if (Number(main.dataset.settled) > before) { observer.disconnect(); \
        requestAnimationFrame(() => setTimeout(() => { window.__painted = performance.now(); }, 0)); } }); \
    observer.observe(main, { attributes: true, attributeFilter: ['data-settled'] }); \
    return before;";

/// After a click: null until the visit after `arguments[0]` settled and painted; then what it
/// took, from the click (or from the navigation's start when `arguments[1]`, a fresh load).
const SETTLED: &str = "const main = document.querySelector('main'); \
    if (!main || !(Number(main.dataset.settled) > arguments[0])) return null; \
    const fresh = arguments[1]; \
    if (!fresh && window.__painted == null) return null; \
    const mark = performance.getEntriesByName('settled').pop(); \
    if (!mark) return null; \
    const from = fresh ? 0 : window.__clicked; \
    const api = performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname === '/graphql'); \
    return { view: mark.detail.view, settled: mark.startTime - from, \
      painted: fresh ? null : window.__painted - from, requests: api.length, \
      answerBytes: api.reduce((n, e) => n + e.decodedBodySize, 0), \
      slowest: Math.max(0, ...api.map((e) => e.duration)), \
      error: main.querySelector('.notice.bad')?.innerText ?? null, \
      loading: [...main.querySelectorAll('.notice')].map((n) => n.innerText).find((t) => /^(Loading|Drawing)/.test(t)) ?? null };";

/// What one visit measured, in milliseconds and bytes.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Visit {
    view: String,
    settled: f64,
    painted: Option<f64>,
    requests: usize,
    answer_bytes: f64,
    /// The longest GraphQL request of the visit, from its start to its answer's last byte.
    slowest: f64,
    error: Option<String>,
    /// A loading notice still shown: the page would claim to have settled too early.
    loading: Option<String>,
}

/// A page's figure over the rounds.
struct Figure {
    name: String,
    visits: Vec<Visit>,
}

impl Figure {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            visits: Vec::new(),
        }
    }

    fn line(&self, backend: &str) -> String {
        let mut settled: Vec<f64> = self.visits.iter().map(|v| v.settled).collect();
        let mut painted: Vec<f64> = self.visits.iter().filter_map(|v| v.painted).collect();
        let mut slowest: Vec<f64> = self.visits.iter().map(|v| v.slowest).collect();
        settled.sort_by(f64::total_cmp);
        painted.sort_by(f64::total_cmp);
        slowest.sort_by(f64::total_cmp);
        let median = |v: &[f64]| v.get(v.len() / 2).map_or_else(|| "-".into(), |m| ms(*m));
        let last = self.visits.last();
        format!(
            "{backend:<10} {:<38} {:>3} {:>9} {:>9} {:>9} {:>9} {:>9} {:>5} {:>9.1}",
            self.name,
            self.visits.len(),
            settled.first().map_or_else(|| "-".into(), |m| ms(*m)),
            median(&settled),
            settled.last().map_or_else(|| "-".into(), |m| ms(*m)),
            median(&painted),
            median(&slowest),
            last.map_or(0, |v| v.requests),
            last.map_or(0.0, |v| v.answer_bytes / 1024.0),
        )
    }
}

fn ms(value: f64) -> String {
    format!("{value:.0} ms")
}

/// chromedriver and its headless Chromium; the driver is ended when this is dropped.
struct Browser {
    client: Client,
    _driver: Child,
}

impl Browser {
    async fn open(options: &Options<'_>) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let driver = Command::new(options.chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| {
                format!(
                    "starting {} (apt-get install chromium chromium-driver)",
                    options.chromedriver
                )
            })?;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": options.chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1366,768", "--lang=en-GB", "--no-first-run"],
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Ok(Self {
                        client,
                        _driver: driver,
                    });
                }
                Err(e) => {
                    last = Some(e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        bail!(
            "chromedriver at {url} did not start {}: {last:?}",
            options.chromium
        )
    }

    async fn js(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        Ok(self.client.execute(script, args).await?)
    }

    /// Waits until the visit after `before` has settled (and painted, unless `fresh`).
    async fn settled(&self, before: u64, fresh: bool) -> anyhow::Result<Visit> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let got = self.js(SETTLED, vec![json!(before), json!(fresh)]).await?;
            if !got.is_null() {
                let visit: Visit = serde_json::from_value(got)?;
                if let Some(e) = &visit.error {
                    bail!("the page {} shows an error: {e}", visit.view);
                }
                if let Some(notice) = &visit.loading {
                    bail!("the page {} settled still showing {notice:?}", visit.view);
                }
                return Ok(visit);
            }
            if Instant::now() > deadline {
                let text = self
                    .js("return document.body.innerText.slice(0, 1000)", vec![])
                    .await?;
                bail!(
                    "the page did not settle in {PATIENCE:?}; it shows: {}",
                    text.as_str().unwrap_or("")
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Clicks `css` as a person does (chromedriver's pointer, not a script) and times the page.
    async fn click(&self, css: &str) -> anyhow::Result<Visit> {
        self.js(LISTEN, vec![]).await?;
        let before = self.js(ARM, vec![]).await?.as_u64().context("visit")?;
        self.client
            .find(Locator::Css(css))
            .await
            .with_context(|| format!("no {css} to click"))?
            .click()
            .await
            .with_context(|| format!("clicking {css}"))?;
        self.settled(before, false).await
    }

    /// Opens the console at `url` in this tab (its token kept for the tab), from a blank page,
    /// with the browser's cache emptied first when `cold`; timed from the navigation's start.
    async fn load(&self, url: &str, cold: bool) -> anyhow::Result<Visit> {
        self.client.goto("about:blank").await?;
        if cold {
            self.client
                .issue_cmd(Cdp {
                    cmd: "Network.clearBrowserCache",
                    params: json!({}),
                })
                .await
                .context("Network.clearBrowserCache")?;
        }
        self.client.goto(url).await?;
        self.settled(0, true).await
    }
}

/// Signs in with `token` at `base` and times every page of the navigation over the rounds, then
/// the console's first load; prints a line per page.
pub async fn run(
    options: &Options<'_>,
    backend: &str,
    base: &str,
    token: &str,
) -> anyhow::Result<()> {
    let browser = Browser::open(options).await?;
    let outcome = measure(&browser, options, backend, base, token).await;
    let _ = browser.client.clone().close().await;
    outcome
}

async fn measure(
    browser: &Browser,
    options: &Options<'_>,
    backend: &str,
    base: &str,
    token: &str,
) -> anyhow::Result<()> {
    println!(
        "{:<10} {:<38} {:>3} {:>9} {:>9} {:>9} {:>9} {:>9} {:>5} {:>9}",
        "database",
        "console page (click to settled)",
        "n",
        "min",
        "median",
        "max",
        "painted",
        "slowest",
        "reqs",
        "answer KB"
    );
    // Sign in through the form; the first overview after the service started computes the
    // register's verdicts, which every later page reuses.
    browser.client.goto(&format!("{base}/")).await?;
    browser
        .client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("form.signin input[name=token]"))
        .await?
        .send_keys(token)
        .await?;
    let mut first = Figure::new("sign in, first overview after start");
    first
        .visits
        .push(browser.click("form.signin button[type=submit]").await?);
    println!("{}", first.line(backend));

    // The navigation as the signed-in person sees it: every link to a page of the console.
    let links: Vec<(String, String)> = serde_json::from_value(
        browser
            .js(
                "return [...document.querySelectorAll('#nav a')] \
                   .filter((a) => a.getAttribute('href').startsWith('#/')) \
                   .map((a) => [a.getAttribute('href'), a.innerText.trim()])",
                vec![],
            )
            .await?,
    )?;
    anyhow::ensure!(!links.is_empty(), "no navigation after signing in");
    let shown = browser
        .js("return location.hash", vec![])
        .await?
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Start each round away from the page shown, so every click changes the page.
    let start = links
        .iter()
        .position(|(href, _)| *href == shown)
        .map_or(0, |i| i + 1);
    let order: Vec<&(String, String)> =
        links.iter().cycle().skip(start).take(links.len()).collect();
    let mut figures: Vec<Figure> = order.iter().map(|(_, name)| Figure::new(name)).collect();
    // The flows with a problem of their own: reached from the overview's count, not the menu.
    let own = "main a[data-testid=flows-own-problems]";
    let mut own_problems = Figure::new("(overview's link) flows, own problems");
    for _ in 0..options.rounds.max(1) {
        for ((href, name), figure) in order.iter().zip(&mut figures) {
            let visit = browser
                .click(&format!("#nav a[href=\"{href}\"]"))
                .await
                .with_context(|| format!("the page {name}"))?;
            figure.visits.push(visit);
            if href == "#/overview" && browser.client.find(Locator::Css(own)).await.is_ok() {
                own_problems.visits.push(browser.click(own).await?);
            }
        }
    }
    for figure in figures.iter().chain([&own_problems]) {
        if !figure.visits.is_empty() {
            println!("{}", figure.line(backend));
        }
    }

    // The console opened afresh on its first page, signed in (the tab keeps the token): from
    // the navigation's start, with an empty cache and again with the files cached.
    let home = format!("{base}/#/overview");
    let mut cold = Figure::new("first load of the console, empty cache");
    let mut warm = Figure::new("load of the console, files cached");
    for _ in 0..options.rounds.max(1) {
        cold.visits.push(browser.load(&home, true).await?);
        warm.visits.push(browser.load(&home, false).await?);
    }
    println!("{}", cold.line(backend));
    println!("{}", warm.line(backend));
    println!(
        "{backend:<10}   {} rounds; min/median/max from the click (or the navigation's start) to \
         the settled page; painted: the first frame after it, slowest: the visit's longest GraphQL \
         request (medians); reqs and answer KB: the GraphQL requests of the last visit and their \
         answers' size",
        options.rounds.max(1)
    );
    Ok(())
}

/// A Chrome DevTools Protocol command sent through chromedriver (`goog/cdp/execute`).
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()),
        )
    }
}
