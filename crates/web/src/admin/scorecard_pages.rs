//! Scorecards in the admin app: the organisation overview (every unit against its target),
//! one unit's scorecard with its trend and the slots later capabilities fill, and the
//! settings (indicator, targets per period, touchpoints a unit influences) for admins.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tevreden_domain::results::{Measurement, Metric};
use tevreden_domain::scorecard::{IndicatorKind, Period};
use tevreden_storage::Unit;

use super::auth::Signed;
use super::pages::visible_units;
use super::{Layout, Tr, all_values, first, html_page};
use crate::AppState;
use crate::charts::{self, ChartText};
use crate::disclosure::Gate;
use tevreden_services::scorecards::{Context, Scorecard, current_quarter};

use super::error::server_error;

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    period: Option<String>,
    saved: Option<String>,
}

/// One decimal in the page's language (decimal comma in Dutch); `–` for no value.
fn num(x: Option<f64>, lang: &str) -> String {
    super::dashboard::opt_num(x, 1, lang)
}

/// One row of the overview and the headline of a unit's page.
pub struct Row {
    pub unit: String,
    pub name: String,
    pub depth: usize,
    pub office: String,
    pub score: String,
    pub interval: String,
    pub n: u64,
    pub small_n: bool,
    pub target: String,
    pub status: &'static str,
    pub status_label: String,
    pub previous: String,
    pub change: String,
}

fn row(tr: &Tr, s: &Scorecard, depth: usize) -> Row {
    let l = tr.lang();
    Row {
        unit: s.unit.clone(),
        name: s.name.clone(),
        depth,
        office: tr.t(&format!("office-{}", s.office)),
        score: num(s.value.score, l),
        interval: s
            .value
            .ci95
            .map(|[a, b]| format!("{} – {}", num(Some(a), l), num(Some(b), l)))
            .unwrap_or_else(|| "–".into()),
        n: s.value.n,
        small_n: s.value.small_n && s.value.n > 0,
        target: match (&s.target, &s.target_period) {
            (Some(t), Some(p)) if *p != s.period => format!("{} ({p})", num(Some(*t), l)),
            (Some(t), _) => num(Some(*t), l),
            _ => "–".into(),
        },
        status: s.status.as_str(),
        status_label: tr.t(&format!("sc-status-{}", s.status.as_str())),
        previous: s
            .previous
            .as_ref()
            .map(|p| format!("{}: {}", p.period, num(p.value.score, l)))
            .unwrap_or_default(),
        change: match s.previous.as_ref().and_then(|p| p.significant_change) {
            Some(true) => tr.t("sc-change-real"),
            Some(false) => tr.t("sc-change-noise"),
            None => String::new(),
        },
    }
}

/// The chart texts, one decimal (scores on a 0–100 or −100–100 scale).
fn chart_text(tr: &Tr) -> ChartText {
    ChartText {
        decimals: Some(1),
        ..super::dashboard::chart_text(tr, None)
    }
}

fn depth(u: &Unit) -> usize {
    u.path.matches('/').count().saturating_sub(2)
}

#[derive(Template)]
#[template(path = "admin/scorecards.html")]
struct OverviewPage<'a> {
    layout: Layout<'a>,
    period: String,
    periods: Vec<(String, bool)>,
    indicator: Option<String>,
    rows: Vec<Row>,
    chart: String,
}

/// The periods offered: this quarter and the seven before it, this year and last year.
fn period_choices(chosen: Period) -> Vec<(String, bool)> {
    let mut p = current_quarter();
    let mut out = Vec::new();
    for _ in 0..8 {
        out.push(p);
        p = p.previous();
    }
    if let Period::Quarter(y, _) = current_quarter() {
        out.push(Period::Year(y));
        out.push(Period::Year(y - 1));
    }
    if !out.contains(&chosen) {
        out.insert(0, chosen);
    }
    out.into_iter().map(|p| (p.label(), p == chosen)).collect()
}

pub async fn overview(
    State(app): State<AppState>,
    signed: Signed,
    gate: Gate,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let tr = signed.tr();
    let period = q
        .period
        .as_deref()
        .and_then(Period::parse)
        .unwrap_or_else(current_quarter);
    let ctx = match Context::load(&app.store, &app.surveys, signed.org.id).await {
        Ok(c) => c,
        Err(e) => return server_error(e),
    };
    let Some(ctx) = ctx else {
        return html_page(
            StatusCode::OK,
            OverviewPage {
                layout: Layout::new(&signed, "scorecards", "nav-scorecards"),
                period: period.label(),
                periods: period_choices(period),
                indicator: None,
                rows: Vec::new(),
                chart: String::new(),
            }
            .render(),
        );
    };
    let visible = visible_units(&signed.user, ctx.units.clone());
    let mut cards = Vec::new();
    for u in &visible {
        match ctx.scorecard(&app.store, &gate, u, period, true).await {
            Ok(s) => cards.push((s, depth(u))),
            Err(e) => return server_error(e),
        }
    }
    let bars: Vec<charts::Bar> = cards
        .iter()
        .map(|(s, _)| charts::Bar {
            label: s.name.clone(),
            value: s.value.score,
            ci: s.value.ci95.map(|[a, b]| (a, b)),
            n: s.value.n,
            note: Some(tr.t(&format!("sc-status-{}", s.status.as_str()))),
            target: s.target,
        })
        .collect();
    let kind = ctx.measured.indicator.kind;
    let title = tr.t_args(
        "sc-chart-title",
        &[
            ("indicator", tr.t(&format!("sc-kind-{}", kind.as_str()))),
            ("period", period.label()),
        ],
    );
    let chart = charts::bars(
        "overview",
        &title,
        &bars,
        kind.range(),
        None,
        &chart_text(&tr),
    );
    let rows = cards.iter().map(|(s, d)| row(&tr, s, *d)).collect();
    html_page(
        StatusCode::OK,
        OverviewPage {
            layout: Layout::new(&signed, "scorecards", "nav-scorecards"),
            period: period.label(),
            periods: period_choices(period),
            indicator: Some(indicator_label(&tr, &ctx)),
            rows,
            chart,
        }
        .render(),
    )
}

fn indicator_label(tr: &Tr, ctx: &Context) -> String {
    let i = &ctx.measured.indicator;
    let parts: Vec<String> = i
        .components
        .iter()
        .map(|(q, w)| {
            if i.kind == IndicatorKind::Index {
                format!("{q} × {w}")
            } else {
                q.clone()
            }
        })
        .collect();
    format!(
        "{} — {} ({})",
        tr.t(&format!("sc-kind-{}", i.kind.as_str())),
        i.survey_key,
        parts.join(", ")
    )
}

#[derive(Template)]
#[template(path = "admin/scorecard.html")]
struct UnitPage<'a> {
    layout: Layout<'a>,
    period: String,
    periods: Vec<(String, bool)>,
    row: Row,
    indicator: String,
    trend: String,
    trend_rows: Vec<(String, String, String, u64)>,
    influences: Vec<(String, String, bool)>,
    owned: Vec<String>,
    saved: bool,
}

pub async fn unit_page(
    State(app): State<AppState>,
    signed: Signed,
    gate: Gate,
    Path(external_id): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let tr = signed.tr();
    let period = q
        .period
        .as_deref()
        .and_then(Period::parse)
        .unwrap_or_else(current_quarter);
    let ctx = match Context::load(&app.store, &app.surveys, signed.org.id).await {
        Ok(Some(c)) => c,
        Ok(None) => return Redirect::to("/app/scorecards").into_response(),
        Err(e) => return server_error(e),
    };
    let visible = visible_units(&signed.user, ctx.units.clone());
    let Some(unit) = visible.iter().find(|u| u.external_id == external_id) else {
        return super::message(&signed, StatusCode::NOT_FOUND, "page-notfound");
    };
    let card = match ctx.scorecard(&app.store, &gate, unit, period, true).await {
        Ok(c) => c,
        Err(e) => return server_error(e),
    };
    // The trend: this period and the seven before it.
    let mut periods = vec![period];
    for _ in 0..7 {
        let p = periods.last().expect("one").previous();
        periods.push(p);
    }
    periods.reverse();
    let mut points = Vec::new();
    let mut trend_rows = Vec::new();
    for p in &periods {
        let c = match ctx.scorecard(&app.store, &gate, unit, *p, false).await {
            Ok(c) => c,
            Err(e) => return server_error(e),
        };
        trend_rows.push((
            p.label(),
            num(c.value.score, tr.lang()),
            c.value
                .ci95
                .map(|[a, b]| format!("{} – {}", num(Some(a), tr.lang()), num(Some(b), tr.lang())))
                .unwrap_or_else(|| "–".into()),
            c.value.n,
        ));
        points.push(charts::TrendPoint {
            label: p.label(),
            value: c.value.score,
            ci: c.value.ci95.map(|[a, b]| (a, b)),
            n: c.value.n,
            lcl: None,
            ucl: None,
            centre: None,
            signal: false,
        });
    }
    let kind = ctx.measured.indicator.kind;
    let title = tr.t_args(
        "sc-trend-title",
        &[
            ("indicator", tr.t(&format!("sc-kind-{}", kind.as_str()))),
            ("unit", unit.name.clone()),
        ],
    );
    let trend = charts::trend(
        "sc-trend",
        &title,
        &points,
        kind.range(),
        card.target,
        &chart_text(&tr),
    );
    let touchpoints = match app.store.touchpoints(signed.org.id).await {
        Ok(t) => t,
        Err(e) => return server_error(e),
    };
    let linked = ctx.influences.get(&unit.id).cloned().unwrap_or_default();
    let owned = touchpoints
        .iter()
        .filter(|t| t.unit_id == unit.id)
        .map(|t| t.name.clone())
        .collect();
    let influences = touchpoints
        .iter()
        .filter(|t| t.unit_id != unit.id)
        .map(|t| (t.key.clone(), t.name.clone(), linked.contains(&t.id)))
        .collect();
    html_page(
        StatusCode::OK,
        UnitPage {
            layout: Layout::new(&signed, "scorecards", "nav-scorecards"),
            period: period.label(),
            periods: period_choices(period),
            row: row(&tr, &card, 0),
            indicator: indicator_label(&tr, &ctx),
            trend,
            trend_rows,
            influences,
            owned,
            saved: q.saved.is_some(),
        }
        .render(),
    )
}

/// Saves the touchpoints a unit influences (admins).
pub async fn save_influences(
    State(app): State<AppState>,
    signed: Signed,
    Path(external_id): Path<String>,
    body: Bytes,
) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let keys: Vec<String> = all_values(&fields, "touchpoint")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let actor = signed.actor();
    match app
        .store
        .set_influences(signed.org.id, &external_id, &keys, &actor)
        .await
    {
        Ok(_) => {
            Redirect::to(&format!("/app/scorecards/units/{external_id}?saved=1")).into_response()
        }
        Err(tevreden_storage::StoreError::NotFound(_)) => {
            super::message(&signed, StatusCode::NOT_FOUND, "page-notfound")
        }
        Err(e) => server_error(e),
    }
}

#[derive(Template)]
#[template(path = "admin/scorecard_settings.html")]
struct SettingsPage<'a> {
    layout: Layout<'a>,
    kinds: Vec<(String, String, bool)>,
    surveys: Vec<(String, String, bool)>,
    questions: Vec<(String, String, bool)>,
    components: String,
    period: String,
    targets_title: String,
    targets: Vec<(String, String, usize, String)>,
    errors: Vec<String>,
    saved: bool,
}

pub async fn settings_page(
    State(app): State<AppState>,
    signed: Signed,
    Query(q): Query<PeriodQuery>,
) -> Response {
    settings_render(
        &app,
        &signed,
        q.period.as_deref(),
        Vec::new(),
        q.saved.is_some(),
    )
    .await
}

async fn settings_render(
    app: &AppState,
    signed: &Signed,
    period: Option<&str>,
    errors: Vec<String>,
    saved: bool,
) -> Response {
    if signed.user.role != tevreden_storage::Role::Admin {
        return super::forbidden(signed);
    }
    let tr = signed.tr();
    let period = period
        .and_then(Period::parse)
        .unwrap_or_else(|| match current_quarter() {
            Period::Quarter(y, _) => Period::Year(y),
            p => p,
        });
    let indicator = match app.store.indicator(signed.org.id).await {
        Ok(i) => i,
        Err(e) => return server_error(e),
    };
    let surveys = match app.store.survey_overview(signed.org.id).await {
        Ok(s) => s,
        Err(e) => return server_error(e),
    };
    let chosen_survey = indicator.as_ref().map(|i| i.survey_key.clone());
    let mut questions = Vec::new();
    for o in surveys.iter().filter(|o| o.published_version.is_some()) {
        if let Ok(p) = app.surveys.by_survey_id(&app.store, o.survey.id).await {
            for qq in p.version.definition.questions() {
                if let Some(m) = Measurement::of(&qq.kind)
                    && m.metric != Metric::Proportion
                {
                    let value = format!("{}/{}", o.survey.key, qq.id.as_str());
                    let selected = indicator.as_ref().is_some_and(|i| {
                        i.survey_key == o.survey.key
                            && i.components
                                .first()
                                .is_some_and(|(c, _)| c == qq.id.as_str())
                    });
                    questions.push((
                        value,
                        format!(
                            "{} — {} ({})",
                            o.survey.key,
                            qq.id.as_str(),
                            tr.t(&format!("metric-{}", m.metric.as_str()))
                        ),
                        selected,
                    ));
                }
            }
        }
    }
    let kinds = ["nps", "csat", "index"]
        .iter()
        .map(|k| {
            (
                k.to_string(),
                tr.t(&format!("sc-kind-{k}")),
                indicator.as_ref().is_some_and(|i| i.kind.as_str() == *k),
            )
        })
        .collect();
    let survey_choices = surveys
        .iter()
        .filter(|o| o.published_version.is_some())
        .map(|o| {
            (
                o.survey.key.clone(),
                o.title_in(signed.lang.primary()).to_string(),
                chosen_survey.as_deref() == Some(o.survey.key.as_str()),
            )
        })
        .collect();
    let components = indicator
        .as_ref()
        .filter(|i| i.kind == IndicatorKind::Index)
        .map(|i| {
            i.components
                .iter()
                .map(|(q, w)| format!("{q} = {w}"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    let units = match app.store.units(signed.org.id).await {
        Ok(u) => u,
        Err(e) => return server_error(e),
    };
    let targets = match app.store.targets(signed.org.id, &[period.label()]).await {
        Ok(t) => t,
        Err(e) => return server_error(e),
    };
    let target_rows = units
        .iter()
        .map(|u| {
            (
                u.external_id.clone(),
                u.name.clone(),
                depth(u),
                targets
                    .get(&(u.id, period.label()))
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    html_page(
        if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        SettingsPage {
            layout: Layout::new(signed, "scorecards", "sc-settings"),
            kinds,
            surveys: survey_choices,
            questions,
            components,
            period: period.label(),
            targets_title: tr.t_args("sc-targets-for", &[("period", period.label())]),
            targets: target_rows,
            errors,
            saved,
        }
        .render(),
    )
}

/// Saves the indicator (admins).
pub async fn save_indicator(State(app): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let tr = signed.tr();
    let mut errors = Vec::new();
    let kind = IndicatorKind::parse(first(&fields, "kind"));
    let (survey_key, components): (String, Vec<(String, f64)>) = match kind {
        Some(IndicatorKind::Index) => {
            let survey = first(&fields, "survey").to_string();
            let mut comps = Vec::new();
            for line in first(&fields, "components")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
            {
                let (q, w) = line.split_once('=').unwrap_or((line, "1"));
                match w.trim().replace(',', ".").parse::<f64>() {
                    Ok(w) if w > 0.0 && w.is_finite() => comps.push((q.trim().to_string(), w)),
                    _ => errors.push(tr.t_args("sc-bad-weight", &[("line", line.to_string())])),
                }
            }
            (survey, comps)
        }
        Some(_) => {
            let (s, q) = first(&fields, "question")
                .split_once('/')
                .unwrap_or(("", ""));
            (s.to_string(), vec![(q.to_string(), 1.0)])
        }
        None => {
            errors.push(tr.t("sc-bad-kind"));
            (String::new(), Vec::new())
        }
    };
    let survey = app.store.survey(signed.org.id, &survey_key).await.ok();
    let published = match &survey {
        Some(s) => app.surveys.by_survey_id(&app.store, s.id).await.ok(),
        None => None,
    };
    match (&published, kind) {
        (None, Some(_)) => errors.push(tr.t("sc-bad-survey")),
        (Some(p), Some(kind)) => {
            if components.is_empty() {
                errors.push(tr.t("sc-bad-components"));
            }
            for (q, _) in &components {
                let metric = p
                    .version
                    .definition
                    .question(q)
                    .and_then(|qq| Measurement::of(&qq.kind))
                    .map(|m| m.metric);
                let ok = matches!(
                    (kind, metric),
                    (IndicatorKind::Nps, Some(Metric::Nps))
                        | (IndicatorKind::Csat, Some(Metric::Csat))
                        | (
                            IndicatorKind::Index,
                            Some(Metric::Nps | Metric::Csat | Metric::Ces | Metric::Mean)
                        )
                );
                if !ok {
                    errors.push(tr.t_args("sc-bad-question", &[("question", q.clone())]));
                }
            }
        }
        _ => {}
    }
    if !errors.is_empty() {
        return settings_render(&app, &signed, None, errors, false).await;
    }
    let (Some(kind), Some(survey)) = (kind, survey) else {
        return settings_render(&app, &signed, None, vec![tr.t("sc-bad-kind")], false).await;
    };
    let actor = signed.actor();
    match app
        .store
        .set_indicator(signed.org.id, kind, survey.id, &components, &actor)
        .await
    {
        Ok(_) => Redirect::to("/app/scorecards/settings?saved=1").into_response(),
        Err(e) => server_error(e),
    }
}

/// Saves the targets of every unit for one period (admins); an empty field removes one.
pub async fn save_targets(State(app): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let tr = signed.tr();
    let Some(period) = Period::parse(first(&fields, "period")) else {
        return settings_render(&app, &signed, None, vec![tr.t("sc-bad-period")], false).await;
    };
    let range = match app.store.indicator(signed.org.id).await {
        Ok(Some(i)) => i.kind.range(),
        Ok(None) => (-100.0, 100.0),
        Err(e) => return server_error(e),
    };
    let units = match app.store.units(signed.org.id).await {
        Ok(u) => u,
        Err(e) => return server_error(e),
    };
    // Check every field first: a form with a bad number changes nothing.
    let mut wanted = Vec::new();
    let mut errors = Vec::new();
    for u in &units {
        let raw = first(&fields, &format!("t-{}", u.external_id))
            .trim()
            .replace(',', ".");
        if raw.is_empty() {
            wanted.push((u.external_id.clone(), None));
            continue;
        }
        match raw.parse::<f64>() {
            Ok(t) if t.is_finite() && t >= range.0 && t <= range.1 => {
                wanted.push((u.external_id.clone(), Some(t)))
            }
            _ => errors.push(tr.t_args(
                "sc-bad-target",
                &[
                    ("unit", u.name.clone()),
                    ("min", range.0.to_string()),
                    ("max", range.1.to_string()),
                ],
            )),
        }
    }
    if !errors.is_empty() {
        return settings_render(&app, &signed, Some(&period.label()), errors, false).await;
    }
    let actor = signed.actor();
    for (unit, target) in wanted {
        if let Err(e) = app
            .store
            .set_target(signed.org.id, &unit, &period.label(), target, &actor)
            .await
        {
            return server_error(e);
        }
    }
    Redirect::to(&format!(
        "/app/scorecards/settings?period={}&saved=1",
        period.label()
    ))
    .into_response()
}
