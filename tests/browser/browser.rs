//! One headless Chromium per test, through its own chromedriver on a free port, at 1366x768.

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use std::{path::PathBuf, process::Stdio, time::Duration};
use tokio::{
    process::{Child, Command},
    sync::{Semaphore, SemaphorePermit},
};

/// Two browsers at a time: the machine is shared and each Chromium is heavy.
static SLOTS: Semaphore = Semaphore::const_new(2);

/// How long a step may take to show its result before the test fails (a wait, not a timing
/// assertion: a passing step returns as soon as the page shows what it should).
const PATIENCE: Duration = Duration::from_secs(30);

pub struct Browser {
    pub client: Client,
    pub base: String,
    driver: Child,
    _slot: SemaphorePermit<'static>,
}

fn program(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}

/// Where screenshots go: `$CARGO_TARGET_DIR/screenshots`, else `target/screenshots`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    );
    target.join("screenshots")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium pointed at `base`; fails loudly when either
    /// is missing (the test is only compiled in when they are, or when `CI` is set).
    pub async fn open(base: &str) -> Self {
        let slot = SLOTS.acquire().await.expect("browser slots");
        let driver_path = program("CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium = program("CHROMIUM", "/usr/bin/chromium");
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            listener.local_addr().expect("addr").port()
        };
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {driver_path} ({e}): install chromium-driver (see .ci/run)")
            });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1366,768", "--lang=en-GB", "--no-first-run"],
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        let mut client = None;
        for _ in 0..100 {
            // chromedriver speaks plain HTTP on loopback: no TLS stack needed.
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(e) => {
                    last = Some(e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        let client = client.unwrap_or_else(|| {
            panic!("chromedriver at {url} did not start a {chromium} session: {last:?}")
        });
        Self {
            client,
            base: base.to_string(),
            driver,
            _slot: slot,
        }
    }

    /// Opens `path` (e.g. `/#/register`) of the console.
    pub async fn visit(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) in the page.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.expect("script")
    }

    /// Waits until `predicate` (a JS expression) is true in the page; panics with `what` if it
    /// never is, showing the page's main text.
    pub async fn until(&self, what: &str, predicate: &str) {
        let script = format!("return !!({predicate});");
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if self.js(&script, vec![]).await == Value::Bool(true) {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                let main = self
                    .js("return document.body.innerText.slice(0, 2000)", vec![])
                    .await;
                panic!(
                    "the page never showed {what}; it shows:\n{}",
                    main.as_str().unwrap_or("")
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page's main text contains `text`.
    pub async fn sees(&self, text: &str) {
        let quoted = serde_json::to_string(text).expect("quote");
        self.until(
            &format!("{text:?}"),
            &format!("document.querySelector('main')?.innerText.includes({quoted})"),
        )
        .await;
    }

    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Types into the labelled control `css` after clearing it.
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        input.clear().await.expect("clear");
        input.send_keys(text).await.expect("type");
    }

    /// Clicks `css`. A view that redraws between finding the element and clicking it leaves a
    /// stale element: it is found again, a few times, before the test fails.
    pub async fn click(&self, css: &str) {
        for _ in 0..4 {
            match self.find(css).await.click().await {
                Ok(()) => return,
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference =>
                {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("click {css}: {e}"),
            }
        }
        self.find(css).await.click().await.expect("click");
    }

    /// Clicks the first `css` element whose text contains `text`.
    pub async fn click_text(&self, css: &str, text: &str) {
        let quoted = serde_json::to_string(text).expect("quote");
        let css_quoted = serde_json::to_string(css).expect("quote");
        self.until(
            &format!("a {css} with {text:?}"),
            &format!("[...document.querySelectorAll({css_quoted})].some(e => e.innerText.includes({quoted}))"),
        )
        .await;
        self.js(
            &format!("[...document.querySelectorAll({css_quoted})].find(e => e.innerText.includes({quoted})).click()"),
            vec![],
        )
        .await;
    }

    /// Picks a record in the open dialog's picker for `name` (a schema field, e.g. `activityId`):
    /// types `text`, waits for a match containing `option` and clicks it. No id is typed.
    pub async fn pick(&self, name: &str, text: &str, option: &str) {
        self.fill(&format!("dialog[open] input[data-picker={name}]"), text)
            .await;
        let buttons = format!("dialog[open] [data-field={name}] .picker-options button");
        self.click_text(&buttons, option).await;
        self.until(
            &format!("{name} chosen"),
            &format!("document.querySelector('dialog[open] input[type=hidden][name={name}]')?.value !== ''"),
        )
        .await;
    }

    /// Signs in through the sign-in form with `token`, and waits for the first page.
    pub async fn sign_in(&self, token: &str) {
        self.visit("/").await;
        self.fill("input[name=token]", token).await;
        self.click("form.signin button[type=submit]").await;
        self.until(
            "the signed-in navigation",
            "document.querySelector('#nav a')",
        )
        .await;
    }

    /// Saves the window as `<name>.png` in [`screenshot_dir`].
    pub async fn screenshot(&self, name: &str) {
        // Let the last frame paint (fonts, SVG) before the capture.
        tokio::time::sleep(Duration::from_millis(150)).await;
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }

    /// Has Chromium render the page for `media` (`"print"`, or `""` for the screen again), as
    /// printing does, through chromedriver's DevTools endpoint (`Emulation.setEmulatedMedia`).
    pub async fn emulate_media(&self, media: &str) {
        self.client
            .issue_cmd(Cdp {
                cmd: "Emulation.setEmulatedMedia",
                params: json!({ "media": media }),
            })
            .await
            .expect("Emulation.setEmulatedMedia");
    }

    /// The names of the main navigation's links.
    pub async fn menu(&self) -> Vec<String> {
        let names = self
            .js(
                "return [...document.querySelectorAll('#nav a')].map(a => a.innerText)",
                vec![],
            )
            .await;
        serde_json::from_value(names).expect("names")
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }
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
