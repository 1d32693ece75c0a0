//! Who may run which operation: one table, enforced in one place before any resolver runs.
//!
//! Deny by default: a root field missing from [`allowed_roles`] is refused for every role, so a
//! new operation cannot ship without a policy (the authorisation-matrix test also checks this).
//! Data-dependent checks (a PROCESSOR's own organisation) live in the services.

use crate::{
    context::{Auth, RequestContext},
    domain::vocab::Role,
};
use async_graphql::{
    ServerResult, Value,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo},
};
use std::sync::Arc;

use Role::*;

const READERS: &[Role] = &[Admin, Procurement, Dpo, Auditor];
const REGISTRARS: &[Role] = &[Admin, Procurement, Dpo];
const PRIVACY: &[Role] = &[Admin, Dpo];
const PRIVACY_READERS: &[Role] = &[Admin, Dpo, Auditor];
const EVERYONE: &[Role] = &[Admin, Procurement, Dpo, Auditor, Processor];

/// The roles allowed to run root field `field` of `operation_type` (`Query`, `Mutation`, `Subscription`).
pub fn allowed_roles(operation_type: &str, field: &str) -> Option<&'static [Role]> {
    let roles = match (operation_type, field) {
        (
            "Query",
            "organisation"
            | "organisations"
            | "processingActivity"
            | "processingActivities"
            | "dataFlow"
            | "dataFlows"
            | "dataCategories"
            | "subjectCategories"
            | "assessTransfer"
            | "transferRegister"
            | "transferRegisterPage"
            | "verdictChanges"
            | "transfersByDestination"
            | "complianceGaps"
            | "whatIf"
            | "adequacyDecisions"
            | "areaCountries"
            | "dueItems"
            | "contract",
        ) => READERS,
        (
            "Query",
            "whoHolds"
            | "dataSubjectRequest"
            | "dataSubjectRequests"
            | "overdueDsrTasks"
            | "auditEvents",
        )
        | ("Subscription", "dataSubjectRequestUpdated") => PRIVACY_READERS,
        (
            "Mutation",
            "registerOrganisation"
            | "updateOrganisation"
            | "offboardOrganisation"
            | "addLocation"
            | "removeLocation"
            | "registerProcessingActivity"
            | "recordDataFlow"
            | "updateDataFlow"
            | "endDataFlow"
            | "updateProcessingActivity"
            | "endProcessingActivity"
            | "defineDataCategory"
            | "defineSubjectCategory"
            | "importRecords"
            // Contracts are procurement's daily work.
            | "recordContract"
            // Its signed document: uploaded by whoever records contracts (downloaded by fewer,
            // see DOCUMENT_READERS).
            | "attachContractDocument"
            | "linkDpfEntry",
        ) => REGISTRARS,
        (
            "Mutation",
            "registerSubject"
            | "registerSubjects"
            | "unlinkSubject"
            | "removeSubject"
            | "fileDataSubjectRequest"
            | "extendDeadline"
            | "closeDataSubjectRequest"
            | "recordDataReturned"
            // The webhook secret signs erasure requests to processors: whoever holds it can
            // forge them, so only those who send them may rotate (and read) it.
            | "rotateWebhookSecret"
            // Chasing a holder, and the e-mails kept while no SMTP server is configured.
            | "sendReminder"
            // Consent or objection under Art 28(2), and who hears of the group's own changes.
            | "decideSubprocessorChange"
            | "addSubprocessorListSubscriber"
            | "removeSubprocessorListSubscriber"
            // A transfer impact assessment is the privacy team's legal judgement (EDPB
            // Recommendations 01/2020): DO_NOT_PROCEED stops a transfer, so not procurement's.
            | "recordTransferImpactAssessment",
        )
        | ("Query", "outbox" | "subprocessorListSubscribers") => PRIVACY,
        ("Mutation", "confirmTask") => &[Admin, Dpo, Processor],
        // A processor announces and withdraws its own changes (which ones is the service's check).
        ("Mutation", "announceSubprocessorChange" | "withdrawSubprocessorChange") => {
            &[Admin, Procurement, Dpo, Processor]
        }
        ("Query", "dsrTasks") => &[Admin, Dpo, Auditor, Processor],
        // A processor reads its own announced changes (which ones is the resolver's filter).
        ("Query", "viewer" | "subprocessorChange" | "subprocessorChanges") => EVERYONE,
        // People's sessions (sign-in with the identity provider): the administrators.
        ("Query", "sessions") | ("Mutation", "endSession") => &[Admin],
        _ => return None,
    };
    Some(roles)
}

/// Whether the caller may run the root field; the refusal is UNAUTHENTICATED or FORBIDDEN.
pub fn check(auth: &Auth, operation_type: &str, field: &str) -> Result<(), crate::error::AppError> {
    use crate::error::AppError;
    let principal = match auth {
        Auth::Token(p) => p,
        Auth::Anonymous | Auth::Rejected => return Err(AppError::Unauthenticated),
    };
    match allowed_roles(operation_type, field) {
        Some(roles) if roles.contains(&principal.role) => Ok(()),
        Some(_) => Err(AppError::Forbidden(format!(
            "the {} role may not run {field}",
            principal.role
        ))),
        None => Err(AppError::Forbidden(format!("{field} has no access policy"))),
    }
}

/// For nested fields that only some of a root field's readers may see (a record's history).
pub fn require(auth: &Auth, field: &str, roles: &[Role]) -> Result<(), crate::error::AppError> {
    use crate::error::AppError;
    match auth.principal() {
        None => Err(AppError::Unauthenticated),
        Some(p) if roles.contains(&p.role) => Ok(()),
        Some(p) => Err(AppError::Forbidden(format!(
            "the {} role may not read {field}",
            p.role
        ))),
    }
}

/// Who may download the exports (`/exports/...`): those who may read the register.
pub const EXPORT_READERS: &[Role] = READERS;

/// Who may download a request's certificate (`/exports/requests/{id}/certificate.*`).
pub const CERTIFICATE_READERS: &[Role] = PRIVACY_READERS;

/// Who may download a message of the outbox (`/exports/outbox/{id}.eml`).
pub const OUTBOX_READERS: &[Role] = PRIVACY;

/// Who may download a stored document (`/documents/{id}`: a holder's evidence file, a contract's
/// signed document). PROCUREMENT uploads contracts' documents and sees their name, size and
/// SHA-256, but does not read them: the signed text is the privacy team's and the auditor's.
pub const DOCUMENT_READERS: &[Role] = PRIVACY_READERS;

/// Who may read the audit trail (and `Organisation.history`).
pub const AUDIT_READERS: &[Role] = PRIVACY_READERS;

/// The async-graphql extension that applies [`check`] to every root field.
pub struct Policy;

impl ExtensionFactory for Policy {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PolicyExtension)
    }
}

struct PolicyExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for PolicyExtension {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // Introspection and `__typename` are open (the schema is public, see `export-schema`)
        // unless introspection is switched off, when it is refused with a clear error.
        if info.path_node.parent.is_none() {
            let rc = ctx.data::<RequestContext>().ok();
            let introspection = matches!(info.name, "__schema" | "__type");
            let refusal = if introspection && rc.is_some_and(|rc| !rc.config.introspection) {
                Err(crate::error::AppError::Forbidden(
                    "introspection is disabled on this server".into(),
                ))
            } else if info.is_for_introspection || info.name.starts_with("__") {
                Ok(())
            } else {
                check(
                    rc.map_or(&Auth::Anonymous, |rc| &rc.auth),
                    info.parent_type,
                    info.name,
                )
            };
            if let Err(err) = refusal {
                let err: async_graphql::Error = err.into();
                return Err(err.into_server_error(info.field.name.pos).with_path(vec![
                    async_graphql::PathSegment::Field(info.alias.unwrap_or(info.name).to_string()),
                ]));
            }
        }
        next.run(ctx, info).await
    }
}
