//! Integration tests: the real router on 127.0.0.1:0 against a fresh database — SQLite by
//! default, PostgreSQL when TEVREDEN_TEST_DATABASE_URL=postgres://… is set.

mod abuse;
mod admin;
mod api;
mod builder;
mod disclosure;
mod newcomer;
mod resources;
mod respondent;
mod results;
mod scorecards;

use std::net::SocketAddr;

use reqwest::redirect::Policy;
use tevreden_storage::testing::TestDatabase;
use tevreden_storage::{Role, Store, StoreOptions};
use tevreden_web::{AppState, WebConfig, app};

pub const MINIMAL: &str = tevreden_domain::templates::MINIMAL_EXAMPLE;

pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub org_id: i64,
    pub token: String,
    /// A client that does not follow redirects, so tests see the 303s.
    pub http: reqwest::Client,
    _db: TestDatabase,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_config(None).await
    }

    /// With email going to the SMTP server at 127.0.0.1:`port`, and the mail worker running.
    pub async fn spawn_with_smtp(port: u16) -> TestApp {
        Self::spawn_config(Some(tevreden_web::mailer::SmtpConfig {
            url: format!("smtp://127.0.0.1:{port}"),
            from: "Tevreden <noreply@example.com>".into(),
        }))
        .await
    }

    async fn spawn_config(smtp: Option<tevreden_web::mailer::SmtpConfig>) -> TestApp {
        Self::spawn_with(|c| c.smtp = smtp).await
    }

    /// With the web settings changed by `configure` (its `public_url` is preset to the
    /// server's address; a configure that sets one keeps it).
    pub async fn spawn_with(configure: impl FnOnce(&mut WebConfig)) -> TestApp {
        let db = TestDatabase::new().await;
        let store = Store::open(&db.url, StoreOptions::default())
            .await
            .expect("open store");
        let org = store.create_org("acme", "Acme Energie").await.unwrap();
        let (token, _) = store
            .create_api_token(
                org.id,
                "test",
                Role::Admin,
                None,
                &tevreden_storage::Actor::Cli,
            )
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = WebConfig {
            public_url: format!("http://{addr}"),
            ..Default::default()
        };
        configure(&mut config);
        let state = AppState::new(store.clone(), config);
        let background = state.start_background();
        tokio::spawn(async move {
            axum::serve(
                listener,
                app(state).into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
            drop(background);
        });
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap();
        TestApp {
            addr,
            store,
            org_id: org.id,
            token,
            http,
            _db: db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.token)
    }

    /// Uploads and publishes a survey file; returns the public link path (`/s/…`).
    pub async fn publish(&self, yaml: &str) -> String {
        let r = self
            .api(reqwest::Method::POST, "/surveys")
            .header("content-type", "application/yaml")
            .body(yaml.to_string())
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "upload failed: {}",
            r.text().await.unwrap()
        );
        let key = yaml
            .lines()
            .find_map(|l| l.strip_prefix("key: "))
            .unwrap()
            .trim();
        let r = self
            .api(reqwest::Method::POST, &format!("/surveys/{key}/publish"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().await.unwrap();
        let url = v["public_url"].as_str().unwrap();
        // the path of the public link, whatever public URL the server was given
        url[url.find("/s/").unwrap()..].to_string()
    }

    pub async fn count(&self, key: &str) -> i64 {
        let s = self.store.survey(self.org_id, key).await.unwrap();
        self.store.count_responses(s.id).await.unwrap()
    }

    pub async fn stored_answers(
        &self,
        key: &str,
    ) -> Vec<serde_json::Map<String, serde_json::Value>> {
        let s = self.store.survey(self.org_id, key).await.unwrap();
        self.store
            .responses_after(s.id, 0, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.answers)
            .collect()
    }
}

/// The value of a hidden form field in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden field {name}"))
        + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_string()
}

/// The scale values a histogram stands for: `counts[i]` times `first + i`.
pub fn values(counts: &[u64], first: i64) -> Vec<i64> {
    counts
        .iter()
        .enumerate()
        .flat_map(|(i, c)| std::iter::repeat_n(first + i as i64, *c as usize))
        .collect()
}

/// Asserts a JSON number equals `expected` (to 1e-9).
pub fn close(v: &serde_json::Value, expected: f64) {
    let got = v.as_f64().unwrap_or(f64::NAN);
    assert!((got - expected).abs() < 1e-9, "{got} ≠ {expected}");
}

/// Posts responses to a survey through the API, 50 at a time in parallel; each must be
/// acknowledged (201) once stored.
pub async fn post_all(app: &TestApp, key: &str, bodies: Vec<serde_json::Value>) {
    let mut set = tokio::task::JoinSet::new();
    for chunk in bodies.chunks(50) {
        let chunk = chunk.to_vec();
        let http = app.http.clone();
        let url = app.url(&format!("/api/v1/surveys/{key}/responses"));
        let token = app.token.clone();
        set.spawn(async move {
            for b in chunk {
                let r = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&b)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    r.status(),
                    reqwest::StatusCode::CREATED,
                    "{}",
                    r.text().await.unwrap()
                );
            }
        });
    }
    while let Some(r) = set.join_next().await {
        r.unwrap();
    }
}
