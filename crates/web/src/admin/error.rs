//! The admin app's one error type. Handlers return `Result<Response, AdminError>` (or build
//! one with [`server_error`]); the answer is a localised page inside the app's frame, rendered
//! by [`render_failures`] around every admin route, so that no handler writes its own error
//! page. Internal errors are logged with their detail and shown without it.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::Signed;
use crate::AppState;

/// What went wrong on an admin page.
#[derive(Debug)]
pub enum AdminError {
    /// The page or the thing it shows does not exist (or lies outside the user's units).
    NotFound,
    /// The user's role may not see it.
    Forbidden,
    /// A form's CSRF token was missing or stale.
    Csrf,
    /// Something failed on our side (storage, a template); the text is logged only.
    Internal(String),
}

impl AdminError {
    pub fn internal(e: impl std::fmt::Display) -> AdminError {
        AdminError::Internal(e.to_string())
    }

    fn page(&self) -> (StatusCode, &'static str) {
        match self {
            AdminError::NotFound => (StatusCode::NOT_FOUND, "page-notfound"),
            AdminError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            AdminError::Csrf => (StatusCode::FORBIDDEN, "csrf"),
            AdminError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "server-error"),
        }
    }
}

impl From<tevreden_domain::disclosure::Withheld> for AdminError {
    /// What the disclosure policy withholds is refused as a whole (the page says why).
    fn from(why: tevreden_domain::disclosure::Withheld) -> AdminError {
        match why {}
    }
}

impl From<tevreden_storage::StoreError> for AdminError {
    fn from(e: tevreden_storage::StoreError) -> AdminError {
        match e {
            tevreden_storage::StoreError::NotFound(_) => AdminError::NotFound,
            other => AdminError::internal(other),
        }
    }
}

/// The page an error became, carried on the response until [`render_failures`] renders it in
/// the user's language.
#[derive(Clone, Copy, Debug)]
struct FailedPage(&'static str);

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        if let AdminError::Internal(detail) = &self {
            tracing::error!(error = %detail, "admin page failed");
        }
        let (status, key) = self.page();
        let mut resp = status.into_response();
        resp.extensions_mut().insert(FailedPage(key));
        resp
    }
}

/// An internal error's answer: logged, then shown as the localised "something went wrong"
/// page.
pub fn server_error(e: impl std::fmt::Display) -> Response {
    AdminError::internal(e).into_response()
}

/// Middleware of the admin router: an [`AdminError`] answer becomes its page in the user's
/// language (the signed-in frame; the sign-in page for somebody whose session is gone).
pub async fn render_failures(State(app): State<AppState>, req: Request, next: Next) -> Response {
    // what the page needs afterwards (who is signed in, in which language, where they were
    // going), kept cheaply instead of a copy of the whole request
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let mut headers = axum::http::HeaderMap::new();
    for name in [header::COOKIE, header::ACCEPT_LANGUAGE] {
        for v in req.headers().get_all(&name) {
            headers.append(name.clone(), v.clone());
        }
    }
    let resp = next.run(req).await;
    let Some(FailedPage(key)) = resp.extensions().get::<FailedPage>().copied() else {
        return resp;
    };
    let (mut kept, ()) = Request::new(()).into_parts();
    (kept.method, kept.uri, kept.headers) = (method, uri, headers);
    match Signed::from_request_parts(&mut kept, &app).await {
        Ok(signed) => super::message(&signed, resp.status(), key),
        // the sign-in pages themselves: the page alone, in the browser's language
        Err(_) => {
            let lang = super::auth::ui_lang(None, &kept.headers);
            crate::respondent::notice(&app, &lang, resp.status(), key, "")
        }
    }
}
