//! The organisation under `/api/v1`: units, employees, contacts, channels and touchpoints.
//!
//! Records are addressed by the organisation's own keys (external ids for units, employees and
//! contacts; keys for channels and touchpoints) and written with `PUT` (create or replace, the
//! natural shape for syncing from an HR or CRM system). Units, employees and contacts are
//! checked by the same rules as an import file, so a row the importer refuses is refused here
//! with the same message. Every write is in the audit log, in the write's own transaction.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tevreden_domain::Lang;
use tevreden_domain::import::RowError;
use tevreden_storage::{
    Channel, Contact, Employee, EmployeeFilter, ImportFileKind, RecordOutcome, Role, Touchpoint,
    Unit,
};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{ApiJson, ApiLang, ApiPath, ApiQuery, PageAsk};
use super::{ApiAuth, iso};
use crate::AppState;
use crate::error::{ApiError, FieldError};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_units))
        .routes(routes!(get_unit, put_unit, delete_unit))
        .routes(routes!(list_employees))
        .routes(routes!(get_employee, put_employee, delete_employee))
        .routes(routes!(list_contacts))
        .routes(routes!(get_contact, put_contact, delete_contact))
        .routes(routes!(list_channels))
        .routes(routes!(get_channel, put_channel))
        .routes(routes!(list_touchpoints))
        .routes(routes!(get_touchpoint, put_touchpoint))
}

// ---------------------------------------------------------------------------------------------
// Access

impl ApiAuth {
    /// Changing the organisation's structure needs an admin token without a unit scope.
    pub(crate) fn require_org_admin(&self, what: &str) -> Result<(), ApiError> {
        if self.0.role == Role::Admin && self.0.unit_id.is_none() {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{what} needs an admin token without a unit scope"
            )))
        }
    }
}

/// The import rules' refusals as field errors: each with its `code`, the message in `lang`.
fn row_errors(errors: Vec<RowError>, renames: &[(&str, &str)], lang: &Lang) -> ApiError {
    ApiError::validation(
        errors
            .into_iter()
            .map(|e| FieldError {
                message: crate::i18n::import_problem(lang, &e.problem),
                code: Some(e.problem.code().to_string()),
                path: renames
                    .iter()
                    .find(|(from, _)| *from == e.column)
                    .map(|(_, to)| to.to_string())
                    .unwrap_or(e.column),
            })
            .collect(),
    )
}

/// Writes one record by the import rules (see `Store::save_record`); refusals are `422` with
/// the columns as field paths. Returns whether the record was created.
async fn save_one(
    app: &AppState,
    auth: &ApiAuth,
    lang: &Lang,
    kind: ImportFileKind,
    headers: &[&str],
    cells: Vec<String>,
    renames: &[(&str, &str)],
) -> Result<bool, ApiError> {
    match app
        .store
        .save_record(auth.0.org_id, kind, headers, cells, &auth.actor())
        .await?
    {
        RecordOutcome::Saved { created } => Ok(created),
        RecordOutcome::Refused(errors) => Err(row_errors(errors, renames, lang)),
    }
}

fn created_or_ok<T: Serialize>(created: bool, body: T) -> Response {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, Json(body)).into_response()
}

// ---------------------------------------------------------------------------------------------
// Units

/// A unit of the organisation (department, team, branch).
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitOut {
    /// The organisation's own id of the unit.
    pub external_id: String,
    pub name: String,
    /// External id of the parent unit; `null` for a top unit.
    pub parent: Option<String>,
    /// `front` (customer contact) or `back` office.
    pub office: String,
}

fn unit_out(u: &Unit, all: &[Unit]) -> UnitOut {
    UnitOut {
        external_id: u.external_id.clone(),
        name: u.name.clone(),
        parent: u
            .parent_id
            .and_then(|p| all.iter().find(|x| x.id == p))
            .map(|p| p.external_id.clone()),
        office: u.office.as_str().to_string(),
    }
}

/// A unit as written with `PUT`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitIn {
    pub name: String,
    /// External id of the parent unit; leave out or `null` for a top unit.
    #[serde(default)]
    pub parent: Option<String>,
    /// `front` or `back`.
    pub office: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitPage {
    pub items: Vec<UnitOut>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// Only the units under this unit (its whole subtree, itself included).
    pub under: Option<String>,
    /// Only `front` or `back` office units.
    pub office: Option<String>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List units
///
/// Units the token may see (its unit scope), in creation order, with filters.
#[utoipa::path(get, path = "/units", tag = "organisation", params(UnitQuery),
    responses((status = 200, description = "A page of units", body = UnitPage)))]
async fn list_units(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> Result<Json<UnitPage>, ApiError> {
    let ask = PageAsk::parse(q.cursor.as_deref(), q.limit)?;
    let all = app.store.units(auth.0.org_id).await?;
    let visible = match auth.unit_scope(&app).await? {
        None => all.clone(),
        Some(units) => units,
    };
    let office = match q.office.as_deref() {
        None | Some("") => None,
        Some(o) => Some(
            tevreden_domain::import::Office::parse(o)
                .ok_or_else(|| ApiError::field("office", "must be `front` or `back`"))?,
        ),
    };
    let under = match q.under.as_deref() {
        None | Some("") => None,
        Some(ext) => Some(
            visible
                .iter()
                .find(|u| u.external_id == ext)
                .map(|u| u.path.clone())
                .ok_or_else(|| ApiError::not_found(format!("unit `{ext}`")))?,
        ),
    };
    let chosen: Vec<Unit> = visible
        .into_iter()
        .filter(|u| office.is_none_or(|o| u.office == o))
        .filter(|u| {
            under
                .as_ref()
                .is_none_or(|p| u.path.starts_with(p.as_str()))
        })
        .collect();
    let (page, next_cursor) = ask.cut(chosen, |u| u.id);
    Ok(Json(UnitPage {
        items: page.iter().map(|u| unit_out(u, &all)).collect(),
        next_cursor,
    }))
}

async fn visible_unit(app: &AppState, auth: &ApiAuth, external_id: &str) -> Result<Unit, ApiError> {
    let found = match auth.unit_scope(app).await? {
        None => app.store.unit(auth.0.org_id, external_id).await.ok(),
        Some(units) => units.into_iter().find(|u| u.external_id == external_id),
    };
    found.ok_or_else(|| ApiError::not_found(format!("unit `{external_id}`")))
}

/// Get a unit
#[utoipa::path(get, path = "/units/{external_id}", tag = "organisation",
    params(("external_id" = String, Path, description = "The unit's external id", example = "KS")),
    responses((status = 200, description = "The unit", body = UnitOut)))]
async fn get_unit(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(external_id): ApiPath<String>,
) -> Result<Json<UnitOut>, ApiError> {
    let unit = visible_unit(&app, &auth, &external_id).await?;
    let all = app.store.units(auth.0.org_id).await?;
    Ok(Json(unit_out(&unit, &all)))
}

/// Create or replace a unit
///
/// Moving a unit (a new `parent`) moves its whole subtree; a move that would make a unit its
/// own ancestor is refused.
#[utoipa::path(put, path = "/units/{external_id}", tag = "organisation",
    params(("external_id" = String, Path, description = "The unit's external id", example = "KS")),
    request_body = UnitIn,
    responses((status = 200, description = "Replaced", body = UnitOut),
              (status = 201, description = "Created", body = UnitOut)))]
async fn put_unit(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiLang(lang): ApiLang,
    ApiPath(external_id): ApiPath<String>,
    ApiJson(body): ApiJson<UnitIn>,
) -> Result<Response, ApiError> {
    auth.require_org_admin("changing units")?;
    let created = save_one(
        &app,
        &auth,
        &lang,
        ImportFileKind::Units,
        &["external_id", "name", "parent", "office"],
        vec![
            external_id.clone(),
            body.name,
            body.parent.unwrap_or_default(),
            body.office,
        ],
        &[],
    )
    .await?;
    let all = app.store.units(auth.0.org_id).await?;
    let unit = all
        .iter()
        .find(|u| u.external_id == external_id)
        .ok_or_else(ApiError::internal)?;
    Ok(created_or_ok(created, unit_out(unit, &all)))
}

/// Delete a unit
///
/// Only a unit nothing refers to (no sub-units, employees, touchpoints, responses,
/// invitations, users or tokens) can be deleted; otherwise `409` says what still uses it.
#[utoipa::path(delete, path = "/units/{external_id}", tag = "organisation",
    params(("external_id" = String, Path, description = "The unit's external id", example = "KS")),
    responses((status = 204, description = "Deleted")))]
async fn delete_unit(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(external_id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    auth.require_org_admin("deleting units")?;
    app.store
        .delete_unit(auth.0.org_id, &external_id, &auth.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Employees

/// An employee, placed in one unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeOut {
    pub external_id: String,
    pub name: String,
    pub email: Option<String>,
    /// External id of the employee's unit.
    pub unit: String,
    pub role: Option<String>,
    /// Whether the employee has direct customer contact.
    pub customer_facing: bool,
    pub updated_at: String,
}

fn employee_out(e: Employee) -> EmployeeOut {
    EmployeeOut {
        external_id: e.external_id,
        name: e.name,
        email: e.email,
        unit: e.unit,
        role: e.role,
        customer_facing: e.customer_facing,
        updated_at: iso(e.updated_at),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeeIn {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    /// External id of the unit.
    pub unit: String,
    #[serde(default)]
    pub role: Option<String>,
    pub customer_facing: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeePage {
    pub items: Vec<EmployeeOut>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmployeeQuery {
    /// Only employees of this unit and the units under it.
    pub unit: Option<String>,
    /// Text in the name, email or external id.
    pub q: Option<String>,
    pub customer_facing: Option<bool>,
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List employees
///
/// Admins and managers; a scoped token sees the employees of its units.
#[utoipa::path(get, path = "/employees", tag = "organisation", params(EmployeeQuery),
    responses((status = 200, description = "A page of employees", body = EmployeePage)))]
async fn list_employees(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<EmployeeQuery>,
) -> Result<Json<EmployeePage>, ApiError> {
    auth.require(&[Role::Admin, Role::Manager], "reading employees")?;
    let ask = PageAsk::parse(q.cursor.as_deref(), q.limit)?;
    let units = auth.units_filter(&app, q.unit.as_deref()).await?;
    let filter = EmployeeFilter {
        units: units.as_deref(),
        query: q.q.as_deref().filter(|s| !s.trim().is_empty()),
        customer_facing: q.customer_facing,
    };
    let page = app
        .store
        .employees_page(auth.0.org_id, &filter, ask.after, ask.limit)
        .await?;
    let next_cursor = ask.next_after(&page, |e| e.id);
    Ok(Json(EmployeePage {
        items: page.into_iter().map(employee_out).collect(),
        next_cursor,
    }))
}

async fn visible_employee(
    app: &AppState,
    auth: &ApiAuth,
    external_id: &str,
) -> Result<Employee, ApiError> {
    auth.require(&[Role::Admin, Role::Manager], "reading employees")?;
    let e = app.store.employee(auth.0.org_id, external_id).await?;
    if let Some(scope) = auth.unit_scope_ids(app).await?
        && !scope.contains(&e.unit_id)
    {
        return Err(ApiError::not_found(format!("employee `{external_id}`")));
    }
    Ok(e)
}

/// Get an employee
#[utoipa::path(get, path = "/employees/{external_id}", tag = "organisation",
    params(("external_id" = String, Path, description = "The employee's external id", example = "E0010")),
    responses((status = 200, description = "The employee", body = EmployeeOut)))]
async fn get_employee(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(external_id): ApiPath<String>,
) -> Result<Json<EmployeeOut>, ApiError> {
    Ok(Json(employee_out(
        visible_employee(&app, &auth, &external_id).await?,
    )))
}

/// Create or replace an employee
#[utoipa::path(put, path = "/employees/{external_id}", tag = "organisation",
    params(("external_id" = String, Path, description = "The employee's external id", example = "E0010")),
    request_body = EmployeeIn,
    responses((status = 200, description = "Replaced", body = EmployeeOut),
              (status = 201, description = "Created", body = EmployeeOut)))]
async fn put_employee(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiLang(lang): ApiLang,
    ApiPath(external_id): ApiPath<String>,
    ApiJson(body): ApiJson<EmployeeIn>,
) -> Result<Response, ApiError> {
    auth.require_org_admin("changing employees")?;
    let created = save_one(
        &app,
        &auth,
        &lang,
        ImportFileKind::Employees,
        &[
            "external_id",
            "name",
            "email",
            "unit",
            "role",
            "customer_facing",
        ],
        vec![
            external_id.clone(),
            body.name,
            body.email.unwrap_or_default(),
            body.unit,
            body.role.unwrap_or_default(),
            if body.customer_facing { "yes" } else { "no" }.into(),
        ],
        &[],
    )
    .await?;
    let saved = app.store.employee(auth.0.org_id, &external_id).await?;
    Ok(created_or_ok(created, employee_out(saved)))
}

/// Delete an employee
///
/// Responses that named the employee keep their answers and lose the link.
#[utoipa::path(delete, path = "/employees/{external_id}", tag = "organisation",
    params(("external_id" = String, Path, description = "The employee's external id", example = "E0010")),
    responses((status = 204, description = "Deleted")))]
async fn delete_employee(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(external_id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    auth.require_org_admin("deleting employees")?;
    app.store
        .delete_employee(auth.0.org_id, &external_id, &auth.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Contacts

/// A customer contact: who answered, or whom to invite.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactOut {
    pub external_id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    /// Preferred language (`nl`, `en`, …).
    pub lang: Option<String>,
    /// Free attributes for segmentation, e.g. `segment`, `region`.
    pub attributes: BTreeMap<String, String>,
    pub updated_at: String,
}

fn contact_out(c: Contact) -> ContactOut {
    ContactOut {
        external_id: c.external_id,
        email: c.email,
        name: c.name,
        lang: c.lang,
        attributes: c.attributes,
        updated_at: iso(c.updated_at),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
    /// Keys of lower-case letters, digits and `_`; values up to 500 characters.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactPage {
    pub items: Vec<ContactOut>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// Text in the name, email or external id.
    pub q: Option<String>,
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Column names an attribute may not take: they mean something to the contact importer.
const RESERVED_CONTACT_COLUMNS: &[&str] = &[
    "external_id",
    "id",
    "customer_id",
    "klantnummer",
    "email",
    "e_mail",
    "mail",
    "name",
    "naam",
    "lang",
    "language",
    "taal",
];

/// List contacts
///
/// Admins and managers. A token bound to a unit (and a manager token without one, which sees
/// no units) lists only the contacts who answered or were invited in its units.
#[utoipa::path(get, path = "/contacts", tag = "organisation", params(ContactQuery),
    responses((status = 200, description = "A page of contacts", body = ContactPage)))]
async fn list_contacts(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> Result<Json<ContactPage>, ApiError> {
    auth.require(&[Role::Admin, Role::Manager], "reading contacts")?;
    let ask = PageAsk::parse(q.cursor.as_deref(), q.limit)?;
    let page = app
        .store
        .contacts_page(
            auth.0.org_id,
            q.q.as_deref().filter(|s| !s.trim().is_empty()),
            auth.unit_scope_ids(&app).await?.as_deref(),
            ask.after,
            ask.limit,
        )
        .await?;
    let next_cursor = ask.next_after(&page, |c| c.id);
    Ok(Json(ContactPage {
        items: page.into_iter().map(contact_out).collect(),
        next_cursor,
    }))
}

/// Get a contact
#[utoipa::path(get, path = "/contacts/{external_id}", tag = "organisation",
    params(("external_id" = String, Path, description = "The contact's external id", example = "K00001")),
    responses((status = 200, description = "The contact", body = ContactOut)))]
async fn get_contact(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(external_id): ApiPath<String>,
) -> Result<Json<ContactOut>, ApiError> {
    auth.require(&[Role::Admin, Role::Manager], "reading contacts")?;
    let scope = auth.unit_scope_ids(&app).await?;
    Ok(Json(contact_out(
        app.store
            .contact_in(auth.0.org_id, &external_id, scope.as_deref())
            .await?,
    )))
}

/// Create or replace a contact
#[utoipa::path(put, path = "/contacts/{external_id}", tag = "organisation",
    params(("external_id" = String, Path, description = "The contact's external id", example = "K00001")),
    request_body = ContactIn,
    responses((status = 200, description = "Replaced", body = ContactOut),
              (status = 201, description = "Created", body = ContactOut)))]
async fn put_contact(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiLang(lang): ApiLang,
    ApiPath(external_id): ApiPath<String>,
    ApiJson(body): ApiJson<ContactIn>,
) -> Result<Response, ApiError> {
    auth.require_org_admin("changing contacts")?;
    let org_id = auth.0.org_id;
    let mut errors = Vec::new();
    for key in body.attributes.keys() {
        let well_formed = !key.is_empty()
            && key.len() <= 50
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !well_formed {
            errors.push(FieldError {
                path: format!("attributes.{key}"),
                message: "keys are 1–50 lower-case letters, digits or `_`".into(),
                code: None,
            });
        } else if RESERVED_CONTACT_COLUMNS.contains(&key.as_str()) {
            errors.push(FieldError {
                path: format!("attributes.{key}"),
                message: "is a contact field, not an attribute".into(),
                code: None,
            });
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut headers: Vec<&str> = vec!["external_id", "email", "name", "lang"];
    let mut cells = vec![
        external_id.clone(),
        body.email.unwrap_or_default(),
        body.name.unwrap_or_default(),
        body.lang.unwrap_or_default(),
    ];
    for (k, v) in &body.attributes {
        headers.push(k.as_str());
        cells.push(v.clone());
    }
    let renames: Vec<(String, String)> = body
        .attributes
        .keys()
        .map(|k| (k.clone(), format!("attributes.{k}")))
        .collect();
    let renames: Vec<(&str, &str)> = renames
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let created = save_one(
        &app,
        &auth,
        &lang,
        ImportFileKind::Contacts,
        &headers,
        cells,
        &renames,
    )
    .await?;
    let saved = app.store.contact(org_id, &external_id).await?;
    Ok(created_or_ok(created, contact_out(saved)))
}

/// Erase a contact
///
/// The customer's record is removed (the right to be forgotten); their responses stay, no
/// longer linked to them.
#[utoipa::path(delete, path = "/contacts/{external_id}", tag = "organisation",
    params(("external_id" = String, Path, description = "The contact's external id", example = "K00001")),
    responses((status = 204, description = "Erased")))]
async fn delete_contact(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(external_id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    auth.require_org_admin("erasing contacts")?;
    app.store
        .delete_contact(auth.0.org_id, &external_id, &auth.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Channels

/// A way customers reach the organisation (phone, email, chat, counter, …).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelOut {
    pub key: String,
    pub name: String,
    /// Free classification, e.g. `phone`, `digital`, `in_person`.
    pub kind: String,
}

fn channel_out(c: Channel) -> ChannelOut {
    ChannelOut {
        key: c.key,
        name: c.name,
        kind: c.kind,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelIn {
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelPage {
    pub items: Vec<ChannelOut>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List channels
#[utoipa::path(get, path = "/channels", tag = "organisation", params(PageQuery),
    responses((status = 200, description = "A page of channels", body = ChannelPage)))]
async fn list_channels(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ChannelPage>, ApiError> {
    let ask = PageAsk::parse(q.cursor.as_deref(), q.limit)?;
    let (page, next_cursor) = ask.cut(app.store.channels(auth.0.org_id).await?, |c| c.id);
    Ok(Json(ChannelPage {
        items: page.into_iter().map(channel_out).collect(),
        next_cursor,
    }))
}

/// Get a channel
#[utoipa::path(get, path = "/channels/{key}", tag = "organisation",
    params(("key" = String, Path, description = "The channel's key", example = "phone")),
    responses((status = 200, description = "The channel", body = ChannelOut)))]
async fn get_channel(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<ChannelOut>, ApiError> {
    Ok(Json(channel_out(
        app.store.channel(auth.0.org_id, &key).await?,
    )))
}

/// Checks a key (channel, touchpoint) by the rules of external ids.
pub(crate) fn check_key(path: &str, key: &str) -> Result<(), ApiError> {
    if tevreden_domain::ExternalId::parse(key).is_err() {
        return Err(ApiError::field(
            path,
            "must be 1–100 letters, digits and . _ - : @ /",
        ));
    }
    Ok(())
}

fn check_name(path: &str, name: &str, errors: &mut Vec<FieldError>) {
    let n = name.trim().chars().count();
    if n == 0 || n > 200 {
        errors.push(FieldError {
            path: path.into(),
            message: "must be 1 to 200 characters".into(),
            code: None,
        });
    }
}

/// Create or replace a channel
#[utoipa::path(put, path = "/channels/{key}", tag = "organisation",
    params(("key" = String, Path, description = "The channel's key", example = "phone")),
    request_body = ChannelIn,
    responses((status = 200, description = "Replaced", body = ChannelOut),
              (status = 201, description = "Created", body = ChannelOut)))]
async fn put_channel(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<ChannelIn>,
) -> Result<Response, ApiError> {
    auth.require_org_admin("changing channels")?;
    check_key("key", &key)?;
    let mut errors = Vec::new();
    check_name("name", &body.name, &mut errors);
    check_name("kind", &body.kind, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (channel, created) = app
        .store
        .save_channel(
            auth.0.org_id,
            &key,
            body.name.trim(),
            body.kind.trim(),
            &auth.actor(),
        )
        .await?;
    Ok(created_or_ok(created, channel_out(channel)))
}

// ---------------------------------------------------------------------------------------------
// Touchpoints

/// A moment of contact in a customer journey, owned by one unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct TouchpointOut {
    pub key: String,
    pub name: String,
    /// External id of the owning unit.
    pub unit: String,
    /// Key of the channel, if the touchpoint happens on one.
    pub channel: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TouchpointIn {
    pub name: String,
    /// External id of the owning unit.
    pub unit: String,
    #[serde(default)]
    pub channel: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TouchpointPage {
    pub items: Vec<TouchpointOut>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TouchpointQuery {
    /// Only touchpoints owned by this unit or a unit under it.
    pub unit: Option<String>,
    /// Only touchpoints on this channel.
    pub channel: Option<String>,
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

async fn touchpoint_out(
    app: &AppState,
    org_id: i64,
    t: Touchpoint,
) -> Result<TouchpointOut, ApiError> {
    let units = app.store.units(org_id).await?;
    let channels = app.store.channels(org_id).await?;
    Ok(touchpoint_with(&t, &units, &channels))
}

fn touchpoint_with(t: &Touchpoint, units: &[Unit], channels: &[Channel]) -> TouchpointOut {
    TouchpointOut {
        key: t.key.clone(),
        name: t.name.clone(),
        unit: units
            .iter()
            .find(|u| u.id == t.unit_id)
            .map(|u| u.external_id.clone())
            .unwrap_or_default(),
        channel: t
            .channel_id
            .and_then(|c| channels.iter().find(|x| x.id == c))
            .map(|c| c.key.clone()),
    }
}

/// List touchpoints
///
/// A scoped token sees the touchpoints of its units.
#[utoipa::path(get, path = "/touchpoints", tag = "organisation", params(TouchpointQuery),
    responses((status = 200, description = "A page of touchpoints", body = TouchpointPage)))]
async fn list_touchpoints(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<TouchpointQuery>,
) -> Result<Json<TouchpointPage>, ApiError> {
    let ask = PageAsk::parse(q.cursor.as_deref(), q.limit)?;
    let org_id = auth.0.org_id;
    let units = app.store.units(org_id).await?;
    let channels = app.store.channels(org_id).await?;
    let scope = auth.unit_scope_ids(&app).await?;
    let under = match q.unit.as_deref().filter(|u| !u.is_empty()) {
        Some(ext) => Some(visible_unit(&app, &auth, ext).await?.path),
        None => None,
    };
    let channel = match q.channel.as_deref().filter(|c| !c.is_empty()) {
        Some(key) => Some(
            channels
                .iter()
                .find(|c| c.key == key)
                .map(|c| c.id)
                .ok_or_else(|| ApiError::not_found(format!("channel `{key}`")))?,
        ),
        None => None,
    };
    let chosen: Vec<Touchpoint> = app
        .store
        .touchpoints(org_id)
        .await?
        .into_iter()
        .filter(|t| scope.as_ref().is_none_or(|s| s.contains(&t.unit_id)))
        .filter(|t| channel.is_none_or(|c| t.channel_id == Some(c)))
        .filter(|t| {
            under.as_ref().is_none_or(|p| {
                units
                    .iter()
                    .any(|u| u.id == t.unit_id && u.path.starts_with(p.as_str()))
            })
        })
        .collect();
    let (page, next_cursor) = ask.cut(chosen, |t| t.id);
    Ok(Json(TouchpointPage {
        items: page
            .iter()
            .map(|t| touchpoint_with(t, &units, &channels))
            .collect(),
        next_cursor,
    }))
}

/// Get a touchpoint
#[utoipa::path(get, path = "/touchpoints/{key}", tag = "organisation",
    params(("key" = String, Path, description = "The touchpoint's key", example = "tel-service")),
    responses((status = 200, description = "The touchpoint", body = TouchpointOut)))]
async fn get_touchpoint(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<TouchpointOut>, ApiError> {
    let t = app.store.touchpoint(auth.0.org_id, &key).await?;
    if let Some(scope) = auth.unit_scope_ids(&app).await?
        && !scope.contains(&t.unit_id)
    {
        return Err(ApiError::not_found(format!("touchpoint `{key}`")));
    }
    Ok(Json(touchpoint_out(&app, auth.0.org_id, t).await?))
}

/// Create or replace a touchpoint
#[utoipa::path(put, path = "/touchpoints/{key}", tag = "organisation",
    params(("key" = String, Path, description = "The touchpoint's key", example = "tel-service")),
    request_body = TouchpointIn,
    responses((status = 200, description = "Replaced", body = TouchpointOut),
              (status = 201, description = "Created", body = TouchpointOut)))]
async fn put_touchpoint(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<TouchpointIn>,
) -> Result<Response, ApiError> {
    auth.require_org_admin("changing touchpoints")?;
    check_key("key", &key)?;
    let org_id = auth.0.org_id;
    let mut errors = Vec::new();
    check_name("name", &body.name, &mut errors);
    let unit = app.store.unit(org_id, &body.unit).await.ok();
    if unit.is_none() {
        errors.push(FieldError {
            path: "unit".into(),
            message: format!("unit `{}` does not exist", body.unit),
            code: None,
        });
    }
    let channel = match body.channel.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(key) => match app.store.channel(org_id, key).await {
            Ok(c) => Some(c.id),
            Err(_) => {
                errors.push(FieldError {
                    path: "channel".into(),
                    message: format!("channel `{key}` does not exist"),
                    code: None,
                });
                None
            }
        },
    };
    let Some(unit) = unit.filter(|_| errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let (t, created) = app
        .store
        .save_touchpoint(
            org_id,
            &key,
            body.name.trim(),
            unit.id,
            channel,
            &auth.actor(),
        )
        .await?;
    Ok(created_or_ok(
        created,
        touchpoint_out(&app, org_id, t).await?,
    ))
}
