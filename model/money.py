"""Money in whole pence, and grouped sums over practices.

Every £ figure a practice sees is held as an int64 number of pence, so that practice rows add
up exactly to commissioner totals. Rounding to pence uses the largest-remainder method within a
group (a commissioner or locality in one year): the group total is rounded once, half up, and
the pennies left over go to the rows with the largest fractional parts (ties: first row first).

>>> largest_remainder(np.array([[33.4, 33.3, 33.3]]), Groups(np.array([0, 0, 0]), 1))
array([[34, 33, 33]])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def round_half_up(x: np.ndarray | float) -> np.ndarray:
    """Round to whole units, halves away from zero (the way a finance lead rounds, not banker's).

    A tiny tolerance absorbs binary noise such as 0.285*100 = 28.499999999999996 (see ``noise``).
    """
    x = np.asarray(x, dtype=float)
    a = np.abs(x)
    return (np.sign(x) * np.floor(a + 0.5 + noise(a))).astype(np.int64)


def noise(x: np.ndarray | float) -> np.ndarray | float:
    """How far below a whole number or a half a computed amount may fall and still count as on it:
    a billionth of a unit, plus 1e-13 of the amount (a few hundred units in the last place, since
    £30m in pence carries binary noise of ~1e-6 p, and two correct ways of summing disagree by that)."""
    return 1e-9 + 1e-13 * np.abs(x)


IDENTITY_TERMS: tuple[tuple[str, int], ...] = (
    ("pot", 1), ("protection_from_commissioner", 1), ("les_savings", -1), ("les_gained", 1))
"""The money identity's right-hand side as (summary column, sign), docs/design.md §4.9. The engine's
check, the workbook's live check formula and the app's waterfall chart all read it from here."""


def money_identity(pot: np.ndarray, protection_from_commissioner: np.ndarray, les_savings: np.ndarray,
                   les_gained: np.ndarray) -> np.ndarray:
    """The money identity's right-hand side (docs/design.md §4.9), per commissioner-year, in pence:
    pot + protection paid by the commissioner − LES savings + LES gained (:data:`IDENTITY_TERMS`).

    Σ practice net change + retained must equal it (a top-slice from the pot moves money inside the
    pot and cancels out), so it is also the commissioner's net cost; the engine checks it on every run
    (``identity_expected``) and the Monte Carlo's closed form computes net cost with it.

    >>> money_identity(np.array([1000]), np.array([50]), np.array([300]), np.array([20]))
    array([770])
    """
    values = {"pot": pot, "protection_from_commissioner": protection_from_commissioner,
              "les_savings": les_savings, "les_gained": les_gained}
    (first, sign0), *rest = IDENTITY_TERMS
    out = sign0 * values[first]
    for key, sign in rest:
        out = out + sign * values[key]
    return out


def to_pence(pounds: np.ndarray | float) -> np.ndarray:
    """£ (float) to whole pence (int64), half up: 12.345 -> 1235."""
    return round_half_up(np.asarray(pounds, dtype=float) * 100.0)


def to_pounds(pence: np.ndarray) -> np.ndarray:
    """Whole pence to £ (float with at most 2 decimals)."""
    return np.asarray(pence, dtype=np.int64) / 100.0


@dataclass(frozen=True, eq=False)
class Groups:
    """Practices grouped into `n` groups (commissioners, localities…) by integer id, per year.

    Arrays of practice values have shape (years, practices); group values (years, n). When the ids
    are sorted (practices are sorted by commissioner), sums are segment sums (``np.add.reduceat``)
    and broadcasts are ``np.repeat``: several times faster than scattering with ``np.bincount``.
    Integer sums (pence) are done in int64, so they are exact.
    """

    ids: np.ndarray  # (N,) int group id of each practice
    n: int
    counts: np.ndarray = field(init=False, repr=False)
    _starts: np.ndarray | None = field(init=False, repr=False)   # segment starts of non-empty groups
    _filled: np.ndarray | None = field(init=False, repr=False)   # ids of non-empty groups, if some are empty
    _order: np.ndarray | None = field(init=False, repr=False)    # stable sort of ids, when not sorted

    def __post_init__(self) -> None:
        ids = np.asarray(self.ids, dtype=np.int64)
        counts = np.bincount(ids, minlength=self.n)
        is_sorted = bool(ids.size == 0 or np.all(ids[1:] >= ids[:-1]))
        filled = np.flatnonzero(counts)
        starts = np.concatenate([[0], np.cumsum(counts[filled])[:-1]]).astype(np.intp)
        for name, value in (("ids", ids), ("counts", counts), ("_starts", starts),
                            ("_filled", None if filled.size == self.n else filled),
                            ("_order", None if is_sorted else np.argsort(ids, kind="stable"))):
            object.__setattr__(self, name, value)

    def _segments(self, x: np.ndarray, ufunc: np.ufunc, empty: float | int) -> np.ndarray:
        """Apply `ufunc`.reduceat over each group's practices: (T, N) -> (T, n); `empty` where none."""
        x = np.atleast_2d(x)
        if self._order is not None:
            x = np.take(x, self._order, axis=1)  # several times faster than x[:, order]
        if x.shape[1] == 0:
            return np.full((x.shape[0], self.n), empty, dtype=x.dtype)
        seg = ufunc.reduceat(x, self._starts, axis=1)
        if self._filled is None:
            return seg
        out = np.full((x.shape[0], self.n), empty, dtype=seg.dtype)
        out[:, self._filled] = seg
        return out

    def sum(self, x: np.ndarray) -> np.ndarray:
        """Group totals per year: (T, N) -> (T, n) float."""
        return self._segments(np.asarray(x, dtype=float), np.add, 0.0)

    def isum(self, x: np.ndarray) -> np.ndarray:
        """Exact integer group totals (pence): (T, N) int -> (T, n) int64 (floats: the rounded float total)."""
        x = np.asarray(x)
        if x.dtype.kind in "biu":
            return self._segments(x.astype(np.int64, copy=False), np.add, 0)
        return np.rint(self.sum(x)).astype(np.int64)

    def take(self, g: np.ndarray) -> np.ndarray:
        """Broadcast group values back to practices: (T, n) -> (T, N)."""
        g = np.asarray(g)
        if self._order is None:
            return np.repeat(g, self.counts, axis=-1)
        return np.take(g, self.ids, axis=-1)

    def max(self, x: np.ndarray, initial: float = 0.0) -> np.ndarray:
        """Group maxima per year, at least `initial`: (T, N) -> (T, n)."""
        seg = self._segments(np.asarray(x, dtype=float), np.maximum, initial)
        return np.maximum(seg, initial)


REMAINDER_STEPS = 1e6
"""Remainders are compared in millionths of a penny: closer than that they are tied."""
_GROUP_SHIFT = 1 << 24


def largest_remainder(raw_pence: np.ndarray, groups: Groups, target: np.ndarray | None = None) -> np.ndarray:
    """Round non-negative amounts in pence (T, N) to whole pence so each group adds up to `target`.

    `target` (T, n) int defaults to each group's raw total rounded half up. The shortfall left by
    rounding every row down is handed out one penny at a time to the rows with the largest
    remainders (compared to a millionth of a penny); ties go to the earlier row, so the result is
    deterministic.
    """
    raw = np.atleast_2d(np.asarray(raw_pence, dtype=float))
    floor = np.floor(raw + noise(raw))
    rem = raw - floor
    base = floor.astype(np.int64)
    if target is None:
        target = round_half_up(groups.sum(raw))
    deficit = np.asarray(target, dtype=np.int64) - groups.isum(base)
    if not deficit.any():
        return base
    n = raw.shape[1]
    ids = np.broadcast_to(groups.ids, raw.shape)
    # Remainders within a millionth of a penny of each other are a tie (binary noise: 313.4971…
    # and 1,563.4971… can be the same fraction computed two ways), so the earlier row gets the penny.
    rem_key = np.floor(rem * REMAINDER_STEPS + 0.5)
    # Sort by group, then largest remainder, then position: one int64 key, the group in the high bits and
    # the remainder (negated) in the low 24 (remainder keys span under 2^21), sorted stably — the order
    # lexsort would give, ~2x faster than the complex key used before and ~8x faster than np.lexsort.
    order = np.argsort(ids * _GROUP_SHIFT - rem_key.astype(np.int64), axis=-1, kind="stable")
    # In that order every row holds group 0's rows, then group 1's, …: each position's group, its rank
    # within the group and the group's size are the same for every row.
    counts = groups.counts
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(n)[None, :] - np.repeat(starts, counts)[None, :]
    size = np.repeat(counts, counts)[None, :]
    d = np.repeat(deficit, counts, axis=-1)
    bump_sorted = np.where(d >= 0, (rank < d).astype(np.int64), -(rank >= size + d).astype(np.int64))
    bump = np.empty_like(bump_sorted)
    np.put_along_axis(bump, order, bump_sorted, axis=-1)
    return base + bump
