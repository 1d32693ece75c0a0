//! Relay-style connections with `totalCount`, one concrete type per node.

use super::{
    activity::ProcessingActivity, audit::AuditEvent, flow::DataFlow, organisation::Organisation,
    subprocessor::SubprocessorChange,
};
use crate::service::page::{Page, encode_cursor};
use async_graphql::SimpleObject;

/// Where a page stands in the whole list (Relay cursor connections).
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether more rows follow this page.
    pub has_next_page: bool,
    /// The cursor of the page's last row, to pass as `after` for the next page; null when empty.
    pub end_cursor: Option<String>,
}

/// Declares `<Node>Connection` and `<Node>Edge` for a node type.
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty) => {
        #[doc = concat!("A row of `", stringify!($connection), "`, with its cursor.")]
        #[derive(SimpleObject)]
        pub struct $edge {
            /// The row.
            pub node: $node,
            /// An opaque position in the list: pass it as `after` to continue from here.
            pub cursor: String,
        }

        /// A page of rows in the order they were recorded, with the total the filters match.
        #[derive(SimpleObject)]
        pub struct $connection {
            /// The rows of this page.
            pub edges: Vec<$edge>,
            /// Whether more follow, and the cursor to continue from.
            pub page_info: PageInfo,
            /// How many rows the filters match in all pages together.
            pub total_count: i64,
        }

        impl $connection {
            /// Wraps a page of rows, each keyed by its id for the cursor.
            pub fn from_page<M>(
                page: Page<M>,
                id: impl Fn(&M) -> i64,
                wrap: impl Fn(M) -> $node,
            ) -> Self {
                let edges: Vec<$edge> = page
                    .items
                    .into_iter()
                    .map(|m| $edge {
                        cursor: encode_cursor(id(&m)),
                        node: wrap(m),
                    })
                    .collect();
                let end_cursor = edges.last().map(|e| e.cursor.clone());
                Self {
                    edges,
                    page_info: PageInfo {
                        has_next_page: page.has_next_page,
                        end_cursor,
                    },
                    total_count: i64::try_from(page.total_count).unwrap_or(i64::MAX),
                }
            }
        }
    };
}

connection!(OrganisationConnection, OrganisationEdge, Organisation);
connection!(
    VerdictChangeConnection,
    VerdictChangeEdge,
    super::verdict_change::VerdictChange
);
connection!(
    ProcessingActivityConnection,
    ProcessingActivityEdge,
    ProcessingActivity
);
connection!(DataFlowConnection, DataFlowEdge, DataFlow);
connection!(
    SubprocessorChangeConnection,
    SubprocessorChangeEdge,
    SubprocessorChange
);
connection!(AuditEventConnection, AuditEventEdge, AuditEvent);
connection!(
    DataSubjectRequestConnection,
    DataSubjectRequestEdge,
    super::dsr::DataSubjectRequest
);
connection!(DsrTaskConnection, DsrTaskEdge, super::dsr::DsrTask);
connection!(
    SubprocessorListSubscriberConnection,
    SubprocessorListSubscriberEdge,
    super::subprocessor::SubprocessorListSubscriber
);
connection!(
    OutboxMessageConnection,
    OutboxMessageEdge,
    super::respond::OutboxMessage
);

/// One transfer of a page of the register, with its cursor.
#[derive(SimpleObject)]
pub struct TransferAssessmentEdge {
    /// The transfer and its verdict.
    pub node: super::transfer::TransferAssessment,
    /// Names this transfer (its flow and destination) for `after`.
    pub cursor: String,
}

/// A page of the transfer register.
#[derive(SimpleObject)]
pub struct TransferAssessmentConnection {
    /// The transfers of this page, in the order asked for.
    pub edges: Vec<TransferAssessmentEdge>,
    /// Whether another page follows, and the cursor to ask for it.
    pub page_info: PageInfo,
    /// Every transfer the filters keep, on every page.
    pub total_count: i64,
    /// What the verdicts of this page were computed for, and whether they are complete.
    pub verdicts_as_of: VerdictsAsOf,
}

/// What a set of verdicts was computed for. Today's verdicts are kept and brought up to date by
/// every write; when the date turns or the reference data change, the whole register is judged
/// again in the background and the previous verdicts answer, marked incomplete, until it is done.
#[derive(SimpleObject, Clone)]
pub struct VerdictsAsOf {
    /// The date the verdicts judge the register on (the day before today while today's are
    /// being computed).
    pub on: crate::scalars::Date,
    /// The version of the reference data (`reference/transfer_law.json`) they were judged under.
    pub reference_version: String,
    /// False while newer verdicts (a new day, new reference data) are being computed: these
    /// answer until then.
    pub complete: bool,
}

impl VerdictsAsOf {
    /// What `assessed` was computed for.
    pub fn of(assessed: &crate::service::verdicts::Assessed) -> Self {
        Self {
            on: crate::scalars::Date::from(assessed.key.on),
            reference_version: assessed.key.reference_version.clone(),
            complete: assessed.complete,
        }
    }
}

impl TransferAssessmentConnection {
    /// Wraps a page of assessments, each with its cursor.
    pub fn from_page(
        page: Page<(
            std::sync::Arc<crate::service::transfers::FlowAssessment>,
            crate::service::verdicts::TransferCursor,
        )>,
        verdicts_as_of: VerdictsAsOf,
    ) -> Self {
        let edges: Vec<TransferAssessmentEdge> = page
            .items
            .into_iter()
            .map(|(a, cursor)| TransferAssessmentEdge {
                cursor: cursor.encode(),
                node: super::transfer::TransferAssessment(a),
            })
            .collect();
        let end_cursor = edges.last().map(|e| e.cursor.clone());
        Self {
            edges,
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                end_cursor,
            },
            total_count: i64::try_from(page.total_count).unwrap_or(i64::MAX),
            verdicts_as_of,
        }
    }
}
