//! What a new user stumbled on in the first release (issue 14, section 2): pages that said the
//! wrong thing, English and codes in the Dutch UI, counts of the whole organisation shown to a
//! manager, and a respondent flow that cut text silently and said nothing of its context.

use reqwest::StatusCode;
use tevreden_storage::{NewUser, Role};
use tevreden_web::admin::auth::hash_password;

use crate::admin::{login, page};
use crate::{MINIMAL, TestApp, hidden};

const PASSWORD: &str = "correct horse battery";

/// A user who reads the app in Dutch.
async fn dutch_user(app: &TestApp, email: &str, role: Role, units: Vec<i64>) {
    app.store
        .create_user(
            &NewUser {
                org_id: app.org_id,
                email: email.into(),
                name: email.split('@').next().unwrap().into(),
                role,
                lang: Some("nl".into()),
                unit_ids: units,
                password_hash: Some(hash_password(PASSWORD)),
            },
            &tevreden_storage::Actor::Cli,
            None,
        )
        .await
        .unwrap();
}

async fn units(app: &TestApp, csv: &[u8]) -> impl Fn(&str) -> i64 {
    let table = tevreden_domain::import::read_table(csv).unwrap();
    let records: Vec<_> = tevreden_domain::import::check_units(&table, &Default::default())
        .records
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    app.store.import_units(app.org_id, &records).await.unwrap();
    let all = app.store.units(app.org_id).await.unwrap();
    move |k: &str| all.iter().find(|u| u.external_id == k).unwrap().id
}

async fn post_response(app: &TestApp, body: serde_json::Value) {
    let r = app
        .api(reqwest::Method::POST, "/surveys/after-call/responses")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn unknown_app_addresses_get_the_apps_own_not_found() {
    let app = TestApp::spawn().await;
    dutch_user(&app, "admin@example.com", Role::Admin, vec![]).await;
    // Signed out: the sign-in first, back to the address afterwards.
    let r = app
        .http
        .get(app.url("/app/bestaat-niet"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );
    let admin = login(&app, "admin@example.com").await;
    for path in [
        "/app/bestaat-niet",
        "/app/surveys/geen-vragenlijst/responses",
        "/app/organisation/units/GEEN",
    ] {
        let (status, html) = page(&app, &admin, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("Pagina niet gevonden"), "{path}: {html}");
        assert!(
            !html.contains("Vragenlijst niet gevonden"),
            "{path} shows the respondent's page"
        );
        assert!(html.contains("href=\"/app\""), "a way back into the app");
    }
    // The admin pages skip to their content, not to "the questions".
    let (_, html) = page(&app, &admin, "/app/surveys").await;
    assert!(html.contains("Direct naar de inhoud"));
    assert!(!html.contains("Direct naar de vragen"));
}

#[tokio::test]
async fn a_manager_on_another_units_scorecard_gets_the_apps_not_found() {
    let app = TestApp::spawn().await;
    let id = units(
        &app,
        b"external_id,name,parent,office\nHQ,Hoofdkantoor,,back\nKS,Klantenservice,HQ,front\nFIN,Financien,HQ,back\n",
    )
    .await;
    app.publish(MINIMAL).await;
    let r = app
        .api(reqwest::Method::PUT, "/indicator")
        .json(&serde_json::json!({"kind": "nps", "survey": "after-call", "question": "nps"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    dutch_user(&app, "mgr@example.com", Role::Manager, vec![id("KS")]).await;
    let mgr = login(&app, "mgr@example.com").await;
    assert_eq!(
        page(&app, &mgr, "/app/scorecards/units/KS").await.0,
        200,
        "the manager's own unit"
    );
    let (status, html) = page(&app, &mgr, "/app/scorecards/units/FIN").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Pagina niet gevonden") && !html.contains("Vragenlijst niet gevonden"));
    assert!(
        !html.contains("Financien"),
        "nothing of the other unit shows"
    );
}

#[tokio::test]
async fn the_audit_log_reads_in_dutch_with_local_times_and_downloads_with_the_session() {
    let app = TestApp::spawn().await;
    dutch_user(&app, "admin@example.com", Role::Admin, vec![]).await;
    app.publish(MINIMAL).await;
    let admin = login(&app, "admin@example.com").await;
    let (status, html) = page(&app, &admin, "/app/audit").await;
    assert_eq!(status, 200);
    assert!(html.contains("Vragenlijst gepubliceerd"), "{html}");
    assert!(html.contains("Gebruiker aangemaakt"));
    assert!(html.contains(">vragenlijst <"), "object types in words");
    // Times in the organisation's zone (Europe/Amsterdam: CET or CEST), not UTC.
    assert!(html.contains(" CET<") || html.contains(" CEST<"), "{html}");
    assert!(!html.contains(" UTC<"));
    assert!(html.contains("href=\"/app/audit.json\""));
    assert!(
        !html.contains("/api/v1/audit"),
        "no link that needs a token"
    );

    let r = app
        .http
        .get(app.url("/app/audit.json"))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("audit-acme.json")
    );
    let v: serde_json::Value = r.json().await.unwrap();
    let actions: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"survey.publish"), "{actions:?}");
    assert!(actions.contains(&"user.create"));

    // Only admins.
    dutch_user(&app, "lid@example.com", Role::Member, vec![]).await;
    let member = login(&app, "lid@example.com").await;
    assert_eq!(
        page(&app, &member, "/app/audit.json").await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn inviting_without_a_mail_server_says_it_waits_and_offers_the_link() {
    let app = TestApp::spawn().await;
    dutch_user(&app, "admin@example.com", Role::Admin, vec![]).await;
    let admin = login(&app, "admin@example.com").await;
    let (_, html) = page(&app, &admin, "/app/people").await;
    let csrf = hidden(&html, "_csrf");
    let r = app
        .http
        .post(app.url("/app/people"))
        .header("cookie", &admin)
        .header("origin", app.url(""))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", "nieuw@example.com"),
            ("name", "Nieuwe Collega"),
            ("role", "admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the answer is the page, not a redirect");
    let html = r.text().await.unwrap();
    assert!(html.contains("geen mailserver ingesteld"), "{html}");
    assert!(html.contains("outbox"));
    assert!(!html.contains("Er is een uitnodiging verstuurd"));
    let start = html.find("/invite/").expect("the link to pass on");
    let token: String = html[start + "/invite/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let r = app
        .http
        .get(app.url(&format!("/invite/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the copied link works");
    // The mail itself still waits in the outbox.
    assert_eq!(app.store.outbox_pending().await.unwrap(), 1);
}

#[tokio::test]
async fn survey_list_counts_what_the_reader_can_open_and_responses_sort_by_submission() {
    let app = TestApp::spawn().await;
    let id = units(
        &app,
        b"external_id,name,parent,office\nHQ,Hoofdkantoor,,back\nKS,Klantenservice,HQ,front\nFIN,Financien,HQ,back\n",
    )
    .await;
    app.publish(MINIMAL).await;
    // Arrival order differs from submission order: the oldest answer arrives last.
    for (unit, at, why) in [
        ("KS", "2026-11-03T10:00:00Z", "tweede"),
        ("FIN", "2026-11-04T10:00:00Z", "financien"),
        ("KS", "2026-11-05T10:00:00Z", "nieuwste"),
        ("KS", "2026-11-01T10:00:00Z", "oudste"),
    ] {
        post_response(
            &app,
            serde_json::json!({"answers": {"nps": 3, "answered": false, "effort": 2, "why": why},
                               "context": {"unit": unit}, "submitted_at": at}),
        )
        .await;
    }
    dutch_user(&app, "admin@example.com", Role::Admin, vec![]).await;
    dutch_user(&app, "mgr@example.com", Role::Manager, vec![id("KS")]).await;
    let count_cell = |html: &str| -> String {
        let row = &html[html.find("<span class=\"key\">after-call").unwrap()..];
        let marker = "<td class=\"num\">";
        let cells: Vec<&str> = row.split(marker).skip(1).take(2).collect();
        cells[1].split('<').next().unwrap().to_string()
    };
    let admin = login(&app, "admin@example.com").await;
    let (_, html) = page(&app, &admin, "/app/surveys").await;
    assert_eq!(count_cell(&html), "4", "the admin sees the organisation");
    let mgr = login(&app, "mgr@example.com").await;
    let (_, html) = page(&app, &mgr, "/app/surveys").await;
    assert_eq!(count_cell(&html), "3", "the manager sees what he can open");

    let (_, html) = page(&app, &admin, "/app/surveys/after-call/responses").await;
    let at = |w: &str| html.find(w).unwrap_or_else(|| panic!("{w} missing"));
    assert!(at("nieuwste") < at("financien"));
    assert!(at("financien") < at("tweede"));
    assert!(at("tweede") < at("oudste"), "by submission, not by arrival");
    // Yes/no in the reader's language.
    assert!(html.contains(">nee<"), "{html}");
    assert!(!html.contains(">no<"));
}

#[tokio::test]
async fn open_answers_say_their_limit_and_the_footer_names_who_keeps_them() {
    let app = TestApp::spawn().await;
    let path = app.publish(MINIMAL).await;
    let html = app
        .http
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Hoogstens 2000 tekens."),
        "the default limit too"
    );
    assert!(html.contains("data-count-for=\"q.why\""), "a live count");
    assert!(html.contains("Uw antwoorden worden bewaard door Acme Energie."));
    assert!(
        !html.contains("die u uitnodigde"),
        "nobody invited this visitor"
    );
    let privacy = format!("{path}/privacy");
    assert!(html.contains(&format!("href=\"{privacy}\"")));
    let r = app.http.get(app.url(&privacy)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Acme Energie stelt deze vragenlijst"));
    assert!(html.contains("openbare link"));
    let r = app
        .http
        .get(app.url(&format!("{privacy}?lang=en")))
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("public link"));
}

#[tokio::test]
async fn a_personal_link_says_what_it_is_about() {
    let app = TestApp::spawn().await;
    let _ = units(
        &app,
        b"external_id,name,parent,office\nKS,Team Telefonie,,front\n",
    )
    .await;
    app.publish(MINIMAL).await;
    let r = app
        .api(reqwest::Method::POST, "/surveys/after-call/invitations")
        .json(&serde_json::json!({"lang": "nl", "context": {"unit": "KS"}}))
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
    let html = app
        .http
        .get(app.url(&link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The day the invitation was made, in the organisation's zone, in Dutch words.
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap())
        .date();
    let months = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    let day = format!(
        "{} {} {}",
        today.day(),
        months[today.month() as usize - 1],
        today.year()
    );
    assert!(
        html.contains(&format!(
            "Deze vragenlijst gaat over uw contact met Team Telefonie van {day}."
        )),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"{link}/privacy\"")));
    let privacy = app
        .http
        .get(app.url(&format!("{link}/privacy")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(privacy.contains("persoonlijke link"));
}
