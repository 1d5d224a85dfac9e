//! Real change versus noise, by the formulas of `shared/methods.md` §1, §2 and §9.
//!
//! * Intervals for means with Student's t (`x̄ ± t(n−1, 0.975)·s/√n`).
//! * Comparisons of two independent groups or periods: NPS (difference of the −1/0/+1 code
//!   means, normal), proportions (unpooled SE, normal), means (Welch's t with
//!   Welch–Satterthwaite df).
//! * Control charts over periods: a Shewhart chart with limits `c ± 3σ/√nₜ` that vary with each
//!   period's n (an NPS chart and a p-chart), and an EWMA chart (λ = 0.2, L = 2.86) for small
//!   sustained shifts. With large periods the limits are Laney's (p′ and its NPS analogue):
//!   widened by the between-period spread σ_z of the standardised baseline when σ_z > 1, and
//!   the EWMA with them (see [`laney_sigma_z`] and `docs/statistics.md`).
//! * Benjamini–Hochberg adjusted p-values when many teams are compared at once.
//!
//! Scores are on the scale users see: NPS points (−100..100), proportions in per cent
//! (0..100). A period with no answers has no value (never 0) and never signals.
//!
//! Sources: D. B. Laney (2002), "Improved control charts for attributes", Quality Engineering
//! 14(4) (p′ and u′ charts); D. C. Montgomery, *Introduction to Statistical Quality Control* (p-chart §7.2 with
//! variable sample size; EWMA §9.2: `zₜ = λxₜ + (1−λ)zₜ₋₁`, limits `μ₀ ± Lσ_z`); J. M. Lucas &
//! M. S. Saccucci (1990), Technometrics 32(1) (λ = 0.2, L = 2.86 has an in-control ARL of
//! about 370, as a 3σ Shewhart chart); B. L. Welch (1947), Biometrika 34; Y. Benjamini &
//! Y. Hochberg (1995), JRSS B 57(1).

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};
use statrs::function::erf::erfc;

use crate::stats::Z95;

/// Width of the Shewhart control limits, in standard errors.
pub const CONTROL_SIGMAS: f64 = 3.0;
/// EWMA smoothing weight λ.
pub const EWMA_LAMBDA: f64 = 0.2;
/// EWMA limit width L, in standard deviations of the EWMA statistic.
pub const EWMA_L: f64 = 2.86;

const NPS_SCALE: (f64, f64) = (-100.0, 100.0);
const PCT_SCALE: (f64, f64) = (0.0, 100.0);

/// The 97.5 % point of Student's t with `df` degrees of freedom (two-sided 95 %);
/// infinite for df = 0.
pub fn t_quantile_975(df: u64) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    t975(df as f64)
}

/// The 97.5 % point of Student's t for a real (Welch) number of degrees of freedom.
///
/// Below 1,000 df: statrs' inverse CDF (via the inverse regularised incomplete beta). From
/// 1,000 df on, where that loses precision (it is off by 1e-4 at 10⁶ df), the Cornish–Fisher
/// expansion around the normal point z (Abramowitz & Stegun 26.7.5), accurate to ~1e-12 there:
/// `t = z + g₁/ν + g₂/ν² + g₃/ν³ + g₄/ν⁴` with `g₁ = (z³ + z)/4`,
/// `g₂ = (5z⁵ + 16z³ + 3z)/96`, `g₃ = (3z⁷ + 19z⁵ + 17z³ − 15z)/384`,
/// `g₄ = (79z⁹ + 776z⁷ + 1482z⁵ − 1920z³ − 945z)/92160`.
fn t975(df: f64) -> f64 {
    if df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df < 1000.0 {
        return StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(0.975));
    }
    let z = Z95;
    let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
    let g1 = (z3 + z) / 4.0;
    let g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
    let g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
    let g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / 92160.0;
    z + g1 / df + g2 / df.powi(2) + g3 / df.powi(3) + g4 / df.powi(4)
}

/// Two-sided p-value of a t statistic.
fn t_p_value(t: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |d| (2.0 * d.sf(t.abs())).min(1.0))
}

/// Two-sided p-value of a standard normal statistic, `erfc(|z|/√2)` (accurate for tiny p).
fn normal_p_value(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
}

/// 95 % interval of a mean, `x̄ ± t(n−1, 0.975)·s/√n` with s the sample SD (n − 1)
/// (methods.md §2); `None` for n < 2 or a non-finite SD. Use [`crate::stats::mean_sd`] for
/// x̄ and s of a histogram.
pub fn mean_ci95(mean: f64, sd: f64, n: u64) -> Option<(f64, f64)> {
    if n < 2 || !sd.is_finite() || sd < 0.0 {
        return None;
    }
    let half = t_quantile_975(n - 1) * sd / (n as f64).sqrt();
    Some((mean - half, mean + half))
}

/// Control limits on the score scale, clipped to it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Limits {
    pub centre: f64,
    pub lcl: f64,
    pub ucl: f64,
}

/// One period of a Shewhart control chart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ControlPoint {
    /// The period's score; `None` when nobody answered.
    pub value: Option<f64>,
    /// `None` when the period or the baseline has no answers.
    pub limits: Option<Limits>,
    /// The value lies outside the limits: a change beyond noise.
    pub signal: bool,
    /// Laney's σ_z of the baseline (see [`laney_sigma_z`]); `None` with fewer than
    /// [`LANEY_MIN_PERIODS`] baseline periods with answers.
    pub sigma_z: Option<f64>,
    /// The limits are Laney's (p′): widened by σ_z > 1 for the variation between periods.
    pub laney: bool,
}

/// One period of an EWMA chart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EwmaPoint {
    /// The EWMA after this period; `None` before the first period with answers and when the
    /// baseline is empty. A period without answers carries the previous value.
    pub ewma: Option<f64>,
    /// Limits of the EWMA, clipped to the scale (the whole scale when the baseline is empty).
    pub lcl: f64,
    pub ucl: f64,
    /// The EWMA lies outside its limits.
    pub signal: bool,
}

/// The in-control process a chart compares against, per respondent, on the unit scale
/// (NPS code −1/0/+1 or a 0/1 hit): its mean and variance, and Laney's σ_z of the baseline
/// periods around it.
#[derive(Clone, Copy, Debug)]
struct Process {
    centre: f64,
    variance: f64,
    sigma_z: Option<f64>,
}

impl Process {
    /// The factor the binomial standard error is widened by: σ_z when it exceeds 1 (Laney's
    /// p′), else 1 (the ordinary chart).
    fn widening(&self) -> f64 {
        self.sigma_z.filter(|s| *s > 1.0).unwrap_or(1.0)
    }

    fn with_spread(mut self, periods: impl Iterator<Item = (Option<f64>, u64)>) -> Process {
        self.sigma_z = laney_sigma_z(periods, self.centre, self.variance);
        self
    }
}

/// d₂ for moving ranges of two: the mean range of two standard normal draws is 1.128·σ.
const D2: f64 = 1.128;

/// The fewest baseline periods with answers from which σ_z is estimated. One or two moving
/// ranges say almost nothing about the spread between periods (two months that differ give a
/// σ_z of any size); below this the ordinary chart stays.
pub const LANEY_MIN_PERIODS: usize = 6;

/// Laney's σ_z (Laney 2002; methods.md §9): each period standardised against the pooled
/// process, `zₜ = (xₜ − c)/√(v/nₜ)`, and the spread of those z as the mean moving range of
/// consecutive periods with answers divided by d₂ = 1.128. About 1 when the periods differ
/// only by sampling; above 1 by exactly the variation between periods that sampling does not
/// explain (with thousands of answers a period, the binomial limits are narrower than the
/// month-to-month movement of any real process). `None` with fewer than
/// [`LANEY_MIN_PERIODS`] periods with answers or a process without variance.
pub fn laney_sigma_z(
    periods: impl Iterator<Item = (Option<f64>, u64)>,
    centre: f64,
    variance: f64,
) -> Option<f64> {
    if variance <= 0.0 {
        return None;
    }
    let z: Vec<f64> = periods
        .filter_map(|(x, n)| {
            let x = x.filter(|_| n > 0)?;
            Some((x - centre) / (variance / n as f64).sqrt())
        })
        .collect();
    if z.len() < LANEY_MIN_PERIODS {
        return None;
    }
    let mean_range = z.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (z.len() - 1) as f64;
    Some(mean_range / D2)
}

/// Promoters, detractors and n of a 0–10 histogram.
fn nps_counts(h: &[u64; 11]) -> (u64, u64, u64) {
    let n: u64 = h.iter().sum();
    let promoters = h[9] + h[10];
    let detractors: u64 = h[..=6].iter().sum();
    (promoters, detractors, n)
}

/// A period's NPS on the unit scale and its n; `None` when nobody answered.
fn nps_period(h: &[u64; 11]) -> (Option<f64>, u64) {
    let (p, d, n) = nps_counts(h);
    ((n > 0).then(|| (p as f64 - d as f64) / n as f64), n)
}

/// Pooled baseline of NPS histograms: `c = (ΣP − ΣD)/Σn`, `v = p̄ + d̄ − c²`.
fn nps_process(baseline: &[[u64; 11]]) -> Option<Process> {
    let (mut p, mut d, mut n) = (0u64, 0u64, 0u64);
    for h in baseline {
        let (hp, hd, hn) = nps_counts(h);
        p += hp;
        d += hd;
        n += hn;
    }
    (n > 0).then(|| {
        let (pb, db) = (p as f64 / n as f64, d as f64 / n as f64);
        let centre = pb - db;
        Process {
            centre,
            variance: (pb + db - centre * centre).max(0.0),
            sigma_z: None,
        }
        .with_spread(baseline.iter().map(nps_period))
    })
}

/// A period's proportion and its n; `None` when nobody answered or hits > n.
fn proportion_period(&(hits, n): &(u64, u64)) -> (Option<f64>, u64) {
    if n == 0 || hits > n {
        return (None, 0);
    }
    (Some(hits as f64 / n as f64), n)
}

/// Pooled baseline of proportions: `p̄ = Σhits/Σn`, `v = p̄(1 − p̄)`; pairs with hits > n are
/// ignored.
fn proportion_process(baseline: &[(u64, u64)]) -> Option<Process> {
    let (hits, n) = baseline
        .iter()
        .filter(|(h, n)| h <= n)
        .fold((0u64, 0u64), |(a, b), (h, n)| (a + h, b + n));
    (n > 0).then(|| {
        let p = hits as f64 / n as f64;
        Process {
            centre: p,
            variance: p * (1.0 - p),
            sigma_z: None,
        }
        .with_spread(baseline.iter().map(proportion_period))
    })
}

/// Shewhart chart with limits `c ± 3·√(v/nₜ)·w` from the baseline process (w = Laney's σ_z
/// when it exceeds 1, else 1), scaled by 100 to the score scale and clipped to `scale`.
fn shewhart(
    periods: impl Iterator<Item = (Option<f64>, u64)>,
    process: Option<Process>,
    scale: (f64, f64),
) -> Vec<ControlPoint> {
    periods
        .map(|(value, n)| {
            let value = value.map(|v| 100.0 * v);
            let limits = match (value, process) {
                (Some(_), Some(pr)) => {
                    let half = CONTROL_SIGMAS * (pr.variance / n as f64).sqrt() * pr.widening();
                    Some(Limits {
                        centre: 100.0 * pr.centre,
                        lcl: (100.0 * (pr.centre - half)).clamp(scale.0, scale.1),
                        ucl: (100.0 * (pr.centre + half)).clamp(scale.0, scale.1),
                    })
                }
                _ => None,
            };
            let signal = match (value, &limits) {
                (Some(v), Some(l)) => v < l.lcl || v > l.ucl,
                _ => false,
            };
            ControlPoint {
                value,
                limits,
                signal,
                sigma_z: process.and_then(|p| p.sigma_z),
                laney: process.is_some_and(|p| p.widening() > 1.0),
            }
        })
        .collect()
}

/// EWMA chart. `z₀ = c`, `zₜ = λxₜ + (1−λ)zₜ₋₁` and, for the known in-control process with
/// per-respondent variance v and period sizes nₜ, the exact variance of the EWMA
/// `Vₜ = (1−λ)²Vₜ₋₁ + λ²·v/nₜ` with `V₀ = 0` — for a constant n this is Montgomery's
/// time-varying `λ/(2−λ)·[1 − (1−λ)^{2t}]·v/n`. Limits `c ± L·√Vₜ`, scaled by 100 and clipped.
/// A period with n = 0 leaves zₜ and Vₜ as they were (no signal).
fn ewma(
    periods: impl Iterator<Item = (Option<f64>, u64)>,
    process: Option<Process>,
    scale: (f64, f64),
) -> Vec<EwmaPoint> {
    let Some(pr) = process else {
        return periods
            .map(|_| EwmaPoint {
                ewma: None,
                lcl: scale.0,
                ucl: scale.1,
                signal: false,
            })
            .collect();
    };
    let (mut z, mut var, mut started) = (pr.centre, 0.0f64, false);
    periods
        .map(|(value, n)| {
            let fresh = if let Some(x) = value {
                z = EWMA_LAMBDA * x + (1.0 - EWMA_LAMBDA) * z;
                // On Laney's standardised scale: the per-period variance widened by σ_z².
                var = (1.0 - EWMA_LAMBDA).powi(2) * var
                    + EWMA_LAMBDA * EWMA_LAMBDA * pr.variance * pr.widening().powi(2) / n as f64;
                started = true;
                true
            } else {
                false
            };
            let half = EWMA_L * var.sqrt();
            let lcl = (100.0 * (pr.centre - half)).clamp(scale.0, scale.1);
            let ucl = (100.0 * (pr.centre + half)).clamp(scale.0, scale.1);
            let value = 100.0 * z;
            EwmaPoint {
                ewma: started.then_some(value),
                lcl,
                ucl,
                signal: fresh && (value < lcl || value > ucl),
            }
        })
        .collect()
}

/// Per-period NPS control chart (methods.md §9): the baseline's histograms are pooled into the
/// centre `c = (ΣP − ΣD)/Σn` and per-respondent variance `v = p̄ + d̄ − c²`; period t has
/// limits `100·(c ± 3·√(v/nₜ))`, clipped to [−100, 100], and signals when its NPS lies outside.
///
/// Over 24 stable periods of n = 100 the chance of at least one false signal is about 7 %
/// (6.3 % under the normal approximation; the exact trinomial figure depends on the process,
/// e.g. 7.16 % for p = 0.44, d = 0.20); with 2σ limits it would be about 64 %.
pub fn nps_control(periods: &[[u64; 11]], baseline: &[[u64; 11]]) -> Vec<ControlPoint> {
    shewhart(
        periods.iter().map(nps_period),
        nps_process(baseline),
        NPS_SCALE,
    )
}

/// p-chart for a proportion such as CSAT top-2-box (Montgomery §7.2, variable sample size):
/// `p̄ = Σhits/Σn` over the baseline, limits `100·(p̄ ± 3·√(p̄(1−p̄)/nₜ))` in %, clipped to
/// [0, 100]. Periods are `(hits, n)`; one with n = 0 or hits > n has no value.
pub fn proportion_control(periods: &[(u64, u64)], baseline: &[(u64, u64)]) -> Vec<ControlPoint> {
    shewhart(
        periods.iter().map(proportion_period),
        proportion_process(baseline),
        PCT_SCALE,
    )
}

/// EWMA chart (λ = 0.2, L = 2.86) of the per-period NPS against the pooled baseline process
/// (centre c, per-respondent variance v as in [`nps_control`]):
///
/// `z₀ = c`, `zₜ = λ·NPSₜ + (1−λ)·zₜ₋₁`, `Vₜ = (1−λ)²·Vₜ₋₁ + λ²·v/nₜ` (V₀ = 0), limits
/// `c ± L·√Vₜ` (all ×100, clipped to [−100, 100]). This is the exact variance of zₜ when the
/// process is the baseline's, so the limits widen over the first periods and follow each
/// period's n. A period with n = 0 carries zₜ and Vₜ unchanged and does not signal.
///
/// With the baseline equal to the in-control process, 24 stable periods of n = 100 give a
/// false signal in about 6.7 % of series (methods.md §9). A baseline *estimated* from a few
/// periods raises that rate considerably (≈ 13.5 % for a baseline of 2,400 answers), so use a
/// long baseline.
pub fn nps_ewma(periods: &[[u64; 11]], baseline: &[[u64; 11]]) -> Vec<EwmaPoint> {
    ewma(
        periods.iter().map(nps_period),
        nps_process(baseline),
        NPS_SCALE,
    )
}

/// EWMA chart of a proportion, as [`nps_ewma`] with `c = p̄`, `v = p̄(1 − p̄)`, in % and
/// clipped to [0, 100].
pub fn proportion_ewma(periods: &[(u64, u64)], baseline: &[(u64, u64)]) -> Vec<EwmaPoint> {
    ewma(
        periods.iter().map(proportion_period),
        proportion_process(baseline),
        PCT_SCALE,
    )
}

/// A comparison of two independent groups, A − B.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    /// A − B on the score scale (NPS points, % points, or the mean's unit).
    pub diff: f64,
    /// Standard error of the difference.
    pub se: f64,
    /// The test statistic `diff/se`: z for NPS and proportions, Welch's t for means.
    pub z: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// 95 % interval of the difference (clipped to the range a difference can take).
    pub ci95: (f64, f64),
    /// Welch–Satterthwaite degrees of freedom for means; `None` for normal tests.
    pub df: Option<f64>,
}

fn normal_difference(diff: f64, se: f64, range: f64) -> Option<Difference> {
    if se.is_nan() || se <= 0.0 {
        return None;
    }
    let z = diff / se;
    Some(Difference {
        diff,
        se,
        z,
        p: normal_p_value(z),
        ci95: ((diff - Z95 * se).max(-range), (diff + Z95 * se).min(range)),
        df: None,
    })
}

/// NPS of A minus NPS of B for two independent groups (methods.md §1): `SE = 100·√(v_A/n_A +
/// v_B/n_B)` with `v = p + d − (p − d)²`, `z = diff/SE`, two-sided normal p, 95 % CI
/// `diff ± 1.96·SE` (clipped to [−200, 200]). `None` when a group is empty or neither varies
/// (SE = 0). For the same respondents in both periods use a paired test instead.
pub fn nps_difference(a: &[u64; 11], b: &[u64; 11]) -> Option<Difference> {
    let unit = |h: &[u64; 11]| {
        let (p, d, n) = nps_counts(h);
        (n > 0).then(|| {
            let (p, d, n) = (p as f64 / n as f64, d as f64 / n as f64, n as f64);
            (p - d, (p + d - (p - d).powi(2)).max(0.0) / n)
        })
    };
    let ((sa, va), (sb, vb)) = (unit(a)?, unit(b)?);
    normal_difference(100.0 * (sa - sb), 100.0 * (va + vb).sqrt(), 200.0)
}

/// Proportion of A minus proportion of B, in % points, for independent groups `(hits, n)`:
/// unpooled `SE = 100·√(p_A(1−p_A)/n_A + p_B(1−p_B)/n_B)`, z, two-sided normal p, CI
/// `diff ± 1.96·SE` (clipped to [−100, 100]). `None` when a group is empty, hits > n, or SE = 0.
pub fn proportion_difference(a: (u64, u64), b: (u64, u64)) -> Option<Difference> {
    let unit = |(hits, n): (u64, u64)| {
        (n > 0 && hits <= n).then(|| {
            let p = hits as f64 / n as f64;
            (p, p * (1.0 - p) / n as f64)
        })
    };
    let ((pa, va), (pb, vb)) = (unit(a)?, unit(b)?);
    normal_difference(100.0 * (pa - pb), 100.0 * (va + vb).sqrt(), 100.0)
}

/// Mean of A minus mean of B from `(mean, sd, n)` summaries (sd with n − 1): Welch's t,
/// `SE = √(s_A²/n_A + s_B²/n_B)`, `t = diff/SE`, Welch–Satterthwaite
/// `df = SE⁴ / ((s_A²/n_A)²/(n_A−1) + (s_B²/n_B)²/(n_B−1))`, two-sided p from t(df) and CI
/// `diff ± t(df, 0.975)·SE` (methods.md §6). `None` when a group has n < 2, a non-finite SD,
/// or SE = 0.
pub fn mean_difference(a: (f64, f64, u64), b: (f64, f64, u64)) -> Option<Difference> {
    let unit = |(mean, sd, n): (f64, f64, u64)| {
        (n >= 2 && sd.is_finite() && sd >= 0.0 && mean.is_finite())
            .then(|| (mean, sd * sd / n as f64, (n - 1) as f64))
    };
    let ((ma, va, dfa), (mb, vb, dfb)) = (unit(a)?, unit(b)?);
    let se = (va + vb).sqrt();
    if se.is_nan() || se <= 0.0 {
        return None;
    }
    let df = (va + vb).powi(2) / (va * va / dfa + vb * vb / dfb);
    let diff = ma - mb;
    let t = diff / se;
    let half = t975(df) * se;
    Some(Difference {
        diff,
        se,
        z: t,
        p: t_p_value(t, df),
        ci95: (diff - half, diff + half),
        df: Some(df),
    })
}

/// Benjamini–Hochberg (1995) false discovery rate control for m simultaneous tests.
///
/// Adjusted p-values, in input order: with the p-values sorted ascending, `p̃₍ᵢ₎ =
/// min_{j ≥ i} min(1, m·p₍ⱼ₎/j)` (monotone, capped at 1; as R's `p.adjust(method = "BH")`
/// and statsmodels' `fdrcorrection`). Test i is a discovery at FDR level `q` when `p̃ᵢ ≤ q`,
/// which is the step-up rule "reject the i smallest where i is the largest with
/// p₍ᵢ₎ ≤ i·q/m". A NaN p-value counts as 1; others are clamped to [0, 1].
pub fn benjamini_hochberg(p: &[f64], q: f64) -> (Vec<f64>, Vec<bool>) {
    let m = p.len();
    let clean: Vec<f64> = p
        .iter()
        .map(|&x| if x.is_nan() { 1.0 } else { x.clamp(0.0, 1.0) })
        .collect();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| clean[a].total_cmp(&clean[b]));
    let mut adjusted = vec![1.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(clean[i] * m as f64 / (rank + 1) as f64);
        adjusted[i] = running;
    }
    let discoveries = adjusted.iter().map(|&a| a <= q).collect();
    (adjusted, discoveries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::mean_sd;
    use proptest::prelude::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    // shared/methods.md §1 worked example.
    const A: [u64; 11] = [5, 2, 3, 4, 6, 10, 20, 30, 40, 35, 45];
    const B: [u64; 11] = [8, 4, 5, 6, 9, 14, 24, 34, 36, 30, 30];

    #[test]
    fn nps_difference_reproduces_the_worked_example() {
        let d = nps_difference(&A, &B).unwrap();
        assert!(close(d.diff, 20.0, 1e-9));
        assert!(close(d.se, 7.98, 0.005), "{d:?}");
        assert!(close(d.z, 2.505, 0.0005), "{d:?}");
        assert!(close(d.p, 0.0122, 0.00005), "{d:?}");
        assert!(
            close(d.ci95.0, 4.35, 0.005) && close(d.ci95.1, 35.65, 0.005),
            "{d:?}"
        );
        assert_eq!(d.df, None);
        let r = nps_difference(&B, &A).unwrap();
        assert!(close(r.diff, -20.0, 1e-9) && close(r.p, d.p, 1e-15));
        assert_eq!(nps_difference(&A, &[0; 11]), None);
        let mut all_promoters = [0; 11];
        all_promoters[10] = 10;
        assert_eq!(
            nps_difference(&all_promoters, &all_promoters),
            None,
            "SE = 0"
        );
    }

    // shared/methods.md §2 worked examples.
    #[test]
    fn mean_intervals_reproduce_the_worked_examples() {
        assert!(close(t_quantile_975(99), 1.9842, 0.00005));
        let (mean, sd) = mean_sd(&[3, 5, 12, 40, 40], 1).unwrap();
        let (lo, hi) = mean_ci95(mean, sd.unwrap(), 100).unwrap();
        assert!(
            close(lo, 3.892, 0.0005) && close(hi, 4.288, 0.0005),
            "{lo} {hi}"
        );
        let (mean, sd) = mean_sd(&[2, 3, 5, 10, 25, 35, 20], 1).unwrap();
        assert!(close(mean, 5.38, 1e-9));
        let (lo, hi) = mean_ci95(mean, sd.unwrap(), 100).unwrap();
        assert!(
            close(lo, 5.105, 0.0005) && close(hi, 5.655, 0.0005),
            "{lo} {hi}"
        );
        assert_eq!(mean_ci95(4.0, 1.0, 1), None);
        assert_eq!(mean_ci95(4.0, f64::NAN, 10), None);
    }

    // tests/reference/change_reference.py: scipy.stats.t.ppf(0.975, df).
    #[test]
    fn t_quantiles_match_scipy() {
        let reference = [
            (1, 12.706_204_736_2),
            (2, 4.302_652_729_7),
            (5, 2.570_581_835_6),
            (10, 2.228_138_852_0),
            (29, 2.045_229_642_1),
            (99, 1.984_216_951_6),
            (199, 1.971_956_544_3),
            (1000, 1.962_339_080_8),
        ];
        for (df, t) in reference {
            assert!(
                close(t_quantile_975(df), t, 1e-8),
                "{df}: {}",
                t_quantile_975(df)
            );
        }
        // Large df (the expansion's range), against scipy.stats.t.ppf.
        for (df, t) in [
            (1_000, 1.962_339_080_826),
            (5_000, 1.960_438_551_707),
            (30_000, 1.960_043_063_384),
            (1_000_000, 1.959_966_356_814),
            (10_000_000, 1.959_964_221_767),
        ] {
            assert!(
                close(t_quantile_975(df), t, 1e-11),
                "{df}: {}",
                t_quantile_975(df)
            );
        }
        assert!(
            close(t975(999.999), t975(1000.0), 1e-8),
            "continuous at the switch"
        );
        assert_eq!(t_quantile_975(0), f64::INFINITY);
    }

    // tests/reference/change_reference.py: scipy.stats.ttest_ind_from_stats(equal_var=False)
    // and scipy.stats.t.ppf at the Welch–Satterthwaite df.
    #[test]
    fn welch_matches_scipy() {
        let d = mean_difference((4.09, 0.996, 100), (3.80, 1.20, 60)).unwrap();
        assert!(close(d.diff, 0.29, 1e-12));
        assert!(close(d.se, 0.184_174_265_3, 1e-9));
        assert!(close(d.z, 1.574_595_666_4, 1e-9));
        assert!(close(d.df.unwrap(), 106.963_299_471_6, 1e-7));
        assert!(close(d.p, 0.118_303_049_6, 1e-8), "{d:?}");
        assert!(close(d.ci95.0, -0.075_105_433_3, 1e-8), "{d:?}");
        assert!(close(d.ci95.1, 0.655_105_433_3, 1e-8), "{d:?}");
        let d = mean_difference((72.5, 14.2, 18), (56.5, 9.1, 22)).unwrap();
        assert!(close(d.z, 4.135_828_950_5, 1e-9));
        assert!(close(d.df.unwrap(), 27.802_679_642_6, 1e-7));
        assert!(close(d.p, 0.000_294_858_0, 1e-9), "{d:?}");
        assert!(close(d.ci95.0, 8.072_932_137_6, 1e-7), "{d:?}");
        assert!(close(d.ci95.1, 23.927_067_862_4, 1e-7), "{d:?}");
        assert_eq!(mean_difference((1.0, 1.0, 1), (2.0, 1.0, 10)), None);
        assert_eq!(mean_difference((1.0, 0.0, 5), (2.0, 0.0, 10)), None);
    }

    // tests/reference/change_reference.py: unpooled two-proportion z with scipy.stats.norm.
    #[test]
    fn proportion_difference_matches_scipy() {
        let d = proportion_difference((160, 200), (140, 200)).unwrap();
        assert!(close(d.diff, 10.0, 1e-9));
        assert!(close(d.se, 4.301_162_633_5, 1e-9));
        assert!(close(d.z, 2.324_952_774_9, 1e-9));
        assert!(close(d.p, 0.020_074_485_5, 1e-9));
        assert!(close(d.ci95.0, 1.569_876_146_6, 1e-8) && close(d.ci95.1, 18.430_123_853_4, 1e-8));
        let d = proportion_difference((45, 50), (30, 45)).unwrap();
        assert!(close(d.diff, 23.333_333_333_3, 1e-9));
        assert!(close(d.p, 0.004_475_934_2, 1e-9));
        assert!(close(d.ci95.0, 7.244_581_705_9, 1e-8) && close(d.ci95.1, 39.422_084_960_8, 1e-8));
        assert_eq!(proportion_difference((1, 0), (1, 2)), None);
        assert_eq!(proportion_difference((3, 2), (1, 2)), None);
        assert_eq!(proportion_difference((0, 5), (0, 9)), None);
    }

    // tests/reference/change_reference.py: statsmodels' fdrcorrection algorithm in numpy.
    #[test]
    fn benjamini_hochberg_matches_the_reference() {
        let (adj, disc) =
            benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, 0.2, 0.8, 0.041, 0.039], 0.05);
        let want = [
            0.04,
            0.054_666_666_7,
            0.054_666_666_7,
            0.04,
            0.228_571_428_6,
            0.8,
        ];
        for (a, w) in adj.iter().zip(want) {
            assert!(close(*a, w, 1e-10), "{adj:?}");
        }
        assert!(close(adj[6], 0.054_666_666_7, 1e-10) && close(adj[7], 0.054_666_666_7, 1e-10));
        assert_eq!(disc, [true, false, false, true, false, false, false, false]);

        // Benjamini & Hochberg (1995), table 1's 15 p-values: four discoveries at q = 0.05.
        let p = [
            0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262,
            0.5719, 0.6528, 0.7590, 1.0000,
        ];
        let want = [
            0.0015,
            0.003,
            0.0095,
            0.035_625,
            0.0603,
            0.063_857_142_9,
            0.063_857_142_9,
            0.0645,
            0.0765,
            0.486,
            0.581_181_818_2,
            0.714_875,
            0.753_230_769_2,
            0.813_214_285_7,
            1.0,
        ];
        let (adj, disc) = benjamini_hochberg(&p, 0.05);
        for (a, w) in adj.iter().zip(want) {
            assert!(close(*a, w, 1e-10), "{adj:?}");
        }
        assert_eq!(disc.iter().filter(|d| **d).count(), 4);
        assert!(disc[..4].iter().all(|d| *d));

        let (adj, disc) = benjamini_hochberg(&[0.9, 0.5, 0.5, 0.02], 0.05);
        for (a, w) in adj
            .iter()
            .zip([0.9, 0.666_666_666_7, 0.666_666_666_7, 0.08])
        {
            assert!(close(*a, w, 1e-10), "{adj:?}");
        }
        assert!(disc.iter().all(|d| !d));
        assert_eq!(benjamini_hochberg(&[], 0.05), (vec![], vec![]));
        assert_eq!(
            benjamini_hochberg(&[f64::NAN, 0.001], 0.05).0,
            vec![1.0, 0.002]
        );
    }

    fn histogram(promoters: u64, passives: u64, detractors: u64) -> [u64; 11] {
        let mut h = [0; 11];
        h[10] = promoters;
        h[8] = passives;
        h[3] = detractors;
        h
    }

    #[test]
    fn control_chart_limits_follow_each_periods_n() {
        // Baseline: p = 0.44, d = 0.20 → c = 0.24, v = 0.64 − 0.0576 = 0.5824.
        let baseline = [histogram(220, 180, 100), histogram(220, 180, 100)];
        let periods = [
            histogram(44, 36, 20), // 24, n = 100
            histogram(0, 0, 0),    // nobody answered
            histogram(10, 5, 10),  // 0, n = 25
            histogram(30, 10, 60), // −30, n = 100: far below
        ];
        let chart = nps_control(&periods, &baseline);
        let l = chart[0].limits.clone().unwrap();
        let half = 300.0 * (0.5824f64 / 100.0).sqrt();
        assert!(close(l.centre, 24.0, 1e-9));
        assert!(
            close(l.lcl, 24.0 - half, 1e-9) && close(l.ucl, 24.0 + half, 1e-9),
            "{l:?}"
        );
        assert_eq!(chart[0].value, Some(24.0));
        assert!(!chart[0].signal);
        assert_eq!(
            chart[1],
            ControlPoint {
                value: None,
                limits: None,
                signal: false,
                sigma_z: None,
                laney: false,
            }
        );
        let l2 = chart[2].limits.clone().unwrap();
        assert!(
            close(l2.ucl - l2.centre, 2.0 * half, 1e-9),
            "n = 25 doubles the width"
        );
        assert!(!chart[2].signal);
        assert!(chart[3].signal);
        // No baseline: values but no limits.
        let none = nps_control(&periods, &[]);
        assert_eq!(none[0].value, Some(24.0));
        assert!(none.iter().all(|p| p.limits.is_none() && !p.signal));
        // Limits are clipped to the scale.
        let tiny = nps_control(&[histogram(1, 0, 0)], &baseline);
        let l = tiny[0].limits.clone().unwrap();
        assert_eq!((l.lcl, l.ucl), (-100.0, 100.0));
    }

    #[test]
    fn p_chart_uses_the_pooled_proportion() {
        let chart = proportion_control(
            &[(80, 100), (0, 0), (60, 100), (5, 4)],
            &[(160, 200), (80, 100)],
        );
        let l = chart[0].limits.clone().unwrap();
        let half = 300.0 * (0.8f64 * 0.2 / 100.0).sqrt();
        assert!(close(l.centre, 80.0, 1e-9) && close(l.lcl, 80.0 - half, 1e-9));
        assert!(close(l.ucl, 80.0 + half, 1e-9));
        assert!(!chart[0].signal && chart[1].value.is_none());
        assert!(chart[2].signal, "60 % is below 80 − 12 %");
        assert!(
            chart[3].value.is_none() && !chart[3].signal,
            "hits > n is no value"
        );
        let top = proportion_control(&[(1, 1)], &[(99, 100)]);
        assert_eq!(top[0].limits.clone().unwrap().ucl, 100.0);
    }

    #[test]
    fn ewma_follows_its_recursion_and_carries_over_empty_periods() {
        let baseline = [histogram(44, 36, 20)];
        let v = 0.5824f64;
        let periods = [
            histogram(0, 0, 0),
            histogram(50, 30, 20), // 30
            histogram(0, 0, 0),
            histogram(20, 40, 40), // −20, n = 100
        ];
        let e = nps_ewma(&periods, &baseline);
        assert_eq!(e[0].ewma, None);
        assert!(!e[0].signal && e[0].lcl == 24.0 && e[0].ucl == 24.0);
        let z1 = 0.2 * 30.0 + 0.8 * 24.0;
        let v1 = 0.04 * v / 100.0;
        assert!(close(e[1].ewma.unwrap(), z1, 1e-9));
        assert!(close(e[1].ucl, 24.0 + 100.0 * 2.86 * v1.sqrt(), 1e-9));
        assert_eq!(e[2].ewma, e[1].ewma, "carried");
        assert_eq!((e[2].lcl, e[2].ucl), (e[1].lcl, e[1].ucl));
        assert!(!e[2].signal);
        let z3 = 0.2 * -20.0 + 0.8 * z1;
        let v3 = 0.64 * v1 + 0.04 * v / 100.0;
        assert!(close(e[3].ewma.unwrap(), z3, 1e-9));
        assert!(close(e[3].lcl, 24.0 - 100.0 * 2.86 * v3.sqrt(), 1e-9));
        assert!(e[3].signal, "{:?}", e[3]);
        // Constant n: the variance reaches Montgomery's λ/(2−λ)·[1 − (1−λ)^{2t}]·v/n.
        let stable = vec![histogram(44, 36, 20); 30];
        let e = nps_ewma(&stable, &baseline);
        for (t, p) in e.iter().enumerate() {
            let t = t as i32 + 1;
            let var = 0.2 / 1.8 * (1.0 - 0.8f64.powi(2 * t)) * v / 100.0;
            assert!(close(p.ucl, 24.0 + 100.0 * 2.86 * var.sqrt(), 1e-9));
            assert!(!p.signal);
        }
        assert!(
            nps_ewma(&stable, &[])
                .iter()
                .all(|p| p.ewma.is_none() && !p.signal)
        );
        let p = proportion_ewma(&[(70, 100), (40, 100)], &[(80, 100)]);
        assert!(close(p[0].ewma.unwrap(), 78.0, 1e-9));
        assert!(close(p[1].ewma.unwrap(), 0.2 * 40.0 + 0.8 * 78.0, 1e-9));
        assert!(p[1].signal);
    }

    /// The worked example of docs/statistics.md, computed by hand (and checked in Python):
    /// six months of n = 3,600 with 80.0, 82.5, 79.0, 81.0, 77.5, 80.0 % → p̄ = 0.8,
    /// σₜ = √(0.16/3600) = 0.006667, z = 0, 3.75, −1.5, 1.5, −3.75, 0; moving ranges 3.75, 5.25,
    /// 3, 5.25, 3.75 (mean 4.2) → σ_z = 4.2/1.128 = 3.7234. The plain p chart (78–82 %) flags
    /// 82.5 and 77.5; Laney's limits 80 ± 2·3.7234 = 72.553–87.447 % flag neither; a month at
    /// 72.0 % lies below them.
    #[test]
    fn laney_limits_reproduce_the_worked_example() {
        let months = [
            (2880, 3600),
            (2970, 3600),
            (2844, 3600),
            (2916, 3600),
            (2790, 3600),
            (2880, 3600),
        ];
        let sigma_z = 4.2 / 1.128;
        let chart = proportion_control(&months, &months);
        for c in &chart {
            let l = c.limits.clone().unwrap();
            assert!(close(c.sigma_z.unwrap(), sigma_z, 1e-9), "{c:?}");
            assert!(c.laney);
            assert!(close(l.lcl, 80.0 - 2.0 * sigma_z, 1e-9), "{l:?}");
            assert!(close(l.ucl, 80.0 + 2.0 * sigma_z, 1e-9), "{l:?}");
            assert!(!c.signal, "{c:?}");
        }
        // Five months are too few to estimate the spread: the ordinary chart.
        let few = proportion_control(&months[..5], &months[..5]);
        assert!(few.iter().all(|c| !c.laney && c.sigma_z.is_none()));
        let shifted = proportion_control(&[(2592, 3600)], &months);
        assert!(shifted[0].signal, "72 % is below 72.553 %");
        // Without Laney's correction (a plain chart), 82.5 and 77.5 would signal.
        let plain_half = 300.0 * (0.16f64 / 3600.0).sqrt();
        assert!(close(plain_half, 2.0, 1e-12));
        let flagged: Vec<f64> = months
            .iter()
            .map(|(h, n)| 100.0 * *h as f64 / *n as f64)
            .filter(|p| (p - 80.0).abs() > plain_half)
            .collect();
        assert_eq!(flagged, [82.5, 77.5]);
        // The EWMA widens with the same factor: its first limit is c ± L·λ·σₜ·σ_z.
        let e = proportion_ewma(&months, &months);
        assert!(close(
            e[0].ucl,
            80.0 + 100.0 * 2.86 * 0.2 * (0.16f64 / 3600.0).sqrt() * sigma_z,
            1e-9
        ));
        // The NPS chart standardises with √(v/nₜ) the same way: months of 3,600 whose NPS moves
        // 20, 26, 17, 23, 14, 20 (by hand: c = 20, v = 0.45 + 0.25 − 0.04 = 0.66 for p = 0.45,
        // d = 0.25) are widened, and none signals.
        let nps_months: Vec<[u64; 11]> = [
            (1620, 900),
            (1728, 792),
            (1566, 954),
            (1674, 846),
            (1512, 1008),
            (1620, 900),
        ]
        .iter()
        .map(|&(p, d)| histogram(p, 3600 - p - d, d))
        .collect();
        let c = nps_control(&nps_months, &nps_months);
        assert!(c.iter().all(|p| p.laney && !p.signal), "{c:?}");
        assert!(c[0].sigma_z.unwrap() > 2.0);
        // Small subgroups that differ by sampling alone (σ_z ≤ 1) keep the ordinary chart.
        let calm = [
            (80, 100),
            (80, 100),
            (81, 100),
            (80, 100),
            (79, 100),
            (80, 100),
        ];
        let c = proportion_control(&calm, &calm);
        assert!(!c[0].laney && c[0].sigma_z.unwrap() < 1.0);
        let l = c[0].limits.clone().unwrap();
        let p = 0.8;
        assert!(close(
            l.ucl - l.centre,
            300.0 * (p * (1.0 - p) / 100.0f64).sqrt(),
            1e-9
        ));
    }

    /// A normal draw (Box–Muller) for the simulations.
    fn normal(rng: &mut rand::rngs::StdRng) -> f64 {
        use rand::RngExt;
        let (u, v): (f64, f64) = (rng.random(), rng.random());
        (-2.0 * (1.0 - u).ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// Thirteen months of n = 3,600 whose true share wanders around 80 % by 3 points a month
    /// (extra-binomial: sampling alone moves it 0.67 points): the plain p chart flags about
    /// half the months — the demo's flagged 12 of 13 — while Laney's flags almost none; a real
    /// drop of 18 points (6 × the monthly spread) in the last month is flagged by Laney's chart
    /// nearly always, although that month widens its own limits.
    #[test]
    fn laney_ignores_stable_extra_binomial_variation_and_catches_a_real_shift() {
        use rand::SeedableRng;
        const SERIES: usize = 400;
        const MONTHS: usize = 13;
        const N: u64 = 3_600;
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x1ae7_2002);
        let draw = |rng: &mut rand::rngs::StdRng, p: f64| -> (u64, u64) {
            let p = p.clamp(0.0, 1.0);
            let sd = (N as f64 * p * (1.0 - p)).sqrt();
            let hits = (N as f64 * p + sd * normal(rng))
                .round()
                .clamp(0.0, N as f64);
            (hits as u64, N)
        };
        let (mut plain_flags, mut laney_flags, mut caught) = (0usize, 0usize, 0usize);
        for _ in 0..SERIES {
            let months: Vec<(u64, u64)> = (0..MONTHS)
                .map(|_| {
                    let p = 0.80 + 0.03 * normal(&mut rng);
                    draw(&mut rng, p)
                })
                .collect();
            let (hits, n) = months.iter().fold((0, 0), |(a, b), (h, m)| (a + h, b + m));
            let p = hits as f64 / n as f64;
            let half = 3.0 * (p * (1.0 - p) / N as f64).sqrt();
            plain_flags += months
                .iter()
                .filter(|(h, m)| (*h as f64 / *m as f64 - p).abs() > half)
                .count();
            laney_flags += proportion_control(&months, &months)
                .iter()
                .filter(|c| c.signal)
                .count();
            // The same process, and then a month 18 points lower.
            let mut shifted = months.clone();
            shifted[MONTHS - 1] = draw(&mut rng, 0.62);
            let chart = proportion_control(&shifted, &shifted);
            if chart[MONTHS - 1].signal {
                caught += 1;
            }
        }
        let months = (SERIES * MONTHS) as f64;
        let plain = plain_flags as f64 / months;
        let laney = laney_flags as f64 / months;
        let power = caught as f64 / SERIES as f64;
        assert!(
            plain > 0.4,
            "the plain chart flags {:.0} % of stable months",
            100.0 * plain
        );
        assert!(
            laney < 0.02,
            "Laney's flags {:.1} % of stable months",
            100.0 * laney
        );
        assert!(
            power > 0.9,
            "Laney's catches the drop in {:.0} % of series",
            100.0 * power
        );
    }

    /// Independent reference values: `tests/reference/laney_reference.py` (pure Python from
    /// methods.md §9, no shared code). Eight months of ~3,600 answers, hits/n = 2880/3600,
    /// 2812/3450, 2928/3720, 2893/3580, 2780/3510, 3005/3660, 2797/3590, 3013/3630, so the
    /// limits follow each month's n:
    ///
    /// p̄ = 23108/28740 = 0.804036186500; σ₁ = √(0.1575619973/3600) = 0.0066157;
    /// z = −0.6100939764, 1.6330760577, −2.6028196102, 0.6126454923, −1.7930547780,
    /// 2.5912927071, −3.7627131055, 3.9450871993; moving ranges 2.2431700341, 4.2358956678,
    /// 3.2154651025, 2.4057002704, 4.3843474851, 6.3540058126, 7.7078003048 (mean 4.3637692396);
    /// σ_z = 3.8685897514. Month 1: p′ limits 80.4036 ± 3·0.66157·3.8686 = [72.725613,
    /// 88.081624] (the ordinary chart's [78.418915, 82.388323] would flag months 7 and 8). The
    /// EWMA on the standardised scale, `Vₜ = 0.64·Vₜ₋₁ + 0.04·σ_z²·σₜ²`, as printed there.
    #[test]
    fn laney_chart_and_ewma_match_the_python_reference_with_varying_n() {
        let hits = [2880u64, 2812, 2928, 2893, 2780, 3005, 2797, 3013];
        let ns = [3600u64, 3450, 3720, 3580, 3510, 3660, 3590, 3630];
        let months: Vec<(u64, u64)> = hits.into_iter().zip(ns).collect();
        let chart = proportion_control(&months, &months);
        let want = [
            (72.725_613, 88.081_624),
            (72.560_476, 88.246_761),
            (72.850_467, 87.956_770),
            (72.704_196, 88.103_041),
            (72.627_800, 88.179_437),
            (72.788_808, 88.018_430),
            (72.714_927, 88.092_310),
            (72.757_406, 88.049_831),
        ];
        for (c, (lo, hi)) in chart.iter().zip(want) {
            let l = c.limits.clone().unwrap();
            assert!(close(c.sigma_z.unwrap(), 3.868_589_751_4, 1e-9), "{c:?}");
            assert!(c.laney && !c.signal, "{c:?}");
            assert!(close(l.centre, 80.403_618_65, 1e-8));
            assert!(close(l.lcl, lo, 1e-6) && close(l.ucl, hi, 1e-6), "{l:?}");
        }
        // The ordinary chart (σ_z = 1) of the same months, by the formula: months 7 and 8 out.
        let pbar = 23108.0 / 28740.0;
        let flagged: Vec<usize> = (0..8)
            .filter(|&i| {
                let half = 3.0 * (pbar * (1.0 - pbar) / ns[i] as f64).sqrt();
                (hits[i] as f64 / ns[i] as f64 - pbar).abs() > half
            })
            .collect();
        assert_eq!(flagged, [6, 7]);
        let ewma = [
            (80.322_895, 78.939_679, 81.867_558),
            (80.559_765, 78.504_173, 82.303_065),
            (80.189_748, 78.310_048, 82.497_190),
            (80.313_809, 78.176_460, 82.630_778),
            (80.091_503, 78.085_727, 82.721_511),
            (80.493_968, 78.048_525, 82.758_712),
            (79.977_347, 78.016_397, 82.790_840),
            (80.582_428, 78.000_983, 82.806_254),
        ];
        for (e, (v, lo, hi)) in proportion_ewma(&months, &months).iter().zip(ewma) {
            assert!(close(e.ewma.unwrap(), v, 1e-6), "{e:?}");
            assert!(close(e.lcl, lo, 1e-6) && close(e.ucl, hi, 1e-6), "{e:?}");
            assert!(!e.signal);
        }
    }

    /// `tests/reference/laney_reference.py`, "nps": six months of (promoters, passives,
    /// detractors) = (1700, 1200, 700), (1580, 1250, 770), (1790, 1150, 660), (1650, 1230, 720),
    /// (1540, 1300, 760), (1760, 1190, 650): c = 0.266667, v = 0.59, σₜ = 0.0128019;
    /// z = 0.8679260732, −3.2547227745, 3.6886858111, −0.6509445549, −3.9056673294,
    /// 3.2547227745; mean moving range 5.1641601356, σ_z = 4.5781561486; limits
    /// [9.083924, 44.249409] (the ordinary [22.826094, 30.507240] would flag months 2, 3, 5, 6);
    /// the EWMA after month 6 26.808373 in [21.274660, 32.058673].
    #[test]
    fn laney_nps_chart_matches_the_python_reference() {
        let months = [
            histogram(1700, 1200, 700),
            histogram(1580, 1250, 770),
            histogram(1790, 1150, 660),
            histogram(1650, 1230, 720),
            histogram(1540, 1300, 760),
            histogram(1760, 1190, 650),
        ];
        for c in nps_control(&months, &months) {
            let l = c.limits.clone().unwrap();
            assert!(close(c.sigma_z.unwrap(), 4.578_156_148_6, 1e-9));
            assert!(close(l.lcl, 9.083_924, 1e-6) && close(l.ucl, 44.249_409, 1e-6));
            assert!(c.laney && !c.signal);
        }
        let half = 300.0 * (0.59f64 / 3600.0).sqrt();
        assert!(close(26.666_666_7 - half, 22.826_094, 1e-6));
        let e = nps_ewma(&months, &months);
        assert!(close(e[5].ewma.unwrap(), 26.808_373, 1e-6));
        assert!(close(e[5].lcl, 21.274_660, 1e-6) && close(e[5].ucl, 32.058_673, 1e-6));
        assert!(e.iter().all(|p| !p.signal));
    }

    /// With a constant n the widened EWMA is the EWMA of the zₜ with the textbook limits
    /// `±L·σ_z·√(λ/(2−λ)·[1 − (1−λ)^{2t}])`, mapped back by `c + σ·z`: "the EWMA on the same
    /// standardised scale".
    #[test]
    fn laney_ewma_is_the_ewma_of_the_standardised_values() {
        let months: Vec<(u64, u64)> = [2880, 2990, 2760, 2950, 2800, 3010, 2850]
            .map(|h| (h, 3600))
            .to_vec();
        let sz = proportion_control(&months, &months)[0].sigma_z.unwrap();
        assert!(sz > 1.0);
        let pbar = months.iter().map(|p| p.0).sum::<u64>() as f64 / (7.0 * 3600.0);
        let sigma = (pbar * (1.0 - pbar) / 3600.0).sqrt();
        let mut zbar = 0.0;
        for (t, (p, e)) in months
            .iter()
            .zip(proportion_ewma(&months, &months))
            .enumerate()
        {
            let z = (p.0 as f64 / 3600.0 - pbar) / sigma;
            zbar = 0.2 * z + 0.8 * zbar;
            let t = t as i32 + 1;
            let half = 2.86 * sz * (0.2 / 1.8 * (1.0 - 0.8f64.powi(2 * t))).sqrt();
            assert!(close(e.ewma.unwrap(), 100.0 * (pbar + sigma * zbar), 1e-9));
            assert!(close(e.ucl, 100.0 * (pbar + sigma * half), 1e-9));
            assert!(close(e.lcl, 100.0 * (pbar - sigma * half), 1e-9));
        }
    }

    /// What the dashboard shows is "either rule": the limits *or* the EWMA. 150 series of 24
    /// periods, n = 3,600 drawn answer by answer, true share around 0.80 with SD 0.03 between
    /// periods: Laney's limits and EWMA together flag under 3 % of stable periods; a sustained
    /// drop of 10 points in the last 6 periods — inside the baseline, as on the dashboard — is
    /// flagged in nearly every series. Seeded run: 0.67 % of stable periods; the drop found in
    /// 95 % of series, in 49 % of its periods.
    #[test]
    fn laney_limits_and_ewma_together_leave_stable_periods_alone_and_find_a_sustained_drop() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x1a2e_7002);
        const SERIES: usize = 150;
        const PERIODS: usize = 24;
        const N: u64 = 3_600;
        let count = |rng: &mut rand::rngs::StdRng, p: f64| {
            (0..N).filter(|_| rng.random::<f64>() < p).count() as u64
        };
        let either = |s: &[(u64, u64)]| -> Vec<bool> {
            proportion_control(s, s)
                .iter()
                .zip(proportion_ewma(s, s))
                .map(|(c, e)| c.signal || e.signal)
                .collect()
        };
        let (mut stable_flags, mut found, mut drop_flags) = (0, 0, 0);
        for _ in 0..SERIES {
            let stable: Vec<(u64, u64)> = (0..PERIODS)
                .map(|_| {
                    let p = (0.80 + 0.03 * normal(&mut rng)).clamp(0.0, 1.0);
                    (count(&mut rng, p), N)
                })
                .collect();
            assert!(proportion_control(&stable, &stable)[0].laney);
            stable_flags += either(&stable).iter().filter(|f| **f).count();
            let dropped: Vec<(u64, u64)> = (0..PERIODS)
                .map(|t| {
                    let shift = if t >= PERIODS - 6 { 0.10 } else { 0.0 };
                    let p = (0.80 - shift + 0.03 * normal(&mut rng)).clamp(0.0, 1.0);
                    (count(&mut rng, p), N)
                })
                .collect();
            let last = either(&dropped)[PERIODS - 6..]
                .iter()
                .filter(|f| **f)
                .count();
            drop_flags += last;
            found += usize::from(last > 0);
        }
        let stable = 100.0 * stable_flags as f64 / (SERIES * PERIODS) as f64;
        let found = 100.0 * found as f64 / SERIES as f64;
        let drop = 100.0 * drop_flags as f64 / (SERIES * 6) as f64;
        assert!(stable < 3.0, "{stable:.1} % of stable periods flagged");
        assert!(found > 90.0, "the drop found in {found:.1} % of series");
        assert!(drop > 40.0, "{drop:.1} % of the dropped periods flagged");
    }

    /// methods.md §9: over 24 stable periods of n = 100 the chance of at least one false signal
    /// is ≈ 7.2 % with 3σ limits, ≈ 64 % with 2σ and ≈ 6.7 % for the EWMA.
    ///
    /// The baseline is the known in-control process (p = 0.44, d = 0.20, as an exact
    /// histogram). Exact trinomial figures from `tests/reference/change_reference.py`: 3σ
    /// 7.16 %, 2σ 64.24 %; EWMA by Monte Carlo 6.77 % (400,000 series). The Shewhart figures
    /// depend on the process because (P − D)/n lives on a lattice (p = d = ⅓ gives 6.01 % and
    /// 65.2 %; the normal approximation 6.28 % and 67.3 %); the EWMA figure hardly does
    /// (6.6–6.8 %). An *estimated* baseline (2,400 answers) would give ≈ 7.4 %, 70 % and 13.5 %.
    #[test]
    fn false_signal_rates_match_methods() {
        use rand::rngs::StdRng;
        use rand::{RngExt, SeedableRng};

        const SERIES: usize = 4_000;
        const PERIODS: usize = 24;
        const N: u64 = 100;
        let (p, d) = (0.44, 0.20);
        let baseline = [histogram(44, 36, 20)];
        let process = nps_process(&baseline).unwrap();
        let mut rng = StdRng::seed_from_u64(0x7e57_2025);
        let (mut three, mut two, mut ewma_hits) = (0, 0, 0);
        let mut series = Vec::with_capacity(PERIODS);
        for _ in 0..SERIES {
            series.clear();
            for _ in 0..PERIODS {
                let (mut pr, mut de) = (0, 0);
                for _ in 0..N {
                    let u: f64 = rng.random();
                    if u < p {
                        pr += 1;
                    } else if u < p + d {
                        de += 1;
                    }
                }
                series.push(histogram(pr, N - pr - de, de));
            }
            if nps_control(&series, &baseline).iter().any(|c| c.signal) {
                three += 1;
            }
            let two_sigma = series.iter().any(|h| {
                let (x, _) = nps_period(h);
                (x.unwrap() - process.centre).abs() > 2.0 * (process.variance / N as f64).sqrt()
            });
            if two_sigma {
                two += 1;
            }
            if nps_ewma(&series, &baseline).iter().any(|e| e.signal) {
                ewma_hits += 1;
            }
        }
        let rate = |k: usize| 100.0 * k as f64 / SERIES as f64;
        let (three, two, ewma_rate) = (rate(three), rate(two), rate(ewma_hits));
        assert!((three - 7.2).abs() <= 2.0, "3σ: {three} %");
        assert!((two - 64.0).abs() <= 2.0, "2σ: {two} %");
        assert!((ewma_rate - 6.7).abs() <= 2.0, "EWMA: {ewma_rate} %");
    }

    proptest! {
        #[test]
        fn bh_is_monotone_capped_and_at_least_p(p in proptest::collection::vec(0.0f64..=1.0, 1..40), q in 0.01f64..0.3) {
            let (adj, disc) = benjamini_hochberg(&p, q);
            let mut order: Vec<usize> = (0..p.len()).collect();
            order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
            for w in order.windows(2) {
                prop_assert!(adj[w[0]] <= adj[w[1]] + 1e-15);
            }
            for i in 0..p.len() {
                prop_assert!(adj[i] >= p[i] - 1e-15 && adj[i] <= 1.0);
            }
            // Step-up rule: the discoveries are the i smallest with i the largest rank where
            // p₍ᵢ₎ ≤ i·q/m.
            let m = p.len() as f64;
            let cut = order.iter().enumerate().rev()
                .find(|(rank, i)| p[**i] <= (*rank + 1) as f64 * q / m)
                .map_or(0, |(rank, _)| rank + 1);
            for (rank, &i) in order.iter().enumerate() {
                prop_assert_eq!(disc[i], rank < cut);
            }
        }

        #[test]
        fn differences_are_antisymmetric(a in proptest::array::uniform11(0u64..50), b in proptest::array::uniform11(0u64..50)) {
            if let Some(x) = nps_difference(&a, &b) {
                let y = nps_difference(&b, &a).unwrap();
                prop_assert!((x.diff + y.diff).abs() < 1e-9 && (x.p - y.p).abs() < 1e-12);
                prop_assert!(x.ci95.0 <= x.diff && x.diff <= x.ci95.1);
                prop_assert!((0.0..=1.0).contains(&x.p));
            }
        }
    }
}
