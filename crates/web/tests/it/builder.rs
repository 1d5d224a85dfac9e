//! The survey builder through its HTML forms: every part of every question type edited in
//! Dutch and English, generated example texts refused at publishing, templates that bring
//! their own title.

use reqwest::StatusCode;
use tevreden_domain::Lang;
use tevreden_domain::survey::{QuestionKind, SurveyDefinition};
use tevreden_storage::Role;

use crate::admin::{add_user, login, page};
use crate::{TestApp, hidden};

/// Posts a form of `path` with the CSRF token of the page at `from`.
async fn post(
    app: &TestApp,
    cookie: &str,
    from: &str,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let (_, html) = page(app, cookie, from).await;
    let csrf = hidden(&html, "_csrf");
    let mut all = vec![("_csrf", csrf.as_str())];
    all.extend_from_slice(form);
    app.http
        .post(app.url(path))
        .header("cookie", cookie)
        .form(&all)
        .send()
        .await
        .unwrap()
}

async fn edit(app: &TestApp, cookie: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let path = "/app/surveys/klant/edit";
    post(app, cookie, path, path, form).await
}

/// Posts an edit that must be saved.
async fn saved(app: &TestApp, cookie: &str, form: &[(&str, &str)]) {
    let r = edit(app, cookie, form).await;
    let status = r.status();
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "{form:?}: {}",
        r.text().await.unwrap()
    );
}

async fn draft(app: &TestApp) -> SurveyDefinition {
    let s = app.store.survey(app.org_id, "klant").await.unwrap();
    app.store.survey_versions(s.id).await.unwrap()[0]
        .definition
        .clone()
}

fn text(t: &tevreden_domain::Text, lang: &str) -> String {
    let l = Lang::parse(lang).unwrap();
    assert!(t.has(&l), "no {lang} text in {t:?}");
    t.get(&l, &l).to_string()
}

async fn add(app: &TestApp, cookie: &str, kind: &str, id: &str) {
    saved(
        app,
        cookie,
        &[
            ("action", "add"),
            ("type", kind),
            ("new_id", id),
            ("page", "0"),
            ("text.nl", &format!("Vraag {id}")),
            ("text.en", &format!("Question {id}")),
        ],
    )
    .await;
}

/// The fields of an update of question `id` that keep its texts and change its details.
fn update<'a>(id: &'a str, rest: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("action", "update"),
        ("id", id),
        ("details", "1"),
        ("required", "1"),
        ("text.nl", "Vraag"),
        ("text.en", "Question"),
    ];
    f.extend_from_slice(rest);
    f
}

#[tokio::test]
async fn every_part_of_every_question_type_is_edited_and_example_texts_are_not_published() {
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "lead@example.com", Role::Admin, vec![]).await;
    let cookie = login(&app, "lead@example.com").await;
    let r = post(
        &app,
        &cookie,
        "/app/surveys/new",
        "/app/surveys/new",
        &[("key", "klant"), ("title_nl", "Klant"), ("template", "")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // A new choice question comes with example options, which the builder shows as such.
    add(&app, &cookie, "choice", "topic").await;
    let (_, html) = page(&app, &cookie, "/app/surveys/klant/edit").await;
    assert!(
        html.contains("name=\"entry.0.text.nl\" lang=\"nl\" value=\"Optie A\""),
        "the options can be edited"
    );
    assert!(html.contains("voorbeeldtekst") || html.contains("example text"));

    // Publishing is refused while they are there, naming the question, in both languages.
    let (_, html) = page(&app, &cookie, "/app/surveys/klant/publish").await;
    assert!(
        html.contains("Question topic still has example texts")
            && html.contains("“Optie A”")
            && !html.contains("button type=\"submit\" class=\"primary\""),
        "{html}"
    );
    let r = post(
        &app,
        &cookie,
        "/app/surveys/klant/publish",
        "/app/surveys/klant/publish",
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let s = app.store.survey(app.org_id, "klant").await.unwrap();
    assert!(
        app.store.survey_versions(s.id).await.unwrap()[0]
            .version
            .is_none(),
        "nothing was published"
    );
    app.store
        .create_user(
            &tevreden_storage::NewUser {
                org_id: app.org_id,
                email: "sanne@example.com".into(),
                name: "Sanne".into(),
                role: Role::Admin,
                lang: Some("nl".into()),
                unit_ids: vec![],
                // the password `admin::login` signs in with
                password_hash: Some(tevreden_web::admin::auth::hash_password(
                    "correct horse battery",
                )),
            },
            &tevreden_storage::Actor::Cli,
            None,
        )
        .await
        .unwrap();
    let dutch = login(&app, "sanne@example.com").await;
    let (_, html) = page(&app, &dutch, "/app/surveys/klant/publish").await;
    assert!(
        html.contains("Vraag topic heeft nog voorbeeldteksten: “Option A”, “Optie A”"),
        "{html}"
    );

    // Options: texts in both languages, one added, then moved and removed.
    let options = [
        ("entry.0.id", "a"),
        ("entry.0.text.nl", "Factuur"),
        ("entry.0.text.en", "Invoice"),
        ("entry.1.id", "b"),
        ("entry.1.text.nl", "Verhuizing"),
        ("entry.1.text.en", "Moving house"),
        ("entry.2.id", "c"),
        ("entry.2.text.nl", "Storing"),
        ("entry.2.text.en", "Outage"),
        ("new_entry.id", "other"),
        ("new_entry.text.nl", "Iets anders"),
        ("new_entry.text.en", "Something else"),
        ("help.nl", "Kies het belangrijkste"),
        ("help.en", "Choose the main one"),
    ];
    let mut f = update("topic", &options);
    f.push(("sub", "entry_add"));
    saved(&app, &cookie, &f).await;
    let d = draft(&app).await;
    let q = d.question("topic").unwrap();
    let opts = q.kind.options();
    assert_eq!(
        opts.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(),
        ["a", "b", "c", "other"]
    );
    assert_eq!(text(&opts[1].text, "nl"), "Verhuizing");
    assert_eq!(text(&opts[3].text, "en"), "Something else");
    assert_eq!(text(q.help.as_ref().unwrap(), "en"), "Choose the main one");
    // "add" without a text says so and changes nothing
    let mut f = update("topic", &options[..9]);
    f.push(("sub", "entry_add"));
    let r = edit(&app, &cookie, &f).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Give the new option or item a text")
    );
    let order = |d: &SurveyDefinition| -> Vec<String> {
        d.question("topic")
            .unwrap()
            .kind
            .options()
            .iter()
            .map(|o| o.id.to_string())
            .collect()
    };
    // the rows as the page now shows them: a, b, c, other
    let rows: Vec<(String, String)> = {
        let d = draft(&app).await;
        let q = d.question("topic").unwrap();
        q.kind
            .options()
            .iter()
            .enumerate()
            .flat_map(|(i, o)| {
                vec![
                    (format!("entry.{i}.id"), o.id.to_string()),
                    (format!("entry.{i}.text.nl"), text(&o.text, "nl")),
                    (format!("entry.{i}.text.en"), text(&o.text, "en")),
                ]
            })
            .collect()
    };
    let rows: Vec<(&str, &str)> = rows.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut f = update("topic", &rows);
    f.push(("sub", "entry_up:3"));
    saved(&app, &cookie, &f).await;
    assert_eq!(order(&draft(&app).await), ["a", "b", "other", "c"]);
    let mut f = update("topic", &rows);
    f.push(("sub", "entry_remove:1"));
    saved(&app, &cookie, &f).await;
    assert_eq!(order(&draft(&app).await), ["a", "c", "other"]);

    // A rating: range, direction, end labels, a label for every point.
    add(&app, &cookie, "rating", "effort").await;
    saved(
        &app,
        &cookie,
        &update(
            "effort",
            &[
                ("scale.min", "1"),
                ("scale.max", "3"),
                ("scale.min_label.nl", "Moeilijk"),
                ("scale.min_label.en", "Hard"),
                ("scale.max_label.nl", "Makkelijk"),
                ("scale.max_label.en", "Easy"),
                ("scale.labels.nl", "Moeilijk\nGaat wel\nMakkelijk\n"),
                ("scale.labels.en", "Hard\nSo-so\nEasy"),
            ],
        ),
    )
    .await;
    let d = draft(&app).await;
    let QuestionKind::Rating { scale } = &d.question("effort").unwrap().kind else {
        panic!("a rating")
    };
    assert_eq!(
        (scale.min, scale.max, scale.higher_is_better),
        (1, 3, false)
    );
    assert_eq!(text(scale.max_label.as_ref().unwrap(), "en"), "Easy");
    let labels = scale.labels.as_ref().unwrap();
    assert_eq!(text(&labels[1], "nl"), "Gaat wel");
    assert_eq!(text(&labels[1], "en"), "So-so");
    // a scale whose labels do not fit is refused with the parser's reason
    let r = edit(
        &app,
        &cookie,
        &update(
            "effort",
            &[
                ("scale.min", "1"),
                ("scale.max", "5"),
                ("scale.higher_is_better", "1"),
                ("scale.labels.nl", "a\nb"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("needs one label per point")
    );

    // NPS end labels.
    saved(
        &app,
        &cookie,
        &update(
            "q1",
            &[
                ("scale.min_label.nl", "Zeer onwaarschijnlijk"),
                ("scale.min_label.en", "Very unlikely"),
                ("scale.max_label.nl", "Zeer waarschijnlijk"),
                ("scale.max_label.en", "Very likely"),
            ],
        ),
    )
    .await;
    let d = draft(&app).await;
    let QuestionKind::Nps { scale } = &d.question("q1").unwrap().kind else {
        panic!("nps")
    };
    assert_eq!(
        text(scale.min_label.as_ref().unwrap(), "nl"),
        "Zeer onwaarschijnlijk"
    );

    // A Likert question with 7 points and its own labels.
    add(&app, &cookie, "likert", "agree").await;
    saved(
        &app,
        &cookie,
        &update(
            "agree",
            &[
                ("points", "7"),
                ("labels.nl", "1\n2\n3\n4\n5\n6\nHelemaal eens"),
                ("labels.en", "1\n2\n3\n4\n5\n6\nStrongly agree"),
            ],
        ),
    )
    .await;
    let d = draft(&app).await;
    let QuestionKind::Likert { points, labels } = &d.question("agree").unwrap().kind else {
        panic!("likert")
    };
    assert_eq!(*points, 7);
    assert_eq!(text(&labels.as_ref().unwrap()[6], "en"), "Strongly agree");

    // A matrix: its items, and its scale from an agree scale to its own.
    add(&app, &cookie, "matrix", "grid").await;
    let (_, html) = page(&app, &cookie, "/app/surveys/klant/edit").await;
    assert!(html.contains("value=\"Onderdeel 1\""));
    saved(
        &app,
        &cookie,
        &update(
            "grid",
            &[
                ("entry.0.id", "item1"),
                ("entry.0.text.nl", "Snelheid"),
                ("entry.0.text.en", "Speed"),
                ("entry.1.id", "item2"),
                ("entry.1.text.nl", "Vriendelijkheid"),
                ("entry.1.text.en", "Friendliness"),
                ("new_entry.id", "clarity"),
                ("new_entry.text.nl", "Duidelijkheid"),
                ("new_entry.text.en", "Clarity"),
                ("matrix_scale", "scale"),
                ("scale.min", "0"),
                ("scale.max", "6"),
                ("scale.higher_is_better", "1"),
                ("scale.min_label.nl", "Nooit"),
                ("scale.min_label.en", "Never"),
                ("scale.max_label.nl", "Altijd"),
                ("scale.max_label.en", "Always"),
            ],
        ),
    )
    .await;
    let d = draft(&app).await;
    let QuestionKind::Matrix {
        items,
        scale,
        likert,
    } = &d.question("grid").unwrap().kind
    else {
        panic!("matrix")
    };
    assert_eq!(items.len(), 3);
    assert_eq!(text(&items[2].text, "nl"), "Duidelijkheid");
    assert_eq!((scale.min, scale.max, *likert), (0, 6, None));
    assert_eq!(text(scale.min_label.as_ref().unwrap(), "en"), "Never");

    // Multiple choice limits, a ranking's top, an allocation's total, an open question's box.
    add(&app, &cookie, "multi", "channels").await;
    let entries = |a: &'static str, b: &'static str, c: &'static str| {
        vec![
            ("entry.0.id", "a"),
            ("entry.0.text.nl", a),
            ("entry.0.text.en", a),
            ("entry.1.id", "b"),
            ("entry.1.text.nl", b),
            ("entry.1.text.en", b),
            ("entry.2.id", "c"),
            ("entry.2.text.nl", c),
            ("entry.2.text.en", c),
        ]
    };
    let mut f = entries("Telefoon", "Chat", "E-mail");
    f.extend([("min_selected", "1"), ("max_selected", "2")]);
    saved(&app, &cookie, &update("channels", &f)).await;
    add(&app, &cookie, "ranking", "order").await;
    let mut f = entries("Snel", "Goedkoop", "Goed");
    f.push(("max_ranked", "2"));
    saved(&app, &cookie, &update("order", &f)).await;
    add(&app, &cookie, "allocation", "spread").await;
    let mut f = vec![
        ("entry.0.id", "item1"),
        ("entry.0.text.nl", "Rust"),
        ("entry.0.text.en", "Calm"),
        ("entry.1.id", "item2"),
        ("entry.1.text.nl", "Tempo"),
        ("entry.1.text.en", "Pace"),
        ("entry.2.id", "item3"),
        ("entry.2.text.nl", "Plezier"),
        ("entry.2.text.en", "Fun"),
    ];
    f.push(("total", "15"));
    saved(&app, &cookie, &update("spread", &f)).await;
    add(&app, &cookie, "text", "why").await;
    saved(&app, &cookie, &update("why", &[("max_length", "500")])).await;
    let d = draft(&app).await;
    assert!(matches!(
        d.question("channels").unwrap().kind,
        QuestionKind::Multi {
            min_selected: Some(1),
            max_selected: Some(2),
            ..
        }
    ));
    assert!(matches!(
        d.question("order").unwrap().kind,
        QuestionKind::Ranking {
            max_ranked: Some(2),
            ..
        }
    ));
    assert!(matches!(
        d.question("spread").unwrap().kind,
        QuestionKind::Allocation { total: 15, .. }
    ));
    assert!(matches!(
        d.question("why").unwrap().kind,
        QuestionKind::Text {
            multiline: false,
            max_length: 500
        }
    ));
    // an edit without the details (an older form, the live preview of the texts) keeps them
    saved(
        &app,
        &cookie,
        &[
            ("action", "update"),
            ("id", "spread"),
            ("required", "1"),
            ("text.nl", "Verdeel"),
            ("text.en", "Spread"),
        ],
    )
    .await;
    assert!(matches!(
        draft(&app).await.question("spread").unwrap().kind,
        QuestionKind::Allocation { total: 15, .. }
    ));

    // No example texts are left: publishing goes through, in both languages as edited.
    assert!(tevreden_domain::survey::edit::placeholders(&draft(&app).await).is_empty());
    let r = post(
        &app,
        &cookie,
        "/app/surveys/klant/publish",
        "/app/surveys/klant/publish",
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let s = app.store.survey(app.org_id, "klant").await.unwrap();
    assert_eq!(s.status.as_str(), "open");
    let (_, form) = page(&app, &cookie, &format!("/s/{}?lang=en", s.public_id)).await;
    assert!(
        form.contains("Moving house") || form.contains("Something else"),
        "{form}"
    );
}

#[tokio::test]
async fn a_template_brings_its_title() {
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "lead@example.com", Role::Admin, vec![]).await;
    let cookie = login(&app, "lead@example.com").await;
    let (_, html) = page(&app, &cookie, "/app/surveys/new").await;
    assert!(
        html.contains("value=\"engagement\" data-title-nl=\"Jij en je werk\" data-title-en=\"You and your work\""),
        "the page can prefill the title"
    );
    let r = post(
        &app,
        &cookie,
        "/app/surveys/new",
        "/app/surveys/new",
        &[
            ("key", "klant"),
            ("title_nl", ""),
            ("title_en", ""),
            ("template", "engagement"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let d = draft(&app).await;
    assert_eq!(text(&d.title, "nl"), "Jij en je werk");
    assert_eq!(text(&d.title, "en"), "You and your work");
    // a title typed in is kept; without a template one is still needed
    let r = post(
        &app,
        &cookie,
        "/app/surveys/new",
        "/app/surveys/new",
        &[("key", "leeg"), ("template", "")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        &app,
        &cookie,
        "/app/surveys/new",
        "/app/surveys/new",
        &[
            ("key", "pols"),
            ("title_nl", "Onze pols"),
            ("template", "enps-pulse"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let s = app.store.survey(app.org_id, "pols").await.unwrap();
    let d = &app.store.survey_versions(s.id).await.unwrap()[0].definition;
    assert_eq!(text(&d.title, "nl"), "Onze pols");
}

/// Answers every question of a definition the respondent is shown: the scale's top (or its
/// middle for matrices), the first option, all points on the first item, the options in order.
fn answers_for(def: &SurveyDefinition, step: i64) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    use tevreden_domain::survey::{Answers, HiddenAnswers, Scope, validate_answers};
    let mut raw = Map::new();
    for q in def.questions() {
        let v = match &q.kind {
            QuestionKind::Nps { scale } | QuestionKind::Rating { scale } => {
                json!(scale.max - step.min(scale.max - scale.min))
            }
            QuestionKind::Likert { points, .. } => json!(i64::from(*points) - step),
            QuestionKind::YesNo => json!(step == 0),
            QuestionKind::Choice { options } => json!(options[0].id.as_str()),
            QuestionKind::Multi { options, .. } => json!([options[0].id.as_str()]),
            QuestionKind::Text { .. } => json!("Goed geholpen."),
            QuestionKind::Matrix { items, scale, .. } => Value::Object(
                items
                    .iter()
                    .map(|it| (it.id.to_string(), json!(scale.max - step)))
                    .collect(),
            ),
            QuestionKind::Ranking {
                options,
                max_ranked,
            } => {
                let n = max_ranked.map_or(options.len(), |m| m as usize);
                json!(
                    options
                        .iter()
                        .take(n)
                        .map(|o| o.id.as_str())
                        .collect::<Vec<_>>()
                )
            }
            QuestionKind::Allocation { items, total } => Value::Object(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, it)| (it.id.to_string(), json!(if i == 0 { *total } else { 0 })))
                    .collect(),
            ),
        };
        raw.insert(q.id.to_string(), v);
    }
    let accepted = validate_answers(
        def,
        &raw,
        Scope::All,
        &Answers::default(),
        HiddenAnswers::Ignore,
    )
    .expect("generated answers are valid");
    serde_json::from_str(&accepted.to_json()).unwrap()
}

/// `GET /surveys/{key}/results?question=…`, which must answer 200.
async fn results(app: &TestApp, key: &str, question: &str) -> serde_json::Value {
    let r = app
        .api(
            reqwest::Method::GET,
            &format!("/surveys/{key}/results?question={question}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{key} {question}");
    r.json().await.unwrap()
}

#[tokio::test]
async fn every_shipped_template_is_measured_on_its_dashboard() {
    let app = TestApp::spawn().await;
    add_user(&app, app.org_id, "lead@example.com", Role::Admin, vec![]).await;
    let cookie = login(&app, "lead@example.com").await;
    for (key, def) in tevreden_domain::templates::list() {
        let yaml = def.to_yaml();
        if key == "internal-customer" {
            // Its departments are stand-ins: not published until they are named.
            let r = app
                .api(reqwest::Method::POST, "/surveys")
                .header("content-type", "application/yaml")
                .body(yaml.clone())
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
            let r = app
                .api(reqwest::Method::POST, &format!("/surveys/{key}/publish"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let v: serde_json::Value = r.json().await.unwrap();
            assert_eq!(v["errors"][0]["code"], "placeholder_text", "{v}");
            assert_eq!(v["errors"][0]["path"], "questions.units", "{v}");
        }
        let yaml = yaml
            .replace("Afdeling A", "Inkoop")
            .replace("Department A", "Purchasing");
        let yaml = yaml
            .replace("Afdeling B", "ICT")
            .replace("Department B", "IT")
            .replace("Afdeling C", "Facilitair")
            .replace("Department C", "Facilities");
        app.publish(&yaml).await;
        let answers: Vec<serde_json::Value> = (0..2).map(|step| answers_for(&def, step)).collect();
        let bodies = answers
            .iter()
            .map(|a| serde_json::json!({"answers": a}))
            .collect();
        crate::post_all(&app, key, bodies).await;
        // The answers a measure counts: each of its parts a response answered (conditions
        // may hide a question from one of the two).
        let answered = |part: &str| -> u64 {
            answers
                .iter()
                .filter(|a| match part.split_once('.') {
                    Some((q, item)) => match &a[q] {
                        serde_json::Value::Array(l) => l.iter().any(|x| x == item),
                        v => !v[item].is_null(),
                    },
                    None => !a[part].is_null(),
                })
                .count() as u64
        };
        let measures = tevreden_domain::results::measured(&def);
        assert!(!measures.is_empty(), "{key}: nothing to measure");
        assert!(
            measures
                .iter()
                .any(|m| m.parts.iter().map(|p| answered(p)).sum::<u64>() > 0),
            "{key}: the test answers something measured"
        );
        for m in &measures {
            let (status, html) = page(
                &app,
                &cookie,
                &format!("/app/surveys/{key}/dashboard?q={}", m.key),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{key} {}", m.key);
            assert!(
                html.contains(&format!("value=\"{}\" selected", m.key)),
                "{key}: {} is offered and chosen",
                m.key
            );
            let expected: u64 = m.parts.iter().map(|p| answered(p)).sum();
            assert_eq!(
                html.contains("class=\"card headline\""),
                expected > 0,
                "{key} {}: a score is shown when answered",
                m.key
            );
            let v = results(&app, key, &m.key).await;
            assert_eq!(v["n"], expected, "{key} {}: {v}", m.key);
        }
        let (_, html) = page(&app, &cookie, &format!("/app/surveys/{key}/edit")).await;
        assert_eq!(
            html.contains("employee-notice"),
            tevreden_domain::templates::EMPLOYEE_TEMPLATES.contains(&key),
            "{key}: the builder says whether its results are protected yet"
        );
    }
}

#[tokio::test]
async fn engagement_dimensions_are_item_means_as_methods_section_3_computes_them() {
    let app = TestApp::spawn().await;
    let def = tevreden_domain::templates::template("engagement").unwrap();
    app.publish(&def.to_yaml()).await;
    // methods.md 3: answers [5,4,6 | 5,5,4 | 3,4,4] give vigour 5.000, dedication 4.667,
    // absorption 3.667; a second person [1,2,3 | 6,6,6 | 0,0,0]. Pooled over both (by hand):
    // vigour (5+4+6+1+2+3)/6 = 3.5, dedication (5+5+4+6+6+6)/6 = 32/6, absorption
    // (3+4+4+0+0+0)/6 = 11/6; item vigour_1 (5+1)/2 = 3.
    let person = |v: [i64; 9]| {
        serde_json::json!({"answers": {
            "vigour": {"vigour_1": v[0], "vigour_2": v[1], "vigour_3": v[2]},
            "dedication": {"dedication_1": v[3], "dedication_2": v[4], "dedication_3": v[5]},
            "absorption": {"absorption_1": v[6], "absorption_2": v[7], "absorption_3": v[8]},
            "enps": 8
        }})
    };
    crate::post_all(
        &app,
        "engagement",
        vec![
            person([5, 4, 6, 5, 5, 4, 3, 4, 4]),
            person([1, 2, 3, 6, 6, 6, 0, 0, 0]),
        ],
    )
    .await;
    for (q, mean, n) in [
        ("vigour", 3.5, 6),
        ("dedication", 32.0 / 6.0, 6),
        ("absorption", 11.0 / 6.0, 6),
        ("vigour.vigour_1", 3.0, 2),
    ] {
        let v = results(&app, "engagement", q).await;
        assert_eq!(v["n"], n, "{q}");
        assert!(
            (v["mean"].as_f64().unwrap() - mean).abs() < 1e-3,
            "{q}: {v}"
        );
    }
    // One person alone gives the methods example exactly.
    let app = TestApp::spawn().await;
    app.publish(&def.to_yaml()).await;
    crate::post_all(
        &app,
        "engagement",
        vec![person([5, 4, 6, 5, 5, 4, 3, 4, 4])],
    )
    .await;
    for (q, mean) in [
        ("vigour", 5.0),
        ("dedication", 4.667),
        ("absorption", 3.667),
    ] {
        let v = results(&app, "engagement", q).await;
        assert!(
            (v["mean"].as_f64().unwrap() - mean).abs() < 1e-3,
            "{q}: {v}"
        );
    }
    // A ranking item's place and an allocation item's points come from the responses.
    let def = tevreden_domain::templates::template("customer-centricity-definition").unwrap();
    app.publish(&def.to_yaml()).await;
    let first = tevreden_domain::results::measured(&def)
        .into_iter()
        .find(|m| m.part == tevreden_domain::results::Part::Item)
        .unwrap();
    crate::post_all(
        &app,
        "customer-centricity-definition",
        vec![serde_json::json!({"answers": answers_for(&def, 0)})],
    )
    .await;
    let v = results(&app, "customer-centricity-definition", &first.key).await;
    assert_eq!(v["mean"], 1.0, "the first option was ranked first: {v}");
}
