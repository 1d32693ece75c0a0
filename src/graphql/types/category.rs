//! `DataCategory` and `SubjectCategory`.

use async_graphql::Object;
use entity::{data_category, subject_category};

/// A dotted data-category code of the taxonomy.
pub struct DataCategory(pub data_category::Model);

#[Object]
impl DataCategory {
    async fn code(&self) -> &str {
        &self.0.code
    }

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

#[Object]
impl SubjectCategory {
    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }
}
