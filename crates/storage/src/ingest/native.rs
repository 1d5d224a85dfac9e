//! The SQLite ingest writer: an OS thread of its own with one connection opened through
//! rusqlite (the same `sqlite3` that sqlx links, from the same `libsqlite3-sys`).
//!
//! It does what the sqlx writer of [`super`] does — the same queue, batch cap, open-survey
//! check, conflict handling, outcomes, aggregate rows, retries, health and timings — but each
//! statement is a call on this thread instead of a message to sqlx's SQLite worker thread and
//! back, values are bound natively (no `Any` conversion), and every statement is prepared once
//! and kept (`prepare_cached`): one insert per row and one upsert per aggregate cell, whatever
//! the batch size. Per batch:
//!
//! 1. `BEGIN IMMEDIATE` (the write lock: a survey cannot be closed, nor the kept attributes
//!    changed, until `COMMIT`);
//! 2. the open-survey check once per version in the batch;
//! 3. per row of an open version, in queue order: its contact's attributes read, then one
//!    `INSERT … ON CONFLICT DO NOTHING` (inserted when it changed a row);
//! 4. the inserted rows' aggregate sums ([`rollup_of`]) and their upserts;
//! 5. `COMMIT` (`synchronous = FULL`: the WAL is fsynced before it returns);
//! 6. rows not inserted are classified as the sqlx writer does, then every submitter is
//!    answered from this thread.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::tz::TimeZone;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};
use tokio::sync::{mpsc, oneshot};

use tevreden_domain::rollup::{
    AttributeCounting, Rollup, RollupBuilder, kept_attributes, local_day,
};

use crate::recount;

use super::{
    BUSY_RETRIES, COLUMNS, EXISTING_KEY, Failure, IngestError, IngestHandle, IngestOutcome,
    Inserted, Job, NewResponse, OPEN_VERSION, Reply, Timing, WriterHealth, existing_outcome,
    not_inserted, phase,
};
use crate::analytics::{self, Upsert, placement};
use crate::db::{SQLITE_PRAGMAS, now_ms};

/// Statements kept prepared on the writer's connection (it uses about a dozen).
const STATEMENT_CACHE: usize = 32;

/// Opens the writer's connection with the PRAGMAs every connection of the store gets (WAL,
/// `synchronous = FULL`, foreign keys, busy timeout, cache size): the same durability as the
/// sqlx connections.
pub(crate) fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(SQLITE_PRAGMAS)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Starts the writer thread on an open connection (see [`connect`]).
pub(crate) fn start(
    path: PathBuf,
    conn: Connection,
    queue: usize,
    batch: usize,
    gate: super::WriteGate,
) -> std::io::Result<IngestHandle> {
    let (tx, rx) = mpsc::channel(queue.max(1));
    let (done_tx, done_rx) = oneshot::channel();
    let health = Arc::new(WriterHealth::default());
    let writer = NativeConn {
        path,
        conn: Some(conn),
        health: health.clone(),
        backoff: Duration::from_millis(100),
        next_attempt: Instant::now(),
    };
    let cap = batch.clamp(1, 2_000);
    std::thread::Builder::new()
        .name("tevreden-ingest".into())
        .spawn(move || {
            writer_loop(writer, rx, cap, gate);
            let _ = done_tx.send(());
        })?;
    Ok(IngestHandle {
        tx: Mutex::new(Some(tx)),
        done: Mutex::new(Some(done_rx)),
        health,
        takes_recounts: true,
        last_submit: Default::default(),
    })
}

/// The writer's connection, re-opened with back-off when it was lost (as [`super::WriterConn`]).
struct NativeConn {
    path: PathBuf,
    conn: Option<Connection>,
    health: Arc<WriterHealth>,
    backoff: Duration,
    next_attempt: Instant,
}

impl NativeConn {
    fn get(&mut self) -> Result<&Connection, IngestError> {
        if self.conn.is_none() {
            if Instant::now() < self.next_attempt {
                return Err(IngestError::Unavailable);
            }
            match connect(&self.path) {
                Ok(c) => {
                    tracing::info!("ingest writer connected");
                    self.conn = Some(c);
                    self.backoff = Duration::from_millis(100);
                    self.health.set_up();
                }
                Err(e) => {
                    tracing::error!(error = %e, "ingest writer cannot connect to the database");
                    self.health.set_down(e.to_string());
                    self.next_attempt = Instant::now() + self.backoff;
                    self.backoff = (self.backoff * 2).min(Duration::from_secs(5));
                    return Err(IngestError::Unavailable);
                }
            }
        }
        Ok(self.conn.as_ref().expect("connected above"))
    }

    /// Forgets a connection whose state is unknown.
    fn drop_conn(&mut self, error: &rusqlite::Error) {
        tracing::warn!(error = %error, "ingest writer lost its connection; reconnecting");
        self.health.set_down(error.to_string());
        self.conn = None;
        self.next_attempt = Instant::now();
    }
}

fn writer_loop(
    mut writer: NativeConn,
    mut rx: mpsc::Receiver<Job>,
    cap: usize,
    gate: super::WriteGate,
) {
    let mut batch: Vec<(NewResponse, Reply)> = Vec::with_capacity(cap);
    let mut recounts: Vec<RecountJob> = Vec::new();
    let mut zones: HashMap<i64, TimeZone> = HashMap::new();
    let mut timing = Timing::default();
    let sql = Statements::new();
    let take =
        |job: Job, batch: &mut Vec<(NewResponse, Reply)>, recounts: &mut Vec<RecountJob>| match job
        {
            Job::Response(r, reply) => batch.push((r, reply)),
            Job::Recount(job) => recounts.push(job),
        };
    loop {
        let waited = Instant::now();
        let next = rx.blocking_recv();
        timing.idle += waited.elapsed();
        match next {
            Some(job) => take(job, &mut batch, &mut recounts),
            None => break,
        }
        while batch.len() < cap {
            match rx.try_recv() {
                Ok(job) => take(job, &mut batch, &mut recounts),
                Err(_) => break,
            }
        }
        // recount chunks queued since the last batch: each its own transaction, on this
        // thread, with no hop to another thread while the write lock is held
        for job in recounts.drain(..) {
            let turn = gate.as_ref().map(|g| g.blocking_lock());
            let written = write_recount(&mut writer, &sql, &job.chunk);
            drop(turn);
            let _ = job.reply.send(written);
        }
        // A submitter that gave up (deadline) was told nothing was stored: keep it that way.
        batch.retain(|(_, reply)| !reply.is_closed());
        if batch.is_empty() {
            continue;
        }
        let items: Vec<&NewResponse> = batch.iter().map(|(r, _)| r).collect();
        let started = Instant::now();
        // the batch's turn at the write lock, queued with background recounts
        let turn = gate.as_ref().map(|g| g.blocking_lock());
        let results = write_with_retries(&mut writer, &sql, &mut zones, &mut timing, &items);
        drop(turn);
        tracing::trace!(
            size = items.len(),
            micros = started.elapsed().as_micros() as u64,
            "batch written"
        );
        timing.batches += 1;
        timing.rows += items.len() as u64;
        let t = Instant::now();
        // Answered from this thread: each reply wakes its handler's task on the runtime.
        for ((_, reply), result) in batch.drain(..).zip(results) {
            let _ = reply.send(result);
        }
        phase(&mut timing.reply, t);
        timing.total += started.elapsed();
    }
    timing.log();
}

/// The texts of the writer's statements, built once; each is prepared once per connection.
struct Statements {
    insert: String,
    counts: String,
    attr_counts: String,
    moments: String,
    sets: String,
}

impl Statements {
    fn new() -> Statements {
        let params = (1..=super::NCOLS + 1)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        // No RETURNING: SQLite runs a RETURNING clause as a trigger, which makes every insert
        // a multi-write statement with a statement journal (each page it touches copied once
        // more). Whether the row went in is `sqlite3_changes`; its contact attributes are the
        // ones bound, read just before in the same transaction.
        let insert = format!(
            "INSERT INTO responses ({COLUMNS}, contact_attributes) VALUES ({params}) \
             ON CONFLICT DO NOTHING"
        );
        let upsert = |u: &Upsert| {
            let values = (1..=u.cols)
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "INSERT INTO {} VALUES ({values}) ON CONFLICT {}",
                u.into, u.on_conflict
            )
        };
        Statements {
            insert,
            counts: upsert(&analytics::COUNTS),
            attr_counts: upsert(&analytics::ATTR_COUNTS),
            moments: upsert(&analytics::MOMENTS),
            sets: upsert(&analytics::SETS),
        }
    }
}

/// As the sqlx writer's `classify`: a lock held by another process is worth waiting for; a
/// database file that cannot be read or written any more (I/O error, gone, not a database) is
/// a lost connection; anything else is about the rows.
fn classify(e: &rusqlite::Error) -> Failure {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Failure::Busy,
        Some(ErrorCode::SystemIoFailure | ErrorCode::CannotOpen | ErrorCode::NotADatabase) => {
            Failure::Connection
        }
        _ => Failure::Rows,
    }
}

/// Writes a batch with the sqlx writer's policy: retries it while the database is locked by
/// another process, reconnects once when the connection broke, and falls back to one row per
/// transaction when the rows are at fault.
fn write_with_retries(
    writer: &mut NativeConn,
    sql: &Statements,
    zones: &mut HashMap<i64, TimeZone>,
    timing: &mut Timing,
    items: &[&NewResponse],
) -> Vec<Result<IngestOutcome, IngestError>> {
    let mut busy_retries = 0;
    let mut reconnected = false;
    loop {
        let conn = match writer.get() {
            Ok(c) => c,
            Err(e) => return vec![Err(e); items.len()],
        };
        match insert_batch(conn, sql, zones, timing, items) {
            Ok(inserted) => return classify_rows(conn, items, &inserted),
            Err((e, rolled_back)) => {
                let failure = classify(&e);
                if !rolled_back || matches!(failure, Failure::Connection) {
                    writer.drop_conn(&e);
                }
                match failure {
                    Failure::Busy if busy_retries < BUSY_RETRIES => {
                        busy_retries += 1;
                        tracing::debug!(error = %e, "database locked; retrying the batch");
                        std::thread::sleep(Duration::from_millis(25 * busy_retries as u64));
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
                    }
                }
            }
        }
        let mut results = Vec::with_capacity(items.len());
        for item in items {
            let one = std::slice::from_ref(item);
            let r = match writer.get() {
                Err(e) => Err(e),
                Ok(conn) => match insert_batch(conn, sql, zones, timing, one) {
                    Ok(inserted) => classify_rows(conn, one, &inserted)
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

/// Writes one batch in one transaction with its aggregates and returns the rows inserted. On
/// error the transaction is rolled back; the flag says whether that worked (or nothing was
/// open to roll back).
fn insert_batch(
    conn: &Connection,
    sql: &Statements,
    zones: &mut HashMap<i64, TimeZone>,
    timing: &mut Timing,
    items: &[&NewResponse],
) -> Result<Inserted, (rusqlite::Error, bool)> {
    let now = now_ms();
    let written = (|| {
        let t = Instant::now();
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        let open = open_versions(conn, items, now)?;
        let mut inserted = Inserted::with_capacity(items.len());
        let mut insert = conn.prepare_cached(&sql.insert)?;
        let mut contact = conn.prepare_cached(CONTACT_ATTRIBUTES)?;
        for r in items {
            if !open.get(&r.version_id).copied().unwrap_or(false) {
                continue;
            }
            // The contact's attributes as they are now, copied into the response (as the sqlx
            // writer's insert does with a subquery); the write lock keeps them so until COMMIT.
            let attributes: Option<String> = match r.contact_id {
                None => None,
                Some(id) => contact
                    .query_row([id], |row| row.get(0))
                    .optional()?
                    .flatten(),
            };
            let changed = insert.execute(params![
                r.org_id,
                r.survey_id,
                r.version_id,
                r.uid,
                r.submission_key,
                r.request_hash,
                r.invitation_id,
                r.lang,
                r.unit_id,
                r.touchpoint_id,
                r.channel_id,
                r.employee_id,
                r.contact_id,
                r.answers,
                r.submitted_at,
                now,
                attributes,
            ])?;
            // 0: a conflict (submission key, uid or invitation) skipped the row
            if changed == 1 {
                inserted.insert(r.uid.clone(), (conn.last_insert_rowid(), attributes));
            }
        }
        drop((insert, contact));
        let t = phase(&mut timing.insert, t);
        let rollup = rollup_of(conn, zones, items, &inserted)?;
        let t = phase(&mut timing.rollup, t);
        apply(conn, sql, &rollup)?;
        let t = phase(&mut timing.aggregates, t);
        conn.prepare_cached("COMMIT")?.execute([])?;
        phase(&mut timing.commit, t);
        Ok::<_, rusqlite::Error>(inserted)
    })();
    written.map_err(|e| {
        // SQLite may have rolled back already (or BEGIN itself failed): nothing left to do.
        let clean = conn.is_autocommit() || conn.execute_batch("ROLLBACK").is_ok();
        (e, clean)
    })
}

/// A contact's attributes (JSON text), copied into each response it gives.
const CONTACT_ATTRIBUTES: &str = "SELECT attributes FROM contacts WHERE id = ?1";

/// Whether each version of the batch may still receive responses, checked once per version
/// inside the write transaction (so no close can commit between the check and `COMMIT`).
fn open_versions(
    conn: &Connection,
    items: &[&NewResponse],
    now: i64,
) -> rusqlite::Result<HashMap<i64, bool>> {
    let mut open = HashMap::new();
    let mut check = conn.prepare_cached(OPEN_VERSION)?;
    for r in items {
        if let Entry::Vacant(e) = open.entry(r.version_id) {
            e.insert(check.exists(params![r.version_id, now])?);
        }
    }
    Ok(open)
}

/// The aggregate sums of the responses of a batch that were inserted (as the sqlx writer's
/// `rollup_of`).
fn rollup_of(
    conn: &Connection,
    zones: &mut HashMap<i64, TimeZone>,
    items: &[&NewResponse],
    inserted: &Inserted,
) -> rusqlite::Result<Rollup> {
    let mut rollup = RollupBuilder::default();
    // Read inside the write transaction: a recount chunk or a change of the kept keys is
    // wholly before or after (see crate::recount).
    let mut kept: HashMap<i64, AttributeCounting> = HashMap::new();
    for r in items {
        let Some((id, attributes)) = inserted.get(&r.uid) else {
            continue;
        };
        if let Entry::Vacant(e) = zones.entry(r.org_id) {
            e.insert(org_zone(conn, r.org_id)?);
        }
        let day = local_day(r.submitted_at, &zones[&r.org_id]);
        let pairs = match attributes {
            None => Vec::new(),
            Some(text) => {
                if let Entry::Vacant(e) = kept.entry(r.org_id) {
                    e.insert(counting(conn, r.org_id)?);
                }
                kept_attributes(kept[&r.org_id].keys_for(*id), Some(text))
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

/// An organisation's time zone (as `analytics::Zones`: Europe/Amsterdam when unknown).
fn org_zone(conn: &Connection, org_id: i64) -> rusqlite::Result<TimeZone> {
    let name: Option<String> = conn
        .prepare_cached("SELECT time_zone FROM orgs WHERE id = ?1")?
        .query_row([org_id], |row| row.get(0))
        .optional()?
        .flatten();
    Ok(analytics::zone(name.as_deref()))
}

/// Which contact attributes count the organisation's responses, read inside the writer's
/// transaction: the native twin of [`crate::recount::counting`] (same columns and parsing).
fn counting(conn: &Connection, org_id: i64) -> rusqlite::Result<AttributeCounting> {
    let row: Option<recount::CountingRow> = conn
        .prepare_cached(&format!(
            "SELECT {} FROM orgs WHERE id = ?1",
            recount::COUNTING_COLUMNS
        ))?
        .query_row([org_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()?;
    Ok(row.map(recount::counting_of).unwrap_or_default())
}

/// Adds a rollup to the aggregate tables, one cached upsert per cell, in the keys' sorted
/// order (the rows `analytics::apply` writes).
fn apply(conn: &Connection, sql: &Statements, rollup: &Rollup) -> rusqlite::Result<()> {
    if !rollup.counts.is_empty() {
        let mut up = conn.prepare_cached(&sql.counts)?;
        for (k, n) in &rollup.counts {
            up.execute(params![
                k.survey_id,
                k.question,
                k.grain.code(),
                i64::from(k.period),
                k.unit_id,
                k.touchpoint_id,
                k.channel_id,
                k.value,
                n,
            ])?;
        }
    }
    if !rollup.attr_counts.is_empty() {
        let mut up = conn.prepare_cached(&sql.attr_counts)?;
        for (k, n) in &rollup.attr_counts {
            up.execute(params![
                k.survey_id,
                k.question,
                k.attribute,
                k.attribute_value,
                k.grain.code(),
                i64::from(k.period),
                k.unit_id,
                k.value,
                n,
            ])?;
        }
    }
    if !rollup.moments.is_empty() {
        let mut up = conn.prepare_cached(&sql.moments)?;
        for (k, s) in &rollup.moments {
            up.execute(params![
                k.survey_id,
                k.grain.code(),
                i64::from(k.period),
                k.unit_id,
                k.set_hash,
                i64::from(k.i),
                i64::from(k.j),
                s,
            ])?;
        }
    }
    if !rollup.sets.is_empty() {
        let mut up = conn.prepare_cached(&sql.sets)?;
        for ((survey, hash), questions) in &rollup.sets {
            up.execute(params![survey, hash, questions])?;
        }
    }
    Ok(())
}

/// A whole chunk of a background recount ([`crate::recount`]), counted outside the lock.
pub(crate) struct RecountChunk {
    pub org_id: i64,
    /// The counting state the chunk was counted under.
    pub seen: AttributeCounting,
    /// Its id range `(after, last]` and how many responses with attributes it held.
    pub after: i64,
    pub last: i64,
    pub rows: i64,
    pub rollup: Rollup,
}

/// A recount chunk for the writer, and where to say what became of it.
pub(crate) struct RecountJob {
    pub chunk: RecountChunk,
    pub reply: oneshot::Sender<Result<ChunkWritten, String>>,
}

/// What became of a recount chunk: whether it was written, and how long it held the write lock.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChunkWritten {
    pub written: bool,
    pub held: Duration,
}

/// Writes a recount chunk on the writer's connection (a lost connection is reconnected once;
/// a busy database is not waited for: the recount tries the chunk again later).
fn write_recount(
    writer: &mut NativeConn,
    sql: &Statements,
    chunk: &RecountChunk,
) -> Result<ChunkWritten, String> {
    let started = Instant::now();
    let conn = writer.get().map_err(|e| e.to_string())?;
    match commit_recount_chunk(conn, sql, chunk) {
        Ok(written) => Ok(ChunkWritten {
            written,
            held: started.elapsed(),
        }),
        Err(e) => {
            if !conn.is_autocommit() && conn.execute_batch("ROLLBACK").is_err()
                || matches!(classify(&e), Failure::Connection)
            {
                writer.drop_conn(&e);
            }
            Err(e.to_string())
        }
    }
}

/// Writes a recount chunk (the caller holds the write gate): under `BEGIN IMMEDIATE`, if the counting state is still `seen` and the range
/// still holds the same responses, its cells are added (cached upserts, as the writer's
/// batches) and the cursor moves to `last`. `false`: something changed, nothing was written.
/// The twin of the sqlx path in `recount_step`, which PostgreSQL and the tail take.
fn commit_recount_chunk(
    conn: &Connection,
    sql: &Statements,
    chunk: &RecountChunk,
) -> rusqlite::Result<bool> {
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    if counting(&tx, chunk.org_id)? != chunk.seen {
        return Ok(false);
    }
    let now: i64 = tx
        .prepare_cached(
            "SELECT COUNT(*) FROM responses WHERE (org_id + 0) = ?1 AND id > ?2 AND id <= ?3 \
             AND contact_attributes IS NOT NULL",
        )?
        .query_row(params![chunk.org_id, chunk.after, chunk.last], |row| {
            row.get(0)
        })?;
    if now != chunk.rows {
        return Ok(false);
    }
    apply(&tx, sql, &chunk.rollup)?;
    tx.prepare_cached("UPDATE orgs SET recount_after = ?1 WHERE id = ?2")?
        .execute(params![chunk.last, chunk.org_id])?;
    tx.commit()?;
    Ok(true)
}

/// Tells every row of a committed batch what became of it (as the sqlx writer's
/// `classify_rows`): a lookup that fails leaves that row's outcome unknown, never the committed
/// rows'.
fn classify_rows(
    conn: &Connection,
    items: &[&NewResponse],
    inserted: &Inserted,
) -> Vec<Result<IngestOutcome, IngestError>> {
    items
        .iter()
        .map(|r| {
            if inserted.contains_key(&r.uid) {
                return Ok(IngestOutcome::Stored { uid: r.uid.clone() });
            }
            classify_skipped(conn, r).unwrap_or_else(|e| Err(IngestError::Storage(e.to_string())))
        })
        .collect()
}

fn classify_skipped(
    conn: &Connection,
    r: &NewResponse,
) -> rusqlite::Result<Result<IngestOutcome, IngestError>> {
    let existing: Option<(String, String)> = conn
        .prepare_cached(EXISTING_KEY)?
        .query_row(params![r.org_id, r.submission_key], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    if let Some((uid, hash)) = existing {
        return Ok(existing_outcome(r, uid, &hash));
    }
    let open = conn
        .prepare_cached(OPEN_VERSION)?
        .exists(params![r.version_id, now_ms()])?;
    Ok(Err(not_inserted(open)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writer_connection_is_as_durable_as_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let conn = connect(&dir.path().join("t.db")).unwrap();
        let pragma = |name: &str| -> String {
            conn.query_row(&format!("PRAGMA {name}"), [], |r| {
                r.get::<_, rusqlite::types::Value>(0)
            })
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
            .unwrap()
        };
        assert_eq!(pragma("journal_mode"), "wal");
        assert_eq!(pragma("synchronous"), "2", "FULL");
        assert_eq!(pragma("foreign_keys"), "1");
        assert_eq!(pragma("busy_timeout"), "10000");
    }
}
