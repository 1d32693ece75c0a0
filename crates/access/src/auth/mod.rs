//! Sign-in for people: `GET /auth/login` sends the person to the identity provider,
//! `GET /auth/callback` verifies what it sends back and starts a session (an HttpOnly cookie),
//! `POST /auth/logout` ends it (and signs out at the provider when it has an
//! `end_session_endpoint`). Requests then authenticate by bearer token first, else by the
//! session cookie; a POST authenticated by the cookie must carry `X-Requested-With`, which a
//! cross-site form cannot send (and a cross-site script may not without the server's leave).

pub mod provider;

use crate::{
    AccessState, Auth,
    error::{AppError, AppResult},
    page,
    service::{
        audit::Actor,
        sessions::{self, Lifetimes, SignedIn},
    },
};
use axum::{
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::Utc;
pub use provider::Provider;

/// The session cookie's name.
pub const COOKIE: &str = "register_session";

/// The header a POST authenticated by the cookie must carry (the console sends it).
pub const CSRF_HEADER: &str = "x-requested-with";

/// The value of the session cookie, if the request has one.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, COOKIE)
}

fn lifetimes(provider: &Provider) -> Lifetimes {
    Lifetimes {
        idle: provider.settings.idle,
        max_age: provider.settings.max_age,
    }
}

/// How a WebSocket admitted by its session cookie keeps the session in place of a token.
pub const WS_SESSION: &str = "session:";

/// The caller a session cookie names: `Anonymous` without a cookie (or without sign-in
/// configured), `Rejected` for an unknown, ended or expired session.
pub async fn from_cookie(state: &AccessState, headers: &HeaderMap) -> AppResult<Auth> {
    match session_cookie(headers) {
        Some(value) if state.sign_in.is_some() => from_session_value(state, value).await,
        _ => Ok(Auth::Anonymous),
    }
}

/// The caller a session cookie's value names (see [`from_cookie`]).
pub async fn from_session_value(state: &AccessState, value: &str) -> AppResult<Auth> {
    let Some(provider) = &state.sign_in else {
        return Ok(Auth::Rejected);
    };
    Ok(
        match sessions::authenticate(&state.db, value, lifetimes(provider), Utc::now()).await? {
            Some(session) => Auth::Token(sessions::principal_of(&session)),
            None => Auth::Rejected,
        },
    )
}

/// For requests that change things (`POST /graphql`): a caller authenticated by the cookie
/// alone must have sent [`CSRF_HEADER`].
pub fn check_csrf(auth: &Auth, headers: &HeaderMap) -> AppResult<()> {
    let by_cookie = auth.principal().is_some_and(|p| p.person.is_some())
        && headers.get(header::AUTHORIZATION).is_none();
    if by_cookie && headers.get(CSRF_HEADER).is_none() {
        return Err(AppError::Forbidden(
            "a request signed in by the session cookie must send the X-Requested-With header (the console does); cross-site forms cannot"
                .into(),
        ));
    }
    Ok(())
}

fn refusal(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/\">Back to the register</a></p>",
        page::esc(title),
        page::esc(message)
    );
    page::html(status, page::document(title, &body, None))
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn not_configured() -> Response {
    refusal(
        StatusCode::NOT_FOUND,
        "Sign-in with an identity provider is not set up",
        "This register signs people in with tokens only. An administrator sets REGISTER_OIDC_ISSUER and the other sign-in settings to offer it.",
    )
}

/// `GET /auth/login`: a 303 to the provider's authorization endpoint; the login's `state`,
/// `nonce` and PKCE verifier wait in the database (10 minutes at most, used once).
pub async fn login(State(state): State<AccessState>) -> Response {
    let Some(provider) = &state.sign_in else {
        return not_configured();
    };
    let authorization = match provider.authorize().await {
        Ok(a) => a,
        Err(err) => {
            tracing::warn!(error = %err, "sign-in could not start");
            return refusal(
                StatusCode::BAD_GATEWAY,
                "The identity provider did not answer",
                "Try again in a moment; if it persists, tell the register's administrator.",
            );
        }
    };
    if let Err(err) = sessions::begin_login(
        &state.db,
        &authorization.state,
        &authorization.nonce,
        &authorization.pkce_verifier,
        Utc::now(),
    )
    .await
    {
        tracing::error!(error = %err, "could not keep a login under way");
        return refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sign-in could not start",
            "Try again in a moment.",
        );
    }
    // The login is bound to this browser: the callback must come with this cookie, so that a
    // callback link made by someone else (signing the victim in as the attacker) is refused.
    let mut response = see_other(authorization.url.as_str());
    let cookie = format!(
        "{LOGIN_COOKIE}={}; Path=/auth; HttpOnly; SameSite=Lax; Max-Age={}{}",
        authorization.state,
        sessions::LOGIN_MINUTES * 60,
        if provider.settings.secure_cookie {
            "; Secure"
        } else {
            ""
        }
    );
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The cookie that binds a login under way to the browser that started it (its `state`).
pub const LOGIN_COOKIE: &str = "register_login";

/// The value of cookie `name`, if the request has one.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(n, _)| *n == name)
        .map(|(_, value)| value.trim())
        .next_back()
}

/// What the provider sends the person back with.
#[derive(serde::Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/callback`: the login its `state` names (consumed), the code exchanged, the ID
/// token verified, the groups mapped to a role, a session started.
pub async fn callback(
    State(state): State<AccessState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Some(provider) = &state.sign_in else {
        return not_configured();
    };
    let now = Utc::now();
    // The state must be the one this browser started (its login cookie), and still waiting.
    let started_here = |s: &str| {
        cookie(&headers, LOGIN_COOKIE)
            .is_some_and(|c| bool::from(subtle::ConstantTimeEq::ct_eq(c.as_bytes(), s.as_bytes())))
    };
    let login = match &query.state {
        Some(s) if started_here(s) => sessions::take_login(&state.db, s, now).await,
        _ => Ok(None),
    };
    let login = match login {
        Ok(Some(login)) => login,
        Ok(None) => {
            return refusal(
                StatusCode::BAD_REQUEST,
                "This sign-in has expired or was used already",
                "It was not started in this browser, or it was finished once already, or it took too long. Sign in again from the register's sign-in page.",
            );
        }
        Err(err) => {
            tracing::error!(error = %err, "reading a login under way");
            return refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-in failed",
                "Try again.",
            );
        }
    };
    let (None, Some(code)) = (&query.error, &query.code) else {
        return refusal(
            StatusCode::UNAUTHORIZED,
            "The identity provider did not sign you in",
            &format!(
                "It answered: {}.",
                query.error.as_deref().unwrap_or("no authorization code")
            ),
        );
    };
    let verified = match provider
        .finish(code, &login.pkce_verifier, &login.nonce)
        .await
    {
        Ok(v) => v,
        Err(err) => {
            tracing::warn!(error = %err, "a sign-in was refused");
            return refusal(
                StatusCode::UNAUTHORIZED,
                "Sign-in refused",
                "The identity provider's answer could not be verified, so no session was started. Sign in again; if it persists, tell the register's administrator.",
            );
        }
    };
    let Some(role) = provider.settings.role_for(&verified.groups) else {
        tracing::info!(subject = %verified.subject, "signed in at the provider, but in no group mapped to a role");
        return refusal(
            StatusCode::FORBIDDEN,
            "Your account has no access to the register",
            "The identity provider signed you in, but none of your groups gives a role in the register. Ask the register's administrator to add you to one of the groups it maps to a role.",
        );
    };
    let who = SignedIn {
        subject: verified.subject,
        email: verified.email,
        name: verified.name,
        role,
        id_token: Some(verified.id_token),
    };
    start_session(&state, provider, who, now).await
}

/// Starts the session and answers with its cookie, on the way to the console.
async fn start_session(
    state: &AccessState,
    provider: &Provider,
    who: SignedIn,
    now: chrono::DateTime<Utc>,
) -> Response {
    match sessions::start(&state.db, &state.audit_key, who, lifetimes(provider), now).await {
        Ok((_, value)) => {
            let mut response = see_other("/");
            if let Ok(cookie) = HeaderValue::from_str(&set_cookie(provider, &value)) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            if let Ok(done) = HeaderValue::from_str(&format!(
                "{LOGIN_COOKIE}=; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=0"
            )) {
                response.headers_mut().append(header::SET_COOKIE, done);
            }
            response
        }
        Err(err) => {
            tracing::error!(error = %err, "could not start a session");
            refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-in failed",
                "Try again.",
            )
        }
    }
}

fn set_cookie(provider: &Provider, value: &str) -> String {
    format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        provider.settings.max_age.as_secs(),
        if provider.settings.secure_cookie {
            "; Secure"
        } else {
            ""
        }
    )
}

fn clear_cookie(provider: &Provider) -> String {
    format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if provider.settings.secure_cookie {
            "; Secure"
        } else {
            ""
        }
    )
}

/// `GET /auth/status`: whether people may sign in with an identity provider here (the console's
/// sign-in page then offers it beside the token box).
pub async fn status(State(state): State<AccessState>) -> Response {
    axum::Json(serde_json::json!({ "identityProvider": state.sign_in.is_some() })).into_response()
}

/// `POST /auth/logout`: ends the cookie's session (for every instance: it is ended in the
/// database), clears the cookie, and sends the person to the provider's sign-out when it has
/// one, else to the sign-in page.
pub async fn logout(State(state): State<AccessState>, headers: HeaderMap) -> Response {
    let Some(provider) = &state.sign_in else {
        return not_configured();
    };
    let mut id_token = None;
    if let Some(value) = session_cookie(&headers) {
        match end_by_cookie(&state, value).await {
            Ok(token) => id_token = token,
            Err(err) => {
                tracing::error!(error = %err, "could not end a session");
                return refusal(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sign-out failed",
                    "Try again.",
                );
            }
        }
    }
    let location = match provider.end_session_url(id_token.as_deref()).await {
        Some(url) => url.to_string(),
        None => "/".to_string(),
    };
    // The console signs out with fetch (its pages may not submit forms): it gets the address to
    // go to as JSON, since a script cannot read a cross-origin redirect.
    let mut response = if headers.contains_key(CSRF_HEADER) {
        axum::Json(serde_json::json!({ "location": location })).into_response()
    } else {
        see_other(&location)
    };
    if let Ok(cookie) = HeaderValue::from_str(&clear_cookie(provider)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// Ends the session a cookie names, audited as its person; its ID token, for the provider.
async fn end_by_cookie(state: &AccessState, value: &str) -> AppResult<Option<String>> {
    let Some(session) = sessions::find_by_value(&state.db, value).await? else {
        return Ok(None);
    };
    if session.ended_at.is_none() {
        let actor = Actor::of(&sessions::principal_of(&session), &state.audit_key);
        sessions::end(&state.db, &actor, session.id, Utc::now()).await?;
    }
    Ok(session.id_token)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;
    use crate::service::sessions::settings::SignInSettings;

    fn provider(public_url: &str) -> Provider {
        let settings = SignInSettings {
            oidc_issuer: Some("https://login.example.com".into()),
            oidc_client_id: Some("register".into()),
            oidc_client_secret: Some("secret".into()),
            oidc_roles: Some("privacy=DPO".into()),
            ..SignInSettings::defaults()
        };
        Provider::new(settings.check(Some(public_url)).unwrap().unwrap()).unwrap()
    }

    #[test]
    fn the_session_cookie_is_http_only_lax_and_secure_on_https() {
        let https = set_cookie(&provider("https://register.example.com"), "v");
        assert_eq!(
            https,
            "register_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200; Secure"
        );
        let http = set_cookie(&provider("http://127.0.0.1:8080"), "v");
        assert!(
            http.contains("HttpOnly; SameSite=Lax") && !http.contains("Secure"),
            "{http}"
        );
        assert!(clear_cookie(&provider("https://r.example.com")).contains("Max-Age=0; Secure"));
    }

    #[test]
    fn the_cookie_is_read_among_others_and_a_post_by_cookie_needs_the_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; register_session=abc ; register_login=st"),
        );
        assert_eq!(session_cookie(&headers), Some("abc"));
        assert_eq!(cookie(&headers, LOGIN_COOKIE), Some("st"));
        let person = crate::service::tokens::Principal {
            token_id: -1,
            name: "alice@example.test".into(),
            role: crate::domain::vocab::Role::Dpo,
            organisation_id: None,
            person: Some(crate::service::sessions::Person {
                session_id: 1,
                subject: "alice".into(),
                email: None,
                name: None,
            }),
        };
        let auth = Auth::Token(person);
        assert!(check_csrf(&auth, &headers).is_err());
        headers.insert(CSRF_HEADER, HeaderValue::from_static("register-console"));
        assert!(check_csrf(&auth, &headers).is_ok());
    }
}
