"""Transitional protection for practices that lose LES income (DESIGN §4 step 7).

A practice may bear at most ``max_loss_pct(t)`` of its LES loss, after its new allocation has
offset it: protection ``π = max(0, ℓ − a − m)`` with ``m = max_loss_pct(t)·ℓ``.

When protection is top-sliced from the pot, the top-slice T shrinks the allocations, which raises
protection: the solution is the smallest T with ``Σπ(a(P − T)) ≤ T``. The excess
``Σπ(T) − T`` never increases with T (each £ of top-slice raises protection by at most £1), so
bisection finds it. If even a top-slice of the whole pot cannot pay for protection, the pot is all
top-sliced, nobody gets an allocation and protection is scaled down pro rata (flagged).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .money import Groups


def protection_needed(loss: np.ndarray, allocation: np.ndarray, allowed_share: np.ndarray) -> np.ndarray:
    """π = max(0, ℓ − a − m), m = allowed share of the loss; arrays (T, N), shares (T,).

    >>> protection_needed(np.array([[1000.0]]), np.array([[200.0]]), np.array([0.5]))
    array([[300.]])
    """
    allowed = np.asarray(allowed_share, dtype=float)[:, None] * loss
    return np.maximum(0.0, loss - allocation - allowed)


def solve_topslice(pot: np.ndarray, loss: np.ndarray, allowed_share: np.ndarray,
                   allocate: Callable[[np.ndarray], np.ndarray], groups: Groups,
                   tolerance: float = 0.1, max_iterations: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """Smallest top-slice (T, n) per group that pays for the protection it causes, in pot units.

    `allocate(money)` returns allocations (T, N) for `money` (T, n) available to share out.
    Returns (topslice, over_pot) where over_pot flags groups whose protection needs more than the
    whole pot (topslice = pot there). Tolerance is in the pot's units (pence: 0.1 = a tenth of a penny).
    """
    def excess(t: np.ndarray) -> np.ndarray:
        return groups.sum(protection_needed(loss, allocate(pot - t), allowed_share)) - t

    # Excess below a millionth of the unit is float noise: where every practice is protected the
    # excess is exactly 0 for every larger T, and noise must not push the answer past the smallest root.
    eps = 1e-6
    need0 = excess(np.zeros_like(pot))  # = Σπ at T = 0, a lower bound on the answer
    todo = need0 > eps
    over = todo & (excess(pot.astype(float)) > eps)
    lo = np.where(todo & ~over, np.minimum(need0, pot), 0.0)
    hi = np.where(excess(lo) > eps, pot.astype(float), lo)
    for _ in range(max_iterations):
        active = todo & ~over & ((hi - lo) > tolerance)
        if not active.any():
            break
        mid = (lo + hi) / 2
        e = excess(mid)
        lo = np.where(active & (e > eps), mid, lo)
        hi = np.where(active & (e <= eps), mid, hi)
    topslice = np.where(over, pot, np.where(todo, hi, 0.0))
    return topslice, over & todo
