//! How fast the ingest writer commits when nothing else competes for the CPU:
//! `cargo run --release -p tevreden-storage --example writer_capacity`.
use std::time::Instant;

use tevreden_domain::rollup::AnswerFacts;
use tevreden_domain::survey::{FileFormat, parse_survey_file};
use tevreden_storage::testing::TestDatabase;
use tevreden_storage::{NewResponse, Store, StoreOptions, random_uuid, time_ordered_token};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    let org = store.create_org("w", "W").await.unwrap();
    let def = parse_survey_file(
        tevreden_domain::templates::MINIMAL_EXAMPLE.as_bytes(),
        FileFormat::Yaml,
    )
    .unwrap()
    .definition;
    store
        .save_survey_draft(org.id, &def, (&tevreden_storage::Actor::Cli, None))
        .await
        .unwrap();
    let (survey, version) = store
        .publish_survey(org.id, "after-call", &tevreden_storage::Actor::Cli)
        .await
        .unwrap();
    for concurrency in [1usize, 20, 64] {
        let n = 40_000;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..concurrency {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..n / concurrency {
                    let r = NewResponse {
                        org_id: org.id,
                        survey_id: survey.id,
                        version_id: version.id,
                        uid: random_uuid(),
                        submission_key: format!("form:{}", time_ordered_token()),
                        request_hash: String::new(),
                        invitation_id: None,
                        lang: "nl".into(),
                        unit_id: None,
                        touchpoint_id: None,
                        channel_id: None,
                        employee_id: None,
                        contact_id: None,
                        answers: r#"{"answered":true,"effort":6,"nps":9}"#.into(),
                        facts: AnswerFacts {
                            counts: vec![
                                ("answered".into(), 1),
                                ("effort".into(), 6),
                                ("nps".into(), 9),
                            ],
                            numeric: vec![("effort".into(), 6), ("nps".into(), 9)],
                        },
                        submitted_at: c as i64,
                    };
                    store.submit(r).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let dt = started.elapsed().as_secs_f64();
        println!(
            "{concurrency:>3} submitters: {:>8.0} durable responses/s",
            (n / concurrency * concurrency) as f64 / dt
        );
    }
    store.close().await;
}
