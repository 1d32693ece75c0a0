//! `DataSubject`, `Holding` and `WhoHolds`.

use super::{
    activity::ProcessingActivity,
    dsr::RestrictedCategories,
    flow::{self, DataFlow},
    organisation::Organisation,
    transfer::TransferAssessment,
};
use crate::{
    domain::{holdings::Route, vocab},
    enums::RecipientRole,
    scalars::{Date, date_or_today},
    service::{transfers::FlowAssessment, who_holds::Answer},
};
use async_graphql::{Context, ID, Object, Result};
use entity::{country::CountryCode, organisation, processing_activity};
use std::{collections::HashSet, sync::Arc};

/// A person the register knows only by keyed hashes of their identifiers and by the activities
/// they take part in.
pub struct DataSubject {
    pub id: i64,
    /// The activities, when already read (by `whoHolds`); otherwise read on demand.
    pub activities: Option<Vec<processing_activity::Model>>,
}

impl DataSubject {
    pub fn by_id(id: i64) -> Self {
        Self {
            id,
            activities: None,
        }
    }
}

/// A person the register knows only by keyed hashes of the identifiers they quote and by the
/// processing activities they take part in: nothing that identifies them is stored in the clear.
#[Object]
impl DataSubject {
    /// The subject's id in the register (identifies no one outside it).
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// The processing activities the subject takes part in.
    async fn activities(&self, ctx: &Context<'_>) -> Result<Vec<ProcessingActivity>> {
        let models = match &self.activities {
            Some(models) => models.clone(),
            None => crate::loaders::loaders(ctx)?
                .subject_activities
                .load_one(self.id)
                .await?
                .unwrap_or_default(),
        };
        Ok(models.into_iter().map(ProcessingActivity).collect())
    }
}

/// The answer to "who holds this person's data".
pub struct WhoHolds(pub Arc<Answer>);

fn flows(answer: &Answer, ids: &[i64]) -> Vec<DataFlow> {
    ids.iter()
        .filter_map(|id| answer.flows.get(id).cloned().map(DataFlow))
        .collect()
}

fn organisations(answer: &Answer, ids: &[i64]) -> Vec<Organisation> {
    ids.iter()
        .filter_map(|id| answer.organisations.get(id).cloned().map(Organisation))
        .collect()
}

/// The answer to "who holds this person's data?": every organisation holding it, the chain by which
/// it got there, and the transfers on the way.
#[Object]
impl WhoHolds {
    /// The subject the identifiers match; null when none does.
    async fn subject(&self) -> Option<DataSubject> {
        self.0.subject_id.map(|id| DataSubject {
            id,
            activities: Some(self.0.activities.clone()),
        })
    }

    /// Every organisation holding the subject's data: the controller of each of its activities,
    /// each recipient of their flows and every sub-processor down each chain of continued flows,
    /// offboarded ones included. Shortest paths first. Empty for an unknown subject.
    async fn holdings(&self) -> Vec<Holding> {
        (0..self.0.holdings.len())
            .map(|index| Holding {
                answer: self.0.clone(),
                index,
            })
            .collect()
    }

    /// Chains of flows that come back to an organisation already on them, each as the
    /// organisations from the first visit to the return (`[A, B, A]`). Reported, never followed
    /// round again; the holdings are complete regardless.
    async fn cycles(&self) -> Vec<Vec<Organisation>> {
        self.0
            .cycles
            .iter()
            .map(|cycle| organisations(&self.0, cycle))
            .collect()
    }
}

/// One organisation holding a subject's data.
pub struct Holding {
    answer: Arc<Answer>,
    index: usize,
}

impl Holding {
    /// The assessments of every distinct flow on every route, in route order.
    async fn assessments(
        &self,
        ctx: &Context<'_>,
        on: chrono::NaiveDate,
    ) -> Result<Vec<FlowAssessment>> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for route in &self.held()?.holding.routes {
            for id in &route.flows {
                if !seen.insert(*id) {
                    continue;
                }
                if let Some(flow) = self.answer.flows.get(id) {
                    out.extend(flow::assessments(ctx, flow, on).await?);
                }
            }
        }
        Ok(out)
    }

    fn held(&self) -> Result<&crate::service::who_holds::HeldBy> {
        self.answer
            .holdings
            .get(self.index)
            .ok_or_else(|| "holding out of range".into())
    }

    fn organisation_model(&self) -> Result<&organisation::Model> {
        let id = self.held()?.holding.organisation_id;
        self.answer
            .organisations
            .get(&id)
            .ok_or_else(|| format!("organisation {id} not loaded").into())
    }
}

/// One organisation holding a subject's data: in what role, which categories, in which countries,
/// and how the data got there.
#[Object]
impl Holding {
    /// The organisation.
    async fn organisation(&self) -> Result<Organisation> {
        Ok(Organisation(self.organisation_model()?.clone()))
    }

    /// CONTROLLER for the controller of one of the subject's activities (it holds the data as
    /// the one who collected it); otherwise the recipient role of the last flow on `path`.
    async fn role(&self) -> Result<RecipientRole> {
        Ok(self.held()?.holding.role.into())
    }

    /// Every category it holds of this subject: the union over all activities and chains.
    async fn data_categories(&self) -> Result<&[String]> {
        Ok(&self.held()?.holding.data_categories)
    }

    /// Whether it holds, of this subject, special categories of personal data (GDPR Art 9(1)), as the taxonomy
    /// flags them.
    async fn special_categories(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(crate::loaders::loaders(ctx)?
            .marks(&self.held()?.holding.data_categories)
            .await?
            .special)
    }

    /// Whether it holds, of this subject, personal data relating to criminal convictions and offences (GDPR Art 10):
    /// the categories under `criminal`.
    async fn criminal_offence_data(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(crate::loaders::loaders(ctx)?
            .marks(&self.held()?.holding.data_categories)
            .await?
            .criminal)
    }

    /// Its country of establishment and the countries of its locations (ISO codes, sorted).
    async fn countries(&self) -> Result<Vec<&str>> {
        Ok(self
            .held()?
            .countries
            .iter()
            .map(CountryCode::as_str)
            .collect())
    }

    /// A shortest chain of organisations from the controller to this one, both included
    /// (just the controller for a controller). Every chain is in `routes`.
    async fn path(&self) -> Result<Vec<Organisation>> {
        Ok(organisations(&self.answer, &self.held()?.holding.path))
    }

    /// The flows along `path`, in order.
    async fn flows(&self) -> Result<Vec<DataFlow>> {
        Ok(flows(&self.answer, &self.held()?.holding.flows))
    }

    /// Every chain of flows by which it holds the subject's data, shortest first: one per flow
    /// it received the data by (a flow whose data it returned no longer counts).
    async fn routes(&self) -> Result<Vec<HoldingRoute>> {
        Ok(self
            .held()?
            .holding
            .routes
            .iter()
            .map(|route| HoldingRoute {
                answer: self.answer.clone(),
                route: route.clone(),
            })
            .collect())
    }

    /// The transfer assessments of every flow on every route (each restricted transfer the
    /// data made on its way here, by any chain), as the law stood on `on` (default today).
    async fn transfers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day the law is applied (default today).")] on: Option<Date>,
    ) -> Result<Vec<TransferAssessment>> {
        let on = date_or_today("on", on.as_ref())?;
        Ok(self
            .assessments(ctx, on)
            .await?
            .into_iter()
            .map(TransferAssessment::from)
            .collect())
    }

    /// Whether any of `transfers` is NON_COMPLIANT on `on` (default today): the data reached
    /// this holder, by at least one chain, through a transfer without a valid Chapter V footing.
    async fn any_non_compliant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day the law is applied (default today).")] on: Option<Date>,
    ) -> Result<bool> {
        let on = date_or_today("on", on.as_ref())?;
        Ok(self
            .assessments(ctx, on)
            .await?
            .iter()
            .any(|a| a.verdict.status == vocab::VerdictStatus::NonCompliant))
    }

    /// Whether every flow that brought it the data has ended: it receives nothing more, but
    /// still holds what it received until the data is recorded as deleted or returned
    /// (Art 28(3)(g), `recordDataReturned`). Never for a controller.
    async fn flow_ended(&self) -> Result<bool> {
        Ok(self.held()?.holding.flow_ended())
    }

    /// When the last of those flows ended, once all have; null otherwise.
    async fn ended_on(&self) -> Result<Option<Date>> {
        Ok(self.held()?.holding.ended_on().map(Date::from))
    }

    /// What it keeps of the subject under restriction after an erasure (Art 17(3), Art 18): the
    /// categories it holds for each exempt activity, with the legal reason and the end of the
    /// retention period. Empty while no erasure has restricted anything.
    async fn restrictions(&self) -> Result<Vec<RestrictedCategories>> {
        Ok(self
            .held()?
            .holding
            .by_activity
            .iter()
            .filter_map(|(activity, categories)| {
                let (reason, until) = self.answer.restricted.get(activity)?;
                Some(RestrictedCategories(entity::Restriction {
                    categories: categories.clone(),
                    reason: reason.clone(),
                    activity_ids: vec![*activity],
                    until: *until,
                }))
            })
            .collect())
    }

    /// Offboarded: no new flows go to it, but it may still hold the data.
    async fn offboarded(&self) -> Result<bool> {
        Ok(self.held()?.offboarded)
    }
}

/// One chain of flows by which a holder received a subject's data.
#[derive(Clone)]
pub struct HoldingRoute {
    answer: Arc<Answer>,
    route: Route,
}

/// One chain of flows by which a holder received a subject's data: the organisations from the
/// controller to the holder and the flows between them.
#[Object]
impl HoldingRoute {
    /// The organisations from the controller to the holder, both included.
    async fn path(&self) -> Vec<Organisation> {
        organisations(&self.answer, &self.route.path)
    }

    /// The flows between them, in order.
    async fn flows(&self) -> Vec<DataFlow> {
        flows(&self.answer, &self.route.flows)
    }

    /// When the last flow of the route (the one to the holder) ended; null while it runs.
    async fn ended_on(&self) -> Option<Date> {
        self.route.ended_on.map(Date::from)
    }

    /// The transfer assessments of the flows of this route, as the law stood on `on` (default
    /// today).
    async fn transfers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The date to judge on (default today): a past date answers as the law stood then."
        )]
        on: Option<Date>,
    ) -> Result<Vec<TransferAssessment>> {
        let on = date_or_today("on", on.as_ref())?;
        let mut out = Vec::new();
        for id in &self.route.flows {
            if let Some(flow) = self.answer.flows.get(id) {
                out.extend(
                    flow::assessments(ctx, flow, on)
                        .await?
                        .into_iter()
                        .map(TransferAssessment::from),
                );
            }
        }
        Ok(out)
    }
}
