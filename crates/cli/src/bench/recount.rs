//! `bench recount`: what new responses see while newly kept contact attributes are counted.
//!
//! A bulk fill of the dashboard benchmark's organisation (40 % of the responses from contacts
//! with a segment and a region), then the JSON API under load three times: before, while
//! `PUT /api/v1/analytics/attributes` adds both attributes and the background recount runs
//! (until `GET` no longer reports it), and after. Then the aggregates are verified against the
//! raw responses.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::Request;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use tevreden_storage::{DatabaseUrl, Store, StoreOptions};

use super::bytes_compat::Bytes;
use super::ingest::{Phase, Target, load, load_while, publish_bench_survey};
use super::{bench_database, connect, dashboard, get_with_cookie, send, spawn_server};

pub struct Options {
    pub responses: usize,
    pub clients: usize,
    pub seconds: u64,
}

pub async fn run(database_url: Option<String>, o: Options) -> Result<(), String> {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: this is a debug build; run `cargo run --release -- bench recount` for real figures"
        );
    }
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (url, url_arg) = bench_database(database_url.as_deref(), &tmp, "bench-recount.db")?;
    if let DatabaseUrl::Postgres(_) = url {
        eprintln!("  note: the PostgreSQL database must be empty; it is filled anew");
    }
    let e = |e: tevreden_storage::StoreError| e.to_string();
    let store = Store::open(&url, StoreOptions::default())
        .await
        .map_err(e)?;
    println!(
        "tevreden bench recount: {} responses, {} clients, {}",
        o.responses,
        o.clients,
        url.redacted()
    );
    let shape = dashboard::setup(&store, false).await?;
    let fill_rate = dashboard::fill(&store, &shape, o.responses).await?;
    println!("  filled at {fill_rate:.0} responses/s");
    if url.backend() == tevreden_storage::Backend::Postgres {
        store.analyze().await.map_err(e)?;
    }
    publish_bench_survey(&store, shape.org_id, "after-call-api").await?;
    let token = super::bench_token(&store, shape.org_id).await?;
    store.close().await;

    let (mut child, _pid, addr) = spawn_server(&url_arg).await?;
    let path = "/api/v1/surveys/after-call-api/responses";
    let target = Target::Api {
        token: Arc::from(token.as_str()),
    };
    let before = load(
        &addr,
        path,
        &target,
        o.clients,
        o.seconds,
        "before: JSON API POST",
    )
    .await;

    let started = Instant::now();
    let mut outcome: Result<(u64, f64), String> = Err("not run".into());
    let recount = async {
        outcome = choose_and_wait(&addr, &token).await;
    };
    println!("  during: keeping segment and region, recounting in the background …");
    let during = load_while(&addr, path, &target, o.clients, recount).await;
    let (inline, recount_secs) = outcome?;
    let window = started.elapsed().as_secs_f64();
    let after = load(
        &addr,
        path,
        &target,
        o.clients,
        o.seconds,
        "after: JSON API POST",
    )
    .await;
    let _ = child.kill().await;
    let _ = child.wait().await;

    let store = Store::open(&url, StoreOptions::default())
        .await
        .map_err(e)?;
    let check = store
        .verify_rollup(shape.survey_id, "bench".into())
        .await
        .map_err(e)?;
    let kept = store.kept_attributes(shape.org_id).await.map_err(e)?;
    store.close().await;
    if !check.matches() {
        return Err(format!(
            "after the recount the aggregates differ from the responses in {} cells",
            check.differing.total()
        ));
    }
    if kept != ["segment", "region"] {
        return Err(format!(
            "after the recount the kept attributes are {kept:?}"
        ));
    }

    println!();
    println!("| phase | JSON API /s | p50 ms | p99 ms | max ms | acknowledged | failed |");
    println!("|---|---|---|---|---|---|---|");
    for (name, p) in [
        ("before", before),
        ("during the recount", during),
        ("after", after),
    ] {
        row(name, &p);
    }
    println!();
    println!(
        "  recount of {} responses ({:.0} % with a contact): {recount_secs:.1} s until the switch \
         ({inline} counted in the PUT's first two seconds); load window {window:.1} s",
        o.responses,
        dashboard::contact_share() * 100.0,
    );
    println!(
        "  afterwards: kept {kept:?}; rollups verified against {} raw responses: they match",
        check.responses
    );
    Ok(())
}

fn row(name: &str, p: &Phase) {
    println!(
        "| {name} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} |",
        p.rate, p.p50, p.p99, p.max, p.acked, p.failed
    );
}

/// Keeps segment and region through the API, then polls until no recount is reported; returns
/// the responses counted before the PUT answered and the seconds until the switch.
async fn choose_and_wait(addr: &str, token: &str) -> Result<(u64, f64), String> {
    let started = Instant::now();
    let mut conn = connect(addr).await?;
    let put = Request::put("/api/v1/analytics/attributes")
        .header(HOST, addr)
        .header(CONTENT_TYPE, "application/json")
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .body(Full::new(Bytes::from_static(
            br#"{"kept":["segment","region"]}"#,
        )))
        .map_err(|e| e.to_string())?;
    let (status, _, body) = send(&mut conn, put).await?;
    if status != 200 {
        return Err(format!(
            "PUT /api/v1/analytics/attributes answered {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    let saved: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    let inline = saved["recounted_responses"].as_u64().unwrap_or(0);
    loop {
        let (status, _, body) = send(
            &mut conn,
            get_with_cookie(addr, "/api/v1/analytics/attributes", "", Some(token)),
        )
        .await?;
        let doc: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!(
                "GET /api/v1/analytics/attributes answered {status}"
            ));
        }
        if doc["recounting"].is_null() {
            return Ok((inline, started.elapsed().as_secs_f64()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
