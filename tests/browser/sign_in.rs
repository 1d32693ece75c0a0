//! A person signs in through the identity provider's own pages (a real OpenID provider, run by
//! Node on loopback: see tests/oidc) and lands in the console with the role their group maps to.

use crate::{
    browser::Browser,
    oidc_provider::{TestProvider, configure},
    support::{Backend, TestApp, run},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_dpo_signs_in_with_the_identity_provider_and_lands_in_the_console_as_dpo() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let (listener, base) = TestApp::bind().await;
        let Some(provider) = TestProvider::start(&base).await else {
            return;
        };
        let issuer = provider.issuer.clone();
        app.serve_on(listener, |config| configure(config, &base, &issuer))
            .await;
        let browser = Browser::open(&base).await;
        browser.visit("/").await;
        browser
            .until(
                "the provider's sign-in offered",
                "document.querySelector('#sign-in-with-provider')",
            )
            .await;
        browser.screenshot("sign-in-with-provider").await;
        browser.click("#sign-in-with-provider").await;

        // The provider's own login page.
        browser
            .until(
                "the provider's login form",
                "document.querySelector('input[name=login]')",
            )
            .await;
        browser.fill("input[name=login]", "alice").await;
        browser.fill("input[name=password]", "any password").await;
        browser.screenshot("provider-login").await;
        browser.click("button[type=submit]").await;

        // Back in the console, signed in as a DPO by the session cookie (no token in the tab).
        browser
            .until(
                "the console, signed in as DPO",
                "document.querySelector('#who')?.innerText.includes('DPO')",
            )
            .await;
        let menu = browser.menu().await;
        assert!(menu.iter().any(|m| m == "Requests"), "{menu:?}");
        let token = browser
            .js("return sessionStorage.getItem('tr.token')", vec![])
            .await;
        assert!(token.is_null(), "{token}");
        let title = browser
            .js("return document.querySelector('#who .role').title", vec![])
            .await;
        assert_eq!(title, "Signed in as alice@example.test");
        let cookie_visible = browser
            .js(
                "return document.cookie.includes('register_session')",
                vec![],
            )
            .await;
        assert_eq!(cookie_visible, false, "the session cookie is HttpOnly");
        browser.screenshot("signed-in-with-provider").await;
        browser.close().await;
    })
    .await;
}
