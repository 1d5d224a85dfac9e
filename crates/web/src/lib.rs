//! Tevreden's HTTP layer: respondent pages, the JSON API, i18n, templates and static assets.
//!
//! [`app`] builds the whole router from an [`AppState`]; tests start it on `127.0.0.1:0`
//! against a fresh database, the binary serves it with [`serve`]. This crate sees storage's
//! methods and types, never SQL.

pub mod admin;
pub mod api;
mod assets;
pub mod charts;
pub mod cookies;
pub mod disclosure;
mod error;
mod exports;
mod form;
pub mod i18n;
pub mod mailer;
mod respondent;
mod shared;
pub mod throttle;
mod xlsx;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use tevreden_services::cache;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tevreden_domain::Lang;
use tevreden_storage::Store;

pub use error::{ApiError, FieldError};

/// Requests larger than this are refused (413) before they are read further.
pub const MAX_BODY: usize = 64 * 1024;

/// Settings of the web layer.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The address respondents and integrators reach this server at, e.g.
    /// `https://feedback.example.nl`; used to build links in API answers and emails.
    pub public_url: String,
    /// Where email goes; without it messages wait in the outbox.
    pub smtp: Option<mailer::SmtpConfig>,
    /// How long admin sessions live.
    pub sessions: tevreden_storage::SessionPolicy,
    /// Reverse proxies whose `X-Forwarded-For` is believed (nobody else's).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Drafts and submissions per client address and public link (personal links are not
    /// limited this way); a burst of 0 turns the limit off.
    pub public_link_rate: throttle::Rate,
    /// Whether this server finishes recounts of newly kept attributes in the background (on
    /// by default; tests that watch a recount half way turn it off).
    pub background_recounts: bool,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            public_url: String::new(),
            smtp: None,
            sessions: Default::default(),
            trusted_proxies: Vec::new(),
            public_link_rate: throttle::Rate::PUBLIC_LINK,
            background_recounts: true,
        }
    }
}

impl WebConfig {
    /// Whether people reach us over https (then cookies are `Secure` and HSTS is sent).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub config: WebConfig,
    surveys: cache::SurveyCache,
    page_cache: cache::PageCache,
    /// API tokens by the hash of their secret (see `cache`).
    pub(crate) api_tokens: cache::Expiring<String, tevreden_storage::ApiToken>,
    /// Survey ids by (organisation, key), for the API's submission path.
    pub(crate) survey_ids: cache::Expiring<(i64, String), i64>,
    chrome: HashMap<String, Arc<i18n::Chrome>>,
    org_names: RwLock<HashMap<i64, String>>,
    mail_wakeup: Arc<tokio::sync::Notify>,
    /// Posts to public links per (client address, link).
    pub(crate) public_posts: throttle::Buckets<(std::net::IpAddr, String)>,
    /// Reset-link requests per client address and per email address.
    pub(crate) forgot_by_client: throttle::Buckets<std::net::IpAddr>,
    pub(crate) forgot_by_email: throttle::Buckets<String>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> AppState {
        let chrome = i18n::ui_languages()
            .iter()
            .map(|l| (l.to_string(), Arc::new(i18n::Chrome::new(l))))
            .collect();
        let public_posts = throttle::Buckets::new(config.public_link_rate, 100_000);
        AppState(Arc::new(Inner {
            public_posts,
            // A person asks for a reset link once or twice; a script asks a hundred times.
            forgot_by_client: throttle::Buckets::new(throttle::Rate::FORGOT_PER_CLIENT, 100_000),
            forgot_by_email: throttle::Buckets::new(throttle::Rate::FORGOT_PER_EMAIL, 100_000),
            store,
            config,
            surveys: Default::default(),
            page_cache: Default::default(),
            api_tokens: Default::default(),
            survey_ids: Default::default(),
            chrome,
            org_names: RwLock::new(HashMap::new()),
            mail_wakeup: Arc::new(tokio::sync::Notify::new()),
        }))
    }

    /// The client's address (behind the trusted proxies, see [`throttle::client_addr`]).
    pub fn client_addr(
        &self,
        ext: &axum::http::Extensions,
        headers: &axum::http::HeaderMap,
    ) -> std::net::IpAddr {
        throttle::client_addr(ext, headers, &self.config.trusted_proxies)
    }

    pub fn session_policy(&self) -> tevreden_storage::SessionPolicy {
        self.config.sessions
    }

    /// Tells the mail worker that the outbox has something new.
    pub fn mail_wakeup(&self) {
        self.mail_wakeup.notify_one();
    }

    /// Starts the background work of a server: the mail worker (when SMTP is configured), the
    /// hourly clean-up of drafts and sessions, and the recount of newly kept attributes. Returns the tasks, to abort on shutdown.
    pub fn start_background(&self) -> Vec<tokio::task::JoinHandle<()>> {
        // recounts of kept attributes left unfinished (by a restart, or another node) go on;
        // the store stops its task when it closes
        if self.config.background_recounts {
            self.store.start_recounts();
        }
        let mut tasks = vec![tokio::spawn(housekeeping(
            self.store.clone(),
            self.session_policy(),
        ))];
        match &self.config.smtp {
            Some(smtp) => tasks.push(tokio::spawn(mailer::run(
                self.store.clone(),
                smtp.clone(),
                self.mail_wakeup.clone(),
            ))),
            None => tracing::warn!(
                "no SMTP server configured (--smtp-url): invitations and password resets wait in the outbox"
            ),
        }
        tasks
    }

    fn chrome(&self, lang: &Lang) -> Arc<i18n::Chrome> {
        let key = if lang.primary() == "nl" { "nl" } else { "en" };
        self.chrome
            .get(key)
            .cloned()
            .unwrap_or_else(|| Arc::new(i18n::Chrome::new(lang)))
    }

    async fn org_name(&self, org_id: i64) -> String {
        if let Some(n) = self
            .org_names
            .read()
            .ok()
            .and_then(|m| m.get(&org_id).cloned())
        {
            return n;
        }
        let name = self
            .store
            .org_by_id(org_id)
            .await
            .map(|o| o.name)
            .unwrap_or_default();
        if let Ok(mut m) = self.org_names.write() {
            m.insert(org_id, name.clone());
        }
        name
    }

    /// The public link of a survey.
    pub fn survey_url(&self, public_id: &str) -> String {
        format!(
            "{}/s/{public_id}",
            self.config.public_url.trim_end_matches('/')
        )
    }

    pub fn invitation_url(&self, token: &str) -> String {
        format!("{}/t/{token}", self.config.public_url.trim_end_matches('/'))
    }
}

/// A new form submission id: time-ordered, 80 random bits (see `time_ordered_token`).
pub(crate) fn new_sid() -> String {
    tevreden_storage::time_ordered_token()
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/assets/{file}", get(assets::serve))
        .route(
            "/s/{public_id}",
            get(respondent::public_get).post(respondent::public_post),
        )
        .route("/s/{public_id}/thanks", get(respondent::public_thanks))
        .route("/s/{public_id}/privacy", get(respondent::public_privacy))
        .route(
            "/t/{token}",
            get(respondent::personal_get).post(respondent::personal_post),
        )
        .route("/t/{token}/thanks", get(respondent::personal_thanks))
        .route("/t/{token}/privacy", get(respondent::personal_privacy))
        .merge(admin::router(&state).layer(middleware::from_fn(disclosure::record)))
        .route("/api/v1/openapi.json", get(api::docs::openapi_json))
        .route("/api/docs", get(api::docs::page))
        .nest(
            "/api/v1",
            api::router().layer(middleware::from_fn(disclosure::record)),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(
            state.config.is_https(),
            security_headers,
        ))
        .with_state(state)
}

/// The root leads to the admin app (which asks to sign in when needed).
async fn home() -> impl IntoResponse {
    axum::response::Redirect::to("/app")
}

/// Liveness and readiness: the read pool answers and the ingest writer is connected.
async fn healthz(State(app): State<AppState>) -> Response {
    let pool = app.store.ping().await;
    let writer = app.store.writer_problem();
    match (pool, writer) {
        (Ok(()), None) => Json(serde_json::json!({"status": "ok"})).into_response(),
        (pool, writer) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({
                "status": "database unavailable",
                "database": if pool.is_ok() { "ok" } else { "unavailable" },
                "writer": if writer.is_none() { "ok" } else { "reconnecting" },
            })),
        )
            .into_response(),
    }
}

async fn not_found(State(app): State<AppState>, req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return ApiError::not_found(format!("route {}", req.uri().path())).into_response();
    }
    // An unknown admin address is the admin app's own "not found" (or the sign-in first),
    // never the respondent's "survey not found".
    if req.uri().path() == "/app" || req.uri().path().starts_with("/app/") {
        use axum::extract::FromRequestParts;
        let (mut parts, _) = req.into_parts();
        return match admin::auth::Signed::from_request_parts(&mut parts, &app).await {
            Ok(signed) => admin::message(&signed, StatusCode::NOT_FOUND, "page-notfound"),
            Err(to_login) => to_login,
        };
    }
    let lang = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| Lang::negotiate(a, &i18n::ui_languages()).cloned())
        .unwrap_or_else(Lang::nl);
    respondent::notice(&app, &lang, StatusCode::NOT_FOUND, "notfound", "")
}

/// The default Content-Security-Policy: nothing inline, nothing from elsewhere, no framing.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/// The default, for a page that frames our own pages (the builder and its live preview).
pub(crate) const CSP_FRAMING: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'";
/// The default, for a page our own pages may frame (the survey preview).
pub(crate) const CSP_FRAMABLE: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'self'; base-uri 'none'";

/// Text for HTML built outside the templates (which escape on their own).
pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Security headers on every answer: a strict CSP without inline scripts or styles, no
/// framing, no MIME sniffing, and no Referer (personal links carry tokens).
async fn security_headers(
    axum::extract::State(https): axum::extract::State<bool>,
    req: Request,
    next: Next,
) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    // Served over https: browsers are to come back only that way (one year).
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
        // Every cookie we set (session, sign-in, respondent language and submission id)
        // travels only over https.
        let set: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
        if !set.is_empty() {
            h.remove(header::SET_COOKIE);
            for c in set {
                h.append(header::SET_COOKIE, cookies::secured(&c).unwrap_or(c));
            }
        }
    }
    // A page may bring its own policy (the builder frames its live preview, and the preview
    // may be framed by our own pages); everything else gets the strict default.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !h.contains_key(header::X_FRAME_OPTIONS) {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

/// Serves the app on `listener` until `shutdown` resolves, then lets the ingest writer finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    let background = state.start_background();
    let router = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await;
    for task in background {
        task.abort();
    }
    store.close().await;
    result
}

/// How long an unfinished multi-page answer is kept for the respondent to come back to.
pub const DRAFT_LIFETIME: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// Once an hour: deletes abandoned drafts, ended sessions and old sign-in failures. Every node
/// may run it; the deletes are idempotent.
async fn housekeeping(store: Store, sessions: tevreden_storage::SessionPolicy) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        let before = tevreden_storage::now_ms() - DRAFT_LIFETIME.as_millis() as i64;
        match store.purge_drafts(before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "abandoned drafts purged"),
            Err(e) => tracing::warn!(error = %e, "purging drafts failed"),
        }
        if let Err(e) = store.purge_sessions(sessions).await {
            tracing::warn!(error = %e, "purging sessions failed");
        }
    }
}
