//! Indicator, targets, influence links and scorecards through the API, against reference
//! values from methods.md (examples A and B) and the interval rule of the scorecard status.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{TestApp, close, post_all, values};

const SURVEY: &str = r#"key: nazorg
title: {nl: Nazorg, en: Aftercare}
languages: [nl, en]
questions:
  - {id: nps, type: nps, text: {nl: Aanbevelen?, en: Recommend?}}
  - {id: csat, type: rating, required: false, scale: {min: 1, max: 5}, text: {nl: Tevreden?, en: Satisfied?}}
  - {id: ok, type: yesno, required: false, text: {nl: Geholpen?, en: Helped?}}
"#;

const A: [u64; 11] = [5, 2, 3, 4, 6, 10, 20, 30, 40, 35, 45];
const B: [u64; 11] = [8, 4, 5, 6, 9, 14, 24, 34, 36, 30, 30];
const CSAT: [u64; 5] = [3, 5, 12, 40, 40];

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut r = app.api(method, path);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scorecards_measure_units_against_targets_with_the_interval() {
    let app = TestApp::spawn().await;
    for (id, body) in [
        ("KS", json!({"name": "Klantenservice", "office": "front"})),
        (
            "KS-TEL",
            json!({"name": "Telefonie", "parent": "KS", "office": "front"}),
        ),
        ("FIN", json!({"name": "Financiën", "office": "back"})),
    ] {
        let (s, v) = call(&app, Method::PUT, &format!("/units/{id}"), Some(body)).await;
        assert!(s.is_success(), "{v}");
    }
    call(
        &app,
        Method::PUT,
        "/channels/phone",
        Some(json!({"name": "Telefoon", "kind": "phone"})),
    )
    .await;
    let (s, v) = call(
        &app,
        Method::PUT,
        "/touchpoints/call",
        Some(json!({"name": "Gesprek", "unit": "KS-TEL", "channel": "phone"})),
    )
    .await;
    assert!(s.is_success(), "{v}");
    app.publish(SURVEY).await;
    // 2026-Q1: example A at KS-TEL's call touchpoint, CSAT on the first 100; 2025-Q4: example B.
    let mut bodies = Vec::new();
    let csat = values(&CSAT, 1);
    for (i, v) in values(&A, 0).into_iter().enumerate() {
        let mut answers = json!({"nps": v});
        if let Some(c) = csat.get(i) {
            answers["csat"] = json!(c);
        }
        bodies.push(json!({"answers": answers, "submitted_at": format!("2026-01-{:02}T10:00:00Z", 1 + i % 28),
            "context": {"unit": "KS-TEL", "touchpoint": "call", "channel": "phone"}}));
    }
    for v in values(&B, 0) {
        bodies.push(
            json!({"answers": {"nps": v}, "submitted_at": "2025-11-15T10:00:00Z",
            "context": {"unit": "KS-TEL", "touchpoint": "call", "channel": "phone"}}),
        );
    }
    post_all(&app, "nazorg", bodies).await;

    // No indicator yet: said so, with what to do.
    let (s, v) = call(&app, Method::GET, "/scorecards?period=2026-Q1", None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["title"]
            .as_str()
            .unwrap()
            .contains("PUT /api/v1/indicator")
    );
    let (s, _) = call(&app, Method::GET, "/indicator", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Refusals name the field.
    let (s, v) = call(
        &app,
        Method::PUT,
        "/indicator",
        Some(json!({"kind": "csat", "survey": "nazorg", "question": "nps"})),
    )
    .await;
    assert_eq!(
        (s, v["errors"][0]["path"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("question"))
    );
    let (s, v) = call(&app, Method::PUT, "/indicator", Some(json!({"kind": "index", "survey": "nazorg", "components": [{"question": "ok", "weight": 1}]}))).await;
    assert_eq!(
        (s, v["errors"][0]["path"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("components[0]"))
    );
    let (s, v) = call(
        &app,
        Method::PUT,
        "/indicator",
        Some(json!({"kind": "nps", "survey": "nazorg", "question": "nps"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v,
        json!({"kind": "nps", "survey": "nazorg", "components": [{"question": "nps", "weight": 1.0}]})
    );

    // Targets: KS for the year, KS-TEL for the quarter.
    let (s, _) = call(
        &app,
        Method::PUT,
        "/units/KS/targets/2026",
        Some(json!({"target": 10})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = call(
        &app,
        Method::PUT,
        "/units/KS-TEL/targets/2026-Q1",
        Some(json!({"target": 30})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, v) = call(
        &app,
        Method::PUT,
        "/units/KS/targets/2026-Q5",
        Some(json!({"target": 10})),
    )
    .await;
    assert_eq!(
        (s, v["errors"][0]["path"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("period"))
    );
    let (s, _) = call(
        &app,
        Method::PUT,
        "/units/KS/targets/2026",
        Some(json!({"target": 150})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, v) = call(&app, Method::GET, "/targets?period=2026-Q1", None).await;
    assert_eq!(
        v["items"],
        json!([{"unit": "KS-TEL", "period": "2026-Q1", "target": 30.0}])
    );

    // KS (its subtree holds KS-TEL): example A, 15.00 [3.89, 25.66] against the year's 10:
    // the interval straddles the target → not yet sure. Against 2025-Q4 (example B, −5.00):
    // z = 2.505, p = 0.0122 → a significant change.
    let (s, v) = call(
        &app,
        Method::GET,
        "/units/KS/scorecard?period=2026-Q1",
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["n"].as_u64(), v["ci95"].clone()),
        (Some(200), json!([3.89, 25.66]))
    );
    close(&v["score"], 15.0);
    assert_eq!(
        (v["target"].as_f64(), v["target_period"].as_str()),
        (Some(10.0), Some("2026"))
    );
    assert_eq!(v["status"], "not-yet-sure");
    assert_eq!(v["previous"]["period"], "2025-Q4");
    close(&v["previous"]["score"], -5.0);
    assert_eq!(v["previous"]["significant_change"], true);
    for slot in [
        "internal_customer_score",
        "promise_compliance",
        "engagement",
        "open_cases",
    ] {
        assert!(
            v[slot].is_null(),
            "{slot} must be null (not measured yet), never 0"
        );
    }
    // KS-TEL against 30: the whole interval lies below.
    let (_, v) = call(
        &app,
        Method::GET,
        "/units/KS-TEL/scorecard?period=2026-Q1",
        None,
    )
    .await;
    assert_eq!(v["status"], "below");
    // The back office: nothing of its own, no target.
    let (_, v) = call(
        &app,
        Method::GET,
        "/units/FIN/scorecard?period=2026-Q1",
        None,
    )
    .await;
    assert_eq!(
        (v["n"].as_u64(), v["score"].is_null(), v["status"].as_str()),
        (Some(0), true, Some("no-target"))
    );
    // Linked to the call touchpoint it influences, it is measured on those contacts.
    let (s, v) = call(
        &app,
        Method::PUT,
        "/units/FIN/influences",
        Some(json!({"touchpoints": ["call"]})),
    )
    .await;
    assert_eq!(
        (s, v.clone()),
        (StatusCode::OK, json!({"touchpoints": ["call"]}))
    );
    let (s, _) = call(
        &app,
        Method::PUT,
        "/units/FIN/influences",
        Some(json!({"touchpoints": ["nope"]})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = call(
        &app,
        Method::GET,
        "/units/FIN/scorecard?period=2026-Q1",
        None,
    )
    .await;
    assert_eq!(v["n"], 200);
    close(&v["score"], 15.0);
    // The overview: every unit side by side.
    let (_, v) = call(&app, Method::GET, "/scorecards?period=2026-Q1", None).await;
    let units: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["unit"].as_str().unwrap())
        .collect();
    assert_eq!(units.len(), 3);
    assert!(units.contains(&"FIN") && units.contains(&"KS") && units.contains(&"KS-TEL"));

    // A customer index of one 1–5 question: mean 4.09 → 100·3.09/4 = 77.25.
    let (s, v) = call(&app, Method::PUT, "/indicator", Some(json!({"kind": "index", "survey": "nazorg", "components": [{"question": "csat", "weight": 2}]}))).await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = call(
        &app,
        Method::GET,
        "/units/KS/scorecard?period=2026-Q1",
        None,
    )
    .await;
    close(&v["score"], 77.25);
    assert_eq!(v["indicator"], "index");
    assert!(v["previous"]["significant_change"].is_null());

    // Every change is in the audit log.
    let (_, v) = call(&app, Method::GET, "/audit?limit=50", None).await;
    let actions: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["indicator.set", "target.set", "influences.set"] {
        assert!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scorecard_pages_show_status_slots_and_save_settings() {
    use crate::admin::{add_user, login, page, post_form};
    use tevreden_storage::Role;
    let app = TestApp::spawn().await;
    for (id, body) in [
        ("KS", json!({"name": "Klantenservice", "office": "front"})),
        ("FIN", json!({"name": "Financiën", "office": "back"})),
    ] {
        call(&app, Method::PUT, &format!("/units/{id}"), Some(body)).await;
    }
    app.publish(SURVEY).await;
    let bodies = values(&A, 0)
        .into_iter()
        .map(|v| json!({"answers": {"nps": v}, "submitted_at": "2026-02-02T10:00:00Z", "context": {"unit": "KS"}}))
        .collect();
    post_all(&app, "nazorg", bodies).await;
    add_user(&app, app.org_id, "boss@example.nl", Role::Admin, vec![]).await;
    let admin = login(&app, "boss@example.nl").await;

    // Before an indicator: the overview says what to do.
    let (s, html) = page(&app, &admin, "/app/scorecards").await;
    assert_eq!(s, 200);
    assert!(html.contains("/app/scorecards/settings"), "{html}");
    // Choose NPS in the settings form.
    let (s, body, loc) = post_form(
        &app,
        &admin,
        "/app/scorecards/settings",
        "/app/scorecards/indicator",
        &[
            ("kind", "nps"),
            ("question", "nazorg/nps"),
            ("survey", "nazorg"),
            ("components", ""),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(loc.as_deref(), Some("/app/scorecards/settings?saved=1"));
    // A bad target changes nothing and says which unit.
    let (s, body, _) = post_form(
        &app,
        &admin,
        "/app/scorecards/settings?period=2026",
        "/app/scorecards/targets",
        &[("period", "2026"), ("t-KS", "20"), ("t-FIN", "500")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Financiën"), "{body}");
    let (_, v) = call(&app, Method::GET, "/targets", None).await;
    assert_eq!(v["items"], json!([]));
    let (s, _, _) = post_form(
        &app,
        &admin,
        "/app/scorecards/settings?period=2026",
        "/app/scorecards/targets",
        &[("period", "2026"), ("t-KS", "20,5"), ("t-FIN", "")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, v) = call(&app, Method::GET, "/targets", None).await;
    assert_eq!(
        v["items"],
        json!([{"unit": "KS", "period": "2026", "target": 20.5}])
    );

    // The overview for 2026-Q1: KS at 15.0 [3.89, 25.66] against 20.5 → not yet sure.
    let (_, html) = page(&app, &admin, "/app/scorecards?period=2026-Q1").await;
    assert!(
        html.contains("Klantenservice") && html.contains("status-not-yet-sure"),
        "{html}"
    );
    assert!(html.contains("chart-bars"));
    let (_, html) = page(&app, &admin, "/app/scorecards/units/KS?period=2026-Q1").await;
    assert!(html.contains("<strong>15.0</strong>"), "{html}");
    assert_eq!(
        html.matches("not measured yet").count(),
        4,
        "the four slots say not measured yet"
    );
    assert!(html.contains("chart-trend"));
    assert!(!html.contains("style="));
}
