"""Transitional protection for practices that lose LES income (docs/design.md §4.7).

A practice may bear at most ``max_loss_pct(t)`` of its LES loss, after its new allocation has
offset it: protection ``π = max(0, ℓ − a − m)`` with ``m = max_loss_pct(t)·ℓ``.

When protection is top-sliced from the pot, the top-slice T shrinks the allocations, which raises
protection: the solution is the smallest T with ``Σπ(a(P − T)) ≤ T``. The excess
``Σπ(T) − T`` never increases with T (each £ of top-slice raises protection by at most £1), so
bisection finds it. If even a top-slice of the whole pot cannot pay for protection, the pot is all
top-sliced, nobody gets an allocation and protection is scaled down pro rata (flagged).

:func:`settle` is the whole step: it shares the pot out (:mod:`model.allocation`), solves the
top-slice, settles the pennies rounding leaves over and scales protection down when it needs more
than the pot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from model.allocation import Payees, allocate, allocate_pence
from model.money import Groups, largest_remainder, round_half_up


@dataclass(frozen=True)
class Settled:
    """The pot shared out and protection paid (docs/design.md §4.6–§4.7); all money in int64 pence."""

    allocation: np.ndarray          # (T, N)
    protection: np.ndarray          # (T, N)
    topslice: np.ndarray            # (T, n) protection paid from the pot (0 when the commissioner pays)
    from_commissioner: np.ndarray   # (T, n) protection paid by the commissioner on top of the pot
    retained: np.ndarray            # (T, n) pot not paid to practices
    over_pot: np.ndarray            # (T, n) bool: protection needed more than the whole pot
    flags: dict[str, np.ndarray]    # the allocation's flags (see model.allocation.fill)


def settle(pot: np.ndarray, loss: np.ndarray, allowed_share: np.ndarray, to: Payees,
           funded_from: str) -> Settled:
    """Share `pot` (T, n) out to the payees and protect the practices losing LES (`loss`, (T, N)), in pence.

    Paid by the commissioner, protection comes on top of the pot. Top-sliced from the pot
    (`funded_from` "pot"), the top-slice is solved (:func:`solve_topslice`) and rounded half up; since
    each practice's protection is rounded to the penny on its own (so a practice allowed to lose
    nothing loses nothing) and allocations by largest remainder, protection can come out a few pence
    above the top-slice: the top-slice is raised by those pence and the pot shared out again (up to
    five times). Protection needing more than the whole pot (or a top-slice that did not settle) is
    scaled down pro rata to what was top-sliced. The top-slice reported is the protection paid.
    """
    comm = to.commissioners
    loss_f = loss.astype(float)

    def share_out(top: np.ndarray):
        """Allocations for the pot less a top-slice, and the protection they leave needed (unrounded)."""
        to_share = pot - top
        allocation, flags = allocate_pence(to_share, to)
        return to_share, allocation, flags, protection_needed(loss_f, allocation.astype(float), allowed_share)

    topslice = np.zeros(pot.shape, dtype=np.int64)
    over_pot = np.zeros(pot.shape, bool)
    if funded_from == "pot" and loss.any() and (allowed_share < 1).any():
        t_raw, over_pot = solve_topslice(pot.astype(float), loss_f, allowed_share,
                                         lambda money: allocate(money, to)[0], comm,
                                         subset=lambda rows: (lambda money: allocate(money, to.rows(rows))[0]))
        topslice = np.minimum(pot, round_half_up(t_raw))
    to_share, allocation, flags, p_raw = share_out(topslice)
    protection = round_half_up(p_raw)
    if funded_from != "pot":
        return Settled(allocation, protection, topslice, comm.isum(protection),
                       to_share - comm.isum(allocation), over_pot, flags)

    for _ in range(5):
        short = (comm.isum(protection) > topslice) & ~over_pot & (topslice < pot)
        if not short.any():
            break
        topslice = np.where(short, np.minimum(pot, comm.isum(protection)), topslice)
        # Only the rows (years; an option's years in the explorer) with a short group are shared out again:
        # every row is settled on its own, so the others would come out the same.
        rows = np.flatnonzero(short.any(axis=1))
        part = to.rows(rows)
        to_share[rows] = pot[rows] - topslice[rows]
        allocation[rows], part_flags = allocate_pence(to_share[rows], part)
        for k, v in part_flags.items():
            flags[k][rows] = v
        p_raw[rows] = protection_needed(loss_f[rows], allocation[rows].astype(float), allowed_share[rows])
        protection[rows] = round_half_up(p_raw[rows])
    need = comm.sum(p_raw)
    scale = comm.isum(protection) > topslice
    rows = np.flatnonzero(scale.any(axis=1))
    if rows.size:   # protection scaled down to what was top-sliced, in the rows that need it
        r_need, r_top = need[rows], topslice[rows]
        scaled = largest_remainder(p_raw[rows] * comm.take(np.divide(r_top, r_need, out=np.zeros(r_need.shape),
                                                                     where=r_need > 0)), comm, r_top)
        protection[rows] = np.where(comm.take(scale[rows]), scaled, protection[rows])
    paid = comm.isum(protection)
    retained = to_share - comm.isum(allocation) + (topslice - paid)
    return Settled(allocation, protection, paid, np.zeros(pot.shape, dtype=np.int64), retained, over_pot, flags)


def protection_needed(loss: np.ndarray, allocation: np.ndarray, allowed_share: np.ndarray) -> np.ndarray:
    """π = max(0, ℓ − a − m), m = allowed share of the loss; arrays (T, N), shares (T,).

    >>> protection_needed(np.array([[1000.0]]), np.array([[200.0]]), np.array([0.5]))
    array([[300.]])
    """
    allowed = np.asarray(allowed_share, dtype=float)[:, None] * loss
    return np.maximum(0.0, loss - allocation - allowed)


def solve_topslice(pot: np.ndarray, loss: np.ndarray, allowed_share: np.ndarray,
                   allocate: Callable[[np.ndarray], np.ndarray], groups: Groups,
                   tolerance: float = 0.1, max_iterations: int = 80,
                   subset: Callable[[np.ndarray], Callable[[np.ndarray], np.ndarray]] | None = None,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Smallest top-slice (T, n) per group that pays for the protection it causes, in pot units.

    `allocate(money)` returns allocations (T, N) for `money` (T, n) available to share out.
    Returns (topslice, over_pot) where over_pot flags groups whose protection needs more than the
    whole pot (topslice = pot there). Tolerance is in the pot's units (pence: 0.1 = a tenth of a penny).

    Every row (a year; for the options explorer an option's year) is solved on its own. With
    `subset(rows)` (an `allocate` for those rows only), a step where fewer than half of the rows are
    still moving shares out only those rows: the answer is the same, and the explorer's thousands of
    options, most of them settled after a few steps, are solved several times faster.
    """
    def full(t: np.ndarray) -> np.ndarray:
        return groups.sum(protection_needed(loss, allocate(pot - t), allowed_share)) - t

    def excess(t: np.ndarray, needed: np.ndarray | None = None) -> np.ndarray:
        """Σπ(t) − t; only rows with a group `needed` are worked out when few are (0 elsewhere)."""
        if needed is None or subset is None:
            return full(t)
        rows = np.flatnonzero(needed.any(axis=1))
        if 2 * rows.size >= needed.shape[0]:
            return full(t)
        out = np.zeros_like(t)
        if rows.size:
            part = t[rows]
            out[rows] = groups.sum(protection_needed(loss[rows], subset(rows)(pot[rows] - part),
                                                     np.asarray(allowed_share)[rows])) - part
        return out

    # Excess below a millionth of the unit is float noise: where every practice is protected the
    # excess is exactly 0 for every larger T, and noise must not push the answer past the smallest root.
    eps = 1e-6
    zero = np.zeros_like(pot, dtype=float)
    need0 = excess(zero)  # = Σπ at T = 0, a lower bound on the answer
    todo = need0 > eps
    over = todo & (excess(pot.astype(float), todo) > eps)
    lo = np.where(todo & ~over, np.minimum(need0, pot), 0.0)
    e_lo = excess(lo, todo & ~over)
    hi = np.where(e_lo > eps, pot.astype(float), lo)
    # Two points left of the root (excess > eps) give a secant; (0, need0) is the first of them.
    x_a, e_a = zero, need0
    step = dx_before = hi - lo
    for _ in range(2 * max_iterations):
        active = todo & ~over & ((hi - lo) > tolerance)
        if not active.any():
            break
        nxt = _next_point(lo, e_lo, hi, x_a, e_a, dx_before, tolerance)
        dx_before, step = step, np.abs(nxt - lo)
        e = excess(np.where(active, nxt, lo), active)
        left = active & (e > eps)
        x_a, e_a = np.where(left, lo, x_a), np.where(left, e_lo, e_a)
        lo, e_lo = np.where(left, nxt, lo), np.where(left, e, e_lo)
        hi = np.where(active & ~left, nxt, hi)
    topslice = np.where(over, pot, np.where(todo, hi, 0.0))
    return topslice, over & todo


def _next_point(lo, e_lo, hi, x_a, e_a, dx_before, tolerance):
    """Where to evaluate the excess next, inside the bracket (lo, hi).

    The excess is piecewise linear, non-increasing and, when allocations are proportional to the
    money, convex: then the secant through the two latest points left of the root meets zero at or
    before the root, and lands on it exactly once both points are on the root's linear piece. When
    the secant points within the tolerance of hi, the point just left of hi is tried, which settles
    the bracket. Otherwise (the secant points past hi, which a convex excess never does, or is not
    shrinking fast enough: a step more than half the one before last, as in Numerical Recipes'
    ``rtsafe``) the bracket is halved, so the search is never much slower than bisection.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (e_lo - e_a) / (lo - x_a)
        secant = np.where(slope < 0, lo - e_lo / slope, np.nan)
    probe = hi - tolerance / 2
    probing = (secant >= probe) & (secant <= hi)
    nxt = np.where(probing, probe, secant)
    ok = (nxt > lo) & (nxt < hi) & (probing | (2 * np.abs(nxt - lo) <= dx_before))
    return np.where(ok, nxt, (lo + hi) / 2)
