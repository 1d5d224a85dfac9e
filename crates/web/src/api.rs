//! The JSON API under `/api/v1` (Bearer token). Errors are `application/problem+json`.
//!
//! Contract kept from the foundation issue: `POST /surveys` (YAML or JSON by Content-Type),
//! `POST /surveys/{key}/publish` → `{"version", "public_url"}`, `GET /surveys/{key}`,
//! `POST /surveys/{key}/responses` → `201 {"id"}` or `422 {"errors": [{"path", "message"}]}`,
//! `GET /surveys/{key}/responses?format=csv|json`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value};
use tevreden_domain::Lang;
use tevreden_domain::rollup::answer_facts;
use tevreden_domain::survey::{
    FileFormat, HiddenAnswers, Scope, SurveyDefinition, parse_survey_file, validate_answers,
};
use tevreden_storage::{
    ApiToken, ContextKeys, IngestError, IngestOutcome, NewInvitation, NewResponse, Role, Survey,
    SurveyStatus, now_ms, random_uuid, request_hash,
};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::disclosure::Gate;
use crate::error::{ApiError, FieldError};
use crate::exports;
use common::{ApiPath, ApiQuery};

mod common;
mod directory;
pub mod docs;
pub(crate) mod people;
mod results;
mod scorecards;
pub(crate) mod themes;

/// The API's routes and its OpenAPI document, built from the same handler list: a handler
/// without its `#[utoipa::path]` description cannot be routed.
pub fn open_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(docs::base_document())
        .routes(routes!(list_surveys, create_survey))
        .routes(routes!(get_survey))
        .routes(routes!(survey_file))
        .routes(routes!(list_versions))
        .routes(routes!(get_version))
        .routes(routes!(publish))
        .routes(routes!(close))
        .routes(routes!(open))
        .routes(routes!(export_responses, create_response))
        .routes(routes!(list_responses))
        .routes(routes!(create_invitation))
        .routes(routes!(list_templates))
        .merge(directory::router())
        .merge(people::router())
        .merge(results::router())
        .merge(scorecards::router())
        .merge(themes::router())
}

pub fn router() -> Router<AppState> {
    let (router, _) = open_router().split_for_parts();
    router
}

/// The caller, authenticated by `Authorization: Bearer tvd_…`.
pub struct ApiAuth(pub ApiToken);

impl FromRequestParts<AppState> for ApiAuth {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(ApiError::unauthorized)?;
        let secret = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(ApiError::unauthorized)?;
        let secret = secret.trim();
        let cache_key = tevreden_storage::request_hash(&[secret.as_bytes()]);
        if let Some(t) = app.api_tokens.get(&cache_key) {
            return Ok(ApiAuth(t));
        }
        match app.store.api_token_by_secret(secret).await {
            Ok(t) => {
                app.api_tokens.put(cache_key, t.clone());
                Ok(ApiAuth(t))
            }
            Err(tevreden_storage::StoreError::NotFound(_)) => Err(ApiError::unauthorized()),
            Err(e) => Err(e.into()),
        }
    }
}

impl ApiAuth {
    fn require(&self, roles: &[Role], what: &str) -> Result<(), ApiError> {
        if roles.contains(&self.0.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{what} needs the role {}",
                roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )))
        }
    }
}

pub(crate) fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn body_or_error(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "The request body is too large",
            )
            .detail(format!("At most {} bytes are accepted.", crate::MAX_BODY))
        } else {
            ApiError::bad_request(e.body_text())
        }
    })
}

async fn survey_json(
    app: &AppState,
    gate: &Gate,
    survey: &Survey,
    warnings: &[FieldError],
) -> Result<SurveyDoc, ApiError> {
    let versions = app.store.survey_versions(survey.id).await?;
    let responses = app.store.count_responses(survey.id).await?;
    gate.survey(survey)
        .aggregate(u64::try_from(responses).unwrap_or(0))
        .allowed()?;
    let latest = versions.iter().find(|v| v.version.is_some());
    let draft = versions.iter().find(|v| v.version.is_none());
    let shown = latest.or(draft);
    Ok(SurveyDoc {
        key: survey.key.clone(),
        status: survey.status.into(),
        public_url: latest.map(|_| app.survey_url(&survey.public_id)),
        version: latest.and_then(|v| v.version),
        has_draft: draft.is_some(),
        versions: versions
            .iter()
            .filter(|v| v.version.is_some())
            .map(|v| PublishedVersionDoc {
                version: v.version,
                published_at: v.published_at.map(iso),
            })
            .collect(),
        responses,
        closes_at: survey.closes_at.map(iso),
        created_at: iso(survey.created_at),
        updated_at: iso(survey.updated_at),
        warnings: warnings.to_vec(),
        definition: shown.map(|v| v.definition.to_value()),
        draft_definition: draft.map(|v| v.definition.to_value()),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SurveyListQuery {
    /// Only surveys with this status: `draft`, `open` or `closed`.
    status: Option<String>,
    cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// List surveys
#[utoipa::path(get, path = "/surveys", tag = "surveys", params(SurveyListQuery),
    responses((status = 200, description = "A page of surveys", body = SurveyListDoc)))]
async fn list_surveys(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiQuery(q): ApiQuery<SurveyListQuery>,
) -> Result<Json<SurveyListDoc>, ApiError> {
    let ask = common::PageAsk::parse(q.cursor.as_deref(), q.limit)?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            SurveyStatus::from_name(s)
                .ok_or_else(|| ApiError::field("status", "must be draft, open or closed"))?,
        ),
    };
    let surveys: Vec<Survey> = app
        .store
        .surveys(auth.0.org_id)
        .await?
        .into_iter()
        .filter(|s| status.is_none_or(|st| s.status == st))
        .collect();
    let (page, next_cursor) = ask.cut(surveys, |s| s.id);
    let items = page
        .iter()
        .map(|s| SurveySummaryDoc {
            key: s.key.clone(),
            status: s.status.into(),
            public_url: (s.status != SurveyStatus::Draft).then(|| app.survey_url(&s.public_id)),
            updated_at: iso(s.updated_at),
        })
        .collect();
    Ok(Json(SurveyListDoc { items, next_cursor }))
}

fn survey_format(headers: &HeaderMap, body: &[u8]) -> Result<FileFormat, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mime = ct.split(';').next().unwrap_or("").trim();
    match mime {
        "application/json" => Ok(FileFormat::Json),
        "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml" => {
            Ok(FileFormat::Yaml)
        }
        "" | "text/plain" => Ok(
            if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
                FileFormat::Json
            } else {
                FileFormat::Yaml
            },
        ),
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported Content-Type",
        )
        .detail(format!(
            "`{other}` is not supported; send application/yaml or application/json"
        ))),
    }
}

/// Create a survey or save its draft
///
/// The body is a survey file in YAML or JSON (by `Content-Type`). A new key creates the survey
/// (`201`); a known key replaces its draft (`200`). Publish to make the draft live.
#[utoipa::path(post, path = "/surveys", tag = "surveys",
    request_body(content(
        (SurveyFileDoc = "application/json"),
        (SurveyFileDoc = "application/yaml"),
    ), description = "A survey file (see docs/survey-file.md)"),
    responses((status = 200, description = "Draft replaced", body = SurveyDoc),
              (status = 201, description = "Survey created", body = SurveyDoc)))]
async fn create_survey(
    State(app): State<AppState>,
    auth: ApiAuth,
    gate: Gate,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    auth.require(&[Role::Admin], "creating surveys")?;
    let body = body_or_error(body)?;
    let format = survey_format(&headers, &body)?;
    let parsed = parse_survey_file(&body, format).map_err(|errs| {
        ApiError::validation(
            errs.into_iter()
                .map(|e| FieldError {
                    path: e.path,
                    message: e.message,
                    code: None,
                })
                .collect(),
        )
        .detail("The survey file is not valid; nothing was saved.")
    })?;
    let warnings: Vec<FieldError> = parsed
        .warnings
        .into_iter()
        .map(|w| FieldError {
            path: w.path,
            message: w.message,
            code: None,
        })
        .collect();
    let (survey, _, created) = app
        .store
        .save_survey_draft(auth.0.org_id, &parsed.definition, (&auth.actor(), None))
        .await?;
    let body = survey_json(&app, &gate, &survey, &warnings).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(body),
    )
        .into_response())
}

/// Get a survey
#[utoipa::path(get, path = "/surveys/{key}", tag = "surveys",
    params(("key" = String, Path, description = "The survey's key", example = "na-contact")),
    responses((status = 200, description = "The survey with its newest definition", body = SurveyDoc)))]
async fn get_survey(
    State(app): State<AppState>,
    auth: ApiAuth,
    gate: Gate,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<SurveyDoc>, ApiError> {
    let survey = app.store.survey(auth.0.org_id, &key).await?;
    Ok(Json(survey_json(&app, &gate, &survey, &[]).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FileQuery {
    /// `yaml` (default) or `json`.
    format: Option<String>,
    /// A published version; `0` for the draft; default the newest published one.
    version: Option<i64>,
}

#[utoipa::path(get, path = "/surveys/{key}/file", tag = "surveys",
    params(("key" = String, Path, description = "The survey's key", example = "na-contact"), FileQuery),
    responses((status = 200, description = "The survey file", content(
        (SurveyFileDoc = "application/yaml"), (SurveyFileDoc = "application/json")))))]
/// The survey file (YAML by default) of the newest published version, a given version, or the
/// draft (`version=0`).
async fn survey_file(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<FileQuery>,
) -> Result<Response, ApiError> {
    let survey = app.store.survey(auth.0.org_id, &key).await?;
    let versions = app.store.survey_versions(survey.id).await?;
    let chosen = match q.version {
        Some(0) => versions.iter().find(|v| v.version.is_none()),
        Some(n) => versions.iter().find(|v| v.version == Some(n)),
        None => versions
            .iter()
            .find(|v| v.version.is_some())
            .or(versions.first()),
    }
    .ok_or_else(|| ApiError::not_found("that version"))?;
    let (ct, text, ext) = match q.format.as_deref() {
        Some("json") => (
            "application/json",
            chosen.definition.to_json_pretty(),
            "json",
        ),
        None | Some("yaml") => (
            "application/yaml; charset=utf-8",
            chosen.definition.to_yaml(),
            "yaml",
        ),
        Some(other) => {
            return Err(ApiError::field(
                "format",
                format!("`{other}` is not yaml or json"),
            ));
        }
    };
    let disposition = format!("attachment; filename=\"{key}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, ct.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        text,
    )
        .into_response())
}

/// Publish the draft as a new version
#[utoipa::path(post, path = "/surveys/{key}/publish", tag = "surveys",
    params(("key" = String, Path, description = "The survey's key", example = "na-contact")),
    responses((status = 200, description = "Published", body = PublishedDoc)))]
async fn publish(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<PublishedDoc>, ApiError> {
    auth.require(&[Role::Admin], "publishing surveys")?;
    // Generated texts ("Optie A", "Item 1") and a template's stand-ins ("Afdeling A") are not
    // published, as in the builder.
    let draft = app.store.survey(auth.0.org_id, &key).await?;
    let versions = app.store.survey_versions(draft.id).await?;
    if let Some(d) = versions.first().filter(|v| v.version.is_none()) {
        let errors: Vec<FieldError> = tevreden_domain::survey::edit::placeholders(&d.definition)
            .into_iter()
            .map(|p| FieldError {
                path: format!("questions.{}", p.question),
                message: format!(
                    "still has the example text “{}”: replace it with a real one before publishing",
                    p.text
                ),
                code: Some("placeholder_text".into()),
            })
            .collect();
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
    }
    let (survey, version) = app
        .store
        .publish_survey(auth.0.org_id, &key, &auth.actor())
        .await?;
    app.surveys.invalidate(&survey.public_id, survey.id);
    Ok(Json(PublishedDoc {
        public_url: app.survey_url(&survey.public_id),
        key: survey.key,
        version: version.version,
        status: survey.status.into(),
        published_at: version.published_at.map(iso),
    }))
}

async fn set_status(
    app: &AppState,
    auth: &ApiAuth,
    key: &str,
    status: SurveyStatus,
) -> Result<Json<StatusDoc>, ApiError> {
    auth.require(&[Role::Admin], "opening or closing surveys")?;
    let survey = app
        .store
        .set_survey_status(auth.0.org_id, key, status, &auth.actor())
        .await?;
    app.surveys.invalidate(&survey.public_id, survey.id);
    Ok(Json(StatusDoc {
        key: survey.key,
        status: survey.status.into(),
    }))
}

/// Close a survey (no more responses)
#[utoipa::path(post, path = "/surveys/{key}/close", tag = "surveys",
    params(("key" = String, Path, description = "The survey's key", example = "na-contact")),
    responses((status = 200, description = "Closed", body = StatusDoc)))]
async fn close(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<StatusDoc>, ApiError> {
    set_status(&app, &auth, &key, SurveyStatus::Closed).await
}

/// Open a closed survey again
#[utoipa::path(post, path = "/surveys/{key}/open", tag = "surveys",
    params(("key" = String, Path, description = "The survey's key", example = "na-contact")),
    responses((status = 200, description = "Open", body = StatusDoc)))]
async fn open(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<StatusDoc>, ApiError> {
    set_status(&app, &auth, &key, SurveyStatus::Open).await
}

/// List survey templates
#[utoipa::path(get, path = "/templates", tag = "surveys",
    responses((status = 200, description = "The built-in templates", body = TemplateListDoc)))]
async fn list_templates(_auth: ApiAuth) -> Json<TemplateListDoc> {
    let items = tevreden_domain::templates::TEMPLATES
        .iter()
        .filter_map(|(k, _)| {
            tevreden_domain::templates::template(k).map(|d| TemplateDoc {
                key: (*k).to_string(),
                questions: d.questions().count() as i64,
                title: d.title,
            })
        })
        .collect();
    Json(TemplateListDoc { items })
}

/// Reads a JSON object body; syntax errors are 400, a non-object 422.
fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if std::str::from_utf8(body).is_err() {
        return Err(ApiError::bad_request("The body is not valid UTF-8."));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::field("", "the body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!(
            "Invalid JSON at line {} column {}: {e}",
            e.line(),
            e.column()
        ))),
    }
}

fn context_keys(v: Option<&Value>, errors: &mut Vec<FieldError>) -> ContextKeys {
    let mut ctx = ContextKeys::default();
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return ctx;
    };
    let Value::Object(m) = v else {
        errors.push(FieldError {
            path: "context".into(),
            message: "must be an object".into(),
            code: None,
        });
        return ctx;
    };
    for (k, val) in m {
        let slot = match k.as_str() {
            "unit" => &mut ctx.unit,
            "touchpoint" => &mut ctx.touchpoint,
            "channel" => &mut ctx.channel,
            "employee" => &mut ctx.employee,
            "contact" => &mut ctx.contact,
            _ => {
                errors.push(FieldError {
                    path: format!("context.{k}"),
                    message:
                        "unknown field (expected unit, touchpoint, channel, employee, contact)"
                            .into(),
                    code: None,
                });
                continue;
            }
        };
        match val {
            Value::String(s) if !s.is_empty() && s.len() <= 100 => *slot = Some(s.clone()),
            Value::Null => {}
            _ => errors.push(FieldError {
                path: format!("context.{k}"),
                message: "must be a key (text, at most 100 characters)".into(),
                code: None,
            }),
        }
    }
    ctx
}

fn lang_field(v: Option<&Value>, def: &SurveyDefinition, errors: &mut Vec<FieldError>) -> Lang {
    match v {
        None | Some(Value::Null) => def.default_lang().clone(),
        Some(Value::String(s)) => match Lang::parse(s) {
            Ok(l) if def.languages.iter().any(|d| d.primary() == l.primary()) => {
                def.pick_lang(Some(&l))
            }
            _ => {
                let langs: Vec<String> = def.languages.iter().map(ToString::to_string).collect();
                errors.push(FieldError {
                    path: "lang".into(),
                    message: format!(
                        "must be one of the survey's languages: {}",
                        langs.join(", ")
                    ),
                    code: None,
                });
                def.default_lang().clone()
            }
        },
        Some(_) => {
            errors.push(FieldError {
                path: "lang".into(),
                message: "must be a language code such as nl or en".into(),
                code: None,
            });
            def.default_lang().clone()
        }
    }
}

/// Submit a response
///
/// Acknowledged (`201`) only after the response is durably stored. With an `Idempotency-Key`
/// a retry of the same request returns the stored id (`200`, `duplicate: true`).
#[utoipa::path(post, path = "/surveys/{key}/responses", tag = "responses",
    params(("key" = String, Path, description = "The survey's key", example = "na-contact"),
           ("Idempotency-Key" = Option<String>, Header, description = "1–200 characters; a retry with the same key and body never stores twice")),
    request_body = ResponseInDoc,
    responses((status = 201, description = "Stored", body = ResponseIdDoc),
              (status = 200, description = "A retry of a stored response", body = ResponseIdDoc)))]
async fn create_response(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(key): ApiPath<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_or_error(body)?;
    let idempotency = match headers.get("idempotency-key") {
        None => None,
        Some(v) => match v.to_str() {
            Ok(s) if !s.is_empty() && s.len() <= 200 => Some(s.to_string()),
            _ => {
                return Err(ApiError::bad_request(
                    "Idempotency-Key must be 1 to 200 visible ASCII characters.",
                ));
            }
        },
    };
    let obj = json_object(&body)?;
    let survey_id = match app.survey_ids.get(&(auth.0.org_id, key.clone())) {
        Some(id) => id,
        None => {
            let id = app.store.survey(auth.0.org_id, &key).await?.id;
            app.survey_ids.put((auth.0.org_id, key.clone()), id);
            id
        }
    };
    let published = match app.surveys.by_survey_id(&app.store, survey_id).await {
        Ok(p) => p,
        Err(tevreden_storage::StoreError::NotFound(_)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "not_published",
                "The survey is not published",
            )
            .detail(format!(
                "Publish it first: POST /api/v1/surveys/{key}/publish"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    if !published.accepting(now_ms()) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "survey_closed",
            "The survey is closed",
        )
        .detail("Nothing was stored."));
    }
    let def = &published.version.definition;
    let mut errors = Vec::new();
    for k in obj.keys() {
        if !["answers", "lang", "context", "submitted_at"].contains(&k.as_str()) {
            errors.push(FieldError {
                path: k.clone(),
                message: "unknown field (expected answers, lang, context, submitted_at)".into(),
                code: None,
            });
        }
    }
    let lang = lang_field(obj.get("lang"), def, &mut errors);
    let ctx_keys = context_keys(obj.get("context"), &mut errors);
    let submitted_at = match obj.get("submitted_at") {
        None | Some(Value::Null) => now_ms(),
        Some(Value::String(s)) => match s.parse::<jiff::Timestamp>() {
            Ok(t) if t.as_millisecond() > now_ms() + 5 * 60_000 => {
                errors.push(FieldError {
                    path: "submitted_at".into(),
                    message: "lies in the future".into(),
                    code: None,
                });
                now_ms()
            }
            Ok(t) if t.as_millisecond() < 946_684_800_000 => {
                errors.push(FieldError {
                    path: "submitted_at".into(),
                    message: "lies before the year 2000".into(),
                    code: None,
                });
                now_ms()
            }
            Ok(t) => t.as_millisecond(),
            Err(_) => {
                errors.push(FieldError {
                    path: "submitted_at".into(),
                    message: "must be an RFC 3339 time such as 2026-01-31T10:00:00Z".into(),
                    code: None,
                });
                now_ms()
            }
        },
        Some(_) => {
            errors.push(FieldError {
                path: "submitted_at".into(),
                message: "must be an RFC 3339 time such as 2026-01-31T10:00:00Z".into(),
                code: None,
            });
            now_ms()
        }
    };
    let answers = match obj.get("answers") {
        Some(Value::Object(raw)) => match validate_answers(
            def,
            raw,
            Scope::All,
            &Default::default(),
            HiddenAnswers::Refuse,
        ) {
            Ok(a) => Some(a),
            Err(errs) => {
                errors.extend(errs.iter().map(|e| FieldError {
                    path: e.path(),
                    message: e.kind.to_string(),
                    code: None,
                }));
                None
            }
        },
        Some(_) => {
            errors.push(FieldError {
                path: "answers".into(),
                message: "must be an object of question id to answer".into(),
                code: None,
            });
            None
        }
        None => {
            errors.push(FieldError {
                path: "answers".into(),
                message: "is required".into(),
                code: None,
            });
            None
        }
    };
    let mut context = match app.store.resolve_context(auth.0.org_id, &ctx_keys).await? {
        Ok(c) => c,
        Err(errs) => {
            errors.extend(errs.into_iter().map(|(path, message)| FieldError {
                path,
                message,
                code: None,
            }));
            Default::default()
        }
    };
    if errors.is_empty() {
        auth.confine_context(&app, &mut context, ctx_keys.unit.as_deref())
            .await?;
    }
    let (Some(answers), true) = (answers, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let response = NewResponse {
        org_id: auth.0.org_id,
        survey_id,
        version_id: published.version.id,
        uid: random_uuid(),
        // An Idempotency-Key is the client's own: scoped to its token and this survey, so two
        // integrations numbering their requests alike never collide.
        submission_key: match idempotency {
            Some(k) => format!("api:{}:{}:{k}", auth.0.id, survey_id),
            None => format!("api-auto:{}", random_uuid()),
        },
        // The request as parsed (key order and spacing do not matter): a retry must repeat it.
        request_hash: request_hash(&[Value::Object(obj.clone()).to_string().as_bytes()]),
        invitation_id: None,
        lang: lang.to_string(),
        unit_id: context.unit_id,
        touchpoint_id: context.touchpoint_id,
        channel_id: context.channel_id,
        employee_id: context.employee_id,
        contact_id: context.contact_id,
        answers: answers.to_json(),
        facts: answer_facts(def, &answers),
        submitted_at,
    };
    match app.store.submit(response).await {
        Ok(IngestOutcome::Stored { uid }) => Ok((
            StatusCode::CREATED,
            Json(ResponseIdDoc {
                id: uid,
                duplicate: None,
            }),
        )
            .into_response()),
        Ok(IngestOutcome::Duplicate { uid }) => Ok((
            StatusCode::OK,
            Json(ResponseIdDoc {
                id: uid,
                duplicate: Some(true),
            }),
        )
            .into_response()),
        Err(IngestError::Closed) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "survey_closed",
            "The survey is closed",
        )
        .detail("Nothing was stored.")),
        Err(IngestError::AlreadyAnswered) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_answered",
            "Already answered",
        )),
        Err(IngestError::KeyReused) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "Idempotency-Key used for a different request",
        )
        .detail(
            "A response with this Idempotency-Key was stored from a different request body. \
             Nothing was stored; send a new key for a new response.",
        )),
        Err(IngestError::Overloaded) => Err(ApiError::overloaded()),
        Err(IngestError::Unavailable) => Err(ApiError::unavailable()),
        Err(IngestError::Storage(e)) => {
            tracing::error!(error = %e, "storing response failed");
            Err(ApiError::internal())
        }
    }
}

/// Create a personal invitation link
#[utoipa::path(post, path = "/surveys/{key}/invitations", tag = "responses",
    params(("key" = String, Path, description = "The survey's key", example = "na-contact")),
    request_body(content = InvitationInDoc, description = "All fields optional; an empty body is allowed"),
    responses((status = 201, description = "Created", body = InvitationDoc)))]
async fn create_invitation(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(key): ApiPath<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_or_error(body)?;
    let obj = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        json_object(&body)?
    };
    let survey = app.store.survey(auth.0.org_id, &key).await?;
    if survey.status == SurveyStatus::Draft {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_published",
            "The survey is not published",
        )
        .detail(format!(
            "Publish it first: POST /api/v1/surveys/{key}/publish"
        )));
    }
    let published = app.surveys.by_survey_id(&app.store, survey.id).await?;
    let def = &published.version.definition;
    let mut errors = Vec::new();
    for k in obj.keys() {
        if !["lang", "context", "expires_at"].contains(&k.as_str()) {
            errors.push(FieldError {
                path: k.clone(),
                message: "unknown field (expected lang, context, expires_at)".into(),
                code: None,
            });
        }
    }
    let lang = obj
        .get("lang")
        .filter(|v| !v.is_null())
        .map(|v| lang_field(Some(v), def, &mut errors).to_string());
    let ctx_keys = context_keys(obj.get("context"), &mut errors);
    let expires_at = match obj.get("expires_at") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match s.parse::<jiff::Timestamp>() {
            Ok(t) if t.as_millisecond() > now_ms() => Some(t.as_millisecond()),
            Ok(_) => {
                errors.push(FieldError {
                    path: "expires_at".into(),
                    message: "must lie in the future".into(),
                    code: None,
                });
                None
            }
            Err(_) => {
                errors.push(FieldError {
                    path: "expires_at".into(),
                    message: "must be an RFC 3339 time".into(),
                    code: None,
                });
                None
            }
        },
        Some(_) => {
            errors.push(FieldError {
                path: "expires_at".into(),
                message: "must be an RFC 3339 time".into(),
                code: None,
            });
            None
        }
    };
    let mut context = match app.store.resolve_context(auth.0.org_id, &ctx_keys).await? {
        Ok(c) => c,
        Err(errs) => {
            errors.extend(errs.into_iter().map(|(path, message)| FieldError {
                path,
                message,
                code: None,
            }));
            Default::default()
        }
    };
    if errors.is_empty() {
        auth.confine_context(&app, &mut context, ctx_keys.unit.as_deref())
            .await?;
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (token, inv) = app
        .store
        .create_invitation(
            auth.0.org_id,
            survey.id,
            &NewInvitation {
                lang,
                context,
                expires_at,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitationDoc {
            id: inv.id,
            url: app.invitation_url(&token),
            token,
            expires_at: inv.expires_at.map(iso),
        }),
    )
        .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// `json` (default), `csv` or `xlsx`.
    format: Option<String>,
    /// For CSV: `comma` (default) or `semicolon` (Dutch Excel).
    delimiter: Option<String>,
    /// For CSV and XLSX, an export for people in `nl` or `en`: each column's text beside its id
    /// in the header (`nps: Hoe waarschijnlijk …`) and yes/no answers in that language
    /// (`ja`/`nee`). Without it the header holds the ids alone and yes/no is `yes`/`no`.
    #[param(example = "nl")]
    lang: Option<String>,
}

#[utoipa::path(get, path = "/surveys/{key}/responses", tag = "responses",
    params(("key" = String, Path, description = "The survey's key", example = "na-contact"), ExportQuery),
    responses((status = 200, description = "Every response (of the token's units)", content(
        (Vec<ResponseDoc> = "application/json"), (String = "text/csv"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
/// Streams every response of a survey: CSV (UTF-8 with BOM; `delimiter=semicolon` for Dutch
/// Excel) or a JSON array, one page of rows at a time, in constant memory.
async fn export_responses(
    State(app): State<AppState>,
    auth: ApiAuth,
    gate: Gate,
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    auth.require(&[Role::Admin, Role::Manager], "exporting responses")?;
    let survey = app.store.survey(auth.0.org_id, &key).await?;
    let judge = gate.survey(&survey);
    let csv = match q.format.as_deref() {
        None | Some("json") => Some(false),
        Some("csv") => Some(true),
        Some("xlsx") => None,
        Some(other) => {
            return Err(ApiError::field(
                "format",
                format!("`{other}` is not csv, xlsx or json"),
            ));
        }
    };
    let lang = match q.lang.as_deref().filter(|l| !l.is_empty()) {
        None => None,
        Some(l) => match Lang::parse(l) {
            Ok(lang) if ["nl", "en"].contains(&lang.primary()) => Some(lang),
            _ => {
                return Err(ApiError::field(
                    "lang",
                    format!("`{l}` is not one of nl, en"),
                ));
            }
        },
    };
    let delimiter = match q.delimiter.as_deref() {
        None | Some("comma") | Some(",") => b',',
        Some("semicolon") | Some(";") => b';',
        Some(other) => {
            return Err(ApiError::field(
                "delimiter",
                format!("`{other}` is not comma or semicolon"),
            ));
        }
    };
    let units = auth.unit_scope_ids(&app).await?;
    let Some(csv) = csv else {
        return Ok(exports::export_xlsx(&app, judge, &survey, units, lang.as_ref()).await?);
    };
    Ok(exports::export_stream(&app, judge, &survey, csv, delimiter, units, lang.as_ref()).await?)
}

// ---------------------------------------------------------------------------------------------
// Versions and pages of responses

/// A published version of a survey.
#[derive(Debug, serde::Serialize, ToSchema)]
struct VersionDoc {
    version: i64,
    published_at: Option<String>,
    /// Responses given to this version.
    #[schema(value_type = Option<Object>)]
    definition: Option<Value>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
struct VersionPageDoc {
    items: Vec<VersionDoc>,
    next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct VersionQuery {
    /// Include each version's full definition (default false).
    definitions: Option<bool>,
    cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// List the published versions of a survey
#[utoipa::path(get, path = "/surveys/{key}/versions", tag = "surveys",
    params(("key" = String, Path, description = "The survey's key", example = "na-contact"), VersionQuery),
    responses((status = 200, description = "Versions, oldest first", body = VersionPageDoc)))]
async fn list_versions(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<Json<VersionPageDoc>, ApiError> {
    let ask = common::PageAsk::parse(q.cursor.as_deref(), q.limit)?;
    let survey = app.store.survey(auth.0.org_id, &key).await?;
    let published: Vec<tevreden_storage::SurveyVersion> = app
        .store
        .survey_versions(survey.id)
        .await?
        .into_iter()
        .filter(|v| v.version.is_some())
        .collect();
    let (page, next_cursor) = ask.cut(published, |v| v.version.unwrap_or(0));
    let with_definitions = q.definitions.unwrap_or(false);
    Ok(Json(VersionPageDoc {
        items: page
            .into_iter()
            .map(|v| VersionDoc {
                version: v.version.unwrap_or(0),
                published_at: v.published_at.map(iso),
                definition: with_definitions.then(|| v.definition.to_value()),
            })
            .collect(),
        next_cursor,
    }))
}

/// Get one published version of a survey, with its definition
#[utoipa::path(get, path = "/surveys/{key}/versions/{version}", tag = "surveys",
    params(("key" = String, Path, description = "The survey's key", example = "na-contact"),
           ("version" = i64, Path, description = "The version number (1, 2, …)", example = 1)),
    responses((status = 200, description = "The version", body = VersionDoc)))]
async fn get_version(
    State(app): State<AppState>,
    auth: ApiAuth,
    ApiPath((key, version)): ApiPath<(String, i64)>,
) -> Result<Json<VersionDoc>, ApiError> {
    let survey = app.store.survey(auth.0.org_id, &key).await?;
    let v = app
        .store
        .survey_versions(survey.id)
        .await?
        .into_iter()
        .find(|v| v.version == Some(version))
        .ok_or_else(|| ApiError::not_found(format!("version {version} of `{key}`")))?;
    Ok(Json(VersionDoc {
        version,
        published_at: v.published_at.map(iso),
        definition: Some(v.definition.to_value()),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ResponsePageQuery {
    /// Only responses about this unit or a unit under it.
    unit: Option<String>,
    cursor: Option<String>,
    /// 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

#[derive(serde::Serialize, ToSchema)]
struct ResponsePageDoc {
    items: Vec<ResponseDoc>,
    next_cursor: Option<String>,
}

/// Read responses page by page
///
/// Oldest first, with a cursor; admins and managers (a scoped token reads its units' responses).
#[utoipa::path(get, path = "/surveys/{key}/responses/pages", tag = "responses",
    params(("key" = String, Path, description = "The survey's key", example = "na-contact"), ResponsePageQuery),
    responses((status = 200, description = "A page of responses", body = ResponsePageDoc)))]
async fn list_responses(
    State(app): State<AppState>,
    auth: ApiAuth,
    gate: Gate,
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<ResponsePageQuery>,
) -> Result<Json<ResponsePageDoc>, ApiError> {
    auth.require(&[Role::Admin, Role::Manager], "reading responses")?;
    let ask = common::PageAsk::parse(q.cursor.as_deref(), q.limit)?;
    let survey = app.store.survey(auth.0.org_id, &key).await?;
    gate.survey(&survey).individual().allowed()?;
    let units = auth.units_filter(&app, q.unit.as_deref()).await?;
    let page = app
        .store
        .responses_after_in(survey.id, ask.after, ask.limit, units.as_deref())
        .await?;
    let next_cursor = ask.next_after(&page, |r| r.id);
    Ok(Json(ResponsePageDoc {
        items: page.iter().map(ResponseDoc::from).collect(),
        next_cursor,
    }))
}

// ---------------------------------------------------------------------------------------------
// The answers' types: each serialises its body and is its schema in the OpenAPI document
// (schemathesis checks in CI that the answers match it).

#[derive(serde::Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum SurveyStatusDoc {
    Draft,
    Open,
    Closed,
}

impl From<SurveyStatus> for SurveyStatusDoc {
    fn from(s: SurveyStatus) -> SurveyStatusDoc {
        match s {
            SurveyStatus::Draft => SurveyStatusDoc::Draft,
            SurveyStatus::Open => SurveyStatusDoc::Open,
            SurveyStatus::Closed => SurveyStatusDoc::Closed,
        }
    }
}

#[derive(serde::Serialize, ToSchema)]
struct SurveySummaryDoc {
    key: String,
    status: SurveyStatusDoc,
    /// The public link; `null` while the survey is a draft.
    public_url: Option<String>,
    updated_at: String,
}

#[derive(serde::Serialize, ToSchema)]
struct SurveyListDoc {
    items: Vec<SurveySummaryDoc>,
    next_cursor: Option<String>,
}

/// A survey file (see docs/survey-file.md), as YAML or JSON: `key`, `title`, `languages`, and
/// `questions` or `pages`; the server checks the rest and names every problem.
#[derive(serde::Serialize, ToSchema)]
#[schema(as = SurveyFile)]
struct SurveyFileDoc {
    key: String,
    /// Text, or text per language.
    title: Option<Value>,
    languages: Option<Vec<String>>,
    #[schema(value_type = Option<Vec<Object>>)]
    questions: Option<Vec<Value>>,
    #[schema(value_type = Option<Vec<Object>>)]
    pages: Option<Vec<Value>>,
}

#[derive(serde::Serialize, ToSchema)]
struct PublishedVersionDoc {
    version: Option<i64>,
    published_at: Option<String>,
}

#[derive(serde::Serialize, ToSchema)]
struct SurveyDoc {
    key: String,
    status: SurveyStatusDoc,
    public_url: Option<String>,
    /// The newest published version; `null` before the first publication.
    version: Option<i64>,
    has_draft: bool,
    versions: Vec<PublishedVersionDoc>,
    /// Number of stored responses.
    responses: i64,
    closes_at: Option<String>,
    created_at: String,
    updated_at: String,
    warnings: Vec<crate::error::FieldError>,
    /// The newest published definition, or the draft before the first publication.
    #[schema(value_type = Option<Object>)]
    definition: Option<Value>,
    #[schema(value_type = Option<Object>)]
    draft_definition: Option<Value>,
}

#[derive(serde::Serialize, ToSchema)]
struct PublishedDoc {
    key: String,
    version: Option<i64>,
    status: SurveyStatusDoc,
    public_url: String,
    published_at: Option<String>,
}

#[derive(serde::Serialize, ToSchema)]
struct StatusDoc {
    key: String,
    status: SurveyStatusDoc,
}

#[derive(serde::Serialize, ToSchema)]
struct TemplateDoc {
    key: String,
    /// The title per language.
    #[schema(value_type = Object)]
    title: tevreden_domain::Text,
    questions: i64,
}

#[derive(serde::Serialize, ToSchema)]
struct TemplateListDoc {
    items: Vec<TemplateDoc>,
}

/// Keys of the organisation's records a response or invitation is about.
#[derive(serde::Serialize, ToSchema)]
struct ContextDoc {
    unit: Option<String>,
    touchpoint: Option<String>,
    channel: Option<String>,
    employee: Option<String>,
    contact: Option<String>,
}

#[derive(serde::Serialize, ToSchema)]
struct ResponseInDoc {
    /// Question id → answer (a number, text, option key or list of option keys).
    #[schema(value_type = Object)]
    answers: Value,
    /// One of the survey's languages; default its first.
    lang: Option<String>,
    context: Option<ContextDoc>,
    /// RFC 3339; default now.
    submitted_at: Option<String>,
}

#[derive(serde::Serialize, ToSchema)]
struct ResponseIdDoc {
    id: String,
    /// Present (true) when this was a retry of a stored response.
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate: Option<bool>,
}

#[derive(serde::Serialize, ToSchema)]
struct ResponseDoc {
    id: String,
    submitted_at: String,
    version: i64,
    lang: String,
    context: ContextDoc,
    #[schema(value_type = Object)]
    answers: serde_json::Map<String, Value>,
}

impl From<&tevreden_storage::ResponseRecord> for ResponseDoc {
    fn from(r: &tevreden_storage::ResponseRecord) -> ResponseDoc {
        ResponseDoc {
            id: r.uid.clone(),
            submitted_at: iso(r.submitted_at),
            version: r.version,
            lang: r.lang.clone(),
            context: ContextDoc {
                unit: r.unit.clone(),
                touchpoint: r.touchpoint.clone(),
                channel: r.channel.clone(),
                employee: r.employee.clone(),
                contact: r.contact.clone(),
            },
            answers: r.answers.clone(),
        }
    }
}

#[derive(serde::Serialize, ToSchema)]
struct InvitationInDoc {
    lang: Option<String>,
    context: Option<ContextDoc>,
    /// RFC 3339, in the future.
    expires_at: Option<String>,
}

#[derive(serde::Serialize, ToSchema)]
struct InvitationDoc {
    id: i64,
    /// The personal link to send to the respondent.
    url: String,
    token: String,
    expires_at: Option<String>,
}
