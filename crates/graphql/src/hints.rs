//! Says what to do about the limits async-graphql enforces: its own messages ("Query is too
//! complex.") name neither the limit nor a way out.

use crate::config::Config;
use async_graphql::Response;

/// Rewrites the limit errors of a response to name the configured limit and how to ask for less.
pub fn explain_limits(mut response: Response, config: &Config) -> Response {
    for error in &mut response.errors {
        if error.message.starts_with("Query is too complex") {
            error.message = format!(
                "Query is too complex: this server accepts a complexity of at most {} \
                 (REGISTER_MAX_COMPLEXITY). Each selected field counts 1 and a list counts its \
                 fields once per row it may return: ask for less by setting a smaller `first` on \
                 lists, selecting fewer fields, or splitting the query in two.",
                config.max_complexity
            );
        } else if error.message.starts_with("Query is nested too deep") {
            error.message = format!(
                "Query is nested too deep: this server accepts at most {} levels \
                 (REGISTER_MAX_DEPTH). Select fewer nested fields, or fetch the inner records \
                 with a second query.",
                config.max_depth
            );
        }
    }
    response
}
