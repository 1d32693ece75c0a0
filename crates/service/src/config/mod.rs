//! Configuration, read once from flags and environment (flags win).

use crate::domain::{country::CountryCode, identifier::PhoneRegion};
use clap::Args;
use std::{net::SocketAddr, path::PathBuf};

mod derived;

/// Where the data lives and how the service guards itself. Every field has a flag and a variable.
#[derive(Debug, Clone, Args)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "each switch is a setting of its own"
)]
pub struct Config {
    /// `postgres://...` or `sqlite://path`; unset means `transfer-register.sqlite` in the working directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Keys subject hashing, webhook signing and encryption at rest. Unset on SQLite: a key file
    /// beside the database, created once (mode 0600).
    #[arg(long, env = "REGISTER_SECRET", global = true, hide_env_values = true)]
    pub secret: Option<String>,

    /// Allow `http://` and loopback webhook URLs (tests and local demos only).
    #[arg(
        long,
        env = "REGISTER_WEBHOOK_ALLOW_INSECURE",
        global = true,
        default_value_t = false
    )]
    pub webhook_allow_insecure: bool,

    /// Largest `first` a connection accepts.
    #[arg(
        long,
        env = "REGISTER_MAX_PAGE_SIZE",
        global = true,
        default_value_t = 1000
    )]
    pub max_page_size: u64,

    /// Deepest query accepted (the standard introspection query of GraphiQL and tools needs about 13).
    #[arg(long, env = "REGISTER_MAX_DEPTH", global = true, default_value_t = 20)]
    pub max_depth: usize,

    /// Highest query complexity accepted (each field counts 1, lists multiply by their `first`).
    #[arg(
        long,
        env = "REGISTER_MAX_COMPLEXITY",
        global = true,
        default_value_t = 25_000
    )]
    pub max_complexity: usize,

    /// Largest request body in bytes.
    #[arg(
        long,
        env = "REGISTER_MAX_BODY_BYTES",
        global = true,
        default_value_t = 1_048_576
    )]
    pub max_body_bytes: usize,

    /// Seconds before a request is abandoned.
    #[arg(
        long,
        env = "REGISTER_REQUEST_TIMEOUT_SECS",
        global = true,
        default_value_t = 30
    )]
    pub request_timeout_secs: u64,

    /// Serve GraphiQL on `GET /graphql`.
    #[arg(long, env = "REGISTER_GRAPHIQL", global = true, default_value_t = true, action = clap::ArgAction::Set)]
    pub graphiql: bool,

    /// Answer introspection queries.
    #[arg(long, env = "REGISTER_INTROSPECTION", global = true, default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,

    /// The country whose national phone numbers (without `+`) subject identifiers are read as.
    #[arg(long, env = "REGISTER_PHONE_DEFAULT_COUNTRY", global = true, default_value = "GB", value_parser = parse_phone_region)]
    pub phone_default_country: Option<PhoneRegion>,

    /// Delivery attempts of a webhook or e-mail task before it is FAILED.
    #[arg(
        long,
        env = "REGISTER_DELIVERY_MAX_ATTEMPTS",
        global = true,
        default_value_t = 8
    )]
    pub delivery_max_attempts: u32,

    /// Back-off after the first failed attempt, in milliseconds; doubles each attempt (with jitter).
    #[arg(
        long,
        env = "REGISTER_DELIVERY_BACKOFF_MS",
        global = true,
        default_value_t = 30_000
    )]
    pub delivery_backoff_ms: u64,

    /// Longest back-off between attempts, in milliseconds.
    #[arg(
        long,
        env = "REGISTER_DELIVERY_BACKOFF_MAX_MS",
        global = true,
        default_value_t = 3_600_000
    )]
    pub delivery_backoff_max_ms: u64,

    /// Milliseconds one webhook POST or SMTP exchange may take.
    #[arg(
        long,
        env = "REGISTER_DELIVERY_TIMEOUT_MS",
        global = true,
        default_value_t = 10_000
    )]
    pub delivery_timeout_ms: u64,

    /// Milliseconds the worker waits when it finds nothing due.
    #[arg(
        long,
        env = "REGISTER_WORKER_POLL_MS",
        global = true,
        default_value_t = 1_000
    )]
    pub worker_poll_ms: u64,

    /// Run the delivery worker inside `serve` (turn off when separate `worker` processes run it).
    #[arg(long, env = "REGISTER_WORKER_IN_PROCESS", global = true, default_value_t = true, action = clap::ArgAction::Set)]
    pub worker_in_process: bool,

    /// SMTP server for e-mail tasks: `smtp://host:port` (plain), `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtps://host:465`, credentials as `user:pass@`. Unset: e-mail tasks fail at
    /// once (no retries), saying to send the request by hand.
    #[arg(long, env = "REGISTER_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Where the daily digest of what is due (and overdue) is e-mailed, each item once per due
    /// date; kept in the outbox while no SMTP server is configured. Unset: no digest.
    #[arg(long, env = "REGISTER_NOTIFY_EMAIL", global = true)]
    pub notify_email: Option<String>,

    /// Where the daily digest of what is due is POSTed, signed as erasure deliveries are, each
    /// item once per due date, retried until taken. Unset: no webhook digest.
    #[arg(long, env = "REGISTER_NOTIFY_WEBHOOK", global = true)]
    pub notify_webhook: Option<String>,

    /// The secret the webhook digest is signed with (the receiver verifies with the same).
    #[arg(
        long,
        env = "REGISTER_NOTIFY_WEBHOOK_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub notify_webhook_secret: Option<String>,

    /// Days of notice the group's customers are given of a change to its published
    /// sub-processor list: a change to it must take effect at least this long after it is
    /// announced.
    #[arg(
        long,
        env = "REGISTER_SUBPROCESSOR_NOTICE_DAYS",
        global = true,
        default_value_t = 30
    )]
    pub subprocessor_notice_days: u32,

    /// Bearer token `GET /metrics` requires; unset, the metrics are open to whoever reaches the
    /// listening address (they hold counts and operation names, no personal data).
    #[arg(
        long,
        env = "REGISTER_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,

    /// Seconds between the audit checkpoints `serve` publishes (to the log and to
    /// `REGISTER_AUDIT_CHECKPOINT_FILE`) while the audit chain grows; 0 publishes none.
    #[arg(
        long,
        env = "REGISTER_AUDIT_CHECKPOINT_SECS",
        global = true,
        default_value_t = 3_600
    )]
    pub audit_checkpoint_secs: u64,

    /// A file `serve` appends each audit checkpoint to (created readable by its owner only); keep
    /// it, or a copy, where the database's writers cannot change it.
    #[arg(long, env = "REGISTER_AUDIT_CHECKPOINT_FILE", global = true)]
    pub audit_checkpoint_file: Option<PathBuf>,

    /// Milliseconds between the passes of the audit sealer `serve` and `worker` run (each pass
    /// chains every committed, unsealed event; mutations also try one as they return).
    #[arg(long, env = "REGISTER_AUDIT_SEAL_MS", global = true, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..))]
    pub audit_seal_ms: u64,

    /// Seal each write's audit events in its own transaction, holding the chain's head until it
    /// commits (concurrent writers then wait for each other), instead of after commit.
    #[arg(long, env = "REGISTER_AUDIT_SEAL_IN_TRANSACTION", global = true, default_value_t = false, action = clap::ArgAction::Set)]
    pub audit_seal_in_transaction: bool,

    /// Ports a webhook URL may name besides 443 (and 80 where insecure URLs are allowed),
    /// comma-separated.
    #[arg(
        long,
        env = "REGISTER_WEBHOOK_ALLOWED_PORTS",
        global = true,
        value_delimiter = ','
    )]
    pub webhook_allowed_ports: Vec<u16>,

    /// Sender address of e-mail tasks.
    #[arg(
        long,
        env = "REGISTER_SMTP_FROM",
        global = true,
        default_value = "privacy-register@localhost"
    )]
    pub smtp_from: String,

    /// The address people reach this service at (`https://register.example.com`): the links in
    /// e-mailed tasks start with it. Unset: `http://localhost:8080`.
    #[arg(long, env = "REGISTER_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Serve the group's sub-processor list without a token at `/subprocessors` (HTML, `.json`,
    /// `.atom`); off: 404.
    #[arg(long, env = "REGISTER_PUBLISH_SUBPROCESSORS", global = true, default_value_t = false, action = clap::ArgAction::Set)]
    pub publish_subprocessors: bool,

    /// Days after a task's deadline its answer link keeps working.
    #[arg(
        long,
        env = "REGISTER_RESPOND_GRACE_DAYS",
        global = true,
        default_value_t = 14
    )]
    pub respond_grace_days: u32,

    /// Days before a task's deadline a holder that has not answered is reminded, comma-separated
    /// (one more reminder goes when it is overdue).
    #[arg(
        long,
        env = "REGISTER_REMINDER_DAYS",
        global = true,
        value_delimiter = ',',
        default_value = "7,2"
    )]
    pub reminder_days: Vec<u32>,

    /// Months from a transfer impact assessment to its review, unless `reviewOn` is given.
    #[arg(
        long,
        env = "REGISTER_TIA_REVIEW_MONTHS",
        global = true,
        default_value_t = 12
    )]
    pub tia_review_months: u32,

    /// A newer legal reference file (same format as `reference/transfer_law.json`) replacing the
    /// one compiled in. It is checked in full at start; a bad file stops the service.
    #[arg(long, env = "REGISTER_REFERENCE_FILE", global = true)]
    pub reference_file: Option<PathBuf>,

    /// Read-only connections on SQLite (WAL): queries run side by side on these while the one
    /// writer connection takes every write, so no write waits behind a read and no two writes race.
    #[arg(long, env = "REGISTER_DB_READERS", global = true, default_value_t = 8)]
    pub db_readers: u32,

    /// Connections of the PostgreSQL pool (reads and writes share it).
    #[arg(
        long,
        env = "REGISTER_DB_MAX_CONNECTIONS",
        global = true,
        default_value_t = 16
    )]
    pub db_max_connections: u32,

    /// Seconds a new WebSocket may take to send `connection_init` with a valid token before it is
    /// closed (`4408`).
    #[arg(
        long,
        env = "REGISTER_WS_INIT_TIMEOUT_SECS",
        global = true,
        default_value_t = 5
    )]
    pub ws_init_timeout_secs: u64,

    /// Seconds a WebSocket with no running operation may stay silent before it is closed.
    #[arg(
        long,
        env = "REGISTER_WS_IDLE_TIMEOUT_SECS",
        global = true,
        default_value_t = 300
    )]
    pub ws_idle_timeout_secs: u64,

    /// Seconds after which any WebSocket is closed; the client reconnects and authenticates anew.
    #[arg(
        long,
        env = "REGISTER_WS_MAX_LIFETIME_SECS",
        global = true,
        default_value_t = 28_800
    )]
    pub ws_max_lifetime_secs: u64,

    /// Whole-register queries (transferRegister, complianceGaps, exports) run at once at most.
    #[arg(
        long,
        env = "REGISTER_EXPENSIVE_CONCURRENCY",
        global = true,
        default_value_t = 2,
        value_parser = clap::value_parser!(u32).range(1..=1024)
    )]
    pub expensive_concurrency: u32,

    /// Milliseconds a whole-register query waits for its turn before it is refused as busy.
    #[arg(
        long,
        env = "REGISTER_EXPENSIVE_WAIT_MS",
        global = true,
        default_value_t = 2_000
    )]
    pub expensive_wait_ms: u64,

    /// Subscriptions one token may hold open at once, over all its sockets.
    #[arg(
        long,
        env = "REGISTER_MAX_SUBSCRIPTIONS_PER_TOKEN",
        global = true,
        default_value_t = 50
    )]
    pub max_subscriptions_per_token: usize,

    /// Subscriptions the server holds open at once, over all tokens.
    #[arg(
        long,
        env = "REGISTER_MAX_SUBSCRIPTIONS",
        global = true,
        default_value_t = 1_000
    )]
    pub max_subscriptions: usize,

    /// Authenticated WebSockets the server holds open at once (unauthenticated ones count against
    /// `REGISTER_WS_UNAUTHENTICATED_PER_ADDRESS`); one more is refused before the upgrade with
    /// `503` and a GraphQL error (`CONFLICT`, reason `BUSY`), or closed with `1013` at
    /// `connection_init`.
    #[arg(
        long,
        env = "REGISTER_MAX_SOCKETS",
        global = true,
        default_value_t = 1_000
    )]
    pub max_sockets: usize,

    // Connections and sockets of clients not yet known (slow, anonymous or hostile).
    /// WebSockets one client address may hold open before `connection_init` has named a valid
    /// token (they do not count against `REGISTER_MAX_SOCKETS`); one more is refused with `503`.
    #[arg(
        long,
        env = "REGISTER_WS_UNAUTHENTICATED_PER_ADDRESS",
        global = true,
        default_value_t = 8
    )]
    pub ws_unauthenticated_per_address: usize,

    /// Fields one GraphQL operation may select in all, over HTTP and WebSocket alike: every
    /// alias and `__typename` counts, and a fragment counts each time it is spread.
    #[arg(
        long,
        env = "REGISTER_MAX_FIELDS",
        global = true,
        default_value_t = 1_000
    )]
    pub max_fields: usize,

    /// Seconds a client has to send a request's headers: from the connection's opening, or from
    /// the first byte of a later request on a kept-alive connection; then the connection is closed.
    #[arg(
        long,
        env = "REGISTER_HTTP_HEADER_TIMEOUT_SECS",
        global = true,
        default_value_t = 10
    )]
    pub http_header_timeout_secs: u64,

    /// Seconds a kept-alive connection may wait for its next request before it is closed.
    #[arg(
        long,
        env = "REGISTER_HTTP_IDLE_TIMEOUT_SECS",
        global = true,
        default_value_t = 60
    )]
    pub http_idle_timeout_secs: u64,

    /// TCP connections the server holds open at once, WebSockets included; one more is answered
    /// `503` and closed.
    #[arg(
        long,
        env = "REGISTER_MAX_CONNECTIONS",
        global = true,
        default_value_t = 4_096
    )]
    pub max_connections: usize,

    /// TCP connections one client address (an IPv4 address, an IPv6 /64) may hold open at once;
    /// one more is answered `503` and closed.
    #[arg(
        long,
        env = "REGISTER_MAX_CONNECTIONS_PER_ADDRESS",
        global = true,
        default_value_t = 256
    )]
    pub max_connections_per_address: usize,
    /// Ids an export reads a query (its page), under SQLite's bound-parameter limit.
    #[arg(
        long,
        env = "REGISTER_EXPORT_PAGE_IDS",
        global = true,
        default_value_t = 900
    )]
    pub export_page_ids: usize,
    /// Rows below the header an imported sheet may hold; the first row beyond refuses the file.
    #[arg(
        long,
        env = "REGISTER_IMPORT_MAX_ROWS",
        global = true,
        default_value_t = 100_000
    )]
    pub import_max_rows: usize,

    /// Columns an imported sheet may use (the widest kind has 20).
    #[arg(
        long,
        env = "REGISTER_IMPORT_MAX_COLUMNS",
        global = true,
        default_value_t = 100
    )]
    pub import_max_columns: usize,

    /// Cells an imported sheet may span, counted per row from the first column to its last cell.
    #[arg(
        long,
        env = "REGISTER_IMPORT_MAX_CELLS",
        global = true,
        default_value_t = 2_000_000
    )]
    pub import_max_cells: usize,

    /// Characters one imported cell may hold (Excel's own limit is 32,767).
    #[arg(
        long,
        env = "REGISTER_IMPORT_MAX_CELL_CHARS",
        global = true,
        default_value_t = 32_767
    )]
    pub import_max_cell_chars: usize,

    /// Bytes all the entries of an imported .xlsx file may inflate to, together.
    #[arg(
        long,
        env = "REGISTER_IMPORT_MAX_INFLATED_BYTES",
        global = true,
        default_value_t = 268_435_456
    )]
    pub import_max_inflated_bytes: u64,

    /// Largest compression ratio of one entry of an imported .xlsx file (inflated size over
    /// compressed size), for entries that inflate beyond 1 MiB.
    #[arg(
        long,
        env = "REGISTER_IMPORT_MAX_COMPRESSION_RATIO",
        global = true,
        default_value_t = 100
    )]
    pub import_max_compression_ratio: u64,

    /// Bytes of memory the imports running at once may count on together; an import's share
    /// is estimated from its file before it is parsed.
    #[arg(
        long,
        env = "REGISTER_IMPORT_MEMORY_BYTES",
        global = true,
        default_value_t = 536_870_912
    )]
    pub import_memory_bytes: u64,

    /// Milliseconds an import waits for its share of the memory before it is refused as busy.
    #[arg(
        long,
        env = "REGISTER_IMPORT_WAIT_MS",
        global = true,
        default_value_t = 2_000
    )]
    pub import_wait_ms: u64,

    /// Sign-in for people with an identity provider (OpenID Connect) and their sessions.
    #[command(flatten)]
    pub sign_in: crate::sessions::settings::SignInSettings,

    /// Stored documents and the holders' answer page they are uploaded through.
    #[command(flatten)]
    pub documents: crate::documents::DocumentSettings,
}

/// Parsed once at start, so a country without a numbering plan fails there, not on a request.
fn parse_phone_region(s: &str) -> Result<PhoneRegion, String> {
    CountryCode::parse(s)
        .and_then(PhoneRegion::new)
        .ok_or_else(|| format!("{s:?} is not an ISO 3166-1 alpha-2 country with phone numbers"))
}

/// The file used when `DATABASE_URL` is unset.
pub const DEFAULT_SQLITE_FILE: &str = "transfer-register.sqlite";

impl Config {
    /// Defaults for a given database, as tests and tools build it.
    pub fn for_database(url: impl Into<String>) -> Self {
        Self {
            database_url: Some(url.into()),
            secret: None,
            webhook_allow_insecure: false,
            max_page_size: 1000,
            max_depth: 20,
            max_complexity: 25_000,
            max_body_bytes: 1_048_576,
            request_timeout_secs: 30,
            graphiql: true,
            introspection: true,
            phone_default_country: CountryCode::parse("GB").and_then(PhoneRegion::new),
            delivery_max_attempts: 8,
            delivery_backoff_ms: 30_000,
            delivery_backoff_max_ms: 3_600_000,
            delivery_timeout_ms: 10_000,
            worker_poll_ms: 1_000,
            worker_in_process: true,
            db_readers: 8,
            db_max_connections: 16,
            ws_init_timeout_secs: 5,
            ws_idle_timeout_secs: 300,
            ws_max_lifetime_secs: 28_800,
            expensive_concurrency: 2,
            expensive_wait_ms: 2_000,
            max_subscriptions_per_token: 50,
            max_subscriptions: 1_000,
            max_sockets: 1_000,
            export_page_ids: 900,
            import_max_rows: 100_000,
            import_max_columns: 100,
            import_max_cells: 2_000_000,
            import_max_cell_chars: 32_767,
            import_max_inflated_bytes: 268_435_456,
            import_max_compression_ratio: 100,
            import_memory_bytes: 536_870_912,
            import_wait_ms: 2_000,
            sign_in: crate::sessions::settings::SignInSettings::defaults(),
            documents: crate::documents::DocumentSettings::defaults(),
            smtp_url: None,
            notify_email: None,
            notify_webhook: None,
            notify_webhook_secret: None,
            subprocessor_notice_days: 30,
            metrics_token: None,
            smtp_from: "privacy-register@localhost".into(),
            audit_checkpoint_secs: 3_600,
            audit_checkpoint_file: None,
            audit_seal_ms: 200,
            audit_seal_in_transaction: false,
            webhook_allowed_ports: Vec::new(),
            reference_file: None,
            public_url: None,
            publish_subprocessors: false,
            respond_grace_days: 14,
            reminder_days: vec![7, 2],
            tia_review_months: 12,
            ws_unauthenticated_per_address: 8,
            max_fields: 1_000,
            http_header_timeout_secs: 10,
            http_idle_timeout_secs: 60,
            max_connections: 4_096,
            max_connections_per_address: 256,
        }
    }
}

/// The address `serve` listens on.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[arg(long, env = "REGISTER_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
}

#[cfg(test)]
mod tests;
