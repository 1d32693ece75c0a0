//! Sessions: the console's WebSocket by its cookie (its own origin only), and the lifetimes of
//! sessions and of logins under way, with the clock moved.

use super::provider::Browser;
use super::{VIEWER, setup, signed_in};
use crate::{db_tests, support::TestApp};
use serde_json::json;

db_tests!(
    the_consoles_websocket_signs_in_by_the_session_cookie_from_its_own_origin_only,
    a_session_ends_after_its_idle_time_or_its_maximum_age_and_a_login_after_ten_minutes,
);

/// Opens the subscriptions socket with the session cookie, from `origin`.
async fn open_socket(
    base: &str,
    cookie: &str,
    origin: &str,
) -> Result<crate::sockets::Socket, tokio_tungstenite::tungstenite::Error> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    let mut request = format!("{}/graphql/ws", base.replacen("http", "ws", 1))
        .into_client_request()
        .expect("request");
    let headers = request.headers_mut();
    headers.insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("h"),
    );
    headers.insert(
        "Cookie",
        format!("register_session={cookie}").parse().expect("h"),
    );
    headers.insert("Origin", origin.parse().expect("h"));
    Ok(tokio_tungstenite::connect_async(request).await?.0)
}

async fn the_consoles_websocket_signs_in_by_the_session_cookie_from_its_own_origin_only(
    app: TestApp,
) {
    let Some((_provider, base)) = setup(&app).await else {
        return;
    };
    let mut browser = Browser::default();
    let cookie = signed_in(&mut browser, &base, "alice").await;

    let mut socket = open_socket(&base, &cookie, &base)
        .await
        .expect("the console's socket");
    crate::sockets::initialise(&mut socket, None)
        .await
        .expect("acknowledged by the session");
    let viewer = crate::sockets::operation(&mut socket, "1", VIEWER, json!({})).await;
    assert_eq!(viewer["data"]["viewer"]["role"], "DPO", "{viewer:#}");

    // Another site's page cannot open it with the person's cookie.
    let foreign = open_socket(&base, &cookie, "https://evil.example").await;
    match foreign {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 403);
        }
        other => panic!("a foreign origin was let in: {:?}", other.map(|_| ())),
    }
    // A session value cannot be passed off as a token in connection_init.
    let mut plain = crate::sockets::open(&base).await;
    let refused = crate::sockets::initialise(&mut plain, Some(&format!("session:{cookie}"))).await;
    assert_eq!(refused, Err(Some(4403)));
}

async fn a_session_ends_after_its_idle_time_or_its_maximum_age_and_a_login_after_ten_minutes(
    app: TestApp,
) {
    use chrono::{Duration, TimeZone, Utc};
    use transfer_register::{
        domain::vocab::Role,
        service::sessions::{self, Lifetimes, SignedIn},
    };
    let lifetimes = Lifetimes {
        idle: std::time::Duration::from_hours(1),
        max_age: std::time::Duration::from_hours(12),
    };
    let t0 = Utc
        .with_ymd_and_hms(2026, 12, 7, 9, 0, 0)
        .single()
        .expect("time");
    let who = SignedIn {
        subject: "alice".into(),
        email: Some("alice@example.test".into()),
        name: None,
        role: Role::Dpo,
        id_token: None,
    };
    let db = &app.state.db;
    let (_, idle) = sessions::start(db, &app.state.audit_key, who.clone(), lifetimes, t0)
        .await
        .expect("start");
    let at = |minutes| t0 + Duration::minutes(minutes);
    assert!(
        sessions::authenticate(db, &idle, lifetimes, at(59))
            .await
            .expect("auth")
            .is_some()
    );
    // Each request moves the idle expiry on: 59 + 60 minutes later it still holds...
    assert!(
        sessions::authenticate(db, &idle, lifetimes, at(118))
            .await
            .expect("auth")
            .is_some()
    );
    // ...but not after an hour without one.
    assert!(
        sessions::authenticate(db, &idle, lifetimes, at(179))
            .await
            .expect("auth")
            .is_none()
    );

    // A busy session ends at its maximum age all the same.
    let (_, busy) = sessions::start(db, &app.state.audit_key, who, lifetimes, t0)
        .await
        .expect("start");
    for minutes in (30..12 * 60).step_by(30) {
        assert!(
            sessions::authenticate(db, &busy, lifetimes, at(minutes))
                .await
                .expect("auth")
                .is_some(),
            "at {minutes} minutes"
        );
    }
    assert!(
        sessions::authenticate(db, &busy, lifetimes, at(12 * 60))
            .await
            .expect("auth")
            .is_none()
    );

    // A login under way is forgotten after ten minutes, and taken once.
    sessions::begin_login(db, "state-a", "nonce", "verifier", t0)
        .await
        .expect("begin");
    assert!(
        sessions::take_login(db, "state-a", at(11))
            .await
            .expect("take")
            .is_none()
    );
    sessions::begin_login(db, "state-b", "nonce", "verifier", t0)
        .await
        .expect("begin");
    let taken = sessions::take_login(db, "state-b", at(9))
        .await
        .expect("take");
    assert_eq!(taken.map(|l| l.nonce), Some("nonce".to_string()));
    assert!(
        sessions::take_login(db, "state-b", at(9))
            .await
            .expect("take")
            .is_none()
    );
}
