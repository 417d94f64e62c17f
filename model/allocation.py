"""Sharing a commissioner's pot between its practices (docs/design.md §4.5–§4.6).

Shares blend the bases (list size, patients 75+, weighted list) by the scenario weights. Floors and
caps are applied by finding one scale factor per commissioner-year, so that every practice gets
``clip(factor × share, floor, cap)`` and the allocations still add up to the money available.

:func:`payees` fixes who is paid (practices, or localities pooling theirs) once per run;
:func:`allocate` then turns any money to share out into allocations, and :func:`allocate_pence`
rounds them to whole pence. Protection (:mod:`model.protection`) shares the pot out many times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.money import Groups, largest_remainder, round_half_up

BASES = ("list_size", "over75", "weighted_list")


def shares(bases: dict[str, np.ndarray], weights: dict[str, float], participating: np.ndarray,
           commissioners: Groups, retain: bool) -> np.ndarray:
    """Each practice's share of its commissioner's pot, (T, N), summing to at most 1 per group.

    ``s_i = Σ_b w_b·x_ib / Σ_j x_jb``. With ``redistribute`` the denominators run over participating
    practices only, so their shares add up to 1; with ``retain`` they run over every practice and the
    non-participants' shares (set to 0 here) stay with the commissioner. A basis whose total is 0 in a
    commissioner gives nobody anything (its part of the pot is retained).

    >>> g = Groups(np.array([0, 0]), 1)
    >>> shares({"list_size": np.array([[100., 300.]])}, {"list_size": 1.0}, np.array([True, True]), g, False)
    array([[0.25, 0.75]])
    """
    part = participating.astype(float)[None, :]
    total = None
    for b, w in weights.items():
        if w == 0:
            continue
        x = np.atleast_2d(bases[b]).astype(float)
        counted = x if retain else x * part
        denom = commissioners.take(commissioners.sum(counted))
        s = w * np.divide(x * part, denom, out=np.zeros_like(x), where=denom > 0)
        total = s if total is None else total + s
    if total is None:
        raise ValueError("the distribution weights are all zero")
    return total


@dataclass(frozen=True)
class Payees:
    """Who a commissioner's pot is paid to, and on what terms (docs/design.md §4.5–§4.6); see :func:`payees`.

    Arrays are (T, N) per practice, (T, n) per commissioner, (T, L) or (L,) per locality; money in pence.
    """

    share: np.ndarray                # (T, N) each practice's share of its commissioner's pot
    shared: np.ndarray               # (T, n) Σ share: the part of the pot shared out (the rest is retained)
    commissioners: Groups
    participating: np.ndarray        # (N,) bool
    floor: float                     # per practice
    cap: float | None                # per practice; None: no cap
    localities: Groups | None = None            # set when localities are paid
    locality_commissioners: Groups | None = None
    locality_share: np.ndarray | None = None    # (T, L) Σ share of the locality's practices
    locality_floor: np.ndarray | None = None    # (L,) floor × participating practices
    locality_cap: np.ndarray | None = None      # (L,) cap × participating practices
    locality_paid: np.ndarray | None = None     # (L,) bool: at least one practice takes part
    within: np.ndarray | None = None            # (T, N) each practice's part of its locality's allocation


def payees(share: np.ndarray, commissioners: Groups, participating: np.ndarray, floor_pounds: float,
           cap_pounds: float | None, localities: Groups | None = None,
           locality_commissioners: Groups | None = None) -> Payees:
    """The payees for `share` (T, N), with the floor and cap per practice in £.

    With `localities` (and the commissioner of each locality) the locality is the payee: its share
    is the sum of its practices' shares, it is paid when one of its practices takes part, its floor
    and cap are the per-practice ones times its participating practices, and its allocation is shown
    against its practices in proportion to their shares (equally among its participating practices
    when none of them has a share).
    """
    floor = floor_pounds * 100.0
    cap = None if cap_pounds is None else cap_pounds * 100.0
    common = dict(share=share, shared=commissioners.sum(share), commissioners=commissioners,
                  participating=participating, floor=floor, cap=cap)
    if localities is None:
        return Payees(**common)
    ent = localities
    n_part = ent.sum(participating[None, :].astype(float))[0]
    ent_share = ent.sum(share)
    shape = share.shape
    of_locality = ent.take(ent_share)
    within = np.divide(share, of_locality, out=np.zeros(shape), where=of_locality > 0)
    # A locality whose practices have no share (all lists 0) splits its floor equally.
    n_in = ent.take(n_part[None, :])
    equal = np.divide(participating[None, :].astype(float), n_in, out=np.zeros(shape), where=n_in > 0)
    return Payees(**common, localities=ent, locality_commissioners=locality_commissioners,
                  locality_share=ent_share, locality_floor=floor * n_part,
                  locality_cap=None if cap is None else cap * n_part, locality_paid=n_part > 0,
                  within=np.where(of_locality > 0, within, equal))


def allocate(money: np.ndarray, to: Payees) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Practice allocations (T, N), unrounded, for `money` (T, n) available to each commissioner.

    The commissioner shares out ``money × Σ share`` (the rest is retained) between the payees in
    proportion to their shares, within floor and cap (:func:`fill`); a locality's allocation is then
    split between its practices. Returns the allocations and :func:`fill`'s flags per commissioner.
    """
    available = money * to.shared
    if to.localities is None:
        return fill(to.share, available, to.commissioners, to.participating, to.floor, to.cap)
    by_locality, flags = fill(to.locality_share, available, to.locality_commissioners, to.locality_paid,
                              to.locality_floor, to.locality_cap)
    return to.localities.take(by_locality) * to.within, flags


def allocate_pence(money: np.ndarray, to: Payees) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """:func:`allocate` for `money` (T, n) in whole pence, rounded to whole pence by largest remainder
    within each commissioner-year, to the rounded total of the unrounded allocations (never more than
    the money). Returns int64 allocations (T, N) and the flags."""
    raw, flags = allocate(money.astype(float), to)
    comm = to.commissioners
    return largest_remainder(raw, comm, np.minimum(money, round_half_up(comm.sum(raw)))), flags


def recycled_part(allocation: np.ndarray, pot: np.ndarray, recycled: np.ndarray,
                  commissioners: Groups) -> np.ndarray:
    """The part of each allocation (T, N) that is LES money coming back, in pence: ``allocation × R/pot``
    by largest remainder, at most the allocation (the rest of the allocation is new money)."""
    rate = np.divide(recycled, pot, out=np.zeros(pot.shape), where=pot > 0)
    part = largest_remainder(allocation * commissioners.take(rate), commissioners)
    return np.minimum(part, allocation)


def fill(share: np.ndarray, money: np.ndarray, groups: Groups, eligible: np.ndarray,
         floor: np.ndarray | float = 0.0, cap: np.ndarray | float | None = None,
         iterations: int = 80) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Allocate `money` (T, n) over eligible rows in proportion to `share`, within floor and cap.

    Returns the allocation (T, N) in the units of `money` and flags per group (T, n):
    ``floors_unaffordable`` (floors cost more than the money: floors scaled down pro rata) and
    ``caps_bind_all`` (everyone with a share at the cap, the rest at the floor: the rest of the money is
    left unallocated).

    Without floor or cap this is simply ``money × share / Σ share``. Otherwise it finds the factor λ
    with ``Σ clip(λ·share, floor, cap) = money`` (see ``_solve_factor``), then makes it exact on the
    final set of floored/capped rows.

    >>> g = Groups(np.array([0, 0, 0]), 1)
    >>> a, _ = fill(np.array([[0.1, 0.3, 0.6]]), np.array([[1000.0]]), g, np.array([True] * 3), floor=200.0)
    >>> a.round(2)
    array([[200.  , 266.67, 533.33]])
    """
    share = np.atleast_2d(share) * eligible[None, :]
    money = np.atleast_2d(money).astype(float)
    t, _ = share.shape
    elig = np.broadcast_to(eligible[None, :], share.shape)
    f = np.broadcast_to(np.asarray(floor, dtype=float), share.shape[1:])[None, :] * elig
    c = (np.full(share.shape, np.inf) if cap is None else
         np.where(elig, np.broadcast_to(np.asarray(cap, dtype=float), share.shape[1:])[None, :], 0.0))
    flags = {"floors_unaffordable": np.zeros(money.shape, bool), "caps_bind_all": np.zeros(money.shape, bool)}
    ssum = groups.sum(share)
    if not np.any(f > 0) and cap is None:
        return share * groups.take(np.divide(money, ssum, out=np.zeros_like(money), where=ssum > 0)), flags

    # A row with no share stays at its floor however much money there is, so "everyone at the cap"
    # means every row with a share at its cap and the others at their floors (continuous in money).
    has_share = elig & (share > 0)
    at_most = np.where(has_share, c, f)
    fsum, csum = groups.sum(f), groups.sum(np.where(np.isinf(at_most), 0.0, at_most))
    has_inf_cap = groups.sum(np.isinf(at_most) & elig) > 0
    flags["floors_unaffordable"] = (fsum >= money) & (fsum > 0)
    flags["caps_bind_all"] = (cap is not None) & ~has_inf_cap & (csum <= money) & (groups.sum(has_share) > 0)

    with np.errstate(divide="ignore", invalid="ignore"):
        ceiling = np.where(share > 0, np.where(np.isinf(c), (f + groups.take(money)) / share, c / share), 0.0)
    lam = groups.take(_solve_factor(share, money, groups, elig, f, c, groups.max(ceiling) + 1.0, iterations))
    floored = lam * share <= f
    capped = (lam * share >= c) & ~floored
    free = elig & ~floored & ~capped
    fixed = groups.sum(np.where(floored, f, 0.0) + np.where(capped, c, 0.0))
    free_share = groups.sum(np.where(free, share, 0.0))
    exact = np.divide(money - fixed, free_share, out=np.zeros_like(money), where=free_share > 0)
    lam = np.where(groups.take(free_share > 0), groups.take(exact), lam)
    alloc = np.where(elig, np.clip(lam * share, f, c), 0.0)

    pro_rata_floor = f * groups.take(np.divide(money, fsum, out=np.zeros_like(money), where=fsum > 0))
    alloc = np.where(groups.take(flags["floors_unaffordable"]), pro_rata_floor, alloc)
    alloc = np.where(groups.take(flags["caps_bind_all"]), np.where(elig, at_most, 0.0), alloc)
    return alloc, flags


def _solve_factor(share: np.ndarray, money: np.ndarray, groups: Groups, elig: np.ndarray, f: np.ndarray,
                  c: np.ndarray, hi: np.ndarray, iterations: int) -> np.ndarray:
    """λ (T, n) with ``g(λ) = Σ clip(λ·share, f, c) = money`` in each group, given g(hi) ≥ money.

    g is piecewise linear and non-decreasing, so a Newton step from λ, taking the rows that are
    neither floored nor capped at λ as free, lands on the root as soon as λ is on the root's linear
    piece: usually within a handful of steps. As in Numerical Recipes' ``rtsafe``, a Newton step is
    taken only if it stays inside the bracket [lo, hi] the evaluations so far establish and is at most
    half the step before last; otherwise the bracket is halved. So it never needs many more steps than
    plain bisection, and on real lists needs far fewer.
    """
    lo = np.zeros_like(money)
    ssum = groups.sum(np.where(elig, share, 0.0))
    lam = np.clip(np.divide(money, ssum, out=hi.copy(), where=ssum > 0), lo, hi)  # the answer with no floor or cap
    tol = 1e-12 * np.maximum(np.abs(money), 1.0)
    step = dx_before = hi - lo
    active = np.ones(money.shape, bool)
    for _ in range(2 * iterations):
        scaled = groups.take(lam) * share
        a = np.clip(scaled, f, c)
        got = groups.sum(a)
        active &= np.abs(got - money) > tol
        if not active.any():
            break
        below = got < money
        lo = np.where(active & below, lam, lo)
        hi = np.where(active & ~below, lam, hi)
        free = elig & (scaled > f) & (scaled < c)
        free_share = groups.sum(np.where(free, share, 0.0))
        fixed = got - groups.sum(np.where(free, a, 0.0))
        newton = np.divide(money - fixed, free_share, out=np.full_like(money, np.nan), where=free_share > 0)
        use = (newton > lo) & (newton < hi) & (2 * np.abs(newton - lam) <= dx_before)
        nxt = np.where(use, newton, (lo + hi) / 2)
        dx_before, step = step, np.abs(nxt - lam)
        active &= (nxt > lo) & (nxt < hi)  # the bracket cannot be split any further
        lam = np.where(active, nxt, lam)
    return lam
