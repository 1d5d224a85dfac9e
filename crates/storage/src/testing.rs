//! Fresh databases for tests, on either engine.
//!
//! `TEVREDEN_TEST_DATABASE_URL` chooses the engine: unset (or `sqlite`) gives a new SQLite file
//! in a temporary folder; a `postgres://…` URL gives a new database on that server, created for
//! the test and dropped afterwards. The same test code runs against both.

use sqlx::{AnyConnection, Connection, Executor};

use crate::db::DatabaseUrl;

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
