//! From summed histograms to the measures a dashboard or the results API shows, and the plan
//! that reads a date range from the aggregates with as few rows as possible.
//!
//! Which measure a question gets follows its type and scale:
//!
//! | question | metric | score |
//! |---|---|---|
//! | `nps` (0–10) | `nps` | NPS, interval adjusted Wald (or Wald) |
//! | `rating` with 5 points | `csat` | top-2-box % (the two best points by the scale's direction), Wilson |
//! | `rating` with 7 points | `ces` | top-3-box % "easy" by the scale's direction, Wilson |
//! | other `rating`, `likert` | `mean` | mean with a t interval; top-2-box % alongside |
//! | `yesno` | `proportion` | % yes, Wilson |
//!
//! Every metric also carries the mean (t interval), the counts per value and `small_n`
//! (n < 30). With n = 0 there is no score (null), never 0.
//!
//! Questions with several parts are measured part by part ([`measured`]):
//!
//! | question | measured as | key |
//! |---|---|---|
//! | `matrix` | each item on the matrix's scale (as a rating or Likert question would be), and the matrix as a whole: its **dimension score**, the mean over all item answers (equal to the mean of the respondents' item means when everyone answers every item, methods.md 3) | `matrix.item`, `matrix` |
//! | `allocation` | each item: the mean of the points it got (0 to the total) | `question.item` |
//! | `ranking` | each option: its mean place (1 = first, lower is better) and the share placing it in the top two | `question.option` |
// A new question kind must be decided on at every match here: no wildcard arms over enums.
#![deny(clippy::wildcard_enum_match_arm)]

use serde::Serialize;

use crate::change::mean_ci95;
use crate::lang::Text;
use crate::rollup::{Grain, month_of, quarter_of_month, week_of};
use crate::stats::{self, NpsMethod, SMALL_N};
use crate::survey::{AnswerValue, Answers, QuestionKind, Scale, SurveyDefinition};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    Nps,
    Csat,
    Ces,
    Mean,
    Proportion,
}

impl Metric {
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Nps => "nps",
            Metric::Csat => "csat",
            Metric::Ces => "ces",
            Metric::Mean => "mean",
            Metric::Proportion => "proportion",
        }
    }
    /// Scores on a 0–100 (or −100–100) scale rather than the answer scale.
    pub fn is_percentage(self) -> bool {
        self != Metric::Mean
    }
}

/// How a question is measured: its metric and the scale of its histogram.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    pub metric: Metric,
    pub scale: Scale,
}

impl Measurement {
    /// The measurement of a question kind; `None` for kinds without a histogram of their own.
    pub fn of(kind: &QuestionKind) -> Option<Measurement> {
        let (metric, scale) = match kind {
            QuestionKind::Nps { scale } => (Metric::Nps, scale.clone()),
            QuestionKind::Rating { scale } => {
                let metric = match scale.max - scale.min + 1 {
                    5 => Metric::Csat,
                    7 => Metric::Ces,
                    _ => Metric::Mean,
                };
                (metric, scale.clone())
            }
            QuestionKind::Likert { points, .. } => (Metric::Mean, Scale::likert(*points)),
            QuestionKind::YesNo => (
                Metric::Proportion,
                Scale {
                    min: 0,
                    max: 1,
                    higher_is_better: true,
                    min_label: None,
                    max_label: None,
                    labels: None,
                },
            ),
            // no histogram of their own: counted per option, per item, or not at all
            QuestionKind::Choice { .. }
            | QuestionKind::Multi { .. }
            | QuestionKind::Text { .. }
            | QuestionKind::Matrix { .. }
            | QuestionKind::Ranking { .. }
            | QuestionKind::Allocation { .. } => return None,
        };
        Some(Measurement { metric, scale })
    }

    /// Number of values on the scale (the length of `counts`).
    pub fn width(&self) -> usize {
        (self.scale.max - self.scale.min + 1).max(0) as usize
    }

    /// The index in `counts` of an answer value, if it lies on the scale.
    pub fn slot(&self, value: i64) -> Option<usize> {
        (self.scale.min..=self.scale.max)
            .contains(&value)
            .then(|| (value - self.scale.min) as usize)
    }

    /// Answers counted as a hit for the metric's share: the best two points (csat, mean), the
    /// best three (ces), yes (proportion), promoters (nps).
    pub fn hits(&self, counts: &[u64]) -> u64 {
        let best = match self.metric {
            Metric::Nps => return counts.iter().skip(9).sum(),
            Metric::Proportion => return counts.get(1).copied().unwrap_or(0),
            Metric::Ces => 3,
            Metric::Csat | Metric::Mean => 2,
        };
        if self.scale.higher_is_better {
            counts.iter().rev().take(best).sum()
        } else {
            counts.iter().take(best).sum()
        }
    }

    /// The measures of one histogram (`counts[i]` = answers with value `scale.min + i`).
    pub fn measure(&self, counts: &[u64], method: NpsMethod) -> Measure {
        let n: u64 = counts.iter().sum();
        let mut m = Measure {
            metric: self.metric,
            n,
            score: None,
            ci95: None,
            method: None,
            promoters: None,
            passives: None,
            detractors: None,
            share: None,
            share_ci95: None,
            mean: None,
            mean_ci95: None,
            sd: None,
            counts: counts.to_vec(),
            small_n: n < SMALL_N,
        };
        if let Some((mean, sd)) = stats::mean_sd(counts, self.scale.min) {
            m.mean = Some(mean);
            m.sd = sd;
            m.mean_ci95 = sd
                .and_then(|sd| mean_ci95(mean, sd, n))
                .map(|(a, b)| [a, b]);
        }
        let share = stats::wilson(self.hits(counts), n);
        match self.metric {
            Metric::Nps => {
                if let Some(nps) = stats::nps(&nps_counts(counts), method) {
                    m.score = Some(nps.score);
                    m.ci95 = Some(nps.ci95);
                    m.method = Some(method);
                    m.promoters = Some(nps.promoters);
                    m.passives = Some(nps.passives);
                    m.detractors = Some(nps.detractors);
                }
            }
            Metric::Csat | Metric::Ces | Metric::Proportion => {
                if let Some(p) = share {
                    m.score = Some(p.score);
                    m.ci95 = Some(p.ci95);
                }
            }
            Metric::Mean => {
                m.score = m.mean;
                m.ci95 = m.mean_ci95;
                if let Some(p) = share {
                    m.share = Some(p.score);
                    m.share_ci95 = Some(p.ci95);
                }
            }
        }
        m
    }
}

/// What a measure of a survey stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Part {
    /// A question with one numeric (or yes/no) answer.
    Question,
    /// One item of a matrix, allocation or ranking question.
    Item,
    /// A matrix as a whole: the mean over all its item answers.
    Dimension,
}

/// One thing a dashboard or the results API can measure in a survey definition.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    /// How the measure is asked for: the question id, `question.item`, or the matrix id for
    /// its dimension score.
    pub key: String,
    /// The histogram keys summed for it (the aggregates' `question` column).
    pub parts: Vec<String>,
    pub part: Part,
    /// The question's text, and the item's when the measure is an item.
    pub question_text: Text,
    pub item_text: Option<Text>,
    /// The title of the question's page, when the page has one and holds no other matrix (it
    /// names a dimension better than a repeated "How often…?").
    pub page_title: Option<Text>,
    pub measurement: Measurement,
    /// Counted from the stored responses rather than the aggregates (allocation and ranking
    /// items: few answers, employee surveys, and no histogram kept for them).
    pub from_responses: bool,
}

impl Measured {
    /// The measure's label in a language: the question text; a dimension by its page title
    /// when it has one; an item by its own text.
    pub fn label(&self, lang: &crate::lang::Lang, fallback: &crate::lang::Lang) -> String {
        match (&self.item_text, &self.page_title) {
            (Some(item), _) => item.get(lang, fallback).to_owned(),
            (None, Some(page)) if self.part == Part::Dimension => format!(
                "{} — {}",
                page.get(lang, fallback),
                self.question_text.get(lang, fallback)
            ),
            _ => self.question_text.get(lang, fallback).to_owned(),
        }
    }
}

/// Everything measurable in a definition, in question order: a matrix's dimension first,
/// then its items.
pub fn measured(def: &SurveyDefinition) -> Vec<Measured> {
    let mut out = Vec::new();
    for page in &def.pages {
        let matrices = page
            .questions
            .iter()
            .filter(|q| matches!(q.kind, QuestionKind::Matrix { .. }))
            .count();
        for q in &page.questions {
            let id = q.id.as_str();
            let one = |part: Part, key: String, parts: Vec<String>, m: Measurement| Measured {
                key,
                parts,
                part,
                question_text: q.text.clone(),
                item_text: None,
                page_title: None,
                measurement: m,
                from_responses: false,
            };
            match &q.kind {
                QuestionKind::Matrix {
                    items,
                    scale,
                    likert,
                } => {
                    let m = match likert {
                        Some(points) => Measurement::of(&QuestionKind::Likert {
                            points: *points,
                            labels: None,
                        }),
                        None => Measurement::of(&QuestionKind::Rating {
                            scale: scale.clone(),
                        }),
                    }
                    .expect("likert and rating are measured");
                    let keys: Vec<String> = items
                        .iter()
                        .map(|it| format!("{id}.{}", it.id.as_str()))
                        .collect();
                    let mut dim = one(Part::Dimension, id.to_owned(), keys.clone(), m.clone());
                    dim.page_title = page.title.clone().filter(|_| matrices == 1);
                    out.push(dim);
                    for (it, key) in items.iter().zip(keys) {
                        let mut item = one(Part::Item, key.clone(), vec![key], m.clone());
                        item.item_text = Some(it.text.clone());
                        out.push(item);
                    }
                }
                QuestionKind::Allocation { items, total } => {
                    let m = Measurement {
                        metric: Metric::Mean,
                        scale: Scale {
                            min: 0,
                            max: i64::from(*total),
                            higher_is_better: true,
                            min_label: None,
                            max_label: None,
                            labels: None,
                        },
                    };
                    for it in items {
                        let key = format!("{id}.{}", it.id.as_str());
                        let mut item = one(Part::Item, key.clone(), vec![key], m.clone());
                        item.item_text = Some(it.text.clone());
                        item.from_responses = true;
                        out.push(item);
                    }
                }
                QuestionKind::Ranking {
                    options,
                    max_ranked,
                } => {
                    let places = max_ranked
                        .map(|m| m as usize)
                        .unwrap_or(options.len())
                        .min(options.len());
                    let m = Measurement {
                        metric: Metric::Mean,
                        scale: Scale {
                            min: 1,
                            max: places as i64,
                            higher_is_better: false,
                            min_label: None,
                            max_label: None,
                            labels: None,
                        },
                    };
                    for o in options {
                        let key = format!("{id}.{}", o.id.as_str());
                        let mut item = one(Part::Item, key.clone(), vec![key], m.clone());
                        item.item_text = Some(o.text.clone());
                        item.from_responses = true;
                        out.push(item);
                    }
                }
                kind @ (QuestionKind::Nps { .. }
                | QuestionKind::Rating { .. }
                | QuestionKind::Likert { .. }
                | QuestionKind::YesNo
                | QuestionKind::Choice { .. }
                | QuestionKind::Multi { .. }
                | QuestionKind::Text { .. }) => {
                    if let Some(m) = Measurement::of(kind) {
                        out.push(one(Part::Question, id.to_owned(), vec![id.to_owned()], m));
                    }
                }
            }
        }
    }
    out
}

/// The measure of `key` in a definition (see [`measured`]).
pub fn measure_of(def: &SurveyDefinition, key: &str) -> Option<Measured> {
    measured(def).into_iter().find(|m| m.key == key)
}

/// The values a response gives the items of its allocation and ranking questions, keyed as in
/// [`measured`]: the points per item, the place (1 = first) per ranked option. The aggregates
/// keep no histogram for these; they are counted from the stored responses.
pub fn item_values(def: &SurveyDefinition, answers: &Answers) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for (id, value) in answers.iter() {
        let Some(q) = def.question(id.as_str()) else {
            continue;
        };
        match &q.kind {
            QuestionKind::Allocation { .. } => {
                if let AnswerValue::Map(items) = value {
                    for (item, v) in items {
                        out.push((format!("{}.{item}", id.as_str()), *v));
                    }
                }
            }
            QuestionKind::Ranking { .. } => {
                if let AnswerValue::List(order) = value {
                    for (place, option) in order.iter().enumerate() {
                        out.push((format!("{}.{option}", id.as_str()), place as i64 + 1));
                    }
                }
            }
            // kept in the aggregates (`rollup::answer_facts`), or not counted
            QuestionKind::Nps { .. }
            | QuestionKind::Rating { .. }
            | QuestionKind::Likert { .. }
            | QuestionKind::YesNo
            | QuestionKind::Choice { .. }
            | QuestionKind::Multi { .. }
            | QuestionKind::Text { .. }
            | QuestionKind::Matrix { .. } => {}
        }
    }
    out
}

/// An NPS histogram (scores 0–10) from a 0–10 slice; missing points count 0.
pub fn nps_counts(counts: &[u64]) -> [u64; 11] {
    let mut h = [0u64; 11];
    for (slot, c) in h.iter_mut().zip(counts) {
        *slot = *c;
    }
    h
}

/// A − B for two independent groups' histograms, by the metric's test: NPS difference (z),
/// the share's difference (z, % points) or, for means, Welch's t.
pub fn difference(m: &Measurement, a: &[u64], b: &[u64]) -> Option<crate::change::Difference> {
    use crate::change::{mean_difference, nps_difference, proportion_difference};
    match m.metric {
        Metric::Nps => nps_difference(&nps_counts(a), &nps_counts(b)),
        Metric::Mean => {
            let (ma, sa) = stats::mean_sd(a, m.scale.min)?;
            let (mb, sb) = stats::mean_sd(b, m.scale.min)?;
            mean_difference((ma, sa?, a.iter().sum()), (mb, sb?, b.iter().sum()))
        }
        Metric::Csat | Metric::Ces | Metric::Proportion => {
            proportion_difference((m.hits(a), a.iter().sum()), (m.hits(b), b.iter().sum()))
        }
    }
}

/// The measures of one group of answers. Absent values are `None` (null in JSON).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measure {
    pub metric: Metric,
    pub n: u64,
    pub score: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub method: Option<NpsMethod>,
    pub promoters: Option<u64>,
    pub passives: Option<u64>,
    pub detractors: Option<u64>,
    /// For `mean` questions: the top-2-box share in %, with its Wilson interval.
    pub share: Option<f64>,
    pub share_ci95: Option<[f64; 2]>,
    pub mean: Option<f64>,
    pub mean_ci95: Option<[f64; 2]>,
    pub sd: Option<f64>,
    pub counts: Vec<u64>,
    pub small_n: bool,
}

/// How answers are grouped in a results query.
/// The time buckets of a grouping ([`GroupBy::bucket`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    Week,
    Month,
    Quarter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Week,
    Month,
    Quarter,
    Unit,
    Touchpoint,
    Channel,
    /// The handling employee (read from raw responses: the aggregates do not keep it).
    Employee,
    /// The survey version answered (read from raw responses).
    Version,
    /// The values of one contact attribute (its key is given with the grouping): from the
    /// aggregates when the organisation keeps it, else from raw responses.
    Attribute,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        Some(match s {
            "week" => GroupBy::Week,
            "month" => GroupBy::Month,
            "quarter" => GroupBy::Quarter,
            "unit" => GroupBy::Unit,
            "touchpoint" => GroupBy::Touchpoint,
            "channel" => GroupBy::Channel,
            "employee" => GroupBy::Employee,
            "version" => GroupBy::Version,
            "attribute" => GroupBy::Attribute,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Week => "week",
            GroupBy::Month => "month",
            GroupBy::Quarter => "quarter",
            GroupBy::Unit => "unit",
            GroupBy::Touchpoint => "touchpoint",
            GroupBy::Channel => "channel",
            GroupBy::Employee => "employee",
            GroupBy::Version => "version",
            GroupBy::Attribute => "attribute",
        }
    }
    pub fn is_time(self) -> bool {
        matches!(self, GroupBy::Week | GroupBy::Month | GroupBy::Quarter)
    }
    /// The time bucket a grouping counts in: weeks, quarters, or months (months also for the
    /// groupings that are not by time).
    pub fn bucket(self) -> Bucket {
        match self {
            GroupBy::Week => Bucket::Week,
            GroupBy::Quarter => Bucket::Quarter,
            GroupBy::Month
            | GroupBy::Unit
            | GroupBy::Touchpoint
            | GroupBy::Channel
            | GroupBy::Employee
            | GroupBy::Version
            | GroupBy::Attribute => Bucket::Month,
        }
    }
    /// The coarse grain whose periods nest in this grouping's periods.
    pub fn coarse_grain(group: Option<GroupBy>) -> Grain {
        match group {
            Some(GroupBy::Week) => Grain::Week,
            _ => Grain::Month,
        }
    }
    /// The time bucket (week, month or quarter number) of a day, for time groupings.
    pub fn bucket_of_day(self, day: i32) -> i32 {
        match self.bucket() {
            Bucket::Week => week_of(day),
            Bucket::Quarter => quarter_of_month(month_of(day)),
            Bucket::Month => month_of(day),
        }
    }
    /// Every time bucket from the one holding `from` to the one holding `to`.
    pub fn buckets(self, from: i32, to: i32) -> Vec<i32> {
        if from > to {
            return Vec::new();
        }
        (self.bucket_of_day(from)..=self.bucket_of_day(to)).collect()
    }
}

/// One part of a read plan: periods `from..=to` of `grain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanPart {
    pub grain: Grain,
    pub from: i32,
    pub to: i32,
}

/// Covers the days `from..=to` with whole periods of `coarse` where they fit and days at the
/// ragged ends, so a year reads 12 monthly rows per cell instead of 365 daily ones.
pub fn read_plan(from: i32, to: i32, coarse: Grain) -> Vec<PlanPart> {
    if from > to {
        return Vec::new();
    }
    let first = {
        let p = coarse.period_of(from);
        if coarse.first_day(p) == from {
            p
        } else {
            p + 1
        }
    };
    let last = {
        let p = coarse.period_of(to);
        if coarse.first_day(p + 1) - 1 == to {
            p
        } else {
            p - 1
        }
    };
    if coarse == Grain::Day || first > last {
        return vec![PlanPart {
            grain: Grain::Day,
            from,
            to,
        }];
    }
    let mut parts = Vec::with_capacity(3);
    let head_end = coarse.first_day(first) - 1;
    if head_end >= from {
        parts.push(PlanPart {
            grain: Grain::Day,
            from,
            to: head_end,
        });
    }
    parts.push(PlanPart {
        grain: coarse,
        from: first,
        to: last,
    });
    let tail_start = coarse.first_day(last + 1);
    if tail_start <= to {
        parts.push(PlanPart {
            grain: Grain::Day,
            from: tail_start,
            to,
        });
    }
    parts
}

/// Rounds for output: percentages and NPS points to 2 decimals, means to 3.
pub fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::{day_of_date, month_first_day};
    use jiff::civil::Date;
    use proptest::prelude::*;

    fn nps_q() -> Measurement {
        Measurement::of(&QuestionKind::Nps {
            scale: Scale::nps(),
        })
        .unwrap()
    }

    #[test]
    fn nps_measure_reproduces_methods_example_a() {
        // methods.md §1, example A: n 200, NPS 15.00, adjusted Wald [3.89, 25.66].
        let m = nps_q().measure(
            &[5, 2, 3, 4, 6, 10, 20, 30, 40, 35, 45],
            NpsMethod::AdjustedWald,
        );
        assert_eq!(m.metric, Metric::Nps);
        assert_eq!(m.n, 200);
        assert_eq!(round_to(m.score.unwrap(), 2), 15.0);
        let ci = m.ci95.unwrap();
        assert_eq!([round_to(ci[0], 2), round_to(ci[1], 2)], [3.89, 25.66]);
        assert_eq!(
            (m.promoters, m.passives, m.detractors),
            (Some(80), Some(70), Some(50))
        );
        let w = nps_q().measure(&[5, 2, 3, 4, 6, 10, 20, 30, 40, 35, 45], NpsMethod::Wald);
        let ci = w.ci95.unwrap();
        assert_eq!([round_to(ci[0], 2), round_to(ci[1], 2)], [4.02, 25.98]);
    }

    #[test]
    fn csat_measure_reproduces_methods_example() {
        // methods.md §2: counts [3,5,12,40,40] → 80.0 %, Wilson [71.12, 86.66]; mean 4.09,
        // CI [3.892, 4.288].
        let q = Measurement::of(&QuestionKind::Rating {
            scale: Scale::likert(5),
        })
        .unwrap();
        let m = q.measure(&[3, 5, 12, 40, 40], NpsMethod::AdjustedWald);
        assert_eq!(m.metric, Metric::Csat);
        assert_eq!(m.score, Some(80.0));
        let ci = m.ci95.unwrap();
        assert_eq!([round_to(ci[0], 2), round_to(ci[1], 2)], [71.12, 86.66]);
        assert_eq!(round_to(m.mean.unwrap(), 2), 4.09);
        let mci = m.mean_ci95.unwrap();
        assert_eq!([round_to(mci[0], 3), round_to(mci[1], 3)], [3.892, 4.288]);
    }

    #[test]
    fn ces_honours_the_direction() {
        // methods.md §2 CES counts (1..7): mean 5.38, CI [5.105, 5.655]. Easy = 5..7 when
        // higher is better: 25+35+20 = 80 of 100; when lower is better: 1..3 = 10 of 100.
        let mut scale = Scale::likert(7);
        let q = Measurement::of(&QuestionKind::Rating {
            scale: scale.clone(),
        })
        .unwrap();
        let m = q.measure(&[2, 3, 5, 10, 25, 35, 20], NpsMethod::AdjustedWald);
        assert_eq!(m.metric, Metric::Ces);
        assert_eq!(m.score, Some(80.0));
        assert_eq!(round_to(m.mean.unwrap(), 2), 5.38);
        let mci = m.mean_ci95.unwrap();
        assert_eq!([round_to(mci[0], 3), round_to(mci[1], 3)], [5.105, 5.655]);
        scale.higher_is_better = false;
        let q = Measurement::of(&QuestionKind::Rating { scale }).unwrap();
        assert_eq!(
            q.measure(&[2, 3, 5, 10, 25, 35, 20], NpsMethod::Wald).score,
            Some(10.0)
        );
    }

    #[test]
    fn differences_follow_the_metric() {
        // methods.md §1: A − B = 20.0, SE 7.98, z 2.505, p 0.0122.
        let a = [5, 2, 3, 4, 6, 10, 20, 30, 40, 35, 45];
        let b = [8, 4, 5, 6, 9, 14, 24, 34, 36, 30, 30];
        let d = difference(&nps_q(), &a, &b).unwrap();
        assert_eq!(
            (
                round_to(d.diff, 1),
                round_to(d.se, 2),
                round_to(d.z, 3),
                round_to(d.p, 4)
            ),
            (20.0, 7.98, 2.505, 0.0122)
        );
        // CSAT 80/100 vs 60/100: 20 points, unpooled SE = √(.8·.2/100 + .6·.4/100) = 0.063246
        // → z = 3.1623 (hand calculation).
        let q = Measurement::of(&QuestionKind::Rating {
            scale: Scale::likert(5),
        })
        .unwrap();
        let d = difference(&q, &[3, 5, 12, 40, 40], &[10, 10, 20, 30, 30]).unwrap();
        assert_eq!((round_to(d.diff, 6), round_to(d.z, 4)), (20.0, 3.1623));
        assert!(difference(&q, &[0; 5], &[1, 1, 1, 1, 1]).is_none());
    }

    #[test]
    fn matrices_give_a_dimension_and_items_allocation_and_ranking_give_items() {
        let def = crate::templates::template("engagement").unwrap();
        let keys: Vec<String> = measured(&def).into_iter().map(|m| m.key).collect();
        assert_eq!(
            keys[..5],
            [
                "vigour",
                "vigour.vigour_1",
                "vigour.vigour_2",
                "vigour.vigour_3",
                "dedication"
            ]
        );
        assert_eq!(keys.last().map(String::as_str), Some("enps"));
        let dim = measure_of(&def, "vigour").unwrap();
        assert_eq!(dim.part, Part::Dimension);
        assert_eq!(
            dim.parts,
            ["vigour.vigour_1", "vigour.vigour_2", "vigour.vigour_3"]
        );
        assert_eq!(
            (dim.measurement.scale.min, dim.measurement.scale.max),
            (0, 6)
        );
        let nl = crate::Lang::parse("nl").unwrap();
        assert_eq!(
            dim.label(&nl, &nl),
            "Energie — Hoe vaak geldt dit voor jou?"
        );

        // Three matrices on one page: each named by its own text.
        let def = crate::templates::template("competency-360").unwrap();
        let m = measure_of(&def, "level_1").unwrap();
        assert_eq!(m.label(&nl, &nl), "Basis: hoe vaak zie je dit gedrag?");
        assert_eq!(
            m.measurement.metric,
            Metric::Csat,
            "a 1–5 scale as a rating"
        );
        assert!(
            measure_of(&def, "relation").is_none(),
            "a choice has no score"
        );

        let def = crate::templates::template("customer-centricity-definition").unwrap();
        let r = measure_of(&def, "definition.act_now").unwrap();
        assert!(r.from_responses && !r.measurement.scale.higher_is_better);
        assert_eq!((r.measurement.scale.min, r.measurement.scale.max), (1, 5));
        let def = crate::templates::template("drivers-profile").unwrap();
        let a = measure_of(&def, "work.purple").unwrap();
        assert_eq!((a.measurement.scale.min, a.measurement.scale.max), (0, 15));
    }

    #[test]
    fn ranking_places_and_allocation_points_are_read_from_answers() {
        let def = crate::templates::template("customer-centricity-definition").unwrap();
        let q = def.question("definition").unwrap();
        let QuestionKind::Ranking { options, .. } = &q.kind else {
            panic!("a ranking")
        };
        let order: Vec<serde_json::Value> = options
            .iter()
            .rev()
            .take(5)
            .map(|o| o.id.as_str().into())
            .collect();
        let raw = serde_json::json!({ "definition": order });
        let answers = crate::survey::validate_answers(
            &def,
            raw.as_object().unwrap(),
            crate::survey::Scope::All,
            &Answers::default(),
            crate::survey::HiddenAnswers::Refuse,
        )
        .unwrap();
        let v = item_values(&def, &answers);
        assert_eq!(v[0], ("definition.whole_chain".to_string(), 1));
        assert_eq!(v.len(), 5);
    }

    #[test]
    fn no_answers_no_score() {
        let m = nps_q().measure(&[0; 11], NpsMethod::AdjustedWald);
        assert_eq!((m.n, m.score, m.ci95, m.mean), (0, None, None, None));
        assert!(m.small_n);
        let yes = Measurement::of(&QuestionKind::YesNo).unwrap();
        let m = yes.measure(&[1, 3], NpsMethod::Wald);
        assert_eq!((m.metric, m.score), (Metric::Proportion, Some(75.0)));
    }

    #[test]
    fn plan_uses_whole_months_and_ragged_days() {
        let d = |y, m, dd| day_of_date(Date::constant(y, m, dd));
        // 2025-01-15 .. 2025-04-10: days 15–31 Jan, months Feb–Mar, days 1–10 Apr.
        let plan = read_plan(d(2025, 1, 15), d(2025, 4, 10), Grain::Month);
        assert_eq!(plan.len(), 3);
        assert_eq!(
            (plan[0].grain, plan[0].from, plan[0].to),
            (Grain::Day, d(2025, 1, 15), d(2025, 1, 31))
        );
        assert_eq!(plan[1].grain, Grain::Month);
        assert_eq!(month_first_day(plan[1].from), d(2025, 2, 1));
        assert_eq!(month_first_day(plan[1].to), d(2025, 3, 1));
        assert_eq!((plan[2].from, plan[2].to), (d(2025, 4, 1), d(2025, 4, 10)));
        // Whole months only.
        let plan = read_plan(d(2025, 1, 1), d(2025, 12, 31), Grain::Month);
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].to - plan[0].from, 11);
        // Inside one month: days.
        let plan = read_plan(d(2025, 1, 3), d(2025, 1, 9), Grain::Month);
        assert_eq!(
            plan,
            vec![PlanPart {
                grain: Grain::Day,
                from: d(2025, 1, 3),
                to: d(2025, 1, 9)
            }]
        );
    }

    proptest! {
        #[test]
        fn plan_covers_every_day_exactly_once(from in 19_000i32..21_000, len in 0i32..800, weeks in any::<bool>()) {
            let to = from + len;
            let coarse = if weeks { Grain::Week } else { Grain::Month };
            let mut covered = Vec::new();
            for p in read_plan(from, to, coarse) {
                for period in p.from..=p.to {
                    let start = p.grain.first_day(period);
                    let end = p.grain.first_day(period + 1) - 1;
                    covered.extend(start..=end);
                }
            }
            let expected: Vec<i32> = (from..=to).collect();
            prop_assert_eq!(covered, expected);
        }
    }
}
