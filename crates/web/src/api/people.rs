//! Users, API tokens and the audit log under `/api/v1` (admin tokens only).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tevreden_domain::Lang;
use tevreden_storage::{NewUser, Role, StoreError, TokenInfo, Unit, User};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{ApiJson, ApiPath, ApiQuery, PageAsk};
use super::{ApiAuth, iso};
use crate::AppState;
use crate::error::{ApiError, FieldError};
use crate::i18n::Tr;
use crate::shared::{
    AuditOut, INVITE_LINK_MS, Invitation, audit_out, decode_cursor, encode_cursor,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, invite_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(audit_log))
}

/// The role of a user or token.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    Admin,
    Manager,
    Member,
}

impl From<Role> for RoleName {
    fn from(r: Role) -> RoleName {
        match r {
            Role::Admin => RoleName::Admin,
            Role::Manager => RoleName::Manager,
            Role::Member => RoleName::Member,
        }
    }
}

impl From<RoleName> for Role {
    fn from(r: RoleName) -> Role {
        match r {
            RoleName::Admin => Role::Admin,
            RoleName::Manager => Role::Manager,
            RoleName::Member => Role::Member,
        }
    }
}

/// A user of the admin app.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: RoleName,
    /// External ids of the units a manager or member is scoped to.
    pub units: Vec<String>,
    /// `active`, `invited` (no password chosen yet), `locked` (too many failed sign-ins) or
    /// `disabled`.
    pub status: String,
    /// The chosen UI language; `null` follows the browser.
    pub lang: Option<String>,
    pub last_login_at: Option<String>,
    pub created_at: String,
}

fn user_out(u: &User, units: &[Unit]) -> UserOut {
    let now = tevreden_storage::now_ms();
    let status = if u.disabled_at.is_some() {
        "disabled"
    } else if u.locked_until.is_some_and(|t| t > now) {
        "locked"
    } else if !u.has_password {
        "invited"
    } else {
        "active"
    };
    UserOut {
        id: u.id,
        email: u.email.clone(),
        name: u.name.clone(),
        role: u.role.into(),
        units: u
            .unit_ids
            .iter()
            .filter_map(|id| units.iter().find(|x| x.id == *id))
            .map(|x| x.external_id.clone())
            .collect(),
        status: status.into(),
        lang: u.lang.clone(),
        last_login_at: u.last_login_at.map(iso),
        created_at: iso(u.created_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserOut>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only users with this role.
    pub role: Option<RoleName>,
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List users
#[utoipa::path(get, path = "/users", tag = "people", params(UserQuery),
    responses((status = 200, description = "A page of users", body = UserPage)))]
async fn list_users(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> Result<Json<UserPage>, ApiError> {
    auth.require_org_admin("reading users")?;
    let ask = PageAsk::parse(q.cursor.as_deref(), q.limit)?;
    let units = app.store.units(auth.0.org_id).await?;
    let users: Vec<User> = app
        .store
        .users(auth.0.org_id)
        .await?
        .into_iter()
        .filter(|u| q.role.is_none_or(|r| Role::from(r) == u.role))
        .collect();
    let (page, next_cursor) = ask.cut(users, |u| u.id);
    Ok(Json(UserPage {
        items: page.iter().map(|u| user_out(u, &units)).collect(),
        next_cursor,
    }))
}

/// A new user, invited by email to choose a password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    pub email: String,
    pub name: String,
    pub role: RoleName,
    /// External ids of the units (required for managers and members).
    #[serde(default)]
    pub units: Vec<String>,
    /// Language of the invitation email (`nl` or `en`, default `nl`).
    #[serde(default)]
    pub lang: Option<String>,
}

fn unit_ids(names: &[String], units: &[Unit], errors: &mut Vec<FieldError>) -> Vec<i64> {
    let mut ids = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match units.iter().find(|u| &u.external_id == name) {
            Some(u) => ids.push(u.id),
            None => errors.push(FieldError {
                path: format!("units.{i}"),
                message: format!("unit `{name}` does not exist"),
                code: None,
            }),
        }
    }
    ids
}

/// Invite a user
///
/// Creates the account and, in the same transaction, the invitation email with a link valid
/// for seven days.
#[utoipa::path(post, path = "/users", tag = "people", request_body = UserIn,
    responses((status = 201, description = "Invited", body = UserOut)))]
async fn invite_user(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiJson(body): ApiJson<UserIn>,
) -> Result<Response, ApiError> {
    auth.require_org_admin("inviting users")?;
    let org = app.store.org_by_id(auth.0.org_id).await?;
    let units = app.store.units(org.id).await?;
    let mut errors = Vec::new();
    let email = body.email.trim().to_lowercase();
    if !tevreden_domain::import::plausible_email(&email) || email.len() > 254 {
        errors.push(FieldError {
            path: "email".into(),
            message: "is not an email address".into(),
            code: None,
        });
    }
    let name = body.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError {
            path: "name".into(),
            message: "must be 1 to 200 characters".into(),
            code: None,
        });
    }
    let role: Role = body.role.into();
    let ids = unit_ids(&body.units, &units, &mut errors);
    if role != Role::Admin && body.units.is_empty() {
        errors.push(FieldError {
            path: "units".into(),
            message: "managers and members need at least one unit".into(),
            code: None,
        });
    }
    let lang = match body.lang.as_deref() {
        None => Lang::parse("nl").map_err(|_| ApiError::internal())?,
        Some(l) => match Lang::parse(l) {
            Ok(l) if ["nl", "en"].contains(&l.primary()) => l,
            _ => {
                errors.push(FieldError {
                    path: "lang".into(),
                    message: "must be nl or en".into(),
                    code: None,
                });
                Lang::parse("nl").map_err(|_| ApiError::internal())?
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let tr = Tr::new(&lang);
    let base = app.config.public_url.trim_end_matches('/').to_string();
    let invitation = Invitation {
        tr: &tr,
        base: &base,
        to: &email,
        name: &name,
        inviter: &auth.0.name,
        org: &org.name,
    };
    let make = |token: &str| invitation.email(token);
    let new = NewUser {
        org_id: org.id,
        email: email.clone(),
        name: name.clone(),
        role,
        lang: None,
        unit_ids: if role == Role::Admin { Vec::new() } else { ids },
        password_hash: None,
    };
    match app
        .store
        .create_user(&new, &auth.actor(), Some((INVITE_LINK_MS, &make)))
        .await
    {
        Ok(u) => {
            app.mail_wakeup();
            Ok((StatusCode::CREATED, Json(user_out(&u, &units))).into_response())
        }
        Err(StoreError::Conflict(_)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "email_taken",
            "A user with this email exists",
        )
        .detail("Each email address signs in to one account.")),
        Err(e) => Err(e.into()),
    }
}

/// Get a user
#[utoipa::path(get, path = "/users/{id}", tag = "people",
    params(("id" = i64, Path, description = "The user's id")),
    responses((status = 200, description = "The user", body = UserOut)))]
async fn get_user(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<UserOut>, ApiError> {
    auth.require_org_admin("reading users")?;
    let user = app.store.user(auth.0.org_id, id).await?;
    let units = app.store.units(auth.0.org_id).await?;
    Ok(Json(user_out(&user, &units)))
}

/// Changes to a user; fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub role: Option<RoleName>,
    pub units: Option<Vec<String>>,
    /// `true` disables the account and ends its sessions; `false` enables it again.
    pub disabled: Option<bool>,
}

/// Change a user's role, units or access
#[utoipa::path(patch, path = "/users/{id}", tag = "people",
    params(("id" = i64, Path, description = "The user's id")),
    request_body = UserPatch,
    responses((status = 200, description = "The changed user", body = UserOut)))]
async fn update_user(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> Result<Json<UserOut>, ApiError> {
    auth.require_org_admin("changing users")?;
    let org_id = auth.0.org_id;
    let user = app.store.user(org_id, id).await?;
    let units = app.store.units(org_id).await?;
    let mut errors = Vec::new();
    let role: Role = patch.role.map(Role::from).unwrap_or(user.role);
    let ids = match &patch.units {
        Some(names) => unit_ids(names, &units, &mut errors),
        None => user.unit_ids.clone(),
    };
    if role != Role::Admin && ids.is_empty() && errors.is_empty() {
        errors.push(FieldError {
            path: "units".into(),
            message: "managers and members need at least one unit".into(),
            code: None,
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let disabled = patch.disabled.unwrap_or(user.disabled_at.is_some());
    let ids = if role == Role::Admin { Vec::new() } else { ids };
    let changed = app
        .store
        .update_user(org_id, id, role, &ids, disabled, &auth.actor())
        .await?;
    Ok(Json(user_out(&changed, &units)))
}

/// An API token as listed (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    pub id: i64,
    pub name: String,
    pub role: RoleName,
    /// External id of the unit the token is scoped to.
    pub unit: Option<String>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

fn token_out(t: &TokenInfo, units: &[Unit]) -> TokenOut {
    TokenOut {
        id: t.id,
        name: t.name.clone(),
        role: t.role.into(),
        unit: t
            .unit_id
            .and_then(|id| units.iter().find(|u| u.id == id))
            .map(|u| u.external_id.clone()),
        created_at: iso(t.created_at),
        last_used_at: t.last_used_at.map(iso),
        revoked_at: t.revoked_at.map(iso),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPage {
    pub items: Vec<TokenOut>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// Include revoked tokens (default false).
    pub revoked: Option<bool>,
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List API tokens
#[utoipa::path(get, path = "/tokens", tag = "people", params(TokenQuery),
    responses((status = 200, description = "A page of tokens", body = TokenPage)))]
async fn list_tokens(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<TokenQuery>,
) -> Result<Json<TokenPage>, ApiError> {
    auth.require_org_admin("reading API tokens")?;
    let ask = PageAsk::parse(q.cursor.as_deref(), q.limit)?;
    let units = app.store.units(auth.0.org_id).await?;
    let tokens: Vec<TokenInfo> = app
        .store
        .api_tokens(auth.0.org_id)
        .await?
        .into_iter()
        .filter(|t| q.revoked.unwrap_or(false) || t.revoked_at.is_none())
        .collect();
    let (page, next_cursor) = ask.cut(tokens, |t| t.id);
    Ok(Json(TokenPage {
        items: page.iter().map(|t| token_out(t, &units)).collect(),
        next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    pub name: String,
    pub role: RoleName,
    /// External id of a unit to scope the token to.
    #[serde(default)]
    pub unit: Option<String>,
}

/// A new token: `token` is shown this once and stored only as a hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenOut {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenOut,
}

/// Create an API token
#[utoipa::path(post, path = "/tokens", tag = "people", request_body = TokenIn,
    responses((status = 201, description = "Created; the secret is in `token`", body = NewTokenOut)))]
async fn create_token(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiJson(body): ApiJson<TokenIn>,
) -> Result<Response, ApiError> {
    auth.require_org_admin("creating API tokens")?;
    let units = app.store.units(auth.0.org_id).await?;
    let mut errors = Vec::new();
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError {
            path: "name".into(),
            message: "must be 1 to 100 characters".into(),
            code: None,
        });
    }
    let unit = match body.unit.as_deref() {
        None => None,
        Some(ext) => match units.iter().find(|u| u.external_id == ext) {
            Some(u) => Some(u.id),
            None => {
                errors.push(FieldError {
                    path: "unit".into(),
                    message: format!("unit `{ext}` does not exist"),
                    code: None,
                });
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (secret, t) = app
        .store
        .create_api_token(auth.0.org_id, name, body.role.into(), unit, &auth.actor())
        .await?;
    let info = TokenInfo {
        id: t.id,
        name: t.name,
        role: t.role,
        unit_id: t.unit_id,
        created_at: t.created_at,
        last_used_at: None,
        revoked_at: None,
    };
    Ok((
        StatusCode::CREATED,
        Json(NewTokenOut {
            token: secret,
            info: token_out(&info, &units),
        }),
    )
        .into_response())
}

/// Revoke an API token
#[utoipa::path(delete, path = "/tokens/{id}", tag = "people",
    params(("id" = i64, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked")))]
async fn revoke_token(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    auth.require_org_admin("revoking API tokens")?;
    if id == auth.0.id {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "own_token",
            "A token cannot revoke itself",
        )
        .detail("Revoke it with another admin token or on the API tokens page of the admin app."));
    }
    app.store
        .revoke_api_token(auth.0.org_id, id, &auth.actor())
        .await?;
    app.api_tokens.forget(|t| t.id == id);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditOut>,
    /// Id to pass as `before` for the next (older) page; kept for clients of the first
    /// version of this endpoint.
    pub next: Option<i64>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries older than this id.
    pub before: Option<i64>,
    pub cursor: Option<String>,
    /// 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// Read the audit log
///
/// Newest first: who did what, when, with the object before and after.
#[utoipa::path(get, path = "/audit", tag = "people", params(AuditQuery),
    responses((status = 200, description = "A page of entries, newest first", body = AuditPage)))]
async fn audit_log(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    auth.require_org_admin("reading the audit log")?;
    let limit = match q.limit {
        None => 100,
        Some(n) if (1..=1000).contains(&n) => n,
        Some(_) => return Err(ApiError::field("limit", "must be between 1 and 1000")),
    };
    let before = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(
            decode_cursor(c)
                .ok_or_else(|| ApiError::field("cursor", "is not a cursor this API gave out"))?,
        ),
        None => q.before,
    };
    let entries = app
        .store
        .audit_entries(auth.0.org_id, before, limit)
        .await?;
    let next = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(Json(AuditPage {
        items: entries.into_iter().map(audit_out).collect(),
        next,
        next_cursor: next.map(encode_cursor),
    }))
}
