//! Signing in and out, sessions, CSRF protection, password reset and invitations.
//!
//! * Passwords are hashed with argon2id (OWASP parameters: 19 MiB, 2 passes) on a blocking
//!   thread, never on the async runtime.
//! * The session cookie `tevreden_session` carries 256 random bits; the database keeps only
//!   its SHA-256. HttpOnly, SameSite=Lax, and Secure when the public URL is https.
//! * Every state-changing form carries the session's CSRF token, and every state-changing
//!   request must come from our own origin (`Sec-Fetch-Site` / `Origin`, see
//!   [`same_origin_only`]). The sign-in form, which has no session yet, uses a double-submit
//!   cookie.
//! * Sign-in is limited per account (locked for 15 minutes after 5 failures in a row; the page
//!   says so and until when) and per client address (20 failures per 15 minutes).

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tevreden_domain::Lang;
use tevreden_storage::{Email, LinkPurpose, Org, Session, User, now_ms};

use super::{Tr, html_page};
use crate::AppState;
use crate::form::decode_form;

pub const SESSION_COOKIE: &str = "tevreden_session";
const LOGIN_CSRF_COOKIE: &str = "tevreden_login";

/// Failed sign-ins in a row before an account is locked, and for how long.
pub const ACCOUNT_FAILURE_LIMIT: i64 = 5;
pub const ACCOUNT_LOCK_MS: i64 = 15 * 60 * 1000;
/// Failed sign-ins from one address within the window before it must wait.
pub const IP_FAILURE_LIMIT: i64 = 20;
pub const IP_WINDOW_MS: i64 = 15 * 60 * 1000;
/// How long a password-reset link and an invitation link stay valid.
pub const RESET_LINK_MS: i64 = 2 * 3600 * 1000;
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Hashes a password with argon2id into a PHC string. CPU-heavy (tens of milliseconds): call
/// it through [`hash_password_blocking`] from async code.
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .unwrap_or_default()
}

/// Checks a password against a PHC string; false for an empty or malformed hash.
pub fn verify_password(password: &str, phc: &str) -> bool {
    !phc.is_empty()
        && Argon2::default()
            .verify_password(password.as_bytes(), phc)
            .is_ok()
}

pub async fn hash_password_blocking(password: String) -> String {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .unwrap_or_default()
}

async fn verify_password_blocking(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || {
        // Unknown accounts are checked against a fixed hash so that both take as long.
        let phc = if phc.is_empty() {
            DUMMY_HASH.as_str()
        } else {
            &phc
        };
        verify_password(&password, phc) && !phc.eq(DUMMY_HASH.as_str())
    })
    .await
    .unwrap_or(false)
}

static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("not a real password, only for timing"));

/// Why a new password is not accepted, as a locale key; `None` if it is.
pub fn password_problem(password: &str, repeat: &str) -> Option<&'static str> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Some("password-too-short")
    } else if password != repeat {
        Some("password-mismatch")
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// The signed-in user

/// A signed-in user of the admin app, with their organisation and UI language.
pub struct Signed {
    pub user: User,
    pub session: Session,
    pub org: Org,
    pub lang: Lang,
}

impl Signed {
    pub fn tr(&self) -> Tr {
        Tr::local(&self.lang, self.org.tz())
    }

    /// True when the form carries this session's CSRF token.
    pub fn csrf_ok(&self, fields: &[(String, String)]) -> bool {
        fields
            .iter()
            .find(|(k, _)| k == "_csrf")
            .is_some_and(|(_, v)| {
                constant_time_eq(v.as_bytes(), self.session.csrf_token.as_bytes())
            })
    }

    /// The units this user may see (`None`: all), by the one rule (`access::unit_scope`).
    pub async fn unit_scope(
        &self,
        app: &AppState,
    ) -> Result<Option<Vec<i64>>, tevreden_storage::StoreError> {
        Ok(app
            .store
            .unit_scope(self.org.id, self.user.grant())
            .await?
            .into_ids())
    }

    pub fn actor(&self) -> tevreden_storage::Actor {
        tevreden_storage::Actor::User(self.user.email.clone())
    }

    /// The fields of a form only admins may send, with this session's CSRF token; otherwise
    /// the page that says why not.
    pub fn admin_form(
        &self,
        body: &[u8],
    ) -> Result<Vec<(String, String)>, Box<axum::response::Response>> {
        if self.user.role != tevreden_storage::Role::Admin {
            return Err(Box::new(super::forbidden(self)));
        }
        let fields = crate::form::decode_form(body).unwrap_or_default();
        if !self.csrf_ok(&fields) {
            return Err(Box::new(super::csrf_refused(self)));
        }
        Ok(fields)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

use crate::cookies::{SameSite, get as cookie};

/// The UI language: the user's choice, else the browser's, else Dutch.
pub fn ui_lang(user_lang: Option<&str>, headers: &HeaderMap) -> Lang {
    if let Some(l) = user_lang.and_then(|l| Lang::parse(l).ok()) {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| Lang::negotiate(a, &crate::i18n::ui_languages()).cloned())
        .unwrap_or_else(Lang::nl)
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/app");
            let target = if parts.method == Method::GET {
                format!("/login?next={}", urlencode(next))
            } else {
                "/login".to_string()
            };
            Redirect::to(&target).into_response()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let found = app
            .store
            .session(token, app.session_policy())
            .await
            .map_err(|e| super::error::server_error(format!("loading the session failed: {e}")))?;
        let Some((session, user)) = found else {
            return Err(to_login());
        };
        let org =
            app.store.org_by_id(user.org_id).await.map_err(|e| {
                super::error::server_error(format!("loading organisation failed: {e}"))
            })?;
        let lang = ui_lang(user.lang.as_deref(), &parts.headers);
        Ok(Signed {
            user,
            session,
            org,
            lang,
        })
    }
}

pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Only local app paths are followed after sign-in (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/app") && !n.starts_with("//") && !n.contains('\\') => {
            n.to_string()
        }
        _ => "/app".to_string(),
    }
}

/// Refuses state-changing requests from other sites: `Sec-Fetch-Site` must be `same-origin`
/// or `none` when the browser sends it, and `Origin`, when present, must be our own host.
pub async fn same_origin_only(req: Request, next: Next) -> Response {
    let m = req.method();
    if m == Method::GET || m == Method::HEAD || m == Method::OPTIONS {
        return next.run(req).await;
    }
    let h = req.headers();
    // Browsers that send Sec-Fetch-Site say exactly where a request comes from. Others are
    // judged by Origin; `Origin: null` (what Chromium sends under `Referrer-Policy:
    // no-referrer`) says nothing, and the CSRF token decides.
    let (site_ok, origin_ok) = match h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(s) => (s == "same-origin" || s == "none", true),
        None => {
            let origin_ok = match h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
                Some("null") | None => true,
                Some(o) => {
                    let host = h
                        .get(header::HOST)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    o.split_once("://").map(|(_, rest)| rest) == Some(host)
                }
            };
            (true, origin_ok)
        }
    };
    if site_ok && origin_ok {
        next.run(req).await
    } else {
        (
            StatusCode::FORBIDDEN,
            "This request came from another site and was refused. Go back to the page and try again.",
        )
            .into_response()
    }
}

fn session_cookie(token: &str, max_age: Option<i64>) -> HeaderValue {
    crate::cookies::set(SESSION_COOKIE, token, "/", SameSite::Lax, max_age)
}

// ---------------------------------------------------------------------------------------------
// Pages

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage<'a> {
    tr: &'a Tr,
    css: &'static str,
    lang: &'a str,
    head_title: String,
    csrf: &'a str,
    next: &'a str,
    email: &'a str,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/password.html")]
struct PasswordPage<'a> {
    tr: &'a Tr,
    css: &'static str,
    lang: &'a str,
    head_title: String,
    /// `forgot` (ask for a link), `reset` or `invite` (choose a password), `sent`, `invalid`
    mode: &'a str,
    action: &'a str,
    email: &'a str,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
    pub done: Option<String>,
}

pub async fn login_page(Query(q): Query<NextQuery>, headers: HeaderMap) -> Response {
    let lang = ui_lang(None, &headers);
    let notice = match q.done.as_deref() {
        Some("logout") => Some("login-signed-out"),
        Some("password") => Some("login-password-set"),
        _ => None,
    };
    login_form(
        &lang,
        q.next.as_deref(),
        "",
        None,
        notice.map(|k| Tr::new(&lang).t(k)),
        StatusCode::OK,
    )
}

fn login_form(
    lang: &Lang,
    next: Option<&str>,
    email: &str,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = Tr::new(lang);
    let csrf = tevreden_storage::random_token(16);
    let page = LoginPage {
        tr: &tr,
        css: crate::assets::ADMIN_CSS.path.as_str(),
        lang: lang.as_str(),
        head_title: tr.t("login-title"),
        csrf: &csrf,
        next: &safe_next(next),
        email,
        error,
        notice,
    };
    let mut resp = html_page(status, page.render());
    resp.headers_mut().append(
        header::SET_COOKIE,
        crate::cookies::set(LOGIN_CSRF_COOKIE, &csrf, "/login", SameSite::Strict, None),
    );
    resp
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn minutes_until(t: i64) -> i64 {
    ((t - now_ms()).max(0) + 59_999) / 60_000
}

pub async fn login_submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let client = app.client_addr(req.extensions(), &headers);
    // The limits count a client by its address (IPv6: its /64); the session keeps the address.
    let ip = crate::throttle::limit_key(client).to_string();
    let lang = ui_lang(None, &headers);
    let tr = Tr::new(&lang);
    let body = match axum::body::to_bytes(req.into_body(), crate::MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let Ok(fields) = decode_form(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let email = field(&fields, "email").trim().to_string();
    let password = field(&fields, "password").to_string();
    let next = field(&fields, "next").to_string();
    let again =
        |error: String, status| login_form(&lang, Some(&next), &email, Some(error), None, status);
    // Double-submit check: the form's token must match the cookie set with the form.
    let cookie_token = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if cookie_token.is_empty()
        || !constant_time_eq(field(&fields, "_csrf").as_bytes(), cookie_token.as_bytes())
    {
        return again(tr.t("login-expired-form"), StatusCode::FORBIDDEN);
    }
    if email.is_empty() || password.is_empty() {
        // Nothing to check, nothing counted against anyone.
        return again(tr.t("login-empty"), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let since = now_ms() - IP_WINDOW_MS;
    match app.store.ip_failures(&ip, since).await {
        Ok(n) if n >= IP_FAILURE_LIMIT => {
            return again(
                tr.t_n("login-ip-limited", IP_WINDOW_MS / 60_000),
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
        Ok(_) => {}
        Err(e) => {
            return super::error::server_error(format!("reading sign-in failures failed: {e}"));
        }
    }
    // An account is locked for one client at a time: failures from this address for this
    // account. Somebody elsewhere who knows the address locks only himself out.
    let account = email.to_lowercase();
    let lock_since = now_ms() - ACCOUNT_LOCK_MS;
    let locked_until = |(n, oldest): (i64, Option<i64>)| {
        (n >= ACCOUNT_FAILURE_LIMIT).then(|| oldest.unwrap_or_else(now_ms) + ACCOUNT_LOCK_MS)
    };
    match app.store.account_failures(&account, &ip, lock_since).await {
        Ok(f) => {
            if let Some(until) = locked_until(f) {
                return again(
                    tr.t_n("login-locked", minutes_until(until)),
                    StatusCode::TOO_MANY_REQUESTS,
                );
            }
        }
        Err(e) => {
            return super::error::server_error(format!("reading sign-in failures failed: {e}"));
        }
    }
    let found = match app.store.user_for_login(&email).await {
        Ok(f) => f,
        Err(e) => {
            return super::error::server_error(format!("loading user failed: {e}"));
        }
    };
    let hash = found.as_ref().map(|(_, h)| h.clone()).unwrap_or_default();
    let ok = verify_password_blocking(password, hash).await;
    let found_user = found.clone();
    let user = match (found, ok) {
        (Some((user, _)), true) if user.disabled_at.is_none() => user,
        _ => {
            let _ = app.store.record_sign_in_failure(&ip, Some(&account)).await;
            if let Ok(f) = app.store.account_failures(&account, &ip, lock_since).await
                && let Some(until) = locked_until(f)
            {
                if let Some((user, _)) = &found_user {
                    let _ = app.store.mark_locked(user.id, until).await;
                }
                return again(
                    tr.t_n("login-locked", minutes_until(until)),
                    StatusCode::TOO_MANY_REQUESTS,
                );
            }
            return again(tr.t("login-failed"), StatusCode::UNAUTHORIZED);
        }
    };
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let created = async {
        app.store
            .record_login_success(user.id, &account, &ip)
            .await?;
        app.store
            .create_session(user.id, Some(&client.to_string()), ua)
            .await
    }
    .await;
    match created {
        Ok((token, _)) => {
            let mut resp = Redirect::to(&safe_next(Some(&next))).into_response();
            resp.headers_mut()
                .append(header::SET_COOKIE, session_cookie(&token, None));
            resp
        }
        Err(e) => super::error::server_error(format!("starting session failed: {e}")),
    }
}

/// Signs out (`POST /logout`): this session, or with `everywhere=1` every session of the user.
pub async fn logout(
    State(app): State<AppState>,
    headers: HeaderMap,
    signed: Signed,
    body: Bytes,
) -> Response {
    let fields = decode_form(&body).unwrap_or_default();
    if !signed.csrf_ok(&fields) {
        return super::csrf_refused(&signed);
    }
    let result = if field(&fields, "everywhere") == "1" {
        app.store.end_all_sessions(signed.user.id).await.map(|_| ())
    } else {
        app.store
            .end_session(cookie(&headers, SESSION_COOKIE).unwrap_or(""))
            .await
    };
    if let Err(e) = result {
        return super::error::server_error(format!("ending session failed: {e}"));
    }
    let mut resp = Redirect::to("/login?done=logout").into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, session_cookie("", Some(0)));
    resp
}

fn password_page(
    lang: &Lang,
    mode: &str,
    action: &str,
    email: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = Tr::new(lang);
    let title = tr.t(&format!("password-{mode}-title"));
    html_page(
        status,
        PasswordPage {
            tr: &tr,
            css: crate::assets::ADMIN_CSS.path.as_str(),
            lang: lang.as_str(),
            head_title: title,
            mode,
            action,
            email,
            error,
        }
        .render(),
    )
}

/// `GET /forgot`: ask for a reset link.
pub async fn forgot_page(headers: HeaderMap) -> Response {
    password_page(
        &ui_lang(None, &headers),
        "forgot",
        "/forgot",
        "",
        None,
        StatusCode::OK,
    )
}

/// `POST /forgot`: always the same answer, whether the address is known or not.
pub async fn forgot_submit(
    State(app): State<AppState>,
    crate::throttle::ClientAddr(client): crate::throttle::ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = ui_lang(None, &headers);
    let fields = decode_form(&body).unwrap_or_default();
    let email = field(&fields, "email").trim().to_string();
    if !email.contains('@') {
        return password_page(
            &lang,
            "forgot",
            "/forgot",
            &email,
            Some(Tr::new(&lang).t("password-email-invalid")),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let base = app.config.public_url.trim_end_matches('/').to_string();
    let make = |user: &User, token: &str| {
        let tr = Tr::new(&ui_lang(user.lang.as_deref(), &headers));
        Email {
            to: user.email.clone(),
            subject: tr.t("mail-reset-subject"),
            body: tr.t_args(
                "mail-reset-body",
                &[
                    ("name", user.name.clone()),
                    ("link", format!("{base}/reset/{token}")),
                    ("hours", (RESET_LINK_MS / 3_600_000).to_string()),
                ],
            ),
        }
    };
    // Throttled per client and per address; the answer is the same either way (it must not
    // tell whether an account exists), only no more mail is queued.
    let allowed = app
        .forgot_by_client
        .take(crate::throttle::limit_key(client))
        .is_ok()
        && app.forgot_by_email.take(email.to_lowercase()).is_ok();
    if !allowed {
        tracing::warn!(%client, "password reset requests throttled");
    } else if let Err(e) = app
        .store
        .request_password_reset(&email, RESET_LINK_MS, &make)
        .await
    {
        return super::error::server_error(format!("password reset request failed: {e}"));
    } else {
        app.mail_wakeup();
    }
    password_page(&lang, "sent", "/forgot", &email, None, StatusCode::OK)
}

fn purpose_of(kind: &str) -> Option<(LinkPurpose, &'static str)> {
    match kind {
        "reset" => Some((LinkPurpose::Reset, "reset")),
        "invite" => Some((LinkPurpose::Invite, "invite")),
        _ => None,
    }
}

pub async fn reset_page(
    app: State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    link_page(app, "reset", token, headers).await
}

pub async fn invite_page(
    app: State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    link_page(app, "invite", token, headers).await
}

pub async fn reset_submit(
    app: State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    link_submit(app, "reset", token, headers, body).await
}

pub async fn invite_submit(
    app: State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    link_submit(app, "invite", token, headers, body).await
}

/// `GET /reset/{token}` and `/invite/{token}`: choose a (new) password.
async fn link_page(
    State(app): State<AppState>,
    kind: &str,
    token: String,
    headers: HeaderMap,
) -> Response {
    let Some((purpose, mode)) = purpose_of(kind) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match app.store.user_link(&token, purpose).await {
        Ok(Some(user)) => {
            let lang = ui_lang(user.lang.as_deref(), &headers);
            password_page(
                &lang,
                mode,
                &format!("/{kind}/{token}"),
                &user.email,
                None,
                StatusCode::OK,
            )
        }
        Ok(None) => password_page(
            &ui_lang(None, &headers),
            "invalid",
            "/forgot",
            "",
            None,
            StatusCode::GONE,
        ),
        Err(e) => super::error::server_error(format!("loading link failed: {e}")),
    }
}

async fn link_submit(
    State(app): State<AppState>,
    kind: &str,
    token: String,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((purpose, mode)) = purpose_of(kind) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let user = match app.store.user_link(&token, purpose).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            return password_page(
                &ui_lang(None, &headers),
                "invalid",
                "/forgot",
                "",
                None,
                StatusCode::GONE,
            );
        }
        Err(e) => {
            return super::error::server_error(format!("loading link failed: {e}"));
        }
    };
    let lang = ui_lang(user.lang.as_deref(), &headers);
    let fields = decode_form(&body).unwrap_or_default();
    let password = field(&fields, "password");
    if let Some(problem) = password_problem(password, field(&fields, "repeat")) {
        let msg = Tr::new(&lang).t_n(problem, MIN_PASSWORD_CHARS as i64);
        return password_page(
            &lang,
            mode,
            &format!("/{kind}/{token}"),
            &user.email,
            Some(msg),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let hash = hash_password_blocking(password.to_string()).await;
    match app
        .store
        .set_password_with_link(&token, purpose, &hash)
        .await
    {
        Ok(Some(_)) => Redirect::to("/login?done=password").into_response(),
        Ok(None) => password_page(&lang, "invalid", "/forgot", "", None, StatusCode::GONE),
        Err(e) => super::error::server_error(format!("setting password failed: {e}")),
    }
}
