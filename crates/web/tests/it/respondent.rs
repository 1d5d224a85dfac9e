use reqwest::StatusCode;

use crate::{MINIMAL, TestApp, hidden};

async fn form_page(app: &TestApp, path: &str) -> (String, String, String) {
    let r = app.http.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let sid = hidden(&html, "sid");
    let v = hidden(&html, "v");
    (html, sid, v)
}

#[tokio::test]
async fn answering_a_survey_stores_it_and_thanks() {
    let app = TestApp::spawn().await;
    let path = app.publish(MINIMAL).await;
    let (html, sid, v) = form_page(&app, &path).await;
    assert!(html.contains("<html lang=\"nl\">"));
    assert!(html.contains("Hoe waarschijnlijk is het dat u ons aanbeveelt?"));
    assert!(html.contains("name=\"q.nps\" value=\"10\""));
    let r = app
        .http
        .post(app.url(&path))
        .form(&[
            ("sid", sid.as_str()),
            ("v", v.as_str()),
            ("page", "0"),
            ("lang", "nl"),
            ("q.nps", "9"),
            ("q.answered", "yes"),
            ("q.effort", "6"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let thanks = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(thanks, format!("{path}/thanks?lang=nl"));
    assert_eq!(
        app.count("after-call").await,
        1,
        "acknowledged means stored"
    );
    let page = app
        .http
        .get(app.url(&thanks))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Hartelijk dank!"));
    let stored = app.stored_answers("after-call").await;
    assert_eq!(
        serde_json::Value::Object(stored[0].clone()),
        serde_json::json!({"nps": 9, "answered": true, "effort": 6})
    );
}

#[tokio::test]
async fn errors_are_shown_inline_in_the_respondents_language_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let path = app.publish(MINIMAL).await;
    let (_, sid, v) = form_page(&app, &path).await;
    for (lang, expected) in [
        ("nl", "Beantwoord deze vraag."),
        ("en", "Please answer this question."),
    ] {
        let r = app
            .http
            .post(app.url(&path))
            .form(&[
                ("sid", sid.as_str()),
                ("v", v.as_str()),
                ("page", "0"),
                ("lang", lang),
                ("q.nps", "9"),
                ("q.effort", "12"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains(expected), "{lang}: {html}");
        assert!(html.contains("id=\"error-summary\""));
        assert!(
            html.contains("href=\"#q-answered\""),
            "the summary links to the field"
        );
        assert!(
            html.contains("id=\"q-answered-err\""),
            "the error is tied to its field"
        );
        assert!(
            html.contains("name=\"q.nps\" value=\"9\" checked"),
            "given answers are kept"
        );
    }
    assert_eq!(app.count("after-call").await, 0);
}

#[tokio::test]
async fn a_retried_submission_is_stored_once() {
    let app = TestApp::spawn().await;
    let path = app.publish(MINIMAL).await;
    let (_, sid, v) = form_page(&app, &path).await;
    let form = [
        ("sid", sid.as_str()),
        ("v", v.as_str()),
        ("page", "0"),
        ("lang", "nl"),
        ("q.nps", "3"),
        ("q.answered", "no"),
        ("q.effort", "2"),
        ("q.why", "Te lang gewacht"),
    ];
    for _ in 0..3 {
        let r = app
            .http
            .post(app.url(&path))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(app.count("after-call").await, 1);
    assert_eq!(
        app.stored_answers("after-call").await[0]["why"],
        "Te lang gewacht"
    );
}

#[tokio::test]
async fn an_answer_to_a_hidden_question_is_not_stored() {
    let app = TestApp::spawn().await;
    let path = app.publish(MINIMAL).await;
    let (html, sid, v) = form_page(&app, &path).await;
    assert!(
        html.contains("data-show-if="),
        "the conditional question is enhanced by script"
    );
    let r = app
        .http
        .post(app.url(&path))
        .form(&[
            ("sid", sid.as_str()),
            ("v", v.as_str()),
            ("page", "0"),
            ("q.nps", "10"),
            ("q.answered", "yes"),
            ("q.effort", "7"),
            ("q.why", "niets"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let stored = app.stored_answers("after-call").await;
    assert!(!stored[0].contains_key("why"), "{stored:?}");
}

const TWO_PAGES: &str = r#"key: two-pages
title: {nl: "Twee pagina's", en: "Two pages"}
pages:
  - questions:
      - id: score
        type: nps
        text: {nl: "Aanbevelen?", en: "Recommend?"}
  - title: {nl: "Verder", en: "More"}
    questions:
      - id: reason
        type: text
        show_if: {question: score, lte: 6}
        text: {nl: "Waarom niet?", en: "Why not?"}
      - id: topics
        type: multi
        text: {nl: "Onderwerpen", en: "Topics"}
        options:
          - {id: price, text: {nl: "Prijs", en: "Price"}}
          - {id: service, text: {nl: "Service", en: "Service"}}
"#;

#[tokio::test]
async fn multi_page_keeps_earlier_answers_and_conditions_across_pages() {
    let app = TestApp::spawn().await;
    let path = app.publish(TWO_PAGES).await;
    let (html, sid, v) = form_page(&app, &path).await;
    assert!(html.contains("Pagina 1 van 2"));
    let r = app
        .http
        .post(app.url(&path))
        .form(&[
            ("sid", sid.as_str()),
            ("v", v.as_str()),
            ("page", "0"),
            ("q.score", "4"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let next = r.headers()["location"].to_str().unwrap().to_string();
    assert!(next.contains("page=1"), "{next}");
    assert!(
        !next.contains(&sid),
        "the submission id never travels in a URL"
    );
    let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.starts_with(&format!("tevreden_sid={sid};"))
            && set.contains(&format!("Path={path}"))
            && set.contains("HttpOnly"),
        "{set}"
    );
    let cookie = format!("tevreden_sid={sid}");
    assert_eq!(
        app.count("two-pages").await,
        0,
        "nothing is a response before the last page"
    );
    // The same address without the cookie (a shared or bookmarked link) starts afresh.
    let stranger = app
        .http
        .get(app.url(&next))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(stranger.contains("Pagina 1 van 2"));
    assert_ne!(hidden(&stranger, "sid"), sid);
    let page2 = app
        .http
        .get(app.url(&next))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page2.contains("Pagina 2 van 2"));
    assert_eq!(hidden(&page2, "sid"), sid);
    assert!(!page2.contains(&format!("sid={sid}")), "no id in links");
    assert!(
        page2.contains("Waarom niet?"),
        "the condition on page 1's answer holds (4 ≤ 6)"
    );
    assert!(
        !page2.contains("data-show-if"),
        "decided on the server: no script needed"
    );
    // going back shows the stored answer
    let back = app
        .http
        .get(app.url(&format!("{path}?page=0")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(back.contains("name=\"q.score\" value=\"4\" checked"));
    // a missing required answer on page 2 is reported there
    let r = app
        .http
        .post(app.url(&path))
        .form(&[
            ("sid", sid.as_str()),
            ("v", v.as_str()),
            ("page", "1"),
            ("q.topics", "price"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let last = [
        ("sid", sid.as_str()),
        ("v", v.as_str()),
        ("page", "1"),
        ("q.reason", "Te duur"),
        ("q.topics", "price"),
        ("q.topics", "service"),
    ];
    let r = app
        .http
        .post(app.url(&path))
        .form(&last)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cleared = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cleared.starts_with("tevreden_sid=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let stored = app.stored_answers("two-pages").await;
    assert_eq!(
        serde_json::Value::Object(stored[0].clone()),
        serde_json::json!({"score": 4, "reason": "Te duur", "topics": ["price", "service"]})
    );
    // Coming back (even with a stale cookie) starts a new response with a new id.
    let again = app
        .http
        .get(app.url(&path))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("Pagina 1 van 2"));
    assert_ne!(hidden(&again, "sid"), sid);
}

#[tokio::test]
async fn a_resent_form_is_a_retry_and_a_changed_one_is_refused() {
    let app = TestApp::spawn().await;
    let path = app.publish(MINIMAL).await;
    let (_, sid, v) = form_page(&app, &path).await;
    let send = |nps: &'static str| {
        let form = vec![
            ("sid", sid.clone()),
            ("v", v.clone()),
            ("page", "0".to_string()),
            ("q.nps", nps.to_string()),
            ("q.answered", "yes".to_string()),
            ("q.effort", "6".to_string()),
        ];
        app.http.post(app.url(&path)).form(&form).send()
    };
    assert_eq!(send("9").await.unwrap().status(), StatusCode::SEE_OTHER);
    // the same form again (a double click, a retry after a lost answer): thank you, nothing new
    assert_eq!(send("9").await.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("after-call").await, 1);
    // back button, other answers, same form: refused with an explanation, first answers kept
    let r = send("3").await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Dit formulier is al verstuurd")
    );
    assert_eq!(app.count("after-call").await, 1);
    assert_eq!(app.stored_answers("after-call").await[0]["nps"], 9);
}

#[tokio::test]
async fn language_comes_from_switch_cookie_and_browser() {
    let app = TestApp::spawn().await;
    let path = app.publish(MINIMAL).await;
    let html = app
        .http
        .get(app.url(&path))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("How easy was it?"));
    let r = app
        .http
        .get(app.url(&format!("{path}?lang=nl")))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("tevreden_lang=nl"));
    let html = r.text().await.unwrap();
    assert!(html.contains("Hoe makkelijk was het?"));
    assert!(
        html.contains(&format!("href=\"{path}?lang=en\"")),
        "a switch to English"
    );
    let html = app
        .http
        .get(app.url(&path))
        .header("accept-language", "en")
        .header("cookie", "tevreden_lang=nl")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<html lang=\"nl\">"),
        "the cookie wins over the browser"
    );
}

#[tokio::test]
async fn closed_unknown_and_bad_requests_get_clear_pages() {
    let app = TestApp::spawn().await;
    let path = app.publish(MINIMAL).await;
    let (_, sid, v) = form_page(&app, &path).await;
    let r = app
        .http
        .get(app.url("/s/doesnotexist"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("Survey not found"));
    // a forged submission id
    let r = app
        .http
        .post(app.url(&path))
        .form(&[("sid", "x"), ("v", v.as_str()), ("page", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // invalid UTF-8
    let r = app
        .http
        .post(app.url(&path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("sid={sid}&v={v}&page=0&q.why=%FF"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // too large
    let big = format!("sid={sid}&v={v}&page=0&q.why={}", "a".repeat(70_000));
    let r = app
        .http
        .post(app.url(&path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text().await.unwrap().contains("te lang"));
    // closed
    let r = app
        .api(reqwest::Method::POST, "/surveys/after-call/close")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app.http.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Deze vragenlijst is gesloten")
    );
    let r = app
        .http
        .post(app.url(&path))
        .form(&[
            ("sid", sid.as_str()),
            ("v", v.as_str()),
            ("page", "0"),
            ("q.nps", "9"),
            ("q.answered", "yes"),
            ("q.effort", "6"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(app.count("after-call").await, 0);
}

#[tokio::test]
async fn personal_links_carry_context_and_allow_one_response() {
    let app = TestApp::spawn().await;
    let path = app.publish(MINIMAL).await;
    let _ = path;
    let units = tevreden_domain::import::read_table(
        b"external_id,name,parent,office\nKS,Klantenservice,,front\n",
    )
    .unwrap();
    let checked = tevreden_domain::import::check_units(&units, &Default::default());
    app.store
        .import_units(
            app.org_id,
            &checked.records.into_iter().map(|r| r.1).collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    let r = app
        .api(reqwest::Method::POST, "/surveys/after-call/invitations")
        .json(&serde_json::json!({"lang": "en", "context": {"unit": "KS"}}))
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
    let token = inv["token"].as_str().unwrap();
    assert_eq!(token.len(), 32, "128 random bits");
    let (html, sid, v) = form_page(&app, &link).await;
    assert!(
        html.contains("<html lang=\"en\">"),
        "the invitation's language"
    );
    let form = [
        ("sid", sid.as_str()),
        ("v", v.as_str()),
        ("page", "0"),
        ("q.nps", "8"),
        ("q.answered", "yes"),
        ("q.effort", "5"),
    ];
    let r = app
        .http
        .post(app.url(&link))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // the link is used now
    let r = app.http.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("You have already responded")
    );
    // a second, different submission on the same token is not stored
    let form2 = [
        ("sid", "0123456789abcdef0123456789abcdef"),
        ("v", v.as_str()),
        ("page", "0"),
        ("q.nps", "1"),
        ("q.answered", "no"),
        ("q.effort", "1"),
    ];
    let r = app
        .http
        .post(app.url(&link))
        .form(&form2)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "one response per link");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("You have already responded")
    );
    // a retry of the first submission (same form, same answers) is thanked, not stored again
    let r = app
        .http
        .post(app.url(&link))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("after-call").await, 1);
    let export = app
        .api(
            reqwest::Method::GET,
            "/surveys/after-call/responses?format=json",
        )
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(export[0]["context"]["unit"], "KS");
    assert_eq!(export[0]["answers"]["nps"], 8);
    // an unknown token
    let r = app
        .http
        .get(app.url("/t/0123456789abcdef0123456789abcdef"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn expired_invitation_gets_a_clear_page() {
    let app = TestApp::spawn().await;
    app.publish(MINIMAL).await;
    let s = app.store.survey(app.org_id, "after-call").await.unwrap();
    let (token, _) = app
        .store
        .create_invitation(
            app.org_id,
            s.id,
            &tevreden_storage::NewInvitation {
                expires_at: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let r = app
        .http
        .get(app.url(&format!("/t/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("Deze link is verlopen"));
}

#[tokio::test]
async fn pages_are_small_safe_and_self_contained() {
    let app = TestApp::spawn().await;
    let path = app.publish(MINIMAL).await;
    let r = app.http.get(app.url(&path)).send().await.unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(
        !html.contains("style=\"") && !html.contains("<script>"),
        "no inline styles or scripts"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external assets"
    );
    let css = html
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let js = html
        .split("<script src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let css_r = app.http.get(app.url(css)).send().await.unwrap();
    assert!(
        css_r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let css_len = css_r.bytes().await.unwrap().len();
    let js_len = app
        .http
        .get(app.url(js))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .len();
    let total = html.len() + css_len + js_len;
    assert!(
        total < 30 * 1024,
        "first page weighs {total} bytes (html {} + css {css_len} + js {js_len})",
        html.len()
    );
}

#[tokio::test]
async fn every_visitor_gets_their_own_submission_id() {
    let app = TestApp::spawn().await;
    let path = app.publish(MINIMAL).await;
    let (a, sid_a, _) = form_page(&app, &path).await;
    let (b, sid_b, _) = form_page(&app, &path).await;
    assert_ne!(sid_a, sid_b, "the cached first page still gets a fresh id");
    assert_eq!(a.replace(&sid_a, ""), b.replace(&sid_b, ""));
    let (en, _, _) = form_page(&app, &format!("{path}?lang=en")).await;
    assert!(en.contains("How easy was it?"), "cached per language");
}

#[tokio::test]
async fn a_scale_that_labels_every_point_shows_what_each_number_means() {
    let app = TestApp::spawn().await;
    let def = tevreden_domain::templates::template("engagement").unwrap();
    let link = app.publish(&def.to_yaml()).await;
    let html = app
        .http
        .get(app.url(&link))
        .header("accept-language", "nl")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<ol class=\"anchors\""), "a key to the scale");
    assert!(html.contains("<li><b>0</b> Nooit</li>"));
    assert!(html.contains("<li><b>6</b> Altijd, elke dag</li>"));
}
