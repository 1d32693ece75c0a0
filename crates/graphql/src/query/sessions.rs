//! The sessions of people signed in with the identity provider: ADMIN lists them and ends one
//! (the person is signed out on every instance at their next request).

use crate::{
    context::request, enums::Role, error::AppError, scalars::Timestamp, service::sessions,
};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::Utc;
use entity::user_session;

/// A person's session: who signed in, with which role, and until when it lasts.
#[derive(SimpleObject)]
pub struct SignInSession {
    /// The session's id (not its cookie, which is never stored).
    id: ID,
    /// The person's subject at the identity provider.
    subject: String,
    /// Their e-mail address, as the provider gave it.
    email: Option<String>,
    /// Their name, as the provider gave it.
    name: Option<String>,
    /// The role their groups gave at this sign-in.
    role: Role,
    /// When they signed in.
    created_at: Timestamp,
    /// Their last request (kept to the minute).
    last_seen_at: Timestamp,
    /// When the session ends without a request before.
    idle_expires_at: Timestamp,
    /// When the session ends however busy.
    expires_at: Timestamp,
    /// When it was ended (sign-out, or an ADMIN's endSession); null while it lasts.
    ended_at: Option<Timestamp>,
}

impl From<user_session::Model> for SignInSession {
    fn from(s: user_session::Model) -> Self {
        Self {
            id: ID(s.id.to_string()),
            subject: s.subject,
            email: s.email,
            name: s.name,
            role: s.role.into(),
            created_at: Timestamp(s.created_at),
            last_seen_at: Timestamp(s.last_seen_at),
            idle_expires_at: Timestamp(s.idle_expires_at),
            expires_at: Timestamp(s.expires_at),
            ended_at: s.ended_at.map(Timestamp),
        }
    }
}

#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// The sessions that last now, newest first. ADMIN only.
    async fn sessions(&self, ctx: &Context<'_>) -> Result<Vec<SignInSession>> {
        let rc = request(ctx)?;
        Ok(sessions::list(&rc.read, Utc::now())
            .await?
            .into_iter()
            .map(SignInSession::from)
            .collect())
    }
}

#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Ends a session: its cookie is refused from the next request on, on every instance.
    /// Ending an ended session changes nothing. ADMIN only.
    async fn end_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session's id (from `sessions`).")] id: ID,
    ) -> Result<SignInSession> {
        let rc = request(ctx)?;
        let id: i64 = id
            .parse()
            .map_err(|_| AppError::not_found(format!("session {}", id.as_str())))?;
        Ok(sessions::end(&rc.db, &rc.actor()?, id, Utc::now())
            .await?
            .into())
    }
}
