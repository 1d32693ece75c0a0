//! The accept loop `serve` runs (and the tests, on a loopback port): HTTP/1.1 with upgrades
//! (WebSocket), `TCP_NODELAY` on every connection, and the limits that keep slow or hostile
//! clients from holding the server's file descriptors:
//!
//! - a request's headers must arrive within `REGISTER_HTTP_HEADER_TIMEOUT_SECS`, counted from
//!   the connection's opening, or from the first byte of a later request on a kept-alive one;
//! - a kept-alive connection waits at most `REGISTER_HTTP_IDLE_TIMEOUT_SECS` for its next request;
//! - at most `REGISTER_MAX_CONNECTIONS` connections in total and
//!   `REGISTER_MAX_CONNECTIONS_PER_ADDRESS` per client address (an IPv4 address, an IPv6 /64)
//!   are open at once, WebSockets included; one more is answered a bare `503` and closed.
//!
//! Bodies are bounded by the request timeout (`REGISTER_REQUEST_TIMEOUT_SECS`, which covers
//! reading them) and the body limit. Each request carries its peer's [`ConnectInfo`] and the
//! server's [`ShuttingDown`] signal, which WebSockets watch to close with `1001`.

use register_service::{Boxed, config, error};

use crate::config::Config;
use axum::{Router, extract::ConnectInfo};
use hyper::{rt::Sleep, rt::Timer, server::conn::http1, service::service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::{
    collections::HashMap,
    future::Future,
    io,
    net::{IpAddr, Ipv6Addr, SocketAddr},
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf},
    net::{TcpListener, TcpStream},
    task::JoinSet,
};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

/// Set when the server begins to shut down; a request extension, so long-lived responses
/// (WebSockets) can end in good order.
#[derive(Debug, Clone)]
pub struct ShuttingDown(pub CancellationToken);

/// The address a client is counted under: an IPv4 address (an IPv4-mapped IPv6 one as IPv4), or
/// the /64 prefix of an IPv6 address, since one IPv6 host commonly holds a whole /64.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting, lets requests
/// in flight finish (within the request timeout), closes WebSockets with `1001` and returns.
pub fn run<'a>(
    listener: TcpListener,
    config: &'a Config,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'a,
) -> Boxed<'a, io::Result<()>> {
    Box::pin(serve(listener, config, app, Box::pin(shutdown)))
}

async fn serve(
    listener: TcpListener,
    config: &Config,
    app: Router,
    mut shutdown: Boxed<'_, ()>,
) -> io::Result<()> {
    let counts = Arc::new(Counts::new(config));
    let stop = CancellationToken::new();
    let mut tasks = JoinSet::new();
    loop {
        let (tcp, peer) = tokio::select! {
            () = &mut shutdown => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // wait a little rather than spin, as axum's loop does.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::warn!(error = %err, "could not set TCP_NODELAY on a connection");
        }
        let place = match counts.admit(client_key(peer.ip())) {
            Ok(place) => place,
            Err(why) => {
                counts.refuse(tcp, why);
                continue;
            }
        };
        tasks.spawn(connection(
            Counted {
                tcp,
                reads: place.reads.clone(),
                _place: place,
            },
            peer,
            config,
            app.clone(),
            stop.clone(),
        ));
    }
    drop(listener);
    stop.cancel();
    // Requests in flight end within the request timeout; then WebSockets, told to close, go.
    let bound = config.request_timeout() + Duration::from_secs(5);
    let _ = tokio::time::timeout(bound, async { while tasks.join_next().await.is_some() {} }).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while counts.open() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    Ok(())
}

/// Serves one connection until it closes, is upgraded, or the server stops.
fn connection(
    io: Counted,
    peer: SocketAddr,
    config: &Config,
    app: Router,
    stop: CancellationToken,
) -> impl Future<Output = ()> + Send + 'static {
    let timer = HeadTimer {
        reads: io.reads.clone(),
        armed_before: AtomicBool::new(false),
        header: config.http_header_timeout(),
        idle: config.http_idle_timeout(),
    };
    let header = config.http_header_timeout();
    let shutting_down = ShuttingDown(stop.clone());
    let service = service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request.extensions_mut().insert(shutting_down.clone());
        app.clone().oneshot(request)
    });
    async move {
        let mut builder = http1::Builder::new();
        builder.timer(timer).header_read_timeout(header);
        let connection = builder
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades();
        let mut connection = std::pin::pin!(connection);
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(error = %err, %peer, "connection ended");
                }
            }
            () = stop.cancelled() => {
                connection.as_mut().graceful_shutdown();
                let _ = connection.await;
            }
        }
    }
}

/// Open connections, in total and by client address.
struct Counts {
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
    max: usize,
    per_address: usize,
    /// Refusals being written now: past a few, a refused connection is simply closed.
    refusing: Arc<AtomicUsize>,
}

const MAX_REFUSING: usize = 64;

impl Counts {
    fn new(config: &Config) -> Self {
        Self {
            open: Mutex::new((0, HashMap::new())),
            max: config.max_connections,
            per_address: config.max_connections_per_address,
            refusing: Arc::default(),
        }
    }

    fn admit(self: &Arc<Self>, address: IpAddr) -> Result<Place, &'static str> {
        let mut open = self
            .open
            .lock()
            .map_err(|_| "the connection counts are unavailable")?;
        if open.0 >= self.max {
            return Err(
                "this server holds as many connections as it allows (REGISTER_MAX_CONNECTIONS): try again shortly",
            );
        }
        let mine = open.1.entry(address).or_default();
        if *mine >= self.per_address {
            return Err(
                "this address holds as many connections as one address may (REGISTER_MAX_CONNECTIONS_PER_ADDRESS): close some first",
            );
        }
        *mine += 1;
        open.0 += 1;
        Ok(Place {
            counts: self.clone(),
            address,
            reads: Arc::default(),
        })
    }

    fn open(&self) -> usize {
        self.open.lock().map_or(0, |open| open.0)
    }

    /// Answers a bare `503` on the raw socket and closes it, reading (briefly) what the client
    /// sent meanwhile so the close is not a reset that would hide the answer.
    fn refuse(&self, mut tcp: TcpStream, why: &'static str) {
        if self.refusing.fetch_add(1, Ordering::SeqCst) >= MAX_REFUSING {
            self.refusing.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        let refusing = self.refusing.clone();
        tokio::spawn(async move {
            let body = serde_json::json!({ "errors": [{ "message": why,
                "extensions": { "code": crate::error::codes::CONFLICT, "reason": "BUSY" } }] })
            .to_string();
            let response = format!(
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\nretry-after: 1\r\n\r\n{body}",
                body.len()
            );
            let _ = tokio::time::timeout(Duration::from_secs(1), async {
                tcp.write_all(response.as_bytes()).await?;
                tcp.shutdown().await?;
                let mut sink = [0u8; 4096];
                while tcp.read(&mut sink).await? > 0 {}
                io::Result::Ok(())
            })
            .await;
            refusing.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// One connection's place in [`Counts`], freed when the connection (or the WebSocket it became)
/// is dropped.
struct Place {
    counts: Arc<Counts>,
    address: IpAddr,
    /// Reads that returned data, for [`HeadTimer`].
    reads: Arc<AtomicU64>,
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Ok(mut open) = self.counts.open.lock() {
            open.0 = open.0.saturating_sub(1);
            if let Some(n) = open.1.get_mut(&self.address) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.1.remove(&self.address);
                }
            }
        }
    }
}

/// A connection's socket holding its [`Place`], so an upgraded connection keeps counting, and
/// counting the reads that bring data.
struct Counted {
    tcp: TcpStream,
    reads: Arc<AtomicU64>,
    _place: Place,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.tcp).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.reads.fetch_add(1, Ordering::Relaxed);
        }
        polled
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// hyper's timer for one connection. hyper arms its header timeout whenever it waits for a
/// request head, from the connection's opening and again after each response, so on its own it
/// would also close a kept-alive connection after the (short) header timeout. The deadline it
/// gets here is: the header timeout from the opening, for the first request; for a later one,
/// the idle timeout while nothing arrives, then the header timeout from the first byte.
struct HeadTimer {
    reads: Arc<AtomicU64>,
    armed_before: AtomicBool,
    header: Duration,
    idle: Duration,
}

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        TokioTimer::new().sleep(duration)
    }

    fn sleep_until(&self, _deadline: Instant) -> Pin<Box<dyn Sleep>> {
        let first = !self.armed_before.swap(true, Ordering::SeqCst);
        let now = Instant::now();
        let deadline = now + if first { self.header } else { self.idle };
        Box::pin(HeadDeadline {
            reads: self.reads.clone(),
            reads_when_armed: self.reads.load(Ordering::Relaxed),
            armed: now,
            started: first.then_some(now),
            header: self.header,
            idle: self.idle,
            sleep: Box::pin(tokio::time::sleep_until(deadline.into())),
        })
    }
}

/// The deadline of one request head (see [`HeadTimer`]); polled by hyper whenever the
/// connection wakes while the head is incomplete, so a first byte moves it at once.
struct HeadDeadline {
    reads: Arc<AtomicU64>,
    reads_when_armed: u64,
    armed: Instant,
    started: Option<Instant>,
    header: Duration,
    idle: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Sleep for HeadDeadline {}

impl Future for HeadDeadline {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.started.is_none() && this.reads.load(Ordering::Relaxed) > this.reads_when_armed {
            this.started = Some(Instant::now());
        }
        let deadline = match this.started {
            Some(started) => started + this.header,
            None => this.armed + this.idle,
        };
        let deadline = tokio::time::Instant::from_std(deadline);
        if this.sleep.deadline() != deadline {
            this.sleep.as_mut().reset(deadline);
        }
        this.sleep.as_mut().poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::client_key;
    use std::net::IpAddr;

    #[test]
    fn clients_are_counted_by_ipv4_address_or_ipv6_prefix() {
        let key = |s: &str| client_key(s.parse::<IpAddr>().expect("address"));
        assert_eq!(key("192.0.2.7"), key("192.0.2.7"));
        assert_ne!(key("192.0.2.7"), key("192.0.2.8"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }
}
