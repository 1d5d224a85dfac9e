//! Every route that shows numbers or texts drawn from responses asks the disclosure policy
//! (`tevreden_domain::disclosure`) first. The routes come from the routers themselves (the
//! API's OpenAPI document, built from its handler list, and `admin::paths()`), so a new route
//! must be placed on one of the two lists below before this test passes; each one on the first
//! list is called and must report the policy's checks in the `Tevreden-Disclosure` header.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use tevreden_storage::Role;

use super::admin::{add_user, login};
use super::{MINIMAL, TestApp};

/// API routes whose answers are drawn from responses, with a path and query that answer 200,
/// and the checks the policy must have been asked.
const API_DERIVED: &[(&str, &str, &str, &str)] = &[
    ("POST", "/surveys", "", "customers:aggregate"),
    (
        "GET",
        "/surveys/{key}",
        "/surveys/after-call",
        "customers:aggregate",
    ),
    (
        "GET",
        "/surveys/{key}/results",
        "/surveys/after-call/results?question=nps&group_by=unit",
        "customers:aggregate,customers:groups",
    ),
    (
        "GET",
        "/surveys/{key}/drivers",
        "/surveys/after-call/drivers?outcome=nps&drivers=effort",
        "customers:aggregate",
    ),
    (
        "GET",
        "/surveys/{key}/comments",
        "/surveys/after-call/comments",
        "customers:comments",
    ),
    (
        "GET",
        "/surveys/{key}/responses",
        "/surveys/after-call/responses?format=csv",
        "customers:individual",
    ),
    (
        "GET",
        "/surveys/{key}/responses/pages",
        "/surveys/after-call/responses/pages",
        "customers:individual",
    ),
    ("GET", "/scorecards", "/scorecards", "customers:aggregate"),
    (
        "GET",
        "/units/{external_id}/scorecard",
        "/units/KS/scorecard",
        "customers:aggregate",
    ),
];

/// API routes that show nothing drawn from responses: settings, the directory, accounts,
/// survey definitions, and the writes that store a response or an invitation (they answer with
/// what was sent).
const API_NOT_DERIVED: &[(&str, &str)] = &[
    ("GET", "/analytics/attributes"),
    ("PUT", "/analytics/attributes"),
    ("GET", "/audit"),
    ("GET", "/channels"),
    ("GET", "/channels/{key}"),
    ("PUT", "/channels/{key}"),
    ("GET", "/contacts"),
    ("GET", "/contacts/{external_id}"),
    ("PUT", "/contacts/{external_id}"),
    ("DELETE", "/contacts/{external_id}"),
    ("GET", "/employees"),
    ("GET", "/employees/{external_id}"),
    ("PUT", "/employees/{external_id}"),
    ("DELETE", "/employees/{external_id}"),
    ("GET", "/indicator"),
    ("PUT", "/indicator"),
    ("GET", "/surveys"),
    ("POST", "/surveys/{key}/close"),
    ("GET", "/surveys/{key}/file"),
    ("POST", "/surveys/{key}/invitations"),
    ("POST", "/surveys/{key}/open"),
    ("POST", "/surveys/{key}/publish"),
    ("POST", "/surveys/{key}/responses"),
    ("GET", "/surveys/{key}/versions"),
    ("GET", "/surveys/{key}/versions/{version}"),
    ("GET", "/targets"),
    ("GET", "/templates"),
    ("GET", "/themes"),
    ("PUT", "/themes"),
    ("DELETE", "/themes"),
    ("GET", "/tokens"),
    ("POST", "/tokens"),
    ("DELETE", "/tokens/{id}"),
    ("GET", "/touchpoints"),
    ("GET", "/touchpoints/{key}"),
    ("PUT", "/touchpoints/{key}"),
    ("GET", "/units"),
    ("GET", "/units/{external_id}"),
    ("PUT", "/units/{external_id}"),
    ("DELETE", "/units/{external_id}"),
    ("GET", "/units/{external_id}/influences"),
    ("PUT", "/units/{external_id}/influences"),
    ("PUT", "/units/{external_id}/targets/{period}"),
    ("DELETE", "/units/{external_id}/targets/{period}"),
    ("GET", "/users"),
    ("POST", "/users"),
    ("GET", "/users/{id}"),
    ("PATCH", "/users/{id}"),
];

/// Admin pages drawn from responses (GET), with a path that answers 200 and the checks.
const ADMIN_DERIVED: &[(&str, &str, &str)] = &[
    ("/app/surveys", "/app/surveys", "customers:aggregate"),
    ("/app/results", "/app/results", "customers:aggregate"),
    (
        "/app/surveys/{key}/responses",
        "/app/surveys/after-call/responses",
        "customers:individual",
    ),
    (
        "/app/surveys/{key}/export.csv",
        "/app/surveys/after-call/export.csv",
        "customers:individual",
    ),
    (
        "/app/surveys/{key}/dashboard",
        "/app/surveys/after-call/dashboard",
        "customers:aggregate,customers:groups,customers:comments",
    ),
    ("/app/scorecards", "/app/scorecards", "customers:aggregate"),
    (
        "/app/scorecards/units/{external_id}",
        "/app/scorecards/units/KS",
        "customers:aggregate",
    ),
];

/// Admin routes that show nothing drawn from responses.
const ADMIN_NOT_DERIVED: &[&str] = &[
    "/login",
    "/logout",
    "/forgot",
    "/reset/{token}",
    "/invite/{token}",
    "/app",
    "/app/surveys/new",
    "/app/surveys/{key}/edit",
    "/app/surveys/{key}/preview",
    "/app/surveys/{key}/file",
    "/app/surveys/{key}/publish",
    "/app/results/themes",
    "/app/results/attributes",
    "/app/scorecards/settings",
    "/app/scorecards/indicator",
    "/app/scorecards/targets",
    "/app/scorecards/units/{external_id}/influences",
    "/app/organisation",
    "/app/organisation/units",
    "/app/organisation/units/{external_id}",
    "/app/organisation/units/{external_id}/delete",
    "/app/organisation/employees",
    "/app/organisation/employees/{external_id}",
    "/app/organisation/employees/{external_id}/delete",
    "/app/organisation/contacts",
    "/app/organisation/contacts/{external_id}",
    "/app/organisation/contacts/{external_id}/delete",
    "/app/organisation/touchpoints",
    "/app/organisation/channels",
    "/app/organisation/import",
    "/app/people",
    "/app/people/{id}",
    "/app/tokens",
    "/app/tokens/{id}/revoke",
    "/app/settings",
    "/app/settings/language",
    "/app/audit",
    "/app/audit.json",
];

fn header(r: &reqwest::Response) -> String {
    r.headers()
        .get("tevreden-disclosure")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_route_drawn_from_responses_asks_the_disclosure_policy() {
    // Every route is on exactly one list.
    let doc: serde_json::Value =
        serde_json::from_str(tevreden_web::api::docs::document_json()).unwrap();
    let mut api_routes = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            api_routes.insert((method.to_uppercase(), path.clone()));
        }
    }
    let listed: BTreeSet<(String, String)> = API_DERIVED
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .chain(
            API_NOT_DERIVED
                .iter()
                .map(|(m, p)| (m.to_string(), p.to_string())),
        )
        .collect();
    assert_eq!(
        api_routes.symmetric_difference(&listed).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "every API route is placed on API_DERIVED or API_NOT_DERIVED"
    );
    let admin_routes: BTreeSet<&str> = tevreden_web::admin::paths().into_iter().collect();
    let admin_listed: BTreeSet<&str> = ADMIN_DERIVED
        .iter()
        .map(|(p, _, _)| *p)
        .chain(ADMIN_NOT_DERIVED.iter().copied())
        .collect();
    assert_eq!(
        admin_routes
            .symmetric_difference(&admin_listed)
            .collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "every admin route is placed on ADMIN_DERIVED or ADMIN_NOT_DERIVED"
    );

    // A survey with answers, a unit, an indicator: every derived route has something to show.
    let app = TestApp::spawn().await;
    app.publish(MINIMAL).await;
    let r = app
        .api(Method::PUT, "/units/KS")
        .json(&serde_json::json!({"name": "Klantenservice", "office": "front"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    for i in 0..12 {
        let r = app
            .api(Method::POST, "/surveys/after-call/responses")
            .json(&serde_json::json!({
                "answers": {"nps": i % 7, "answered": i % 2 == 0, "effort": 1 + i % 7, "why": format!("antwoord {i}")},
                "context": {"unit": "KS"}
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }
    let r = app
        .api(Method::PUT, "/indicator")
        .json(&serde_json::json!({"kind": "nps", "survey": "after-call", "question": "nps"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    for (method, _, call, expected) in API_DERIVED {
        let r = if *method == "POST" {
            let other = MINIMAL.replace("key: after-call", "key: after-call-copy");
            app.api(Method::POST, "/surveys")
                .header("content-type", "application/yaml")
                .body(other)
                .send()
                .await
                .unwrap()
        } else {
            app.api(Method::GET, call).send().await.unwrap()
        };
        assert!(r.status().is_success(), "{method} {call}: {}", r.status());
        assert_eq!(header(&r), *expected, "{method} {call}");
    }
    // Routes off the list ask nothing (so the header is no decoration every route carries).
    let r = app.api(Method::GET, "/units").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r), "");

    add_user(&app, app.org_id, "beheer@acme.example", Role::Admin, vec![]).await;
    let cookie = login(&app, "beheer@acme.example").await;
    for (_, call, expected) in ADMIN_DERIVED {
        let r = app
            .http
            .get(app.url(call))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{call}");
        assert_eq!(header(&r), *expected, "{call}");
    }
}
