//! The outbox: without an SMTP server, an e-mail task's message (and each reminder) is kept here
//! instead of failing, for a person to download (`/exports/outbox/ID.eml`) and send, while the
//! holder can already answer through the link it carries.

use super::mail::Composed;
use crate::{
    error::AppResult,
    page::{Page, PageRequest},
};
use chrono::Utc;
use entity::outbox_message;
use sea_orm::{ActiveValue::Set, prelude::*};

/// Keeps `message` of task `task_id` (none for the register's own notices); its id.
pub async fn put(
    db: &impl ConnectionTrait,
    task_id: Option<i64>,
    message: &Composed,
) -> AppResult<i64> {
    let saved = outbox_message::ActiveModel {
        task_id: Set(task_id),
        to_address: Set(message.to.clone()),
        subject: Set(message.subject.clone()),
        body: Set(message.body.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(saved.id)
}

/// The messages kept, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    page: PageRequest,
) -> AppResult<Page<outbox_message::Model>> {
    crate::page::fetch(
        db,
        outbox_message::Entity::find(),
        outbox_message::Column::Id,
        page,
    )
    .await
}

/// One message, if kept.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> AppResult<Option<outbox_message::Model>> {
    Ok(outbox_message::Entity::find_by_id(id).one(db).await?)
}

impl From<&outbox_message::Model> for Composed {
    fn from(m: &outbox_message::Model) -> Self {
        Self {
            to: m.to_address.clone(),
            subject: m.subject.clone(),
            body: m.body.clone(),
        }
    }
}
