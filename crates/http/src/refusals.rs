//! Refusals made before GraphQL runs (a body that is not a GraphQL request, too large, a wrong
//! method, a timeout) answered as GraphQL responses: a JSON body
//! `{"errors":[{"message", "extensions":{"code", ...}}]}` with a contract code, never plain text.
//!
//! Codes: a bad or too large body is `BAD_USER_INPUT` with `field: "body"`; a wrong method or
//! an unknown path `BAD_USER_INPUT` with `field: "method"` / `NOT_FOUND`; a request that ran out
//! of time is `INTERNAL` with `reason: "TIMEOUT"` (the caller's input was not at fault and
//! cannot be corrected; the same request may succeed when the server is less busy).
//! The HTTP status stays what it was (400, 404, 405, 408, 413, ...), the security headers
//! are added by the layers in `lib.rs`.

use crate::error::codes;
use async_graphql::ParseRequestError;
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

/// A GraphQL error response with `status`.
pub fn graphql_error(status: StatusCode, message: &str, extensions: &Value) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": extensions }] });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The rejection of a `/graphql` body that is not a GraphQL request.
#[derive(Debug)]
pub struct BodyRejection(ParseRequestError);

impl From<ParseRequestError> for BodyRejection {
    fn from(err: ParseRequestError) -> Self {
        Self(err)
    }
}

impl IntoResponse for BodyRejection {
    fn into_response(self) -> Response {
        let too_large = matches!(self.0, ParseRequestError::PayloadTooLarge)
            || matches!(&self.0, ParseRequestError::Io(e) if is_length_limit(e));
        if too_large {
            return too_large_body();
        }
        let message = match &self.0 {
            ParseRequestError::InvalidRequest(e) => {
                format!("the body is not a GraphQL request in JSON: {e}")
            }
            ParseRequestError::UnsupportedBatch => "batch requests are not supported".into(),
            _ => "the body is not a GraphQL request in JSON".into(),
        };
        graphql_error(
            StatusCode::BAD_REQUEST,
            &message,
            &json!({ "code": codes::BAD_USER_INPUT, "field": "body" }),
        )
    }
}

/// Whether a body read failed because the body limit was reached (tower-http's limit error,
/// wrapped by axum and by async-graphql).
fn is_length_limit(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(e) = current {
        if e.to_string().contains("length limit exceeded") {
            return true;
        }
        current = e.source();
    }
    false
}

/// The rest of a body too large is never read, so the connection cannot carry another request:
/// `Connection: close` tells the client so, rather than letting it reuse a connection the server
/// is closing (its next request would fail with a reset).
fn too_large_body() -> Response {
    let mut response = graphql_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "the request body is larger than this server accepts (REGISTER_MAX_BODY_BYTES)",
        &json!({ "code": codes::BAD_USER_INPUT, "field": "body" }),
    );
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Rewrites a refusal made by a layer, an extractor or the router (plain text or empty body) as
/// a GraphQL error; JSON and HTML responses, successes and server faults pass unchanged.
pub async fn as_graphql(response: Response) -> Response {
    let status = response.status();
    let typed = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html"));
    if typed || !status.is_client_error() {
        return response;
    }
    let (message, extensions) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => return too_large_body(),
        StatusCode::REQUEST_TIMEOUT => (
            "the request took longer than this server allows (REGISTER_REQUEST_TIMEOUT_SECS); it was stopped",
            json!({ "code": codes::INTERNAL, "reason": "TIMEOUT" }),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "this method is not allowed here: POST /graphql runs GraphQL, GET /graphql serves GraphiQL",
            json!({ "code": codes::BAD_USER_INPUT, "field": "method" }),
        ),
        StatusCode::NOT_FOUND => ("no such path", json!({ "code": codes::NOT_FOUND })),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "the body must be JSON (Content-Type: application/json)",
            json!({ "code": codes::BAD_USER_INPUT, "field": "body" }),
        ),
        StatusCode::BAD_REQUEST
        | StatusCode::LENGTH_REQUIRED
        | StatusCode::UNPROCESSABLE_ENTITY
        | StatusCode::UPGRADE_REQUIRED
        | StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            "the request was refused before it reached GraphQL",
            json!({ "code": codes::BAD_USER_INPUT, "field": "request" }),
        ),
        // A handler's own refusal (an export's 401 or 403) is its own business.
        _ => return response,
    };
    let mut refused = graphql_error(status, message, &extensions);
    // Keep what the refusal said about the method or the protocol (Allow, Sec-WebSocket-*).
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            refused.headers_mut().append(name, value.clone());
        }
    }
    refused
}
