//! `bench`: generates a register of the issue's size (or the size given) on SQLite and on
//! PostgreSQL and measures `whoHolds` (the service in-process, and the whole GraphQL request
//! in-process) beside the single plain SQL query answering the same question, interleaved, in
//! the same run. See BENCHMARKS.md.
#![allow(
    clippy::too_many_lines,
    reason = "each function is one measured scenario, run in order"
)]

mod args;
mod compare;
mod dsr;
mod exports;
mod generate;
mod in_process;
mod load;
mod pages;
mod plain_sql;
mod queries;
mod writes;

use args::{Args, Group};
use load::stats;
use queries::{CHEAP, EXPENSIVE, GAPS, PAGE, REGISTER_ORG, TYPENAME, UPDATE_ORG, WHOLE};

use anyhow::Context;
use clap::Parser;
use generate::Rng;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::time::{Duration, Instant};
use transfer_register::{
    AppState,
    config::Config,
    db,
    domain::{identifier::IdentifierKind, vocab::Role},
    service::{subjects::SubjectKeys, tokens},
};

/// The service's allocator (see `src/main.rs`), so the bench measures what `serve` runs.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const SECRET: &str = "bench-secret-0123456789abcdef";

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
            format!(
                "SELECT COUNT(*) AS n FROM data_subject WHERE id <= {}",
                args.sizes.subjects
            ),
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
    // The erasure figures deliver to receivers on loopback over plain HTTP.
    config.webhook_allow_insecure = true;
    // The service's split: the generator's connection is the writer; reads go to the readers.
    let read = db::connect_readers(&config, &conn).await?;
    let state = AppState::with_pools(
        config,
        db::Pools {
            write: conn.clone(),
            read: read.clone(),
        },
    )
    .await?;
    let keys = SubjectKeys::new(SECRET.as_bytes(), state.config.phone_default_country);
    let name = format!("bench-{}", std::process::id());
    let (_, token) = tokens::create(&conn, &state.audit_key, &name, Role::Dpo, None, None).await?;
    let principal = tokens::authenticate(&conn, &token)
        .await?
        .context("token")?;

    if args.only.contains(&Group::Exports) {
        exports::run(&args.serve_binary, backend, url, SECRET, &token).await?;
        if args.only == [Group::Exports] {
            return Ok(());
        }
    }
    let wide = dsr::prepare(&conn, SECRET.as_bytes(), args.holders, args.erasures).await?;
    if args.samples > 0 {
        in_process::run(args, backend, &state, &read, &keys, &principal).await?;
    }
    if args.compare_who_holds > 0 && backend == "postgres" {
        compare::run(
            args,
            args.compare_who_holds,
            &state,
            &read,
            &keys,
            &principal,
        )
        .await?;
    }
    if args.http {
        over_http(args, backend, &state, &read, &keys, &token, &wide).await?;
    }
    Ok(())
}

const GRAPHQL: &str = r#"query($s: SubjectIdentifierInput!) { whoHolds(subject: $s) {
  subject { id } holdings { organisation { id name status } role dataCategories countries path { id } offboarded }
  cycles { id } } }"#;

/// The HTTP figures, each bounded by `--requests`/`--writes` and `--seconds`.
async fn over_http(
    args: &Args,
    backend: &str,
    state: &AppState,
    read: &DatabaseConnection,
    keys: &SubjectKeys,
    token: &str,
    wide: &[i64],
) -> anyhow::Result<()> {
    use load::{Bound, Client, drive};
    use transfer_register::service::verdicts::TransferCursor;
    let url = load::serve(state.clone()).await?;
    let _sealer = writes::Sealer::start(state);
    let max_time = Duration::from_secs(args.seconds);
    let subjects = args.sizes.subjects;
    let flows = args.sizes.flows;
    println!(
        "{:<10} {:<38} {:>7} {:>11} {:>10} {:>10} {:>6}",
        "database", "figure (over HTTP unless said)", "n", "rate", "median", "p99", "errors"
    );
    let report = |outcome: &mut load::Outcome, figure: &str| {
        println!("{}", outcome.line(backend, figure));
        if let Some(e) = &outcome.first_error {
            println!("{backend:<10}   first error: {e}");
        }
    };

    let clients = |n: usize| -> anyhow::Result<Vec<Client>> {
        (0..n.max(1)).map(|_| Client::new(&url, token)).collect()
    };
    if args.measures(Group::Whoholds) {
        // whoHolds over HTTP, and the plain SQL through the same reader pool, same concurrency.
        let bound = Bound {
            connections: args.connections,
            max_requests: args.requests,
            max_time,
        };
        let pool = clients(args.connections)?;
        let mut http = drive(bound, |w| {
            let client = pool[w].clone();
            move |i: usize| {
                let client = client.clone();
                async move {
                    let subject = 1 + Rng::new(i as u64 ^ 0x5EED).below(subjects);
                    client
                        .check(
                            GRAPHQL,
                            serde_json::json!({ "s": { "email": generate::email(subject) } }),
                        )
                        .await
                }
            }
        })
        .await;
        report(
            &mut http,
            &format!("whoHolds, {} connections", args.connections),
        );
        let mut sql = drive(bound, |_| {
            let (read, keys) = (read.clone(), keys.clone());
            move |i: usize| {
                let (read, keys) = (read.clone(), keys.clone());
                async move {
                    let subject = 1 + Rng::new(i as u64 ^ 0x5EED).below(subjects);
                    let hash = keys
                        .hasher
                        .hash(IdentifierKind::Email, &generate::email(subject));
                    plain_sql::who_holds(&read, &hash).await.map(|_| ())
                }
            }
        })
        .await;
        report(
            &mut sql,
            &format!("plain SQL in-process, {} tasks", args.connections),
        );
        println!(
            "{backend:<10} whoHolds over HTTP / plain SQL throughput: {:.2}",
            http.rate() / sql.rate().max(1e-9)
        );
        // The floor under any answer over HTTP here: the token check, routing, GraphQL parsing
        // and JSON of the smallest query, with the same clients and concurrency.
        let mut floor = drive(bound, |w| {
            let client = pool[w].clone();
            move |_: usize| {
                let client = client.clone();
                async move { client.check(TYPENAME, serde_json::json!({})).await }
            }
        })
        .await;
        report(
            &mut floor,
            &format!("{{ __typename }}, {} connections", args.connections),
        );
    }

    let client = Client::new(&url, token)?;
    if args.measures(Group::Register) {
        // The transfer register: a cold page (verdicts built), then warm pages and gaps.
        let t = Instant::now();
        let first = client.post(PAGE, serde_json::json!({})).await?;
        println!(
            "{backend:<10} {:<38} {:>7} {:>11} {:>10.3?}   (totalCount {})",
            "page of 100, cold (verdicts computed)",
            1,
            "",
            t.elapsed(),
            first["data"]["transferRegisterPage"]["totalCount"]
        );
        let bound = Bound {
            connections: args.register_connections,
            max_requests: args.requests.min(5_000),
            max_time,
        };
        let pool = clients(args.register_connections)?;
        let mut pages = drive(bound, |w| {
            let client = pool[w].clone();
            move |i: usize| {
                let client = client.clone();
                async move {
                    // After the last destination of the flow before: the page starts at a
                    // random flow's first transfer.
                    let after = TransferCursor {
                        flow_id: Rng::new(i as u64 ^ 0xFA6E).below(flows) as i64 - 1,
                        destination: transfer_register::domain::country::CountryCode::parse("ZW")
                            .context("ZW is a country")?,
                        key: None,
                        order: transfer_register::service::verdicts::Order::default(),
                    }
                    .encode();
                    client
                        .check(PAGE, serde_json::json!({ "after": after }))
                        .await
                }
            }
        })
        .await;
        report(
            &mut pages,
            &format!(
                "page of 100 transfers, {} connections",
                args.register_connections
            ),
        );
        let mut gaps = drive(bound, |w| {
            let client = pool[w].clone();
            move |_: usize| {
                let client = client.clone();
                async move { client.check(GAPS, serde_json::json!({})).await }
            }
        })
        .await;
        report(
            &mut gaps,
            &format!("complianceGaps, {} connections", args.register_connections),
        );
        // One write, then the first page after it: the verdicts of the flows the write can affect
        // are assessed again (an organisation renamed: its flows' names), the rest kept. Twenty
        // rounds, one after the other, next to the warm page above.
        let organisations = args.sizes.organisations;
        let mut after_write = load::Outcome::default();
        let started = Instant::now();
        for i in 0..20_u64 {
            let id = 1 + Rng::new(i ^ 0x0123).below(organisations);
            let input = serde_json::json!({ "input": {
                "id": id.to_string(), "name": format!("Organisation {id} r{i}") } });
            let round = async {
                client.check(UPDATE_ORG, input).await?;
                let t = Instant::now();
                client.check(PAGE, serde_json::json!({})).await?;
                anyhow::Ok(t.elapsed())
            }
            .await;
            match round {
                Ok(page) => after_write.latencies.push(page),
                Err(e) => {
                    after_write.errors += 1;
                    after_write
                        .first_error
                        .get_or_insert_with(|| format!("{e:#}"));
                }
            }
        }
        after_write.elapsed = started.elapsed();
        report(&mut after_write, "page of 100, first after one write");
        let mut whole = drive(
            Bound {
                connections: 1,
                max_requests: 5,
                max_time,
            },
            |_| {
                let client = client.clone();
                move |_: usize| {
                    let client = client.clone();
                    async move { client.check(WHOLE, serde_json::json!({})).await }
                }
            },
        )
        .await;
        // Five requests, one after the other: each one's time, in order, before the summary sorts them.
        let each: Vec<String> = whole.latencies.iter().map(|d| format!("{d:.0?}")).collect();
        report(&mut whole, "transferRegister { status }, warm");
        println!("{backend:<10}   in order: {}", each.join(", "));
    }

    if args.measures(Group::Pages) {
        // The console in headless Chromium: each page of the navigation clicked, as a person does.
        if args.only.is_empty() && !std::path::Path::new(&args.chromedriver).exists() {
            println!(
                "{backend:<10} console pages skipped: no {}",
                args.chromedriver
            );
        } else {
            let options = pages::Options {
                chromedriver: &args.chromedriver,
                chromium: &args.chromium,
                rounds: args.page_rounds,
            };
            pages::run(&options, backend, url.trim_end_matches("/graphql"), token).await?;
        }
    }

    if args.measures(Group::Writes) {
        // registerOrganisation with 16 connections, twice back to back on the same register:
        // first with every writer sealing its audit event in its own transaction (holding the
        // chain's head until its commit: how every write worked before sealing moved after
        // commit), then as `serve` runs by default (events sealed after commit by the sealer,
        // whose lag is sampled meanwhile).
        let run = std::process::id();
        let mut in_transaction = (*state.config).clone();
        in_transaction.audit_seal_in_transaction = true;
        let before_url = load::serve(
            AppState::with_pools(
                in_transaction,
                db::Pools {
                    write: state.db.clone(),
                    read: state.read_db.clone(),
                },
            )
            .await?,
        )
        .await?;
        for (n, (how, url)) in [
            ("sealed in its transaction", before_url.as_str()),
            ("sealed after commit", url.as_str()),
        ]
        .into_iter()
        .enumerate()
        {
            let pool = (0..args.write_connections.max(1))
                .map(|_| Client::new(url, token))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let lag = writes::LagSampler::start(state.db.clone());
            let mut writes = drive(
                Bound {
                    connections: args.write_connections,
                    max_requests: args.writes,
                    max_time,
                },
                |w| {
                    let client = pool[w].clone();
                    move |i: usize| {
                        let client = client.clone();
                        async move {
                            client
                                .check(
                                    REGISTER_ORG,
                                    serde_json::json!({ "input": {
                                        "name": format!("Load Supplier {run}-{n}-{i}"),
                                        "kind": "SUPPLIER", "country": "US" } }),
                                )
                                .await
                        }
                    }
                },
            )
            .await;
            report(
                &mut writes,
                &format!(
                    "registerOrganisation, {} conns, {how}",
                    args.write_connections
                ),
            );
            let lag = lag.stop(&state.db).await?;
            println!("{backend:<10}   audit sealer: {lag}");
        }

        // A write invalidates the verdicts: the next page pays for them once.
        let t = Instant::now();
        client.post(PAGE, serde_json::json!({})).await?;
        println!(
            "{backend:<10} {:<38} {:>7} {:>11} {:>10.3?}",
            "page of 100, first after writes",
            1,
            "",
            t.elapsed()
        );
    }

    if args.measures(Group::Pressure) {
        // A cheap query's latency while `--pressure-connections` whole-register requests run;
        // refused ones (CONFLICT, BUSY) count as errors of the expensive figure.
        let cheap_pool = clients(1)?;
        let pressure_pool = clients(args.pressure_connections)?;
        let expensive = drive(
            Bound {
                connections: args.pressure_connections,
                max_requests: args.requests,
                max_time,
            },
            |w| {
                let client = pressure_pool[w].clone();
                move |i: usize| {
                    let client = client.clone();
                    async move {
                        client
                            .check(EXPENSIVE[i % EXPENSIVE.len()], serde_json::json!({}))
                            .await
                    }
                }
            },
        );
        let cheap = async {
            // Let the expensive requests take the pool first.
            tokio::time::sleep(Duration::from_millis(200)).await;
            drive(
                Bound {
                    connections: 1,
                    max_requests: args.requests,
                    max_time: max_time.saturating_sub(Duration::from_millis(400)),
                },
                |_| {
                    let client = cheap_pool[0].clone();
                    move |_: usize| {
                        let client = client.clone();
                        async move { client.check(CHEAP, serde_json::json!({})).await }
                    }
                },
            )
            .await
        };
        let (mut expensive, mut cheap) = tokio::join!(expensive, cheap);
        report(
            &mut expensive,
            &format!(
                "whole-register requests, {} connections",
                args.pressure_connections
            ),
        );
        report(&mut cheap, "cheap query meanwhile, 1 connection");
    }

    if args.measures(Group::Dsr) {
        // An erasure of a subject `--holders` organisations hold, and the delivery of every task.
        let mut figures = dsr::run(
            state,
            &client,
            wide,
            args.erasures,
            args.delivery_workers,
            Duration::from_secs(args.seconds.max(60)),
        )
        .await?;
        report(
            &mut figures.filing,
            &format!("fileDataSubjectRequest, {} holders", wide.len()),
        );
        println!(
            "{backend:<10} {:<38} {:>7} {:>9.0}/s {:>10.3?}   of {} tasks: lost {}, twice {}, not SENT {}",
            format!(
                "webhook delivery, {} worker(s)",
                args.delivery_workers.max(1)
            ),
            figures.delivered,
            figures.delivered as f64 / figures.elapsed.as_secs_f64().max(1e-9),
            figures.elapsed,
            figures.expected,
            figures.lost,
            figures.twice,
            figures.not_sent
        );
    }

    println!(
        "{backend:<10} peak memory of the process (VmHWM): {}",
        load::peak_memory().unwrap_or_else(|| "unknown".into())
    );
    Ok(())
}
