//! The results dashboard of one survey: filters, the measure with its interval, the trend
//! with control limits and signals, the distribution, a breakdown, key drivers with the
//! importance–performance matrix, and open answers with sentiment and themes. Every chart is
//! server-rendered SVG with a text alternative and the numbers behind it as a table; every
//! table downloads as CSV (UTF-8 with BOM; `;` for Dutch Excel).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tevreden_domain::results::{GroupBy, Measure, Measured, Measurement, Metric, Part};
use tevreden_domain::rollup::day_label;
use tevreden_domain::stats::NpsMethod;
use tevreden_domain::survey::{AnswerValue, QuestionKind};
use tevreden_domain::text::{Sentiment, sentiment, suggest_phrases};
use tevreden_domain::{Lang, survey::stored_answers};

use super::auth::Signed;
use super::{Layout, Tr, html_page};
use crate::AppState;
use crate::charts::{self, ChartText};
use crate::disclosure::Gate;
use tevreden_domain::disclosure::Verdict;
use tevreden_domain::export::CsvRows;
use tevreden_services::analytics::{self, Asked, DriversFailure, Filter, Group, Names, Signal};
use tevreden_services::resolve::{FilterAsk, Problem, resolve};

use super::error::server_error;

#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
    unit: Option<String>,
    touchpoint: Option<String>,
    channel: Option<String>,
    /// An employee's external id (read through the raw responses).
    employee: Option<String>,
    /// A published version number.
    version: Option<String>,
    /// A contact attribute, `key:value`.
    attribute: Option<String>,
    period: Option<String>,
    by: Option<String>,
    /// Download one table: `trend`, `breakdown`, `distribution` or `drivers`.
    export: Option<String>,
    /// With `export`: `csv` (`,`) or `csv-semicolon` (`;`, for Dutch Excel).
    format: Option<String>,
}

/// A filter field's text, trimmed; `None` when empty.
fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// An option of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A table as shown and as exported.
pub struct Table {
    pub name: &'static str,
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A table cell: the text the page shows (in its language: decimal comma, thousands
/// separators, a real minus sign) and, for a number, the number itself with its decimals, which
/// is what downloads write (a number in XLSX; `1234.5` in a comma CSV, `1234,5` in a
/// semicolon CSV, as Dutch Excel reads it).
pub struct Cell {
    pub text: String,
    number: Option<(f64, usize)>,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            number: None,
        }
    }

    pub fn count(n: u64, lang: &str) -> Cell {
        Cell {
            text: grouped(n, lang),
            number: Some((n as f64, 0)),
        }
    }

    /// A number shown with `decimals`; none is an empty cell ("–" on the page).
    pub fn num(x: Option<f64>, decimals: usize, lang: &str) -> Cell {
        match x.filter(|v| v.is_finite()) {
            Some(v) => Cell {
                text: num(v, decimals, lang),
                number: Some((v, decimals)),
            },
            None => Cell::text("–"),
        }
    }

    /// The cell as a download writes it: a plain number with `.` (or `,` when `decimal_comma`)
    /// and no grouping, an empty text for a missing number, else the shown text.
    pub fn exported(&self, decimal_comma: bool) -> String {
        match self.number {
            Some((v, d)) => {
                let s = format!("{v:.d$}");
                let s = if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
                    s[1..].to_string()
                } else {
                    s
                };
                if decimal_comma {
                    s.replace('.', ",")
                } else {
                    s
                }
            }
            None if self.text == "–" => String::new(),
            None => self.text.clone(),
        }
    }

    /// The number a spreadsheet cell holds, rounded as shown.
    pub fn value(&self) -> Option<f64> {
        self.number
            .map(|(v, d)| (v * 10f64.powi(d as i32)).round() / 10f64.powi(d as i32))
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A count with thousands separators: `49.660` in Dutch, `49,660` in English.
pub fn grouped(n: u64, lang: &str) -> String {
    let sep = if lang.starts_with("nl") { '.' } else { ',' };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

/// One open answer with what the text analysis read in it.
pub struct Comment {
    pub when: String,
    pub text: String,
    pub sentiment: &'static str,
    pub sentiment_label: String,
    pub themes: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage<'a> {
    layout: Layout<'a>,
    key: String,
    title: String,
    query_string: String,
    questions: Vec<Choice>,
    units: Vec<Choice>,
    touchpoints: Vec<Choice>,
    channels: Vec<Choice>,
    versions: Vec<Choice>,
    employee: String,
    attribute: String,
    /// A running recount of kept attributes, said in words.
    recounting: Option<String>,
    periods: Vec<Choice>,
    bys: Vec<Choice>,
    from: String,
    to: String,
    warnings: Vec<String>,
    /// How the chosen measure is computed, when it is not a plain question.
    measure_note: Option<String>,
    headline: Option<Headline>,
    trend_svg: String,
    /// Why the control limits are wider than sampling alone would make them (Laney).
    trend_note: Option<String>,
    distribution_svg: String,
    breakdown_svg: String,
    drivers_svg: Option<String>,
    matrix_svg: Option<String>,
    drivers_note: Option<String>,
    tables: Vec<Table>,
    comments: Vec<Comment>,
    sentiment_summary: Vec<(String, u64)>,
    theme_summary: Vec<(String, u64)>,
    /// Frequent phrases no theme covers yet.
    phrases: Vec<(String, u64)>,
}

pub struct Headline {
    pub metric: String,
    pub score: String,
    pub interval: String,
    pub n: String,
    pub small_n: bool,
    pub mean: Option<String>,
}

/// Formats a number for the page's language (decimal comma in Dutch).
fn num(x: f64, decimals: usize, lang: &str) -> String {
    let s = format!("{x:.decimals$}");
    let s = if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
        s[1..].to_string()
    } else {
        s
    };
    let s = s.replace('-', "−");
    if lang.starts_with("nl") {
        s.replace('.', ",")
    } else {
        s
    }
}

pub(super) fn opt_num(x: Option<f64>, decimals: usize, lang: &str) -> String {
    x.map(|v| num(v, decimals, lang))
        .unwrap_or_else(|| "–".into())
}

fn interval(ci: Option<[f64; 2]>, decimals: usize, lang: &str) -> String {
    ci.map(|[a, b]| format!("{} – {}", num(a, decimals, lang), num(b, decimals, lang)))
        .unwrap_or_else(|| "–".into())
}

/// The axis range of a metric's scores.
fn axis(m: &Measurement) -> (f64, f64) {
    match m.metric {
        Metric::Nps => (-100.0, 100.0),
        Metric::Mean => (m.scale.min as f64, m.scale.max as f64),
        _ => (0.0, 100.0),
    }
}

fn decimals(m: &Measurement) -> usize {
    if m.metric == Metric::Mean { 2 } else { 1 }
}

/// A parameter the dashboard could not use, as a warning in the page's language; `None` for
/// those it replaces silently (a breakdown it does not offer falls back to units).
fn warning(tr: &Tr, p: &Problem) -> Option<String> {
    let (key, value) = match p {
        Problem::BadDate { value, .. } => ("dash-bad-date", value.as_str()),
        Problem::ToBeforeFrom => ("dash-to-before-from", ""),
        Problem::UnknownUnit(v) => ("dash-unknown-unit", v.as_str()),
        Problem::UnknownTouchpoint(v) => ("dash-unknown-touchpoint", v.as_str()),
        Problem::UnknownChannel(v) => ("dash-unknown-channel", v.as_str()),
        Problem::UnknownEmployee(v) => ("dash-unknown-employee", v.as_str()),
        Problem::UnknownVersion(v) => ("dash-bad-version", v.as_str()),
        Problem::BadAttribute(v) => ("dash-bad-attribute", v.as_str()),
        Problem::BadGroupBy(_) => return None,
    };
    Some(tr.t_args(key, &[("value", value.to_string())]))
}

/// The chart texts in the page's language; `decimals` from the measurement when given.
pub(super) fn chart_text(tr: &Tr, m: Option<&Measurement>) -> ChartText {
    ChartText {
        decimal_comma: tr.lang().starts_with("nl"),
        no_data: tr.t("dash-no-data"),
        signal: tr.t("dash-signal"),
        target: tr.t("dash-target"),
        interval: tr.t("dash-interval"),
        control_limits: tr.t("dash-control-limits"),
        centre: tr.t("dash-centre"),
        relative_weight: tr.t("dash-relative-weight"),
        shapley: tr.t("dash-shapley"),
        decimals: m.map(|m| decimals(m) as u8),
    }
}

pub async fn dashboard(
    State(app): State<AppState>,
    signed: Signed,
    gate: Gate,
    Path(key): Path<String>,
    Query(q): Query<DashboardQuery>,
) -> Response {
    let tr = signed.tr();
    let lang = signed.lang.clone();
    let survey = match app.store.survey(signed.org.id, &key).await {
        Ok(s) => s,
        Err(tevreden_storage::StoreError::NotFound(_)) => {
            return super::message(&signed, StatusCode::NOT_FOUND, "page-notfound");
        }
        Err(e) => return server_error(e),
    };
    let Ok(published) = app.surveys.by_survey_id(&app.store, survey.id).await else {
        return super::message(&signed, StatusCode::OK, "dash-unpublished");
    };
    let def = &published.version.definition;
    let fallback = def.default_lang().clone();
    // Everything measurable: questions, matrix dimensions and items, allocation and ranking
    // items; each with its label in the page's language.
    let measured: Vec<(Measured, String)> = tevreden_domain::results::measured(def)
        .into_iter()
        .map(|mm| {
            let label = match mm.part {
                Part::Question => mm.label(&lang, &fallback),
                Part::Dimension => tr.t_args(
                    "dash-measure-dimension",
                    &[("label", mm.label(&lang, &fallback))],
                ),
                Part::Item => format!("\u{2003}{}", mm.label(&lang, &fallback)),
            };
            (mm, label)
        })
        .collect();
    let Some(default_q) = measured
        .iter()
        .find(|(mm, _)| mm.measurement.metric == Metric::Nps)
        .or(measured.first())
        .map(|(mm, _)| mm.key.clone())
    else {
        return super::message(&signed, StatusCode::OK, "dash-nothing-measured");
    };
    let qid =
        q.q.clone()
            .filter(|x| measured.iter().any(|(mm, _)| mm.key == *x))
            .unwrap_or(default_q);
    let (chosen, _) = measured
        .iter()
        .find(|(mm, _)| mm.key == qid)
        .expect("chosen from the list")
        .clone();
    let qtext = chosen.label(&lang, &fallback);
    let m = chosen.measurement.clone();
    let measure_note = match chosen.part {
        Part::Dimension => Some(tr.t_args(
            "dash-measure-dimension-note",
            &[("items", chosen.parts.len().to_string())],
        )),
        Part::Item if chosen.from_responses && !m.scale.higher_is_better => {
            Some(tr.t("dash-measure-rank-note"))
        }
        Part::Item if chosen.from_responses => Some(tr.t_args(
            "dash-measure-points-note",
            &[("total", m.scale.max.to_string())],
        )),
        _ => None,
    };

    // Filters, scoped to the units the user may see: the same resolver as the API's, its
    // problems shown as warnings (the page computes without the parameter).
    let ask = FilterAsk {
        from: q.from.as_deref(),
        to: q.to.as_deref(),
        unit: q.unit.as_deref(),
        touchpoint: q.touchpoint.as_deref(),
        channel: q.channel.as_deref(),
        employee: q.employee.as_deref(),
        version: q.version.as_deref(),
        attribute: q.attribute.as_deref(),
        group_by: q.by.as_deref(),
    };
    let (resolved, names, versions) = match tokio::try_join!(
        resolve(
            &app.store,
            signed.org.id,
            signed.user.grant(),
            survey.id,
            &ask
        ),
        Names::load(&app.store, signed.org.id),
        app.store.survey_versions(survey.id),
    ) {
        Ok(r) => r,
        Err(e) => return server_error(e),
    };
    let visible = &resolved.visible;
    let chosen_unit = nonempty(&q.unit).and_then(|k| visible.iter().find(|u| u.external_id == k));
    let warnings: Vec<String> = resolved
        .problems
        .iter()
        .filter_map(|p| warning(&tr, p))
        .collect();
    let period = q
        .period
        .as_deref()
        .and_then(GroupBy::parse)
        .filter(|g| g.is_time())
        .unwrap_or(GroupBy::Month);
    let (kept, recount) = match tokio::try_join!(
        app.store.kept_attributes(signed.org.id),
        app.store.attribute_recount(signed.org.id)
    ) {
        Ok(k) => k,
        Err(e) => return server_error(e),
    };
    // The breakdown: any grouping but time (the trend shows those), by unit by default.
    let (by, filter) = match resolved.group_by {
        Some(g) if !g.is_time() => (g, resolved.filter),
        _ => (
            GroupBy::Unit,
            Filter {
                by_attribute: None,
                ..resolved.filter
            },
        ),
    };
    let by_param = match &filter.by_attribute {
        Some(key) => format!("attribute:{key}"),
        None => by.as_str().to_string(),
    };
    let by_name = match &filter.by_attribute {
        Some(key) => tr.t_args("by-attribute", &[("key", key.clone())]),
        None => tr.t(&format!("by-{}", by.as_str())),
    };
    let asked = Asked {
        survey_id: survey.id,
        measured: &chosen,
        judge: gate.survey(&survey),
    };
    let method = NpsMethod::AdjustedWald;
    let trend = match analytics::results(
        &app.store,
        &names,
        asked,
        &filter,
        Some(period),
        method,
        None,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return server_error(e),
    };
    let breakdown = match analytics::results(
        &app.store,
        &names,
        asked,
        &filter,
        Some(by),
        method,
        None,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return server_error(e),
    };
    let l = tr.lang().to_string();
    let d = decimals(&m);
    let ct = chart_text(&tr, Some(&m));
    let metric_name = tr.t(&format!("metric-{}", m.metric.as_str()));
    let overall = &trend.overall;
    let headline = (overall.n > 0).then(|| Headline {
        metric: metric_name.clone(),
        score: opt_num(overall.score, d, &l),
        interval: interval(overall.ci95, d, &l),
        n: overall.n.to_string(),
        small_n: overall.small_n,
        mean: (m.metric != Metric::Mean)
            .then(|| {
                overall
                    .mean
                    .map(|x| format!("{} [{}]", num(x, 2, &l), interval(overall.mean_ci95, 2, &l)))
            })
            .flatten(),
    });

    // Trend.
    let trend_groups = trend.groups.clone().unwrap_or_default();
    let points: Vec<charts::TrendPoint> = trend_groups
        .iter()
        .map(|g| charts::TrendPoint {
            label: g.key.clone().unwrap_or_default(),
            value: g.measure.score,
            ci: g.measure.ci95.map(|[a, b]| (a, b)),
            n: g.measure.n,
            lcl: g.control.as_ref().and_then(|c| c.lcl),
            ucl: g.control.as_ref().and_then(|c| c.ucl),
            centre: g.control.as_ref().and_then(|c| c.centre),
            signal: g.signal().is_some(),
        })
        .collect();
    let trend_title = tr.t_args(
        "dash-trend-title",
        &[
            ("metric", metric_name.clone()),
            ("period", tr.t(&format!("period-{}", period.as_str()))),
        ],
    );
    let trend_svg = charts::trend("trend", &trend_title, &points, axis(&m), None, &ct);
    // Large periods: the limits are Laney's, and the page says by how much they widened.
    let trend_note = trend_groups
        .iter()
        .filter_map(|g| g.control.as_ref())
        .find(|c| c.laney)
        .and_then(|c| c.sigma_z)
        .map(|s| tr.t_args("dash-laney-note", &[("factor", num(s, 1, &l))]));

    // Distribution.
    let labels: Vec<String> = (m.scale.min..=m.scale.max).map(|v| v.to_string()).collect();
    let groups: Vec<(usize, usize, String)> = match m.metric {
        Metric::Nps => vec![
            (0, 6, tr.t("dash-detractors")),
            (7, 8, tr.t("dash-passives")),
            (9, 10, tr.t("dash-promoters")),
        ],
        _ => Vec::new(),
    };
    let dist_title = tr.t_args("dash-distribution-title", &[("question", qtext.clone())]);
    let distribution_svg =
        charts::distribution("dist", &dist_title, &labels, &overall.counts, &groups, &ct);

    // Breakdown.
    let bgroups = breakdown.groups.clone().unwrap_or_default();
    let none_label = tr.t("dash-none");
    let small = tr.t("dash-small-n");
    let bars: Vec<charts::Bar> = bgroups
        .iter()
        .map(|g| charts::Bar {
            label: group_label(g, &none_label),
            value: g.measure.score,
            ci: g.measure.ci95.map(|[a, b]| (a, b)),
            n: g.measure.n,
            note: g.measure.small_n.then(|| small.clone()),
            target: None,
        })
        .collect();
    let by_title = tr.t_args(
        "dash-breakdown-title",
        &[("metric", metric_name.clone()), ("by", by_name.clone())],
    );
    let breakdown_svg = charts::bars("breakdown", &by_title, &bars, axis(&m), None, &ct);

    // Tables behind the charts.
    let measure_headers = |first: String| {
        vec![
            first,
            "n".to_string(),
            metric_name.clone(),
            tr.t("dash-interval-low"),
            tr.t("dash-interval-high"),
            tr.t("dash-mean"),
            tr.t("dash-signal"),
        ]
    };
    let measure_row = |label: String, me: &Measure, signal: String| {
        vec![
            Cell::text(label),
            Cell::count(me.n, &l),
            Cell::num(me.score, d, &l),
            Cell::num(me.ci95.map(|c| c[0]), d, &l),
            Cell::num(me.ci95.map(|c| c[1]), d, &l),
            Cell::num(me.mean, 2, &l),
            Cell::text(signal),
        ]
    };
    let mut tables = vec![
        Table {
            name: "trend",
            caption: trend_title.clone(),
            headers: measure_headers(tr.t(&format!("period-{}", period.as_str()))),
            rows: trend_groups
                .iter()
                .map(|g| {
                    measure_row(
                        g.key.clone().unwrap_or_default(),
                        &g.measure,
                        match g.signal() {
                            Some(Signal::Limits) => tr.t("dash-signal-limits"),
                            Some(Signal::Ewma) => tr.t("dash-signal-ewma"),
                            None => String::new(),
                        },
                    )
                })
                .collect(),
        },
        Table {
            name: "distribution",
            caption: dist_title.clone(),
            headers: vec![tr.t("dash-answer"), tr.t("dash-count"), "%".into()],
            rows: labels
                .iter()
                .zip(&overall.counts)
                .map(|(lab, c)| {
                    let pct = if overall.n > 0 {
                        100.0 * *c as f64 / overall.n as f64
                    } else {
                        0.0
                    };
                    vec![
                        Cell::text(lab.clone()),
                        Cell::count(*c, &l),
                        Cell::num(Some(pct), 1, &l),
                    ]
                })
                .collect(),
        },
        Table {
            name: "breakdown",
            caption: by_title.clone(),
            headers: {
                let mut h = measure_headers(by_name.clone());
                if let Some(last) = h.last_mut() {
                    *last = tr.t("dash-differs");
                }
                h
            },
            rows: bgroups
                .iter()
                .map(|g| {
                    measure_row(
                        group_label(g, &none_label),
                        &g.measure,
                        if g.vs_rest.as_ref().is_some_and(|v| v.significant) {
                            tr.t("dash-yes")
                        } else {
                            String::new()
                        },
                    )
                })
                .collect(),
        },
    ];

    // Key drivers: the chosen question as the outcome, the other numeric scales as drivers.
    // Driver analysis works on single-answer scales (their moments are kept per answer set).
    let driver_ids: Vec<String> = measured
        .iter()
        .filter(|(mm, _)| {
            mm.part == Part::Question
                && mm.key != qid
                && mm.measurement.metric != Metric::Proportion
        })
        .map(|(mm, _)| mm.key.clone())
        .take(tevreden_domain::drivers::MAX_DRIVERS)
        .collect();
    let text_of = |id: &str| {
        measured
            .iter()
            .find(|(mm, _)| mm.key == id)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let (mut drivers_svg, mut matrix_svg) = (None, None);
    let drivers_note;
    if chosen.part != Part::Question || m.metric == Metric::Proportion || driver_ids.is_empty() {
        drivers_note = Some(tr.t("dash-drivers-none"));
    } else {
        let scale_of = |id: &str| {
            measured
                .iter()
                .find(|(mm, _)| mm.key == id)
                .map(|(mm, _)| (mm.measurement.scale.min, mm.measurement.scale.max))
        };
        let judge = asked.judge;
        match analytics::drivers(
            &app.store,
            judge,
            survey.id,
            &qid,
            &driver_ids,
            &filter,
            scale_of,
        )
        .await
        {
            Ok(out) => {
                let title = tr.t_args(
                    "dash-drivers-title",
                    &[("question", qtext.clone()), ("n", out.n.to_string())],
                );
                let rows: Vec<charts::DriverBar> = out
                    .drivers
                    .iter()
                    .map(|x| charts::DriverBar {
                        label: text_of(&x.question),
                        relative_weight_pct: x.relative_weight_pct,
                        shapley_pct: x.shapley_pct,
                    })
                    .collect();
                drivers_svg = Some(charts::drivers(
                    "drivers",
                    &title,
                    &rows,
                    &chart_text(&tr, None),
                ));
                let pts: Vec<charts::MatrixPoint> = out
                    .drivers
                    .iter()
                    .map(|x| charts::MatrixPoint {
                        label: text_of(&x.question),
                        performance: x.performance_pct,
                        importance: x.relative_weight_pct,
                        quadrant: x.quadrant.to_string(),
                    })
                    .collect();
                let k = pts.len().max(1) as f64;
                let split = (
                    pts.iter().map(|p| p.performance).sum::<f64>() / k,
                    pts.iter().map(|p| p.importance).sum::<f64>() / k,
                );
                let names = [
                    tr.t("quadrant-act-here"),
                    tr.t("quadrant-keep-up"),
                    tr.t("quadrant-possible-overkill"),
                    tr.t("quadrant-low-priority"),
                ];
                matrix_svg = Some(charts::matrix(
                    "matrix",
                    &tr.t("dash-matrix-title"),
                    &pts,
                    split,
                    &tr.t("dash-performance-pct"),
                    &tr.t("dash-importance"),
                    [&names[0], &names[1], &names[2], &names[3]],
                    &chart_text(&tr, None),
                ));
                drivers_note =
                    Some(tr.t_args("dash-drivers-note", &[("r2", num(100.0 * out.r2, 1, &l))]));
                tables.push(Table {
                    name: "drivers",
                    caption: title,
                    headers: vec![
                        tr.t("dash-driver"),
                        tr.t("dash-relative-weight"),
                        tr.t("dash-shapley"),
                        tr.t("dash-performance"),
                        tr.t("dash-performance-pct"),
                        tr.t("dash-quadrant"),
                    ],
                    rows: out
                        .drivers
                        .iter()
                        .map(|x| {
                            vec![
                                Cell::text(text_of(&x.question)),
                                Cell::num(Some(x.relative_weight_pct), 1, &l),
                                Cell::num(Some(x.shapley_pct), 1, &l),
                                Cell::num(Some(x.performance), 2, &l),
                                Cell::num(Some(x.performance_pct), 1, &l),
                                Cell::text(tr.t(&format!("quadrant-{}", x.quadrant))),
                            ]
                        })
                        .collect(),
                });
            }
            Err(DriversFailure::Analysis(e)) => {
                use tevreden_domain::drivers::DriverError;
                let (key, args) = match e {
                    DriverError::TooFew { n, needed } => (
                        "drivers-too-few",
                        vec![("n", n.to_string()), ("needed", needed.to_string())],
                    ),
                    DriverError::ZeroVariance { index } => {
                        let id = if index == 0 {
                            qid.clone()
                        } else {
                            driver_ids.get(index - 1).cloned().unwrap_or_default()
                        };
                        ("drivers-zero-variance", vec![("question", text_of(&id))])
                    }
                    DriverError::Singular => ("drivers-singular", vec![]),
                    DriverError::TooManyDrivers { k, max } => (
                        "drivers-too-many",
                        vec![("k", k.to_string()), ("max", max.to_string())],
                    ),
                    DriverError::NoDrivers => ("drivers-no-drivers", vec![]),
                };
                drivers_note =
                    Some(tr.t_args("dash-drivers-failed", &[("reason", tr.t_args(key, &args))]));
            }
            Err(DriversFailure::Store(e)) => return server_error(e),
            Err(DriversFailure::Withheld(why)) => match why {},
        }
    }

    if let Some(name) = q.export.as_deref() {
        let Some(table) = tables.iter().find(|t| t.name == name) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        if q.format.as_deref() == Some("xlsx") {
            let cells: Vec<Vec<crate::xlsx::TableCell>> = table
                .rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|c| match c.value() {
                            Some(v) => crate::xlsx::TableCell::Number(v),
                            None => crate::xlsx::TableCell::Text(c.exported(false)),
                        })
                        .collect()
                })
                .collect();
            return match crate::xlsx::table(name, &table.headers, &cells) {
                Ok(bytes) => (
                    [
                        (header::CONTENT_TYPE, crate::xlsx::CONTENT_TYPE.to_string()),
                        (
                            header::CONTENT_DISPOSITION,
                            format!("attachment; filename=\"{key}-{name}.xlsx\""),
                        ),
                    ],
                    bytes,
                )
                    .into_response(),
                Err(e) => server_error(e),
            };
        }
        let semicolon = q.format.as_deref() == Some("csv-semicolon");
        return csv_download(&format!("{key}-{name}.csv"), table, semicolon);
    }

    // Open answers: the newest 200 responses in scope, analysed for sentiment and themes.
    let (comments, sentiment_summary, theme_summary, phrases) =
        match comments(&app, &signed, asked.judge, survey.id, &filter, def, &lang).await {
            Ok(c) => c,
            Err(e) => return server_error(e),
        };

    let choice = |value: String, label: String, selected: bool| Choice {
        value,
        label,
        selected,
    };
    let questions = measured
        .iter()
        .map(|(mm, text)| choice(mm.key.clone(), text.clone(), mm.key == qid))
        .collect();
    let mut unit_choices = vec![choice(
        String::new(),
        tr.t("dash-all-units"),
        chosen_unit.is_none(),
    )];
    unit_choices.extend(visible.iter().map(|u| {
        choice(
            u.external_id.clone(),
            format!("{} ({})", u.name, u.external_id),
            q.unit.as_deref() == Some(u.external_id.as_str()),
        )
    }));
    let sorted = |table: &std::collections::HashMap<i64, (String, String)>,
                  current: Option<&str>,
                  all: String| {
        let mut v: Vec<Choice> = table
            .values()
            .map(|(k, n)| choice(k.clone(), n.clone(), current == Some(k.as_str())))
            .collect();
        v.sort_by(|a, b| a.label.cmp(&b.label));
        v.insert(
            0,
            choice(String::new(), all, current.is_none_or(str::is_empty)),
        );
        v
    };
    let touchpoints = sorted(
        &names.touchpoints,
        q.touchpoint.as_deref(),
        tr.t("dash-all"),
    );
    let channels = sorted(&names.channels, q.channel.as_deref(), tr.t("dash-all"));
    let current_version = nonempty(&q.version);
    let mut version_choices = vec![choice(
        String::new(),
        tr.t("dash-all"),
        current_version.is_none(),
    )];
    version_choices.extend(versions.iter().rev().filter_map(|v| {
        let n = v.version?.to_string();
        let selected = current_version == Some(n.as_str());
        Some(choice(n.clone(), n, selected))
    }));
    let periods = [GroupBy::Week, GroupBy::Month, GroupBy::Quarter]
        .into_iter()
        .map(|g| {
            choice(
                g.as_str().into(),
                tr.t(&format!("period-{}", g.as_str())),
                g == period,
            )
        })
        .collect();
    let mut bys: Vec<_> = [
        GroupBy::Unit,
        GroupBy::Touchpoint,
        GroupBy::Channel,
        GroupBy::Employee,
        GroupBy::Version,
    ]
    .into_iter()
    .map(|g| {
        choice(
            g.as_str().into(),
            tr.t(&format!("by-{}", g.as_str())),
            g.as_str() == by_param,
        )
    })
    .collect();
    // the kept attributes, and one typed into the address that is not kept
    let mut attribute_keys = kept.clone();
    if let Some(key) = by_param.strip_prefix("attribute:")
        && !attribute_keys.iter().any(|k| k == key)
    {
        attribute_keys.push(key.to_string());
    }
    bys.extend(attribute_keys.into_iter().map(|key| {
        let value = format!("attribute:{key}");
        let selected = value == by_param;
        choice(value, tr.t_args("by-attribute", &[("key", key)]), selected)
    }));
    let query_string = {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("q", &qid);
        for (k, v) in [
            ("from", &q.from),
            ("to", &q.to),
            ("unit", &q.unit),
            ("touchpoint", &q.touchpoint),
            ("channel", &q.channel),
            ("employee", &q.employee),
            ("version", &q.version),
            ("attribute", &q.attribute),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.append_pair(k, v);
            }
        }
        s.append_pair("period", period.as_str());
        s.append_pair("by", &by_param);
        s.finish()
    };
    html_page(
        StatusCode::OK,
        DashboardPage {
            layout: Layout::new(&signed, "results", "nav-results"),
            key: key.clone(),
            title: def.title.get(&lang, &fallback).to_owned(),
            query_string,
            questions,
            units: unit_choices,
            touchpoints,
            channels,
            versions: version_choices,
            employee: q.employee.clone().unwrap_or_default(),
            recounting: recount.map(|r| recount_note(&signed.tr(), &r)),
            attribute: q.attribute.clone().unwrap_or_default(),
            periods,
            bys,
            from: filter.from.map(day_label).unwrap_or_default(),
            to: filter.to.map(day_label).unwrap_or_default(),
            warnings,
            measure_note,
            headline,
            trend_svg,
            trend_note,
            distribution_svg,
            breakdown_svg,
            drivers_svg,
            matrix_svg,
            drivers_note,
            tables,
            comments,
            sentiment_summary,
            theme_summary,
            phrases,
        }
        .render(),
    )
}

fn group_label(g: &Group, none: &str) -> String {
    match &g.key {
        Some(k) if !g.label.is_empty() && g.label != *k => format!("{} ({k})", g.label),
        Some(k) => k.clone(),
        None => none.to_string(),
    }
}

/// A table as a CSV download: UTF-8 with a byte-order mark (Excel reads the accents right),
/// `,` or `;` between fields (with `;`, a decimal comma, as Dutch Excel expects). Numbers are
/// plain numbers; a text that a spreadsheet would run as a formula (a unit or attribute named
/// `=…`) is defused like in the response export.
fn csv_download(filename: &str, table: &Table, semicolon: bool) -> Response {
    let mut w = CsvRows::new(if semicolon { b';' } else { b',' });
    w.record(table.headers.iter().map(String::as_str));
    for r in &table.rows {
        let cells: Vec<String> = r.iter().map(|c| c.exported(semicolon)).collect();
        w.record(cells.iter().map(String::as_str));
    }
    let mut body = vec![0xEF, 0xBB, 0xBF];
    body.extend(w.take());
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

type CommentsView = (
    Vec<Comment>,
    Vec<(String, u64)>,
    Vec<(String, u64)>,
    Vec<(String, u64)>,
);

/// The newest open answers in scope with their sentiment and themes, and the counts.
async fn comments(
    app: &AppState,
    signed: &Signed,
    judge: tevreden_services::disclosure::Judge<'_>,
    survey_id: i64,
    filter: &Filter,
    def: &tevreden_domain::survey::SurveyDefinition,
    lang: &Lang,
) -> Result<CommentsView, tevreden_storage::StoreError> {
    let tr = signed.tr();
    let tz = app.store.org_time_zone(signed.org.id).await?;
    let wanted = filter.responses(&tz);
    let page = app.store.recent_responses(survey_id, &wanted, 200).await?;
    match judge.comments(page.len() as u64) {
        Verdict::Show => {}
        Verdict::Withhold(why) => match why {},
    }
    let text_questions: Vec<&str> = def
        .questions()
        .filter(|q| matches!(q.kind, QuestionKind::Text { .. }))
        .map(|q| q.id.as_str())
        .collect();
    let (dictionary, _) = tevreden_services::themes::dictionary(&app.store, signed.org.id).await?;
    let matcher = dictionary.matcher();
    let mut texts: Vec<String> = Vec::new();
    let mut sentiments: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut themes: BTreeMap<String, u64> = BTreeMap::new();
    let mut out = Vec::new();
    for r in &page {
        let answers = stored_answers(def, &r.answers);
        for q in &text_questions {
            let Some(AnswerValue::Text(text)) = answers.get_str(q) else {
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            let response_lang = Lang::parse(&r.lang).unwrap_or_else(|_| lang.clone());
            let s = sentiment(text, &response_lang);
            *sentiments.entry(s.label.as_str()).or_insert(0) += 1;
            let found: Vec<String> = matcher
                .themes_in(text)
                .into_iter()
                .map(|k| dictionary.name(k, lang).unwrap_or(k).to_string())
                .collect();
            for t in &found {
                *themes.entry(t.clone()).or_insert(0) += 1;
            }
            texts.push(text.clone());
            if out.len() < 30 {
                out.push(Comment {
                    when: tr.when(&r.submitted_at),
                    text: text.clone(),
                    sentiment: s.label.as_str(),
                    sentiment_label: tr.t(&format!("sentiment-{}", s.label.as_str())),
                    themes: found,
                });
            }
        }
    }
    let sentiment_summary = [Sentiment::Positive, Sentiment::Neutral, Sentiment::Negative]
        .into_iter()
        .map(|s| {
            (
                tr.t(&format!("sentiment-{}", s.as_str())),
                sentiments.get(s.as_str()).copied().unwrap_or(0),
            )
        })
        .collect();
    let mut theme_summary: Vec<(String, u64)> = themes.into_iter().collect();
    theme_summary.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    theme_summary.truncate(10);
    let phrases = suggest_phrases(texts.iter().map(String::as_str), &dictionary, 12);
    Ok((out, sentiment_summary, theme_summary, phrases))
}

#[derive(Template)]
#[template(path = "admin/themes.html")]
struct ThemesPage<'a> {
    layout: Layout<'a>,
    custom: bool,
    rows: Vec<(String, String, String)>,
    yaml: String,
    error: Option<String>,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// `GET /app/results/themes`: the theme dictionary for open answers (admins edit it).
pub async fn themes_page(
    State(app): State<AppState>,
    signed: Signed,
    Query(q): Query<SavedQuery>,
) -> Response {
    themes_render(&app, &signed, None, None, q.saved.is_some()).await
}

async fn themes_render(
    app: &AppState,
    signed: &Signed,
    yaml: Option<String>,
    error: Option<String>,
    saved: bool,
) -> Response {
    let (dict, custom) =
        match tevreden_services::themes::dictionary(&app.store, signed.org.id).await {
            Ok(d) => d,
            Err(e) => return server_error(e),
        };
    let rows = dict
        .themes
        .iter()
        .map(|t| {
            (
                t.name.get(&signed.lang, &Lang::en()).to_string(),
                t.key.clone(),
                t.synonyms.join(", "),
            )
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html_page(
        status,
        ThemesPage {
            layout: Layout::new(signed, "results", "themes-title"),
            custom,
            rows,
            yaml: yaml.unwrap_or_else(|| dict.to_yaml()),
            error,
            saved,
        }
        .render(),
    )
}

/// `POST /app/results/themes`: saves a checked dictionary, or returns to the built-in one.
pub async fn themes_save(
    State(app): State<AppState>,
    signed: Signed,
    body: axum::body::Bytes,
) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let actor = signed.actor();
    if super::first(&fields, "action") == "reset" {
        return match app
            .store
            .set_theme_dictionary(signed.org.id, None, &actor)
            .await
        {
            Ok(()) => axum::response::Redirect::to("/app/results/themes?saved=1").into_response(),
            Err(e) => server_error(e),
        };
    }
    let yaml = super::first(&fields, "yaml").to_string();
    match tevreden_domain::text::ThemeDictionary::from_yaml(&yaml) {
        Ok(dict) => match app
            .store
            .set_theme_dictionary(signed.org.id, Some(&dict.to_yaml()), &actor)
            .await
        {
            Ok(()) => axum::response::Redirect::to("/app/results/themes?saved=1").into_response(),
            Err(e) => server_error(e),
        },
        Err(e) => {
            let tr = signed.tr();
            let msg = tr.t_args("themes-invalid", &[("reason", e)]);
            themes_render(&app, &signed, Some(yaml), Some(msg), false).await
        }
    }
}

/// One attribute on the kept-attributes page.
struct KeptRow {
    key: String,
    contacts_label: String,
    kept: bool,
}

#[derive(Template)]
#[template(path = "admin/kept_attributes.html")]
struct KeptAttributesPage<'a> {
    layout: Layout<'a>,
    rows: Vec<KeptRow>,
    other: String,
    other_hint: String,
    saved: Option<String>,
    error: Option<String>,
    /// A running recount, said in words.
    recounting: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct KeptQuery {
    saved: Option<i64>,
}

/// `GET /app/results/attributes`: which contact attributes the aggregates keep (admins
/// choose).
pub async fn kept_attributes_page(
    State(app): State<AppState>,
    signed: Signed,
    Query(q): Query<KeptQuery>,
) -> Response {
    kept_attributes_render(&app, &signed, None, q.saved, None).await
}

async fn kept_attributes_render(
    app: &AppState,
    signed: &Signed,
    asked: Option<(Vec<String>, String)>,
    saved: Option<i64>,
    error: Option<String>,
) -> Response {
    let org = signed.org.id;
    let (mut kept, available, recount) = match tokio::try_join!(
        app.store.kept_attributes(org),
        app.store.contact_attribute_keys(org),
        app.store.attribute_recount(org)
    ) {
        Ok(x) => x,
        Err(e) => return server_error(e),
    };
    let tr = signed.tr();
    // the attributes being counted are chosen: ticked, so that saving again keeps them
    if let Some(r) = &recount {
        kept.extend(r.adding.iter().cloned());
    }
    let (checked, other) = asked.unwrap_or_else(|| (kept.clone(), String::new()));
    let mut rows: Vec<KeptRow> = available
        .into_iter()
        .map(|(key, contacts)| KeptRow {
            kept: checked.contains(&key),
            key,
            contacts_label: tr.t_n("kept-contacts", contacts),
        })
        .collect();
    // kept keys no contact has (yet) are listed too, so they can be unticked
    for key in kept.iter().chain(&checked) {
        if !rows.iter().any(|r| &r.key == key) {
            rows.push(KeptRow {
                key: key.clone(),
                contacts_label: tr.t_n("kept-contacts", 0),
                kept: checked.contains(key),
            });
        }
    }
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html_page(
        status,
        KeptAttributesPage {
            other_hint: tr.t_args(
                "kept-other-hint",
                &[(
                    "max",
                    tevreden_domain::rollup::MAX_KEPT_ATTRIBUTES.to_string(),
                )],
            ),
            layout: Layout::new(signed, "results", "kept-title"),
            rows,
            other,
            saved: saved.map(|n| tr.t_n("kept-saved", n)),
            error,
            recounting: recount.map(|r| recount_note(&tr, &r)),
        }
        .render(),
    )
}

/// The notice of a running recount of kept attributes: which, how far, and where results by
/// them come from meanwhile.
pub(crate) fn recount_note(tr: &super::Tr, r: &tevreden_storage::RecountStatus) -> String {
    tr.t_args(
        "kept-recounting",
        &[
            ("attributes", r.adding.join(", ")),
            ("percent", r.percent().to_string()),
        ],
    )
}

/// `POST /app/results/attributes`: keeps the ticked and typed attributes; new ones are counted
/// (in the background when that takes long).
pub async fn kept_attributes_save(
    State(app): State<AppState>,
    signed: Signed,
    body: axum::body::Bytes,
) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let other = super::first(&fields, "other").to_string();
    let ticked = super::all_values(&fields, "key");
    let asked: Vec<&str> = ticked.iter().copied().chain(other.split(',')).collect();
    match tevreden_domain::rollup::kept_attribute_keys(asked) {
        Ok(keys) => match app
            .store
            .set_kept_attributes(signed.org.id, &keys, &signed.actor())
            .await
        {
            Ok(change) => axum::response::Redirect::to(&format!(
                "/app/results/attributes?saved={}",
                change.recounted
            ))
            .into_response(),
            Err(e) => server_error(e),
        },
        Err(e) => {
            let tr = signed.tr();
            let reason = match e {
                tevreden_domain::rollup::KeptAttributesError::TooMany => tr.t_args(
                    "kept-other-hint",
                    &[(
                        "max",
                        tevreden_domain::rollup::MAX_KEPT_ATTRIBUTES.to_string(),
                    )],
                ),
                other => other.to_string(),
            };
            let msg = tr.t_args("kept-invalid", &[("reason", reason)]);
            let checked = ticked.iter().map(|k| k.to_string()).collect();
            kept_attributes_render(&app, &signed, Some((checked, other)), None, Some(msg)).await
        }
    }
}
