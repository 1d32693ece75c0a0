//! `whoHolds` in-process: the service's function and the whole GraphQL request, beside the plain
//! SQL query answering the same question, interleaved in the same run.

use crate::{
    Args, GRAPHQL,
    generate::{self, Rng},
    plain_sql, stats,
};
use sea_orm::DatabaseConnection;
use std::time::Instant;
use transfer_register::{
    AppState,
    domain::identifier::IdentifierKind,
    graphql::context::Auth,
    service::{
        subjects::{Quoted, SubjectKeys},
        tokens, who_holds,
    },
};

pub async fn run(
    args: &Args,
    backend: &str,
    state: &AppState,
    conn: &DatabaseConnection,
    keys: &SubjectKeys,
    principal: &tokens::Principal,
) -> anyhow::Result<()> {
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
        let answer = who_holds::who_holds(conn, keys, &quoted).await?;
        let d_service = t.elapsed();

        let t = Instant::now();
        let request = async_graphql::Request::new(GRAPHQL).variables(
            async_graphql::Variables::from_json(serde_json::json!({ "s": { "email": email } })),
        );
        let response =
            transfer_register::http::execute(state, Auth::Token(principal.clone()), request).await;
        let d_graphql = t.elapsed();
        anyhow::ensure!(response.errors.is_empty(), "{:?}", response.errors);

        let t = Instant::now();
        let hash = keys.hasher.hash(IdentifierKind::Email, &email);
        let rows = plain_sql::who_holds(conn, &hash).await?;
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
