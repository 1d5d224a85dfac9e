//! What one response contributes to the analytics aggregates, and the calendar of periods.
//!
//! Dashboards never scan raw responses: they read *histograms* (how many answers had each
//! value) per survey, question, period, unit, touchpoint and channel — and again per value of
//! each contact attribute the organisation chose to keep (`segment`, `region`) — and, for key
//! driver
//! analysis — exact integer *moments* (n, Σx, Σxy) per survey, period, unit and set of answered
//! numeric questions. Both are sums, so they can be kept up to date one response at a time,
//! added up over any range, and recomputed from raw responses to check them
//! (`tevreden rollups verify`).
//!
//! Periods are counted in the organisation's time zone: a *day* is the number of days since
//! 1970-01-01, a *week* starts on Monday, a *month* is `year·12 + month − 1`. Each response is
//! counted once per grain (day, week, month), so a query reads a whole month as one row per
//! cell and only the ragged ends of a date range at day grain.
// A new question kind must be decided on at every match here: no wildcard arms over enums.
#![deny(clippy::wildcard_enum_match_arm)]

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::survey::{AnswerValue, Answers, QuestionKind, SurveyDefinition};

/// The period sizes aggregates are kept at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grain {
    Day = 0,
    Week = 1,
    Month = 2,
}

impl Grain {
    pub const ALL: [Grain; 3] = [Grain::Day, Grain::Week, Grain::Month];

    pub fn code(self) -> i64 {
        self as i64
    }

    /// The period of this grain that contains `day`.
    pub fn period_of(self, day: i32) -> i32 {
        match self {
            Grain::Day => day,
            Grain::Week => week_of(day),
            Grain::Month => month_of(day),
        }
    }

    /// The first day of `period`.
    pub fn first_day(self, period: i32) -> i32 {
        match self {
            Grain::Day => period,
            Grain::Week => period * 7 - 3,
            Grain::Month => month_first_day(period),
        }
    }
}

const EPOCH: Date = Date::constant(1970, 1, 1);

/// The local calendar day (days since 1970-01-01) of an instant in epoch milliseconds.
pub fn local_day(ms: i64, tz: &TimeZone) -> i32 {
    let Ok(ts) = Timestamp::from_millisecond(ms) else {
        return 0;
    };
    let offset = i64::from(tz.to_offset(ts).seconds());
    (ms.div_euclid(1000) + offset).div_euclid(86_400) as i32
}

/// The instant (epoch ms) a local day starts in a time zone.
pub fn day_start_ms(day: i32, tz: &TimeZone) -> i64 {
    tz.to_timestamp(date_of_day(day).at(0, 0, 0, 0))
        .map(|t| t.as_millisecond())
        .unwrap_or(i64::from(day) * 86_400_000)
}

/// The day number of a calendar date.
pub fn day_of_date(date: Date) -> i32 {
    // A span between two dates is counted in whole days by default.
    date.since(EPOCH).map(|s| s.get_days()).unwrap_or(0)
}

/// The calendar date of a day number.
pub fn date_of_day(day: i32) -> Date {
    EPOCH.checked_add(i64::from(day).days()).unwrap_or(EPOCH)
}

/// Weeks start on Monday; 1970-01-01 was a Thursday, so day 4 (1970-01-05) starts week 1.
pub fn week_of(day: i32) -> i32 {
    (day + 3).div_euclid(7)
}

/// `year·12 + month − 1` of a day.
pub fn month_of(day: i32) -> i32 {
    let d = date_of_day(day);
    i32::from(d.year()) * 12 + i32::from(d.month()) - 1
}

pub fn month_first_day(month: i32) -> i32 {
    let year = month.div_euclid(12) as i16;
    let m = (month.rem_euclid(12) + 1) as i8;
    Date::new(year, m, 1).map(day_of_date).unwrap_or(0)
}

/// The quarter (`year·4 + quarter − 1`) of a month.
pub fn quarter_of_month(month: i32) -> i32 {
    month.div_euclid(3)
}

/// `2026-03-14`.
pub fn day_label(day: i32) -> String {
    date_of_day(day).to_string()
}

/// ISO week label of the week starting on the week's Monday: `2026-W09`.
pub fn week_label(week: i32) -> String {
    let iso = date_of_day(Grain::Week.first_day(week)).iso_week_date();
    format!("{}-W{:02}", iso.year(), iso.week())
}

/// `2026-03`.
pub fn month_label(month: i32) -> String {
    format!("{}-{:02}", month.div_euclid(12), month.rem_euclid(12) + 1)
}

/// `2026-Q1`.
pub fn quarter_label(quarter: i32) -> String {
    format!("{}-Q{}", quarter.div_euclid(4), quarter.rem_euclid(4) + 1)
}

/// What one response's answers put into the aggregates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnswerFacts {
    /// Histogram cells: (aggregate key, value). Single-value numeric questions (NPS, rating,
    /// Likert) under their id; yes/no as 1/0; every matrix item under `question.item`.
    pub counts: Vec<(String, i64)>,
    /// The single-value numeric answers, ordered by question id: the variables of driver
    /// analysis, whose moments are kept per set of answered questions.
    pub numeric: Vec<(String, i64)>,
}

/// The facts of one response, read from its validated answers with the definition of the
/// version it answered. Questions the definition does not know are skipped.
pub fn answer_facts(def: &SurveyDefinition, answers: &Answers) -> AnswerFacts {
    let mut facts = AnswerFacts::default();
    for (id, value) in answers.iter() {
        let Some(q) = def.question(id.as_str()) else {
            continue;
        };
        match &q.kind {
            QuestionKind::Nps { .. }
            | QuestionKind::Rating { .. }
            | QuestionKind::Likert { .. } => {
                if let AnswerValue::Int(v) = value {
                    facts.counts.push((id.as_str().to_owned(), *v));
                    facts.numeric.push((id.as_str().to_owned(), *v));
                }
            }
            QuestionKind::YesNo => {
                if let AnswerValue::Bool(b) = value {
                    facts.counts.push((id.as_str().to_owned(), i64::from(*b)));
                }
            }
            QuestionKind::Matrix { .. } => {
                if let AnswerValue::Map(items) = value {
                    for (item, v) in items {
                        facts.counts.push((format!("{}.{item}", id.as_str()), *v));
                    }
                }
            }
            // not kept in the aggregates: options and texts are read from the responses
            // (comments, exports), allocation points and ranking places too
            // (`results::item_values`)
            QuestionKind::Choice { .. }
            | QuestionKind::Multi { .. }
            | QuestionKind::Text { .. }
            | QuestionKind::Ranking { .. }
            | QuestionKind::Allocation { .. } => {}
        }
    }
    facts.numeric.sort();
    facts
}

/// A stable 64-bit name for a set of question ids (FNV-1a over the ids, each followed by a
/// separator), so moment rows can refer to their set without repeating it.
pub fn set_hash<'a>(keys: impl IntoIterator<Item = &'a str>) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for k in keys {
        for b in k.bytes().chain(std::iter::once(0x1f)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h as i64
}

/// Where a response falls: its survey, local day and context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement<'a> {
    pub survey_id: i64,
    pub day: i32,
    /// 0 when the response has no unit (likewise touchpoint and channel).
    pub unit_id: i64,
    pub touchpoint_id: i64,
    pub channel_id: i64,
    /// The kept contact attributes of the response (see [`kept_attributes`]): (key, value),
    /// each adding the response to the attribute histograms once.
    pub attributes: &'a [(String, String)],
}

/// The most contact attributes an organisation may keep in the aggregates: each one adds a
/// copy of every histogram cell of the responses that carry it.
pub const MAX_KEPT_ATTRIBUTES: usize = 5;

/// Why a list of attribute keys to keep was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeptAttributesError {
    #[error("at most {MAX_KEPT_ATTRIBUTES} attributes can be kept")]
    TooMany,
    #[error("attribute `{0}` is longer than 100 characters")]
    TooLong(String),
}

/// Normalises the contact attribute keys an organisation keeps in the aggregates: trimmed and
/// lower-cased like the column headers of a contact import, empty entries and repeats dropped,
/// order kept.
pub fn kept_attribute_keys<'a>(
    keys: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>, KeptAttributesError> {
    let mut out: Vec<String> = Vec::new();
    for k in keys {
        let k = k.trim().to_lowercase();
        if k.is_empty() || out.contains(&k) {
            continue;
        }
        if k.chars().count() > 100 {
            return Err(KeptAttributesError::TooLong(k));
        }
        out.push(k);
    }
    if out.len() > MAX_KEPT_ATTRIBUTES {
        return Err(KeptAttributesError::TooMany);
    }
    Ok(out)
}

/// The (key, value) pairs of a response's contact attributes (the JSON object stored with the
/// response) that the organisation keeps: string values of the kept keys, in the kept keys'
/// order. Nothing for a response without a contact or with unreadable attributes.
pub fn kept_attributes(kept: &[String], attributes_json: Option<&str>) -> Vec<(String, String)> {
    let (false, Some(text)) = (kept.is_empty(), attributes_json) else {
        return Vec::new();
    };
    let Ok(map) = serde_json::from_str::<BTreeMap<String, serde_json::Value>>(text) else {
        return Vec::new();
    };
    kept.iter()
        .filter_map(|k| match map.get(k) {
            Some(serde_json::Value::String(v)) => Some((k.clone(), v.clone())),
            _ => None,
        })
        .collect()
}

/// Which kept contact attributes count a response in the attribute histograms, while the
/// kept attributes change.
///
/// Adding an attribute means counting every stored response for it. That runs in the
/// background, in chunks of ascending response id: until it is done, `kept` holds the
/// attributes whose counts are complete (the only ones results may read from the aggregates)
/// and `chosen` the attributes asked for. A response is counted for the chosen attributes when
/// its id is at most `after` (the chunks have passed it; a response stored later with such an id
/// counts itself) and for the complete ones always, so each response is counted exactly once
/// for every attribute, whoever counts it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttributeCounting {
    /// Complete for every response.
    pub kept: Vec<String>,
    /// While a recount runs: the attributes asked for, in their order (the kept ones among
    /// them).
    pub chosen: Option<Vec<String>>,
    /// Responses with an id up to this one are counted for the chosen attributes.
    pub after: i64,
    /// Attributes whose histogram rows are being deleted (no longer kept, or partly recounted
    /// and starting over). Nothing counts them meanwhile, and counting waits until they are
    /// gone (`after` stays 0), so an attribute dropped and chosen again starts from nothing.
    pub dropping: Vec<String>,
}

/// The outcome of choosing other kept attributes: the new counting state, and the attributes
/// it drops (their rows join [`AttributeCounting::dropping`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeChange {
    pub counting: AttributeCounting,
    pub dropped: Vec<String>,
}

impl AttributeCounting {
    /// Only `kept`, no recount.
    pub fn complete(kept: Vec<String>) -> Self {
        AttributeCounting {
            kept,
            chosen: None,
            after: 0,
            dropping: Vec::new(),
        }
    }

    /// The attributes response `id` is counted for.
    pub fn keys_for(&self, id: i64) -> &[String] {
        match &self.chosen {
            Some(chosen) if id <= self.after => chosen,
            _ => &self.kept,
        }
    }

    /// The attributes being added by a running recount (none without one).
    pub fn adding(&self) -> Vec<String> {
        self.chosen
            .iter()
            .flatten()
            .filter(|k| !self.kept.contains(k))
            .cloned()
            .collect()
    }

    /// Whether a recount runs.
    pub fn recounting(&self) -> bool {
        !self.adding().is_empty()
    }

    /// Whether there is background work: rows to delete or responses to count.
    pub fn busy(&self) -> bool {
        self.recounting() || !self.dropping.is_empty()
    }

    /// The state once the rows of `attribute` are deleted.
    pub fn dropped(&self, attribute: &str) -> AttributeCounting {
        AttributeCounting {
            dropping: self
                .dropping
                .iter()
                .filter(|k| *k != attribute)
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    /// Choosing `target` (normalised by [`kept_attribute_keys`]): attributes kept before and
    /// still chosen stay complete; removed ones are dropped at once; new ones are recounted,
    /// continuing a running recount when it adds exactly the same ones.
    pub fn choose(&self, target: &[String]) -> AttributeChange {
        let kept: Vec<String> = target
            .iter()
            .filter(|k| self.kept.contains(k))
            .cloned()
            .collect();
        let adding: Vec<String> = target
            .iter()
            .filter(|k| !self.kept.contains(k))
            .cloned()
            .collect();
        let mut was_adding = self.adding();
        let mut dropped: Vec<String> = self
            .kept
            .iter()
            .filter(|k| !target.contains(k))
            .cloned()
            .collect();
        let mut same = adding.clone();
        same.sort();
        was_adding.sort();
        let continues = !adding.is_empty() && same == was_adding;
        if !continues {
            dropped.extend(was_adding);
        }
        let mut dropping = self.dropping.clone();
        for k in &dropped {
            if !dropping.contains(k) {
                dropping.push(k.clone());
            }
        }
        let counting = if adding.is_empty() {
            AttributeCounting {
                dropping,
                ..AttributeCounting::complete(target.to_vec())
            }
        } else {
            AttributeCounting {
                kept,
                chosen: Some(target.to_vec()),
                after: if continues { self.after } else { 0 },
                dropping,
            }
        };
        AttributeChange { counting, dropped }
    }

    /// The state once a recount has counted every response: the chosen attributes are kept.
    pub fn finished(&self) -> AttributeCounting {
        match &self.chosen {
            Some(chosen) => AttributeCounting {
                dropping: self.dropping.clone(),
                ..AttributeCounting::complete(chosen.clone())
            },
            None => self.clone(),
        }
    }
}

/// One histogram cell's key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountKey {
    pub survey_id: i64,
    pub question: String,
    pub grain: Grain,
    pub period: i32,
    pub unit_id: i64,
    pub touchpoint_id: i64,
    pub channel_id: i64,
    pub value: i64,
}

/// One attribute histogram cell's key: a [`CountKey`] without touchpoint and channel, for the
/// responses whose contact had `attribute = attribute_value`. Touchpoint and channel are left
/// out because each kept attribute multiplies the cells by its number of values; a filter on
/// an attribute and a touchpoint or channel together reads the raw responses.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttrCountKey {
    pub survey_id: i64,
    pub question: String,
    pub attribute: String,
    pub attribute_value: String,
    pub grain: Grain,
    pub period: i32,
    pub unit_id: i64,
    pub value: i64,
}

/// One moment cell's key: `(i, j) = (-1, -1)` counts responses, `(i, -1)` sums variable `i`,
/// `(i, j)` with `i ≤ j` sums the products — variables numbered in the set's id order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MomentKey {
    pub survey_id: i64,
    pub grain: Grain,
    pub period: i32,
    pub unit_id: i64,
    pub set_hash: i64,
    pub i: i32,
    pub j: i32,
}

/// The grains moments are kept at: driver analysis filters by date range and unit only.
pub const MOMENT_GRAINS: [Grain; 2] = [Grain::Day, Grain::Month];

/// Sums of many responses' facts, ready to be added to the stored aggregates. Keys are kept
/// sorted, so concurrent writers touch rows in the same order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rollup {
    pub counts: BTreeMap<CountKey, i64>,
    pub attr_counts: BTreeMap<AttrCountKey, i64>,
    pub moments: BTreeMap<MomentKey, i64>,
    /// (survey, set hash) → the set's question ids, comma-separated.
    pub sets: BTreeMap<(i64, i64), String>,
}

impl Rollup {
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty() && self.attr_counts.is_empty() && self.moments.is_empty()
    }

    /// Adds one response.
    pub fn add(&mut self, at: Placement, facts: &AnswerFacts) {
        for grain in Grain::ALL {
            let period = grain.period_of(at.day);
            for (question, value) in &facts.counts {
                *self
                    .counts
                    .entry(CountKey {
                        survey_id: at.survey_id,
                        question: question.clone(),
                        grain,
                        period,
                        unit_id: at.unit_id,
                        touchpoint_id: at.touchpoint_id,
                        channel_id: at.channel_id,
                        value: *value,
                    })
                    .or_insert(0) += 1;
                for (attribute, attribute_value) in at.attributes {
                    *self
                        .attr_counts
                        .entry(AttrCountKey {
                            survey_id: at.survey_id,
                            question: question.clone(),
                            attribute: attribute.clone(),
                            attribute_value: attribute_value.clone(),
                            grain,
                            period,
                            unit_id: at.unit_id,
                            value: *value,
                        })
                        .or_insert(0) += 1;
                }
            }
        }
        if facts.numeric.is_empty() {
            return;
        }
        let hash = set_hash(facts.numeric.iter().map(|(k, _)| k.as_str()));
        self.sets.entry((at.survey_id, hash)).or_insert_with(|| {
            facts
                .numeric
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join(",")
        });
        for grain in MOMENT_GRAINS {
            let period = grain.period_of(at.day);
            let mut bump = |i: i32, j: i32, by: i64| {
                *self
                    .moments
                    .entry(MomentKey {
                        survey_id: at.survey_id,
                        grain,
                        period,
                        unit_id: at.unit_id,
                        set_hash: hash,
                        i,
                        j,
                    })
                    .or_insert(0) += by;
            };
            bump(-1, -1, 1);
            for (i, (_, x)) in facts.numeric.iter().enumerate() {
                bump(i as i32, -1, *x);
                for (j, (_, y)) in facts.numeric.iter().enumerate().skip(i) {
                    bump(i as i32, j as i32, x * y);
                }
            }
        }
    }

    /// Adds another rollup.
    pub fn merge(&mut self, other: Rollup) {
        for (k, v) in other.counts {
            *self.counts.entry(k).or_insert(0) += v;
        }
        for (k, v) in other.attr_counts {
            *self.attr_counts.entry(k).or_insert(0) += v;
        }
        for (k, v) in other.moments {
            *self.moments.entry(k).or_insert(0) += v;
        }
        self.sets.extend(other.sets);
    }
}

/// (survey, interned question, grain, period, unit, touchpoint, channel, value).
type PackedCountKey = (i64, u32, Grain, i32, i64, i64, i64, i64);

/// (survey, interned question, day, unit, touchpoint, channel, value).
type PackedDayKey = (i64, u32, i32, i64, i64, i64, i64);

/// (survey, interned question, interned (attribute, value) pair, day, unit, value).
type PackedAttrDayKey = (i64, u32, u32, i32, i64, i64);

/// A fast accumulator for many responses (bulk loads, recomputation, the writer's batches):
/// question ids are interned, histogram cells keyed by small integers, and each response's
/// moments added into one vector per (period, unit, set) instead of one map entry per sum.
/// [`RollupBuilder::finish`] gives the same [`Rollup`] as adding the responses one by one.
#[derive(Default)]
pub struct RollupBuilder {
    ids: FxHashMap<String, u32>,
    names: Vec<String>,
    /// Day cells; weeks and months are summed from them when finishing.
    counts: FxHashMap<PackedDayKey, i64>,
    attr_counts: FxHashMap<PackedAttrDayKey, i64>,
    pair_ids: FxHashMap<(String, String), u32>,
    pairs: Vec<(String, String)>,
    /// (survey, day, unit, set hash) → [n, Σx…, Σxy… (upper triangle)].
    moments: FxHashMap<(i64, i32, i64, i64), Vec<i64>>,
    sets: BTreeMap<(i64, i64), String>,
    scratch: Vec<u32>,
}

impl RollupBuilder {
    fn intern(&mut self, q: &str) -> u32 {
        if let Some(&i) = self.ids.get(q) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(q.to_owned());
        self.ids.insert(q.to_owned(), i);
        i
    }

    fn intern_pair(&mut self, pair: &(String, String)) -> u32 {
        if let Some(&i) = self.pair_ids.get(pair) {
            return i;
        }
        let i = self.pairs.len() as u32;
        self.pairs.push(pair.clone());
        self.pair_ids.insert(pair.clone(), i);
        i
    }

    pub fn add(&mut self, at: Placement, facts: &AnswerFacts) {
        let mut ids = std::mem::take(&mut self.scratch);
        ids.clear();
        for (q, _) in &facts.counts {
            let id = self.intern(q);
            ids.push(id);
        }
        // Day cells only: weeks and months are summed from them in `finish`, once per cell
        // instead of once per response.
        for (id, (_, value)) in ids.iter().zip(&facts.counts) {
            *self
                .counts
                .entry((
                    at.survey_id,
                    *id,
                    at.day,
                    at.unit_id,
                    at.touchpoint_id,
                    at.channel_id,
                    *value,
                ))
                .or_insert(0) += 1;
        }
        for pair in at.attributes {
            let p = self.intern_pair(pair);
            for (id, (_, value)) in ids.iter().zip(&facts.counts) {
                *self
                    .attr_counts
                    .entry((at.survey_id, *id, p, at.day, at.unit_id, *value))
                    .or_insert(0) += 1;
            }
        }
        self.scratch = ids;
        let m = facts.numeric.len();
        if m == 0 {
            return;
        }
        let hash = set_hash(facts.numeric.iter().map(|(k, _)| k.as_str()));
        self.sets.entry((at.survey_id, hash)).or_insert_with(|| {
            facts
                .numeric
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join(",")
        });
        let len = 1 + m + m * (m + 1) / 2;
        let v = self
            .moments
            .entry((at.survey_id, at.day, at.unit_id, hash))
            .or_insert_with(|| vec![0; len]);
        v[0] += 1;
        let mut k = 1 + m;
        for (i, (_, x)) in facts.numeric.iter().enumerate() {
            v[1 + i] += x;
            for (_, y) in &facts.numeric[i..] {
                v[k] += x * y;
                k += 1;
            }
        }
    }

    pub fn finish(self) -> Rollup {
        let names = self.names;
        let mut cells: FxHashMap<PackedCountKey, i64> =
            FxHashMap::with_capacity_and_hasher(self.counts.len() * 2, Default::default());
        for ((survey_id, q, day, unit_id, touchpoint_id, channel_id, value), n) in self.counts {
            for grain in Grain::ALL {
                let key = (
                    survey_id,
                    q,
                    grain,
                    grain.period_of(day),
                    unit_id,
                    touchpoint_id,
                    channel_id,
                    value,
                );
                *cells.entry(key).or_insert(0) += n;
            }
        }
        let mut attr_cells: BTreeMap<AttrCountKey, i64> = BTreeMap::new();
        for ((survey_id, q, p, day, unit_id, value), n) in self.attr_counts {
            let (attribute, attribute_value) = &self.pairs[p as usize];
            for grain in Grain::ALL {
                let key = AttrCountKey {
                    survey_id,
                    question: names[q as usize].clone(),
                    attribute: attribute.clone(),
                    attribute_value: attribute_value.clone(),
                    grain,
                    period: grain.period_of(day),
                    unit_id,
                    value,
                };
                *attr_cells.entry(key).or_insert(0) += n;
            }
        }
        attr_cells.retain(|_, n| *n != 0);
        let mut sums: FxHashMap<(i64, Grain, i32, i64, i64), Vec<i64>> = FxHashMap::default();
        for ((survey_id, day, unit_id, set_hash), v) in self.moments {
            for grain in MOMENT_GRAINS.into_iter().filter(|g| *g != Grain::Day) {
                let key = (survey_id, grain, grain.period_of(day), unit_id, set_hash);
                let sum = sums.entry(key).or_insert_with(|| vec![0; v.len()]);
                sum.iter_mut().zip(&v).for_each(|(s, x)| *s += x);
            }
            sums.insert((survey_id, Grain::Day, day, unit_id, set_hash), v);
        }
        let counts = cells
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .map(
                |((survey_id, q, grain, period, unit_id, touchpoint_id, channel_id, value), n)| {
                    (
                        CountKey {
                            survey_id,
                            question: names[q as usize].clone(),
                            grain,
                            period,
                            unit_id,
                            touchpoint_id,
                            channel_id,
                            value,
                        },
                        n,
                    )
                },
            )
            .collect();
        let mut moments = BTreeMap::new();
        for ((survey_id, grain, period, unit_id, set_hash), v) in sums {
            // v = [n, Σx₀…Σx_{m−1}, Σx₀x₀, Σx₀x₁, …]; recover m from its length.
            let m = (1..=64)
                .find(|m| 1 + m + m * (m + 1) / 2 == v.len())
                .unwrap_or(0);
            let key = |i: i32, j: i32| MomentKey {
                survey_id,
                grain,
                period,
                unit_id,
                set_hash,
                i,
                j,
            };
            moments.insert(key(-1, -1), v[0]);
            let mut k = 1 + m;
            for i in 0..m {
                moments.insert(key(i as i32, -1), v[1 + i]);
                for j in i..m {
                    moments.insert(key(i as i32, j as i32), v[k]);
                    k += 1;
                }
            }
        }
        Rollup {
            counts,
            attr_counts: attr_cells,
            moments,
            sets: self.sets,
        }
    }
}

/// The difference between stored aggregates and a recomputation from raw responses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RollupDiff {
    /// (key, stored, recomputed) for every histogram cell that differs.
    pub counts: Vec<(CountKey, i64, i64)>,
    pub attr_counts: Vec<(AttrCountKey, i64, i64)>,
    pub moments: Vec<(MomentKey, i64, i64)>,
}

impl RollupDiff {
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty() && self.attr_counts.is_empty() && self.moments.is_empty()
    }

    /// How many cells differ.
    pub fn len(&self) -> usize {
        self.counts.len() + self.attr_counts.len() + self.moments.len()
    }
}

/// Compares stored aggregates with recomputed ones; zero cells count as absent.
pub fn diff(stored: &Rollup, recomputed: &Rollup) -> RollupDiff {
    fn cmp<K: Ord + Clone>(a: &BTreeMap<K, i64>, b: &BTreeMap<K, i64>) -> Vec<(K, i64, i64)> {
        let mut out = Vec::new();
        for (k, &v) in a {
            let w = b.get(k).copied().unwrap_or(0);
            if v != w {
                out.push((k.clone(), v, w));
            }
        }
        for (k, &w) in b {
            if !a.contains_key(k) && w != 0 {
                out.push((k.clone(), 0, w));
            }
        }
        out
    }
    RollupDiff {
        counts: cmp(&stored.counts, &recomputed.counts),
        attr_counts: cmp(&stored.attr_counts, &recomputed.attr_counts),
        moments: cmp(&stored.moments, &recomputed.moments),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::stored_answers;
    use crate::survey::{FileFormat, parse_survey_file};

    fn def() -> SurveyDefinition {
        let yaml = r#"
key: t
title: {nl: T, en: T}
languages: [nl, en]
questions:
  - {id: nps, type: nps, text: {nl: a, en: a}}
  - {id: csat, type: rating, scale: {min: 1, max: 5}, text: {nl: b, en: b}}
  - {id: ok, type: yesno, text: {nl: c, en: c}}
  - {id: why, type: text, required: false, text: {nl: d, en: d}}
  - id: m
    type: matrix
    scale: {min: 1, max: 5}
    items: [{id: x, text: {nl: x, en: x}}, {id: y, text: {nl: y, en: y}}]
    text: {nl: e, en: e}
"#;
        parse_survey_file(yaml.as_bytes(), FileFormat::Yaml)
            .expect("valid survey")
            .definition
    }

    #[test]
    fn calendar_reference_dates() {
        // 1970-01-01 is day 0; 2026-11-27 is day 20,784 (date(2026,11,27) - date(1970,1,1) in
        // Python's datetime).
        let d = day_of_date(Date::constant(2026, 11, 27));
        assert_eq!(d, 20_784);
        assert_eq!(date_of_day(d), Date::constant(2026, 11, 27));
        // 2026-11-27 is a Friday; its week starts Monday 2026-11-23, ISO week 48.
        let w = week_of(d);
        assert_eq!(
            date_of_day(Grain::Week.first_day(w)),
            Date::constant(2026, 11, 23)
        );
        assert_eq!(week_label(w), "2026-W48");
        // ISO week 1 of 2027 starts Monday 2027-01-04; 2027-01-03 belongs to 2026-W53.
        assert_eq!(
            week_label(week_of(day_of_date(Date::constant(2027, 1, 3)))),
            "2026-W53"
        );
        let m = month_of(d);
        assert_eq!(month_label(m), "2026-11");
        assert_eq!(date_of_day(month_first_day(m)), Date::constant(2026, 11, 1));
        assert_eq!(quarter_label(quarter_of_month(m)), "2026-Q4");
        assert_eq!(day_label(-1), "1969-12-31");
        assert_eq!(month_label(month_of(-1)), "1969-12");
    }

    #[test]
    fn local_day_follows_the_zone_and_dst() {
        let ams = TimeZone::get("Europe/Amsterdam").expect("tzdb");
        // 2026-03-28T23:30:00Z is 00:30 on the 29th in Amsterdam (UTC+1 then).
        let ms = Timestamp::from_second(1_774_740_600)
            .unwrap()
            .as_millisecond();
        assert_eq!(day_label(local_day(ms, &TimeZone::UTC)), "2026-03-28");
        assert_eq!(day_label(local_day(ms, &ams)), "2026-03-29");
        // 2026-07-01T22:30:00Z is 00:30 on 2 July in Amsterdam (UTC+2 in summer).
        let ms = Timestamp::from_second(1_782_945_000)
            .unwrap()
            .as_millisecond();
        assert_eq!(day_label(local_day(ms, &ams)), "2026-07-02");
        // That day starts at 2026-07-01T22:00:00Z.
        let day = local_day(ms, &ams);
        assert_eq!(day_start_ms(day, &ams), 1_782_943_200_000);
        assert_eq!(local_day(day_start_ms(day, &ams), &ams), day);
        assert_eq!(local_day(day_start_ms(day, &ams) - 1, &ams), day - 1);
    }

    #[test]
    fn facts_take_numeric_yesno_and_matrix_answers() {
        let d = def();
        let raw = serde_json::json!({"nps": 9, "csat": 4, "ok": true, "why": "fine", "m": {"x": 2, "y": 5}});
        let answers = stored_answers(&d, raw.as_object().unwrap());
        let f = answer_facts(&d, &answers);
        assert_eq!(
            f.counts,
            vec![
                ("csat".to_string(), 4),
                ("m.x".to_string(), 2),
                ("m.y".to_string(), 5),
                ("nps".to_string(), 9),
                ("ok".to_string(), 1)
            ]
        );
        assert_eq!(
            f.numeric,
            vec![("csat".to_string(), 4), ("nps".to_string(), 9)]
        );
    }

    #[test]
    fn rollup_counts_every_grain_and_the_moments() {
        let facts = AnswerFacts {
            counts: vec![("nps".into(), 9)],
            numeric: vec![("csat".into(), 4), ("nps".into(), 9)],
        };
        let at = Placement {
            survey_id: 1,
            day: 20_784,
            unit_id: 3,
            touchpoint_id: 0,
            channel_id: 2,
            attributes: &[],
        };
        let mut r = Rollup::default();
        r.add(at, &facts);
        r.add(at, &facts);
        assert_eq!(r.counts.len(), 3);
        assert!(r.counts.values().all(|&n| n == 2));
        // Per moment grain: n, two sums, three products.
        assert_eq!(r.moments.len(), 2 * 6);
        let hash = set_hash(["csat", "nps"]);
        let get = |i, j| {
            r.moments[&MomentKey {
                survey_id: 1,
                grain: Grain::Month,
                period: month_of(20_784),
                unit_id: 3,
                set_hash: hash,
                i,
                j,
            }]
        };
        assert_eq!(get(-1, -1), 2);
        assert_eq!(get(0, -1), 8);
        assert_eq!(get(1, -1), 18);
        assert_eq!(get(0, 0), 32);
        assert_eq!(get(0, 1), 72);
        assert_eq!(get(1, 1), 162);
        assert_eq!(r.sets[&(1, hash)], "csat,nps");

        let mut half = Rollup::default();
        half.add(at, &facts);
        let d = diff(&r, &half);
        assert_eq!(d.counts.len(), 3);
        assert_eq!(d.moments.len(), 12);
        half.merge(half.clone());
        assert!(diff(&r, &half).is_empty());

        let mut b = RollupBuilder::default();
        b.add(at, &facts);
        b.add(at, &facts);
        assert_eq!(b.finish(), r);
    }

    #[test]
    fn kept_attributes_count_every_cell_again_per_value() {
        let kept = kept_attribute_keys([" Segment ", "region", "segment", ""]).unwrap();
        assert_eq!(kept, ["segment", "region"]);
        let attrs = kept_attributes(
            &kept,
            Some(r#"{"region": "noord", "segment": "zakelijk", "klantnummer": "K1"}"#),
        );
        assert_eq!(
            attrs,
            [
                ("segment".to_string(), "zakelijk".to_string()),
                ("region".to_string(), "noord".to_string())
            ]
        );
        assert!(kept_attributes(&kept, None).is_empty());
        assert!(kept_attributes(&kept, Some("not json")).is_empty());
        assert!(kept_attributes(&[], Some(r#"{"segment": "x"}"#)).is_empty());
        assert_eq!(
            kept_attribute_keys(["a", "b", "c", "d", "e", "f"]),
            Err(KeptAttributesError::TooMany)
        );
        assert!(matches!(
            kept_attribute_keys([&"x".repeat(101) as &str]),
            Err(KeptAttributesError::TooLong(_))
        ));

        let facts = AnswerFacts {
            counts: vec![("csat".into(), 4), ("nps".into(), 9)],
            numeric: vec![],
        };
        let at = Placement {
            survey_id: 1,
            day: 20_784,
            unit_id: 3,
            touchpoint_id: 5,
            channel_id: 2,
            attributes: &attrs,
        };
        let mut r = Rollup::default();
        r.add(at, &facts);
        // 2 answers × 3 grains, once without and once per kept attribute.
        assert_eq!(r.counts.len(), 6);
        assert_eq!(r.attr_counts.len(), 12);
        let key = AttrCountKey {
            survey_id: 1,
            question: "nps".into(),
            attribute: "region".into(),
            attribute_value: "noord".into(),
            grain: Grain::Week,
            period: week_of(20_784),
            unit_id: 3,
            value: 9,
        };
        assert_eq!(r.attr_counts[&key], 1);
        let mut stored = r.clone();
        *stored.attr_counts.get_mut(&key).unwrap() += 1;
        let d = diff(&stored, &r);
        assert_eq!(d.attr_counts, vec![(key, 2, 1)]);
        assert_eq!(d.len(), 1);
    }

    fn keys(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_recount_counts_chosen_attributes_up_to_its_cursor_and_kept_ones_always() {
        let start = AttributeCounting::complete(keys(&["segment", "region"]));
        let change = start.choose(&keys(&["region", "plan"]));
        assert_eq!(change.dropped, keys(&["segment"]), "removed at once");
        let c = change.counting;
        assert_eq!(c.kept, keys(&["region"]));
        assert_eq!(c.adding(), keys(&["plan"]));
        assert!(c.recounting());
        assert_eq!(c.after, 0);
        assert_eq!(
            c.dropping,
            keys(&["segment"]),
            "its rows go in the background"
        );
        let c = c.dropped("segment");
        let moved = AttributeCounting {
            after: 100,
            ..c.clone()
        };
        assert_eq!(moved.keys_for(100), keys(&["region", "plan"]));
        assert_eq!(moved.keys_for(101), keys(&["region"]));
        assert_eq!(
            moved.finished(),
            AttributeCounting::complete(keys(&["region", "plan"]))
        );
    }

    #[test]
    fn choosing_again_during_a_recount_continues_or_starts_over() {
        let running = AttributeCounting {
            kept: keys(&["region"]),
            chosen: Some(keys(&["region", "plan"])),
            after: 500,
            dropping: Vec::new(),
        };
        // the same additions in another order: the chunks counted so far stay
        let same = running.choose(&keys(&["plan", "region"]));
        assert_eq!(same.counting.after, 500);
        assert!(same.dropped.is_empty());
        // other additions: the partial counts go, the recount starts over
        let other = running.choose(&keys(&["region", "plan", "size"]));
        assert_eq!(other.counting.after, 0);
        assert_eq!(other.dropped, keys(&["plan"]));
        // removing what was being added ends the recount; nothing is left half counted
        let back = running.choose(&keys(&["region"]));
        assert_eq!(back.counting.kept, keys(&["region"]));
        assert!(!back.counting.recounting());
        assert_eq!(back.counting.dropping, keys(&["plan"]));
        // and choosing it again before its rows are gone starts from nothing
        let again = back.counting.choose(&keys(&["region", "plan"]));
        assert_eq!(
            (again.counting.after, again.counting.dropping.clone()),
            (0, keys(&["plan"]))
        );
        // removing only: no recount, the rows go in the background
        let none = AttributeCounting::complete(keys(&["a", "b"])).choose(&keys(&["b"]));
        assert_eq!(none.counting.kept, keys(&["b"]));
        assert!(!none.counting.recounting() && none.counting.busy());
        assert_eq!(none.dropped, keys(&["a"]));
    }

    proptest::proptest! {
        #[test]
        fn builder_equals_adding_one_by_one(
            rows in proptest::collection::vec(
                (0..3i64, 0..60i32, proptest::option::of(0..11i64), proptest::option::of(1..6i64), proptest::option::of(1..8i64), 0..4usize),
                0..60,
            )
        ) {
            let pairs = [
                vec![],
                vec![("segment".to_string(), "business".to_string())],
                vec![("segment".to_string(), "private".to_string())],
                vec![("region".to_string(), "north".to_string()), ("segment".to_string(), "business".to_string())],
            ];
            let mut slow = Rollup::default();
            let mut fast = RollupBuilder::default();
            for (unit, day, a, b, c, p) in rows {
                let mut facts = AnswerFacts::default();
                for (k, v) in [("a", a), ("b", b), ("c", c)] {
                    if let Some(v) = v {
                        facts.counts.push((k.into(), v));
                        facts.numeric.push((k.into(), v));
                    }
                }
                let at = Placement { survey_id: 1, day: 20_000 + day, unit_id: unit, touchpoint_id: 0, channel_id: unit % 2, attributes: &pairs[p] };
                slow.add(at, &facts);
                fast.add(at, &facts);
            }
            proptest::prop_assert_eq!(fast.finish(), slow);
        }

        /// Writers storing responses (some with ids below ones already stored, as PostgreSQL
        /// hands out ids before commit), recount chunks and new choices in any order: every
        /// kept attribute has counted every response exactly once, every attribute being added
        /// exactly the responses up to the cursor, and after the last chunk all chosen ones are
        /// complete.
        fn responses_are_counted_once_for_every_attribute_whoever_counts_them(
            ops in proptest::collection::vec((0..10u8, 0..6usize, 1..4i64), 1..80)
        ) {
            use std::collections::{BTreeMap, BTreeSet};
            let names = ["a", "b", "c"];
            let targets: Vec<Vec<String>> = vec![
                vec![], keys(&["a"]), keys(&["b"]), keys(&["a", "b"]), keys(&["b", "c", "a"]), keys(&["c"]),
            ];
            let mut state = AttributeCounting::default();
            let mut stored: BTreeSet<i64> = BTreeSet::new();
            let mut counted: BTreeMap<String, BTreeMap<i64, u32>> = BTreeMap::new();
            let mut next_id = 1i64;
            let check = |state: &AttributeCounting, stored: &BTreeSet<i64>, counted: &BTreeMap<String, BTreeMap<i64, u32>>| {
                if state.dropping.iter().any(|k| state.keys_for(i64::MAX).contains(k) || (state.chosen.is_some() && state.after > 0 && state.adding().contains(k))) {
                    return Err(format!("an attribute is counted while its rows are deleted: {state:?}"));
                }
                // rows being deleted are left over, not counted
                for name in names.iter().filter(|n| !state.dropping.iter().any(|k| k == *n)) {
                    let name = *name;
                    let have = counted.get(name).cloned().unwrap_or_default();
                    let want: BTreeMap<i64, u32> = if state.kept.iter().any(|k| k == name) {
                        stored.iter().map(|&i| (i, 1)).collect()
                    } else if state.adding().iter().any(|k| k == name) {
                        stored.iter().filter(|&&i| i <= state.after).map(|&i| (i, 1)).collect()
                    } else {
                        BTreeMap::new()
                    };
                    if have != want {
                        return Err(format!("{name}: counted {have:?}, should be {want:?} in {state:?}"));
                    }
                }
                Ok(())
            };
            let chunk = |state: &mut AttributeCounting, stored: &BTreeSet<i64>, counted: &mut BTreeMap<String, BTreeMap<i64, u32>>, size: usize| {
                if let Some(key) = state.dropping.first().cloned() {
                    counted.remove(&key);
                    *state = state.dropped(&key);
                    return;
                }
                let ids: Vec<i64> = stored.range(state.after + 1..).take(size).copied().collect();
                if ids.is_empty() {
                    *state = state.finished();
                    return;
                }
                for key in state.adding() {
                    for &i in &ids {
                        *counted.entry(key.clone()).or_default().entry(i).or_default() += 1;
                    }
                }
                state.after = *ids.last().unwrap();
            };
            for (op, pick, n) in ops {
                match op {
                    // a response stored with the next id, or one handed out earlier
                    0..=4 => {
                        let id = if op == 4 && next_id > n + 1 { next_id - n } else { next_id };
                        if !stored.insert(id) { continue; }
                        next_id = next_id.max(id + 1);
                        for key in state.keys_for(id) {
                            *counted.entry(key.clone()).or_default().entry(id).or_default() += 1;
                        }
                    }
                    5..=7 => chunk(&mut state, &stored, &mut counted, n as usize),
                    _ => {
                        state = state.choose(&targets[pick]).counting;
                    }
                }
                check(&state, &stored, &counted).map_err(proptest::test_runner::TestCaseError::fail)?;
            }
            while state.busy() {
                chunk(&mut state, &stored, &mut counted, 2);
            }
            check(&state, &stored, &counted).map_err(proptest::test_runner::TestCaseError::fail)?;
            proptest::prop_assert!(state.chosen.is_none());
        }
    }
}
