//! The verdicts' own history: which transfers changed verdict since a date.

use crate::{
    context::request,
    scalars::Date,
    service::{page::PageRequest, verdicts::history},
    types::{connection::VerdictChangeConnection, verdict_change::VerdictChange},
};
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct VerdictChangeQuery;

#[Object]
impl VerdictChangeQuery {
    /// The changes of transfers' verdicts recorded since `since` (00:00 UTC), newest first: each
    /// change of a restricted transfer's verdict (a flow towards one destination) with the old
    /// and new verdict and why it changed. A change is recorded when the register first judges
    /// it, so a correction whose dates lie in the past counts on the day it was made. Today's
    /// verdicts are brought up to date before the answer. `totalCount` counts every change kept.
    async fn verdict_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first day counted (from 00:00 UTC).")] since: Date,
        #[graphql(desc = "How many changes to return (default 50, at most the page size).")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(
            desc = "Also the transfers that appeared or went (default false: only verdicts that changed)."
        )]
        appeared_or_gone: Option<bool>,
    ) -> Result<VerdictChangeConnection> {
        let rc = request(ctx)?;
        let since = since.get("since")?;
        let page = PageRequest::parse(first, after.as_deref(), rc.config.max_page_size)?;
        let today = chrono::Utc::now().date_naive();
        if rc
            .verdicts
            .peek(&rc.read, &rc.reference, today)
            .await?
            .is_none()
        {
            rc.verdicts.get(&rc.read, &rc.reference, today).await?;
        }
        rc.verdicts.record_history(&rc.db).await?;
        let since = since.and_time(chrono::NaiveTime::MIN).and_utc();
        let changes = history::changes_since(
            &rc.read,
            since,
            page.first,
            page.after,
            appeared_or_gone.unwrap_or(false),
        )
        .await?;
        Ok(VerdictChangeConnection::from_page(
            changes,
            |c| c.id,
            VerdictChange,
        ))
    }
}
