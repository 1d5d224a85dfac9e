//! Results and key drivers under `/api/v1/surveys/{key}/…`: the measures of one question with
//! intervals, grouped by period (with control limits) or by unit, touchpoint or channel; and
//! driver analysis by relative weights with the Shapley cross-check.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use tevreden_domain::drivers::DriverError;
use tevreden_domain::results::{GroupBy, Measure, Measured, round_to};
use tevreden_domain::rollup::day_label;
use tevreden_domain::stats::NpsMethod;
use tevreden_storage::Survey;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiAuth;
use super::common::{ApiPath, ApiQuery};
use crate::AppState;
use crate::disclosure::Gate;
use crate::error::{ApiError, FieldError};
use tevreden_services::analytics::{self, Asked, DriversFailure, Filter, Group, Names};
use tevreden_services::resolve::{FilterAsk, Problem, Resolved, parse_day, resolve};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(survey_results))
        .routes(routes!(survey_drivers))
        .routes(routes!(get_kept_attributes, put_kept_attributes))
}

#[derive(serde::Serialize, ToSchema)]
struct AttributeKeyDoc {
    key: String,
    /// How many of the newest 10,000 contacts have it.
    contacts: i64,
}

#[derive(serde::Serialize, ToSchema)]
struct KeptAttributesDoc {
    /// The contact attributes kept in the aggregates: results filtered by one of them are read
    /// from the aggregates instead of the raw responses.
    kept: Vec<String>,
    /// The most that can be kept.
    max: usize,
    /// The attribute keys the contacts have.
    available: Vec<AttributeKeyDoc>,
    /// A recount of newly chosen attributes still running in the background, if any.
    recounting: Option<RecountDoc>,
}

/// A recount of kept attributes running in the background.
#[derive(serde::Serialize, ToSchema)]
struct RecountDoc {
    /// The attributes being counted: results filtered by them are read from the raw responses
    /// until the recount is done, then from the aggregates (`kept`).
    attributes: Vec<String>,
    /// How far it is, 0–100 (estimated from response ids).
    percent: u8,
    /// When it started (RFC 3339, UTC).
    started_at: String,
}

impl RecountDoc {
    fn of(r: tevreden_storage::RecountStatus) -> Self {
        RecountDoc {
            percent: r.percent(),
            attributes: r.adding,
            started_at: jiff::Timestamp::from_millisecond(r.started_at)
                .map(|t| t.to_string())
                .unwrap_or_default(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
struct KeptAttributesBody {
    /// Attribute keys (case does not matter), at most five.
    kept: Vec<String>,
}

#[derive(serde::Serialize, ToSchema)]
struct KeptAttributesSaved {
    /// The attributes read from the aggregates now (those asked for once `recounting` is
    /// done).
    kept: Vec<String>,
    /// Responses counted for newly chosen attributes before this answer.
    recounted_responses: u64,
    /// The rest of the count, still running in the background, if any.
    recounting: Option<RecountDoc>,
}

/// Contact attributes kept in the aggregates
#[utoipa::path(get, path = "/analytics/attributes", tag = "results",
    responses((status = 200, description = "The kept attributes and those the contacts have", body = KeptAttributesDoc)))]
async fn get_kept_attributes(
    State(app): State<AppState>,
    auth: ApiAuth,
) -> Result<Json<KeptAttributesDoc>, ApiError> {
    let org = auth.0.org_id;
    Ok(Json(KeptAttributesDoc {
        kept: app.store.kept_attributes(org).await?,
        max: tevreden_domain::rollup::MAX_KEPT_ATTRIBUTES,
        available: app
            .store
            .contact_attribute_keys(org)
            .await?
            .into_iter()
            .map(|(key, contacts)| AttributeKeyDoc { key, contacts })
            .collect(),
        recounting: app.store.attribute_recount(org).await?.map(RecountDoc::of),
    }))
}

/// Choose the contact attributes kept in the aggregates
///
/// Attributes no longer chosen leave the aggregates at once. New ones are counted from the
/// attributes stored with each response (the contact's as it answered): for up to two seconds
/// before this answers, the rest in the background, in short chunks while new responses keep
/// being stored. Until `recounting` is gone (see `GET`), results filtered by a new attribute are
/// read from the raw responses: complete, only slower. Admin tokens without a unit.
#[utoipa::path(put, path = "/analytics/attributes", tag = "results", request_body = KeptAttributesBody,
    responses((status = 200, description = "Kept and recounted", body = KeptAttributesSaved)))]
async fn put_kept_attributes(
    State(app): State<AppState>,
    auth: ApiAuth,
    body: axum::body::Bytes,
) -> Result<Json<KeptAttributesSaved>, ApiError> {
    auth.require_org_admin("choosing the kept attributes")?;
    let body: KeptAttributesBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::validation(vec![FieldError {
            path: "kept".into(),
            message: format!("send {{\"kept\": [\"segment\", …]}}: {e}"),
            code: None,
        }])
    })?;
    let kept = tevreden_domain::rollup::kept_attribute_keys(body.kept.iter().map(String::as_str))
        .map_err(|e| {
        ApiError::validation(vec![FieldError {
            path: "kept".into(),
            message: e.to_string(),
            code: None,
        }])
    })?;
    let change = app
        .store
        .set_kept_attributes(auth.0.org_id, &kept, &auth.actor())
        .await?;
    Ok(Json(KeptAttributesSaved {
        kept: change.kept,
        recounted_responses: change.recounted,
        recounting: change.recounting.map(RecountDoc::of),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ResultsQuery {
    /// What to measure: a question id (`nps`, `rating`, `likert`, `yesno`), a matrix id (its
    /// dimension score: the mean over all item answers), or `question.item` for one item of a
    /// matrix, allocation (mean points) or ranking (mean place, lower is better) question.
    question: Option<String>,
    /// First day counted, `YYYY-MM-DD`, in the organisation's time zone.
    from: Option<String>,
    /// Last day counted (inclusive).
    to: Option<String>,
    /// Only responses about this unit or a unit under it.
    unit: Option<String>,
    /// Only responses about this touchpoint.
    touchpoint: Option<String>,
    /// Only responses through this channel.
    channel: Option<String>,
    /// Only responses handled by this employee (external id). Read from raw responses.
    employee: Option<String>,
    /// Only answers to this published version (1, 2, …). Read from raw responses.
    version: Option<i64>,
    /// Only responses of contacts with this attribute value, `key:value` (e.g.
    /// `segment:zakelijk`), as the contact was when it answered. From the aggregates when the
    /// organisation keeps the attribute (`/analytics/attributes`), else from raw responses.
    attribute: Option<String>,
    /// `week`, `month`, `quarter`, `unit`, `touchpoint`, `channel`, `employee` or `version`
    /// (raw responses), or `attribute:KEY` (a contact attribute's values; responses without it
    /// form a group with a null key).
    group_by: Option<String>,
    /// NPS interval: `adjusted-wald` (default) or `wald`.
    method: Option<String>,
    /// Control-chart baseline (time groupings); default: every group in the range.
    baseline_from: Option<String>,
    baseline_to: Option<String>,
    /// Compare with another period (same filters): adds `compare` with the difference and
    /// its test.
    compare_from: Option<String>,
    compare_to: Option<String>,
}

/// Parses an optional `YYYY-MM-DD` into a day number, naming the field when it is not one.
fn day(field: &'static str, v: Option<&str>, errors: &mut Vec<FieldError>) -> Option<i32> {
    parse_day(field, v).unwrap_or_else(|p| {
        errors.push(field_error(&p));
        None
    })
}

/// A parameter the resolver could not use, as the API says it.
fn field_error(p: &Problem) -> FieldError {
    let message = match p {
        Problem::BadDate { value, .. } => format!("`{value}` is not a date such as 2026-03-31"),
        Problem::ToBeforeFrom => "must not be before `from`".into(),
        Problem::UnknownUnit(v) => format!("there is no unit `{v}` within this token's units"),
        Problem::UnknownTouchpoint(v) => format!("there is no touchpoint `{v}`"),
        Problem::UnknownChannel(v) => format!("there is no channel `{v}`"),
        Problem::UnknownEmployee(v) => format!("there is no employee `{v}`"),
        Problem::UnknownVersion(v) => format!("the survey has no published version {v}"),
        Problem::BadAttribute(_) => "write it as key:value, e.g. segment:zakelijk".into(),
        Problem::BadGroupBy(g) => format!(
            "`{g}` is not one of week, month, quarter, unit, touchpoint, channel, employee, version or attribute:KEY"
        ),
    };
    FieldError {
        path: p.field().into(),
        message,
        code: None,
    }
}

/// Resolves a results question's parameters the way the dashboard does; an unknown unit,
/// touchpoint, channel or employee is `404`, the rest joins `errors` (answered as `422`).
pub(super) async fn resolved(
    app: &AppState,
    auth: &ApiAuth,
    survey: &Survey,
    ask: &FilterAsk<'_>,
    errors: &mut Vec<FieldError>,
) -> Result<Resolved, ApiError> {
    let r = resolve(&app.store, auth.0.org_id, auth.0.grant(), survey.id, ask).await?;
    if let Some((kind, key)) = r.problems.iter().find_map(Problem::unknown) {
        return Err(ApiError::not_found(format!("{kind} `{key}`")));
    }
    errors.extend(r.problems.iter().map(field_error));
    Ok(r)
}

/// The measure `id` of a survey (from its newest published version): a question, a matrix
/// item (`matrix.item`) or dimension (`matrix`), an allocation or ranking item.
async fn question(
    app: &AppState,
    survey: &Survey,
    id: &str,
    field: &str,
) -> Result<Measured, ApiError> {
    let published = app.surveys.by_survey_id(&app.store, survey.id).await.ok();
    let def = published.as_ref().map(|p| &p.version.definition);
    if let Some(m) = def.and_then(|d| tevreden_domain::results::measure_of(d, id)) {
        return Ok(m);
    }
    let message = match def.and_then(|d| d.question(id)) {
        Some(q) => format!(
            "`{id}` is a {} question; results are computed for nps, rating, likert, yesno, matrix (`question` for its dimension score, `question.item` per item), allocation and ranking (`question.item`) questions",
            q.kind.type_name()
        ),
        None => format!("the survey has no published question `{id}`"),
    };
    Err(ApiError::validation(vec![FieldError {
        path: field.into(),
        message,
        code: None,
    }]))
}

/// Results of one question
///
/// NPS with promoters/passives/detractors and a 95 % interval (adjusted Wald by default); a
/// 5-point rating as CSAT (top-2-box, Wilson interval) with its mean (t interval); a 7-point
/// rating as CES (top-3-box by the scale's direction); other scales as means; yes/no as a
/// share. `n` = 0 gives `score: null`, never 0; `small_n` flags n < 30. Scores and intervals
/// are rounded to 2 decimals, means to 3. With `group_by` a `groups` list follows; time groups
/// carry the control-chart limits of the score (methods.md 9) and an EWMA.
#[utoipa::path(get, path = "/surveys/{key}/results", tag = "results",
    params(("key" = String, Path, description = "The survey's key", example = "na-contact"), ResultsQuery),
    responses((status = 200, description = "The measures", body = ResultsDoc)))]
async fn survey_results(
    State(app): State<AppState>,
    auth: ApiAuth,
    gate: Gate,
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<ResultsQuery>,
) -> Result<Json<ResultsDoc>, ApiError> {
    let survey = app.store.survey(auth.0.org_id, &key).await?;
    let mut errors = Vec::new();
    let version = q.version.map(|n| n.to_string());
    let ask = FilterAsk {
        from: q.from.as_deref(),
        to: q.to.as_deref(),
        unit: q.unit.as_deref(),
        touchpoint: q.touchpoint.as_deref(),
        channel: q.channel.as_deref(),
        employee: q.employee.as_deref(),
        version: version.as_deref(),
        attribute: q.attribute.as_deref(),
        group_by: q.group_by.as_deref(),
    };
    let Resolved {
        filter, group_by, ..
    } = resolved(&app, &auth, &survey, &ask, &mut errors).await?;
    let method = match q.method.as_deref() {
        None | Some("") | Some("adjusted-wald") => NpsMethod::AdjustedWald,
        Some("wald") => NpsMethod::Wald,
        Some(other) => {
            errors.push(FieldError {
                path: "method".into(),
                message: format!("`{other}` is not adjusted-wald or wald"),
                code: None,
            });
            NpsMethod::AdjustedWald
        }
    };
    let compare_from = day("compare_from", q.compare_from.as_deref(), &mut errors);
    let compare_to = day("compare_to", q.compare_to.as_deref(), &mut errors);
    if compare_from.is_some() != compare_to.is_some() {
        errors.push(FieldError {
            path: "compare_to".into(),
            message: "give both compare_from and compare_to".into(),
            code: None,
        });
    }
    let baseline_from = day("baseline_from", q.baseline_from.as_deref(), &mut errors);
    let baseline_to = day("baseline_to", q.baseline_to.as_deref(), &mut errors);
    let Some(qid) = q.question.as_deref().filter(|s| !s.is_empty()) else {
        errors.push(FieldError {
            path: "question".into(),
            message: "is required: the id of the question to measure".into(),
            code: None,
        });
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let measured = question(&app, &survey, qid, "question").await?;
    let baseline = match (baseline_from, baseline_to) {
        (None, None) => None,
        (a, b) => Some((
            a.or(filter.from).unwrap_or(analytics::FAR_PAST),
            b.or(filter.to).unwrap_or(analytics::FAR_FUTURE),
        )),
    };
    let names = match group_by {
        Some(GroupBy::Unit | GroupBy::Touchpoint | GroupBy::Channel) => {
            Names::load(&app.store, auth.0.org_id).await?
        }
        _ => Names::default(),
    };
    let asked = Asked {
        survey_id: survey.id,
        measured: &measured,
        judge: gate.survey(&survey),
    };
    let m = &measured.measurement;
    let r = analytics::results(
        &app.store, &names, asked, &filter, group_by, method, baseline,
    )
    .await?;
    let compare = match (compare_from, compare_to) {
        (Some(cf), Some(ct)) => {
            let other = Filter {
                from: Some(cf),
                to: Some(ct),
                ..filter.clone()
            };
            let c =
                analytics::results(&app.store, &names, asked, &other, None, method, None).await?;
            let d = tevreden_domain::results::difference(m, &r.overall.counts, &c.overall.counts);
            Some(CompareDoc {
                from: day_label(cf),
                to: day_label(ct),
                measure: MeasureDoc::from(&c.overall),
                diff: d.as_ref().map(|d| round_to(d.diff, 2)),
                diff_ci95: d
                    .as_ref()
                    .map(|d| vec![round_to(d.ci95.0, 2), round_to(d.ci95.1, 2)]),
                p: d.as_ref().map(|d| round_to(d.p, 4)),
                significant: d.as_ref().map(|d| d.p < 0.05),
            })
        }
        _ => None,
    };
    Ok(Json(ResultsDoc {
        question: qid.to_string(),
        measure: MeasureDoc::from(&r.overall),
        from: r.from,
        to: r.to,
        group_by: group_by.map(|g| g.as_str().to_string()),
        groups: group_by.map(|_| {
            r.groups
                .unwrap_or_default()
                .into_iter()
                .map(GroupDoc::from)
                .collect()
        }),
        compare,
    }))
}

impl From<&Measure> for MeasureDoc {
    /// The measure rounded for output: percentages and NPS points to 2 decimals, means to 3.
    fn from(m: &Measure) -> Self {
        let mean_decimals = 3;
        let score_decimals = if m.metric.is_percentage() {
            2
        } else {
            mean_decimals
        };
        let pair =
            |x: Option<[f64; 2]>, d: i32| x.map(|[a, b]| vec![round_to(a, d), round_to(b, d)]);
        let nps = m.promoters.is_some();
        MeasureDoc {
            metric: m.metric.as_str().to_string(),
            n: m.n,
            score: m.score.map(|v| round_to(v, score_decimals)),
            ci95: pair(m.ci95, score_decimals),
            method: m.method.map(|x| x.as_str().to_string()),
            promoters: m.promoters,
            passives: nps.then_some(m.passives).flatten(),
            detractors: nps.then_some(m.detractors).flatten(),
            share: m.share.map(|v| round_to(v, 2)),
            share_ci95: m.share.map(|_| pair(m.share_ci95, 2)),
            mean: m.mean.map(|v| round_to(v, mean_decimals)),
            mean_ci95: pair(m.mean_ci95, mean_decimals),
            counts: m.counts.clone(),
            small_n: m.small_n,
        }
    }
}

impl From<Group> for GroupDoc {
    fn from(g: Group) -> Self {
        GroupDoc {
            measure: MeasureDoc::from(&g.measure),
            key: g.key,
            label: g.label,
            control: g.control.map(|c| ControlDoc {
                centre: c.centre.map(|x| round_to(x, 2)),
                lcl: c.lcl.map(|x| round_to(x, 2)),
                ucl: c.ucl.map(|x| round_to(x, 2)),
                signal: c.signal,
                chart: if c.laney { "laney" } else { "shewhart" }.to_string(),
                sigma_z: c.sigma_z.map(|x| round_to(x, 3)),
            }),
            ewma: g.ewma.map(|e| EwmaDoc {
                value: e.value.map(|x| round_to(x, 2)),
                lcl: round_to(e.lcl, 2),
                ucl: round_to(e.ucl, 2),
                signal: e.signal,
            }),
            vs_rest: g.vs_rest.map(|r| VsRestDoc {
                diff: round_to(r.diff, 2),
                p: round_to(r.p, 4),
                p_adjusted: round_to(r.p_adjusted, 4),
                significant: r.significant,
            }),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DriversQuery {
    /// The outcome question's id (e.g. the NPS question).
    outcome: Option<String>,
    /// The driver questions' ids, comma-separated (1–20).
    drivers: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// Only responses about this unit or a unit under it.
    unit: Option<String>,
}

/// Key driver analysis
///
/// Over the responses that answered the outcome and every driver: Pearson correlations of the
/// raw answer values, relative weights (Johnson 2000) and Shapley values as % of R², the
/// driver's mean as its performance, and its quadrant of the importance–performance matrix
/// (split at the means). Needs at least max(k + 2, 10) complete responses.
#[utoipa::path(get, path = "/surveys/{key}/drivers", tag = "results",
    params(("key" = String, Path, description = "The survey's key", example = "na-contact"), DriversQuery),
    responses((status = 200, description = "The drivers", body = DriversDoc)))]
async fn survey_drivers(
    State(app): State<AppState>,
    auth: ApiAuth,
    gate: Gate,
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<DriversQuery>,
) -> Result<Json<DriversDoc>, ApiError> {
    let survey = app.store.survey(auth.0.org_id, &key).await?;
    let mut errors = Vec::new();
    let ask = FilterAsk {
        from: q.from.as_deref(),
        to: q.to.as_deref(),
        unit: q.unit.as_deref(),
        ..FilterAsk::default()
    };
    let filter = resolved(&app, &auth, &survey, &ask, &mut errors)
        .await?
        .filter;
    let outcome = q.outcome.clone().filter(|s| !s.is_empty());
    if outcome.is_none() {
        errors.push(FieldError {
            path: "outcome".into(),
            message: "is required: the id of the outcome question".into(),
            code: None,
        });
    }
    let drivers: Vec<String> = q
        .drivers
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if drivers.is_empty() || drivers.len() > tevreden_domain::drivers::MAX_DRIVERS {
        errors.push(FieldError {
            path: "drivers".into(),
            message: "must list 1 to 20 question ids, comma-separated".into(),
            code: None,
        });
    }
    let mut seen = std::collections::HashSet::new();
    for d in drivers.iter().chain(outcome.iter()) {
        if !seen.insert(d) {
            errors.push(FieldError {
                path: "drivers".into(),
                message: format!("`{d}` is named twice"),
                code: None,
            });
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let outcome = outcome.unwrap_or_default();
    let mut scales = std::collections::HashMap::new();
    for (field, id) in
        std::iter::once(("outcome", &outcome)).chain(drivers.iter().map(|d| ("drivers", d)))
    {
        let m = question(&app, &survey, id, field).await?;
        if m.measurement.metric == tevreden_domain::results::Metric::Proportion {
            return Err(ApiError::validation(vec![FieldError {
                path: field.into(),
                message: format!("`{id}` is a yes/no question; drivers need numeric scales"),
                code: None,
            }]));
        }
        scales.insert(
            id.clone(),
            (m.measurement.scale.min, m.measurement.scale.max),
        );
        if m.part != tevreden_domain::results::Part::Question {
            return Err(ApiError::validation(vec![FieldError {
                path: field.into(),
                message: format!(
                    "`{id}` is part of a matrix, allocation or ranking question; drivers are single-answer nps, rating or likert questions"
                ),
                code: None,
            }]));
        }
    }
    let scale_of = |id: &str| scales.get(id).copied();
    let judge = gate.survey(&survey);
    match analytics::drivers(
        &app.store, judge, survey.id, &outcome, &drivers, &filter, scale_of,
    )
    .await
    {
        Ok(d) => Ok(Json(DriversDoc {
            outcome,
            n: d.n,
            r2: round_to(d.r2, 4),
            drivers: d
                .drivers
                .iter()
                .map(|x| DriverDoc {
                    question: x.question.clone(),
                    relative_weight_pct: round_to(x.relative_weight_pct, 2),
                    shapley_pct: round_to(x.shapley_pct, 2),
                    performance: round_to(x.performance, 3),
                    performance_pct: round_to(x.performance_pct, 2),
                    quadrant: x.quadrant.to_string(),
                })
                .collect(),
        })),
        Err(DriversFailure::Store(e)) => Err(e.into()),
        Err(DriversFailure::Analysis(e)) => Err(driver_error(&e)),
        Err(DriversFailure::Withheld(why)) => match why {},
    }
}

fn driver_error(e: &DriverError) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        e.code(),
        e.to_string(),
    )
}

// Documented shapes.

#[derive(serde::Serialize, ToSchema)]
struct ControlDoc {
    centre: Option<f64>,
    lcl: Option<f64>,
    ucl: Option<f64>,
    /// The period's score lies outside the limits: a change beyond noise.
    signal: bool,
    /// `shewhart`: limits from sampling alone, `c ± 3·√(v/nₜ)`. `laney`: Laney's p′ (or its
    /// NPS analogue), the same limits widened by `sigma_z` because the periods vary more
    /// between them than sampling explains (large periods; methods.md 9, docs/statistics.md).
    #[schema(example = "laney")]
    chart: String,
    /// The spread of the standardised baseline periods (mean moving range / 1.128); `null`
    /// with fewer than two periods with answers.
    sigma_z: Option<f64>,
}

#[derive(serde::Serialize, ToSchema)]
struct EwmaDoc {
    value: Option<f64>,
    lcl: f64,
    ucl: f64,
    signal: bool,
}

#[derive(serde::Serialize, ToSchema)]
struct MeasureDoc {
    /// `nps`, `csat`, `ces`, `mean` or `proportion`.
    metric: String,
    n: u64,
    /// NPS points, % (csat, ces, proportion) or the mean; `null` when n = 0.
    score: Option<f64>,
    ci95: Option<Vec<f64>>,
    /// NPS only: `adjusted-wald` or `wald`.
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    /// NPS only, as are `passives` and `detractors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    promoters: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    passives: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detractors: Option<u64>,
    /// `mean` metric: top-2-box share in %.
    #[serde(skip_serializing_if = "Option::is_none")]
    share: Option<f64>,
    /// Present with `share`; `null` when it has no interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<f64>>)]
    share_ci95: Option<Option<Vec<f64>>>,
    mean: Option<f64>,
    mean_ci95: Option<Vec<f64>>,
    /// Answers per scale point, lowest first (NPS: 11 numbers, 0–10).
    counts: Vec<u64>,
    /// n < 30.
    small_n: bool,
}

#[derive(serde::Serialize, ToSchema)]
struct VsRestDoc {
    diff: f64,
    p: f64,
    /// Benjamini–Hochberg over all groups of the answer.
    p_adjusted: f64,
    significant: bool,
}

#[derive(serde::Serialize, ToSchema)]
struct CompareDoc {
    from: String,
    to: String,
    #[serde(flatten)]
    measure: MeasureDoc,
    /// The main period minus this one; `null` when it cannot be tested.
    diff: Option<f64>,
    diff_ci95: Option<Vec<f64>>,
    p: Option<f64>,
    significant: Option<bool>,
}

#[derive(serde::Serialize, ToSchema)]
struct GroupDoc {
    /// Period (`2026-03`, `2026-W09`, `2026-Q1`) or the unit's, touchpoint's or channel's key;
    /// `null` for responses without one.
    key: Option<String>,
    label: String,
    #[serde(flatten)]
    measure: MeasureDoc,
    /// Time groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    control: Option<ControlDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ewma: Option<EwmaDoc>,
    /// Unit, touchpoint and channel groups: against all other answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    vs_rest: Option<VsRestDoc>,
}

#[derive(serde::Serialize, ToSchema)]
struct ResultsDoc {
    question: String,
    #[serde(flatten)]
    measure: MeasureDoc,
    /// First and last day counted; `null` without answers.
    from: Option<String>,
    to: Option<String>,
    /// With `group_by` only, as is `groups`.
    #[serde(skip_serializing_if = "Option::is_none")]
    group_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<Vec<GroupDoc>>,
    /// With `compare_from` and `compare_to` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    compare: Option<CompareDoc>,
}

#[derive(serde::Serialize, ToSchema)]
struct DriverDoc {
    question: String,
    relative_weight_pct: f64,
    shapley_pct: f64,
    /// The driver's mean over the complete responses.
    performance: f64,
    /// That mean as percent of the driver's own scale, `(mean − min)/(max − min)·100`: drivers
    /// on different scales compare only this way, and the quadrants are computed on it.
    performance_pct: f64,
    /// `act-here`, `keep-up`, `possible-overkill` or `low-priority`.
    quadrant: String,
}

#[derive(serde::Serialize, ToSchema)]
struct DriversDoc {
    outcome: String,
    n: u64,
    r2: f64,
    drivers: Vec<DriverDoc>,
}
