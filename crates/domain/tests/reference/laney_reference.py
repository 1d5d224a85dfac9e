#!/usr/bin/env python3
"""Reference values for Laney's p′ chart in `crates/domain/src/change.rs` (methods.md §9).

Pure Python (no numpy needed), written from the formulas in methods.md §9 and Laney (2002),
sharing no code with the Rust implementation:

* pooled centre p̄ = Σhits/Σn (NPS: c = (ΣP − ΣD)/Σn, v = p̄ + d̄ − c²);
* σₜ = √(p̄(1 − p̄)/nₜ) (NPS: √(v/nₜ)); zₜ = (pₜ − p̄)/σₜ;
* σ_z = mean |zₜ − zₜ₋₁| / 1.128;
* p′ limits p̄ ± 3·σₜ·σ_z (when σ_z > 1), ordinary limits p̄ ± 3·σₜ;
* EWMA (λ = 0.2, L = 2.86): Eₜ = λxₜ + (1 − λ)Eₜ₋₁, E₀ = p̄,
  Vₜ = (1 − λ)²Vₜ₋₁ + λ²·σ_z²·σₜ², V₀ = 0, limits p̄ ± L·√Vₜ.

Run: python3 crates/domain/tests/reference/laney_reference.py
"""

from math import sqrt

LAM, L, D2 = 0.2, 2.86, 1.128


def chart(name, xs, ns, centre, var):
    """xs: per-period values on the unit scale, ns: sizes; centre and per-respondent var."""
    sig = [sqrt(var / n) for n in ns]
    z = [(x - centre) / s for x, s in zip(xs, sig)]
    mr = [abs(b - a) for a, b in zip(z, z[1:])]
    sz = sum(mr) / len(mr) / D2
    print(f"{name}: centre {100 * centre:.10f}  v {var:.10f}")
    print("  z  ", ", ".join(f"{v:.10f}" for v in z))
    print("  MR ", ", ".join(f"{v:.10f}" for v in mr))
    print(f"  mean MR {sum(mr) / len(mr):.10f}  sigma_z {sz:.10f}")
    for widen, label in ((1.0, "p"), (sz, "p'")):
        e, v = centre, 0.0
        for t, (x, n, s) in enumerate(zip(xs, ns, sig)):
            half = 3 * widen * s
            lo, hi = centre - half, centre + half
            e = LAM * x + (1 - LAM) * e
            v = (1 - LAM) ** 2 * v + LAM**2 * widen**2 * s**2
            elo, ehi = centre - L * sqrt(v), centre + L * sqrt(v)
            print(
                f"  {label:2} t={t + 1} x {100 * x:.6f} limits [{100 * lo:.6f}, {100 * hi:.6f}]"
                f" {'SIGNAL' if not lo <= x <= hi else '      '}"
                f"  ewma {100 * e:.6f} [{100 * elo:.6f}, {100 * ehi:.6f}]"
                f" {'SIGNAL' if not elo <= e <= ehi else ''}"
            )


# Proportions (e.g. CSAT top-2-box), eight months of ~3,600 answers.
hits = [2880, 2812, 2928, 2893, 2780, 3005, 2797, 3013]
ns = [3600, 3450, 3720, 3580, 3510, 3660, 3590, 3630]
pbar = sum(hits) / sum(ns)
chart("proportion", [h / n for h, n in zip(hits, ns)], ns, pbar, pbar * (1 - pbar))

# NPS: (promoters, passives, detractors) per month.
months = [(1700, 1200, 700), (1580, 1250, 770), (1790, 1150, 660),
          (1650, 1230, 720), (1540, 1300, 760), (1760, 1190, 650)]
P = sum(m[0] for m in months)
D = sum(m[2] for m in months)
N = sum(sum(m) for m in months)
c = (P - D) / N
v = P / N + D / N - c * c
chart("nps", [(m[0] - m[2]) / sum(m) for m in months], [sum(m) for m in months], c, v)

# Small subgroups: n = 100, binomial-like spread, so sigma_z <= 1 gives the ordinary chart.
hits = [80, 78, 82, 79, 81, 80]
ns = [100] * 6
pbar = sum(hits) / sum(ns)
chart("small", [h / n for h, n in zip(hits, ns)], ns, pbar, pbar * (1 - pbar))
