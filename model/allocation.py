"""Sharing a commissioner's pot between its practices (docs/design.md §4.5–§4.6).

Shares blend the bases (list size, patients 75+, weighted list) by the scenario weights. Floors and
caps are applied by finding one scale factor per commissioner-year, so that every practice gets
``clip(factor × share, floor, cap)`` and the allocations still add up to the money available.

:func:`payees` fixes who is paid (practices, or localities pooling theirs) once per run;
:func:`allocate` then turns any money to share out into allocations, and :func:`allocate_pence`
rounds them to whole pence. Protection (:mod:`model.protection`) shares the pot out many times.
"""

from __future__ import annotations

import dataclasses
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

    def rows(self, index: np.ndarray) -> Payees:
        """The same payees for some rows only (a floor or cap given per row is taken for those rows too):
        the top-slice solve re-shares only the rows still moving (:func:`model.protection.solve_topslice`)."""
        def pick(x):
            return x if x is None or np.ndim(x) < 2 else x[index]
        return dataclasses.replace(
            self, share=self.share[index], shared=self.shared[index], floor=pick(self.floor), cap=pick(self.cap),
            locality_share=pick(self.locality_share), locality_floor=pick(self.locality_floor),
            locality_cap=pick(self.locality_cap), within=pick(self.within))


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

    `floor` and `cap` are one number, one per payee (N,), or one per row of `share` ((T, 1) or (T, N):
    the options explorer stacks options × years as rows, each option with its own floor and cap).

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
    flags = {"floors_unaffordable": np.zeros(money.shape, bool), "caps_bind_all": np.zeros(money.shape, bool)}
    ssum = groups.sum(share)
    elig = np.broadcast_to(eligible[None, :], share.shape)
    # Without a cap, and no floor on an eligible row: in proportion to the shares (the floors and caps
    # below are only built when needed, since the options explorer shares many pots out at once).
    f = None if cap is None and not np.any(np.asarray(floor) > 0) else _by_row(floor, share.shape) * elig
    if cap is None and (f is None or not np.any(f > 0)):
        return share * groups.take(np.divide(money, ssum, out=np.zeros_like(money), where=ssum > 0)), flags
    c = np.full(share.shape, np.inf) if cap is None else np.where(elig, _by_row(cap, share.shape), 0.0)

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
    # Groups whose floors cost the money or whose caps all bind have no λ: they are settled below, not solved.
    no_factor = flags["floors_unaffordable"] | flags["caps_bind_all"]
    lam = groups.take(_solve_factor(share, money, groups, elig, f, c, groups.max(ceiling) + 1.0, iterations,
                                    skip=no_factor))
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


def _by_row(x: np.ndarray | float, shape: tuple[int, int]) -> np.ndarray:
    """A floor or cap as given — one number, one per payee (N,), or one per row (R, 1) or (R, N), as the
    options explorer gives them (:mod:`model.analysis.explore`) — broadcast to the rows (R, N).

    >>> _by_row(np.array([[1.0], [2.0]]), (2, 3)).tolist(), _by_row(5.0, (1, 2)).tolist()
    ([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]], [[5.0, 5.0]])
    """
    x = np.asarray(x, dtype=float)
    return np.broadcast_to(x, shape) if x.ndim == 2 else np.broadcast_to(x, shape[1:])[None, :]


def _solve_factor(share: np.ndarray, money: np.ndarray, groups: Groups, elig: np.ndarray, f: np.ndarray,
                  c: np.ndarray, hi: np.ndarray, iterations: int, skip: np.ndarray | None = None) -> np.ndarray:
    """λ (T, n) with ``g(λ) = Σ clip(λ·share, f, c) = money`` in each group, given g(hi) ≥ money.

    g is piecewise linear and non-decreasing, so a Newton step from λ, taking the rows that are
    neither floored nor capped at λ as free, lands on the root as soon as λ is on the root's linear
    piece: usually within a handful of steps. As in Numerical Recipes' ``rtsafe``, a Newton step is
    taken only if it stays inside the bracket [lo, hi] the evaluations so far establish and is at most
    half the step before last; otherwise the bracket is halved. So it never needs many more steps than
    plain bisection, and on real lists needs far fewer. Groups in `skip` (T, n) are left at the first guess.
    """
    lo = np.zeros_like(money)
    ssum = groups.sum(np.where(elig, share, 0.0))
    lam = np.clip(np.divide(money, ssum, out=hi.copy(), where=ssum > 0), lo, hi)  # the answer with no floor or cap
    tol = 1e-12 * np.maximum(np.abs(money), 1.0)
    hi = hi.copy()
    step = hi - lo
    dx_before = step.copy()
    active = np.ones(money.shape, bool) if skip is None else ~np.asarray(skip, bool)
    everything = np.arange(money.shape[0])
    for _ in range(2 * iterations):
        # Every row (a year; an option's year in the options explorer) is solved on its own: once fewer than
        # half the rows are still moving, only those are worked on (the settled ones would not change).
        rows = np.flatnonzero(active.any(axis=1))
        if not rows.size:
            break
        if 2 * rows.size >= len(everything):
            rows = everything
        r_share, r_f, r_c, r_money, r_lam = share[rows], f[rows], c[rows], money[rows], lam[rows]
        scaled = groups.take(r_lam) * r_share
        a = np.clip(scaled, r_f, r_c)
        got = groups.sum(a)
        r_active = active[rows] & (np.abs(got - r_money) > tol[rows])
        active[rows] = r_active
        if not active.any():
            break
        r_lo, r_hi = lo[rows], hi[rows]
        below = got < r_money
        r_lo = np.where(r_active & below, r_lam, r_lo)
        r_hi = np.where(r_active & ~below, r_lam, r_hi)
        free = elig[rows] & (scaled > r_f) & (scaled < r_c)
        free_share = groups.sum(np.where(free, r_share, 0.0))
        fixed = got - groups.sum(np.where(free, a, 0.0))
        newton = np.divide(r_money - fixed, free_share, out=np.full_like(r_money, np.nan), where=free_share > 0)
        use = (newton > r_lo) & (newton < r_hi) & (2 * np.abs(newton - r_lam) <= dx_before[rows])
        nxt = np.where(use, newton, (r_lo + r_hi) / 2)
        dx_before[rows], step[rows] = step[rows], np.abs(nxt - r_lam)
        r_active &= (nxt > r_lo) & (nxt < r_hi)  # the bracket cannot be split any further
        active[rows], lo[rows], hi[rows] = r_active, r_lo, r_hi
        lam[rows] = np.where(r_active, nxt, r_lam)
    return lam
