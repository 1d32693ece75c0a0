//! The one error type of the service, and its single mapping to GraphQL `extensions.code`.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};

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

    /// The contract's machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict(_) => "CONFLICT",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Internal(_) => "INTERNAL",
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
        if let AppError::Internal(source) = &err {
            tracing::error!(error = ?source, "internal error");
        }
        let code = err.code();
        let field = match &err {
            AppError::BadInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        async_graphql::Error::new(err.to_string()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(field) = field {
                ext.set("field", field);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_carries_code_and_field() {
        let err: async_graphql::Error = AppError::bad_input("country", "unknown country").into();
        let ext = err.extensions.expect("extensions");
        assert_eq!(
            ext.get("code").map(|v| v.to_string()),
            Some("\"BAD_USER_INPUT\"".into())
        );
        assert_eq!(
            ext.get("field").map(|v| v.to_string()),
            Some("\"country\"".into())
        );
    }
}
