use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{MINIMAL, TestApp};

#[tokio::test]
async fn survey_lifecycle_create_publish_version() {
    let app = TestApp::spawn().await;
    let r = app
        .api(Method::POST, "/surveys")
        .header("content-type", "application/yaml")
        .body(MINIMAL)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "draft");
    assert_eq!(v["public_url"], Value::Null);
    assert_eq!(
        v["definition"]["questions"][3]["show_if"],
        json!({"question": "nps", "lte": 6})
    );

    let r = app
        .api(Method::POST, "/surveys/after-call/publish")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["version"], 1);
    assert!(
        v["public_url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("http://{}/s/", app.addr))
    );

    // JSON upload of a changed file: a new draft, then version 2
    let mut def: Value =
        serde_json::to_value(serde_norway::from_str::<Value>(MINIMAL).unwrap()).unwrap();
    def["title"]["en"] = json!("After your call with us");
    let r = app
        .api(Method::POST, "/surveys")
        .json(&def)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .api(Method::POST, "/surveys/after-call/publish")
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["version"], 2);
    let v: Value = app
        .api(Method::GET, "/surveys/after-call")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["version"], 2);
    assert_eq!(v["versions"].as_array().unwrap().len(), 2);
    assert_eq!(v["definition"]["title"]["en"], "After your call with us");
    // nothing left to publish
    let r = app
        .api(Method::POST, "/surveys/after-call/publish")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // the file comes back as YAML that parses to the same survey
    let yaml = app
        .api(Method::GET, "/surveys/after-call/file")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(yaml.contains("after-call") && yaml.contains("show_if"));
}

#[tokio::test]
async fn malformed_survey_files_are_refused_with_paths() {
    let app = TestApp::spawn().await;
    let bad = MINIMAL.replace(
        "scale: {min: 1, max: 7, higher_is_better: true}",
        "scale: {min: 7, max: 1}",
    );
    let r = app
        .api(Method::POST, "/surveys")
        .header("content-type", "application/yaml")
        .body(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["errors"],
        json!([{"path": "questions[2].scale.max", "message": "must be greater than min"}])
    );
    let r = app
        .api(Method::POST, "/surveys")
        .header("content-type", "application/json")
        .body("{\"key\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .api(Method::POST, "/surveys")
        .header("content-type", "image/png")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        app.store.surveys(app.org_id).await.unwrap().len(),
        0,
        "nothing was saved"
    );
}

async fn post_response(app: &TestApp, body: impl Into<reqwest::Body>) -> (StatusCode, Value) {
    let r = app
        .api(Method::POST, "/surveys/after-call/responses")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn responses_api_stores_valid_and_refuses_bad_input_without_storing() {
    let app = TestApp::spawn().await;
    app.publish(MINIMAL).await;
    let (s, v) = post_response(
        &app,
        json!({"answers": {"nps": 9, "answered": true, "effort": 6}, "lang": "nl", "context": {}, "submitted_at": "2026-01-31T10:00:00Z"}).to_string(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(v["id"].as_str().unwrap().len(), 36);

    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"answers": {"nps": 11, "answered": true, "effort": 6}}),
            "answers.nps",
            "must be between 0 and 10",
        ),
        (
            json!({"answers": {"nps": 9, "answered": "yes", "effort": 6}}),
            "answers.answered",
            "must be true (yes) or false (no)",
        ),
        (
            json!({"answers": {"nps": 9, "answered": true}}),
            "answers.effort",
            "an answer is required",
        ),
        (
            json!({"answers": {"nps": 9, "answered": true, "effort": 6, "colour": "red"}}),
            "answers.colour",
            "this survey has no such question",
        ),
        (
            json!({"answers": {"nps": 9, "answered": true, "effort": 6, "why": "x"}}),
            "answers.why",
            "this question is not shown for the earlier answers, so it cannot be answered",
        ),
        (
            json!({"answers": {"nps": 9.5, "answered": true, "effort": 6}}),
            "answers.nps",
            "must be a whole number",
        ),
        (
            json!({"answers": {"nps": 9, "answered": true, "effort": 6}, "lang": "de"}),
            "lang",
            "must be one of the survey's languages: nl, en",
        ),
        (
            json!({"answers": {"nps": 9, "answered": true, "effort": 6}, "context": {"unit": "nope"}}),
            "context.unit",
            "unknown unit `nope`",
        ),
        (
            json!({"answers": {"nps": 9, "answered": true, "effort": 6}, "submitted_at": "yesterday"}),
            "submitted_at",
            "must be an RFC 3339 time such as 2026-01-31T10:00:00Z",
        ),
        (
            json!({"answers": {"nps": 9, "answered": true, "effort": 6}, "submitted_at": "2999-01-01T00:00:00Z"}),
            "submitted_at",
            "lies in the future",
        ),
        (
            json!({"answers": [9]}),
            "answers",
            "must be an object of question id to answer",
        ),
        (
            json!({"answer": {}}),
            "answer",
            "unknown field (expected answers, lang, context, submitted_at)",
        ),
    ];
    for (body, path, message) in cases {
        let (s, v) = post_response(&app, body.to_string()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let errors = v["errors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["path"] == path && e["message"] == message),
            "{body}: {v}"
        );
    }
    let (s, _) = post_response(&app, "{\"answers\": ").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = post_response(&app, vec![b'{', 0xff, b'}']).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let big =
        json!({"answers": {"nps": 9, "answered": true, "effort": 6}, "lang": "x".repeat(70_000)})
            .to_string();
    let (s, v) = post_response(&app, big).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    let r = app
        .http
        .post(app.url("/api/v1/surveys/after-call/responses"))
        .bearer_auth("tvd_wrong")
        .json(&json!({"answers": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .http
        .post(app.url("/api/v1/surveys/after-call/responses"))
        .json(&json!({"answers": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // closed survey
    app.api(Method::POST, "/surveys/after-call/close")
        .send()
        .await
        .unwrap();
    let (s, v) = post_response(
        &app,
        json!({"answers": {"nps": 9, "answered": true, "effort": 6}}).to_string(),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(v["type"], "urn:tevreden:problem:survey_closed");
    assert_eq!(
        app.count("after-call").await,
        1,
        "only the one valid response is stored"
    );
}

#[tokio::test]
async fn idempotency_key_makes_retries_safe() {
    let app = TestApp::spawn().await;
    app.publish(MINIMAL).await;
    let body = json!({"answers": {"nps": 7, "answered": true, "effort": 5}});
    let mut ids = Vec::new();
    for expected in [StatusCode::CREATED, StatusCode::OK, StatusCode::OK] {
        let r = app
            .api(Method::POST, "/surveys/after-call/responses")
            .header("idempotency-key", "ticket-4711")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), expected);
        ids.push(
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert!(ids.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(app.count("after-call").await, 1);
    // the same request with its fields in another order and spacing is still the same request
    let r = app
        .api(Method::POST, "/surveys/after-call/responses")
        .header("idempotency-key", "ticket-4711")
        .header("content-type", "application/json")
        .body(r#"{ "answers": {"effort": 5, "answered": true, "nps": 7} }"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // the key reused for another request: refused, nothing stored
    let r = app
        .api(Method::POST, "/surveys/after-call/responses")
        .header("idempotency-key", "ticket-4711")
        .json(&json!({"answers": {"nps": 2, "answered": false, "effort": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(
        problem["type"], "urn:tevreden:problem:idempotency_key_reused",
        "{problem}"
    );
    assert_eq!(app.count("after-call").await, 1);
    // keys belong to the token that sent them: another integration may use the same key
    let (other, _) = app
        .store
        .create_api_token(
            app.org_id,
            "other",
            tevreden_storage::Role::Admin,
            None,
            &tevreden_storage::Actor::Cli,
        )
        .await
        .unwrap();
    let r = app
        .http
        .post(app.url("/api/v1/surveys/after-call/responses"))
        .bearer_auth(&other)
        .header("idempotency-key", "ticket-4711")
        .json(&json!({"answers": {"nps": 2, "answered": false, "effort": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(app.count("after-call").await, 2);
}

#[tokio::test]
async fn export_streams_csv_and_json() {
    let app = TestApp::spawn().await;
    app.publish(MINIMAL).await;
    for (i, nps) in [3, 9, 10].iter().enumerate() {
        let mut answers = json!({"nps": nps, "answered": i != 0, "effort": 4});
        if *nps <= 6 {
            answers["why"] = json!("Te lang gewacht, \"echt\"");
        }
        let (s, _) = post_response(
            &app,
            json!({"answers": answers, "submitted_at": format!("2026-01-0{}T10:00:00Z", i + 1)})
                .to_string(),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let r = app
        .api(Method::GET, "/surveys/after-call/responses?format=csv")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    let csv = csv.strip_prefix('\u{feff}').expect("UTF-8 BOM for Excel");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "response_id,submitted_at,survey_version,lang,unit,touchpoint,channel,employee,contact,nps,answered,effort,why"
    );
    assert_eq!(lines.len(), 4);
    // the time in the organisation's zone (Europe/Amsterdam: 10:00Z is 11:00 there in winter)
    assert!(
        lines[1].ends_with(
            ",2026-01-01T11:00:00+01:00,1,nl,,,,,,3,no,4,\"Te lang gewacht, \"\"echt\"\"\""
        ),
        "{}",
        lines[1]
    );
    // for people: the question text beside each id, yes/no in Dutch
    let nl = app
        .api(
            Method::GET,
            "/surveys/after-call/responses?format=csv&lang=nl",
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let nl: Vec<&str> = nl.lines().collect();
    assert!(
        nl[0].starts_with("\u{feff}response_id: Reactie,submitted_at: Ingevuld op,"),
        "{}",
        nl[0]
    );
    assert!(
        nl[0].ends_with(",nps: Hoe waarschijnlijk is het dat u ons aanbeveelt?,answered: Is uw vraag beantwoord?,effort: Hoe makkelijk was het?,why: Wat kan beter?"),
        "{}",
        nl[0]
    );
    assert!(
        nl[1].contains(",3,nee,4,") && nl[2].contains(",9,ja,4"),
        "{nl:?}"
    );
    let en = app
        .api(
            Method::GET,
            "/surveys/after-call/responses?format=csv&lang=en",
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains(",answered: Was your question answered?,") && en.contains(",3,no,4,"));
    let r = app
        .api(
            Method::GET,
            "/surveys/after-call/responses?format=csv&lang=xx",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // XLSX: the moment is a real date (the local wall-clock time), numbers are numbers
    let bytes = app
        .api(
            Method::GET,
            "/surveys/after-call/responses?format=xlsx&lang=nl",
        )
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    {
        use calamine::{Data, Reader};
        let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        assert_eq!(
            rows[0][9],
            Data::String("nps: Hoe waarschijnlijk is het dat u ons aanbeveelt?".into())
        );
        match &rows[1][1] {
            // 2026-01-01 11:00 as a spreadsheet serial: 46023 days after 1899-12-30 plus
            // 11/24 of a day (Python: (datetime(2026,1,1,11) - datetime(1899,12,30))).
            Data::DateTime(d) => assert!((d.as_f64() - 46023.458333).abs() < 1e-5, "{d:?}"),
            other => panic!("submitted_at is not a date: {other:?}"),
        }
        assert_eq!(rows[1][9], Data::Float(3.0));
        assert_eq!(rows[1][10], Data::String("nee".into()));
    }
    let semi = app
        .api(
            Method::GET,
            "/surveys/after-call/responses?format=csv&delimiter=semicolon",
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        semi.lines()
            .next()
            .unwrap()
            .contains("response_id;submitted_at;")
    );
    let json: Value = app
        .api(Method::GET, "/surveys/after-call/responses?format=json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3);
    assert_eq!(
        json[2]["answers"],
        json!({"nps": 10, "answered": true, "effort": 4})
    );
    assert_eq!(json[0]["submitted_at"], "2026-01-01T10:00:00Z");
    let r = app
        .api(Method::GET, "/surveys/after-call/responses?format=xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn organisations_are_isolated() {
    let app = TestApp::spawn().await;
    app.publish(MINIMAL).await;
    let other = app.store.create_org("other", "Other").await.unwrap();
    let (token, _) = app
        .store
        .create_api_token(
            other.id,
            "t",
            tevreden_storage::Role::Admin,
            None,
            &tevreden_storage::Actor::Cli,
        )
        .await
        .unwrap();
    for (method, path) in [
        (Method::GET, "/api/v1/surveys/after-call"),
        (
            Method::GET,
            "/api/v1/surveys/after-call/responses?format=csv",
        ),
        (Method::POST, "/api/v1/surveys/after-call/publish"),
        (Method::POST, "/api/v1/surveys/after-call/close"),
        (Method::POST, "/api/v1/surveys/after-call/invitations"),
    ] {
        let r = app
            .http
            .request(method, app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let list: Value = app
        .http
        .get(app.url("/api/v1/surveys"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
    // and the same key can exist in both organisations
    let r = app
        .http
        .post(app.url("/api/v1/surveys"))
        .bearer_auth(&token)
        .header("content-type", "application/yaml")
        .body(MINIMAL)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn roles_limit_what_a_token_may_do() {
    let app = TestApp::spawn().await;
    app.publish(MINIMAL).await;
    let (member, member_token) = app
        .store
        .create_api_token(
            app.org_id,
            "m",
            tevreden_storage::Role::Member,
            None,
            &tevreden_storage::Actor::Cli,
        )
        .await
        .unwrap();
    let r = app
        .http
        .post(app.url("/api/v1/surveys/after-call/close"))
        .bearer_auth(&member)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .http
        .get(app.url("/api/v1/surveys/after-call/responses"))
        .bearer_auth(&member)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .http
        .post(app.url("/api/v1/surveys/after-call/responses"))
        .bearer_auth(&member)
        .json(&json!({"answers": {"nps": 9, "answered": true, "effort": 6}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "integrators with any role may send responses"
    );
    // Revoked behind the server's back (the CLI, another node): refused within the token
    // cache's two seconds. (Revoking through the API or the admin pages is immediate.)
    app.store
        .revoke_api_token(app.org_id, member_token.id, &tevreden_storage::Actor::Cli)
        .await
        .unwrap();
    let revoked_at = std::time::Instant::now();
    loop {
        let r = app
            .http
            .get(app.url("/api/v1/surveys"))
            .bearer_auth(&member)
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            revoked_at.elapsed() < std::time::Duration::from_secs(3),
            "still accepted {:?} after revoking",
            revoked_at.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
