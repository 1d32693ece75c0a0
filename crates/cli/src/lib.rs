//! The command line: `serve`, `init`, `migrate`, `export-schema`, `token ...`, `backup`.

mod audit_commands;
mod background;
mod export;
mod import;

// The layers below, under the paths they had when the layers were one crate.
use register_domain as domain;
use register_service as service;
use register_service::{config, db, error};

pub use audit_commands::AuditCommand;
use audit_commands::audit_command;
use background::{judge_hourly, sealer};
pub use export::ExportArgs;
use export::{export, parse_format, template};

use crate::{
    config::{Config, ServeArgs},
    domain::{audit::ChainKey, vocab::Role},
    error::AppError,
    service::{Register, requests, tokens},
};
use anyhow::Context;
use chrono::{Duration, Utc};
use clap::{Parser, Subcommand};
use std::{future::Future, pin::Pin, process::ExitCode};

#[derive(Debug, Parser)]
#[command(
    name = "transfer-register",
    version,
    about = "The transfer and processor register (GraphQL)"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the GraphQL service.
    Serve(ServeArgs),
    /// Create the register if needed and its first ADMIN token, printed once on the last line
    /// (refused once the register has any token).
    Init {
        /// The first token's name.
        #[arg(long, default_value = "admin")]
        name: String,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Run only the delivery worker (webhook and e-mail tasks), until SIGINT/SIGTERM.
    Worker,
    /// Print the served schema (SDL).
    ExportSchema,
    /// Manage API tokens (works on the database directly, no server needed).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Data subjects (works on the database directly, no server needed).
    #[command(subcommand)]
    Subjects(SubjectsCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Load the demonstration register (a fictional hosting group); a second run adds nothing.
    Demo,
    /// Import a spreadsheet (.csv or .xlsx, by extension): all rows or none.
    Import(crate::import::ImportArgs),
    /// Export the record of processing, the transfers, the gaps, what a what-if question would
    /// make fail, or a table of the register.
    Export(ExportArgs),
    /// Write an empty import file of KIND: its header row and one example row (XLSX: and a
    /// worksheet describing each column). No database needed.
    Template {
        /// organisations, locations, activities or flows.
        #[arg(value_enum)]
        kind: register_sheets::import::ImportKind,
        /// csv or xlsx (default: the output file's extension, else csv).
        #[arg(long, value_parser = parse_format)]
        format: Option<register_sheets::export::Format>,
        /// Where to write (default: standard output).
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Copy the SQLite register (and its key file) to FILE while the service runs; for
    /// PostgreSQL use pg_dump.
    Backup {
        /// The new file to write (must not exist).
        file: std::path::PathBuf,
    },
}

/// A date as every entrance reads it (`YYYY-MM-DD`, within the register's bounds).
pub(crate) fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    crate::domain::dates::parse(s).ok_or_else(|| crate::domain::dates::refusal("date", s))
}

#[derive(Debug, Subcommand)]
pub enum SubjectsCommand {
    /// Register subjects from a CSV file (email,phone,account_number,activity_ids with ids
    /// separated by `;`), in transactions of 1,000.
    Import {
        #[arg(long)]
        file: std::path::PathBuf,
        /// Lift the limit on a cell's length (`REGISTER_IMPORT_MAX_CELL_CHARS`) for a file you
        /// trust.
        #[arg(long)]
        no_limits: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it, once, on the last line.
    Create {
        #[arg(long)]
        name: String,
        /// ADMIN, PROCUREMENT, DPO, AUDITOR or PROCESSOR.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The organisation a PROCESSOR token is bound to.
        #[arg(long)]
        organisation: Option<i64>,
        /// Days until the token expires, 1 to 3650 (default: never).
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..=MAX_EXPIRES_IN_DAYS))]
        expires_in_days: Option<i64>,
    },
    /// Revoke a token; it is refused from the next request on.
    Revoke {
        #[arg(long)]
        name: String,
    },
    /// List tokens (never their secrets).
    List,
}

/// The longest lifetime a token can be given: ten years.
const MAX_EXPIRES_IN_DAYS: i64 = 3650;

fn parse_role(s: &str) -> Result<Role, String> {
    s.to_ascii_uppercase()
        .parse()
        .map_err(|_| format!("unknown role {s:?}: ADMIN, PROCUREMENT, DPO, AUDITOR or PROCESSOR"))
}

/// Runs the command.
///
/// What the command line needs from the layers above it, handed in by `main`: with it, this
/// crate depends on neither the GraphQL nor the HTTP crate and builds beside them, not after
/// them (they are the cold release build's long pole).
#[derive(Clone, Copy)]
pub struct Api {
    /// The served schema (SDL), for `export-schema`.
    pub sdl: fn() -> String,
    /// The router `serve` answers with, over the opened register.
    pub router: fn(Register) -> anyhow::Result<axum::Router>,
}

/// The future is boxed here so that its code is compiled once, in this crate: a release build
/// compiles an `async fn`'s body in the crate that polls it, so `main` awaiting an unboxed
/// future compiled the whole command line a second time (41 s of the cold build).
pub fn run(cli: Cli, api: Api) -> Pin<Box<dyn Future<Output = anyhow::Result<ExitCode>>>> {
    Box::pin(run_command(cli, api))
}

async fn run_command(cli: Cli, api: Api) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::ExportSchema => {
            print!("{}", (api.sdl)());
        }
        Command::Init { name } => {
            let db = db::connect(&cli.config).await?;
            // The key file too (on SQLite without REGISTER_SECRET): the register is complete,
            // and a PostgreSQL set-up without its secret is told so now rather than at `serve`.
            let key = ChainKey::derive(&db::load_secret(&cli.config)?);
            let (row, secret) = tokens::create_first(&db, &key, &name)
                .await
                .map_err(AppError::into_cli)?;
            if let Some(path) = cli.config.sqlite_path() {
                let path = std::path::absolute(&path).unwrap_or(path);
                println!("register: {}", path.display());
            }
            println!(
                "created the first token {:?} with role {}; it is shown only now, keep it:",
                row.name, row.role
            );
            println!("{secret}");
        }
        Command::Backup { file } => backup(&cli.config, &file).await?,
        Command::Migrate => {
            db::connect(&cli.config).await?;
            println!("migrations applied");
        }
        Command::Serve(args) => serve(cli.config, args, api).await?,
        Command::Worker => worker(cli.config).await?,
        Command::Token(command) => token(cli.config, command).await?,
        Command::Subjects(SubjectsCommand::Import { file, no_limits }) => {
            let db = db::connect_existing(&cli.config).await?;
            let state = Register::with_db(cli.config, db).await?;
            let reader = std::fs::File::open(&file)
                .with_context(|| format!("opening {}", file.display()))?;
            let n = register_sheets::subject_import::import(
                &state.db,
                &crate::service::audit::Actor::command_line(&state.audit_key),
                &state.subject_keys,
                reader,
                if no_limits {
                    usize::MAX
                } else {
                    state.config.import_max_cell_chars
                },
            )
            .await?;
            println!("imported {n} subjects");
        }
        Command::Demo => {
            let state = Register::open(cli.config).await?;
            let keys = crate::service::subjects::SubjectKeys::new(
                &state.secret,
                state.config.phone_default_country,
            );
            let outcome =
                register_sheets::demo::load(&state.db, &state.audit_key, &keys, &state.dsr)
                    .await
                    .map_err(AppError::into_cli)?;
            println!("{outcome}");
        }
        Command::Import(args) => {
            let db = db::connect_existing(&cli.config).await?;
            let state = Register::with_db(cli.config, db).await?;
            return crate::import::run(&state, args).await;
        }
        Command::Export(args) => export(cli.config, args).await?,
        Command::Template {
            kind,
            format,
            output,
        } => template(kind, format, output)?,
        Command::Audit(command) => return audit_command(&cli.config, command).await,
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: Config, args: ServeArgs, api: Api) -> anyhow::Result<()> {
    init_tracing();
    let state = Register::open(config).await?;
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("binding {}", args.bind))?;
    tracing::info!(address = %args.bind, database = %db::redact(&state.config.database_url()), "serving");
    first_run_hints(&state).await;
    let delivery = state
        .config
        .worker_in_process
        .then(|| tokio::spawn(delivery_worker(&state).run()));
    let checkpoints = (state.config.audit_checkpoint_secs > 0).then(|| {
        tokio::spawn(crate::service::checkpoints::publish_on_schedule(
            state.db.clone(),
            state.audit_key.clone(),
            crate::service::checkpoints::Schedule {
                every: std::time::Duration::from_secs(state.config.audit_checkpoint_secs),
                file: state.config.audit_checkpoint_file.clone(),
            },
        ))
    });
    let sealer = tokio::spawn(sealer(&state));
    // Sub-processor changes: accepted by silence after their deadline, live on their date.
    let clock = tokio::spawn(crate::service::subprocessor_changes::clock::run(
        state.db.clone(),
        crate::service::audit::Actor::named("register-clock", "OPERATOR", &state.audit_key),
    ));
    // The register's own notices (objections, subscribers, the digest of what is due).
    let notices = tokio::spawn(
        crate::service::notices::Notifier::new(
            state.db.clone(),
            state.config.clone(),
            state.dsr.sealer.clone(),
        )
        .run(),
    );
    let judge = tokio::spawn(judge_hourly(&state));
    let config = state.config.clone();
    register_server::run(listener, &config, (api.router)(state)?, shutdown_signal())
        .await
        .context("serving HTTP")?;
    // Safe at any point: an attempt cut short stays PENDING and is retried after its lease.
    if let Some(delivery) = delivery {
        delivery.abort();
    }
    if let Some(checkpoints) = checkpoints {
        checkpoints.abort();
    }
    clock.abort();
    notices.abort();
    judge.abort();
    sealer.abort();
    tracing::info!("stopped");
    Ok(())
}

/// What a new operator needs to hear at start: how to get a first token, and that e-mail
/// tasks go to the outbox, for people to send, while no SMTP server is configured.
async fn first_run_hints(state: &Register) {
    match tokens::count(&state.db).await {
        Ok(0) => {
            let hint = "this register has no API token yet: every query will be refused. \
                        Create the first (ADMIN) token with `transfer-register init`, run with \
                        the same DATABASE_URL (or in the same folder for the default SQLite file)";
            tracing::warn!("{hint}");
            eprintln!("{hint}");
        }
        Ok(_) => {}
        Err(err) => tracing::error!(error = %err, "counting tokens failed"),
    }
    warn_without_smtp(&state.config);
}

fn warn_without_smtp(config: &Config) {
    if config.smtp_url.is_none() {
        tracing::warn!(
            "no SMTP server is configured (REGISTER_SMTP_URL): e-mail tasks go to the outbox \
             (the `outbox` query, /exports/outbox/ID.eml) for a person to send by hand"
        );
    }
}

/// `VACUUM INTO` the file, and the key file beside it when the secret is one (without it a
/// restored register cannot find its subjects or open its requests).
async fn backup(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    let source = config
        .sqlite_path()
        .context("`backup` copies a SQLite register; back PostgreSQL up with pg_dump")?;
    let db = db::connect_existing(config).await?;
    // As private as the register (it holds the subject hashes and the sealed requests): created
    // owner-only before its first byte.
    db::backup(&db, file).await?;
    println!("register copied to {}", file.display());
    let key = source.with_extension("key");
    if config.secret.as_deref().is_none_or(str::is_empty) && key.is_file() {
        let target = file.with_extension("key");
        anyhow::ensure!(
            !target.exists(),
            "{} exists already; the key file was not copied",
            target.display()
        );
        let mut copy = db::create_new_owner_only(&target)
            .with_context(|| format!("creating {}", target.display()))?;
        std::io::copy(&mut std::fs::File::open(&key)?, &mut copy)
            .with_context(|| format!("copying the key file to {}", target.display()))?;
        println!("key file copied to {}", target.display());
    }
    Ok(())
}

fn delivery_worker(state: &Register) -> requests::delivery::Worker {
    requests::delivery::Worker::new(state.db.clone(), state.config.clone(), state.dsr.clone())
}

/// The delivery worker alone (as many as wanted on PostgreSQL; on SQLite, one process).
async fn worker(config: Config) -> anyhow::Result<()> {
    init_tracing();
    let state = Register::open(config).await?;
    tracing::info!(database = %db::redact(&state.config.database_url()), "delivering");
    warn_without_smtp(&state.config);
    tokio::select! {
        () = delivery_worker(&state).run() => {},
        () = sealer(&state) => {},
        () = shutdown_signal() => {},
    }
    tracing::info!("stopped");
    Ok(())
}

async fn token(config: Config, command: TokenCommand) -> anyhow::Result<()> {
    // The API contract names `token create` as a way to the first token of a new register, so it
    // may create the register (saying so); listing and revoking need the existing one.
    let db = match command {
        TokenCommand::Create { .. } => db::connect_announced(&config).await?,
        _ => db::connect_existing(&config).await?,
    };
    match command {
        TokenCommand::Create {
            name,
            role,
            organisation,
            expires_in_days,
        } => {
            let expires = expires_in_days
                .map(|d| {
                    Duration::try_days(d)
                        .and_then(|d| Utc::now().checked_add_signed(d))
                        .ok_or_else(|| anyhow::anyhow!("--expires-in-days {d} is out of range"))
                })
                .transpose()?;
            let key = ChainKey::derive(&db::load_secret(&config)?);
            let (row, secret) = tokens::create(&db, &key, &name, role, organisation, expires)
                .await
                .map_err(AppError::into_cli)?;
            println!("created token {:?} with role {}", row.name, row.role);
            println!("{secret}");
        }
        TokenCommand::Revoke { name } => {
            let key = ChainKey::derive(&db::load_secret(&config)?);
            let row = tokens::revoke(&db, &key, &name)
                .await
                .map_err(AppError::into_cli)?;
            println!("revoked token {:?}", row.name);
        }
        TokenCommand::List => {
            let now = Utc::now();
            for t in tokens::list(&db).await.map_err(AppError::into_cli)? {
                let state = tokens::state(&t, now);
                let org = t
                    .organisation_id
                    .map(|o| format!(" organisation={o}"))
                    .unwrap_or_default();
                let expires = t
                    .expires_at
                    .map(|e| format!(" expires={}", e.to_rfc3339()))
                    .unwrap_or_default();
                println!("{}\t{}\t{state}{org}{expires}", t.name, t.role);
            }
        }
    }
    Ok(())
}

/// Structured logs; `RUST_LOG` filters, `LOG_FORMAT=json` for machines.
fn init_tracing() {
    use tracing_subscriber::{EnvFilter, fmt};
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    if std::env::var("LOG_FORMAT").is_ok_and(|f| f == "json") {
        fmt().json().with_env_filter(filter).init();
    } else {
        fmt().with_env_filter(filter).init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "listening for SIGINT failed");
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => tracing::error!(error = %err, "listening for SIGTERM failed"),
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(days: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from([
            "transfer-register",
            "token",
            "create",
            "--name",
            "n",
            "--role",
            "DPO",
            "--expires-in-days",
            days,
        ])
    }

    #[test]
    fn expires_in_days_is_refused_outside_one_to_ten_years_without_panicking() {
        for bad in [
            "0",
            "-1",
            "3651",
            "99999999999999",
            "9223372036854775807",
            "x",
        ] {
            assert!(parse(bad).is_err(), "{bad} is refused");
        }
        for ok in ["1", "3650"] {
            assert!(parse(ok).is_ok(), "{ok} is accepted");
        }
    }
}
