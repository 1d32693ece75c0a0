//! The closed vocabularies of the register (kinds, roles, mechanisms, ...).
//!
//! Each is stored in the database and shown in the API under the same SCREAMING_SNAKE_CASE
//! name, so `as_str`/`FromStr` are the only conversions and they cannot drift. They are sea-orm
//! value types: an entity column typed with one of them is parsed when it is read, so a stored
//! string never reaches the service or the domain, and an unknown stored value is a database
//! error (`DbErr::TryIntoErr`), not a user error.

/// Declares a vocabulary enum with its string form and its full list of values.
macro_rules! vocab {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            strum::EnumString, strum::IntoStaticStr, strum::Display, strum::EnumIter, strum::VariantArray,
            serde::Serialize, serde::Deserialize, sea_orm::DeriveValueType,
        )]
        #[sea_orm(value_type = "String")]
        #[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// The stored and displayed name of this value.
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
    };
}

vocab!(
    /// The legal regime whose Chapter V governs a transfer.
    Regime { EuGdpr, UkGdpr }
);
vocab!(OrganisationKind {
    GroupCompany,
    Supplier,
    Subcontractor,
    OtherController
});
vocab!(OrganisationStatus {
    Proposed,
    Active,
    Offboarded
});
vocab!(LocationUse {
    Storage,
    Processing,
    RemoteAccess
});
vocab!(RecipientRole {
    Processor,
    SubProcessor,
    Controller,
    JointController
});
vocab!(LawfulBasis {
    Consent,
    Contract,
    LegalObligation,
    VitalInterests,
    PublicTask,
    LegitimateInterests
});
vocab!(TransferMechanism {
    Adequacy,
    EuUsDpf,
    #[strum(serialize = "SCC_2021")]
    #[serde(rename = "SCC_2021")]
    Scc2021,
    UkIdta,
    UkAddendum,
    Bcr,
    CodeOfConduct,
    Certification,
    Derogation,
    PrivacyShield,
    SafeHarbor,
    #[strum(serialize = "SCC_2010")]
    #[serde(rename = "SCC_2010")]
    Scc2010,
    None,
});
vocab!(SccModule { C2c, C2p, P2p, P2c });
vocab!(Derogation {
    ExplicitConsent,
    ContractWithSubject,
    ContractInSubjectInterest,
    PublicInterest,
    LegalClaims,
    VitalInterests,
    PublicRegister,
    CompellingLegitimateInterests,
});
vocab!(VerdictStatus {
    NotRestricted,
    Adequate,
    Safeguarded,
    Derogation,
    NonCompliant
});
vocab!(
    /// Why a transfer's verdict changed (`verdict_change`).
    VerdictChangeCause {
        /// A write to the register (the flow, its chain, its parties, contracts, assessments).
        RegisterWrite,
        /// The date turned: a date in the reference data or the register was crossed.
        DateTurned,
        /// The reference data (the law as the register knows it) changed.
        ReferenceData,
    }
);
vocab!(ProblemCode {
    MissingSafeguard,
    InvalidMechanism,
    ExpiredInstrument,
    ModuleMissing,
    ModuleMismatch,
    TiaMissing,
    NotCertified,
    OutsideAdequacyScope,
    DerogationMissing,
    DpaMissing,
    /// An Art 49 derogation carries a regular or continuing flow where the law ties its point to
    /// occasional (recital 111) or non-repetitive (Art 49(1) second subparagraph) transfers.
    DerogationNotOccasional,
    /// A warning: a regular or continuing flow on a point of Art 49(1) that the law does not limit
    /// to occasional transfers but the EDPB reads restrictively. Does not change the verdict.
    DerogationReadRestrictively,
    /// A warning: an exporter in Iceland, Liechtenstein or Norway relies on an EU adequacy decision
    /// whose incorporation into the EEA Agreement is not confirmed. Does not change the verdict.
    EeaIncorporationUnconfirmed,
    /// The transfer impact assessment on record concluded that the transfer must not proceed.
    TiaDoNotProceed,
    /// A warning: the transfer impact assessment's review date has passed. Does not change the verdict.
    TiaReviewOverdue,
    /// The contract the transfer or the processing needs (DPA, SCCs, IDTA, Addendum, BCR) has expired.
    ContractExpired,
    /// A warning: the importer's entry in the Data Privacy Framework list snapshot and the hand-set
    /// certification disagree. Does not change the verdict.
    DpfListDisagrees,
});

impl ProblemCode {
    /// Whether the code is a warning: reported with the problems, but never a reason for
    /// `NON_COMPLIANT`.
    pub fn is_warning(self) -> bool {
        matches!(
            self,
            Self::DerogationReadRestrictively
                | Self::EeaIncorporationUnconfirmed
                | Self::TiaReviewOverdue
                | Self::DpfListDisagrees
        )
    }
}
vocab!(
    /// How a processor contract authorises sub-processors (Art 28(2)): each one by prior specific
    /// consent, or generally with notice of each change and a window to object.
    SubprocessorAuthorisation { Specific, General }
);
vocab!(
    /// In which role the group carries out a processing activity: for its own purposes, or for
    /// its customers as their processor.
    ActingAs { Controller, Processor }
);
vocab!(
    /// What a processor's announced change does to its sub-processors.
    SubprocessorChangeKind { Add, Relocate, Remove }
);
vocab!(
    /// Where an announced sub-processor change stands.
    SubprocessorChangeStatus {
        Pending,
        Approved,
        Objected,
        AcceptedBySilence,
        Withdrawn,
        Live
    }
);
vocab!(
    /// What a transfer impact assessment concluded (EDPB Recommendations 01/2020, step 3 to 5).
    TiaOutcome { Proceed, ProceedWithMeasures, DoNotProceed }
);
vocab!(
    /// A supplementary measure relied on by a transfer impact assessment, from the kinds of EDPB
    /// Recommendations 01/2020, Annex 2: technical, contractual and organisational.
    SupplementaryMeasure {
        /// Technical: transport encryption of the data in transit.
        EncryptionInTransit,
        /// Technical: encryption at rest, the keys held in the EEA or the UK only (use case 1).
        EncryptionAtRestKeysInEea,
        /// Technical: pseudonymisation, the additional information kept in the EEA or the UK (use case 2).
        Pseudonymisation,
        /// Technical: processing split between processors so that none alone can re-identify (use case 5).
        SplitProcessing,
        /// Contractual: the importer must disclose the laws and requests for access it faces.
        ContractualTransparency,
        /// Contractual: the importer must challenge access requests and inform the exporter.
        ContractualChallenge,
        /// Contractual: audits and inspections of the importer's processing.
        ContractualAudit,
        /// Organisational: internal policies and responsibilities for access requests.
        OrganisationalPolicies,
        /// Organisational: data minimisation, transferring only what is needed.
        DataMinimisation,
        /// Organisational: documenting and reporting access requests received (transparency reports).
        AccessRequestRecords,
    }
);
vocab!(
    /// The kind of a contract on record.
    ContractKind {
        /// The Art 28(3) data processing agreement.
        Dpa,
        /// The 2021 standard contractual clauses (Decision 2021/914), with a module.
        #[strum(serialize = "SCC_2021")]
        #[serde(rename = "SCC_2021")]
        Scc2021,
        UkIdta,
        UkAddendum,
        /// Binding corporate rules as approved.
        Bcr,
    }
);
vocab!(
    /// What is due: the source of a due item.
    DueKind {
        ContractExpiry,
        ContractReview,
        TiaReview,
        DpfLapsed,
        DpfNotListed,
        ObjectionDeadline,
        DsrDeadline,
        /// A transfer's verdict changed by the law (the date turning, new reference data).
        VerdictChangedByLaw,
    }
);
vocab!(
    /// What a token may do; see `graphql::policy` for the operations each role reaches.
    Role { Admin, Procurement, Dpo, Auditor, Processor }
);
vocab!(
    /// What a data subject asks for (Arts 15 to 21).
    DsrKind { Access, Rectification, Erasure, Restriction, Objection, Portability }
);
vocab!(DsrStatus {
    Open,
    InProgress,
    Completed,
    Overdue,
    Closed
});
vocab!(DeliveryChannel {
    Webhook,
    Email,
    Manual
});
vocab!(TaskStatus {
    Pending,
    Sent,
    Acknowledged,
    Completed,
    Failed,
    Exempt
});
vocab!(TaskOutcome {
    Acknowledged,
    Completed,
    Exempt
});

/// Which kind of identifier a subject's hash is of. Stored as the tag hashed in front of the
/// value (`email`, `phone`, `account`), so that an e-mail and an account number spelt alike
/// never collide. Stored hashes depend on the tags: never change one.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    sea_orm::DeriveValueType,
)]
#[sea_orm(value_type = "String")]
pub enum IdentifierKind {
    #[strum(serialize = "email")]
    Email,
    #[strum(serialize = "phone")]
    Phone,
    #[strum(serialize = "account")]
    AccountNumber,
}

impl IdentifierKind {
    pub const ALL: [Self; 3] = [Self::Email, Self::Phone, Self::AccountNumber];

    /// The tag hashed in front of the value, and stored beside the hash.
    pub fn tag(self) -> &'static str {
        self.into()
    }
}

/// Part of `subject_identifier`'s key, which is never generated by the database.
impl sea_orm::TryFromU64 for IdentifierKind {
    fn try_from_u64(_: u64) -> Result<Self, sea_orm::DbErr> {
        Err(sea_orm::DbErr::ConvertFromU64("IdentifierKind"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;
    use strum::VariantArray;

    #[test]
    fn names_round_trip_in_the_contract_spelling() {
        assert_eq!(TransferMechanism::Scc2021.as_str(), "SCC_2021");
        assert_eq!(TransferMechanism::EuUsDpf.as_str(), "EU_US_DPF");
        assert_eq!(SccModule::C2p.as_str(), "C2P");
        assert_eq!(TransferMechanism::Scc2010.as_str(), "SCC_2010");
        assert_eq!(
            serde_json::to_string(&TransferMechanism::Scc2021)
                .ok()
                .as_deref(),
            Some("\"SCC_2021\"")
        );
        assert_eq!(Regime::UkGdpr.as_str(), "UK_GDPR");
        for m in TransferMechanism::VARIANTS {
            assert_eq!(TransferMechanism::from_str(m.as_str()).ok(), Some(*m));
        }
        assert!(OrganisationKind::from_str("group_company").is_err());
    }
}
