//! The group's sub-processor list, published for its customers without a token when
//! `REGISTER_PUBLISH_SUBPROCESSORS=true` (else 404): `/subprocessors` (HTML),
//! `/subprocessors.json` and `/subprocessors.atom` (one entry per announced change).

use crate::{
    page::{document, esc, html},
    state::AppState,
};
use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use register_sheets::export::subprocessors::{PublishedList, published};

async fn list(state: &AppState) -> Result<PublishedList, Response> {
    if !state.config.publish_subprocessors {
        return Err(StatusCode::NOT_FOUND.into_response());
    }
    published(&state.read_db).await.map_err(|e| {
        tracing::error!(error = ?e, "building the published sub-processor list failed");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    })
}

/// `GET /subprocessors`: the list as a page.
pub async fn page(State(state): State<AppState>) -> Response {
    match list(&state).await {
        Ok(list) => html(StatusCode::OK, render(&list)),
        Err(refused) => refused,
    }
}

/// `GET /subprocessors.json`: the list as JSON (shape in the README).
pub async fn json(State(state): State<AppState>) -> Response {
    match list(&state).await {
        Ok(list) => axum::Json(list).into_response(),
        Err(refused) => refused,
    }
}

/// `GET /subprocessors.atom`: the announced changes as an Atom feed.
pub async fn atom(State(state): State<AppState>) -> Response {
    match list(&state).await {
        Ok(list) => (
            [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
            feed(&list, &state.config.public_base()),
        )
            .into_response(),
        Err(refused) => refused,
    }
}

fn render(list: &PublishedList) -> String {
    let mut body = String::from(
        "<h1>Our sub-processors</h1><table><thead><tr><th>Sub-processor</th><th>Country</th><th>Service</th><th>Data</th><th>Safeguard</th></tr></thead><tbody>",
    );
    for s in &list.subprocessors {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.name),
            esc(&s.country),
            esc(&s.service),
            esc(&s.data_categories.join("; ")),
            esc(&s.safeguard)
        ));
    }
    body.push_str("</tbody></table><h2>Announced changes</h2>");
    if list.changes.is_empty() {
        body.push_str("<p>None.</p>");
    } else {
        body.push_str("<table><thead><tr><th>Change</th><th>Sub-processor</th><th>Country</th><th>Takes effect</th><th>Objections until</th></tr></thead><tbody>");
        for c in &list.changes {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&c.change),
                esc(&c.subprocessor),
                esc(&c.country),
                c.effective_on,
                c.objection_deadline
                    .map_or_else(|| "-".to_string(), |d| d.to_string())
            ));
        }
        body.push_str("</tbody></table>");
    }
    body.push_str("<p><a href=\"/subprocessors.atom\">Atom feed of changes</a> · <a href=\"/subprocessors.json\">JSON</a></p>");
    document("Our sub-processors", &body, None)
}

/// The Atom feed (RFC 4287): one entry per announced change, newest announcement first.
fn feed(list: &PublishedList, base: &str) -> String {
    let updated = list
        .changes
        .iter()
        .map(|c| c.announced_on)
        .max()
        .map_or_else(|| "1970-01-01".to_string(), |d| d.to_string());
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>Sub-processor changes</title><id>{base}/subprocessors</id>\
         <link rel=\"self\" href=\"{base}/subprocessors.atom\"/>\
         <link rel=\"alternate\" href=\"{base}/subprocessors\"/>\
         <updated>{updated}T00:00:00Z</updated><author><name>{author}</name></author>",
        base = esc(base),
        author = "Sub-processor list"
    );
    let mut changes: Vec<_> = list.changes.iter().collect();
    changes.sort_by(|a, b| b.announced_on.cmp(&a.announced_on).then(b.id.cmp(&a.id)));
    for c in changes {
        let deadline = c
            .objection_deadline
            .map_or_else(String::new, |d| format!(" Objections until {d}."));
        out.push_str(&format!(
            "<entry><title>{title}</title><id>{base}/subprocessors#change-{id}</id>\
             <updated>{announced}T00:00:00Z</updated>\
             <summary>{summary}</summary></entry>",
            title = esc(&format!("{}: {}", c.change, c.subprocessor)),
            base = esc(base),
            id = c.id,
            announced = c.announced_on,
            summary = esc(&format!(
                "{} ({}), takes effect on {}.{deadline}",
                c.subprocessor, c.country, c.effective_on
            )),
        ));
    }
    out.push_str("</feed>\n");
    out
}
