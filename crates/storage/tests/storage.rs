//! Storage tests that run on the engine chosen by `TEVREDEN_TEST_DATABASE_URL`, plus the
//! schema-drift test that needs both.

use tevreden_domain::rollup::AnswerFacts;
use tevreden_domain::survey::{FileFormat, parse_survey_file};
use tevreden_storage::testing::{TestDatabase, hold_write_lock};
use tevreden_storage::{
    IngestError, IngestOutcome, NewResponse, SqliteWriter, Store, StoreOptions, SurveyStatus,
    random_uuid, request_hash,
};

const SURVEY: &str =
    "key: s\ntitle: {nl: S, en: S}\nquestions:\n  - {id: nps, type: nps, text: {nl: A, en: A}}\n";

async fn setup() -> (TestDatabase, Store, i64, i64, i64) {
    setup_with(StoreOptions::default()).await
}

async fn setup_with(options: StoreOptions) -> (TestDatabase, Store, i64, i64, i64) {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url, options).await.unwrap();
    let org = store.create_org("acme", "Acme").await.unwrap();
    let def = parse_survey_file(SURVEY.as_bytes(), FileFormat::Yaml)
        .unwrap()
        .definition;
    store
        .save_survey_draft(org.id, &def, (&tevreden_storage::Actor::Cli, None))
        .await
        .unwrap();
    let (survey, version) = store
        .publish_survey(org.id, "s", &tevreden_storage::Actor::Cli)
        .await
        .unwrap();
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
        .set_survey_status(
            org,
            "s",
            SurveyStatus::Closed,
            &tevreden_storage::Actor::Cli,
        )
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
    let (_, draft, created) = store
        .save_survey_draft(org, &v2, (&tevreden_storage::Actor::Cli, None))
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(draft.version, None);
    // the public link still serves version 1 until the draft is published
    let s = store.surveys(org).await.unwrap().remove(0);
    let live = store.published_by_public_id(&s.public_id).await.unwrap();
    assert_eq!(live.version.version, Some(1));
    let (_, published) = store
        .publish_survey(org, "s", &tevreden_storage::Actor::Cli)
        .await
        .unwrap();
    assert_eq!(published.version, Some(2));
    let versions = store.survey_versions(survey).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [Some(2), Some(1)]
    );
    assert!(
        store
            .publish_survey(org, "s", &tevreden_storage::Actor::Cli)
            .await
            .is_err(),
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

/// Export pages (one concatenated value per page, names looked up by id and kept between
/// pages) give the same rows as the row-by-row reader with joins, in order, across page
/// boundaries and within a unit scope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_pages_agree_with_the_joined_reader() {
    use tevreden_domain::ExternalId;
    use tevreden_domain::export::{AnswerColumn, AnswerLayout, CsvRows};
    use tevreden_domain::import::{Office, UnitRecord};
    let (_db, store, org, survey, version) = setup().await;
    let unit = |id: &str| UnitRecord {
        external_id: ExternalId::parse(id).unwrap(),
        name: id.into(),
        parent: None,
        office: Office::Front,
    };
    store
        .import_units(org, &[unit("A"), unit("B")])
        .await
        .unwrap();
    let units = store.units(org).await.unwrap();
    let id = |k: &str| units.iter().find(|u| u.external_id == k).unwrap().id;
    let channel = store
        .save_channel(
            org,
            "phone",
            "Phone",
            "phone",
            &tevreden_storage::Actor::Cli,
        )
        .await
        .unwrap()
        .0
        .id;
    let rows: Vec<NewResponse> = (0..23)
        .map(|i| {
            let mut r = response(org, survey, version, &format!("k{i}"));
            r.unit_id = [None, Some(id("A")), Some(id("B"))][i % 3];
            r.channel_id = (i % 2 == 0).then_some(channel);
            r.answers = format!("{{\"nps\":{},\"why\":\"a; \\\"b\\\"\\n{i}\"}}", i % 11);
            r.submitted_at = 1_767_225_600_000 + i as i64 * 3_600_123;
            r
        })
        .collect();
    store.bulk_insert_responses(&rows).await.unwrap();
    let cols = vec![
        AnswerColumn::Question("nps".into()),
        AnswerColumn::Question("why".into()),
    ];
    let layout = AnswerLayout::new(&cols);
    for scope in [None, Some(vec![id("B")])] {
        // expected: the joined reader, formatted cell by cell
        let mut expected = CsvRows::new(b';');
        let mut n: usize = 0;
        for r in store
            .responses_after_in(survey, 0, 1_000, scope.as_deref())
            .await
            .unwrap()
        {
            let fixed = [
                r.uid.clone(),
                jiff::Timestamp::from_millisecond(r.submitted_at)
                    .unwrap()
                    .display_with_offset(jiff::tz::Offset::UTC)
                    .to_string(),
                r.version.to_string(),
                r.lang.clone(),
                r.unit.clone().unwrap_or_default(),
                r.touchpoint.clone().unwrap_or_default(),
                r.channel.clone().unwrap_or_default(),
                r.employee.clone().unwrap_or_default(),
                r.contact.clone().unwrap_or_default(),
            ];
            let answers = tevreden_domain::export::answer_cells(&cols, &r.answers);
            expected.record(fixed.iter().chain(&answers).map(String::as_str));
            n += 1;
        }
        assert_eq!(n, if scope.is_some() { 7 } else { 23 });
        // actual: pages of 5
        let mut reader = tevreden_storage::ExportReader::new(survey, scope.clone());
        let mut actual = CsvRows::new(b';');
        let mut pages = 0;
        while let Some(page) = reader.next_page(&store, 5).await.unwrap() {
            assert!(!page.is_empty() && page.len() <= 5);
            page.write_csv(&layout, &mut actual);
            pages += 1;
        }
        assert_eq!(pages, n.div_ceil(5));
        let (expected, actual) = (expected.take(), actual.take());
        // names, not only blanks, were compared
        let named = if scope.is_some() {
            ";B;;phone;;;"
        } else {
            ";A;;phone;;;"
        };
        assert!(String::from_utf8_lossy(&actual).contains(named));
        assert_eq!(
            String::from_utf8(actual).unwrap(),
            String::from_utf8(expected).unwrap()
        );
    }
}

/// A deferred bulk part is stored with its aggregates like a durable one, and the connection
/// it relaxed goes back to the pool waiting for the disk again (SQLite `synchronous = FULL`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_bulk_parts_are_whole_and_leave_no_relaxed_connection() {
    let (db, store, org, survey, version) = setup().await;
    let rows: Vec<NewResponse> = (0..40)
        .map(|i| response(org, survey, version, &format!("d{i}")))
        .collect();
    store
        .bulk_insert_responses_deferred(&rows[..25])
        .await
        .unwrap();
    store.bulk_insert_responses(&rows[25..]).await.unwrap();
    assert_eq!(store.count_responses(survey).await.unwrap(), 40);
    let checks = store.verify_rollups(Some(survey)).await.unwrap();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].responses, 40);
    assert!(checks[0].diff.is_empty(), "aggregates equal the responses");
    if db.url.backend() == tevreden_storage::Backend::Sqlite {
        let settings = tevreden_storage::testing::sqlite_synchronous_settings(&store)
            .await
            .unwrap();
        assert!(!settings.is_empty());
        assert!(settings.iter().all(|s| *s == 2), "{settings:?}");
    }
    // A part that fails (a key used twice) leaves nothing behind.
    let again = vec![response(org, survey, version, "d0")];
    assert!(store.bulk_insert_responses_deferred(&again).await.is_err());
    assert_eq!(store.count_responses(survey).await.unwrap(), 40);
}

/// On PostgreSQL only: fails when a bulk part left a staging table behind (`pg_copy`).
async fn no_staging_tables_left(store: &Store) {
    if store.backend() == tevreden_storage::Backend::Postgres {
        tevreden_storage::testing::execute_sql(
            store,
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_class WHERE relname LIKE 'bulk\\_stage\\_%') \
             THEN RAISE EXCEPTION 'a staging table was left'; END IF; END $$",
        )
        .await
        .expect("no staging tables left");
    }
}

/// The bulk path keeps its rules on either engine (PostgreSQL loads parts with COPY): text
/// that COPY's format reads specially is stored as given, the contact's attributes are copied
/// and counted under the kept key, a part whose key is stored already or used twice in it fails
/// as a whole (a unique violation) leaving responses and aggregates as they were, a used
/// invitation likewise, and a closed survey takes bulk rows as it did before (history imports;
/// the writer refuses live submissions to it, see `closed_survey_and_used_invitation_are_refused`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_parts_keep_their_rules_and_text() {
    use tevreden_domain::ExternalId;
    use tevreden_domain::import::ContactRecord;
    let (_db, store, org, survey, version) = setup().await;
    let contact = ContactRecord {
        external_id: ExternalId::parse("C1").unwrap(),
        email: None,
        name: None,
        lang: None,
        attributes: [("segment".to_string(), "zakelijk\\b2b\t\"x\"".to_string())].into(),
    };
    store.import_contacts(org, &[contact]).await.unwrap();
    store
        .set_kept_attributes(org, &["segment".into()], &tevreden_storage::Actor::Cli)
        .await
        .unwrap();
    let c1 = store.contact(org, "C1").await.unwrap().id;
    let keys = [
        "tab\tkey",
        "back\\slash\\N",
        "new\nline\r\n",
        "plain",
        "\\.",
    ];
    let rows: Vec<NewResponse> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let mut r = response(org, survey, version, k);
            r.answers = format!("{{\"nps\":9,\"why\":\"a\\\\b \\\"c\\\"\\n\\t{i}\"}}");
            r.request_hash = format!("h\\{i}");
            r.contact_id = (i % 2 == 0).then_some(c1);
            r.submitted_at = 1_767_225_600_000 + i as i64 * 86_400_000;
            r
        })
        .collect();
    store.bulk_insert_responses(&rows).await.unwrap();
    no_staging_tables_left(&store).await;
    let stored = store.submission_keys(survey).await.unwrap();
    assert_eq!(stored, keys.iter().map(|k| k.to_string()).collect());
    let read = store
        .responses_after_in(survey, 0, 100, None)
        .await
        .unwrap();
    assert_eq!(read.len(), rows.len());
    for (got, sent) in read.iter().zip(&rows) {
        assert_eq!(got.uid, sent.uid, "stored in the order given");
        assert_eq!(
            serde_json::Value::Object(got.answers.clone()),
            serde_json::from_str::<serde_json::Value>(&sent.answers).unwrap()
        );
        assert_eq!(got.submitted_at, sent.submitted_at);
        assert_eq!(got.contact.is_some(), sent.contact_id.is_some());
    }
    let segment = store
        .raw_rows(
            survey,
            &tevreden_storage::ResponseFilter {
                attribute: Some(("segment", "zakelijk\\b2b\t\"x\"")),
                ..Default::default()
            },
            0,
            100,
        )
        .await
        .unwrap()
        .0;
    assert_eq!(segment.len(), 3, "the attributes were copied as stored");
    let clean = |checks: Vec<tevreden_storage::RollupCheck>| {
        checks.len() == 1 && checks[0].diff.is_empty() && checks[0].responses == rows.len() as u64
    };
    assert!(clean(store.verify_rollups(Some(survey)).await.unwrap()));

    // a key stored before, and a key twice in one part: the part fails, nothing moves
    let mut again = vec![response(org, survey, version, "fresh")];
    again.push(response(org, survey, version, "plain"));
    let mut twice = vec![response(org, survey, version, "twice")];
    twice.push(response(org, survey, version, "twice"));
    for part in [again, twice] {
        let e = store.bulk_insert_responses(&part).await.unwrap_err();
        assert!(e.is_unique_violation(), "{e}");
        assert_eq!(store.count_responses(survey).await.unwrap(), 5);
        assert!(clean(store.verify_rollups(Some(survey)).await.unwrap()));
        no_staging_tables_left(&store).await;
    }
    // an invitation answered twice
    let (_, inv) = store
        .create_invitation(org, survey, &Default::default())
        .await
        .unwrap();
    let mut a = response(org, survey, version, "inv-a");
    a.invitation_id = Some(inv.id);
    let mut b = response(org, survey, version, "inv-b");
    b.invitation_id = Some(inv.id);
    assert!(
        store
            .bulk_insert_responses(&[a, b])
            .await
            .unwrap_err()
            .is_unique_violation()
    );
    assert_eq!(store.count_responses(survey).await.unwrap(), 5);
    no_staging_tables_left(&store).await;

    // a closed survey
    store
        .set_survey_status(
            org,
            "s",
            SurveyStatus::Closed,
            &tevreden_storage::Actor::Cli,
        )
        .await
        .unwrap();
    store
        .bulk_insert_responses_deferred(&[response(org, survey, version, "history")])
        .await
        .unwrap();
    assert_eq!(store.count_responses(survey).await.unwrap(), 6);
    let checks = store.verify_rollups(Some(survey)).await.unwrap();
    assert!(checks[0].diff.is_empty() && checks[0].responses == 6);
    no_staging_tables_left(&store).await;
}

/// An export broken off after its first page (a download cancelled) leaves nothing hanging:
/// exports after it read every row (on PostgreSQL the broken-off `COPY` ends with its reader).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_broken_off_leaves_the_next_whole() {
    let (_db, store, org, survey, version) = setup().await;
    let rows: Vec<NewResponse> = (0..30)
        .map(|i| response(org, survey, version, &format!("x{i}")))
        .collect();
    store.bulk_insert_responses(&rows).await.unwrap();
    for _ in 0..3 {
        let mut reader = tevreden_storage::ExportReader::new(survey, None);
        let page = reader.next_page(&store, 5).await.unwrap().unwrap();
        assert_eq!(page.len(), 5);
        drop(reader);
    }
    for _ in 0..2 {
        let mut reader = tevreden_storage::ExportReader::new(survey, None);
        let mut n = 0;
        while let Some(page) = reader.next_page(&store, 7).await.unwrap() {
            n += page.len();
        }
        assert_eq!(n, 30);
    }
    assert_eq!(store.count_responses(survey).await.unwrap(), 30);
}

/// Submits `rows` so that the writer takes them as one batch: a second store holds the write
/// lock while they queue behind a first submission that waits for it.
async fn submit_as_one_batch(
    db: &TestDatabase,
    store: &Store,
    first: NewResponse,
    rows: Vec<NewResponse>,
) -> Vec<Result<IngestOutcome, IngestError>> {
    let other = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    let hold = hold_write_lock(&other, std::time::Duration::from_millis(400));
    let submit = async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let waiting = {
            let store = store.clone();
            tokio::spawn(async move { store.submit(first).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let tasks: Vec<_> = rows
            .into_iter()
            .map(|r| {
                let store = store.clone();
                tokio::spawn(async move { store.submit(r).await })
            })
            .collect();
        assert!(matches!(
            waiting.await.unwrap(),
            Ok(IngestOutcome::Stored { .. })
        ));
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    };
    let (held, results) = tokio::join!(hold, submit);
    held.unwrap();
    other.close().await;
    results
}

/// Every outcome in one batch of the writer: new rows, a retry (same key and content, new
/// uid) answered with the stored id, the same submission again after a lost reply (same uid)
/// answered as stored, a reused key, two answers on one invitation, a closed survey's row.
/// Then a batch with a row the database refuses (a unit that does not exist): the batch is
/// rolled back and written one row per transaction, so only that row fails. After both the
/// aggregates equal a recomputation from the responses: nothing of the rolled-back attempt
/// stayed and nothing refused was counted. Returns the outcomes with uids named by row.
async fn every_outcome(writer: SqliteWriter) -> Vec<String> {
    let (db, store, org, survey, version) = setup_with(StoreOptions {
        sqlite_writer: writer,
        ..StoreOptions::default()
    })
    .await;
    let closed = parse_survey_file(
        SURVEY.replace("key: s", "key: t").as_bytes(),
        FileFormat::Yaml,
    )
    .unwrap()
    .definition;
    store
        .save_survey_draft(org, &closed, (&tevreden_storage::Actor::Cli, None))
        .await
        .unwrap();
    let (closed_survey, closed_version) = store
        .publish_survey(org, "t", &tevreden_storage::Actor::Cli)
        .await
        .unwrap();
    store
        .set_survey_status(
            org,
            "t",
            SurveyStatus::Closed,
            &tevreden_storage::Actor::Cli,
        )
        .await
        .unwrap();
    let (_, inv) = store
        .create_invitation(org, survey, &Default::default())
        .await
        .unwrap();
    let mut stored = response(org, survey, version, "form:1");
    stored.request_hash = request_hash(&[b"nps=9"]);
    let first = store.submit(stored.clone()).await.unwrap();
    assert_eq!(
        first,
        IngestOutcome::Stored {
            uid: stored.uid.clone()
        }
    );

    let fresh: Vec<NewResponse> = (0..20)
        .map(|i| {
            let mut r = response(org, survey, version, &format!("new{i}"));
            r.facts.counts = vec![("nps".into(), i % 11)];
            r.facts.numeric = vec![("nps".into(), i % 11)];
            r.answers = format!("{{\"nps\":{}}}", i % 11);
            r
        })
        .collect();
    let retry = NewResponse {
        uid: random_uuid(),
        ..stored.clone()
    };
    let lost_reply = stored.clone();
    let reused = NewResponse {
        uid: random_uuid(),
        request_hash: request_hash(&[b"nps=3"]),
        ..stored.clone()
    };
    let on_invitation = |key: &str| NewResponse {
        invitation_id: Some(inv.id),
        ..response(org, survey, version, key)
    };
    let to_closed = response(org, closed_survey.id, closed_version.id, "c");
    let mut rows = fresh.clone();
    rows.extend([
        retry,
        lost_reply,
        reused,
        on_invitation("i1"),
        on_invitation("i2"),
        to_closed,
    ]);
    let names: Vec<(String, String)> = std::iter::once(&stored)
        .chain(&rows)
        .map(|r| match r.invitation_id {
            Some(_) => (r.uid.clone(), "invitation".to_string()),
            None => (r.uid.clone(), r.submission_key.clone()),
        })
        .collect();
    let warm = response(org, survey, version, "warm");
    let results = submit_as_one_batch(&db, &store, warm, rows).await;
    let (new, special) = results.split_at(fresh.len());
    for (r, got) in fresh.iter().zip(new) {
        assert_eq!(got, &Ok(IngestOutcome::Stored { uid: r.uid.clone() }));
    }
    let stored_again = Ok(IngestOutcome::Stored {
        uid: stored.uid.clone(),
    });
    assert_eq!(
        special[0],
        Ok(IngestOutcome::Duplicate {
            uid: stored.uid.clone()
        })
    );
    assert_eq!(special[1], stored_again);
    assert_eq!(special[2], Err(IngestError::KeyReused));
    let invitation = &special[3..5];
    assert_eq!(
        invitation
            .iter()
            .filter(|r| matches!(r, Ok(IngestOutcome::Stored { .. })))
            .count(),
        1,
        "{invitation:?}"
    );
    assert!(
        invitation.contains(&Err(IngestError::AlreadyAnswered)),
        "{invitation:?}"
    );
    assert_eq!(special[5], Err(IngestError::Closed));
    // form:1, warm, 20 new, one on the invitation
    assert_eq!(store.count_responses(survey).await.unwrap(), 23);
    assert_eq!(store.count_responses(closed_survey.id).await.unwrap(), 0);

    let mut bad = response(org, survey, version, "bad");
    bad.unit_id = Some(999_999);
    let good: Vec<NewResponse> = (0..5)
        .map(|i| response(org, survey, version, &format!("good{i}")))
        .collect();
    let mut rows = good.clone();
    rows.insert(2, bad);
    let second = submit_as_one_batch(&db, &store, response(org, survey, version, "w2"), rows).await;
    assert!(
        matches!(second[2], Err(IngestError::Storage(_))),
        "{:?}",
        second[2]
    );
    for (i, r) in good.iter().enumerate() {
        let got = &second[if i < 2 { i } else { i + 1 }];
        assert_eq!(got, &Ok(IngestOutcome::Stored { uid: r.uid.clone() }));
    }
    assert_eq!(store.count_responses(survey).await.unwrap(), 29);

    let checks = store.verify_rollups(Some(survey)).await.unwrap();
    assert_eq!(checks[0].responses, 29);
    assert!(checks[0].diff.is_empty(), "{:?}", checks[0].diff);
    let nps: i64 = store
        .histogram_rows(
            survey,
            "nps",
            tevreden_domain::rollup::Grain::Day,
            i32::MIN,
            i32::MAX,
            None,
            None,
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.n)
        .sum();
    assert_eq!(nps, 29);
    let closed_checks = store.verify_rollups(Some(closed_survey.id)).await.unwrap();
    assert!(
        closed_checks
            .iter()
            .all(|c| c.responses == 0 && c.diff.is_empty())
    );
    let name = |uid: &str| {
        names
            .iter()
            .find(|(u, _)| u == uid)
            .map(|(_, k)| k.clone())
            .unwrap_or_else(|| "?".into())
    };
    let mut outcomes: Vec<String> = results
        .iter()
        .chain(&second)
        .map(|r| match r {
            Ok(IngestOutcome::Stored { uid }) => format!("stored {}", name(uid)),
            Ok(IngestOutcome::Duplicate { uid }) => format!("duplicate of {}", name(uid)),
            Err(IngestError::Storage(_)) => "storage error".into(),
            Err(e) => format!("{e:?}"),
        })
        .collect();
    // which of the two on the invitation came first depends on the queue
    outcomes[fresh.len() + 3..fresh.len() + 5].sort();
    outcomes
}

/// The native SQLite writer and the sqlx writer give every row the same outcome (on
/// PostgreSQL both runs use the sqlx writer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_batch_of_every_outcome_and_a_refused_row_keep_the_aggregates_exact() {
    let native = every_outcome(SqliteWriter::Native).await;
    let sqlx = every_outcome(SqliteWriter::Sqlx).await;
    assert_eq!(native, sqlx);
}

/// The database itself refuses a row that points into another organisation (migration 0012:
/// composite foreign keys on (org_id, id)), through the ingest writer and in plain SQL alike,
/// and stores nothing of it; the same references within one organisation are accepted.
#[tokio::test]
async fn rows_pointing_into_another_organisation_are_refused_by_the_schema() {
    use tevreden_storage::testing::execute_sql;
    let (_db, store, org_b, survey_b, version_b) = setup().await;
    let org_a = store.create_org("other", "Other").await.unwrap().id;
    let now = 1;
    for (id, org) in [(9001, org_a), (9002, org_b)] {
        execute_sql(
            &store,
            &format!(
                "INSERT INTO units (id, org_id, external_id, name, parent_id, office, path, created_at, updated_at) \
                 VALUES ({id}, {org}, 'u{id}', 'U', NULL, 'front', '/{id}/', {now}, {now})"
            ),
        )
        .await
        .unwrap();
    }
    // A response of B about A's unit: refused by the writer, nothing stored.
    let mut r = response(org_b, survey_b, version_b, "cross");
    r.unit_id = Some(9001);
    assert!(store.submit(r).await.is_err());
    assert_eq!(store.count_responses(survey_b).await.unwrap(), 0);
    // About its own unit: stored.
    let mut r = response(org_b, survey_b, version_b, "own");
    r.unit_id = Some(9002);
    assert!(matches!(
        store.submit(r).await.unwrap(),
        IngestOutcome::Stored { .. }
    ));
    assert_eq!(store.count_responses(survey_b).await.unwrap(), 1);
    // Plain SQL: an employee, a unit's parent, a token, a touchpoint of B in A's unit; a
    // response of A to B's survey.
    let refused = [
        format!(
            "INSERT INTO employees (org_id, external_id, name, unit_id, customer_facing, created_at, updated_at) \
             VALUES ({org_b}, 'e', 'E', 9001, 1, {now}, {now})"
        ),
        format!(
            "INSERT INTO units (org_id, external_id, name, parent_id, office, path, created_at, updated_at) \
             VALUES ({org_b}, 'child', 'C', 9001, 'front', '/9001/x/', {now}, {now})"
        ),
        format!(
            "INSERT INTO api_tokens (org_id, name, role, unit_id, token_hash, created_at) \
             VALUES ({org_b}, 't', 'member', 9001, 'h', {now})"
        ),
        format!(
            "INSERT INTO touchpoints (org_id, key, name, unit_id) VALUES ({org_b}, 'tp', 'T', 9001)"
        ),
        format!(
            "INSERT INTO responses (org_id, survey_id, version_id, uid, submission_key, lang, answers, submitted_at, received_at) \
             VALUES ({org_a}, {survey_b}, {version_b}, 'x', 'x', 'nl', '{{}}', 1, 1)"
        ),
    ];
    for sql in &refused {
        assert!(execute_sql(&store, sql).await.is_err(), "accepted: {sql}");
    }
    execute_sql(
        &store,
        &format!(
            "INSERT INTO employees (org_id, external_id, name, unit_id, customer_facing, created_at, updated_at) \
             VALUES ({org_b}, 'e', 'E', 9002, 1, {now}, {now})"
        ),
    )
    .await
    .unwrap();
}
