//! Customer measures from histograms (counts per answer value), by the formulas of
//! `shared/methods.md` §1–2: NPS with Wald and adjusted-Wald intervals, proportions with the
//! Wilson interval (CSAT top-2-box). n = 0 gives no value, never 0; intervals are clipped.
//!
//! The analytics issue builds on these; the interval rules that need a distribution beyond the
//! normal 97.5 % point (t intervals, p-values) come with it.

use serde::Serialize;

/// The normal distribution's 97.5 % point: two-sided 95 % intervals.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Below this many answers a value is shown with a "few answers" flag.
pub const SMALL_N: u64 = 30;

/// How an NPS interval is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NpsMethod {
    /// Rocks (2016): add 3 pseudo-answers (0.75 promoter, 0.75 detractor, 1.5 passive).
    AdjustedWald,
    Wald,
}

impl NpsMethod {
    /// As in the API: `adjusted-wald` or `wald`.
    pub fn as_str(self) -> &'static str {
        match self {
            NpsMethod::AdjustedWald => "adjusted-wald",
            NpsMethod::Wald => "wald",
        }
    }
}

/// NPS of a 0–10 histogram.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Nps {
    pub n: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    /// The plain NPS, `100·(p − d)`.
    pub score: f64,
    /// Standard error of the plain NPS, in points.
    pub se: f64,
    /// 95 % interval by `method`, clipped to [−100, 100].
    pub ci95: [f64; 2],
    pub method: NpsMethod,
    /// n < 30.
    pub small_n: bool,
}

/// NPS of counts for scores 0..=10; `None` when nobody answered.
pub fn nps(counts: &[u64; 11], method: NpsMethod) -> Option<Nps> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let promoters = counts[9] + counts[10];
    let passives = counts[7] + counts[8];
    let detractors = n - promoters - passives;
    let nf = n as f64;
    let (p, d) = (promoters as f64 / nf, detractors as f64 / nf);
    let score = 100.0 * (p - d);
    let se = 100.0 * code_variance(p, d).sqrt() / nf.sqrt();
    let (centre, half) = match method {
        NpsMethod::Wald => (score, Z95 * se),
        NpsMethod::AdjustedWald => {
            let n2 = nf + 3.0;
            let p2 = (promoters as f64 + 0.75) / n2;
            let d2 = (detractors as f64 + 0.75) / n2;
            (
                100.0 * (p2 - d2),
                100.0 * Z95 * (code_variance(p2, d2) / n2).sqrt(),
            )
        }
    };
    Some(Nps {
        n,
        promoters,
        passives,
        detractors,
        score,
        se,
        ci95: [
            (centre - half).clamp(-100.0, 100.0),
            (centre + half).clamp(-100.0, 100.0),
        ],
        method,
        small_n: n < SMALL_N,
    })
}

/// Per-respondent variance of the −1/0/+1 code.
fn code_variance(p: f64, d: f64) -> f64 {
    (p + d - (p - d).powi(2)).max(0.0)
}

/// A share with its Wilson 95 % interval, both in per cent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Proportion {
    pub n: u64,
    pub hits: u64,
    pub score: f64,
    pub ci95: [f64; 2],
    pub small_n: bool,
}

/// `hits` out of `n` with the Wilson interval; `None` when `n` is 0.
pub fn wilson(hits: u64, n: u64) -> Option<Proportion> {
    if n == 0 || hits > n {
        return None;
    }
    let nf = n as f64;
    let p = hits as f64 / nf;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    Some(Proportion {
        n,
        hits,
        score: 100.0 * p,
        ci95: [
            (100.0 * (centre - half)).clamp(0.0, 100.0),
            (100.0 * (centre + half)).clamp(0.0, 100.0),
        ],
        small_n: n < SMALL_N,
    })
}

/// CSAT: the share of answers in the top two values of a scale whose histogram starts at its
/// lowest value (`counts[0]` = 1 on a 1–5 scale).
pub fn csat_top2(counts: &[u64]) -> Option<Proportion> {
    let n: u64 = counts.iter().sum();
    let hits: u64 = counts.iter().rev().take(2).sum();
    wilson(hits, n)
}

/// The mean of a histogram whose first bucket has value `first`, and the sample standard
/// deviation (n − 1); `None` for n = 0 (the deviation is `None` for n = 1).
pub fn mean_sd(counts: &[u64], first: i64) -> Option<(f64, Option<f64>)> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let value = |i: usize| (first + i as i64) as f64;
    let mean = counts
        .iter()
        .enumerate()
        .map(|(i, c)| value(i) * *c as f64)
        .sum::<f64>()
        / n as f64;
    let sd = (n > 1).then(|| {
        let ss: f64 = counts
            .iter()
            .enumerate()
            .map(|(i, c)| (value(i) - mean).powi(2) * *c as f64)
            .sum();
        (ss / (n - 1) as f64).sqrt()
    });
    Some((mean, sd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    // Reference values: shared/methods.md §1 worked example (computed there by hand from the
    // formulas; Rocks 2016 for the adjusted Wald interval).
    const A: [u64; 11] = [5, 2, 3, 4, 6, 10, 20, 30, 40, 35, 45];
    const B: [u64; 11] = [8, 4, 5, 6, 9, 14, 24, 34, 36, 30, 30];

    #[test]
    fn nps_reproduces_the_worked_example() {
        let a = nps(&A, NpsMethod::Wald).unwrap();
        assert_eq!(
            (a.n, a.promoters, a.passives, a.detractors),
            (200, 80, 70, 50)
        );
        assert!(close(a.score, 15.0, 1e-9));
        assert!(close(a.se, 5.60, 0.005), "{}", a.se);
        assert!(
            close(a.ci95[0], 4.02, 0.005) && close(a.ci95[1], 25.98, 0.005),
            "{:?}",
            a.ci95
        );
        let a = nps(&A, NpsMethod::AdjustedWald).unwrap();
        assert!(close(a.score, 15.0, 1e-9), "the score stays the plain NPS");
        assert!(
            close(a.ci95[0], 3.89, 0.005) && close(a.ci95[1], 25.66, 0.005),
            "{:?}",
            a.ci95
        );
        let b = nps(&B, NpsMethod::Wald).unwrap();
        assert!(close(b.score, -5.0, 1e-9));
        assert!(close(b.se, 5.69, 0.005));
        assert!(close(b.ci95[0], -16.15, 0.005) && close(b.ci95[1], 6.15, 0.005));
        let b = nps(&B, NpsMethod::AdjustedWald).unwrap();
        assert!(
            close(b.ci95[0], -15.98, 0.005) && close(b.ci95[1], 6.12, 0.005),
            "{:?}",
            b.ci95
        );
        assert!(!b.small_n);
    }

    #[test]
    fn no_answers_give_no_value_and_extremes_are_clipped() {
        assert_eq!(nps(&[0; 11], NpsMethod::AdjustedWald), None);
        let all_promoters = nps(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5], NpsMethod::Wald).unwrap();
        assert_eq!(all_promoters.score, 100.0);
        assert_eq!(
            all_promoters.ci95,
            [100.0, 100.0],
            "Wald has zero width here"
        );
        assert!(all_promoters.small_n);
        let adjusted = nps(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5], NpsMethod::AdjustedWald).unwrap();
        assert!(
            adjusted.ci95[0] < 100.0 && adjusted.ci95[1] == 100.0,
            "{:?}",
            adjusted.ci95
        );
    }

    // Reference values: shared/methods.md §2 worked examples.
    #[test]
    fn csat_wilson_and_means_reproduce_the_worked_examples() {
        let c = csat_top2(&[3, 5, 12, 40, 40]).unwrap();
        assert!(close(c.score, 80.0, 1e-9));
        assert!(
            close(c.ci95[0], 71.12, 0.005) && close(c.ci95[1], 86.66, 0.005),
            "{:?}",
            c.ci95
        );
        let (mean, sd) = mean_sd(&[3, 5, 12, 40, 40], 1).unwrap();
        assert!(close(mean, 4.09, 1e-9));
        assert!(close(sd.unwrap(), 0.996, 0.0005), "{sd:?}");
        let (mean, _) = mean_sd(&[2, 3, 5, 10, 25, 35, 20], 1).unwrap();
        assert!(close(mean, 5.38, 1e-9));
        let all = wilson(5, 5).unwrap();
        assert!(
            close(all.ci95[0], 56.6, 0.05) && all.ci95[1] == 100.0,
            "{:?}",
            all.ci95
        );
        let none = wilson(0, 8).unwrap();
        assert!(
            none.ci95[0] == 0.0 && close(none.ci95[1], 32.4, 0.05),
            "{:?}",
            none.ci95
        );
        assert_eq!(wilson(0, 0), None);
        assert_eq!(mean_sd(&[0, 0, 0], 1), None);
        assert_eq!(mean_sd(&[0, 1, 0], 1), Some((2.0, None)));
    }

    proptest! {
        #[test]
        fn nps_intervals_hold_the_score_within_bounds(counts in proptest::array::uniform11(0u64..500)) {
            prop_assume!(counts.iter().sum::<u64>() > 0);
            for method in [NpsMethod::Wald, NpsMethod::AdjustedWald] {
                let r = nps(&counts, method).unwrap();
                prop_assert!((-100.0..=100.0).contains(&r.score));
                prop_assert!(r.ci95[0] <= r.ci95[1]);
                prop_assert!(r.ci95[0] >= -100.0 && r.ci95[1] <= 100.0);
                prop_assert_eq!(r.promoters + r.passives + r.detractors, r.n);
                if method == NpsMethod::Wald {
                    prop_assert!(r.ci95[0] <= r.score + 1e-9 && r.score <= r.ci95[1] + 1e-9);
                } else {
                    prop_assert!(r.ci95[1] > r.ci95[0], "adjusted Wald never has zero width");
                }
            }
        }

        #[test]
        fn wilson_contains_the_share_and_stays_in_range(n in 1u64..5000, k in 0u64..5000) {
            let hits = k % (n + 1);
            let r = wilson(hits, n).unwrap();
            prop_assert!(r.ci95[0] >= 0.0 && r.ci95[1] <= 100.0);
            prop_assert!(r.ci95[0] <= r.score + 1e-9 && r.score <= r.ci95[1] + 1e-9);
        }
    }
}
