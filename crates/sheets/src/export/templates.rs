//! Import templates: an empty import file with its header row (exactly the columns the import
//! reads, [`super::sheets`]) and one example row; in XLSX a second worksheet describes each
//! column. The example rows refer to one another (the activity's controller and the flow's
//! exporter are the example organisation), so imported in order they make a small register.

use super::{
    sheets,
    table::{Cell, Column, Table},
};
use crate::import::ImportKind;

/// Each column's example value and description, in the order of the import's columns.
type Described = &'static [(&'static str, &'static str, &'static str)];

const ORGANISATIONS: Described = &[
    (
        "name",
        "Example Hosting Ltd",
        "Required. The organisation's legal name.",
    ),
    (
        "kind",
        "GROUP_COMPANY",
        "Required. GROUP_COMPANY, SUPPLIER, SUBCONTRACTOR or OTHER_CONTROLLER.",
    ),
    (
        "country",
        "GB",
        "Required. Where it is established: an ISO 3166 alpha-2 code.",
    ),
    ("company_number", "01234567", "Its registration number."),
    (
        "parent",
        "",
        "The ref (else the name) of its parent organisation, listed earlier or already registered.",
    ),
    (
        "privacy_contact_email",
        "privacy@example.com",
        "The privacy or DPO contact's e-mail address.",
    ),
    (
        "erasure_webhook_url",
        "",
        "An HTTPS address that receives erasure requests.",
    ),
    (
        "dpa_signed_on",
        "2025-01-31",
        "The day the data processing agreement was signed (YYYY-MM-DD).",
    ),
    (
        "dpf_certified",
        "false",
        "true when listed under the EU-US Data Privacy Framework.",
    ),
    (
        "status",
        "ACTIVE",
        "PROPOSED, ACTIVE (the default) or OFFBOARDED.",
    ),
    (
        "ref",
        "ORG-EXAMPLE",
        "Your own reference; other files may name the organisation by it.",
    ),
    (
        "security_measures",
        "ISO 27001 certified; encryption at rest",
        "Its technical and organisational security measures (Art 32).",
    ),
    (
        "dpf_uk_extension",
        "",
        "true when its DPF listing includes the UK Extension.",
    ),
    (
        "privacy_shield_certified",
        "",
        "true when it was certified under the Privacy Shield (history only).",
    ),
    (
        "safe_harbor_certified",
        "",
        "true when it was certified under Safe Harbor (history only).",
    ),
    (
        "subject_to_pipeda",
        "",
        "Canada: true when PIPEDA applies to it (the adequacy decision's scope).",
    ),
    (
        "appi_private_sector",
        "",
        "Japan: true when it is in the APPI's private sector (the adequacy decision's scope).",
    ),
    (
        "international_organisation",
        "",
        "The name of the international organisation it is, if it is one.",
    ),
    (
        "gdpr_art3_2",
        "",
        "true when the GDPR applies to it directly under Art 3(2).",
    ),
    (
        "bcr_group",
        "",
        "The name of the binding corporate rules group it belongs to.",
    ),
    (
        "subprocessor_authorisation",
        "GENERAL",
        "For a processor: SPECIFIC or GENERAL, how its contract authorises sub-processors.",
    ),
    (
        "objection_period_days",
        "30",
        "For a processor: the days its contract gives to object to a new sub-processor (0 to 365).",
    ),
];

const LOCATIONS: Described = &[
    (
        "organisation",
        "ORG-EXAMPLE",
        "Required. The ref (else the name) of a registered organisation.",
    ),
    (
        "country",
        "IE",
        "Required. Where the data is: an ISO 3166 alpha-2 code.",
    ),
    (
        "use",
        "STORAGE",
        "Required. STORAGE, PROCESSING or REMOTE_ACCESS.",
    ),
];

const ACTIVITIES: Described = &[
    (
        "ref",
        "ACT-EXAMPLE",
        "Your own reference; flows may name the activity by it.",
    ),
    ("name", "Customer support", "Required. The activity's name."),
    (
        "controller",
        "ORG-EXAMPLE",
        "Required. The ref (else the name) of the controlling organisation.",
    ),
    (
        "purpose",
        "Answering customers' questions",
        "Required. The purposes of the processing.",
    ),
    (
        "lawful_basis",
        "CONTRACT",
        "Required. CONSENT, CONTRACT, LEGAL_OBLIGATION, VITAL_INTERESTS, PUBLIC_TASK or LEGITIMATE_INTERESTS.",
    ),
    (
        "data_categories",
        "identity.name; contact.email",
        "Required. Data category codes of the taxonomy, separated by ';'.",
    ),
    (
        "subject_categories",
        "customer",
        "Required. Data subject category codes, separated by ';'.",
    ),
    (
        "retention",
        "Six years after the contract ends",
        "Required. The time limits for erasure.",
    ),
    (
        "retention_months",
        "72",
        "The retention in months, a whole number.",
    ),
    (
        "security_measures",
        "",
        "The activity's security measures, if not the controller's.",
    ),
    (
        "acting_as",
        "CONTROLLER",
        "CONTROLLER (the default) or PROCESSOR when the group does it for its customers.",
    ),
];

const FLOWS: Described = &[
    (
        "ref",
        "FLOW-EXAMPLE",
        "Your own reference; a later flow may continue this one by it.",
    ),
    (
        "activity",
        "ACT-EXAMPLE",
        "Required. The ref (else the name) of the activity.",
    ),
    (
        "from",
        "ORG-EXAMPLE",
        "Required. The ref (else the name) of the exporting organisation.",
    ),
    (
        "to",
        "SUP-EXAMPLE",
        "Required. The ref (else the name) of the recipient.",
    ),
    (
        "recipient_role",
        "PROCESSOR",
        "Required. PROCESSOR, SUB_PROCESSOR, CONTROLLER or JOINT_CONTROLLER.",
    ),
    (
        "data_categories",
        "contact.email",
        "Required. Data category codes, separated by ';'.",
    ),
    (
        "continues",
        "",
        "The ref of the flow this one continues (an onward transfer).",
    ),
    (
        "mechanism",
        "SCC_2021",
        "ADEQUACY, EU_US_DPF, SCC_2021, UK_IDTA, UK_ADDENDUM, BCR, CODE_OF_CONDUCT, CERTIFICATION, DEROGATION or NONE.",
    ),
    ("scc_module", "C2P", "With SCCs: C2C, C2P, P2P or P2C."),
    (
        "derogation",
        "",
        "With DEROGATION: the Art 49 ground (EXPLICIT_CONSENT, CONTRACT_WITH_SUBJECT, ...).",
    ),
    (
        "tia_completed_on",
        "2025-02-15",
        "The day the transfer impact assessment was completed (YYYY-MM-DD).",
    ),
    (
        "signed_on",
        "2025-01-31",
        "The day the safeguard was signed (YYYY-MM-DD).",
    ),
    ("evidence", "", "Where the signed safeguard is kept."),
    (
        "combines_eu_data",
        "",
        "For a Module Four (P2C) return: true where the EU processor combines the data with personal data it collected in the EU (a transfer impact assessment is then needed).",
    ),
    (
        "processing_changed",
        "",
        "For a flow on the old (2010) SCCs: true once the processing they cover has changed (the transition then no longer holds).",
    ),
];

/// The kind a URL's file stem names (`organisations`, ...).
pub fn kind(stem: &str) -> Option<ImportKind> {
    <ImportKind as clap::ValueEnum>::from_str(stem, true).ok()
}

fn described(kind: ImportKind) -> (&'static [Column], Described) {
    match kind {
        ImportKind::Organisations => (sheets::ORGANISATIONS, ORGANISATIONS),
        ImportKind::Locations => (sheets::LOCATIONS, LOCATIONS),
        ImportKind::Activities => (sheets::ACTIVITIES, ACTIVITIES),
        ImportKind::Flows => (sheets::FLOWS, FLOWS),
        ImportKind::DpfList => (crate::import::dpf::COLUMNS, crate::import::dpf::DESCRIBED),
    }
}

/// The template of `kind`: the import's header, one example row, and (XLSX) the columns
/// described on a second worksheet.
pub fn template(kind: ImportKind) -> Table {
    let (columns, described) = described(kind);
    let mut table = Table::new(
        match kind {
            ImportKind::Organisations => "Organisations",
            ImportKind::Locations => "Locations",
            ImportKind::Activities => "Activities",
            ImportKind::Flows => "Flows",
            ImportKind::DpfList => "DPF list",
        },
        columns,
    );
    table.push(
        columns
            .iter()
            .map(|c| {
                described
                    .iter()
                    .find(|(name, ..)| *name == c.name)
                    .map_or(Cell::Empty, |(_, example, _)| Cell::text(*example))
            })
            .collect(),
    );
    table.notes = Some((
        "Columns",
        columns
            .iter()
            .map(|c| {
                let about = described
                    .iter()
                    .find(|(name, ..)| *name == c.name)
                    .map_or("", |(.., about)| *about);
                (c.name.to_string(), Cell::text(about))
            })
            .collect(),
    ));
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_import_column_is_described_in_order() {
        for kind in [
            ImportKind::Organisations,
            ImportKind::Locations,
            ImportKind::Activities,
            ImportKind::Flows,
            ImportKind::DpfList,
        ] {
            let (columns, described) = described(kind);
            let names: Vec<_> = columns.iter().map(|c| c.name).collect();
            let said: Vec<_> = described.iter().map(|(n, ..)| *n).collect();
            assert_eq!(names, said, "{kind:?}");
            assert!(described.iter().all(|(.., about)| !about.is_empty()));
            assert_eq!(template(kind).rows.len(), 1);
        }
    }
}
