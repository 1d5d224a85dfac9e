//! `COPY` on PostgreSQL: the bulk path's parts go in with `COPY … FROM STDIN` ([`Staging`]),
//! large exports come out with `COPY … TO STDOUT` ([`CopyRows`]).
//!
//! **Bulk parts.**
//! `COPY … FROM STDIN` needs the native connection, which sqlx's `Any` driver does not hand out,
//! while the part's transaction is an `Any` one: its share locks, the contacts' attributes and
//! the kept keys are read there by the code both engines share. So the rows are copied on a
//! second connection (of [`side_pool`]) into unlogged staging tables of this part, committed
//! there, and the part's transaction moves them on with `INSERT … SELECT … ORDER BY seq` — the
//! rows in the order given, the aggregate cells in key order, as the `VALUES` path writes them —
//! and drops the staging tables in the same commit. The statements that write `responses` and
//! the aggregates are those of the `VALUES` path with another source, so every constraint,
//! conflict and error is the same: a key used twice fails the part and nothing is stored.
//!
//! A part that fails drops its staging tables from the side connection. Tables left by a process
//! that died meanwhile carry the backend pid of their side connection in their name and are
//! dropped by the next part on that database once that backend is gone.
//!
//! **Exports.** One `COPY (SELECT …) TO STDOUT` streams every row of an export from one
//! snapshot; a task of its own reads it on a side connection and hands whole rows on in chunks
//! through a small channel (so memory stays bounded), and [`CopyRows::next_packed`] turns the
//! next rows into the packed page text of [`crate::export`] (fields joined by ASCII 31, rows by
//! ASCII 30, NULL as empty), so everything after reading is the same on both engines. A reader
//! dropped early drops the channel; the task then closes its connection, which ends the COPY.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Executor, PgPool, Postgres};
use tevreden_domain::rollup::Rollup;

use crate::error::{Result, StoreError};
use crate::ingest::NewResponse;

/// The side connections: a few, connected when first used, each committing without waiting
/// for the disk (they only ever write unlogged staging tables and their catalogue entries,
/// which nothing needs after a crash).
pub(crate) fn side_pool(url: &str) -> Result<PgPool> {
    let opts = PgConnectOptions::from_str(url)?.disable_statement_logging();
    Ok(PgPoolOptions::new()
        .max_connections(4)
        .min_connections(0)
        .idle_timeout(Duration::from_secs(60))
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("SET synchronous_commit = off").await?;
                Ok(())
            })
        })
        .connect_lazy_with(opts))
}

/// The staging tables of one part, in [`Kind`] order.
const KINDS: usize = 5;

#[derive(Clone, Copy)]
enum Kind {
    Responses,
    Counts,
    AttrCounts,
    Moments,
    Sets,
}

impl Kind {
    const ALL: [Kind; KINDS] = [
        Kind::Responses,
        Kind::Counts,
        Kind::AttrCounts,
        Kind::Moments,
        Kind::Sets,
    ];

    fn suffix(self) -> &'static str {
        match self {
            Kind::Responses => "r",
            Kind::Counts => "c",
            Kind::AttrCounts => "a",
            Kind::Moments => "m",
            Kind::Sets => "s",
        }
    }

    /// The staging table's columns after `seq`, typed as in the target table.
    fn columns(self) -> &'static str {
        match self {
            Kind::Responses => {
                "org_id BIGINT, survey_id BIGINT, version_id BIGINT, uid TEXT, submission_key TEXT, \
                 request_hash TEXT, invitation_id BIGINT, lang TEXT, unit_id BIGINT, touchpoint_id BIGINT, \
                 channel_id BIGINT, employee_id BIGINT, contact_id BIGINT, answers TEXT, \
                 submitted_at BIGINT, received_at BIGINT, contact_attributes TEXT"
            }
            Kind::Counts => {
                "survey_id BIGINT, question TEXT, grain INTEGER, period INTEGER, unit_id BIGINT, \
                 touchpoint_id BIGINT, channel_id BIGINT, value BIGINT, n BIGINT"
            }
            Kind::AttrCounts => {
                "survey_id BIGINT, question TEXT, attribute TEXT, attribute_value TEXT, grain INTEGER, \
                 period INTEGER, unit_id BIGINT, value BIGINT, n BIGINT"
            }
            Kind::Moments => {
                "survey_id BIGINT, grain INTEGER, period INTEGER, unit_id BIGINT, set_hash BIGINT, \
                 i INTEGER, j INTEGER, s BIGINT"
            }
            Kind::Sets => "survey_id BIGINT, set_hash BIGINT, questions TEXT",
        }
    }

    /// The staged columns' names after `seq`.
    fn names(self) -> String {
        self.columns()
            .split(',')
            .filter_map(|c| c.split_whitespace().next())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The statement that moves the staged rows into their table: the same insert or upsert
    /// as the `VALUES` path and [`crate::analytics::apply`] write.
    fn move_sql(self, staged: &str) -> String {
        let (target, conflict) = match self {
            Kind::Responses => ("responses", ""),
            Kind::Counts => (
                "agg_counts",
                " ON CONFLICT (survey_id, question, grain, period, unit_id, touchpoint_id, channel_id, value) \
                 DO UPDATE SET n = agg_counts.n + excluded.n",
            ),
            Kind::AttrCounts => (
                "agg_attr_counts",
                " ON CONFLICT (survey_id, question, attribute, attribute_value, grain, period, unit_id, value) \
                 DO UPDATE SET n = agg_attr_counts.n + excluded.n",
            ),
            Kind::Moments => (
                "agg_moments",
                " ON CONFLICT (survey_id, grain, period, unit_id, set_hash, i, j) \
                 DO UPDATE SET s = agg_moments.s + excluded.s",
            ),
            Kind::Sets => ("agg_sets", " ON CONFLICT (survey_id, set_hash) DO NOTHING"),
        };
        let cols = self.names();
        format!("INSERT INTO {target} ({cols}) SELECT {cols} FROM {staged} ORDER BY seq{conflict}")
    }

    fn copy_sql(self, staged: &str) -> String {
        format!("COPY {staged} (seq, {}) FROM STDIN", self.names())
    }
}

/// The staging tables of one bulk part and the side connection that fills them.
pub(crate) struct Staging {
    pool: PgPool,
    conn: Option<PoolConnection<Postgres>>,
    tables: [String; KINDS],
    created: bool,
}

impl Staging {
    /// Takes a side connection, drops staging tables whose side connection is gone (a process
    /// that died mid-part) and names this part's tables.
    pub(crate) async fn open(pool: &PgPool) -> Result<Staging> {
        let mut conn = pool.acquire().await?;
        let stale: Vec<String> = sqlx::query_scalar(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname LIKE 'bulk\\_stage\\_%' \
             AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a \
               WHERE a.pid::text = split_part(c.relname::text, '_', 3))",
        )
        .fetch_all(&mut *conn)
        .await?;
        if !stale.is_empty() {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP TABLE IF EXISTS {}",
                stale.join(", ")
            )))
            .execute(&mut *conn)
            .await?;
        }
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut *conn)
            .await?;
        let tag = crate::random_token(4);
        let tables = Kind::ALL.map(|k| format!("bulk_stage_{pid}_{tag}_{}", k.suffix()));
        Ok(Staging {
            pool: pool.clone(),
            conn: Some(conn),
            tables,
            created: false,
        })
    }

    /// Copies `rows` (with their contacts' attributes from `contacts`, received at `now`) and
    /// the aggregates `rollup` computes — on this thread, while the rows travel — into the
    /// staging tables, then moves both into their tables on `tx`, the part's transaction, and
    /// drops the staging tables there. After an error call [`Staging::discard`].
    pub(crate) async fn load(
        &mut self,
        tx: &mut sqlx::AnyConnection,
        rows: &[NewResponse],
        contacts: &HashMap<i64, String>,
        now: i64,
        rollup: impl FnOnce() -> Rollup,
    ) -> Result<()> {
        let text = responses_text(rows, contacts, now);
        let create = Kind::ALL
            .iter()
            .zip(&self.tables)
            .map(|(k, t)| {
                format!(
                    "CREATE UNLOGGED TABLE {t} (seq BIGINT NOT NULL, {});",
                    k.columns()
                )
            })
            .collect::<String>();
        let copy_rows = Kind::Responses.copy_sql(&self.tables[Kind::Responses as usize]);
        let mut conn = self.conn.take().ok_or_else(lost)?;
        self.created = true;
        // The rows go to the server on a task of their own while this thread adds them up.
        let copying = tokio::spawn(async move {
            let copied = async {
                sqlx::raw_sql(sqlx::AssertSqlSafe(create))
                    .execute(&mut *conn)
                    .await?;
                copy_in(&mut conn, &copy_rows, text.as_bytes()).await
            }
            .await;
            (conn, copied)
        });
        let rollup = rollup();
        let texts = rollup_texts(&rollup);
        drop(rollup);
        let (conn, copied) = copying
            .await
            .map_err(|e| StoreError::Internal(format!("copying a bulk part stopped: {e}")))?;
        self.conn = Some(conn);
        copied?;
        // The part's transaction inserts the rows while the side connection copies the cells.
        let insert_rows = sqlx::raw_sql(sqlx::AssertSqlSafe(
            Kind::Responses.move_sql(&self.tables[Kind::Responses as usize]),
        ))
        .execute(&mut *tx);
        let side = self.conn.as_mut().ok_or_else(lost)?;
        let tables = &self.tables;
        let copy_cells = async {
            for (i, text) in texts.iter().enumerate() {
                let kind = Kind::ALL[i + 1];
                if !text.is_empty() {
                    copy_in(side, &kind.copy_sql(&tables[i + 1]), text.as_bytes()).await?;
                }
            }
            Ok::<_, sqlx::Error>(())
        };
        tokio::try_join!(insert_rows, copy_cells)?;
        let mut finish = String::new();
        for (i, text) in texts.iter().enumerate() {
            if !text.is_empty() {
                finish.push_str(&Kind::ALL[i + 1].move_sql(&self.tables[i + 1]));
                finish.push_str(";\n");
            }
        }
        let _ = write!(finish, "DROP TABLE {}", self.tables.join(", "));
        sqlx::raw_sql(sqlx::AssertSqlSafe(finish))
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    /// Drops the staging tables after a part failed (its transaction rolled back first), from
    /// a fresh side connection: the one that copied may be mid-`COPY`.
    pub(crate) async fn discard(mut self) {
        if let Some(c) = self.conn.as_mut() {
            c.close_on_drop();
        }
        self.conn = None;
        if !self.created {
            return;
        }
        let sql = format!("DROP TABLE IF EXISTS {}", self.tables.join(", "));
        match self.pool.acquire().await {
            Ok(mut c) => {
                if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *c)
                    .await
                {
                    tracing::warn!(error = %e, "could not drop a failed bulk part's staging tables");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not drop a failed bulk part's staging tables")
            }
        }
    }
}

/// Bytes of whole rows handed from the COPY task to the reader at a time.
const COPY_CHUNK: usize = 256 * 1024;

type Chunk = std::result::Result<Vec<u8>, sqlx::Error>;

/// The rows of one `COPY … TO STDOUT`, read page by page.
pub(crate) struct CopyRows {
    rx: tokio::sync::mpsc::Receiver<Chunk>,
    /// Received bytes not yet handed out, from `at`.
    pending: Vec<u8>,
    at: usize,
    ended: bool,
}

impl CopyRows {
    /// Starts `statement` (a `COPY (…) TO STDOUT` in text format, NULL as empty: `(NULL '')`)
    /// on a side connection.
    pub(crate) fn start(pool: &PgPool, statement: String) -> CopyRows {
        let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(4);
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            // Ok(true): all sent; Ok(false): the reader is gone
            let sent = async {
                let mut stream = conn.copy_out_raw(&statement).await?;
                let mut buf = Vec::with_capacity(COPY_CHUNK + 4096);
                while let Some(data) =
                    std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await
                {
                    buf.extend_from_slice(&data?);
                    if buf.len() >= COPY_CHUNK {
                        let full =
                            std::mem::replace(&mut buf, Vec::with_capacity(COPY_CHUNK + 4096));
                        if tx.send(Ok(full)).await.is_err() {
                            return Ok(false);
                        }
                    }
                }
                Ok::<_, sqlx::Error>(buf.is_empty() || tx.send(Ok(buf)).await.is_ok())
            }
            .await;
            match sent {
                Ok(true) => {}
                Ok(false) => conn.close_on_drop(),
                Err(e) => {
                    conn.close_on_drop();
                    let _ = tx.send(Err(e)).await;
                }
            }
        });
        CopyRows {
            rx,
            pending: Vec::new(),
            at: 0,
            ended: false,
        }
    }

    /// The next (at most) `limit` rows as packed page text; empty after the last.
    pub(crate) async fn next_packed(&mut self, limit: usize) -> Result<String> {
        let mut out: Vec<u8> = Vec::new();
        let mut rows = 0;
        while rows < limit {
            let rest = &self.pending[self.at..];
            let Some(end) = rest.iter().position(|&b| b == b'\n') else {
                if self.ended {
                    if !rest.is_empty() {
                        return Err(not_whole());
                    }
                    break;
                }
                match self.rx.recv().await {
                    // chunks hold whole rows, so nothing is left over but for a broken stream
                    Some(chunk) if self.at == self.pending.len() => {
                        self.pending = chunk?;
                        self.at = 0;
                    }
                    Some(chunk) => {
                        self.pending.drain(..self.at);
                        self.pending.extend_from_slice(&chunk?);
                        self.at = 0;
                    }
                    None => self.ended = true,
                }
                continue;
            };
            if rows > 0 {
                out.push(0x1e);
            }
            unescape_row(&rest[..end], &mut out)?;
            self.at += end + 1;
            rows += 1;
        }
        if rows == 0 {
            return Ok(String::new());
        }
        String::from_utf8(out)
            .map_err(|_| StoreError::Internal("a page of responses is not UTF-8".into()))
    }
}

fn not_whole() -> StoreError {
    StoreError::Internal("a page of responses did not split into whole rows".into())
}

/// One row of `COPY`'s text format into the packed form: tabs become ASCII 31, `\N` (NULL)
/// nothing, escapes their character.
fn unescape_row(line: &[u8], out: &mut Vec<u8>) -> Result<()> {
    if !line.contains(&b'\\') {
        let start = out.len();
        out.extend_from_slice(line);
        for b in &mut out[start..] {
            if *b == b'\t' {
                *b = 0x1f;
            }
        }
        return Ok(());
    }
    let mut rest = line;
    while let Some(i) = rest.iter().position(|&b| b == b'\t' || b == b'\\') {
        out.extend_from_slice(&rest[..i]);
        if rest[i] == b'\t' {
            out.push(0x1f);
            rest = &rest[i + 1..];
            continue;
        }
        let c = match rest.get(i + 1) {
            Some(b'N') => None,
            Some(b'\\') => Some(b'\\'),
            Some(b't') => Some(b'\t'),
            Some(b'n') => Some(b'\n'),
            Some(b'r') => Some(b'\r'),
            Some(b'b') => Some(8),
            Some(b'f') => Some(12),
            Some(b'v') => Some(11),
            _ => return Err(not_whole()),
        };
        out.extend(c);
        rest = &rest[i + 2..];
    }
    out.extend_from_slice(rest);
    Ok(())
}

fn lost() -> StoreError {
    StoreError::Internal("the bulk part's side connection was lost".into())
}

async fn copy_in(
    conn: &mut sqlx::PgConnection,
    statement: &str,
    data: &[u8],
) -> std::result::Result<(), sqlx::Error> {
    let mut copy = conn.copy_in_raw(statement).await?;
    if let Err(e) = copy.send(data).await {
        let _ = copy.abort("the bulk part failed").await;
        return Err(e);
    }
    copy.finish().await?;
    Ok(())
}

/// A text field of `COPY`'s text format: backslash, tab, newline and carriage return escaped.
fn push_text(out: &mut String, s: &str) {
    if !s.contains(['\\', '\t', '\n', '\r']) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn push_int(out: &mut String, n: impl std::fmt::Display) {
    let _ = write!(out, "{n}");
}

fn push_opt_int(out: &mut String, n: Option<i64>) {
    match n {
        Some(n) => push_int(out, n),
        None => out.push_str("\\N"),
    }
}

fn push_opt_text(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => push_text(out, s),
        None => out.push_str("\\N"),
    }
}

/// The rows in `COPY` text format, columns as [`Kind::Responses`]'s, `seq` their index.
fn responses_text(rows: &[NewResponse], contacts: &HashMap<i64, String>, now: i64) -> String {
    let mut out = String::with_capacity(rows.iter().map(|r| r.answers.len() + 160).sum());
    for (seq, r) in rows.iter().enumerate() {
        push_int(&mut out, seq);
        for field in [r.org_id, r.survey_id, r.version_id] {
            out.push('\t');
            push_int(&mut out, field);
        }
        for field in [&r.uid, &r.submission_key, &r.request_hash] {
            out.push('\t');
            push_text(&mut out, field);
        }
        out.push('\t');
        push_opt_int(&mut out, r.invitation_id);
        out.push('\t');
        push_text(&mut out, &r.lang);
        for field in [
            r.unit_id,
            r.touchpoint_id,
            r.channel_id,
            r.employee_id,
            r.contact_id,
        ] {
            out.push('\t');
            push_opt_int(&mut out, field);
        }
        out.push('\t');
        push_text(&mut out, &r.answers);
        out.push('\t');
        push_int(&mut out, r.submitted_at);
        out.push('\t');
        push_int(&mut out, now);
        out.push('\t');
        push_opt_text(
            &mut out,
            r.contact_id
                .and_then(|c| contacts.get(&c))
                .map(String::as_str),
        );
        out.push('\n');
    }
    out
}

/// The rollup's cells in `COPY` text format, one text per aggregate table (counts, attribute
/// counts, moments, sets), in key order.
fn rollup_texts(rollup: &Rollup) -> [String; KINDS - 1] {
    let mut counts = String::with_capacity(rollup.counts.len() * 48);
    for (seq, (k, n)) in rollup.counts.iter().enumerate() {
        push_int(&mut counts, seq);
        counts.push('\t');
        push_int(&mut counts, k.survey_id);
        counts.push('\t');
        push_text(&mut counts, &k.question);
        for v in [
            k.grain.code(),
            i64::from(k.period),
            k.unit_id,
            k.touchpoint_id,
            k.channel_id,
            k.value,
            *n,
        ] {
            counts.push('\t');
            push_int(&mut counts, v);
        }
        counts.push('\n');
    }
    let mut attr = String::with_capacity(rollup.attr_counts.len() * 64);
    for (seq, (k, n)) in rollup.attr_counts.iter().enumerate() {
        push_int(&mut attr, seq);
        attr.push('\t');
        push_int(&mut attr, k.survey_id);
        for t in [&k.question, &k.attribute, &k.attribute_value] {
            attr.push('\t');
            push_text(&mut attr, t);
        }
        for v in [k.grain.code(), i64::from(k.period), k.unit_id, k.value, *n] {
            attr.push('\t');
            push_int(&mut attr, v);
        }
        attr.push('\n');
    }
    let mut moments = String::with_capacity(rollup.moments.len() * 48);
    for (seq, (k, s)) in rollup.moments.iter().enumerate() {
        push_int(&mut moments, seq);
        for v in [
            k.survey_id,
            k.grain.code(),
            i64::from(k.period),
            k.unit_id,
            k.set_hash,
            i64::from(k.i),
            i64::from(k.j),
            *s,
        ] {
            moments.push('\t');
            push_int(&mut moments, v);
        }
        moments.push('\n');
    }
    let mut sets = String::new();
    for (seq, ((survey, hash), questions)) in rollup.sets.iter().enumerate() {
        push_int(&mut sets, seq);
        sets.push('\t');
        push_int(&mut sets, survey);
        sets.push('\t');
        push_int(&mut sets, hash);
        sets.push('\t');
        push_text(&mut sets, questions);
        sets.push('\n');
    }
    [counts, attr, moments, sets]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::COLUMNS;

    #[test]
    fn copy_text_escapes_what_the_format_reads_specially() {
        let mut out = String::new();
        push_text(&mut out, "a\\b\tc\nd\re \"f\" \\N");
        assert_eq!(out, "a\\\\b\\tc\\nd\\re \"f\" \\\\N");
        let mut plain = String::new();
        push_text(&mut plain, "{\"nps\":9}");
        assert_eq!(plain, "{\"nps\":9}");
    }

    #[test]
    fn copy_rows_become_packed_text() {
        let mut out = Vec::new();
        unescape_row(
            b"5\tu5\t\\N\t{\"a\":\"x\\\\\"y\\\\n\"}\t\\t\\r\\n",
            &mut out,
        )
        .unwrap();
        assert_eq!(out, b"5\x1fu5\x1f\x1f{\"a\":\"x\\\"y\\n\"}\x1f\t\r\n");
        let mut out = Vec::new();
        unescape_row(b"plain", &mut out).unwrap();
        assert_eq!(out, b"plain");
        assert!(unescape_row(b"bad\\", &mut Vec::new()).is_err());
        assert!(unescape_row(b"bad\\q", &mut Vec::new()).is_err());
    }

    #[test]
    fn copy_statements_name_the_staged_columns() {
        assert_eq!(
            Kind::Sets.copy_sql("t"),
            "COPY t (seq, survey_id, set_hash, questions) FROM STDIN"
        );
        assert!(Kind::Responses.move_sql("t").starts_with(&format!(
            "INSERT INTO responses ({COLUMNS}, contact_attributes) SELECT {COLUMNS}, contact_attributes FROM t ORDER BY seq"
        )));
    }
}
