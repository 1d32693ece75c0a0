//! Marks the PostgreSQL half of the test suite as ignored when `TEST_POSTGRES_URL` is unset, so a
//! test summary counts what really ran on PostgreSQL instead of reporting empty passes.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=TEST_POSTGRES_URL");
    if std::env::var("TEST_POSTGRES_URL").is_ok_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}
