//! The GraphQL documents the HTTP figures send.

pub const PAGE: &str = r#"query($after: String) { transferRegisterPage(first: 100, after: $after) {
  edges { cursor node { flow { id } regime destinationCountry mechanism status problems { code } } }
  pageInfo { hasNextPage endCursor } totalCount } }"#;
pub const TYPENAME: &str = "{ __typename }";
/// The cheap query of the pressure figure: one small read of the register.
pub const CHEAP: &str =
    "{ viewer { role } organisations(first: 5) { edges { node { id name } } } }";
/// The whole-register requests of the pressure figure, taken in turn: a page judged on a past
/// date (every flow assessed again), a what-if, and gaps on a past date.
pub const EXPENSIVE: [&str; 3] = [
    r#"{ transferRegisterPage(first: 10, on: "2025-06-01") { totalCount } }"#,
    r#"{ whatIf(mechanism: EU_US_DPF, endsOn: "2026-01-01") { subjectCount } }"#,
    r#"{ complianceGaps(on: "2025-06-01") { assessed nonCompliant } }"#,
];
pub const GAPS: &str = "{ complianceGaps { assessed nonCompliant byCode { code count } } }";
pub const WHOLE: &str = "{ transferRegister { status } }";
pub const REGISTER_ORG: &str = r#"mutation($input: RegisterOrganisationInput!) {
  registerOrganisation(input: $input) { id } }"#;
pub const UPDATE_ORG: &str = r#"mutation($input: UpdateOrganisationInput!) {
  updateOrganisation(input: $input) { id } }"#;
