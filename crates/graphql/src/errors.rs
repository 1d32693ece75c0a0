//! Gives every error in a response a contract code, and logs the server's faults.
//!
//! async-graphql's own refusals (syntax, validation, limits, argument coercion) come without a
//! code: they are the caller's, `BAD_USER_INPUT`. Any other error without a code escaped the
//! service's error type, so it is a fault: `INTERNAL`, logged with its message and request id,
//! and never echoed. `INTERNAL` errors of the service are logged here too, with their cause.

use crate::{
    context::Auth,
    error::{InternalCause, codes},
};
use async_graphql::{
    Response, ServerError,
    parser::types::{TypeKind, TypeSystemDefinition},
};
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
    fn log_refusal(&self, code: &'static str, error: &ServerError) {
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

/// For each (input type, field type) the one field of that type, where it is the only one:
/// a variable that fails to coerce is reported by type ("Failed to parse \"LocationUse\" ...
/// occurred while parsing \"LocationInput\""), and this names the field it must have been.
#[derive(Debug, Default, Clone)]
pub struct FieldIndex(HashMap<(String, String), Option<String>>);

impl FieldIndex {
    pub fn from_sdl(sdl: &str) -> Self {
        let mut index: HashMap<(String, String), Option<String>> = HashMap::new();
        let Ok(doc) = async_graphql::parser::parse_schema(sdl) else {
            return Self::default();
        };
        for def in doc.definitions {
            let TypeSystemDefinition::Type(ty) = def else {
                continue;
            };
            let TypeKind::InputObject(input) = &ty.node.kind else {
                continue;
            };
            for field in &input.fields {
                let base = field.node.ty.node.to_string().replace(['[', ']', '!'], "");
                let key = (ty.node.name.node.to_string(), base);
                let name = field.node.name.node.to_string();
                index
                    .entry(key)
                    .and_modify(|existing| *existing = None)
                    .or_insert(Some(name));
            }
        }
        Self(index)
    }

    fn field_for(&self, message: &str) -> Option<String> {
        let ty = quoted_after(message, "Failed to parse \"")?;
        let input = quoted_after(message, "occurred while parsing \"")?;
        let input = input.replace(['[', ']', '!'], "");
        self.0.get(&(input, ty)).cloned().flatten()
    }
}

fn quoted_after(message: &str, marker: &str) -> Option<String> {
    let start = message.find(marker)? + marker.len();
    let rest = &message[start..];
    Some(rest[..rest.find('"')?].to_string())
}

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

/// `Invalid value for argument "input.country", ...` names `country`; the innermost segment
/// is the input field as the schema spells it.
fn argument_field(message: &str) -> Option<String> {
    let start = message.find("argument \"")? + "argument \"".len();
    let rest = &message[start..];
    let path = &rest[..rest.find('"')?];
    let last = path.rsplit('.').next().unwrap_or(path);
    let last = last.split('[').next().unwrap_or(last);
    Some(last.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_errors_name_the_innermost_field() {
        assert_eq!(
            argument_field(
                r#"Invalid value for argument "input.kind", enumeration type "OrganisationKind" does not contain the value "X""#
            ),
            Some("kind".into())
        );
        assert_eq!(
            argument_field(r#"Invalid value for argument "id", expected type "ID""#),
            Some("id".into())
        );
        assert_eq!(argument_field("Query is nested too deep."), None);
    }

    #[test]
    fn variables_of_a_type_used_once_in_an_input_name_their_field() {
        let index = FieldIndex::from_sdl(
            "input A { kind: Kind! when: Date first: Date second: Date } input L { country: String! use: Use! }",
        );
        let msg = |ty: &str, input: &str| {
            format!("Failed to parse \"{ty}\": nope (occurred while parsing \"{input}\")")
        };
        assert_eq!(index.field_for(&msg("Kind", "A")), Some("kind".into()));
        assert_eq!(index.field_for(&msg("Use", "[L!]")), Some("use".into()));
        assert_eq!(
            index.field_for(&msg("Date", "A")),
            None,
            "ambiguous: three Date fields"
        );
    }

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
    fn a_repeated_refusal_is_logged_once_per_window() {
        let log = RefusalLog::default();
        let start = Instant::now();
        assert!(log.should_log("dpo-1", codes::FORBIDDEN, start));
        assert!(!log.should_log("dpo-1", codes::FORBIDDEN, start + Duration::from_secs(9)));
        assert!(log.should_log("dpo-1", codes::UNAUTHENTICATED, start));
        assert!(log.should_log("dpo-2", codes::FORBIDDEN, start));
        assert!(log.should_log("dpo-1", codes::FORBIDDEN, start + RefusalLog::WINDOW));
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
}
