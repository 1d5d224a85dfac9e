//! Fresh databases for tests, on either engine.
//!
//! `TEVREDEN_TEST_DATABASE_URL` chooses the engine: unset (or `sqlite`) gives a new SQLite file
//! in a temporary folder; a `postgres://…` URL gives a new database on that server, created for
//! the test and dropped afterwards. The same test code runs against both.

use sqlx::{AnyConnection, Connection, Executor};

use crate::db::{Backend, DatabaseUrl, Store};

/// Holds the database's write lock for `hold` through `store`'s own connection, as another
/// process writing (a CLI import, say) would: SQLite's `BEGIN IMMEDIATE`, PostgreSQL's exclusive
/// lock on the responses table.
pub async fn hold_write_lock(store: &Store, hold: std::time::Duration) -> crate::error::Result<()> {
    let mut tx = store.begin_write().await?;
    if store.backend == Backend::Postgres {
        tx.execute("LOCK TABLE responses IN EXCLUSIVE MODE").await?;
    }
    tokio::time::sleep(hold).await;
    tx.commit().await?;
    Ok(())
}

/// Runs a statement on the store's pool, e.g. to damage data on purpose in a test.
pub async fn execute_sql(store: &Store, sql: &str) -> crate::error::Result<u64> {
    let done = store
        .pool
        .execute(sqlx::AssertSqlSafe(sql.to_owned()))
        .await?;
    Ok(done.rows_affected())
}

/// SQLite's `synchronous` setting on every connection the pool holds now (all of them taken
/// at once, so none is missed): a test that no relaxed connection went back to the pool.
pub async fn sqlite_synchronous_settings(store: &Store) -> crate::error::Result<Vec<i64>> {
    let mut held = Vec::new();
    let mut settings = Vec::new();
    while let Ok(Ok(mut c)) =
        tokio::time::timeout(std::time::Duration::from_millis(200), store.pool.acquire()).await
    {
        settings.push(
            sqlx::query_scalar::<_, i64>("PRAGMA synchronous")
                .fetch_one(&mut *c)
                .await?,
        );
        held.push(c);
    }
    Ok(settings)
}

pub struct TestDatabase {
    pub url: DatabaseUrl,
    _dir: Option<tempfile::TempDir>,
    pg_admin: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn new() -> TestDatabase {
        let base = std::env::var("TEVREDEN_TEST_DATABASE_URL").unwrap_or_default();
        if base.starts_with("postgres") {
            Self::postgres(&base).await
        } else {
            Self::sqlite()
        }
    }

    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = DatabaseUrl::Sqlite(dir.path().join("test.db"));
        TestDatabase {
            url,
            _dir: Some(dir),
            pg_admin: None,
        }
    }

    pub async fn postgres(base: &str) -> TestDatabase {
        sqlx::any::install_default_drivers();
        let name = format!("tevreden_t_{}", crate::random_token(6));
        let mut conn = AnyConnection::connect(base)
            .await
            .expect("connect to the PostgreSQL test server");
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create test database");
        let _ = conn.close().await;
        let url = match base.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!(
                "TEVREDEN_TEST_DATABASE_URL must name a database, e.g. postgres://root@127.0.0.1:5432/test"
            ),
        };
        TestDatabase {
            url: DatabaseUrl::Postgres(url),
            _dir: None,
            pg_admin: Some((base.to_string(), name)),
        }
    }

    /// PostgreSQL only: ends every session on the test database, as a server restart would.
    /// Returns how many were ended (0 on SQLite, which has no server).
    pub async fn disconnect_all(&self) -> usize {
        let (Some((base, name)), DatabaseUrl::Postgres(_)) = (&self.pg_admin, &self.url) else {
            return 0;
        };
        let mut conn = AnyConnection::connect(base)
            .await
            .expect("connect to the PostgreSQL test server");
        let ended: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
        )
        .bind(name.as_str())
        .fetch_all(&mut conn)
        .await
        .expect("terminate sessions");
        let _ = conn.close().await;
        ended.into_iter().filter(|e| *e).count()
    }

    /// The URL as the CLI takes it.
    pub fn url_string(&self) -> String {
        match &self.url {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => u.clone(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((base, name)) = self.pg_admin.take() {
            // Drop the database from a separate thread: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(mut c) = AnyConnection::connect(&base).await {
                            let _ = c
                                .execute(sqlx::AssertSqlSafe(format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                )))
                                .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}
