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
});
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
