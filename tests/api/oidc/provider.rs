//! The test identity provider: `tests/oidc/provider.mjs` (panva's oidc-provider, installed by
//! `.ci/run` with `npm ci` into the cache beside the build) run with Node on a loopback port,
//! and a small browser (cookies kept per host, redirects followed by hand) that signs in
//! through its login form as a person would.

use serde_json::{Value, json};
use std::{collections::HashMap, path::PathBuf, process::Stdio};
use tokio::io::{AsyncBufReadExt, BufReader};

/// The register's client at the provider, and a second client (another audience).
pub const CLIENT_ID: &str = "register";
pub const CLIENT_SECRET: &str = "register-test-secret";
pub const OTHER_CLIENT_ID: &str = "another-app";

/// The folder `npm ci` installed the provider into (see `.ci/run`).
fn install_dir() -> PathBuf {
    std::env::var_os("REGISTER_TEST_OIDC_DIR").map_or_else(
        || {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/transfer-register/oidc-provider")
        },
        PathBuf::from,
    )
}

/// A running provider; killed when dropped (and it exits when its stdin closes).
pub struct TestProvider {
    pub issuer: String,
    _child: tokio::process::Child,
    http: reqwest::Client,
}

impl TestProvider {
    /// Starts the provider with the register's client for `redirect_base` (its public URL) and
    /// the accounts `alice` (privacy-team) and `bob` (it-admins). `None` when Node or the
    /// provider's packages are missing outside CI; under `CI=true` that fails loudly.
    pub async fn start(redirect_base: &str) -> Option<Self> {
        let dir = install_dir();
        let ready = dir.join("node_modules/oidc-provider/package.json").exists()
            && std::process::Command::new("node")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success());
        if !ready {
            assert!(
                std::env::var("CI").is_err(),
                "the test OpenID provider is not installed in {} (Node and `npm ci` of tests/oidc: see .ci/run)",
                dir.display()
            );
            eprintln!(
                "skipped: Node or the test OpenID provider is missing ({})",
                dir.display()
            );
            return None;
        }
        // The script runs from beside its packages; written whole, then renamed into place.
        let source =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc/provider.mjs");
        let script = dir.join("provider.mjs");
        let temp = dir.join(format!(
            "provider.{}.{}.tmp",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::copy(&source, &temp).expect("copy provider.mjs");
        std::fs::rename(&temp, &script).expect("place provider.mjs");
        let config = json!({
            "clients": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": [format!("{redirect_base}/auth/callback")],
                    "post_logout_redirect_uris": [format!("{redirect_base}/")],
                },
                {
                    "client_id": OTHER_CLIENT_ID,
                    "client_secret": "another-secret",
                    "redirect_uris": ["http://127.0.0.1:9/callback"],
                },
            ],
            "accounts": {
                "alice": { "email": "alice@example.test", "name": "Alice Example", "groups": ["staff", "privacy-team"] },
                "bob": { "email": "bob@example.test", "name": "Bob Example", "groups": ["it-admins"] },
                "carol": { "email": "carol@example.test", "name": "Carol Example", "groups": ["sales"] },
            },
        });
        // Started at most twice: once, on a machine loaded by parallel builds, node printed nothing
        // for minutes; what it wrote to stderr is kept to say why.
        let mut attempt = 0;
        let (child, line) = loop {
            attempt += 1;
            let stderr_path =
                dir.join(format!("provider.{}.stderr", uuid::Uuid::new_v4().simple()));
            let stderr =
                std::fs::File::create(&stderr_path).expect("create the provider's stderr file");
            let mut child = tokio::process::Command::new("node")
                .arg(&script)
                .current_dir(&dir)
                .env("OIDC_TEST_CONFIG", config.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::from(stderr))
                .kill_on_drop(true)
                .spawn()
                .expect("start node");
            let stdout = child.stdout.take().expect("stdout");
            let mut lines = BufReader::new(stdout).lines();
            let started =
                tokio::time::timeout(std::time::Duration::from_secs(90), lines.next_line()).await;
            let said = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            let _ = std::fs::remove_file(&stderr_path);
            match started {
                Ok(read) => {
                    let line = read
                        .expect("read the provider's output")
                        .unwrap_or_else(|| {
                            panic!("the provider exited without its address: {said}")
                        });
                    break (child, line);
                }
                Err(elapsed) if attempt < 2 => {
                    eprintln!(
                        "the provider printed nothing ({elapsed}); starting it again (stderr: {said:?})"
                    );
                    let _ = child.kill().await;
                }
                Err(elapsed) => {
                    panic!("the provider did not start in two tries ({elapsed}); stderr: {said:?}")
                }
            }
        };
        let issuer = line
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("unexpected provider output {line:?}"))
            .to_string();
        let http = reqwest::Client::new();
        let discovery: Value = http
            .get(format!("{issuer}/.well-known/openid-configuration"))
            .send()
            .await
            .expect("discovery")
            .json()
            .await
            .expect("discovery json");
        assert_eq!(discovery["issuer"], issuer.as_str());
        Some(Self {
            issuer,
            _child: child,
            http,
        })
    }

    async fn admin(&self, path: &str, body: Value) {
        let response = self
            .http
            .put(format!("{}/admin/{path}", self.issuer))
            .json(&body)
            .send()
            .await
            .expect("admin call");
        assert!(
            response.status().is_success(),
            "admin {path}: {}",
            response.status()
        );
    }

    /// Changes an account's groups at the provider (effective at its next sign-in).
    pub async fn set_groups(&self, login: &str, groups: &[&str]) {
        self.admin(&format!("accounts/{login}"), json!({ "groups": groups }))
            .await;
    }

    /// Changes the next ID tokens (see provider.mjs); `json!({})` stops.
    pub async fn tamper(&self, how: Value) {
        self.admin("tamper", how).await;
    }

    /// Serves a foreign key at `/jwks` (or the real ones again).
    pub async fn serve_foreign_jwks(&self, foreign: bool) {
        self.admin("jwks", json!({ "foreign": foreign })).await;
    }
}

/// The register's sign-in settings for this provider.
pub fn configure(config: &mut transfer_register::config::Config, base: &str, issuer: &str) {
    config.public_url = Some(base.to_string());
    config.sign_in.oidc_issuer = Some(issuer.to_string());
    config.sign_in.oidc_client_id = Some(CLIENT_ID.into());
    config.sign_in.oidc_client_secret = Some(CLIENT_SECRET.into());
    config.sign_in.oidc_roles = Some("it-admins=ADMIN,privacy-team=DPO,auditors=AUDITOR".into());
    config.sign_in.oidc_scopes = "openid email profile groups".into();
}

/// A response as the browser saw it.
#[derive(Debug)]
pub struct Page {
    pub url: reqwest::Url,
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

/// Cookies per host (as browsers keep them, whatever the port) and redirects followed by hand.
#[derive(Default)]
pub struct Browser {
    jars: HashMap<String, HashMap<String, String>>,
}

impl Browser {
    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// The value of cookie `name` kept for `url`'s host.
    pub fn cookie(&self, url: &str, name: &str) -> Option<String> {
        let url = reqwest::Url::parse(url).expect("url");
        self.jars
            .get(url.host_str().unwrap_or_default())
            .and_then(|jar| jar.get(name).cloned())
    }

    fn cookie_header(&self, url: &reqwest::Url) -> Option<String> {
        let jar = self.jars.get(url.host_str().unwrap_or_default())?;
        (!jar.is_empty()).then(|| {
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    async fn keep(&mut self, url: reqwest::Url, response: reqwest::Response) -> Page {
        let jar = self
            .jars
            .entry(url.host_str().unwrap_or_default().to_string())
            .or_default();
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap_or_default();
            let mut parts = text.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.trim().split_once('=')) else {
                continue;
            };
            let gone = value.is_empty()
                || parts.any(|a| {
                    let a = a.trim().to_ascii_lowercase();
                    a == "max-age=0" || a.starts_with("expires=thu, 01 jan 1970")
                });
            if gone {
                jar.remove(name);
            } else {
                jar.insert(name.to_string(), value.to_string());
            }
        }
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(|l| {
                url.join(l)
                    .map_or_else(|_| l.to_string(), |u| u.to_string())
            });
        let body = response.text().await.unwrap_or_default();
        Page {
            url,
            status,
            location,
            body,
        }
    }

    /// One GET, no redirect followed.
    pub async fn get(&mut self, url: &str) -> Page {
        let url = reqwest::Url::parse(url).expect("url");
        let mut request = Self::client().get(url.clone());
        if let Some(cookies) = self.cookie_header(&url) {
            request = request.header("cookie", cookies);
        }
        let response = request.send().await.expect("get");
        self.keep(url, response).await
    }

    /// One form POST, no redirect followed.
    pub async fn post_form(&mut self, url: &str, form: &[(&str, &str)]) -> Page {
        let url = reqwest::Url::parse(url).expect("url");
        let mut request = Self::client().post(url.clone()).form(form);
        if let Some(cookies) = self.cookie_header(&url) {
            request = request.header("cookie", cookies);
        }
        let response = request.send().await.expect("post");
        self.keep(url, response).await
    }

    /// GETs from `page`'s redirect on until a page is not a redirect, or until the next URL
    /// starts with `stop_at` (which is returned unvisited, as the location of the last page).
    pub async fn follow(&mut self, mut page: Page, stop_at: Option<&str>) -> Page {
        for _ in 0..20 {
            let Some(next) = page.location.clone() else {
                return page;
            };
            if stop_at.is_some_and(|s| next.starts_with(s)) {
                return page;
            }
            page = self.get(&next).await;
        }
        panic!("too many redirects")
    }

    /// From the register's `/auth/login` through the provider's login form as `login`, up to
    /// the provider's redirect back to the register's callback: that URL, not yet visited.
    pub async fn authorize(&mut self, base: &str, login: &str) -> String {
        let start = self.get(&format!("{base}/auth/login")).await;
        assert_eq!(start.status, 303, "{}", start.body);
        let callback = format!("{base}/auth/callback");
        let form = self.follow(start, Some(&callback)).await;
        if form
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with(&callback))
        {
            // Still signed in at the provider: it sends the person straight back.
            return form.location.unwrap_or_default();
        }
        assert_eq!(form.status, 200, "the provider's login page: {}", form.body);
        let action = form_action(&form.body).expect("the login form");
        let action = form.url.join(&action).expect("action url").to_string();
        let submitted = self
            .post_form(
                &action,
                &[("prompt", "login"), ("login", login), ("password", "any")],
            )
            .await;
        let back = self.follow(submitted, Some(&callback)).await;
        match back.location.as_deref() {
            Some(l) if l.starts_with(&callback) => l.to_string(),
            _ => panic!("the provider did not send back to the callback: {back:?}"),
        }
    }

    /// The whole sign-in: authorize, then the callback; the callback's answer.
    pub async fn sign_in(&mut self, base: &str, login: &str) -> Page {
        let callback = self.authorize(base, login).await;
        self.get(&callback).await
    }
}

/// The `action` of the first form in `html`, unescaped.
fn form_action(html: &str) -> Option<String> {
    let start = html.find("<form")?;
    let rest = &html[start..];
    let at = rest.find("action=\"")? + "action=\"".len();
    let end = rest[at..].find('"')?;
    Some(
        rest[at..at + end]
            .replace("&amp;", "&")
            .replace("&#x2F;", "/")
            .replace("&#47;", "/"),
    )
}
