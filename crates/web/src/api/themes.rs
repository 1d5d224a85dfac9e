//! The organisation's theme dictionary for open answers, and open answers with sentiment,
//! themes and suggested phrases, under `/api/v1`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;
use tevreden_domain::text::{ThemeDictionary, suggest_phrases};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiAuth;
use super::common::{ApiPath, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, FieldError};
use tevreden_services::themes::dictionary;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_themes, put_themes, reset_themes))
        .routes(routes!(survey_comments))
}

#[derive(serde::Serialize, Deserialize, ToSchema)]
struct ThemeDoc {
    /// Lowercase letters, digits, `_` or `-`.
    key: String,
    /// Per language, e.g. `{"nl": "Wachttijd", "en": "Waiting time"}`.
    #[schema(value_type = Object)]
    name: Value,
    /// Words or phrases; `word*` matches words starting with it, `*word` the end of a compound.
    synonyms: Vec<String>,
}

#[derive(serde::Serialize, ToSchema)]
struct ThemesDoc {
    /// `false` while the built-in dictionary applies.
    custom: bool,
    themes: Vec<ThemeDoc>,
}

/// The request body (documented shape: the handler parses it with the domain's checks).
#[derive(serde::Serialize, ToSchema)]
struct ThemesBody {
    themes: Vec<ThemeDoc>,
}

/// The theme dictionary
#[utoipa::path(get, path = "/themes", tag = "results",
    responses((status = 200, description = "The dictionary", body = ThemesDoc)))]
async fn get_themes(State(app): State<AppState>, auth: ApiAuth) -> Result<Json<Value>, ApiError> {
    let (dict, custom) = dictionary(&app.store, auth.0.org_id).await?;
    let mut v = serde_json::to_value(&dict).unwrap_or_default();
    v["custom"] = custom.into();
    Ok(Json(v))
}

/// Replace the theme dictionary
///
/// Checked as a whole: a bad key, a theme without a name or synonyms, or a synonym that cannot
/// match is refused with its place named, and nothing changes. Admin tokens without a unit.
#[utoipa::path(put, path = "/themes", tag = "results", request_body = ThemesBody,
    responses((status = 200, description = "The dictionary as stored", body = ThemesDoc)))]
async fn put_themes(
    State(app): State<AppState>,
    auth: ApiAuth,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    auth.require_org_admin("changing the theme dictionary")?;
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiError::bad_request("the body is not UTF-8"))?;
    // JSON is YAML: one parser and one set of checks for the API and the app.
    let dict = ThemeDictionary::from_yaml(text).map_err(|e| {
        ApiError::validation(vec![FieldError {
            path: "themes".into(),
            message: e,
            code: None,
        }])
    })?;
    app.store
        .set_theme_dictionary(auth.0.org_id, Some(&dict.to_yaml()), &auth.actor())
        .await?;
    let mut v = serde_json::to_value(&dict).unwrap_or_default();
    v["custom"] = true.into();
    Ok(Json(v))
}

/// Return to the built-in theme dictionary
#[utoipa::path(delete, path = "/themes", tag = "results",
    responses((status = 204, description = "The built-in dictionary applies again")))]
async fn reset_themes(
    State(app): State<AppState>,
    auth: ApiAuth,
) -> Result<axum::http::StatusCode, ApiError> {
    auth.require_org_admin("changing the theme dictionary")?;
    app.store
        .set_theme_dictionary(auth.0.org_id, None, &auth.actor())
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CommentsQuery {
    /// First day, `YYYY-MM-DD`.
    from: Option<String>,
    /// Last day (inclusive).
    to: Option<String>,
    /// Only responses about this unit or a unit under it.
    unit: Option<String>,
    /// Responses read, newest first (1–2,000; default 500).
    #[param(minimum = 1, maximum = 2000)]
    limit: Option<i64>,
}

#[derive(serde::Serialize, ToSchema)]
struct CommentDoc {
    question: String,
    text: String,
    submitted_at: String,
    /// `positive`, `neutral` or `negative`.
    sentiment: String,
    /// −1 … 1.
    score: f64,
    /// Keys of the dictionary's themes found.
    themes: Vec<String>,
}

#[derive(serde::Serialize, ToSchema)]
struct PhraseDoc {
    phrase: String,
    count: u64,
}

#[derive(serde::Serialize, ToSchema)]
struct CommentsDoc {
    items: Vec<CommentDoc>,
    /// Frequent phrases no theme covers yet: candidates for the dictionary.
    suggested_phrases: Vec<PhraseDoc>,
}

/// Open answers with sentiment and themes
///
/// The newest responses in the filter (admins and managers, within the token's units), each
/// open answer with its sentiment and themes, and frequent phrases the dictionary does not
/// cover yet.
#[utoipa::path(get, path = "/surveys/{key}/comments", tag = "results",
    params(("key" = String, Path, description = "The survey's key", example = "na-contact"), CommentsQuery),
    responses((status = 200, description = "Open answers", body = CommentsDoc)))]
async fn survey_comments(
    State(app): State<AppState>,
    auth: ApiAuth,
    gate: crate::disclosure::Gate,
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<CommentsQuery>,
) -> Result<Json<CommentsDoc>, ApiError> {
    use tevreden_domain::Lang;
    use tevreden_domain::survey::{AnswerValue, QuestionKind, stored_answers};
    auth.require(
        &[
            tevreden_storage::Role::Admin,
            tevreden_storage::Role::Manager,
        ],
        "reading open answers",
    )?;
    let survey = app.store.survey(auth.0.org_id, &key).await?;
    let limit = q.limit.unwrap_or(500);
    if !(1..=2_000).contains(&limit) {
        return Err(ApiError::field("limit", "must be 1 to 2000"));
    }
    let mut errors = Vec::new();
    let ask = tevreden_services::resolve::FilterAsk {
        from: q.from.as_deref(),
        to: q.to.as_deref(),
        unit: q.unit.as_deref(),
        ..Default::default()
    };
    let resolved = super::results::resolved(&app, &auth, &survey, &ask, &mut errors).await?;
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let tz = app.store.org_time_zone(auth.0.org_id).await?;
    let filter = resolved.filter.responses(&tz);
    let page = app
        .store
        .recent_responses(survey.id, &filter, limit)
        .await?;
    gate.survey(&survey).comments(page.len() as u64).allowed()?;
    let versions = app.store.survey_versions(survey.id).await?;
    let (dict, _) = dictionary(&app.store, auth.0.org_id).await?;
    let matcher = dict.matcher();
    let mut items = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for r in &page {
        let Some(v) = versions.iter().find(|v| v.version == Some(r.version)) else {
            continue;
        };
        let def = &v.definition;
        let answers = stored_answers(def, &r.answers);
        for qq in def
            .questions()
            .filter(|qq| matches!(qq.kind, QuestionKind::Text { .. }))
        {
            let Some(AnswerValue::Text(text)) = answers.get(&qq.id) else {
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            let lang = Lang::parse(&r.lang).unwrap_or_else(|_| Lang::nl());
            let s = tevreden_domain::text::sentiment(text, &lang);
            items.push(CommentDoc {
                question: qq.id.as_str().to_string(),
                text: text.clone(),
                submitted_at: jiff::Timestamp::from_millisecond(r.submitted_at)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                sentiment: s.label.as_str().to_string(),
                score: tevreden_domain::results::round_to(s.score, 3),
                themes: matcher
                    .themes_in(text)
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            });
            texts.push(text.clone());
        }
    }
    let suggested_phrases = suggest_phrases(texts.iter().map(String::as_str), &dict, 20)
        .into_iter()
        .map(|(phrase, count)| PhraseDoc { phrase, count })
        .collect();
    Ok(Json(CommentsDoc {
        items,
        suggested_phrases,
    }))
}
