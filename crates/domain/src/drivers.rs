//! Key driver analysis by the formulas of `shared/methods.md` §5: which answers move an
//! outcome (overall satisfaction, NPS, CSAT) and how much of the explained variance each one
//! carries.
//!
//! * [`Moments`] holds the sufficient statistics of a set of numeric answers over complete cases
//!   (n, Σx, Σxy) exactly, in integers, so partial results from periods, teams or shards merge
//!   without loss and the correlation matrix is computed once from exact sums.
//! * [`key_drivers`] computes Johnson's (2000) *relative weights* — the default importance —
//!   and, as a cross-check, the Shapley value of R² (*general dominance*, Budescu 1993;
//!   Grömping 2007), both as shares of R².
//! * [`quadrants`] places each driver in the importance–performance matrix (Martilla & James
//!   1977), split at the means of both axes.
//!
//! References: J. W. Johnson (2000), "A heuristic method for estimating the relative weight of
//! predictor variables in multiple regression", Multivariate Behavioral Research 35(1), 1–19;
//! D. V. Budescu (1993), "Dominance analysis", Psychological Bulletin 114(3), 542–551;
//! U. Grömping (2007), "Estimators of relative importance in linear regression based on variance
//! decomposition", The American Statistician 61(2), 139–147.

use nalgebra::{DMatrix, DVector, SymmetricEigen};
use serde::Serialize;

/// The most drivers [`key_drivers`] accepts: the Shapley value is exact and needs R² of all
/// 2^k subsets (2^20 ≈ 10⁶ subsets, a fraction of a second).
pub const MAX_DRIVERS: usize = 20;

/// The fewest complete cases [`key_drivers`] accepts, whatever the number of drivers.
pub const MIN_N: u64 = 10;

/// A residual variance (1 − R² of a driver on other drivers) or an eigenvalue of the
/// correlation matrix at or below this counts as zero: the drivers are (numerically)
/// collinear and the weights are not defined.
const SINGULAR_TOL: f64 = 1e-10;

/// Sufficient statistics of k numeric variables over complete cases, exact in integers.
///
/// `cross` holds Σ xᵢxⱼ for the upper triangle including the diagonal, row-major:
/// (0,0), (0,1) … (0,k−1), (1,1), (1,2) … (k−1,k−1). Answer codes are small integers, so the
/// sums fit in `i64` for any realistic survey (|x| ≤ 1,000 and n ≤ 10¹² stays below 2⁶³).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Moments {
    pub n: u64,
    pub sum: Vec<i64>,
    pub cross: Vec<i64>,
}

impl Moments {
    /// Empty statistics for `k` variables.
    pub fn new(k: usize) -> Self {
        Moments {
            n: 0,
            sum: vec![0; k],
            cross: vec![0; k * (k + 1) / 2],
        }
    }

    /// The number of variables k.
    pub fn vars(&self) -> usize {
        self.sum.len()
    }

    /// Position of (i, j), i ≤ j, in `cross`: rows 0..i hold k + (k−1) + … + (k−i+1) entries.
    fn at(&self, i: usize, j: usize) -> usize {
        let (i, j) = if i <= j { (i, j) } else { (j, i) };
        i * self.vars() - i * i.saturating_sub(1) / 2 + (j - i)
    }

    /// Adds one complete case. Panics when `values` does not have k entries.
    pub fn add(&mut self, values: &[i64]) {
        let k = self.vars();
        assert_eq!(values.len(), k, "a case needs one value per variable");
        self.n += 1;
        let mut pos = 0;
        for i in 0..k {
            self.sum[i] += values[i];
            for j in i..k {
                self.cross[pos] += values[i] * values[j];
                pos += 1;
            }
        }
    }

    /// Adds another set of statistics over the same variables (e.g. another period or shard).
    /// Panics when the number of variables differs.
    pub fn merge(&mut self, other: &Moments) {
        assert_eq!(self.vars(), other.vars(), "merging different variable sets");
        self.n += other.n;
        for (a, b) in self.sum.iter_mut().zip(&other.sum) {
            *a += b;
        }
        for (a, b) in self.cross.iter_mut().zip(&other.cross) {
            *a += b;
        }
    }

    /// Σ xᵢxⱼ, in either order of `i` and `j`.
    pub fn cross_at(&self, i: usize, j: usize) -> i64 {
        self.cross[self.at(i, j)]
    }

    /// The statistics of the variables `idx`, in that order (an index may repeat).
    pub fn select(&self, idx: &[usize]) -> Moments {
        let mut out = Moments::new(idx.len());
        out.n = self.n;
        for (a, &i) in idx.iter().enumerate() {
            out.sum[a] = self.sum[i];
        }
        let mut pos = 0;
        for a in 0..idx.len() {
            for b in a..idx.len() {
                out.cross[pos] = self.cross_at(idx[a], idx[b]);
                pos += 1;
            }
        }
        out
    }

    /// n·Σxᵢxⱼ − ΣxᵢΣxⱼ, exactly (n² times the population covariance).
    fn co_moment(&self, i: usize, j: usize) -> i128 {
        self.n as i128 * self.cross_at(i, j) as i128 - self.sum[i] as i128 * self.sum[j] as i128
    }

    /// The first variable whose values are all equal (zero variance), if any.
    fn zero_variance(&self) -> Option<usize> {
        (0..self.vars()).find(|&i| self.co_moment(i, i) <= 0)
    }

    /// Pearson correlations, `r = (nΣxy − ΣxΣy)/√((nΣx² − (Σx)²)(nΣy² − (Σy)²))` with the
    /// numerators exact in `i128`; `None` when n < 3 or a variable has zero variance.
    pub fn correlation(&self) -> Option<Vec<Vec<f64>>> {
        if self.n < 3 || self.zero_variance().is_some() {
            return None;
        }
        let k = self.vars();
        let sd: Vec<f64> = (0..k)
            .map(|i| (self.co_moment(i, i) as f64).sqrt())
            .collect();
        Some(
            (0..k)
                .map(|i| {
                    (0..k)
                        .map(|j| {
                            if i == j {
                                1.0
                            } else {
                                (self.co_moment(i, j) as f64 / (sd[i] * sd[j])).clamp(-1.0, 1.0)
                            }
                        })
                        .collect()
                })
                .collect(),
        )
    }

    /// The mean of each variable (NaN when n = 0).
    pub fn means(&self) -> Vec<f64> {
        self.sum.iter().map(|&s| s as f64 / self.n as f64).collect()
    }
}

/// One driver's importance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DriverWeight {
    /// The driver's position in the [`Moments`] passed to [`key_drivers`] (1..=k; 0 is the
    /// outcome).
    pub index: usize,
    /// Johnson's raw relative weight εⱼ: its share of R² in R² units (Σεⱼ = R²).
    pub relative_weight: f64,
    /// `100·εⱼ/R²`: the importance shown to users (Σ = 100; all 0 when R² = 0).
    pub relative_weight_pct: f64,
    /// The Shapley value of R² (general dominance), in R² units (Σ = R²).
    pub shapley: f64,
    /// `100·shapley/R²`.
    pub shapley_pct: f64,
}

/// The result of [`key_drivers`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DriverAnalysis {
    /// Complete cases used.
    pub n: u64,
    /// R² of the linear regression of the outcome on all drivers (with intercept).
    pub r2: f64,
    /// One entry per driver, in input order.
    pub drivers: Vec<DriverWeight>,
}

/// Why a key driver analysis could not be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DriverError {
    #[error("too few complete answers for a driver analysis: {n}, at least {needed} are needed")]
    TooFew { n: u64, needed: u64 },
    #[error(
        "variable {index} has the same answer everywhere, so it cannot explain or be explained (0 is the outcome)"
    )]
    ZeroVariance { index: usize },
    #[error(
        "the drivers are collinear (one is a combination of others), so their weights are not defined"
    )]
    Singular,
    #[error("too many drivers for an exact analysis: {k}, at most {max}")]
    TooManyDrivers { k: usize, max: usize },
    #[error("a driver analysis needs an outcome and at least one driver")]
    NoDrivers,
}

impl DriverError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            DriverError::TooFew { .. } => "too_few",
            DriverError::ZeroVariance { .. } => "zero_variance",
            DriverError::Singular => "singular",
            DriverError::TooManyDrivers { .. } => "too_many_drivers",
            DriverError::NoDrivers => "no_drivers",
        }
    }
}

/// Key driver analysis of an outcome on k drivers. `m` has the outcome at index 0 and the
/// drivers at 1..=k, accumulated over complete cases.
///
/// **Relative weights** (Johnson 2000, methods.md §5): with the drivers' correlation matrix
/// `Rxx = QΛQᵀ` and their correlations with the outcome `rxy`, `Λ½ = QΛ^{1/2}Qᵀ` (the
/// symmetric square root, so the orthogonal counterparts `Z = X·(Λ½)⁻¹` are the closest
/// uncorrelated variables to the drivers), `β* = (Λ½)⁻¹·rxy` (the regression of the outcome on
/// Z) and `εⱼ = Σₖ (Λ½)ⱼₖ²·β*ₖ²`. Because every column of Λ½ squared sums to 1, `Σεⱼ = |β*|² =
/// rxyᵀRxx⁻¹rxy = R²`.
///
/// **Shapley value / general dominance**: `R²(S) = r_Sᵀ R_SS⁻¹ r_S` for every subset S of the
/// drivers, and `φⱼ = Σ_{S ∌ j} |S|!(k−|S|−1)!/k! · (R²(S ∪ {j}) − R²(S))`, so `Σφⱼ = R²`. All
/// 2^k values of R²(S) are computed once, walking the subsets depth-first and extending a
/// Cholesky factor of R_SS by one row per step (O(|S|²) per subset).
///
/// Requirements: k ≤ [`MAX_DRIVERS`]; n ≥ max(k + 2, [`MIN_N`]) — k + 2 leaves at least one
/// residual degree of freedom for a regression with intercept, 10 keeps a handful of answers
/// from being presented as "drivers"; no variable may be constant; the drivers may not be
/// collinear.
pub fn key_drivers(m: &Moments) -> Result<DriverAnalysis, DriverError> {
    let vars = m.vars();
    if vars < 2 {
        return Err(DriverError::NoDrivers);
    }
    let k = vars - 1;
    if k > MAX_DRIVERS {
        return Err(DriverError::TooManyDrivers {
            k,
            max: MAX_DRIVERS,
        });
    }
    let needed = (k as u64 + 2).max(MIN_N);
    if m.n < needed {
        return Err(DriverError::TooFew { n: m.n, needed });
    }
    if let Some(index) = m.zero_variance() {
        return Err(DriverError::ZeroVariance { index });
    }
    let r = m.correlation().ok_or(DriverError::Singular)?;
    let rxy: Vec<f64> = (1..=k).map(|j| r[0][j]).collect();
    let rxx: Vec<f64> = (1..=k)
        .flat_map(|i| (1..=k).map(move |j| (i, j)))
        .map(|(i, j)| r[i][j])
        .collect();

    let subsets = subset_r2(k, &rxx, &rxy)?;
    let r2 = subsets[(1 << k) - 1];
    let shapley = shapley_values(k, &subsets);
    let relative = relative_weights(k, &rxx, &rxy)?;

    let pct = |x: f64| if r2 > 0.0 { 100.0 * x / r2 } else { 0.0 };
    Ok(DriverAnalysis {
        n: m.n,
        r2,
        drivers: (0..k)
            .map(|j| DriverWeight {
                index: j + 1,
                relative_weight: relative[j],
                relative_weight_pct: pct(relative[j]),
                shapley: shapley[j],
                shapley_pct: pct(shapley[j]),
            })
            .collect(),
    })
}

/// Johnson's raw relative weights εⱼ from the k×k driver correlations (row-major) and the
/// driver–outcome correlations.
fn relative_weights(k: usize, rxx: &[f64], rxy: &[f64]) -> Result<Vec<f64>, DriverError> {
    let eig = SymmetricEigen::new(DMatrix::from_row_slice(k, k, rxx));
    if eig.eigenvalues.iter().any(|&l| l <= SINGULAR_TOL) {
        return Err(DriverError::Singular);
    }
    let q = &eig.eigenvectors;
    let root = eig.eigenvalues.map(f64::sqrt);
    let lambda_half = q * DMatrix::from_diagonal(&root) * q.transpose();
    let lambda_half_inv = q * DMatrix::from_diagonal(&root.map(|x| 1.0 / x)) * q.transpose();
    let beta = lambda_half_inv * DVector::from_column_slice(rxy);
    Ok((0..k)
        .map(|j| {
            (0..k)
                .map(|c| lambda_half[(j, c)].powi(2) * beta[c].powi(2))
                .sum()
        })
        .collect())
}

/// R²(S) for every subset S of the k drivers, indexed by the bit mask of S (bit j = driver j).
///
/// Depth-first over subsets in which each child adds a driver after the parent's last one, so
/// each subset is visited once. Along the path the Cholesky factor L of R_SS (R_SS = LLᵀ) and
/// z = L⁻¹r_S are extended by one row: for a new driver j, `l = L⁻¹R_{S,j}`,
/// `d = √(1 − l·l)` (the driver's residual SD given S), `z_j = (r_j − l·z)/d`, and
/// `R²(S ∪ {j}) = R²(S) + z_j²` (because R²(S) = |z|²).
fn subset_r2(k: usize, rxx: &[f64], rxy: &[f64]) -> Result<Vec<f64>, DriverError> {
    struct Walk<'a> {
        k: usize,
        rxx: &'a [f64],
        rxy: &'a [f64],
        r2: Vec<f64>,
        /// Rows of L: row a has a + 1 entries and starts at a(a+1)/2.
        l: Vec<f64>,
        z: Vec<f64>,
        members: Vec<usize>,
    }
    impl Walk<'_> {
        fn visit(&mut self, mask: usize, next: usize, r2: f64) -> Result<(), DriverError> {
            let d = self.members.len();
            let base = d * (d + 1) / 2;
            for j in next..self.k {
                self.l.truncate(base);
                let mut ll = 0.0;
                let mut lz = 0.0;
                for a in 0..d {
                    let row = a * (a + 1) / 2;
                    let mut s = self.rxx[self.members[a] * self.k + j];
                    for b in 0..a {
                        s -= self.l[row + b] * self.l[base + b];
                    }
                    let v = s / self.l[row + a];
                    ll += v * v;
                    lz += v * self.z[a];
                    self.l.push(v);
                }
                let resid = 1.0 - ll;
                if resid <= SINGULAR_TOL {
                    return Err(DriverError::Singular);
                }
                let diag = resid.sqrt();
                self.l.push(diag);
                let zj = (self.rxy[j] - lz) / diag;
                let with_j = mask | (1 << j);
                let r2_j = r2 + zj * zj;
                self.r2[with_j] = r2_j;
                self.members.push(j);
                self.z.push(zj);
                self.visit(with_j, j + 1, r2_j)?;
                self.members.pop();
                self.z.pop();
            }
            self.l.truncate(base);
            Ok(())
        }
    }
    let mut walk = Walk {
        k,
        rxx,
        rxy,
        r2: vec![0.0; 1 << k],
        l: Vec::with_capacity(k * (k + 1) / 2),
        z: Vec::with_capacity(k),
        members: Vec::with_capacity(k),
    };
    walk.visit(0, 0, 0.0)?;
    Ok(walk.r2)
}

/// Shapley values from R² of every subset: `φⱼ = Σ_{S ∌ j} w(|S|)·(R²(S ∪ {j}) − R²(S))` with
/// `w(s) = s!(k−s−1)!/k! = 1/(k·C(k−1, s))`.
fn shapley_values(k: usize, r2: &[f64]) -> Vec<f64> {
    let mut weight = vec![0.0; k];
    let mut binom = 1.0; // C(k−1, s)
    for (s, w) in weight.iter_mut().enumerate() {
        *w = 1.0 / (k as f64 * binom);
        binom = binom * (k - 1 - s) as f64 / (s + 1) as f64;
    }
    let mut phi = vec![0.0; k];
    for (mask, &base) in r2.iter().enumerate() {
        let w = weight
            .get(mask.count_ones() as usize)
            .copied()
            .unwrap_or(0.0);
        for (j, p) in phi.iter_mut().enumerate() {
            if mask & (1 << j) == 0 {
                *p += w * (r2[mask | (1 << j)] - base);
            }
        }
    }
    phi
}

/// A driver's place in the importance–performance matrix (Martilla & James 1977).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Quadrant {
    /// High importance, low performance: improve this first.
    ActHere,
    /// High importance, high performance.
    KeepUp,
    /// Low importance, high performance.
    PossibleOverkill,
    /// Low importance, low performance.
    LowPriority,
}

impl Quadrant {
    pub fn as_str(self) -> &'static str {
        match self {
            Quadrant::ActHere => "act-here",
            Quadrant::KeepUp => "keep-up",
            Quadrant::PossibleOverkill => "possible-overkill",
            Quadrant::LowPriority => "low-priority",
        }
    }
}

/// A mean on a `min..=max` scale as percent of the scale's span: `(mean − min)/(max − min)·100`.
/// Drivers answered on different scales (a 1–7 effort rating beside 1–5 ratings) are only
/// comparable this way; the importance–performance matrix and its quadrants use it.
pub fn percent_of_scale(mean: f64, min: i64, max: i64) -> f64 {
    if max <= min {
        return f64::NAN;
    }
    (mean - min as f64) / (max - min) as f64 * 100.0
}

/// The importance–performance quadrant of each `(performance, importance %)` point
/// (methods.md §5): both axes split at the mean over the points; a value equal to its axis's
/// mean counts as high (equal within 1e-9 relative, so that rounding in the mean does not
/// split identical values).
pub fn quadrants(points: &[(f64, f64)]) -> Vec<Quadrant> {
    if points.is_empty() {
        return Vec::new();
    }
    let count = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / count;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / count;
    let high = |v: f64, mean: f64| v >= mean - 1e-9 * mean.abs().max(1.0);
    points
        .iter()
        .map(|&(x, y)| match (high(y, mean_y), high(x, mean_x)) {
            (true, false) => Quadrant::ActHere,
            (true, true) => Quadrant::KeepUp,
            (false, true) => Quadrant::PossibleOverkill,
            (false, false) => Quadrant::LowPriority,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Data and figures: `tests/reference/drivers_reference.py` (numpy: OLS R² by least squares
    /// on the raw data, relative weights by `np.linalg.eigh`, Shapley values by an OLS fit of
    /// every subset), which writes `tests/data/drivers.csv` and prints:
    ///
    /// ```text
    /// n = 400, k = 5
    /// R2 = 0.6962262031
    /// rooms          eps 0.2246676301 rw%  32.2693   shapley 0.2261142083 sh%  32.4771
    /// sleep_quality  eps 0.1559160345 rw%  22.3945   shapley 0.1574119307 sh%  22.6093
    /// value          eps 0.1358670627 rw%  19.5148   shapley 0.1324852972 sh%  19.0291
    /// cleanliness    eps 0.1595289257 rw%  22.9134   shapley 0.1606956717 sh%  23.0810
    /// location       eps 0.0202465501 rw%   2.9080   shapley 0.0195190952 sh%   2.8036
    /// ```
    const CSV: &str = include_str!("../tests/data/drivers.csv");
    const R2: f64 = 0.696_226_203_1;
    const RW_PCT: [f64; 5] = [32.2693, 22.3945, 19.5148, 22.9134, 2.9080];
    const SH_PCT: [f64; 5] = [32.4771, 22.6093, 19.0291, 23.0810, 2.8036];
    const RW: [f64; 5] = [
        0.224_667_630_1,
        0.155_916_034_5,
        0.135_867_062_7,
        0.159_528_925_7,
        0.020_246_550_1,
    ];

    fn reference_moments() -> Moments {
        let mut lines = CSV.lines();
        let header = lines.next().unwrap();
        let mut m = Moments::new(header.split(',').count());
        for line in lines.filter(|l| !l.is_empty()) {
            let row: Vec<i64> = line.split(',').map(|v| v.parse().unwrap()).collect();
            m.add(&row);
        }
        m
    }

    #[test]
    fn performance_is_compared_as_percent_of_each_scale() {
        // By hand: 5.6 on 1–7 is 4.6/6 = 76.67 %; 4.0 on 1–5 is 3/4 = 75 %; 8.2 on 0–10 is 82 %.
        assert!((percent_of_scale(5.6, 1, 7) - 76.666_666_666_666_67).abs() < 1e-9);
        assert!((percent_of_scale(4.0, 1, 5) - 75.0).abs() < 1e-12);
        assert!((percent_of_scale(8.2, 0, 10) - 82.0).abs() < 1e-12);
        assert!(percent_of_scale(3.0, 3, 3).is_nan());
        // A raw mean would call the 1–7 driver the best performer by far (5.6 against 4.0 and
        // 4.2); on one scale the 1–5 driver at 4.2 (80 %) beats it.
        let pct = [
            percent_of_scale(5.6, 1, 7),
            percent_of_scale(4.0, 1, 5),
            percent_of_scale(4.2, 1, 5),
        ];
        let q = quadrants(&[(pct[0], 30.0), (pct[1], 40.0), (pct[2], 30.0)]);
        assert_eq!(
            q,
            [
                Quadrant::LowPriority,
                Quadrant::ActHere,
                Quadrant::PossibleOverkill
            ]
        );
    }

    #[test]
    fn reproduces_the_numpy_reference() {
        let m = reference_moments();
        assert_eq!(m.n, 400);
        assert!((m.means()[0] - 7.1225).abs() < 1e-12);
        let r = m.correlation().unwrap();
        assert!((r[0][1] - 0.677_231_803_5).abs() < 1e-9, "{}", r[0][1]);
        let a = key_drivers(&m).unwrap();
        assert_eq!(a.n, 400);
        assert!((a.r2 - R2).abs() < 1e-9, "{}", a.r2);
        for (j, d) in a.drivers.iter().enumerate() {
            assert_eq!(d.index, j + 1);
            assert!((d.relative_weight - RW[j]).abs() < 1e-9, "{j}: {d:?}");
            assert!(
                (d.relative_weight_pct - RW_PCT[j]).abs() < 0.005,
                "{j}: {d:?}"
            );
            assert!((d.shapley_pct - SH_PCT[j]).abs() < 0.005, "{j}: {d:?}");
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(key_drivers(&Moments::new(1)), Err(DriverError::NoDrivers));
        let mut m = Moments::new(4);
        for i in 0..9 {
            m.add(&[i, i % 3, i % 2, i % 4]);
        }
        assert_eq!(
            key_drivers(&m),
            Err(DriverError::TooFew { n: 9, needed: 10 })
        );
        m.add(&[3, 1, 1, 1]);
        assert!(key_drivers(&m).is_ok());

        let mut constant = Moments::new(3);
        for i in 0..20 {
            constant.add(&[i % 5, 4, i % 3]);
        }
        let err = key_drivers(&constant).unwrap_err();
        assert_eq!(err, DriverError::ZeroVariance { index: 1 });
        assert_eq!(err.code(), "zero_variance");
        assert!(constant.correlation().is_none());

        let mut collinear = Moments::new(4);
        for i in 0..30i64 {
            let (a, b) = (i % 5, (i * 7) % 4);
            collinear.add(&[(i * 3) % 11, a, b, a + 2 * b]);
        }
        let err = key_drivers(&collinear).unwrap_err();
        assert_eq!(err, DriverError::Singular);
        assert!(err.to_string().contains("collinear"));

        let wide = Moments::new(MAX_DRIVERS + 2);
        let err = key_drivers(&wide).unwrap_err();
        assert_eq!(
            err,
            DriverError::TooManyDrivers {
                k: MAX_DRIVERS + 1,
                max: MAX_DRIVERS
            }
        );
        assert_eq!(err.code(), "too_many_drivers");
        // k + 2 rules when it is above 10.
        let mut twelve = Moments::new(13);
        for i in 0..13 {
            twelve.add(&[i; 13]);
        }
        assert_eq!(
            key_drivers(&twelve),
            Err(DriverError::TooFew { n: 13, needed: 14 })
        );
    }

    #[test]
    fn quadrants_split_at_the_means() {
        // performance means 70, importance mean 20.
        let q = quadrants(&[
            (60.0, 30.0),
            (80.0, 30.0),
            (80.0, 10.0),
            (60.0, 10.0),
            (70.0, 20.0),
        ]);
        assert_eq!(
            q,
            vec![
                Quadrant::ActHere,
                Quadrant::KeepUp,
                Quadrant::PossibleOverkill,
                Quadrant::LowPriority,
                Quadrant::KeepUp, // ties count as high
            ]
        );
        assert_eq!(Quadrant::PossibleOverkill.as_str(), "possible-overkill");
        assert_eq!(
            serde_json::to_string(&Quadrant::ActHere).unwrap(),
            "\"act-here\""
        );
        // Identical values whose mean is not exactly representable still tie.
        assert_eq!(quadrants(&[(0.1, 0.1); 3]), vec![Quadrant::KeepUp; 3]);
        assert!(quadrants(&[]).is_empty());
    }

    #[test]
    fn twelve_drivers_decompose_r2() {
        // A deterministic, well-conditioned design: every driver is a different mix of a few
        // cyclic patterns.
        let k = 12;
        let mut m = Moments::new(k + 1);
        for i in 0..500i64 {
            let mut row = vec![0; k + 1];
            for (j, v) in row.iter_mut().enumerate().skip(1) {
                *v = (i * (j as i64 * 7 + 3) + j as i64 * i / 7) % (5 + j as i64 % 4);
            }
            row[0] = row[1..]
                .iter()
                .enumerate()
                .map(|(j, v)| v * (j as i64 % 3 + 1))
                .sum::<i64>()
                + (i * 13) % 7;
            m.add(&row);
        }
        let a = key_drivers(&m).unwrap();
        let rw: f64 = a.drivers.iter().map(|d| d.relative_weight).sum();
        let sh: f64 = a.drivers.iter().map(|d| d.shapley).sum();
        assert!((rw - a.r2).abs() < 1e-9 && (sh - a.r2).abs() < 1e-9);
    }

    /// Rows of an outcome and `k` drivers on 1–5-like integer scales, correlated through a
    /// shared component so that the correlation matrix is well conditioned but not diagonal.
    fn rows(k: usize) -> impl Strategy<Value = Vec<Vec<i64>>> {
        proptest::collection::vec(
            (0i64..5, proptest::collection::vec(0i64..5, k), 0i64..5),
            40..120,
        )
        .prop_map(move |cases| {
            cases
                .into_iter()
                .map(|(common, own, noise)| {
                    let drivers: Vec<i64> = own.iter().map(|o| common + o).collect();
                    let outcome = drivers
                        .iter()
                        .enumerate()
                        .map(|(j, d)| d * (j as i64 % 3 + 1))
                        .sum::<i64>()
                        + 3 * noise;
                    std::iter::once(outcome).chain(drivers).collect()
                })
                .collect()
        })
    }

    fn moments_of(rows: &[Vec<i64>]) -> Moments {
        let mut m = Moments::new(rows[0].len());
        for r in rows {
            m.add(r);
        }
        m
    }

    proptest! {
        #[test]
        fn weights_decompose_r2(rows in rows(5)) {
            let m = moments_of(&rows);
            let Ok(a) = key_drivers(&m) else { return Ok(()) };
            let rw: f64 = a.drivers.iter().map(|d| d.relative_weight).sum();
            let sh: f64 = a.drivers.iter().map(|d| d.shapley).sum();
            prop_assert!((rw - a.r2).abs() < 1e-9, "{} vs {}", rw, a.r2);
            prop_assert!((sh - a.r2).abs() < 1e-9, "{} vs {}", sh, a.r2);
            prop_assert!((0.0..=1.0 + 1e-12).contains(&a.r2));
            for d in &a.drivers {
                prop_assert!(d.relative_weight >= -1e-12, "{:?}", d);
                // Shapley values are non-negative here: no suppressor structure in this design.
                prop_assert!(d.shapley >= -1e-12, "{:?}", d);
                // The two methods agree within a few points on well-conditioned data.
                prop_assert!((d.relative_weight_pct - d.shapley_pct).abs() < 5.0, "{:?}", a);
            }
        }

        #[test]
        fn permuting_drivers_permutes_the_results(rows in rows(4), seed in 0usize..24) {
            let m = moments_of(&rows);
            let Ok(a) = key_drivers(&m) else { return Ok(()) };
            // One of the 24 permutations of 1..=4 (Lehmer code of `seed`).
            let mut pool = vec![1, 2, 3, 4];
            let mut perm = vec![0];
            let mut code = seed;
            for radix in (1..=4).rev() {
                perm.push(pool.remove(code % radix));
                code /= radix;
            }
            let b = key_drivers(&m.select(&perm)).unwrap();
            prop_assert!((a.r2 - b.r2).abs() < 1e-12);
            for (pos, &orig) in perm.iter().enumerate().skip(1) {
                let (x, y) = (&a.drivers[orig - 1], &b.drivers[pos - 1]);
                prop_assert!((x.relative_weight - y.relative_weight).abs() < 1e-12);
                prop_assert!((x.shapley - y.shapley).abs() < 1e-12);
            }
        }

        #[test]
        fn merge_equals_adding_all_rows(rows in rows(3), split in 0usize..40) {
            let split = split.min(rows.len());
            let mut left = moments_of(&rows[..1]);
            for r in &rows[1..split.max(1)] {
                left.add(r);
            }
            let mut right = Moments::new(4);
            for r in &rows[split.max(1)..] {
                right.add(r);
            }
            left.merge(&right);
            prop_assert_eq!(left, moments_of(&rows));
        }

        #[test]
        fn select_matches_moments_of_the_selected_columns(rows in rows(3), idx in proptest::collection::vec(0usize..4, 1..6)) {
            let m = moments_of(&rows);
            let picked: Vec<Vec<i64>> = rows.iter().map(|r| idx.iter().map(|&i| r[i]).collect()).collect();
            prop_assert_eq!(m.select(&idx), moments_of(&picked));
            for (a, &i) in idx.iter().enumerate() {
                for (b, &j) in idx.iter().enumerate() {
                    prop_assert_eq!(m.select(&idx).cross_at(a, b), m.cross_at(i, j));
                }
            }
        }
    }
}
