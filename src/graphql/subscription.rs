//! The root Subscription: live changes of a data-subject request, so a dashboard needs no polling.

use crate::{
    error::AppError,
    graphql::{context::request, policy, types::dsr::DataSubjectRequest},
    service::{
        requests::{DsrKeys, read},
        validate,
    },
};
use async_graphql::{Context, ID, Result, Subscription as SubscriptionObject};
use futures_util::{Stream, StreamExt, stream};
use tokio::sync::broadcast::error::RecvError;

#[derive(Default)]
pub struct Subscription;

/// Live changes, over WebSocket at `/graphql/ws` (`graphql-transport-ws` or `graphql-ws`), so a
/// dashboard needs no polling.
#[SubscriptionObject]
impl Subscription {
    /// The request now, then again after each change of it or its tasks.
    async fn data_subject_request_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
    ) -> Result<impl Stream<Item = Result<DataSubjectRequest>> + use<>> {
        let rc = request(ctx)?.clone();
        // The policy extension guards resolved fields; a subscription's root is checked here.
        policy::check(&rc.auth, "Subscription", "dataSubjectRequestUpdated")?;
        let id = validate::id("id", &id)?;
        read::by_id(&rc.db, id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("data-subject request {id}")))?;
        let receiver = ctx.data::<DsrKeys>()?.events.subscribe();
        let changes = stream::unfold(receiver, move |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(changed) if changed == id => return Some(((), rx)),
                    Ok(_) => {}
                    // Missed some: the state is re-read anyway, so one push covers them.
                    Err(RecvError::Lagged(_)) => return Some(((), rx)),
                    Err(RecvError::Closed) => return None,
                }
            }
        });
        let db = rc.db;
        Ok(stream::once(async {}).chain(changes).then(move |()| {
            let db = db.clone();
            async move {
                read::by_id(&db, id)
                    .await?
                    .map(DataSubjectRequest)
                    .ok_or_else(|| AppError::not_found(format!("data-subject request {id}")).into())
            }
        }))
    }
}
