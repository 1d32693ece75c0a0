//! Test-suite switches decided at build time, so a test summary counts what really ran:
//! - the PostgreSQL half of the suite is ignored when `TEST_POSTGRES_URL` is unset;
//! - the browser tests (tests/browser) are ignored when Chromium or chromedriver is missing, and
//!   always run when `CI` is set, where their absence must fail loudly instead of being skipped.

use std::{env, path::Path};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=TEST_POSTGRES_URL");
    if env::var("TEST_POSTGRES_URL").is_ok_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=postgres_tests");
    }
    browser_tests();
}

fn browser_tests() {
    println!("cargo::rustc-check-cfg=cfg(browser_tests)");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-env-changed=CHROMIUM");
    println!("cargo::rerun-if-env-changed=CHROMEDRIVER");
    let chromium = env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let driver = env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    for path in [&chromium, &driver] {
        // Installing the packages later re-runs this script.
        if let Some(dir) = Path::new(path).parent() {
            println!("cargo::rerun-if-changed={}", dir.display());
        }
    }
    let installed = Path::new(&chromium).exists() && Path::new(&driver).exists();
    let ci = env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    if installed || ci {
        println!("cargo::rustc-cfg=browser_tests");
    }
}
