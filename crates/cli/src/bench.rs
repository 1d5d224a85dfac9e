//! `tevreden bench …`: measurements against a server started as a child process on a random
//! loopback port (`ingest` in [`ingest`], `dashboard`, `export`, `pages`).
//!
//! Only release builds give meaningful figures: `cargo run --release -- bench …`.

use std::process::Stdio;
use std::time::{Duration, Instant};

use bytes_compat::Bytes;
use clap::Subcommand;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::header::{HOST, LOCATION};
use hyper_util::rt::TokioIo;
use tevreden_storage::{DatabaseUrl, Role, Store, StoreOptions};
use tokio::io::{AsyncBufReadExt, BufReader};

mod dashboard;
mod export;
mod ingest;
mod recount;

mod bytes_compat {
    pub use hyper::body::Bytes;
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Durable responses per second: the bare ceiling `limit-probe`, the JSON API and the
    /// respondent form POST, in one run with the same load; then the browser's GET+POST loop
    /// and GET only. Latency, memory, and acknowledged = stored for each.
    Ingest {
        /// Concurrent clients (each one keep-alive connection).
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Seconds of load on each target in each round.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Seconds of GET-only load afterwards (page rendering throughput); 0 to skip.
        #[arg(long, default_value_t = 5)]
        get_seconds: u64,
        /// Seconds of the GET+POST loop (a browser's whole round trip) after the rounds
        /// (default: --seconds); 0 to skip.
        #[arg(long)]
        loop_seconds: Option<u64>,
        /// Rounds over the probe, the API and the form in turn; the table shows the median
        /// and the range [min–max] of each figure.
        #[arg(long, default_value_t = 1)]
        rounds: usize,
        /// Seconds of unmeasured load on each target before the first round.
        #[arg(long, default_value_t = 1)]
        warmup_seconds: u64,
        /// The `limit-probe` binary (shared/tools/limit-probe). Without it the probe is looked
        /// for at target/limit-probe/release/limit-probe, and skipped with a message when absent.
        #[arg(long)]
        probe_bin: Option<std::path::PathBuf>,
    },
    /// Dashboard latency over many responses: bulk fill, then p50/p99 of the heaviest
    /// analytics questions through the API (and the same at a baseline size).
    Dashboard {
        /// Responses to generate (over 24 months).
        #[arg(long, default_value_t = 1_000_000)]
        responses: usize,
        /// Also measure at this size first, for comparison (default 100,000 when
        /// --responses is larger; 0 to skip).
        #[arg(long)]
        baseline: Option<usize>,
        /// Requests per question (one client, after a warm-up).
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// Keep the contacts' segment in the aggregates from the start, so the bulk fill
        /// counts it too (by default it is chosen after the fill, and the recount timed).
        #[arg(long)]
        kept_during_fill: bool,
    },
    /// New responses while newly kept contact attributes are recounted in the background:
    /// the JSON API's rate and p99 before, during and after, and the recount's duration.
    Recount {
        /// Responses to fill before (40 % from contacts with attributes).
        #[arg(long, default_value_t = 1_000_000)]
        responses: usize,
        /// Concurrent API clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Seconds of load before and after the recount.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Time and server memory of exporting every response as CSV and XLSX through the API.
    Export {
        /// Responses to generate.
        #[arg(long, default_value_t = 1_000_000)]
        responses: usize,
    },
    /// Latency and weight of the heaviest admin pages and API reads, on the demo organisation.
    Pages {
        /// Requests per page (one client, after a warm-up).
        #[arg(long, default_value_t = 200)]
        requests: usize,
    },
}

pub async fn run(cmd: BenchCommand, database_url: Option<String>) -> Result<(), String> {
    match cmd {
        BenchCommand::Ingest {
            clients,
            seconds,
            get_seconds,
            loop_seconds,
            rounds,
            warmup_seconds,
            probe_bin,
        } => {
            let options = ingest::Options {
                clients: clients.max(1),
                seconds: seconds.max(1),
                get_seconds,
                loop_seconds: loop_seconds.unwrap_or(seconds),
                rounds: rounds.max(1),
                warmup_seconds,
                probe_bin,
            };
            ingest::run(database_url, options).await
        }
        BenchCommand::Recount {
            responses,
            clients,
            seconds,
        } => {
            let options = recount::Options {
                responses: responses.max(1),
                clients: clients.max(1),
                seconds: seconds.max(1),
            };
            recount::run(database_url, options).await
        }
        BenchCommand::Pages { requests } => pages(database_url, requests.max(10)).await,
        BenchCommand::Export { responses } => export::run(database_url, responses.max(1)).await,
        BenchCommand::Dashboard {
            responses,
            baseline,
            requests,
            kept_during_fill,
        } => {
            let sizes = dashboard::Sizes {
                responses: responses.max(1),
                baseline,
                requests: requests.max(10),
            };
            dashboard::run(database_url, sizes, kept_during_fill).await
        }
    }
}

type Conn = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// An admin API token for the benchmark's organisation (audited as the command line).
async fn bench_token(store: &Store, org_id: i64) -> Result<String, String> {
    let (token, _) = store
        .create_api_token(
            org_id,
            "bench",
            Role::Admin,
            None,
            &tevreden_storage::Actor::Cli,
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(token)
}

async fn connect(addr: &str) -> Result<Conn, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    stream.set_nodelay(true).ok();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn send(
    conn: &mut Conn,
    req: Request<Full<Bytes>>,
) -> Result<(u16, Option<String>, Bytes), String> {
    conn.ready().await.map_err(|e| e.to_string())?;
    let resp = conn.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, location, body))
}

fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

fn get_req(addr: &str, path: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header(HOST, addr)
        .body(Full::new(Bytes::new()))
        .expect("request")
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx] as f64 / 1000.0
}

fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The database to measure: the one given, else a fresh SQLite file `file` in `tmp`; and the
/// same as a `--database-url` argument for the server process.
fn bench_database(
    given: Option<&str>,
    tmp: &tempfile::TempDir,
    file: &str,
) -> Result<(DatabaseUrl, String), String> {
    let url = match given {
        Some(u) => DatabaseUrl::parse(u)?,
        None => DatabaseUrl::Sqlite(tmp.path().join(file)),
    };
    let arg = match &url {
        DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
        DatabaseUrl::Postgres(u) => u.clone(),
    };
    Ok((url, arg))
}

/// Starts `tevreden serve` on a free port against `url_arg`; returns the child, its pid and
/// the address it listens on.
async fn spawn_server(url_arg: &str) -> Result<(tokio::process::Child, u32, String), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = tokio::process::Command::new(exe)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            url_arg,
            // One client address posts everything here: measure the server, not the
            // per-address limit of public links.
            "--public-link-burst",
            "0",
        ])
        .env(
            "TEVREDEN_LOG",
            std::env::var("TEVREDEN_BENCH_SERVER_LOG").unwrap_or_else(|_| {
                "error,tevreden_storage::ingest=info,tevreden_storage::recount=info".into()
            }),
        )
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let pid = child.id().ok_or("server exited at once")?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        match lines.next_line().await.map_err(|e| e.to_string())? {
            Some(l) => {
                if let Some(a) = l
                    .rsplit("http://")
                    .next()
                    .filter(|_| l.contains("listening"))
                {
                    break a.trim().to_string();
                }
            }
            None => return Err("the server stopped before it was listening".into()),
        }
    };
    // keep reading the server's output so it never blocks on a full pipe; a finished
    // recount's summary is shown
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("kept attributes recounted") {
                eprintln!("  server: {}", line.trim());
            }
        }
    });
    Ok((child, pid, addr))
}

fn get_with_cookie(
    addr: &str,
    path: &str,
    cookie: &str,
    bearer: Option<&str>,
) -> Request<Full<Bytes>> {
    let mut b = Request::get(path)
        .header(HOST, addr)
        .header("cookie", cookie);
    if let Some(t) = bearer {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    b.body(Full::new(Bytes::new())).expect("request")
}

/// `bench pages`: the demo organisation, the admin signed in, each page fetched `requests`
/// times in a row by one client; p50/p99 latency and the HTML weight.
async fn pages(database_url: Option<String>, requests: usize) -> Result<(), String> {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: this is a debug build; run `cargo run --release -- bench pages` for real figures"
        );
    }
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (url, url_arg) = bench_database(database_url.as_deref(), &tmp, "bench-pages.db")?;
    let store = Store::open(&url, StoreOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    crate::demo::ensure_demo(&store, &url.redacted()).await?;
    let org = store
        .org_by_slug(crate::demo::ORG_SLUG)
        .await
        .map_err(|e| e.to_string())?;
    let admin = store
        .users(org.id)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|u| u.role == Role::Admin)
        .ok_or("the demo has no admin")?;
    let (session, _) = store
        .create_session(admin.id, None, Some("bench"))
        .await
        .map_err(|e| e.to_string())?;
    let token = bench_token(&store, org.id).await?;
    let responses: i64 = {
        let mut n = 0;
        for s in store.surveys(org.id).await.map_err(|e| e.to_string())? {
            n += store
                .count_responses(s.id)
                .await
                .map_err(|e| e.to_string())?;
        }
        n
    };
    store.close().await;
    let (mut child, pid, addr) = spawn_server(&url_arg).await?;
    let cookie = format!("tevreden_session={session}");
    let targets: &[(&str, &str, bool)] = &[
        ("survey list", "/app/surveys", false),
        (
            "responses of a survey (newest 50)",
            "/app/surveys/na-contact/responses",
            false,
        ),
        ("survey builder", "/app/surveys/na-contact/edit", false),
        ("survey preview", "/app/surveys/na-contact/preview", false),
        ("unit tree", "/app/organisation", false),
        (
            "employees (50 per page)",
            "/app/organisation/employees",
            false,
        ),
        (
            "customer contacts (50 per page)",
            "/app/organisation/contacts",
            false,
        ),
        (
            "channels & touchpoints",
            "/app/organisation/touchpoints",
            false,
        ),
        ("people", "/app/people", false),
        ("audit log", "/app/audit", false),
        (
            "API: 100 responses",
            "/api/v1/surveys/na-contact/responses/pages?limit=100",
            true,
        ),
        ("API: 100 employees", "/api/v1/employees?limit=100", true),
        ("API reference page", "/api/docs", false),
    ];
    println!(
        "tevreden bench pages: demo organisation ({responses} responses), {requests} requests per page, one client, {}",
        url.redacted()
    );
    println!();
    println!("| page                               | p50 (ms) | p99 (ms) | HTML/JSON (KB) |");
    println!("|------------------------------------|----------|----------|----------------|");
    let mut conn = connect(&addr).await?;
    let mut worst_p99: f64 = 0.0;
    for (name, path, api) in targets {
        let bearer = api.then_some(token.as_str());
        let mut times: Vec<u32> = Vec::with_capacity(requests);
        let mut size = 0usize;
        for i in 0..requests + 5 {
            let start = Instant::now();
            let (status, _, body) =
                send(&mut conn, get_with_cookie(&addr, path, &cookie, bearer)).await?;
            let us = start.elapsed().as_micros().min(u32::MAX as u128) as u32;
            if status != 200 {
                return Err(format!("{path} answered {status}"));
            }
            size = body.len();
            if i >= 5 {
                times.push(us);
            }
        }
        times.sort_unstable();
        let p99 = percentile(&times, 0.99);
        worst_p99 = worst_p99.max(p99);
        println!(
            "| {name:<34} | {:>8.2} | {:>8.2} | {:>14.1} |",
            percentile(&times, 0.5),
            p99,
            size as f64 / 1024.0
        );
    }
    // what a first visit adds: the stylesheet and script (cached for a year afterwards)
    let mut assets = 0usize;
    let (_, _, html) = send(
        &mut conn,
        get_with_cookie(&addr, "/app/surveys", &cookie, None),
    )
    .await?;
    let html = String::from_utf8_lossy(&html).to_string();
    for marker in ["href=\"/assets/", "src=\"/assets/"] {
        for part in html.split(marker).skip(1) {
            if let Some(end) = part.find('"') {
                let path = format!("/assets/{}", &part[..end]);
                let (_, _, body) = send(&mut conn, get_req(&addr, &path)).await?;
                assets += body.len();
            }
        }
    }
    println!();
    println!(
        "first visit also loads CSS + JS: {:.1} KB (uncompressed, immutable, cached); no fonts, no images, no third parties",
        assets as f64 / 1024.0
    );
    println!("slowest p99: {worst_p99:.2} ms (target ≤ 50 ms)");
    println!(
        "server peak RSS: {:.1} MB",
        peak_rss_mb(pid).unwrap_or(f64::NAN)
    );
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
    Ok(())
}
