//! Every request to the admin app and the API gets a disclosure [`Record`] (respondent pages
//! show nothing drawn from others' responses and skip it); handlers take it as the [`Gate`] extractor and
//! pass its [`Judge`](tevreden_services::disclosure::Judge) to the results services. The
//! [`record`] middleware reports what was asked in the `Tevreden-Disclosure` response header
//! (`customers:aggregate,customers:groups`), which the route-list test reads. The header reveals
//! nothing the answer does not: only which kinds of checks ran.

use axum::extract::{FromRequestParts, Request};
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use tevreden_services::disclosure::Record;

/// The response header that lists the checks a request ran.
pub const HEADER: &str = "tevreden-disclosure";

/// The request's disclosure record, as an extractor.
pub struct Gate(pub Record);

impl std::ops::Deref for Gate {
    type Target = Record;
    fn deref(&self) -> &Record {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Gate {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Outside the middleware the record simply stays unread.
        Ok(Gate(
            parts
                .extensions
                .get::<Record>()
                .cloned()
                .unwrap_or_default(),
        ))
    }
}

/// Gives each request its [`Record`] and reports what it was asked in [`HEADER`].
pub async fn record(mut req: Request, next: Next) -> Response {
    let record = Record::default();
    req.extensions_mut().insert(record.clone());
    let mut res = next.run(req).await;
    if let Some(v) = record
        .summary()
        .and_then(|s| HeaderValue::from_str(&s).ok())
    {
        res.headers_mut().insert(HEADER, v);
    }
    res
}
