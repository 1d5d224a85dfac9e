//! Limits against floods and guessing: public links per client and link, `/forgot` per account
//! and client, sign-in locks per account and client, the client behind a trusted proxy, and
//! what https changes (Secure cookies, HSTS).

use reqwest::StatusCode;
use tevreden_storage::Role;
use tevreden_web::client::{RateLimit, TrustedProxy};

use crate::admin::{PASSWORD, add_user, pair, set_cookie, try_login};
use crate::{MINIMAL, TestApp, hidden};

const TWO_PAGES: &str = r#"key: two-pages
title: {nl: "Twee pagina's", en: "Two pages"}
pages:
  - questions:
      - id: score
        type: nps
        text: {nl: "Aanbevelen?", en: "Recommend?"}
  - questions:
      - id: why
        type: text
        required: false
        text: {nl: "Waarom?", en: "Why?"}
"#;

/// The `v` of a survey's form.
async fn version_field(app: &TestApp, path: &str) -> String {
    let html = app
        .http
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    hidden(&html, "v")
}

fn sid(i: usize) -> String {
    format!("{i:032x}")
}

/// Posts the first page of a public link as client `forwarded` (an `X-Forwarded-For`).
async fn post_first_page(
    app: &TestApp,
    path: &str,
    v: &str,
    sid: &str,
    form: &[(&str, &str)],
    forwarded: Option<&str>,
    lang: &str,
) -> reqwest::Response {
    let mut fields = vec![("sid", sid), ("v", v), ("page", "0")];
    fields.extend_from_slice(form);
    let mut req = app
        .http
        .post(app.url(path))
        .header("accept-language", lang)
        .form(&fields);
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    req.send().await.unwrap()
}

async fn draft_exists(app: &TestApp, key: &str, sid: &str) -> bool {
    let survey = app.store.survey(app.org_id, key).await.unwrap();
    app.store
        .load_draft(&format!("s:{sid}"), survey.id)
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn public_links_take_a_burst_of_100_then_one_a_second_per_client_and_link() {
    let app = TestApp::spawn().await;
    let two = app.publish(TWO_PAGES).await;
    let minimal = app.publish(MINIMAL).await;
    let v = version_field(&app, &two).await;
    let score = [("q.score", "8")];
    for i in 0..100 {
        let r = post_first_page(&app, &two, &v, &sid(i), &score, None, "nl").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "post {i}");
    }
    // the 101st draft is refused, said in the respondent's language, and not kept
    let r = post_first_page(&app, &two, &v, &sid(100), &score, None, "nl").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "1");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Te vaak verstuurd") && html.contains("Wacht één seconde"),
        "{html}"
    );
    assert!(draft_exists(&app, "two-pages", &sid(99)).await);
    assert!(!draft_exists(&app, "two-pages", &sid(100)).await);
    let r = post_first_page(&app, &two, &v, &sid(101), &score, None, "en").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Too many forms sent") && html.contains("wait one second"),
        "{html}"
    );
    // another link of the same client has its own bucket
    let mv = version_field(&app, &minimal).await;
    let answers = [("q.nps", "9"), ("q.answered", "yes"), ("q.effort", "6")];
    let r = post_first_page(&app, &minimal, &mv, &sid(500), &answers, None, "nl").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("after-call").await, 1);
    // personal links are not limited this way: an invitation to the drained survey is answered
    let r = app
        .api(reqwest::Method::POST, "/surveys/two-pages/invitations")
        .json(&serde_json::json!({"lang": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let inv: serde_json::Value = r.json().await.unwrap();
    let link = format!("/t/{}", inv["token"].as_str().unwrap());
    let r = post_first_page(&app, &link, &v, &sid(600), &score, None, "en").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // a second later, one more
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = post_first_page(&app, &two, &v, &sid(102), &score, None, "nl").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post_first_page(&app, &two, &v, &sid(103), &score, None, "nl").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

fn behind_proxy(c: &mut tevreden_web::WebConfig) {
    c.trusted_proxies = vec![TrustedProxy::parse("127.0.0.0/8").unwrap()];
    c.public_link_limit = RateLimit {
        burst: 2,
        per_second: 0.001,
    };
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_limited_and_nobody_elses_header_counts() {
    let app = TestApp::spawn_with(behind_proxy).await;
    let path = app.publish(MINIMAL).await;
    let v = version_field(&app, &path).await;
    let answers = [("q.nps", "9"), ("q.answered", "yes"), ("q.effort", "6")];
    let post = |i: usize, xff: &'static str| {
        let (app, path, v) = (&app, &path, &v);
        async move {
            post_first_page(app, path, v, &sid(i), &answers, Some(xff), "nl")
                .await
                .status()
        }
    };
    assert_eq!(post(0, "203.0.113.1").await, StatusCode::SEE_OTHER);
    assert_eq!(post(1, "203.0.113.1").await, StatusCode::SEE_OTHER);
    assert_eq!(post(2, "203.0.113.1").await, StatusCode::TOO_MANY_REQUESTS);
    // what the client itself puts on the left does not change who it is
    assert_eq!(
        post(3, "6.6.6.6, 203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // another client behind the same proxy is not held back, and the limit's burst is the
    // configured one
    assert_eq!(post(4, "203.0.113.2").await, StatusCode::SEE_OTHER);
    assert_eq!(app.count("after-call").await, 3);

    // without a trusted proxy, X-Forwarded-For is only a header: the peer is the client
    let app = TestApp::spawn_with(|c| {
        behind_proxy(c);
        c.trusted_proxies.clear();
    })
    .await;
    let path = app.publish(MINIMAL).await;
    let v = version_field(&app, &path).await;
    let mut statuses = Vec::new();
    for (i, xff) in ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
        .into_iter()
        .enumerate()
    {
        let r = post_first_page(&app, &path, &v, &sid(i), &answers, Some(xff), "nl").await;
        statuses.push(r.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::SEE_OTHER,
            StatusCode::SEE_OTHER,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
}

/// Signs in as the client `forwarded` (through the trusted proxy at 127.0.0.1).
async fn login_as(
    app: &TestApp,
    email: &str,
    password: &str,
    forwarded: &str,
) -> reqwest::Response {
    let r = app
        .http
        .get(app.url("/login"))
        .header("accept-language", "en")
        .header("x-forwarded-for", forwarded)
        .send()
        .await
        .unwrap();
    let form_cookie = pair(&set_cookie(&r, "tevreden_login").unwrap());
    let csrf = hidden(&r.text().await.unwrap(), "_csrf");
    app.http
        .post(app.url("/login"))
        .header("accept-language", "en")
        .header("x-forwarded-for", forwarded)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_elsewhere_lock_neither_the_owner_nor_everyone_behind_the_proxy() {
    let app = TestApp::spawn_with(behind_proxy).await;
    add_user(&app, app.org_id, "a@example.com", Role::Admin, vec![]).await;
    let attacker = "198.51.100.9";
    for _ in 0..4 {
        let r = login_as(&app, "a@example.com", "nope nope nope", attacker).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = login_as(&app, "a@example.com", "nope nope nope", attacker).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("locked"));
    // locked for the attacker, even with the right password
    let r = login_as(&app, "a@example.com", PASSWORD, attacker).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // the people list says an address is locked out
    let users: serde_json::Value = app
        .api(reqwest::Method::GET, "/users")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users["items"][0]["status"], "locked", "{users}");
    // the owner, elsewhere, signs in; the session keeps the forwarded address
    let r = login_as(&app, "a@example.com", PASSWORD, "203.0.113.7").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie(&r, "tevreden_session").is_some());

    // twenty failures from one client behind the proxy hold back that client only
    let guesser = "198.51.100.10";
    for i in 0..20 {
        let r = login_as(
            &app,
            &format!("nobody{i}@example.com"),
            "guess guess",
            guesser,
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = login_as(&app, "a@example.com", PASSWORD, guesser).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("from your network"));
    let r = login_as(&app, "a@example.com", PASSWORD, "203.0.113.8").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_empty_sign_in_asks_for_both_fields_and_counts_no_failure() {
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "a@example.com", Role::Admin, vec![]).await;
    for (email, password) in [("a@example.com", ""), ("", PASSWORD), ("", "")] {
        let r = try_login(&app, email, password).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("Enter both your email address and your password."),
            "{html}"
        );
        assert!(!html.contains("is not right"));
    }
    // in Dutch too
    let r = app
        .http
        .get(app.url("/login"))
        .header("accept-language", "nl")
        .send()
        .await
        .unwrap();
    let form_cookie = pair(&set_cookie(&r, "tevreden_login").unwrap());
    let csrf = hidden(&r.text().await.unwrap(), "_csrf");
    let r = app
        .http
        .post(app.url("/login"))
        .header("accept-language", "nl")
        .header("cookie", form_cookie)
        .form(&[("_csrf", csrf.as_str()), ("email", ""), ("password", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Vul zowel uw e-mailadres als uw wachtwoord in."),
        "{html}"
    );
    // six empty tries did not lock the account: four wrong passwords still leave one to go
    for _ in 0..4 {
        let r = try_login(&app, "a@example.com", "nope nope nope").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = try_login(&app, "a@example.com", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn forgot(app: &TestApp, email: &str, forwarded: &str) -> (StatusCode, String) {
    let r = app
        .http
        .post(app.url("/forgot"))
        .header("accept-language", "en")
        .header("x-forwarded-for", forwarded)
        .form(&[("email", email)])
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The reset links waiting in the outbox (no SMTP server in these tests), oldest first.
async fn reset_links(app: &TestApp) -> Vec<String> {
    let mut out: Vec<(i64, String)> = app
        .store
        .claim_outbox(1000, 60_000)
        .await
        .unwrap()
        .into_iter()
        .map(|m| {
            let body = m.email.body;
            let start = body.find("/reset/").expect("a reset link");
            let link = body[start..].split_whitespace().next().unwrap().to_string();
            (m.id, link)
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, l)| l).collect()
}

#[tokio::test]
async fn forgot_is_throttled_per_account_and_client_and_one_used_link_spends_the_others() {
    let app = TestApp::spawn_with(behind_proxy).await;
    add_user(&app, app.org_id, "a@example.com", Role::Admin, vec![]).await;
    // ten requests for one account: three links, the same page every time
    let (_, first) = forgot(&app, "a@example.com", "203.0.113.1").await;
    assert!(first.contains("If an account exists"));
    for i in 0..9 {
        let (status, html) = forgot(&app, "a@example.com", &format!("203.0.113.{}", 2 + i)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            html.replace(char::is_whitespace, ""),
            first.replace(char::is_whitespace, "")
        );
    }
    assert_eq!(app.store.outbox_pending().await.unwrap(), 3);
    let links = reset_links(&app).await;
    assert_eq!(links.len(), 3);

    // one client asking for many accounts: ten requests, then nothing more is sent
    for i in 0..12 {
        add_user(
            &app,
            app.org_id,
            &format!("u{i}@example.com"),
            Role::Member,
            vec![],
        )
        .await;
    }
    for i in 0..12 {
        let (status, html) = forgot(&app, &format!("u{i}@example.com"), "198.51.100.20").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("If an account exists"));
    }
    assert_eq!(reset_links(&app).await.len(), 10);

    // using the newest link spends the two older ones
    // (the links are paths: `reset_links` cuts them from `/reset/` on)
    let path = |l: &str| l.to_string();
    let r = app
        .http
        .post(app.url(&path(&links[2])))
        .form(&[
            ("password", "a brand new secret"),
            ("repeat", "a brand new secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for old in &links[..2] {
        let r = app.http.get(app.url(&path(old))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::GONE, "{old}");
        let r = app
            .http
            .post(app.url(&path(old)))
            .form(&[
                ("password", "an attacker's pick"),
                ("repeat", "an attacker's pick"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::GONE);
    }
    assert_eq!(
        try_login(&app, "a@example.com", "a brand new secret")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn https_makes_the_sign_in_cookie_secure_and_sends_hsts_and_http_does_not() {
    for (public_url, https) in [("https://feedback.example.nl", true), ("", false)] {
        let app = TestApp::spawn_with(|c| {
            if !public_url.is_empty() {
                c.public_url = public_url.to_string();
            }
        })
        .await;
        for path in ["/login", "/healthz", "/s/unknown"] {
            let r = app.http.get(app.url(path)).send().await.unwrap();
            assert_eq!(
                r.headers()
                    .get("strict-transport-security")
                    .map(|v| v.to_str().unwrap().to_string()),
                https.then(|| "max-age=31536000".to_string()),
                "{public_url} {path}"
            );
            if path == "/login" {
                let c = set_cookie(&r, "tevreden_login").unwrap();
                assert_eq!(c.contains("; Secure"), https, "{c}");
            }
        }
        add_user(&app, app.org_id, "a@example.com", Role::Admin, vec![]).await;
        let r = try_login(&app, "a@example.com", PASSWORD).await;
        let c = set_cookie(&r, "tevreden_session").unwrap();
        assert_eq!(c.contains("; Secure"), https, "{c}");
    }
}
