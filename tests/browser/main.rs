//! The console in headless Chromium, driven through chromedriver with fantoccini: each test is a
//! user's steps against the real server (in-process, on a loopback port) and the demonstration
//! register, or a small register built through the GraphQL API. Each page visited is saved as a screenshot under
//! `$CARGO_TARGET_DIR/screenshots/` (or `target/screenshots/`).
//!
//! Without `/usr/bin/chromium` and `/usr/bin/chromedriver` (or `CHROMIUM`/`CHROMEDRIVER`) the
//! tests are ignored, and say why; with `CI` set they always run, so CI fails if they cannot.
#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, top to bottom"
)]

#[allow(dead_code)]
#[path = "../api/support.rs"]
mod support;

#[allow(dead_code)]
#[path = "../api/oidc/provider.rs"]
mod oidc_provider;

mod actions;
mod activities;
mod browser;
mod edits;
mod fixtures;
mod overview;
mod pages;
mod reasoning;
mod register;
mod requests;
mod respond;
mod reviews;
mod roles;
mod sign_in;
mod subprocessors;
mod what_if;
