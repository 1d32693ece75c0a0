//! `bench`: generates a register of the issue's size (or the size given) on SQLite and on
//! PostgreSQL and measures `whoHolds` (the service in-process, and the whole GraphQL request
//! in-process) beside the single plain SQL query answering the same question, interleaved, in
//! the same run. See BENCHMARKS.md.

mod generate;
mod plain_sql;

use anyhow::Context;
use clap::Parser;
use generate::{Rng, Sizes};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::time::{Duration, Instant};
use transfer_register::{
    AppState,
    config::Config,
    db,
    domain::{identifier::IdentifierKind, vocab::Role},
    graphql::context::Auth,
    service::{
        subjects::{Quoted, SubjectKeys},
        tokens, who_holds,
    },
};

const SECRET: &str = "bench-secret-0123456789abcdef";

#[derive(Debug, Parser)]
#[command(
    name = "bench",
    about = "Generate a register and measure whoHolds against plain SQL"
)]
struct Args {
    #[command(flatten)]
    sizes: Sizes,
    /// SQLite database to use (generated if empty).
    #[arg(long, default_value = "sqlite://bench/register.sqlite")]
    sqlite_url: String,
    /// PostgreSQL database to use (generated if empty); empty string skips PostgreSQL.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/bench")]
    postgres_url: String,
    /// Drop what is there and generate again.
    #[arg(long)]
    fresh: bool,
    /// Measured queries per method.
    #[arg(long, default_value_t = 2000)]
    samples: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    println!("sizes: {:?}", args.sizes);
    println!(
        "{:<10} {:<22} {:>10} {:>10} {:>8} {:>8}",
        "database", "method", "median", "p99", "x SQL", "x SQL p99"
    );
    for url in [&args.sqlite_url, &args.postgres_url] {
        if url.is_empty() {
            continue;
        }
        run(&args, url)
            .await
            .with_context(|| format!("benchmarking {}", db::redact(url)))?;
    }
    Ok(())
}

async fn prepare(args: &Args, url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut config = Config::for_database(url);
    config.secret = Some(SECRET.into());
    if args.fresh {
        if let Some(path) = config.sqlite_path() {
            for ext in ["sqlite", "sqlite-wal", "sqlite-shm"] {
                let _ = std::fs::remove_file(path.with_extension(ext));
            }
        } else {
            let admin = sea_orm::Database::connect(url).await?;
            admin
                .execute_unprepared("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
                .await?;
            admin.close().await?;
        }
    }
    let conn = db::connect(&config).await?;
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM data_subject",
        ))
        .await?
        .context("count")?;
    let n: i64 = row.try_get("", "n")?;
    if n == 0 {
        let started = Instant::now();
        eprintln!("generating on {} ...", db::redact(url));
        generate::generate(&conn, args.sizes, SECRET.as_bytes()).await?;
        println!(
            "generated on {} in {:.1?}",
            db::redact(url),
            started.elapsed()
        );
    } else if n as usize != args.sizes.subjects {
        anyhow::bail!(
            "{n} subjects already there, not {}: pass --fresh",
            args.sizes.subjects
        );
    }
    Ok(conn)
}

async fn run(args: &Args, url: &str) -> anyhow::Result<()> {
    let conn = prepare(args, url).await?;
    let backend = if url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    let mut config = Config::for_database(url);
    config.secret = Some(SECRET.into());
    let state = AppState::with_db(config, conn.clone()).await?;
    let keys = SubjectKeys::new(SECRET.as_bytes(), state.config.phone_default_country);
    let name = format!("bench-{}", std::process::id());
    let (_, token) = tokens::create(&conn, &name, Role::Dpo, None, None).await?;
    let principal = tokens::authenticate(&conn, &token)
        .await?
        .context("token")?;

    let mut rng = Rng::new(args.sizes.seed ^ 0xBE4C);
    let (mut service, mut graphql, mut sql) = (Vec::new(), Vec::new(), Vec::new());
    let warmup = 200;
    for i in 0..args.samples + warmup {
        let subject = 1 + rng.below(args.sizes.subjects);
        let email = generate::email(subject);
        let quoted = Quoted {
            email: Some(email.clone()),
            ..Default::default()
        };

        let t = Instant::now();
        let answer = who_holds::who_holds(&conn, &keys, &quoted).await?;
        let d_service = t.elapsed();

        let t = Instant::now();
        let request = async_graphql::Request::new(GRAPHQL).variables(
            async_graphql::Variables::from_json(serde_json::json!({ "s": { "email": email } })),
        );
        let response =
            transfer_register::http::execute(&state, Auth::Token(principal.clone()), request).await;
        let d_graphql = t.elapsed();
        anyhow::ensure!(response.errors.is_empty(), "{:?}", response.errors);

        let t = Instant::now();
        let hash = keys.hasher.hash(IdentifierKind::Email, &email);
        let rows = plain_sql::who_holds(&conn, &hash).await?;
        let d_sql = t.elapsed();
        anyhow::ensure!(
            plain_sql::holders(&rows)
                == answer
                    .holdings
                    .iter()
                    .map(|h| h.holding.organisation_id)
                    .collect(),
            "plain SQL and whoHolds disagree on subject {subject}"
        );
        if i >= warmup {
            service.push(d_service);
            graphql.push(d_graphql);
            sql.push(d_sql);
        }
    }
    let (sql_median, sql_p99) = stats(&mut sql);
    for (method, samples) in [
        ("whoHolds (service)", &mut service),
        ("whoHolds (GraphQL)", &mut graphql),
    ] {
        let (median, p99) = stats(samples);
        println!(
            "{backend:<10} {method:<22} {:>10.3?} {:>10.3?} {:>8.2} {:>8.2}",
            median,
            p99,
            median.as_secs_f64() / sql_median.as_secs_f64(),
            p99.as_secs_f64() / sql_p99.as_secs_f64()
        );
    }
    println!(
        "{backend:<10} {:<22} {:>10.3?} {:>10.3?}",
        "plain SQL (1 query)", sql_median, sql_p99
    );
    Ok(())
}

const GRAPHQL: &str = r#"query($s: SubjectIdentifierInput!) { whoHolds(subject: $s) {
  subject { id } holdings { organisation { id name status } role dataCategories countries path { id } offboarded }
  cycles { id } } }"#;

/// Median and 99th percentile.
fn stats(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort_unstable();
    let at = |q: f64| {
        samples
            .get(((samples.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    (at(0.5), at(0.99))
}
