//! Aggregates against recomputation: random responses go in through the group-commit writer
//! and the bulk path; the stored histograms must equal counts taken straight from the
//! generated answers, and `verify_rollups` must find nothing to report. Runs on the engine
//! chosen by `TEVREDEN_TEST_DATABASE_URL`.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tevreden_domain::ExternalId;
use tevreden_domain::import::{ContactRecord, Office, UnitRecord};
use tevreden_domain::rollup::{Grain, answer_facts, local_day, month_of};
use tevreden_domain::survey::{
    FileFormat, HiddenAnswers, Scope, SurveyDefinition, parse_survey_file, validate_answers,
};
use tevreden_storage::testing::{TestDatabase, execute_sql};
use tevreden_storage::{
    HistogramAsk, HistogramSplit, NewResponse, Store, StoreOptions, random_uuid,
};

/// The generated contacts' kept attributes (see [`World::contacts`]).
const CONTACT_ATTRIBUTES: [&[(&str, &str)]; 4] = [
    &[],
    &[("segment", "zakelijk"), ("region", "noord")],
    &[("segment", "particulier")],
    &[("region", "zuid")],
];

/// NPS per (month, value) in the attribute histograms of one attribute value.
async fn attribute_months(
    store: &Store,
    survey_id: i64,
    (key, value): (&str, &str),
) -> BTreeMap<(i32, i64), i64> {
    let ask = HistogramAsk {
        survey_id,
        question: "nps",
        grain: Grain::Month,
        from: i32::MIN,
        to: i32::MAX,
        units: None,
        or_touchpoints: None,
        touchpoint: None,
        channel: None,
        attribute: Some((key, value)),
        split: HistogramSplit::Period,
    };
    store
        .histogram_sums(&ask)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.n != 0)
        .map(|s| ((s.key as i32, s.value), s.n))
        .collect()
}

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
    /// 0: no contact; else one of the world's three contacts.
    contact: usize,
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
        0..4usize,
    )
        .prop_map(
            |(nps, csat, effort, ok, unit, touchpoint, channel, at, bulk, contact)| Gen {
                nps,
                csat,
                effort,
                ok,
                unit,
                touchpoint,
                channel,
                at,
                bulk,
                contact,
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
    /// None, then C1 {segment: zakelijk, region: noord}, C2 {segment: particulier},
    /// C3 {region: zuid}.
    contacts: [Option<i64>; 4],
    def: SurveyDefinition,
    rt: tokio::runtime::Runtime,
}

impl World {
    /// Saves and publishes the world's survey `s`.
    async fn publish(&self) -> (tevreden_storage::Survey, tevreden_storage::SurveyVersion) {
        let cli = &tevreden_storage::Actor::Cli;
        self.store
            .save_survey_draft(self.org, &self.def, (cli, None))
            .await
            .unwrap();
        self.store.publish_survey(self.org, "s", cli).await.unwrap()
    }
}

fn world() -> World {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (db, store, org, units, touchpoint, channel, contacts) = rt.block_on(async {
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
            .save_channel(
                org.id,
                "phone",
                "Phone",
                "phone",
                &tevreden_storage::Actor::Cli,
            )
            .await
            .unwrap()
            .0
            .id;
        let touchpoint = store
            .save_touchpoint(
                org.id,
                "call",
                "Call",
                id("A"),
                Some(channel),
                &tevreden_storage::Actor::Cli,
            )
            .await
            .unwrap()
            .0
            .id;
        let contact = |id: &str, attrs: &[(&str, &str)]| ContactRecord {
            external_id: ExternalId::parse(id).unwrap(),
            email: None,
            name: None,
            lang: None,
            attributes: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        store
            .import_contacts(
                org.id,
                &[
                    contact("C1", &[("segment", "zakelijk"), ("region", "noord")]),
                    contact("C2", &[("segment", "particulier")]),
                    contact("C3", &[("region", "zuid")]),
                ],
            )
            .await
            .unwrap();
        let cid = |k: &str| {
            let store = store.clone();
            let k = k.to_string();
            async move { Some(store.contact(org.id, &k).await.unwrap().id) }
        };
        let contacts = [None, cid("C1").await, cid("C2").await, cid("C3").await];
        store
            .set_kept_attributes(
                org.id,
                &["segment".into(), "region".into()],
                &tevreden_storage::Actor::Cli,
            )
            .await
            .unwrap();
        (
            db,
            store,
            org.id,
            [None, Some(id("A")), Some(id("B"))],
            touchpoint,
            channel,
            contacts,
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
        contacts,
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
        contact_id: w.contacts[g.contact],
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
            w.store.save_survey_draft(w.org, &def, (&tevreden_storage::Actor::Cli, None)).await.unwrap();
            let (survey, version) = w.store.publish_survey(w.org, def.key.as_str(), &tevreden_storage::Actor::Cli).await.unwrap();
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
            // The attribute histograms: NPS per (month, value) of each attribute value.
            for (key, value) in [("segment", "zakelijk"), ("segment", "particulier"), ("region", "noord"), ("region", "zuid")] {
                let mut expected: BTreeMap<(i32, i64), i64> = BTreeMap::new();
                for g in &gens {
                    if let Some(v) = g.nps
                        && CONTACT_ATTRIBUTES[g.contact].contains(&(key, value))
                    {
                        let month = month_of(local_day((START + g.at) * 1000, &tz));
                        *expected.entry((month, v)).or_insert(0) += 1;
                    }
                }
                assert_eq!(attribute_months(&w.store, survey.id, (key, value)).await, expected, "{key}:{value}");
            }
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
    let (survey, version) = w.publish().await;
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
            contact: 0,
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

/// NPS answers per value in a raw-response read with an attribute filter.
async fn raw_nps_count(store: &Store, survey_id: i64, attribute: (&str, &str)) -> usize {
    let filter = tevreden_storage::ResponseFilter {
        attribute: Some(attribute),
        ..Default::default()
    };
    let (rows, _) = store.raw_rows(survey_id, &filter, 0, 10_000).await.unwrap();
    rows.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_attributes_follow_the_choice_the_snapshot_and_erasure() {
    let w = tokio::task::spawn_blocking(world).await.unwrap();
    let store = w.store.clone();
    let (survey, version) = w.publish().await;
    // 30 responses: contacts 0..3 in turn, every third through the bulk path.
    let gens: Vec<Gen> = (0..30)
        .map(|i| Gen {
            nps: Some(i % 11),
            csat: None,
            effort: None,
            ok: None,
            unit: (i % 3) as usize,
            touchpoint: false,
            channel: false,
            at: i * 86_400 * 3,
            bulk: i % 3 == 0,
            contact: (i % 4) as usize,
        })
        .collect();
    let bulk: Vec<NewResponse> = gens
        .iter()
        .filter(|g| g.bulk)
        .map(|g| new_response(&w, survey.id, version.id, g))
        .collect();
    store.bulk_insert_responses(&bulk).await.unwrap();
    for g in gens.iter().filter(|g| !g.bulk) {
        store
            .submit(new_response(&w, survey.id, version.id, g))
            .await
            .unwrap();
    }
    let with = |c: usize| gens.iter().filter(|g| g.contact == c).count() as i64;
    let total = |m: BTreeMap<(i32, i64), i64>| m.values().sum::<i64>();
    let zakelijk = ("segment", "zakelijk");
    let noord = ("region", "noord");
    assert_eq!(
        total(attribute_months(&store, survey.id, zakelijk).await),
        with(1)
    );
    assert_eq!(
        raw_nps_count(&store, survey.id, zakelijk).await as i64,
        with(1)
    );
    let clean = |checks: Vec<tevreden_storage::RollupCheck>| checks[0].diff.is_empty();
    assert!(clean(store.verify_rollups(Some(survey.id)).await.unwrap()));

    // A later import that moves C1 to another segment leaves its earlier answers where they
    // were, in the aggregates and in raw reads alike.
    let moved = ContactRecord {
        external_id: ExternalId::parse("C1").unwrap(),
        email: None,
        name: None,
        lang: None,
        attributes: [("segment".to_string(), "particulier".to_string())].into(),
    };
    store.import_contacts(w.org, &[moved]).await.unwrap();
    assert_eq!(
        total(attribute_months(&store, survey.id, zakelijk).await),
        with(1)
    );
    assert_eq!(
        raw_nps_count(&store, survey.id, zakelijk).await as i64,
        with(1)
    );
    assert!(clean(store.verify_rollups(Some(survey.id)).await.unwrap()));

    // Keeping only the region recounts: no segment cells are left, the regions are complete.
    let n = store
        .set_kept_attributes(w.org, &["region".into()], &tevreden_storage::Actor::Cli)
        .await
        .unwrap();
    assert_eq!(n.recounted, 0, "dropping an attribute counts nothing");
    assert_eq!(n.recounting, None);
    assert_eq!(n.kept, ["region"]);
    assert!(
        attribute_months(&store, survey.id, zakelijk)
            .await
            .is_empty()
    );
    assert_eq!(
        total(attribute_months(&store, survey.id, noord).await),
        with(1)
    );
    assert_eq!(
        total(attribute_months(&store, survey.id, ("region", "zuid")).await),
        with(3)
    );
    assert!(clean(store.verify_rollups(Some(survey.id)).await.unwrap()));

    // Erasing C1 takes its attributes off its responses and out of the aggregates.
    store
        .delete_contact(w.org, "C1", &tevreden_storage::Actor::Cli)
        .await
        .unwrap();
    assert!(attribute_months(&store, survey.id, noord).await.is_empty());
    assert_eq!(raw_nps_count(&store, survey.id, noord).await, 0);
    assert!(clean(store.verify_rollups(Some(survey.id)).await.unwrap()));
    let (all, _) = store
        .raw_rows(survey.id, &Default::default(), 0, 10_000)
        .await
        .unwrap();
    assert_eq!(all.len(), 30, "the responses themselves stay");
    drop(store);
    tokio::task::spawn_blocking(move || drop(w)).await.unwrap();
}

/// `verify` compares chunk by chunk (here one month each, by a limit of 40 responses): it
/// agrees with a single chunk, and finds a tampered week cell whose week straddles two chunks,
/// missing attribute and moment cells, and a response whose cells are all gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_in_chunks_finds_a_tampered_cell_and_missing_ones() {
    use tevreden_storage::{VerifyLimits, VerifyProgress};
    let w = tokio::task::spawn_blocking(world).await.unwrap();
    let store = w.store.clone();
    let (survey, version) = w.publish().await;
    // 400 responses about 25 hours apart from 2025-01-01, and one on 2031-01-01
    let mut gens: Vec<Gen> = (0..400)
        .map(|i| Gen {
            nps: Some(i % 11),
            csat: Some(1 + i % 5),
            effort: Some(1 + i % 7),
            ok: Some(i % 2 == 0),
            unit: (i % 3) as usize,
            touchpoint: i % 2 == 0,
            channel: true,
            at: i * 90_000,
            bulk: true,
            contact: (i % 4) as usize,
        })
        .collect();
    let far = Gen {
        at: 1_924_992_000 - START,
        ..gens[1].clone()
    };
    gens.push(far);
    let rows: Vec<NewResponse> = gens
        .iter()
        .map(|g| new_response(&w, survey.id, version.id, g))
        .collect();
    store.bulk_insert_responses(&rows).await.unwrap();
    let small = VerifyLimits {
        cells: usize::MAX,
        responses: 40,
    };
    let check = |limits: VerifyLimits| {
        let store = store.clone();
        async move {
            let seen = std::sync::Mutex::new(Vec::new());
            let c = store
                .verify_rollup_with_progress(survey.id, "s".into(), limits, &|p: VerifyProgress| {
                    seen.lock().unwrap().push(p)
                })
                .await
                .unwrap();
            let seen = seen.into_inner().unwrap();
            let last = *seen.last().unwrap();
            assert_eq!(last.chunks_done, last.chunks);
            assert_eq!(last.responses, c.responses);
            (c, last.chunks)
        }
    };
    let (one, chunks) = check(VerifyLimits::default()).await;
    assert_eq!(chunks, 1);
    assert!(one.matches(), "{:?}", one.differing);
    let (many, chunks) = check(small).await;
    assert!(chunks >= 14, "{chunks} chunks");
    assert!(many.matches(), "{:?}", many.differing);
    assert_eq!(many.responses, 401);

    // Tamper with a week cell of the week of Monday 2025-03-31 … Sunday 2025-04-06.
    let week =
        tevreden_domain::rollup::week_of(local_day(1_743_379_200_000, &jiff::tz::TimeZone::UTC));
    let cell = store
        .histogram_rows(survey.id, "nps", Grain::Week, week, week, None, None)
        .await
        .unwrap()[0];
    let changed = execute_sql(
        &store,
        &format!(
            "UPDATE agg_counts SET n = n + 1 WHERE survey_id = {} AND question = 'nps' AND grain = 1 \
             AND period = {week} AND unit_id = {} AND touchpoint_id = {} AND channel_id = {} AND value = {}",
            survey.id, cell.unit_id, cell.touchpoint_id, cell.channel_id, cell.value
        ),
    )
    .await
    .unwrap();
    assert_eq!(changed, 1);
    // Lose the attribute cells of one month and the response counts of one day.
    let march = month_of(local_day(1_741_000_000_000, &jiff::tz::TimeZone::UTC));
    let attr_lost = execute_sql(
        &store,
        &format!(
            "DELETE FROM agg_attr_counts WHERE survey_id = {} AND attribute = 'segment' AND grain = 2 AND period = {march}",
            survey.id
        ),
    )
    .await
    .unwrap() as usize;
    assert!(attr_lost > 0);
    let day = local_day((START + 200 * 90_000) * 1000, &jiff::tz::TimeZone::UTC);
    let moments_lost = execute_sql(
        &store,
        &format!(
            "DELETE FROM agg_moments WHERE survey_id = {} AND grain = 0 AND period = {day} AND i = -1",
            survey.id
        ),
    )
    .await
    .unwrap() as usize;
    assert!(moments_lost > 0);
    // Lose every cell of the response of 2031.
    let far_day = local_day(1_924_992_000_000, &jiff::tz::TimeZone::UTC);
    let mut far_lost = 0;
    let moment_grains = tevreden_domain::rollup::MOMENT_GRAINS;
    for (table, grains) in [
        ("agg_counts", &Grain::ALL[..]),
        ("agg_attr_counts", &Grain::ALL[..]),
        ("agg_moments", &moment_grains[..]),
    ] {
        for &grain in grains {
            let period = grain.period_of(far_day);
            let n = execute_sql(
                &store,
                &format!(
                    "DELETE FROM {table} WHERE survey_id = {} AND grain = {} AND period = {period}",
                    survey.id,
                    grain.code()
                ),
            )
            .await
            .unwrap() as usize;
            assert!(n > 0, "{table} {grain:?}");
            far_lost += n;
        }
    }
    for limits in [VerifyLimits::default(), small] {
        let (c, _) = check(limits).await;
        assert!(!c.matches());
        let n = c.differing;
        assert_eq!(
            n.total(),
            1 + attr_lost + moments_lost + far_lost,
            "{limits:?}"
        );
        let tampered: Vec<_> = c
            .diff
            .counts
            .iter()
            .filter(|(_, stored, recomputed)| *stored == *recomputed + 1)
            .map(|(k, _, _)| (k.grain, k.period, k.value))
            .collect();
        assert_eq!(tampered, [(Grain::Week, week, cell.value)], "{limits:?}");
        assert!(c.diff.attr_counts.iter().all(|(_, stored, _)| *stored == 0));
        assert!(c.diff.moments.iter().all(|(_, stored, _)| *stored == 0));
        assert_eq!(c.responses, 401);
    }
    assert_eq!(store.rebuild_rollup(survey.id).await.unwrap(), 401);
    assert!(check(small).await.0.matches());
    drop(store);
    tokio::task::spawn_blocking(move || drop(w)).await.unwrap();
}

/// Adding a kept attribute over more responses than one chunk: the chunks run one at a time
/// while responses keep arriving through the writer and the bulk path; after every step the
/// aggregates equal a recomputation (which counts the new attribute up to the cursor), results
/// keep reading the new attribute from the raw responses, and a restart resumes the recount.
/// At the end the attribute is kept and its histograms are complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_kept_attribute_is_recounted_in_chunks_while_responses_arrive() {
    let w = tokio::task::spawn_blocking(world).await.unwrap();
    let mut store = w.store.clone();
    let (survey, version) = w.publish().await;
    store
        .set_kept_attributes(w.org, &["region".into()], &tevreden_storage::Actor::Cli)
        .await
        .unwrap();
    let generate = |i: i64| Gen {
        nps: Some(i % 11),
        csat: None,
        effort: None,
        ok: None,
        unit: (i % 3) as usize,
        touchpoint: false,
        channel: false,
        at: (i % 400) * 86_400,
        bulk: false,
        contact: (i % 4) as usize,
    };
    // 6,000 responses, three quarters from contacts: several chunks to count
    let mut gens: Vec<Gen> = (0..6_000).map(generate).collect();
    let rows: Vec<NewResponse> = gens
        .iter()
        .map(|g| new_response(&w, survey.id, version.id, g))
        .collect();
    store.bulk_insert_responses(&rows).await.unwrap();
    let zakelijk = ("segment", "zakelijk");
    let expected = |gens: &[Gen]| -> i64 {
        gens.iter()
            .filter(|g| CONTACT_ATTRIBUTES[g.contact].contains(&zakelijk))
            .count() as i64
    };
    let total = |m: BTreeMap<(i32, i64), i64>| m.values().sum::<i64>();
    let clean = |checks: Vec<tevreden_storage::RollupCheck>| checks[0].diff.is_empty();

    // one chunk before the answer
    let change = store
        .set_kept_attributes_counting(
            w.org,
            &["region".into(), "segment".into()],
            &tevreden_storage::Actor::Cli,
            std::time::Duration::ZERO,
        )
        .await
        .unwrap();
    assert_eq!(change.recounted as i64, tevreden_storage::RECOUNT_CHUNK);
    assert_eq!(change.kept, ["region"], "segment is not complete yet");
    let status = change.recounting.expect("still recounting");
    assert_eq!(status.adding, ["segment"]);
    assert!(status.percent() > 0 && status.percent() < 100, "{status:?}");
    assert_eq!(
        store.survey_kept_attributes(survey.id).await.unwrap(),
        ["region"]
    );
    assert!(clean(store.verify_rollups(Some(survey.id)).await.unwrap()));

    let mut i = 6_000;
    let mut steps = 0;
    loop {
        // responses through the writer and the bulk path between two chunks
        let mut more: Vec<Gen> = (i..i + 40).map(generate).collect();
        for g in &mut more[..20] {
            g.bulk = true;
        }
        let bulk: Vec<NewResponse> = more[..20]
            .iter()
            .map(|g| new_response(&w, survey.id, version.id, g))
            .collect();
        store.bulk_insert_responses(&bulk).await.unwrap();
        for g in &more[20..] {
            store
                .submit(new_response(&w, survey.id, version.id, g))
                .await
                .unwrap();
        }
        i += 40;
        gens.extend(more);
        assert!(clean(store.verify_rollups(Some(survey.id)).await.unwrap()));
        // the results read segment from the raw responses meanwhile: complete
        assert_eq!(
            raw_nps_count(&store, survey.id, zakelijk).await as i64,
            expected(&gens)
        );
        if steps == 1 {
            // a restart in the middle: the recount goes on from its cursor
            let url = w._db.url.clone();
            store.close().await;
            store = Store::open(&url, StoreOptions::default()).await.unwrap();
            assert!(store.attribute_recount(w.org).await.unwrap().is_some());
        }
        let (_, done) = store
            .recount_org(w.org, Some(std::time::Duration::ZERO))
            .await
            .unwrap();
        steps += 1;
        if done {
            break;
        }
        assert!(
            steps < 4_500 / tevreden_storage::RECOUNT_CHUNK + 3,
            "the recount does not end"
        );
    }
    assert!(steps >= 2, "counted in several chunks ({steps})");
    assert_eq!(store.attribute_recount(w.org).await.unwrap(), None);
    assert_eq!(
        store.kept_attributes(w.org).await.unwrap(),
        ["region", "segment"]
    );
    assert_eq!(
        total(attribute_months(&store, survey.id, zakelijk).await),
        expected(&gens)
    );
    assert!(clean(store.verify_rollups(Some(survey.id)).await.unwrap()));
    // and responses after the switch count for both
    store
        .submit(new_response(&w, survey.id, version.id, &generate(1)))
        .await
        .unwrap();
    gens.push(generate(1));
    assert_eq!(
        total(attribute_months(&store, survey.id, zakelijk).await),
        expected(&gens)
    );
    assert!(clean(store.verify_rollups(Some(survey.id)).await.unwrap()));

    // Choosing again while a recount runs: the same addition continues, another starts over.
    let change = store
        .set_kept_attributes_counting(
            w.org,
            &["segment".into()],
            &tevreden_storage::Actor::Cli,
            std::time::Duration::ZERO,
        )
        .await
        .unwrap();
    assert_eq!(
        (change.kept.clone(), change.recounting),
        (vec!["segment".to_string()], None)
    );
    // region's rows are still being deleted: verify leaves them out, nothing reads them
    assert!(store.attribute_recount(w.org).await.unwrap().is_none());
    assert!(clean(store.verify_rollups(Some(survey.id)).await.unwrap()));
    let change = store
        .set_kept_attributes_counting(
            w.org,
            &["segment".into(), "region".into()],
            &tevreden_storage::Actor::Cli,
            std::time::Duration::ZERO,
        )
        .await
        .unwrap();
    assert!(change.recounting.is_some());
    let change = store
        .set_kept_attributes_counting(
            w.org,
            &["region".into(), "segment".into()],
            &tevreden_storage::Actor::Cli,
            std::time::Duration::ZERO,
        )
        .await
        .unwrap();
    // the same addition again: it goes on (after deleting region's old rows first)
    assert!(change.recounting.is_some());
    assert!(clean(store.verify_rollups(Some(survey.id)).await.unwrap()));
    // the background task finishes it
    store.start_recounts();
    for _ in 0..200 {
        if store.attribute_recount(w.org).await.unwrap().is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        store.kept_attributes(w.org).await.unwrap(),
        ["region", "segment"]
    );
    assert!(clean(store.verify_rollups(Some(survey.id)).await.unwrap()));
    store.close().await;
    drop(store);
    tokio::task::spawn_blocking(move || drop(w)).await.unwrap();
}
