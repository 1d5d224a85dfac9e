//! The CLI as a user runs it: the real binary against a fresh database (SQLite, or PostgreSQL
//! when TEVREDEN_TEST_DATABASE_URL is set).

use std::path::PathBuf;
use std::process::Output;

use tevreden_storage::testing::TestDatabase;
use tevreden_storage::{OrgTable, Store, StoreOptions};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(db: &TestDatabase, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tevreden"))
        .args(args)
        .env("TEVREDEN_DATABASE_URL", db.url_string())
        .env("TEVREDEN_LOG", "error")
        .output()
        .expect("run tevreden")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

async fn count(db: &TestDatabase, table: OrgTable) -> i64 {
    let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    let org = store.org_by_slug("acme").await.unwrap();
    let n = store.count_rows(org.id, table).await.unwrap();
    store.close().await;
    n
}

#[tokio::test]
async fn import_reports_rejected_rows_and_changes_nothing_unless_asked() {
    let db = TestDatabase::new().await;
    let out = run(
        &db,
        &["org", "create", "--slug", "acme", "--name", "Acme Energie"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    let bad = fixture("units-bad.csv");
    let out = run(
        &db,
        &["import", "units", bad.to_str().unwrap(), "--org", "acme"],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("2 of 3 rows refused"), "{err}");
    assert!(
        err.contains("line 3, column parent: unit `NOPE` does not exist"),
        "{err}"
    );
    assert!(err.contains("line 4, column name: is empty"), "{err}");
    assert!(
        err.contains("line 4, column office: `sideways` is not front or back"),
        "{err}"
    );
    assert!(
        err.contains("--skip-invalid"),
        "says what to do next: {err}"
    );
    assert_eq!(
        count(&db, OrgTable::Units).await,
        0,
        "a file with errors changes nothing"
    );

    let out = run(
        &db,
        &[
            "import",
            "units",
            bad.to_str().unwrap(),
            "--org",
            "acme",
            "--skip-invalid",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(count(&db, OrgTable::Units).await, 1);

    let good = fixture("units.csv");
    let out = run(
        &db,
        &["import", "units", good.to_str().unwrap(), "--org", "acme"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        "imported units: 2 created, 1 updated"
    );
    let out = run(
        &db,
        &["import", "units", good.to_str().unwrap(), "--org", "acme"],
    );
    assert_eq!(
        text(&out.stdout).trim(),
        "imported units: 0 created, 3 updated",
        "re-import updates, never duplicates"
    );
    assert_eq!(count(&db, OrgTable::Units).await, 3);

    let xlsx = fixture("employees.xlsx");
    let out = run(
        &db,
        &[
            "import",
            "employees",
            xlsx.to_str().unwrap(),
            "--org",
            "acme",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        "imported employees: 3 created, 0 updated"
    );

    let contacts = fixture("contacts-semicolon.csv");
    let out = run(
        &db,
        &[
            "import",
            "contacts",
            contacts.to_str().unwrap(),
            "--org",
            "acme",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(count(&db, OrgTable::Contacts).await, 2);

    let out = run(
        &db,
        &["import", "units", "/nonexistent.csv", "--org", "acme"],
    );
    assert!(text(&out.stderr).contains("cannot read /nonexistent.csv"));
    let out = run(
        &db,
        &["import", "units", good.to_str().unwrap(), "--org", "nope"],
    );
    assert!(
        text(&out.stderr).contains("tevreden org create"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn token_create_prints_only_the_token_and_surveys_export() {
    let db = TestDatabase::new().await;
    assert!(
        run(&db, &["org", "create", "--slug", "acme", "--name", "Acme"])
            .status
            .success()
    );
    let out = run(
        &db,
        &["token", "create", "--org", "acme", "--role", "admin"],
    );
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1);
    assert!(
        stdout.starts_with("tvd_") && stdout.trim().len() == 68,
        "{stdout}"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.yaml");
    std::fs::write(&file, "key: s\ntitle: {nl: S, en: S}\nquestions:\n  - {id: nps, type: nps, text: {nl: A, en: A}}\n").unwrap();
    let out = run(
        &db,
        &[
            "survey",
            "create",
            "--org",
            "acme",
            file.to_str().unwrap(),
            "--publish",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("published version 1"));
    // the command line's changes are in the organisation's audit log, as the app's are
    let store = tevreden_storage::Store::open(&db.url, Default::default())
        .await
        .unwrap();
    let org = store.org_by_slug("acme").await.unwrap();
    let mut done: Vec<(String, String, String)> = store
        .audit_entries(org.id, None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.actor, e.action, e.object_key))
        .collect();
    done.sort();
    for (action, key) in [
        ("token.create", ""),
        ("survey.create", "s"),
        ("survey.publish", "s"),
    ] {
        assert!(
            done.iter()
                .any(|(a, x, k)| a == "cli" && x == action && (key.is_empty() || k == key)),
            "{action} by the command line is audited: {done:?}"
        );
    }
    store.close().await;
    let csv = dir.path().join("out.csv");
    let out = run(
        &db,
        &[
            "export",
            "responses",
            "--org",
            "acme",
            "--survey",
            "s",
            "--output",
            csv.to_str().unwrap(),
            "--semicolon",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        written,
        "\u{feff}response_id;submitted_at;survey_version;lang;unit;touchpoint;channel;employee;contact;nps\n"
    );

    std::fs::write(&file, "key: s\ntitle: {nl: S}\nquestions:\n  - {id: nps, type: nps, text: {nl: A}, scale: {min: 1}}\n").unwrap();
    let out = run(
        &db,
        &["survey", "create", "--org", "acme", file.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("questions[0].scale.min: is always 0 for this question type"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn migrate_is_idempotent() {
    let db = TestDatabase::new().await;
    let out = run(&db, &["migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // every migration shipped, once
    let shipped = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../storage/migrations/sqlite"
    ))
    .unwrap()
    .count();
    assert!(
        text(&out.stdout).contains(&format!("{shipped} migration(s) applied now")),
        "{}",
        text(&out.stdout)
    );
    let out = run(&db, &["migrate"]);
    assert!(text(&out.stdout).contains("0 migration(s) applied now"));
    let out = run(&db, &["--database-url", "mysql://x", "migrate"]);
    assert!(text(&out.stderr).contains("use sqlite://PATH or postgres://"));
}

#[tokio::test]
async fn rollups_verify_finds_drift_and_rebuild_repairs_it() {
    let db = TestDatabase::new().await;
    assert!(
        run(&db, &["org", "create", "--slug", "acme", "--name", "Acme"])
            .status
            .success()
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.yaml");
    std::fs::write(&file, "key: s\ntitle: {nl: S, en: S}\nquestions:\n  - {id: nps, type: nps, text: {nl: A, en: A}}\n").unwrap();
    let out = run(
        &db,
        &[
            "survey",
            "create",
            "--org",
            "acme",
            file.to_str().unwrap(),
            "--publish",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    {
        let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();
        let org = store.org_by_slug("acme").await.unwrap();
        let survey = store.survey(org.id, "s").await.unwrap();
        let version = store.published_by_id(survey.id).await.unwrap().version;
        let rows: Vec<tevreden_storage::NewResponse> = (0..30)
            .map(|i| tevreden_storage::NewResponse {
                org_id: org.id,
                survey_id: survey.id,
                version_id: version.id,
                uid: tevreden_storage::random_uuid(),
                submission_key: format!("k{i}"),
                request_hash: String::new(),
                invitation_id: None,
                lang: "nl".into(),
                unit_id: None,
                touchpoint_id: None,
                channel_id: None,
                employee_id: None,
                contact_id: None,
                answers: format!("{{\"nps\":{}}}", i % 11),
                facts: tevreden_domain::rollup::AnswerFacts {
                    counts: vec![("nps".into(), i % 11)],
                    numeric: vec![("nps".into(), i % 11)],
                },
                submitted_at: 1_767_225_600_000 + i * 86_400_000,
            })
            .collect();
        store.bulk_insert_responses(&rows).await.unwrap();
        store.close().await;
    }
    let out = run(&db, &["rollups", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("30 responses, aggregates match"),
        "{}",
        text(&out.stdout)
    );

    // Damage one monthly cell, as a lost update would.
    {
        let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();
        let n = tevreden_storage::testing::execute_sql(
            &store,
            "UPDATE agg_counts SET n = n - 1 WHERE grain = 2 AND value = 0 AND n > 1",
        )
        .await
        .unwrap();
        assert_eq!(n, 1);
        store.close().await;
    }
    let out = run(
        &db,
        &["rollups", "verify", "--org", "acme", "--survey", "s"],
    );
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("DIFFERS") && stdout.contains("1 histogram cell(s)"),
        "{stdout}"
    );
    assert!(
        text(&out.stderr).contains("rollups rebuild"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&db, &["rollups", "rebuild", "--org", "acme"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("from 30 responses"));
    assert!(run(&db, &["rollups", "verify"]).status.success());
}

#[tokio::test]
async fn import_refuses_a_sheet_spanning_the_whole_grid() {
    use tevreden_domain::import::{sheet_xml, xlsx_with_sheet};
    let db = TestDatabase::new().await;
    let out = run(
        &db,
        &["org", "create", "--slug", "acme", "--name", "Acme Energie"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = tempfile::tempdir().unwrap();
    // one cell at A1, one at XFD1048576: once 512 GB of grid and an aborted process
    let file = dir.path().join("units.xlsx");
    std::fs::write(
        &file,
        xlsx_with_sheet(&sheet_xml(
            Some("A1:XFD1048576"),
            &[("A1", "external_id"), ("XFD1048576", "x")],
        )),
    )
    .unwrap();
    let out = run(
        &db,
        &["import", "units", file.to_str().unwrap(), "--org", "acme"],
    );
    assert_eq!(out.status.code(), Some(1), "refused, not aborted");
    let err = text(&out.stderr);
    assert!(
        err.contains("a value in column XFD (XFD1048576); at most 1000 columns"),
        "{err}"
    );
    assert_eq!(count(&db, OrgTable::Units).await, 0);
}

/// `bench ingest` measures the JSON API and the form POST in one run and checks that each
/// stored what it acknowledged; the probe is measured when its binary is found, skipped with a
/// message when not, and a `--probe-bin` that does not exist is an error.
#[tokio::test]
async fn bench_ingest_measures_api_and_form_and_checks_stored() {
    let db = TestDatabase::new().await;
    let missing = run(
        &db,
        &["bench", "ingest", "--probe-bin", "/nonexistent/limit-probe"],
    );
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("--probe-bin /nonexistent/limit-probe: no such file"),
        "{}",
        text(&missing.stderr)
    );
    let out = run(
        &db,
        &[
            "bench",
            "ingest",
            "--clients",
            "4",
            "--seconds",
            "1",
            "--rounds",
            "1",
            "--warmup-seconds",
            "0",
            "--loop-seconds",
            "1",
            "--get-seconds",
            "0",
        ],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains("limit-probe: not measured") || stdout.contains("| limit-probe POST /r |"),
        "{stdout}"
    );
    for row in [
        "| JSON API POST |",
        "| form POST /s/{id} |",
        "| GET+POST loop",
    ] {
        assert!(stdout.contains(row), "no row {row}: {stdout}");
    }
    assert!(!stdout.contains("| NO ("), "{stdout}");
    assert!(
        stdout.contains("check: every acknowledged response is stored, none twice."),
        "{stdout}"
    );
}
