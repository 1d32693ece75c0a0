//! A variable declared non-null without a default, and given no value, is the caller's mistake:
//! `BAD_USER_INPUT` naming the variable, never `INTERNAL` (async-graphql raises it while the
//! field runs, with a path, where the service's own faults are raised too).

use crate::{
    db_tests,
    support::{TestApp, assert_error},
};
use serde_json::json;

db_tests!(a_non_null_variable_given_no_value_is_bad_user_input_naming_it);

async fn a_non_null_variable_given_no_value_is_bad_user_input_naming_it(app: TestApp) {
    for (query, variable) in [
        (
            "query($on: Date!) { transferRegister(on: $on) { status } }",
            "on",
        ),
        (
            "query($ends: Date!) { whatIf(mechanism: EU_US_DPF, endsOn: $ends) { subjectCount } }",
            "ends",
        ),
        (
            "mutation($c: String!) { importRecords(kind: ORGANISATIONS, fileName: \"a.csv\", content: $c) { imported } }",
            "c",
        ),
    ] {
        let response = app.gql(query, json!({})).await;
        assert_error(&response, "BAD_USER_INPUT", Some(variable));
        let message = response["errors"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            message.contains(&format!("${variable}")) && message.contains("no value"),
            "{response:#}"
        );
    }
    // Given a default, the same declaration is fine.
    let defaulted = app
        .gql(
            r#"query($on: Date! = "2026-01-01") { complianceGaps(on: $on) { assessed } }"#,
            json!({}),
        )
        .await;
    assert!(defaulted.get("errors").is_none(), "{defaulted:#}");
}
