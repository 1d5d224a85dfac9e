//! Customer results from the aggregates: the one engine behind the results API, the driver
//! API and the dashboard pages.
//!
//! A query names a survey question, a date range, filters and an optional grouping. It reads
//! the histogram rows of a [`read_plan`] (whole months or weeks where they fit, days at the
//! ragged ends), keeps the rows inside the unit filter, sums them per group and hands each
//! group's histogram to the domain's measures. Filters the aggregates do not keep (handling
//! employee, survey version, an attribute the organisation does not keep) read the raw
//! responses instead, counting them exactly as the aggregates would.
// A new question kind must be decided on at every match here: no wildcard arms over enums.
#![deny(clippy::wildcard_enum_match_arm)]

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tevreden_domain::change::{self, ControlPoint, EwmaPoint};
use tevreden_domain::disclosure::{Verdict, Withheld};
use tevreden_domain::drivers::{DriverError, Moments, Quadrant, key_drivers, quadrants};
use tevreden_domain::results::{
    Bucket, GroupBy, Measure, Measured, Measurement, Metric, read_plan,
};
use tevreden_domain::rollup::{Grain, day_label, month_label, quarter_label, week_label};
use tevreden_domain::stats::NpsMethod;
use tevreden_storage::{HistogramAsk, HistogramSplit, Store, StoreError};

use crate::disclosure::Judge;

/// Which responses a query counts.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// First and last local day (days since 1970-01-01); `None`: from the first answer / to
    /// the last.
    pub from: Option<i32>,
    pub to: Option<i32>,
    /// Units whose responses count (a unit filter's subtree, or a scope); `None`: all,
    /// including responses without a unit.
    pub units: Option<Vec<i64>>,
    /// With `units`: also count responses at these touchpoints (a unit's scorecard: the
    /// touchpoints its subtree owns or influences).
    pub or_touchpoints: Option<Vec<i64>>,
    pub touchpoint: Option<i64>,
    pub channel: Option<i64>,
    /// Filters the aggregates do not keep: answered through the raw responses.
    pub employee: Option<i64>,
    /// A survey version's id.
    pub version_id: Option<i64>,
    /// A contact attribute (lower-case key) and its value, as stored with the response: from
    /// the attribute histograms when the organisation keeps the key, else from raw responses.
    pub attribute: Option<(String, String)>,
    /// With [`GroupBy::Attribute`]: the attribute (lower-case key) whose values are the groups.
    pub by_attribute: Option<String>,
}

/// A grouping as written in a query: `week`, …, `employee`, `version` or `attribute:KEY` (the
/// key lower-cased), with the attribute's key for the last.
pub fn parse_group_by(text: &str) -> Option<(GroupBy, Option<String>)> {
    if let Some(key) = text.strip_prefix("attribute:") {
        let key = key.trim().to_lowercase();
        return (!key.is_empty()).then_some((GroupBy::Attribute, Some(key)));
    }
    GroupBy::parse(text)
        .filter(|g| *g != GroupBy::Attribute)
        .map(|g| (g, None))
}

/// An attribute filter written `key:value` (`segment:zakelijk`): the key trimmed and
/// lower-cased as contact imports store it, the value trimmed. `None` without a key.
pub fn parse_attribute_filter(text: &str) -> Option<(String, String)> {
    let (k, v) = text.split_once(':')?;
    let key = k.trim().to_lowercase();
    (!key.is_empty()).then(|| (key, v.trim().to_string()))
}

impl Filter {
    /// The same selection for reading responses one by one (the newest open answers), with
    /// the dates as instants in the organisation's time zone `tz`.
    pub fn responses(&self, tz: &jiff::tz::TimeZone) -> tevreden_storage::ResponseFilter<'_> {
        use tevreden_domain::rollup::day_start_ms;
        tevreden_storage::ResponseFilter {
            units: self.units.as_deref(),
            touchpoint: self.touchpoint,
            channel: self.channel,
            since: self.from.map(|d| day_start_ms(d, tz)),
            until: self.to.map(|d| day_start_ms(d + 1, tz)),
            employee: self.employee,
            version_id: self.version_id,
            attribute: self
                .attribute
                .as_ref()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        }
    }

    /// Whether the query must read raw responses (a filter or grouping the aggregates lack);
    /// `kept` are the contact attributes the organisation keeps in the aggregates.
    pub fn needs_raw(&self, group_by: Option<GroupBy>, kept: &[String]) -> bool {
        let by_attribute = group_by == Some(GroupBy::Attribute);
        let filter_kept = self
            .attribute
            .as_ref()
            .is_none_or(|(key, _)| kept.contains(key));
        let grouping_kept = !by_attribute
            || match (&self.by_attribute, &self.attribute) {
                (Some(by), None) => kept.contains(by),
                // one attribute per aggregate row: a filter on the grouping's own attribute only
                (Some(by), Some((key, _))) => kept.contains(by) && by == key,
                (None, _) => false,
            };
        // the attribute histograms keep no touchpoint or channel
        let attributes_with_touchpoints = (self.attribute.is_some() || by_attribute)
            && (self.touchpoint.is_some()
                || self.channel.is_some()
                || self.or_touchpoints.is_some()
                || matches!(group_by, Some(GroupBy::Touchpoint | GroupBy::Channel)));
        self.employee.is_some()
            || self.version_id.is_some()
            || matches!(group_by, Some(GroupBy::Employee | GroupBy::Version))
            || !filter_kept
            || !grouping_kept
            || attributes_with_touchpoints
    }
}

/// Names for group keys: id → (key, name) of units, touchpoints and channels.
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub units: HashMap<i64, (String, String)>,
    pub touchpoints: HashMap<i64, (String, String)>,
    pub channels: HashMap<i64, (String, String)>,
}

impl Names {
    pub async fn load(store: &Store, org_id: i64) -> Result<Names, StoreError> {
        Ok(Names {
            units: store
                .units(org_id)
                .await?
                .into_iter()
                .map(|u| (u.id, (u.external_id, u.name)))
                .collect(),
            touchpoints: store
                .touchpoints(org_id)
                .await?
                .into_iter()
                .map(|t| (t.id, (t.key, t.name)))
                .collect(),
            channels: store
                .channels(org_id)
                .await?
                .into_iter()
                .map(|c| (c.id, (c.key, c.name)))
                .collect(),
        })
    }
}

/// One group of a grouped result.
#[derive(Clone, Debug, Serialize)]
pub struct Group {
    /// Period label (`2026-03`, `2026-W09`, `2026-Q1`) or the unit's, touchpoint's or
    /// channel's key; `None` for responses without one.
    pub key: Option<String>,
    /// A readable name (the unit's name; the period's first day for periods).
    pub label: String,
    #[serde(flatten)]
    pub measure: Measure,
    /// Control chart of the score (time groupings, percentage metrics).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<Control>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ewma: Option<Ewma>,
    /// Unit, touchpoint and channel groups: this group against all other answers, with the
    /// p-values of all groups adjusted together (Benjamini–Hochberg, q = 0.05).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vs_rest: Option<VsRest>,
}

#[derive(Clone, Debug, Serialize)]
pub struct VsRest {
    /// This group minus the rest, on the score's scale.
    pub diff: f64,
    pub p: f64,
    pub p_adjusted: f64,
    /// A real difference after controlling the false discovery rate.
    pub significant: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Control {
    pub centre: Option<f64>,
    pub lcl: Option<f64>,
    pub ucl: Option<f64>,
    pub signal: bool,
    /// The limits are Laney's p′ (or its NPS analogue): widened by `sigma_z` for the
    /// variation between periods (methods.md 9).
    pub laney: bool,
    /// The between-period spread of the standardised baseline; about 1 when periods differ
    /// by sampling alone.
    pub sigma_z: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Ewma {
    pub value: Option<f64>,
    pub lcl: f64,
    pub ucl: f64,
    pub signal: bool,
}

/// Which rule of methods.md 9 fired for a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// The score lies outside the 3σ control limits.
    Limits,
    /// The EWMA (λ 0.2, L 2.86) left its limits: a sustained shift.
    Ewma,
}

impl Group {
    /// The rule that fired for this period, if any (the control limits first).
    pub fn signal(&self) -> Option<Signal> {
        if self.control.as_ref().is_some_and(|c| c.signal) {
            Some(Signal::Limits)
        } else if self.ewma.as_ref().is_some_and(|e| e.signal) {
            Some(Signal::Ewma)
        } else {
            None
        }
    }
}

/// A query's answer.
#[derive(Clone, Debug, Serialize)]
pub struct Results {
    #[serde(flatten)]
    pub overall: Measure,
    /// The days counted (`None` when there are no answers at all).
    pub from: Option<String>,
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<GroupBy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<Group>>,
}

/// Sums of histograms per group key.
struct Sums {
    width: usize,
    overall: Vec<u64>,
    groups: BTreeMap<i64, Vec<u64>>,
    /// Attribute groupings: the values, group `i` (from 1) being `values[i - 1]`; group 0
    /// holds the responses without the attribute.
    values: Vec<String>,
}

impl Sums {
    fn new(width: usize) -> Sums {
        Sums {
            width,
            overall: vec![0; width],
            groups: BTreeMap::new(),
            values: Vec::new(),
        }
    }
    fn add(&mut self, group: Option<i64>, slot: usize, n: u64) {
        self.overall[slot] += n;
        if let Some(g) = group {
            self.add_to_group(g, slot, n);
        }
    }
    fn add_to_group(&mut self, group: i64, slot: usize, n: u64) {
        self.groups
            .entry(group)
            .or_insert_with(|| vec![0; self.width])[slot] += n;
    }
    /// The group of an attribute value (0: none).
    fn value_group(&mut self, value: Option<&str>) -> i64 {
        let Some(v) = value else { return 0 };
        let i = match self.values.iter().position(|x| x == v) {
            Some(i) => i,
            None => {
                self.values.push(v.to_owned());
                self.values.len() - 1
            }
        };
        i as i64 + 1
    }
    /// Attribute groupings from the aggregates: the responses without the attribute are the
    /// overall counts less every value's.
    fn rest_to_group_zero(&mut self) {
        let mut rest = self.overall.clone();
        for h in self.groups.values() {
            for (r, x) in rest.iter_mut().zip(h) {
                *r = r.saturating_sub(*x);
            }
        }
        if rest.iter().any(|n| *n > 0) {
            self.groups.insert(0, rest);
        }
    }
}

/// One measure of one survey: a question, a matrix item or dimension, an allocation or ranking
/// item (see `tevreden_domain::results::measured`).
#[derive(Clone, Copy)]
pub struct Asked<'a> {
    pub survey_id: i64,
    pub measured: &'a Measured,
    /// What of its results may be shown.
    pub judge: Judge<'a>,
}

/// Reads and sums the histograms of one question for a filter, days and grouping.
async fn sums(
    store: &Store,
    asked: Asked<'_>,
    filter: &Filter,
    (from, to): (i32, i32),
    group_by: Option<GroupBy>,
) -> Result<Sums, StoreError> {
    let Asked {
        survey_id,
        measured,
        judge: _,
    } = asked;
    let m = &measured.measurement;
    let kept = match (&filter.attribute, &filter.by_attribute) {
        (None, None) => Vec::new(),
        _ => store.survey_kept_attributes(survey_id).await?,
    };
    if measured.from_responses || filter.needs_raw(group_by, &kept) {
        return raw_sums(store, asked, filter, (from, to), group_by).await;
    }
    let mut sums = Sums::new(m.width());
    let split = match group_by {
        None => HistogramSplit::Nothing,
        Some(GroupBy::Unit) => HistogramSplit::Unit,
        Some(GroupBy::Touchpoint) => HistogramSplit::Touchpoint,
        Some(GroupBy::Channel) => HistogramSplit::Channel,
        // counted from raw responses; the attribute's groups are read below
        Some(GroupBy::Employee | GroupBy::Version | GroupBy::Attribute) => HistogramSplit::Nothing,
        Some(_) => HistogramSplit::Period,
    };
    // A dimension sums the histograms of its items: each read adds into the same sums.
    for question in &measured.parts {
        for part in read_plan(from, to, GroupBy::coarse_grain(group_by)) {
            let ask = HistogramAsk {
                survey_id,
                question,
                grain: part.grain,
                from: part.from,
                to: part.to,
                units: filter.units.as_deref(),
                or_touchpoints: filter.or_touchpoints.as_deref(),
                touchpoint: filter.touchpoint,
                channel: filter.channel,
                attribute: filter
                    .attribute
                    .as_ref()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
                split,
            };
            for r in store.histogram_sums(&ask).await? {
                let Some(slot) = m.slot(r.value) else {
                    continue;
                };
                let group = match group_by {
                    // the overall counts only: the groups are read next
                    None | Some(GroupBy::Attribute) => None,
                    Some(g) if g.is_time() => Some(i64::from(
                        g.bucket_of_day(part.grain.first_day(r.key as i32)),
                    )),
                    Some(_) => Some(r.key),
                };
                sums.add(group, slot, r.n.max(0) as u64);
            }
            if let (Some(GroupBy::Attribute), Some(by)) = (group_by, &filter.by_attribute) {
                let ask = HistogramAsk {
                    split: HistogramSplit::Attribute(by),
                    ..ask
                };
                for r in store.histogram_sums(&ask).await? {
                    let Some(slot) = m.slot(r.value) else {
                        continue;
                    };
                    let g = sums.value_group(r.attribute_value.as_deref());
                    sums.add_to_group(g, slot, r.n.max(0) as u64);
                }
            }
        }
    }
    if group_by == Some(GroupBy::Attribute) {
        sums.rest_to_group_zero();
    }
    Ok(sums)
}

/// [`sums`] from raw responses, for filters and groupings the aggregates do not keep: each
/// response's answers are read with the definition of the version it answered, exactly as the
/// aggregates would have counted them.
async fn raw_sums(
    store: &Store,
    asked: Asked<'_>,
    filter: &Filter,
    (from, to): (i32, i32),
    group_by: Option<GroupBy>,
) -> Result<Sums, StoreError> {
    use tevreden_domain::results::item_values;
    use tevreden_domain::rollup::{answer_facts, day_start_ms, kept_attributes, local_day};
    use tevreden_domain::survey::stored_answers;
    let measured = asked.measured;
    let m = &measured.measurement;
    let survey = store.survey_by_id(asked.survey_id).await?;
    let tz = store.org_time_zone(survey.org_id).await?;
    let defs: HashMap<i64, tevreden_domain::survey::SurveyDefinition> = store
        .survey_versions(asked.survey_id)
        .await?
        .into_iter()
        .map(|v| (v.id, v.definition))
        .collect();
    let mut wanted = tevreden_storage::ResponseFilter {
        since: Some(day_start_ms(from, &tz)),
        until: Some(day_start_ms(to + 1, &tz)),
        ..filter.responses(&tz)
    };
    let or_touchpoints: Option<std::collections::HashSet<i64>> = filter
        .or_touchpoints
        .as_ref()
        .map(|t| t.iter().copied().collect());
    if or_touchpoints.is_some() {
        // A unit scorecard's touchpoints widen the unit filter: read without it, then keep
        // rows of the units or the touchpoints.
        wanted.units = None;
    }
    let mut sums = Sums::new(m.width());
    let mut after = 0;
    loop {
        let (rows, last) = store
            .raw_rows(asked.survey_id, &wanted, after, 20_000)
            .await?;
        let Some(last) = last else { break };
        after = last;
        for r in rows {
            if let (Some(tps), Some(units)) = (&or_touchpoints, &filter.units)
                && !units.contains(&r.unit_id)
                && !tps.contains(&r.touchpoint_id)
            {
                continue;
            }
            let Some(def) = defs.get(&r.version_id) else {
                continue;
            };
            let Ok(serde_json::Value::Object(raw)) = serde_json::from_str(&r.answers) else {
                continue;
            };
            let answers = stored_answers(def, &raw);
            let values = if measured.from_responses {
                item_values(def, &answers)
            } else {
                answer_facts(def, &answers).counts
            };
            let slots: Vec<usize> = values
                .iter()
                .filter(|(q, _)| measured.parts.contains(q))
                .filter_map(|(_, v)| m.slot(*v))
                .collect();
            if slots.is_empty() {
                continue;
            }
            let group = match group_by {
                None => None,
                Some(GroupBy::Unit) => Some(r.unit_id),
                Some(GroupBy::Touchpoint) => Some(r.touchpoint_id),
                Some(GroupBy::Channel) => Some(r.channel_id),
                Some(GroupBy::Employee) => Some(r.employee_id),
                Some(GroupBy::Version) => Some(r.version_id),
                Some(GroupBy::Attribute) => {
                    let key = filter.by_attribute.clone().unwrap_or_default();
                    let pairs = kept_attributes(&[key], r.contact_attributes.as_deref());
                    Some(sums.value_group(pairs.first().map(|(_, v)| v.as_str())))
                }
                Some(time) => Some(i64::from(
                    time.bucket_of_day(local_day(r.submitted_at, &tz)),
                )),
            };
            for slot in slots {
                sums.add(group, slot, 1);
            }
        }
    }
    Ok(sums)
}

/// The days a query covers: the filter's, else the question's first and last answer.
async fn range(
    store: &Store,
    survey_id: i64,
    measured: &Measured,
    filter: &Filter,
) -> Result<Option<(i32, i32)>, StoreError> {
    if let (Some(a), Some(b)) = (filter.from, filter.to) {
        return Ok(Some((a, b)));
    }
    let mut bounds: Option<(i32, i32)> = None;
    if measured.from_responses {
        bounds = store.response_days(survey_id).await?;
    } else {
        for question in &measured.parts {
            if let Some((a, b)) = store.histogram_days(survey_id, question).await? {
                bounds = Some(match bounds {
                    Some((lo, hi)) => (lo.min(a), hi.max(b)),
                    None => (a, b),
                });
            }
        }
    }
    let (lo, hi) = match bounds {
        Some(b) => b,
        None => match (filter.from, filter.to) {
            (Some(a), None) => (a, a),
            (None, Some(b)) => (b, b),
            _ => return Ok(None),
        },
    };
    Ok(Some((filter.from.unwrap_or(lo), filter.to.unwrap_or(hi))))
}

/// A verdict on a whole set: customer results are always shown; a reason to withhold one
/// is handled here when the policy gains one.
fn shown(v: Verdict) {
    match v {
        Verdict::Show => {}
        Verdict::Withhold(why) => match why {},
    }
}

/// Results of one question.
pub async fn results(
    store: &Store,
    names: &Names,
    asked: Asked<'_>,
    filter: &Filter,
    group_by: Option<GroupBy>,
    method: NpsMethod,
    baseline: Option<(i32, i32)>,
) -> Result<Results, StoreError> {
    let m = &asked.measured.measurement;
    let Some((from, to)) = range(store, asked.survey_id, asked.measured, filter).await? else {
        shown(asked.judge.aggregate(0));
        if group_by.is_some() {
            asked.judge.groups(0, &[]);
        }
        return Ok(Results {
            overall: m.measure(&vec![0; m.width()], method),
            from: None,
            to: None,
            group_by,
            groups: group_by.map(|_| Vec::new()),
        });
    };
    let sums = sums(store, asked, filter, (from, to), group_by).await?;
    let overall = m.measure(&sums.overall, method);
    shown(asked.judge.aggregate(overall.n));
    let groups = match group_by {
        None => None,
        Some(g) if g.is_time() => {
            let buckets = g.buckets(from, to);
            let hist: Vec<Vec<u64>> = buckets
                .iter()
                .map(|b| {
                    sums.groups
                        .get(&i64::from(*b))
                        .cloned()
                        .unwrap_or_else(|| vec![0; m.width()])
                })
                .collect();
            let base: Vec<Vec<u64>> = match baseline {
                Some((bf, bt)) => {
                    let b = self::sums(store, asked, filter, (bf, bt), Some(g)).await?;
                    b.groups.into_values().collect()
                }
                None => hist.clone(),
            };
            let (control, ewma) = charts(m, &hist, &base);
            Some(
                buckets
                    .iter()
                    .zip(hist)
                    .enumerate()
                    .map(|(i, (b, h))| Group {
                        key: Some(period_label(g, *b)),
                        label: day_label(first_day_of_bucket(g, *b)),
                        measure: m.measure(&h, method),
                        control: control.as_ref().map(|c| c[i].clone()),
                        ewma: ewma.as_ref().map(|e| e[i].clone()),
                        vs_rest: None,
                    })
                    .collect(),
            )
        }
        Some(g) => {
            let looked_up: HashMap<i64, (String, String)>;
            let table = match g {
                GroupBy::Unit => &names.units,
                GroupBy::Touchpoint => &names.touchpoints,
                GroupBy::Employee => {
                    let ids: Vec<i64> = sums.groups.keys().copied().filter(|id| *id != 0).collect();
                    let org_id = store.survey_by_id(asked.survey_id).await?.org_id;
                    looked_up = store.employee_names(org_id, &ids).await?;
                    &looked_up
                }
                GroupBy::Version => {
                    looked_up = store
                        .survey_versions(asked.survey_id)
                        .await?
                        .into_iter()
                        .filter_map(|v| {
                            let n = v.version?.to_string();
                            Some((v.id, (n.clone(), n)))
                        })
                        .collect();
                    &looked_up
                }
                GroupBy::Attribute => {
                    looked_up = sums
                        .values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (i as i64 + 1, (v.clone(), v.clone())))
                        .collect();
                    &looked_up
                }
                GroupBy::Channel => &names.channels,
                // time groupings took the branch above; nothing to look up
                GroupBy::Week | GroupBy::Month | GroupBy::Quarter => {
                    looked_up = HashMap::new();
                    &looked_up
                }
            };
            let mut groups: Vec<Group> = sums
                .groups
                .iter()
                .map(|(id, h)| {
                    let (key, label) = match table.get(id) {
                        Some((k, n)) => (Some(k.clone()), n.clone()),
                        None => (None, String::new()),
                    };
                    Group {
                        key,
                        label,
                        measure: m.measure(h, method),
                        control: None,
                        ewma: None,
                        vs_rest: None,
                    }
                })
                .collect();
            // Each group against the rest; the p-values adjusted together.
            let tests: Vec<Option<tevreden_domain::change::Difference>> = sums
                .groups
                .values()
                .map(|h| {
                    let rest: Vec<u64> = sums.overall.iter().zip(h).map(|(o, x)| o - x).collect();
                    tevreden_domain::results::difference(m, h, &rest)
                })
                .collect();
            let ps: Vec<f64> = tests
                .iter()
                .map(|t| t.as_ref().map_or(1.0, |d| d.p))
                .collect();
            let (adjusted, significant) = tevreden_domain::change::benjamini_hochberg(&ps, 0.05);
            for (i, g) in groups.iter_mut().enumerate() {
                g.vs_rest = tests[i].as_ref().map(|d| VsRest {
                    diff: d.diff,
                    p: d.p,
                    p_adjusted: adjusted[i],
                    significant: significant[i],
                });
            }
            groups.sort_by(|a, b| {
                a.key
                    .is_none()
                    .cmp(&b.key.is_none())
                    .then(a.label.cmp(&b.label))
            });
            Some(groups)
        }
    };
    // Only the groups the policy lets through, judged together against the whole.
    let groups = groups.map(|groups| {
        let sizes: Vec<u64> = groups.iter().map(|g| g.measure.n).collect();
        let verdicts = asked.judge.groups(overall.n, &sizes);
        groups
            .into_iter()
            .zip(verdicts)
            .filter_map(|(g, v)| v.is_shown().then_some(g))
            .collect()
    });
    Ok(Results {
        overall,
        from: Some(day_label(from)),
        to: Some(day_label(to)),
        group_by,
        groups,
    })
}

fn period_label(g: GroupBy, bucket: i32) -> String {
    match g.bucket() {
        Bucket::Week => week_label(bucket),
        Bucket::Quarter => quarter_label(bucket),
        Bucket::Month => month_label(bucket),
    }
}

fn first_day_of_bucket(g: GroupBy, bucket: i32) -> i32 {
    match g.bucket() {
        Bucket::Week => Grain::Week.first_day(bucket),
        Bucket::Quarter => Grain::Month.first_day(bucket * 3),
        Bucket::Month => Grain::Month.first_day(bucket),
    }
}

/// Control chart (methods.md 9: p-chart limits on the score's scale) and EWMA per period, for
/// the percentage metrics; a mean has neither.
fn charts(
    m: &Measurement,
    periods: &[Vec<u64>],
    baseline: &[Vec<u64>],
) -> (Option<Vec<Control>>, Option<Vec<Ewma>>) {
    let (control, ewma): (Vec<ControlPoint>, Vec<EwmaPoint>) = match m.metric {
        Metric::Nps => {
            let h = |v: &[Vec<u64>]| -> Vec<[u64; 11]> {
                v.iter()
                    .map(|c| tevreden_domain::results::nps_counts(c))
                    .collect()
            };
            let (p, b) = (h(periods), h(baseline));
            (change::nps_control(&p, &b), change::nps_ewma(&p, &b))
        }
        Metric::Mean => return (None, None),
        Metric::Csat | Metric::Ces | Metric::Proportion => {
            let h = |v: &[Vec<u64>]| -> Vec<(u64, u64)> {
                v.iter().map(|c| (m.hits(c), c.iter().sum())).collect()
            };
            let (p, b) = (h(periods), h(baseline));
            (
                change::proportion_control(&p, &b),
                change::proportion_ewma(&p, &b),
            )
        }
    };
    let control = control
        .into_iter()
        .map(|c| Control {
            centre: c.limits.as_ref().map(|l| l.centre),
            lcl: c.limits.as_ref().map(|l| l.lcl),
            ucl: c.limits.as_ref().map(|l| l.ucl),
            signal: c.signal,
            laney: c.laney,
            sigma_z: c.sigma_z,
        })
        .collect();
    let ewma = ewma
        .into_iter()
        .map(|e| Ewma {
            value: e.ewma,
            lcl: e.lcl,
            ucl: e.ucl,
            signal: e.signal,
        })
        .collect();
    (Some(control), Some(ewma))
}

/// One driver's result.
#[derive(Clone, Debug, Serialize)]
pub struct DriverOut {
    pub question: String,
    pub relative_weight_pct: f64,
    pub shapley_pct: f64,
    /// Mean answer of the complete cases.
    pub performance: f64,
    /// That mean as percent of its scale, `(mean − min)/(max − min)·100`: what the
    /// importance–performance matrix plots and its quadrants compare.
    pub performance_pct: f64,
    pub quadrant: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct DriversOut {
    pub n: u64,
    pub r2: f64,
    pub drivers: Vec<DriverOut>,
}

#[derive(Debug)]
pub enum DriversFailure {
    Store(StoreError),
    Analysis(DriverError),
    /// The disclosure policy does not let these responses be shown.
    Withheld(Withheld),
}

impl From<StoreError> for DriversFailure {
    fn from(e: StoreError) -> Self {
        DriversFailure::Store(e)
    }
}

/// Key driver analysis over the responses that answered the outcome and every driver, from
/// the stored moments (exact integer sums per answered set).
pub async fn drivers(
    store: &Store,
    judge: Judge<'_>,
    survey_id: i64,
    outcome: &str,
    drivers: &[String],
    filter: &Filter,
    scale_of: impl Fn(&str) -> Option<(i64, i64)>,
) -> Result<DriversOut, DriversFailure> {
    let vars: Vec<&str> = std::iter::once(outcome)
        .chain(drivers.iter().map(String::as_str))
        .collect();
    let k = vars.len();
    let mut moments = Moments::new(k);
    let sets = store.moment_sets(survey_id).await?;
    // For each answered set: where each variable sits in it, if every one is there.
    let positions: HashMap<i64, Vec<usize>> = sets
        .iter()
        .filter_map(|(hash, keys)| {
            let pos: Option<Vec<usize>> = vars
                .iter()
                .map(|v| keys.iter().position(|k| k == v))
                .collect();
            pos.map(|p| (*hash, p))
        })
        .collect();
    // Without a date filter: every month (1900–2199) in one read.
    let from = filter.from.unwrap_or(FAR_PAST);
    let to = filter.to.unwrap_or(FAR_FUTURE);
    for part in read_plan(from, to, Grain::Month) {
        let rows = store
            .moment_rows(
                survey_id,
                part.grain,
                part.from,
                part.to,
                filter.units.as_deref(),
            )
            .await?;
        for r in rows {
            let Some(pos) = positions.get(&r.set_hash) else {
                continue;
            };
            add_moment(&mut moments, pos, r.i, r.j, r.s);
        }
    }
    if let Verdict::Withhold(why) = judge.aggregate(moments.n) {
        return Err(DriversFailure::Withheld(why));
    }
    let analysis = key_drivers(&moments).map_err(DriversFailure::Analysis)?;
    let means = moments.means();
    // Performance on one scale for all drivers: percent of each one's own scale.
    let pct: Vec<f64> = vars
        .iter()
        .zip(&means)
        .map(|(v, m)| match scale_of(v) {
            Some((lo, hi)) => tevreden_domain::drivers::percent_of_scale(*m, lo, hi),
            None => f64::NAN,
        })
        .collect();
    let points: Vec<(f64, f64)> = analysis
        .drivers
        .iter()
        .map(|d| (pct[d.index], d.relative_weight_pct))
        .collect();
    let quads = quadrants(&points);
    Ok(DriversOut {
        n: analysis.n,
        r2: analysis.r2,
        drivers: analysis
            .drivers
            .iter()
            .zip(quads)
            .map(|(d, q)| DriverOut {
                question: vars[d.index].to_owned(),
                relative_weight_pct: d.relative_weight_pct,
                shapley_pct: d.shapley_pct,
                performance: means[d.index],
                performance_pct: pct[d.index],
                quadrant: Quadrant::as_str(q),
            })
            .collect(),
    })
}

/// 1900-01-01 and 2199-12-31 as day numbers: the range of an unbounded query.
pub const FAR_PAST: i32 = -25_567;
pub const FAR_FUTURE: i32 = 84_005;

/// Adds one stored moment cell (indexes into its answered set) to the query's moments
/// (indexes into the query's variables). `pos[v]` is variable v's index in the set.
fn add_moment(m: &mut Moments, pos: &[usize], i: i32, j: i32, s: i64) {
    let k = pos.len();
    let var_of = |set_idx: i32| pos.iter().position(|p| *p as i32 == set_idx);
    match (i, j) {
        (-1, -1) => m.n += s.max(0) as u64,
        (i, -1) => {
            if let Some(a) = var_of(i) {
                m.sum[a] += s;
            }
        }
        (i, j) => {
            let (Some(a), Some(b)) = (var_of(i), var_of(j)) else {
                return;
            };
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            // Row a of the upper triangle starts at a·k − a(a−1)/2.
            let offset = a * (2 * k - a + 1) / 2 + (b - a);
            m.cross[offset] += s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tevreden_domain::survey::{QuestionKind, Scale};

    #[test]
    fn kept_attributes_are_read_from_the_aggregates_unless_combined_with_what_they_lack() {
        let kept = vec!["segment".to_string()];
        let on = |k: &str| Some((k.to_string(), "x".to_string()));
        let f = |attribute, by_attribute: Option<&str>| Filter {
            attribute,
            by_attribute: by_attribute.map(str::to_string),
            ..Filter::default()
        };
        assert!(!f(on("segment"), None).needs_raw(None, &kept));
        assert!(!f(on("segment"), None).needs_raw(Some(GroupBy::Month), &kept));
        assert!(!f(on("segment"), None).needs_raw(Some(GroupBy::Unit), &kept));
        assert!(f(on("region"), None).needs_raw(None, &kept), "not kept");
        assert!(f(on("segment"), None).needs_raw(Some(GroupBy::Channel), &kept));
        let with_touchpoint = Filter {
            touchpoint: Some(3),
            ..f(on("segment"), None)
        };
        assert!(with_touchpoint.needs_raw(None, &kept));
        assert!(!f(None, Some("segment")).needs_raw(Some(GroupBy::Attribute), &kept));
        assert!(!f(on("segment"), Some("segment")).needs_raw(Some(GroupBy::Attribute), &kept));
        assert!(f(None, Some("region")).needs_raw(Some(GroupBy::Attribute), &kept));
        let kept2 = vec!["segment".to_string(), "region".to_string()];
        assert!(
            f(on("region"), Some("segment")).needs_raw(Some(GroupBy::Attribute), &kept2),
            "one attribute per aggregate row"
        );
        assert!(Filter::default().needs_raw(Some(GroupBy::Version), &kept));
        assert!(!Filter::default().needs_raw(Some(GroupBy::Touchpoint), &[]));
        assert_eq!(
            parse_group_by("attribute: Segment"),
            Some((GroupBy::Attribute, Some("segment".into())))
        );
        assert_eq!(parse_group_by("attribute"), None);
        assert_eq!(parse_group_by("attribute:"), None);
        assert_eq!(parse_group_by("version"), Some((GroupBy::Version, None)));
        assert_eq!(
            parse_attribute_filter(" Regio : Noord "),
            Some(("regio".into(), "Noord".into()))
        );
        assert_eq!(parse_attribute_filter(":x"), None);
    }

    fn period(limits: bool, ewma: bool) -> Group {
        let m = Measurement::of(&QuestionKind::Nps {
            scale: Scale::nps(),
        })
        .expect("nps has a measurement");
        Group {
            key: Some("2026-03".into()),
            label: "2026-03-01".into(),
            measure: m.measure(
                &[0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 20],
                NpsMethod::AdjustedWald,
            ),
            control: Some(Control {
                centre: Some(10.0),
                lcl: Some(-20.0),
                ucl: Some(40.0),
                signal: limits,
                laney: false,
                sigma_z: None,
            }),
            ewma: Some(Ewma {
                value: Some(30.0),
                lcl: 0.0,
                ucl: 20.0,
                signal: ewma,
            }),
            vs_rest: None,
        }
    }

    /// methods.md 9: "significant change" when either rule fires, naming the rule.
    #[test]
    fn a_period_signals_by_either_rule() {
        assert_eq!(period(false, false).signal(), None);
        assert_eq!(period(true, false).signal(), Some(Signal::Limits));
        assert_eq!(period(false, true).signal(), Some(Signal::Ewma));
        assert_eq!(period(true, true).signal(), Some(Signal::Limits));
        let mut without = period(false, true);
        without.ewma = None;
        without.control = None;
        assert_eq!(without.signal(), None);
    }
}
