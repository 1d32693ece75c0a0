//! Registering, unlinking and removing data subjects.

use crate::{
    context::request,
    ids,
    scalars::{Date, date},
    service::subjects::{self, NewSubject, Quoted, SubjectKeys},
    types::subject::DataSubject,
};
use async_graphql::{Context, ID, InputObject, Object, Result};

/// The identifiers people quote; at least one. E-mail is trimmed and lower-cased, a phone number
/// becomes E.164 (national numbers are read in the configured default country), an account
/// number is trimmed. Only keyed hashes are stored.
#[derive(InputObject)]
pub struct SubjectIdentifierInput {
    /// An e-mail address.
    pub email: Option<String>,
    /// A telephone number, international (`+44 20 7946 0000`) or national.
    pub phone: Option<String>,
    /// A customer account number.
    pub account_number: Option<String>,
}

impl SubjectIdentifierInput {
    /// How many identifiers are given: each is hashed and looked up.
    pub fn count(&self) -> usize {
        [
            self.email.is_some(),
            self.phone.is_some(),
            self.account_number.is_some(),
        ]
        .into_iter()
        .filter(|given| *given)
        .count()
    }
}

impl From<SubjectIdentifierInput> for Quoted {
    fn from(input: SubjectIdentifierInput) -> Self {
        Self {
            email: input.email,
            phone: input.phone,
            account_number: input.account_number,
        }
    }
}

/// A data subject to register or extend.
#[derive(InputObject)]
pub struct RegisterSubjectInput {
    /// The identifiers the person quotes.
    pub identifiers: SubjectIdentifierInput,
    /// The processing activities the subject takes part in.
    pub activity_ids: Vec<ID>,
    /// When the subject's part in these activities started; default today.
    pub linked_on: Option<Date>,
}

impl RegisterSubjectInput {
    fn into_new(self) -> Result<NewSubject, crate::error::AppError> {
        Ok(NewSubject {
            linked_on: date("linkedOn", self.linked_on.as_ref())?,
            identifiers: self.identifiers.into(),
            activity_ids: ids::parse_all("activityIds", &self.activity_ids)?,
        })
    }
}

#[derive(Default)]
pub struct SubjectMutation;

#[Object]
impl SubjectMutation {
    /// Creates the subject, or extends the one any of its identifiers already matches (new
    /// identifiers and activities are added). Identifiers matching two subjects: CONFLICT.
    async fn register_subject(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subject.")] input: RegisterSubjectInput,
    ) -> Result<DataSubject> {
        let rc = request(ctx)?;
        let keys = ctx.data::<SubjectKeys>()?;
        let id = subjects::register(&rc.db, &rc.actor()?, keys, input.into_new()?).await?;
        Ok(DataSubject::by_id(id))
    }

    /// `registerSubject` for up to 1,000 subjects in one transaction: all or none; a refusal
    /// names its entry (`inputs[3].email`).
    async fn register_subjects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subjects, at most 1,000.")] inputs: Vec<RegisterSubjectInput>,
    ) -> Result<Vec<DataSubject>> {
        let rc = request(ctx)?;
        let keys = ctx.data::<SubjectKeys>()?;
        let news = inputs
            .into_iter()
            .enumerate()
            .map(|(i, input)| {
                input
                    .into_new()
                    .map_err(|e| subjects::prefixed(&format!("inputs[{i}]."), e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ids = subjects::register_many(&rc.db, &rc.actor()?, keys, &news).await?;
        Ok(ids.into_iter().map(DataSubject::by_id).collect())
    }

    /// Ends the subject's part in one processing activity.
    async fn unlink_subject(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The identifiers the person quoted.")] subject: SubjectIdentifierInput,
        #[graphql(desc = "The activity the subject no longer takes part in.")] activity_id: ID,
    ) -> Result<DataSubject> {
        let rc = request(ctx)?;
        let keys = ctx.data::<SubjectKeys>()?;
        let id = subjects::unlink(
            &rc.db,
            &rc.actor()?,
            keys,
            &subject.into(),
            ids::parse("activityId", &activity_id)?,
        )
        .await?;
        Ok(DataSubject::by_id(id))
    }

    /// Forgets the subject (its hashes and links); returns the id it had. Unknown: NOT_FOUND.
    async fn remove_subject(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The identifiers the person quoted.")] subject: SubjectIdentifierInput,
    ) -> Result<ID> {
        let rc = request(ctx)?;
        let keys = ctx.data::<SubjectKeys>()?;
        let id = subjects::remove(&rc.db, &rc.actor()?, keys, &subject.into()).await?;
        Ok(ID(id.to_string()))
    }
}
