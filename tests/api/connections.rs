//! The server's own limits on connections, driven over raw TCP on a loopback port: slow
//! headers and idle kept-alive connections are closed, connections over the total or one
//! address's limit get a bare `503`, and the server keeps answering others meanwhile. Every wait
//! is bounded; no test asserts how long anything took.

use crate::{db_tests, support::TestApp};
use futures::StreamExt;
use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    time::Duration,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};
use tokio_tungstenite::tungstenite::Message;
use transfer_register::domain::vocab::Role;

db_tests!(
    a_connection_that_never_finishes_its_headers_is_closed,
    a_client_trickling_its_headers_is_closed_too,
    an_idle_kept_alive_connection_is_closed,
    connections_over_the_per_address_limit_get_503_and_other_clients_are_served,
    connections_over_the_total_limit_get_503,
    stopping_the_server_closes_its_sockets_with_1001,
);

const ANOTHER_CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: register\r\n\r\n";

fn address(base: &str) -> SocketAddr {
    base.trim_start_matches("http://")
        .parse()
        .expect("a socket address")
}

/// A TCP connection to `to` from the loopback address `from`.
async fn connect_from(from: IpAddr, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::new(from, 0)).expect("bind");
    socket.connect(to).await.expect("connect")
}

/// Reads until the server closes the connection; panics if it is still open after `bound`.
async fn closed_within(stream: &mut TcpStream, bound: Duration, what: &str) -> Vec<u8> {
    let mut seen = Vec::new();
    let outcome = tokio::time::timeout(bound, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(outcome.is_ok(), "{what}: still open after {bound:?}");
    seen
}

/// Sends `/healthz` and returns the status line of the answer.
async fn status_line(stream: &mut TcpStream) -> String {
    stream.write_all(HEALTHZ).await.expect("write");
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(Duration::from_secs(10), async {
        while !answer.windows(2).any(|w| w == b"\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("an answer within 10 s");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    answer.lines().next().unwrap_or_default().to_string()
}

/// Opens `n` connections from 127.0.0.1 that send half a request line and stop.
async fn slow_connections(to: SocketAddr, n: usize) -> Vec<TcpStream> {
    let mut held = Vec::new();
    for _ in 0..n {
        let mut stream = connect_from(IpAddr::V4(Ipv4Addr::LOCALHOST), to).await;
        stream.write_all(b"GET /heal").await.expect("write");
        held.push(stream);
    }
    held
}

async fn a_connection_that_never_finishes_its_headers_is_closed(app: TestApp) {
    let base = app.serve_with(|c| c.http_header_timeout_secs = 1).await;
    let mut stream = connect_from(IpAddr::V4(Ipv4Addr::LOCALHOST), address(&base)).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHo")
        .await
        .expect("write");
    closed_within(
        &mut stream,
        Duration::from_secs(15),
        "a connection stuck in its headers",
    )
    .await;
}

async fn a_client_trickling_its_headers_is_closed_too(app: TestApp) {
    let base = app.serve_with(|c| c.http_header_timeout_secs = 1).await;
    let stream = connect_from(IpAddr::V4(Ipv4Addr::LOCALHOST), address(&base)).await;
    let (mut read, mut write) = stream.into_split();
    // One byte every 100 ms of a header that never ends: each byte is progress, the whole is not.
    let trickle = tokio::spawn(async move {
        for byte in b"GET /healthz HTTP/1.1\r\nX-Slow: "
            .iter()
            .chain([b'a'; 400].iter())
            .cycle()
        {
            if write.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let closed = tokio::time::timeout(Duration::from_secs(15), async {
        let mut buf = [0u8; 1024];
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    trickle.abort();
    assert!(
        closed.is_ok(),
        "a trickling client is still connected after 15 s"
    );
}

async fn an_idle_kept_alive_connection_is_closed(app: TestApp) {
    let base = app
        .serve_with(|c| {
            c.http_idle_timeout_secs = 1;
            c.http_header_timeout_secs = 60;
        })
        .await;
    let mut stream = connect_from(IpAddr::V4(Ipv4Addr::LOCALHOST), address(&base)).await;
    assert_eq!(status_line(&mut stream).await, "HTTP/1.1 200 OK");
    closed_within(
        &mut stream,
        Duration::from_secs(15),
        "an idle kept-alive connection",
    )
    .await;
}

async fn connections_over_the_per_address_limit_get_503_and_other_clients_are_served(app: TestApp) {
    let base = app
        .serve_with(|c| {
            c.max_connections_per_address = 3;
            c.http_header_timeout_secs = 60;
        })
        .await;
    let to = address(&base);
    let _slow = slow_connections(to, 3).await;
    let mut one_more = connect_from(IpAddr::V4(Ipv4Addr::LOCALHOST), to).await;
    let refused = closed_within(
        &mut one_more,
        Duration::from_secs(10),
        "a connection over the limit",
    )
    .await;
    let refused = String::from_utf8_lossy(&refused);
    assert!(
        refused.starts_with("HTTP/1.1 503"),
        "a connection over the address's limit is answered 503: {refused:?}"
    );
    assert!(
        refused.contains("REGISTER_MAX_CONNECTIONS_PER_ADDRESS"),
        "{refused:?}"
    );
    let mut elsewhere = connect_from(ANOTHER_CLIENT, to).await;
    assert_eq!(
        status_line(&mut elsewhere).await,
        "HTTP/1.1 200 OK",
        "/healthz answers another client while the slow ones hold their places"
    );
}

async fn connections_over_the_total_limit_get_503(app: TestApp) {
    let base = app
        .serve_with(|c| {
            c.max_connections = 3;
            c.http_header_timeout_secs = 60;
        })
        .await;
    let to = address(&base);
    let slow = slow_connections(to, 3).await;
    let mut one_more = connect_from(ANOTHER_CLIENT, to).await;
    let refused = closed_within(
        &mut one_more,
        Duration::from_secs(10),
        "a connection over the limit",
    )
    .await;
    let refused = String::from_utf8_lossy(&refused);
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused:?}");
    assert!(refused.contains("REGISTER_MAX_CONNECTIONS"), "{refused:?}");
    // A closed connection frees its place.
    drop(slow);
    let mut answered = None;
    for _ in 0..50 {
        let mut again = connect_from(ANOTHER_CLIENT, to).await;
        let line = status_line(&mut again).await;
        if line == "HTTP/1.1 200 OK" {
            answered = Some(line);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered.is_some(), "closed connections free their places");
}

async fn stopping_the_server_closes_its_sockets_with_1001(app: TestApp) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = app.state.clone();
    let server = tokio::spawn(async move {
        let config = state.config.clone();
        transfer_register::http::server::run(
            listener,
            &config,
            transfer_register::app(state),
            async {
                let _ = stopped.await;
            },
        )
        .await
    });
    let token = app.token(Role::Dpo).await;
    let mut socket = crate::sockets::open(&base).await;
    crate::sockets::initialise(&mut socket, Some(&token))
        .await
        .expect("initialised");
    stop.send(()).expect("the server is running");
    let code = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => {}
                None | Some(Err(_)) => return None,
            }
        }
    })
    .await
    .expect("the socket closes within 15 s");
    assert_eq!(code, Some(1001), "a stopping server says it is going away");
    let stopped = tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("the server stops within 30 s");
    assert!(
        matches!(stopped, Ok(Ok(()))),
        "the server stops cleanly: {stopped:?}"
    );
}
