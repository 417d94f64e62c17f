"""Emergency admissions of patients 75+ the money is meant to avoid (DESIGN §4 steps 10–11).

>>> avoided_admissions(np.array([[1000.0], [1000.0]]), 350, 3.5, effect_from_year=1)
array([[ 0.  ],
       [12.25]])
"""

from __future__ import annotations

import numpy as np


def avoided_admissions(over75_total: np.ndarray, baseline_per_1000: float, reduction_pct: float,
                       effect_from_year: int) -> np.ndarray:
    """Admissions avoided per year and commissioner: ``x·b/1000·O(t)`` from `effect_from_year`."""
    t = np.arange(over75_total.shape[0])[:, None]
    return np.where(t >= effect_from_year,
                    reduction_pct / 100.0 * baseline_per_1000 / 1000.0 * over75_total, 0.0)


def break_even_reduction_pct(net_cost: np.ndarray, over75_total: np.ndarray, baseline_per_1000: float,
                             cost_per_admission: float) -> np.ndarray:
    """Reduction in admissions (%) whose savings equal the net cost; 0 when nothing needs paying back.

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
