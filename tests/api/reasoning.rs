//! `reasoning` on `TransferAssessment`: the verdict as the questions a lawyer asks, in words, on
//! `assessTransfer` and on the register's own assessments.

use crate::{
    db_tests,
    fixtures::{self, Seed},
    support::TestApp,
};
use serde_json::{Value, json};

db_tests!(
    assess_transfer_gives_the_reasoning_with_the_failed_step_and_its_field,
    the_register_gives_the_reasoning_of_each_transfer,
);

const ASSESS: &str = r#"query($input: AssessTransferInput!) { assessTransfer(input: $input) {
  status explanation reasoning { question answer outcome sources field } } }"#;

/// `(question, outcome, field)` of each step.
fn outline(steps: &Value) -> Vec<(String, String, Value)> {
    steps
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["question"].as_str().expect("question").to_owned(),
                s["outcome"].as_str().expect("outcome").to_owned(),
                s["field"].clone(),
            )
        })
        .collect()
}

fn outcomes(steps: &Value) -> Vec<String> {
    outline(steps).into_iter().map(|(_, o, _)| o).collect()
}

/// No enum code in any answer: no word with an underscore, no SCREAMING word of 4+ letters
/// that is a contract value.
fn in_words(steps: &Value) {
    for s in steps.as_array().expect("steps") {
        let answer = s["answer"].as_str().expect("answer");
        assert!(
            !answer.split_whitespace().any(|w| w.contains('_')),
            "a code in {answer:?}"
        );
        for code in [
            "NON_COMPLIANT",
            "MISSING",
            "SAFEGUARDED",
            "ADEQUATE",
            "NOT_MET",
        ] {
            assert!(!answer.contains(code), "{code} in {answer:?}");
        }
    }
}

async fn assess_transfer_gives_the_reasoning_with_the_failed_step_and_its_field(app: TestApp) {
    let base = json!({ "fromCountry": "IE", "destinationCountry": "IN", "mechanism": "SCC_2021", "sccModule": "C2P",
        "exporterRole": "CONTROLLER", "recipientRole": "PROCESSOR", "signedOn": "2023-01-01",
        "tiaCompletedOn": "2023-01-01", "recipientDpaSignedOn": "2023-01-01", "on": "2026-11-24" });
    let data = app.ok(ASSESS, json!({ "input": base.clone() })).await;
    let steps = &data["assessTransfer"]["reasoning"];
    assert_eq!(data["assessTransfer"]["status"], "SAFEGUARDED");
    assert_eq!(
        outline(steps),
        [
            ("Is this a restricted transfer?", "MET"),
            ("What carries the transfer?", "MET"),
            ("Is that mechanism valid on the day?", "MET"),
            ("Is the contract in force and of the right module?", "MET"),
            ("Is the transfer impact assessment done?", "MET"),
            ("Is there an Art 28 contract with the processor?", "MET"),
        ]
        .map(|(q, o)| (q.to_owned(), o.to_owned(), Value::Null))
    );
    assert!(
        steps[1]["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .any(|s| s.as_str().is_some_and(|s| s.contains("2021/914"))),
        "{steps:#}"
    );
    in_words(steps);

    // Nothing recorded: the safeguard step fails and points at the mechanism.
    let mut none = base.clone();
    none["mechanism"] = json!("NONE");
    let data = app.ok(ASSESS, json!({ "input": none })).await;
    let steps = &data["assessTransfer"]["reasoning"];
    assert_eq!(data["assessTransfer"]["status"], "NON_COMPLIANT");
    assert_eq!(steps[1]["outcome"], "NOT_MET", "{steps:#}");
    assert_eq!(steps[1]["field"], "mechanism");
    assert!(
        steps[1]["answer"]
            .as_str()
            .is_some_and(|a| a.starts_with("No: ")),
        "{steps:#}"
    );
    in_words(steps);

    // No TIA: its own step fails, pointing at the TIA date.
    let mut no_tia = base.clone();
    no_tia["tiaCompletedOn"] = json!(null);
    let data = app.ok(ASSESS, json!({ "input": no_tia })).await;
    let steps = &data["assessTransfer"]["reasoning"];
    assert_eq!(
        outcomes(steps),
        ["MET", "MET", "MET", "MET", "NOT_MET", "MET"],
        "{steps:#}"
    );
    assert_eq!(steps[4]["field"], "tiaCompletedOn");

    // A standing flow on explicit consent: the EDPB's restrictive reading is a warning.
    let mut consent = base.clone();
    consent["mechanism"] = json!("DEROGATION");
    consent["derogation"] = json!("EXPLICIT_CONSENT");
    consent["occasional"] = json!(false);
    let data = app.ok(ASSESS, json!({ "input": consent })).await;
    let steps = &data["assessTransfer"]["reasoning"];
    assert_eq!(data["assessTransfer"]["status"], "DEROGATION");
    assert_eq!(steps[1]["outcome"], "WARNING", "{steps:#}");
    assert!(!outcomes(steps).contains(&"NOT_MET".to_owned()));

    // Inside the EEA: not restricted, so the Chapter V steps do not apply.
    let mut inside = base.clone();
    inside["destinationCountry"] = json!("FR");
    inside["mechanism"] = json!("NONE");
    let data = app.ok(ASSESS, json!({ "input": inside })).await;
    let steps = &data["assessTransfer"]["reasoning"];
    assert_eq!(data["assessTransfer"]["status"], "NOT_RESTRICTED");
    assert_eq!(
        outcomes(steps),
        [
            "NOT_APPLICABLE",
            "NOT_APPLICABLE",
            "NOT_APPLICABLE",
            "NOT_APPLICABLE",
            "NOT_APPLICABLE",
            "MET"
        ],
        "{steps:#}"
    );

    // A UK exporter on the EU clauses alone: the contract step says the Addendum is needed.
    let mut uk = base;
    uk["fromCountry"] = json!("GB");
    let data = app.ok(ASSESS, json!({ "input": uk })).await;
    let steps = &data["assessTransfer"]["reasoning"];
    assert_eq!(steps[3]["outcome"], "NOT_MET", "{steps:#}");
    assert!(
        steps[3]["answer"]
            .as_str()
            .is_some_and(|a| a.contains("UK Addendum")),
        "{steps:#}"
    );
    let explanation = data["assessTransfer"]["explanation"]
        .as_str()
        .expect("text");
    for code in ["UK_ADDENDUM", "(INVALID_MECHANISM)", "(NON_COMPLIANT)"] {
        assert!(!explanation.contains(code), "{code} in {explanation}");
    }
}

async fn the_register_gives_the_reasoning_of_each_transfer(app: TestApp) {
    let Seed {
        to_irish, to_india, ..
    } = fixtures::seed(&app).await;
    let data = app
        .ok(
            r#"query($on: Date) { transferRegister(on: $on) {
                 flow { id } status reasoning { question outcome answer field } } }"#,
            json!({ "on": "2026-11-24" }),
        )
        .await;
    let list = data["transferRegister"].as_array().expect("list");
    let of = |id: &str| {
        list.iter()
            .find(|a| a["flow"]["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {data:#}"))
    };
    let india = of(&to_india);
    assert_eq!(india["status"], "NON_COMPLIANT");
    let failed: Vec<&Value> = india["reasoning"]
        .as_array()
        .expect("steps")
        .iter()
        .filter(|s| s["outcome"] == "NOT_MET")
        .collect();
    assert!(!failed.is_empty(), "{india:#}");
    assert!(failed.iter().all(|s| s["field"].is_string()), "{india:#}");
    in_words(&india["reasoning"]);
    let irish = of(&to_irish);
    assert_eq!(irish["status"], "ADEQUATE");
    assert!(
        irish["reasoning"]
            .as_array()
            .expect("steps")
            .iter()
            .all(|s| s["outcome"] != "NOT_MET"),
        "{irish:#}"
    );
    assert_eq!(irish["reasoning"][1]["outcome"], "MET", "{irish:#}");
}
