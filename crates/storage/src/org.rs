use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sqlx::Row;
use tevreden_domain::import::{ContactRecord, EmployeeRecord, Office, UnitRecord};

use crate::accounts::{NewAudit, insert_audit};
use crate::db::{Backend, Store, now_ms};
use crate::error::{Result, StoreError};
use crate::ingest::placeholders;

#[derive(Clone, Debug, Serialize)]
pub struct Org {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub created_at: i64,
    /// IANA name of the organisation's time zone (`Europe/Amsterdam` unless set).
    pub time_zone: String,
}

impl Org {
    /// The organisation's time zone: local days, and every time shown to its people.
    pub fn tz(&self) -> jiff::tz::TimeZone {
        crate::analytics::zone(Some(&self.time_zone))
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Unit {
    pub id: i64,
    pub external_id: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub office: Office,
    /// Materialised path of ids, `/1/4/9/`: "this unit and everything under it" is a prefix.
    pub path: String,
}

impl tevreden_domain::access::TreeUnit for Unit {
    fn unit_id(&self) -> i64 {
        self.id
    }
    fn unit_path(&self) -> &str {
        &self.path
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Channel {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub kind: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Touchpoint {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub unit_id: i64,
    pub channel_id: Option<i64>,
}

/// Ids of the organisation records a response or invitation refers to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactRef {
    pub unit_id: Option<i64>,
    pub touchpoint_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub contact_id: Option<i64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
}

fn org_from_row(r: &sqlx::any::AnyRow) -> Result<Org> {
    Ok(Org {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        time_zone: r.try_get("time_zone")?,
    })
}

/// Rows per multi-row upsert of an import (9 parameters a row at most: far below SQLite's
/// 32,766 and PostgreSQL's 65,535 per statement).
pub const IMPORT_BATCH: usize = 500;

/// `(…),(…)` for `rows` rows of `cols` parameters each.
fn values_rows(backend: Backend, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * (cols * 5 + 3));
    for i in 0..rows {
        if i > 0 {
            s.push(',');
        }
        s.push('(');
        s.push_str(&placeholders(backend, 1 + i * cols, cols));
        s.push(')');
    }
    s
}

/// `records` in batches of up to [`IMPORT_BATCH`], a batch ending early before a key it holds
/// already (one upsert statement cannot change a row twice on PostgreSQL; checked imports
/// have no repeated keys, so this only keeps direct callers' "the last row wins").
fn distinct_batches<T>(records: &[T], key: impl Fn(&T) -> &str) -> Vec<Vec<&T>> {
    let mut out: Vec<Vec<&T>> = Vec::new();
    let mut keys: HashSet<&str> = HashSet::new();
    let mut batch: Vec<&T> = Vec::new();
    for r in records {
        let k = key(r);
        if batch.len() == IMPORT_BATCH || keys.contains(k) {
            out.push(std::mem::take(&mut batch));
            keys.clear();
        }
        keys.insert(k);
        batch.push(r);
    }
    if !batch.is_empty() {
        out.push(batch);
    }
    out
}

/// The materialised path (`/1/4/9/`) of every unit, given each unit's parent: each path is
/// built once, from its parent's. A cycle is an error.
fn unit_paths(parent: &HashMap<i64, Option<i64>>) -> Result<HashMap<i64, String>> {
    let mut paths: HashMap<i64, String> = HashMap::with_capacity(parent.len());
    let mut chain: Vec<i64> = Vec::new();
    for &id in parent.keys() {
        chain.clear();
        let mut cursor = Some(id);
        let mut base = String::from("/");
        while let Some(c) = cursor {
            if let Some(p) = paths.get(&c) {
                base.clone_from(p);
                break;
            }
            if chain.len() >= parent.len() {
                return Err(StoreError::Invalid(crate::error::Rule::UnitTreeCycle));
            }
            chain.push(c);
            cursor = parent.get(&c).copied().flatten();
        }
        for c in chain.iter().rev() {
            base.push_str(&c.to_string());
            base.push('/');
            paths.insert(*c, base.clone());
        }
    }
    Ok(paths)
}

impl Store {
    pub async fn create_org(&self, slug: &str, name: &str) -> Result<Org> {
        let now = now_ms();
        let res = sqlx::query_scalar::<_, i64>(
            "INSERT INTO orgs (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(slug)
        .bind(name)
        .bind(now)
        .fetch_one(&self.pool)
        .await;
        match res {
            Ok(id) => Ok(Org {
                id,
                slug: slug.into(),
                name: name.into(),
                created_at: now,
                time_zone: "Europe/Amsterdam".into(),
            }),
            Err(e) => {
                let e = StoreError::from(e);
                if e.is_unique_violation() {
                    Err(StoreError::Conflict(format!(
                        "an organisation with slug `{slug}` exists already"
                    )))
                } else {
                    Err(e)
                }
            }
        }
    }

    pub async fn org_by_slug(&self, slug: &str) -> Result<Org> {
        let row = sqlx::query("SELECT * FROM orgs WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("organisation `{slug}`")))?;
        org_from_row(&row)
    }

    pub async fn org_by_id(&self, id: i64) -> Result<Org> {
        let row = sqlx::query("SELECT * FROM orgs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("organisation"))?;
        org_from_row(&row)
    }

    /// The units a user or token of the organisation may see
    /// ([`tevreden_domain::access::unit_scope`], the one rule); an unbound admin's scope is
    /// known without reading the tree.
    pub async fn unit_scope(
        &self,
        org_id: i64,
        grant: tevreden_domain::access::Grant<'_>,
    ) -> Result<tevreden_domain::access::UnitScope> {
        use tevreden_domain::access::{Role, UnitScope, unit_scope};
        if grant.role == Role::Admin && grant.units.is_empty() {
            return Ok(UnitScope::All);
        }
        Ok(unit_scope(grant, &self.units(org_id).await?))
    }

    pub async fn units(&self, org_id: i64) -> Result<Vec<Unit>> {
        let rows = sqlx::query("SELECT id, external_id, name, parent_id, office, path FROM units WHERE org_id = $1 ORDER BY path")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let office: String = r.try_get("office")?;
                Ok(Unit {
                    id: r.try_get("id")?,
                    external_id: r.try_get("external_id")?,
                    name: r.try_get("name")?,
                    parent_id: r.try_get("parent_id")?,
                    office: Office::parse(&office).unwrap_or(Office::Back),
                    path: r.try_get("path")?,
                })
            })
            .collect()
    }

    /// External id → parent external id, for checking an import against what exists.
    pub async fn unit_parents(&self, org_id: i64) -> Result<HashMap<String, Option<String>>> {
        let units = self.units(org_id).await?;
        let by_id: HashMap<i64, &str> = units
            .iter()
            .map(|u| (u.id, u.external_id.as_str()))
            .collect();
        Ok(units
            .iter()
            .map(|u| {
                (
                    u.external_id.clone(),
                    u.parent_id
                        .and_then(|p| by_id.get(&p))
                        .map(|s| s.to_string()),
                )
            })
            .collect())
    }

    pub async fn unit_external_ids(&self, org_id: i64) -> Result<HashSet<String>> {
        Ok(
            sqlx::query_scalar("SELECT external_id FROM units WHERE org_id = $1")
                .bind(org_id)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .collect(),
        )
    }

    /// Creates or updates units by external id, in one transaction, parents first; then
    /// recomputes the organisation's unit paths.
    pub async fn import_units(&self, org_id: i64, records: &[UnitRecord]) -> Result<ImportSummary> {
        self.import_units_with_progress(org_id, records, &|_| {}, None)
            .await
    }

    /// As [`Store::import_units`], calling `progress` with the number of rows written so far and
    /// writing `audit` in the same transaction.
    ///
    /// Rows are written by multi-row upserts of up to [`IMPORT_BATCH`] rows (a batch ends early
    /// where a row's parent is in it, so every parent has its id before its children are
    /// written), then each unit's path is worked out once, from its parent's, and the changed
    /// paths are written in batches too.
    pub async fn import_units_with_progress(
        &self,
        org_id: i64,
        records: &[UnitRecord],
        progress: &(dyn Fn(usize) + Send + Sync),
        audit: Option<&NewAudit<'_>>,
    ) -> Result<ImportSummary> {
        let mut tx = self.begin_write().await?;
        if let Some(entry) = audit {
            insert_audit(&mut tx, entry).await?;
        }
        let now = now_ms();
        let mut ids: HashMap<String, i64> =
            sqlx::query("SELECT external_id, id FROM units WHERE org_id = $1")
                .bind(org_id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
                .collect::<Result<_>>()?;
        let mut summary = ImportSummary::default();
        let mut done = 0;
        let mut batch: Vec<&UnitRecord> = Vec::with_capacity(IMPORT_BATCH);
        let mut in_batch: HashSet<&str> = HashSet::with_capacity(IMPORT_BATCH);
        let mut i = 0;
        while i < records.len() || !batch.is_empty() {
            let next = records.get(i);
            let waits = next.is_some_and(|r| {
                in_batch.contains(r.external_id.as_str())
                    || r.parent
                        .as_ref()
                        .is_some_and(|p| in_batch.contains(p.as_str()))
            });
            if let Some(r) = next.filter(|_| !waits && batch.len() < IMPORT_BATCH) {
                batch.push(r);
                in_batch.insert(r.external_id.as_str());
                i += 1;
                continue;
            }
            // write the batch: its parents are all written already
            let mut rows = Vec::with_capacity(batch.len());
            for r in &batch {
                let parent_id = match &r.parent {
                    Some(p) => Some(*ids.get(p.as_str()).ok_or_else(|| {
                        StoreError::unknown(crate::error::Reference::ParentUnit, p.as_str())
                    })?),
                    None => None,
                };
                if ids.contains_key(r.external_id.as_str()) {
                    summary.updated += 1;
                } else {
                    summary.created += 1;
                }
                rows.push((*r, parent_id));
            }
            let sql = format!(
                "INSERT INTO units (org_id, external_id, name, parent_id, office, path, created_at, updated_at) \
                 VALUES {} ON CONFLICT (org_id, external_id) DO UPDATE SET name = excluded.name, \
                 parent_id = excluded.parent_id, office = excluded.office, updated_at = excluded.updated_at \
                 RETURNING external_id, id",
                values_rows(self.backend, rows.len(), 8)
            );
            let q = rows.iter().fold(
                sqlx::query(sqlx::AssertSqlSafe(sql)),
                |q, (r, parent_id)| {
                    q.bind(org_id)
                        .bind(r.external_id.as_str())
                        .bind(r.name.as_str())
                        .bind(*parent_id)
                        .bind(r.office.as_str())
                        .bind("")
                        .bind(now)
                        .bind(now)
                },
            );
            for row in q.fetch_all(&mut *tx).await? {
                ids.insert(row.try_get(0)?, row.try_get(1)?);
            }
            done += batch.len();
            progress(done);
            batch.clear();
            in_batch.clear();
        }
        // Each unit's materialised path, once, from its parent's (the whole tree: units are
        // few, and a moved unit moves its subtree).
        let rows = sqlx::query("SELECT id, parent_id, path FROM units WHERE org_id = $1")
            .bind(org_id)
            .fetch_all(&mut *tx)
            .await?;
        let mut parent: HashMap<i64, Option<i64>> = HashMap::with_capacity(rows.len());
        let mut old_path: Vec<(i64, String)> = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get(0)?;
            parent.insert(id, r.try_get(1)?);
            old_path.push((id, r.try_get(2)?));
        }
        let paths = unit_paths(&parent)?;
        let changed: Vec<(i64, &str)> = old_path
            .iter()
            .filter_map(|(id, old)| {
                let new = paths[id].as_str();
                (new != old).then_some((*id, new))
            })
            .collect();
        for chunk in changed.chunks(IMPORT_BATCH) {
            let sql = format!(
                "UPDATE units SET path = v.column2 FROM (VALUES {}) AS v WHERE units.id = v.column1",
                values_rows(self.backend, chunk.len(), 2)
            );
            chunk
                .iter()
                .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |q, (id, path)| {
                    q.bind(*id).bind(*path)
                })
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(summary)
    }

    pub async fn import_employees(
        &self,
        org_id: i64,
        records: &[EmployeeRecord],
    ) -> Result<ImportSummary> {
        self.import_employees_with_progress(org_id, records, &|_| {}, None)
            .await
    }

    /// As [`Store::import_employees`], calling `progress` with the number of rows written so far.
    /// Multi-row upserts of up to [`IMPORT_BATCH`] rows, in one transaction.
    pub async fn import_employees_with_progress(
        &self,
        org_id: i64,
        records: &[EmployeeRecord],
        progress: &(dyn Fn(usize) + Send + Sync),
        audit: Option<&NewAudit<'_>>,
    ) -> Result<ImportSummary> {
        let mut tx = self.begin_write().await?;
        if let Some(entry) = audit {
            insert_audit(&mut tx, entry).await?;
        }
        let now = now_ms();
        let units: HashMap<String, i64> =
            sqlx::query("SELECT external_id, id FROM units WHERE org_id = $1")
                .bind(org_id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
                .collect::<Result<_>>()?;
        let mut existing: HashSet<String> =
            sqlx::query_scalar("SELECT external_id FROM employees WHERE org_id = $1")
                .bind(org_id)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        let mut summary = ImportSummary::default();
        let mut done = 0;
        for batch in distinct_batches(records, |r| r.external_id.as_str()) {
            let mut unit_ids = Vec::with_capacity(batch.len());
            for r in &batch {
                unit_ids.push(*units.get(r.unit.as_str()).ok_or_else(|| {
                    StoreError::unknown(crate::error::Reference::Unit, r.unit.as_str())
                })?);
                if existing.insert(r.external_id.to_string()) {
                    summary.created += 1;
                } else {
                    summary.updated += 1;
                }
            }
            let sql = format!(
                "INSERT INTO employees (org_id, external_id, name, email, unit_id, role, customer_facing, created_at, updated_at) \
                 VALUES {} ON CONFLICT (org_id, external_id) DO UPDATE SET name = excluded.name, email = excluded.email, \
                 unit_id = excluded.unit_id, role = excluded.role, customer_facing = excluded.customer_facing, \
                 updated_at = excluded.updated_at",
                values_rows(self.backend, batch.len(), 9)
            );
            batch
                .iter()
                .zip(&unit_ids)
                .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |q, (r, unit_id)| {
                    q.bind(org_id)
                        .bind(r.external_id.as_str())
                        .bind(r.name.as_str())
                        .bind(r.email.as_deref())
                        .bind(*unit_id)
                        .bind(r.role.as_deref())
                        .bind(i64::from(r.customer_facing))
                        .bind(now)
                        .bind(now)
                })
                .execute(&mut *tx)
                .await?;
            done += batch.len();
            progress(done);
        }
        tx.commit().await?;
        Ok(summary)
    }

    pub async fn import_contacts(
        &self,
        org_id: i64,
        records: &[ContactRecord],
    ) -> Result<ImportSummary> {
        self.import_contacts_with_progress(org_id, records, &|_| {}, None)
            .await
    }

    /// As [`Store::import_contacts`], calling `progress` with the number of rows written so far.
    /// Multi-row upserts of up to [`IMPORT_BATCH`] rows, in one transaction.
    pub async fn import_contacts_with_progress(
        &self,
        org_id: i64,
        records: &[ContactRecord],
        progress: &(dyn Fn(usize) + Send + Sync),
        audit: Option<&NewAudit<'_>>,
    ) -> Result<ImportSummary> {
        let mut tx = self.begin_write().await?;
        if let Some(entry) = audit {
            insert_audit(&mut tx, entry).await?;
        }
        let now = now_ms();
        let mut existing: HashSet<String> =
            sqlx::query_scalar("SELECT external_id FROM contacts WHERE org_id = $1")
                .bind(org_id)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        let mut summary = ImportSummary::default();
        let mut done = 0;
        for batch in distinct_batches(records, |r| r.external_id.as_str()) {
            let mut attributes = Vec::with_capacity(batch.len());
            for r in &batch {
                attributes
                    .push(serde_json::to_string(&r.attributes).unwrap_or_else(|_| "{}".into()));
                if existing.insert(r.external_id.to_string()) {
                    summary.created += 1;
                } else {
                    summary.updated += 1;
                }
            }
            let sql = format!(
                "INSERT INTO contacts (org_id, external_id, email, name, lang, attributes, created_at, updated_at) \
                 VALUES {} ON CONFLICT (org_id, external_id) DO UPDATE SET email = excluded.email, name = excluded.name, \
                 lang = excluded.lang, attributes = excluded.attributes, updated_at = excluded.updated_at",
                values_rows(self.backend, batch.len(), 8)
            );
            batch
                .iter()
                .zip(&attributes)
                .fold(
                    sqlx::query(sqlx::AssertSqlSafe(sql)),
                    |q, (r, attributes)| {
                        q.bind(org_id)
                            .bind(r.external_id.as_str())
                            .bind(r.email.as_deref())
                            .bind(r.name.as_deref())
                            .bind(r.lang.as_ref().map(|l| l.as_str()))
                            .bind(attributes.as_str())
                            .bind(now)
                            .bind(now)
                    },
                )
                .execute(&mut *tx)
                .await?;
            done += batch.len();
            progress(done);
        }
        tx.commit().await?;
        Ok(summary)
    }

    pub async fn count_rows(&self, org_id: i64, table: OrgTable) -> Result<i64> {
        let sql = match table {
            OrgTable::Units => "SELECT COUNT(*) FROM units WHERE org_id = $1",
            OrgTable::Employees => "SELECT COUNT(*) FROM employees WHERE org_id = $1",
            OrgTable::Contacts => "SELECT COUNT(*) FROM contacts WHERE org_id = $1",
        };
        Ok(sqlx::query_scalar(sql)
            .bind(org_id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// (external id, name) of the given employees.
    pub async fn employee_names(
        &self,
        org_id: i64,
        ids: &[i64],
    ) -> Result<HashMap<i64, (String, String)>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        // Ids from our own tables, as integer literals.
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        let rows: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, external_id, name FROM employees WHERE org_id = $1 AND id IN ({})",
            list.join(",")
        )))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id, e, n)| (id, (e, n))).collect())
    }

    pub async fn employee_ids_in_unit(&self, unit_id: i64) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM employees WHERE unit_id = $1 ORDER BY id")
                .bind(unit_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn contact_ids(&self, org_id: i64) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM contacts WHERE org_id = $1 ORDER BY id")
                .bind(org_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn channels(&self, org_id: i64) -> Result<Vec<Channel>> {
        let rows =
            sqlx::query("SELECT id, key, name, kind FROM channels WHERE org_id = $1 ORDER BY key")
                .bind(org_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(Channel {
                    id: r.try_get(0)?,
                    key: r.try_get(1)?,
                    name: r.try_get(2)?,
                    kind: r.try_get(3)?,
                })
            })
            .collect()
    }

    pub async fn touchpoints(&self, org_id: i64) -> Result<Vec<Touchpoint>> {
        let rows = sqlx::query("SELECT id, key, name, unit_id, channel_id FROM touchpoints WHERE org_id = $1 ORDER BY key")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Touchpoint {
                    id: r.try_get(0)?,
                    key: r.try_get(1)?,
                    name: r.try_get(2)?,
                    unit_id: r.try_get(3)?,
                    channel_id: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Resolves the keys of a response or invitation context (`unit`, `touchpoint`, `channel`,
    /// `employee`, `contact`: external ids / keys) to ids. A touchpoint implies its owning unit
    /// and channel unless those are given. Unknown keys come back as `(field, message)` errors.
    pub async fn resolve_context(
        &self,
        org_id: i64,
        ctx: &ContextKeys,
    ) -> Result<std::result::Result<ContactRef, Vec<(String, String)>>> {
        let mut out = ContactRef::default();
        let mut errors = Vec::new();
        async fn lookup(
            store: &Store,
            sql: &'static str,
            org_id: i64,
            key: &str,
        ) -> Result<Option<sqlx::any::AnyRow>> {
            Ok(sqlx::query(sql)
                .bind(org_id)
                .bind(key)
                .fetch_optional(&store.pool)
                .await?)
        }
        if let Some(k) = &ctx.touchpoint {
            match lookup(
                self,
                "SELECT id, unit_id, channel_id FROM touchpoints WHERE org_id = $1 AND key = $2",
                org_id,
                k,
            )
            .await?
            {
                Some(r) => {
                    out.touchpoint_id = Some(r.try_get(0)?);
                    out.unit_id = r.try_get(1)?;
                    out.channel_id = r.try_get(2)?;
                }
                None => errors.push((
                    "context.touchpoint".into(),
                    format!("unknown touchpoint `{k}`"),
                )),
            }
        }
        if let Some(k) = &ctx.unit {
            match lookup(
                self,
                "SELECT id FROM units WHERE org_id = $1 AND external_id = $2",
                org_id,
                k,
            )
            .await?
            {
                Some(r) => out.unit_id = Some(r.try_get(0)?),
                None => errors.push(("context.unit".into(), format!("unknown unit `{k}`"))),
            }
        }
        if let Some(k) = &ctx.channel {
            match lookup(
                self,
                "SELECT id FROM channels WHERE org_id = $1 AND key = $2",
                org_id,
                k,
            )
            .await?
            {
                Some(r) => out.channel_id = Some(r.try_get(0)?),
                None => errors.push(("context.channel".into(), format!("unknown channel `{k}`"))),
            }
        }
        if let Some(k) = &ctx.employee {
            match lookup(
                self,
                "SELECT id, unit_id FROM employees WHERE org_id = $1 AND external_id = $2",
                org_id,
                k,
            )
            .await?
            {
                Some(r) => {
                    out.employee_id = Some(r.try_get(0)?);
                    if out.unit_id.is_none() {
                        out.unit_id = r.try_get(1)?;
                    }
                }
                None => errors.push(("context.employee".into(), format!("unknown employee `{k}`"))),
            }
        }
        if let Some(k) = &ctx.contact {
            match lookup(
                self,
                "SELECT id FROM contacts WHERE org_id = $1 AND external_id = $2",
                org_id,
                k,
            )
            .await?
            {
                Some(r) => out.contact_id = Some(r.try_get(0)?),
                None => errors.push(("context.contact".into(), format!("unknown contact `{k}`"))),
            }
        }
        Ok(if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        })
    }
}

#[derive(Clone, Copy, Debug)]
pub enum OrgTable {
    Units,
    Employees,
    Contacts,
}

/// The context of a response or invitation as given by a caller: keys, not ids.
#[derive(Clone, Debug, Default, serde::Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContextKeys {
    pub unit: Option<String>,
    pub touchpoint: Option<String>,
    pub channel: Option<String>,
    pub employee: Option<String>,
    pub contact: Option<String>,
}

/// What an import file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    Units,
    Employees,
    Contacts,
}

impl ImportKind {
    pub fn parse(s: &str) -> Option<ImportKind> {
        match s {
            "units" => Some(ImportKind::Units),
            "employees" => Some(ImportKind::Employees),
            "contacts" => Some(ImportKind::Contacts),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Units => "units",
            ImportKind::Employees => "employees",
            ImportKind::Contacts => "contacts",
        }
    }
}

/// The valid records of an import file.
#[derive(Clone, Debug)]
pub enum ImportRecords {
    Units(Vec<UnitRecord>),
    Employees(Vec<EmployeeRecord>),
    Contacts(Vec<ContactRecord>),
}

impl ImportRecords {
    pub fn len(&self) -> usize {
        match self {
            ImportRecords::Units(r) => r.len(),
            ImportRecords::Employees(r) => r.len(),
            ImportRecords::Contacts(r) => r.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An import file checked against the organisation: refused rows with line, column and
/// reason, and the valid records. The CLI and the admin app share it.
#[derive(Clone, Debug)]
pub struct CheckedImport {
    pub errors: Vec<tevreden_domain::import::RowError>,
    pub rows_read: usize,
    pub records: ImportRecords,
}

impl CheckedImport {
    /// How many rows had at least one problem.
    pub fn refused_rows(&self) -> usize {
        self.errors
            .iter()
            .map(|e| e.line)
            .collect::<HashSet<_>>()
            .len()
    }
}

impl Store {
    /// Checks a table for `kind` (units against the organisation's existing tree, employees
    /// against its units). Writes nothing.
    pub async fn check_import(
        &self,
        org_id: i64,
        kind: ImportKind,
        table: &tevreden_domain::import::Table,
    ) -> Result<CheckedImport> {
        use tevreden_domain::import::{check_contacts, check_employees, check_units};
        fn strip<T>(records: Vec<(usize, T)>) -> Vec<T> {
            records.into_iter().map(|(_, r)| r).collect()
        }
        Ok(match kind {
            ImportKind::Units => {
                let c = check_units(table, &self.unit_parents(org_id).await?);
                CheckedImport {
                    errors: c.errors,
                    rows_read: c.rows_read,
                    records: ImportRecords::Units(strip(c.records)),
                }
            }
            ImportKind::Employees => {
                let c = check_employees(table, &self.unit_external_ids(org_id).await?);
                CheckedImport {
                    errors: c.errors,
                    rows_read: c.rows_read,
                    records: ImportRecords::Employees(strip(c.records)),
                }
            }
            ImportKind::Contacts => {
                let c = check_contacts(table);
                CheckedImport {
                    errors: c.errors,
                    rows_read: c.rows_read,
                    records: ImportRecords::Contacts(strip(c.records)),
                }
            }
        })
    }

    /// Writes checked records in one transaction, with `audit` (when given) in the same one;
    /// `progress` hears how many rows are done.
    pub async fn apply_import(
        &self,
        org_id: i64,
        records: &ImportRecords,
        progress: &(dyn Fn(usize) + Send + Sync),
        audit: Option<&NewAudit<'_>>,
    ) -> Result<ImportSummary> {
        match records {
            ImportRecords::Units(r) => {
                self.import_units_with_progress(org_id, r, progress, audit)
                    .await
            }
            ImportRecords::Employees(r) => {
                self.import_employees_with_progress(org_id, r, progress, audit)
                    .await
            }
            ImportRecords::Contacts(r) => {
                self.import_contacts_with_progress(org_id, r, progress, audit)
                    .await
            }
        }
    }
}
