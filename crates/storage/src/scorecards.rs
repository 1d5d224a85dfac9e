//! The organisation's indicator, unit targets, influence links and theme dictionary; every
//! change audited in its transaction.

use std::collections::HashMap;

use serde_json::json;
use sqlx::Row;
use tevreden_domain::scorecard::IndicatorKind;

use crate::accounts::Actor;
use crate::accounts::{NewAudit, insert_audit};
use crate::db::{Store, now_ms};
use crate::error::{Result, StoreError};

/// The north-star indicator as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Indicator {
    pub kind: IndicatorKind,
    pub survey_id: i64,
    pub survey_key: String,
    /// (question id, weight); one component for nps and csat.
    pub components: Vec<(String, f64)>,
    pub updated_at: i64,
}

impl Indicator {
    fn json(&self) -> serde_json::Value {
        json!({
            "kind": self.kind.as_str(),
            "survey": self.survey_key,
            "components": self.components.iter().map(|(q, w)| json!({"question": q, "weight": w})).collect::<Vec<_>>(),
        })
    }
}

impl Store {
    pub async fn indicator(&self, org_id: i64) -> Result<Option<Indicator>> {
        let row = sqlx::query(
            "SELECT i.kind, i.survey_id, s.key, i.components, i.updated_at FROM indicators i \
             JOIN surveys s ON s.id = i.survey_id WHERE i.org_id = $1",
        )
        .bind(org_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let kind: String = r.try_get(0)?;
        let components: String = r.try_get(3)?;
        let components: Vec<(String, f64)> =
            serde_json::from_str::<Vec<serde_json::Value>>(&components)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|c| Some((c["question"].as_str()?.to_owned(), c["weight"].as_f64()?)))
                .collect();
        Ok(Some(Indicator {
            kind: IndicatorKind::parse(&kind)
                .ok_or_else(|| StoreError::Internal(format!("unknown indicator kind {kind}")))?,
            survey_id: r.try_get(1)?,
            survey_key: r.try_get(2)?,
            components,
            updated_at: r.try_get(4)?,
        }))
    }

    /// Sets the indicator (the caller has checked the survey and questions).
    pub async fn set_indicator(
        &self,
        org_id: i64,
        kind: IndicatorKind,
        survey_id: i64,
        components: &[(String, f64)],
        actor: &Actor,
    ) -> Result<Indicator> {
        let before = self.indicator(org_id).await?;
        let stored: Vec<serde_json::Value> = components
            .iter()
            .map(|(q, w)| json!({"question": q, "weight": w}))
            .collect();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO indicators (org_id, kind, survey_id, components, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_id) DO UPDATE SET kind = excluded.kind, survey_id = excluded.survey_id, \
             components = excluded.components, updated_at = excluded.updated_at",
        )
        .bind(org_id)
        .bind(kind.as_str())
        .bind(survey_id)
        .bind(serde_json::Value::Array(stored).to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let survey_key: String = sqlx::query_scalar("SELECT key FROM surveys WHERE id = $1")
            .bind(survey_id)
            .fetch_one(&mut *tx)
            .await?;
        let after = Indicator {
            kind,
            survey_id,
            survey_key,
            components: components.to_vec(),
            updated_at: now_ms(),
        };
        insert_audit(
            &mut tx,
            &NewAudit {
                org_id,
                actor,
                action: "indicator.set",
                object_type: "indicator",
                object_key: kind.as_str(),
                before: before.as_ref().map(Indicator::json),
                after: Some(after.json()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Targets of the organisation's units for the given period labels: (unit id, period) →
    /// target.
    pub async fn targets(
        &self,
        org_id: i64,
        periods: &[String],
    ) -> Result<HashMap<(i64, String), f64>> {
        let rows = sqlx::query(
            "SELECT t.unit_id, t.period, t.target FROM unit_targets t JOIN units u ON u.id = t.unit_id \
             WHERE u.org_id = $1",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = HashMap::new();
        for r in rows {
            let period: String = r.try_get(1)?;
            if periods.is_empty() || periods.contains(&period) {
                out.insert((r.try_get::<i64, _>(0)?, period), r.try_get::<f64, _>(2)?);
            }
        }
        Ok(out)
    }

    /// Sets (or with `None` removes) a unit's target for a period.
    pub async fn set_target(
        &self,
        org_id: i64,
        unit_external_id: &str,
        period: &str,
        target: Option<f64>,
        actor: &Actor,
    ) -> Result<()> {
        let unit = self.unit(org_id, unit_external_id).await?;
        let mut tx = self.begin_write().await?;
        let before: Option<f64> = sqlx::query_scalar(
            "SELECT target FROM unit_targets WHERE unit_id = $1 AND period = $2",
        )
        .bind(unit.id)
        .bind(period)
        .fetch_optional(&mut *tx)
        .await?;
        match target {
            Some(t) => {
                sqlx::query(
                    "INSERT INTO unit_targets (unit_id, period, target, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (unit_id, period) DO UPDATE SET target = excluded.target, updated_at = excluded.updated_at",
                )
                .bind(unit.id)
                .bind(period)
                .bind(t)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM unit_targets WHERE unit_id = $1 AND period = $2")
                    .bind(unit.id)
                    .bind(period)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        if before != target {
            let key = format!("{}:{period}", unit.external_id);
            insert_audit(
                &mut tx,
                &NewAudit {
                    org_id,
                    actor,
                    action: if target.is_some() {
                        "target.set"
                    } else {
                        "target.delete"
                    },
                    object_type: "target",
                    object_key: &key,
                    before: before.map(|t| json!({"target": t})),
                    after: target.map(|t| json!({"target": t})),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The touchpoints each unit influences: unit id → touchpoint ids.
    pub async fn influences(&self, org_id: i64) -> Result<HashMap<i64, Vec<i64>>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT i.unit_id, i.touchpoint_id FROM unit_influences i JOIN units u ON u.id = i.unit_id \
             WHERE u.org_id = $1 ORDER BY i.unit_id, i.touchpoint_id",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
        for (u, t) in rows {
            out.entry(u).or_default().push(t);
        }
        Ok(out)
    }

    /// Replaces the touchpoints a unit influences (keys of the organisation's touchpoints).
    pub async fn set_influences(
        &self,
        org_id: i64,
        unit_external_id: &str,
        touchpoint_keys: &[String],
        actor: &Actor,
    ) -> Result<Vec<String>> {
        let unit = self.unit(org_id, unit_external_id).await?;
        let all = self.touchpoints(org_id).await?;
        let mut ids = Vec::new();
        for k in touchpoint_keys {
            let t = all
                .iter()
                .find(|t| &t.key == k)
                .ok_or_else(|| StoreError::NotFound(format!("touchpoint `{k}`")))?;
            if !ids.contains(&t.id) {
                ids.push(t.id);
            }
        }
        let before: Vec<String> = self
            .influences(org_id)
            .await?
            .remove(&unit.id)
            .unwrap_or_default()
            .iter()
            .filter_map(|id| all.iter().find(|t| t.id == *id).map(|t| t.key.clone()))
            .collect();
        let mut after: Vec<String> = ids
            .iter()
            .filter_map(|id| all.iter().find(|t| t.id == *id).map(|t| t.key.clone()))
            .collect();
        after.sort();
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM unit_influences WHERE unit_id = $1")
            .bind(unit.id)
            .execute(&mut *tx)
            .await?;
        for id in &ids {
            sqlx::query("INSERT INTO unit_influences (unit_id, touchpoint_id) VALUES ($1, $2)")
                .bind(unit.id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let mut sorted_before = before.clone();
        sorted_before.sort();
        if sorted_before != after {
            insert_audit(
                &mut tx,
                &NewAudit {
                    org_id,
                    actor,
                    action: "influences.set",
                    object_type: "unit",
                    object_key: &unit.external_id,
                    before: Some(json!({"touchpoints": sorted_before})),
                    after: Some(json!({"touchpoints": after})),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(after)
    }

    /// The organisation's own theme dictionary (YAML), if it has one.
    pub async fn theme_dictionary(&self, org_id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT yaml FROM theme_dictionaries WHERE org_id = $1")
                .bind(org_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Stores the organisation's theme dictionary (already checked), or with `None` returns to
    /// the built-in one.
    pub async fn set_theme_dictionary(
        &self,
        org_id: i64,
        yaml: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        let before = self.theme_dictionary(org_id).await?;
        let mut tx = self.begin_write().await?;
        match yaml {
            Some(y) => {
                sqlx::query(
                    "INSERT INTO theme_dictionaries (org_id, yaml, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (org_id) DO UPDATE SET yaml = excluded.yaml, updated_at = excluded.updated_at",
                )
                .bind(org_id)
                .bind(y)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM theme_dictionaries WHERE org_id = $1")
                    .bind(org_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        insert_audit(
            &mut tx,
            &NewAudit {
                org_id,
                actor,
                action: "themes.set",
                object_type: "themes",
                object_key: "dictionary",
                before: before.map(|y| json!({"yaml": y})),
                after: yaml.map(|y| json!({"yaml": y})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
