//! `--compare-who-holds N` (PostgreSQL): N random subjects answered by both whoHolds paths, the
//! two reads and the one recursive statement, the answers compared record for record and counted
//! equal; and where the time of one answer goes, measured in-process on the same subjects: the
//! statement's round trip, decoding and the walk, the whole GraphQL request, its JSON, and the
//! `{ __typename }` floor (the token check, parsing and execution of the smallest query).

use crate::{
    Args, GRAPHQL,
    generate::{self, Rng},
    queries::TYPENAME,
    stats,
};
use sea_orm::DatabaseConnection;
use std::time::{Duration, Instant};
use transfer_register::{
    AppState,
    graphql::context::Auth,
    service::{
        subjects::{Quoted, SubjectKeys},
        tokens,
        who_holds::{postgres, two_reads},
    },
};

/// Samples of one part of the answer, in order of the printed lines.
#[derive(Default)]
struct Split {
    two_reads: Vec<Duration>,
    statement: Vec<Duration>,
    decode: Vec<Duration>,
    graphql: Vec<Duration>,
    json: Vec<Duration>,
    floor: Vec<Duration>,
}

pub async fn run(
    args: &Args,
    n: usize,
    state: &AppState,
    conn: &DatabaseConnection,
    keys: &SubjectKeys,
    principal: &tokens::Principal,
) -> anyhow::Result<()> {
    let mut rng = Rng::new(args.sizes.seed ^ 0xC0DE);
    let mut split = Split::default();
    let (mut equal, mut holdings) = (0usize, 0usize);
    for _ in 0..n {
        let email = generate::email(1 + rng.below(args.sizes.subjects));
        let quoted = Quoted {
            email: Some(email.clone()),
            ..Default::default()
        };
        let t = Instant::now();
        let reads = two_reads::who_holds(conn, keys, &quoted).await?;
        split.two_reads.push(t.elapsed());

        let t = Instant::now();
        let rows = postgres::rows(conn, keys, &quoted)
            .await?
            .unwrap_or_default();
        split.statement.push(t.elapsed());
        let t = Instant::now();
        let one = postgres::answer(&rows)?;
        split.decode.push(t.elapsed());
        holdings += one.holdings.len();
        equal += usize::from(one == reads);

        let t = Instant::now();
        let request = async_graphql::Request::new(GRAPHQL).variables(
            async_graphql::Variables::from_json(serde_json::json!({ "s": { "email": email } })),
        );
        let response =
            transfer_register::http::execute(state, Auth::Token(principal.clone()), request).await;
        split.graphql.push(t.elapsed());
        anyhow::ensure!(response.errors.is_empty(), "{:?}", response.errors);
        let t = Instant::now();
        let body = serde_json::to_vec(&response)?;
        split.json.push(t.elapsed());
        std::hint::black_box(body);

        let t = Instant::now();
        let floor = transfer_register::http::execute(
            state,
            Auth::Token(principal.clone()),
            async_graphql::Request::new(TYPENAME),
        )
        .await;
        split.floor.push(t.elapsed());
        anyhow::ensure!(floor.errors.is_empty(), "{:?}", floor.errors);
    }
    println!(
        "postgres   compare-who-holds: {equal} of {n} answers equal ({holdings} holdings in all)"
    );
    for (part, samples) in [
        ("two reads (service)", &mut split.two_reads),
        ("one statement: round trip", &mut split.statement),
        ("one statement: decode + walk", &mut split.decode),
        ("GraphQL whoHolds, in-process", &mut split.graphql),
        ("its response to JSON", &mut split.json),
        ("{ __typename }, in-process", &mut split.floor),
    ] {
        let (median, p99) = stats(samples);
        println!("postgres   {part:<32} {median:>10.3?} {p99:>10.3?}");
    }
    anyhow::ensure!(equal == n, "{} answers differ", n - equal);
    Ok(())
}
