//! `Document`: what is known of a stored file (a holder's evidence, a contract's signed
//! document) without its content, and the loader of the documents of tasks and contracts.

use crate::{
    scalars::Timestamp,
    service::documents::{self, DocumentMeta, Owner},
};
use async_graphql::{ID, Object, dataloader::Loader};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;

/// A stored document.
pub struct Document(pub DocumentMeta);

/// A stored file: a holder's evidence attached to its answer, or a contract's signed document.
/// Its content is never in the API: ADMIN, DPO and AUDITOR download it from `downloadPath`
/// (`GET /documents/{id}`, always as an attachment, `application/octet-stream`).
#[Object]
impl Document {
    /// The document's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The file name the uploader gave, sanitised: no path, no control or invisible characters,
    /// at most 120 characters.
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }

    /// Its size in bytes.
    async fn size(&self) -> i64 {
        self.0.size
    }

    /// The SHA-256 of its content, lowercase hex: what the certificate and the download's
    /// `ETag` name it by.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }

    /// The content type the uploader declared: information only, the download is always
    /// `application/octet-stream`.
    async fn declared_content_type(&self) -> Option<&str> {
        self.0.content_type.as_deref()
    }

    /// When it was uploaded.
    async fn uploaded_at(&self) -> Timestamp {
        Timestamp(self.0.uploaded_at)
    }

    /// Where ADMIN, DPO and AUDITOR download it (with their token or session).
    async fn download_path(&self) -> String {
        format!("/documents/{}", self.0.id)
    }
}

/// The current document of a task or a contract (one query per batch).
pub struct DocumentLoader(pub DatabaseConnection);

impl Loader<Owner> for DocumentLoader {
    type Value = DocumentMeta;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Owner]) -> Result<HashMap<Owner, Self::Value>, Self::Error> {
        Ok(documents::current(&self.0, keys).await?)
    }
}
