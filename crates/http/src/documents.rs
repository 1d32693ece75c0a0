//! Stored documents over HTTP: `GET /documents/{id}` (ADMIN, DPO, AUDITOR) serves one as a
//! download that can never render in the register's origin, the body limit that lets an upload
//! (a multipart form to `/graphql` or `/respond/...`) carry one document, and the reading of such
//! a form.
//!
//! A download is `Content-Type: application/octet-stream` with `Content-Disposition: attachment`
//! and a sanitised file name, `X-Content-Type-Options: nosniff`, a sandboxing
//! `Content-Security-Policy` (in case a client still renders it), `no-store`, and its SHA-256 as
//! the `ETag`, in `X-Content-SHA256` (hex) and in `Repr-Digest` (RFC 9530). The declared
//! content type is kept as information, never served.

use crate::{
    config::Config,
    error::AppError,
    exports::refusal,
    graphql::policy,
    service::documents::{self, DocumentMeta, Upload},
    state::AppState,
};
use axum::{
    body::Body,
    extract::{Path, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine;
use std::sync::Arc;

/// `GET /documents/{id}`.
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    serve(&state, &id, &headers)
        .await
        .unwrap_or_else(|e| refusal(&e))
}

async fn serve(state: &AppState, id: &str, headers: &HeaderMap) -> Result<Response, AppError> {
    let auth = crate::authenticate(state, headers).await?;
    policy::require(&auth, "document", policy::DOCUMENT_READERS)?;
    let id = crate::service::validate::id("id", id)?;
    let (meta, content) = documents::fetch(&state.read_db, id).await?;
    let mut response = (StatusCode::OK, content).into_response();
    let out = response.headers_mut();
    for (name, value) in download_headers(&meta) {
        if let Ok(value) = HeaderValue::from_str(&value) {
            out.insert(name, value);
        }
    }
    Ok(response)
}

/// The headers of a download of `meta`.
fn download_headers(meta: &DocumentMeta) -> Vec<(header::HeaderName, String)> {
    let digest = hex::decode(&meta.sha256).unwrap_or_default();
    vec![
        (header::CONTENT_TYPE, "application/octet-stream".into()),
        (header::CONTENT_DISPOSITION, disposition(&meta.file_name)),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox".into(),
        ),
        (header::CACHE_CONTROL, "private, no-store".into()),
        (header::ETAG, format!("\"{}\"", meta.sha256)),
        (
            header::HeaderName::from_static("x-content-sha256"),
            meta.sha256.clone(),
        ),
        (
            header::HeaderName::from_static("repr-digest"),
            format!(
                "sha-256=:{}:",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ),
        ),
    ]
}

/// `attachment` with the name in plain ASCII (anything else, quotes and backslashes included,
/// becomes `_`) and in full as RFC 8187 `filename*`.
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " .-_()+,".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Whether `request` is an upload: a multipart form posted to GraphQL or to an answer page.
fn is_upload(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::POST
        && (path == "/graphql" || path.starts_with("/respond/"))
        && request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The body limit of every request: `REGISTER_MAX_BODY_BYTES`, or for an upload one document
/// (`REGISTER_DOCUMENT_MAX_BYTES`) and its form. A body declared larger is refused before it is
/// read (413; an answer page's as a page, the rest as a GraphQL error); one that grows larger
/// fails where it is read, as tower-http's limit does.
pub async fn body_limit(
    State(config): State<Arc<Config>>,
    request: Request,
    next: Next,
) -> Response {
    let limit = if is_upload(&request) {
        config
            .documents
            .multipart_body_bytes()
            .max(config.max_body_bytes)
    } else {
        config.max_body_bytes
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX)) {
        if request.uri().path().starts_with("/respond/") {
            return crate::respond::too_large(config.documents.document_max_bytes);
        }
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    next.run(request.map(|body| Body::new(http_body_util::Limited::new(body, limit))))
        .await
}

/// A multipart form as read: its text fields and its file, if one was chosen.
#[derive(Debug, Default)]
pub struct Form {
    pub fields: Vec<(String, String)>,
    pub file: Option<Upload>,
}

/// Why a form was not read.
#[derive(Debug)]
pub enum FormError {
    /// The file (or the whole form) is larger than allowed.
    TooLarge,
    /// Not a multipart form that can be read.
    Unreadable,
}

/// Text fields a form may have, and the bytes of one.
const MAX_FIELDS: usize = 500;
const MAX_TEXT_FIELD_BYTES: u64 = 32 * 1024;

/// Whether an error is a body limit reached (here, by tower-http's or [`body_limit`]'s).
pub fn is_length_limit(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(e) = current {
        if e.to_string().contains("length limit exceeded") {
            return true;
        }
        current = e.source();
    }
    false
}

/// Reads a `multipart/form-data` body with `content_type`: text fields, and the part named
/// `file_field` as the file (at most `max_file` bytes; a part without a file name and without
/// content, as a browser sends when no file was chosen, is no file).
pub async fn read_multipart(
    content_type: &str,
    body: Body,
    file_field: &str,
    max_file: usize,
) -> Result<Form, FormError> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| FormError::Unreadable)?;
    let max_file = u64::try_from(max_file).unwrap_or(u64::MAX);
    let overhead = u64::try_from(documents::FORM_OVERHEAD_BYTES).unwrap_or(u64::MAX);
    let limits = multer::SizeLimit::new()
        .whole_stream(max_file.saturating_add(overhead))
        .per_field(MAX_TEXT_FIELD_BYTES)
        .for_field(file_field.to_string(), max_file);
    let mut multipart = multer::Multipart::with_constraints(
        body.into_data_stream(),
        boundary,
        multer::Constraints::new().size_limit(limits),
    );
    let mut form = Form::default();
    let mut parts = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(classify)? {
        parts += 1;
        if parts > MAX_FIELDS {
            return Err(FormError::Unreadable);
        }
        let name = field.name().unwrap_or_default().to_string();
        if name == file_field {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let content_type = field.content_type().map(ToString::to_string);
            let mut content = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(classify)? {
                content.extend_from_slice(&chunk);
            }
            if !(file_name.is_empty() && content.is_empty()) {
                form.file = Some(Upload {
                    file_name,
                    content_type,
                    content,
                });
            }
        } else {
            let text = field.text().await.map_err(classify)?;
            form.fields.push((name, text));
        }
    }
    Ok(form)
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "it is given to `map_err`, which passes the error by value"
)]
fn classify(err: multer::Error) -> FormError {
    match &err {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
            FormError::TooLarge
        }
        multer::Error::StreamReadFailed(source) if is_length_limit(source.as_ref()) => {
            FormError::TooLarge
        }
        _ => FormError::Unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_of_a_download_is_quoted_safely_and_in_full() {
        assert_eq!(
            disposition("a\"b\\c;d.pdf"),
            "attachment; filename=\"a_b_c_d.pdf\"; filename*=UTF-8''a%22b%5Cc%3Bd.pdf"
        );
        assert_eq!(
            disposition("Löschung 1.pdf"),
            "attachment; filename=\"L_schung 1.pdf\"; filename*=UTF-8''L%C3%B6schung%201.pdf"
        );
    }
}
