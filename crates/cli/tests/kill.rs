//! The kill test: the server under concurrent submissions is killed with SIGKILL at random
//! moments, several rounds; after each restart every acknowledged response must be present and
//! complete. Runs the binary named by TEVREDEN_BIN (CI passes the release build), else the one
//! cargo built for this test; the database is the one TEVREDEN_TEST_DATABASE_URL chooses.

use std::collections::HashSet;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::RngExt;
use tevreden_domain::survey::{FileFormat, parse_survey_file};
use tevreden_storage::testing::TestDatabase;
use tevreden_storage::{Store, StoreOptions};
use tokio::io::{AsyncBufReadExt, BufReader};

const SURVEY: &str = "key: kill\ntitle: {nl: K, en: K}\nquestions:\n  - {id: nps, type: nps, text: {nl: A, en: A}}\n  - {id: why, type: text, required: false, text: {nl: B, en: B}}\n";

fn binary() -> String {
    std::env::var("TEVREDEN_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_tevreden").to_string())
}

async fn start_server(db_url: &str) -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", db_url])
        .env("TEVREDEN_LOG", "error")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start server");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("server start timed out")
            .unwrap()
            .expect("server exited");
        if let Some(a) = line.split("http://").nth(1) {
            break a.trim().to_string();
        }
    };
    (child, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_responses_survive_sigkill() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    let org = store.create_org("kill", "Kill test").await.unwrap();
    let def = parse_survey_file(SURVEY.as_bytes(), FileFormat::Yaml)
        .unwrap()
        .definition;
    store
        .save_survey_draft(org.id, &def, (&tevreden_storage::Actor::Cli, None))
        .await
        .unwrap();
    let (survey, version) = store
        .publish_survey(org.id, "kill", &tevreden_storage::Actor::Cli)
        .await
        .unwrap();
    store.close().await;
    let path = format!("/s/{}", survey.public_id);
    let acked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let rounds = 5;
    for round in 0..rounds {
        let (mut child, addr) = start_server(&db.url_string()).await;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut tasks = Vec::new();
        for c in 0..16 {
            let (client, addr, path, acked, stop) = (
                client.clone(),
                addr.clone(),
                path.clone(),
                acked.clone(),
                stop.clone(),
            );
            let v = version.id.to_string();
            tasks.push(tokio::spawn(async move {
                let mut i = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    i += 1;
                    let sid = format!("{round:02x}{c:02x}{i:028x}");
                    let why = format!(
                        "ronde {round} client {c} nummer {i} {}",
                        "x".repeat((i % 50) as usize)
                    );
                    let form = [
                        ("sid", sid.as_str()),
                        ("v", v.as_str()),
                        ("page", "0"),
                        ("q.nps", "7"),
                        ("q.why", why.as_str()),
                    ];
                    match client
                        .post(format!("http://{addr}{path}"))
                        .form(&form)
                        .send()
                        .await
                    {
                        Ok(r) if r.status() == 303 => {
                            acked.lock().unwrap().insert(format!("form:{sid}"));
                        }
                        Ok(_) => {}
                        Err(_) => break, // the server is gone
                    }
                }
            }));
        }
        let wait = rand::rng().random_range(150..900);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        child.start_kill().expect("SIGKILL");
        let _ = child.wait().await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 50,
        "too few acknowledged responses ({}) to prove anything",
        acked.len()
    );
    // Restart once more (recovery after the last kill), then check every acknowledged response.
    let (mut child, _) = start_server(&db.url_string()).await;
    child.start_kill().unwrap();
    let _ = child.wait().await;
    let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    let mut stored: HashSet<String> = HashSet::new();
    let mut after = 0;
    loop {
        let page = store.responses_after(survey.id, after, 1000).await.unwrap();
        for r in &page {
            assert_eq!(
                r.answers.get("nps").and_then(|v| v.as_i64()),
                Some(7),
                "a complete row"
            );
            assert!(
                r.answers
                    .get("why")
                    .and_then(|v| v.as_str())
                    .is_some_and(|s| s.starts_with("ronde ")),
                "a complete row"
            );
        }
        match page.last() {
            Some(l) => after = l.id,
            None => break,
        }
        stored.extend(page.into_iter().map(|r| r.uid));
    }
    let keys = store.submission_keys(survey.id).await.unwrap();
    let missing: Vec<&String> = acked.iter().filter(|k| !keys.contains(*k)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged responses were lost, e.g. {:?}",
        missing.len(),
        missing.first()
    );
    assert_eq!(keys.len(), stored.len(), "no duplicates");
    eprintln!(
        "kill test: {rounds} rounds, {} acknowledged, {} stored",
        acked.len(),
        keys.len()
    );
    store.close().await;
}
