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

use std::collections::HashSet;
use std::sync::Mutex;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Connection, Executor, Row};
use tokio::sync::{mpsc, oneshot};

use crate::db::{Backend, Store, now_ms};

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
    pub invitation_id: Option<i64>,
    pub lang: String,
    pub unit_id: Option<i64>,
    pub touchpoint_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub contact_id: Option<i64>,
    /// The validated answers as JSON.
    pub answers: String,
    pub submitted_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IngestOutcome {
    /// Newly and durably stored.
    Stored { uid: String },
    /// This submission key was stored before; nothing new was written.
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
    #[error("the server is busy; try again shortly")]
    Overloaded,
    #[error("the response could not be stored: {0}")]
    Storage(String),
}

type Reply = oneshot::Sender<Result<IngestOutcome, IngestError>>;

pub(crate) struct IngestHandle {
    tx: Mutex<Option<mpsc::Sender<(NewResponse, Reply)>>>,
    done: Mutex<Option<oneshot::Receiver<()>>>,
}

impl IngestHandle {
    pub(crate) async fn shutdown(&self) {
        drop(self.tx.lock().ok().and_then(|mut t| t.take()));
        let done = self.done.lock().ok().and_then(|mut d| d.take());
        if let Some(done) = done {
            let _ = done.await;
        }
    }
}

pub(crate) fn start(
    conn: AnyConnection,
    backend: Backend,
    queue: usize,
    batch: usize,
) -> IngestHandle {
    let (tx, rx) = mpsc::channel(queue.max(1));
    let (done_tx, done_rx) = oneshot::channel();
    tokio::spawn(async move {
        writer_loop(conn, backend, rx, batch.clamp(1, 2_000)).await;
        let _ = done_tx.send(());
    });
    IngestHandle {
        tx: Mutex::new(Some(tx)),
        done: Mutex::new(Some(done_rx)),
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
        let (reply_tx, reply_rx) = oneshot::channel();
        sender
            .try_send((response, reply_tx))
            .map_err(|_| IngestError::Overloaded)?;
        reply_rx
            .await
            .unwrap_or_else(|_| Err(IngestError::Storage("the writer stopped".into())))
    }
}

async fn writer_loop(
    mut conn: AnyConnection,
    backend: Backend,
    mut rx: mpsc::Receiver<(NewResponse, Reply)>,
    cap: usize,
) {
    let mut batch: Vec<(NewResponse, Reply)> = Vec::with_capacity(cap);
    loop {
        match rx.recv().await {
            Some(item) => batch.push(item),
            None => break,
        }
        while batch.len() < cap {
            match rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        let items: Vec<&NewResponse> = batch.iter().map(|(r, _)| r).collect();
        let started = std::time::Instant::now();
        let written = write_batch(&mut conn, backend, &items).await;
        tracing::trace!(
            size = items.len(),
            micros = started.elapsed().as_micros() as u64,
            "batch committed"
        );
        let results = match written {
            Ok(results) => results,
            Err(e) => {
                tracing::warn!(error = %e, size = items.len(), "batch write failed; retrying one by one");
                let mut results = Vec::with_capacity(items.len());
                for item in &items {
                    let r = match write_batch(&mut conn, backend, std::slice::from_ref(item)).await
                    {
                        Ok(mut r) => r
                            .pop()
                            .unwrap_or(Err(IngestError::Storage("no result".into()))),
                        Err(e) => {
                            tracing::error!(error = %e, "response could not be stored");
                            Err(IngestError::Storage("a database error occurred".into()))
                        }
                    };
                    results.push(r);
                }
                results
            }
        };
        for ((_, reply), result) in batch.drain(..).zip(results) {
            let _ = reply.send(result);
        }
    }
}

pub(crate) const COLUMNS: &str = "org_id, survey_id, version_id, uid, submission_key, invitation_id, lang, unit_id, touchpoint_id, \
                       channel_id, employee_id, contact_id, answers, submitted_at, received_at";
pub(crate) const NCOLS: usize = 15;

/// Writes one batch in one transaction; the results are in the order of `items`.
async fn write_batch(
    conn: &mut AnyConnection,
    backend: Backend,
    items: &[&NewResponse],
) -> Result<Vec<Result<IngestOutcome, IngestError>>, sqlx::Error> {
    let now = now_ms();
    let inserted = match backend {
        Backend::Sqlite => insert_sqlite(conn, items, now).await?,
        Backend::Postgres => {
            let mut tx = conn.begin().await?;
            let sql = insert_sql(backend, items.len());
            let inserted = bind_rows(sqlx::query(sqlx::AssertSqlSafe(sql)), items, now)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            inserted
        }
    };
    let inserted: HashSet<String> = inserted
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?;
    // Rows not inserted (rare): a known submission key is a duplicate, answered with the stored
    // id; otherwise the survey was closed, or the invitation was used by another submission.
    let mut results = Vec::with_capacity(items.len());
    for r in items {
        if inserted.contains(&r.uid) {
            results.push(Ok(IngestOutcome::Stored { uid: r.uid.clone() }));
            continue;
        }
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT uid FROM responses WHERE org_id = $1 AND submission_key = $2",
        )
        .bind(r.org_id)
        .bind(r.submission_key.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(uid) = existing {
            results.push(Ok(IngestOutcome::Duplicate { uid }));
            continue;
        }
        let open: Option<i64> = sqlx::query_scalar(OPEN_VERSION)
            .bind(r.version_id)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await?;
        results.push(Err(if open.is_some() {
            IngestError::AlreadyAnswered
        } else {
            IngestError::Closed
        }));
    }
    Ok(results)
}

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
    let sql = format!(
        "WITH v({cols}) AS (VALUES {values}) INSERT INTO responses ({COLUMNS}) SELECT {cols} FROM v \
         WHERE EXISTS (SELECT 1 FROM survey_versions sv JOIN surveys s ON s.id = sv.survey_id \
           WHERE sv.id = v.c3 AND sv.published_at IS NOT NULL AND s.status = 'open' AND (s.closes_at IS NULL OR s.closes_at > {now_param})) \
         ON CONFLICT DO NOTHING RETURNING uid",
        cols = cols.join(", "),
        values = values.join(","),
        now_param = placeholders(backend, 1 + rows * NCOLS, 1),
    );
    sql
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

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

/// SQLite: `BEGIN IMMEDIATE`, the insert and `COMMIT` go to the database as one request, so
/// the writer makes one round trip to SQLite's worker thread per batch instead of three. When
/// anything fails the transaction is rolled back explicitly.
async fn insert_sqlite(
    conn: &mut AnyConnection,
    items: &[&NewResponse],
    now: i64,
) -> Result<Vec<AnyRow>, sqlx::Error> {
    let sql = insert_sql(Backend::Sqlite, items.len());
    let sql = format!("BEGIN IMMEDIATE; {sql}; COMMIT;");
    let q = bind_rows(sqlx::query(sqlx::AssertSqlSafe(sql)), items, now);
    match q.fetch_all(&mut *conn).await {
        Ok(rows) => Ok(rows),
        Err(e) => {
            let _ = conn.execute("ROLLBACK").await;
            Err(e)
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
