//! The JSON API beyond surveys: organisation records, users, tokens, paging, the OpenAPI
//! document, and a walk of every documented route × role × a second organisation.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tevreden_storage::Role;

use crate::{MINIMAL, TestApp};

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app
        .http
        .request(method, app.url(&format!("/api/v1{path}")))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn put(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    call(app, &app.token, Method::PUT, path, Some(body)).await
}

async fn get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    call(app, &app.token, Method::GET, path, None).await
}

fn keys(page: &Value, field: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[field].as_str().unwrap().to_string())
        .collect()
}

/// Units KS (front) > KS-TEL, KS-MAIL; FIN (back); an employee, a contact, a channel, a touchpoint.
async fn small_org(app: &TestApp) {
    for (id, body) in [
        ("KS", json!({"name": "Klantenservice", "office": "front"})),
        (
            "KS-TEL",
            json!({"name": "Telefonie", "parent": "KS", "office": "front"}),
        ),
        (
            "KS-MAIL",
            json!({"name": "E-mail", "parent": "KS", "office": "front"}),
        ),
        ("FIN", json!({"name": "Financiën", "office": "back"})),
    ] {
        let (s, v) = put(app, &format!("/units/{id}"), body).await;
        assert_eq!(s, StatusCode::CREATED, "{id}: {v}");
    }
    let (s, v) = put(
        app,
        "/employees/E1",
        json!({"name": "Sanne de Vries", "email": "sanne@example.nl", "unit": "KS-TEL", "customer_facing": true}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _) = put(
        app,
        "/employees/E2",
        json!({"name": "Bram Jansen", "unit": "FIN", "customer_facing": false}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v) = put(
        app,
        "/contacts/C1",
        json!({"email": "klant@example.nl", "name": "Klaas Klant", "lang": "nl", "attributes": {"segment": "zakelijk"}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _) = put(
        app,
        "/channels/phone",
        json!({"name": "Telefoon", "kind": "phone"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v) = put(
        app,
        "/touchpoints/call",
        json!({"name": "Gesprek", "unit": "KS-TEL", "channel": "phone"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

#[tokio::test]
async fn organisation_records_round_trip_with_pages_filters_and_audit() {
    let app = TestApp::spawn().await;
    small_org(&app).await;

    // pages of two, in creation order, with a cursor only while more follow
    let (s, p1) = get(&app, "/units?limit=2").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(keys(&p1, "external_id"), ["KS", "KS-TEL"]);
    let cursor = p1["next_cursor"].as_str().unwrap().to_string();
    let (_, p2) = get(&app, &format!("/units?limit=2&cursor={cursor}")).await;
    assert_eq!(keys(&p2, "external_id"), ["KS-MAIL", "FIN"]);
    assert!(p2["next_cursor"].is_null());
    let (s, v) = get(&app, "/units?cursor=garbage").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"][0]["path"], "cursor");
    let (s, _) = get(&app, "/units?limit=0").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, v) = get(&app, "/units?limit=many").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    // filters: a subtree, an office
    let (_, v) = get(&app, "/units?under=KS").await;
    assert_eq!(keys(&v, "external_id"), ["KS", "KS-TEL", "KS-MAIL"]);
    let (_, v) = get(&app, "/units?office=back").await;
    assert_eq!(keys(&v, "external_id"), ["FIN"]);
    assert_eq!(v["items"][0]["office"], "back");

    // moving a unit: KS-MAIL under FIN; a cycle is refused and changes nothing
    let (s, v) = put(
        &app,
        "/units/KS-MAIL",
        json!({"name": "E-mail", "parent": "FIN", "office": "back"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["parent"], "FIN");
    let (s, v) = put(
        &app,
        "/units/KS",
        json!({"name": "Klantenservice", "parent": "KS-TEL", "office": "front"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["errors"][0]["path"], "parent");
    let (_, v) = get(&app, "/units/KS").await;
    assert!(v["parent"].is_null());

    // the import rules apply: an unknown office, an unknown unit, a bad email
    let (s, v) = put(
        &app,
        "/units/X1",
        json!({"name": "X", "office": "sideways"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"][0]["path"], "office");
    let (s, v) = put(
        &app,
        "/employees/E9",
        json!({"name": "Nobody", "email": "not-an-email", "unit": "NOPE", "customer_facing": true}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let paths: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"email") && paths.contains(&"unit"), "{v}");
    let (s, v) = put(
        &app,
        "/units/bad%20id",
        json!({"name": "X", "office": "front"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = put(
        &app,
        "/units/X2",
        json!({"name": "X", "office": "front", "colour": "red"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, v) = get(&app, "/units").await;
    assert_eq!(
        v["items"].as_array().unwrap().len(),
        4,
        "refused writes changed nothing"
    );

    // employees: filter by subtree and text, delete
    let (_, v) = get(&app, "/employees?unit=KS").await;
    assert_eq!(keys(&v, "external_id"), ["E1"]);
    assert_eq!(v["items"][0]["unit"], "KS-TEL");
    let (_, v) = get(&app, "/employees?q=JANSEN").await;
    assert_eq!(keys(&v, "external_id"), ["E2"]);
    let (_, v) = get(&app, "/employees?customer_facing=false").await;
    assert_eq!(keys(&v, "external_id"), ["E2"]);
    let (_, v) = get(&app, "/employees?q=50%25").await;
    assert!(
        v["items"].as_array().unwrap().is_empty(),
        "LIKE wildcards are literal"
    );

    // a unit in use cannot be deleted; an empty one can
    let (s, v) = call(&app, &app.token, Method::DELETE, "/units/FIN", None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(v["detail"].as_str().unwrap().contains("employees"), "{v}");
    let (s, _) = call(&app, &app.token, Method::DELETE, "/employees/E2", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = call(&app, &app.token, Method::DELETE, "/units/KS-MAIL", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = get(&app, "/employees/E2").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // contacts: attributes, reserved names refused, erasure
    let (_, v) = get(&app, "/contacts/C1").await;
    assert_eq!(v["attributes"]["segment"], "zakelijk");
    let (s, v) = put(&app, "/contacts/C2", json!({"attributes": {"email": "x"}})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"][0]["path"], "attributes.email");
    let (s, v) = put(&app, "/contacts/C2", json!({"lang": "xx-!"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // a body that is not an object is refused, whatever serde could read from it, and
    // creates nothing (an array of fields in order used to make a contact)
    for body in [
        json!([null, null]),
        json!(["c2@example.com", "C2"]),
        json!(null),
        json!(3),
    ] {
        let (s, v) = put(&app, "/contacts/C2", body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("JSON object"),
            "{v}"
        );
        let (s, _) = get(&app, "/contacts/C2").await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{body} made a contact");
    }
    let (_, v) = get(&app, "/contacts?q=klaas").await;
    assert_eq!(keys(&v, "external_id"), ["C1"]);
    let (s, _) = call(&app, &app.token, Method::DELETE, "/contacts/C1", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, v) = get(&app, "/contacts").await;
    assert!(v["items"].as_array().unwrap().is_empty());

    // channels and touchpoints
    let (_, v) = get(&app, "/touchpoints?channel=phone").await;
    assert_eq!(keys(&v, "key"), ["call"]);
    assert_eq!(v["items"][0]["unit"], "KS-TEL");
    let (s, v) = put(
        &app,
        "/touchpoints/desk",
        json!({"name": "Balie", "unit": "NOPE", "channel": "pigeon"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"].as_array().unwrap().len(), 2);
    let (s, v) = put(
        &app,
        "/channels/phone",
        json!({"name": "Telefoon (0800)", "kind": "phone"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["name"], "Telefoon (0800)");

    // every write is in the audit log with before and after
    let (_, v) = get(&app, "/audit?limit=1000").await;
    let actions: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "unit.create",
        "unit.update",
        "unit.delete",
        "employee.create",
        "employee.delete",
        "contact.create",
        "contact.delete",
        "channel.create",
        "channel.update",
        "touchpoint.create",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let moved = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "unit.update")
        .unwrap();
    assert_eq!(moved["object_key"], "KS-MAIL");
    assert!(
        moved["before"].is_object() && moved["after"]["parent"] == "FIN",
        "{moved}"
    );
    assert_eq!(moved["actor"], "token:test");
}

/// A unit-scoped token writes only into its units, and reads only the contacts met there.
#[tokio::test]
async fn scoped_tokens_write_and_read_contacts_within_their_units() {
    let app = TestApp::spawn().await;
    small_org(&app).await;
    let (s, _) = put(
        &app,
        "/touchpoints/invoice",
        json!({"name": "Factuur", "unit": "FIN"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = put(&app, "/contacts/C2", json!({"name": "Carla Contact"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let ks = app.store.unit(app.org_id, "KS").await.unwrap();
    let (manager, _) = app
        .store
        .create_api_token(
            app.org_id,
            "mgr",
            Role::Manager,
            Some(ks.id),
            &tevreden_storage::Actor::Cli,
        )
        .await
        .unwrap();
    let (loose, _) = app
        .store
        .create_api_token(
            app.org_id,
            "loose",
            Role::Manager,
            None,
            &tevreden_storage::Actor::Cli,
        )
        .await
        .unwrap();
    app.publish(MINIMAL).await;
    let key = MINIMAL
        .lines()
        .find_map(|l| l.strip_prefix("key: "))
        .unwrap()
        .trim()
        .to_string();
    let responses = format!("/surveys/{key}/responses");
    let invitations = format!("/surveys/{key}/invitations");
    let answers = json!({"nps": 9, "answered": true, "effort": 6});

    // outside the scope: named, or implied by another unit's touchpoint; nothing is stored
    for (path, body) in [
        (
            &responses,
            json!({"answers": answers, "context": {"unit": "FIN"}}),
        ),
        (
            &responses,
            json!({"answers": answers, "context": {"touchpoint": "invoice"}}),
        ),
        (
            &invitations,
            json!({"context": {"unit": "FIN", "contact": "C2"}}),
        ),
        (&invitations, json!({"context": {"touchpoint": "invoice"}})),
    ] {
        let (s, v) = call(&app, &manager, Method::POST, path, Some(body.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path} {body}: {v}");
        assert_eq!(v["type"], "urn:tevreden:problem:out_of_scope", "{v}");
    }
    assert_eq!(app.count(&key).await, 0, "a refused response is not stored");
    let (_, v) = get(&app, "/contacts").await;
    assert_eq!(keys(&v, "external_id"), ["C1", "C2"]);

    // inside the scope; without a unit the token's own unit is taken
    let (s, v) = call(
        &app,
        &manager,
        Method::POST,
        &responses,
        Some(json!({"answers": answers, "context": {"unit": "KS-TEL", "contact": "C1"}})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = call(
        &app,
        &manager,
        Method::POST,
        &responses,
        Some(json!({"answers": answers})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, page) = get(&app, &format!("/surveys/{key}/responses/pages")).await;
    let units: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["context"]["unit"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(units, ["KS-TEL", "KS"]);

    // contacts: the manager sees the one who answered in its units, not the other
    let (_, v) = call(&app, &manager, Method::GET, "/contacts", None).await;
    assert_eq!(keys(&v, "external_id"), ["C1"]);
    let (s, _) = call(&app, &manager, Method::GET, "/contacts/C1", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = call(&app, &manager, Method::GET, "/contacts/C2", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = call(&app, &manager, Method::GET, "/contacts?q=carla", None).await;
    assert!(v["items"].as_array().unwrap().is_empty());
    let (_, v) = call(&app, &loose, Method::GET, "/contacts", None).await;
    assert!(
        v["items"].as_array().unwrap().is_empty(),
        "a manager token without a unit sees no contacts"
    );
    // an invitation in the scope makes the contact visible too
    let (s, v) = call(
        &app,
        &manager,
        Method::POST,
        &invitations,
        Some(json!({"context": {"unit": "KS-MAIL", "contact": "C2"}})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, v) = call(&app, &manager, Method::GET, "/contacts", None).await;
    assert_eq!(keys(&v, "external_id"), ["C1", "C2"]);
}

#[tokio::test]
async fn scoped_tokens_see_their_units_only() {
    let app = TestApp::spawn().await;
    small_org(&app).await;
    let ks = app.store.unit(app.org_id, "KS").await.unwrap();
    let tel = app.store.unit(app.org_id, "KS-TEL").await.unwrap();
    let (manager, _) = app
        .store
        .create_api_token(
            app.org_id,
            "mgr",
            Role::Manager,
            Some(ks.id),
            &tevreden_storage::Actor::Cli,
        )
        .await
        .unwrap();
    let (member, _) = app
        .store
        .create_api_token(
            app.org_id,
            "mem",
            Role::Member,
            Some(tel.id),
            &tevreden_storage::Actor::Cli,
        )
        .await
        .unwrap();
    let (loose, _) = app
        .store
        .create_api_token(
            app.org_id,
            "loose",
            Role::Manager,
            None,
            &tevreden_storage::Actor::Cli,
        )
        .await
        .unwrap();

    let (_, v) = call(&app, &manager, Method::GET, "/units", None).await;
    assert_eq!(keys(&v, "external_id"), ["KS", "KS-TEL", "KS-MAIL"]);
    let (s, _) = call(&app, &manager, Method::GET, "/units/FIN", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = call(&app, &manager, Method::GET, "/employees", None).await;
    assert_eq!(keys(&v, "external_id"), ["E1"]);
    let (s, _) = call(&app, &manager, Method::GET, "/employees/E2", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(
        &app,
        &manager,
        Method::PUT,
        "/units/KS",
        Some(json!({"name": "X", "office": "front"})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call(&app, &manager, Method::GET, "/users", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (_, v) = call(&app, &member, Method::GET, "/units", None).await;
    assert_eq!(keys(&v, "external_id"), ["KS-TEL"]);
    let (s, _) = call(&app, &member, Method::GET, "/employees", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, v) = call(&app, &member, Method::GET, "/touchpoints", None).await;
    assert_eq!(keys(&v, "key"), ["call"]);

    let (_, v) = call(&app, &loose, Method::GET, "/units", None).await;
    assert!(
        v["items"].as_array().unwrap().is_empty(),
        "a manager token without a unit sees none"
    );

    // responses: pages scoped to the token's units
    app.publish(MINIMAL).await;
    let key = MINIMAL
        .lines()
        .find_map(|l| l.strip_prefix("key: "))
        .unwrap()
        .trim()
        .to_string();
    for unit in ["KS-TEL", "FIN", "KS-TEL"] {
        let (s, v) = call(
            &app,
            &app.token,
            Method::POST,
            &format!("/surveys/{key}/responses"),
            Some(json!({"answers": {"nps": 9, "answered": true, "effort": 6}, "context": {"unit": unit}})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    // survey changes through the API are audited in their own transaction
    let (_, v) = get(&app, "/audit").await;
    let entries = v["items"].as_array().unwrap();
    for action in ["survey.create", "survey.publish"] {
        let e = entries
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("{action} missing"));
        assert_eq!(e["actor"], "token:test");
        assert_eq!(e["object_key"], key.as_str());
    }
    let (_, all) = get(&app, &format!("/surveys/{key}/responses/pages?limit=2")).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let next = all["next_cursor"].as_str().unwrap();
    let (_, rest) = get(
        &app,
        &format!("/surveys/{key}/responses/pages?limit=2&cursor={next}"),
    )
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    let (_, mine) = call(
        &app,
        &manager,
        Method::GET,
        &format!("/surveys/{key}/responses/pages"),
        None,
    )
    .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["context"]["unit"] == "KS-TEL")
    );
    let (_, export) = call(
        &app,
        &manager,
        Method::GET,
        &format!("/surveys/{key}/responses"),
        None,
    )
    .await;
    assert_eq!(
        export.as_array().unwrap().len(),
        2,
        "the export follows the token's scope too"
    );
    let (_, v) = get(&app, &format!("/surveys/{key}/responses/pages?unit=FIN")).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn users_and_tokens_are_managed_through_the_api() {
    let app = TestApp::spawn().await;
    small_org(&app).await;
    let (s, v) = call(
        &app,
        &app.token,
        Method::POST,
        "/users",
        Some(
            json!({"email": "Mira@Example.nl", "name": "Mira", "role": "manager", "units": ["KS"]}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["email"], "mira@example.nl");
    assert_eq!(v["status"], "invited");
    assert_eq!(v["units"], json!(["KS"]));
    let id = v["id"].as_i64().unwrap();
    assert_eq!(
        app.store.outbox_pending().await.unwrap(),
        1,
        "the invitation waits in the outbox"
    );
    let (s, _) = call(
        &app,
        &app.token,
        Method::POST,
        "/users",
        Some(json!({"email": "mira@example.nl", "name": "M", "role": "admin"})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, v) = call(
        &app,
        &app.token,
        Method::POST,
        "/users",
        Some(json!({"email": "x", "name": "", "role": "member"})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"].as_array().unwrap().len(), 3, "{v}");

    let (s, v) = call(
        &app,
        &app.token,
        Method::PATCH,
        &format!("/users/{id}"),
        Some(json!({"units": ["KS-TEL", "FIN"], "disabled": true})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "disabled");
    assert_eq!(v["units"].as_array().unwrap().len(), 2);
    let (_, v) = get(&app, "/users?role=manager").await;
    assert_eq!(keys(&v, "email"), ["mira@example.nl"]);

    // a token made through the API works until it is revoked
    let (s, v) = call(
        &app,
        &app.token,
        Method::POST,
        "/tokens",
        Some(json!({"name": "crm", "role": "member", "unit": "KS-TEL"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let secret = v["token"].as_str().unwrap().to_string();
    let tid = v["id"].as_i64().unwrap();
    assert_eq!(v["unit"], "KS-TEL");
    let (s, v) = call(&app, &secret, Method::GET, "/units", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(keys(&v, "external_id"), ["KS-TEL"]);
    let (_, v) = get(&app, "/tokens").await;
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("token").is_none()),
        "secrets are never listed"
    );
    let (s, _) = call(
        &app,
        &app.token,
        Method::DELETE,
        &format!("/tokens/{tid}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = call(&app, &secret, Method::GET, "/units", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, v) = get(&app, "/tokens").await;
    assert_eq!(
        keys(&v, "name"),
        ["test"],
        "revoked tokens are hidden by default"
    );
    let (_, v) = get(&app, "/tokens?revoked=true").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    let (_, v) = get(&app, "/audit").await;
    let actions: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"token.create") && actions.contains(&"token.revoke"),
        "{actions:?}"
    );
}

/// The document on disk (`docs/openapi.json`) is what the code serves. After an API change,
/// `TEVREDEN_UPDATE_OPENAPI=1 cargo test -p tevreden-web openapi` rewrites it; review the diff.
#[tokio::test]
async fn the_openapi_document_is_served_and_matches_the_snapshot() {
    let app = TestApp::spawn().await;
    let r = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let served = r.text().await.unwrap();
    let doc: Value = serde_json::from_str(&served).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let snapshot = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    if std::env::var_os("TEVREDEN_UPDATE_OPENAPI").is_some() {
        std::fs::write(snapshot, format!("{served}\n")).unwrap();
    }
    let on_disk = std::fs::read_to_string(snapshot).unwrap_or_default();
    assert!(
        on_disk.trim_end() == served.trim_end(),
        "the API changed but docs/openapi.json did not: run TEVREDEN_UPDATE_OPENAPI=1 cargo test -p tevreden-web openapi and commit the file"
    );
    // every operation is described, answers problems, and is on the reference page
    let page = app
        .http
        .get(app.url("/api/docs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path} has no summary"
            );
            assert!(op["responses"]["4XX"].is_object(), "{method} {path}");
        }
        assert!(
            page.contains(&format!("/api/v1{path}")),
            "{path} missing from /api/docs"
        );
    }
    for must in [
        "/units",
        "/employees",
        "/contacts",
        "/channels",
        "/touchpoints",
        "/users",
        "/tokens",
        "/audit",
        "/surveys/{key}/versions",
        "/surveys/{key}/responses/pages",
    ] {
        assert!(doc["paths"].get(must).is_some(), "{must} is not documented");
    }
}

/// What org B's `role` got back from `call`: none of A's markers, and no server error.
fn leaks_nothing(markers: &[&str], role: Role, call: &str, status: StatusCode, text: &str) {
    for marker in markers {
        assert!(
            !text.contains(marker),
            "{role:?} of org B got `{marker}` from {call}: {text}"
        );
    }
    assert!(status.as_u16() < 500, "{call} as {role:?}: {status} {text}");
}

/// Org A's markers must never appear in anything org B's tokens get back, on any documented
/// route, with A's own keys in the path; and B's writes never change A.
#[tokio::test]
async fn every_route_role_and_second_organisation_leaks_nothing() {
    let app = TestApp::spawn().await;
    small_org(&app).await;
    let path = app.publish(MINIMAL).await;
    assert!(path.starts_with("/s/"));
    let survey_key = MINIMAL
        .lines()
        .find_map(|l| l.strip_prefix("key: "))
        .unwrap()
        .trim()
        .to_string();
    let (s, _) = call(
        &app,
        &app.token,
        Method::POST,
        &format!("/surveys/{survey_key}/responses"),
        Some(json!({"answers": {"nps": 3, "answered": true, "effort": 2}, "context": {"unit": "KS-TEL", "contact": "C1", "employee": "E1"}})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, v) = call(
        &app,
        &app.token,
        Method::POST,
        "/users",
        Some(json!({"email": "geheim@acme.nl", "name": "Geheime Gebruiker", "role": "admin"})),
    )
    .await;
    let a_user = v["id"].as_i64().unwrap();
    let (_, v) = call(
        &app,
        &app.token,
        Method::POST,
        "/tokens",
        Some(json!({"name": "acme-crm-koppeling", "role": "admin"})),
    )
    .await;
    let a_token = v["id"].as_i64().unwrap();
    let markers = [
        "Klantenservice",
        "Telefonie",
        "Sanne de Vries",
        "sanne@example.nl",
        "klant@example.nl",
        "Klaas Klant",
        "zakelijk",
        "Gesprek",
        "geheim@acme.nl",
        "acme-crm-koppeling",
        "Acme Energie",
    ];
    let before_units = app.store.units(app.org_id).await.unwrap().len();
    let before_audit = app
        .store
        .audit_entries(app.org_id, None, 10_000)
        .await
        .unwrap()
        .len();

    let b = app.store.create_org("other", "Other Org").await.unwrap();
    let mut tokens = Vec::new();
    for role in [Role::Admin, Role::Manager, Role::Member] {
        tokens.push((
            role,
            app.store
                .create_api_token(b.id, "b", role, None, &tevreden_storage::Actor::Cli)
                .await
                .unwrap()
                .0,
        ));
    }

    let doc: Value = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut walked = 0;
    let mut queried = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        let concrete = template
            .replace(
                "{external_id}",
                if template.starts_with("/units") {
                    "KS"
                } else if template.starts_with("/employees") {
                    "E1"
                } else {
                    "C1"
                },
            )
            .replace(
                "{key}",
                if template.starts_with("/channels") {
                    "phone"
                } else if template.starts_with("/touchpoints") {
                    "call"
                } else {
                    &survey_key
                },
            )
            .replace("{version}", "1")
            .replace(
                "{id}",
                &if template.starts_with("/users") {
                    a_user
                } else {
                    a_token
                }
                .to_string(),
            );
        for method in item.as_object().unwrap().keys() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            // a body that would be valid in A, so refusals are about the organisation, not shape
            let body = match (method.as_str(), template.as_str()) {
                ("put", t) if t.starts_with("/units") => {
                    Some(json!({"name": "Overgenomen", "office": "front"}))
                }
                ("put", t) if t.starts_with("/employees") => {
                    Some(json!({"name": "Overgenomen", "unit": "KS", "customer_facing": true}))
                }
                ("put", t) if t.starts_with("/contacts") => Some(json!({"name": "Overgenomen"})),
                ("put", t) if t.starts_with("/channels") => {
                    Some(json!({"name": "Overgenomen", "kind": "phone"}))
                }
                ("put", t) if t.starts_with("/touchpoints") => {
                    Some(json!({"name": "Overgenomen", "unit": "KS"}))
                }
                ("patch", _) => Some(json!({"disabled": true})),
                ("post", "/surveys/{key}/responses") => Some(json!({"answers": {"nps": 1}})),
                ("post", "/users") => {
                    Some(json!({"email": "x@other.nl", "name": "X", "role": "admin"}))
                }
                ("post", "/tokens") => Some(json!({"name": "x", "role": "admin", "unit": "KS"})),
                ("post", "/surveys") => None,
                ("post", _) => Some(json!({})),
                _ => None,
            };
            for (role, token) in &tokens {
                let (status, v) = call(&app, token, m.clone(), &concrete, body.clone()).await;
                walked += 1;
                let text = v.to_string();
                leaks_nothing(
                    &markers,
                    *role,
                    &format!("{method} {concrete}"),
                    status,
                    &text,
                );
                // addressing A's records by key finds nothing in B (or B is not allowed)
                // (B's admin may create, and then delete, records of its own under the same keys)
                if template.contains('{') {
                    // (and then read what hangs under its own unit of that key)
                    let own_record = *role == Role::Admin
                        && (method == "put"
                            || method == "delete"
                            || template.starts_with("/units/{external_id}/"));
                    assert!(
                        !status.is_success() || own_record,
                        "{method} {concrete} as {role:?} of B succeeded: {status} {text}"
                    );
                }
            }
            // every query parameter the document declares, given A's keys and a cursor into
            // A's ids: still nothing of A (a new parameter is walked as soon as it is documented)
            if method == "get" {
                let a_value = |name: &str| match name {
                    "unit" => Some("KS"),
                    "touchpoint" => Some("call"),
                    "channel" => Some("phone"),
                    "employee" => Some("E1"),
                    "contact" => Some("C1"),
                    "attribute" | "group_by_attribute" => Some("segment"),
                    "group_by" => Some("attribute"),
                    "cursor" => Some("c1"),
                    "q" => Some("Klaas"),
                    "question" => Some("nps"),
                    _ => None,
                };
                let query: Vec<(String, String)> = item[method.as_str()]["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| {
                        let name = p["name"].as_str()?;
                        a_value(name).map(|v| (name.to_string(), v.to_string()))
                    })
                    .collect();
                if !query.is_empty() {
                    let q = query
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join("&");
                    let with_query = format!("{concrete}?{q}");
                    for (role, token) in &tokens {
                        let (status, v) = call(&app, token, Method::GET, &with_query, None).await;
                        walked += 1;
                        queried += 1;
                        let text = v.to_string();
                        let what = format!("GET {with_query}");
                        leaks_nothing(&markers, *role, &what, status, &text);
                    }
                }
            }
        }
    }
    assert!(walked >= 3 * 30, "walked only {walked} calls");
    assert!(
        queried >= 3 * 8,
        "only {queried} calls with A's keys in the query"
    );
    // A is unchanged by everything B did
    let a_units = app.store.units(app.org_id).await.unwrap();
    assert_eq!(a_units.len(), before_units);
    assert!(a_units.iter().all(|u| u.name != "Overgenomen"));
    assert_eq!(
        app.store.employee(app.org_id, "E1").await.unwrap().name,
        "Sanne de Vries"
    );
    assert_eq!(
        app.store
            .contact(app.org_id, "C1")
            .await
            .unwrap()
            .name
            .as_deref(),
        Some("Klaas Klant")
    );
    assert!(
        app.store
            .user(app.org_id, a_user)
            .await
            .unwrap()
            .disabled_at
            .is_none()
    );
    let (s, _) = get(&app, "/units").await;
    assert_eq!(s, StatusCode::OK, "A's own token still works");
    assert_eq!(
        app.store
            .audit_entries(app.org_id, None, 10_000)
            .await
            .unwrap()
            .len(),
        before_audit,
        "nothing B did reached A's audit log"
    );
}

#[tokio::test]
async fn import_rule_refusals_carry_a_code_and_speak_the_requests_language() {
    let app = TestApp::spawn().await;
    small_org(&app).await;
    let body =
        json!({"name": "Nobody", "email": "not-an-email", "unit": "NOPE", "customer_facing": true});
    let refuse = |lang: Option<&'static str>| {
        let mut req = app
            .http
            .put(app.url("/api/v1/employees/E9"))
            .bearer_auth(&app.token)
            .json(&body);
        if let Some(l) = lang {
            req = req.header("accept-language", l);
        }
        async move {
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let v: Value = r.json().await.unwrap();
            let by_path = |p: &str| {
                v["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["path"] == p)
                    .cloned()
                    .unwrap_or_else(|| panic!("no error on {p}: {v}"))
            };
            (by_path("email"), by_path("unit"))
        }
    };
    let (email, unit) = refuse(Some("nl-NL,nl;q=0.9,en;q=0.5")).await;
    assert_eq!(email["code"], "not_an_email");
    assert_eq!(email["message"], "‘not-an-email’ is geen e-mailadres.");
    assert_eq!(unit["code"], "unknown_unit");
    assert_eq!(
        unit["message"],
        "Eenheid ‘NOPE’ bestaat niet; importeer eerst de eenheden."
    );
    // without a language the API speaks English, with the same codes
    let (email, unit) = refuse(None).await;
    assert_eq!(email["code"], "not_an_email");
    assert_eq!(email["message"], "“not-an-email” is not an email address.");
    assert_eq!(unit["code"], "unknown_unit");
    let (email, _) = refuse(Some("de")).await;
    assert_eq!(email["message"], "“not-an-email” is not an email address.");
}
