//! `tevreden bench dashboard`: fills a fresh database with a generated organisation and
//! N responses over 24 months through the bulk path (responses and aggregates in the same
//! transactions), then measures the dashboard's heaviest questions through the HTTP API of a
//! server started as a child process: p50/p99 over many requests by one client.
//!
//! With `--baseline` (default 100,000 when N is larger) the same is done first at the small
//! size, so the table shows how the time grows with the data (the aim: at most 2×).

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tevreden_domain::ExternalId;
use tevreden_domain::import::{ContactRecord, Office, UnitRecord};
use tevreden_domain::rollup::AnswerFacts;
use tevreden_domain::survey::{FileFormat, parse_survey_file};
use tevreden_storage::{DatabaseUrl, NewResponse, Store, StoreOptions, random_uuid};

use super::{bench_database, connect, get_with_cookie, percentile, send, spawn_server};

const SURVEY: &str = r#"key: bench
title: {nl: Na contact, en: After contact}
languages: [nl, en]
questions:
  - {id: nps, type: nps, text: {nl: Aanbevelen?, en: Recommend?}}
  - {id: csat, type: rating, scale: {min: 1, max: 5}, text: {nl: Tevreden?, en: Satisfied?}}
  - {id: effort, type: rating, scale: {min: 1, max: 7}, text: {nl: Makkelijk?, en: Easy?}}
  - {id: wait, type: rating, scale: {min: 1, max: 5}, text: {nl: Wachttijd, en: Waiting time}}
  - {id: expertise, type: rating, scale: {min: 1, max: 5}, text: {nl: Deskundigheid, en: Expertise}}
  - {id: kindness, type: rating, scale: {min: 1, max: 5}, text: {nl: Vriendelijkheid, en: Friendliness}}
  - {id: solved, type: rating, scale: {min: 1, max: 5}, text: {nl: Opgelost, en: Solved}}
  - {id: clarity, type: rating, scale: {min: 1, max: 5}, text: {nl: Duidelijkheid, en: Clarity}}
  - {id: answered, type: yesno, text: {nl: Beantwoord?, en: Answered?}}
"#;

const DRIVERS: [&str; 5] = ["wait", "expertise", "kindness", "solved", "clarity"];
const CHANNELS: [&str; 4] = ["phone", "email", "chat", "web"];
const DEPARTMENTS: usize = 6;
const TEAMS_PER_DEPARTMENT: usize = 4;
/// Responses per bulk transaction.
const CHUNK: usize = 50_000;
/// 2024-11-01 and 2026-10-31 (UTC midnight) in epoch milliseconds: the 24 months filled.
const START_MS: i64 = 1_730_419_200_000;
const END_MS: i64 = 1_793_404_800_000;

/// What the generator needs to know of the organisation.
#[derive(Clone)]
pub(super) struct Shape {
    pub(super) org_id: i64,
    pub(super) survey_id: i64,
    version_id: i64,
    teams: Vec<Team>,
    /// Contact ids; the organisation keeps their `segment` in the aggregates.
    contacts: Vec<i64>,
}

/// The contacts' segments, and the share of responses that name a contact.
const SEGMENTS: [&str; 3] = ["particulier", "zakelijk", "mkb"];
const REGIONS: [&str; 4] = ["noord", "oost", "zuid", "west"];
const CONTACT_SHARE: f64 = 0.4;

/// The share of generated responses that come from a contact (with segment and region).
pub(super) fn contact_share() -> f64 {
    CONTACT_SHARE
}

/// A team: its unit id, its touchpoints as (touchpoint id, channel id), its base satisfaction.
type Team = (i64, Vec<(i64, i64)>, f64);

/// Creates the organisation, its contacts and the survey; with `kept`, the organisation keeps
/// the contacts' segment in the aggregates from the start.
pub(super) async fn setup(store: &Store, kept: bool) -> Result<Shape, String> {
    let e = |e: tevreden_storage::StoreError| e.to_string();
    let org = store
        .create_org("bench", "Bench Energie")
        .await
        .map_err(e)?;
    let id = |s: &str| ExternalId::parse(s).map_err(|e| e.0);
    let mut units = Vec::new();
    for d in 0..DEPARTMENTS {
        units.push(UnitRecord {
            external_id: id(&format!("D{d}"))?,
            name: format!("Afdeling {d}"),
            parent: None,
            office: if d < 4 { Office::Front } else { Office::Back },
        });
        for t in 0..TEAMS_PER_DEPARTMENT {
            units.push(UnitRecord {
                external_id: id(&format!("D{d}-T{t}"))?,
                name: format!("Team {d}.{t}"),
                parent: Some(id(&format!("D{d}"))?),
                office: if d < 4 { Office::Front } else { Office::Back },
            });
        }
    }
    store.import_units(org.id, &units).await.map_err(e)?;
    let mut channel_ids = Vec::new();
    for c in CHANNELS {
        let (channel, _) = store
            .save_channel(org.id, c, c, c, &tevreden_storage::Actor::Cli)
            .await
            .map_err(e)?;
        channel_ids.push(channel.id);
    }
    let stored = store.units(org.id).await.map_err(e)?;
    let mut teams = Vec::new();
    let mut rng = StdRng::seed_from_u64(7);
    for u in stored.iter().filter(|u| u.external_id.contains("-T")) {
        let mut tps = Vec::new();
        for k in 0..2 {
            let ch = channel_ids[(tps.len() + u.id as usize + k) % CHANNELS.len()];
            let tp = store
                .save_touchpoint(
                    org.id,
                    &format!("{}-{k}", u.external_id),
                    &u.name,
                    u.id,
                    Some(ch),
                    &tevreden_storage::Actor::Cli,
                )
                .await
                .map_err(e)?
                .0
                .id;
            tps.push((tp, ch));
        }
        teams.push((u.id, tps, 0.55 + 0.25 * rng.random::<f64>()));
    }
    let def = parse_survey_file(SURVEY.as_bytes(), FileFormat::Yaml)
        .map_err(|errs| format!("{errs:?}"))?
        .definition;
    store
        .save_survey_draft(org.id, &def, (&tevreden_storage::Actor::Cli, None))
        .await
        .map_err(e)?;
    let (survey, version) = store
        .publish_survey(org.id, "bench", &tevreden_storage::Actor::Cli)
        .await
        .map_err(e)?;
    let contacts: Vec<ContactRecord> = (0..2_000)
        .map(|i| {
            Ok(ContactRecord {
                external_id: id(&format!("C{i:05}"))?,
                email: None,
                name: None,
                lang: None,
                attributes: [
                    ("segment".to_string(), SEGMENTS[i % 3].to_string()),
                    ("region".to_string(), REGIONS[i % 4].to_string()),
                ]
                .into(),
            })
        })
        .collect::<Result<_, String>>()?;
    store.import_contacts(org.id, &contacts).await.map_err(e)?;
    if kept {
        store
            .set_kept_attributes(org.id, &["segment".into()], &tevreden_storage::Actor::Cli)
            .await
            .map_err(e)?;
    }
    Ok(Shape {
        org_id: org.id,
        survey_id: survey.id,
        version_id: version.id,
        teams,
        contacts: store.contact_ids(org.id).await.map_err(e)?,
    })
}

fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// One generated response, the `i`-th of `total` (in time order).
fn response(shape: &Shape, rng: &mut StdRng, i: usize, total: usize) -> NewResponse {
    let (unit, tps, base) = &shape.teams[rng.random_range(0..shape.teams.len())];
    let (tp, ch) = tps[rng.random_range(0..tps.len())];
    let s = (base + 0.18 * normal(rng)).clamp(0.0, 1.0);
    let on = |rng: &mut StdRng, lo: i64, hi: i64, w: f64| -> i64 {
        let x = (s + w * normal(rng)).clamp(0.0, 1.0);
        lo + ((hi - lo) as f64 * x).round() as i64
    };
    let drivers: Vec<i64> = [0.12, 0.2, 0.25, 0.15, 0.3]
        .iter()
        .map(|w| on(rng, 1, 5, *w))
        .collect();
    let nps = on(rng, 0, 10, 0.12);
    let csat = on(rng, 1, 5, 0.15);
    let effort = on(rng, 1, 7, 0.2);
    let answered = s > 0.35;
    let mut numeric: Vec<(String, i64)> = vec![
        ("csat".into(), csat),
        ("effort".into(), effort),
        ("nps".into(), nps),
    ];
    for (k, v) in DRIVERS.iter().zip(&drivers) {
        numeric.push(((*k).into(), *v));
    }
    numeric.sort();
    let mut counts = numeric.clone();
    counts.push(("answered".into(), i64::from(answered)));
    let answers = format!(
        "{{\"answered\":{answered},\"clarity\":{},\"csat\":{csat},\"effort\":{effort},\"expertise\":{},\"kindness\":{},\"nps\":{nps},\"solved\":{},\"wait\":{}}}",
        drivers[4], drivers[1], drivers[2], drivers[3], drivers[0]
    );
    let at = START_MS + ((END_MS - START_MS - 60_000) as f64 * (i as f64 / total as f64)) as i64;
    NewResponse {
        org_id: shape.org_id,
        survey_id: shape.survey_id,
        version_id: shape.version_id,
        uid: random_uuid(),
        submission_key: format!("bench:{i:012}"),
        request_hash: String::new(),
        invitation_id: None,
        lang: "nl".into(),
        unit_id: Some(*unit),
        touchpoint_id: Some(tp),
        channel_id: Some(ch),
        employee_id: None,
        contact_id: (rng.random::<f64>() < CONTACT_SHARE)
            .then(|| shape.contacts[rng.random_range(0..shape.contacts.len())]),
        answers,
        facts: AnswerFacts { counts, numeric },
        submitted_at: at + rng.random_range(0..60_000),
    }
}

/// Fills the database through the bulk path; returns responses per second.
pub(super) async fn fill(store: &Store, shape: &Shape, total: usize) -> Result<f64, String> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<NewResponse>>(3);
    // Written chunks go back to the generator's thread to be freed there: memory is freed
    // fastest by the thread that allocated it.
    let (done_tx, done_rx) = std::sync::mpsc::channel::<Vec<NewResponse>>();
    let gen_shape = shape.clone();
    let generator = std::thread::spawn(move || {
        let mut rng = StdRng::seed_from_u64(2026);
        let mut i = 0;
        let mut busy = std::time::Duration::ZERO;
        while i < total {
            while let Ok(written) = done_rx.try_recv() {
                drop(written);
            }
            let n = CHUNK.min(total - i);
            let started = Instant::now();
            let chunk: Vec<NewResponse> = (i..i + n)
                .map(|k| response(&gen_shape, &mut rng, k, total))
                .collect();
            busy += started.elapsed();
            if tx.blocking_send(chunk).is_err() {
                return busy;
            }
            i += n;
        }
        busy
    });
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "  filling {bar:30} {human_pos}/{human_len} responses ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut stored = 0;
    while let Some(chunk) = rx.recv().await {
        stored += chunk.len();
        // every part but the last commits without waiting for the disk; the last, durable
        // commit makes them all durable
        let written = if stored < total {
            store.bulk_insert_responses_deferred(&chunk).await
        } else {
            store.bulk_insert_responses(&chunk).await
        };
        written.map_err(|e| format!("bulk insert failed: {e}"))?;
        bar.inc(chunk.len() as u64);
        let _ = done_tx.send(chunk);
    }
    let secs = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let busy = generator.join().map_err(|_| "the generator panicked")?;
    eprintln!(
        "  (generating the responses took {:.1} s of the {secs:.1} s, on its own thread)",
        busy.as_secs_f64()
    );
    // after the timed fill, as a bulk load should end
    store
        .refresh_statistics()
        .await
        .map_err(|e| format!("ANALYZE failed: {e}"))?;
    Ok(total as f64 / secs)
}

/// The measured questions: (name, API path).
fn questions() -> Vec<(&'static str, String)> {
    let s = "/api/v1/surveys/bench";
    vec![
        (
            "organisation NPS, 12 months",
            format!("{s}/results?question=nps&from=2025-11-01&to=2026-10-31"),
        ),
        (
            "NPS per unit, 1 quarter, channel filter",
            format!(
                "{s}/results?question=nps&from=2026-07-01&to=2026-09-30&channel=phone&group_by=unit"
            ),
        ),
        (
            "24-month monthly trend + control limits",
            format!("{s}/results?question=nps&from=2024-11-01&to=2026-10-31&group_by=month"),
        ),
        (
            "NPS of one kept segment, 12 months",
            format!(
                "{s}/results?question=nps&from=2025-11-01&to=2026-10-31&attribute=segment:zakelijk"
            ),
        ),
        (
            "driver analysis, 5 drivers, 12 months",
            format!(
                "{s}/drivers?outcome=nps&drivers={}&from=2025-11-01&to=2026-10-31",
                DRIVERS.join(",")
            ),
        ),
    ]
}

struct Run {
    responses: usize,
    fill_rate: f64,
    /// (responses with contact attributes, seconds) of choosing two kept attributes.
    recount: (u64, f64),
    /// (p50, p99) in ms per question.
    times: Vec<(f64, f64)>,
}

async fn run_size(
    given: Option<&str>,
    responses: usize,
    requests: usize,
    verify: bool,
    kept_during_fill: bool,
) -> Result<Run, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (url, url_arg) = bench_database(given, &tmp, "bench-dashboard.db")?;
    if let DatabaseUrl::Postgres(_) = url {
        eprintln!("  note: the PostgreSQL database must be empty; it is filled anew");
    }
    let store = Store::open(&url, StoreOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let shape = setup(&store, kept_during_fill).await?;
    let fill_rate = fill(&store, &shape, responses).await?;
    if url.backend() == tevreden_storage::Backend::Postgres {
        store.analyze().await.map_err(|e| e.to_string())?;
    }
    if verify {
        let check = store
            .verify_rollup(shape.survey_id, "bench".into())
            .await
            .map_err(|e| e.to_string())?;
        if !check.matches() || check.responses != responses as u64 {
            return Err(format!(
                "the aggregates do not match the responses: {} cells differ",
                check.differing.total()
            ));
        }
        println!("  rollups verified against {responses} raw responses: they match");
    }
    // Choosing the kept attributes counts them: two seconds in the call, the rest in chunks
    // as the background task would (timed until the switch to the aggregates).
    let started = Instant::now();
    let change = store
        .set_kept_attributes(
            shape.org_id,
            &["segment".into(), "region".into()],
            &tevreden_storage::Actor::Cli,
        )
        .await
        .map_err(|e| e.to_string())?;
    let (rest, _) = store
        .recount_org(shape.org_id, None)
        .await
        .map_err(|e| e.to_string())?;
    let recounted = change.recounted + rest;
    let recount_secs = started.elapsed().as_secs_f64();
    let token = super::bench_token(&store, shape.org_id).await?;
    store.close().await;
    let (mut child, _pid, addr) = spawn_server(&url_arg).await?;
    let mut conn = connect(&addr).await?;
    let mut times = Vec::new();
    for (name, path) in questions() {
        let mut us: Vec<u32> = Vec::with_capacity(requests);
        for i in 0..requests + 5 {
            let start = Instant::now();
            let (status, _, body) =
                send(&mut conn, get_with_cookie(&addr, &path, "", Some(&token))).await?;
            let t = start.elapsed().as_micros().min(u32::MAX as u128) as u32;
            if status != 200 {
                return Err(format!(
                    "{name}: {path} answered {status}: {}",
                    String::from_utf8_lossy(&body)
                ));
            }
            if i >= 5 {
                us.push(t);
            }
        }
        us.sort_unstable();
        times.push((percentile(&us, 0.5), percentile(&us, 0.99)));
    }
    let _ = child.kill().await;
    if let DatabaseUrl::Postgres(_) = url {
        // Empty the server's database again: the next run fills it anew.
        let store = Store::open(&url, StoreOptions::default())
            .await
            .map_err(|e| e.to_string())?;
        store
            .delete_every_organisation()
            .await
            .map_err(|e| e.to_string())?;
        store.close().await;
    }
    Ok(Run {
        responses,
        fill_rate,
        recount: (recounted, recount_secs),
        times,
    })
}

/// How much to fill and ask.
pub struct Sizes {
    pub responses: usize,
    pub baseline: Option<usize>,
    pub requests: usize,
}

pub async fn run(
    database_url: Option<String>,
    sizes: Sizes,
    kept_during_fill: bool,
) -> Result<(), String> {
    let Sizes {
        responses,
        baseline,
        requests,
    } = sizes;
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: this is a debug build; run `cargo run --release -- bench dashboard` for real figures"
        );
    }
    let baseline = baseline.unwrap_or(if responses > 100_000 { 100_000 } else { 0 });
    let engine = match database_url.as_deref() {
        Some(u) => DatabaseUrl::parse(u)?.redacted(),
        None => "SQLite (a fresh file)".into(),
    };
    println!(
        "tevreden bench dashboard: {engine}; {DEPARTMENTS} departments, {} teams, {} channels, 24 months; {requests} requests per question, one client",
        DEPARTMENTS * TEAMS_PER_DEPARTMENT,
        CHANNELS.len()
    );
    println!(
        "  {:.0} % of responses from 2,000 contacts with a segment and a region; the segment kept in the aggregates {}",
        CONTACT_SHARE * 100.0,
        if kept_during_fill {
            "during the fill"
        } else {
            "after it (recounted, timed)"
        }
    );
    let mut runs = Vec::new();
    if baseline > 0 && baseline < responses {
        println!("filling {baseline} responses (baseline) …");
        runs.push(
            run_size(
                database_url.as_deref(),
                baseline,
                requests,
                true,
                kept_during_fill,
            )
            .await?,
        );
    }
    println!("filling {responses} responses …");
    runs.push(
        run_size(
            database_url.as_deref(),
            responses,
            requests,
            responses <= 1_000_000,
            kept_during_fill,
        )
        .await?,
    );
    println!();
    for r in &runs {
        println!(
            "bulk fill of {} responses: {:.0} responses/s (responses and aggregates, one transaction per {CHUNK})",
            r.responses, r.fill_rate
        );
        println!(
            "  keeping two contact attributes recounted {} responses in {:.1} s",
            r.recount.0, r.recount.1
        );
    }
    println!();
    let last = runs.last().expect("one run");
    let first = runs.first().expect("one run");
    let compare = runs.len() > 1;
    if compare {
        println!(
            "| question                                 | p50 @{:>9} | p99 @{:>9} | p50 @{:>10} | p99 @{:>10} | p50 ratio |",
            first.responses, first.responses, last.responses, last.responses
        );
        println!(
            "|------------------------------------------|---------------|---------------|----------------|----------------|-----------|"
        );
    } else {
        println!("| question                                 | p50 (ms) | p99 (ms) |");
        println!("|------------------------------------------|----------|----------|");
    }
    for (i, (name, _)) in questions().iter().enumerate() {
        let (p50, p99) = last.times[i];
        if compare {
            let (b50, b99) = first.times[i];
            println!(
                "| {name:<40} | {b50:>10.2} ms | {b99:>10.2} ms | {p50:>11.2} ms | {p99:>11.2} ms | {:>8.2}× |",
                p50 / b50.max(0.001)
            );
        } else {
            println!("| {name:<40} | {p50:>8.2} | {p99:>8.2} |");
        }
    }
    Ok(())
}
