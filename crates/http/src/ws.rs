//! `GET /graphql/ws`: subscriptions (and any other operation) over WebSocket, in the
//! `graphql-transport-ws` or `graphql-ws` protocol.
//!
//! Every socket must name a valid token: by `Authorization: Bearer` on the upgrade request
//! (checked before the upgrade; such a socket takes a place of `REGISTER_MAX_SOCKETS` at once) or,
//! as browsers cannot set that header, by an `Authorization` (or `authorization`) entry of
//! `connection_init`'s payload. Until then a socket holds a place of its client address's small
//! allowance (`REGISTER_WS_UNAUTHENTICATED_PER_ADDRESS`), not of the main pool, and has
//! `REGISTER_WS_INIT_TIMEOUT_SECS` to authenticate; an init without a valid token is refused.
//!
//! A socket is a session, not a credential: every operation on it authenticates the token again
//! and runs as an HTTP request runs ([`super::execute_as`]: the same schema limits, error
//! normalisation and hints), and a subscription checks the token again before each push. A
//! message is at most `REGISTER_MAX_BODY_BYTES`. A watchdog closes the socket, ending its
//! subscriptions, when the token is revoked or expires, when no `connection_init` arrives in time,
//! when the socket sits idle, when it reaches its maximum lifetime, or when the server stops.
//!
//! Close codes (graphql-transport-ws's where it has one): `4403` an init without a valid token,
//! or a token revoked or expired meanwhile; `4408` no `connection_init` in time; `1001` idle,
//! maximum lifetime, or the server shutting down; `1009` a message over the size limit; `1013`
//! the server holds as many authenticated sockets as it allows.

use super::{authenticate, authenticate_token, new_request_id, server};
use crate::{graphql::context::Auth, service::limits::UnauthenticatedSocket, state::AppState};
use async_graphql::{
    Data, Executor, Request, Response,
    http::{ALL_WEBSOCKET_PROTOCOLS, WebSocket as ProtocolStream, WebSocketProtocols, WsMessage},
};
use axum::{
    Extension,
    extract::{
        ConnectInfo, State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket},
    },
    http::{
        HeaderMap, StatusCode,
        header::{AUTHORIZATION, SEC_WEBSOCKET_PROTOCOL},
    },
    response::{IntoResponse, Response as HttpResponse},
};
use futures_util::{SinkExt, StreamExt, future, stream::BoxStream};
use serde_json::json;
use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::OwnedSemaphorePermit;
use tokio_util::sync::CancellationToken;

/// How often an open socket's token is checked again, so that revocation ends its subscriptions
/// (a push checks it too, at once).
const REVALIDATE_EVERY: Duration = Duration::from_secs(5);

/// Close codes, as graphql-transport-ws and RFC 6455 define them.
mod close {
    pub const GOING_AWAY: u16 = 1001;
    pub const TOO_BIG: u16 = 1009;
    pub const INTERNAL: u16 = 1011;
    pub const TRY_AGAIN_LATER: u16 = 1013;
    pub const FORBIDDEN: u16 = 4403;
    pub const INIT_TIMEOUT: u16 = 4408;
}

pub async fn graphql_ws(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    shutting_down: Option<Extension<server::ShuttingDown>>,
) -> HttpResponse {
    let Some(protocol) = graphql_protocol(&headers) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    // Without the peer's address (a router served without it) every client is one address.
    let address = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| {
        server::client_key(p.0.0.ip())
    });
    // A place is taken before the upgrade and held by the socket until it closes.
    let (place, token) = match admit(&state, &headers, address).await {
        Ok(admitted) => admitted,
        Err(refusal) => return refusal,
    };
    let session = Arc::new(Session::new(token, place));
    let shutting_down = shutting_down.map(|s| s.0.0);
    let limit = state.config.max_body_bytes;
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| serve(state, socket, protocol, session, shutting_down))
}

/// The GraphQL protocol the client asks for (`Sec-WebSocket-Protocol`), as async-graphql-axum's
/// extractor reads it.
fn graphql_protocol(headers: &HeaderMap) -> Option<WebSocketProtocols> {
    headers
        .get(SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?
        .split(',')
        .find_map(|p| p.trim().parse().ok())
}

/// The place of a new socket: the main pool for a valid token on the upgrade, the address's
/// allowance without one; a token given but not valid is refused before the upgrade.
async fn admit(
    state: &AppState,
    headers: &HeaderMap,
    address: IpAddr,
) -> Result<(Place, Option<String>), HttpResponse> {
    let busy = |err: crate::error::AppError| {
        super::refusals::graphql_error(
            StatusCode::SERVICE_UNAVAILABLE,
            &err.to_string(),
            &json!({ "code": err.code(), "reason": "BUSY" }),
        )
    };
    if headers.get(AUTHORIZATION).is_none()
        && let Some(value) = super::auth::session_cookie(headers)
        && state.sign_in.is_some()
    {
        return admit_session(state, headers, value)
            .await
            .map_err(|refusal| {
                if refusal.0 == StatusCode::INTERNAL_SERVER_ERROR {
                    tracing::error!(error = %refusal.1, "authenticating a WebSocket failed");
                }
                super::refusals::graphql_error(refusal.0, &refusal.1, &json!({ "code": refusal.2 }))
            });
    }
    if headers.get(AUTHORIZATION).is_none() {
        return state
            .limits
            .open_unauthenticated_socket(address)
            .map(|guard| (Place::Unauthenticated(guard), None))
            .map_err(busy);
    }
    match authenticate(state, headers).await {
        Ok(Auth::Token(_)) => {
            let token = register_access::bearer_token(headers).map(str::to_owned);
            let permit = state.limits.open_socket().map_err(busy)?;
            Ok((Place::Authenticated(permit), token))
        }
        Ok(_) => Err(super::refusals::graphql_error(
            StatusCode::UNAUTHORIZED,
            "the bearer token is unknown, revoked or expired",
            &json!({ "code": crate::error::codes::UNAUTHENTICATED }),
        )),
        Err(err) => {
            tracing::error!(error = %err, "authenticating a WebSocket failed");
            Err(super::refusals::graphql_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                &json!({ "code": crate::error::codes::INTERNAL }),
            ))
        }
    }
}

/// A socket of the console, by its session cookie: only from the register's own origin (a page
/// of another site could otherwise open it with the person's cookie), and only a live session.
/// The socket then authenticates its operations by the session, as it would by a token.
async fn admit_session(
    state: &AppState,
    headers: &HeaderMap,
    value: &str,
) -> Result<(Place, Option<String>), (StatusCode, String, &'static str)> {
    use crate::error::codes;
    let own = state
        .sign_in
        .as_ref()
        .map(|p| p.settings.public_url.origin().ascii_serialization());
    let origin = headers
        .get(axum::http::header::ORIGIN)
        .and_then(|o| o.to_str().ok());
    if let Some(origin) = origin
        && Some(origin) != own.as_deref()
    {
        return Err((
            StatusCode::FORBIDDEN,
            format!(
                "a WebSocket signed in by the session cookie must come from the register's own pages, not {origin}"
            ),
            codes::FORBIDDEN,
        ));
    }
    let credential = format!("{}{value}", super::auth::WS_SESSION);
    match super::authenticate_token(state, &credential).await {
        Ok(Auth::Token(_)) => {
            let permit = state.limits.open_socket().map_err(|err| {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    err.to_string(),
                    codes::CONFLICT,
                )
            })?;
            Ok((Place::Authenticated(permit), Some(credential)))
        }
        Ok(_) => Err((
            StatusCode::UNAUTHORIZED,
            "the session has ended or expired: sign in again".into(),
            codes::UNAUTHENTICATED,
        )),
        Err(err) => Err((
            StatusCode::INTERNAL_SERVER_ERROR,
            err.to_string(),
            codes::INTERNAL,
        )),
    }
}

/// Drives the protocol between the socket and the executor, and closes the socket with the
/// session's close code when the session ends first.
async fn serve(
    state: AppState,
    socket: WebSocket,
    protocol: WebSocketProtocols,
    session: Arc<Session>,
    shutting_down: Option<CancellationToken>,
) {
    let (mut sink, stream) = socket.split();
    let seen = session.clone();
    let input = stream
        .inspect(move |_| seen.touch())
        .take_while({
            let session = session.clone();
            move |message| {
                if let Err(err) = message {
                    session.read_failed(err);
                }
                future::ready(message.is_ok())
            }
        })
        .filter_map(|message| {
            future::ready(match message {
                Ok(message @ (Message::Text(_) | Message::Binary(_))) => Some(message.into_data()),
                _ => None,
            })
        });
    let watchdog = tokio::spawn(watch(state.clone(), session.clone(), shutting_down));
    let executor = SocketExecutor {
        state: state.clone(),
        session: session.clone(),
    };
    let on_init = session.clone();
    let protocol_stream = ProtocolStream::new(executor, input, protocol).on_connection_init(
        move |payload| async move {
            match on_init.initialise(&state, payload_token(&payload)).await {
                Ok(()) => Ok(Data::default()),
                Err(reason) => Err(reason.into()),
            }
        },
    );
    let mut protocol_stream = std::pin::pin!(protocol_stream);
    loop {
        let message = tokio::select! {
            () = session.closed.cancelled() => break,
            message = protocol_stream.next() => message,
        };
        match message {
            Some(WsMessage::Text(text)) => {
                if sink.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            // The protocol's own close (a refused init, a protocol error): the session's
            // reason, when it has one, is the more precise.
            Some(WsMessage::Close(code, reason)) => {
                session.close(code, reason);
                break;
            }
            None => break,
        }
    }
    if let Some((code, reason)) = session.close_reason() {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = sink.send(Message::Close(Some(frame))).await;
    }
    let _ = sink.close().await;
    session.closed.cancel();
    let _ = watchdog.await;
}

/// Where a socket counts: the allowance of its address until it authenticates, then the main pool.
/// Held, never read: dropping it frees the place.
#[allow(dead_code, reason = "held for its Drop")]
enum Place {
    Unauthenticated(UnauthenticatedSocket),
    Authenticated(OwnedSemaphorePermit),
}

/// One socket's state: the token it presented, when it last heard from the client, its place,
/// and the signal (with the code) that closes it.
struct Session {
    token: Mutex<Option<String>>,
    initialised: AtomicBool,
    opened: Instant,
    last_seen: Mutex<Instant>,
    active_operations: AtomicUsize,
    place: Mutex<Option<Place>>,
    close_reason: Mutex<Option<(u16, String)>>,
    closed: CancellationToken,
}

impl Session {
    fn new(header_token: Option<String>, place: Place) -> Self {
        Self {
            token: Mutex::new(header_token),
            initialised: false.into(),
            opened: Instant::now(),
            last_seen: Mutex::new(Instant::now()),
            active_operations: AtomicUsize::new(0),
            place: Mutex::new(Some(place)),
            close_reason: Mutex::new(None),
            closed: CancellationToken::new(),
        }
    }

    /// `connection_init`: the payload's token (or else the upgrade's) must be valid; a socket
    /// still on its address's allowance moves to the main pool. A refusal closes the socket.
    async fn initialise(
        &self,
        state: &AppState,
        payload_token: Option<&str>,
    ) -> Result<(), String> {
        let outcome = self.admit(state, payload_token).await;
        if let Err((code, reason)) = &outcome {
            self.close(*code, reason.clone());
            tracing::info!(code, reason, "refused a WebSocket's connection_init");
        }
        outcome.map_err(|(_, reason)| reason)
    }

    async fn admit(
        &self,
        state: &AppState,
        payload_token: Option<&str>,
    ) -> Result<(), (u16, String)> {
        let forbidden = |why: &str| (close::FORBIDDEN, format!("Forbidden: {why}"));
        // A session is taken from the cookie of the upgrade only (its origin checked there).
        let payload_token = payload_token.filter(|t| !t.starts_with(super::auth::WS_SESSION));
        let token = payload_token.map(str::to_owned).or_else(|| self.token());
        let Some(token) = token else {
            return Err(forbidden("connection_init names no token"));
        };
        match authenticate_token(state, &token).await {
            Ok(Auth::Token(_)) => {}
            Ok(_) => return Err(forbidden("the token is unknown, revoked or expired")),
            Err(_) => return Err((close::INTERNAL, "internal error".into())),
        }
        let mut place = self
            .place
            .lock()
            .map_err(|_| (close::INTERNAL, "internal error".to_string()))?;
        if !matches!(*place, Some(Place::Authenticated(_))) {
            let permit = state.limits.open_socket().map_err(|_| {
                (
                    close::TRY_AGAIN_LATER,
                    "Try again later: the server holds its limit of sockets (REGISTER_MAX_SOCKETS)"
                        .to_string(),
                )
            })?;
            // The allowance's place is freed as the main pool's is taken.
            *place = Some(Place::Authenticated(permit));
        }
        drop(place);
        if let Ok(mut slot) = self.token.lock() {
            *slot = Some(token);
        }
        self.initialised.store(true, Ordering::SeqCst);
        Ok(())
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

    /// Closes the socket with `code`; the first reason given is the one sent.
    fn close(&self, code: u16, reason: impl Into<String>) {
        if let Ok(mut slot) = self.close_reason.lock()
            && slot.is_none()
        {
            // A close frame's reason is at most 123 bytes.
            let mut reason: String = reason.into();
            while reason.len() > 123 {
                reason.pop();
            }
            *slot = Some((code, reason));
        }
        self.closed.cancel();
    }

    fn close_reason(&self) -> Option<(u16, String)> {
        self.close_reason.lock().ok().and_then(|r| r.clone())
    }

    /// A read failed: a message over the size limit is said so; anything else just ends it.
    fn read_failed(&self, err: &axum::Error) {
        let text = err.to_string();
        if text.contains("Space limit exceeded") || text.contains("too long") {
            self.close(
                close::TOO_BIG,
                "Message too big: the limit is REGISTER_MAX_BODY_BYTES",
            );
        }
    }
}

/// Closes the socket when its token stops being valid, a time limit passes or the server stops.
async fn watch(state: AppState, session: Arc<Session>, shutting_down: Option<CancellationToken>) {
    let limits = &state.config;
    let mut last_check = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let stopping = async {
        match &shutting_down {
            Some(token) => token.cancelled().await,
            None => future::pending().await,
        }
    };
    let mut stopping = std::pin::pin!(stopping);
    loop {
        tokio::select! {
            () = session.closed.cancelled() => return,
            () = &mut stopping => {
                session.close(close::GOING_AWAY, "the server is shutting down");
                return;
            }
            _ = tick.tick() => {}
        }
        let initialised = session.initialised.load(Ordering::SeqCst);
        let busy = session.active_operations.load(Ordering::SeqCst) > 0;
        let reason = if !initialised && session.opened.elapsed() > limits.ws_init_timeout() {
            Some((close::INIT_TIMEOUT, "Connection initialisation timeout"))
        } else if session.opened.elapsed() > limits.ws_max_lifetime() {
            Some((
                close::GOING_AWAY,
                "the socket reached its maximum lifetime: reconnect",
            ))
        } else if !busy && session.idle_for() > limits.ws_idle_timeout() {
            Some((close::GOING_AWAY, "the socket was idle"))
        } else if last_check.elapsed() >= REVALIDATE_EVERY {
            last_check = Instant::now();
            match session.token() {
                Some(token) => match authenticate_token(&state, &token).await {
                    // A database hiccup is not a revocation: check again next time.
                    Ok(Auth::Token(_)) | Err(_) => None,
                    Ok(_) => Some((
                        close::FORBIDDEN,
                        "Forbidden: the token was revoked or has expired",
                    )),
                },
                None => None,
            }
        } else {
            None
        };
        if let Some((code, reason)) = reason {
            tracing::info!(code, reason, "closing a WebSocket");
            session.close(code, reason);
            return;
        }
    }
}

/// Runs each operation of one socket as HTTP runs a request: authenticated now, with a fresh
/// context, under the same limits, its errors normalised.
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
        let auth = self.auth().await;
        super::execute_as(&self.state, auth, new_request_id(), request).await
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
            let prepared = crate::prepare(&this.state, auth.clone(), request_id.clone(), request);
            let guard = ActiveOperation::new(this.session.clone());
            let pushes = this.state.schema.execute_stream(prepared);
            let checker = this.clone();
            let checked = matches!(auth, Auth::Token(_));
            pushes
                .enumerate()
                .then(move |(n, response)| {
                    let checker = checker.clone();
                    async move {
                        // No push for a token revoked or expired since the operation was
                        // authenticated (just before its first response): the subscription
                        // ends and the socket closes.
                        if n == 0 || !checked || matches!(checker.auth().await, Auth::Token(_)) {
                            Some(response)
                        } else {
                            checker.session.close(
                                close::FORBIDDEN,
                                "Forbidden: the token was revoked or has expired",
                            );
                            None
                        }
                    }
                })
                .take_while(|response| future::ready(response.is_some()))
                .filter_map(future::ready)
                .map(move |response| {
                    let _active = &guard;
                    super::finish(
                        &this.state,
                        &auth,
                        &request_id,
                        operation.as_deref(),
                        response,
                    )
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
