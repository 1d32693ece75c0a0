//! Who is calling: a request's caller from its `Authorization: Bearer` token or its session
//! cookie ([`authenticate`]), sign-in for people with an OpenID Connect provider (the `/auth/...`
//! routes, [`auth`]), and the frame of the server-rendered pages ([`page`]).
//!
//! It sits below the GraphQL layer, which authorises the [`Auth`] found here, and beside the
//! spreadsheets, so that cargo builds it while those build.

pub mod auth;
pub mod page;

// The layers below, under the paths they had when the layers were one crate.
use register_domain as domain;
use register_service as service;
use register_service::error;

use crate::{domain::audit::ChainKey, error::AppResult, service::tokens};
pub use auth::Provider;
use axum::{
    Router,
    http::{HeaderMap, header::AUTHORIZATION},
    routing::{get, post},
};
use sea_orm::DatabaseConnection;
use service::{Boxed, tokens::Principal};
use std::sync::Arc;

/// The outcome of reading the `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    Anonymous,
    /// A token was given but is unknown, revoked or expired.
    Rejected,
    Token(Principal),
}

impl Auth {
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Auth::Token(p) => Some(p),
            _ => None,
        }
    }
}

/// What authentication and the sign-in routes read of the application's state
/// (`register_http::AppState` hands it out).
#[derive(Clone)]
pub struct AccessState {
    /// The writer: sessions are started, touched and ended here.
    pub db: DatabaseConnection,
    /// The readers: API tokens are looked up here.
    pub read_db: DatabaseConnection,
    /// Hashes the audit events of signing in and out.
    pub audit_key: ChainKey,
    /// The identity provider people sign in with, when one is configured.
    pub sign_in: Option<Arc<Provider>>,
}

/// The sign-in routes (`/auth/login`, `/auth/callback`, `/auth/logout`, `/auth/status`) with
/// their state, built here so that their handlers are compiled with this crate.
pub fn routes(state: AccessState) -> Router {
    Router::new()
        .route("/auth/login", get(auth::login))
        .route("/auth/callback", get(auth::callback))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/status", get(auth::status))
        .with_state(state)
}

/// The token of `Authorization: Bearer <token>`. `None` when the header is missing, repeated,
/// or not a bearer token.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return None;
    };
    value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// Reads `Authorization: Bearer <token>`, else the session cookie of a person signed in with the
/// identity provider; neither is anonymous; a repeated header, another scheme, or an unknown,
/// revoked or expired token (or session) is rejected.
pub fn authenticate<'a>(
    state: &'a AccessState,
    headers: &'a HeaderMap,
) -> Boxed<'a, AppResult<Auth>> {
    Box::pin(async move {
        if headers.get(AUTHORIZATION).is_none() {
            return auth::from_cookie(state, headers).await;
        }
        Ok(match bearer_token(headers) {
            Some(token) => authenticate_token(state, token).await?,
            None => Auth::Rejected,
        })
    })
}

/// A bearer token's caller, or rejected. A WebSocket admitted by its session cookie carries the
/// session as [`auth::WS_SESSION`] + the cookie's value, authenticated here as the cookie is.
pub fn authenticate_token<'a>(
    state: &'a AccessState,
    token: &'a str,
) -> Boxed<'a, AppResult<Auth>> {
    Box::pin(async move {
        if let Some(value) = token.strip_prefix(auth::WS_SESSION) {
            return auth::from_session_value(state, value).await;
        }
        Ok(tokens::authenticate(&state.read_db, token)
            .await?
            .map_or(Auth::Rejected, Auth::Token))
    })
}
