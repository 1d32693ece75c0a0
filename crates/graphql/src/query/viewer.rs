//! Who is calling: the signed-in token's role and organisation, for clients that adapt to it
//! (the console offers only what the role may do).

use crate::{
    context::request, enums::Role, error::AppError, service::organisations,
    types::organisation::Organisation,
};
use async_graphql::{Context, Object, Result, SimpleObject};

#[derive(Default)]
pub struct ViewerQuery;

/// The caller, as its bearer token names it.
#[derive(SimpleObject)]
pub struct Viewer {
    /// What the token may do.
    role: Role,
    /// The organisation a PROCESSOR token is bound to; null for the other roles.
    organisation: Option<Organisation>,
    /// The token's name, as given to `token create`; for a person signed in with the identity
    /// provider, their e-mail address (or name, or subject).
    token_name: String,
    /// True for a person signed in with the identity provider (a session cookie), false for a
    /// bearer token. The console offers "Sign out" to the former.
    signed_in: bool,
}

#[Object]
impl ViewerQuery {
    /// The caller: the token's role, name and organisation. Open to every role.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer> {
        let rc = request(ctx)?;
        let principal = rc.auth.principal().ok_or(AppError::Unauthenticated)?;
        let organisation = match principal.organisation_id {
            Some(id) => organisations::get(&rc.db, id).await?.map(Organisation),
            None => None,
        };
        Ok(Viewer {
            role: principal.role.into(),
            organisation,
            token_name: principal.name.clone(),
            signed_in: principal.person.is_some(),
        })
    }
}
