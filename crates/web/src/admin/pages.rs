//! The app's pages: surveys, results, organisation, people, settings, audit log.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tevreden_storage::{NewUser, Role, SurveyStatus, Unit, User};

use super::auth::Signed;
use super::{FormErrors, Layout, Tr, all_values, csrf_refused, first, forbidden, html_page};
use crate::AppState;
use crate::disclosure::Gate;
use crate::form::decode_form;
use crate::shared::{INVITE_LINK_MS, Invitation};
use tevreden_domain::disclosure::Verdict;

use super::error::server_error;

// ---------------------------------------------------------------------------------------------
// Surveys

pub struct SurveyRow {
    pub key: String,
    pub title: String,
    pub status: &'static str,
    pub status_label: String,
    pub version: String,
    pub draft: bool,
    pub responses: i64,
    /// The count with thousands separators (`49.660`).
    pub responses_shown: String,
    pub last_response: String,
    pub public_url: Option<String>,
    /// The public link as a QR code (inline SVG), for posters and receipts.
    pub qr_svg: Option<String>,
}

/// A QR code of `url` as an SVG element sized by CSS (dark modules on white, quiet zone kept).
pub fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(160, 160)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    // Drop the XML declaration; the element goes inline into HTML.
    Some(
        svg.split_once("?>")
            .map(|(_, s)| s.trim().to_string())
            .unwrap_or(svg),
    )
}

#[derive(Template)]
#[template(path = "admin/surveys.html")]
struct SurveysPage<'a> {
    layout: Layout<'a>,
    rows: Vec<SurveyRow>,
}

async fn survey_rows(
    app: &AppState,
    signed: &Signed,
    gate: &Gate,
) -> Result<Vec<SurveyRow>, Response> {
    let tr = signed.tr();
    // Managers and members see the counts of the responses they can open, not the
    // organisation's.
    let scope = signed.unit_scope(app).await.map_err(server_error)?;
    let list = app
        .store
        .survey_overview_within(signed.org.id, scope.as_deref())
        .await
        .map_err(server_error)?;
    for o in &list {
        match gate
            .survey(&o.survey)
            .aggregate(u64::try_from(o.responses).unwrap_or(0))
        {
            Verdict::Show => {}
            Verdict::Withhold(why) => match why {},
        }
    }
    Ok(list
        .iter()
        .map(|o| SurveyRow {
            key: o.survey.key.clone(),
            title: o.title_in(signed.lang.primary()).to_string(),
            status: o.survey.status.as_str(),
            status_label: tr.t(&format!("status-{}", o.survey.status.as_str())),
            version: o
                .published_version
                .map(|v| v.to_string())
                .unwrap_or_else(|| "–".into()),
            draft: o.has_draft,
            responses: o.responses,
            responses_shown: super::dashboard::grouped(o.responses.max(0) as u64, tr.lang()),
            last_response: tr.when_opt(&o.last_response_at),
            public_url: (o.survey.status != SurveyStatus::Draft)
                .then(|| app.survey_url(&o.survey.public_id)),
            qr_svg: (o.survey.status != SurveyStatus::Draft)
                .then(|| qr_svg(&app.survey_url(&o.survey.public_id)))
                .flatten(),
        })
        .collect())
}

pub async fn surveys(State(app): State<AppState>, signed: Signed, gate: Gate) -> Response {
    let rows = match survey_rows(&app, &signed, &gate).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    html_page(
        StatusCode::OK,
        SurveysPage {
            layout: Layout::new(&signed, "surveys", "nav-surveys"),
            rows,
        }
        .render(),
    )
}

#[derive(Template)]
#[template(path = "admin/results.html")]
struct ResultsPage<'a> {
    layout: Layout<'a>,
    rows: Vec<SurveyRow>,
    total: i64,
}

/// Response counts per survey; the analyses themselves come with the analytics module.
pub async fn results(State(app): State<AppState>, signed: Signed, gate: Gate) -> Response {
    let rows = match survey_rows(&app, &signed, &gate).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let total = rows.iter().map(|r| r.responses).sum();
    html_page(
        StatusCode::OK,
        ResultsPage {
            layout: Layout::new(&signed, "results", "nav-results"),
            rows,
            total,
        }
        .render(),
    )
}

// ---------------------------------------------------------------------------------------------
// Organisation

/// The units a user may see: all for admins, the subtrees of their units for managers, their
/// own units for members.
pub fn visible_units(user: &User, units: Vec<Unit>) -> Vec<Unit> {
    let scope = tevreden_domain::access::unit_scope(user.grant(), &units);
    units.into_iter().filter(|u| scope.contains(u.id)).collect()
}

// ---------------------------------------------------------------------------------------------
// People

pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub units: String,
    pub status: String,
    pub last_login: String,
}

pub struct UnitOption {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "admin/people.html")]
struct PeoplePage<'a> {
    layout: Layout<'a>,
    users: Vec<UserRow>,
    units: Vec<UnitOption>,
    form_email: String,
    form_name: String,
    form_role: String,
    errors: FormErrors,
    invited: Option<Invited>,
    invite_days: i64,
}

/// Who was just invited, and (when no SMTP server is configured, so the mail only waits in the
/// outbox) the link to pass on by hand.
pub struct Invited {
    email: String,
    link: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PeopleQuery {
    pub invited: Option<String>,
}

async fn people_page(
    app: &AppState,
    signed: &Signed,
    status: StatusCode,
    form: (&str, &str, &str, &[i64]),
    errors: FormErrors,
    invited: Option<Invited>,
) -> Response {
    let tr = signed.tr();
    let (users, units) = match tokio::try_join!(
        app.store.users(signed.org.id),
        app.store.units(signed.org.id)
    ) {
        Ok(x) => x,
        Err(e) => return server_error(e),
    };
    let unit_name = |id: &i64| {
        units
            .iter()
            .find(|u| u.id == *id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let now = tevreden_storage::now_ms();
    let rows = users
        .iter()
        .map(|u| UserRow {
            id: u.id,
            name: u.name.clone(),
            email: u.email.clone(),
            role: tr.role(&u.role),
            units: u
                .unit_ids
                .iter()
                .map(unit_name)
                .collect::<Vec<_>>()
                .join(", "),
            status: if u.disabled_at.is_some() {
                tr.t("user-disabled")
            } else if u.locked_until.is_some_and(|t| t > now) {
                tr.t("user-locked")
            } else if !u.has_password {
                tr.t("user-invited")
            } else {
                tr.t("user-active")
            },
            last_login: tr.when_opt(&u.last_login_at),
        })
        .collect();
    let options = units
        .iter()
        .map(|u| UnitOption {
            id: u.id,
            name: format!(
                "{}{}",
                "· ".repeat(u.path.matches('/').count().saturating_sub(2)),
                u.name
            ),
            selected: form.3.contains(&u.id),
        })
        .collect();
    html_page(
        status,
        PeoplePage {
            layout: Layout::new(signed, "people", "nav-people"),
            users: rows,
            units: options,
            form_email: form.0.to_string(),
            form_name: form.1.to_string(),
            form_role: form.2.to_string(),
            errors,
            invited,
            invite_days: INVITE_LINK_MS / 86_400_000,
        }
        .render(),
    )
}

pub async fn people(
    State(app): State<AppState>,
    signed: Signed,
    Query(q): Query<PeopleQuery>,
) -> Response {
    if signed.user.role != Role::Admin {
        return forbidden(&signed);
    }
    people_page(
        &app,
        &signed,
        StatusCode::OK,
        ("", "", "member", &[]),
        FormErrors::new(),
        q.invited.map(|email| Invited { email, link: None }),
    )
    .await
}

/// `POST /app/people`: invites a user by email (admins only).
pub async fn invite_user(State(app): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    let tr = signed.tr();
    let email = first(&fields, "email").trim().to_string();
    let name = first(&fields, "name").trim().to_string();
    let role_s = first(&fields, "role").to_string();
    let unit_ids: Vec<i64> = all_values(&fields, "units")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    let mut errors = FormErrors::new();
    if !looks_like_email(&email) {
        errors.insert("email", tr.t("people-error-email"));
    }
    if name.is_empty() {
        errors.insert("name", tr.t("people-error-name"));
    }
    let role = Role::parse(&role_s);
    match role {
        None => {
            errors.insert("role", tr.t("people-error-role"));
        }
        Some(Role::Manager | Role::Member) if unit_ids.is_empty() => {
            errors.insert("units", tr.t("people-error-units"));
        }
        _ => {}
    }
    let form = (
        email.as_str(),
        name.as_str(),
        role_s.as_str(),
        &unit_ids[..],
    );
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return people_page(
            &app,
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
            errors,
            None,
        )
        .await;
    };
    let base = app.config.public_url.trim_end_matches('/').to_string();
    let inviter = signed.user.name.clone();
    let org_name = signed.org.name.clone();
    let mail_tr = signed.tr();
    let link_made = std::sync::Mutex::new(None::<String>);
    let invitation = Invitation {
        tr: &mail_tr,
        base: &base,
        to: &email,
        name: &name,
        inviter: &inviter,
        org: &org_name,
    };
    let make = |token: &str| {
        *link_made.lock().unwrap_or_else(|e| e.into_inner()) = Some(invitation.link(token));
        invitation.email(token)
    };
    let new = NewUser {
        org_id: signed.org.id,
        email: email.clone(),
        name: name.clone(),
        role,
        lang: None,
        unit_ids: if role == Role::Admin {
            Vec::new()
        } else {
            unit_ids.clone()
        },
        password_hash: None,
    };
    match app
        .store
        .create_user(&new, &signed.actor(), Some((INVITE_LINK_MS, &make)))
        .await
    {
        Ok(u) if app.config.smtp.is_none() => {
            // Nothing will send the mail: say so, and give the admin the link to pass on.
            let link = link_made.lock().unwrap_or_else(|e| e.into_inner()).take();
            people_page(
                &app,
                &signed,
                StatusCode::OK,
                ("", "", "member", &[]),
                FormErrors::new(),
                Some(Invited {
                    email: u.email,
                    link,
                }),
            )
            .await
        }
        Ok(u) => {
            app.mail_wakeup();
            Redirect::to(&format!(
                "/app/people?invited={}",
                super::auth::urlencode(&u.email)
            ))
            .into_response()
        }
        Err(tevreden_storage::StoreError::Conflict(_)) => {
            errors.insert("email", tr.t("people-error-exists"));
            people_page(
                &app,
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                errors,
                None,
            )
            .await
        }
        Err(tevreden_storage::StoreError::NotFound(_)) => {
            errors.insert("units", tr.t("people-error-units"));
            people_page(
                &app,
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                errors,
                None,
            )
            .await
        }
        Err(e) => server_error(e),
    }
}

pub fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && s.len() <= 254
}

// ---------------------------------------------------------------------------------------------
// Settings

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage<'a> {
    layout: Layout<'a>,
    email: &'a str,
    choice: &'a str,
}

pub async fn settings(signed: Signed) -> Response {
    let choice = signed.user.lang.clone().unwrap_or_default();
    html_page(
        StatusCode::OK,
        SettingsPage {
            layout: Layout::new(&signed, "settings", "nav-settings"),
            email: &signed.user.email,
            choice: &choice,
        }
        .render(),
    )
}

/// `POST /app/settings/language`: `nl`, `en`, or empty to follow the browser.
pub async fn set_language(State(app): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let fields = decode_form(&body).unwrap_or_default();
    if !signed.csrf_ok(&fields) {
        return csrf_refused(&signed);
    }
    let lang = match first(&fields, "lang") {
        "nl" => Some("nl"),
        "en" => Some("en"),
        _ => None,
    };
    if let Err(e) = app.store.set_user_lang(signed.user.id, lang).await {
        return server_error(e);
    }
    Redirect::to("/app/settings").into_response()
}

// ---------------------------------------------------------------------------------------------
// Audit log

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage<'a> {
    layout: Layout<'a>,
    entries: Vec<AuditRow>,
    older: Option<i64>,
}

/// One audit entry as the page shows it: the action in words, its code beside it.
struct AuditRow {
    at: i64,
    actor: String,
    action: String,
    code: String,
    object: String,
    key: String,
}

/// An audit action in the reader's language: `target.set` → "Doel vastgesteld". Edits in the
/// builder (`survey.edit.<step>`) read as one action; a code this release does not know (from
/// a newer one) is shown as it is.
pub fn audit_action_text(tr: &Tr, action: &str) -> String {
    let key = |code: &str| format!("audit-action-{}", code.replace(['.', '_'], "-"));
    if let Some(text) = tr.try_t(&key(action)) {
        return text;
    }
    if action.starts_with("survey.edit.") {
        return tr.t("audit-action-survey-edit");
    }
    action.to_string()
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    pub before: Option<i64>,
}

const AUDIT_PAGE: i64 = 100;

pub async fn audit(
    State(app): State<AppState>,
    signed: Signed,
    Query(q): Query<AuditQuery>,
) -> Response {
    if signed.user.role != Role::Admin {
        return forbidden(&signed);
    }
    let entries = match app
        .store
        .audit_entries(signed.org.id, q.before, AUDIT_PAGE)
        .await
    {
        Ok(e) => e,
        Err(e) => return server_error(e),
    };
    let older = (entries.len() as i64 == AUDIT_PAGE)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    let layout = Layout::new(&signed, "people", "audit-title");
    let entries = entries
        .into_iter()
        .map(|e| AuditRow {
            at: e.at,
            actor: e.actor,
            action: audit_action_text(&layout.tr, &e.action),
            object: layout
                .tr
                .t_or(&format!("audit-object-{}", e.object_type), &e.object_type),
            code: e.action,
            key: e.object_key,
        })
        .collect();
    html_page(
        StatusCode::OK,
        AuditPage {
            layout,
            entries,
            older,
        }
        .render(),
    )
}

/// The whole audit log as a JSON download for a signed-in admin, in the API's shape (the API's
/// `GET /api/v1/audit` needs a token; this is the same for the browser session).
pub async fn audit_json(State(app): State<AppState>, signed: Signed) -> Response {
    if signed.user.role != Role::Admin {
        return forbidden(&signed);
    }
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let page = match app.store.audit_entries(signed.org.id, before, 1000).await {
            Ok(p) => p,
            Err(e) => return server_error(e),
        };
        let full = page.len() == 1000;
        before = page.last().map(|e| e.id);
        all.extend(page.into_iter().map(crate::shared::audit_out));
        if !full {
            break;
        }
    }
    let body = match serde_json::to_vec_pretty(&serde_json::json!({ "items": all })) {
        Ok(b) => b,
        Err(e) => return server_error(e),
    };
    let name = format!("audit-{}.json", signed.org.slug);
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Responses of one survey

#[derive(Template)]
#[template(path = "admin/responses.html")]
struct ResponsesPage<'a> {
    layout: Layout<'a>,
    key: String,
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    older: Option<i64>,
    scoped: bool,
    can_export: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct ResponsesQuery {
    pub before: Option<i64>,
}

const RESPONSES_PAGE: i64 = 50;

/// The newest responses of a survey, one row each; managers and members see those of their
/// units only.
pub async fn responses(
    State(app): State<AppState>,
    signed: Signed,
    gate: Gate,
    axum::extract::Path(key): axum::extract::Path<String>,
    Query(q): Query<ResponsesQuery>,
) -> Response {
    let survey = match app.store.survey(signed.org.id, &key).await {
        Ok(s) => s,
        Err(tevreden_storage::StoreError::NotFound(_)) => {
            return super::message(&signed, StatusCode::NOT_FOUND, "page-notfound");
        }
        Err(e) => return server_error(e),
    };
    match gate.survey(&survey).individual() {
        Verdict::Show => {}
        Verdict::Withhold(why) => match why {},
    }
    let versions = match app.store.survey_versions(survey.id).await {
        Ok(v) => v,
        Err(e) => return server_error(e),
    };
    let scope = match signed.unit_scope(&app).await {
        Ok(s) => s,
        Err(e) => return server_error(e),
    };
    let page = match app
        .store
        .latest_responses(survey.id, q.before, RESPONSES_PAGE, scope.as_deref())
        .await
    {
        Ok(p) => p,
        Err(e) => return server_error(e),
    };
    let cols = tevreden_domain::export::answer_columns(versions.iter().map(|v| &v.definition));
    let tr = signed.tr();
    let mut headers = vec![
        tr.t("col-when"),
        tr.t("col-version"),
        tr.t("col-lang"),
        tr.t("col-unit"),
        tr.t("col-touchpoint"),
    ];
    headers.extend(cols.iter().map(|c| c.header()));
    let rows = page
        .iter()
        .map(|r| {
            let mut row = vec![
                tr.when(&r.submitted_at),
                r.version.to_string(),
                r.lang.clone(),
                r.unit.clone().unwrap_or_default(),
                r.touchpoint.clone().unwrap_or_default(),
            ];
            row.extend(tevreden_domain::export::answer_cells_in(
                &cols,
                &r.answers,
                tevreden_domain::export::yes_no_words(tr.lang()),
            ));
            row
        })
        .collect();
    let older = (page.len() as i64 == RESPONSES_PAGE)
        .then(|| page.last().map(|r| r.id))
        .flatten();
    let title = versions
        .first()
        .map(|v| {
            v.definition
                .title
                .get(&signed.lang, v.definition.default_lang())
                .to_string()
        })
        .unwrap_or_default();
    html_page(
        StatusCode::OK,
        ResponsesPage {
            layout: Layout::new(&signed, "results", "responses-title"),
            key: survey.key,
            title,
            headers,
            rows,
            older,
            scoped: scope.is_some(),
            can_export: signed.user.role != Role::Member,
        }
        .render(),
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    /// `semicolon` for Excel with Dutch settings.
    pub delimiter: Option<String>,
    /// `xlsx` for a workbook instead of CSV.
    pub format: Option<String>,
}

/// `GET /app/surveys/{key}/export.csv`: every response as CSV, or with `format=xlsx` as a
/// workbook (admins: all; managers: those of
/// their units).
pub async fn export_csv(
    State(app): State<AppState>,
    signed: Signed,
    gate: Gate,
    axum::extract::Path(key): axum::extract::Path<String>,
    Query(q): Query<ExportQuery>,
) -> Response {
    if signed.user.role == Role::Member {
        return forbidden(&signed);
    }
    let survey = match app.store.survey(signed.org.id, &key).await {
        Ok(s) => s,
        Err(tevreden_storage::StoreError::NotFound(_)) => {
            return super::message(&signed, StatusCode::NOT_FOUND, "page-notfound");
        }
        Err(e) => return server_error(e),
    };
    let scope = match signed.unit_scope(&app).await {
        Ok(s) => s,
        Err(e) => return server_error(e),
    };
    let delimiter = if q.delimiter.as_deref() == Some("semicolon") {
        b';'
    } else {
        b','
    };
    // For people: the question texts in the header and yes/no in the user's language.
    let lang = Some(&signed.lang);
    let judge = gate.survey(&survey);
    if q.format.as_deref() == Some("xlsx") {
        return crate::exports::export_xlsx(&app, judge, &survey, scope, lang)
            .await
            .unwrap_or_else(server_error);
    }
    crate::exports::export_stream(&app, judge, &survey, true, delimiter, scope, lang)
        .await
        .unwrap_or_else(server_error)
}

// ---------------------------------------------------------------------------------------------
// One user: role, units, disabled

#[derive(Template)]
#[template(path = "admin/user_edit.html")]
struct UserEditPage<'a> {
    layout: Layout<'a>,
    id: i64,
    name: String,
    email: String,
    role: String,
    disabled: bool,
    units: Vec<UnitOption>,
    error: Option<String>,
}

async fn user_edit_page(
    app: &AppState,
    signed: &Signed,
    user: &User,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let units = match app.store.units(signed.org.id).await {
        Ok(u) => u,
        Err(e) => return server_error(e),
    };
    html_page(
        status,
        UserEditPage {
            layout: Layout::new(signed, "people", "user-edit-title"),
            id: user.id,
            name: user.name.clone(),
            email: user.email.clone(),
            role: user.role.as_str().to_string(),
            disabled: user.disabled_at.is_some(),
            units: units
                .iter()
                .map(|u| UnitOption {
                    id: u.id,
                    name: u.name.clone(),
                    selected: user.unit_ids.contains(&u.id),
                })
                .collect(),
            error,
        }
        .render(),
    )
}

pub async fn user_edit(
    State(app): State<AppState>,
    signed: Signed,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Response {
    if signed.user.role != Role::Admin {
        return forbidden(&signed);
    }
    match app.store.user(signed.org.id, id).await {
        Ok(u) => user_edit_page(&app, &signed, &u, StatusCode::OK, None).await,
        Err(tevreden_storage::StoreError::NotFound(_)) => {
            super::message(&signed, StatusCode::NOT_FOUND, "page-notfound")
        }
        Err(e) => server_error(e),
    }
}

pub async fn user_save(
    State(app): State<AppState>,
    signed: Signed,
    axum::extract::Path(id): axum::extract::Path<i64>,
    body: Bytes,
) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    let user = match app.store.user(signed.org.id, id).await {
        Ok(u) => u,
        Err(tevreden_storage::StoreError::NotFound(_)) => {
            return super::message(&signed, StatusCode::NOT_FOUND, "page-notfound");
        }
        Err(e) => return server_error(e),
    };
    let tr = signed.tr();
    let role = Role::parse(first(&fields, "role"));
    let disabled = first(&fields, "disabled") == "1";
    let units: Vec<i64> = all_values(&fields, "units")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    let error = match role {
        None => Some(tr.t("people-error-role")),
        Some(_) if id == signed.user.id && (disabled || role != Some(Role::Admin)) => {
            Some(tr.t("user-error-self"))
        }
        Some(Role::Manager | Role::Member) if units.is_empty() => Some(tr.t("people-error-units")),
        _ => None,
    };
    let Some(role) = role.filter(|_| error.is_none()) else {
        return user_edit_page(
            &app,
            &signed,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            error,
        )
        .await;
    };
    match app
        .store
        .update_user(signed.org.id, id, role, &units, disabled, &signed.actor())
        .await
    {
        Ok(_) => Redirect::to("/app/people").into_response(),
        Err(tevreden_storage::StoreError::NotFound(_)) => {
            user_edit_page(
                &app,
                &signed,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(tr.t("people-error-units")),
            )
            .await
        }
        Err(e) => server_error(e),
    }
}

// ---------------------------------------------------------------------------------------------
// API tokens

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub unit: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "admin/tokens.html")]
struct TokensPage<'a> {
    layout: Layout<'a>,
    tokens: Vec<TokenRow>,
    units: Vec<UnitOption>,
    created: Option<String>,
    error: Option<String>,
}

async fn tokens_page(
    app: &AppState,
    signed: &Signed,
    status: StatusCode,
    created: Option<String>,
    error: Option<String>,
) -> Response {
    let tr = signed.tr();
    let (tokens, units) = match tokio::try_join!(
        app.store.api_tokens(signed.org.id),
        app.store.units(signed.org.id)
    ) {
        Ok(x) => x,
        Err(e) => return server_error(e),
    };
    let unit_name = |id: Option<i64>| {
        id.and_then(|id| units.iter().find(|u| u.id == id))
            .map(|u| u.name.clone())
            .unwrap_or_else(|| tr.t("tokens-whole-org"))
    };
    let rows = tokens
        .iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name.clone(),
            role: tr.role(&t.role),
            unit: unit_name(t.unit_id),
            created: tr.when(&t.created_at),
            last_used: tr.when_opt(&t.last_used_at),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    html_page(
        status,
        TokensPage {
            layout: Layout::new(signed, "people", "tokens-title"),
            tokens: rows,
            units: units
                .iter()
                .map(|u| UnitOption {
                    id: u.id,
                    name: u.name.clone(),
                    selected: false,
                })
                .collect(),
            created,
            error,
        }
        .render(),
    )
}

pub async fn tokens(State(app): State<AppState>, signed: Signed) -> Response {
    if signed.user.role != Role::Admin {
        return forbidden(&signed);
    }
    tokens_page(&app, &signed, StatusCode::OK, None, None).await
}

/// `POST /app/tokens`: a new token, shown once on the answer page.
pub async fn create_token(State(app): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    let tr = signed.tr();
    let name = first(&fields, "name").trim().to_string();
    let role = Role::parse(first(&fields, "role"));
    let unit: Option<i64> = first(&fields, "unit").parse().ok();
    let (Some(role), false) = (role, name.is_empty()) else {
        return tokens_page(
            &app,
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(tr.t("tokens-error")),
        )
        .await;
    };
    if let Some(u) = unit {
        match app.store.units(signed.org.id).await {
            Ok(units) if units.iter().any(|x| x.id == u) => {}
            Ok(_) => return StatusCode::BAD_REQUEST.into_response(),
            Err(e) => return server_error(e),
        }
    }
    let actor = signed.actor();
    match app
        .store
        .create_api_token(signed.org.id, &name, role, unit, &actor)
        .await
    {
        Ok((secret, _)) => {
            tokens_page(&app, &signed, StatusCode::CREATED, Some(secret), None).await
        }
        Err(e) => server_error(e),
    }
}

pub async fn revoke_token(
    State(app): State<AppState>,
    signed: Signed,
    axum::extract::Path(id): axum::extract::Path<i64>,
    body: Bytes,
) -> Response {
    if let Err(refused) = signed.admin_form(&body) {
        return *refused;
    }
    let actor = signed.actor();
    match app.store.revoke_api_token(signed.org.id, id, &actor).await {
        Ok(()) => {
            app.api_tokens.forget(|t| t.id == id);
            Redirect::to("/app/tokens").into_response()
        }
        Err(tevreden_storage::StoreError::NotFound(_)) => {
            super::message(&signed, StatusCode::NOT_FOUND, "page-notfound")
        }
        Err(e) => server_error(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Import in the browser

/// Import files up to this size are accepted in the browser (the CLI takes any size).
pub const IMPORT_MAX_BYTES: usize = 20 * 1024 * 1024;

pub struct ImportResult {
    pub kind: String,
    pub rows_read: usize,
    pub refused: usize,
    pub created: Option<usize>,
    pub updated: Option<usize>,
    pub errors: Vec<ImportErrorView>,
    pub more_errors: usize,
    pub imported: bool,
}

/// A refused row as the page shows it: the reason in the user's language.
pub struct ImportErrorView {
    pub line: usize,
    pub column: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "admin/import.html")]
struct ImportPage<'a> {
    layout: Layout<'a>,
    result: Option<ImportResult>,
    error: Option<String>,
}

pub async fn import_page(signed: Signed) -> Response {
    if signed.user.role != Role::Admin {
        return forbidden(&signed);
    }
    html_page(
        StatusCode::OK,
        ImportPage {
            layout: Layout::new(&signed, "organisation", "import-title"),
            result: None,
            error: None,
        }
        .render(),
    )
}

/// `POST /app/organisation/import` (multipart): checks the file, reports every refused row,
/// and writes nothing unless every row is valid or "import the valid rows" was ticked.
pub async fn import_submit(
    State(app): State<AppState>,
    signed: Signed,
    mut form: axum::extract::Multipart,
) -> Response {
    if signed.user.role != Role::Admin {
        return forbidden(&signed);
    }
    let tr = signed.tr();
    let mut csrf = String::new();
    let mut kind = String::new();
    let mut skip_invalid = false;
    let mut file: Option<Vec<u8>> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                let Ok(bytes) = field.bytes().await else {
                    return import_error(
                        &signed,
                        StatusCode::PAYLOAD_TOO_LARGE,
                        tr.t("import-too-large"),
                    );
                };
                match name.as_str() {
                    "_csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
                    "kind" => kind = String::from_utf8_lossy(&bytes).into_owned(),
                    "skip_invalid" => skip_invalid = &bytes[..] == b"1",
                    "file" => file = Some(bytes.to_vec()),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => {
                return import_error(&signed, StatusCode::BAD_REQUEST, tr.t("import-too-large"));
            }
        }
    }
    if !signed.csrf_ok(&[("_csrf".to_string(), csrf)]) {
        return csrf_refused(&signed);
    }
    let Some(kind) = tevreden_storage::ImportFileKind::parse(&kind) else {
        return import_error(
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            tr.t("import-choose-kind"),
        );
    };
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return import_error(
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            tr.t("import-choose-file"),
        );
    };
    let table = match tevreden_domain::import::read_table(&bytes) {
        Ok(t) => t,
        Err(e) => {
            return import_error(
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                crate::i18n::read_error(&signed.lang, &e),
            );
        }
    };
    let checked = match app.store.check_import(signed.org.id, kind, &table).await {
        Ok(c) => c,
        Err(e) => return server_error(e),
    };
    let refused = checked.refused_rows();
    let write = checked.errors.is_empty() || skip_invalid;
    let summary = if write {
        let actor = signed.actor();
        let audit = tevreden_storage::NewAudit {
            org_id: signed.org.id,
            actor: &actor,
            action: "import",
            object_type: kind.as_str(),
            object_key: "",
            before: None,
            after: Some(
                serde_json::json!({"rows": checked.records.len(), "refused_rows": refused}),
            ),
        };
        match app
            .store
            .apply_import(signed.org.id, &checked.records, &|_| {}, Some(&audit))
            .await
        {
            Ok(s) => Some(s),
            Err(e) => return server_error(e),
        }
    } else {
        None
    };
    const SHOWN: usize = 500;
    let more_errors = checked.errors.len().saturating_sub(SHOWN);
    let status = if write {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html_page(
        status,
        ImportPage {
            layout: Layout::new(&signed, "organisation", "import-title"),
            result: Some(ImportResult {
                kind: tr.t(&format!("import-kind-{}", kind.as_str())),
                rows_read: checked.rows_read,
                refused,
                created: summary.as_ref().map(|s| s.created),
                updated: summary.as_ref().map(|s| s.updated),
                errors: checked
                    .errors
                    .into_iter()
                    .take(SHOWN)
                    .map(|e| ImportErrorView {
                        reason: crate::i18n::import_problem(&signed.lang, &e.problem),
                        line: e.line,
                        column: e.column,
                    })
                    .collect(),
                more_errors,
                imported: write,
            }),
            error: None,
        }
        .render(),
    )
}

fn import_error(signed: &Signed, status: StatusCode, message: String) -> Response {
    html_page(
        status,
        ImportPage {
            layout: Layout::new(signed, "organisation", "import-title"),
            result: None,
            error: Some(message),
        }
        .render(),
    )
}
