use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, Executor};

use crate::error::{Result, StoreError};
use crate::ingest::{self, IngestHandle};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database location as given on the command line: `sqlite://PATH` (relative to the working
/// directory; created if missing) or `postgres://…`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.redacted())
    }
}

impl DatabaseUrl {
    pub fn parse(s: &str) -> std::result::Result<DatabaseUrl, String> {
        if let Some(rest) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or("");
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://tevreden.db".into());
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(s.to_string()))
        } else {
            Err(format!(
                "unsupported database URL `{}`: use sqlite://PATH or postgres://USER@HOST/DB",
                redact(s)
            ))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL without a password, for logs and messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => redact(u),
        }
    }

    fn connect_string(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}?mode=rwc", p.display()),
            DatabaseUrl::Postgres(u) => u.clone(),
        }
    }
}

fn redact(url: &str) -> String {
    // postgres://user:secret@host/db → postgres://user:***@host/db
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
        && let Some((user, _)) = userinfo.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Connections for reads and ad-hoc writes (the ingest writer has its own).
    pub pool_size: u32,
    /// Capacity of the ingest queue; when full, submitters are told to retry (HTTP 503).
    pub ingest_queue: usize,
    /// Most responses committed in one transaction.
    pub ingest_batch: usize,
    /// Which ingest writer a SQLite store runs (PostgreSQL always runs the sqlx one).
    pub sqlite_writer: SqliteWriter,
}

/// The ingest writer of a SQLite store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SqliteWriter {
    /// Its own thread and rusqlite connection (`ingest::native`): the default.
    #[default]
    Native,
    /// The tokio task on an sqlx connection, as on PostgreSQL: kept to compare the two (tests
    /// hold them to the same outcomes and aggregates).
    Sqlx,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            pool_size: 8,
            ingest_queue: 16_384,
            ingest_batch: 1_024,
            sqlite_writer: SqliteWriter::Native,
        }
    }
}

/// The storage handle: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) ingest: Arc<IngestHandle>,
    pub(crate) recounts: Arc<crate::recount::Recounts>,
    /// See [`ingest::WriteGate`].
    pub(crate) gate: ingest::WriteGate,
    /// PostgreSQL: a few connections of the native driver, for what `Any` cannot do (`COPY`
    /// for the bulk path, [`crate::pg_copy`]); connected when first used.
    pub(crate) pg: Option<sqlx::PgPool>,
    url: Arc<DatabaseUrl>,
}

/// The page cache of each SQLite connection, KiB.
pub(crate) const SQLITE_CACHE_KIB: u32 = 32_000;

pub(crate) const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 10000; PRAGMA cache_size = -32000; PRAGMA temp_store = MEMORY;";

static MIGRATOR_SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MIGRATOR_POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects, runs pending migrations, and starts the ingest writer.
    pub async fn open(url: &DatabaseUrl, opts: StoreOptions) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = url.backend();
        if let DatabaseUrl::Sqlite(p) = url
            && let Some(dir) = p.parent()
            && !dir.as_os_str().is_empty()
            && !dir.exists()
        {
            return Err(StoreError::Invalid(crate::error::Rule::MissingFolder(
                dir.to_path_buf(),
            )));
        }
        // Statements are never logged: they can carry respondents' answers.
        let connect =
            AnyConnectOptions::from_str(&url.connect_string())?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(opts.pool_size)
            .min_connections(if backend == Backend::Sqlite { 1 } else { 0 })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if conn.backend_name().eq_ignore_ascii_case("sqlite") {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect.clone())
            .await?;
        migrate_pool(&pool, backend).await?;
        let gate: ingest::WriteGate =
            (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
        let ingest = match url {
            // SQLite: the writer's own thread and connection (`ingest::native`).
            DatabaseUrl::Sqlite(path) if opts.sqlite_writer == SqliteWriter::Native => {
                let path = path.clone();
                let (path, conn) = tokio::task::spawn_blocking(move || {
                    let conn = ingest::native::connect(&path);
                    (path, conn)
                })
                .await
                .map_err(|e| StoreError::Internal(format!("the ingest writer: {e}")))?;
                ingest::native::start(
                    path,
                    conn?,
                    opts.ingest_queue,
                    opts.ingest_batch,
                    gate.clone(),
                )
                .map_err(|e| StoreError::Internal(format!("the ingest writer: {e}")))?
            }
            _ => {
                let writer_conn = ingest::connect(&connect, backend).await?;
                ingest::start(
                    writer_conn,
                    connect,
                    backend,
                    opts.ingest_queue,
                    opts.ingest_batch,
                    gate.clone(),
                )
            }
        };
        let ingest = Arc::new(ingest);
        let pg = match url {
            DatabaseUrl::Postgres(u) => Some(crate::pg_copy::side_pool(u)?),
            DatabaseUrl::Sqlite(_) => None,
        };
        Ok(Store {
            pool,
            backend,
            ingest,
            recounts: Default::default(),
            gate,
            pg,
            url: Arc::new(url.clone()),
        })
    }

    /// Runs the migrations only (the `migrate` command).
    pub async fn migrate(url: &DatabaseUrl) -> Result<usize> {
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect(&url.connect_string()).await?;
        if url.backend() == Backend::Sqlite {
            conn.execute(SQLITE_PRAGMAS).await?;
        }
        let migrator = migrator(url.backend());
        let applied_before: usize = count_applied(&mut conn).await;
        migrator.run(&mut conn).await?;
        let applied_after = count_applied(&mut conn).await;
        Ok(applied_after.saturating_sub(applied_before))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Brings the query planner's statistics up to date after a bulk load (PostgreSQL:
    /// `VACUUM ANALYZE`; SQLite: `ANALYZE`).
    pub async fn analyze(&self) -> Result<()> {
        let sql = match self.backend {
            Backend::Postgres => "VACUUM ANALYZE",
            Backend::Sqlite => "ANALYZE",
        };
        self.pool.execute(sql).await?;
        Ok(())
    }

    /// PostgreSQL only: deletes every organisation and everything it holds, leaving the schema
    /// (the benchmarks fill a server's database anew on each run). Refused on SQLite, whose
    /// benchmarks use a new file.
    pub async fn delete_every_organisation(&self) -> Result<()> {
        if self.backend != Backend::Postgres {
            return Err(StoreError::Invalid(crate::error::Rule::PostgresOnly(
                "deleting every organisation (benchmark databases)",
            )));
        }
        self.pool.execute("TRUNCATE orgs CASCADE").await?;
        Ok(())
    }

    /// Stops attribute recounts (they resume from their cursor), waits for the ingest writer
    /// to finish what is queued, then closes the pool.
    pub async fn close(&self) {
        self.recounts.stop();
        self.ingest.shutdown().await;
        self.pool.close().await;
        if let Some(pg) = &self.pg {
            pg.close().await;
        }
    }

    /// Starts a write transaction. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so it waits for the lock instead of failing with `SQLITE_BUSY` later.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Refreshes the planner's statistics after a bulk load. PostgreSQL plans from them (and
    /// picks poor plans on a table that grew by millions since its last `ANALYZE`); SQLite
    /// plans from its indexes alone here, so nothing is done there.
    pub async fn refresh_statistics(&self) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("ANALYZE").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// A cheap liveness check for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Tables, columns (name, normalised type, nullability) and indexes as the database reports
    /// them: used by the schema-drift test to compare the two dialects.
    pub async fn schema_summary(&self) -> Result<Vec<String>> {
        crate::db::schema::summary(&self.pool, self.backend).await
    }
}

fn migrator(backend: Backend) -> &'static sqlx::migrate::Migrator {
    match backend {
        Backend::Sqlite => &MIGRATOR_SQLITE,
        Backend::Postgres => &MIGRATOR_POSTGRES,
    }
}

async fn count_applied(conn: &mut AnyConnection) -> usize {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(conn)
        .await
        .map(|n| n as usize)
        .unwrap_or(0)
}

async fn migrate_pool(pool: &AnyPool, backend: Backend) -> Result<()> {
    let mut conn = pool.acquire().await?;
    migrator(backend).run(&mut *conn).await?;
    Ok(())
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

mod schema {
    use sqlx::{AnyPool, Row};

    use super::Backend;
    use crate::error::Result;

    fn normalise(ty: &str) -> &'static str {
        let t = ty.to_ascii_lowercase();
        if t.contains("int") {
            "integer"
        } else if t.contains("char") || t.contains("text") {
            "text"
        } else if t.contains("double") || t.contains("real") || t.contains("float") {
            "real"
        } else if t.contains("bool") {
            "boolean"
        } else {
            "other"
        }
    }

    pub(super) async fn summary(pool: &AnyPool, backend: Backend) -> Result<Vec<String>> {
        let mut out = Vec::new();
        match backend {
            Backend::Sqlite => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
                )
                .fetch_all(pool)
                .await?;
                for t in tables {
                    let cols = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT name, type, \"notnull\", pk FROM pragma_table_info('{t}')"
                    )))
                    .fetch_all(pool)
                    .await?;
                    for c in cols {
                        let name: String = c.try_get(0)?;
                        let ty: String = c.try_get(1)?;
                        let notnull: i64 = c.try_get(2)?;
                        let pk: i64 = c.try_get(3)?;
                        out.push(format!(
                            "column {t}.{name} {} {}",
                            normalise(&ty),
                            if notnull == 1 || pk == 1 {
                                "not null"
                            } else {
                                "null"
                            }
                        ));
                    }
                    let idx = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT il.name, il.\"unique\", (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) FROM pragma_index_list('{t}') il WHERE il.origin != 'pk'"
                    )))
                    .fetch_all(pool)
                    .await?;
                    for i in idx {
                        let unique: i64 = i.try_get(1)?;
                        let cols: String = i.try_get(2)?;
                        out.push(format!(
                            "index {t}({cols}){}",
                            if unique == 1 { " unique" } else { "" }
                        ));
                    }
                }
            }
            Backend::Postgres => {
                let cols = sqlx::query(
                    "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%' ORDER BY table_name, ordinal_position",
                )
                .fetch_all(pool)
                .await?;
                for c in cols {
                    let t: String = c.try_get(0)?;
                    let name: String = c.try_get(1)?;
                    let ty: String = c.try_get(2)?;
                    let nullable: String = c.try_get(3)?;
                    out.push(format!(
                        "column {t}.{name} {} {}",
                        normalise(&ty),
                        if nullable == "NO" { "not null" } else { "null" }
                    ));
                }
                let idx = sqlx::query(
                    "SELECT t.relname::text, ix.indisunique, (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord) \
                       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) \
                     FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
                     WHERE n.nspname = current_schema() AND NOT ix.indisprimary AND t.relname NOT LIKE '\\_sqlx%'",
                )
                .fetch_all(pool)
                .await?;
                for i in idx {
                    let t: String = i.try_get(0)?;
                    let unique: bool = i.try_get(1)?;
                    let cols: String = i.try_get(2)?;
                    out.push(format!(
                        "index {t}({cols}){}",
                        if unique { " unique" } else { "" }
                    ));
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pragmas_set_the_cache_size_that_exports_restore() {
        assert!(SQLITE_PRAGMAS.contains(&format!("cache_size = -{SQLITE_CACHE_KIB};")));
    }
}
