//! The console: the web page at `GET /`, its modules and vendored libraries under `/console/`, and
//! GraphiQL at `GET /graphql`, all embedded in the binary from the `console/` folder.
//!
//! Every answer carries a strict Content-Security-Policy (no inline script, nothing from another
//! origin), `nosniff`, `no-referrer` and `frame-ancestors 'none'`. Files under `vendor/` are named
//! by their version and cached for a week; the console's own files are revalidated by ETag.
//!
//! A release build carries the files inside the binary; a debug build (rust-embed's default) reads
//! them from this checkout's `console/` folder, so a change to a view shows on reload.

use crate::state::AppState;
use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use register_access::page::secure;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../console/"]
#[exclude = "*.md"]
struct Assets;

/// The console's policy: its own scripts and styles only; `data:` for images only.
const CONSOLE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; manifest-src 'self'; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// GraphiQL's bundle embeds its fonts as `data:` URLs and CodeMirror sets style elements at run time.
const GRAPHIQL_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `GET /`: the console's single page.
pub async fn index(headers: HeaderMap) -> Response {
    asset("index.html", &headers, CONSOLE_CSP)
}

/// `GET /console/{*path}`: a module, style sheet, GraphQL document or vendored file.
pub async fn file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    asset(&path, &headers, CONSOLE_CSP)
}

/// `GET /graphql`: GraphiQL from the embedded bundle, with the signed-in user's token applied.
pub async fn graphiql(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !state.config.graphiql {
        let mut response = (StatusCode::NOT_FOUND, "GraphiQL is disabled").into_response();
        secure(response.headers_mut(), CONSOLE_CSP);
        return response;
    }
    asset("graphiql/index.html", &headers, GRAPHIQL_CSP)
}

fn asset(path: &str, request: &HeaderMap, csp: &'static str) -> Response {
    let Some(file) = Assets::get(path) else {
        let mut response = (StatusCode::NOT_FOUND, "not found").into_response();
        secure(response.headers_mut(), csp);
        return response;
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, file.data.into_owned()).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type(path));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, cache_control(path));
    secure(headers, csp);
    response
}

/// Vendored files carry their version in their folder's name, so they may be kept; the console's
/// own files change with the binary and are revalidated on every use (a 304 when unchanged).
fn cache_control(path: &str) -> HeaderValue {
    HeaderValue::from_static(if path.starts_with("vendor/") {
        "public, max-age=604800, immutable"
    } else {
        "no-cache"
    })
}

fn content_type(path: &str) -> HeaderValue {
    let ext = path.rsplit_once('.').map_or("", |(_, ext)| ext);
    HeaderValue::from_static(match ext {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "graphql" | "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_page_and_graphiql_bundle_are_embedded() {
        for path in [
            "index.html",
            "app.js",
            "graphiql/index.html",
            "vendor/graphiql-3.9.0/graphiql.min.js",
            "vendor/react-18.3.1/react.production.min.js",
            "vendor/react-dom-18.3.1/react-dom.production.min.js",
        ] {
            assert!(Assets::get(path).is_some(), "{path} is embedded");
        }
    }

    #[test]
    fn no_embedded_page_loads_anything_from_another_origin() {
        for path in Assets::iter() {
            if !(path.ends_with(".html") || path.ends_with(".js") || path.ends_with(".css"))
                || path.starts_with("vendor/")
            {
                continue;
            }
            let file = Assets::get(&path).expect("listed");
            let text = String::from_utf8_lossy(&file.data);
            for needle in [
                "src=\"http",
                "href=\"http",
                "url(http",
                "from \"http",
                "//unpkg",
                "//cdn",
            ] {
                assert!(!text.contains(needle), "{path} refers to {needle}");
            }
            assert!(
                !path.ends_with(".html") || !text.contains("<script>"),
                "{path} has an inline script"
            );
        }
    }
}
