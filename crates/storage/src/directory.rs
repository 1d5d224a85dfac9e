//! The organisation's people and places one at a time: employees and contacts read in keyset
//! pages with filters, single records by external id, and deletions that refuse to break
//! references. Bulk writes go through the import path in `org.rs`; the API and the admin app
//! write single records through that same path so one set of rules checks every row.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::Actor;
use crate::accounts::{NewAudit, insert_audit, insert_saved_audit};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::org::{Channel, Touchpoint, Unit};

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Employee {
    pub id: i64,
    pub external_id: String,
    pub name: String,
    pub email: Option<String>,
    pub unit_id: i64,
    /// External id of the unit.
    pub unit: String,
    pub role: Option<String>,
    pub customer_facing: bool,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Contact {
    pub id: i64,
    pub external_id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub lang: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub updated_at: i64,
}

/// Which employees to list. `units` limits to those units (a caller's scope, or a filter);
/// `query` matches name, email or external id (case-insensitive substring).
#[derive(Clone, Debug, Default)]
pub struct EmployeeFilter<'a> {
    pub units: Option<&'a [i64]>,
    pub query: Option<&'a str>,
    pub customer_facing: Option<bool>,
}

/// `1,2,3` for an `IN (…)` list of our own integer ids; `NULL` (matching nothing) for none.
pub(crate) fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        "NULL".to_string()
    } else {
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    }
}

/// The condition that a contact (the row `id` of `contacts`) answered or was invited in one of
/// `units`; the ids are integers we hold, written into the statement.
fn contact_in_units(units: &[i64]) -> String {
    let ids = id_list(units);
    format!(
        " AND (EXISTS (SELECT 1 FROM responses r WHERE r.contact_id = contacts.id AND r.unit_id IN ({ids})) \
         OR EXISTS (SELECT 1 FROM invitations i WHERE i.contact_id = contacts.id AND i.unit_id IN ({ids})))"
    )
}

/// `%text%` for LIKE with `\` escaping the wildcards in `text`.
fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

const EMPLOYEE_SELECT: &str = "SELECT e.id, e.external_id, e.name, e.email, e.unit_id, u.external_id AS unit, e.role, \
     e.customer_facing, e.updated_at FROM employees e JOIN units u ON u.id = e.unit_id";

fn employee_from_row(r: &AnyRow) -> Result<Employee> {
    let cf: i64 = r.try_get("customer_facing")?;
    Ok(Employee {
        id: r.try_get("id")?,
        external_id: r.try_get("external_id")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        unit_id: r.try_get("unit_id")?,
        unit: r.try_get("unit")?,
        role: r.try_get("role")?,
        customer_facing: cf != 0,
        updated_at: r.try_get("updated_at")?,
    })
}

const CONTACT_SELECT: &str =
    "SELECT id, external_id, email, name, lang, attributes, updated_at FROM contacts";

fn contact_from_row(r: &AnyRow) -> Result<Contact> {
    let attributes: String = r.try_get("attributes")?;
    Ok(Contact {
        id: r.try_get("id")?,
        external_id: r.try_get("external_id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        lang: r.try_get("lang")?,
        attributes: serde_json::from_str(&attributes).unwrap_or_default(),
        updated_at: r.try_get("updated_at")?,
    })
}

/// Deletes row `id` of `table` with its audit entry (`<object_type>.delete`, the record as it
/// was), inside `tx`.
async fn delete_audited<T: Serialize>(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    table: &'static str,
    id: i64,
    who: (i64, &Actor),
    object_type: &str,
    external_id: &str,
    record: &T,
) -> Result<()> {
    let (org_id, actor) = who;
    let action = format!("{object_type}.delete");
    insert_audit(
        tx,
        &NewAudit {
            org_id,
            actor,
            action: &action,
            object_type,
            object_key: external_id,
            before: serde_json::to_value(record).ok(),
            after: None,
        },
    )
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE id = $1"
    )))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What became of a single record written by the import rules.
#[derive(Debug)]
pub enum RecordOutcome {
    Saved {
        created: bool,
    },
    /// The rules refused it: each problem with its column; nothing was written.
    Refused(Vec<tevreden_domain::import::RowError>),
}

impl Store {
    /// Writes one unit, employee or contact, checked by exactly the rules of an import file
    /// (a table of one row: `headers[0]` must be `external_id`), with its audit entry (before
    /// and after) by `actor` in the same transaction.
    pub async fn save_record(
        &self,
        org_id: i64,
        kind: crate::org::ImportKind,
        headers: &[&str],
        cells: Vec<String>,
        actor: &Actor,
    ) -> Result<RecordOutcome> {
        use crate::org::{ImportKind, ImportRecords};
        let external_id = cells.first().cloned().unwrap_or_default();
        let table = tevreden_domain::import::Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: vec![(2, cells)],
        };
        let checked = self.check_import(org_id, kind, &table).await?;
        if !checked.errors.is_empty() {
            return Ok(RecordOutcome::Refused(checked.errors));
        }
        let (object_type, before) = match kind {
            ImportKind::Units => (
                "unit",
                self.unit(org_id, &external_id)
                    .await
                    .ok()
                    .and_then(|u| serde_json::to_value(u).ok()),
            ),
            ImportKind::Employees => (
                "employee",
                self.employee(org_id, &external_id)
                    .await
                    .ok()
                    .and_then(|e| serde_json::to_value(e).ok()),
            ),
            ImportKind::Contacts => (
                "contact",
                self.contact(org_id, &external_id)
                    .await
                    .ok()
                    .and_then(|c| serde_json::to_value(c).ok()),
            ),
        };
        let after = match &checked.records {
            ImportRecords::Units(r) => serde_json::to_value(r.first()).ok(),
            ImportRecords::Employees(r) => serde_json::to_value(r.first()).ok(),
            ImportRecords::Contacts(r) => serde_json::to_value(r.first()).ok(),
        };
        let created = before.is_none();
        let action = format!(
            "{object_type}.{}",
            if created { "create" } else { "update" }
        );
        let audit = NewAudit {
            org_id,
            actor,
            action: &action,
            object_type,
            object_key: &external_id,
            before,
            after,
        };
        self.apply_import(org_id, &checked.records, &|_| {}, Some(&audit))
            .await?;
        Ok(RecordOutcome::Saved { created })
    }

    /// Up to `limit` employees with id greater than `after`, in id order.
    pub async fn employees_page(
        &self,
        org_id: i64,
        filter: &EmployeeFilter<'_>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Employee>> {
        let mut sql = format!("{EMPLOYEE_SELECT} WHERE e.org_id = $1 AND e.id > $2");
        if let Some(units) = filter.units {
            sql.push_str(&format!(" AND e.unit_id IN ({})", id_list(units)));
        }
        if let Some(cf) = filter.customer_facing {
            sql.push_str(&format!(" AND e.customer_facing = {}", i64::from(cf)));
        }
        if filter.query.is_some() {
            sql.push_str(
                " AND (LOWER(e.name) LIKE $4 ESCAPE '\\' OR LOWER(COALESCE(e.email, '')) LIKE $4 ESCAPE '\\' \
                 OR LOWER(e.external_id) LIKE $4 ESCAPE '\\')",
            );
        }
        sql.push_str(" ORDER BY e.id LIMIT $3");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id)
            .bind(after)
            .bind(limit);
        if let Some(text) = filter.query {
            q = q.bind(like_pattern(text));
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(employee_from_row)
            .collect()
    }

    pub async fn employee(&self, org_id: i64, external_id: &str) -> Result<Employee> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{EMPLOYEE_SELECT} WHERE e.org_id = $1 AND e.external_id = $2"
        )))
        .bind(org_id)
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("employee `{external_id}`")))?;
        employee_from_row(&row)
    }

    /// Deletes an employee. Responses and invitations that named them keep their answers and
    /// lose the link (the foreign keys are `ON DELETE SET NULL`).
    pub async fn delete_employee(
        &self,
        org_id: i64,
        external_id: &str,
        actor: &Actor,
    ) -> Result<Employee> {
        let employee = self.employee(org_id, external_id).await?;
        let mut tx = self.begin_write().await?;
        delete_audited(
            &mut tx,
            "employees",
            employee.id,
            (org_id, actor),
            "employee",
            external_id,
            &employee,
        )
        .await?;
        tx.commit().await?;
        Ok(employee)
    }

    /// Up to `limit` contacts with id greater than `after`; `query` matches name, email or
    /// external id.
    /// A page of contacts. With `units` (a unit-scoped caller), only the contacts who answered
    /// or were invited in one of those units.
    pub async fn contacts_page(
        &self,
        org_id: i64,
        query: Option<&str>,
        units: Option<&[i64]>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Contact>> {
        let mut sql = format!("{CONTACT_SELECT} WHERE org_id = $1 AND id > $2");
        if let Some(units) = units {
            sql.push_str(&contact_in_units(units));
        }
        if query.is_some() {
            sql.push_str(
                " AND (LOWER(COALESCE(name, '')) LIKE $4 ESCAPE '\\' OR LOWER(COALESCE(email, '')) LIKE $4 ESCAPE '\\' \
                 OR LOWER(external_id) LIKE $4 ESCAPE '\\')",
            );
        }
        sql.push_str(" ORDER BY id LIMIT $3");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id)
            .bind(after)
            .bind(limit);
        if let Some(text) = query {
            q = q.bind(like_pattern(text));
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(contact_from_row)
            .collect()
    }

    pub async fn contact(&self, org_id: i64, external_id: &str) -> Result<Contact> {
        self.contact_in(org_id, external_id, None).await
    }

    /// One contact; with `units`, only one who answered or was invited in those units (others
    /// are not found, as if they did not exist).
    pub async fn contact_in(
        &self,
        org_id: i64,
        external_id: &str,
        units: Option<&[i64]>,
    ) -> Result<Contact> {
        let scope = units.map(contact_in_units).unwrap_or_default();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{CONTACT_SELECT} WHERE org_id = $1 AND external_id = $2{scope}"
        )))
        .bind(org_id)
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("contact `{external_id}`")))?;
        contact_from_row(&row)
    }

    /// Erases a contact (a customer's right to be forgotten): the record goes; responses stay,
    /// no longer linked to them and without the contact's attributes (which leave the
    /// attribute histograms in the same transaction).
    pub async fn delete_contact(
        &self,
        org_id: i64,
        external_id: &str,
        actor: &Actor,
    ) -> Result<Contact> {
        let contact = self.contact(org_id, external_id).await?;
        let mut tx = self.begin_write().await?;
        self.forget_contact_attributes(&mut tx, org_id, contact.id)
            .await?;
        delete_audited(
            &mut tx,
            "contacts",
            contact.id,
            (org_id, actor),
            "contact",
            external_id,
            &contact,
        )
        .await?;
        tx.commit().await?;
        Ok(contact)
    }

    pub async fn unit(&self, org_id: i64, external_id: &str) -> Result<Unit> {
        self.units(org_id)
            .await?
            .into_iter()
            .find(|u| u.external_id == external_id)
            .ok_or_else(|| StoreError::not_found(format!("unit `{external_id}`")))
    }

    /// Deletes a unit that nothing refers to: no sub-units, employees, touchpoints, responses,
    /// invitations, users or tokens. Otherwise a conflict that says what still refers to it.
    pub async fn delete_unit(&self, org_id: i64, external_id: &str, actor: &Actor) -> Result<Unit> {
        let unit = self.unit(org_id, external_id).await?;
        let mut tx = self.begin_write().await?;
        let checks: [(&str, &str); 7] = [
            (
                "sub-units",
                "SELECT COUNT(*) FROM units WHERE parent_id = $1",
            ),
            (
                "employees",
                "SELECT COUNT(*) FROM employees WHERE unit_id = $1",
            ),
            (
                "touchpoints",
                "SELECT COUNT(*) FROM touchpoints WHERE unit_id = $1",
            ),
            (
                "responses",
                "SELECT COUNT(*) FROM responses WHERE unit_id = $1",
            ),
            (
                "invitations",
                "SELECT COUNT(*) FROM invitations WHERE unit_id = $1",
            ),
            (
                "users",
                "SELECT COUNT(*) FROM user_units WHERE unit_id = $1",
            ),
            (
                "API tokens",
                "SELECT COUNT(*) FROM api_tokens WHERE unit_id = $1",
            ),
        ];
        let mut in_use = Vec::new();
        for (what, sql) in checks {
            let n: i64 = sqlx::query_scalar(sql)
                .bind(unit.id)
                .fetch_one(&mut *tx)
                .await?;
            if n > 0 {
                in_use.push(format!("{n} {what}"));
            }
        }
        if !in_use.is_empty() {
            return Err(StoreError::Conflict(format!(
                "unit `{external_id}` is still used by {}",
                in_use.join(", ")
            )));
        }
        delete_audited(
            &mut tx,
            "units",
            unit.id,
            (org_id, actor),
            "unit",
            external_id,
            &unit,
        )
        .await?;
        tx.commit().await?;
        Ok(unit)
    }

    pub async fn channel(&self, org_id: i64, key: &str) -> Result<Channel> {
        self.channels(org_id)
            .await?
            .into_iter()
            .find(|c| c.key == key)
            .ok_or_else(|| StoreError::not_found(format!("channel `{key}`")))
    }

    /// Creates or updates a channel, with the change by `actor` in the audit log (one
    /// transaction, which also reads what it replaces). Returns the channel and whether it was
    /// created.
    pub async fn save_channel(
        &self,
        org_id: i64,
        key: &str,
        name: &str,
        kind: &str,
        actor: &Actor,
    ) -> Result<(Channel, bool)> {
        let mut tx = self.begin_write().await?;
        let before =
            sqlx::query("SELECT id, key, name, kind FROM channels WHERE org_id = $1 AND key = $2")
                .bind(org_id)
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| -> Result<Channel> {
                    Ok(Channel {
                        id: r.try_get("id")?,
                        key: r.try_get("key")?,
                        name: r.try_get("name")?,
                        kind: r.try_get("kind")?,
                    })
                })
                .transpose()?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO channels (org_id, key, name, kind) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (org_id, key) DO UPDATE SET name = excluded.name, kind = excluded.kind RETURNING id",
        )
        .bind(org_id)
        .bind(key)
        .bind(name)
        .bind(kind)
        .fetch_one(&mut *tx)
        .await?;
        let after = Channel {
            id,
            key: key.to_string(),
            name: name.to_string(),
            kind: kind.to_string(),
        };
        insert_saved_audit(
            &mut tx,
            org_id,
            actor,
            ("channel", key),
            before.as_ref(),
            &after,
        )
        .await?;
        tx.commit().await?;
        Ok((after, before.is_none()))
    }

    /// Creates or updates a touchpoint owned by `unit_id`, optionally on a channel, with the
    /// change by `actor` in the audit log (one transaction, which also reads what it replaces).
    /// Returns it and whether it was created.
    pub async fn save_touchpoint(
        &self,
        org_id: i64,
        key: &str,
        name: &str,
        unit_id: i64,
        channel_id: Option<i64>,
        actor: &Actor,
    ) -> Result<(Touchpoint, bool)> {
        let mut tx = self.begin_write().await?;
        let before = sqlx::query(
            "SELECT id, key, name, unit_id, channel_id FROM touchpoints WHERE org_id = $1 AND key = $2",
        )
        .bind(org_id)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| -> Result<Touchpoint> {
            Ok(Touchpoint {
                id: r.try_get("id")?,
                key: r.try_get("key")?,
                name: r.try_get("name")?,
                unit_id: r.try_get("unit_id")?,
                channel_id: r.try_get("channel_id")?,
            })
        })
        .transpose()?;
        let owned: Option<i64> =
            sqlx::query_scalar("SELECT id FROM units WHERE id = $1 AND org_id = $2")
                .bind(unit_id)
                .bind(org_id)
                .fetch_optional(&mut *tx)
                .await?;
        if owned.is_none() {
            return Err(StoreError::unknown(crate::error::Reference::Unit, ""));
        }
        if let Some(c) = channel_id {
            let ok: Option<i64> =
                sqlx::query_scalar("SELECT id FROM channels WHERE id = $1 AND org_id = $2")
                    .bind(c)
                    .bind(org_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if ok.is_none() {
                return Err(StoreError::unknown(crate::error::Reference::Channel, ""));
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO touchpoints (org_id, key, name, unit_id, channel_id) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_id, key) DO UPDATE SET name = excluded.name, unit_id = excluded.unit_id, channel_id = excluded.channel_id RETURNING id",
        )
        .bind(org_id)
        .bind(key)
        .bind(name)
        .bind(unit_id)
        .bind(channel_id)
        .fetch_one(&mut *tx)
        .await?;
        let after = Touchpoint {
            id,
            key: key.to_string(),
            name: name.to_string(),
            unit_id,
            channel_id,
        };
        insert_saved_audit(
            &mut tx,
            org_id,
            actor,
            ("touchpoint", key),
            before.as_ref(),
            &after,
        )
        .await?;
        tx.commit().await?;
        Ok((after, before.is_none()))
    }

    pub async fn touchpoint(&self, org_id: i64, key: &str) -> Result<Touchpoint> {
        self.touchpoints(org_id)
            .await?
            .into_iter()
            .find(|t| t.key == key)
            .ok_or_else(|| StoreError::not_found(format!("touchpoint `{key}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("Ab"), "%ab%");
        assert_eq!(like_pattern("50%_x\\"), "%50\\%\\_x\\\\%");
    }
}
