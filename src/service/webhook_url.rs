//! The webhook URL policy: `https://` to hosts that resolve only to public addresses, checked when
//! a URL is registered and again before every delivery (so DNS rebinding gets nowhere: delivery
//! connects to the addresses checked here, see [`resolve_for_delivery`]).

use crate::{
    domain::address::is_public,
    error::{AppError, AppResult},
};
use std::net::{IpAddr, SocketAddr};

/// A webhook URL that passed the policy, with the addresses delivery must connect to.
#[derive(Debug, Clone)]
pub struct CheckedUrl {
    pub url: String,
    pub host: String,
    pub addresses: Vec<SocketAddr>,
}

/// Checks a URL under the policy; `allow_insecure` (tests, demos) permits `http://` and private hosts.
pub async fn check(field: &str, raw: &str, allow_insecure: bool) -> AppResult<CheckedUrl> {
    let refuse = |why: String| AppError::bad_input(field, format!("{field} {why}"));
    let url = reqwest::Url::parse(raw.trim()).map_err(|_| refuse("is not a valid URL".into()))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure => {}
        _ => return Err(refuse("must be an https:// URL".into())),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("must not carry credentials".into()));
    }
    let host = url
        .host_str()
        .ok_or_else(|| refuse("has no host".into()))?
        .to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<SocketAddr> = match host.trim_matches(['[', ']']).parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        // Insecure mode (tests, demos) accepts a host that does not resolve yet; delivery will not.
        Err(_) => match tokio::net::lookup_host((host.as_str(), port)).await {
            Ok(found) => found.collect(),
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
        url: raw.trim().to_string(),
        host,
        addresses,
    })
}

/// The same check at delivery time; the caller pins its connection to `addresses`
/// (`reqwest::ClientBuilder::resolve_to_addrs`) and follows no redirects.
pub async fn resolve_for_delivery(raw: &str, allow_insecure: bool) -> AppResult<CheckedUrl> {
    let checked = check("erasureWebhookUrl", raw, allow_insecure).await?;
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
        ] {
            assert!(
                check("u", bad, false).await.is_err(),
                "{bad} must be refused"
            );
        }
        let ok = check("u", "https://93.184.216.34:8443/hook", false)
            .await
            .expect("public IP literal");
        assert_eq!(
            ok.addresses,
            vec!["93.184.216.34:8443".parse().expect("addr")]
        );
        assert!(
            check("u", "http://127.0.0.1:9/hook", true).await.is_ok(),
            "allowed when insecure"
        );
    }
}
