//! A pass of the audit sealer as soon as a mutation has committed (`service::sealing`), so that
//! a write's events are usually sealed when its answer arrives: the pass only tries the sealer's
//! lock, and when another pass (of this or another instance) holds it, the events are left to it
//! or to the background sealer of `serve`, a few hundred milliseconds later at most.

use crate::{context::RequestContext, service::sealing};
use async_graphql::{
    Response, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery},
    parser::types::{ExecutableDocument, OperationType},
};
use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

/// Tries a sealing pass after each mutation.
pub struct SealAfterMutation;

impl ExtensionFactory for SealAfterMutation {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SealAfterMutationExtension::default())
    }
}

/// One per operation: whether its document holds a mutation.
#[derive(Default)]
struct SealAfterMutationExtension {
    mutation: AtomicBool,
}

#[async_graphql::async_trait::async_trait]
impl Extension for SealAfterMutationExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let mutation = document
            .operations
            .iter()
            .any(|(_, op)| op.node.ty == OperationType::Mutation);
        self.mutation.store(mutation, Ordering::Relaxed);
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let response = next.run(ctx, operation_name).await;
        if self.mutation.load(Ordering::Relaxed)
            && let Some(rc) = ctx.data_opt::<RequestContext>()
            && let Err(err) = sealing::try_seal(&rc.db, &rc.audit_key).await
        {
            // The answer stands: its events are committed, and the background sealer retries.
            tracing::error!(error = %err, "sealing the audit chain after a mutation failed");
        }
        response
    }
}
