//! Storage tests that run on the engine chosen by `TEVREDEN_TEST_DATABASE_URL`, plus the
//! schema-drift test that needs both.

use tevreden_domain::rollup::AnswerFacts;
use tevreden_domain::survey::{FileFormat, parse_survey_file};
use tevreden_storage::testing::{TestDatabase, hold_write_lock};
use tevreden_storage::{
    IngestError, IngestOutcome, NewResponse, Store, StoreOptions, SurveyStatus, random_uuid,
    request_hash,
};

const SURVEY: &str =
    "key: s\ntitle: {nl: S, en: S}\nquestions:\n  - {id: nps, type: nps, text: {nl: A, en: A}}\n";

async fn setup() -> (TestDatabase, Store, i64, i64, i64) {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    let org = store.create_org("acme", "Acme").await.unwrap();
    let def = parse_survey_file(SURVEY.as_bytes(), FileFormat::Yaml)
        .unwrap()
        .definition;
    store.save_survey_draft(org.id, &def).await.unwrap();
    let (survey, version) = store.publish_survey(org.id, "s").await.unwrap();
    (db, store, org.id, survey.id, version.id)
}

fn response(org: i64, survey: i64, version: i64, key: &str) -> NewResponse {
    NewResponse {
        org_id: org,
        survey_id: survey,
        version_id: version,
        uid: random_uuid(),
        submission_key: key.into(),
        request_hash: String::new(),
        invitation_id: None,
        lang: "nl".into(),
        unit_id: None,
        touchpoint_id: None,
        channel_id: None,
        employee_id: None,
        contact_id: None,
        answers: "{\"nps\":9}".into(),
        facts: AnswerFacts {
            counts: vec![("nps".into(), 9)],
            numeric: vec![("nps".into(), 9)],
        },
        submitted_at: 1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commit_stores_each_once_and_reports_duplicates() {
    let (_db, store, org, survey, version) = setup().await;
    let mut handles = Vec::new();
    for i in 0..500 {
        let store = store.clone();
        // every key twice: one of each pair is a duplicate
        let r = response(org, survey, version, &format!("k{}", i / 2));
        handles.push(tokio::spawn(async move { store.submit(r).await }));
    }
    let mut stored = 0;
    let mut dups = 0;
    for h in handles {
        match h.await.unwrap().unwrap() {
            IngestOutcome::Stored { .. } => stored += 1,
            IngestOutcome::Duplicate { .. } => dups += 1,
        }
    }
    assert_eq!((stored, dups), (250, 250));
    assert_eq!(store.count_responses(survey).await.unwrap(), 250);
}

#[tokio::test]
async fn a_reused_key_with_other_content_is_refused_and_a_retry_is_a_duplicate() {
    let (_db, store, org, survey, version) = setup().await;
    let mut a = response(org, survey, version, "form:1");
    a.request_hash = request_hash(&[b"nps=9"]);
    let first = store.submit(a.clone()).await.unwrap();
    assert!(matches!(first, IngestOutcome::Stored { .. }));
    // the same content again under a new uid: a retry
    a.uid = random_uuid();
    assert_eq!(
        store.submit(a.clone()).await,
        Ok(IngestOutcome::Duplicate {
            uid: first.uid().to_string()
        })
    );
    // other content under the same key: refused, nothing stored
    a.uid = random_uuid();
    a.request_hash = request_hash(&[b"nps=3"]);
    assert_eq!(store.submit(a).await, Err(IngestError::KeyReused));
    assert_eq!(store.count_responses(survey).await.unwrap(), 1);
}

#[tokio::test]
async fn the_writer_survives_losing_its_connection() {
    let (db, store, org, survey, version) = setup().await;
    let r = response(org, survey, version, "before");
    assert!(matches!(
        store.submit(r).await,
        Ok(IngestOutcome::Stored { .. })
    ));
    // PostgreSQL: end every session, as a server restart does (SQLite: nothing to end).
    let ended = db.disconnect_all().await;
    if ended > 0 {
        assert!(ended >= 2, "the pool and the writer had sessions");
    }
    let r = response(org, survey, version, "after");
    assert!(matches!(
        store.submit(r).await,
        Ok(IngestOutcome::Stored { .. })
    ));
    assert_eq!(store.writer_problem(), None);
    assert_eq!(store.count_responses(survey).await.unwrap(), 2);
}

#[tokio::test]
async fn the_writer_waits_while_another_process_holds_the_lock() {
    let (db, store, org, survey, version) = setup().await;
    // A second store on the same database (another process, say a CLI import) holds a write
    // transaction for a while; the submission is stored once it ends, not refused.
    let other = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    let hold = hold_write_lock(&other, std::time::Duration::from_millis(400));
    let submit = async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        store.submit(response(org, survey, version, "k")).await
    };
    let (held, stored) = tokio::join!(hold, submit);
    held.unwrap();
    assert!(matches!(stored, Ok(IngestOutcome::Stored { .. })));
    assert_eq!(store.count_responses(survey).await.unwrap(), 1);
}

#[tokio::test]
async fn closed_survey_and_used_invitation_are_refused() {
    let (_db, store, org, survey, version) = setup().await;
    let (_, inv) = store
        .create_invitation(org, survey, &Default::default())
        .await
        .unwrap();
    let mut a = response(org, survey, version, "a");
    a.invitation_id = Some(inv.id);
    assert!(matches!(
        store.submit(a).await,
        Ok(IngestOutcome::Stored { .. })
    ));
    let mut b = response(org, survey, version, "b");
    b.invitation_id = Some(inv.id);
    assert_eq!(store.submit(b).await, Err(IngestError::AlreadyAnswered));

    store
        .set_survey_status(org, "s", SurveyStatus::Closed)
        .await
        .unwrap();
    assert_eq!(
        store.submit(response(org, survey, version, "c")).await,
        Err(IngestError::Closed)
    );
    assert_eq!(store.count_responses(survey).await.unwrap(), 1);
}

#[tokio::test]
async fn published_versions_are_immutable_and_numbered() {
    let (_db, store, org, survey, _) = setup().await;
    let v2 = parse_survey_file(
        SURVEY
            .replace("text: {nl: A, en: A}", "text: {nl: B, en: B}")
            .as_bytes(),
        FileFormat::Yaml,
    )
    .unwrap()
    .definition;
    let (_, draft, created) = store.save_survey_draft(org, &v2).await.unwrap();
    assert!(!created);
    assert_eq!(draft.version, None);
    // the public link still serves version 1 until the draft is published
    let s = store.surveys(org).await.unwrap().remove(0);
    let live = store.published_by_public_id(&s.public_id).await.unwrap();
    assert_eq!(live.version.version, Some(1));
    let (_, published) = store.publish_survey(org, "s").await.unwrap();
    assert_eq!(published.version, Some(2));
    let versions = store.survey_versions(survey).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [Some(2), Some(1)]
    );
    assert!(
        store.publish_survey(org, "s").await.is_err(),
        "nothing left to publish"
    );
}

/// Fails when the SQLite and PostgreSQL migrations describe different schemas. Needs a
/// PostgreSQL server: set TEVREDEN_TEST_DATABASE_URL=postgres://… (CI does).
#[tokio::test]
async fn sqlite_and_postgres_schemas_do_not_drift() {
    let base = std::env::var("TEVREDEN_TEST_DATABASE_URL").unwrap_or_default();
    if !base.starts_with("postgres") {
        eprintln!(
            "skipped: set TEVREDEN_TEST_DATABASE_URL=postgres://… to compare with PostgreSQL"
        );
        return;
    }
    let lite = TestDatabase::sqlite();
    let pg = TestDatabase::postgres(&base).await;
    let a = Store::open(&lite.url, StoreOptions::default())
        .await
        .unwrap()
        .schema_summary()
        .await
        .unwrap();
    let b = Store::open(&pg.url, StoreOptions::default())
        .await
        .unwrap()
        .schema_summary()
        .await
        .unwrap();
    assert!(a.len() > 50, "schema summary looks empty: {a:?}");
    let only_lite: Vec<_> = a.iter().filter(|x| !b.contains(x)).collect();
    let only_pg: Vec<_> = b.iter().filter(|x| !a.contains(x)).collect();
    assert!(
        only_lite.is_empty() && only_pg.is_empty(),
        "schemas drift.\nonly in SQLite: {only_lite:#?}\nonly in PostgreSQL: {only_pg:#?}"
    );
}
