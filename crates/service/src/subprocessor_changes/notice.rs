//! The objection sent to the processor. It is written in the decision's transaction to the
//! change's outbox of notices, addressed to the processor's erasure webhook (signed on sending,
//! as erasure requests are) or else its privacy contact's e-mail, or MANUAL when it has neither.
//! Its key makes it once only. `crate::notices` sends it (signed POST, e-mail, or the outbox),
//! retrying until it is sent.

use crate::{
    domain::vocab::DeliveryChannel,
    error::{AppError, AppResult},
    organisations,
};
use chrono::Utc;
use entity::{subprocessor_change, subprocessor_notice};
use sea_orm::{ActiveValue::Set, QueryOrder, prelude::*};

/// Writes the objection to `change` for its processor.
pub(crate) async fn send_objection(
    txn: &impl ConnectionTrait,
    change: &subprocessor_change::Model,
) -> AppResult<subprocessor_notice::Model> {
    let processor = organisations::find(txn, change.processor_id, "id").await?;
    let subprocessor = organisations::find(txn, change.subprocessor_id, "id").await?;
    let (channel, recipient) = match (
        processor.erasure_webhook_url.as_deref(),
        processor.privacy_contact_email.as_deref(),
    ) {
        (Some(url), _) => (DeliveryChannel::Webhook, url.to_string()),
        (None, Some(email)) => (DeliveryChannel::Email, email.to_string()),
        (None, None) => (DeliveryChannel::Manual, String::new()),
    };
    let reason = change.reason.as_deref().unwrap_or_default();
    let subject = format!(
        "Objection to your sub-processor change {} ({})",
        change.id, subprocessor.name
    );
    let body = format!(
        "To {processor}:\n\nWe object to the change you announced on {announced} concerning your \
         sub-processor {sub}, to take effect on {effective}.\n\nReason: {reason}\n\nUnder our \
         processor contract (GDPR Art 28(2)), the change must not be made for our processing.\n",
        processor = processor.name,
        announced = change.announced_on,
        sub = subprocessor.name,
        effective = change.effective_on,
    );
    let saved = subprocessor_notice::ActiveModel {
        change_id: Set(change.id),
        key: Set(format!("objection:{}", change.id)),
        recipient: Set(recipient),
        channel: Set(channel),
        subject: Set(subject),
        body: Set(body),
        created_at: Set(Utc::now()),
        sent_at: Set(None),
        subscriber_id: Set(None),
        attempts: Set(0),
        next_attempt_at: Set(None),
        last_error: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(AppError::from)?;
    Ok(saved)
}

/// The notices written about a change, oldest first.
pub async fn of_change(
    db: &impl ConnectionTrait,
    change_id: i64,
) -> AppResult<Vec<subprocessor_notice::Model>> {
    Ok(subprocessor_notice::Entity::find()
        .filter(subprocessor_notice::Column::ChangeId.eq(change_id))
        .order_by_asc(subprocessor_notice::Column::Id)
        .all(db)
        .await?)
}
