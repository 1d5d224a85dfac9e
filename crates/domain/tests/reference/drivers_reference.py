#!/usr/bin/env python3
"""Reference values for `crates/domain/src/drivers.rs` (key driver analysis, methods.md §5).

Independent of the Rust code: numpy only, textbook formulas, no shared logic.

1. Generates a deterministic survey-like data set (fixed seed): n = 400 rows, an overall
   score on 0–10 and five drivers on 1–5, correlated through a shared "general
   impression" factor, and writes it to `crates/domain/tests/data/drivers.csv`.
2. Computes from that CSV, with numpy:
   * R² of the full OLS model (from `np.linalg.lstsq` on the raw data, not from correlations);
   * Johnson's (2000) relative weights: eigendecomposition of Rxx with `np.linalg.eigh`,
     Λ½ = QΛ^{1/2}Qᵀ, β* = (Λ½)⁻¹ rxy, εⱼ = Σₖ (Λ½)ⱼₖ² β*ₖ², in % of R²;
   * Shapley values (general dominance): for every subset S an OLS fit on the raw data with
     `np.linalg.lstsq` (intercept included), φⱼ = Σ_S |S|!(k−|S|−1)!/k! · (R²(S∪j) − R²(S)),
     in % of R².
3. Prints the figures that `drivers.rs`' tests hard-code.

Run: python3 -m venv target/py-ref && target/py-ref/bin/pip install numpy
     target/py-ref/bin/python crates/domain/tests/reference/drivers_reference.py
"""

import itertools
import math
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CSV = os.path.join(HERE, "..", "data", "drivers.csv")
NAMES = ["overall", "rooms", "sleep_quality", "value", "cleanliness", "location"]
SEED = 20_250_601
N = 400


def generate():
    rng = np.random.default_rng(SEED)
    general = rng.standard_normal(N)
    # Drivers: loadings on the general factor differ, so the drivers are correlated but not
    # collinear.
    loadings = [0.75, 0.65, 0.6, 0.7, 0.35]
    drivers = []
    for load in loadings:
        latent = load * general + math.sqrt(1 - load**2) * rng.standard_normal(N)
        # 1–5 scale, skewed to the top like real satisfaction answers.
        drivers.append(np.clip(np.round(3.6 + 1.0 * latent), 1, 5).astype(int))
    drivers = np.array(drivers)
    z = (drivers - drivers.mean(axis=1, keepdims=True)) / drivers.std(axis=1, keepdims=True)
    weights = np.array([0.40, 0.30, 0.30, 0.25, 0.10])
    outcome_latent = weights @ z + 0.6 * rng.standard_normal(N)
    overall = np.clip(np.round(7.2 + 1.6 * outcome_latent), 0, 10).astype(int)
    with open(CSV, "w", encoding="utf-8") as f:
        f.write(",".join(NAMES) + "\n")
        for i in range(N):
            f.write(",".join(str(v) for v in [overall[i], *drivers[:, i]]) + "\n")


def r2_ols(y, x):
    """R² of y on the columns of x with an intercept, by least squares on the raw data."""
    if x.shape[1] == 0:
        return 0.0
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return 1.0 - (resid @ resid) / ((y - y.mean()) @ (y - y.mean()))


def main():
    generate()
    data = np.loadtxt(CSV, delimiter=",", skiprows=1)
    y, x = data[:, 0], data[:, 1:]
    n, k = x.shape

    r2 = r2_ols(y, x)

    corr = np.corrcoef(data, rowvar=False)
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    evals, evecs = np.linalg.eigh(rxx)
    lam_half = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
    beta_star = np.linalg.solve(lam_half, rxy)
    eps = (lam_half**2) @ (beta_star**2)

    r2_sub = {}
    for size in range(k + 1):
        for s in itertools.combinations(range(k), size):
            r2_sub[s] = r2_ols(y, x[:, list(s)])
    shapley = np.zeros(k)
    for j in range(k):
        others = [i for i in range(k) if i != j]
        for size in range(k):
            w = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            for s in itertools.combinations(others, size):
                with_j = tuple(sorted(s + (j,)))
                shapley[j] += w * (r2_sub[with_j] - r2_sub[s])

    print(f"n = {n}, k = {k}")
    print(f"means = {[round(v, 6) for v in data.mean(axis=0)]}")
    print(f"r(overall, rooms) = {corr[0, 1]:.10f}")
    print(f"R2 = {r2:.10f}  (sum eps {eps.sum():.10f}, sum shapley {shapley.sum():.10f})")
    for name, e, s in zip(NAMES[1:], eps, shapley):
        print(
            f"{name:14s} eps {e:.10f} rw% {100 * e / r2:8.4f}   "
            f"shapley {s:.10f} sh% {100 * s / r2:8.4f}"
        )


if __name__ == "__main__":
    main()
