//! The register as an OpenID Connect client (the `openidconnect` crate): discovery from
//! `REGISTER_OIDC_ISSUER` (kept, and fetched again when an ID token names a key it does not
//! know: the provider rotated its keys), the authorization URL with `state`, `nonce` and a PKCE
//! S256 challenge, and the code exchange with the ID token verified (signature against the
//! issuer's keys, issuer, audience, expiry, nonce).

use crate::service::sessions::settings::SignIn;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadataWithLogout,
    RedirectUrl, Scope, TokenResponse as _,
    core::{CoreAuthenticationFlow, CoreClient},
};
use std::sync::Arc;
use tokio::sync::RwLock;
use url::Url;

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The identity provider, as the register's settings name it.
pub struct Provider {
    pub settings: SignIn,
    http: reqwest::Client,
    metadata: RwLock<Option<Arc<ProviderMetadataWithLogout>>>,
}

/// A login to send the person off with: where to, and what to keep until they come back.
pub struct Authorization {
    pub url: Url,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who the verified ID token names.
#[derive(Debug, Clone)]
pub struct Verified {
    pub subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
    /// The values of the role claim (`REGISTER_OIDC_ROLE_CLAIM`).
    pub groups: Vec<String>,
    pub id_token: String,
}

/// Why a sign-in failed: `Unverified` when the provider's answer is not to be trusted,
/// `Unreachable` when the provider could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the identity provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the identity provider's answer was refused: {0}")]
    Unverified(String),
}

fn unreachable(err: impl std::fmt::Display) -> SignInError {
    SignInError::Unreachable(err.to_string())
}

fn unverified(err: impl std::fmt::Display) -> SignInError {
    SignInError::Unverified(err.to_string())
}

impl Provider {
    pub fn new(settings: SignIn) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // Following redirects from the provider's endpoints would open the client to SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(Self {
            settings,
            http,
            metadata: RwLock::new(None),
        })
    }

    /// The provider's discovery document and keys: kept, or fetched anew when `fresh`.
    async fn metadata(&self, fresh: bool) -> Result<Arc<ProviderMetadataWithLogout>, SignInError> {
        if !fresh && let Some(metadata) = self.metadata.read().await.clone() {
            return Ok(metadata);
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone()).map_err(unreachable)?;
        let metadata = Arc::new(
            ProviderMetadataWithLogout::discover_async(issuer, &self.http)
                .await
                .map_err(unreachable)?,
        );
        *self.metadata.write().await = Some(metadata.clone());
        Ok(metadata)
    }

    fn client(&self, metadata: &ProviderMetadataWithLogout) -> Client {
        CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(RedirectUrl::from_url(self.settings.redirect_uri.clone()))
    }

    /// Where to send the person to sign in: the authorization endpoint with `response_type=code`,
    /// the client id, the redirect URI, the scopes, `state`, `nonce` and a PKCE S256 challenge.
    pub async fn authorize(&self) -> Result<Authorization, SignInError> {
        let metadata = self.metadata(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client(&metadata);
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in self.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(Authorization {
            url,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code and verifies the ID token it brings; a signature that no known key
    /// verifies sends for the provider's keys again, once (they may have rotated).
    pub async fn finish(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Verified, SignInError> {
        let metadata = self.metadata(false).await?;
        let client = self.client(&metadata);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(unreachable)?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(unverified)?;
        let id_token = response
            .id_token()
            .ok_or_else(|| unverified("no ID token in the token response"))?;
        let nonce = Nonce::new(nonce.to_string());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(first)) => {
                tracing::info!(error = %first, "an ID token's signature did not verify: fetching the provider's keys again");
                let metadata = self.metadata(true).await?;
                id_token
                    .claims(&self.client(&metadata).id_token_verifier(), &nonce)
                    .map_err(unverified)?
                    .clone()
            }
            Err(err) => return Err(unverified(err)),
        };
        let raw = id_token.to_string();
        Ok(Verified {
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            groups: claim_values(&raw, &self.settings.role_claim),
            id_token: raw,
        })
    }

    /// The provider's sign-out address for a session that signed in with `id_token`, when the
    /// provider has one (`end_session_endpoint`).
    pub async fn end_session_url(&self, id_token: Option<&str>) -> Option<Url> {
        let metadata = self.metadata(false).await.ok()?;
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let mut url = endpoint.url().clone();
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("client_id", &self.settings.client_id);
            query.append_pair(
                "post_logout_redirect_uri",
                self.settings.public_url.as_str(),
            );
            if let Some(hint) = id_token {
                query.append_pair("id_token_hint", hint);
            }
        }
        Some(url)
    }
}

/// The values of `claim` in a verified ID token's payload: a list of strings, or one string.
/// (`openidconnect` checks the token; its own claims type has no field for groups, so the
/// same, verified, token is read once more.)
fn claim_values(raw: &str, claim: &str) -> Vec<String> {
    let payload = raw
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok())
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok());
    match payload.as_ref().and_then(|p| p.get(claim)) {
        Some(serde_json::Value::Array(values)) => values
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(serde_json::Value::String(value)) => vec![value.clone()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn token(payload: &serde_json::Value) -> String {
        format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(payload.to_string())
        )
    }

    #[test]
    fn groups_are_read_as_a_list_or_a_single_string() {
        let t = token(&serde_json::json!({"groups": ["a", "b", 3], "role": "dpo"}));
        assert_eq!(claim_values(&t, "groups"), ["a", "b"]);
        assert_eq!(claim_values(&t, "role"), ["dpo"]);
        assert!(claim_values(&t, "missing").is_empty());
        assert!(claim_values("not a token", "groups").is_empty());
    }
}
