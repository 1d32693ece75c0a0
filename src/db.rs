//! Connecting to SQLite or PostgreSQL, applying migrations, and the service secret.

use crate::config::Config;
use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::{path::Path, time::Duration};

/// The connections of the service: one for writes, one pool for reads.
///
/// On SQLite `write` is a single connection (SQLite has one writer; one connection rules out the
/// busy-snapshot failures of concurrent deferred transactions) and `read` a pool of read-only
/// connections under WAL, which read the last committed state side by side and never wait for
/// the writer. On PostgreSQL both are the same pool.
#[derive(Clone)]
pub struct Pools {
    pub write: DatabaseConnection,
    pub read: DatabaseConnection,
}

/// Opens the configured database and brings its schema up to date (the writer connection).
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let url = config.database_url();
    let mut options = ConnectOptions::new(url.clone());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(30));
    if let Some(path) = config.sqlite_path() {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating the database folder {}", parent.display()))?;
        }
        // One connection: SQLite has one writer, and a single connection rules out the
        // busy-snapshot failures of concurrent deferred transactions. WAL lets the reader pool
        // (see `connect_readers`) and other processes (the CLI, a backup) read meanwhile.
        options
            .max_connections(1)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .foreign_keys(true)
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
            });
    } else {
        options.max_connections(config.db_max_connections.max(1));
    }
    let db = Database::connect(options)
        .await
        .with_context(|| format!("connecting to {}", redact(&url)))?;
    Migrator::up(&db, None)
        .await
        .context("applying migrations")?;
    Ok(db)
}

/// The read pool beside `write` (from [`connect`], which created and migrated the database): on
/// SQLite `REGISTER_DB_READERS` read-only connections under WAL, on PostgreSQL `write` itself.
pub async fn connect_readers(
    config: &Config,
    write: &DatabaseConnection,
) -> anyhow::Result<DatabaseConnection> {
    if config.sqlite_path().is_none() {
        return Ok(write.clone());
    }
    let url = config.database_url();
    let mut options = ConnectOptions::new(url.clone());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(30))
        .max_connections(config.db_readers.max(1))
        .min_connections(1)
        .map_sqlx_sqlite_opts(|o| {
            // The writer put the file in WAL mode; a read-only connection cannot change it.
            o.read_only(true)
                .foreign_keys(true)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
        });
    Database::connect(options)
        .await
        .with_context(|| format!("opening the readers of {}", redact(&url)))
}

/// The writer and the readers of the configured database, migrated.
pub async fn connect_pools(config: &Config) -> anyhow::Result<Pools> {
    let write = connect(config).await?;
    let read = connect_readers(config, &write).await?;
    Ok(Pools { write, read })
}

/// The secret keying hashes, signatures and encryption: `REGISTER_SECRET`, or on SQLite a key
/// file beside the database created once with mode 0600.
pub fn load_secret(config: &Config) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = config.secret.as_ref().filter(|s| !s.is_empty()) {
        anyhow::ensure!(
            secret.len() >= 16,
            "REGISTER_SECRET must be at least 16 characters"
        );
        return Ok(secret.as_bytes().to_vec());
    }
    let path = config.sqlite_path().context(
        "REGISTER_SECRET is required with PostgreSQL (every instance must share the same secret)",
    )?;
    let key_path = path.with_extension("key");
    read_or_create_key(&key_path)
}

fn read_or_create_key(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Write;
    match std::fs::read_to_string(path) {
        Ok(hex_key) => hex::decode(hex_key.trim())
            .with_context(|| format!("the key file {} is not hex", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key: [u8; 32] = rand::random();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(path)
                .with_context(|| format!("creating the key file {}", path.display()))?;
            file.write_all(hex::encode(key).as_bytes())?;
            Ok(key.to_vec())
        }
        Err(e) => Err(e).with_context(|| format!("reading the key file {}", path.display())),
    }
}

/// The URL without its password, for logs and errors.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}
