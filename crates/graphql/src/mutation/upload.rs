//! The file of a GraphQL multipart request (a contract's signed document, see
//! `attachContractDocument` in `reviews.rs`).

use crate::{error::AppError, service::documents::Upload};
use async_graphql::{
    Context, InputValueError, InputValueResult, Result, Scalar, ScalarType, Value,
};

/// A file of a multipart request: async-graphql's own `Upload` panics on a variable that names
/// no file (`"#__graphql_file__:x"`, or an index past the files sent), so this one reads the
/// same variable and refuses those as input errors.
pub struct FileUpload(usize);

/// A file sent as a part of a multipart request (the GraphQL multipart request spec: the
/// variable is `null` in `operations` and `map` names the part that fills it).
#[Scalar(
    name = "Upload",
    specified_by_url = "https://github.com/jaydenseric/graphql-multipart-request-spec"
)]
impl ScalarType for FileUpload {
    fn parse(value: Value) -> InputValueResult<Self> {
        if let Value::String(text) = &value
            && let Some(index) = text
                .strip_prefix("#__graphql_file__:")
                .and_then(|i| i.parse::<usize>().ok())
        {
            return Ok(Self(index));
        }
        Err(InputValueError::custom(
            "send the file as a part of a multipart request (the GraphQL multipart request spec)",
        ))
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(_))
    }

    fn to_value(&self) -> Value {
        Value::Null
    }
}

impl FileUpload {
    /// The file sent, as the service takes it.
    pub fn read(&self, ctx: &Context<'_>) -> Result<Upload, AppError> {
        let missing =
            || AppError::bad_input("file", "send the file as a part of a multipart request");
        let value = ctx
            .query_env
            .uploads
            .get(self.0)
            .ok_or_else(missing)?
            .try_clone()
            .map_err(|_| missing())?;
        Ok(Upload {
            file_name: value.filename,
            content_type: value.content_type,
            content: value.content.to_vec(),
        })
    }
}
