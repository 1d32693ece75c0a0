//! Connecting to SQLite or PostgreSQL, applying migrations, and the service secret.

use crate::config::Config;
use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::{
    path::{Path, PathBuf},
    time::Duration,
};

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
    let sqlite_path = config.sqlite_path();
    if let Some(path) = &sqlite_path {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating the database folder {}", parent.display()))?;
        }
        create_owner_only(path)?;
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
    if let Some(path) = &sqlite_path {
        // SQLite gives its WAL and shared-memory files the database file's mode; an existing
        // database (and its companions) made before this rule is tightened here.
        for file in sqlite_files(path) {
            restrict_to_owner(&file)?;
        }
    }
    Ok(db)
}

/// The absolute path of the configured SQLite register when that file does not exist.
pub fn missing_register(config: &Config) -> Option<PathBuf> {
    let path = config.sqlite_path()?;
    let absolute = std::path::absolute(&path).unwrap_or(path);
    (!absolute.is_file()).then_some(absolute)
}

fn whence(config: &Config) -> &'static str {
    if config.database_url.is_some() {
        "from DATABASE_URL"
    } else {
        "DATABASE_URL is unset, so the default file in the working directory"
    }
}

/// Opens a register that must exist already: on SQLite a missing file is refused, naming the
/// absolute path looked at, instead of creating a second, empty register beside the real one.
pub async fn connect_existing(config: &Config) -> anyhow::Result<DatabaseConnection> {
    if let Some(absolute) = missing_register(config) {
        anyhow::bail!(
            "no register at {} ({}); run this command where the service runs, or set DATABASE_URL \
             to its database (`transfer-register init` creates a new register)",
            absolute.display(),
            whence(config),
        );
    }
    connect(config).await
}

/// Opens the register, creating it if needed, and says so on stderr when it does: the API
/// contract lets `token create` make the first token of a new register, but never silently.
pub async fn connect_announced(config: &Config) -> anyhow::Result<DatabaseConnection> {
    if let Some(absolute) = missing_register(config) {
        eprintln!(
            "note: no register at {} ({}): creating a new, empty one. If the service runs on \
             another database, what this command writes is not there: set DATABASE_URL to it",
            absolute.display(),
            whence(config),
        );
    }
    connect(config).await
}

/// Writes a consistent copy of the SQLite register to `target` while other connections keep
/// reading and writing (`VACUUM INTO` runs in one read transaction). `target` must not exist.
pub async fn backup(db: &DatabaseConnection, target: &Path) -> anyhow::Result<()> {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    anyhow::ensure!(
        db.get_database_backend() == DatabaseBackend::Sqlite,
        "`backup` copies a SQLite register; back PostgreSQL up with pg_dump"
    );
    // Created empty, readable by its owner only, before SQLite writes a byte of it: SQLite gives
    // the journal it keeps while writing the same mode, so neither is ever world-readable.
    create_new_owner_only(target).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            anyhow::anyhow!("{} exists already; choose a new file", target.display())
        }
        _ => anyhow::Error::new(e).context(format!("creating {}", target.display())),
    })?;
    let target = target
        .to_str()
        .context("the backup path is not valid UTF-8")?;
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await
    .with_context(|| format!("writing the backup to {target}"))?;
    Ok(())
}

/// The database file and the WAL and shared-memory files SQLite keeps beside it.
pub fn sqlite_files(path: &Path) -> Vec<std::path::PathBuf> {
    let mut files = vec![path.to_path_buf()];
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        files.push(name.into());
    }
    files
}

/// Creates `path`, which must not exist, readable and writable by its owner only (0600) from
/// its first byte.
pub fn create_new_owner_only(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Opens `path` for appending, creating it readable by its owner only (0600) if it is new.
pub fn append_owner_only(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Creates `path` empty and readable by its owner only (0600), unless it exists.
fn create_owner_only(path: &Path) -> anyhow::Result<()> {
    if path.exists() || path.to_str().is_some_and(|p| p.contains(":memory:")) {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e).with_context(|| format!("creating the database {}", path.display())),
    }
}

/// Sets an existing file's mode to 0600 (owner read and write); a missing file is fine.
fn restrict_to_owner(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::metadata(path) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("restricting {} to its owner", path.display()))?;
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("reading {}", path.display()));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
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

/// As [`load_secret`], but never creates a key file: for commands that check what an existing
/// key wrote (`audit verify`), where a new key could only make everything look forged.
pub fn load_existing_secret(config: &Config) -> anyhow::Result<Vec<u8>> {
    if config.secret.as_ref().is_some_and(|s| !s.is_empty()) {
        return load_secret(config);
    }
    let path = config.sqlite_path().context(
        "REGISTER_SECRET is required with PostgreSQL (every instance must share the same secret)",
    )?;
    let key_path = path.with_extension("key");
    anyhow::ensure!(
        key_path.is_file(),
        "the register's key is needed here: set REGISTER_SECRET, or put the key file {} back beside the database",
        key_path.display()
    );
    read_or_create_key(&key_path)
}

fn read_or_create_key(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Write;
    match std::fs::read_to_string(path) {
        Ok(hex_key) => {
            restrict_to_owner(path)?;
            hex::decode(hex_key.trim())
                .with_context(|| format!("the key file {} is not hex", path.display()))
        }
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
