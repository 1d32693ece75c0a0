//! The settings as the command line parses them.

use super::*;
use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    config: Config,
}

#[test]
fn the_defaults_tests_use_are_the_command_line_defaults() {
    let parsed = Cli::try_parse_from(["transfer-register"])
        .expect("defaults parse")
        .config;
    let built = Config {
        database_url: parsed.database_url.clone(),
        secret: parsed.secret.clone(),
        webhook_allow_insecure: parsed.webhook_allow_insecure,
        ..Config::for_database("sqlite::memory:")
    };
    assert_eq!(format!("{built:?}"), format!("{parsed:?}"));
}
