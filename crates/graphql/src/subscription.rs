//! The root Subscription: live changes of a data-subject request, so a dashboard needs no polling.

use crate::{
    context::request,
    error::AppError,
    loaders::Loaders,
    policy,
    service::{
        limits::Limits,
        requests::{DsrKeys, read},
    },
    types::dsr::DataSubjectRequest,
};
use async_graphql::{Context, ID, Result, Subscription as SubscriptionObject};
use futures_util::{StreamExt, stream};
use std::sync::Arc;
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
    ) -> Result<futures_util::stream::BoxStream<'static, Result<DataSubjectRequest>>> {
        let rc = request(ctx)?.clone();
        // The policy extension guards resolved fields; a subscription's root is checked here.
        policy::check(&rc.auth, "Subscription", "dataSubjectRequestUpdated")?;
        let id = crate::ids::parse("id", &id)?;
        read::by_id(&rc.read, id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("data-subject request {id}")))?;
        // Counted against the token's and the server's limits until the stream is dropped.
        let token = rc.auth.principal().map_or(0, |p| p.token_id);
        let guard = ctx.data::<Arc<Limits>>()?.open_subscription(token)?;
        let events = &ctx.data::<DsrKeys>()?.events;
        // Each push shows the records as they are then: what the operation's loaders read for
        // the last push (an organisation's name, say) is forgotten before the next.
        let loaders = ctx.data::<Arc<Loaders>>()?.clone();
        let db = rc.read;
        let now = {
            let db = db.clone();
            stream::once(async move { read_request(&db, id).await })
        };
        let Some(loaded) = events.subscribe_loaded() else {
            // A feed without a reader: each subscriber reads the request itself.
            let receiver = events.subscribe();
            let changes = stream::unfold(receiver, move |mut rx| async move {
                loop {
                    match rx.recv().await {
                        Ok(changed) if changed == id => return Some(((), rx)),
                        Ok(_) => {}
                        Err(RecvError::Lagged(_)) => return Some(((), rx)),
                        Err(RecvError::Closed) => return None,
                    }
                }
            });
            let reads = changes.then(move |()| {
                let db = db.clone();
                async move { read_request(&db, id).await }
            });
            return Ok(now
                .chain(reads.inspect(move |_| loaders.forget()))
                .map(move |item| {
                    let _open = &guard;
                    item
                })
                .boxed());
        };
        // One read per change, shared by every subscriber; only a missed change is read again.
        let changes = stream::unfold(loaded, move |mut rx| {
            let db = db.clone();
            async move {
                loop {
                    match rx.recv().await {
                        Ok(loaded) if loaded.request.id == id => {
                            return Some((
                                Ok(DataSubjectRequest::with_tasks(
                                    loaded.request.clone(),
                                    loaded.tasks.clone(),
                                )),
                                rx,
                            ));
                        }
                        Ok(_) => {}
                        Err(RecvError::Lagged(_)) => {
                            return Some((read_request(&db, id).await, rx));
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            }
        });
        Ok(now
            .chain(changes.inspect(move |_| loaders.forget()))
            .map(move |item| {
                let _open = &guard;
                item
            })
            .boxed())
    }
}

/// The request now, for a subscriber.
async fn read_request(db: &sea_orm::DatabaseConnection, id: i64) -> Result<DataSubjectRequest> {
    read::by_id(db, id)
        .await?
        .map(DataSubjectRequest::from)
        .ok_or_else(|| AppError::not_found(format!("data-subject request {id}")).into())
}
