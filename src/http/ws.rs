//! `GET /graphql/ws`: subscriptions over WebSocket (`graphql-transport-ws` or `graphql-ws`).
//!
//! The caller is named by `Authorization: Bearer` on the upgrade request or, as browsers cannot
//! set that header, by an `Authorization` (or `authorization`) entry of `connection_init`'s payload.

use super::{authenticate, authenticate_token};
use crate::{
    graphql::{
        context::{Auth, RequestContext},
        loaders::Loaders,
    },
    state::AppState,
};
use async_graphql::{Data, http::ALL_WEBSOCKET_PROTOCOLS};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    extract::{State, WebSocketUpgrade},
    http::HeaderMap,
    response::Response,
};

pub async fn graphql_ws(
    State(state): State<AppState>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let from_header = authenticate(&state, &headers)
        .await
        .unwrap_or(Auth::Rejected);
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            let schema = state.schema.clone();
            GraphQLWebSocket::new(stream, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let auth = match payload_token(&payload) {
                        Some(token) => authenticate_token(&state, token).await?,
                        None => from_header,
                    };
                    Ok(connection_data(&state, auth))
                })
                .serve()
        })
}

fn payload_token(payload: &serde_json::Value) -> Option<&str> {
    ["Authorization", "authorization"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
        .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).trim())
}

/// What each subscription of the connection may read, as `execute` gives a query.
fn connection_data(state: &AppState, auth: Auth) -> Data {
    let mut data = Data::default();
    data.insert(Loaders::new(&state.db));
    data.insert(RequestContext {
        db: state.db.clone(),
        reference: state.reference.clone(),
        config: state.config.clone(),
        auth,
    });
    data.insert(state.dsr.clone());
    data
}
