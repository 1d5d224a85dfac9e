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

use serde::Serialize;

use crate::change::mean_ci95;
use crate::rollup::{Grain, month_of, quarter_of_month, week_of};
use crate::stats::{self, NpsMethod, SMALL_N};
use crate::survey::{QuestionKind, Scale};

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
            _ => return None,
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
        _ => proportion_difference((m.hits(a), a.iter().sum()), (m.hits(b), b.iter().sum())),
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
    /// The coarse grain whose periods nest in this grouping's periods.
    pub fn coarse_grain(group: Option<GroupBy>) -> Grain {
        match group {
            Some(GroupBy::Week) => Grain::Week,
            _ => Grain::Month,
        }
    }
    /// The time bucket (week, month or quarter number) of a day, for time groupings.
    pub fn bucket_of_day(self, day: i32) -> i32 {
        match self {
            GroupBy::Week => week_of(day),
            GroupBy::Quarter => quarter_of_month(month_of(day)),
            _ => month_of(day),
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
