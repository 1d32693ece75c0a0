//! Data subjects and `whoHolds`, through the real schema on both databases.

use crate::{
    db_tests,
    fixtures::{activity, flow, org, seed},
    support::{TestApp, assert_error},
};
use serde_json::{Value, json};

mod both_paths;
mod random;

pub const REGISTER: &str = r#"mutation($input: RegisterSubjectInput!) {
  registerSubject(input: $input) { id activities { id } } }"#;

pub const WHO_HOLDS: &str = r#"query($s: SubjectIdentifierInput!) {
  whoHolds(subject: $s) { subject { id activities { id } }
    holdings { organisation { id name } role dataCategories countries path { id } offboarded flows { id } }
    cycles { id } } }"#;

pub async fn register(app: &TestApp, identifiers: Value, activities: &[&str]) -> Value {
    app.ok(
        REGISTER,
        json!({ "input": { "identifiers": identifiers, "activityIds": activities } }),
    )
    .await["registerSubject"]
        .clone()
}

pub async fn who_holds(app: &TestApp, identifiers: Value) -> Value {
    app.ok(WHO_HOLDS, json!({ "s": identifiers })).await["whoHolds"].clone()
}

fn holding<'a>(answer: &'a Value, org: &str) -> &'a Value {
    answer["holdings"]
        .as_array()
        .and_then(|hs| hs.iter().find(|h| h["organisation"]["id"] == json!(org)))
        .unwrap_or_else(|| panic!("{org} holds nothing: {answer:#}"))
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|v| v["id"].as_str().expect("id").to_string())
        .collect()
}

async fn every_way_of_writing_an_identifier_finds_the_same_subject(app: TestApp) {
    let s = seed(&app).await;
    let subject = register(
        &app,
        json!({ "email": "  Ada.Lovelace@Example.COM ", "phone": "+44 (0)20 7946 0958" }),
        &[&s.activity],
    )
    .await;
    for quoted in [
        json!({ "email": "ada.lovelace@example.com" }),
        json!({ "phone": "020 7946 0958" }),
        json!({ "phone": "0044 20 7946 0958" }),
        json!({ "phone": "+442079460958", "email": "ADA.LOVELACE@example.com\t" }),
    ] {
        let answer = who_holds(&app, quoted.clone()).await;
        assert_eq!(answer["subject"]["id"], subject["id"], "{quoted}");
    }
}

async fn invalid_identifiers_are_refused_with_their_field(app: TestApp) {
    let s = seed(&app).await;
    for (identifiers, field) in [
        (json!({ "email": "not an address" }), "email"),
        (json!({ "phone": "call me" }), "phone"),
        (json!({ "phone": "+44 20 79" }), "phone"),
        (json!({ "accountNumber": "   " }), "accountNumber"),
        (json!({}), "identifiers"),
    ] {
        let response = app
            .gql(
                REGISTER,
                json!({ "input": { "identifiers": identifiers, "activityIds": [s.activity] } }),
            )
            .await;
        assert_error(&response, "BAD_USER_INPUT", Some(field));
    }
    let response = app
        .gql(
            REGISTER,
            json!({ "input": { "identifiers": { "email": "a@example.com" }, "activityIds": ["999"] } }),
        )
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("activityIds"));
    assert_eq!(app.count("data_subject").await, 0);
    assert_eq!(app.count("subject_identifier").await, 0);
}

async fn a_new_identifier_extends_the_subject_and_two_subjects_conflict(app: TestApp) {
    let s = seed(&app).await;
    let a = register(&app, json!({ "email": "a@example.com" }), &[&s.activity]).await;
    let again = register(
        &app,
        json!({ "email": "A@example.com", "accountNumber": "ACC-1" }),
        &[],
    )
    .await;
    assert_eq!(a["id"], again["id"]);
    let b = register(&app, json!({ "phone": "+14155550100" }), &[]).await;
    assert_ne!(a["id"], b["id"]);
    let response = app
        .gql(
            REGISTER,
            json!({ "input": { "identifiers": { "accountNumber": "ACC-1", "phone": "+1 415 555 0100" },
                    "activityIds": [] } }),
        )
        .await;
    assert_error(&response, "CONFLICT", None);
    assert_eq!(app.count("data_subject").await, 2);
    assert_eq!(app.count("subject_identifier").await, 3);
}

async fn an_unknown_subject_has_no_holdings(app: TestApp) {
    seed(&app).await;
    let answer = who_holds(&app, json!({ "email": "nobody@example.com" })).await;
    assert_eq!(answer["subject"], Value::Null);
    assert_eq!(answer["holdings"], json!([]));
}

async fn the_seed_subject_is_held_down_the_chain_with_countries_and_paths(app: TestApp) {
    let s = seed(&app).await;
    register(&app, json!({ "accountNumber": "C-77" }), &[&s.activity]).await;
    let answer = who_holds(&app, json!({ "accountNumber": " C-77 " })).await;
    assert_eq!(answer["holdings"].as_array().map(Vec::len), Some(5));
    let parent = holding(&answer, &s.parent);
    assert_eq!(parent["role"], "CONTROLLER");
    assert_eq!(ids(&parent["path"]), vec![s.parent.clone()]);
    let india = holding(&answer, &s.indian_support);
    assert_eq!(india["role"], "SUB_PROCESSOR");
    assert_eq!(india["dataCategories"], json!(["contact.email"]));
    assert_eq!(india["countries"], json!(["IN"]));
    assert_eq!(
        ids(&india["path"]),
        [
            s.parent.clone(),
            s.us_cloud.clone(),
            s.indian_support.clone()
        ]
    );
    assert_eq!(
        ids(&india["flows"]),
        [s.to_us_cloud.clone(), s.to_india.clone()]
    );
    assert_eq!(holding(&answer, &s.irish)["countries"], json!(["IE"]));
    assert_eq!(answer["cycles"], json!([]));

    // The restricted transfers the data made on its way to India: GB -> US, then US -> IN.
    let data = app
        .ok(
            r#"{ whoHolds(subject: { accountNumber: "C-77" }) { holdings { organisation { id }
                 transfers { regime fromCountry destinationCountry mechanism } } } }"#,
            json!({}),
        )
        .await;
    let transfers = &holding(&data["whoHolds"], &s.indian_support)["transfers"];
    let route: Vec<_> = transfers
        .as_array()
        .expect("transfers")
        .iter()
        .map(|t| (t["fromCountry"].clone(), t["destinationCountry"].clone()))
        .collect();
    assert_eq!(
        route,
        [(json!("GB"), json!("US")), (json!("US"), json!("IN"))]
    );
    assert!(
        transfers
            .as_array()
            .expect("t")
            .iter()
            .all(|t| t["regime"] == "UK_GDPR")
    );
    assert_eq!(
        holding(&data["whoHolds"], &s.parent)["transfers"],
        json!([])
    );
}

/// An erasure is sent to whoever whoHolds names: a flow row it cannot decode must fail the
/// answer (INTERNAL), never drop the recipient from it as if the flow did not exist.
async fn a_flow_that_cannot_be_read_is_a_fault_not_a_missing_holder(app: TestApp) {
    use sea_orm::ConnectionTrait;
    let s = seed(&app).await;
    register(&app, json!({ "accountNumber": "C-77" }), &[&s.activity]).await;
    let before = who_holds(&app, json!({ "accountNumber": "C-77" })).await;
    assert_eq!(holding(&before, &s.indian_support)["role"], "SUB_PROCESSOR");
    // Valid JSON, so both databases store it, but not a list of category codes.
    app.state
        .db
        .execute_unprepared(&format!(
            r#"UPDATE data_flow SET data_categories = '{{"not": "codes"}}' WHERE id = {}"#,
            s.to_india
        ))
        .await
        .expect("corrupt the flow");
    let response = app
        .gql(WHO_HOLDS, json!({ "s": { "accountNumber": "C-77" } }))
        .await;
    assert_error(&response, "INTERNAL", None);
    assert_eq!(response["data"], Value::Null, "{response:#}");
}

async fn an_offboarded_recipient_still_holds_and_is_marked(app: TestApp) {
    let s = seed(&app).await;
    register(&app, json!({ "email": "o@example.com" }), &[&s.activity]).await;
    app.ok(
        "mutation($id: ID!) { offboardOrganisation(id: $id) { id } }",
        json!({ "id": s.shield_supplier }),
    )
    .await;
    let answer = who_holds(&app, json!({ "email": "o@example.com" })).await;
    assert_eq!(holding(&answer, &s.shield_supplier)["offboarded"], true);
    assert_eq!(holding(&answer, &s.irish)["offboarded"], false);
}

/// A chain of `depth` flows from a fresh controller; returns (activity, organisations in order).
async fn chain(app: &TestApp, depth: usize) -> (String, Vec<String>) {
    let mut orgs = vec![
        org(
            app,
            json!({ "name": "Controller", "kind": "GROUP_COMPANY", "country": "GB" }),
        )
        .await,
    ];
    let act = activity(app, &orgs[0], &["contact.email"]).await;
    let mut previous: Option<String> = None;
    for i in 0..depth {
        let to = org(
            app,
            json!({ "name": format!("Hop {i}"), "kind": "SUBCONTRACTOR", "country": "US" }),
        )
        .await;
        let id = flow(
            app,
            json!({ "activityId": act, "fromId": orgs[i], "toId": to,
                    "recipientRole": if i == 0 { "PROCESSOR" } else { "SUB_PROCESSOR" },
                    "dataCategories": ["contact.email"], "continuesFlowId": previous }),
        )
        .await;
        previous = Some(id);
        orgs.push(to);
    }
    (act, orgs)
}

async fn chains_of_depth_one_to_six_are_followed_to_the_end(app: TestApp) {
    for depth in 1..=6 {
        let (act, orgs) = chain(&app, depth).await;
        let email = format!("depth{depth}@example.com");
        register(&app, json!({ "email": email }), &[&act]).await;
        let answer = who_holds(&app, json!({ "email": email })).await;
        assert_eq!(answer["holdings"].as_array().map(Vec::len), Some(depth + 1));
        let last = holding(&answer, &orgs[depth]);
        assert_eq!(ids(&last["path"]), orgs);
    }
}

async fn a_subject_in_several_activities_sees_each_chain(app: TestApp) {
    let (a1, o1) = chain(&app, 2).await;
    let (a2, o2) = chain(&app, 3).await;
    let subject = register(&app, json!({ "email": "two@example.com" }), &[&a1, &a2]).await;
    assert_eq!(ids(&subject["activities"]).len(), 2);
    let answer = who_holds(&app, json!({ "email": "two@example.com" })).await;
    assert_eq!(answer["holdings"].as_array().map(Vec::len), Some(7));
    assert_eq!(holding(&answer, &o1[0])["role"], "CONTROLLER");
    assert_eq!(
        holding(&answer, &o2[3])["path"].as_array().map(Vec::len),
        Some(4)
    );
    app.ok(
        "mutation($s: SubjectIdentifierInput!, $a: ID!) { unlinkSubject(subject: $s, activityId: $a) { id } }",
        json!({ "s": { "email": "two@example.com" }, "a": a1 }),
    )
    .await;
    let answer = who_holds(&app, json!({ "email": "two@example.com" })).await;
    assert_eq!(answer["holdings"].as_array().map(Vec::len), Some(4));
    app.ok(
        "mutation($s: SubjectIdentifierInput!) { removeSubject(subject: $s) }",
        json!({ "s": { "email": "two@example.com" } }),
    )
    .await;
    let answer = who_holds(&app, json!({ "email": "two@example.com" })).await;
    assert_eq!(answer["subject"], Value::Null);
    assert_eq!(app.count("subject_identifier").await, 0);
}

async fn branching_chains_and_cycles_are_reported_not_looped(app: TestApp) {
    let c = org(
        &app,
        json!({ "name": "C", "kind": "GROUP_COMPANY", "country": "GB" }),
    )
    .await;
    let p = org(
        &app,
        json!({ "name": "P", "kind": "SUPPLIER", "country": "IE" }),
    )
    .await;
    let q = org(
        &app,
        json!({ "name": "Q", "kind": "SUBCONTRACTOR", "country": "US" }),
    )
    .await;
    let r = org(
        &app,
        json!({ "name": "R", "kind": "SUBCONTRACTOR", "country": "IN" }),
    )
    .await;
    let act = activity(&app, &c, &["contact.email", "identity.name"]).await;
    let f = |from: &str, to: &str, cont: Option<&str>, role: &str| {
        json!({ "activityId": act, "fromId": from, "toId": to, "recipientRole": role,
                "dataCategories": ["contact.email"], "continuesFlowId": cont })
    };
    let cp = flow(&app, f(&c, &p, None, "PROCESSOR")).await;
    flow(&app, f(&p, &q, Some(&cp), "SUB_PROCESSOR")).await;
    let pr = flow(&app, f(&p, &r, Some(&cp), "SUB_PROCESSOR")).await;
    let rp = flow(&app, f(&r, &p, Some(&pr), "SUB_PROCESSOR")).await;
    flow(&app, f(&p, &c, Some(&rp), "CONTROLLER")).await;
    register(&app, json!({ "email": "loop@example.com" }), &[&act]).await;
    let answer = who_holds(&app, json!({ "email": "loop@example.com" })).await;
    assert_eq!(answer["holdings"].as_array().map(Vec::len), Some(4));
    assert_eq!(
        ids(&holding(&answer, &q)["path"]),
        [c.clone(), p.clone(), q.clone()]
    );
    assert_eq!(holding(&answer, &c)["role"], "CONTROLLER");
    let cycles: Vec<Vec<String>> = answer["cycles"]
        .as_array()
        .expect("cycles")
        .iter()
        .map(ids)
        .collect();
    assert_eq!(
        cycles,
        [
            vec![c.clone(), p.clone(), r.clone(), p.clone(), c.clone()],
            vec![p.clone(), r.clone(), p.clone()],
        ]
    );
}

async fn bulk_registration_is_all_or_nothing_and_names_the_entry(app: TestApp) {
    let s = seed(&app).await;
    let q = r#"mutation($inputs: [RegisterSubjectInput!]!) { registerSubjects(inputs: $inputs) { id } }"#;
    let entry =
        |email: &str| json!({ "identifiers": { "email": email }, "activityIds": [s.activity] });
    let response = app
        .gql(q, json!({ "inputs": [entry("a@example.com"), entry("b@example.com"), entry("c@"), entry("d@example.com")] }))
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("inputs[2].email"));
    assert_eq!(app.count("data_subject").await, 0);
    let data = app
        .ok(q, json!({ "inputs": [entry("a@example.com"), entry("b@example.com"), entry("A@example.com")] }))
        .await;
    let made = ids(&data["registerSubjects"]);
    assert_eq!(made[0], made[2]);
    assert_eq!(app.count("data_subject").await, 2);
}

async fn the_database_file_holds_no_identifier_in_the_clear(app: TestApp) {
    let s = seed(&app).await;
    register(
        &app,
        json!({ "email": "Grep.Me@Example.com", "phone": "+44 20 7946 0958", "accountNumber": "ACCT-SECRET-9" }),
        &[&s.activity],
    )
    .await;
    // SQLite only: its file (and WAL) can be read from outside.
    let url = app.state.config.database_url();
    let path = app.state.config.sqlite_path().expect("sqlite path");
    // Push the WAL into the main file, then read both: nothing may be in either.
    use sea_orm::ConnectionTrait;
    app.state
        .db
        .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .expect("checkpoint");
    let mut bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{url}: {e}"));
    bytes.extend(std::fs::read(path.with_extension("sqlite-wal")).unwrap_or_default());
    for needle in [
        "grep.me@example.com",
        "Grep.Me",
        "442079460958",
        "ACCT-SECRET-9",
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} found in the database file"
        );
    }
    assert!(app.count("subject_identifier").await == 3);
}

db_tests!(
    every_way_of_writing_an_identifier_finds_the_same_subject,
    invalid_identifiers_are_refused_with_their_field,
    a_new_identifier_extends_the_subject_and_two_subjects_conflict,
    an_unknown_subject_has_no_holdings,
    the_seed_subject_is_held_down_the_chain_with_countries_and_paths,
    an_offboarded_recipient_still_holds_and_is_marked,
    chains_of_depth_one_to_six_are_followed_to_the_end,
    a_subject_in_several_activities_sees_each_chain,
    branching_chains_and_cycles_are_reported_not_looped,
    bulk_registration_is_all_or_nothing_and_names_the_entry,
    a_flow_that_cannot_be_read_is_a_fault_not_a_missing_holder,
);

crate::sqlite_tests!(the_database_file_holds_no_identifier_in_the_clear,);

/// The CSV import through the real binary, on the test's own SQLite file and secret: the
/// subjects it registers are the ones `whoHolds` then finds.
#[tokio::test]
async fn the_csv_import_command_registers_subjects_whoholds_finds() {
    use std::process::Command;
    let Some(app) = crate::support::TestApp::spawn(crate::support::Backend::Sqlite).await else {
        return;
    };
    let seed = crate::fixtures::seed(&app).await;
    let url = app.state.config.database_url();
    let secret = app.state.config.secret.clone().expect("test secret");
    let import_with = |file: &std::path::Path, extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_transfer-register"))
            .args(["subjects", "import", "--file"])
            .arg(file)
            .args(extra)
            .env("DATABASE_URL", &url)
            .env("REGISTER_SECRET", &secret)
            .env("REGISTER_IMPORT_MAX_CELL_CHARS", "40")
            .output()
            .expect("run")
    };
    let import = |file: &std::path::Path| import_with(file, &[]);
    let dir = tempfile::tempdir().expect("dir");
    let csv = dir.path().join("subjects.csv");
    std::fs::write(
        &csv,
        format!(
            "email,phone,account_number,activity_ids\n Lin@Example.com ,+44 20 7946 0001,,{a}\n,,ACC-9,{a}\n",
            a = seed.activity
        ),
    )
    .expect("write csv");
    let output = import(&csv);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("imported 2 subjects"));
    for subject in [
        json!({ "email": "lin@example.com" }),
        json!({ "accountNumber": "ACC-9" }),
    ] {
        let data = app
            .ok(
                "query($s: SubjectIdentifierInput!) { whoHolds(subject: $s) { subject { id } holdings { organisation { name } } } }",
                json!({ "s": subject }),
            )
            .await;
        assert!(data["whoHolds"]["subject"]["id"].is_string(), "{data:#}");
        assert_eq!(
            data["whoHolds"]["holdings"].as_array().map(Vec::len),
            Some(5),
            "{data:#}"
        );
    }
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "email,phone,account_number,activity_ids\nnot-an-email,,,1\n",
    )
    .expect("write");
    let output = import(&bad);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("line 2"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // A cell beyond REGISTER_IMPORT_MAX_CELL_CHARS is refused, naming the limit, and nothing
    // of that batch is registered; `--no-limits` lifts the limit for a file the operator trusts.
    let long = dir.path().join("long.csv");
    let email = format!("{}@example.com", "l".repeat(40));
    std::fs::write(
        &long,
        format!(
            "email,phone,account_number,activity_ids\n{email},,,{a}\n",
            a = seed.activity
        ),
    )
    .expect("write");
    let before = app.count("data_subject").await;
    let output = import(&long);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "{stderr} {}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(stderr.contains("line 2, column 1"), "{stderr}");
    assert!(
        stderr.contains("REGISTER_IMPORT_MAX_CELL_CHARS"),
        "{stderr}"
    );
    assert_eq!(app.count("data_subject").await, before);
    let output = import_with(&long, &["--no-limits"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(app.count("data_subject").await, before + 1);
}
