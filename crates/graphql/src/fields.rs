//! The limit on how many fields one operation selects (`REGISTER_MAX_FIELDS`), checked as soon
//! as the document is parsed, before validation, over HTTP and WebSocket alike.
//!
//! async-graphql's complexity limit does not see `__typename` (its visitor skips it), so a
//! document of a hundred thousand aliased `__typename`s passed every limit and was validated and
//! answered in full. Here every field selection counts, aliased or not, `__typename` included,
//! and a fragment counts each time it is spread, as it is executed. Counting stops at the limit,
//! so a document built to be expensive to count (fragments spreading fragments) costs no more
//! than the limit to refuse.

use crate::error::codes;
use async_graphql::{
    ErrorExtensionValues, ServerError, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};
use std::sync::Arc;

/// Refuses a document selecting more than `max` fields.
pub struct FieldLimit(pub usize);

impl ExtensionFactory for FieldLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FieldLimitExtension(self.0))
    }
}

struct FieldLimitExtension(usize);

#[async_graphql::async_trait::async_trait]
impl Extension for FieldLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if exceeds(&document, self.0) {
            let mut extensions = ErrorExtensionValues::default();
            extensions.set("code", codes::BAD_USER_INPUT);
            let mut error = ServerError::new(
                format!(
                    "Query selects too many fields: this server accepts at most {} per operation \
                     (REGISTER_MAX_FIELDS), counting every alias and `__typename`, and a fragment \
                     each time it is used. Select fewer fields or split the query.",
                    self.0
                ),
                None,
            );
            error.extensions = Some(extensions);
            return Err(error);
        }
        Ok(document)
    }
}

/// Whether any operation of `document` selects more than `max` fields.
pub fn exceeds(document: &ExecutableDocument, max: usize) -> bool {
    document.operations.iter().any(|(_, operation)| {
        let mut budget = max;
        !spend(document, &operation.node.selection_set.node, &mut budget, 0)
    })
}

/// Counts the fields of `set` against `budget`; false once it is spent. Fragment cycles are
/// refused by validation later; here the nesting bound stops them.
fn spend(
    document: &ExecutableDocument,
    set: &SelectionSet,
    budget: &mut usize,
    nesting: usize,
) -> bool {
    if nesting > 64 {
        return false;
    }
    for selection in &set.items {
        let inner = match &selection.node {
            Selection::Field(field) => {
                if *budget == 0 {
                    return false;
                }
                *budget -= 1;
                &field.node.selection_set.node
            }
            Selection::InlineFragment(fragment) => &fragment.node.selection_set.node,
            Selection::FragmentSpread(spread) => {
                match document.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) => &fragment.node.selection_set.node,
                    None => continue,
                }
            }
        };
        if !spend(document, inner, budget, nesting + 1) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::exceeds;
    use async_graphql::parser::parse_query;

    fn over(query: &str, max: usize) -> bool {
        exceeds(&parse_query(query).expect("parses"), max)
    }

    #[test]
    fn every_alias_and_typename_counts_and_fragments_count_per_use() {
        assert!(!over("{ a: __typename b: __typename }", 2));
        assert!(over("{ a: __typename b: __typename c: __typename }", 2));
        assert!(over("{ __typename __typename __typename }", 2));
        let fragments = "query { ...A ...A } fragment A on Query { x: __typename y: __typename }";
        assert!(!over(fragments, 4));
        assert!(over(fragments, 3));
        assert!(over("{ o { p { q } } }", 2), "nested fields count");
    }

    /// graphql-js's `getIntrospectionQuery()` (GraphiQL's, with descriptions and deprecations).
    const INTROSPECTION: &str = "query IntrospectionQuery { __schema { queryType { name } mutationType { name } \
        subscriptionType { name } types { ...FullType } directives { name description locations \
        args { ...InputValue } } } } \
        fragment FullType on __Type { kind name description fields(includeDeprecated: true) { \
        name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason } \
        inputFields { ...InputValue } interfaces { ...TypeRef } enumValues(includeDeprecated: true) { \
        name description isDeprecated deprecationReason } possibleTypes { ...TypeRef } } \
        fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue } \
        fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind \
        name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }";

    #[test]
    fn graphiqls_introspection_query_is_within_the_default() {
        let default = crate::config::Config::for_database("sqlite::memory:").max_fields;
        assert!(!over(INTROSPECTION, default));
    }

    #[test]
    fn a_fragment_bomb_is_refused_without_expanding_it() {
        let mut query = String::from("query { ...F0 }\n");
        for i in 0..40 {
            query.push_str(&format!(
                "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
                i + 1,
                i + 1
            ));
        }
        query.push_str("fragment F40 on Query { __typename }\n");
        assert!(over(&query, 1000), "2^40 fields");
    }
}
