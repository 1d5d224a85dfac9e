//! What an attacker found in the first release (issue 14, section 1): floods of public-link
//! posts and reset mails, lock-outs of other people's accounts, and cookies and headers that
//! forgot the site is served over https.

use reqwest::StatusCode;
use tevreden_storage::Role;

use crate::admin::{PASSWORD, add_user, set_cookie, try_login_via};
use crate::{MINIMAL, TestApp, hidden};

async fn first_page(app: &TestApp, path: &str) -> (String, String) {
    let html = app
        .http
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (hidden(&html, "sid"), hidden(&html, "v"))
}

async fn answer(app: &TestApp, path: &str, sid: &str, v: &str) -> reqwest::Response {
    app.http
        .post(app.url(path))
        .form(&[
            ("sid", sid),
            ("v", v),
            ("page", "0"),
            ("q.nps", "9"),
            ("q.answered", "yes"),
            ("q.effort", "6"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_flood_on_a_public_link_is_refused_after_the_burst_and_nothing_more_is_stored() {
    // The default burst of 100 (`Rate::PUBLIC_LINK`, whose refill `throttle::tests` checks),
    // with a refill slow enough that the time the posts take cannot matter.
    let app = TestApp::spawn_with(|c| {
        c.public_link_rate = tevreden_web::throttle::Rate {
            burst: tevreden_web::throttle::Rate::PUBLIC_LINK.burst,
            per_second: 0.001,
        }
    })
    .await;
    let path = app.publish(MINIMAL).await;
    let (_, v) = first_page(&app, &path).await;
    for i in 0..100 {
        let r = answer(&app, &path, &format!("{i:032x}"), &v).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "post {i} of the burst");
    }
    let r = answer(&app, &path, &format!("{:032x}", 100), &v).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let html = r.text().await.unwrap();
    assert!(html.contains("Even geduld"), "a page for people: {html}");
    assert_eq!(
        app.count("after-call").await,
        100,
        "every acknowledged post is stored, the refused one is not"
    );
    let accepted = 100u64;

    // Personal links are not limited this way.
    let r = app
        .api(reqwest::Method::POST, "/surveys/after-call/invitations")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let inv: serde_json::Value = r.json().await.unwrap();
    let link = inv["url"]
        .as_str()
        .unwrap()
        .split_once(&app.addr.to_string())
        .unwrap()
        .1
        .to_string();
    let (sid, v) = first_page(&app, &link).await;
    assert_eq!(
        answer(&app, &link, &sid, &v).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count("after-call").await as u64, accepted + 1);
}

#[tokio::test]
async fn the_public_link_limit_is_configurable_and_can_be_switched_off() {
    let app = TestApp::spawn_with(|c| {
        c.public_link_rate = tevreden_web::throttle::Rate {
            burst: 3,
            per_second: 0.5,
        }
    })
    .await;
    let path = app.publish(MINIMAL).await;
    let (_, v) = first_page(&app, &path).await;
    for i in 0..3 {
        assert_eq!(
            answer(&app, &path, &format!("{i:032x}"), &v).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    let r = answer(&app, &path, &format!("{:032x}", 9), &v).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.headers()["retry-after"],
        "2",
        "one more every two seconds"
    );

    let off = TestApp::spawn_with(|c| c.public_link_rate.burst = 0).await;
    let path = off.publish(MINIMAL).await;
    let (_, v) = first_page(&off, &path).await;
    for i in 0..150 {
        assert_eq!(
            answer(&off, &path, &format!("{i:032x}"), &v).await.status(),
            StatusCode::SEE_OTHER
        );
    }
}

async fn forgot(app: &TestApp, email: &str) -> StatusCode {
    app.http
        .post(app.url("/forgot"))
        .form(&[("email", email)])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn reset_links_are_throttled_and_using_one_spends_them_all() {
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "a@example.com", Role::Admin, vec![]).await;
    // A hundred requests answer alike (no account enumeration) but queue few mails.
    for _ in 0..100 {
        assert_eq!(forgot(&app, "a@example.com").await, 200);
    }
    let mails = app.store.claim_outbox(1000, 60_000).await.unwrap();
    assert_eq!(
        mails.len(),
        3,
        "three per address, then one every ten minutes"
    );
    let link = |m: &tevreden_storage::OutboxMessage| {
        let body = &m.email.body;
        let start = body.find("/reset/").unwrap() + "/reset/".len();
        body[start..].split_whitespace().next().unwrap().to_string()
    };
    let (first, second) = (link(&mails[0]), link(&mails[1]));
    let reset = |token: String, password: &'static str| {
        let app = &app;
        async move {
            let html = app
                .http
                .get(app.url(&format!("/reset/{token}")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if !html.contains("name=\"repeat\"") {
                return StatusCode::GONE;
            }
            app.http
                .post(app.url(&format!("/reset/{token}")))
                .form(&[("password", password), ("repeat", password)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert!(
        reset(first, "een nieuw lang wachtwoord")
            .await
            .is_redirection()
    );
    let again = reset(second, "nog een ander wachtwoord").await;
    assert!(
        !again.is_redirection() && !again.is_success(),
        "the second link is spent too: {again}"
    );
    let r = try_login_via(&app, "a@example.com", "een nieuw lang wachtwoord", None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the first reset holds");
}

#[tokio::test]
async fn failures_lock_an_account_only_for_the_client_that_failed() {
    let app =
        TestApp::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    add_user(&app, app.org_id, "a@example.com", Role::Admin, vec![]).await;
    let attacker = Some("203.0.113.66");
    for _ in 0..4 {
        let r = try_login_via(&app, "a@example.com", "geraden", attacker).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = try_login_via(&app, "a@example.com", "geraden", attacker).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "locked for him");
    let (user, _) = app
        .store
        .user_for_login("a@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(
        user.locked_until
            .is_some_and(|t| t > tevreden_storage::now_ms()),
        "the people page and API say it is locked"
    );
    let r = try_login_via(&app, "a@example.com", PASSWORD, attacker).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password"
    );
    // The owner, elsewhere, behind the same proxy, signs in.
    let r = try_login_via(&app, "a@example.com", PASSWORD, Some("198.51.100.20")).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the owner is not locked out"
    );
    assert!(set_cookie(&r, "tevreden_session").is_some());
    let (user, _) = app
        .store
        .user_for_login("a@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        user.locked_until, None,
        "signed in: no longer shown as locked"
    );

    // A success forgets the failures of that client: four wrong, one right, four wrong again
    // is no lock.
    let owner = Some("198.51.100.30");
    for round in 0..2 {
        for _ in 0..4 {
            let r = try_login_via(&app, "a@example.com", "typfout", owner).await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "round {round}");
        }
        let r = try_login_via(&app, "a@example.com", PASSWORD, owner).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "round {round}");
    }

    // Twenty failures behind the proxy limit that client, not everyone behind the proxy.
    for i in 0..20 {
        let r = try_login_via(&app, &format!("x{i}@example.com"), "nee", Some("192.0.2.9")).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = try_login_via(&app, "a@example.com", PASSWORD, Some("192.0.2.9")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = try_login_via(&app, "a@example.com", PASSWORD, Some("198.51.100.21")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_forwarded_for_from_an_untrusted_peer_is_not_believed() {
    // No trusted proxy: every request comes from 127.0.0.1, whatever it claims.
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "a@example.com", Role::Admin, vec![]).await;
    for i in 0..5 {
        let forged = format!("203.0.113.{i}");
        let _ = try_login_via(&app, "a@example.com", "geraden", Some(&forged)).await;
    }
    let r = try_login_via(&app, "a@example.com", PASSWORD, Some("198.51.100.1")).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a forged header does not escape the lock"
    );
}

#[tokio::test]
async fn an_empty_sign_in_asks_for_both_fields_and_counts_nothing() {
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "a@example.com", Role::Admin, vec![]).await;
    for _ in 0..6 {
        let r = try_login_via(&app, "a@example.com", "", None).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("both are needed"), "{html}");
        assert!(!html.contains("is not right"));
    }
    let r = try_login_via(&app, "a@example.com", PASSWORD, None).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "no failures were counted"
    );
}

#[tokio::test]
async fn over_https_the_sign_in_cookie_is_secure_and_hsts_is_sent() {
    let https = TestApp::spawn_with(|c| c.public_url = "https://feedback.example.nl".into()).await;
    let r = https.http.get(https.url("/login")).send().await.unwrap();
    let cookie = set_cookie(&r, "tevreden_login").unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    // The respondent's cookies too: the language choice and a public link's submission id.
    let link = https.publish(crate::MINIMAL).await;
    let r = https
        .http
        .get(https.url(&format!("{link}?lang=en")))
        .send()
        .await
        .unwrap();
    let lang = set_cookie(&r, "tevreden_lang").expect("the language is remembered");
    assert!(lang.contains("; Secure"), "{lang}");
    let plain = TestApp::spawn().await;
    let link = plain.publish(crate::MINIMAL).await;
    let r = plain
        .http
        .get(plain.url(&format!("{link}?lang=en")))
        .send()
        .await
        .unwrap();
    let lang = set_cookie(&r, "tevreden_lang").unwrap();
    assert!(!lang.contains("Secure"), "plain http keeps working: {lang}");
    let r = https.http.get(https.url("/healthz")).send().await.unwrap();
    assert!(r.headers().contains_key("strict-transport-security"));

    let http = TestApp::spawn().await;
    let r = http.http.get(http.url("/login")).send().await.unwrap();
    assert!(!set_cookie(&r, "tevreden_login").unwrap().contains("Secure"));
    assert!(!r.headers().contains_key("strict-transport-security"));
}

/// Behind a trusted proxy, a client escapes the public-link limit neither by writing its own
/// `X-Forwarded-For` entries left of a hop the proxy wrote with a port, nor by taking a fresh
/// IPv6 address of its /64 for every post.
#[tokio::test]
async fn forged_hops_and_fresh_ipv6_addresses_do_not_escape_the_limit() {
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
        c.public_link_rate = tevreden_web::throttle::Rate {
            burst: 2,
            per_second: 0.001,
        };
    })
    .await;
    let path = app.publish(MINIMAL).await;
    let (_, v) = first_page(&app, &path).await;
    let post = |i: usize, xff: String| {
        let (app, path, v) = (&app, &path, &v);
        async move {
            app.http
                .post(app.url(path))
                .header("x-forwarded-for", xff)
                .form(&[
                    ("sid", format!("{i:032x}").as_str()),
                    ("v", v.as_str()),
                    ("page", "0"),
                    ("q.nps", "9"),
                    ("q.answered", "yes"),
                    ("q.effort", "6"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // a load balancer that writes the client with its port
    let mut statuses = Vec::new();
    for i in 0..3 {
        statuses.push(post(i, format!("198.51.100.{i}, 203.0.113.9:{}", 5000 + i)).await);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::SEE_OTHER,
            StatusCode::SEE_OTHER,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    // one IPv6 subscriber, a new address every time
    let mut statuses = Vec::new();
    for i in 0..3 {
        statuses.push(post(10 + i, format!("2001:db8:1:2::{:x}", 0x100 + i)).await);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::SEE_OTHER,
            StatusCode::SEE_OTHER,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    // another IPv6 subscriber is another client
    assert_eq!(
        post(20, "2001:db8:1:3::1".into()).await,
        StatusCode::SEE_OTHER
    );
}
