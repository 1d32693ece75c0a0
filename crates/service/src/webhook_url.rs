//! The webhook URL policy: `https://` to hosts that resolve only to public addresses, checked when
//! a URL is registered and again before every delivery (so DNS rebinding gets nowhere: delivery
//! connects to the addresses checked here, see [`resolve_for_delivery`]).

use crate::{
    config::Config,
    domain::address::is_public,
    error::{AppError, AppResult},
};
use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

/// Answers a host name and port with addresses, in place of the system resolver: a test seam,
/// so a test can change a name's DNS answer between registration and delivery.
pub type Resolver = Arc<dyn Fn(&str, u16) -> std::io::Result<Vec<SocketAddr>> + Send + Sync>;

/// What webhook URLs this server accepts: `https://` on port 443 to public hosts, plus the ports
/// the configuration lists; insecure mode (tests, demos) also allows `http://`, private and
/// loopback hosts and any port.
#[derive(Clone, Default)]
pub struct WebhookPolicy {
    pub allow_insecure: bool,
    pub extra_ports: Arc<[u16]>,
    /// `None` (always, outside tests): the system resolver.
    pub resolver: Option<Resolver>,
}

impl std::fmt::Debug for WebhookPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookPolicy")
            .field("allow_insecure", &self.allow_insecure)
            .field("extra_ports", &self.extra_ports)
            .field("resolver", &self.resolver.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl WebhookPolicy {
    pub fn of(config: &Config) -> Self {
        Self {
            allow_insecure: config.webhook_allow_insecure,
            extra_ports: config.webhook_allowed_ports.clone().into(),
            resolver: None,
        }
    }

    /// The production policy with no extra port.
    pub fn secure() -> Self {
        Self::default()
    }

    /// Tests and demos: receivers on loopback over plain HTTP.
    pub fn insecure() -> Self {
        Self {
            allow_insecure: true,
            ..Self::default()
        }
    }

    fn allows_port(&self, port: u16) -> bool {
        port == 443 || self.allow_insecure || self.extra_ports.contains(&port)
    }
}

/// A webhook URL that passed the policy, with the addresses delivery must connect to.
#[derive(Debug, Clone)]
pub struct CheckedUrl {
    pub url: String,
    pub host: String,
    pub addresses: Vec<SocketAddr>,
}

/// The longest webhook URL accepted, raw or normalised.
pub const MAX_URL_CHARS: usize = 2048;

/// Whether `c` is a control character or one that reorders or hides text (bidi controls,
/// zero-width characters): a URL carrying one reads differently from where it leads.
fn is_hidden_or_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// Whether the authority of `raw` (between `scheme://` and the path) holds userinfo, even an
/// empty one (`https://@host/`), which the parsed URL no longer shows.
fn has_userinfo(raw: &str) -> bool {
    let Some((_, rest)) = raw.split_once("://") else {
        return raw.contains('@');
    };
    let authority = rest.split(['/', '\\', '?', '#']).next().unwrap_or_default();
    authority.contains('@')
}

/// Checks a URL under the policy. The URL returned is the normalised one (the `url` crate's
/// serialisation), to store.
pub async fn check(field: &str, raw: &str, policy: &WebhookPolicy) -> AppResult<CheckedUrl> {
    let allow_insecure = policy.allow_insecure;
    let refuse = |why: String| AppError::bad_input(field, format!("{field} {why}"));
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(refuse(format!("is longer than {MAX_URL_CHARS} characters")));
    }
    let raw = raw.trim();
    if raw.chars().any(is_hidden_or_control) {
        return Err(refuse(
            "contains control, invisible or bidirectional characters".into(),
        ));
    }
    if has_userinfo(raw) {
        return Err(refuse("must not carry credentials or an @".into()));
    }
    let url = reqwest::Url::parse(raw).map_err(|_| refuse("is not a valid URL".into()))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure => {}
        _ => return Err(refuse("must be an https:// URL".into())),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("must not carry credentials or an @".into()));
    }
    if url.as_str().chars().count() > MAX_URL_CHARS {
        return Err(refuse(format!("is longer than {MAX_URL_CHARS} characters")));
    }
    let port = url.port_or_known_default().unwrap_or(443);
    if !policy.allows_port(port) {
        return Err(refuse(format!(
            "names port {port}: webhooks go to port 443 unless REGISTER_WEBHOOK_ALLOWED_PORTS lists another"
        )));
    }
    let (host, literal) = match url.host() {
        Some(url::Host::Domain(d)) => (d.to_string(), None),
        Some(url::Host::Ipv4(ip)) => (ip.to_string(), Some(IpAddr::V4(ip))),
        Some(url::Host::Ipv6(ip)) => (ip.to_string(), Some(IpAddr::V6(ip))),
        None => return Err(refuse("has no host".into())),
    };
    let addresses: Vec<SocketAddr> = match literal {
        Some(ip) => vec![SocketAddr::new(ip, port)],
        // Insecure mode (tests, demos) accepts a host that does not resolve yet; delivery will not.
        None => match lookup(policy, &host, port).await {
            Ok(found) => found,
            Err(_) if allow_insecure => Vec::new(),
            Err(_) => return Err(refuse(format!("host {host} does not resolve"))),
        },
    };
    if addresses.is_empty() && !allow_insecure {
        return Err(refuse(format!("host {host} does not resolve")));
    }
    if !allow_insecure && let Some(private) = addresses.iter().find(|a| !is_public(a.ip())) {
        return Err(refuse(format!(
            "reaches a non-public address ({})",
            private.ip()
        )));
    }
    Ok(CheckedUrl {
        url: url.to_string(),
        host,
        addresses,
    })
}

async fn lookup(policy: &WebhookPolicy, host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
    match &policy.resolver {
        Some(resolve) => resolve(host, port),
        None => Ok(tokio::net::lookup_host((host, port)).await?.collect()),
    }
}

/// The same check at delivery time; the caller pins its connection to `addresses`
/// (`reqwest::ClientBuilder::resolve_to_addrs`) and follows no redirects.
pub async fn resolve_for_delivery(raw: &str, policy: &WebhookPolicy) -> AppResult<CheckedUrl> {
    let checked = check("erasureWebhookUrl", raw, policy).await?;
    if checked.addresses.is_empty() {
        return Err(AppError::bad_input(
            "erasureWebhookUrl",
            format!("host {} does not resolve", checked.host),
        ));
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn private_loopback_and_metadata_hosts_are_refused_unless_insecure() {
        for bad in [
            "https://127.0.0.1/hook",
            "https://localhost/hook",
            "https://10.1.2.3/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://[fd00:ec2::254]/hook",
            "http://93.184.216.34/hook",
            "https://user:pw@93.184.216.34/hook",
            "ftp://93.184.216.34/hook",
            "not a url",
            "https://[::ffff:93.184.216.34]/hook",
            "https://[::ffff:5db8:d822]/hook",
            "https://[::93.184.216.34]/hook",
            "https://[64:ff9b::5db8:d822]/hook",
            "https://[fec0::1]/hook",
            "https://[fd12:3456::1]/hook",
            "https://[fe80::1]/hook",
            "https://@93.184.216.34/hook",
            "https://:@93.184.216.34/hook",
            "https://user@93.184.216.34/hook",
            "https://93.184.216.34/ho\u{202E}ok",
            "https://93.184.216.34/ho\u{200B}ok",
            "https://93.184.216.34/ho\tok",
            "https://93.184.216.34/ho\nok",
        ] {
            assert!(
                check("u", bad, &WebhookPolicy::secure()).await.is_err(),
                "{bad} must be refused"
            );
        }
        let ok = check("u", "https://93.184.216.34/hook", &WebhookPolicy::secure())
            .await
            .expect("public IP literal");
        assert_eq!(
            ok.addresses,
            vec!["93.184.216.34:443".parse().expect("addr")]
        );
        assert!(
            check("u", "http://127.0.0.1:9/hook", &WebhookPolicy::insecure())
                .await
                .is_ok(),
            "allowed when insecure"
        );
        for syntax in ["http://@127.0.0.1:9/hook", "http://127.0.0.1:9/\u{202E}"] {
            assert!(
                check("u", syntax, &WebhookPolicy::insecure())
                    .await
                    .is_err(),
                "{syntax} is refused even when insecure"
            );
        }
    }

    #[tokio::test]
    async fn a_url_is_stored_normalised_and_long_ones_are_refused() {
        let ok = check(
            "u",
            "  HTTPS://93.184.216.34:443/a/./b/../hook?x=1 ",
            &WebhookPolicy::secure(),
        )
        .await
        .expect("normalised");
        assert_eq!(ok.url, "https://93.184.216.34/a/hook?x=1");
        let decimal = check("u", "http://2130706433/hook", &WebhookPolicy::insecure())
            .await
            .expect("insecure");
        assert_eq!(decimal.url, "http://127.0.0.1/hook");
        assert!(
            check("u", "https://0x7f.1/hook", &WebhookPolicy::secure())
                .await
                .is_err(),
            "a hexadecimal loopback is still loopback"
        );
        let long = format!("https://93.184.216.34/{}", "a".repeat(MAX_URL_CHARS));
        assert!(check("u", &long, &WebhookPolicy::secure()).await.is_err());
        let edge = format!("https://93.184.216.34/{}", "a".repeat(MAX_URL_CHARS - 22));
        assert_eq!(edge.len(), MAX_URL_CHARS);
        assert!(check("u", &edge, &WebhookPolicy::secure()).await.is_ok());
    }

    #[tokio::test]
    async fn every_ipv6_form_of_a_refused_ipv4_address_and_any_other_port_are_refused() {
        for bad in [
            // IPv4-translated (SIIT, ::ffff:0:0/96), mapped, compatible (deprecated), NAT64.
            "https://[::ffff:0:7f00:1]/hook",
            "https://[::ffff:0:a00:1]/hook",
            "https://[::ffff:0:5db8:d822]/hook",
            "https://[::ffff:7f00:1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://[::7f00:1]/hook",
            "https://[::127.0.0.1]/hook",
            "https://[::a9fe:a9fe]/hook",
            "https://[64:ff9b::7f00:1]/hook",
            "https://[64:ff9b::127.0.0.1]/hook",
            "https://[64:ff9b:1::a00:1]/hook",
            // Ports other than 443.
            "https://93.184.216.34:8443/hook",
            "https://93.184.216.34:22/hook",
            "https://93.184.216.34:80/hook",
            "https://93.184.216.34:0/hook",
        ] {
            let refused = check("u", bad, &WebhookPolicy::secure()).await;
            assert!(refused.is_err(), "{bad} must be refused");
        }
        let listed = WebhookPolicy {
            extra_ports: vec![8443].into(),
            ..WebhookPolicy::secure()
        };
        let ok = check("u", "https://93.184.216.34:8443/hook", &listed)
            .await
            .expect("a listed port");
        assert_eq!(
            ok.addresses,
            vec!["93.184.216.34:8443".parse().expect("addr")]
        );
        assert!(
            check("u", "https://93.184.216.34:8444/hook", &listed)
                .await
                .is_err(),
            "only the listed ports"
        );
    }
}
