//! The admin app: sign-in, sessions, CSRF, lock-out, roles and scopes, invitations by email
//! through a real SMTP server.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use reqwest::StatusCode;
use tevreden_storage::{NewUser, Role};
use tevreden_web::admin::auth::hash_password;

use crate::{MINIMAL, TestApp, hidden};

pub const PASSWORD: &str = "correct horse battery";

pub async fn add_user(app: &TestApp, org_id: i64, email: &str, role: Role, units: Vec<i64>) {
    app.store
        .create_user(
            &NewUser {
                org_id,
                email: email.into(),
                name: email.split('@').next().unwrap().into(),
                role,
                lang: Some("en".into()),
                unit_ids: units,
                password_hash: Some(hash_password(PASSWORD)),
            },
            &tevreden_storage::Actor::Cli,
            None,
        )
        .await
        .unwrap();
}

/// The `name=value` of a Set-Cookie header for `name`.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.to_string())
}

fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

/// Signs in; returns the response to the POST and the form's cookie pair.
async fn try_login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    try_login_via(app, email, password, None).await
}

/// [`try_login`] through a reverse proxy that says the client is `forwarded_for`.
pub async fn try_login_via(
    app: &TestApp,
    email: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let with_proxy = |b: reqwest::RequestBuilder| match forwarded_for {
        Some(f) => b.header("x-forwarded-for", f),
        None => b,
    };
    let r = with_proxy(app.http.get(app.url("/login")))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let form_cookie = pair(&set_cookie(&r, "tevreden_login").expect("login form cookie"));
    let html = r.text().await.unwrap();
    let csrf = hidden(&html, "_csrf");
    with_proxy(app.http.post(app.url("/login")))
        .header("accept-language", "en")
        .header("cookie", form_cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("next", "/app/surveys"),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// Signs in and returns the session cookie pair.
pub async fn login(app: &TestApp, email: &str) -> String {
    let r = try_login(app, email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
    assert_eq!(r.headers()["location"], "/app/surveys");
    let c = set_cookie(&r, "tevreden_session").expect("session cookie");
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    pair(&c)
}

pub async fn page(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String) {
    let r = app
        .http
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn sign_in_see_surveys_and_sign_out() {
    let app = TestApp::spawn().await;
    app.publish(MINIMAL).await;
    add_user(&app, app.org_id, "Lead@Example.com", Role::Admin, vec![]).await;
    // without a session the app asks to sign in, keeping where you were going
    let r = app.http.get(app.url("/app/surveys")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?next=%2Fapp%2Fsurveys");
    // a wrong password is refused with a clear message and no session
    let r = try_login(&app, "lead@example.com", "wrong password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie(&r, "tevreden_session").is_none());
    assert!(r.text().await.unwrap().contains("is not right"));
    // email addresses match whatever their case
    let cookie = login(&app, "LEAD@example.com").await;
    let (status, html) = page(&app, &cookie, "/app/surveys").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("After your call"),
        "the survey's title in the user's language"
    );
    assert!(html.contains("after-call") && html.contains("/s/"));
    assert!(html.contains("<html lang=\"en\">"));
    // sign out: the session ends on the server too
    let csrf = hidden(&html, "_csrf");
    let r = app
        .http
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        set_cookie(&r, "tevreden_session")
            .unwrap()
            .contains("Max-Age=0")
    );
    let (status, _) = page(&app, &cookie, "/app/surveys").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the old cookie no longer works"
    );
}

#[tokio::test]
async fn state_changes_need_the_csrf_token_and_our_origin() {
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "a@example.com", Role::Admin, vec![]).await;
    let cookie = login(&app, "a@example.com").await;
    let (_, html) = page(&app, &cookie, "/app/settings").await;
    let csrf = hidden(&html, "_csrf");
    let post = |form: Vec<(&'static str, String)>, origin: Option<&'static str>| {
        let mut rb = app
            .http
            .post(app.url("/app/settings/language"))
            .header("cookie", &cookie)
            .form(&form);
        if let Some(o) = origin {
            rb = rb.header("origin", o);
        }
        rb.send()
    };
    let r = post(vec![("lang", "nl".into())], None).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no token");
    let r = post(vec![("lang", "nl".into()), ("_csrf", "0".repeat(32))], None)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "wrong token");
    let r = post(
        vec![("lang", "nl".into()), ("_csrf", csrf.clone())],
        Some("https://evil.example"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "another site");
    let r = app
        .http
        .post(app.url("/app/settings/language"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "cross-site")
        .header("origin", "null")
        .form(&[("lang", "nl"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "a browser says: another site"
    );
    let (_, html) = page(&app, &cookie, "/app/settings").await;
    assert!(html.contains("<html lang=\"en\">"), "nothing changed");
    let own = format!("http://{}", app.addr);
    let r = app
        .http
        .post(app.url("/app/settings/language"))
        .header("cookie", &cookie)
        .header("origin", own)
        .form(&[("lang", "nl"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &cookie, "/app/settings").await;
    assert!(html.contains("<html lang=\"nl\">") && html.contains("Instellingen"));
    // the sign-in form itself is protected by its double-submit cookie
    let r = app
        .http
        .post(app.url("/login"))
        .form(&[("email", "a@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_and_say_until_when() {
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "a@example.com", Role::Admin, vec![]).await;
    for _ in 0..4 {
        let r = try_login(&app, "a@example.com", "nope nope nope").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = try_login(&app, "a@example.com", "nope nope nope").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("locked") && text.contains("15 minutes"),
        "{text}"
    );
    // even the right password waits until the lock ends
    let r = try_login(&app, "a@example.com", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(set_cookie(&r, "tevreden_session").is_none());
}

#[tokio::test]
async fn roles_and_unit_scopes_decide_what_is_shown() {
    let app = TestApp::spawn().await;
    let table = tevreden_domain::import::read_table(
        b"external_id,name,parent,office\nHQ,Hoofdkantoor,,back\nKS,Klantenservice,HQ,front\nKS-TEL,Telefonie,KS,front\nFIN,Financien,HQ,back\n",
    )
    .unwrap();
    let units: Vec<_> = tevreden_domain::import::check_units(&table, &Default::default())
        .records
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    app.store.import_units(app.org_id, &units).await.unwrap();
    let all = app.store.units(app.org_id).await.unwrap();
    let id = |k: &str| all.iter().find(|u| u.external_id == k).unwrap().id;
    add_user(&app, app.org_id, "admin@example.com", Role::Admin, vec![]).await;
    add_user(
        &app,
        app.org_id,
        "mgr@example.com",
        Role::Manager,
        vec![id("KS")],
    )
    .await;
    add_user(
        &app,
        app.org_id,
        "tel@example.com",
        Role::Member,
        vec![id("KS-TEL")],
    )
    .await;

    let admin = login(&app, "admin@example.com").await;
    let (_, html) = page(&app, &admin, "/app/organisation").await;
    for name in ["Hoofdkantoor", "Klantenservice", "Telefonie", "Financien"] {
        assert!(html.contains(name), "admin sees {name}");
    }
    assert_eq!(page(&app, &admin, "/app/people").await.0, 200);

    let mgr = login(&app, "mgr@example.com").await;
    let (_, html) = page(&app, &mgr, "/app/organisation").await;
    assert!(html.contains("Klantenservice") && html.contains("Telefonie"));
    assert!(!html.contains("Financien") && !html.contains("Hoofdkantoor"));
    let (status, html) = page(&app, &mgr, "/app/people").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!html.contains("admin@example.com"), "no user list leaks");

    let tel = login(&app, "tel@example.com").await;
    let (_, html) = page(&app, &tel, "/app/organisation").await;
    assert!(html.contains("Telefonie") && !html.contains("Klantenservice"));
    assert_eq!(
        page(&app, &tel, "/app/audit").await.0,
        StatusCode::FORBIDDEN
    );

    // responses are scoped the same way, on the page and in the export
    app.publish(MINIMAL).await;
    for (unit, why) in [
        ("KS-TEL", "wachttijd telefonie"),
        ("FIN", "factuur klopte niet"),
    ] {
        let r = app
            .api(reqwest::Method::POST, "/surveys/after-call/responses")
            .json(&serde_json::json!({"answers": {"nps": 3, "answered": false, "effort": 2, "why": why},
                                      "context": {"unit": unit}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let (_, html) = page(&app, &admin, "/app/surveys/after-call/responses").await;
    assert!(html.contains("wachttijd telefonie") && html.contains("factuur klopte niet"));
    for who in [&mgr, &tel] {
        let (_, html) = page(&app, who, "/app/surveys/after-call/responses").await;
        assert!(html.contains("wachttijd telefonie"));
        assert!(
            !html.contains("factuur klopte niet"),
            "another unit's response leaked"
        );
    }
    let (_, csv) = page(&app, &mgr, "/app/surveys/after-call/export.csv").await;
    assert!(csv.contains("wachttijd telefonie") && !csv.contains("factuur"));
    assert_eq!(csv.lines().count(), 2, "header and one row");
    assert_eq!(
        page(&app, &tel, "/app/surveys/after-call/export.csv")
            .await
            .0,
        StatusCode::FORBIDDEN,
        "members do not export"
    );
}

#[tokio::test]
async fn organisations_do_not_see_each_other() {
    let app = TestApp::spawn().await;
    app.publish(MINIMAL).await;
    let other = app.store.create_org("other", "Other BV").await.unwrap();
    add_user(&app, other.id, "b@other.example", Role::Admin, vec![]).await;
    let cookie = login(&app, "b@other.example").await;
    let (_, html) = page(&app, &cookie, "/app/surveys").await;
    assert!(html.contains("Other BV"));
    assert!(!html.contains("after-call") && !html.contains("Acme"));
    let (_, html) = page(&app, &cookie, "/app/people").await;
    assert!(!html.contains("@example.com"));
}

/// aiosmtpd (PyPI) on a free port; its output lines are the messages it received.
struct SmtpSink {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    port: u16,
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
        // scripts/test.sh installs aiosmtpd into a venv and names its python here.
        let python = std::env::var("TEVREDEN_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut child = Command::new(python)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd) runs the test SMTP server");
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the SMTP server starts (is aiosmtpd installed?)");
        let port = first
            .strip_prefix("LISTENING ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {first}"));
        SmtpSink {
            child,
            lines: rx,
            port,
        }
    }

    fn next_message(&self) -> serde_json::Value {
        let line = self
            .lines
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("an email arrives");
        serde_json::from_str(&line).unwrap()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn link_in(body: &str, path: &str) -> String {
    let start = body.find(path).expect("a link in the email");
    body[start..].split_whitespace().next().unwrap().to_string()
}

// Multi-threaded: the test thread blocks while it waits for mail; the server runs on another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_and_password_reset_travel_by_real_smtp() {
    let smtp = SmtpSink::start();
    let app = TestApp::spawn_with_smtp(smtp.port).await;
    add_user(&app, app.org_id, "lead@example.com", Role::Admin, vec![]).await;
    let cookie = login(&app, "lead@example.com").await;
    let (_, html) = page(&app, &cookie, "/app/people").await;
    let csrf = hidden(&html, "_csrf");
    // a refused invitation changes nothing and says what to fix
    let r = app
        .http
        .post(app.url("/app/people"))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", "not an address"),
            ("name", "Sam"),
            ("role", "member"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("name@example.com") && html.contains("at least one unit"));
    assert_eq!(app.store.users(app.org_id).await.unwrap().len(), 1);
    // a good one sends an email with a link to choose a password
    let r = app
        .http
        .post(app.url("/app/people"))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", "sam@example.com"),
            ("name", "Sam de Boer"),
            ("role", "admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mail = smtp.next_message();
    assert_eq!(mail["to"][0], "sam@example.com");
    assert!(mail["subject"].as_str().unwrap().contains("Acme Energie"));
    let body = mail["body"].as_str().unwrap();
    assert!(body.contains("Sam de Boer"), "{body}");
    let link = link_in(body, &format!("http://{}/invite/", app.addr));
    let path = link
        .split_once(&app.addr.to_string())
        .unwrap()
        .1
        .to_string();
    let r = app.http.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // too short, then mismatched, then right
    for (pw, repeat, status) in [
        ("short", "short", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "long enough one",
            "long enough two",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "a brand new secret",
            "a brand new secret",
            StatusCode::SEE_OTHER,
        ),
    ] {
        let r = app
            .http
            .post(app.url(&path))
            .form(&[("password", pw), ("repeat", repeat)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status);
    }
    let r = try_login(&app, "sam@example.com", "a brand new secret").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // the link works once
    let r = app.http.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::GONE);

    // password reset: the same answer for known and unknown addresses; mail only for known
    for email in ["nobody@example.com", "sam@example.com"] {
        let r = app
            .http
            .post(app.url("/forgot"))
            .header("accept-language", "en")
            .form(&[("email", email)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("If an account exists"));
    }
    let mail = smtp.next_message();
    assert_eq!(
        mail["to"][0], "sam@example.com",
        "only the known address gets mail"
    );
    let link = link_in(
        mail["body"].as_str().unwrap(),
        &format!("http://{}/reset/", app.addr),
    );
    let path = link
        .split_once(&app.addr.to_string())
        .unwrap()
        .1
        .to_string();
    let sam_session = pair(&set_cookie(&r_login_ok(&app).await, "tevreden_session").unwrap());
    let r = app
        .http
        .post(app.url(&path))
        .form(&[
            ("password", "another new secret"),
            ("repeat", "another new secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        page(&app, &sam_session, "/app/surveys").await.0,
        StatusCode::SEE_OTHER,
        "a reset signs out everywhere"
    );
    assert_eq!(
        try_login(&app, "sam@example.com", "a brand new secret")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        try_login(&app, "sam@example.com", "another new secret")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.store.outbox_pending().await.unwrap(), 0);
    // the audit log has the invitation
    let entries = app.store.audit_entries(app.org_id, None, 10).await.unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.action == "user.create" && e.object_key == "sam@example.com")
    );
}

async fn r_login_ok(app: &TestApp) -> reqwest::Response {
    let r = try_login(app, "sam@example.com", "a brand new secret").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    r
}

/// Posts a builder form with the page's CSRF token.
async fn edit(app: &TestApp, cookie: &str, key: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let (_, html) = page(app, cookie, &format!("/app/surveys/{key}/edit")).await;
    let csrf = hidden(&html, "_csrf");
    let mut all = vec![("_csrf", csrf.as_str())];
    all.extend_from_slice(form);
    app.http
        .post(app.url(&format!("/app/surveys/{key}/edit")))
        .header("cookie", cookie)
        .form(&all)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn build_publish_and_answer_a_survey_in_the_app() {
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "lead@example.com", Role::Admin, vec![]).await;
    let cookie = login(&app, "lead@example.com").await;
    let (_, html) = page(&app, &cookie, "/app/surveys/new").await;
    let csrf = hidden(&html, "_csrf");
    // a bad key is refused with a reason; nothing is created
    let r = app
        .http
        .post(app.url("/app/surveys/new"))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("key", "Bad Key"),
            ("title_en", "X"),
            ("template", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("lower-case letters"));
    assert!(app.store.surveys(app.org_id).await.unwrap().is_empty());
    let r = app
        .http
        .post(app.url("/app/surveys/new"))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("key", "na-gesprek"),
            ("title_nl", "Na uw gesprek"),
            ("title_en", "After your call"),
            ("template", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/app/surveys/na-gesprek/edit");
    // add a yes/no question, then an open question shown only to detractors
    let r = edit(
        &app,
        &cookie,
        "na-gesprek",
        &[
            ("action", "add"),
            ("type", "yesno"),
            ("new_id", "answered"),
            ("page", "0"),
            ("text.nl", "Is uw vraag beantwoord?"),
            ("text.en", "Was your question answered?"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = edit(
        &app,
        &cookie,
        "na-gesprek",
        &[
            ("action", "add"),
            ("type", "text"),
            ("new_id", "why"),
            ("page", "0"),
            ("text.nl", "Wat kan beter?"),
            ("text.en", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &cookie, "/app/surveys/na-gesprek/edit").await;
    assert!(
        html.contains("no en translation"),
        "a missing translation is flagged"
    );
    let r = edit(
        &app,
        &cookie,
        "na-gesprek",
        &[
            ("action", "update"),
            ("id", "why"),
            ("text.nl", "Wat kan beter?"),
            ("text.en", "What could we do better?"),
            ("cond_question", "q1"),
            ("cond_op", "lte"),
            ("cond_value", "6"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // a duplicate id is refused with the parser's reason and nothing changes
    let r = edit(
        &app,
        &cookie,
        "na-gesprek",
        &[
            ("action", "add"),
            ("type", "nps"),
            ("new_id", "why"),
            ("page", "0"),
            ("text.nl", "x"),
            ("text.en", "x"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("already"));
    // the preview renders the draft as respondents see it
    let (status, html) = page(&app, &cookie, "/app/surveys/na-gesprek/preview?lang=en").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Was your question answered?") && html.contains("What could we do better?")
    );
    // publishing: the first version
    let (_, html) = page(&app, &cookie, "/app/surveys/na-gesprek/publish").await;
    assert!(html.contains("first version"));
    let csrf = hidden(&html, "_csrf");
    let r = app
        .http
        .post(app.url("/app/surveys/na-gesprek/publish"))
        .header("cookie", &cookie)
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let published = app.store.survey(app.org_id, "na-gesprek").await.unwrap();
    assert_eq!(published.status.as_str(), "open");
    // answer it on the public link
    let path = format!("/s/{}", published.public_id);
    let r = app.http.get(app.url(&path)).send().await.unwrap();
    let form = r.text().await.unwrap();
    let (sid, v) = (hidden(&form, "sid"), hidden(&form, "v"));
    let r = app
        .http
        .post(app.url(&path))
        .form(&[
            ("sid", sid.as_str()),
            ("v", v.as_str()),
            ("page", "0"),
            ("lang", "nl"),
            ("q.q1", "4"),
            ("q.answered", "no"),
            ("q.why", "Sneller antwoorden"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("na-gesprek").await, 1);
    // the response shows in the app, and downloads as CSV
    let (status, html) = page(&app, &cookie, "/app/surveys/na-gesprek/responses").await;
    assert_eq!(status, 200);
    assert!(html.contains("Sneller antwoorden") && html.contains("<th scope=\"col\">why</th>"));
    let (status, csv) = page(
        &app,
        &cookie,
        "/app/surveys/na-gesprek/export.csv?delimiter=semicolon",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        csv.starts_with('\u{feff}') && csv.contains(";Sneller antwoorden"),
        "{csv}"
    );
    // a second version: the publish page lists what changed
    let r = edit(
        &app,
        &cookie,
        "na-gesprek",
        &[("action", "up"), ("id", "why")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &cookie, "/app/surveys/na-gesprek/publish").await;
    assert!(html.contains("Question why moved"), "{html}");
    let (_, html) = page(&app, &cookie, "/app/surveys").await;
    assert!(html.contains("Na uw gesprek") || html.contains("After your call"));
    assert!(html.contains("new draft"));
    // the file view round-trips
    let r = app
        .http
        .get(app.url("/app/surveys/na-gesprek/file?format=yaml"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let yaml = r.text().await.unwrap();
    assert!(yaml.contains("key: na-gesprek") && yaml.contains("lte: 6"));
    // team members may not build
    add_user(&app, app.org_id, "m@example.com", Role::Member, vec![]).await;
    let member = login(&app, "m@example.com").await;
    for path in [
        "/app/surveys/new",
        "/app/surveys/na-gesprek/edit",
        "/app/surveys/na-gesprek/publish",
    ] {
        assert_eq!(
            page(&app, &member, path).await.0,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

#[tokio::test]
async fn admins_change_roles_disable_accounts_and_manage_tokens() {
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "lead@example.com", Role::Admin, vec![]).await;
    add_user(&app, app.org_id, "sam@example.com", Role::Admin, vec![]).await;
    let lead = login(&app, "lead@example.com").await;
    let sam_session = login(&app, "sam@example.com").await;
    let users = app.store.users(app.org_id).await.unwrap();
    let sam = users
        .iter()
        .find(|u| u.email == "sam@example.com")
        .unwrap()
        .id;
    let me = users
        .iter()
        .find(|u| u.email == "lead@example.com")
        .unwrap()
        .id;
    let (_, html) = page(&app, &lead, &format!("/app/people/{sam}")).await;
    let csrf = hidden(&html, "_csrf");
    let save = |id: i64, form: Vec<(&'static str, String)>| {
        let mut form = form;
        form.push(("_csrf", csrf.clone()));
        app.http
            .post(app.url(&format!("/app/people/{id}")))
            .header("cookie", &lead)
            .form(&form)
            .send()
    };
    // a manager needs units
    let r = save(sam, vec![("role", "manager".into())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // no one demotes or disables themselves
    let r = save(me, vec![("role", "member".into())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // disabling signs the person out everywhere and keeps them out
    let r = save(
        sam,
        vec![("role", "admin".into()), ("disabled", "1".into())],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        page(&app, &sam_session, "/app/surveys").await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        try_login(&app, "sam@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let audit = app.store.audit_entries(app.org_id, None, 5).await.unwrap();
    let change = audit.iter().find(|e| e.action == "user.update").unwrap();
    assert_eq!(change.before.as_ref().unwrap()["disabled"], false);
    assert_eq!(change.after.as_ref().unwrap()["disabled"], true);

    // tokens: created once-visible, usable, revocable, with last use recorded
    let (_, html) = page(&app, &lead, "/app/tokens").await;
    let csrf = hidden(&html, "_csrf");
    let r = app
        .http
        .post(app.url("/app/tokens"))
        .header("cookie", &lead)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", "crm"),
            ("role", "admin"),
            ("unit", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let html = r.text().await.unwrap();
    let start = html.find("tvd_").expect("the new token is shown");
    let secret: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let call = |s: String| {
        app.http
            .get(app.url("/api/v1/surveys"))
            .bearer_auth(s)
            .send()
    };
    assert_eq!(call(secret.clone()).await.unwrap().status(), 200);
    let (_, html) = page(&app, &lead, "/app/tokens").await;
    assert!(!html.contains(&secret), "the secret is shown only once");
    let tokens = app.store.api_tokens(app.org_id).await.unwrap();
    let crm = tokens.iter().find(|t| t.name == "crm").unwrap();
    assert!(crm.last_used_at.is_some());
    let r = app
        .http
        .post(app.url(&format!("/app/tokens/{}/revoke", crm.id)))
        .header("cookie", &lead)
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(call(secret).await.unwrap().status(), 401);
}

#[tokio::test]
async fn import_in_the_browser_reports_refused_rows_and_changes_nothing_unless_asked() {
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "lead@example.com", Role::Admin, vec![]).await;
    let cookie = login(&app, "lead@example.com").await;
    let (_, html) = page(&app, &cookie, "/app/organisation/import").await;
    let csrf = hidden(&html, "_csrf");
    // semicolons and a BOM, as Dutch Excel writes them; line 4 has an unknown office
    let csv = "\u{feff}external_id;name;parent;office\nHQ;Hoofdkantoor;;back\nKS;Klantenservice;HQ;front\nXX;Kapot;HQ;zijkant\n";
    let send = |skip: bool| {
        let mut form = reqwest::multipart::Form::new()
            .text("_csrf", csrf.clone())
            .text("kind", "units")
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("units.csv"),
            );
        if skip {
            form = form.text("skip_invalid", "1");
        }
        app.http
            .post(app.url("/app/organisation/import"))
            .header("cookie", &cookie)
            .multipart(form)
            .send()
    };
    let r = send(false).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<td class=\"num\">4</td>") && html.contains("zijkant"),
        "{html}"
    );
    assert!(
        app.store.units(app.org_id).await.unwrap().is_empty(),
        "nothing imported"
    );
    let r = send(true).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("2 created"));
    assert_eq!(app.store.units(app.org_id).await.unwrap().len(), 2);
    // importing again updates, never duplicates
    let r = send(true).await.unwrap();
    assert!(r.text().await.unwrap().contains("0 created, 2 updated"));
    assert_eq!(app.store.units(app.org_id).await.unwrap().len(), 2);
}

/// Signs in a Dutch-speaking admin; returns the session cookie and the import form's CSRF token.
async fn dutch_admin_on_the_import_page(app: &TestApp) -> (String, String) {
    app.store
        .create_user(
            &NewUser {
                org_id: app.org_id,
                email: "beheer@example.com".into(),
                name: "Beheer".into(),
                role: Role::Admin,
                lang: Some("nl".into()),
                unit_ids: vec![],
                password_hash: Some(hash_password(PASSWORD)),
            },
            &tevreden_storage::Actor::Cli,
            None,
        )
        .await
        .unwrap();
    let cookie = login(app, "beheer@example.com").await;
    let (_, html) = page(app, &cookie, "/app/organisation/import").await;
    let csrf = hidden(&html, "_csrf");
    (cookie, csrf)
}

async fn upload(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, String) {
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.to_string())
        .text("kind", kind.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    let r = app
        .http
        .post(app.url("/app/organisation/import"))
        .header("cookie", cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn an_import_sheet_spanning_the_whole_grid_is_refused_and_the_server_keeps_answering() {
    let app = TestApp::spawn().await;
    let (cookie, csrf) = dutch_admin_on_the_import_page(&app).await;
    // one cell at A1 and one at XFD1048576, written as Excel writes it: a small file whose
    // grid is 17 billion cells (it once made the server allocate 512 GB and abort)
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.write_string(0, 0, "external_id").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let excel = wb.save_to_buffer().unwrap();
    assert!(excel.len() < 10_000, "{} bytes", excel.len());
    let (s, html) = upload(&app, &cookie, &csrf, "units", "units.xlsx", excel).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(
            "Het bestand heeft een waarde in kolom XFD (cel XFD1048576); er kunnen hoogstens 1.000 kolommen worden geïmporteerd."
        ),
        "{html}"
    );
    // a file whose declared dimension lies is refused by the cells it holds
    let lying = tevreden_domain::import::xlsx_with_sheet(&tevreden_domain::import::sheet_xml(
        Some("A1"),
        &[("A1", "external_id"), ("XFD1048576", "x")],
    ));
    let (s, html) = upload(&app, &cookie, &csrf, "units", "units.xlsx", lying).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("kolom XFD (cel XFD1048576)"), "{html}");
    // the server still answers, and nothing was written
    let (s, _) = page(&app, &cookie, "/app/organisation/import").await;
    assert_eq!(s, StatusCode::OK);
    assert!(app.store.units(app.org_id).await.unwrap().is_empty());
}

#[tokio::test]
async fn import_refusals_are_in_the_users_language() {
    let app = TestApp::spawn().await;
    let (cookie, csrf) = dutch_admin_on_the_import_page(&app).await;
    let csv = "external_id;name;parent;office\nHQ;Hoofdkantoor;;back\nXX;Kapot;NOPE;zijkant\nHQ;Dubbel;;back\n";
    let (s, html) = upload(&app, &cookie, &csrf, "units", "units.csv", csv.into()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for reason in [
        "‘zijkant’ is geen front of back (frontoffice / backoffice).",
        "‘HQ’ komt ook voor op regel 2.",
    ] {
        assert!(html.contains(reason), "{reason}: {html}");
    }
    assert!(!html.contains("is not front or back"), "{html}");
    // a file that is no table at all: said in Dutch too
    let (s, html) = upload(&app, &cookie, &csrf, "units", "leeg.csv", b"\n\n".to_vec()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Het bestand is leeg: de eerste regel moet de kolommen noemen."),
        "{html}"
    );
}

/// Posts a form from `page_path` (for its CSRF token) to `action`.
pub async fn post_form(
    app: &TestApp,
    cookie: &str,
    page_path: &str,
    action: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let (_, html) = page(app, cookie, page_path).await;
    let csrf = hidden(&html, "_csrf");
    let mut all = vec![("_csrf", csrf.as_str())];
    all.extend_from_slice(form);
    let r = app
        .http
        .post(app.url(action))
        .header("cookie", cookie)
        .header("origin", app.url(""))
        .form(&all)
        .send()
        .await
        .unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (r.status(), r.text().await.unwrap(), location)
}

#[tokio::test]
async fn organisation_pages_create_move_and_delete_records() {
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "admin@example.com", Role::Admin, vec![]).await;
    let admin = login(&app, "admin@example.com").await;
    let org = "/app/organisation";
    let (s, html) = page(&app, &admin, org).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("No units yet"),
        "an empty state that says what to do"
    );

    // create a small tree
    for (id, name, parent, office) in [
        ("KS", "Klantenservice", "", "front"),
        ("KS-TEL", "Telefonie", "KS", "front"),
        ("FIN", "Financien", "", "back"),
    ] {
        let (s, body, loc) = post_form(
            &app,
            &admin,
            org,
            "/app/organisation/units",
            &[
                ("external_id", id),
                ("name", name),
                ("parent", parent),
                ("office", office),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{id}: {body}");
        assert_eq!(
            loc.as_deref(),
            Some(format!("/app/organisation?saved={id}").as_str())
        );
    }
    // a duplicate id and an empty name are refused with messages on the fields; nothing changes
    let (s, html, _) = post_form(
        &app,
        &admin,
        org,
        "/app/organisation/units",
        &[("external_id", "KS"), ("name", ""), ("office", "front")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("already used"), "{html}");
    assert_eq!(app.store.units(app.org_id).await.unwrap().len(), 3);

    // move KS-TEL under FIN (and its office); a move into its own subtree is refused
    let (s, _, _) = post_form(
        &app,
        &admin,
        "/app/organisation/units/KS-TEL",
        "/app/organisation/units/KS-TEL",
        &[("name", "Telefonie"), ("parent", "FIN"), ("office", "back")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let tel = app.store.unit(app.org_id, "KS-TEL").await.unwrap();
    let fin = app.store.unit(app.org_id, "FIN").await.unwrap();
    assert_eq!(tel.parent_id, Some(fin.id));
    assert!(
        tel.path.starts_with(&fin.path),
        "the materialised path follows the move"
    );
    let (s, html, _) = post_form(
        &app,
        &admin,
        "/app/organisation/units/FIN",
        "/app/organisation/units/FIN",
        &[
            ("name", "Financien"),
            ("parent", "KS-TEL"),
            ("office", "back"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("own subtree"), "{html}");

    // employees and contacts
    let (s, body, _) = post_form(
        &app,
        &admin,
        "/app/organisation/employees",
        "/app/organisation/employees",
        &[
            ("external_id", "E1"),
            ("name", "Sanne"),
            ("email", "sanne@x.nl"),
            ("unit", "KS-TEL"),
            ("customer_facing", "1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let e = app.store.employee(app.org_id, "E1").await.unwrap();
    assert!(e.customer_facing && e.unit == "KS-TEL");
    let (s, html, _) = post_form(
        &app,
        &admin,
        "/app/organisation/employees",
        "/app/organisation/employees",
        &[
            ("external_id", "E2"),
            ("name", "Bram"),
            ("email", "bram-at-x"),
            ("unit", "KS"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Enter an email address"), "{html}");
    let (s, _, _) = post_form(
        &app,
        &admin,
        "/app/organisation/contacts",
        "/app/organisation/contacts",
        &[
            ("external_id", "C1"),
            ("name", "Klaas"),
            ("lang", "nl"),
            ("attributes", "segment = zakelijk\nregio = noord"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let c = app.store.contact(app.org_id, "C1").await.unwrap();
    assert_eq!(c.attributes.get("regio").map(String::as_str), Some("noord"));
    let (_, html) = page(&app, &admin, "/app/organisation/contacts?q=klaas").await;
    assert!(html.contains("segment: zakelijk"));

    // channels and touchpoints (a back-office unit owns one)
    let (s, _, _) = post_form(
        &app,
        &admin,
        "/app/organisation/touchpoints",
        "/app/organisation/channels",
        &[("key", "phone"), ("name", "Telefoon"), ("kind", "phone")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = post_form(
        &app,
        &admin,
        "/app/organisation/touchpoints",
        "/app/organisation/touchpoints",
        &[
            ("key", "invoice"),
            ("name", "Factuur"),
            ("unit", "FIN"),
            ("channel", ""),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        app.store
            .touchpoint(app.org_id, "invoice")
            .await
            .unwrap()
            .unit_id,
        fin.id
    );

    // a unit in use is not deleted; an unused one is
    let (s, html, _) = post_form(
        &app,
        &admin,
        "/app/organisation/units/FIN",
        "/app/organisation/units/FIN/delete",
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("still in use"));
    let (s, _, _) = post_form(
        &app,
        &admin,
        "/app/organisation/employees/E1",
        "/app/organisation/employees/E1/delete",
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = post_form(
        &app,
        &admin,
        "/app/organisation/units/KS",
        "/app/organisation/units/KS/delete",
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(app.store.unit(app.org_id, "KS").await.is_err());
    let audit = app
        .store
        .audit_entries(app.org_id, None, 100)
        .await
        .unwrap();
    for action in [
        "unit.create",
        "unit.update",
        "unit.delete",
        "employee.create",
        "employee.delete",
        "contact.create",
        "channel.create",
        "touchpoint.create",
    ] {
        assert!(
            audit.iter().any(|a| a.action == action),
            "{action} not audited"
        );
    }

    // a manager sees the subtree, no forms, and may not post; a member sees no employees
    add_user(
        &app,
        app.org_id,
        "mgr@example.com",
        Role::Manager,
        vec![fin.id],
    )
    .await;
    add_user(
        &app,
        app.org_id,
        "mem@example.com",
        Role::Member,
        vec![tel.id],
    )
    .await;
    let mgr = login(&app, "mgr@example.com").await;
    let (_, html) = page(&app, &mgr, org).await;
    assert!(html.contains("Telefonie") && !html.contains("name=\"external_id\""));
    let (s, _) = page(&app, &mgr, "/app/organisation/employees").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = post_form(
        &app,
        &mgr,
        org,
        "/app/organisation/units",
        &[("external_id", "X"), ("name", "X"), ("office", "front")],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mem = login(&app, "mem@example.com").await;
    assert_eq!(
        page(&app, &mem, "/app/organisation/employees").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        page(&app, &mem, "/app/organisation/units/FIN").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        page(&app, &mem, "/app/organisation/units/KS-TEL").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_builder_previews_an_edit_live_without_saving_it() {
    let app = TestApp::spawn().await;
    app.publish(MINIMAL).await;
    add_user(&app, app.org_id, "lead@example.com", Role::Admin, vec![]).await;
    let cookie = login(&app, "lead@example.com").await;
    let r = app
        .http
        .get(app.url("/app/surveys/after-call/edit"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("frame-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("name=\"live-preview\""));
    let before = app.store.survey(app.org_id, "after-call").await.unwrap();
    let versions_before = app.store.survey_versions(before.id).await.unwrap().len();
    // typing a new text for `why`: the preview shows it on its page, the draft does not change
    let r = edit(
        &app,
        &cookie,
        "after-call",
        &[
            ("action", "update"),
            ("id", "why"),
            ("live", "1"),
            ("text.nl", "Wat kan er beter, denkt u?"),
            ("text.en", "What could be better?"),
            ("cond_question", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-frame-options"], "SAMEORIGIN");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'self'")
    );
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Wat kan er beter, denkt u?") || body.contains("What could be better?"),
        "{body}"
    );
    assert_eq!(
        app.store.survey_versions(before.id).await.unwrap().len(),
        versions_before,
        "a live preview saves nothing"
    );
    // an edit that cannot be applied says why, in the frame
    let r = edit(
        &app,
        &cookie,
        "after-call",
        &[
            ("action", "update"),
            ("id", "nope"),
            ("live", "1"),
            ("text.nl", "x"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // other pages still refuse to be framed
    let r = app
        .http
        .get(app.url("/app/surveys"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-frame-options"], "DENY");
}

/// Every route of the admin app (as the router registers them, so a new route is walked too),
/// as an admin, a manager and a member of a second organisation, with the first
/// organisation's keys and ids in the path and in every filter of the query: nothing of the
/// first shows, and nothing of it changes.
#[tokio::test]
async fn every_app_route_role_and_second_organisation_leaks_nothing() {
    let app = TestApp::spawn().await;
    app.publish(MINIMAL).await;
    let units = tevreden_domain::import::check_units(
        &tevreden_domain::import::read_table(
            b"external_id,name,office\nKS,Geheime Klantenservice,front\n",
        )
        .unwrap(),
        &Default::default(),
    );
    let units: Vec<_> = units.records.into_iter().map(|(_, r)| r).collect();
    app.store.import_units(app.org_id, &units).await.unwrap();
    let r = app
        .api(reqwest::Method::PUT, "/employees/E1")
        .json(&serde_json::json!({"name": "Geheime Medewerker", "unit": "KS", "customer_facing": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .api(reqwest::Method::PUT, "/contacts/C1")
        .json(&serde_json::json!({"name": "Geheime Klant", "email": "geheim@klant.nl"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .api(reqwest::Method::POST, "/surveys/after-call/responses")
        .json(&serde_json::json!({"answers": {"nps": 2, "answered": false, "effort": 1, "why": "geheim antwoord van A"}, "context": {"unit": "KS"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    add_user(&app, app.org_id, "geheim@acme.example", Role::Admin, vec![]).await;
    let a_user = app.store.users(app.org_id).await.unwrap()[0].id;
    let (_, a_token) = app
        .store
        .create_api_token(
            app.org_id,
            "acme-geheime-koppeling",
            Role::Admin,
            None,
            &tevreden_storage::Actor::Cli,
        )
        .await
        .unwrap();
    let markers = [
        "Geheime Klantenservice",
        "Geheime Medewerker",
        "Geheime Klant",
        "geheim@klant.nl",
        "geheim antwoord van A",
        "geheim@acme.example",
        "acme-geheime-koppeling",
        "Acme Energie",
    ];
    let audit_before = app
        .store
        .audit_entries(app.org_id, None, 10_000)
        .await
        .unwrap()
        .len();
    let survey = app.store.survey(app.org_id, "after-call").await.unwrap();
    let versions_before = app.store.survey_versions(survey.id).await.unwrap().len();

    let b = app.store.create_org("other", "Other BV").await.unwrap();
    let b_units = tevreden_domain::import::check_units(
        &tevreden_domain::import::read_table(b"external_id,name,office\nB1,Team B,front\n")
            .unwrap(),
        &Default::default(),
    );
    let b_units: Vec<_> = b_units.records.into_iter().map(|(_, r)| r).collect();
    app.store.import_units(b.id, &b_units).await.unwrap();
    let b1 = app.store.unit(b.id, "B1").await.unwrap().id;
    let mut sessions = Vec::new();
    for (email, role) in [
        ("ba@other.example", Role::Admin),
        ("bm@other.example", Role::Manager),
        ("bx@other.example", Role::Member),
    ] {
        add_user(
            &app,
            b.id,
            email,
            role,
            if role == Role::Admin {
                vec![]
            } else {
                vec![b1]
            },
        )
        .await;
        sessions.push((role, login(&app, email).await));
    }

    // the routes as the router registers them (a new route is walked too)
    let mut routes: Vec<String> = tevreden_web::admin::paths()
        .into_iter()
        .filter(|p| p.starts_with("/app"))
        .map(String::from)
        .collect();
    routes.sort();
    routes.dedup();
    assert!(
        routes.len() >= 30,
        "the router has only {} /app routes",
        routes.len()
    );
    let mut calls = 0;
    for template in &routes {
        let path = template
            .replace("{key}", "after-call")
            .replace(
                "{id}",
                &if template.starts_with("/app/tokens") {
                    a_token.id
                } else {
                    a_user
                }
                .to_string(),
            )
            .replace(
                "{external_id}",
                if template.contains("/employees/") {
                    "E1"
                } else if template.contains("/contacts/") {
                    "C1"
                } else {
                    "KS"
                },
            );
        for (role, cookie) in &sessions {
            let (status, html) = page(&app, cookie, &path).await;
            calls += 1;
            for m in markers {
                assert!(!html.contains(m), "{role:?} of B saw `{m}` on GET {path}");
            }
            // A's keys in every filter the pages take, and a cursor into A's ids
            let with_query = format!(
                "{path}?unit=KS&touchpoint=call&channel=phone&employee=E1&contact=C1\
                 &attribute=segment&group=attribute&cursor=c1&before=999999&q=Geheim&export=breakdown"
            );
            let (query_status, html) = page(&app, cookie, &with_query).await;
            calls += 1;
            for m in markers {
                assert!(
                    !html.contains(m),
                    "{role:?} of B saw `{m}` on GET {with_query}"
                );
            }
            assert!(
                query_status.as_u16() < 500,
                "GET {with_query} as {role:?}: {query_status}"
            );
            if template.contains('{') {
                assert!(
                    !status.is_success(),
                    "GET {path} as {role:?} of B answered {status}"
                );
            }
            // a change as B, with B's own CSRF token and a form that would be valid in A
            let (_, home) = page(&app, cookie, "/app/settings").await;
            let csrf = hidden(&home, "_csrf");
            let r = app
                .http
                .post(app.url(&path))
                .header("cookie", cookie)
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("name", "Overgenomen"),
                    ("office", "front"),
                    ("unit", "KS"),
                    ("role", "member"),
                    ("disabled", "1"),
                    ("action", "texts"),
                    ("title.nl", "Overgenomen"),
                ])
                .send()
                .await
                .unwrap();
            calls += 1;
            let status = r.status();
            let body = r.text().await.unwrap();
            for m in markers {
                assert!(
                    !body.contains(m),
                    "{role:?} of B saw `{m}` after POST {path}"
                );
            }
            assert!(status.as_u16() < 500, "POST {path} as {role:?}: {status}");
        }
    }
    assert!(calls >= 270, "{calls} calls");
    // A is as it was
    assert_eq!(
        app.store.unit(app.org_id, "KS").await.unwrap().name,
        "Geheime Klantenservice"
    );
    assert_eq!(
        app.store.employee(app.org_id, "E1").await.unwrap().name,
        "Geheime Medewerker"
    );
    assert!(app.store.contact(app.org_id, "C1").await.is_ok());
    assert!(
        app.store
            .user(app.org_id, a_user)
            .await
            .unwrap()
            .disabled_at
            .is_none()
    );
    assert!(
        app.store
            .api_tokens(app.org_id)
            .await
            .unwrap()
            .iter()
            .all(|t| t.revoked_at.is_none())
    );
    assert_eq!(
        app.store.survey_versions(survey.id).await.unwrap().len(),
        versions_before
    );
    assert_eq!(
        app.store
            .audit_entries(app.org_id, None, 10_000)
            .await
            .unwrap()
            .len(),
        audit_before
    );
}

#[tokio::test]
async fn an_xlsx_claiming_the_whole_grid_is_refused_and_the_server_keeps_answering() {
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "lead@example.com", Role::Admin, vec![]).await;
    let cookie = login(&app, "lead@example.com").await;
    let (_, html) = page(&app, &cookie, "/app/organisation/import").await;
    let csrf = hidden(&html, "_csrf");
    // One cell at A1 and one at XFD1048576: a few KB that a dense reader turns into 512 GB.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "external_id").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let bomb = wb.save_to_buffer().unwrap();
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf)
        .text("kind", "units")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bomb).file_name("units.xlsx"),
        );
    let r = app
        .http
        .post(app.url("/app/organisation/import"))
        .header("cookie", &cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("column XFD"), "{html}");
    assert!(app.store.units(app.org_id).await.unwrap().is_empty());
    let (status, _) = page(&app, &cookie, "/app/surveys").await;
    assert_eq!(status, 200, "the server is still there");
}

/// A failure on our side (here: a table gone under the running server) is the app's own page
/// in the user's language, inside the frame, with a status of 500 and without the database's
/// words.
#[tokio::test]
async fn a_failure_on_our_side_is_a_localised_page_without_its_detail() {
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "lead@example.com", Role::Admin, vec![]).await;
    let cookie = login(&app, "lead@example.com").await;
    let (status, _) = page(&app, &cookie, "/app/audit").await;
    assert_eq!(status, 200);
    tevreden_storage::testing::execute_sql(&app.store, "DROP TABLE audit_log")
        .await
        .unwrap();
    let user = app
        .store
        .user_for_login("lead@example.com")
        .await
        .unwrap()
        .unwrap()
        .0;
    for (lang, title) in [("nl", "Er ging iets mis"), ("en", "Something went wrong")] {
        app.store.set_user_lang(user.id, Some(lang)).await.unwrap();
        let r = app
            .http
            .get(app.url("/app/audit"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let html = r.text().await.unwrap();
        assert!(html.contains(title), "{lang}: {html}");
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{html}");
        assert!(
            html.contains("/app/surveys"),
            "inside the app's frame: {html}"
        );
        assert!(!html.contains("audit_log"), "no database detail: {html}");
    }
}
