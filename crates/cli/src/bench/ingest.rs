//! `tevreden bench ingest`: acknowledged (durably stored) responses per second, measured in one
//! run with one load generator, one client count and one duration on
//!
//! * the bare ceiling `limit-probe` (`POST /r`, JSON committed to SQLite by one group-commit
//!   writer thread, nothing else), started as a child process when its binary is found;
//! * Tevreden's JSON API, `POST /api/v1/surveys/{key}/responses` with a Bearer token;
//! * the respondent form, `POST /s/{id}` (each client reads the survey version from the page
//!   once, then posts completed forms, each with a new submission id of the server's format);
//!
//! then once the browser's whole round trip (GET the page, POST the form) and GET only. Each
//! round measures the three POST targets in turn; with `--rounds N` the table shows the
//! median and the range. The server runs as a child process (`tevreden serve`), so its memory
//! is measured alone. At the end every target's stored count is compared with what it
//! acknowledged.
//!
//! Only release builds give meaningful figures: `cargo run --release -- bench ingest`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::Request;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use tevreden_domain::survey::{FileFormat, parse_survey_file};
use tevreden_storage::{Store, StoreOptions};

use super::{Bytes, Conn, bench_database, connect, get_req, hidden, peak_rss_mb, percentile, send};

/// Where `limit-probe` is looked for when `--probe-bin` is not given, relative to the working
/// directory and to the directory above this binary's (`target/release/tevreden` →
/// `target/limit-probe/release/limit-probe`).
const PROBE_DEFAULT: &str = "target/limit-probe/release/limit-probe";
const PROBE_BUILD: &str = "CARGO_TARGET_DIR=target/limit-probe cargo build --release --manifest-path <shared>/tools/limit-probe/Cargo.toml";

pub struct Options {
    pub clients: usize,
    pub seconds: u64,
    pub get_seconds: u64,
    pub loop_seconds: u64,
    pub rounds: usize,
    pub warmup_seconds: u64,
    pub probe_bin: Option<PathBuf>,
}

#[derive(Clone)]
pub(super) enum Target {
    /// `POST /r` with the same JSON body as the API.
    Probe,
    /// `POST /api/v1/surveys/{key}/responses`.
    Api { token: Arc<str> },
    /// `POST /s/{id}` of the survey version `version`, a new submission id each time.
    Form { version: Arc<str> },
    /// GET the page, read its submission id, POST the form.
    Loop,
    /// GET the page only.
    Get,
}

#[derive(Default)]
struct Stats {
    acked: u64,
    failed: u64,
    /// Latency of each acknowledged POST (of each GET for [`Target::Get`]), µs.
    us: Vec<u32>,
    /// The GETs of [`Target::Loop`], µs.
    get_us: Vec<u32>,
}

/// One measured phase.
#[derive(Clone, Copy, Default)]
pub(super) struct Phase {
    pub(super) rate: f64,
    pub(super) p50: f64,
    pub(super) p99: f64,
    pub(super) max: f64,
    pub(super) acked: u64,
    pub(super) failed: u64,
    get_p50: f64,
    get_p99: f64,
}

/// The answers of request `i` (varied like a real population; `why` only where it is shown).
fn answers(i: u64) -> (u64, bool, u64, bool) {
    let nps = i % 11;
    (nps, !i.is_multiple_of(4), 1 + i % 7, nps <= 6)
}

fn json_body(i: u64) -> String {
    let (nps, answered, effort, why) = answers(i);
    let why = if why {
        r#","why":"De wachttijd was te lang""#
    } else {
        ""
    };
    format!(
        r#"{{"answers":{{"nps":{nps},"answered":{answered},"effort":{effort}{why}}},"lang":"nl"}}"#
    )
}

fn form_body(i: u64, sid: &str, version: &str) -> String {
    let (nps, answered, effort, why) = answers(i);
    let why = if why {
        "&q.why=De+wachttijd+was+te+lang"
    } else {
        ""
    };
    format!(
        "sid={sid}&v={version}&page=0&lang=nl&q.nps={nps}&q.answered={}&q.effort={effort}{why}",
        if answered { "yes" } else { "no" },
    )
}

fn post(addr: &str, path: &str, kind: &str) -> hyper::http::request::Builder {
    Request::post(path)
        .header(HOST, addr)
        .header(CONTENT_TYPE, kind)
}

async fn client(
    addr: String,
    path: String,
    target: Target,
    stop: Arc<AtomicBool>,
    n: u64,
) -> Stats {
    let mut stats = Stats::default();
    let mut conn: Conn = match connect(&addr).await {
        Ok(c) => c,
        Err(_) => {
            stats.failed += 1;
            return stats;
        }
    };
    let mut i = n;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let t0 = Instant::now();
        let req = match &target {
            Target::Get => {
                match send(&mut conn, get_req(&addr, &path)).await {
                    Ok((200, _, _)) => {
                        stats.acked += 1;
                        stats.us.push(t0.elapsed().as_micros() as u32);
                    }
                    _ => {
                        stats.failed += 1;
                        reconnect(&addr, &mut conn).await;
                    }
                }
                continue;
            }
            Target::Loop => {
                let page = match send(&mut conn, get_req(&addr, &path)).await {
                    Ok((200, _, body)) => body,
                    _ => {
                        stats.failed += 1;
                        reconnect(&addr, &mut conn).await;
                        continue;
                    }
                };
                stats.get_us.push(t0.elapsed().as_micros() as u32);
                let html = String::from_utf8_lossy(&page);
                let (Some(sid), Some(v)) = (hidden(&html, "sid"), hidden(&html, "v")) else {
                    stats.failed += 1;
                    continue;
                };
                let body = form_body(i, &sid, &v);
                post(&addr, &path, "application/x-www-form-urlencoded")
                    .body(Full::new(Bytes::from(body)))
            }
            Target::Form { version } => {
                let sid = tevreden_storage::time_ordered_token();
                let body = form_body(i, &sid, version);
                post(&addr, &path, "application/x-www-form-urlencoded")
                    .body(Full::new(Bytes::from(body)))
            }
            Target::Api { token } => post(&addr, &path, "application/json")
                .header(AUTHORIZATION, format!("Bearer {token}"))
                .body(Full::new(Bytes::from(json_body(i)))),
            Target::Probe => {
                post(&addr, &path, "application/json").body(Full::new(Bytes::from(json_body(i))))
            }
        };
        let Ok(req) = req else {
            stats.failed += 1;
            continue;
        };
        let t1 = Instant::now();
        let ok = match send(&mut conn, req).await {
            Ok((status, location, _)) => match target {
                Target::Probe | Target::Api { .. } => status == 201,
                _ => status == 303 && location.is_some_and(|l| l.contains("/thanks")),
            },
            Err(_) => {
                reconnect(&addr, &mut conn).await;
                false
            }
        };
        if ok {
            stats.acked += 1;
            stats.us.push(t1.elapsed().as_micros() as u32);
        } else {
            stats.failed += 1;
        }
    }
    stats
}

async fn reconnect(addr: &str, conn: &mut Conn) {
    match connect(addr).await {
        Ok(c) => *conn = c,
        Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
    }
}

/// `clients` clients on `target` for `seconds`; the rate counts every acknowledgement over the
/// time until the last client has finished its request in flight.
pub(super) async fn load(
    addr: &str,
    path: &str,
    target: &Target,
    clients: usize,
    seconds: u64,
    label: &str,
) -> Phase {
    let bar = indicatif::ProgressBar::new(seconds);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "  {label:<28} {{bar:30}} {{pos}}/{{len}} s"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let ticks = async {
        for _ in 0..seconds {
            tokio::time::sleep(Duration::from_secs(1)).await;
            bar.inc(1);
        }
    };
    let phase = load_while(addr, path, target, clients, ticks).await;
    bar.finish_and_clear();
    phase
}

/// `clients` clients on `target` until `until` completes.
pub(super) async fn load_while(
    addr: &str,
    path: &str,
    target: &Target,
    clients: usize,
    until: impl std::future::Future<Output = ()>,
) -> Phase {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            tokio::spawn(client(
                addr.to_string(),
                path.to_string(),
                target.clone(),
                stop.clone(),
                (c as u64) * 1_000_000,
            ))
        })
        .collect();
    until.await;
    stop.store(true, Ordering::Relaxed);
    let mut total = Stats::default();
    for h in handles {
        if let Ok(s) = h.await {
            total.acked += s.acked;
            total.failed += s.failed;
            total.us.extend(s.us);
            total.get_us.extend(s.get_us);
        }
    }
    let elapsed = started.elapsed();
    total.us.sort_unstable();
    total.get_us.sort_unstable();
    Phase {
        rate: total.acked as f64 / elapsed.as_secs_f64(),
        p50: percentile(&total.us, 0.5),
        p99: percentile(&total.us, 0.99),
        max: percentile(&total.us, 1.0),
        acked: total.acked,
        failed: total.failed,
        get_p50: percentile(&total.get_us, 0.5),
        get_p99: percentile(&total.get_us, 0.99),
    }
}

/// The probe binary: the one given (which must exist), else the default places; `Err` with the
/// reason it is not measured.
fn find_probe(given: Option<&Path>) -> Result<Option<PathBuf>, String> {
    if let Some(p) = given {
        return if p.is_file() {
            Ok(Some(p.to_path_buf()))
        } else {
            Err(format!("--probe-bin {}: no such file", p.display()))
        };
    }
    let mut candidates = vec![PathBuf::from(PROBE_DEFAULT)];
    if let Ok(exe) = std::env::current_exe()
        && let Some(target) = exe.parent().and_then(Path::parent)
    {
        candidates.push(target.join("limit-probe/release/limit-probe"));
    }
    Ok(candidates.into_iter().find(|p| p.is_file()))
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// Starts the probe on a free port with its database in `dir`; waits until it accepts.
async fn spawn_probe(
    bin: &Path,
    dir: &Path,
) -> Result<(tokio::process::Child, String, PathBuf), String> {
    let port = free_port()?;
    let db = dir.join("limit-probe.db");
    let child = tokio::process::Command::new(bin)
        .arg(port.to_string())
        .arg(&db)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let addr = format!("127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&addr).await.is_ok() {
            return Ok((child, addr, db));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!(
        "{} did not start listening on {addr}",
        bin.display()
    ))
}

/// The rows the probe committed (its table `r`).
async fn probe_stored(db: &Path) -> Result<i64, String> {
    use sqlx::Connection;
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db)
        .read_only(true);
    let mut c = sqlx::SqliteConnection::connect_with(&opts)
        .await
        .map_err(|e| e.to_string())?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM r")
        .fetch_one(&mut c)
        .await
        .map_err(|e| e.to_string())?;
    let _ = c.close().await;
    Ok(n)
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// `median [min – max]` of a figure over rounds (just the figure for one round).
fn spread(v: &[f64], decimals: usize) -> String {
    let m = median(v.to_vec());
    if v.len() < 2 {
        return format!("{m:.decimals$}");
    }
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{m:.decimals$} [{lo:.decimals$}–{hi:.decimals$}]")
}

pub(super) async fn publish_bench_survey(
    store: &Store,
    org_id: i64,
    key: &str,
) -> Result<(i64, String), String> {
    let yaml = tevreden_domain::templates::MINIMAL_EXAMPLE.replacen(
        "key: after-call",
        &format!("key: {key}"),
        1,
    );
    let def = parse_survey_file(yaml.as_bytes(), FileFormat::Yaml)
        .map_err(|e| format!("{e:?}"))?
        .definition;
    store
        .save_survey_draft(org_id, &def, (&tevreden_storage::Actor::Cli, None))
        .await
        .map_err(|e| e.to_string())?;
    let (survey, _) = store
        .publish_survey(org_id, def.key.as_str(), &tevreden_storage::Actor::Cli)
        .await
        .map_err(|e| e.to_string())?;
    Ok((survey.id, survey.public_id))
}

pub async fn run(database_url: Option<String>, o: Options) -> Result<(), String> {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: this is a debug build; run `cargo run --release -- bench ingest` for real figures"
        );
    }
    let probe_bin = find_probe(o.probe_bin.as_deref())?;
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (url, url_arg) = bench_database(database_url.as_deref(), &tmp, "bench.db")?;
    // An organisation, the example survey published twice (form and API counted apart), a token.
    let store = Store::open(&url, StoreOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let slug = format!("bench-{}", &tevreden_storage::random_token(4));
    let org = store
        .create_org(&slug, "Benchmark")
        .await
        .map_err(|e| e.to_string())?;
    let (form_survey, public_id) = publish_bench_survey(&store, org.id, "after-call").await?;
    let (api_survey, _) = publish_bench_survey(&store, org.id, "after-call-api").await?;
    let token = super::bench_token(&store, org.id).await?;
    store.close().await;

    let (mut child, pid, addr) = super::spawn_server(&url_arg).await?;
    let probe = match &probe_bin {
        Some(bin) => Some(spawn_probe(bin, tmp.path()).await?),
        None => None,
    };
    let form_path = format!("/s/{public_id}");
    let api_path = "/api/v1/surveys/after-call-api/responses".to_string();
    // The survey version, as a browser reads it from the first page.
    let version = {
        let mut c = connect(&addr).await?;
        let (status, _, page) = send(&mut c, get_req(&addr, &form_path)).await?;
        let html = String::from_utf8_lossy(&page);
        match (status, hidden(&html, "v")) {
            (200, Some(v)) => v,
            _ => {
                return Err(format!(
                    "GET {form_path} answered {status} without a version"
                ));
            }
        }
    };

    println!(
        "tevreden bench ingest: {} clients, {} s per target, {} round(s), {}",
        o.clients,
        o.seconds,
        o.rounds,
        url.redacted()
    );
    match (&probe_bin, &probe) {
        (Some(bin), Some((_, a, _))) => println!("limit-probe: {} on {a}", bin.display()),
        _ => println!(
            "limit-probe: not measured (no binary at {PROBE_DEFAULT}; build it with `{PROBE_BUILD}` \
             and pass --probe-bin PATH); the % column stays empty"
        ),
    }

    let targets: Vec<(&str, String, String, Target)> = {
        let mut t = Vec::new();
        if let Some((_, a, _)) = &probe {
            t.push((
                "limit-probe POST /r",
                a.clone(),
                "/r".to_string(),
                Target::Probe,
            ));
        }
        t.push((
            "JSON API POST",
            addr.clone(),
            api_path.clone(),
            Target::Api {
                token: token.as_str().into(),
            },
        ));
        t.push((
            "form POST /s/{id}",
            addr.clone(),
            form_path.clone(),
            Target::Form {
                version: version.as_str().into(),
            },
        ));
        t
    };

    // Acknowledged per target, warm-up included (compared with what is stored at the end).
    let mut acked = vec![0u64; targets.len()];
    let mut failed = vec![0u64; targets.len()];
    if o.warmup_seconds > 0 {
        for (k, (label, a, path, target)) in targets.iter().enumerate() {
            let w = load(
                a,
                path,
                target,
                o.clients,
                o.warmup_seconds,
                &format!("warm-up {label}"),
            )
            .await;
            acked[k] += w.acked;
            failed[k] += w.failed;
        }
    }
    let mut rounds: Vec<Vec<Phase>> = vec![Vec::new(); targets.len()];
    for round in 0..o.rounds {
        for (k, (label, a, path, target)) in targets.iter().enumerate() {
            let p = load(a, path, target, o.clients, o.seconds, label).await;
            acked[k] += p.acked;
            failed[k] += p.failed;
            rounds[k].push(p);
        }
        let line: Vec<String> = targets
            .iter()
            .zip(&rounds)
            .map(|((label, ..), r)| {
                let p = r[round];
                format!("{label} {:.0}/s p99 {:.2} ms", p.rate, p.p99)
            })
            .collect();
        println!("round {}: {}", round + 1, line.join(" | "));
    }
    let looped = if o.loop_seconds > 0 {
        let p = load(
            &addr,
            &form_path,
            &Target::Loop,
            o.clients,
            o.loop_seconds,
            "GET+POST loop",
        )
        .await;
        println!("GET+POST loop: {:.0}/s", p.rate);
        Some(p)
    } else {
        None
    };
    let gets = if o.get_seconds > 0 {
        Some(
            load(
                &addr,
                &form_path,
                &Target::Get,
                o.clients,
                o.get_seconds,
                "GET only",
            )
            .await,
        )
    } else {
        None
    };
    let rss = peak_rss_mb(pid);

    // Stop both servers and count what is stored.
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
    let probe_count = match probe {
        Some((mut c, _, db)) => {
            let _ = c.kill().await;
            Some(probe_stored(&db).await?)
        }
        None => None,
    };
    let store = Store::open(&url, StoreOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let api_count = store
        .count_responses(api_survey)
        .await
        .map_err(|e| e.to_string())?;
    let form_count = store
        .count_responses(form_survey)
        .await
        .map_err(|e| e.to_string())?;
    store.close().await;

    // Ratios per round: each against the probe of the same round.
    let probe_rates: Option<Vec<f64>> =
        probe_count.map(|_| rounds[0].iter().map(|p| p.rate).collect());
    let mut stored: Vec<i64> = Vec::new();
    if let Some(n) = probe_count {
        stored.push(n);
    }
    stored.push(api_count);
    stored.push(form_count);
    let loop_acked = looped.map_or(0, |p| p.acked);

    println!();
    println!(
        "| target ({} clients, {} s, {} round(s)) | responses/s | p50 (ms) | p99 (ms) | max (ms) | % of probe | failed | acknowledged = stored |",
        o.clients, o.seconds, o.rounds
    );
    println!("|---|---|---|---|---|---|---|---|");
    let mut mismatch = Vec::new();
    for (k, ((label, ..), r)) in targets.iter().zip(&rounds).enumerate() {
        let f = |g: fn(&Phase) -> f64| r.iter().map(g).collect::<Vec<_>>();
        let pct = match &probe_rates {
            Some(pr) => {
                let ratios: Vec<f64> = r.iter().zip(pr).map(|(p, q)| 100.0 * p.rate / q).collect();
                format!("{} %", spread(&ratios, 1))
            }
            None => "—".into(),
        };
        // the form survey also received the GET+POST loop's responses
        let expect = acked[k]
            + if matches!(targets[k].3, Target::Form { .. }) {
                loop_acked
            } else {
                0
            };
        let ok = stored[k] as u64 == expect;
        if !ok {
            mismatch.push(format!(
                "{label}: acknowledged {expect}, stored {}",
                stored[k]
            ));
        }
        println!(
            "| {label} | {} | {} | {} | {} | {pct} | {} | {} ({expect} / {}) |",
            spread(&f(|p| p.rate), 0),
            spread(&f(|p| p.p50), 2),
            spread(&f(|p| p.p99), 2),
            spread(&f(|p| p.max), 1),
            failed[k],
            if ok { "yes" } else { "NO" },
            stored[k]
        );
    }
    if let Some(p) = looped {
        println!(
            "| GET+POST loop (POST latency; GET p50/p99 {:.2}/{:.2} ms) | {:.0} | {:.2} | {:.2} | {:.1} | | {} | counted with the form |",
            p.get_p50, p.get_p99, p.rate, p.p50, p.p99, p.max, p.failed
        );
    }
    if let Some(g) = gets {
        println!(
            "| respondent page GET only | {:.0} | {:.2} | {:.2} | {:.1} | | {} | |",
            g.rate, g.p50, g.p99, g.max, g.failed
        );
    }
    println!();
    println!(
        "server peak RSS: {:.1} MB; API path {api_path}",
        rss.unwrap_or(f64::NAN)
    );
    if !mismatch.is_empty() {
        return Err(format!(
            "stored differs from acknowledged: {}",
            mismatch.join("; ")
        ));
    }
    println!("check: every acknowledged response is stored, none twice.");
    Ok(())
}
