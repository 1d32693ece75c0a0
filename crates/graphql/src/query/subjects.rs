//! "Who holds this person's data".

use crate::{
    context::request,
    loaders::loaders,
    mutation::subjects::SubjectIdentifierInput,
    service::{subjects::SubjectKeys, who_holds},
    types::subject::WhoHolds,
};
use async_graphql::{Context, Object, Result};
use std::sync::Arc;

#[derive(Default)]
pub struct SubjectQuery;

#[Object]
impl SubjectQuery {
    /// Every organisation that holds the data of the subject any given identifier matches
    /// (identifiers normalised as on registration). `subject` is null and `holdings` empty for
    /// an unknown subject; identifiers matching two different subjects are a CONFLICT.
    #[graphql(complexity = "crate::IDENTIFIER_COST * subject.count().max(1) + child_complexity")]
    async fn who_holds(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The identifiers the person quoted; any one that matches finds them.")]
        subject: SubjectIdentifierInput,
    ) -> Result<WhoHolds> {
        let rc = request(ctx)?;
        let keys = ctx.data::<SubjectKeys>()?;
        let answer = who_holds::who_holds(&rc.read, keys, &subject.into()).await?;
        // The holders' rows are read already: later `locations`/`parent` fields reuse them.
        let loaders = loaders(ctx)?;
        loaders
            .organisations
            .feed_many(answer.organisations.clone())
            .await;
        loaders.locations.feed_many(answer.locations.clone()).await;
        loaders.flows.feed_many(answer.flows.clone()).await;
        Ok(WhoHolds(Arc::new(answer)))
    }
}
