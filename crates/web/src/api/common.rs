//! What every API resource shares: extractors that answer malformed input with
//! `application/problem+json`, cursor pagination, the caller's unit scope.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use tevreden_storage::{ContactRef, Role, Unit};

use super::ApiAuth;
use crate::AppState;
use crate::error::{ApiError, FieldError};
pub use crate::shared::{decode_cursor, encode_cursor};

/// Query parameters; a parameter of the wrong type is a `400` problem naming it.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e| {
                let mut err = ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_query",
                    "A query parameter is not valid",
                )
                .detail(e.body_text());
                err.errors = vec![FieldError {
                    path: "query".into(),
                    message: e.body_text(),
                    code: None,
                }];
                err
            })
    }
}

/// Path parameters; one of the wrong type (an id that is not a number) is a `404` problem:
/// no such resource.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(ApiError::not_found("resource").detail(e.body_text())),
        }
    }
}

/// A JSON body; syntax errors are `400`, a wrong shape `422`, another media type `415`.
pub struct ApiJson<T>(pub T);

/// A JSON object body (every body this extractor reads is one: serde would otherwise also
/// read a struct from an array of its fields in order, so that `[null, null]` made a contact).
impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(v)) if !v.is_object() => Err(ApiError::field(
                "",
                "the body must be a JSON object ({…}); nothing was changed",
            )),
            Ok(axum::Json(v)) => serde_json::from_value(v)
                .map(ApiJson)
                .map_err(|e| ApiError::field("", e.to_string())),
            Err(JsonRejection::JsonDataError(e)) => {
                let text = e.body_text();
                let message = text
                    .split_once(": ")
                    .map(|(_, rest)| rest.to_string())
                    .unwrap_or(text);
                Err(ApiError::field("", message))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported Content-Type",
            )
            .detail("Send the body as application/json.")),
            Err(JsonRejection::BytesRejection(e))
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    "The request body is too large",
                ))
            }
            Err(e) => Err(ApiError::bad_request(e.body_text())),
        }
    }
}

/// The page asked for: after which id, and how many (1–500, default 100).
#[derive(Clone, Copy, Debug)]
pub struct PageAsk {
    pub after: i64,
    pub limit: i64,
}

impl PageAsk {
    pub fn parse(cursor: Option<&str>, limit: Option<i64>) -> Result<PageAsk, ApiError> {
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => 0,
            Some(c) => decode_cursor(c).ok_or_else(|| {
                ApiError::field(
                    "cursor",
                    "is not a cursor this API gave out; use `next_cursor` of the previous page",
                )
            })?,
        };
        let limit = match limit {
            None => 100,
            Some(n) if (1..=500).contains(&n) => n,
            Some(_) => return Err(ApiError::field("limit", "must be between 1 and 500")),
        };
        Ok(PageAsk { after, limit })
    }

    /// Cuts an id-ordered list to this page; returns the page and the next cursor.
    pub fn cut<T>(&self, items: Vec<T>, id: impl Fn(&T) -> i64) -> (Vec<T>, Option<String>) {
        let mut page: Vec<T> = items.into_iter().filter(|t| id(t) > self.after).collect();
        page.sort_by_key(|t| id(t));
        let next = if page.len() as i64 > self.limit {
            page.truncate(self.limit as usize);
            page.last().map(|t| encode_cursor(id(t)))
        } else {
            None
        };
        (page, next)
    }

    /// The next cursor for a page read from the database with `limit` rows.
    pub fn next_after<T>(&self, page: &[T], id: impl Fn(&T) -> i64) -> Option<String> {
        (page.len() as i64 == self.limit)
            .then(|| page.last().map(|t| encode_cursor(id(t))))
            .flatten()
    }
}

impl ApiAuth {
    /// The units this token may see (the one rule,
    /// [`tevreden_domain::access::unit_scope`]): `None` for an unbound admin token; for a token
    /// bound to a unit, that unit's subtree (admins, managers) or the unit alone (members); for
    /// an unbound manager or member token, nothing.
    pub async fn unit_scope(&self, app: &AppState) -> Result<Option<Vec<Unit>>, ApiError> {
        let token = &self.0;
        if token.role == Role::Admin && token.unit_id.is_none() {
            return Ok(None);
        }
        let units = app.store.units(token.org_id).await?;
        let scope = tevreden_domain::access::unit_scope(token.grant(), &units);
        Ok(Some(
            units.into_iter().filter(|u| scope.contains(u.id)).collect(),
        ))
    }

    /// Ids of [`ApiAuth::unit_scope`].
    pub async fn unit_scope_ids(&self, app: &AppState) -> Result<Option<Vec<i64>>, ApiError> {
        Ok(app
            .store
            .unit_scope(self.0.org_id, self.0.grant())
            .await?
            .into_ids())
    }

    /// Ids of the units a list may show: the subtree of the `unit` filter when one is given (a
    /// unit the token may see, else `404`), otherwise the token's scope (`None`: all units).
    pub async fn units_filter(
        &self,
        app: &AppState,
        unit: Option<&str>,
    ) -> Result<Option<Vec<i64>>, ApiError> {
        let scope = self.unit_scope(app).await?;
        let Some(ext) = unit.filter(|u| !u.is_empty()) else {
            return Ok(scope.map(|s| s.iter().map(|u| u.id).collect()));
        };
        let visible = match scope {
            Some(s) => s,
            None => app.store.units(self.0.org_id).await?,
        };
        let root = visible
            .iter()
            .find(|u| u.external_id == ext)
            .ok_or_else(|| ApiError::not_found(format!("unit `{ext}`")))?;
        Ok(Some(tevreden_domain::access::subtree(&visible, root)))
    }

    /// Confines the context of a response or invitation to the token's units. A unit outside
    /// the scope (named, or implied by a touchpoint another unit owns) is `403`, and nothing
    /// is stored; a token bound to a unit that names none files it under that unit. Unscoped
    /// admin tokens may name any unit of their organisation.
    pub async fn confine_context(
        &self,
        app: &AppState,
        ctx: &mut ContactRef,
        named_unit: Option<&str>,
    ) -> Result<(), ApiError> {
        let Some(scope) = self.unit_scope_ids(app).await? else {
            return Ok(());
        };
        match ctx.unit_id {
            Some(id) if scope.contains(&id) => Ok(()),
            Some(_) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "out_of_scope",
                "Outside this token's units",
            )
            .detail(match named_unit {
                Some(u) => format!(
                    "The unit `{u}` lies outside this token's units; nothing was stored."
                ),
                None => "The touchpoint belongs to a unit outside this token's units; nothing was stored.".into(),
            })),
            None => {
                ctx.unit_id = self.0.unit_id;
                Ok(())
            }
        }
    }

    /// The actor name written to the audit log.
    pub fn actor(&self) -> tevreden_storage::Actor {
        tevreden_storage::Actor::Token(self.0.name.clone())
    }
}

/// The language of the request's `Accept-Language` among the UI's languages; English when it
/// names neither (the API's own language). Messages that have translations (the import rules'
/// refusals) are written in it.
pub struct ApiLang(pub tevreden_domain::Lang);

impl<S: Send + Sync> FromRequestParts<S> for ApiLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = parts
            .headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|a| {
                tevreden_domain::Lang::negotiate(a, &crate::i18n::ui_languages()).cloned()
            })
            .unwrap_or_else(tevreden_domain::Lang::en);
        Ok(ApiLang(lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_foreign_text() {
        for id in [0, 1, 35, 36, 1_000_000, i64::MAX / 2] {
            assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
        }
        assert_eq!(encode_cursor(36), "c10");
        for bad in ["", "c", "10", "c-1", "c!!", "czzzzzzzzzzzzzz"] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }

    #[test]
    fn pages_cut_in_id_order_with_a_cursor_only_when_more_follow() {
        let ask = PageAsk::parse(None, Some(2)).unwrap();
        let (page, next) = ask.cut(vec![5, 1, 3], |n| *n);
        assert_eq!(page, vec![1, 3]);
        let ask = PageAsk::parse(next.as_deref(), Some(2)).unwrap();
        let (page, next) = ask.cut(vec![5, 1, 3], |n| *n);
        assert_eq!((page, next), (vec![5], None));
        assert!(PageAsk::parse(None, Some(0)).is_err());
        assert!(PageAsk::parse(Some("nope"), None).is_err());
    }
}
