//! The sign-in settings (OpenID Connect), read with the rest of the configuration and checked
//! once at start by [`SignInSettings::check`]: a half-configured provider or an unknown role stops
//! the service with a message naming the setting.

use crate::domain::vocab::Role;
use clap::Args;
use std::{str::FromStr, time::Duration};
use url::Url;

/// The settings as given (every field has a flag and a variable).
#[derive(Debug, Clone, Args, Default)]
pub struct SignInSettings {
    /// The identity provider's issuer URL (its discovery document is ISSUER/.well-known/openid-configuration).
    /// Unset: people sign in with tokens only.
    #[arg(long, env = "REGISTER_OIDC_ISSUER", global = true)]
    pub oidc_issuer: Option<String>,

    /// The client id the register is registered under at the provider.
    #[arg(long, env = "REGISTER_OIDC_CLIENT_ID", global = true)]
    pub oidc_client_id: Option<String>,

    /// The client secret (a confidential client).
    #[arg(
        long,
        env = "REGISTER_OIDC_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub oidc_client_secret: Option<String>,

    /// The ID token claim that lists the person's groups (a list of strings, or one string).
    #[arg(
        long,
        env = "REGISTER_OIDC_ROLE_CLAIM",
        global = true,
        default_value = "groups"
    )]
    pub oidc_role_claim: String,

    /// Which group gives which role: `group=ROLE,...` with ADMIN, DPO, PROCUREMENT or AUDITOR
    /// (PROCESSOR access stays with tokens bound to an organisation). A person in several mapped
    /// groups gets the first listed.
    #[arg(long, env = "REGISTER_OIDC_ROLES", global = true)]
    pub oidc_roles: Option<String>,

    /// The scopes asked for, space-separated (`openid` is always asked). Okta and the test
    /// provider put groups in the ID token only for a `groups` scope.
    #[arg(
        long,
        env = "REGISTER_OIDC_SCOPES",
        global = true,
        default_value = "openid email profile"
    )]
    pub oidc_scopes: String,

    /// Minutes a session stays signed in without a request.
    #[arg(
        long,
        env = "REGISTER_SESSION_IDLE_MINUTES",
        global = true,
        default_value_t = 60
    )]
    pub session_idle_minutes: u32,

    /// Hours a session lasts at most, however busy; then the person signs in again (and gets the
    /// role their groups give then).
    #[arg(
        long,
        env = "REGISTER_SESSION_MAX_HOURS",
        global = true,
        default_value_t = 12
    )]
    pub session_max_hours: u32,
}

/// The checked settings of a configured provider.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// As given: the discovery document's `issuer` must equal it exactly.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// `REGISTER_PUBLIC_URL` + `/auth/callback`.
    pub redirect_uri: Url,
    /// `REGISTER_PUBLIC_URL` itself, where sign-in and sign-out return to.
    pub public_url: Url,
    pub role_claim: String,
    pub roles: Vec<(String, Role)>,
    pub scopes: Vec<String>,
    /// The cookie is `Secure` when the public URL is HTTPS.
    pub secure_cookie: bool,
    pub idle: Duration,
    pub max_age: Duration,
}

impl SignInSettings {
    /// The defaults the flags have: no provider, groups in `groups`, 60 minutes idle, 12 hours.
    pub fn defaults() -> Self {
        Self {
            oidc_role_claim: "groups".into(),
            oidc_scopes: "openid email profile".into(),
            session_idle_minutes: 60,
            session_max_hours: 12,
            ..Self::default()
        }
    }

    /// `Ok(None)` when no provider is configured; an error naming the setting when one is
    /// configured in part or wrongly.
    pub fn check(&self, public_url: Option<&str>) -> Result<Option<SignIn>, String> {
        let given = [
            ("REGISTER_OIDC_ISSUER", self.oidc_issuer.as_deref()),
            ("REGISTER_OIDC_CLIENT_ID", self.oidc_client_id.as_deref()),
            (
                "REGISTER_OIDC_CLIENT_SECRET",
                self.oidc_client_secret.as_deref(),
            ),
            ("REGISTER_OIDC_ROLES", self.oidc_roles.as_deref()),
        ];
        let given: Vec<_> = given
            .iter()
            .map(|(name, v)| (*name, v.map(str::trim).filter(|v| !v.is_empty())))
            .collect();
        if given.iter().all(|(_, v)| v.is_none()) {
            return Ok(None);
        }
        let missing: Vec<&str> = given
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(name, _)| *name)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "sign-in with an identity provider needs {} as well",
                missing.join(", ")
            ));
        }
        let value = |i: usize| given[i].1.unwrap_or_default().to_string();
        let issuer = value(0);
        let parsed =
            Url::parse(&issuer).map_err(|e| format!("REGISTER_OIDC_ISSUER is not a URL ({e})"))?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err("REGISTER_OIDC_ISSUER must be an https:// URL".into());
        }
        let public_url = public_url
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .ok_or("REGISTER_OIDC_ISSUER is set but REGISTER_PUBLIC_URL is not: the redirect URI registered at the provider is REGISTER_PUBLIC_URL/auth/callback")?;
        let public_url = Url::parse(public_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
            .ok_or_else(|| format!("REGISTER_PUBLIC_URL {public_url:?} is not an http(s) URL"))?;
        let redirect_uri = Url::parse(&format!(
            "{}/auth/callback",
            public_url.as_str().trim_end_matches('/')
        ))
        .map_err(|e| format!("REGISTER_PUBLIC_URL gives no redirect URI ({e})"))?;
        let roles = parse_roles(&value(3))?;
        let role_claim = self.oidc_role_claim.trim().to_string();
        if role_claim.is_empty() {
            return Err("REGISTER_OIDC_ROLE_CLAIM is empty".into());
        }
        let mut scopes: Vec<String> = vec!["openid".into()];
        for scope in self.oidc_scopes.split_whitespace() {
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_string());
            }
        }
        if self.session_idle_minutes == 0 || self.session_max_hours == 0 {
            return Err(
                "REGISTER_SESSION_IDLE_MINUTES and REGISTER_SESSION_MAX_HOURS must be at least 1"
                    .into(),
            );
        }
        Ok(Some(SignIn {
            issuer,
            client_id: value(1),
            client_secret: value(2),
            secure_cookie: public_url.scheme() == "https",
            redirect_uri,
            public_url,
            role_claim,
            roles,
            scopes,
            idle: Duration::from_secs(u64::from(self.session_idle_minutes) * 60),
            max_age: Duration::from_secs(u64::from(self.session_max_hours) * 3600),
        }))
    }
}

/// `group=ROLE,...`: every entry names a group and one of the roles a person may have.
pub fn parse_roles(text: &str) -> Result<Vec<(String, Role)>, String> {
    let mut roles = Vec::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (group, role) = entry
            .rsplit_once('=')
            .ok_or_else(|| format!("REGISTER_OIDC_ROLES: {entry:?} is not group=ROLE"))?;
        let (group, role_name) = (group.trim(), role.trim());
        if group.is_empty() {
            return Err(format!("REGISTER_OIDC_ROLES: {entry:?} names no group"));
        }
        let role = Role::from_str(&role_name.to_ascii_uppercase()).map_err(|_| {
            format!(
                "REGISTER_OIDC_ROLES: {role_name:?} is not a role (ADMIN, DPO, PROCUREMENT or AUDITOR)"
            )
        })?;
        if role == Role::Processor {
            return Err(
                "REGISTER_OIDC_ROLES: PROCESSOR cannot be given by a group: processors sign in with a token bound to their organisation"
                    .into(),
            );
        }
        roles.push((group.to_string(), role));
    }
    if roles.is_empty() {
        return Err("REGISTER_OIDC_ROLES maps no group to a role".into());
    }
    Ok(roles)
}

impl SignIn {
    /// The role the first mapped group gives, in the order of `REGISTER_OIDC_ROLES`.
    pub fn role_for(&self, groups: &[String]) -> Option<Role> {
        self.roles
            .iter()
            .find(|(group, _)| groups.iter().any(|g| g == group))
            .map(|(_, role)| *role)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn settings() -> SignInSettings {
        SignInSettings {
            oidc_issuer: Some("https://login.example.com/tenant/v2.0".into()),
            oidc_client_id: Some("register".into()),
            oidc_client_secret: Some("secret".into()),
            oidc_role_claim: "groups".into(),
            oidc_roles: Some("privacy-team=DPO, it-admins=admin,audit=AUDITOR".into()),
            oidc_scopes: "openid email profile".into(),
            session_idle_minutes: 60,
            session_max_hours: 12,
        }
    }

    #[test]
    fn nothing_configured_means_tokens_only() {
        assert!(SignInSettings::default().check(None).unwrap().is_none());
    }

    #[test]
    fn a_complete_configuration_gives_the_redirect_uri_and_the_roles() {
        let s = settings()
            .check(Some("https://register.example.com/"))
            .unwrap()
            .unwrap();
        assert_eq!(
            s.redirect_uri.as_str(),
            "https://register.example.com/auth/callback"
        );
        assert!(s.secure_cookie);
        assert_eq!(s.role_for(&["it-admins".into()]), Some(Role::Admin));
        assert_eq!(
            s.role_for(&["audit".into(), "privacy-team".into()]),
            Some(Role::Dpo)
        );
        assert_eq!(s.role_for(&["sales".into()]), None);
    }

    #[test]
    fn a_half_configured_provider_names_what_is_missing() {
        let mut s = settings();
        s.oidc_client_secret = None;
        let err = s.check(Some("https://r.example.com")).unwrap_err();
        assert!(err.contains("REGISTER_OIDC_CLIENT_SECRET"), "{err}");
        let err = settings().check(None).unwrap_err();
        assert!(err.contains("REGISTER_PUBLIC_URL"), "{err}");
    }

    #[test]
    fn processor_and_unknown_roles_are_refused() {
        let err = parse_roles("suppliers=PROCESSOR").unwrap_err();
        assert!(err.contains("PROCESSOR"), "{err}");
        let err = parse_roles("x=OWNER").unwrap_err();
        assert!(err.contains("OWNER"), "{err}");
        assert!(parse_roles("noequals").is_err());
        assert!(parse_roles(" , ").is_err());
    }

    #[test]
    fn http_public_urls_get_no_secure_cookie() {
        let s = settings()
            .check(Some("http://127.0.0.1:8080"))
            .unwrap()
            .unwrap();
        assert!(!s.secure_cookie);
    }
}
