//! One resolver for the filter and grouping of a results question, whoever asks.
//!
//! The API and the admin dashboard take the same parameters (`from`, `to`, `unit`,
//! `touchpoint`, `channel`, `employee`, `version`, `attribute`, and a grouping such as `month`
//! or `attribute:segment`). [`resolve`] turns them into a [`Filter`] scoped to the caller's
//! units, with every parameter it could not use as a typed [`Problem`]: the API answers those
//! with `404` or `422`, the dashboard shows them as warnings and computes without them.

use jiff::civil::Date;
use tevreden_domain::access::{Grant, subtree, unit_scope};
use tevreden_domain::results::GroupBy;
use tevreden_domain::rollup::day_of_date;
use tevreden_storage::{Store, StoreError, Unit};

use crate::analytics::{Filter, parse_attribute_filter, parse_group_by};

/// The parameters as given (empty strings count as absent).
#[derive(Clone, Copy, Debug, Default)]
pub struct FilterAsk<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub unit: Option<&'a str>,
    pub touchpoint: Option<&'a str>,
    pub channel: Option<&'a str>,
    pub employee: Option<&'a str>,
    /// A published version's number.
    pub version: Option<&'a str>,
    /// `key:value`.
    pub attribute: Option<&'a str>,
    /// `week`, `month`, `quarter`, `unit`, `touchpoint`, `channel`, `employee`, `version` or
    /// `attribute:KEY`.
    pub group_by: Option<&'a str>,
}

/// A parameter that could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// `field` is not a date such as 2026-03-31 (or lies outside 1900–2199).
    BadDate {
        field: &'static str,
        value: String,
    },
    /// `to` lies before `from`.
    ToBeforeFrom,
    /// No such unit among those the caller may see.
    UnknownUnit(String),
    UnknownTouchpoint(String),
    UnknownChannel(String),
    UnknownEmployee(String),
    /// The survey has no published version with this number.
    UnknownVersion(String),
    /// Not `key:value`.
    BadAttribute(String),
    /// Not one of the groupings.
    BadGroupBy(String),
}

impl Problem {
    /// The query parameter it is about.
    pub fn field(&self) -> &'static str {
        match self {
            Problem::BadDate { field, .. } => field,
            Problem::ToBeforeFrom => "to",
            Problem::UnknownUnit(_) => "unit",
            Problem::UnknownTouchpoint(_) => "touchpoint",
            Problem::UnknownChannel(_) => "channel",
            Problem::UnknownEmployee(_) => "employee",
            Problem::UnknownVersion(_) => "version",
            Problem::BadAttribute(_) => "attribute",
            Problem::BadGroupBy(_) => "group_by",
        }
    }

    /// What it names that does not exist (`("unit", key)`), rather than being malformed.
    pub fn unknown(&self) -> Option<(&'static str, &str)> {
        match self {
            Problem::UnknownUnit(k) => Some(("unit", k)),
            Problem::UnknownTouchpoint(k) => Some(("touchpoint", k)),
            Problem::UnknownChannel(k) => Some(("channel", k)),
            Problem::UnknownEmployee(k) => Some(("employee", k)),
            Problem::BadDate { .. }
            | Problem::ToBeforeFrom
            | Problem::UnknownVersion(_)
            | Problem::BadAttribute(_)
            | Problem::BadGroupBy(_) => None,
        }
    }
}

/// What [`resolve`] made of a question.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub filter: Filter,
    /// The units the caller may see, in tree order (what a unit choice offers).
    pub visible: Vec<Unit>,
    pub group_by: Option<GroupBy>,
    /// In the order of the parameters above; empty when all were usable.
    pub problems: Vec<Problem>,
}

fn given(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// A calendar day as days since 1970-01-01, within 1900–2199.
pub fn parse_day(field: &'static str, s: Option<&str>) -> Result<Option<i32>, Problem> {
    let Some(v) = given(s) else { return Ok(None) };
    match v.parse::<Date>() {
        Ok(d) if (1900..=2199).contains(&d.year()) => Ok(Some(day_of_date(d))),
        _ => Err(Problem::BadDate {
            field,
            value: v.to_string(),
        }),
    }
}

/// A record looked up by its key: `None` with `problem` noted when there is none.
fn found<T>(
    looked_up: Result<T, StoreError>,
    key: &str,
    problem: fn(String) -> Problem,
    problems: &mut Vec<Problem>,
) -> Result<Option<T>, StoreError> {
    match looked_up {
        Ok(t) => Ok(Some(t)),
        Err(StoreError::NotFound(_)) => {
            problems.push(problem(key.to_string()));
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Resolves `ask` for survey `survey_id` of organisation `org_id`, confined to what `grant`
/// may see: without a `unit`, a scoped grant's units; with one, its subtree within them.
pub async fn resolve(
    store: &Store,
    org_id: i64,
    grant: Grant<'_>,
    survey_id: i64,
    ask: &FilterAsk<'_>,
) -> Result<Resolved, StoreError> {
    let mut problems = Vec::new();
    let mut day = |field, s| {
        parse_day(field, s).unwrap_or_else(|p| {
            problems.push(p);
            None
        })
    };
    let from = day("from", ask.from);
    let to = day("to", ask.to);
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        problems.push(Problem::ToBeforeFrom);
    }
    // One read of the tree for the scope, the unit filter and the units shown.
    let tree = store.units(org_id).await?;
    let scope = unit_scope(grant, &tree);
    let visible: Vec<Unit> = tree.into_iter().filter(|u| scope.contains(u.id)).collect();
    let units = match given(ask.unit) {
        None => scope.into_ids(),
        Some(ext) => match visible.iter().find(|u| u.external_id == ext) {
            Some(root) => Some(subtree(&visible, root)),
            None => {
                problems.push(Problem::UnknownUnit(ext.to_string()));
                scope.into_ids()
            }
        },
    };
    let touchpoint = match given(ask.touchpoint) {
        None => None,
        Some(k) => found(
            store.touchpoint(org_id, k).await,
            k,
            Problem::UnknownTouchpoint,
            &mut problems,
        )?
        .map(|t| t.id),
    };
    let channel = match given(ask.channel) {
        None => None,
        Some(k) => found(
            store.channel(org_id, k).await,
            k,
            Problem::UnknownChannel,
            &mut problems,
        )?
        .map(|c| c.id),
    };
    let employee = match given(ask.employee) {
        None => None,
        Some(k) => found(
            store.employee(org_id, k).await,
            k,
            Problem::UnknownEmployee,
            &mut problems,
        )?
        .map(|e| e.id),
    };
    let version_id = match given(ask.version) {
        None => None,
        Some(n) => {
            let versions = store.survey_versions(survey_id).await?;
            let found = n
                .parse::<i64>()
                .ok()
                .and_then(|n| versions.iter().find(|v| v.version == Some(n)));
            if found.is_none() {
                problems.push(Problem::UnknownVersion(n.to_string()));
            }
            found.map(|v| v.id)
        }
    };
    let attribute = given(ask.attribute).and_then(|a| match parse_attribute_filter(a) {
        Some(pair) => Some(pair),
        None => {
            problems.push(Problem::BadAttribute(a.to_string()));
            None
        }
    });
    let (group_by, by_attribute) = match given(ask.group_by) {
        None => (None, None),
        Some(g) => match parse_group_by(g) {
            Some((g, attribute)) => (Some(g), attribute),
            None => {
                problems.push(Problem::BadGroupBy(g.to_string()));
                (None, None)
            }
        },
    };
    Ok(Resolved {
        filter: Filter {
            from,
            to,
            units,
            or_touchpoints: None,
            touchpoint,
            channel,
            employee,
            version_id,
            attribute,
            by_attribute,
        },
        visible,
        group_by,
        problems,
    })
}
