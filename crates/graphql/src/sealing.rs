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
        {
            pass_after_mutation(rc).await;
        }
        response
    }
}

/// The pass after a mutation has answered (here and on the plain schema, see `execution`).
pub(crate) async fn pass_after_mutation(rc: &RequestContext) {
    if worth_a_pass(rc).await
        && let Err(err) = sealing::try_seal(&rc.db, &rc.audit_key).await
    {
        // The answer stands: its events are committed, and the background sealer retries.
        tracing::error!(error = %err, "sealing the audit chain after a mutation failed");
    }
}

/// Whether a pass is worth it: some event waits (asked of the readers), and on SQLite the single
/// writer is free, so that a mutation that wrote nothing (a dry-run import) never queues behind
/// another write for it; what is skipped here the background sealer takes.
async fn worth_a_pass(rc: &RequestContext) -> bool {
    if rc.db.get_database_backend() == sea_orm::DbBackend::Sqlite
        && rc.db.get_sqlite_connection_pool().num_idle() == 0
    {
        return false;
    }
    !matches!(sealing::unsealed(&rc.read).await, Ok(tail) if tail.events == 0)
}
