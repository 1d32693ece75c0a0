//! Running an operation: on the schema without extensions when nothing in it can be refused, on
//! the guarded schema (policy, field limit, sealing as extensions) otherwise.
//!
//! Why two: once a schema has any extension, async-graphql runs every field of every answer
//! (not only the root fields) through the extension chain, with a boxed future and two registry
//! lookups per extension per field. Our three act only at the root or around the whole
//! operation, so an answer of a few thousand fields paid that for nothing: measured, it was most
//! of the service's own time in a `whoHolds` answer. Here the document is parsed once and
//! checked before execution; only an operation the policy allows in full, within the field
//! limit, runs on the plain schema, and everything else (a refusal, a parse error, too many
//! fields, introspection switched off) runs on the guarded schema exactly as before, with its
//! refusals per root field. The check is a superset of the policy's: it looks at every root
//! field of every operation, through every fragment and whatever `@skip` or `@include` say.

use crate::{
    AppSchema,
    context::{Auth, RequestContext},
    fields, policy,
};
use async_graphql::{
    Request, Response,
    parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet},
};
use futures_util::stream::BoxStream;
use std::any::TypeId;

/// The schema twice over, built from one configuration.
#[derive(Clone)]
pub struct Schemas {
    /// With the policy, the field limit and the sealing pass as extensions.
    guarded: AppSchema,
    /// The same types and limits, without extensions.
    plain: AppSchema,
    max_fields: usize,
}

impl Schemas {
    pub(crate) fn new(guarded: AppSchema, plain: AppSchema, max_fields: usize) -> Self {
        Self {
            guarded,
            plain,
            max_fields,
        }
    }

    /// The SDL clients see (the same for both).
    pub fn sdl(&self) -> String {
        self.guarded.sdl()
    }

    /// Runs one prepared request (see `register_http::prepare`).
    ///
    /// Boxed here, so that the resolvers and the service calls they await are compiled with this
    /// crate, once: a release build compiles an `async fn`'s body in the crate that polls it, so
    /// an unboxed `schema.execute` compiled the whole API again in `register-http`.
    pub fn execute(&self, mut request: Request) -> crate::service::Boxed<'_, Response> {
        Box::pin(async move {
            let Some(plain) = self.plain_run(&mut request) else {
                return self.guarded.execute(request).await;
            };
            let response = self.plain.execute(request).await;
            if let Some(rc) = plain.seal_after {
                crate::sealing::pass_after_mutation(&rc).await;
            }
            response
        })
    }

    /// As [`Schemas::execute`], for an operation over a WebSocket: a subscription's pushes, or
    /// the one response of a query or mutation. Always guarded: a subscription's pushes are few
    /// and small.
    pub fn execute_stream(&self, request: Request) -> BoxStream<'static, Response> {
        self.guarded.execute_stream(request)
    }

    /// Whether `request` may run on the plain schema, and what to do after it if so.
    fn plain_run(&self, request: &mut Request) -> Option<PlainRun> {
        // The caller alone is copied on every request; the whole context only for a mutation.
        let (auth, introspection) =
            context(request).map(|rc| (rc.auth.clone(), rc.config.introspection))?;
        let document = request.parsed_query().ok()?;
        if fields::exceeds(document, self.max_fields)
            || !allowed_in_full(document, &auth, introspection)
        {
            return None;
        }
        let mutation = document
            .operations
            .iter()
            .any(|(_, op)| op.node.ty == OperationType::Mutation);
        Some(PlainRun {
            seal_after: if mutation {
                Some(context(request)?.clone())
            } else {
                None
            },
        })
    }
}

/// The request's context, as `register_http::prepare` put it there.
fn context(request: &Request) -> Option<&RequestContext> {
    request
        .data
        .get(&TypeId::of::<RequestContext>())
        .and_then(|data| data.downcast_ref::<RequestContext>())
}

/// What an operation on the plain schema needs afterwards.
struct PlainRun {
    /// A mutation's context, for the sealing pass (what `sealing::SealAfterMutation` does on the
    /// guarded schema).
    seal_after: Option<RequestContext>,
}

/// Whether the policy allows `auth` every root field of every operation of `document`, looked
/// for through fragments and inline fragments and regardless of `@skip`/`@include`; false when
/// in doubt (an unknown fragment, nesting past 64, introspection switched off).
pub fn allowed_in_full(document: &ExecutableDocument, auth: &Auth, introspection: bool) -> bool {
    document.operations.iter().all(|(_, operation)| {
        let root = match operation.node.ty {
            OperationType::Query => "Query",
            OperationType::Mutation => "Mutation",
            OperationType::Subscription => "Subscription",
        };
        let check = RootCheck {
            document,
            auth,
            root,
            introspection,
        };
        check.allows(&operation.node.selection_set.node, 0)
    })
}

struct RootCheck<'a> {
    document: &'a ExecutableDocument,
    auth: &'a Auth,
    root: &'a str,
    introspection: bool,
}

impl RootCheck<'_> {
    fn allows(&self, set: &SelectionSet, nesting: usize) -> bool {
        if nesting > 64 {
            return false;
        }
        set.items.iter().all(|selection| match &selection.node {
            Selection::Field(field) => match field.node.name.node.as_str() {
                "__typename" => true,
                "__schema" | "__type" => self.introspection,
                name if name.starts_with("__") => false,
                name => policy::check(self.auth, self.root, name).is_ok(),
            },
            Selection::InlineFragment(fragment) => {
                self.allows(&fragment.node.selection_set.node, nesting + 1)
            }
            Selection::FragmentSpread(spread) => self
                .document
                .fragments
                .get(&spread.node.fragment_name.node)
                .is_some_and(|fragment| {
                    self.allows(&fragment.node.selection_set.node, nesting + 1)
                }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::allowed_in_full;
    use crate::context::Auth;
    use crate::{domain::vocab::Role, service::tokens::Principal};
    use async_graphql::parser::parse_query;

    fn caller(role: Role) -> Auth {
        Auth::Token(Principal {
            token_id: 1,
            name: "test".into(),
            role,
            organisation_id: None,
            person: None,
        })
    }

    fn allowed(query: &str, role: Role) -> bool {
        allowed_in_full(&parse_query(query).expect("parses"), &caller(role), true)
    }

    #[test]
    fn a_refused_root_field_is_found_wherever_it_hides() {
        use Role::Procurement;
        assert!(allowed(
            "{ organisations { nodes { id } } __typename }",
            Procurement
        ));
        assert!(!allowed(
            "{ whoHolds(identifiers: []) { subjectFound } }",
            Procurement
        ));
        for hidden in [
            "{ ...F } fragment F on Query { whoHolds(identifiers: []) { subjectFound } }",
            "{ ... on Query { whoHolds(identifiers: []) { subjectFound } } }",
            "{ ...F } fragment F on Query { ...G } fragment G on Query { auditEvents { totalCount } }",
            "{ a: whoHolds(identifiers: []) @skip(if: true) { subjectFound } }",
            "query A { organisations { totalCount } } query B { auditEvents { totalCount } }",
            "{ ...Missing }",
            "mutation { removeSubject(id: \"x\") { id } }",
            "{ __other }",
        ] {
            assert!(!allowed(hidden, Procurement), "{hidden}");
        }
        assert!(allowed(
            "{ ...F } fragment F on Query { whoHolds(identifiers: []) { subjectFound } }",
            Role::Dpo
        ));
    }

    #[test]
    fn anonymous_callers_and_switched_off_introspection_take_the_guarded_path() {
        let document = parse_query("{ __typename }").expect("parses");
        assert!(!allowed_in_full(
            &parse_query("{ organisations { totalCount } }").expect("parses"),
            &Auth::Anonymous,
            true
        ));
        assert!(allowed_in_full(&document, &Auth::Anonymous, false));
        let schema = parse_query("{ __schema { queryType { name } } }").expect("parses");
        let auth = caller(Role::Admin);
        assert!(allowed_in_full(&schema, &auth, true));
        assert!(!allowed_in_full(&schema, &auth, false));
    }
}
