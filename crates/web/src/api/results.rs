//! Results and key drivers under `/api/v1/surveys/{key}/…`: the measures of one question with
//! intervals, grouped by period (with control limits) or by unit, touchpoint or channel; and
//! driver analysis by relative weights with the Shapley cross-check.

use axum::Json;
use axum::extract::State;
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::Value;
use tevreden_domain::drivers::DriverError;
use tevreden_domain::results::{GroupBy, Measure, Measured, round_to};
use tevreden_domain::rollup::{day_label, day_of_date};
use tevreden_domain::stats::NpsMethod;
use tevreden_storage::Survey;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiAuth;
use super::common::{ApiPath, ApiQuery};
use crate::AppState;
use crate::analytics::{self, Asked, DriversFailure, Filter, Names};
use crate::error::{ApiError, FieldError};

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
fn day(field: &str, v: Option<&str>, errors: &mut Vec<FieldError>) -> Option<i32> {
    let v = v.filter(|s| !s.is_empty())?;
    match v.parse::<Date>() {
        Ok(d) if (1900..=2199).contains(&d.year()) => Some(day_of_date(d)),
        _ => {
            errors.push(FieldError {
                path: field.into(),
                message: format!("`{v}` is not a date such as 2026-03-31"),
                code: None,
            });
            None
        }
    }
}

/// A query's filter parameters as given.
#[derive(Default)]
struct FilterParams<'a> {
    from: Option<&'a str>,
    to: Option<&'a str>,
    unit: Option<&'a str>,
    touchpoint: Option<&'a str>,
    channel: Option<&'a str>,
}

/// The date, unit, touchpoint and channel filters of a query, resolved and scoped to the token.
async fn filter(
    app: &AppState,
    auth: &ApiAuth,
    p: FilterParams<'_>,
    errors: &mut Vec<FieldError>,
) -> Result<Filter, ApiError> {
    let FilterParams {
        from,
        to,
        unit,
        touchpoint,
        channel,
    } = p;
    let org = auth.0.org_id;
    let from = day("from", from, errors);
    let to = day("to", to, errors);
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        errors.push(FieldError {
            path: "to".into(),
            message: "must not be before `from`".into(),
            code: None,
        });
    }
    let units = auth.units_filter(app, unit).await?;
    let touchpoint = match touchpoint.filter(|s| !s.is_empty()) {
        Some(k) => Some(
            app.store
                .touchpoint(org, k)
                .await
                .map_err(|_| ApiError::not_found(format!("touchpoint `{k}`")))?
                .id,
        ),
        None => None,
    };
    let channel = match channel.filter(|s| !s.is_empty()) {
        Some(k) => Some(
            app.store
                .channel(org, k)
                .await
                .map_err(|_| ApiError::not_found(format!("channel `{k}`")))?
                .id,
        ),
        None => None,
    };
    Ok(Filter {
        from,
        to,
        units,
        or_touchpoints: None,
        touchpoint,
        channel,
        employee: None,
        version_id: None,
        attribute: None,
        by_attribute: None,
    })
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
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<ResultsQuery>,
) -> Result<Json<Value>, ApiError> {
    let survey = app.store.survey(auth.0.org_id, &key).await?;
    let mut errors = Vec::new();
    let (group_by, by_attribute) = match q.group_by.as_deref().filter(|s| !s.is_empty()) {
        None => (None, None),
        Some(g) => match analytics::parse_group_by(g) {
            Some((g, attribute)) => (Some(g), attribute),
            None => {
                errors.push(FieldError {
                    path: "group_by".into(),
                    message: format!(
                        "`{g}` is not one of week, month, quarter, unit, touchpoint, channel, employee, version or attribute:KEY"
                    ), code: None, });
                (None, None)
            }
        },
    };
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
    let params = FilterParams {
        from: q.from.as_deref(),
        to: q.to.as_deref(),
        unit: q.unit.as_deref(),
        touchpoint: q.touchpoint.as_deref(),
        channel: q.channel.as_deref(),
    };
    let mut filter = filter(&app, &auth, params, &mut errors).await?;
    filter.by_attribute = by_attribute;
    if let Some(e) = q.employee.as_deref().filter(|s| !s.is_empty()) {
        filter.employee = Some(
            app.store
                .employee(auth.0.org_id, e)
                .await
                .map_err(|_| ApiError::not_found(format!("employee `{e}`")))?
                .id,
        );
    }
    if let Some(n) = q.version {
        let versions = app.store.survey_versions(survey.id).await?;
        match versions.iter().find(|v| v.version == Some(n)) {
            Some(v) => filter.version_id = Some(v.id),
            None => errors.push(FieldError {
                path: "version".into(),
                message: format!("the survey has no published version {n}"),
                code: None,
            }),
        }
    }
    if let Some(a) = q.attribute.as_deref().filter(|s| !s.is_empty()) {
        match crate::analytics::parse_attribute_filter(a) {
            Some(pair) => filter.attribute = Some(pair),
            None => errors.push(FieldError {
                path: "attribute".into(),
                message: "write it as key:value, e.g. segment:zakelijk".into(),
                code: None,
            }),
        }
    }
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
    };
    let m = &measured.measurement;
    let r = analytics::results(
        &app.store, &names, asked, &filter, group_by, method, baseline,
    )
    .await?;
    let mut out = serde_json::json!({"question": qid});
    let obj = out.as_object_mut().expect("an object");
    merge_measure(obj, &r.overall);
    obj.insert("from".into(), r.from.clone().into());
    obj.insert("to".into(), r.to.clone().into());
    if let (Some(cf), Some(ct)) = (compare_from, compare_to) {
        let other = Filter {
            from: Some(cf),
            to: Some(ct),
            ..filter.clone()
        };
        let c = analytics::results(&app.store, &names, asked, &other, None, method, None).await?;
        let mut v = serde_json::json!({"from": day_label(cf), "to": day_label(ct)});
        let co = v.as_object_mut().expect("an object");
        merge_measure(co, &c.overall);
        let d = tevreden_domain::results::difference(m, &r.overall.counts, &c.overall.counts);
        co.insert(
            "diff".into(),
            d.as_ref().map(|d| round_to(d.diff, 2)).into(),
        );
        co.insert(
            "diff_ci95".into(),
            d.as_ref()
                .map(|d| vec![round_to(d.ci95.0, 2), round_to(d.ci95.1, 2)])
                .into(),
        );
        co.insert("p".into(), d.as_ref().map(|d| round_to(d.p, 4)).into());
        co.insert("significant".into(), d.as_ref().map(|d| d.p < 0.05).into());
        obj.insert("compare".into(), v);
    }
    if let Some(g) = group_by {
        obj.insert("group_by".into(), g.as_str().into());
        let groups: Vec<Value> = r
            .groups
            .unwrap_or_default()
            .into_iter()
            .map(|g| {
                let mut v = serde_json::json!({"key": g.key, "label": g.label});
                let o = v.as_object_mut().expect("an object");
                merge_measure(o, &g.measure);
                if let Some(c) = g.control {
                    o.insert(
                        "control".into(),
                        serde_json::json!({
                            "centre": c.centre.map(|x| round_to(x, 2)),
                            "lcl": c.lcl.map(|x| round_to(x, 2)),
                            "ucl": c.ucl.map(|x| round_to(x, 2)),
                            "signal": c.signal,
                            "chart": if c.laney { "laney" } else { "shewhart" },
                            "sigma_z": c.sigma_z.map(|x| round_to(x, 3)),
                        }),
                    );
                }
                if let Some(r) = g.vs_rest {
                    o.insert(
                        "vs_rest".into(),
                        serde_json::json!({
                            "diff": round_to(r.diff, 2),
                            "p": round_to(r.p, 4),
                            "p_adjusted": round_to(r.p_adjusted, 4),
                            "significant": r.significant,
                        }),
                    );
                }
                if let Some(e) = g.ewma {
                    o.insert(
                        "ewma".into(),
                        serde_json::json!({
                            "value": e.value.map(|x| round_to(x, 2)),
                            "lcl": round_to(e.lcl, 2),
                            "ucl": round_to(e.ucl, 2),
                            "signal": e.signal,
                        }),
                    );
                }
                v
            })
            .collect();
        obj.insert("groups".into(), groups.into());
    }
    Ok(Json(out))
}

/// Writes a measure's fields, rounded for output, into a JSON object.
fn merge_measure(o: &mut serde_json::Map<String, Value>, m: &Measure) {
    let r2 = |x: Option<f64>| x.map(|v| round_to(v, 2));
    let pair = |x: Option<[f64; 2]>, d: i32| x.map(|[a, b]| vec![round_to(a, d), round_to(b, d)]);
    let mean_decimals = 3;
    o.insert("metric".into(), m.metric.as_str().into());
    o.insert("n".into(), m.n.into());
    let score_decimals = if m.metric.is_percentage() {
        2
    } else {
        mean_decimals
    };
    o.insert(
        "score".into(),
        m.score.map(|v| round_to(v, score_decimals)).into(),
    );
    o.insert(
        "ci95".into(),
        serde_json::to_value(pair(m.ci95, score_decimals)).unwrap_or_default(),
    );
    if let Some(method) = m.method {
        o.insert(
            "method".into(),
            serde_json::to_value(method).unwrap_or_default(),
        );
    }
    if m.promoters.is_some() {
        o.insert("promoters".into(), m.promoters.into());
        o.insert("passives".into(), m.passives.into());
        o.insert("detractors".into(), m.detractors.into());
    }
    if m.share.is_some() {
        o.insert("share".into(), r2(m.share).into());
        o.insert(
            "share_ci95".into(),
            serde_json::to_value(pair(m.share_ci95, 2)).unwrap_or_default(),
        );
    }
    o.insert(
        "mean".into(),
        m.mean.map(|v| round_to(v, mean_decimals)).into(),
    );
    o.insert(
        "mean_ci95".into(),
        serde_json::to_value(pair(m.mean_ci95, mean_decimals)).unwrap_or_default(),
    );
    o.insert("counts".into(), m.counts.clone().into());
    o.insert("small_n".into(), m.small_n.into());
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
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<DriversQuery>,
) -> Result<Json<Value>, ApiError> {
    let survey = app.store.survey(auth.0.org_id, &key).await?;
    let mut errors = Vec::new();
    let params = FilterParams {
        from: q.from.as_deref(),
        to: q.to.as_deref(),
        unit: q.unit.as_deref(),
        ..FilterParams::default()
    };
    let filter = filter(&app, &auth, params, &mut errors).await?;
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
    match analytics::drivers(&app.store, survey.id, &outcome, &drivers, &filter, scale_of).await {
        Ok(d) => Ok(Json(serde_json::json!({
            "outcome": outcome,
            "n": d.n,
            "r2": round_to(d.r2, 4),
            "drivers": d.drivers.iter().map(|x| serde_json::json!({
                "question": x.question,
                "relative_weight_pct": round_to(x.relative_weight_pct, 2),
                "shapley_pct": round_to(x.shapley_pct, 2),
                "performance": round_to(x.performance, 3),
                "performance_pct": round_to(x.performance_pct, 2),
                "quadrant": x.quadrant,
            })).collect::<Vec<_>>(),
        }))),
        Err(DriversFailure::Store(e)) => Err(e.into()),
        Err(DriversFailure::Analysis(e)) => Err(driver_error(&e)),
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
    method: Option<String>,
    promoters: Option<u64>,
    passives: Option<u64>,
    detractors: Option<u64>,
    /// `mean` metric: top-2-box share in %.
    share: Option<f64>,
    share_ci95: Option<Vec<f64>>,
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
    control: Option<ControlDoc>,
    ewma: Option<EwmaDoc>,
    /// Unit, touchpoint and channel groups: against all other answers.
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
    group_by: Option<String>,
    groups: Option<Vec<GroupDoc>>,
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
