//! The indicator, targets, influence links and scorecards under `/api/v1`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use tevreden_domain::results::{Measurement, Metric};
use tevreden_domain::scorecard::{IndicatorKind, Period};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiAuth;
use super::common::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::disclosure::Gate;
use crate::error::{ApiError, FieldError};
use tevreden_services::scorecards::Context;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_indicator, put_indicator))
        .routes(routes!(list_targets))
        .routes(routes!(put_target, delete_target))
        .routes(routes!(get_influences, put_influences))
        .routes(routes!(list_scorecards))
        .routes(routes!(unit_scorecard))
}

fn field(path: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        path: path.into(),
        message: message.into(),
        code: None,
    }
}

fn indicator_json(i: &tevreden_storage::Indicator) -> IndicatorDoc {
    IndicatorDoc {
        kind: i.kind.as_str().to_string(),
        survey: i.survey_key.clone(),
        components: i
            .components
            .iter()
            .map(|(q, w)| ComponentDoc {
                question: q.clone(),
                weight: *w,
            })
            .collect(),
    }
}

/// The north-star indicator
///
/// `404` until an admin has chosen one.
#[utoipa::path(get, path = "/indicator", tag = "scorecards",
    responses((status = 200, description = "The indicator", body = IndicatorDoc)))]
async fn get_indicator(
    State(app): State<AppState>,
    auth: ApiAuth,
) -> Result<Json<IndicatorDoc>, ApiError> {
    match app.store.indicator(auth.0.org_id).await? {
        Some(i) => Ok(Json(indicator_json(&i))),
        None => Err(ApiError::not_found(
            "indicator (choose one with PUT /api/v1/indicator)",
        )),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct IndicatorBody {
    /// `nps`, `csat` or `index`.
    kind: String,
    /// The survey's key.
    survey: String,
    /// For `nps` and `csat`: the question's id.
    question: Option<String>,
    /// For `index`: the questions and their weights.
    components: Option<Vec<ComponentDoc>>,
}

#[derive(Debug, Deserialize, serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ComponentDoc {
    question: String,
    weight: f64,
}

#[derive(serde::Serialize, ToSchema)]
struct IndicatorDoc {
    kind: String,
    survey: String,
    components: Vec<ComponentDoc>,
}

/// Choose the north-star indicator
///
/// NPS or CSAT on one question, or a customer index: the weighted mean of questions rescaled
/// to 0–100 (see the scorecard documentation). Admin tokens without a unit only.
#[utoipa::path(put, path = "/indicator", tag = "scorecards", request_body = IndicatorBody,
    responses((status = 200, description = "The indicator as stored", body = IndicatorDoc)))]
async fn put_indicator(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiJson(body): ApiJson<IndicatorBody>,
) -> Result<Json<IndicatorDoc>, ApiError> {
    auth.require_org_admin("choosing the indicator")?;
    let mut errors = Vec::new();
    let kind = IndicatorKind::parse(&body.kind);
    if kind.is_none() {
        errors.push(field("kind", "must be nps, csat or index"));
    }
    let survey = match app.store.survey(auth.0.org_id, &body.survey).await {
        Ok(s) => Some(s),
        Err(_) => {
            errors.push(field("survey", format!("no survey `{}`", body.survey)));
            None
        }
    };
    let published = match &survey {
        Some(s) => app.surveys.by_survey_id(&app.store, s.id).await.ok(),
        None => None,
    };
    if survey.is_some() && published.is_none() {
        errors.push(field("survey", "is not published yet"));
    }
    let components: Vec<(String, f64)> = match (kind, &body.question, &body.components) {
        (Some(IndicatorKind::Index), _, Some(c)) if !c.is_empty() => {
            c.iter().map(|c| (c.question.clone(), c.weight)).collect()
        }
        (Some(IndicatorKind::Index), _, _) => {
            errors.push(field(
                "components",
                "list the questions and weights of the index",
            ));
            Vec::new()
        }
        (Some(_), Some(q), _) => vec![(q.clone(), 1.0)],
        (Some(_), None, _) => {
            errors.push(field("question", "is required for nps and csat"));
            Vec::new()
        }
        (None, _, _) => Vec::new(),
    };
    if let (Some(kind), Some(p)) = (kind, &published) {
        let def = &p.version.definition;
        for (i, (q, w)) in components.iter().enumerate() {
            let path = if kind == IndicatorKind::Index {
                format!("components[{i}]")
            } else {
                "question".into()
            };
            let m = def.question(q).and_then(|qq| Measurement::of(&qq.kind));
            let ok = match (kind, m.as_ref().map(|m| m.metric)) {
                (_, None) => {
                    errors.push(field(
                        &path,
                        format!("the survey has no numeric question `{q}`"),
                    ));
                    continue;
                }
                (IndicatorKind::Nps, Some(Metric::Nps)) => true,
                (IndicatorKind::Csat, Some(Metric::Csat)) => true,
                (IndicatorKind::Index, Some(Metric::Proportion)) => false,
                (IndicatorKind::Index, Some(_)) => true,
                _ => false,
            };
            if !ok {
                errors.push(field(
                    &path,
                    format!("`{q}` cannot be used for a {} indicator", kind.as_str()),
                ));
            }
            if !(w.is_finite() && *w > 0.0) {
                errors.push(field(&path, "the weight must be a number above 0"));
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (Some(kind), Some(survey)) = (kind, survey) else {
        return Err(ApiError::validation(errors));
    };
    let stored = app
        .store
        .set_indicator(auth.0.org_id, kind, survey.id, &components, &auth.actor())
        .await?;
    Ok(Json(indicator_json(&stored)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct TargetsQuery {
    /// Only targets for this period (`2026`, `2026-Q3`, `2026-07`).
    #[param(pattern = r"^(19|20|21)[0-9]{2}(-[Qq][1-4]|-(0[1-9]|1[0-2]))?$")]
    period: Option<String>,
}

#[derive(serde::Serialize, ToSchema)]
struct TargetDoc {
    unit: String,
    period: String,
    target: f64,
}

#[derive(serde::Serialize, ToSchema)]
struct TargetListDoc {
    items: Vec<TargetDoc>,
}

/// Targets of the units in scope
#[utoipa::path(get, path = "/targets", tag = "scorecards", params(TargetsQuery),
    responses((status = 200, description = "Targets", body = TargetListDoc)))]
async fn list_targets(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<TargetsQuery>,
) -> Result<Json<TargetListDoc>, ApiError> {
    let periods = match q.period.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => vec![parse_period("period", p)?.label()],
        None => Vec::new(),
    };
    let scope = auth.unit_scope_ids(&app).await?;
    let units = app.store.units(auth.0.org_id).await?;
    let mut items: Vec<(String, String, f64)> = app
        .store
        .targets(auth.0.org_id, &periods)
        .await?
        .into_iter()
        .filter(|((u, _), _)| scope.as_ref().is_none_or(|s| s.contains(u)))
        .filter_map(|((u, p), t)| {
            units
                .iter()
                .find(|x| x.id == u)
                .map(|x| (x.external_id.clone(), p, t))
        })
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    Ok(Json(TargetListDoc {
        items: items
            .into_iter()
            .map(|(unit, period, target)| TargetDoc {
                unit,
                period,
                target,
            })
            .collect(),
    }))
}

fn parse_period(path: &str, s: &str) -> Result<Period, ApiError> {
    Period::parse(s).ok_or_else(|| {
        ApiError::validation(vec![field(
            path,
            format!("`{s}` is not a period such as 2026, 2026-Q3 or 2026-07"),
        )])
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TargetBody {
    /// On the indicator's scale (NPS −100…100; CSAT and index 0…100).
    target: f64,
}

/// Set a unit's target for a period
#[utoipa::path(put, path = "/units/{external_id}/targets/{period}", tag = "scorecards",
    params(("external_id" = String, Path), ("period" = String, Path, description = "2026, 2026-Q3 or 2026-07")),
    request_body = TargetBody,
    responses((status = 200, description = "Stored", body = TargetDoc)))]
async fn put_target(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath((unit, period)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<TargetBody>,
) -> Result<Json<TargetDoc>, ApiError> {
    auth.require_org_admin("setting targets")?;
    let p = parse_period("period", &period)?;
    let range = match app.store.indicator(auth.0.org_id).await? {
        Some(i) => i.kind.range(),
        None => (-100.0, 100.0),
    };
    if !(body.target.is_finite() && body.target >= range.0 && body.target <= range.1) {
        return Err(ApiError::validation(vec![field(
            "target",
            format!(
                "must lie between {} and {} (the indicator's scale)",
                range.0, range.1
            ),
        )]));
    }
    app.store
        .set_target(
            auth.0.org_id,
            &unit,
            &p.label(),
            Some(body.target),
            &auth.actor(),
        )
        .await?;
    Ok(Json(TargetDoc {
        unit,
        period: p.label(),
        target: body.target,
    }))
}

/// Remove a unit's target for a period
#[utoipa::path(delete, path = "/units/{external_id}/targets/{period}", tag = "scorecards",
    params(("external_id" = String, Path), ("period" = String, Path)),
    responses((status = 204, description = "Removed")))]
async fn delete_target(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath((unit, period)): ApiPath<(String, String)>,
) -> Result<axum::http::StatusCode, ApiError> {
    auth.require_org_admin("removing targets")?;
    let p = parse_period("period", &period)?;
    app.store
        .set_target(auth.0.org_id, &unit, &p.label(), None, &auth.actor())
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct InfluencesDoc {
    /// Keys of touchpoints the unit influences without owning them.
    touchpoints: Vec<String>,
}

/// Touchpoints a unit influences
#[utoipa::path(get, path = "/units/{external_id}/influences", tag = "scorecards",
    params(("external_id" = String, Path)),
    responses((status = 200, description = "The touchpoints", body = InfluencesDoc)))]
async fn get_influences(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(unit): ApiPath<String>,
) -> Result<Json<InfluencesDoc>, ApiError> {
    let u = visible_unit(&app, &auth, &unit).await?;
    let tps = app.store.touchpoints(auth.0.org_id).await?;
    let mut keys: Vec<String> = app
        .store
        .influences(auth.0.org_id)
        .await?
        .remove(&u.id)
        .unwrap_or_default()
        .iter()
        .filter_map(|id| tps.iter().find(|t| t.id == *id).map(|t| t.key.clone()))
        .collect();
    keys.sort();
    Ok(Json(InfluencesDoc { touchpoints: keys }))
}

/// Set the touchpoints a unit influences
///
/// A back-office unit sees the indicator on the touchpoints it influences as well as on those
/// it owns.
#[utoipa::path(put, path = "/units/{external_id}/influences", tag = "scorecards",
    params(("external_id" = String, Path)), request_body = InfluencesDoc,
    responses((status = 200, description = "Stored", body = InfluencesDoc)))]
async fn put_influences(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(unit): ApiPath<String>,
    ApiJson(body): ApiJson<InfluencesDoc>,
) -> Result<Json<InfluencesDoc>, ApiError> {
    auth.require_org_admin("linking touchpoints")?;
    let keys = app
        .store
        .set_influences(auth.0.org_id, &unit, &body.touchpoints, &auth.actor())
        .await?;
    Ok(Json(InfluencesDoc { touchpoints: keys }))
}

async fn visible_unit(
    app: &AppState,
    auth: &ApiAuth,
    external_id: &str,
) -> Result<tevreden_storage::Unit, ApiError> {
    let visible = match auth.unit_scope(app).await? {
        Some(s) => s,
        None => app.store.units(auth.0.org_id).await?,
    };
    visible
        .into_iter()
        .find(|u| u.external_id == external_id)
        .ok_or_else(|| ApiError::not_found(format!("unit `{external_id}`")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ScorecardQuery {
    /// `2026`, `2026-Q3` (default: the current quarter) or `2026-07`.
    #[param(pattern = r"^(19|20|21)[0-9]{2}(-[Qq][1-4]|-(0[1-9]|1[0-2]))?$")]
    period: Option<String>,
}

fn period_or_current(p: Option<&str>) -> Result<Period, ApiError> {
    match p.filter(|s| !s.is_empty()) {
        Some(s) => parse_period("period", s),
        None => Ok(tevreden_services::scorecards::current_quarter()),
    }
}

async fn context(app: &AppState, auth: &ApiAuth) -> Result<Context, ApiError> {
    Context::load(&app.store, &app.surveys, auth.0.org_id)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "no_indicator",
                "The organisation has no indicator yet: choose one with PUT /api/v1/indicator",
            )
        })
}

#[derive(serde::Serialize, ToSchema)]
struct ScorecardDoc {
    unit: String,
    name: String,
    /// `front` or `back`.
    office: String,
    period: String,
    /// `nps`, `csat` or `index`.
    indicator: String,
    n: u64,
    score: Option<f64>,
    ci95: Option<Vec<f64>>,
    small_n: bool,
    target: Option<f64>,
    target_period: Option<String>,
    /// `on-target`, `below`, `not-yet-sure`, `no-data` or `no-target`.
    status: String,
    previous: Option<PreviousDoc>,
    /// Not measured yet (`null`): filled by later capabilities, never shown as zero.
    internal_customer_score: Option<f64>,
    promise_compliance: Option<f64>,
    engagement: Option<f64>,
    open_cases: Option<u64>,
}

#[derive(serde::Serialize, ToSchema)]
struct PreviousDoc {
    period: String,
    n: u64,
    score: Option<f64>,
    ci95: Option<Vec<f64>>,
    small_n: bool,
    significant_change: Option<bool>,
}

#[derive(serde::Serialize, ToSchema)]
struct ScorecardListDoc {
    period: String,
    indicator: IndicatorDoc,
    items: Vec<ScorecardDoc>,
}

/// Organisation overview: every unit in scope against its target
#[utoipa::path(get, path = "/scorecards", tag = "scorecards", params(ScorecardQuery),
    responses((status = 200, description = "One scorecard per unit", body = ScorecardListDoc)))]
async fn list_scorecards(
    State(app): State<AppState>,
    auth: ApiAuth,
    gate: Gate,
    ApiQuery(q): ApiQuery<ScorecardQuery>,
) -> Result<Json<ScorecardListDoc>, ApiError> {
    let period = period_or_current(q.period.as_deref())?;
    let ctx = context(&app, &auth).await?;
    let scope = auth.unit_scope_ids(&app).await?;
    let mut items = Vec::new();
    for u in ctx
        .units
        .iter()
        .filter(|u| scope.as_ref().is_none_or(|s| s.contains(&u.id)))
    {
        items.push(rounded(
            ctx.scorecard(&app.store, &gate, u, period, true).await?,
        ));
    }
    Ok(Json(ScorecardListDoc {
        period: period.label(),
        indicator: indicator_json(&ctx.measured.indicator),
        items,
    }))
}

/// A unit's scorecard
#[utoipa::path(get, path = "/units/{external_id}/scorecard", tag = "scorecards",
    params(("external_id" = String, Path), ScorecardQuery),
    responses((status = 200, description = "The scorecard", body = ScorecardDoc)))]
async fn unit_scorecard(
    State(app): State<AppState>,
    auth: ApiAuth,
    gate: Gate,
    ApiPath(unit): ApiPath<String>,
    ApiQuery(q): ApiQuery<ScorecardQuery>,
) -> Result<Json<ScorecardDoc>, ApiError> {
    let period = period_or_current(q.period.as_deref())?;
    let u = visible_unit(&app, &auth, &unit).await?;
    let ctx = context(&app, &auth).await?;
    Ok(Json(rounded(
        ctx.scorecard(&app.store, &gate, &u, period, true).await?,
    )))
}

/// A scorecard as the API answers it: scores, intervals and targets rounded to 2 decimals.
fn rounded(s: tevreden_services::scorecards::Scorecard) -> ScorecardDoc {
    let r = |x: f64| tevreden_domain::results::round_to(x, 2);
    let interval = |ci: Option<[f64; 2]>| ci.map(|[lo, hi]| vec![r(lo), r(hi)]);
    ScorecardDoc {
        unit: s.unit,
        name: s.name,
        office: s.office,
        period: s.period,
        indicator: s.indicator.to_string(),
        n: s.value.n,
        score: s.value.score.map(r),
        ci95: interval(s.value.ci95),
        small_n: s.value.small_n,
        target: s.target.map(r),
        target_period: s.target_period,
        status: s.status.as_str().to_string(),
        previous: s.previous.map(|p| PreviousDoc {
            period: p.period,
            n: p.value.n,
            score: p.value.score.map(r),
            ci95: interval(p.value.ci95),
            small_n: p.value.small_n,
            significant_change: p.significant_change,
        }),
        internal_customer_score: s.internal_customer_score.map(r),
        promise_compliance: s.promise_compliance.map(r),
        engagement: s.engagement.map(r),
        open_cases: s.open_cases,
    }
}
