//! The group-commit ingest writer.
//!
//! Request handlers validate answers (domain), then [`Store::submit`] a [`NewResponse`] into a
//! bounded queue together with a oneshot sender. One writer task takes everything waiting (up
//! to a batch cap), writes it in one transaction — `BEGIN IMMEDIATE … COMMIT` on SQLite with
//! `synchronous=FULL`, so one fsync covers the batch — and only after COMMIT answers each
//! submitter. A full queue answers [`IngestError::Overloaded`] at once, never blocks.
//!
//! Inside the transaction the writer re-checks that each survey version is published and its
//! survey open, so a survey closed on another node is never written to. Duplicate submissions
//! (same submission key) come back as [`IngestOutcome::Duplicate`] with the stored id; a second
//! response on a personal invitation as [`IngestError::AlreadyAnswered`]. If a batch fails as a
//! whole, its items are retried one per transaction so one bad row cannot sink the others.
//!
//! On PostgreSQL the writer is a tokio task on an sqlx connection (this module). On SQLite it
//! is an OS thread of its own with a connection opened through rusqlite ([`native`]): the same
//! queue, batches, checks, outcomes, retries and timings, without a round trip to sqlx's
//! SQLite worker thread per statement.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyRow};
use sqlx::{AnyConnection, Connection, Executor, Row};
use tokio::sync::{mpsc, oneshot};

use tevreden_domain::rollup::{
    AnswerFacts, AttributeCounting, Rollup, RollupBuilder, kept_attributes, local_day,
};

use crate::analytics::{self, Zones, placement};
use crate::db::{Backend, SQLITE_PRAGMAS, Store, now_ms};
use crate::recount;

pub(crate) mod native;

/// A validated response on its way to disk.
#[derive(Clone, Debug)]
pub struct NewResponse {
    pub org_id: i64,
    pub survey_id: i64,
    pub version_id: i64,
    /// Public id of the response (UUID text).
    pub uid: String,
    /// Idempotency key: the form's hidden submission id, or the API's `Idempotency-Key`.
    pub submission_key: String,
    /// A hash of what was submitted (see [`request_hash`]): a retry under the same submission
    /// key must carry the same hash, or it is a different submission reusing the key.
    pub request_hash: String,
    pub invitation_id: Option<i64>,
    pub lang: String,
    pub unit_id: Option<i64>,
    pub touchpoint_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub contact_id: Option<i64>,
    /// The validated answers as JSON.
    pub answers: String,
    /// What the answers add to the analytics aggregates ([`tevreden_domain::rollup`]),
    /// computed with the version's definition; added in the transaction that stores the
    /// response.
    pub facts: AnswerFacts,
    pub submitted_at: i64,
}

/// The hash stored with a response to recognise retries: SHA-256 of the given parts, hex.
pub fn request_hash(parts: &[&[u8]]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    hex::encode(h.finalize())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IngestOutcome {
    /// Newly and durably stored.
    Stored { uid: String },
    /// This submission key was stored before with the same content; nothing new was written.
    Duplicate { uid: String },
}

impl IngestOutcome {
    pub fn uid(&self) -> &str {
        match self {
            IngestOutcome::Stored { uid } | IngestOutcome::Duplicate { uid } => uid,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    #[error("the survey is closed")]
    Closed,
    #[error("this invitation has been answered already")]
    AlreadyAnswered,
    #[error("this submission key was used before for a different submission")]
    KeyReused,
    #[error("the server is busy; try again shortly")]
    Overloaded,
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    #[error("the response could not be stored: {0}")]
    Storage(String),
}

/// How long a submitter waits for the writer before it is told to try again. Nothing is
/// acknowledged after this; a late write of the same submission is recognised as a duplicate
/// when the respondent retries.
const SUBMIT_DEADLINE: Duration = Duration::from_secs(20);
/// How often a batch is retried while SQLite reports the database locked by another process.
const BUSY_RETRIES: u32 = 20;

type Reply = oneshot::Sender<Result<IngestOutcome, IngestError>>;

/// Where the writer's time went, summed over its life and logged when it stops (target
/// `tevreden_storage::ingest`, level info): the figures behind docs/performance.md.
#[derive(Debug, Default)]
struct Timing {
    batches: u64,
    rows: u64,
    /// Waiting for the first response of a batch.
    idle: Duration,
    /// `BEGIN` and the insert statement (SQLite: one request).
    insert: Duration,
    /// The batch's aggregate sums, with the time-zone and kept-attribute lookups.
    rollup: Duration,
    /// The aggregate upserts.
    aggregates: Duration,
    /// `COMMIT`, which waits for the fsync.
    commit: Duration,
    /// Answering every submitter once the batch is written.
    reply: Duration,
    /// Whole batches, retries and replies included.
    total: Duration,
}

impl Timing {
    fn log(&self) {
        if self.batches == 0 {
            return;
        }
        let per = |d: Duration| d.as_secs_f64() * 1e6 / self.batches as f64;
        tracing::info!(
            batches = self.batches,
            rows = self.rows,
            rows_per_batch = format!("{:.1}", self.rows as f64 / self.batches as f64),
            batch_us = format!("{:.0}", per(self.total)),
            insert_us = format!("{:.0}", per(self.insert)),
            rollup_us = format!("{:.0}", per(self.rollup)),
            aggregates_us = format!("{:.0}", per(self.aggregates)),
            commit_us = format!("{:.0}", per(self.commit)),
            reply_us = format!("{:.0}", per(self.reply)),
            idle_us = format!("{:.0}", per(self.idle)),
            "ingest writer totals (µs per batch)"
        );
    }
}

/// The writer's view of its database connection, for `/healthz`.
#[derive(Debug, Default)]
pub struct WriterHealth {
    down: AtomicBool,
    last_error: Mutex<Option<String>>,
}

impl WriterHealth {
    /// `None` when the writer is connected; otherwise the last connection error.
    pub fn problem(&self) -> Option<String> {
        if !self.down.load(Ordering::Relaxed) {
            return None;
        }
        Some(
            self.last_error
                .lock()
                .ok()
                .and_then(|e| e.clone())
                .unwrap_or_else(|| "not connected".into()),
        )
    }
    fn set_down(&self, error: String) {
        if let Ok(mut e) = self.last_error.lock() {
            *e = Some(error);
        }
        self.down.store(true, Ordering::Relaxed);
    }
    fn set_up(&self) {
        self.down.store(false, Ordering::Relaxed);
    }
}

/// What the writer is given: a response to store, or (the native SQLite writer only) a chunk
/// of a background recount to write between two batches.
pub(crate) enum Job {
    Response(NewResponse, Reply),
    Recount(native::RecountJob),
}

pub(crate) struct IngestHandle {
    tx: Mutex<Option<mpsc::Sender<Job>>>,
    done: Mutex<Option<oneshot::Receiver<()>>>,
    pub(crate) health: Arc<WriterHealth>,
    /// Whether the writer writes recount chunks ([`Job::Recount`]): the native SQLite one.
    pub(crate) takes_recounts: bool,
    /// When a response was last submitted (ms since the epoch): background work holds the
    /// write lock in short turns only while responses arrive.
    pub(crate) last_submit: std::sync::atomic::AtomicI64,
}

impl IngestHandle {
    /// Whether responses arrived within the last second or are waiting for the writer (a
    /// long write holds everyone off, so that nothing new is submitted meanwhile).
    pub(crate) fn busy(&self) -> bool {
        let waiting = self
            .tx
            .lock()
            .ok()
            .and_then(|t| t.as_ref().map(|t| t.max_capacity() > t.capacity()))
            .unwrap_or(false);
        waiting || crate::db::now_ms() - self.last_submit.load(Ordering::Relaxed) < 1_000
    }

    /// Has the writer write a recount chunk between two batches; `None` when this writer does
    /// not take recounts or has stopped.
    pub(crate) async fn recount(
        &self,
        chunk: native::RecountChunk,
    ) -> Option<Result<native::ChunkWritten, String>> {
        if !self.takes_recounts {
            return None;
        }
        let sender = self.tx.lock().ok().and_then(|t| t.clone())?;
        let (reply, answer) = oneshot::channel();
        sender
            .send(Job::Recount(native::RecountJob { chunk, reply }))
            .await
            .ok()?;
        answer.await.ok()
    }

    pub(crate) async fn shutdown(&self) {
        drop(self.tx.lock().ok().and_then(|mut t| t.take()));
        let done = self.done.lock().ok().and_then(|mut d| d.take());
        if let Some(done) = done {
            let _ = done.await;
        }
    }
}

/// The writer's own connection, which it re-opens when the database goes away.
struct WriterConn {
    options: AnyConnectOptions,
    backend: Backend,
    conn: Option<AnyConnection>,
    health: Arc<WriterHealth>,
    /// Back-off before the next reconnect attempt after a failed one.
    backoff: Duration,
    next_attempt: tokio::time::Instant,
}

impl WriterConn {
    async fn get(&mut self) -> Result<&mut AnyConnection, IngestError> {
        if self.conn.is_none() {
            if tokio::time::Instant::now() < self.next_attempt {
                return Err(IngestError::Unavailable);
            }
            match connect(&self.options, self.backend).await {
                Ok(c) => {
                    tracing::info!("ingest writer connected");
                    self.conn = Some(c);
                    self.backoff = Duration::from_millis(100);
                    self.health.set_up();
                }
                Err(e) => {
                    tracing::error!(error = %e, "ingest writer cannot connect to the database");
                    self.health.set_down(e.to_string());
                    self.next_attempt = tokio::time::Instant::now() + self.backoff;
                    self.backoff = (self.backoff * 2).min(Duration::from_secs(5));
                    return Err(IngestError::Unavailable);
                }
            }
        }
        Ok(self.conn.as_mut().expect("connected above"))
    }

    /// Forgets a connection that failed in a way that leaves its state unknown.
    fn drop_conn(&mut self, error: &sqlx::Error) {
        tracing::warn!(error = %error, "ingest writer lost its connection; reconnecting");
        self.health.set_down(error.to_string());
        self.conn = None;
        self.next_attempt = tokio::time::Instant::now();
    }
}

pub(crate) async fn connect(
    options: &AnyConnectOptions,
    backend: Backend,
) -> Result<AnyConnection, sqlx::Error> {
    let mut conn = AnyConnection::connect_with(options).await?;
    if backend == Backend::Sqlite {
        conn.execute(SQLITE_PRAGMAS).await?;
    }
    Ok(conn)
}

pub(crate) fn start(
    conn: AnyConnection,
    options: AnyConnectOptions,
    backend: Backend,
    queue: usize,
    batch: usize,
    gate: WriteGate,
) -> IngestHandle {
    let (tx, rx) = mpsc::channel(queue.max(1));
    let (done_tx, done_rx) = oneshot::channel();
    let health = Arc::new(WriterHealth::default());
    let writer = WriterConn {
        options,
        backend,
        conn: Some(conn),
        health: health.clone(),
        backoff: Duration::from_millis(100),
        next_attempt: tokio::time::Instant::now(),
    };
    tokio::spawn(async move {
        writer_loop(writer, rx, batch.clamp(1, 2_000), gate).await;
        let _ = done_tx.send(());
    });
    IngestHandle {
        tx: Mutex::new(Some(tx)),
        done: Mutex::new(Some(done_rx)),
        health,
        takes_recounts: false,
        last_submit: Default::default(),
    }
}

impl Store {
    /// Queues a response for the group-commit writer and waits until it is durably stored.
    pub async fn submit(&self, response: NewResponse) -> Result<IngestOutcome, IngestError> {
        let sender = self
            .ingest
            .tx
            .lock()
            .ok()
            .and_then(|t| t.clone())
            .ok_or(IngestError::Overloaded)?;
        self.ingest
            .last_submit
            .store(crate::db::now_ms(), Ordering::Relaxed);
        let (reply_tx, reply_rx) = oneshot::channel();
        sender
            .try_send(Job::Response(response, reply_tx))
            .map_err(|_| IngestError::Overloaded)?;
        match tokio::time::timeout(SUBMIT_DEADLINE, reply_rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(IngestError::Storage("the writer stopped".into())),
            Err(_) => Err(IngestError::Unavailable),
        }
    }

    /// `None` while the ingest writer is connected; otherwise why it is not.
    pub fn writer_problem(&self) -> Option<String> {
        self.ingest.health.problem()
    }
}

/// SQLite: taken by the writer for each batch and by background work for each of its write
/// transactions, so that they queue here, in order, instead of in SQLite's busy handler
/// (which sleeps up to 100 ms between tries). `None` on PostgreSQL, whose row locks queue.
pub(crate) type WriteGate = Option<Arc<tokio::sync::Mutex<()>>>;

async fn writer_loop(
    mut writer: WriterConn,
    mut rx: mpsc::Receiver<Job>,
    cap: usize,
    gate: WriteGate,
) {
    let mut batch: Vec<(NewResponse, Reply)> = Vec::with_capacity(cap);
    let mut zones = Zones::default();
    let mut timing = Timing::default();
    // this writer takes no recounts (`IngestHandle::takes_recounts`); one sent anyway is refused
    let take = |job: Job, batch: &mut Vec<(NewResponse, Reply)>| match job {
        Job::Response(r, reply) => batch.push((r, reply)),
        Job::Recount(job) => {
            let _ = job
                .reply
                .send(Err("this writer does not write recounts".into()));
        }
    };
    loop {
        let waited = std::time::Instant::now();
        let next = rx.recv().await;
        timing.idle += waited.elapsed();
        match next {
            Some(job) => take(job, &mut batch),
            None => break,
        }
        while batch.len() < cap {
            match rx.try_recv() {
                Ok(job) => take(job, &mut batch),
                Err(_) => break,
            }
        }
        // A submitter that gave up (deadline) was told nothing was stored: keep it that way.
        batch.retain(|(_, reply)| !reply.is_closed());
        if batch.is_empty() {
            continue;
        }
        let items: Vec<&NewResponse> = batch.iter().map(|(r, _)| r).collect();
        let started = std::time::Instant::now();
        let turn = match &gate {
            Some(g) => Some(g.lock().await),
            None => None,
        };
        let results = write_with_retries(&mut writer, &mut zones, &mut timing, &items).await;
        drop(turn);
        tracing::trace!(
            size = items.len(),
            micros = started.elapsed().as_micros() as u64,
            "batch written"
        );
        timing.batches += 1;
        timing.rows += items.len() as u64;
        let t = std::time::Instant::now();
        for ((_, reply), result) in batch.drain(..).zip(results) {
            let _ = reply.send(result);
        }
        phase(&mut timing.reply, t);
        timing.total += started.elapsed();
    }
    timing.log();
}

/// Why a batch failed, as far as the writer can act on it.
enum Failure {
    /// SQLite's lock is held by another process: wait and retry the batch.
    Busy,
    /// The connection is gone or in an unknown state: reconnect and retry the batch.
    Connection,
    /// Something about the rows: retry them one per transaction.
    Rows,
}

fn classify(e: &sqlx::Error) -> Failure {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code();
            let code = code.as_deref().unwrap_or("");
            // SQLite: 5 SQLITE_BUSY, 6 SQLITE_LOCKED (and their extended codes, low byte).
            if let Ok(n) = code.parse::<i64>()
                && matches!(n & 0xff, 5 | 6)
            {
                return Failure::Busy;
            }
            // PostgreSQL: class 08 connection exception, 57P01-03 admin shutdown / cannot connect.
            if code.starts_with("08") || code.starts_with("57P") {
                return Failure::Connection;
            }
            Failure::Rows
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::WorkerCrashed => Failure::Connection,
        _ => Failure::Rows,
    }
}

/// Writes a batch: retries it while SQLite is locked by another process, reconnects once when
/// the connection broke, and falls back to one row per transaction when the rows are at fault.
async fn write_with_retries(
    writer: &mut WriterConn,
    zones: &mut Zones,
    timing: &mut Timing,
    items: &[&NewResponse],
) -> Vec<Result<IngestOutcome, IngestError>> {
    let backend = writer.backend;
    let mut busy_retries = 0;
    let mut reconnected = false;
    loop {
        let conn = match writer.get().await {
            Ok(c) => c,
            Err(e) => return vec![Err(e); items.len()],
        };
        let failure = match insert_batch(conn, backend, zones, timing, items).await {
            Ok(inserted) => return classify_rows(conn, items, &inserted).await,
            Err((e, rolled_back)) => {
                let failure = classify(&e);
                if !rolled_back || matches!(failure, Failure::Connection) {
                    writer.drop_conn(&e);
                }
                match failure {
                    Failure::Busy if busy_retries < BUSY_RETRIES => {
                        busy_retries += 1;
                        tracing::debug!(error = %e, "database locked; retrying the batch");
                        tokio::time::sleep(Duration::from_millis(25 * busy_retries as u64)).await;
                        continue;
                    }
                    Failure::Connection if !reconnected => {
                        reconnected = true;
                        continue;
                    }
                    Failure::Busy | Failure::Connection => {
                        tracing::error!(error = %e, "batch could not be written");
                        return vec![Err(IngestError::Unavailable); items.len()];
                    }
                    Failure::Rows => {
                        tracing::warn!(error = %e, size = items.len(), "batch write failed; retrying one by one");
                        Failure::Rows
                    }
                }
            }
        };
        debug_assert!(matches!(failure, Failure::Rows));
        let mut results = Vec::with_capacity(items.len());
        for item in items {
            let one = std::slice::from_ref(item);
            let r = match writer.get().await {
                Err(e) => Err(e),
                Ok(conn) => match insert_batch(conn, backend, zones, timing, one).await {
                    Ok(inserted) => classify_rows(conn, one, &inserted)
                        .await
                        .pop()
                        .unwrap_or(Err(IngestError::Storage("no result".into()))),
                    Err((e, rolled_back)) => {
                        if !rolled_back || matches!(classify(&e), Failure::Connection) {
                            writer.drop_conn(&e);
                        }
                        tracing::error!(error = %e, "response could not be stored");
                        Err(IngestError::Storage("a database error occurred".into()))
                    }
                },
            };
            results.push(r);
        }
        return results;
    }
}

pub(crate) const COLUMNS: &str = "org_id, survey_id, version_id, uid, submission_key, request_hash, invitation_id, lang, unit_id, touchpoint_id, \
                       channel_id, employee_id, contact_id, answers, submitted_at, received_at";
pub(crate) const NCOLS: usize = 16;

/// Inserts one batch in one transaction, adds the inserted responses to the aggregates in the
/// same transaction, and returns the uids of the rows inserted. On error the flag says whether
/// the transaction was rolled back cleanly.
async fn insert_batch(
    conn: &mut AnyConnection,
    backend: Backend,
    zones: &mut Zones,
    timing: &mut Timing,
    items: &[&NewResponse],
) -> Result<Inserted, (sqlx::Error, bool)> {
    let now = now_ms();
    let uids = match backend {
        Backend::Sqlite => insert_sqlite(conn, zones, timing, items, now).await?,
        Backend::Postgres => {
            let t = std::time::Instant::now();
            let mut tx = conn.begin().await.map_err(|e| (e, true))?;
            let sql = insert_sql(backend, items.len());
            let written = async {
                let rows = bind_rows(query(sql, items.len()), items, now)
                    .fetch_all(&mut *tx)
                    .await?;
                let uids = returned_uids(&rows)?;
                let t = phase(&mut timing.insert, t);
                let rollup = rollup_of(&mut tx, backend, zones, items, &uids).await?;
                let t = phase(&mut timing.rollup, t);
                analytics::apply(&mut tx, backend, &rollup).await?;
                phase(&mut timing.aggregates, t);
                Ok::<_, sqlx::Error>(uids)
            }
            .await;
            let uids = match written {
                Ok(u) => u,
                Err(e) => {
                    let clean = tx.rollback().await.is_ok();
                    return Err((e, clean));
                }
            };
            // A failed COMMIT leaves the outcome unknown: the connection is dropped, the batch
            // retried, and rows that did land are recognised by their submission key.
            let t = std::time::Instant::now();
            tx.commit().await.map_err(|e| (e, false))?;
            phase(&mut timing.commit, t);
            uids
        }
    };
    Ok(uids)
}

/// Adds the time since `start` to `slot`; returns now, the start of the next phase.
fn phase(slot: &mut Duration, start: std::time::Instant) -> std::time::Instant {
    let now = std::time::Instant::now();
    *slot += now - start;
    now
}

/// The rows a batch inserted: uid → their id and the contact attributes stored with them.
type Inserted = HashMap<String, (i64, Option<String>)>;

fn returned_uids(rows: &[AnyRow]) -> Result<Inserted, sqlx::Error> {
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>(0)?,
                (r.try_get::<i64, _>(1)?, r.try_get::<Option<String>, _>(2)?),
            ))
        })
        .collect()
}

/// The aggregate sums of the responses of a batch that were inserted.
async fn rollup_of(
    conn: &mut AnyConnection,
    backend: Backend,
    zones: &mut Zones,
    items: &[&NewResponse],
    inserted: &Inserted,
) -> Result<Rollup, sqlx::Error> {
    let mut rollup = RollupBuilder::default();
    // Read inside the transaction, after the insert: a recount chunk or a change of the kept
    // keys (which lock the organisation for update) is wholly before or after (see
    // crate::recount).
    let mut counting: HashMap<i64, AttributeCounting> = HashMap::new();
    for r in items {
        let Some((id, attributes)) = inserted.get(&r.uid) else {
            continue;
        };
        let tz = zones.get(conn, r.org_id).await?;
        let day = local_day(r.submitted_at, &tz);
        let pairs = match attributes {
            None => Vec::new(),
            Some(text) => {
                let c = match counting.entry(r.org_id) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(recount::counting(conn, backend, r.org_id, true).await?)
                    }
                };
                kept_attributes(c.keys_for(*id), Some(text))
            }
        };
        rollup.add(
            placement(
                r.survey_id,
                day,
                (r.unit_id, r.touchpoint_id, r.channel_id),
                &pairs,
            ),
            &r.facts,
        );
    }
    Ok(rollup.finish())
}

/// Large batches are rare and each has its own statement text: only small ones are kept
/// prepared, so the statement cache does not fill with one-off giants.
fn query<'q>(sql: String, rows: usize) -> AnyQuery<'q> {
    sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(rows <= 64)
}

/// Tells every row of a committed batch what became of it. Rows not inserted (rare): a known
/// submission key with the same content is a duplicate, answered with the stored id; with other
/// content the key was reused; otherwise the survey was closed, or the invitation was used by
/// another submission. A lookup that fails leaves that row's outcome unknown (a storage error),
/// but never turns the committed rows into failures.
async fn classify_rows(
    conn: &mut AnyConnection,
    items: &[&NewResponse],
    inserted: &Inserted,
) -> Vec<Result<IngestOutcome, IngestError>> {
    let mut results = Vec::with_capacity(items.len());
    for r in items {
        if inserted.contains_key(&r.uid) {
            results.push(Ok(IngestOutcome::Stored { uid: r.uid.clone() }));
            continue;
        }
        results.push(
            classify_skipped(conn, r)
                .await
                .unwrap_or_else(|e| Err(IngestError::Storage(e.to_string()))),
        );
    }
    results
}

async fn classify_skipped(
    conn: &mut AnyConnection,
    r: &NewResponse,
) -> Result<Result<IngestOutcome, IngestError>, sqlx::Error> {
    let existing: Option<(String, String)> = sqlx::query_as(EXISTING_KEY)
        .bind(r.org_id)
        .bind(r.submission_key.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    if let Some((uid, hash)) = existing {
        return Ok(existing_outcome(r, uid, &hash));
    }
    let open: Option<i64> = sqlx::query_scalar(OPEN_VERSION)
        .bind(r.version_id)
        .bind(now_ms())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(Err(not_inserted(open.is_some())))
}

/// A row not inserted whose submission key is stored already, under `uid` with `hash`.
fn existing_outcome(
    r: &NewResponse,
    uid: String,
    hash: &str,
) -> Result<IngestOutcome, IngestError> {
    if uid == r.uid {
        // Written by an earlier attempt of this very batch whose COMMIT reply was lost.
        Ok(IngestOutcome::Stored { uid })
    } else if hash == r.request_hash {
        Ok(IngestOutcome::Duplicate { uid })
    } else {
        Err(IngestError::KeyReused)
    }
}

/// A row not inserted whose submission key is new: its invitation was used when its version
/// is open, else the survey is closed (or the version unpublished).
fn not_inserted(version_open: bool) -> IngestError {
    if version_open {
        IngestError::AlreadyAnswered
    } else {
        IngestError::Closed
    }
}

/// The response stored under a submission key: its uid and request hash.
const EXISTING_KEY: &str =
    "SELECT uid, request_hash FROM responses WHERE org_id = $1 AND submission_key = $2";

/// The version may still receive responses: published, its survey open and not past closing.
const OPEN_VERSION: &str = "SELECT v.id FROM survey_versions v JOIN surveys s ON s.id = v.survey_id \
     WHERE v.id = $1 AND v.published_at IS NOT NULL AND s.status = 'open' AND (s.closes_at IS NULL OR s.closes_at > $2)";

/// One statement that inserts every row whose survey version is open (checked inside the
/// transaction, so a survey closed on another node is never written to) and skips conflicts
/// (duplicate submission key, used invitation), returning the ids of the rows it inserted.
fn insert_sql(backend: Backend, rows: usize) -> String {
    let cols: Vec<String> = (1..=NCOLS).map(|i| format!("c{i}")).collect();
    let values: Vec<String> = (0..rows)
        .map(|i| format!("({})", placeholders(backend, 1 + i * NCOLS, NCOLS)))
        .collect();
    // The contact's attributes are copied from its row as the response is stored.
    let sql = format!(
        "WITH v({cols}) AS (VALUES {values}) INSERT INTO responses ({COLUMNS}, contact_attributes) \
         SELECT {cols}, (SELECT ct.attributes FROM contacts ct WHERE ct.id = v.c13) FROM v \
         WHERE EXISTS (SELECT 1 FROM survey_versions sv JOIN surveys s ON s.id = sv.survey_id \
           WHERE sv.id = v.c3 AND sv.published_at IS NOT NULL AND s.status = 'open' AND (s.closes_at IS NULL OR s.closes_at > {now_param}){lock}) \
         ON CONFLICT DO NOTHING RETURNING uid, id, contact_attributes",
        cols = cols.join(", "),
        values = values.join(","),
        now_param = placeholders(backend, 1 + rows * NCOLS, 1),
        // PostgreSQL: a close committed meanwhile waits for, or is seen by, this insert.
        lock = if backend == Backend::Postgres {
            " FOR SHARE OF s"
        } else {
            ""
        },
    );
    sql
}

pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds the insert's rows (in [`COLUMNS`] order) and then `now` for the open-survey check.
fn bind_rows<'q>(q: AnyQuery<'q>, items: &[&'q NewResponse], now: i64) -> AnyQuery<'q> {
    items.iter().fold(q, |q, r| bind_row(q, r, now)).bind(now)
}

/// Binds one response's [`COLUMNS`]; `now` is its `received_at`.
pub(crate) fn bind_row<'q>(q: AnyQuery<'q>, r: &'q NewResponse, now: i64) -> AnyQuery<'q> {
    q.bind(r.org_id)
        .bind(r.survey_id)
        .bind(r.version_id)
        .bind(r.uid.as_str())
        .bind(r.submission_key.as_str())
        .bind(r.request_hash.as_str())
        .bind(r.invitation_id)
        .bind(r.lang.as_str())
        .bind(r.unit_id)
        .bind(r.touchpoint_id)
        .bind(r.channel_id)
        .bind(r.employee_id)
        .bind(r.contact_id)
        .bind(r.answers.as_str())
        .bind(r.submitted_at)
        .bind(now)
}

/// SQLite: `BEGIN IMMEDIATE` and the insert go to the database as one request, then the
/// aggregate upserts and `COMMIT`, so a batch costs few round trips to SQLite's worker thread.
/// When anything fails the transaction is rolled back explicitly; the flag in the error says
/// whether that worked.
async fn insert_sqlite(
    conn: &mut AnyConnection,
    zones: &mut Zones,
    timing: &mut Timing,
    items: &[&NewResponse],
    now: i64,
) -> Result<Inserted, (sqlx::Error, bool)> {
    let sql = insert_sql(Backend::Sqlite, items.len());
    let sql = format!("BEGIN IMMEDIATE; {sql}");
    let written = async {
        let t = std::time::Instant::now();
        let rows = bind_rows(query(sql, items.len()), items, now)
            .fetch_all(&mut *conn)
            .await?;
        let uids = returned_uids(&rows)?;
        let t = phase(&mut timing.insert, t);
        let rollup = rollup_of(conn, Backend::Sqlite, zones, items, &uids).await?;
        let t = phase(&mut timing.rollup, t);
        analytics::apply(conn, Backend::Sqlite, &rollup).await?;
        let t = phase(&mut timing.aggregates, t);
        conn.execute("COMMIT").await?;
        phase(&mut timing.commit, t);
        Ok::<_, sqlx::Error>(uids)
    }
    .await;
    match written {
        Ok(uids) => Ok(uids),
        Err(e) => {
            // Nothing to roll back when BEGIN itself failed (busy); that is not an error.
            let clean = match conn.execute("ROLLBACK").await {
                Ok(_) => true,
                Err(r) => r.to_string().contains("no transaction is active"),
            };
            Err((e, clean))
        }
    }
}

/// `n` placeholders numbered from `start`: `$1, $2, …` on PostgreSQL; on SQLite plain `?`,
/// which binds in text order, so the numbers must run in text order too.
///
/// SQLite stores `$N` and `?N` as *named* parameters, and looking a parameter's name up
/// (`sqlite3_bind_parameter_name`, which sqlx calls for every parameter) walks a list: binding a
/// 2,000-row insert took seconds. Anonymous `?` parameters have no names to walk.
pub(crate) fn placeholders(backend: Backend, start: usize, n: usize) -> String {
    if backend == Backend::Sqlite {
        let mut s = "?,".repeat(n);
        s.pop();
        return s;
    }
    let mut s = String::with_capacity(n * 6);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push('$');
        s.push_str(&(start + i).to_string());
    }
    s
}
