//! In-memory caches in front of storage for the respondent hot path.
//!
//! * Published survey versions are immutable, so they are cached without expiry.
//! * "Which version does this public link serve, and is the survey open?" is cached for a few
//!   seconds. Another node's publish or close is seen within that time; the ingest writer
//!   re-checks the survey's status inside its transaction, so nothing is stored for a closed
//!   survey whatever this cache says.
//! * API tokens by secret, and a survey's id by its key, for the same few seconds: the API's
//!   submission path then asks the database nothing but the write. A token revoked on this node
//!   is forgotten at once; one revoked on another node works here for at most [`TTL`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tevreden_storage::{PublishedSurvey, Store, StoreError, SurveyVersion};

const TTL: Duration = Duration::from_secs(2);
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct SurveyCache {
    by_public_id: RwLock<HashMap<String, (Instant, Arc<PublishedSurvey>)>>,
    by_survey_id: RwLock<HashMap<i64, (Instant, Arc<PublishedSurvey>)>>,
    versions: RwLock<HashMap<i64, Arc<SurveyVersion>>>,
}

fn get<K: std::hash::Hash + Eq>(
    map: &RwLock<HashMap<K, (Instant, Arc<PublishedSurvey>)>>,
    k: &K,
) -> Option<Arc<PublishedSurvey>> {
    let m = map.read().ok()?;
    let (at, v) = m.get(k)?;
    (at.elapsed() < TTL).then(|| v.clone())
}

fn put<K: std::hash::Hash + Eq>(
    map: &RwLock<HashMap<K, (Instant, Arc<PublishedSurvey>)>>,
    k: K,
    v: Arc<PublishedSurvey>,
) {
    if let Ok(mut m) = map.write() {
        if m.len() >= MAX_ENTRIES {
            m.retain(|_, (at, _)| at.elapsed() < TTL);
        }
        m.insert(k, (Instant::now(), v));
    }
}

impl SurveyCache {
    pub async fn by_public_id(
        &self,
        store: &Store,
        public_id: &str,
    ) -> Result<Arc<PublishedSurvey>, StoreError> {
        if let Some(p) = get(&self.by_public_id, &public_id.to_string()) {
            return Ok(p);
        }
        let p = Arc::new(store.published_by_public_id(public_id).await?);
        put(&self.by_public_id, public_id.to_string(), p.clone());
        Ok(p)
    }

    pub async fn by_survey_id(
        &self,
        store: &Store,
        survey_id: i64,
    ) -> Result<Arc<PublishedSurvey>, StoreError> {
        if let Some(p) = get(&self.by_survey_id, &survey_id) {
            return Ok(p);
        }
        let p = Arc::new(store.published_by_id(survey_id).await?);
        put(&self.by_survey_id, survey_id, p.clone());
        Ok(p)
    }

    /// A published version by id (immutable, cached for good).
    pub async fn version(
        &self,
        store: &Store,
        version_id: i64,
    ) -> Result<Arc<SurveyVersion>, StoreError> {
        if let Some(v) = self
            .versions
            .read()
            .ok()
            .and_then(|m| m.get(&version_id).cloned())
        {
            return Ok(v);
        }
        let v = store.survey_version(version_id).await?;
        if v.version.is_none() {
            return Err(StoreError::not_found("published version"));
        }
        let v = Arc::new(v);
        if let Ok(mut m) = self.versions.write()
            && m.len() < MAX_ENTRIES
        {
            m.insert(version_id, v.clone());
        }
        Ok(v)
    }

    /// Forgets what this node knows about a survey (after publish, close, open).
    pub fn invalidate(&self, public_id: &str, survey_id: i64) {
        if let Ok(mut m) = self.by_public_id.write() {
            m.remove(public_id);
        }
        if let Ok(mut m) = self.by_survey_id.write() {
            m.remove(&survey_id);
        }
    }
}

/// A small map whose entries live [`TTL`], bounded to [`MAX_ENTRIES`].
pub struct Expiring<K, V> {
    map: RwLock<HashMap<K, (Instant, V)>>,
}

impl<K, V> Default for Expiring<K, V> {
    fn default() -> Self {
        Expiring {
            map: RwLock::new(HashMap::new()),
        }
    }
}

impl<K: std::hash::Hash + Eq, V: Clone> Expiring<K, V> {
    pub fn get(&self, k: &K) -> Option<V> {
        let m = self.map.read().ok()?;
        let (at, v) = m.get(k)?;
        (at.elapsed() < TTL).then(|| v.clone())
    }

    pub fn put(&self, k: K, v: V) {
        if let Ok(mut m) = self.map.write() {
            if m.len() >= MAX_ENTRIES {
                m.retain(|_, (at, _)| at.elapsed() < TTL);
                if m.len() >= MAX_ENTRIES {
                    m.clear();
                }
            }
            m.insert(k, (Instant::now(), v));
        }
    }

    /// Forgets every entry whose value `gone` picks.
    pub fn forget(&self, gone: impl Fn(&V) -> bool) {
        if let Ok(mut m) = self.map.write() {
            m.retain(|_, (_, v)| !gone(v));
        }
    }
}

/// Rendered first pages of public links, split where the submission id goes. Keyed by
/// (version id, language, public id); versions are immutable, and entries expire after a
/// minute so a renamed organisation shows up.
/// (version id, language, public id) → when rendered, and the pieces around the id.
type PageKey = (i64, String, String);
type PageEntry = (Instant, Arc<Vec<String>>);

#[derive(Default)]
pub struct PageCache {
    pages: RwLock<HashMap<PageKey, PageEntry>>,
}

const PAGE_TTL: Duration = Duration::from_secs(60);

impl PageCache {
    pub fn get(&self, key: &PageKey) -> Option<Arc<Vec<String>>> {
        let m = self.pages.read().ok()?;
        let (at, v) = m.get(key)?;
        (at.elapsed() < PAGE_TTL).then(|| v.clone())
    }

    pub fn put(&self, key: PageKey, pieces: Vec<String>) -> Arc<Vec<String>> {
        let v = Arc::new(pieces);
        if let Ok(mut m) = self.pages.write() {
            if m.len() >= 1_000 {
                m.retain(|_, (at, _)| at.elapsed() < PAGE_TTL);
                if m.len() >= 1_000 {
                    m.clear();
                }
            }
            m.insert(key, (Instant::now(), v.clone()));
        }
        v
    }
}
