#!/usr/bin/env python3
"""Reference values for `crates/domain/src/change.rs` (methods.md §1, §2, §9).

Independent of the Rust code: numpy and scipy, textbook formulas, no shared logic.

* Benjamini–Hochberg adjusted p-values, by statsmodels' algorithm (`fdrcorrection`,
  method "indep") re-implemented in numpy: sort, p·m/rank, running minimum from the
  largest rank down, cap at 1, unsort.
* Welch's t-test (mean, sd, n summaries) with scipy.stats.ttest_ind_from_stats(equal_var=False)
  and its CI from scipy.stats.t.ppf at the Welch–Satterthwaite df.
* Student t 97.5 % quantiles from scipy.stats.t.ppf.
* Two-proportion difference (unpooled SE, normal) with scipy.stats.norm.
* Exact false-signal rates of the 3σ and 2σ NPS control charts over 24 stable periods of
  n = 100 when the baseline is the known process, from the trinomial distribution of
  (promoters, detractors); and a Monte Carlo estimate of the EWMA (λ = 0.2, L = 2.86) rate.

Run: target/py-ref/bin/pip install numpy scipy
     target/py-ref/bin/python crates/domain/tests/reference/change_reference.py
"""

from math import lgamma, log

import numpy as np
from scipy import stats


def bh(p):
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="mergesort")
    ranked = p[order] * m / np.arange(1, m + 1)
    adj_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    adj_sorted = np.minimum(adj_sorted, 1.0)
    adj = np.empty(m)
    adj[order] = adj_sorted
    return adj


def print_bh():
    cases = [
        [0.01, 0.04, 0.03, 0.005, 0.2, 0.8, 0.041, 0.039],
        [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
         0.4262, 0.5719, 0.6528, 0.7590, 1.0000],
        [0.9, 0.5, 0.5, 0.02],
    ]
    for p in cases:
        adj = bh(p)
        print("BH p    =", p)
        print("BH adj  =", [f"{a:.10f}" for a in adj])
        print("BH q=.05 discoveries =", [bool(a <= 0.05) for a in adj])


def print_welch():
    cases = [((4.09, 0.996, 100), (3.80, 1.20, 60)), ((72.5, 14.2, 18), (56.5, 9.1, 22))]
    for (m1, s1, n1), (m2, s2, n2) in cases:
        t, p = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
        v1, v2 = s1**2 / n1, s2**2 / n2
        se = np.sqrt(v1 + v2)
        df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
        q = stats.t.ppf(0.975, df)
        d = m1 - m2
        print(
            f"Welch {m1},{s1},{n1} vs {m2},{s2},{n2}: diff {d:.10f} se {se:.10f} t {t:.10f} "
            f"df {df:.10f} p {p:.10f} ci [{d - q * se:.10f}, {d + q * se:.10f}]"
        )


def print_t():
    for df in [1, 2, 5, 10, 29, 99, 199, 1000]:
        print(f"t(0.975, df={df}) = {stats.t.ppf(0.975, df):.10f}")


def print_proportions():
    for (h1, n1), (h2, n2) in [((160, 200), (140, 200)), ((45, 50), (30, 45))]:
        p1, p2 = h1 / n1, h2 / n2
        se = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        z = (p1 - p2) / se
        p = 2 * stats.norm.sf(abs(z))
        zc = stats.norm.ppf(0.975)
        print(
            f"prop {h1}/{n1} vs {h2}/{n2}: diff {100 * (p1 - p2):.10f} se {100 * se:.10f} "
            f"z {z:.10f} p {p:.10f} ci [{100 * (p1 - p2 - zc * se):.10f}, "
            f"{100 * (p1 - p2 + zc * se):.10f}]"
        )


def exact_shewhart(p, d, n=100, periods=24):
    """Exact chance of ≥ 1 point outside c ± L·√(v/n) in `periods` periods, known process."""
    out = []
    lf = [lgamma(i + 1) for i in range(n + 1)]
    c, v = p - d, p + d - (p - d) ** 2
    q = 1 - p - d
    for width in (3, 2):
        alpha = 0.0
        for promoters in range(n + 1):
            for detractors in range(n + 1 - promoters):
                rest = n - promoters - detractors
                lp = lf[n] - lf[promoters] - lf[detractors] - lf[rest]
                lp += promoters * log(p) + detractors * log(d) + rest * log(q)
                if abs((promoters - detractors) / n - c) > width * np.sqrt(v / n):
                    alpha += np.exp(lp)
        out.append(1 - (1 - alpha) ** periods)
    return out


def mc_ewma(p, d, n=100, periods=24, series=400_000, lam=0.2, width=2.86, seed=7):
    rng = np.random.default_rng(seed)
    x = rng.multinomial(n, [p, 1 - p - d, d], size=(series, periods))
    score = (x[..., 0] - x[..., 2]) / n
    c, v = p - d, p + d - (p - d) ** 2
    z = np.full(series, c)
    var = 0.0
    signal = np.zeros(series, bool)
    for t in range(periods):
        z = lam * score[:, t] + (1 - lam) * z
        var = (1 - lam) ** 2 * var + lam**2 * v / n
        signal |= np.abs(z - c) > width * np.sqrt(var)
    return signal.mean()


def print_false_signals():
    # The lattice of (P − D)/n makes the Shewhart rates depend on the process; normal
    # theory gives 1 − (1 − 0.0027)^24 = 6.28 % and 1 − (1 − 0.0455)^24 = 67.3 %.
    for p, d in [(0.44, 0.20), (0.40, 0.25), (1 / 3, 1 / 3)]:
        three, two = exact_shewhart(p, d)
        print(
            f"p={p:.3f} d={d:.3f}: 3σ {100 * three:.2f} %, 2σ {100 * two:.2f} %, "
            f"EWMA (MC) {100 * mc_ewma(p, d):.2f} %"
        )


if __name__ == "__main__":
    print_t()
    print_bh()
    print_welch()
    print_proportions()
    print_false_signals()
