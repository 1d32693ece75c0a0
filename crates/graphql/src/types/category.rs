//! `DataCategory` and `SubjectCategory`.

use async_graphql::Object;
use entity::{data_category, subject_category};

/// A dotted data-category code of the taxonomy.
pub struct DataCategory(pub data_category::Model);

/// A category of personal data, in a dotted hierarchy (`contact.email` under `contact`).
#[Object]
impl DataCategory {
    /// Its dotted code, e.g. `financial.payment_card`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Its name for people.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// A special category of GDPR Art 9.
    async fn special(&self) -> bool {
        self.0.special
    }
}

/// A kind of data subject (customer, employee, ...).
pub struct SubjectCategory(pub subject_category::Model);

/// A category of data subjects (customer, employee, job applicant, ...).
#[Object]
impl SubjectCategory {
    /// Its code, e.g. `customer`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Its name for people.
    async fn name(&self) -> &str {
        &self.0.name
    }
}
