//! Sign-in for people through a real OpenID provider (oidc-provider under Node, on loopback):
//! the code flow with PKCE, the ID token's checks, roles from groups, sessions in the database,
//! sign-out on every instance, cross-site requests refused, and the audit trail naming the person.

pub mod provider;
mod sessions;

use crate::{db_tests, support::TestApp};
use provider::{Browser, TestProvider, configure};
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};

db_tests!(
    the_login_redirect_carries_the_code_flow_with_pkce,
    a_person_signs_in_through_the_provider_and_acts_in_the_role_their_group_maps_to,
    a_cross_site_post_with_the_session_cookie_is_refused,
    a_replayed_state_is_refused,
    id_tokens_for_another_audience_expired_unsigned_by_the_issuer_or_without_the_nonce_are_refused,
    the_register_fetches_the_providers_keys_again_when_they_rotate,
    a_person_removed_from_their_group_loses_the_role_at_the_next_sign_in,
    signing_out_ends_the_session_on_every_instance,
    an_admin_lists_and_ends_sessions,
);

/// A provider and the register served with it; `None` when Node is missing outside CI.
pub(super) async fn setup(app: &TestApp) -> Option<(TestProvider, String)> {
    // The register's address is known before the provider starts (its redirect URI), and the
    // provider's before the register's state is built (its issuer).
    let (listener, base) = TestApp::bind().await;
    let provider = TestProvider::start(&base).await?;
    let issuer = provider.issuer.clone();
    app.serve_on(listener, |config| configure(config, &base, &issuer))
        .await;
    Some((provider, base))
}

/// POST /graphql with the session cookie (and the console's header unless `cross_site`).
pub async fn gql_with_cookie(base: &str, cookie: &str, query: &str, cross_site: bool) -> Value {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .header("cookie", format!("register_session={cookie}"))
        .json(&json!({ "query": query }));
    if !cross_site {
        request = request.header("x-requested-with", "register-console");
    }
    request
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json")
}

pub(super) const VIEWER: &str = "{ viewer { role tokenName } }";

/// Signs `login` in; the session cookie's value.
pub(super) async fn signed_in(browser: &mut Browser, base: &str, login: &str) -> String {
    let landing = browser.sign_in(base, login).await;
    assert_eq!(landing.status, 303, "{}", landing.body);
    assert_eq!(
        landing.location.as_deref(),
        Some(format!("{base}/").as_str())
    );
    browser
        .cookie(base, "register_session")
        .expect("a session cookie")
}

async fn the_login_redirect_carries_the_code_flow_with_pkce(app: TestApp) {
    let Some((provider, base)) = setup(&app).await else {
        return;
    };
    let mut browser = Browser::default();
    let start = browser.get(&format!("{base}/auth/login")).await;
    assert_eq!(start.status, 303);
    let location = reqwest::Url::parse(start.location.as_deref().expect("location")).expect("url");
    assert_eq!(
        format!(
            "{}{}",
            location.origin().ascii_serialization(),
            location.path()
        ),
        format!("{}/auth", provider.issuer)
    );
    let query: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], provider::CLIENT_ID);
    assert_eq!(query["redirect_uri"], format!("{base}/auth/callback"));
    let scopes: Vec<&str> = query["scope"].split(' ').collect();
    assert!(
        scopes.contains(&"openid") && scopes.contains(&"groups"),
        "{scopes:?}"
    );
    assert!(query["state"].len() >= 22 && query["nonce"].len() >= 22);
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["code_challenge"].len(), 43);
    // The console's sign-in page offers the provider where one is set up, and not elsewhere.
    let status: Value = reqwest::get(format!("{base}/auth/status"))
        .await
        .expect("status")
        .json()
        .await
        .expect("json");
    assert_eq!(status["identityProvider"], true);
    let plain = app.serve().await;
    let status: Value = reqwest::get(format!("{plain}/auth/status"))
        .await
        .expect("status")
        .json()
        .await
        .expect("json");
    assert_eq!(status["identityProvider"], false);
    let nowhere = browser.get(&format!("{plain}/auth/login")).await;
    assert_eq!(nowhere.status, 404);
    // The login waits server-side, by a hash of its state only.
    assert_eq!(app.count("pending_login").await, 1);
    // A second login gets a fresh state and nonce.
    let again = browser.get(&format!("{base}/auth/login")).await;
    let again = reqwest::Url::parse(again.location.as_deref().expect("location")).expect("url");
    let again: std::collections::HashMap<String, String> =
        again.query_pairs().into_owned().collect();
    assert_ne!(again["state"], query["state"]);
    assert_ne!(again["nonce"], query["nonce"]);
}

async fn a_person_signs_in_through_the_provider_and_acts_in_the_role_their_group_maps_to(
    app: TestApp,
) {
    let Some((_provider, base)) = setup(&app).await else {
        return;
    };
    // Before signing in, the cookie-less console is anonymous.
    let anonymous = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": VIEWER }))
        .send()
        .await
        .expect("post")
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );

    let mut browser = Browser::default();
    let landing = browser.sign_in(&base, "alice").await;
    assert_eq!(landing.status, 303, "{}", landing.body);
    let cookie = browser
        .cookie(&base, "register_session")
        .expect("a session cookie");
    // Only a hash of the cookie is stored.
    let stored = app
        .state
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT id_hash, subject, email, role FROM user_session",
        ))
        .await
        .expect("query")
        .expect("a session row");
    let hash: String = stored.try_get("", "id_hash").expect("hash");
    assert_ne!(hash, cookie);
    assert_eq!(
        stored.try_get::<String>("", "subject").expect("subject"),
        "alice"
    );
    assert_eq!(stored.try_get::<String>("", "role").expect("role"), "DPO");

    let viewer = gql_with_cookie(&base, &cookie, VIEWER, false).await;
    assert_eq!(viewer["data"]["viewer"]["role"], "DPO", "{viewer:#}");
    assert_eq!(viewer["data"]["viewer"]["tokenName"], "alice@example.test");

    // What the person does is audited under their e-mail and subject.
    let defined = gql_with_cookie(
        &base,
        &cookie,
        r#"mutation { defineDataCategory(input: { code: "contact.pager", name: "Pager number" }) { code } }"#,
        false,
    )
    .await;
    assert_eq!(
        defined["data"]["defineDataCategory"]["code"], "contact.pager",
        "{defined:#}"
    );
    let events = app
        .ok(
            "{ auditEvents(first: 5) { edges { node { actor actorRole operation } } } }",
            json!({}),
        )
        .await;
    let edges = events["auditEvents"]["edges"]
        .as_array()
        .expect("events")
        .clone();
    let define = edges
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["operation"] == "defineDataCategory")
        .unwrap_or_else(|| panic!("no defineDataCategory event: {events:#}"));
    assert_eq!(define["actor"], "alice@example.test (sub alice)");
    assert_eq!(define["actorRole"], "DPO");
    assert!(
        edges.iter().any(|e| e["node"]["operation"] == "signIn"
            && e["node"]["actor"] == "alice@example.test (sub alice)"),
        "{events:#}"
    );

    // Bob's group maps to ADMIN; Carol's to nothing: a page says so, and no session starts.
    let mut bob = Browser::default();
    let bob_cookie = signed_in(&mut bob, &base, "bob").await;
    let viewer = gql_with_cookie(&base, &bob_cookie, VIEWER, false).await;
    assert_eq!(viewer["data"]["viewer"]["role"], "ADMIN");
    let mut carol = Browser::default();
    let refused = carol.sign_in(&base, "carol").await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("none of your groups gives a role"),
        "{}",
        refused.body
    );
    assert!(carol.cookie(&base, "register_session").is_none());
    assert_eq!(app.count("user_session").await, 2);
}

async fn a_cross_site_post_with_the_session_cookie_is_refused(app: TestApp) {
    let Some((_provider, base)) = setup(&app).await else {
        return;
    };
    let mut browser = Browser::default();
    let cookie = signed_in(&mut browser, &base, "alice").await;
    let categories = app.count("data_category").await;
    // A form on another site can send the cookie (were SameSite not honoured) but no header.
    let forged = gql_with_cookie(
        &base,
        &cookie,
        r#"mutation { defineDataCategory(input: { code: "contact.forged", name: "Forged" }) { code } }"#,
        true,
    )
    .await;
    assert_eq!(
        forged["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{forged:#}"
    );
    assert!(forged["data"].is_null() || forged["data"]["defineDataCategory"].is_null());
    assert_eq!(app.count("data_category").await, categories);
    // GraphQL over GET runs nothing: it is GraphiQL's page.
    let get = reqwest::Client::new()
        .get(format!("{base}/graphql"))
        .query(&[(
            "query",
            r#"mutation { defineDataCategory(input: { code: "contact.viaget", name: "Via GET" }) { code } }"#,
        )])
        .header("cookie", format!("register_session={cookie}"))
        .send()
        .await
        .expect("get");
    let body = get.text().await.expect("body");
    assert!(!body.contains("contact.viaget\"}"), "{body}");
    assert_eq!(app.count("data_category").await, categories);
    // With the console's header, the same person's request runs.
    let done = gql_with_cookie(
        &base,
        &cookie,
        r#"mutation { defineDataCategory(input: { code: "contact.console", name: "Console" }) { code } }"#,
        false,
    )
    .await;
    assert_eq!(
        done["data"]["defineDataCategory"]["code"], "contact.console",
        "{done:#}"
    );
}

async fn a_replayed_state_is_refused(app: TestApp) {
    let Some((_provider, base)) = setup(&app).await else {
        return;
    };
    let mut browser = Browser::default();
    let callback = browser.authorize(&base, "alice").await;
    let first = browser.get(&callback).await;
    assert_eq!(first.status, 303, "{}", first.body);
    // Replayed, even with the login cookie of the browser that started it, it is refused.
    let state = reqwest::Url::parse(&callback)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    let replayed = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(&callback)
        .header("cookie", format!("register_login={state}"))
        .send()
        .await
        .expect("replay");
    assert_eq!(replayed.status().as_u16(), 400);
    assert!(replayed.headers().get("set-cookie").is_none());
    let body = replayed.text().await.expect("body");
    assert!(body.contains("expired or was used already"), "{body}");

    // A fresh callback link made in the attacker's browser and opened in another browser (to
    // sign its victim in as the attacker) is refused: the login is bound to the browser.
    let mut attacker = Browser::default();
    let forged = attacker.authorize(&base, "bob").await;
    let mut victim = Browser::default();
    let refused = victim.get(&forged).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(victim.cookie(&base, "register_session").is_none());
    // The attacker's own browser could still finish it: the refusal was the binding's.
    let own = attacker.get(&forged).await;
    assert_eq!(own.status, 303, "{}", own.body);
    // An unknown state is refused the same way.
    let unknown = victim
        .get(&format!("{base}/auth/callback?code=abc&state=made-up"))
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(app.count("user_session").await, 2);
}

async fn id_tokens_for_another_audience_expired_unsigned_by_the_issuer_or_without_the_nonce_are_refused(
    app: TestApp,
) {
    let Some((provider, base)) = setup(&app).await else {
        return;
    };
    for (case, tamper) in [
        (
            "another audience",
            json!({ "aud": provider::OTHER_CLIENT_ID }),
        ),
        ("expired", json!({ "expired": true })),
        ("signed by another key", json!({ "foreign_key": true })),
        ("without the nonce", json!({ "nonce": null })),
    ] {
        provider.tamper(tamper).await;
        let mut browser = Browser::default();
        let landing = browser.sign_in(&base, "alice").await;
        assert_eq!(landing.status, 401, "{case}: {}", landing.body);
        assert!(
            landing.body.contains("Sign-in refused"),
            "{case}: {}",
            landing.body
        );
        assert!(
            browser.cookie(&base, "register_session").is_none(),
            "{case}"
        );
        assert_eq!(app.count("user_session").await, 0, "{case}");
    }
    // The same provider, untampered, signs in: the refusals were the tokens', not the set-up's.
    provider.tamper(json!({})).await;
    let mut browser = Browser::default();
    signed_in(&mut browser, &base, "alice").await;
}

async fn the_register_fetches_the_providers_keys_again_when_they_rotate(app: TestApp) {
    let Some((provider, base)) = setup(&app).await else {
        return;
    };
    // The register learns the provider's keys at the first login: here, a key it no longer signs with.
    provider.serve_foreign_jwks(true).await;
    let mut browser = Browser::default();
    let callback = browser.authorize(&base, "alice").await;
    provider.serve_foreign_jwks(false).await;
    let landing = browser.get(&callback).await;
    assert_eq!(landing.status, 303, "{}", landing.body);
    assert!(browser.cookie(&base, "register_session").is_some());
}

async fn a_person_removed_from_their_group_loses_the_role_at_the_next_sign_in(app: TestApp) {
    let Some((provider, base)) = setup(&app).await else {
        return;
    };
    let mut browser = Browser::default();
    let cookie = signed_in(&mut browser, &base, "alice").await;
    let viewer = gql_with_cookie(&base, &cookie, VIEWER, false).await;
    assert_eq!(viewer["data"]["viewer"]["role"], "DPO");

    provider.set_groups("alice", &["staff", "auditors"]).await;
    let mut later = Browser::default();
    let cookie = signed_in(&mut later, &base, "alice").await;
    let viewer = gql_with_cookie(&base, &cookie, VIEWER, false).await;
    assert_eq!(viewer["data"]["viewer"]["role"], "AUDITOR");

    provider.set_groups("alice", &["staff"]).await;
    let mut last = Browser::default();
    let refused = last.sign_in(&base, "alice").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(last.cookie(&base, "register_session").is_none());
}

async fn signing_out_ends_the_session_on_every_instance(app: TestApp) {
    let Some((provider, base)) = setup(&app).await else {
        return;
    };
    // A second instance on the same database, behind the same public address.
    let (listener, _) = TestApp::bind().await;
    let issuer = provider.issuer.clone();
    let other = app
        .serve_on(listener, |config| configure(config, &base, &issuer))
        .await;
    let mut browser = Browser::default();
    let cookie = signed_in(&mut browser, &base, "alice").await;
    let viewer = gql_with_cookie(&other, &cookie, VIEWER, false).await;
    assert_eq!(viewer["data"]["viewer"]["role"], "DPO", "{viewer:#}");

    let out = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{base}/auth/logout"))
        .header("cookie", format!("register_session={cookie}"))
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status().as_u16(), 303);
    let location = out.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(
        location.starts_with(&format!("{}/session/end?", provider.issuer)),
        "{location}"
    );
    assert!(location.contains("id_token_hint="), "{location}");
    let cleared = out.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(
        cleared.starts_with("register_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );

    for instance in [&base, &other] {
        let viewer = gql_with_cookie(instance, &cookie, VIEWER, false).await;
        assert_eq!(
            viewer["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{viewer:#}"
        );
    }
}

async fn an_admin_lists_and_ends_sessions(app: TestApp) {
    let Some((_provider, base)) = setup(&app).await else {
        return;
    };
    let mut alice = Browser::default();
    let alice_cookie = signed_in(&mut alice, &base, "alice").await;
    let mut bob = Browser::default();
    let bob_cookie = signed_in(&mut bob, &base, "bob").await;
    const LIST: &str = "{ sessions { id subject email name role endedAt } }";

    let refused = gql_with_cookie(&base, &alice_cookie, LIST, false).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused:#}"
    );

    let listed = gql_with_cookie(&base, &bob_cookie, LIST, false).await;
    let sessions = listed["data"]["sessions"]
        .as_array()
        .expect("sessions")
        .clone();
    assert_eq!(sessions.len(), 2, "{listed:#}");
    let alices = sessions
        .iter()
        .find(|s| s["subject"] == "alice")
        .expect("alice's session");
    assert_eq!(alices["email"], "alice@example.test");
    assert_eq!(alices["name"], "Alice Example");
    assert_eq!(alices["role"], "DPO");
    assert!(alices["endedAt"].is_null());

    let id = alices["id"].as_str().expect("id");
    let ended = gql_with_cookie(
        &base,
        &bob_cookie,
        &format!(r#"mutation {{ endSession(id: "{id}") {{ id endedAt }} }}"#),
        false,
    )
    .await;
    assert!(
        ended["data"]["endSession"]["endedAt"].is_string(),
        "{ended:#}"
    );
    let viewer = gql_with_cookie(&base, &alice_cookie, VIEWER, false).await;
    assert_eq!(viewer["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let listed = gql_with_cookie(&base, &bob_cookie, LIST, false).await;
    assert_eq!(listed["data"]["sessions"].as_array().map(Vec::len), Some(1));
    let viewer = gql_with_cookie(&base, &bob_cookie, "{ viewer { signedIn } }", false).await;
    assert_eq!(viewer["data"]["viewer"]["signedIn"], true);
    // The ending is audited under the administrator's name.
    let events = app
        .ok(
            "{ auditEvents(first: 3) { edges { node { actor operation recordId } } } }",
            json!({}),
        )
        .await;
    assert!(
        events["auditEvents"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .any(|e| {
                e["node"]["operation"] == "endSession"
                    && e["node"]["actor"] == "bob@example.test (sub bob)"
                    && e["node"]["recordId"] == id
            }),
        "{events:#}"
    );
    let missing = gql_with_cookie(
        &base,
        &bob_cookie,
        r#"mutation { endSession(id: "999999") { id } }"#,
        false,
    )
    .await;
    assert_eq!(missing["errors"][0]["extensions"]["code"], "NOT_FOUND");
}
