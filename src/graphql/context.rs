//! What every resolver may read: the database, the reference data, the configuration and the caller.

use crate::{
    config::Config,
    domain::reference::LegalReference,
    error::AppError,
    service::{audit::Actor, tokens::Principal},
};
use async_graphql::Context;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Built per request by the HTTP handler (and by tests that execute the schema directly).
#[derive(Clone)]
pub struct RequestContext {
    pub db: DatabaseConnection,
    pub reference: Arc<LegalReference>,
    pub config: Arc<Config>,
    pub auth: Auth,
}

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

impl RequestContext {
    /// The caller, for the audit trail (the policy has already refused anonymous callers).
    pub fn actor(&self) -> Result<Actor, AppError> {
        self.auth
            .principal()
            .map(Actor::from)
            .ok_or(AppError::Unauthenticated)
    }
}

/// The request context of a resolver.
pub fn request<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestContext> {
    ctx.data::<RequestContext>()
}
