//! Organisation pages: the unit tree (create, move, front/back office, delete when unused),
//! employees, customer contacts, channels and touchpoints. Admins change; managers see their
//! subtree; members their own unit. Every record is checked by the importer's rules (one row of
//! a table), so the browser, the API and an import file accept and refuse the same things, and
//! every change is in the audit log in the same transaction.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tevreden_domain::import::{Office, RowError, RowProblem};
use tevreden_storage::{EmployeeFilter, ImportFileKind, RecordOutcome, Role, StoreError, Unit};

use super::auth::{Signed, urlencode};
use super::pages::visible_units;
use super::{Layout, Tr, first, forbidden, html_page};
use crate::AppState;
use crate::shared::{decode_cursor, encode_cursor};

use super::error::server_error;

// ---------------------------------------------------------------------------------------------
// Views shared by every record page

/// One input of a record form.
pub struct FieldView {
    pub name: &'static str,
    pub label: String,
    /// `text`, `select`, `checkbox` or `textarea`.
    pub kind: &'static str,
    pub value: String,
    /// `(value, label)` for selects.
    pub options: Vec<(String, String)>,
    pub error: Option<String>,
    pub hint: Option<String>,
    pub required: bool,
    /// Shown but not editable (the key of an existing record).
    pub readonly: bool,
}

impl FieldView {
    fn text(name: &'static str, label: String, value: impl Into<String>) -> FieldView {
        FieldView {
            name,
            label,
            kind: "text",
            value: value.into(),
            options: Vec::new(),
            error: None,
            hint: None,
            required: false,
            readonly: false,
        }
    }
    fn required(mut self) -> FieldView {
        self.required = true;
        self
    }
    fn readonly(mut self, yes: bool) -> FieldView {
        self.readonly = yes;
        self
    }
    fn hint(mut self, hint: String) -> FieldView {
        self.hint = Some(hint);
        self
    }
    fn select(mut self, options: Vec<(String, String)>) -> FieldView {
        self.kind = "select";
        self.options = options;
        self
    }
    fn checkbox(mut self) -> FieldView {
        self.kind = "checkbox";
        self
    }
    fn textarea(mut self) -> FieldView {
        self.kind = "textarea";
        self
    }
    pub fn checked(&self) -> bool {
        self.value == "1"
    }
    pub fn has_error(&self) -> bool {
        self.error.is_some()
    }
}

/// A form of record fields, posted to `action`.
pub struct RecordForm {
    pub action: String,
    pub title: String,
    pub fields: Vec<FieldView>,
    pub submit: String,
    pub has_errors: bool,
}

impl RecordForm {
    /// Puts each refused column's reason on its field (unknown columns on the first field).
    fn with_errors(mut self, errors: &[FieldProblem]) -> RecordForm {
        for e in errors {
            let reason = e.message.clone();
            let idx = self
                .fields
                .iter()
                .position(|f| f.name == e.column)
                .unwrap_or(0);
            if let Some(f) = self.fields.get_mut(idx) {
                f.error = Some(match &f.error {
                    Some(prev) => format!("{prev}; {reason}"),
                    None => reason,
                });
            }
        }
        self.has_errors = !errors.is_empty();
        self
    }
}

/// A refused field of a form: its column and what to do, in the user's language.
struct FieldProblem {
    column: String,
    message: String,
}

/// The import rules' refusals on a form's fields: the common ones as a form says them, the
/// others as the importer does.
fn field_problems(tr: &Tr, lang: &tevreden_domain::Lang, errors: &[RowError]) -> Vec<FieldProblem> {
    errors
        .iter()
        .map(|e| FieldProblem {
            column: e.column.clone(),
            message: match &e.problem {
                RowProblem::Empty => tr.t("rec-error-empty"),
                RowProblem::TooLong { max: 200 } => tr.t("rec-error-long"),
                RowProblem::OwnParent => tr.t("rec-error-own-parent"),
                RowProblem::Cycle => tr.t("rec-error-cycle"),
                RowProblem::UnknownParent { .. }
                | RowProblem::UnknownUnit { .. }
                | RowProblem::ParentRefused { .. } => tr.t("rec-error-unknown"),
                RowProblem::NotAnEmail { .. } => tr.t("rec-error-email"),
                RowProblem::NotAnExternalId { .. } => tr.t("rec-error-key"),
                other => crate::i18n::import_problem(lang, other),
            },
        })
        .collect()
}

pub struct Tab {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

fn tabs(signed: &Signed, current: &str) -> Vec<Tab> {
    let tr = signed.tr();
    let mut list = vec![("units", "/app/organisation")];
    if matches!(signed.user.role, Role::Admin | Role::Manager) {
        list.push(("employees", "/app/organisation/employees"));
        list.push(("contacts", "/app/organisation/contacts"));
    }
    list.push(("touchpoints", "/app/organisation/touchpoints"));
    if signed.user.role == Role::Admin {
        list.push(("import", "/app/organisation/import"));
    }
    list.into_iter()
        .map(|(k, href)| Tab {
            href,
            label: tr.t(&format!("org-tab-{k}")),
            current: k == current,
        })
        .collect()
}

pub struct Column {
    pub label: String,
}

pub struct Row {
    pub href: Option<String>,
    pub cells: Vec<String>,
    /// Indentation (units in the tree).
    pub depth: usize,
    pub badge: Option<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "admin/records.html")]
struct RecordsPage<'a> {
    layout: Layout<'a>,
    tabs: Vec<Tab>,
    title: String,
    lead: Option<String>,
    notice: Option<String>,
    search: Option<SearchBox>,
    columns: Vec<Column>,
    rows: Vec<Row>,
    empty: String,
    next_href: Option<String>,
    add_form: Option<RecordForm>,
    second: Option<Section>,
}

/// A second list on the same page (touchpoints below channels).
pub struct Section {
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub empty: String,
    pub add_form: Option<RecordForm>,
}

pub struct SearchBox {
    pub action: &'static str,
    pub q: String,
    pub label: String,
    pub units: Vec<(String, String)>,
    pub unit: String,
}

#[derive(Template)]
#[template(path = "admin/record.html")]
struct RecordPage<'a> {
    layout: Layout<'a>,
    tabs: Vec<Tab>,
    back_href: String,
    back_label: String,
    title: String,
    form: Option<RecordForm>,
    facts: Vec<(String, String)>,
    delete: Option<DeleteBox>,
    notice: Option<String>,
}

pub struct DeleteBox {
    pub action: String,
    pub label: String,
    pub explain: String,
    pub error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub q: Option<String>,
    pub unit: Option<String>,
    pub cursor: Option<String>,
    pub saved: Option<String>,
    pub deleted: Option<String>,
}

/// Writes one record by the import rules (see `Store::save_record`), audited as the user;
/// a refusal puts each reason on its field of `form`.
async fn save_one(
    app: &AppState,
    signed: &Signed,
    kind: ImportFileKind,
    headers: &[&str],
    cells: Vec<String>,
    form: RecordForm,
    column_of: impl Fn(String) -> String,
) -> Result<Result<(), RecordForm>, StoreError> {
    match app
        .store
        .save_record(signed.org.id, kind, headers, cells, &signed.actor())
        .await?
    {
        RecordOutcome::Saved { .. } => Ok(Ok(())),
        RecordOutcome::Refused(errors) => {
            let mut errors = field_problems(&signed.tr(), &signed.lang, &errors);
            for e in &mut errors {
                e.column = column_of(std::mem::take(&mut e.column));
            }
            Ok(Err(form.with_errors(&errors)))
        }
    }
}

fn unit_options(units: &[Unit], tr: &Tr, none_label: Option<String>) -> Vec<(String, String)> {
    let top = units
        .iter()
        .map(|u| u.path.matches('/').count())
        .min()
        .unwrap_or(0);
    let mut out: Vec<(String, String)> = none_label
        .map(|l| vec![(String::new(), l)])
        .unwrap_or_default();
    let _ = tr;
    out.extend(units.iter().map(|u| {
        let depth = u.path.matches('/').count().saturating_sub(top);
        (
            u.external_id.clone(),
            format!("{}{} ({})", "· ".repeat(depth), u.name, u.external_id),
        )
    }));
    out
}

fn office_options(tr: &Tr) -> Vec<(String, String)> {
    vec![
        ("front".into(), tr.t("office-front")),
        ("back".into(), tr.t("office-back")),
    ]
}

// ---------------------------------------------------------------------------------------------
// Units

fn unit_form(
    tr: &Tr,
    action: String,
    units: &[Unit],
    values: (&str, &str, &str, &str),
    existing: bool,
) -> RecordForm {
    let (external_id, name, parent, office) = values;
    RecordForm {
        action,
        title: tr.t(if existing { "unit-edit" } else { "unit-new" }),
        fields: vec![
            FieldView::text("external_id", tr.t("field-external-id"), external_id)
                .required()
                .readonly(existing)
                .hint(tr.t("field-external-id-hint")),
            FieldView::text("name", tr.t("field-name"), name).required(),
            FieldView::text("parent", tr.t("field-parent"), parent).select(unit_options(
                units,
                tr,
                Some(tr.t("field-parent-none")),
            )),
            FieldView::text("office", tr.t("field-office"), office).select(office_options(tr)),
        ],
        submit: tr.t(if existing { "save" } else { "add" }),
        has_errors: false,
    }
}

pub async fn units(
    State(app): State<AppState>,
    signed: Signed,
    Query(q): Query<ListQuery>,
) -> Response {
    units_page(&app, &signed, StatusCode::OK, None, q.saved.or(q.deleted)).await
}

async fn units_page(
    app: &AppState,
    signed: &Signed,
    status: StatusCode,
    form: Option<RecordForm>,
    notice: Option<String>,
) -> Response {
    let all = match app.store.units(signed.org.id).await {
        Ok(u) => u,
        Err(e) => return server_error(e),
    };
    let units = visible_units(&signed.user, all.clone());
    let tr = signed.tr();
    let top = units
        .iter()
        .map(|u| u.path.matches('/').count())
        .min()
        .unwrap_or(0);
    let rows = units
        .iter()
        .map(|u| Row {
            href: Some(format!(
                "/app/organisation/units/{}",
                urlencode(&u.external_id)
            )),
            cells: vec![u.name.clone(), u.external_id.clone()],
            depth: u.path.matches('/').count().saturating_sub(top),
            badge: Some(if u.office == Office::Front {
                ("front", tr.t("office-front"))
            } else {
                ("back", tr.t("office-back"))
            }),
        })
        .collect();
    let is_admin = signed.user.role == Role::Admin;
    let add_form = if is_admin {
        Some(form.unwrap_or_else(|| {
            unit_form(
                &tr,
                "/app/organisation/units".into(),
                &all,
                ("", "", "", "front"),
                false,
            )
        }))
    } else {
        None
    };
    html_page(
        status,
        RecordsPage {
            tabs: tabs(signed, "units"),
            title: tr.t("nav-organisation"),
            lead: (!is_admin).then(|| tr.t("org-scoped")),
            notice: notice.map(|n| tr.t_args("rec-saved", &[("what", n)])),
            search: None,
            columns: vec![
                Column {
                    label: tr.t("field-name"),
                },
                Column {
                    label: tr.t("field-external-id"),
                },
            ],
            rows,
            empty: tr.t(if is_admin {
                "org-empty-admin"
            } else {
                "org-empty-title"
            }),
            next_href: None,
            add_form,
            second: None,
            layout: Layout::new(signed, "organisation", "nav-organisation"),
        }
        .render(),
    )
}

/// Saves a unit from the form (create when `existing` is `None`).
async fn save_unit(
    app: &AppState,
    signed: &Signed,
    fields: &[(String, String)],
    existing: Option<Unit>,
) -> Result<Result<String, RecordForm>, StoreError> {
    let tr = signed.tr();
    let external_id = match &existing {
        Some(u) => u.external_id.clone(),
        None => first(fields, "external_id").trim().to_string(),
    };
    let name = first(fields, "name").trim().to_string();
    let parent = first(fields, "parent").trim().to_string();
    let office = first(fields, "office").trim().to_string();
    let all = app.store.units(signed.org.id).await?;
    let action = match &existing {
        Some(u) => format!("/app/organisation/units/{}", urlencode(&u.external_id)),
        None => "/app/organisation/units".into(),
    };
    let form = unit_form(
        &tr,
        action,
        &all,
        (&external_id, &name, &parent, &office),
        existing.is_some(),
    );
    if existing.is_none() && all.iter().any(|u| u.external_id == external_id) {
        return Ok(Err(form.with_errors(&[FieldProblem {
            column: "external_id".into(),
            message: tr.t("rec-error-exists"),
        }])));
    }
    Ok(save_one(
        app,
        signed,
        ImportFileKind::Units,
        &["external_id", "name", "parent", "office"],
        vec![external_id.clone(), name, parent, office],
        form,
        |c| c,
    )
    .await?
    .map(|()| external_id))
}

pub async fn create_unit(State(app): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    match save_unit(&app, &signed, &fields, None).await {
        Ok(Ok(id)) => {
            Redirect::to(&format!("/app/organisation?saved={}", urlencode(&id))).into_response()
        }
        Ok(Err(form)) => {
            units_page(
                &app,
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(form),
                None,
            )
            .await
        }
        Err(e) => server_error(e),
    }
}

async fn visible_unit(app: &AppState, signed: &Signed, external_id: &str) -> Option<Unit> {
    let all = app.store.units(signed.org.id).await.ok()?;
    visible_units(&signed.user, all)
        .into_iter()
        .find(|u| u.external_id == external_id)
}

pub async fn unit_page(
    State(app): State<AppState>,
    signed: Signed,
    Path(external_id): Path<String>,
) -> Response {
    let Some(unit) = visible_unit(&app, &signed, &external_id).await else {
        return super::message(&signed, StatusCode::NOT_FOUND, "page-notfound");
    };
    unit_view(&app, &signed, &unit, StatusCode::OK, None, None).await
}

async fn unit_view(
    app: &AppState,
    signed: &Signed,
    unit: &Unit,
    status: StatusCode,
    form: Option<RecordForm>,
    delete_error: Option<String>,
) -> Response {
    let tr = signed.tr();
    let all = match app.store.units(signed.org.id).await {
        Ok(u) => u,
        Err(e) => return server_error(e),
    };
    let parent = unit
        .parent_id
        .and_then(|p| all.iter().find(|u| u.id == p))
        .map(|u| u.external_id.clone())
        .unwrap_or_default();
    let is_admin = signed.user.role == Role::Admin;
    let action = format!("/app/organisation/units/{}", urlencode(&unit.external_id));
    // a unit cannot move under itself or its own subtree: those are left out of the choices
    let choices: Vec<Unit> = all
        .iter()
        .filter(|u| !u.path.starts_with(unit.path.as_str()))
        .cloned()
        .collect();
    let form = is_admin.then(|| {
        form.unwrap_or_else(|| {
            unit_form(
                &tr,
                action.clone(),
                &choices,
                (&unit.external_id, &unit.name, &parent, unit.office.as_str()),
                true,
            )
        })
    });
    let employees = app
        .store
        .employee_ids_in_unit(unit.id)
        .await
        .map(|ids| ids.len())
        .unwrap_or(0);
    let facts = vec![
        (tr.t("field-external-id"), unit.external_id.clone()),
        (
            tr.t("field-office"),
            tr.t(&format!("office-{}", unit.office.as_str())),
        ),
        (tr.t("org-tab-employees"), employees.to_string()),
    ];
    html_page(
        status,
        RecordPage {
            tabs: tabs(signed, "units"),
            back_href: "/app/organisation".into(),
            back_label: tr.t("org-tab-units"),
            title: unit.name.clone(),
            form,
            facts,
            delete: is_admin.then(|| DeleteBox {
                action: format!("{action}/delete"),
                label: tr.t("unit-delete"),
                explain: tr.t("unit-delete-explain"),
                error: delete_error,
            }),
            notice: None,
            layout: Layout::new(signed, "organisation", "nav-organisation"),
        }
        .render(),
    )
}

pub async fn save_unit_page(
    State(app): State<AppState>,
    signed: Signed,
    Path(external_id): Path<String>,
    body: Bytes,
) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    let Ok(unit) = app.store.unit(signed.org.id, &external_id).await else {
        return super::message(&signed, StatusCode::NOT_FOUND, "page-notfound");
    };
    match save_unit(&app, &signed, &fields, Some(unit.clone())).await {
        Ok(Ok(id)) => {
            Redirect::to(&format!("/app/organisation?saved={}", urlencode(&id))).into_response()
        }
        Ok(Err(form)) => {
            unit_view(
                &app,
                &signed,
                &unit,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(form),
                None,
            )
            .await
        }
        Err(e) => server_error(e),
    }
}

pub async fn delete_unit(
    State(app): State<AppState>,
    signed: Signed,
    Path(external_id): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(refused) = signed.admin_form(&body) {
        return *refused;
    }
    let Ok(unit) = app.store.unit(signed.org.id, &external_id).await else {
        return super::message(&signed, StatusCode::NOT_FOUND, "page-notfound");
    };
    match app
        .store
        .delete_unit(signed.org.id, &external_id, &signed.actor())
        .await
    {
        Ok(_) => Redirect::to(&format!(
            "/app/organisation?deleted={}",
            urlencode(&external_id)
        ))
        .into_response(),
        Err(StoreError::Conflict(_)) => {
            let tr = signed.tr();
            unit_view(
                &app,
                &signed,
                &unit,
                StatusCode::CONFLICT,
                None,
                Some(tr.t("unit-delete-in-use")),
            )
            .await
        }
        Err(e) => server_error(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Employees

fn employee_form(
    tr: &Tr,
    action: String,
    units: &[Unit],
    values: [&str; 6],
    existing: bool,
) -> RecordForm {
    let [external_id, name, email, unit, role, customer_facing] = values;
    RecordForm {
        action,
        title: tr.t(if existing {
            "employee-edit"
        } else {
            "employee-new"
        }),
        fields: vec![
            FieldView::text("external_id", tr.t("field-external-id"), external_id)
                .required()
                .readonly(existing)
                .hint(tr.t("field-employee-id-hint")),
            FieldView::text("name", tr.t("field-name"), name).required(),
            FieldView::text("email", tr.t("field-email"), email),
            FieldView::text("unit", tr.t("field-unit"), unit)
                .required()
                .select(unit_options(units, tr, None)),
            FieldView::text("role", tr.t("field-job"), role),
            FieldView::text(
                "customer_facing",
                tr.t("field-customer-facing"),
                customer_facing,
            )
            .checkbox(),
        ],
        submit: tr.t(if existing { "save" } else { "add" }),
        has_errors: false,
    }
}

fn may_read_people(signed: &Signed) -> bool {
    matches!(signed.user.role, Role::Admin | Role::Manager)
}

/// The units whose contacts a user may read: `None` (all) for admins; for managers, the units
/// they see, so a contact shows when they answered or were invited there.
async fn contact_scope(
    app: &AppState,
    signed: &Signed,
) -> Result<Option<Vec<i64>>, tevreden_storage::StoreError> {
    signed.unit_scope(app).await
}

pub async fn employees(
    State(app): State<AppState>,
    signed: Signed,
    Query(q): Query<ListQuery>,
) -> Response {
    if !may_read_people(&signed) {
        return forbidden(&signed);
    }
    employees_page(&app, &signed, &q, StatusCode::OK, None).await
}

async fn employees_page(
    app: &AppState,
    signed: &Signed,
    q: &ListQuery,
    status: StatusCode,
    form: Option<RecordForm>,
) -> Response {
    let tr = signed.tr();
    let all = match app.store.units(signed.org.id).await {
        Ok(u) => u,
        Err(e) => return server_error(e),
    };
    let visible = visible_units(&signed.user, all.clone());
    let chosen_unit = q.unit.as_deref().filter(|u| !u.is_empty());
    let scope: Vec<i64> =
        match chosen_unit.and_then(|u| visible.iter().find(|x| x.external_id == u)) {
            Some(root) => tevreden_domain::access::subtree(&visible, root),
            None => visible.iter().map(|u| u.id).collect(),
        };
    let after = q.cursor.as_deref().and_then(decode_cursor).unwrap_or(0);
    const PAGE: i64 = 50;
    let filter = EmployeeFilter {
        units: (signed.user.role != Role::Admin || chosen_unit.is_some()).then_some(&scope[..]),
        query: q.q.as_deref().filter(|s| !s.trim().is_empty()),
        customer_facing: None,
    };
    let page = match app
        .store
        .employees_page(signed.org.id, &filter, after, PAGE)
        .await
    {
        Ok(p) => p,
        Err(e) => return server_error(e),
    };
    let next_href = (page.len() as i64 == PAGE).then(|| {
        format!(
            "/app/organisation/employees?q={}&unit={}&cursor={}",
            urlencode(q.q.as_deref().unwrap_or("")),
            urlencode(chosen_unit.unwrap_or("")),
            encode_cursor(page.last().map(|e| e.id).unwrap_or(0))
        )
    });
    let unit_name = |id: i64| {
        all.iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let rows = page
        .iter()
        .map(|e| Row {
            href: Some(format!(
                "/app/organisation/employees/{}",
                urlencode(&e.external_id)
            )),
            cells: vec![
                e.name.clone(),
                e.external_id.clone(),
                unit_name(e.unit_id),
                e.role.clone().unwrap_or_default(),
                tr.t(if e.customer_facing { "yes" } else { "no" }),
            ],
            depth: 0,
            badge: None,
        })
        .collect();
    let is_admin = signed.user.role == Role::Admin;
    let add_form = is_admin.then(|| {
        form.unwrap_or_else(|| {
            employee_form(
                &tr,
                "/app/organisation/employees".into(),
                &all,
                ["", "", "", "", "", "1"],
                false,
            )
        })
    });
    html_page(
        status,
        RecordsPage {
            tabs: tabs(signed, "employees"),
            title: tr.t("org-tab-employees"),
            lead: None,
            notice: q
                .saved
                .clone()
                .or(q.deleted.clone())
                .map(|n| tr.t_args("rec-saved", &[("what", n)])),
            search: Some(SearchBox {
                action: "/app/organisation/employees",
                q: q.q.clone().unwrap_or_default(),
                label: tr.t("rec-search-people"),
                units: unit_options(&visible, &tr, Some(tr.t("rec-all-units"))),
                unit: chosen_unit.unwrap_or("").to_string(),
            }),
            columns: [
                "field-name",
                "field-external-id",
                "field-unit",
                "field-job",
                "field-customer-facing",
            ]
            .iter()
            .map(|k| Column { label: tr.t(k) })
            .collect(),
            rows,
            empty: tr.t("rec-none"),
            next_href,
            add_form,
            second: None,
            layout: Layout::new(signed, "organisation", "nav-organisation"),
        }
        .render(),
    )
}

async fn save_employee(
    app: &AppState,
    signed: &Signed,
    fields: &[(String, String)],
    existing: Option<tevreden_storage::Employee>,
) -> Result<Result<String, RecordForm>, StoreError> {
    let tr = signed.tr();
    let external_id = match &existing {
        Some(e) => e.external_id.clone(),
        None => first(fields, "external_id").trim().to_string(),
    };
    let values = [
        external_id.as_str(),
        first(fields, "name").trim(),
        first(fields, "email").trim(),
        first(fields, "unit").trim(),
        first(fields, "role").trim(),
        if first(fields, "customer_facing") == "1" {
            "1"
        } else {
            "0"
        },
    ];
    let all = app.store.units(signed.org.id).await?;
    let action = match &existing {
        Some(e) => format!("/app/organisation/employees/{}", urlencode(&e.external_id)),
        None => "/app/organisation/employees".into(),
    };
    let form = employee_form(&tr, action, &all, values, existing.is_some());
    if existing.is_none()
        && app
            .store
            .employee(signed.org.id, &external_id)
            .await
            .is_ok()
    {
        return Ok(Err(form.with_errors(&[FieldProblem {
            column: "external_id".into(),
            message: tr.t("rec-error-exists"),
        }])));
    }
    let cells = vec![
        values[0].to_string(),
        values[1].to_string(),
        values[2].to_string(),
        values[3].to_string(),
        values[4].to_string(),
        if values[5] == "1" { "yes" } else { "no" }.to_string(),
    ];
    Ok(save_one(
        app,
        signed,
        ImportFileKind::Employees,
        &[
            "external_id",
            "name",
            "email",
            "unit",
            "role",
            "customer_facing",
        ],
        cells,
        form,
        |c| c,
    )
    .await?
    .map(|()| external_id))
}

pub async fn create_employee(State(app): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    match save_employee(&app, &signed, &fields, None).await {
        Ok(Ok(id)) => Redirect::to(&format!(
            "/app/organisation/employees?saved={}",
            urlencode(&id)
        ))
        .into_response(),
        Ok(Err(form)) => {
            employees_page(
                &app,
                &signed,
                &ListQuery::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(form),
            )
            .await
        }
        Err(e) => server_error(e),
    }
}

async fn visible_employee(
    app: &AppState,
    signed: &Signed,
    external_id: &str,
) -> Option<tevreden_storage::Employee> {
    if !may_read_people(signed) {
        return None;
    }
    let e = app.store.employee(signed.org.id, external_id).await.ok()?;
    let units = visible_units(&signed.user, app.store.units(signed.org.id).await.ok()?);
    units.iter().any(|u| u.id == e.unit_id).then_some(e)
}

pub async fn employee_page(
    State(app): State<AppState>,
    signed: Signed,
    Path(external_id): Path<String>,
) -> Response {
    let Some(e) = visible_employee(&app, &signed, &external_id).await else {
        return super::message(&signed, StatusCode::NOT_FOUND, "page-notfound");
    };
    employee_view(&app, &signed, &e, StatusCode::OK, None).await
}

async fn employee_view(
    app: &AppState,
    signed: &Signed,
    e: &tevreden_storage::Employee,
    status: StatusCode,
    form: Option<RecordForm>,
) -> Response {
    let tr = signed.tr();
    let all = match app.store.units(signed.org.id).await {
        Ok(u) => u,
        Err(err) => return server_error(err),
    };
    let action = format!("/app/organisation/employees/{}", urlencode(&e.external_id));
    let is_admin = signed.user.role == Role::Admin;
    let form = is_admin.then(|| {
        form.unwrap_or_else(|| {
            employee_form(
                &tr,
                action.clone(),
                &all,
                [
                    &e.external_id,
                    &e.name,
                    e.email.as_deref().unwrap_or(""),
                    &e.unit,
                    e.role.as_deref().unwrap_or(""),
                    if e.customer_facing { "1" } else { "0" },
                ],
                true,
            )
        })
    });
    let facts = if is_admin {
        Vec::new()
    } else {
        vec![
            (tr.t("field-external-id"), e.external_id.clone()),
            (tr.t("field-email"), e.email.clone().unwrap_or_default()),
            (tr.t("field-unit"), e.unit.clone()),
            (tr.t("field-job"), e.role.clone().unwrap_or_default()),
        ]
    };
    html_page(
        status,
        RecordPage {
            tabs: tabs(signed, "employees"),
            back_href: "/app/organisation/employees".into(),
            back_label: tr.t("org-tab-employees"),
            title: e.name.clone(),
            form,
            facts,
            delete: is_admin.then(|| DeleteBox {
                action: format!("{action}/delete"),
                label: tr.t("employee-delete"),
                explain: tr.t("employee-delete-explain"),
                error: None,
            }),
            notice: None,
            layout: Layout::new(signed, "organisation", "nav-organisation"),
        }
        .render(),
    )
}

pub async fn save_employee_page(
    State(app): State<AppState>,
    signed: Signed,
    Path(external_id): Path<String>,
    body: Bytes,
) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    let Ok(e) = app.store.employee(signed.org.id, &external_id).await else {
        return super::message(&signed, StatusCode::NOT_FOUND, "page-notfound");
    };
    match save_employee(&app, &signed, &fields, Some(e.clone())).await {
        Ok(Ok(id)) => Redirect::to(&format!(
            "/app/organisation/employees?saved={}",
            urlencode(&id)
        ))
        .into_response(),
        Ok(Err(form)) => {
            employee_view(
                &app,
                &signed,
                &e,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(form),
            )
            .await
        }
        Err(err) => server_error(err),
    }
}

pub async fn delete_employee(
    State(app): State<AppState>,
    signed: Signed,
    Path(external_id): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(refused) = signed.admin_form(&body) {
        return *refused;
    }
    match app
        .store
        .delete_employee(signed.org.id, &external_id, &signed.actor())
        .await
    {
        Ok(_) => Redirect::to(&format!(
            "/app/organisation/employees?deleted={}",
            urlencode(&external_id)
        ))
        .into_response(),
        Err(StoreError::NotFound(_)) => {
            super::message(&signed, StatusCode::NOT_FOUND, "page-notfound")
        }
        Err(e) => server_error(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Contacts

fn contact_form(tr: &Tr, action: String, values: [&str; 5], existing: bool) -> RecordForm {
    let [external_id, name, email, lang, attributes] = values;
    RecordForm {
        action,
        title: tr.t(if existing {
            "contact-edit"
        } else {
            "contact-new"
        }),
        fields: vec![
            FieldView::text("external_id", tr.t("field-external-id"), external_id)
                .required()
                .readonly(existing)
                .hint(tr.t("field-contact-id-hint")),
            FieldView::text("name", tr.t("field-name"), name),
            FieldView::text("email", tr.t("field-email"), email),
            FieldView::text("lang", tr.t("field-lang"), lang).select(vec![
                (String::new(), "–".into()),
                ("nl".into(), "Nederlands".into()),
                ("en".into(), "English".into()),
            ]),
            FieldView::text("attributes", tr.t("field-attributes"), attributes)
                .textarea()
                .hint(tr.t("field-attributes-hint")),
        ],
        submit: tr.t(if existing { "save" } else { "add" }),
        has_errors: false,
    }
}

pub async fn contacts(
    State(app): State<AppState>,
    signed: Signed,
    Query(q): Query<ListQuery>,
) -> Response {
    if !may_read_people(&signed) {
        return forbidden(&signed);
    }
    contacts_page(&app, &signed, &q, StatusCode::OK, None).await
}

async fn contacts_page(
    app: &AppState,
    signed: &Signed,
    q: &ListQuery,
    status: StatusCode,
    form: Option<RecordForm>,
) -> Response {
    let tr = signed.tr();
    let after = q.cursor.as_deref().and_then(decode_cursor).unwrap_or(0);
    const PAGE: i64 = 50;
    let scope = match contact_scope(app, signed).await {
        Ok(s) => s,
        Err(e) => return server_error(e),
    };
    let page = match app
        .store
        .contacts_page(
            signed.org.id,
            q.q.as_deref().filter(|s| !s.trim().is_empty()),
            scope.as_deref(),
            after,
            PAGE,
        )
        .await
    {
        Ok(p) => p,
        Err(e) => return server_error(e),
    };
    let next_href = (page.len() as i64 == PAGE).then(|| {
        format!(
            "/app/organisation/contacts?q={}&cursor={}",
            urlencode(q.q.as_deref().unwrap_or("")),
            encode_cursor(page.last().map(|c| c.id).unwrap_or(0))
        )
    });
    let rows = page
        .iter()
        .map(|c| Row {
            href: Some(format!(
                "/app/organisation/contacts/{}",
                urlencode(&c.external_id)
            )),
            cells: vec![
                c.name.clone().unwrap_or_else(|| "–".into()),
                c.external_id.clone(),
                c.email.clone().unwrap_or_default(),
                c.attributes
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ],
            depth: 0,
            badge: None,
        })
        .collect();
    let add_form = (signed.user.role == Role::Admin).then(|| {
        form.unwrap_or_else(|| {
            contact_form(
                &tr,
                "/app/organisation/contacts".into(),
                ["", "", "", "", ""],
                false,
            )
        })
    });
    html_page(
        status,
        RecordsPage {
            tabs: tabs(signed, "contacts"),
            title: tr.t("org-tab-contacts"),
            lead: Some(tr.t("contacts-lead")),
            notice: q
                .saved
                .clone()
                .or(q.deleted.clone())
                .map(|n| tr.t_args("rec-saved", &[("what", n)])),
            search: Some(SearchBox {
                action: "/app/organisation/contacts",
                q: q.q.clone().unwrap_or_default(),
                label: tr.t("rec-search-people"),
                units: Vec::new(),
                unit: String::new(),
            }),
            columns: [
                "field-name",
                "field-external-id",
                "field-email",
                "field-attributes",
            ]
            .iter()
            .map(|k| Column { label: tr.t(k) })
            .collect(),
            rows,
            empty: tr.t("rec-none"),
            next_href,
            add_form,
            second: None,
            layout: Layout::new(signed, "organisation", "nav-organisation"),
        }
        .render(),
    )
}

/// `key = value` lines → attribute columns; a malformed line is an error on the field.
fn parse_attributes(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((k, v)) = line.split_once('=').or_else(|| line.split_once(':')) else {
            return Err(line.to_string());
        };
        let key = k.trim().to_lowercase();
        let ok = !key.is_empty()
            && key.len() <= 50
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && ![
                "external_id",
                "id",
                "email",
                "name",
                "lang",
                "mail",
                "naam",
                "taal",
            ]
            .contains(&key.as_str());
        if !ok {
            return Err(line.to_string());
        }
        out.push((key, v.trim().to_string()));
    }
    Ok(out)
}

async fn save_contact(
    app: &AppState,
    signed: &Signed,
    fields: &[(String, String)],
    existing: Option<tevreden_storage::Contact>,
) -> Result<Result<String, RecordForm>, StoreError> {
    let tr = signed.tr();
    let external_id = match &existing {
        Some(c) => c.external_id.clone(),
        None => first(fields, "external_id").trim().to_string(),
    };
    let name = first(fields, "name").trim().to_string();
    let email = first(fields, "email").trim().to_string();
    let lang = first(fields, "lang").trim().to_string();
    let attributes = first(fields, "attributes").to_string();
    let action = match &existing {
        Some(c) => format!("/app/organisation/contacts/{}", urlencode(&c.external_id)),
        None => "/app/organisation/contacts".into(),
    };
    let form = contact_form(
        &tr,
        action,
        [&external_id, &name, &email, &lang, &attributes],
        existing.is_some(),
    );
    let attrs = match parse_attributes(&attributes) {
        Ok(a) => a,
        Err(line) => {
            return Ok(Err(form.with_errors(&[FieldProblem {
                column: "attributes".into(),
                message: tr.t_args("rec-error-attribute", &[("line", line)]),
            }])));
        }
    };
    if existing.is_none() && app.store.contact(signed.org.id, &external_id).await.is_ok() {
        return Ok(Err(form.with_errors(&[FieldProblem {
            column: "external_id".into(),
            message: tr.t("rec-error-exists"),
        }])));
    }
    let mut headers: Vec<&str> = vec!["external_id", "name", "email", "lang"];
    let mut cells = vec![external_id.clone(), name, email, lang];
    for (k, v) in &attrs {
        headers.push(k.as_str());
        cells.push(v.clone());
    }
    let known = ["external_id", "name", "email", "lang"];
    Ok(save_one(
        app,
        signed,
        ImportFileKind::Contacts,
        &headers,
        cells,
        form,
        |c| {
            if known.contains(&c.as_str()) {
                c
            } else {
                "attributes".into()
            }
        },
    )
    .await?
    .map(|()| external_id))
}

pub async fn create_contact(State(app): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    match save_contact(&app, &signed, &fields, None).await {
        Ok(Ok(id)) => Redirect::to(&format!(
            "/app/organisation/contacts?saved={}",
            urlencode(&id)
        ))
        .into_response(),
        Ok(Err(form)) => {
            contacts_page(
                &app,
                &signed,
                &ListQuery::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(form),
            )
            .await
        }
        Err(e) => server_error(e),
    }
}

pub async fn contact_page(
    State(app): State<AppState>,
    signed: Signed,
    Path(external_id): Path<String>,
) -> Response {
    if !may_read_people(&signed) {
        return super::message(&signed, StatusCode::NOT_FOUND, "page-notfound");
    }
    let scope = match contact_scope(&app, &signed).await {
        Ok(s) => s,
        Err(e) => return server_error(e),
    };
    let Ok(c) = app
        .store
        .contact_in(signed.org.id, &external_id, scope.as_deref())
        .await
    else {
        return super::message(&signed, StatusCode::NOT_FOUND, "page-notfound");
    };
    contact_view(&signed, &c, StatusCode::OK, None)
}

fn contact_view(
    signed: &Signed,
    c: &tevreden_storage::Contact,
    status: StatusCode,
    form: Option<RecordForm>,
) -> Response {
    let tr = signed.tr();
    let action = format!("/app/organisation/contacts/{}", urlencode(&c.external_id));
    let attributes: String = c
        .attributes
        .iter()
        .map(|(k, v)| format!("{k} = {v}\n"))
        .collect();
    let is_admin = signed.user.role == Role::Admin;
    let form = is_admin.then(|| {
        form.unwrap_or_else(|| {
            contact_form(
                &tr,
                action.clone(),
                [
                    &c.external_id,
                    c.name.as_deref().unwrap_or(""),
                    c.email.as_deref().unwrap_or(""),
                    c.lang.as_deref().unwrap_or(""),
                    &attributes,
                ],
                true,
            )
        })
    });
    let mut facts = vec![
        (tr.t("field-external-id"), c.external_id.clone()),
        (tr.t("field-email"), c.email.clone().unwrap_or_default()),
    ];
    if is_admin {
        facts.clear();
    } else {
        facts.extend(c.attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    html_page(
        status,
        RecordPage {
            tabs: tabs(signed, "contacts"),
            back_href: "/app/organisation/contacts".into(),
            back_label: tr.t("org-tab-contacts"),
            title: c.name.clone().unwrap_or_else(|| c.external_id.clone()),
            form,
            facts,
            delete: is_admin.then(|| DeleteBox {
                action: format!("{action}/delete"),
                label: tr.t("contact-delete"),
                explain: tr.t("contact-delete-explain"),
                error: None,
            }),
            notice: None,
            layout: Layout::new(signed, "organisation", "nav-organisation"),
        }
        .render(),
    )
}

pub async fn save_contact_page(
    State(app): State<AppState>,
    signed: Signed,
    Path(external_id): Path<String>,
    body: Bytes,
) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    let Ok(c) = app.store.contact(signed.org.id, &external_id).await else {
        return super::message(&signed, StatusCode::NOT_FOUND, "page-notfound");
    };
    match save_contact(&app, &signed, &fields, Some(c.clone())).await {
        Ok(Ok(id)) => Redirect::to(&format!(
            "/app/organisation/contacts?saved={}",
            urlencode(&id)
        ))
        .into_response(),
        Ok(Err(form)) => contact_view(&signed, &c, StatusCode::UNPROCESSABLE_ENTITY, Some(form)),
        Err(err) => server_error(err),
    }
}

pub async fn delete_contact(
    State(app): State<AppState>,
    signed: Signed,
    Path(external_id): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(refused) = signed.admin_form(&body) {
        return *refused;
    }
    match app
        .store
        .delete_contact(signed.org.id, &external_id, &signed.actor())
        .await
    {
        Ok(_) => Redirect::to(&format!(
            "/app/organisation/contacts?deleted={}",
            urlencode(&external_id)
        ))
        .into_response(),
        Err(StoreError::NotFound(_)) => {
            super::message(&signed, StatusCode::NOT_FOUND, "page-notfound")
        }
        Err(e) => server_error(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Channels and touchpoints (one page: few records, edited in place by key)

fn channel_form(tr: &Tr, values: [&str; 3]) -> RecordForm {
    let [key, name, kind] = values;
    RecordForm {
        action: "/app/organisation/channels".into(),
        title: tr.t("channel-new"),
        fields: vec![
            FieldView::text("key", tr.t("field-key"), key)
                .required()
                .hint(tr.t("field-key-hint")),
            FieldView::text("name", tr.t("field-name"), name).required(),
            FieldView::text("kind", tr.t("field-kind"), kind)
                .required()
                .hint(tr.t("field-kind-hint")),
        ],
        submit: tr.t("save"),
        has_errors: false,
    }
}

fn touchpoint_form(
    tr: &Tr,
    units: &[Unit],
    channels: &[tevreden_storage::Channel],
    values: [&str; 4],
) -> RecordForm {
    let [key, name, unit, channel] = values;
    let mut channel_options = vec![(String::new(), "–".to_string())];
    channel_options.extend(channels.iter().map(|c| (c.key.clone(), c.name.clone())));
    RecordForm {
        action: "/app/organisation/touchpoints".into(),
        title: tr.t("touchpoint-new"),
        fields: vec![
            FieldView::text("key", tr.t("field-key"), key)
                .required()
                .hint(tr.t("field-key-hint")),
            FieldView::text("name", tr.t("field-name"), name).required(),
            FieldView::text("unit", tr.t("field-owner"), unit)
                .required()
                .select(unit_options(units, tr, None)),
            FieldView::text("channel", tr.t("field-channel"), channel).select(channel_options),
        ],
        submit: tr.t("save"),
        has_errors: false,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TouchpointQuery {
    pub channel: Option<String>,
    pub touchpoint: Option<String>,
    pub saved: Option<String>,
}

pub async fn touchpoints(
    State(app): State<AppState>,
    signed: Signed,
    Query(q): Query<TouchpointQuery>,
) -> Response {
    touchpoints_page(&app, &signed, &q, StatusCode::OK, None, None).await
}

async fn touchpoints_page(
    app: &AppState,
    signed: &Signed,
    q: &TouchpointQuery,
    status: StatusCode,
    channel_form_in: Option<RecordForm>,
    touchpoint_form_in: Option<RecordForm>,
) -> Response {
    let tr = signed.tr();
    let (all, channels, touchpoints) = match (
        app.store.units(signed.org.id).await,
        app.store.channels(signed.org.id).await,
        app.store.touchpoints(signed.org.id).await,
    ) {
        (Ok(u), Ok(c), Ok(t)) => (u, c, t),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return server_error(e),
    };
    let visible = visible_units(&signed.user, all.clone());
    let is_admin = signed.user.role == Role::Admin;
    let channel_rows = channels
        .iter()
        .map(|c| Row {
            href: is_admin.then(|| {
                format!(
                    "/app/organisation/touchpoints?channel={}#add-form",
                    urlencode(&c.key)
                )
            }),
            cells: vec![c.name.clone(), c.key.clone(), c.kind.clone()],
            depth: 0,
            badge: None,
        })
        .collect();
    let touchpoint_rows = touchpoints
        .iter()
        .filter(|t| visible.iter().any(|u| u.id == t.unit_id))
        .map(|t| Row {
            href: is_admin.then(|| {
                format!(
                    "/app/organisation/touchpoints?touchpoint={}#second-form",
                    urlencode(&t.key)
                )
            }),
            cells: vec![
                t.name.clone(),
                t.key.clone(),
                all.iter()
                    .find(|u| u.id == t.unit_id)
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
                t.channel_id
                    .and_then(|c| channels.iter().find(|x| x.id == c))
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| "–".into()),
            ],
            depth: 0,
            badge: None,
        })
        .collect();
    let chosen_channel = q
        .channel
        .as_deref()
        .and_then(|k| channels.iter().find(|c| c.key == k));
    let chosen_touchpoint = q
        .touchpoint
        .as_deref()
        .and_then(|k| touchpoints.iter().find(|t| t.key == k));
    let channel_add = is_admin.then(|| {
        channel_form_in.unwrap_or_else(|| match chosen_channel {
            Some(c) => channel_form(&tr, [&c.key, &c.name, &c.kind]),
            None => channel_form(&tr, ["", "", ""]),
        })
    });
    let touchpoint_add = is_admin.then(|| {
        touchpoint_form_in.unwrap_or_else(|| match chosen_touchpoint {
            Some(t) => {
                let unit = all
                    .iter()
                    .find(|u| u.id == t.unit_id)
                    .map(|u| u.external_id.clone())
                    .unwrap_or_default();
                let channel = t
                    .channel_id
                    .and_then(|c| channels.iter().find(|x| x.id == c))
                    .map(|c| c.key.clone())
                    .unwrap_or_default();
                touchpoint_form(&tr, &all, &channels, [&t.key, &t.name, &unit, &channel])
            }
            None => touchpoint_form(&tr, &all, &channels, ["", "", "", ""]),
        })
    });
    html_page(
        status,
        RecordsPage {
            tabs: tabs(signed, "touchpoints"),
            title: tr.t("org-tab-channels"),
            lead: Some(tr.t("touchpoints-lead")),
            notice: q
                .saved
                .clone()
                .map(|n| tr.t_args("rec-saved", &[("what", n)])),
            search: None,
            columns: ["field-name", "field-key", "field-kind"]
                .iter()
                .map(|k| Column { label: tr.t(k) })
                .collect(),
            rows: channel_rows,
            empty: tr.t("rec-none"),
            next_href: None,
            add_form: channel_add,
            second: Some(Section {
                title: tr.t("org-tab-touchpoints"),
                columns: ["field-name", "field-key", "field-owner", "field-channel"]
                    .iter()
                    .map(|k| Column { label: tr.t(k) })
                    .collect(),
                rows: touchpoint_rows,
                empty: tr.t("rec-none"),
                add_form: touchpoint_add,
            }),
            layout: Layout::new(signed, "organisation", "nav-organisation"),
        }
        .render(),
    )
}

fn key_ok(key: &str) -> bool {
    tevreden_domain::ExternalId::parse(key).is_ok()
}

pub async fn save_channel(State(app): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    let tr = signed.tr();
    let key = first(&fields, "key").trim().to_string();
    let name = first(&fields, "name").trim().to_string();
    let kind = first(&fields, "kind").trim().to_string();
    let mut errors = Vec::new();
    if !key_ok(&key) {
        errors.push(err_at("key", tr.t("rec-error-key")));
    }
    for (field, value) in [("name", &name), ("kind", &kind)] {
        if value.is_empty() || value.chars().count() > 200 {
            errors.push(err_at(field, tr.t("rec-error-empty")));
        }
    }
    if !errors.is_empty() {
        let form = channel_form(&tr, [&key, &name, &kind]).with_errors(&errors);
        return touchpoints_page(
            &app,
            &signed,
            &TouchpointQuery::default(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(form),
            None,
        )
        .await;
    }
    match app
        .store
        .save_channel(signed.org.id, &key, &name, &kind, &signed.actor())
        .await
    {
        Ok(_) => Redirect::to(&format!(
            "/app/organisation/touchpoints?saved={}",
            urlencode(&key)
        ))
        .into_response(),
        Err(e) => server_error(e),
    }
}

fn err_at(column: &str, message: String) -> FieldProblem {
    FieldProblem {
        column: column.into(),
        message,
    }
}

pub async fn save_touchpoint(State(app): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    let tr = signed.tr();
    let key = first(&fields, "key").trim().to_string();
    let name = first(&fields, "name").trim().to_string();
    let unit = first(&fields, "unit").trim().to_string();
    let channel = first(&fields, "channel").trim().to_string();
    let (units, channels) = match (
        app.store.units(signed.org.id).await,
        app.store.channels(signed.org.id).await,
    ) {
        (Ok(u), Ok(c)) => (u, c),
        (Err(e), _) | (_, Err(e)) => return server_error(e),
    };
    let mut errors = Vec::new();
    if !key_ok(&key) {
        errors.push(err_at("key", tr.t("rec-error-key")));
    }
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(err_at("name", tr.t("rec-error-empty")));
    }
    let unit_id = units.iter().find(|u| u.external_id == unit).map(|u| u.id);
    if unit_id.is_none() {
        errors.push(err_at("unit", tr.t("rec-error-unknown")));
    }
    let channel_id = if channel.is_empty() {
        None
    } else {
        match channels.iter().find(|c| c.key == channel) {
            Some(c) => Some(c.id),
            None => {
                errors.push(err_at("channel", tr.t("rec-error-unknown")));
                None
            }
        }
    };
    let Some(unit_id) = unit_id.filter(|_| errors.is_empty()) else {
        let form = touchpoint_form(&tr, &units, &channels, [&key, &name, &unit, &channel])
            .with_errors(&errors);
        return touchpoints_page(
            &app,
            &signed,
            &TouchpointQuery::default(),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(form),
        )
        .await;
    };
    match app
        .store
        .save_touchpoint(
            signed.org.id,
            &key,
            &name,
            unit_id,
            channel_id,
            &signed.actor(),
        )
        .await
    {
        Ok(_) => Redirect::to(&format!(
            "/app/organisation/touchpoints?saved={}",
            urlencode(&key)
        ))
        .into_response(),
        Err(e) => server_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_attributes;

    #[test]
    fn attribute_lines_become_columns_and_bad_lines_are_named() {
        assert_eq!(
            parse_attributes("segment = zakelijk\n\nRegio: Noord\n").unwrap(),
            vec![
                ("segment".to_string(), "zakelijk".to_string()),
                ("regio".to_string(), "Noord".to_string())
            ]
        );
        assert_eq!(
            parse_attributes("no separator").unwrap_err(),
            "no separator"
        );
        assert_eq!(
            parse_attributes("email = x@y.nl").unwrap_err(),
            "email = x@y.nl"
        );
        assert_eq!(parse_attributes("sp ace = 1").unwrap_err(), "sp ace = 1");
    }
}
