//! Gives every error in a response a contract code, and logs the server's faults.
//!
//! async-graphql's own refusals (syntax, validation, limits, argument coercion) come without a
//! code: they are the caller's, `BAD_USER_INPUT`. Any other error without a code escaped the
//! service's error type, so it is a fault: `INTERNAL`, logged with its message and request id,
//! and never echoed. `INTERNAL` errors of the service are logged here too, with their cause.

mod fields;
mod log;

pub use fields::FieldIndex;
pub use log::{Origin, RefusalLog};

use crate::error::{InternalCause, codes};
use async_graphql::{Response, ServerError};
use fields::argument_field;

/// Adds `code` (and `field` where it can be known) to errors that lack them, logs faults, and
/// logs refusals (UNAUTHENTICATED, FORBIDDEN) as [`Origin::log_refusal`] says.
pub fn normalise(mut response: Response, index: &FieldIndex, origin: &Origin<'_>) -> Response {
    for error in &mut response.errors {
        normalise_error(error, index, origin.request_id);
        let code = error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .map(std::string::ToString::to_string);
        match code.as_deref().map(|c| c.trim_matches('"')) {
            Some(codes::UNAUTHENTICATED) => origin.log_refusal(codes::UNAUTHENTICATED, error),
            Some(codes::FORBIDDEN) => origin.log_refusal(codes::FORBIDDEN, error),
            _ => {}
        }
    }
    response
}

fn normalise_error(error: &mut ServerError, index: &FieldIndex, request_id: &str) {
    let code = error
        .extensions
        .as_ref()
        .and_then(|e| e.get("code"))
        .map(|c| c.to_string().trim_matches('"').to_string());
    match code.as_deref() {
        Some(codes::INTERNAL) => {
            let cause = error
                .source::<InternalCause>()
                .map_or(error.message.as_str(), |c| c.0.as_str());
            tracing::error!(request_id, path = ?error.path, cause, "internal error");
        }
        Some(_) => {}
        None if is_callers_mistake(error) => {
            if let Some(name) = missing_variable(&error.message) {
                error.message = format!(
                    "variable ${name} is declared non-null without a default, but no value was given for it"
                );
            }
            let field = argument_field(&error.message)
                .or_else(|| missing_variable_in(&error.message))
                .or_else(|| index.field_for(&error.message));
            let ext = error.extensions.get_or_insert_with(Default::default);
            ext.set("code", codes::BAD_USER_INPUT);
            if let Some(field) = field {
                ext.set("field", field);
            }
        }
        None => {
            tracing::error!(request_id, path = ?error.path, cause = %error.message, "internal error");
            error.message = "internal error".into();
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", codes::INTERNAL);
        }
    }
}

/// async-graphql's own refusals: those raised before execution (parse, validation, depth and
/// complexity limits) have no path; during execution, only argument coercion is the caller's.
fn is_callers_mistake(error: &ServerError) -> bool {
    error.path.is_empty()
        || error.message.starts_with("Invalid value for argument")
        || error.message.starts_with("Failed to parse")
        || missing_variable(&error.message).is_some()
}

/// async-graphql's `Variable NAME is not defined.`, raised while a field runs when a declared
/// variable (non-null, without a default) was given no value: the caller's mistake.
fn missing_variable(message: &str) -> Option<&str> {
    message
        .strip_prefix("Variable ")?
        .strip_suffix(" is not defined.")
        .filter(|name| !name.is_empty() && !name.contains(' '))
}

/// The variable named by the rewritten message of [`missing_variable`].
fn missing_variable_in(message: &str) -> Option<String> {
    let rest = message.strip_prefix("variable $")?;
    Some(rest[..rest.find(' ')?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Auth;

    fn normalised(message: &str, path: bool) -> ServerError {
        let mut error = ServerError::new(message, None);
        if path {
            error.path = vec![async_graphql::PathSegment::Field("organisation".into())];
        }
        normalise_error(&mut error, &FieldIndex::default(), "test");
        error
    }

    fn code(error: &ServerError) -> String {
        error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .map(std::string::ToString::to_string)
            .unwrap_or_default()
    }

    #[test]
    fn an_error_without_a_code_during_execution_is_internal_and_not_echoed() {
        let error = normalised("Data `SubjectKeys` does not exist.", true);
        assert_eq!(code(&error), "\"INTERNAL\"");
        assert_eq!(error.message, "internal error");
    }

    #[test]
    fn async_graphqls_own_refusals_are_the_callers() {
        let parse = normalised("Unknown field \"nope\" on type \"Query\".", false);
        assert_eq!(code(&parse), "\"BAD_USER_INPUT\"");
        let coercion = normalised(
            r#"Invalid value for argument "input.kind", enumeration type "OrganisationKind" does not contain the value "X""#,
            true,
        );
        assert_eq!(code(&coercion), "\"BAD_USER_INPUT\"");
        assert!(coercion.message.contains("OrganisationKind"));
    }

    /// Captures what is logged while `f` runs.
    fn logged(f: impl FnOnce()) -> String {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
                self.0.lock().expect("buffer").extend_from_slice(data);
                Ok(data.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = buffer.0.lock().expect("buffer").clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn refusals_are_logged_with_principal_operation_and_request_id_but_not_repeatedly() {
        use crate::{domain::vocab::Role, service::tokens::Principal};
        let auth = Auth::Token(Principal {
            token_id: 7,
            name: "procurement-bot".into(),
            role: Role::Procurement,
            organisation_id: None,
            person: None,
        });
        let refusals = RefusalLog::default();
        let origin = Origin {
            request_id: "req-42",
            auth: &auth,
            operation: Some("Rotate"),
            refusals: &refusals,
        };
        let refused = || {
            let mut error =
                ServerError::new("the PROCUREMENT role may not run rotateWebhookSecret", None);
            error.path = vec![async_graphql::PathSegment::Field(
                "rotateWebhookSecret".into(),
            )];
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", codes::FORBIDDEN);
            Response::from_errors(vec![error])
        };
        let first = logged(|| {
            normalise(refused(), &FieldIndex::default(), &origin);
        });
        for expected in [
            "procurement-bot",
            "PROCUREMENT",
            "Rotate",
            "rotateWebhookSecret",
            "req-42",
            "FORBIDDEN",
        ] {
            assert!(first.contains(expected), "{expected} missing from {first}");
        }
        let second = logged(|| {
            normalise(refused(), &FieldIndex::default(), &origin);
        });
        assert!(
            second.is_empty(),
            "a repeat within the window is not logged: {second}"
        );
    }
}
