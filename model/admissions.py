"""Emergency admissions of patients 75+ the money is meant to avoid (docs/design.md §4.10–§4.11).

>>> avoided_admissions(np.array([[1000.0], [1000.0]]), 350, 3.5, effect_from_year=1)
array([[ 0.  ],
       [12.25]])
"""

from __future__ import annotations

import numpy as np

from model.money import round_half_up


def avoided_admissions(over75_total: np.ndarray, baseline_per_1000: float | np.ndarray,
                       reduction_pct: float | np.ndarray, effect_from_year: int) -> np.ndarray:
    """§4.10: admissions avoided per year and commissioner, ``x·b/1000·O(t)`` from `effect_from_year`.

    `over75_total` is (T, n). For the Monte Carlo, `baseline_per_1000` and `reduction_pct` may be
    draws (D,) and `over75_total` (T, n) or (D, T, n): the result is then (D, T, n).
    """
    t = np.arange(np.shape(over75_total)[-2])[:, None]
    rate = np.asarray(reduction_pct, dtype=float) / 100.0 * np.asarray(baseline_per_1000, dtype=float) / 1000.0
    return np.where(t >= effect_from_year, rate[..., None, None] * over75_total, 0.0)


def saving_pence(avoided: np.ndarray, cost_per_admission: float | np.ndarray) -> np.ndarray:
    """§4.10: what the avoided admissions save, in whole pence rounded half up per commissioner-year;
    `cost_per_admission` may be draws (D,) for `avoided` (D, T, n).

    >>> saving_pence(np.array([[12.25]]), 2500)
    array([[3062500]])
    """
    return round_half_up(100.0 * avoided * np.asarray(cost_per_admission, dtype=float)[..., None, None])


def break_even_reduction_pct(net_cost: np.ndarray, over75_total: np.ndarray, baseline_per_1000: float,
                             cost_per_admission: float) -> np.ndarray:
    """§4.10: the reduction in admissions (%) whose savings equal the net cost,
    ``100 · net cost / (b/1000 · O · cost per admission)``; 0 when nothing needs paying back, NaN
    when there are no patients aged 75+. The one place this formula lives: the summary (per year),
    ``Results.by_year`` and the sensitivity headline over the horizon all call it.

    >>> break_even_reduction_pct(np.array([87500.0]), np.array([1000.0]), 350, 2500)
    array([10.])
    """
    value_of_all = baseline_per_1000 / 1000.0 * over75_total * cost_per_admission
    pct = 100.0 * np.divide(net_cost, value_of_all, out=np.full(np.shape(net_cost), np.nan),
                            where=value_of_all > 0)
    return np.where(np.asarray(net_cost) <= 0, 0.0, pct)


def admissions_to_break_even(allocation: np.ndarray, cost_per_admission: float) -> np.ndarray:
    """Admissions a practice must avoid for its allocation to pay for itself."""
    return np.asarray(allocation, dtype=float) / cost_per_admission


def unfunded_commitment(allocation: np.ndarray, committed_pct: float) -> np.ndarray:
    """What a practice that turned `committed_pct` of its best earlier allocation into staff is left
    holding: ``max(0, c·max_{τ<t} a(τ) − a(t))``, (T, N) in the units of `allocation`.

    >>> unfunded_commitment(np.array([[100.0], [100.0], [0.0]]), 70)
    array([[ 0.],
           [ 0.],
           [70.]])
    """
    a = np.asarray(allocation, dtype=float)
    best_before = np.vstack([np.zeros((1, a.shape[1])), np.maximum.accumulate(a, axis=0)[:-1]])
    return np.maximum(0.0, committed_pct / 100.0 * best_before - a)
