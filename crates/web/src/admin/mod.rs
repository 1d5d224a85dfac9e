//! The admin web app: server-rendered pages in Dutch and English for CX and HR leads,
//! managers and team members, behind a sign-in. Forms post back to the server (no front-end
//! build step); a little plain JavaScript only enhances (copy buttons).

pub mod auth;
mod builder;
mod dashboard;
pub mod error;
mod org_pages;
mod pages;
mod scorecard_pages;

pub use pages::looks_like_email;

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::AppState;
pub use crate::i18n::Tr;
use auth::Signed;

/// The admin app's routes: [`router`] registers exactly these, and [`paths`] lists them (the
/// second-organisation test walks every one).
fn routes() -> Vec<(&'static str, axum::routing::MethodRouter<AppState>)> {
    vec![
        ("/login", get(auth::login_page).post(auth::login_submit)),
        ("/logout", post(auth::logout)),
        ("/forgot", get(auth::forgot_page).post(auth::forgot_submit)),
        (
            "/reset/{token}",
            get(auth::reset_page).post(auth::reset_submit),
        ),
        (
            "/invite/{token}",
            get(auth::invite_page).post(auth::invite_submit),
        ),
        ("/app", get(|| async { Redirect::to("/app/surveys") })),
        ("/app/surveys", get(pages::surveys)),
        (
            "/app/surveys/new",
            get(builder::new_survey).post(builder::create_survey),
        ),
        (
            "/app/surveys/{key}/edit",
            get(builder::edit_page).post(builder::edit_submit),
        ),
        (
            "/app/surveys/{key}/preview",
            get(builder::preview).post(builder::preview_submit),
        ),
        ("/app/surveys/{key}/file", get(builder::download)),
        ("/app/surveys/{key}/responses", get(pages::responses)),
        ("/app/surveys/{key}/export.csv", get(pages::export_csv)),
        (
            "/app/surveys/{key}/publish",
            get(builder::publish_page).post(builder::publish_submit),
        ),
        ("/app/results", get(pages::results)),
        ("/app/surveys/{key}/dashboard", get(dashboard::dashboard)),
        (
            "/app/results/themes",
            get(dashboard::themes_page).post(dashboard::themes_save),
        ),
        (
            "/app/results/attributes",
            get(dashboard::kept_attributes_page).post(dashboard::kept_attributes_save),
        ),
        ("/app/scorecards", get(scorecard_pages::overview)),
        (
            "/app/scorecards/settings",
            get(scorecard_pages::settings_page),
        ),
        (
            "/app/scorecards/indicator",
            post(scorecard_pages::save_indicator),
        ),
        (
            "/app/scorecards/targets",
            post(scorecard_pages::save_targets),
        ),
        (
            "/app/scorecards/units/{external_id}",
            get(scorecard_pages::unit_page),
        ),
        (
            "/app/scorecards/units/{external_id}/influences",
            post(scorecard_pages::save_influences),
        ),
        ("/app/organisation", get(org_pages::units)),
        ("/app/organisation/units", post(org_pages::create_unit)),
        (
            "/app/organisation/units/{external_id}",
            get(org_pages::unit_page).post(org_pages::save_unit_page),
        ),
        (
            "/app/organisation/units/{external_id}/delete",
            post(org_pages::delete_unit),
        ),
        (
            "/app/organisation/employees",
            get(org_pages::employees).post(org_pages::create_employee),
        ),
        (
            "/app/organisation/employees/{external_id}",
            get(org_pages::employee_page).post(org_pages::save_employee_page),
        ),
        (
            "/app/organisation/employees/{external_id}/delete",
            post(org_pages::delete_employee),
        ),
        (
            "/app/organisation/contacts",
            get(org_pages::contacts).post(org_pages::create_contact),
        ),
        (
            "/app/organisation/contacts/{external_id}",
            get(org_pages::contact_page).post(org_pages::save_contact_page),
        ),
        (
            "/app/organisation/contacts/{external_id}/delete",
            post(org_pages::delete_contact),
        ),
        (
            "/app/organisation/touchpoints",
            get(org_pages::touchpoints).post(org_pages::save_touchpoint),
        ),
        ("/app/organisation/channels", post(org_pages::save_channel)),
        (
            "/app/organisation/import",
            get(pages::import_page).post(pages::import_submit).layer(
                axum::extract::DefaultBodyLimit::max(pages::IMPORT_MAX_BYTES),
            ),
        ),
        ("/app/people", get(pages::people).post(pages::invite_user)),
        (
            "/app/people/{id}",
            get(pages::user_edit).post(pages::user_save),
        ),
        ("/app/tokens", get(pages::tokens).post(pages::create_token)),
        ("/app/tokens/{id}/revoke", post(pages::revoke_token)),
        ("/app/settings", get(pages::settings)),
        ("/app/settings/language", post(pages::set_language)),
        ("/app/audit", get(pages::audit)),
        ("/app/audit.json", get(pages::audit_json)),
    ]
}

/// The paths of the admin app's routes, as registered.
pub fn paths() -> Vec<&'static str> {
    routes().into_iter().map(|(path, _)| path).collect()
}

/// The admin app's routes; every error answer among them becomes its localised page
/// ([`error::render_failures`]).
pub fn router(app: &AppState) -> Router<AppState> {
    routes()
        .into_iter()
        .fold(Router::new(), |r, (path, handlers)| r.route(path, handlers))
        .layer(middleware::from_fn(auth::same_origin_only))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            error::render_failures,
        ))
}

/// What every app page shows around its content.
pub struct Layout<'a> {
    pub tr: Tr,
    pub head_title: String,
    pub org_name: &'a str,
    pub user_name: &'a str,
    pub user_role: String,
    pub is_admin: bool,
    pub section: &'static str,
    pub csrf: &'a str,
    pub css: &'static str,
    pub js: &'static str,
}

impl<'a> Layout<'a> {
    pub fn new(signed: &'a Signed, section: &'static str, title_key: &str) -> Layout<'a> {
        let tr = signed.tr();
        let title = tr.t(title_key);
        Layout {
            head_title: format!("{title} – {}", signed.org.name),
            user_role: tr.role(&signed.user.role),
            tr,
            org_name: &signed.org.name,
            user_name: &signed.user.name,
            is_admin: signed.user.role == tevreden_storage::Role::Admin,
            section,
            csrf: &signed.session.csrf_token,
            css: crate::assets::ADMIN_CSS.path.as_str(),
            js: crate::assets::ADMIN_JS.path.as_str(),
        }
    }
    pub fn nav(&self) -> Vec<NavItem> {
        let mut items = vec![
            ("surveys", "/app/surveys"),
            ("results", "/app/results"),
            ("scorecards", "/app/scorecards"),
            ("organisation", "/app/organisation"),
        ];
        if self.is_admin {
            items.push(("people", "/app/people"));
        }
        items.push(("settings", "/app/settings"));
        items
            .into_iter()
            .map(|(k, href)| NavItem {
                href,
                label: self.tr.t(&format!("nav-{k}")),
                current: k == self.section,
            })
            .collect()
    }
    pub fn lang(&self) -> &str {
        self.tr.lang()
    }
    pub fn css_admin(&self) -> &'static str {
        self.css
    }
}

pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// A rendered page with the headers every app page gets (never cached: it is personal).
pub fn html_page(status: StatusCode, rendered: askama::Result<String>) -> Response {
    match rendered {
        Ok(html) => {
            let mut resp = (status, Html(html)).into_response();
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Err(e) => error::server_error(format!("template error: {e}")),
    }
}

#[derive(Template)]
#[template(path = "admin/message.html")]
struct MessagePage<'a> {
    layout: Layout<'a>,
    title: String,
    body: String,
}

/// A full page with a title and a sentence, inside the app's frame.
pub fn message(signed: &Signed, status: StatusCode, key: &str) -> Response {
    let layout = Layout::new(signed, "", &format!("{key}-title"));
    let title = layout.tr.t(&format!("{key}-title"));
    let body = layout.tr.t(&format!("{key}-body"));
    html_page(
        status,
        MessagePage {
            layout,
            title,
            body,
        }
        .render(),
    )
}

/// The answer to a form whose CSRF token is missing or stale.
pub fn csrf_refused(signed: &Signed) -> Response {
    message(signed, StatusCode::FORBIDDEN, "csrf")
}

/// The answer when a role may not see a page.
pub fn forbidden(signed: &Signed) -> Response {
    message(signed, StatusCode::FORBIDDEN, "forbidden")
}

/// Values of a form field that may repeat (`<select multiple>`).
pub fn all_values<'a>(fields: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

pub fn first<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Field errors of a form, by field name, as already translated messages.
pub type FormErrors = HashMap<&'static str, String>;
