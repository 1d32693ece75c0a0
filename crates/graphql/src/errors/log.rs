//! Logging refusals (UNAUTHENTICATED, FORBIDDEN) with who asked for what, once per window, so a
//! caller repeating a refused operation does not fill the log.

use crate::context::Auth;
use async_graphql::ServerError;
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Remembers when each (principal, code) refusal was last logged, so a caller repeating a
/// refused operation fills the log with one line per [`RefusalLog::WINDOW`], not one per try.
#[derive(Debug, Default)]
pub struct RefusalLog(Mutex<HashMap<(String, &'static str), Instant>>);

impl RefusalLog {
    /// At most one line per principal and code in this window.
    pub const WINDOW: Duration = Duration::from_secs(10);
    /// Entries kept before the old ones are dropped.
    const MAX_ENTRIES: usize = 10_000;

    /// Whether a refusal of `principal` with `code` should be logged now (and notes it).
    pub fn should_log(&self, principal: &str, code: &'static str, now: Instant) -> bool {
        let Ok(mut seen) = self.0.lock() else {
            return true;
        };
        if seen.len() >= Self::MAX_ENTRIES {
            seen.retain(|_, at| now.duration_since(*at) < Self::WINDOW);
        }
        match seen.get(&(principal.to_string(), code)) {
            Some(at) if now.duration_since(*at) < Self::WINDOW => false,
            _ => {
                seen.insert((principal.to_string(), code), now);
                true
            }
        }
    }
}

/// What the normaliser knows of the operation whose response it normalises, for the log.
pub struct Origin<'a> {
    pub request_id: &'a str,
    pub auth: &'a Auth,
    /// The operation's name, if the request gave one.
    pub operation: Option<&'a str>,
    pub refusals: &'a RefusalLog,
}

impl Origin<'_> {
    /// Logs an UNAUTHENTICATED or FORBIDDEN refusal with the principal (token name and role,
    /// never the token), the operation, the refused field and the request id, rate-limited.
    pub(super) fn log_refusal(&self, code: &'static str, error: &ServerError) {
        let (principal, role) = match self.auth {
            Auth::Token(p) => (p.name.as_str(), p.role.as_str()),
            Auth::Anonymous => ("anonymous", "-"),
            Auth::Rejected => ("rejected token", "-"),
        };
        if !self.refusals.should_log(principal, code, Instant::now()) {
            return;
        }
        let field = error.path.first().map(|p| match p {
            async_graphql::PathSegment::Field(f) => f.clone(),
            async_graphql::PathSegment::Index(i) => i.to_string(),
        });
        tracing::warn!(
            request_id = self.request_id,
            principal,
            role,
            operation = self.operation.unwrap_or("-"),
            field = field.as_deref().unwrap_or("-"),
            code,
            reason = %error.message,
            "refused"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::codes;

    #[test]
    fn a_repeated_refusal_is_logged_once_per_window() {
        let log = RefusalLog::default();
        let start = Instant::now();
        assert!(log.should_log("dpo-1", codes::FORBIDDEN, start));
        assert!(!log.should_log("dpo-1", codes::FORBIDDEN, start + Duration::from_secs(9)));
        assert!(log.should_log("dpo-1", codes::UNAUTHENTICATED, start));
        assert!(log.should_log("dpo-2", codes::FORBIDDEN, start));
        assert!(log.should_log("dpo-1", codes::FORBIDDEN, start + RefusalLog::WINDOW));
    }
}
