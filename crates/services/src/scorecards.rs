//! Scorecards: the organisation's indicator per unit and period against its target, shared by
//! the API and the admin pages.
//!
//! A unit's indicator counts the responses about the unit or anything under it, plus the
//! responses at touchpoints its subtree owns or influences — so a back office that handles
//! no customer itself is measured on the contacts its work shapes.

use std::collections::HashMap;

use serde::Serialize;
use tevreden_domain::results::{Measurement, Metric, difference};
use tevreden_domain::scorecard::{
    IndicatorKind, IndicatorValue, Period, Status, customer_index, status,
};
use tevreden_domain::stats::NpsMethod;
use tevreden_domain::survey::SurveyDefinition;
use tevreden_storage::{Indicator, Store, StoreError, Unit};

use crate::analytics::{Asked, Filter, Names, results};
use crate::disclosure::{Judge, Record};

/// The indicator with its survey's definition, ready to measure.
pub struct Measured {
    pub indicator: Indicator,
    /// (the component's measure, weight).
    pub components: Vec<(tevreden_domain::results::Measured, f64)>,
}

impl Measured {
    /// `None` when a component question is missing from the published definition.
    pub fn new(indicator: Indicator, def: &SurveyDefinition) -> Option<Measured> {
        let components = indicator
            .components
            .iter()
            .map(|(q, w)| {
                let m = tevreden_domain::results::measure_of(def, q)?;
                Some((m, *w))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Measured {
            indicator,
            components,
        })
    }
}

/// Which responses count for a unit: its subtree, and the touchpoints the subtree owns or
/// influences.
pub fn unit_filter(
    unit: &Unit,
    units: &[Unit],
    touchpoint_owner: &HashMap<i64, i64>,
    influences: &HashMap<i64, Vec<i64>>,
    (from, to): (i32, i32),
) -> Filter {
    let subtree = tevreden_domain::access::subtree(units, unit);
    let mut tps: Vec<i64> = touchpoint_owner
        .iter()
        .filter(|(_, owner)| subtree.contains(owner))
        .map(|(tp, _)| *tp)
        .collect();
    for u in &subtree {
        if let Some(list) = influences.get(u) {
            tps.extend(list);
        }
    }
    tps.sort_unstable();
    tps.dedup();
    Filter {
        from: Some(from),
        to: Some(to),
        units: Some(subtree),
        or_touchpoints: Some(tps),
        touchpoint: None,
        channel: None,
        employee: None,
        version_id: None,
        attribute: None,
        by_attribute: None,
    }
}

/// The indicator's value for a filter, and the histogram behind it when there is one (for
/// comparing periods).
pub async fn value(
    store: &Store,
    judge: Judge<'_>,
    measured: &Measured,
    filter: &Filter,
) -> Result<(IndicatorValue, Option<(Measurement, Vec<u64>)>), StoreError> {
    let names = Names::default();
    let survey_id = measured.indicator.survey_id;
    let mut parts = Vec::new();
    for (mm, w) in &measured.components {
        let m = &mm.measurement;
        let asked = Asked {
            survey_id,
            measured: mm,
            judge,
        };
        let r = results(
            store,
            &names,
            asked,
            filter,
            None,
            NpsMethod::AdjustedWald,
            None,
        )
        .await?;
        parts.push((m.clone(), *w, r.overall));
    }
    Ok(match measured.indicator.kind {
        IndicatorKind::Nps | IndicatorKind::Csat => {
            let Some((m, _, me)) = parts.into_iter().next() else {
                return Ok((IndicatorValue::empty(), None));
            };
            (
                IndicatorValue {
                    n: me.n,
                    score: me.score,
                    ci95: me.ci95,
                    small_n: me.small_n,
                },
                Some((m, me.counts)),
            )
        }
        IndicatorKind::Index => (
            customer_index(
                &parts
                    .into_iter()
                    .map(|(m, w, me)| (m, w, me.counts))
                    .collect::<Vec<_>>(),
            ),
            None,
        ),
    })
}

/// Whether two periods differ beyond noise (the metric's test on the histograms; not for the
/// index).
pub fn changed(
    a: &Option<(Measurement, Vec<u64>)>,
    b: &Option<(Measurement, Vec<u64>)>,
) -> Option<bool> {
    let ((m, ha), (_, hb)) = (a.as_ref()?, b.as_ref()?);
    if !matches!(m.metric, Metric::Nps | Metric::Csat) {
        return None;
    }
    difference(m, ha, hb).map(|d| d.p < 0.05)
}

/// The quarter of today in Amsterdam: the period scorecards show unless asked for another.
pub fn current_quarter() -> Period {
    let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap_or(jiff::tz::TimeZone::UTC);
    Period::quarter_of_day(tevreden_domain::rollup::local_day(
        tevreden_storage::now_ms(),
        &tz,
    ))
}

/// One unit's scorecard.
#[derive(Clone, Debug, Serialize)]
pub struct Scorecard {
    pub unit: String,
    pub name: String,
    pub office: String,
    pub period: String,
    pub indicator: &'static str,
    #[serde(flatten)]
    pub value: IndicatorValue,
    pub target: Option<f64>,
    /// The period whose target applies (a quarter falls back to its year).
    pub target_period: Option<String>,
    pub status: Status,
    pub previous: Option<PreviousValue>,
    /// Slots later capabilities fill; `null` means "not measured yet", never zero.
    pub internal_customer_score: Option<f64>,
    pub promise_compliance: Option<f64>,
    pub engagement: Option<f64>,
    pub open_cases: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PreviousValue {
    pub period: String,
    #[serde(flatten)]
    pub value: IndicatorValue,
    /// `true` when the change from the previous period is beyond noise (two-sided p < 0.05);
    /// `null` when it cannot be tested (the index, or no answers).
    pub significant_change: Option<bool>,
}

/// What every scorecard of one request shares.
pub struct Context {
    pub measured: Measured,
    pub units: Vec<Unit>,
    pub touchpoint_owner: HashMap<i64, i64>,
    pub influences: HashMap<i64, Vec<i64>>,
    pub targets: HashMap<(i64, String), f64>,
}

impl Context {
    /// `Ok(None)` when the organisation has no (usable) indicator yet.
    pub async fn load(
        store: &Store,
        surveys: &crate::cache::SurveyCache,
        org_id: i64,
    ) -> Result<Option<Context>, StoreError> {
        let Some(indicator) = store.indicator(org_id).await? else {
            return Ok(None);
        };
        let Ok(published) = surveys.by_survey_id(store, indicator.survey_id).await else {
            return Ok(None);
        };
        let Some(measured) = Measured::new(indicator, &published.version.definition) else {
            return Ok(None);
        };
        Ok(Some(Context {
            measured,
            units: store.units(org_id).await?,
            touchpoint_owner: store
                .touchpoints(org_id)
                .await?
                .into_iter()
                .map(|t| (t.id, t.unit_id))
                .collect(),
            influences: store.influences(org_id).await?,
            targets: store.targets(org_id, &[]).await?,
        }))
    }

    fn target(&self, unit: &Unit, period: Period) -> Option<(f64, String)> {
        period.target_lookup().into_iter().find_map(|p| {
            self.targets
                .get(&(unit.id, p.label()))
                .map(|t| (*t, p.label()))
        })
    }

    /// The scorecard of `unit` for `period`, with the previous period when asked.
    pub async fn scorecard(
        &self,
        store: &Store,
        record: &Record,
        unit: &Unit,
        period: Period,
        with_previous: bool,
    ) -> Result<Scorecard, StoreError> {
        let filter = unit_filter(
            unit,
            &self.units,
            &self.touchpoint_owner,
            &self.influences,
            period.days(),
        );
        let judge = record.indicator(&self.measured.indicator);
        let (value, hist) = self::value(store, judge, &self.measured, &filter).await?;
        let target = self.target(unit, period);
        let previous = if with_previous {
            let prev = period.previous();
            let f = unit_filter(
                unit,
                &self.units,
                &self.touchpoint_owner,
                &self.influences,
                prev.days(),
            );
            let (pv, ph) = self::value(store, judge, &self.measured, &f).await?;
            Some(PreviousValue {
                period: prev.label(),
                significant_change: changed(&hist, &ph),
                value: pv,
            })
        } else {
            None
        };
        Ok(Scorecard {
            unit: unit.external_id.clone(),
            name: unit.name.clone(),
            office: unit.office.as_str().to_owned(),
            period: period.label(),
            indicator: self.measured.indicator.kind.as_str(),
            status: status(&value, target.as_ref().map(|t| t.0)),
            value,
            target: target.as_ref().map(|t| t.0),
            target_period: target.map(|t| t.1),
            previous,
            internal_customer_score: None,
            promise_compliance: None,
            engagement: None,
            open_cases: None,
        })
    }
}
