//! API errors as `application/problem+json` (RFC 9457), with a field list for validation
//! errors: `{"type", "title", "status", "detail", "errors": [{"path", "message"}]}`.
//! Internal errors are logged with detail and shown to callers without it.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tevreden_storage::StoreError;

/// One invalid field: where (`answers.nps`, `units.0`, …) and what is wrong with it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub path: String,
    pub message: String,
    /// A stable code for what is wrong, where the API has one (the import rules' codes for
    /// units, employees and contacts, e.g. `not_an_email`); `message` is then in the
    /// request's `Accept-Language` (nl or en; English otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A problem (RFC 9457), as every error of the API is answered. The documented twin of the
/// private `Problem` below.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ProblemDoc)]
pub struct ProblemDoc {
    /// `urn:tevreden:problem:<code>`, e.g. `urn:tevreden:problem:validation`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What happened and what to do next.
    pub detail: Option<String>,
    /// For validation problems: each invalid field.
    pub errors: Option<Vec<FieldError>>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: String,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, title: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            title: title.into(),
            detail: None,
            errors: Vec::new(),
            retry_after: None,
        }
    }
    pub fn detail(mut self, d: impl Into<String>) -> ApiError {
        self.detail = Some(d.into());
        self
    }
    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "The request contains invalid values",
        );
        e.detail = Some(format!("{} problem(s); see `errors`", errors.len()));
        e.errors = errors;
        e
    }
    pub fn field(path: &str, message: impl Into<String>) -> ApiError {
        ApiError::validation(vec![FieldError {
            path: path.into(),
            message: message.into(),
            code: None,
        }])
    }
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The request could not be read",
        )
        .detail(detail)
    }
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Missing or invalid API token",
        )
        .detail("Send `Authorization: Bearer tvd_…` with a token from `tevreden token create`.")
    }
    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Your token's role does not allow this",
        )
        .detail(detail)
    }
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "Not found")
            .detail(format!("{} not found", what.into()))
    }
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
        )
        .detail("Something went wrong on our side; it has been logged. Nothing was changed.")
    }
    pub fn overloaded() -> ApiError {
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "The server is busy",
        )
        .detail("Nothing was stored. Retry after a moment.");
        e.retry_after = Some(1);
        e
    }

    pub fn unavailable() -> ApiError {
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "The database is unavailable",
        )
        .detail(
            "The response may not have been stored. Retry in a few seconds with the same \
             Idempotency-Key: a retry never creates a duplicate.",
        );
        e.retry_after = Some(5);
        e
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Conflict(msg) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", "Conflict").detail(msg)
            }
            StoreError::Invalid(msg) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "Invalid")
                    .detail(msg.to_string())
            }
            e @ StoreError::UnknownReference { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "Invalid")
                    .detail(format!("{e}; nothing was changed."))
            }
            other => {
                tracing::error!(error = %other, "storage error");
                ApiError::internal()
            }
        }
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [FieldError],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            kind: format!("urn:tevreden:problem:{}", self.code),
            title: &self.title,
            status: self.status.as_u16(),
            detail: self.detail.as_deref(),
            errors: &self.errors,
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut resp = (
            self.status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            )],
            json,
        )
            .into_response();
        if let Some(s) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp
    }
}

impl From<tevreden_domain::disclosure::Withheld> for ApiError {
    /// What the disclosure policy withholds is refused as a whole (the reason names why).
    fn from(why: tevreden_domain::disclosure::Withheld) -> ApiError {
        match why {}
    }
}
