//! Per-request DataLoaders: one `IN (...)` query per batch for every relation field.

use crate::{
    domain::{
        category::{SensitiveMarks, Sensitivity},
        reference::LegalReference,
    },
    service::{
        activities, flows, locations, organisations,
        requests::read,
        transfers::{FlowAssessment, Register},
    },
};
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use chrono::NaiveDate;
use entity::{data_flow, dsr_task, dsr_task_event, location, organisation, processing_activity};
use sea_orm::DatabaseConnection;
use std::{collections::HashMap, sync::Arc};

pub struct OrganisationLoader(DatabaseConnection);
pub struct LocationsLoader(DatabaseConnection);
pub struct ActivityLoader(DatabaseConnection);
pub struct FlowLoader(DatabaseConnection);

impl Loader<i64> for OrganisationLoader {
    type Value = organisation::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(organisations::by_ids(&self.0, keys).await?)
    }
}

impl Loader<i64> for LocationsLoader {
    type Value = Vec<location::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let mut found = locations::locations_of(&self.0, keys).await?;
        // An entry for every key, so "no locations" is cached too instead of asked again.
        for key in keys {
            found.entry(*key).or_default();
        }
        Ok(found)
    }
}

impl Loader<i64> for ActivityLoader {
    type Value = processing_activity::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(activities::by_ids(&self.0, keys).await?)
    }
}

impl Loader<i64> for FlowLoader {
    type Value = data_flow::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(flows::by_ids(&self.0, keys).await?)
    }
}

/// A flow's transfer assessments on a date: a batch loads the part of the register its flows
/// need once ([`Register::load_for`]) and assesses each there, so a page of flows costs a few
/// queries and the chain walk has one home.
pub struct AssessmentLoader {
    db: DatabaseConnection,
    reference: Arc<LegalReference>,
}

impl Loader<(i64, NaiveDate)> for AssessmentLoader {
    type Value = Vec<FlowAssessment>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(i64, NaiveDate)],
    ) -> Result<HashMap<(i64, NaiveDate), Self::Value>, Self::Error> {
        let mut ids: Vec<i64> = keys.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        let register = Register::load_for(&self.db, &ids).await?;
        let mut out = HashMap::with_capacity(keys.len());
        for &(id, on) in keys {
            out.insert((id, on), register.assessments_of(&self.reference, id, on)?);
        }
        Ok(out)
    }
}

/// A subject's activities (by subject id).
pub struct SubjectActivitiesLoader(DatabaseConnection);

impl Loader<i64> for SubjectActivitiesLoader {
    type Value = Vec<processing_activity::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(crate::service::subjects::activities_of(&self.0, keys)
            .await?
            .into_iter()
            .map(|(id, links)| (id, links.into_iter().map(|(m, _)| m).collect()))
            .collect())
    }
}

/// A data category of the taxonomy, by code (for names shown where the taxonomy is not read).
pub struct CategoryLoader(DatabaseConnection);

impl Loader<String> for CategoryLoader {
    type Value = entity::data_category::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        Ok(crate::service::taxonomy::data_categories_by_code(&self.0, keys).await?)
    }
}

/// The contracts covering a flow (by flow id).
pub struct FlowContractsLoader(DatabaseConnection);

impl Loader<i64> for FlowContractsLoader {
    type Value = Vec<crate::service::reviews::contracts::ContractRecord>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(crate::service::reviews::contracts::of_flows(&self.0, keys).await?)
    }
}

pub struct RequestTasksLoader(DatabaseConnection);
pub struct TaskEventsLoader(DatabaseConnection);
pub struct TokenRoleLoader(DatabaseConnection);

impl Loader<String> for TokenRoleLoader {
    type Value = crate::domain::vocab::Role;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        Ok(read::token_roles(&self.0, keys).await?)
    }
}

impl Loader<i64> for RequestTasksLoader {
    type Value = Vec<dsr_task::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(read::tasks_of(&self.0, keys).await?)
    }
}

impl Loader<i64> for TaskEventsLoader {
    type Value = Vec<dsr_task_event::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(read::events_of(&self.0, keys).await?)
    }
}

/// The loaders of one request (a loader shared across requests would serve stale rows).
/// Each caches what it loaded for the rest of the request, so a list can prime them with one
/// `load_many` and its rows' relation fields then cost no query at all.
pub struct Loaders {
    pub organisations: DataLoader<OrganisationLoader, HashMapCache>,
    pub locations: DataLoader<LocationsLoader, HashMapCache>,
    pub activities: DataLoader<ActivityLoader, HashMapCache>,
    pub flows: DataLoader<FlowLoader, HashMapCache>,
    pub assessments: DataLoader<AssessmentLoader, HashMapCache>,
    pub subject_activities: DataLoader<SubjectActivitiesLoader>,
    /// A data-subject request's tasks (by request id) and a task's proof (by task id).
    pub request_tasks: DataLoader<RequestTasksLoader>,
    pub task_events: DataLoader<TaskEventsLoader>,
    /// The role of a token named in a task's proof (shown to a PROCESSOR instead of the name).
    pub token_roles: DataLoader<TokenRoleLoader, HashMapCache>,
    /// A task's answer link and its reminders (by task id).
    pub task_links: DataLoader<crate::types::respond::TaskLinkLoader>,
    pub task_reminders: DataLoader<crate::types::respond::TaskRemindersLoader>,
    /// Data categories of the taxonomy by code (a task's category names).
    pub categories: DataLoader<CategoryLoader, HashMapCache>,
    /// The current stored document of a task (its evidence file) or of a contract.
    pub documents: DataLoader<crate::types::document::DocumentLoader>,
    /// The contracts covering a flow.
    pub flow_contracts: DataLoader<FlowContractsLoader>,
    /// Which category codes are special (Art 9), read once per operation (or push).
    sensitivity: std::sync::Mutex<Option<Arc<Sensitivity>>>,
    db: DatabaseConnection,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection, reference: &Arc<LegalReference>) -> Self {
        Self {
            organisations: DataLoader::with_cache(
                OrganisationLoader(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            locations: DataLoader::with_cache(
                LocationsLoader(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            activities: DataLoader::with_cache(
                ActivityLoader(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            flows: DataLoader::with_cache(
                FlowLoader(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            assessments: DataLoader::with_cache(
                AssessmentLoader {
                    db: db.clone(),
                    reference: reference.clone(),
                },
                tokio::spawn,
                HashMapCache::default(),
            ),
            subject_activities: DataLoader::new(SubjectActivitiesLoader(db.clone()), tokio::spawn),
            request_tasks: DataLoader::new(RequestTasksLoader(db.clone()), tokio::spawn),
            task_events: DataLoader::new(TaskEventsLoader(db.clone()), tokio::spawn),
            token_roles: DataLoader::with_cache(
                TokenRoleLoader(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            task_links: DataLoader::new(
                crate::types::respond::TaskLinkLoader(db.clone()),
                tokio::spawn,
            ),
            task_reminders: DataLoader::new(
                crate::types::respond::TaskRemindersLoader(db.clone()),
                tokio::spawn,
            ),
            categories: DataLoader::with_cache(
                CategoryLoader(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            documents: DataLoader::new(
                crate::types::document::DocumentLoader(db.clone()),
                tokio::spawn,
            ),
            flow_contracts: DataLoader::new(FlowContractsLoader(db.clone()), tokio::spawn),
            sensitivity: std::sync::Mutex::default(),
            db: db.clone(),
        }
    }

    /// The special categories of the taxonomy (Art 9), read once per operation.
    pub async fn sensitivity(&self) -> async_graphql::Result<Arc<Sensitivity>> {
        let kept = self
            .sensitivity
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some(kept) = kept {
            return Ok(kept);
        }
        let read = Arc::new(crate::service::taxonomy::sensitivity(&self.db).await?);
        *self
            .sensitivity
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(read.clone());
        Ok(read)
    }

    /// What a set of category codes holds of Art 9 and Art 10 data.
    pub async fn marks(&self, codes: &[String]) -> async_graphql::Result<SensitiveMarks> {
        Ok(self
            .sensitivity()
            .await?
            .marks(codes.iter().map(String::as_str)))
    }

    /// Forgets everything loaded so far, so that what is read next is as fresh as a new request's
    /// loaders would read it: a subscription's operation lives for many pushes, and each push
    /// shows the records as they are then. Every loader with a cache is cleared here.
    pub fn forget(&self) {
        self.organisations.clear::<i64>();
        self.locations.clear::<i64>();
        self.activities.clear::<i64>();
        self.flows.clear::<i64>();
        self.assessments.clear::<(i64, NaiveDate)>();
        self.token_roles.clear::<String>();
        self.categories.clear::<String>();
        *self
            .sensitivity
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// Loads, in one batch each, the organisations (and, if `with_locations`, their locations).
    pub async fn prime_organisations(
        &self,
        ids: Vec<i64>,
        with_locations: bool,
    ) -> async_graphql::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.organisations.load_many(ids.iter().copied()).await?;
        if with_locations {
            self.locations.load_many(ids).await?;
        }
        Ok(())
    }
}

/// The operation's loaders (shared as an `Arc`, so that a subscription can [`Loaders::forget`]
/// between pushes).
pub fn loaders<'a>(ctx: &async_graphql::Context<'a>) -> async_graphql::Result<&'a Loaders> {
    ctx.data::<Arc<Loaders>>().map(AsRef::as_ref)
}
