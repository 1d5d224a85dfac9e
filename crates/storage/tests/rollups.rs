//! Aggregates against recomputation: random responses go in through the group-commit writer
//! and the bulk path; the stored histograms must equal counts taken straight from the
//! generated answers, and `verify_rollups` must find nothing to report. Runs on the engine
//! chosen by `TEVREDEN_TEST_DATABASE_URL`.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tevreden_domain::ExternalId;
use tevreden_domain::import::{Office, UnitRecord};
use tevreden_domain::rollup::{Grain, answer_facts, local_day, month_of};
use tevreden_domain::survey::{
    FileFormat, HiddenAnswers, Scope, SurveyDefinition, parse_survey_file, validate_answers,
};
use tevreden_storage::testing::{TestDatabase, execute_sql};
use tevreden_storage::{NewResponse, Store, StoreOptions, random_uuid};

const SURVEY: &str = r#"
key: s
title: {nl: S, en: S}
questions:
  - {id: nps, type: nps, required: false, text: {nl: A, en: A}}
  - {id: csat, type: rating, required: false, scale: {min: 1, max: 5}, text: {nl: B, en: B}}
  - {id: effort, type: rating, required: false, scale: {min: 1, max: 7}, text: {nl: C, en: C}}
  - {id: ok, type: yesno, required: false, text: {nl: D, en: D}}
  - {id: why, type: text, required: false, text: {nl: E, en: E}}
"#;

#[derive(Clone, Debug)]
struct Gen {
    nps: Option<i64>,
    csat: Option<i64>,
    effort: Option<i64>,
    ok: Option<bool>,
    unit: usize,
    touchpoint: bool,
    channel: bool,
    /// Seconds after 2025-01-01T00:00:00Z, spread over ~14 months.
    at: i64,
    bulk: bool,
}

fn generated() -> impl Strategy<Value = Gen> {
    (
        proptest::option::weighted(0.9, 0..=10i64),
        proptest::option::weighted(0.8, 1..=5i64),
        proptest::option::weighted(0.7, 1..=7i64),
        proptest::option::of(any::<bool>()),
        0..3usize,
        any::<bool>(),
        any::<bool>(),
        0..36_000_000i64,
        any::<bool>(),
    )
        .prop_map(
            |(nps, csat, effort, ok, unit, touchpoint, channel, at, bulk)| Gen {
                nps,
                csat,
                effort,
                ok,
                unit,
                touchpoint,
                channel,
                at,
                bulk,
            },
        )
}

struct World {
    _db: TestDatabase,
    store: Store,
    org: i64,
    units: [Option<i64>; 3],
    touchpoint: i64,
    channel: i64,
    def: SurveyDefinition,
    rt: tokio::runtime::Runtime,
}

fn world() -> World {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (db, store, org, units, touchpoint, channel) = rt.block_on(async {
        let db = TestDatabase::new().await;
        let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();
        let org = store.create_org("acme", "Acme").await.unwrap();
        let unit = |id: &str, parent: Option<&str>| UnitRecord {
            external_id: ExternalId::parse(id).unwrap(),
            name: id.into(),
            parent: parent.map(|p| ExternalId::parse(p).unwrap()),
            office: Office::Front,
        };
        let recs = vec![unit("A", None), unit("B", Some("A"))];
        store.import_units(org.id, &recs).await.unwrap();
        let units = store.units(org.id).await.unwrap();
        let id = |k: &str| units.iter().find(|u| u.external_id == k).unwrap().id;
        let channel = store
            .upsert_channel(org.id, "phone", "Phone", "phone")
            .await
            .unwrap();
        let touchpoint = store
            .upsert_touchpoint(org.id, "call", "Call", id("A"), Some(channel))
            .await
            .unwrap();
        (
            db,
            store,
            org.id,
            [None, Some(id("A")), Some(id("B"))],
            touchpoint,
            channel,
        )
    });
    let def = parse_survey_file(SURVEY.as_bytes(), FileFormat::Yaml)
        .unwrap()
        .definition;
    World {
        _db: db,
        store,
        org,
        units,
        touchpoint,
        channel,
        def,
        rt,
    }
}

const START: i64 = 1_735_689_600; // 2025-01-01T00:00:00Z

fn new_response(w: &World, survey: i64, version: i64, g: &Gen) -> NewResponse {
    let mut raw = serde_json::Map::new();
    if let Some(v) = g.nps {
        raw.insert("nps".into(), v.into());
    }
    if let Some(v) = g.csat {
        raw.insert("csat".into(), v.into());
    }
    if let Some(v) = g.effort {
        raw.insert("effort".into(), v.into());
    }
    if let Some(v) = g.ok {
        raw.insert("ok".into(), v.into());
    }
    raw.insert("why".into(), "text is not counted".into());
    let answers = validate_answers(
        &w.def,
        &raw,
        Scope::All,
        &Default::default(),
        HiddenAnswers::Refuse,
    )
    .expect("generated answers are valid");
    NewResponse {
        org_id: w.org,
        survey_id: survey,
        version_id: version,
        uid: random_uuid(),
        submission_key: random_uuid(),
        request_hash: String::new(),
        invitation_id: None,
        lang: "nl".into(),
        unit_id: w.units[g.unit],
        touchpoint_id: g.touchpoint.then_some(w.touchpoint),
        channel_id: g.channel.then_some(w.channel),
        employee_id: None,
        contact_id: None,
        answers: answers.to_json(),
        facts: answer_facts(&w.def, &answers),
        submitted_at: (START + g.at) * 1000,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn aggregates_equal_a_recomputation(gens in proptest::collection::vec(generated(), 1..80)) {
        use std::sync::OnceLock;
        static WORLD: OnceLock<World> = OnceLock::new();
        static CASE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let w = WORLD.get_or_init(world);
        let case = CASE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        w.rt.block_on(async {
            let mut def = w.def.clone();
            def.key = tevreden_domain::SurveyKey::parse(&format!("s{case}")).unwrap();
            w.store.save_survey_draft(w.org, &def).await.unwrap();
            let (survey, version) = w.store.publish_survey(w.org, def.key.as_str()).await.unwrap();
            let rows: Vec<NewResponse> =
                gens.iter().map(|g| new_response(w, survey.id, version.id, g)).collect();
            let bulk: Vec<NewResponse> =
                rows.iter().zip(&gens).filter(|(_, g)| g.bulk).map(|(r, _)| r.clone()).collect();
            w.store.bulk_insert_responses(&bulk).await.unwrap();
            let mut tasks = tokio::task::JoinSet::new();
            for (r, _) in rows.into_iter().zip(&gens).filter(|(_, g)| !g.bulk) {
                let store = w.store.clone();
                tasks.spawn(async move { store.submit(r).await });
            }
            while let Some(r) = tasks.join_next().await {
                r.unwrap().unwrap();
            }

            // Counts straight from the generated answers: NPS per (month, unit, value).
            let tz = w.store.org_time_zone(w.org).await.unwrap();
            let mut expected: BTreeMap<(i32, i64, i64), i64> = BTreeMap::new();
            for g in &gens {
                if let Some(v) = g.nps {
                    let month = month_of(local_day((START + g.at) * 1000, &tz));
                    *expected.entry((month, w.units[g.unit].unwrap_or(0), v)).or_insert(0) += 1;
                }
            }
            let rows = w.store
                .histogram_rows(survey.id, "nps", Grain::Month, i32::MIN, i32::MAX, None, None)
                .await
                .unwrap();
            let mut got: BTreeMap<(i32, i64, i64), i64> = BTreeMap::new();
            for r in rows {
                *got.entry((r.period, r.unit_id, r.value)).or_insert(0) += r.n;
            }
            assert_eq!(got, expected);
            // Every grain sums to the same total.
            for grain in Grain::ALL {
                let total: i64 = w.store
                    .histogram_rows(survey.id, "csat", grain, i32::MIN, i32::MAX, None, None)
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.n)
                    .sum();
                assert_eq!(total, gens.iter().filter(|g| g.csat.is_some()).count() as i64);
            }
            let checks = w.store.verify_rollups(Some(survey.id)).await.unwrap();
            assert_eq!(checks.len(), 1);
            assert_eq!(checks[0].responses, gens.len() as u64);
            assert!(checks[0].diff.is_empty(), "{:?}", checks[0].diff);
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_reports_drift_and_rebuild_repairs_it() {
    let w = tokio::task::spawn_blocking(world).await.unwrap();
    let store = w.store.clone();
    store.save_survey_draft(w.org, &w.def).await.unwrap();
    let (survey, version) = store.publish_survey(w.org, "s").await.unwrap();
    let gens: Vec<Gen> = (0..20)
        .map(|i| Gen {
            nps: Some(i % 11),
            csat: Some(1 + i % 5),
            effort: None,
            ok: Some(i % 2 == 0),
            unit: (i % 3) as usize,
            touchpoint: i % 2 == 0,
            channel: true,
            at: i * 86_400 * 7,
            bulk: false,
        })
        .collect();
    for g in &gens {
        store
            .submit(new_response(&w, survey.id, version.id, g))
            .await
            .unwrap();
    }
    assert!(store.verify_rollups(None).await.unwrap()[0].diff.is_empty());
    // Lose one count, as a bug or a hand edit would.
    let changed = execute_sql(
        &store,
        "UPDATE agg_counts SET n = n + 1 WHERE question = 'nps' AND grain = 2 AND value = 3 AND unit_id = 0",
    )
    .await
    .unwrap();
    assert_eq!(changed, 1);
    let checks = store.verify_rollups(Some(survey.id)).await.unwrap();
    assert_eq!(checks[0].diff.counts.len(), 1);
    let (key, stored, recomputed) = &checks[0].diff.counts[0];
    assert_eq!(
        (key.question.as_str(), key.value, *stored, *recomputed),
        ("nps", 3, 2, 1)
    );
    assert_eq!(store.rebuild_rollup(survey.id).await.unwrap(), 20);
    assert!(store.verify_rollups(None).await.unwrap()[0].diff.is_empty());
    drop(store);
    tokio::task::spawn_blocking(move || drop(w)).await.unwrap();
}
