//! The verdicts kept per flow, brought up to date write by write, are those of a whole
//! recomputation: random writes of every table a verdict reads, each followed by a read through
//! the cache, then compared with the register judged from scratch.

use crate::{db_tests, fixtures, support::TestApp};
use entity::{data_flow, location, organisation, transfer_impact_assessment as tia};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, EntityTrait, IntoActiveModel, Set};
use transfer_register::{
    domain::{country::CountryCode, vocab},
    service::verdicts::Assessed,
};

db_tests!(
    incremental_verdicts_equal_a_whole_recomputation_after_random_writes,
    a_verdict_changed_by_a_write_is_recorded_once_with_its_cause,
    the_map_counts_equal_the_register_grouped_by_destination,
);

db_tests!(
    postgres_only:
    writers_of_the_register_overlap_and_each_read_sees_what_committed,
);

/// Everything a reader sees of a set of verdicts, in order.
fn seen(a: &Assessed) -> Vec<String> {
    let mut out: Vec<String> = a
        .transfers
        .iter()
        .map(|e| {
            let v = &e.assessment;
            format!(
                "{:?} {} {:?} {:?} {:?} {:?} {} {} {} {:?}",
                v.flow_id,
                v.destination,
                v.regime,
                v.mechanism,
                v.verdict.status,
                v.verdict
                    .problems
                    .iter()
                    .map(|p| p.code)
                    .collect::<Vec<_>>(),
                e.exporter_id,
                e.recipient_name,
                e.exporter_name,
                e.sensitive,
            )
        })
        .collect();
    let gaps = a.gaps(None);
    out.push(format!("gaps {} {}", gaps.assessed, gaps.non_compliant));
    for g in &gaps.groups {
        out.push(format!(
            "{:?}: {:?}",
            g.code,
            g.assessments
                .iter()
                .map(|x| (x.flow_id, x.destination))
                .collect::<Vec<_>>()
        ));
    }
    out
}

const COUNTRIES: [&str; 9] = ["DE", "FR", "IE", "US", "JP", "IN", "GB", "CH", "BR"];
const MECHANISMS: [vocab::TransferMechanism; 4] = [
    vocab::TransferMechanism::None,
    vocab::TransferMechanism::Adequacy,
    vocab::TransferMechanism::Scc2021,
    vocab::TransferMechanism::EuUsDpf,
];

fn country(rng: &mut StdRng) -> CountryCode {
    CountryCode::parse(COUNTRIES[rng.random_range(0..COUNTRIES.len())]).expect("country")
}

/// One random write; a write the database refuses (a flow others still name) is skipped.
pub(crate) async fn random_write(app: &TestApp, rng: &mut StdRng) {
    let db = &app.state.db;
    let orgs = organisation::Entity::find().all(db).await.expect("orgs");
    let flows = data_flow::Entity::find().all(db).await.expect("flows");
    let org = orgs[rng.random_range(0..orgs.len())].clone();
    let flow = flows[rng.random_range(0..flows.len())].clone();
    match rng.random_range(0..11) {
        0 => {
            let mut o = org.into_active_model();
            o.country = Set(country(rng));
            o.update(db).await.expect("org country");
        }
        1 => {
            let mut o = org.clone().into_active_model();
            o.dpf_certified = Set(!org.dpf_certified);
            o.name = Set(format!("{} {}", org.name, rng.random_range(0..10)));
            o.update(db).await.expect("org dpf");
        }
        2 => {
            // Refused when the organisation has that location already.
            let _ = location::ActiveModel {
                id: NotSet,
                organisation_id: Set(org.id),
                country: Set(country(rng)),
                usage: Set(vocab::LocationUse::Storage),
            }
            .insert(db)
            .await;
        }
        3 => {
            if let Some(l) = location::Entity::find()
                .all(db)
                .await
                .expect("locations")
                .first()
            {
                location::Entity::delete_by_id(l.id)
                    .exec(db)
                    .await
                    .expect("delete location");
            }
        }
        4 => {
            let mut f = flow.clone().into_active_model();
            f.id = NotSet;
            f.to_id = Set(org.id);
            f.mechanism = Set(MECHANISMS[rng.random_range(0..MECHANISMS.len())]);
            f.continues_flow_id = Set(rng.random_bool(0.6).then_some(flow.id));
            f.from_id = Set(flow.to_id);
            f.insert(db).await.expect("flow");
        }
        5 => {
            let mut f = flow.into_active_model();
            f.mechanism = Set(MECHANISMS[rng.random_range(0..MECHANISMS.len())]);
            f.update(db).await.expect("flow mechanism");
        }
        6 => {
            let mut f = flow.into_active_model();
            f.from_id = Set(org.id);
            f.update(db).await.expect("flow exporter");
        }
        9 | 10 => {
            // The role of a flow's recipient is the exporter's role of the flows continuing it;
            // an exporter outside the EEA and the UK takes its regime from the flow above.
            let mut f = flow.clone().into_active_model();
            f.recipient_role = Set(if flow.recipient_role == vocab::RecipientRole::Controller {
                vocab::RecipientRole::Processor
            } else {
                vocab::RecipientRole::Controller
            });
            f.scc_module = Set(Some(vocab::SccModule::C2p));
            f.update(db).await.expect("flow role");
        }
        7 => {
            // Refused while other rows name the flow: then nothing changed.
            let _ = data_flow::Entity::delete_by_id(flow.id).exec(db).await;
        }
        _ => {
            let on = chrono::Utc::now().date_naive() - chrono::Days::new(30);
            tia::ActiveModel {
                id: NotSet,
                flow_id: Set(flow.id),
                completed_on: Set(on),
                review_on: Set(on + chrono::Days::new(365)),
                outcome: Set(if rng.random_bool(0.5) {
                    vocab::TiaOutcome::DoNotProceed
                } else {
                    vocab::TiaOutcome::Proceed
                }),
                measures: Set(entity::codes::Codes(Vec::new())),
                laws_assessed: Set(None),
                assessor: Set(None),
                created_at: Set(chrono::Utc::now()),
            }
            .insert(db)
            .await
            .expect("assessment");
        }
    }
}

async fn incremental_verdicts_equal_a_whole_recomputation_after_random_writes(app: TestApp) {
    fixtures::seed(&app).await;
    let today = chrono::Utc::now().date_naive();
    let state = &app.state;
    let first = state
        .verdicts
        .get(&state.read_db, &state.reference, today)
        .await
        .expect("verdicts");
    let mut rng = StdRng::seed_from_u64(29);
    let mut previous = first.clone();
    // Rounds that moved the version: on PostgreSQL a round's writes share one version (the
    // sequencer numbers what committed since the last read), on SQLite each statement has one.
    let mut moved = 0;
    for round in 0..100 {
        for _ in 0..rng.random_range(1..4) {
            random_write(&app, &mut rng).await;
        }
        let kept = state
            .verdicts
            .peek(&state.read_db, &state.reference, today)
            .await
            .expect("verdicts")
            .expect("kept");
        // A round whose writes were all refused leaves the version as it was.
        assert!(
            kept.key.register_version >= previous.key.register_version,
            "round {round}: brought up to the new version"
        );
        assert!(kept.complete);
        let whole = Assessed::compute(&state.read_db, &state.reference, today)
            .await
            .expect("whole");
        assert_eq!(seen(&kept), seen(&whole), "round {round}");
        moved += usize::from(kept.key.register_version > previous.key.register_version);
        previous = kept;
    }
    assert!(moved > 50, "only {moved} of 100 rounds wrote anything");
    assert_eq!(
        state.verdicts.whole_recomputations(),
        1,
        "every write after the first set was applied flow by flow"
    );
}

const CHANGES: &str = r#"query($since: Date!, $all: Boolean) {
  verdictChanges(since: $since, appearedOrGone: $all) {
    totalCount
    edges { node { flowId destinationCountry oldStatus newStatus cause flow { id } } } } }"#;

const PAGE: &str = r#"{ transferRegisterPage(first: 100) {
  edges { node { flow { id } destinationCountry status } }
  verdictsAsOf { on referenceVersion complete } } }"#;

async fn a_verdict_changed_by_a_write_is_recorded_once_with_its_cause(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let page = app.ok(PAGE, serde_json::json!({})).await;
    let as_of = &page["transferRegisterPage"]["verdictsAsOf"];
    assert_eq!(as_of["on"], today.as_str());
    assert_eq!(as_of["complete"], true);
    let changes = |all: bool| {
        let today = today.clone();
        let app = &app;
        async move {
            app.ok(CHANGES, serde_json::json!({ "since": today, "all": all }))
                .await["verdictChanges"]
                .clone()
        }
    };
    assert_eq!(
        changes(false).await["totalCount"],
        0,
        "the first verdicts recorded are the baseline"
    );
    // The US cloud's transfer loses its safeguard.
    let before = page["transferRegisterPage"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["node"]["flow"]["id"] == seed.to_us_cloud.as_str())
        .map(|e| e["node"]["status"].clone())
        .expect("the US transfer");
    assert_ne!(before, "NON_COMPLIANT");
    app.ok(
        "mutation($input: UpdateDataFlowInput!) { updateDataFlow(input: $input) { id } }",
        serde_json::json!({ "input": { "id": seed.to_us_cloud, "sccModule": "C2C" } }),
    )
    .await;
    for _ in 0..2 {
        let recorded = changes(false).await;
        assert_eq!(recorded["totalCount"], 1, "recorded once: {recorded}");
        let change = &recorded["edges"][0]["node"];
        assert_eq!(change["flowId"], seed.to_us_cloud.as_str());
        assert_eq!(change["flow"]["id"], seed.to_us_cloud.as_str());
        assert_eq!(change["destinationCountry"], "US");
        assert_eq!(change["oldStatus"], before);
        assert_ne!(change["newStatus"], before);
        assert_eq!(change["cause"], "REGISTER_WRITE");
    }
    // A new transfer appears: not a verdict that changed, unless asked for.
    fixtures::flow(
        &app,
        serde_json::json!({ "activityId": seed.activity, "fromId": seed.parent,
            "toId": seed.indian_support, "recipientRole": "PROCESSOR",
            "dataCategories": ["contact.email"] }),
    )
    .await;
    assert_eq!(changes(false).await["totalCount"], 1);
    let all = changes(true).await;
    assert_eq!(all["totalCount"], 2, "{all}");
    assert!(all["edges"][0]["node"]["oldStatus"].is_null());
}

async fn the_map_counts_equal_the_register_grouped_by_destination(app: TestApp) {
    fixtures::seed(&app).await;
    let whole = app
        .ok(
            "{ transferRegister { destinationCountry status flow { to { name } } } }",
            serde_json::json!({}),
        )
        .await;
    let mut expected: std::collections::BTreeMap<
        String,
        (i64, std::collections::BTreeMap<String, i64>),
    > = std::collections::BTreeMap::new();
    for t in whole["transferRegister"].as_array().expect("register") {
        let entry = expected
            .entry(
                t["destinationCountry"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
            .or_default();
        entry.0 += 1;
        *entry
            .1
            .entry(t["status"].as_str().unwrap_or_default().to_string())
            .or_default() += 1;
    }
    let map = app
        .ok(
            "{ transfersByDestination { destinationCountry total worstStatus counts { status count } } }",
            serde_json::json!({}),
        )
        .await;
    let mut got = std::collections::BTreeMap::new();
    for d in map["transfersByDestination"].as_array().expect("map") {
        let counts: std::collections::BTreeMap<String, i64> = d["counts"]
            .as_array()
            .expect("counts")
            .iter()
            .map(|c| {
                (
                    c["status"].as_str().unwrap_or_default().to_string(),
                    c["count"].as_i64().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(d["worstStatus"], d["counts"][0]["status"]);
        got.insert(
            d["destinationCountry"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            (d["total"].as_i64().unwrap_or_default(), counts),
        );
    }
    assert!(!got.is_empty());
    assert_eq!(got, expected);
}

/// Two writers of the register overlap on PostgreSQL: while one holds a write to an organisation
/// of the register open, another changes a flow's safeguard and commits (before, it waited on
/// the register version's row until the first committed: here that wait would never end, so
/// the write is bounded). The next read sees the committed write and not the open one, and once
/// that commits, the read after sees it too.
async fn writers_of_the_register_overlap_and_each_read_sees_what_committed(app: TestApp) {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let seed = fixtures::seed(&app).await;
    let status = |page: &serde_json::Value| {
        page["transferRegisterPage"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .find(|e| e["node"]["flow"]["id"] == seed.to_us_cloud.as_str())
            .map(|e| e["node"]["status"].clone())
            .expect("the US transfer")
    };
    let before = status(&app.ok(PAGE, serde_json::json!({})).await);
    let slow = app.state.db.begin().await.expect("begin");
    slow.execute_unprepared(&format!(
        "UPDATE organisation SET name = name || ' (renamed)' WHERE id = {}",
        seed.indian_support
    ))
    .await
    .expect("the open write");
    let fast = app.ok(
        "mutation($input: UpdateDataFlowInput!) { updateDataFlow(input: $input) { id } }",
        serde_json::json!({ "input": { "id": seed.to_us_cloud, "sccModule": "C2C" } }),
    );
    tokio::time::timeout(std::time::Duration::from_mins(1), fast)
        .await
        .expect("the second writer waited for the first");
    let after = app.ok(PAGE, serde_json::json!({})).await;
    assert_ne!(
        status(&after),
        before,
        "the committed write is seen at once"
    );
    let names = r#"{ organisations(first: 100) { edges { node { name } } } }"#;
    let renamed = |page: serde_json::Value| page.to_string().contains("(renamed)");
    assert!(!renamed(app.ok(names, serde_json::json!({})).await));
    slow.commit().await.expect("commit");
    assert!(renamed(app.ok(names, serde_json::json!({})).await));
    // The open write's change was sequenced after the other: both are behind the version read.
    let pending: i64 = app
        .state
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT count(*) AS n FROM register_change WHERE version IS NULL",
        ))
        .await
        .expect("count")
        .expect("row")
        .try_get("", "n")
        .expect("n");
    assert!(pending > 0, "the renaming waits for the next reader");
    app.ok(PAGE, serde_json::json!({})).await;
    let pending: i64 = app
        .state
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT count(*) AS n FROM register_change WHERE version IS NULL",
        ))
        .await
        .expect("count")
        .expect("row")
        .try_get("", "n")
        .expect("n");
    assert_eq!(pending, 0, "sequenced by the read");
}
