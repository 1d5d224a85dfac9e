//! `tevreden bench export`: fills a fresh database with N generated responses (the dashboard
//! bench's organisation), then downloads every response through the API as CSV and as XLSX
//! from a server started as a child process, timing each download to its last byte and
//! reading the server's peak memory (VmHWM) afterwards.

use std::time::Instant;

use tevreden_storage::{Store, StoreOptions};

use super::{bench_database, connect, dashboard, get_with_cookie, peak_rss_mb, send, spawn_server};

pub async fn run(database_url: Option<String>, responses: usize) -> Result<(), String> {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: this is a debug build; run `cargo run --release -- bench export` for real figures"
        );
    }
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (url, url_arg) = bench_database(database_url.as_deref(), &tmp, "bench-export.db")?;
    let store = Store::open(&url, StoreOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "tevreden bench export: {} responses (8 numeric answers and a yes/no each), {}",
        responses,
        url.redacted()
    );
    let shape = dashboard::setup(&store, false).await?;
    let rate = dashboard::fill(&store, &shape, responses).await?;
    println!("  filled at {rate:.0} responses/s");
    let token = super::bench_token(&store, shape.org_id).await?;
    store.close().await;
    let (mut child, pid, addr) = spawn_server(&url_arg).await?;
    let idle = peak_rss_mb(pid).unwrap_or(0.0);
    println!();
    println!("| export | median of 3 (s) | size (MB) | rows/s | server peak RSS (MB) |");
    println!("|--------|-----------------|-----------|--------|----------------------|");
    for (name, query) in [
        ("CSV", "format=csv"),
        ("CSV ;", "format=csv&delimiter=semicolon"),
        ("XLSX", "format=xlsx"),
    ] {
        // three downloads each; the median is reported (the first also warms the page cache)
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..3 {
            let mut conn = connect(&addr).await?;
            let path = format!("/api/v1/surveys/bench/responses?{query}");
            let started = Instant::now();
            let (status, _, body) =
                send(&mut conn, get_with_cookie(&addr, &path, "", Some(&token))).await?;
            times.push(started.elapsed().as_secs_f64());
            if status != 200 {
                return Err(format!("{path} answered {status}"));
            }
            size = body.len();
        }
        times.sort_by(f64::total_cmp);
        let secs = times[1];
        let body_len = size;
        println!(
            "| {name:<6} | {secs:>15.2} | {:>9.1} | {:>6.0} | {:>20.1} |",
            body_len as f64 / 1e6,
            responses as f64 / secs,
            peak_rss_mb(pid).unwrap_or(0.0)
        );
    }
    println!();
    println!(
        "(server RSS when idle after start: {idle:.1} MB; peak RSS is the process's high-water mark, cumulative)"
    );
    let _ = child.kill().await;
    if let tevreden_storage::DatabaseUrl::Postgres(_) = url {
        let store = Store::open(&url, StoreOptions::default())
            .await
            .map_err(|e| e.to_string())?;
        let _ = store.delete_every_organisation().await;
        store.close().await;
    }
    Ok(())
}
