//! What every resolver may read: the database, the reference data, the configuration and the caller.
//!
//! `register_http::prepare` is the one place that equips an operation with it, for HTTP and
//! WebSocket alike, once per operation: fresh DataLoaders (nothing cached across operations), the
//! caller as authenticated for this operation, the subject keys and the request feed.

use crate::{
    config::Config,
    domain::{audit::ChainKey, reference::LegalReference},
    error::AppError,
    service::{audit::Actor, verdicts::VerdictCache},
};
use async_graphql::Context;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Built per operation by `register_http::prepare`.
#[derive(Clone)]
pub struct RequestContext {
    /// The writer: mutations only.
    pub db: DatabaseConnection,
    /// The readers: queries and field resolvers.
    pub read: DatabaseConnection,
    /// Today's transfer verdicts (see `service::verdicts`).
    pub verdicts: Arc<VerdictCache>,
    pub reference: Arc<LegalReference>,
    pub config: Arc<Config>,
    pub auth: Auth,
    /// Names the operation in the log (and the `x-request-id` response header over HTTP).
    pub request_id: String,
    /// Hashes the audit events this operation writes.
    pub audit_key: ChainKey,
}

/// The caller, as `register_access` authenticated it (a bearer token or a session cookie).
pub use register_access::Auth;

impl RequestContext {
    /// The caller, for the audit trail (the policy has already refused anonymous callers).
    pub fn actor(&self) -> Result<Actor, AppError> {
        self.auth
            .principal()
            .map(|p| {
                Actor::of(p, &self.audit_key)
                    .sealing_in_transaction(self.config.audit_seal_in_transaction)
            })
            .ok_or(AppError::Unauthenticated)
    }
}

/// The request context of a resolver.
pub fn request<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestContext> {
    ctx.data::<RequestContext>()
}

/// Who is reading, for the service's visibility rules.
pub fn viewer(ctx: &Context<'_>) -> async_graphql::Result<crate::service::visibility::Viewer> {
    Ok(crate::service::visibility::Viewer::new(
        request(ctx)?.auth.principal().map(|p| p.role),
    ))
}
