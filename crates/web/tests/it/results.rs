//! The results and drivers API against reference values computed independently (methods.md's
//! worked examples; Python for the control limits; numpy for the drivers data set).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{TestApp, close, post_all, values};

const SURVEY: &str = r#"key: nazorg
title: {nl: Nazorg, en: Aftercare}
languages: [nl, en]
questions:
  - {id: nps, type: nps, text: {nl: Aanbevelen?, en: Recommend?}}
  - {id: csat, type: rating, required: false, scale: {min: 1, max: 5}, text: {nl: Tevreden?, en: Satisfied?}}
  - {id: why, type: text, required: false, text: {nl: Waarom?, en: Why?}}
"#;

/// methods.md §1, examples A and B (counts for scores 0..10).
const A: [u64; 11] = [5, 2, 3, 4, 6, 10, 20, 30, 40, 35, 45];
const B: [u64; 11] = [8, 4, 5, 6, 9, 14, 24, 34, 36, 30, 30];
/// methods.md §2 CSAT example (scores 1..5) in January, another set in February.
const CSAT_JAN: [u64; 5] = [3, 5, 12, 40, 40];
const CSAT_FEB: [u64; 5] = [10, 10, 20, 30, 30];

async fn put(app: &TestApp, path: &str, body: Value) {
    let r = app.api(Method::PUT, path).json(&body).send().await.unwrap();
    assert!(
        r.status().is_success(),
        "{path}: {}",
        r.text().await.unwrap()
    );
}

async fn get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let r = app.api(Method::GET, path).send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn seed(app: &TestApp) {
    put(
        app,
        "/units/KS",
        json!({"name": "Klantenservice", "office": "front"}),
    )
    .await;
    put(
        app,
        "/units/KS-TEL",
        json!({"name": "Telefonie", "parent": "KS", "office": "front"}),
    )
    .await;
    put(
        app,
        "/units/FIN",
        json!({"name": "Financiën", "office": "back"}),
    )
    .await;
    put(
        app,
        "/channels/phone",
        json!({"name": "Telefoon", "kind": "phone"}),
    )
    .await;
    put(
        app,
        "/channels/email",
        json!({"name": "E-mail", "kind": "email"}),
    )
    .await;
    put(
        app,
        "/employees/E1",
        json!({"name": "Sanne de Vries", "unit": "KS-TEL", "customer_facing": true}),
    )
    .await;
    put(
        app,
        "/contacts/C1",
        json!({"name": "Klaas", "attributes": {"segment": "zakelijk"}}),
    )
    .await;
    app.publish(SURVEY).await;
    let mut bodies = Vec::new();
    // January: NPS example A, CSAT on the first 100; units alternate KS and KS-TEL; phone.
    let csat = values(&CSAT_JAN, 1);
    for (i, v) in values(&A, 0).into_iter().enumerate() {
        let mut answers = json!({"nps": v});
        if let Some(c) = csat.get(i) {
            answers["csat"] = json!(c);
        }
        let unit = if i % 2 == 0 { "KS" } else { "KS-TEL" };
        let mut context = json!({"unit": unit, "channel": "phone"});
        // Sanne handled the odd ones of the first hundred.
        if i % 2 == 1 && i < 100 {
            context["employee"] = json!("E1");
        }
        bodies.push(json!({
            "answers": answers,
            "submitted_at": format!("2026-01-{:02}T10:00:00Z", 1 + i % 28),
            "context": context,
        }));
    }
    // February: example B, all at FIN by email.
    let csat = values(&CSAT_FEB, 1);
    for (i, v) in values(&B, 0).into_iter().enumerate() {
        let mut answers = json!({"nps": v});
        if let Some(c) = csat.get(i) {
            answers["csat"] = json!(c);
        }
        let mut context = json!({"unit": "FIN", "channel": "email"});
        // The first thirty came from a business customer.
        if i < 30 {
            context["contact"] = json!("C1");
        }
        bodies.push(json!({
            "answers": answers,
            "submitted_at": format!("2026-02-{:02}T10:00:00Z", 1 + i % 28),
            "context": context,
        }));
    }
    post_all(app, "nazorg", bodies).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_reproduce_the_reference_values() {
    let app = TestApp::spawn().await;
    seed(&app).await;

    // NPS over January = example A: 15.00, adjusted Wald [3.89, 25.66].
    let (s, v) = get(
        &app,
        "/surveys/nazorg/results?question=nps&from=2026-01-01&to=2026-01-31",
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["metric"], "nps");
    assert_eq!(v["n"], 200);
    close(&v["score"], 15.0);
    assert_eq!(v["ci95"], json!([3.89, 25.66]));
    assert_eq!(v["method"], "adjusted-wald");
    assert_eq!(v["counts"], json!(A));
    assert_eq!(
        (v["promoters"].as_u64(), v["detractors"].as_u64()),
        (Some(80), Some(50))
    );
    // Wald on request: [4.02, 25.98].
    let (_, v) = get(
        &app,
        "/surveys/nazorg/results?question=nps&to=2026-01-31&method=wald",
    )
    .await;
    assert_eq!(v["ci95"], json!([4.02, 25.98]));
    // February alone = example B: −5.00, adjusted Wald [−15.98, 6.12]; a range inside a month
    // reads day rows and still counts every answer.
    let (_, v) = get(
        &app,
        "/surveys/nazorg/results?question=nps&from=2026-01-15&to=2026-02-28",
    )
    .await;
    let jan_after_14: u64 = (0..200).filter(|i| 1 + i % 28 >= 15).count() as u64;
    assert_eq!(v["n"].as_u64(), Some(200 + jan_after_14));
    let (_, v) = get(&app, "/surveys/nazorg/results?question=nps&from=2026-02-01").await;
    close(&v["score"], -5.0);
    assert_eq!(v["ci95"], json!([-15.98, 6.12]));

    // CSAT in January = methods.md §2: 80.0 %, Wilson [71.12, 86.66], mean 4.09 [3.892, 4.288].
    let (_, v) = get(&app, "/surveys/nazorg/results?question=csat&to=2026-01-31").await;
    assert_eq!(v["metric"], "csat");
    assert_eq!(v["n"], 100);
    close(&v["score"], 80.0);
    assert_eq!(v["ci95"], json!([71.12, 86.66]));
    close(&v["mean"], 4.09);
    assert_eq!(v["mean_ci95"], json!([3.892, 4.288]));
    assert_eq!(v["counts"], json!(CSAT_JAN));

    // Monthly trend with control limits. Baseline = both months: c = (140−120)/400 = 5.00,
    // v = 0.35 + 0.30 − 0.05² = 0.6475, limits 5 ± 3·√(0.6475/200)·100 = [−12.07, 22.07]
    // (computed in Python from methods.md §9's formula); neither month signals.
    let (_, v) = get(&app, "/surveys/nazorg/results?question=nps&group_by=month").await;
    let g = v["groups"].as_array().unwrap();
    assert_eq!(g.len(), 2);
    assert_eq!(
        (g[0]["key"].as_str(), g[1]["key"].as_str()),
        (Some("2026-01"), Some("2026-02"))
    );
    for group in g {
        assert_eq!(
            group["control"],
            json!({"centre": 5.0, "lcl": -12.07, "ucl": 22.07, "signal": false,
                "chart": "shewhart", "sigma_z": null})
        );
    }
    close(&g[0]["score"], 15.0);
    assert_eq!(g[1]["counts"], json!(B));
    // CSAT p-chart against February only: p̄ = 0.60, limits 60 ± 3·√(0.24/100)·100 =
    // [45.30, 74.70]; January's 80 % lies above: a signal.
    let (_, v) = get(
        &app,
        "/surveys/nazorg/results?question=csat&group_by=month&baseline_from=2026-02-01&baseline_to=2026-02-28",
    )
    .await;
    let g = v["groups"].as_array().unwrap();
    assert_eq!(
        g[0]["control"],
        json!({"centre": 60.0, "lcl": 45.3, "ucl": 74.7, "signal": true,
            "chart": "shewhart", "sigma_z": null})
    );
    assert_eq!(g[1]["control"]["signal"], false);
    // Weeks and quarters cover the same answers.
    for by in ["week", "quarter"] {
        let (_, v) = get(
            &app,
            &format!("/surveys/nazorg/results?question=nps&group_by={by}"),
        )
        .await;
        let total: u64 = v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["n"].as_u64().unwrap())
            .sum();
        assert_eq!(total, 400, "{by}");
    }

    // Breakdowns and filters: the KS filter takes its subtree (KS and KS-TEL: January).
    let (_, v) = get(&app, "/surveys/nazorg/results?question=nps&unit=KS").await;
    assert_eq!(v["counts"], json!(A));
    let (_, v) = get(&app, "/surveys/nazorg/results?question=nps&unit=KS-TEL").await;
    assert_eq!(v["n"], 100);
    let (_, v) = get(&app, "/surveys/nazorg/results?question=nps&channel=email").await;
    assert_eq!(v["counts"], json!(B));
    let (_, v) = get(&app, "/surveys/nazorg/results?question=nps&group_by=unit").await;
    let g = v["groups"].as_array().unwrap();
    let keys: Vec<&str> = g.iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["FIN", "KS", "KS-TEL"]);
    assert_eq!(g[0]["counts"], json!(B));
    // FIN (example B) against the rest (example A): −20.0 points, p = 0.0122 (methods.md §1);
    // the Benjamini–Hochberg adjustment over the three groups never lowers a p-value.
    assert_eq!(
        (
            g[0]["vs_rest"]["diff"].as_f64(),
            g[0]["vs_rest"]["p"].as_f64()
        ),
        (Some(-20.0), Some(0.0122))
    );
    for group in g {
        assert!(group["vs_rest"]["p_adjusted"].as_f64() >= group["vs_rest"]["p"].as_f64());
    }
    // Two periods compared: January (A) − February (B) = 20.0 [4.35, 35.65], p = 0.0122.
    let (_, v) = get(
        &app,
        "/surveys/nazorg/results?question=nps&from=2026-01-01&to=2026-01-31&compare_from=2026-02-01&compare_to=2026-02-28",
    )
    .await;
    let c = &v["compare"];
    assert_eq!(
        (c["n"].as_u64(), c["diff"].as_f64(), c["p"].as_f64()),
        (Some(200), Some(20.0), Some(0.0122))
    );
    assert_eq!(c["diff_ci95"], json!([4.35, 35.65]));
    assert_eq!(c["significant"], true);
    let (_, v) = get(
        &app,
        "/surveys/nazorg/results?question=nps&group_by=channel&unit=KS",
    )
    .await;
    let g = v["groups"].as_array().unwrap();
    assert_eq!(
        (g.len(), g[0]["key"].as_str(), g[0]["n"].as_u64()),
        (1, Some("phone"), Some(200))
    );

    // Filters the aggregates do not keep read raw responses and count alike.
    let all = get(&app, "/surveys/nazorg/results?question=nps&group_by=month")
        .await
        .1;
    let by_version = get(
        &app,
        "/surveys/nazorg/results?question=nps&group_by=month&version=1",
    )
    .await
    .1;
    assert_eq!(all["groups"], by_version["groups"]);
    assert_eq!(all["counts"], by_version["counts"]);
    let (_, v) = get(&app, "/surveys/nazorg/results?question=nps&employee=E1").await;
    let mut expected = [0u64; 11];
    for (i, x) in values(&A, 0).into_iter().enumerate() {
        if i % 2 == 1 && i < 100 {
            expected[x as usize] += 1;
        }
    }
    assert_eq!(
        (v["n"].as_u64(), v["counts"].clone()),
        (Some(50), json!(expected))
    );
    let (_, v) = get(
        &app,
        "/surveys/nazorg/results?question=nps&attribute=segment:zakelijk",
    )
    .await;
    let mut expected = [0u64; 11];
    for x in values(&B, 0).into_iter().take(30) {
        expected[x as usize] += 1;
    }
    assert_eq!(v["counts"], json!(expected));

    // Kept in the aggregates, the attribute answers the same from them: every query that
    // was read from raw responses above gives the same answer.
    let queries = [
        "question=nps&attribute=segment:zakelijk",
        "question=nps&attribute=segment:zakelijk&group_by=month",
        "question=csat&attribute=segment:zakelijk&group_by=unit&channel=email",
        "question=nps&attribute=Segment:zakelijk&unit=FIN&from=2026-02-03&to=2026-02-20",
        "question=nps&attribute=segment:particulier",
        "question=nps&group_by=attribute:segment",
        "question=csat&group_by=attribute:Segment&attribute=segment:zakelijk&from=2026-02-02",
    ];
    let mut raw = Vec::new();
    for q in queries {
        raw.push(get(&app, &format!("/surveys/nazorg/results?{q}")).await.1);
    }
    // By segment: the business customer's 30 answers, and the 370 of no segment (null key).
    let by_segment = &raw[5]["groups"];
    assert_eq!(
        (by_segment[0]["key"].as_str(), by_segment[0]["n"].as_u64()),
        (Some("zakelijk"), Some(30))
    );
    assert_eq!(
        (by_segment[1]["key"].is_null(), by_segment[1]["n"].as_u64()),
        (true, Some(370))
    );
    let (_, v) = get(
        &app,
        "/surveys/nazorg/results?question=nps&group_by=version",
    )
    .await;
    assert_eq!(v["groups"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (v["groups"][0]["key"].as_str(), v["groups"][0]["n"].as_u64()),
        (Some("1"), Some(400))
    );
    let (s, v) = get(&app, "/analytics/attributes").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["kept"], json!([]));
    assert_eq!(v["available"], json!([{"key": "segment", "contacts": 1}]));
    let r = app
        .api(Method::PUT, "/analytics/attributes")
        .json(&json!({"kept": [" Segment ", "region"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["kept"], json!(["segment", "region"]));
    assert_eq!(v["recounted_responses"], 30);
    for (q, before) in queries.iter().zip(&raw) {
        let (s, now) = get(&app, &format!("/surveys/nazorg/results?{q}")).await;
        assert_eq!(s, 200);
        assert_eq!(
            &now, before,
            "{q}: the aggregates answer as the raw responses did"
        );
    }
    // The answers keep the segment the contact had when it answered.
    put(
        &app,
        "/contacts/C1",
        json!({"name": "Klaas", "attributes": {"segment": "particulier"}}),
    )
    .await;
    let (_, v) = get(&app, &format!("/surveys/nazorg/results?{}", queries[0])).await;
    assert_eq!(v["n"], 30);
    let (_, v) = get(&app, &format!("/surveys/nazorg/results?{}", queries[4])).await;
    assert_eq!(v["n"], 0);
    // Too many keys, or not a list: refused, nothing changes.
    for body in [
        json!({"kept": ["a", "b", "c", "d", "e", "f"]}),
        json!({"kept": "segment"}),
    ] {
        let r = app
            .api(Method::PUT, "/analytics/attributes")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["errors"][0]["path"], "kept", "{v}");
    }
    assert_eq!(
        get(&app, "/analytics/attributes").await.1["kept"],
        json!(["segment", "region"])
    );
    let (_, v) = get(
        &app,
        "/surveys/nazorg/results?question=nps&group_by=employee",
    )
    .await;
    let g = v["groups"].as_array().unwrap();
    assert_eq!(
        (g[0]["key"].as_str(), g[0]["n"].as_u64()),
        (Some("E1"), Some(50))
    );
    assert_eq!(
        (g[1]["key"].is_null(), g[1]["n"].as_u64()),
        (true, Some(350))
    );
    let (s, v) = get(
        &app,
        "/surveys/nazorg/results?question=nps&version=7&attribute=nocolon",
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["errors"].as_array().unwrap().len(), 2);

    // No answers: no score, never 0.
    let (s, v) = get(
        &app,
        "/surveys/nazorg/results?question=nps&from=2025-01-01&to=2025-01-31",
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        (v["n"].as_u64(), v["score"].is_null(), v["ci95"].is_null()),
        (Some(0), true, true)
    );
    assert_eq!(v["small_n"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_refuse_bad_questions_with_every_field_named() {
    let app = TestApp::spawn().await;
    app.publish(SURVEY).await;
    let (s, v) = get(
        &app,
        "/surveys/nazorg/results?from=2026-13-01&group_by=year&method=exact",
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    for f in ["from", "group_by", "method", "question"] {
        assert!(fields.contains(&f), "{f} missing in {v}");
    }
    let (s, v) = get(&app, "/surveys/nazorg/results?question=why").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("text question"),
        "{v}"
    );
    let (s, _) = get(&app, "/surveys/nazorg/results?question=nope").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = get(&app, "/surveys/nazorg/results?question=nps&unit=NOPE").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = get(&app, "/surveys/none/results?question=nps").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = get(
        &app,
        "/surveys/nazorg/results?question=nps&from=2026-02-01&to=2026-01-01",
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"][0]["path"], "to");
}

const DRIVERS_SURVEY: &str = r#"key: hotel
title: {nl: Hotel, en: Hotel}
languages: [nl, en]
questions:
  - {id: overall, type: nps, text: {nl: Aanbevelen?, en: Recommend?}}
  - {id: rooms, type: rating, scale: {min: 1, max: 5}, text: {nl: Kamers, en: Rooms}}
  - {id: sleep_quality, type: rating, scale: {min: 1, max: 5}, text: {nl: Slaap, en: Sleep}}
  - {id: value, type: rating, scale: {min: 1, max: 5}, text: {nl: Prijs, en: Value}}
  - {id: cleanliness, type: rating, scale: {min: 1, max: 5}, text: {nl: Schoon, en: Clean}}
  - {id: location, type: rating, scale: {min: 1, max: 5}, text: {nl: Ligging, en: Location}}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drivers_match_the_numpy_reference() {
    let app = TestApp::spawn().await;
    app.publish(DRIVERS_SURVEY).await;
    // crates/domain/tests/data/drivers.csv, made and analysed by
    // crates/domain/tests/reference/drivers_reference.py (numpy): n = 400, R² = 0.6962262031,
    // relative weights 32.2693 / 22.3945 / 19.5148 / 22.9134 / 2.9080 %, Shapley 32.4771 /
    // 22.6093 / 19.0291 / 23.0810 / 2.8036 %.
    let csv = include_str!("../../../domain/tests/data/drivers.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let bodies: Vec<Value> = lines
        .map(|l| {
            let answers: serde_json::Map<String, Value> = header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), json!(v.trim().parse::<i64>().unwrap())))
                .collect();
            json!({"answers": answers})
        })
        .collect();
    assert_eq!(bodies.len(), 400);
    post_all(&app, "hotel", bodies).await;
    let (s, v) = get(
        &app,
        "/surveys/hotel/drivers?outcome=overall&drivers=rooms,sleep_quality,value,cleanliness,location",
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["n"], 400);
    close(&v["r2"], 0.6962);
    let d = v["drivers"].as_array().unwrap();
    let names: Vec<&str> = d.iter().map(|x| x["question"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["rooms", "sleep_quality", "value", "cleanliness", "location"]
    );
    let rw: Vec<f64> = d
        .iter()
        .map(|x| x["relative_weight_pct"].as_f64().unwrap())
        .collect();
    assert_eq!(rw, [32.27, 22.39, 19.51, 22.91, 2.91]);
    let sh: Vec<f64> = d
        .iter()
        .map(|x| x["shapley_pct"].as_f64().unwrap())
        .collect();
    assert_eq!(sh, [32.48, 22.61, 19.03, 23.08, 2.8]);
    assert!(
        d.iter()
            .all(|x| x["quadrant"].is_string() && x["performance"].is_f64())
    );
    // Every driver here is on 1–5: performance_pct = (mean − 1)/4·100 (both rounded).
    for x in d {
        let mean = x["performance"].as_f64().unwrap();
        let pct = x["performance_pct"].as_f64().unwrap();
        assert!((pct - (mean - 1.0) / 4.0 * 100.0).abs() < 0.02, "{x}");
    }

    // A subset of drivers is computed from the same stored moments.
    let (_, v) = get(&app, "/surveys/hotel/drivers?outcome=overall&drivers=rooms").await;
    assert_eq!(v["drivers"][0]["relative_weight_pct"], 100.0);
    // Refusals name the field.
    let (s, v) = get(
        &app,
        "/surveys/hotel/drivers?outcome=overall&drivers=overall",
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = get(&app, "/surveys/hotel/drivers?drivers=rooms").await;
    assert_eq!(
        (s, v["errors"][0]["path"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("outcome"))
    );
    // Too few complete responses in a date range without answers.
    let (s, v) = get(
        &app,
        "/surveys/hotel/drivers?outcome=overall&drivers=rooms&to=2025-01-01",
    )
    .await;
    assert_eq!(
        (s, v["type"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("urn:tevreden:problem:too_few")
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_scores_charts_tables_and_comments_within_scope() {
    use crate::admin::{add_user, login, page};
    use tevreden_storage::Role;
    let app = TestApp::spawn().await;
    seed(&app).await;
    let mut bodies = Vec::new();
    // Two open answers for the comments view.
    for (text, at) in [
        (
            "Heel vriendelijk en snel geholpen, top!",
            "2026-02-27T09:00:00Z",
        ),
        (
            "Ik ben niet geholpen en de wachttijd was erg lang.",
            "2026-02-27T10:00:00Z",
        ),
    ] {
        bodies.push(json!({
            "answers": {"nps": 8, "why": text},
            "submitted_at": at,
            "context": {"unit": "FIN", "channel": "email"},
        }));
    }
    post_all(&app, "nazorg", bodies).await;
    let fin = app.store.unit(app.org_id, "FIN").await.unwrap().id;
    add_user(&app, app.org_id, "boss@example.nl", Role::Admin, vec![]).await;
    add_user(&app, app.org_id, "fin@example.nl", Role::Manager, vec![fin]).await;
    let admin = login(&app, "boss@example.nl").await;

    // The results list links to the dashboard.
    let (_, html) = page(&app, &admin, "/app/results").await;
    assert!(html.contains("/app/surveys/nazorg/dashboard"), "{html}");
    // Everything: A + B pooled (P 140 + 2·0, D 120, n 402 with the two 8s): NPS 4.98.
    let (s, html) = page(&app, &admin, "/app/surveys/nazorg/dashboard").await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("<strong>5.0</strong>"),
        "headline missing: {html}"
    );
    assert!(html.contains("n = 402"));
    for chart in [
        "chart-trend",
        "chart-distribution",
        "chart-bars",
        "chart-drivers",
        "chart-matrix",
    ] {
        assert!(html.contains(chart), "{chart} missing");
    }
    assert!(html.contains("<desc"), "charts need a text alternative");
    assert!(!html.contains("style="), "no inline styles under the CSP");
    // January alone = example A, with the adjusted-Wald interval in the headline.
    let (_, html) = page(
        &app,
        &admin,
        "/app/surveys/nazorg/dashboard?q=nps&to=2026-01-31",
    )
    .await;
    assert!(
        html.contains("<strong>15.0</strong>") && html.contains("3.9 – 25.7"),
        "{html}"
    );
    // Comments with sentiment.
    let (_, html) = page(&app, &admin, "/app/surveys/nazorg/dashboard?q=csat").await;
    assert!(html.contains("Heel vriendelijk en snel geholpen"));
    assert!(
        html.contains("sentiment-positive") && html.contains("sentiment-negative"),
        "{html}"
    );
    // A table as CSV with a byte-order mark, `;` for Dutch Excel.
    let r = app
        .http
        .get(app.url(
            "/app/surveys/nazorg/dashboard?q=nps&period=month&export=trend&format=csv-semicolon",
        ))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = r.bytes().await.unwrap();
    assert_eq!(&body[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8_lossy(&body[3..]).to_string();
    // Numbers as numbers (a decimal comma with `;`), the interval as two columns.
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("2026-01;200;15,0;3,9;25,7;"),
        "{text}"
    );
    let download = |query: &str| {
        let (http, url, cookie) = (app.http.clone(), app.url(query), admin.clone());
        async move {
            let r = http.get(url).header("cookie", cookie).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.bytes().await.unwrap().to_vec()
        }
    };
    let body =
        download("/app/surveys/nazorg/dashboard?q=nps&period=month&export=trend&format=csv").await;
    let text = String::from_utf8_lossy(&body[3..]).to_string();
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("2026-01,200,15.0,3.9,25.7,"),
        "{text}"
    );
    // Names that a spreadsheet would run as a formula are defused in every table download.
    put(
        &app,
        "/units/FIN",
        json!({"name": "=HYPERLINK(\"http://evil.example\")", "office": "back"}),
    )
    .await;
    for format in ["csv", "csv-semicolon"] {
        let body = download(&format!(
            "/app/surveys/nazorg/dashboard?q=nps&by=unit&export=breakdown&format={format}"
        ))
        .await;
        let text = String::from_utf8_lossy(&body[3..]).to_string();
        let row = text
            .lines()
            .find(|l| l.contains("HYPERLINK"))
            .unwrap_or_else(|| panic!("no unit row in {text}"));
        assert!(row.starts_with("\"'=HYPERLINK"), "{format}: {row}");
    }
    // The same table as a workbook: numbers are numbers there, names are text.
    let r = app
        .http
        .get(app.url("/app/surveys/nazorg/dashboard?q=nps&by=unit&export=breakdown&format=xlsx"))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    assert_eq!(&bytes[..2], b"PK");
    {
        use calamine::{Data, Reader};
        let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        let fin = rows
            .iter()
            .find(|r| matches!(&r[0], Data::String(s) if s.contains("HYPERLINK")))
            .expect("the FIN row");
        assert!(matches!(fin[1], Data::Float(_)), "n is a number: {fin:?}");
        assert!(
            matches!(fin[2], Data::Float(_)),
            "the score is a number: {fin:?}"
        );
        assert!(
            matches!((&fin[3], &fin[4]), (Data::Float(a), Data::Float(b)) if a < b),
            "the interval is two numbers: {fin:?}"
        );
    }
    // A bad date is named, not a crash.
    let (s, html) = page(
        &app,
        &admin,
        "/app/surveys/nazorg/dashboard?from=31-12-2025",
    )
    .await;
    assert_eq!(s, 200);
    assert!(html.contains("31-12-2025"), "{html}");
    // Handling employee, version and contact attribute filter the measures (the counts are
    // the seed's: Sanne handled 50, the business customer answered 30) and the comments.
    for (query, n) in [
        ("employee=E1", 50),
        ("employee=E1&version=1", 50),
        ("attribute=segment%3Azakelijk", 30),
        ("attribute=segment%3Azakelijk&employee=E1", 0),
    ] {
        let (s, html) = page(
            &app,
            &admin,
            &format!("/app/surveys/nazorg/dashboard?q=nps&{query}"),
        )
        .await;
        assert_eq!(s, 200);
        if n > 0 {
            assert!(html.contains(&format!("n = {n}<")), "{query}: {html}");
        } else {
            assert!(
                html.contains("class=\"empty card\"") && !html.contains("class=\"card headline\""),
                "{query}: no responses, no score"
            );
        }
        assert!(
            html.contains("name=\"employee\"") && html.contains("name=\"attribute\""),
            "the filter fields"
        );
    }
    let (_, html) = page(
        &app,
        &admin,
        "/app/surveys/nazorg/dashboard?q=csat&attribute=segment%3Azakelijk",
    )
    .await;
    assert!(
        !html.contains("Heel vriendelijk en snel geholpen"),
        "a comment from outside the attribute filter"
    );
    for (query, shown) in [
        ("employee=NOBODY", "NOBODY"),
        ("version=7", "“7”"),
        ("attribute=segment", "“segment”"),
    ] {
        let (s, html) = page(
            &app,
            &admin,
            &format!("/app/surveys/nazorg/dashboard?q=nps&{query}"),
        )
        .await;
        assert_eq!(s, 200, "{query}");
        assert!(html.contains(shown), "{query}: the warning names the value");
    }

    // The theme dictionary page: a broken dictionary is refused and nothing changes.
    let (s, html) = page(&app, &admin, "/app/results/themes").await;
    assert_eq!(s, 200);
    assert!(html.contains("textarea"));
    let (s, body, _) = crate::admin::post_form(
        &app,
        &admin,
        "/app/results/themes",
        "/app/results/themes",
        &[
            ("action", "save"),
            (
                "yaml",
                "themes:\n  - key: wacht\n    name: {nl: Wachten}\n    synonyms: []\n",
            ),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("no synonyms"), "{body}");
    assert!(
        app.store
            .theme_dictionary(app.org_id)
            .await
            .unwrap()
            .is_none()
    );
    let (s, _, loc) = crate::admin::post_form(
        &app,
        &admin,
        "/app/results/themes",
        "/app/results/themes",
        &[
            ("action", "save"),
            (
                "yaml",
                "themes:\n  - key: wacht\n    name: {nl: Wachten}\n    synonyms: [wacht*]\n",
            ),
        ],
    )
    .await;
    assert_eq!(
        (s, loc.as_deref()),
        (StatusCode::SEE_OTHER, Some("/app/results/themes?saved=1"))
    );
    assert!(
        app.store
            .theme_dictionary(app.org_id)
            .await
            .unwrap()
            .unwrap()
            .contains("wacht*")
    );

    // The kept-attributes page: the contacts' keys offered, six keys refused (nothing
    // changes), the segment kept and recounted; then the breakdown by segment is offered.
    let (s, html) = page(&app, &admin, "/app/results/attributes").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("value=\"segment\"") && html.contains("1 contact"),
        "{html}"
    );
    let (s, body, _) = crate::admin::post_form(
        &app,
        &admin,
        "/app/results/attributes",
        "/app/results/attributes",
        &[("key", "segment"), ("other", "a, b, c, d, e")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Not saved"), "{body}");
    assert!(
        app.store
            .kept_attributes(app.org_id)
            .await
            .unwrap()
            .is_empty()
    );
    let (s, _, loc) = crate::admin::post_form(
        &app,
        &admin,
        "/app/results/attributes",
        "/app/results/attributes",
        &[("key", "segment"), ("other", "")],
    )
    .await;
    assert_eq!(
        (s, loc.as_deref()),
        (
            StatusCode::SEE_OTHER,
            Some("/app/results/attributes?saved=30")
        )
    );
    assert_eq!(
        app.store.kept_attributes(app.org_id).await.unwrap(),
        ["segment"]
    );
    let (_, html) = page(
        &app,
        &admin,
        "/app/surveys/nazorg/dashboard?q=nps&by=attribute%3Asegment",
    )
    .await;
    assert!(
        html.contains("value=\"attribute:segment\" selected") && html.contains(">zakelijk<"),
        "the breakdown by segment: {html}"
    );
    let (_, html) = page(
        &app,
        &admin,
        "/app/surveys/nazorg/dashboard?q=nps&by=version",
    )
    .await;
    assert!(html.contains("value=\"version\" selected"), "{html}");

    // A manager of FIN sees FIN's results only (February and the two comments: n 202).
    let manager = login(&app, "fin@example.nl").await;
    let (_, html) = page(&app, &manager, "/app/surveys/nazorg/dashboard").await;
    assert!(html.contains("n = 202"), "{html}");
    assert!(
        !html.contains("Klantenservice"),
        "units outside the scope must not be offered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_and_tables_export_as_xlsx() {
    use calamine::Reader;
    let app = TestApp::spawn().await;
    seed(&app).await;
    let r = app
        .api(Method::GET, "/surveys/nazorg/responses?format=xlsx")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("nazorg-responses.xlsx")
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range("responses").unwrap();
    let rows: Vec<Vec<calamine::Data>> = range.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows.len(), 401, "a header and 400 responses");
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let nps_col = header
        .iter()
        .position(|h| h == "nps")
        .expect("an nps column");
    // Answers are numbers in the workbook, and they add up to the seeded histograms.
    let mut counts = [0u64; 11];
    for row in &rows[1..] {
        match &row[nps_col] {
            calamine::Data::Float(v) => counts[*v as usize] += 1,
            other => panic!("nps is not a number: {other:?}"),
        }
    }
    let expected: Vec<u64> = A.iter().zip(B.iter()).map(|(a, b)| a + b).collect();
    assert_eq!(counts.to_vec(), expected);
    // A bad format names the field.
    let (s, v) = get(&app, "/surveys/nazorg/responses?format=ods").await;
    assert_eq!(
        (s, v["errors"][0]["path"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("format"))
    );
}

/// The CSV export (read through the concatenated-page path) says exactly what the JSON export
/// (read row by row with joins, an independent path) says, context names included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_export_agrees_with_the_json_export() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let csv = app
        .api(
            Method::GET,
            "/surveys/nazorg/responses?format=csv&delimiter=semicolon",
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csv = csv.strip_prefix('\u{feff}').expect("a BOM");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let (_, json) = get(&app, "/surveys/nazorg/responses?format=json").await;
    let json = json.as_array().unwrap();
    assert_eq!(rows.len(), 400);
    assert_eq!(json.len(), 400);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let text = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut with_employee = 0;
    let mut with_contact = 0;
    for (row, doc) in rows.iter().zip(json) {
        assert_eq!(row[col("response_id")], text(&doc["id"]));
        // the same instant: local time with its offset in the CSV, UTC in the JSON
        let instant = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        assert_eq!(
            instant(&row[col("submitted_at")]),
            instant(&text(&doc["submitted_at"]))
        );
        assert_eq!(row[col("survey_version")], text(&doc["version"]));
        assert_eq!(row[col("lang")], text(&doc["lang"]));
        for field in ["unit", "touchpoint", "channel", "employee", "contact"] {
            assert_eq!(row[col(field)], text(&doc["context"][field]), "{field}");
        }
        for q in ["nps", "csat"] {
            assert_eq!(row[col(q)], text(&doc["answers"][q]), "{q}");
        }
        with_employee += usize::from(!row[col("employee")].is_empty());
        with_contact += usize::from(!row[col("contact")].is_empty());
    }
    // the seed's context, so that the comparison above covered names and not only blanks
    assert_eq!((with_employee, with_contact), (50, 30));
    assert!(rows.iter().all(|r| !r[col("unit")].is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn theme_dictionary_is_checked_and_used_for_open_answers() {
    let app = TestApp::spawn().await;
    app.publish(SURVEY).await;
    let bodies = [
        "De monteur kwam te laat en de monteur was onvriendelijk.",
        "Monteur kwam te laat, niet opgelost.",
        "Heel vriendelijk geholpen, dank u!",
    ]
    .iter()
    .map(|t| json!({"answers": {"nps": 5, "why": t}}))
    .collect();
    post_all(&app, "nazorg", bodies).await;
    // The built-in dictionary applies first.
    let (s, v) = get(&app, "/themes").await;
    assert_eq!((s, v["custom"].as_bool()), (StatusCode::OK, Some(false)));
    assert!(v["themes"].as_array().unwrap().len() >= 10);
    // A broken dictionary is refused whole, naming the place.
    let r = app
        .api(Method::PUT, "/themes")
        .json(&json!({"themes": [{"key": "Bad Key", "name": {"nl": "X"}, "synonyms": ["x"]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("theme 1"),
        "{v}"
    );
    let (_, v) = get(&app, "/themes").await;
    assert_eq!(v["custom"], false);
    // The organisation's own dictionary.
    let r = app
        .api(Method::PUT, "/themes")
        .json(&json!({"themes": [{"key": "monteur", "name": {"nl": "Monteur", "en": "Engineer"}, "synonyms": ["monteur*", "engineer"]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, v) = get(&app, "/surveys/nazorg/comments").await;
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let late: Vec<&Value> = items
        .iter()
        .filter(|i| i["text"].as_str().unwrap().contains("te laat"))
        .collect();
    assert!(
        late.iter()
            .all(|i| i["themes"] == json!(["monteur"]) && i["sentiment"] == "negative"),
        "{v}"
    );
    // "te laat" occurs twice and no theme covers it: suggested.
    let phrases: Vec<&str> = v["suggested_phrases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["phrase"].as_str().unwrap())
        .collect();
    assert!(phrases.iter().any(|p| p.contains("laat")), "{phrases:?}");
    assert!(
        !phrases.iter().any(|p| p.contains("monteur")),
        "covered words are not suggested: {phrases:?}"
    );
    // Back to the built-in one.
    let r = app.api(Method::DELETE, "/themes").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (_, v) = get(&app, "/themes").await;
    assert_eq!(v["custom"], false);
}

/// Months of 2,000 answers whose promoter share moves a few points from month to month — as a
/// real process does — make the ordinary chart flag most months; Laney's chart (methods.md 9)
/// widens the limits, says so, and flags only the month that really fell.
#[tokio::test]
async fn large_months_get_laney_limits_and_only_a_real_drop_signals() {
    use tevreden_domain::rollup::{answer_facts, day_of_date, day_start_ms};
    use tevreden_domain::survey::{Answers, HiddenAnswers, Scope, validate_answers};
    let app = TestApp::spawn().await;
    app.publish(crate::MINIMAL).await;
    let survey = app.store.survey(app.org_id, "after-call").await.unwrap();
    let version = app.store.survey_versions(survey.id).await.unwrap()[0].clone();
    let def = &version.definition;
    let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap();
    // Promoters per mille by month; the last month falls about 25 points.
    let promoters = [520, 560, 500, 545, 490, 535, 510, 550, 270];
    const N: usize = 2_000;
    let mut rows = Vec::new();
    for (m, &per_mille) in promoters.iter().enumerate() {
        let day = day_of_date(jiff::civil::date(2026, m as i8 + 1, 10));
        for i in 0..N {
            // promoters, the rest passives: the month's NPS is its promoter share
            let score = if i * 1000 < per_mille * N { 10 } else { 8 };
            let raw = json!({"nps": score, "answered": true, "effort": 6});
            let answers = validate_answers(
                def,
                raw.as_object().unwrap(),
                Scope::All,
                &Answers::default(),
                HiddenAnswers::Refuse,
            )
            .unwrap();
            rows.push(tevreden_storage::NewResponse {
                org_id: app.org_id,
                survey_id: survey.id,
                version_id: version.id,
                uid: format!("00000000-0000-4000-8000-{:012}", m * N + i),
                submission_key: format!("laney-{m}-{i}"),
                request_hash: String::new(),
                invitation_id: None,
                lang: "nl".into(),
                unit_id: None,
                touchpoint_id: None,
                channel_id: None,
                employee_id: None,
                contact_id: None,
                answers: answers.to_json(),
                facts: answer_facts(def, &answers),
                submitted_at: day_start_ms(day, &tz) + 3_600_000,
            });
        }
    }
    app.store.bulk_insert_responses(&rows).await.unwrap();
    let (_, v) = get(
        &app,
        "/surveys/after-call/results?question=nps&group_by=month&from=2026-01-01&to=2026-09-30",
    )
    .await;
    let g = v["groups"].as_array().unwrap();
    assert_eq!(g.len(), 9);
    // By hand (and in Python): the months' NPS are 52, 56, 50, 54.5, 49, 53.5, 51, 55 and 27;
    // c = 49.78, the ordinary limits ±3·√(v/2000) = ±3.35 points would flag months 2, 4, 6 and
    // 8 too; σ_z = 5.848 widens them to ±19.6, and only month 9 lies outside.
    for (i, group) in g.iter().enumerate() {
        assert_eq!(group["control"]["chart"], "laney", "{group}");
        close(&group["control"]["sigma_z"], 5.848);
        assert_eq!(
            group["control"]["signal"],
            i == 8,
            "month {}: {group}",
            i + 1
        );
    }
    crate::admin::add_user(
        &app,
        app.org_id,
        "lead@example.com",
        tevreden_storage::Role::Admin,
        vec![],
    )
    .await;
    let cookie = crate::admin::login(&app, "lead@example.com").await;
    let (_, html) = crate::admin::page(
        &app,
        &cookie,
        "/app/surveys/after-call/dashboard?period=month&from=2026-01-01&to=2026-09-30",
    )
    .await;
    assert!(
        html.contains("Laney p′"),
        "the dashboard says why the limits are wide"
    );
}

/// The importance–performance matrix puts a 1–5 and a 1–7 driver on one scale, % of each
/// scale. Hand-computed from the answers below: csat (1–5) mean 44/12 = 3.6667 → (3.6667 −
/// 1)/4·100 = 66.67 %; effort (1–7) mean 56/12 = 4.6667 → (4.6667 − 1)/6·100 = 61.11 %. On
/// raw means effort (4.67) looked better than csat (3.67); on the scale it is worse.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drivers_on_different_scales_share_one_performance_axis() {
    use crate::admin::{add_user, login, page};
    let app = TestApp::spawn().await;
    app.publish(
        r#"key: schalen
title: {nl: Schalen, en: Scales}
languages: [nl, en]
questions:
  - {id: nps, type: nps, text: {nl: Aanbevelen?, en: Recommend?}}
  - {id: csat, type: rating, scale: {min: 1, max: 5}, text: {nl: Tevreden?, en: How satisfied are you with the way your question was handled?}}
  - {id: effort, type: rating, scale: {min: 1, max: 7}, text: {nl: Makkelijk?, en: How easy was it to get your question dealt with?}}
"#,
    )
    .await;
    let nps = [9, 8, 10, 5, 9, 3, 8, 6, 10, 8, 0, 7];
    let csat = [5, 4, 4, 3, 5, 2, 4, 3, 5, 4, 1, 4];
    let effort = [6, 5, 7, 3, 6, 2, 5, 4, 7, 5, 1, 5];
    let bodies = (0..12)
        .map(|i| json!({"answers": {"nps": nps[i], "csat": csat[i], "effort": effort[i]}}))
        .collect();
    post_all(&app, "schalen", bodies).await;
    let (s, v) = get(
        &app,
        "/surveys/schalen/drivers?outcome=nps&drivers=csat,effort",
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let pct = |q: &str| {
        v["drivers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["question"] == q)
            .unwrap()["performance_pct"]
            .as_f64()
            .unwrap()
    };
    assert_eq!((pct("csat"), pct("effort")), (66.67, 61.11));

    add_user(
        &app,
        app.org_id,
        "cx@example.nl",
        tevreden_storage::Role::Admin,
        vec![],
    )
    .await;
    let admin = login(&app, "cx@example.nl").await;
    let (s, html) = page(&app, &admin, "/app/surveys/schalen/dashboard?q=nps").await;
    assert_eq!(s, 200);
    // The matrix's x axis names its scale, and the table has the percentages.
    let matrix = &html[html.find("chart-matrix").unwrap()..];
    let matrix = &matrix[..matrix.find("</svg>").unwrap()];
    assert!(
        matrix.contains(
            r#"class="axis-label" font-weight="600">Performance (% of the scale)</text>"#
        ),
        "{matrix}"
    );
    assert!(html.contains("<td class=\"num\">66.7</td>"), "{html}");
    assert!(html.contains("<td class=\"num\">61.1</td>"));
    // Its description places both drivers by those percentages.
    let desc = &matrix[matrix.find("-desc\">").unwrap()..];
    let desc = &desc[..desc.find("</desc>").unwrap()];
    assert!(desc.contains("66.67") && desc.contains("61.11"), "{desc}");
}

/// A kept attribute added over more responses than the request counts: the API and the
/// dashboard say it is being recounted (and how far), results by it stay complete (read from
/// the raw responses), and once the recount is done it is kept and the notice is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recount_running_in_the_background_is_shown_and_results_stay_complete() {
    let app = TestApp::spawn_with(|c| c.background_recounts = false).await;
    seed(&app).await;
    // 2,100 more from the business customer: more than one chunk to count
    let bodies: Vec<Value> = (0..2_100)
        .map(|i| {
            json!({
                "answers": {"nps": i % 11},
                "submitted_at": format!("2026-03-{:02}T10:00:00Z", 1 + i % 28),
                "context": {"unit": "FIN", "contact": "C1"},
            })
        })
        .collect();
    post_all(&app, "nazorg", bodies).await;
    let query = "/surveys/nazorg/results?question=nps&attribute=segment:zakelijk&group_by=month";
    let (s, raw) = get(&app, query).await;
    assert_eq!(s, 200, "{raw}");

    let change = app
        .store
        .set_kept_attributes_counting(
            app.org_id,
            &["segment".into()],
            &tevreden_storage::Actor::Cli,
            std::time::Duration::ZERO,
        )
        .await
        .unwrap();
    assert_eq!(change.recounted as i64, tevreden_storage::RECOUNT_CHUNK);
    let (s, v) = get(&app, "/analytics/attributes").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["kept"], json!([]), "not complete yet: {v}");
    assert_eq!(v["recounting"]["attributes"], json!(["segment"]), "{v}");
    let percent = v["recounting"]["percent"].as_u64().unwrap();
    assert!((1..100).contains(&percent), "{v}");
    assert!(
        v["recounting"]["started_at"]
            .as_str()
            .unwrap()
            .ends_with('Z'),
        "{v}"
    );
    let (_, during) = get(&app, query).await;
    assert_eq!(during, raw, "complete while recounting");

    crate::admin::add_user(
        &app,
        app.org_id,
        "boss@example.nl",
        tevreden_storage::Role::Admin,
        vec![],
    )
    .await;
    let admin = crate::admin::login(&app, "boss@example.nl").await;
    let (_, html) = crate::admin::page(&app, &admin, "/app/surveys/nazorg/dashboard").await;
    assert!(
        html.contains("id=\"dash-recounting\"")
            && html.contains(&format!(
                "Counting segment in the background: {percent} % done"
            )),
        "{html}"
    );
    let (_, html) = crate::admin::page(&app, &admin, "/app/results/attributes").await;
    assert!(html.contains("id=\"kept-recounting\""), "{html}");
    assert!(
        html.contains("value=\"segment\" checked"),
        "the attribute being counted stays ticked: {html}"
    );

    let (_, done) = app.store.recount_org(app.org_id, None).await.unwrap();
    assert!(done);
    let (_, v) = get(&app, "/analytics/attributes").await;
    assert_eq!(
        (v["kept"].clone(), v["recounting"].clone()),
        (json!(["segment"]), Value::Null)
    );
    let (_, after) = get(&app, query).await;
    assert_eq!(after, raw, "the aggregates answer as the raw responses did");
    let (_, html) = crate::admin::page(&app, &admin, "/app/surveys/nazorg/dashboard").await;
    assert!(!html.contains("dash-recounting"));
}
