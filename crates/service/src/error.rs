//! The one error type of the service, and its single mapping to GraphQL `extensions.code`.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};
use std::sync::Arc;

/// The contract's `extensions.code` values: the only place they are spelled.
pub mod codes {
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const CONFLICT: &str = "CONFLICT";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const INTERNAL: &str = "INTERNAL";
}

/// The cause of an `INTERNAL` error, carried as the GraphQL error's source (never serialised)
/// so that the response normaliser can log it once, with the request id.
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

/// Every refusal the service can give. Resolvers and services return this; only
/// [`From<AppError> for async_graphql::Error`] turns it into what clients see.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that can never succeed as given; `field` is the input field's name as in the schema.
    #[error("{message}")]
    BadInput { field: String, message: String },
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    /// A limit on concurrent work is reached: try again shortly. `CONFLICT` (the request
    /// conflicts with the server's current load, and may succeed unchanged later) with
    /// `extensions.reason` `BUSY`.
    #[error("{0}")]
    Busy(String),
    #[error(
        "a valid bearer token is required: send `Authorization: Bearer <token>`. An ADMIN creates \
         tokens with `transfer-register token create --name NAME --role ROLE`; on a new register, \
         `transfer-register init` creates the first one"
    )]
    Unauthenticated,
    /// Logged in full, shown to clients only as "internal error".
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    /// As the command line reports it: an input refusal as `field: message`; anything else with
    /// its whole chain of causes (printed with `{:#}`), not just "internal error".
    pub fn into_cli(self) -> anyhow::Error {
        match self {
            Self::BadInput { field, message } => anyhow::anyhow!("{field}: {message}"),
            other => anyhow::Error::new(other),
        }
    }

    /// The contract's machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadInput { .. } => codes::BAD_USER_INPUT,
            Self::NotFound(_) => codes::NOT_FOUND,
            Self::Conflict(_) | Self::Busy(_) => codes::CONFLICT,
            Self::Forbidden(_) => codes::FORBIDDEN,
            Self::Unauthenticated => codes::UNAUTHENTICATED,
            Self::Internal(_) => codes::INTERNAL,
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict("a record with the same unique value already exists".into())
            }
            _ => Self::Internal(err.into()),
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        let code = err.code();
        let field = match &err {
            AppError::BadInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        let busy = matches!(err, AppError::Busy(_));
        let mut error = async_graphql::Error::new(err.to_string()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(field) = field {
                ext.set("field", field);
            }
            if busy {
                ext.set("reason", "BUSY");
            }
        });
        if let AppError::Internal(cause) = &err {
            // `{:#}` prints the whole chain of causes on one line.
            error.source = Some(Arc::new(InternalCause(format!("{cause:#}"))));
        }
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_shows_the_chain_of_causes() {
        let err = AppError::internal(
            anyhow::anyhow!("disk I/O error").context("writing the audit event"),
        );
        let shown = format!("{:#}", err.into_cli());
        assert!(shown.contains("internal error"), "{shown}");
        assert!(shown.contains("writing the audit event"), "{shown}");
        assert!(shown.contains("disk I/O error"), "{shown}");
        let input = format!(
            "{:#}",
            AppError::bad_input("country", "unknown country").into_cli()
        );
        assert_eq!(input, "country: unknown country");
    }

    #[test]
    fn bad_input_carries_code_and_field() {
        let err: async_graphql::Error = AppError::bad_input("country", "unknown country").into();
        let ext = err.extensions.expect("extensions");
        assert_eq!(
            ext.get("code").map(std::string::ToString::to_string),
            Some("\"BAD_USER_INPUT\"".into())
        );
        assert_eq!(
            ext.get("field").map(std::string::ToString::to_string),
            Some("\"country\"".into())
        );
    }
}
