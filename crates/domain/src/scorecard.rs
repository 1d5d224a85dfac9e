//! The organisation's one customer indicator, targets per unit and period, and the status a
//! scorecard shows (SPEC 3.5).
//!
//! * The indicator is NPS, CSAT or a *customer index*: a weighted mean of questions, each
//!   rescaled to 0–100 by its scale and direction: `sᵢ = 100·(x̄ᵢ − minᵢ)/(maxᵢ − minᵢ)` (for a
//!   lower-is-better scale `100·(maxᵢ − x̄ᵢ)/(maxᵢ − minᵢ)`), `index = Σ wᵢ·sᵢ / Σ wᵢ`. Its
//!   95 % interval uses the upper bound `SE ≤ Σ (wᵢ/Σw)·SEᵢ` (exact when the questions are
//!   perfectly correlated, wider otherwise: the interval is never too narrow), with `SEᵢ` the
//!   rescaled standard error of each mean and the t quantile of the smallest n.
//! * Targets are set per unit for a year (`2026`), quarter (`2026-Q3`) or month (`2026-07`);
//!   a scorecard for a quarter uses that quarter's target, else the year's.
//! * Status respects the interval: *on target* when the whole interval is at or above the
//!   target, *below* when it is wholly under it, otherwise *not yet sure*.

use serde::Serialize;

use crate::change::t_quantile_975;
use crate::results::Measurement;
use crate::rollup::{day_of_date, month_first_day};
use crate::stats;

/// What the organisation steers on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IndicatorKind {
    Nps,
    Csat,
    Index,
}

impl IndicatorKind {
    pub fn parse(s: &str) -> Option<IndicatorKind> {
        Some(match s {
            "nps" => IndicatorKind::Nps,
            "csat" => IndicatorKind::Csat,
            "index" => IndicatorKind::Index,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::Nps => "nps",
            IndicatorKind::Csat => "csat",
            IndicatorKind::Index => "index",
        }
    }
    /// The scale of the indicator's values.
    pub fn range(self) -> (f64, f64) {
        match self {
            IndicatorKind::Nps => (-100.0, 100.0),
            _ => (0.0, 100.0),
        }
    }
}

/// A value of the indicator with its interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndicatorValue {
    pub n: u64,
    pub score: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub small_n: bool,
}

impl IndicatorValue {
    pub fn empty() -> IndicatorValue {
        IndicatorValue {
            n: 0,
            score: None,
            ci95: None,
            small_n: true,
        }
    }
}

/// The customer index of questions given as (measurement, weight, histogram). `n` is the
/// smallest number of answers among the components; no value when any component has fewer
/// than 2 answers or the weights do not add up to more than 0.
pub fn customer_index(components: &[(Measurement, f64, Vec<u64>)]) -> IndicatorValue {
    let total_w: f64 = components.iter().map(|(_, w, _)| w.max(0.0)).sum();
    let n_min = components
        .iter()
        .map(|(_, _, c)| c.iter().sum::<u64>())
        .min()
        .unwrap_or(0);
    if components.is_empty() || total_w <= 0.0 || n_min < 2 {
        return IndicatorValue {
            n: n_min,
            ..IndicatorValue::empty()
        };
    }
    let (mut score, mut se) = (0.0, 0.0);
    for (m, w, counts) in components {
        let share = w.max(0.0) / total_w;
        let Some((mean, Some(sd))) = stats::mean_sd(counts, m.scale.min) else {
            return IndicatorValue::empty();
        };
        let range = (m.scale.max - m.scale.min).max(1) as f64;
        let n: u64 = counts.iter().sum();
        let s = if m.scale.higher_is_better {
            100.0 * (mean - m.scale.min as f64) / range
        } else {
            100.0 * (m.scale.max as f64 - mean) / range
        };
        score += share * s;
        se += share * 100.0 * sd / range / (n as f64).sqrt();
    }
    let half = t_quantile_975(n_min - 1) * se;
    IndicatorValue {
        n: n_min,
        score: Some(score),
        ci95: Some([(score - half).max(0.0), (score + half).min(100.0)]),
        small_n: n_min < stats::SMALL_N,
    }
}

/// Where the indicator stands against a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    OnTarget,
    Below,
    NotYetSure,
    NoData,
    NoTarget,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::OnTarget => "on-target",
            Status::Below => "below",
            Status::NotYetSure => "not-yet-sure",
            Status::NoData => "no-data",
            Status::NoTarget => "no-target",
        }
    }
}

/// The status of a value against a target, respecting its interval.
pub fn status(value: &IndicatorValue, target: Option<f64>) -> Status {
    let Some(target) = target else {
        return Status::NoTarget;
    };
    match value.ci95 {
        None => Status::NoData,
        Some([lo, _]) if lo >= target => Status::OnTarget,
        Some([_, hi]) if hi < target => Status::Below,
        Some(_) => Status::NotYetSure,
    }
}

/// A reporting period: a year, a quarter or a month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Year(i16),
    Quarter(i16, u8),
    Month(i16, u8),
}

impl Period {
    /// `2026`, `2026-Q3` or `2026-07`.
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        let year = |y: &str| {
            y.parse::<i16>()
                .ok()
                .filter(|y| (1900..=2199).contains(y) && y.to_string().len() == 4)
        };
        if let Some((y, q)) = s.split_once("-Q").or_else(|| s.split_once("-q")) {
            let q: u8 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
            return Some(Period::Quarter(year(y)?, q));
        }
        if let Some((y, m)) = s.split_once('-') {
            let m: u8 = m.parse().ok().filter(|m| (1..=12).contains(m))?;
            return Some(Period::Month(year(y)?, m));
        }
        Some(Period::Year(year(s)?))
    }

    pub fn label(&self) -> String {
        match self {
            Period::Year(y) => format!("{y}"),
            Period::Quarter(y, q) => format!("{y}-Q{q}"),
            Period::Month(y, m) => format!("{y}-{m:02}"),
        }
    }

    /// The months it spans, as `year·12 + month − 1`.
    fn months(&self) -> (i32, i32) {
        match *self {
            Period::Year(y) => (i32::from(y) * 12, i32::from(y) * 12 + 11),
            Period::Quarter(y, q) => {
                let first = i32::from(y) * 12 + (i32::from(q) - 1) * 3;
                (first, first + 2)
            }
            Period::Month(y, m) => {
                let mm = i32::from(y) * 12 + i32::from(m) - 1;
                (mm, mm)
            }
        }
    }

    /// First and last day (days since 1970-01-01).
    pub fn days(&self) -> (i32, i32) {
        let (a, b) = self.months();
        (month_first_day(a), month_first_day(b + 1) - 1)
    }

    /// The period just before, of the same length.
    pub fn previous(&self) -> Period {
        match *self {
            Period::Year(y) => Period::Year(y - 1),
            Period::Quarter(y, 1) => Period::Quarter(y - 1, 4),
            Period::Quarter(y, q) => Period::Quarter(y, q - 1),
            Period::Month(y, 1) => Period::Month(y - 1, 12),
            Period::Month(y, m) => Period::Month(y, m - 1),
        }
    }

    /// The periods whose target applies, most specific first: a month uses its own target,
    /// else its quarter's, else its year's.
    pub fn target_lookup(&self) -> Vec<Period> {
        match *self {
            Period::Year(y) => vec![Period::Year(y)],
            Period::Quarter(y, q) => vec![Period::Quarter(y, q), Period::Year(y)],
            Period::Month(y, m) => vec![
                Period::Month(y, m),
                Period::Quarter(y, (m - 1) / 3 + 1),
                Period::Year(y),
            ],
        }
    }

    /// The quarter holding a day.
    pub fn quarter_of_day(day: i32) -> Period {
        let d = crate::rollup::date_of_day(day);
        Period::Quarter(d.year(), (d.month() as u8 - 1) / 3 + 1)
    }
}

/// `day_of_date` re-exported for callers that build periods from dates.
pub fn day(date: jiff::civil::Date) -> i32 {
    day_of_date(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::{QuestionKind, Scale};
    use jiff::civil::Date;

    #[test]
    fn periods_parse_span_and_step_back() {
        assert_eq!(Period::parse("2026"), Some(Period::Year(2026)));
        assert_eq!(Period::parse("2026-Q3"), Some(Period::Quarter(2026, 3)));
        assert_eq!(Period::parse("2026-07"), Some(Period::Month(2026, 7)));
        for bad in ["", "26", "2026-Q5", "2026-13", "abcd", "2026-Q0", "12026"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
        let (a, b) = Period::Quarter(2026, 3).days();
        assert_eq!(
            (a, b),
            (
                day(Date::constant(2026, 7, 1)),
                day(Date::constant(2026, 9, 30))
            )
        );
        let (a, b) = Period::Year(2024).days();
        assert_eq!(b - a + 1, 366);
        assert_eq!(
            Period::Quarter(2026, 1).previous(),
            Period::Quarter(2025, 4)
        );
        assert_eq!(Period::Month(2026, 1).previous().label(), "2025-12");
        assert_eq!(
            Period::Month(2026, 8).target_lookup(),
            vec![
                Period::Month(2026, 8),
                Period::Quarter(2026, 3),
                Period::Year(2026)
            ]
        );
        assert_eq!(
            Period::quarter_of_day(day(Date::constant(2026, 11, 27))),
            Period::Quarter(2026, 4)
        );
    }

    #[test]
    fn status_respects_the_interval() {
        let v = |lo, hi| IndicatorValue {
            n: 100,
            score: Some((lo + hi) / 2.0),
            ci95: Some([lo, hi]),
            small_n: false,
        };
        assert_eq!(status(&v(31.0, 45.0), Some(30.0)), Status::OnTarget);
        assert_eq!(status(&v(30.0, 45.0), Some(30.0)), Status::OnTarget);
        assert_eq!(status(&v(10.0, 29.9), Some(30.0)), Status::Below);
        assert_eq!(status(&v(25.0, 35.0), Some(30.0)), Status::NotYetSure);
        assert_eq!(status(&IndicatorValue::empty(), Some(30.0)), Status::NoData);
        assert_eq!(status(&v(25.0, 35.0), None), Status::NoTarget);
    }

    #[test]
    fn customer_index_rescales_weights_and_bounds_the_error() {
        // Two 1–5 questions: means 4.09 (counts [3,5,12,40,40]) and 3.0 (counts [20,20,20,20,20]).
        // Rescaled: 100·3.09/4 = 77.25 and 50.0; weights 3 and 1 → 0.75·77.25 + 0.25·50 = 70.4375.
        let q = Measurement::of(&QuestionKind::Rating {
            scale: Scale::likert(5),
        })
        .unwrap();
        let a = vec![3, 5, 12, 40, 40];
        let b = vec![20, 20, 20, 20, 20];
        let v = customer_index(&[(q.clone(), 3.0, a.clone()), (q.clone(), 1.0, b.clone())]);
        assert!((v.score.unwrap() - 70.4375).abs() < 1e-9);
        assert_eq!(v.n, 100);
        // SE bound: 0.75·100·0.995901/4/10 + 0.25·100·1.421338/4/10 (sample sds, Python
        // statistics.stdev) = 2.755650; × t(99) 1.984217 = 5.4678 (half-width).
        let [lo, hi] = v.ci95.unwrap();
        assert!((hi - lo - 2.0 * 5.4678).abs() < 2e-4, "{lo} {hi}");
        // Direction: on a lower-is-better scale the same answers score 100 − 77.25.
        let mut s = Scale::likert(5);
        s.higher_is_better = false;
        let low = Measurement::of(&QuestionKind::Rating { scale: s }).unwrap();
        let v = customer_index(&[(low, 1.0, a)]);
        assert!((v.score.unwrap() - 22.75).abs() < 1e-9);
        assert_eq!(customer_index(&[(q, 1.0, vec![0, 0, 1, 0, 0])]).score, None);
    }
}
