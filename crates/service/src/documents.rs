//! Stored documents (signed files): the evidence file a holder attaches to its answer through its
//! link, and the signed document of a contract. The bytes are kept in the database (so several
//! instances on PostgreSQL share them) with their SHA-256, size, the declared file name
//! (sanitised) and content type (informative only), and who uploaded them when. They are served
//! back only to ADMIN, DPO and AUDITOR, always as a download (see `crates/http/src/documents.rs`).

use crate::{
    audit::{self, Actor, Change},
    error::{AppError, AppResult},
    reviews::contracts::ContractRecord,
    validate,
};
use chrono::{DateTime, Utc};
use clap::Args;
use entity::{contract, contract_flow, contract_party, document};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, FromQueryResult, QueryOrder, QuerySelect, TransactionTrait,
    prelude::*,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The settings of stored documents and of the page they are uploaded through (every field has a
/// flag and a variable).
#[derive(Debug, Clone, Args)]
pub struct DocumentSettings {
    /// Largest document stored, in bytes: a holder's evidence file or a contract's signed
    /// document. A larger one is refused whole and changes nothing.
    #[arg(
        long,
        env = "REGISTER_DOCUMENT_MAX_BYTES",
        global = true,
        default_value_t = 10_485_760
    )]
    pub document_max_bytes: usize,

    /// Requests one client address may make to the holders' answer pages (`/respond/...`) in a
    /// minute; more are answered 429.
    #[arg(
        long,
        env = "REGISTER_RESPOND_RATE_PER_MINUTE",
        global = true,
        default_value_t = 30
    )]
    pub respond_rate_per_minute: u32,
}

impl DocumentSettings {
    /// The command line's defaults, as tests and tools build the configuration.
    pub fn defaults() -> Self {
        Self {
            document_max_bytes: 10_485_760,
            respond_rate_per_minute: 30,
        }
    }

    /// The largest multipart body that can carry one document: the file and a form's worth of
    /// text fields and part headers around it.
    pub fn multipart_body_bytes(&self) -> usize {
        self.document_max_bytes.saturating_add(FORM_OVERHEAD_BYTES)
    }
}

/// What a multipart form may carry beside its one file: text fields (at most a few thousand
/// characters each) and part headers.
pub const FORM_OVERHEAD_BYTES: usize = 64 * 1024;

/// Longest file name kept, in characters (the extension is kept when a longer one is cut).
pub const MAX_FILE_NAME_CHARS: usize = 120;

/// The name a file is stored under: its last path part only (a browser or a hostile client may
/// send `C:\Users\..\x.pdf` or `../../etc/passwd`), without control or invisible characters
/// (bidirectional overrides make `exe.pdf` of `fdp.exe`), without leading dots, cut to
/// [`MAX_FILE_NAME_CHARS`] keeping its extension; `document` if nothing is left.
pub fn sanitise_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| *c == ' ' || !(c.is_control() || validate::is_invisible(*c)))
        .collect();
    // Runs of spaces (a line break was one) are one space.
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let cleaned = cleaned.trim_start_matches('.').trim();
    if cleaned.is_empty() {
        return "document".into();
    }
    if cleaned.chars().count() <= MAX_FILE_NAME_CHARS {
        return cleaned.to_string();
    }
    let extension = cleaned
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| !ext.is_empty() && ext.chars().count() <= 10)
        .map(|ext| format!(".{ext}"))
        .unwrap_or_default();
    let keep = MAX_FILE_NAME_CHARS - extension.chars().count();
    let stem: String = cleaned.chars().take(keep).collect();
    format!("{}{extension}", stem.trim_end())
}

/// The SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A file as it was uploaded.
#[derive(Clone)]
pub struct Upload {
    /// The name the client declared (sanitised when stored).
    pub file_name: String,
    /// The content type the client declared.
    pub content_type: Option<String>,
    pub content: Vec<u8>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("size", &self.content.len())
            .finish_non_exhaustive()
    }
}

/// What a document is to whom: its bytes are read only by [`fetch`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromQueryResult)]
#[serde(rename_all = "camelCase")]
pub struct DocumentMeta {
    pub id: i64,
    pub task_id: Option<i64>,
    pub contract_id: Option<i64>,
    pub sha256: String,
    pub size: i64,
    pub file_name: String,
    pub content_type: Option<String>,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: String,
}

/// What a document belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    /// The evidence of a task's answer.
    Task(i64),
    /// A contract's signed document.
    Contract(i64),
}

/// Refuses a file over `max` bytes, or an empty one.
pub fn check_size(field: &str, size: usize, max: usize) -> AppResult<()> {
    if size == 0 {
        return Err(AppError::bad_input(field, "the file is empty"));
    }
    if size > max {
        return Err(AppError::bad_input(
            field,
            format!(
                "the file is {size} bytes; documents may be at most {max} bytes \
                 (REGISTER_DOCUMENT_MAX_BYTES)"
            ),
        ));
    }
    Ok(())
}

fn meta_columns<E: QuerySelect>(query: E) -> E {
    query.select_only().columns([
        document::Column::Id,
        document::Column::TaskId,
        document::Column::ContractId,
        document::Column::Sha256,
        document::Column::Size,
        document::Column::FileName,
        document::Column::ContentType,
        document::Column::UploadedAt,
        document::Column::UploadedBy,
    ])
}

/// Stores `upload` for `owner` inside the caller's transaction, audited as `operation` (the
/// event names the file, its size and SHA-256, never its content).
pub async fn store(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    operation: &'static str,
    owner: Owner,
    upload: &Upload,
    max: usize,
) -> AppResult<DocumentMeta> {
    check_size("file", upload.content.len(), max)?;
    let (task_id, contract_id) = match owner {
        Owner::Task(id) => (Some(id), None),
        Owner::Contract(id) => (None, Some(id)),
    };
    let content_type = upload
        .content_type
        .as_deref()
        .map(|t| t.chars().filter(|c| !c.is_control()).take(100).collect())
        .filter(|t: &String| !t.trim().is_empty());
    let saved = document::ActiveModel {
        task_id: Set(task_id),
        contract_id: Set(contract_id),
        content: Set(upload.content.clone()),
        sha256: Set(sha256_hex(&upload.content)),
        size: Set(i64::try_from(upload.content.len()).unwrap_or(i64::MAX)),
        file_name: Set(sanitise_file_name(&upload.file_name)),
        content_type: Set(content_type),
        uploaded_at: Set(Utc::now()),
        uploaded_by: Set(actor.name.clone()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let meta = DocumentMeta {
        id: saved.id,
        task_id: saved.task_id,
        contract_id: saved.contract_id,
        sha256: saved.sha256,
        size: saved.size,
        file_name: saved.file_name,
        content_type: saved.content_type,
        uploaded_at: saved.uploaded_at,
        uploaded_by: saved.uploaded_by,
    };
    audit::record(
        txn,
        actor,
        Change::created(operation, "document", meta.id, &meta)?,
    )
    .await?;
    Ok(meta)
}

/// The current document of each owner (the newest stored for it); owners without one are absent.
pub async fn current(
    db: &impl ConnectionTrait,
    owners: &[Owner],
) -> AppResult<HashMap<Owner, DocumentMeta>> {
    let tasks: Vec<i64> = owners
        .iter()
        .filter_map(|o| match o {
            Owner::Task(id) => Some(*id),
            Owner::Contract(_) => None,
        })
        .collect();
    let contracts: Vec<i64> = owners
        .iter()
        .filter_map(|o| match o {
            Owner::Contract(id) => Some(*id),
            Owner::Task(_) => None,
        })
        .collect();
    let mut found = HashMap::new();
    if tasks.is_empty() && contracts.is_empty() {
        return Ok(found);
    }
    let rows = meta_columns(document::Entity::find())
        .filter(
            sea_orm::Condition::any()
                .add(document::Column::TaskId.is_in(tasks))
                .add(document::Column::ContractId.is_in(contracts)),
        )
        .order_by_asc(document::Column::Id)
        .into_model::<DocumentMeta>()
        .all(db)
        .await?;
    // In id order, so the newest of an owner is the one left.
    for meta in rows {
        if let Some(task) = meta.task_id {
            found.insert(Owner::Task(task), meta.clone());
        }
        if let Some(contract) = meta.contract_id {
            found.insert(Owner::Contract(contract), meta);
        }
    }
    Ok(found)
}

/// Document `id` with its bytes (`NOT_FOUND` if there is none).
pub async fn fetch(db: &impl ConnectionTrait, id: i64) -> AppResult<(DocumentMeta, Vec<u8>)> {
    let found = document::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("document {id}")))?;
    let meta = DocumentMeta {
        id: found.id,
        task_id: found.task_id,
        contract_id: found.contract_id,
        sha256: found.sha256,
        size: found.size,
        file_name: found.file_name,
        content_type: found.content_type,
        uploaded_at: found.uploaded_at,
        uploaded_by: found.uploaded_by,
    };
    Ok((meta, found.content))
}

/// Contract `id` with its parties and flows (`NOT_FOUND` if there is none).
pub async fn contract_record(db: &impl ConnectionTrait, id: i64) -> AppResult<ContractRecord> {
    let found = contract::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("contract {id}")))?;
    let party_ids = contract_party::Entity::find()
        .filter(contract_party::Column::ContractId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.organisation_id)
        .collect();
    let flow_ids = contract_flow::Entity::find()
        .filter(contract_flow::Column::ContractId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.flow_id)
        .collect();
    Ok(ContractRecord {
        contract: found,
        party_ids,
        flow_ids,
    })
}

/// Attaches the signed document of contract `contract_id` (replacing, as its current one, any
/// attached before, which stays stored and audited), in one audited transaction. Returns the
/// contract.
pub async fn attach_to_contract(
    db: &DatabaseConnection,
    actor: &Actor,
    contract_id: i64,
    upload: &Upload,
    max: usize,
) -> AppResult<ContractRecord> {
    let txn = db.begin().await?;
    let record = contract_record(&txn, contract_id).await?;
    store(
        &txn,
        actor,
        "attachContractDocument",
        Owner::Contract(contract_id),
        upload,
        max,
    )
    .await?;
    txn.commit().await?;
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_keeps_only_its_last_path_part_without_controls_or_invisible_characters() {
        assert_eq!(sanitise_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitise_file_name("C:\\Users\\ada\\proof.pdf"), "proof.pdf");
        assert_eq!(sanitise_file_name("a\r\nb\u{0}.pdf"), "a b.pdf");
        assert_eq!(sanitise_file_name("evil\u{202E}fdp.exe"), "evilfdp.exe");
        assert_eq!(sanitise_file_name(".htaccess"), "htaccess");
        assert_eq!(sanitise_file_name(".."), "document");
        assert_eq!(sanitise_file_name("  \u{200B} "), "document");
        assert_eq!(
            sanitise_file_name("Ärzte – Löschung.pdf"),
            "Ärzte – Löschung.pdf"
        );
    }

    #[test]
    fn a_long_file_name_is_cut_keeping_its_extension() {
        let name = sanitise_file_name(&format!("{}.pdf", "x".repeat(500)));
        assert_eq!(name.chars().count(), MAX_FILE_NAME_CHARS);
        assert!(name.ends_with("x.pdf"), "{name}");
    }

    #[test]
    fn sizes_over_the_limit_and_empty_files_are_refused() {
        assert!(check_size("file", 10, 10).is_ok());
        assert!(check_size("file", 11, 10).is_err());
        assert!(check_size("file", 0, 10).is_err());
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
