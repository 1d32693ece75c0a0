//! The exporting areas of the two regimes, as the reference data lists them: what the console's
//! map colours as "EEA or UK" (transfers inside an area are not restricted).

use crate::{
    context::request,
    domain::country::CountryCode,
    enums::Regime,
    scalars::{Date, date_or_today},
};
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct AreaQuery;

#[Object]
impl AreaQuery {
    /// The countries inside a regime's exporting area on `on` (default today): the EEA for
    /// EU_GDPR, the United Kingdom for UK_GDPR. A transfer between two of them is not
    /// restricted under Chapter V.
    async fn area_countries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The regime whose area is asked for: the EEA or the UK.")] regime: Regime,
        #[graphql(desc = "The date the area is read on (default today).")] on: Option<Date>,
    ) -> Result<Vec<String>> {
        let rc = request(ctx)?;
        let on = date_or_today("on", on.as_ref())?;
        let regime = regime.into();
        Ok(CountryCode::all()
            .filter(|c| rc.reference.in_area(regime, *c, on))
            .map(|c| c.as_str().to_string())
            .collect())
    }
}
