//! The cookies Tevreden reads and sets (the session, the sign-in form's token, a respondent's
//! language, a public link's submission id), parsed and written by the `cookie` crate: one
//! parser for every request, one builder for every answer.

use axum::http::{HeaderMap, HeaderValue, header};
pub use cookie::SameSite;
use cookie::{Cookie, time::Duration};

/// The value of the first cookie called `name` in the request's `Cookie` headers.
pub fn get<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .and_then(|c| c.value_raw())
}

/// A `Set-Cookie` value: HttpOnly (no script reads any of ours), `same_site`, on `path`, kept
/// `max_age` seconds (`Some(0)` removes it; `None` keeps it while the browser runs). Over https
/// the server's headers middleware makes every cookie [`secured`].
pub fn set(
    name: &str,
    value: &str,
    path: &str,
    same_site: SameSite,
    max_age: Option<i64>,
) -> HeaderValue {
    let mut c = Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .same_site(same_site);
    if let Some(seconds) = max_age {
        c = c.max_age(Duration::seconds(seconds));
    }
    HeaderValue::from_str(&c.build().to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The same `Set-Cookie` value, sent over https only; `None` when it does not parse.
pub fn secured(v: &HeaderValue) -> Option<HeaderValue> {
    let mut c = Cookie::parse(v.to_str().ok()?).ok()?;
    c.set_secure(true);
    HeaderValue::from_str(&c.to_string()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_cookie_from_every_header() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; tevreden_session=abc"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("lang=nl"));
        assert_eq!(get(&h, "tevreden_session"), Some("abc"));
        assert_eq!(get(&h, "lang"), Some("nl"));
        assert_eq!(get(&h, "session"), None);
    }

    #[test]
    fn sets_and_secures() {
        let v = set("s", "t", "/s/x", SameSite::Lax, Some(0));
        let text = v.to_str().unwrap();
        for part in ["s=t", "HttpOnly", "SameSite=Lax", "Path=/s/x", "Max-Age=0"] {
            assert!(text.contains(part), "{text}");
        }
        assert!(!text.contains("Secure"));
        let s = secured(&v).unwrap();
        assert!(s.to_str().unwrap().contains("; Secure"), "{s:?}");
    }
}
