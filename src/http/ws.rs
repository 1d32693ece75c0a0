//! `GET /graphql/ws`: subscriptions (and any other operation) over WebSocket, in the
//! `graphql-transport-ws` or `graphql-ws` protocol.
//!
//! The caller is named by `Authorization: Bearer` on the upgrade request or, as browsers cannot
//! set that header, by an `Authorization` (or `authorization`) entry of `connection_init`'s payload.
//!
//! A socket is a session, not a credential: every operation on it authenticates the token again
//! and gets its own request context ([`context::prepare`], as over HTTP). A watchdog closes the
//! socket, ending its subscriptions, when the token is revoked or expires, when no
//! `connection_init` arrives in time, when the socket sits idle, or when it reaches its maximum
//! lifetime.

use super::{authenticate_token, bearer_token, new_request_id};
use crate::{
    graphql::{
        context::{self, Auth},
        errors,
    },
    service::tokens,
    state::AppState,
};
use async_graphql::{Data, Executor, Request, Response, http::ALL_WEBSOCKET_PROTOCOLS};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    extract::{State, WebSocketUpgrade},
    http::{HeaderMap, StatusCode},
    response::Response as HttpResponse,
};
use futures_util::{StreamExt, stream::BoxStream};
use serde_json::json;
use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};
use tokio_util::sync::CancellationToken;

/// How often an open socket's token is checked again, so that revocation ends its subscriptions.
const REVALIDATE_EVERY: Duration = Duration::from_secs(5);

pub async fn graphql_ws(
    State(state): State<AppState>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> HttpResponse {
    // A place is taken before the upgrade and held by the socket until it closes: sockets that
    // never send `connection_init` count too.
    let place = match state.limits.open_socket() {
        Ok(place) => place,
        Err(err) => {
            return super::refusals::graphql_error(
                StatusCode::SERVICE_UNAVAILABLE,
                &err.to_string(),
                json!({ "code": err.code(), "reason": "BUSY" }),
            );
        }
    };
    let header_token = bearer_token(&headers).map(str::to_owned);
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            serve(state, socket, protocol, header_token).await;
            drop(place);
        })
}

async fn serve(
    state: AppState,
    socket: axum::extract::ws::WebSocket,
    protocol: GraphQLProtocol,
    header_token: Option<String>,
) {
    let session = Arc::new(Session::new(header_token));
    let (sink, stream) = socket.split();
    let seen = session.clone();
    let input = stream
        .inspect(move |_| seen.touch())
        .take_until(session.closed.clone().cancelled_owned());
    let watchdog = tokio::spawn(watch(state.clone(), session.clone()));
    let executor = SocketExecutor {
        state,
        session: session.clone(),
    };
    let on_init = session.clone();
    GraphQLWebSocket::new_with_pair(sink, input, executor, protocol)
        .on_connection_init(move |payload| async move {
            on_init.initialise(payload_token(&payload));
            Ok(Data::default())
        })
        .serve()
        .await;
    session.closed.cancel();
    let _ = watchdog.await;
}

/// One socket's state: the token it presented, when it last heard from the client, and the
/// signal that closes it.
struct Session {
    token: Mutex<Option<String>>,
    initialised: std::sync::atomic::AtomicBool,
    opened: Instant,
    last_seen: Mutex<Instant>,
    active_operations: AtomicUsize,
    closed: CancellationToken,
}

impl Session {
    fn new(header_token: Option<String>) -> Self {
        Self {
            token: Mutex::new(header_token),
            initialised: false.into(),
            opened: Instant::now(),
            last_seen: Mutex::new(Instant::now()),
            active_operations: AtomicUsize::new(0),
            closed: CancellationToken::new(),
        }
    }

    fn initialise(&self, payload_token: Option<&str>) {
        if let Some(token) = payload_token
            && let Ok(mut slot) = self.token.lock()
        {
            *slot = Some(token.to_owned());
        }
        self.initialised.store(true, Ordering::SeqCst);
    }

    fn token(&self) -> Option<String> {
        self.token.lock().ok().and_then(|t| t.clone())
    }

    fn touch(&self) {
        if let Ok(mut at) = self.last_seen.lock() {
            *at = Instant::now();
        }
    }

    fn idle_for(&self) -> Duration {
        self.last_seen
            .lock()
            .map_or(Duration::ZERO, |at| at.elapsed())
    }
}

/// Closes the socket when its token stops being valid or a time limit passes.
async fn watch(state: AppState, session: Arc<Session>) {
    let limits = &state.config;
    let mut last_check = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            () = session.closed.cancelled() => return,
            _ = tick.tick() => {}
        }
        let initialised = session.initialised.load(Ordering::SeqCst);
        let busy = session.active_operations.load(Ordering::SeqCst) > 0;
        let reason = if !initialised && session.opened.elapsed() > limits.ws_init_timeout() {
            Some("no connection_init in time")
        } else if session.opened.elapsed() > limits.ws_max_lifetime() {
            Some("the socket reached its maximum lifetime")
        } else if !busy && session.idle_for() > limits.ws_idle_timeout() {
            Some("the socket was idle")
        } else {
            None
        };
        let reason = match reason {
            Some(reason) => Some(reason),
            None if last_check.elapsed() >= REVALIDATE_EVERY => {
                last_check = Instant::now();
                match session.token() {
                    Some(token) => match tokens::authenticate(&state.read_db, &token).await {
                        Ok(Some(_)) => None,
                        Ok(None) => Some("the token was revoked or has expired"),
                        // A database hiccup is not a revocation: check again next time.
                        Err(_) => None,
                    },
                    None => None,
                }
            }
            None => None,
        };
        if let Some(reason) = reason {
            tracing::info!(reason, "closing a WebSocket");
            session.closed.cancel();
            return;
        }
    }
}

/// Runs each operation of one socket as HTTP runs a request: authenticated now, with a fresh
/// context, its errors normalised.
#[derive(Clone)]
struct SocketExecutor {
    state: AppState,
    session: Arc<Session>,
}

impl SocketExecutor {
    async fn auth(&self) -> Auth {
        match self.session.token() {
            None => Auth::Anonymous,
            Some(token) => authenticate_token(&self.state, &token)
                .await
                .unwrap_or(Auth::Rejected),
        }
    }
}

impl Executor for SocketExecutor {
    async fn execute(&self, request: Request) -> Response {
        let request_id = new_request_id();
        let auth = self.auth().await;
        let operation = request.operation_name.clone();
        let request = context::prepare(&self.state, auth.clone(), request_id.clone(), request);
        let response = self.state.schema.execute(request).await;
        let origin = errors::Origin {
            request_id: &request_id,
            auth: &auth,
            operation: operation.as_deref(),
            refusals: &self.state.refusals,
        };
        errors::normalise(response, &self.state.field_index, &origin)
    }

    fn execute_stream(
        &self,
        request: Request,
        _connection_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let this = self.clone();
        let closed = self.session.closed.clone();
        futures_util::stream::once(async move {
            let request_id = new_request_id();
            let auth = this.auth().await;
            let operation = request.operation_name.clone();
            let request = context::prepare(&this.state, auth.clone(), request_id.clone(), request);
            let guard = ActiveOperation::new(this.session.clone());
            let index = this.state.field_index.clone();
            let refusals = this.state.refusals.clone();
            this.state
                .schema
                .execute_stream(request)
                .map(move |response| {
                    let _active = &guard;
                    let origin = errors::Origin {
                        request_id: &request_id,
                        auth: &auth,
                        operation: operation.as_deref(),
                        refusals: &refusals,
                    };
                    errors::normalise(response, &index, &origin)
                })
        })
        .flatten()
        .take_until(closed.cancelled_owned())
        .boxed()
    }
}

/// Counts an operation as running while its stream lives, so that a socket holding a
/// subscription is not idle.
struct ActiveOperation(Arc<Session>);

impl ActiveOperation {
    fn new(session: Arc<Session>) -> Self {
        session.active_operations.fetch_add(1, Ordering::SeqCst);
        Self(session)
    }
}

impl Drop for ActiveOperation {
    fn drop(&mut self) {
        self.0.active_operations.fetch_sub(1, Ordering::SeqCst);
    }
}

fn payload_token(payload: &serde_json::Value) -> Option<&str> {
    ["Authorization", "authorization"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
        .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).trim())
}
