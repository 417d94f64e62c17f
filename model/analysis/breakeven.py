"""Break-even: the value of one assumption at which a headline reaches a target.

``solve`` brackets the target between ``low`` and ``high`` and closes in with Brent's method
(inverse quadratic / secant steps, bisection as the safe fallback; written here in plain Python
and numpy, no scipy). Any headline of :mod:`model.analysis.sensitivity` works, or any function
``fn(results, practices) -> float``.

Two kinds of question:

* ``side="nearest"`` (default): where does the headline *equal* the target? e.g. the admissions
  reduction % at which the net cost after admissions is £0
  (:func:`break_even_admissions_reduction`). For money headlines the answer is accepted when the
  headline is within a penny of the target (``ftol``).
* ``side="below"`` / ``"above"``: where does the headline *cross* the target, returning the end of
  the final (tiny) bracket on which the headline is ≤ (or ≥) the target. e.g. the £ per head at
  which no practice loses more than 5 % of its LES income (:func:`rate_for_max_loss`): the
  headline at the value returned is guaranteed to be within the limit.

Money figures move in whole pence (and, e.g., when every year of the horizon has the same
population, in steps of several pence at once), and some headlines jump (the review gate of a
conditional scheme switches a whole year's pot on or off). So:

=========================  ======================================================================
status                     meaning
=========================  ======================================================================
solved                     the headline at ``value`` is the target (within ``ftol``), or on the
                           requested side of it for ``below``/``above``
closest_step               the headline steps over the target by a rounding step (at most
                           ``step_tol``); ``value`` is the closest point, ``message`` says the gap
discontinuous              the headline jumps over the target by more than a rounding step at
                           ``value`` (e.g. the review gate): no value gives the target
no_solution_in_range       the headline does not reach the target between low and high (message
                           names the range and the headline at both ends)
invalid_range              low/high are not a range or go beyond what the scenario allows
=========================  ======================================================================

When the two ends do not straddle the target, ``scan`` evenly spaced interior points are tried
before giving up (the headline need not be monotone); when one of them straddles it, the message
says that other solutions may exist.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from model.analysis.sensitivity import Evaluator, Headline, HeadlineFn, resolve_headline
from model.analysis.sensitivity import assumption as get_assumption
from model.scenario import Scenario

__all__ = ["BreakEvenResult", "break_even_admissions_reduction", "curve", "rate_for_max_loss", "solve"]

Side = Literal["nearest", "below", "above"]

#: Largest jump treated as rounding (status "closest_step") rather than a real discontinuity.
STEP_TOL = {"money": 1.00, "count": 1.0, "percent": 1e-3, "number": 0.0}
#: Default headline tolerance for side="nearest".
FTOL = {"money": 0.01, "count": 0.0, "percent": 1e-9, "number": 1e-9}


@dataclass(frozen=True)
class BreakEvenResult:
    """The answer of :func:`solve`. ``value`` is NaN when there is no answer."""

    value: float
    headline_at_value: float
    status: str
    message: str
    assumption: str = ""
    headline: str = ""
    target: float = 0.0
    low: float = math.nan
    high: float = math.nan
    headline_at_low: float = math.nan
    headline_at_high: float = math.nan
    evaluations: int = 0
    engine_runs: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "solved"


def _fmt_headline(head: Headline, x: float) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "not defined"
    if head.kind == "money":
        return f"-£{-x:,.2f}" if x < 0 else f"£{x:,.2f}"
    if head.kind == "percent":
        return f"{x:,.8g} %"
    if head.kind == "count":
        return f"{x:,.0f} {head.unit}".strip()
    return f"{x:,.6g}"


def _fmt_value(x: float, unit: str) -> str:
    return f"{x:,.8g}" + (f" ({unit})" if unit else "")


def solve(practices: pd.DataFrame, scenario: Scenario, assumption: str, headline: str | Headline | HeadlineFn,
          target: float = 0.0, low: float | None = None, high: float | None = None, tol: float | None = None, *,
          side: Side = "nearest", ftol: float | None = None, step_tol: float | None = None, scan: int = 8,
          max_iter: int = 200, evaluator: Evaluator | None = None) -> BreakEvenResult:
    """The value of `assumption` (a dotted scenario key, see :func:`model.analysis.sensitivity.assumption`)
    between `low` and `high` at which `headline` reaches `target`.

    `low`/`high` default to the limits the scenario schema allows; `tol` is the width in the
    assumption's units below which the search stops (default 1e-14 × the size of the range's ends for
    "nearest", 1e-10 × for "below"/"above").
    Example: ``solve(df, s, "admissions.expected_reduction_pct", "net_cost_after_admissions", 0)``.
    """
    head = resolve_headline(headline)
    try:
        spec = get_assumption(scenario, assumption)
    except ValueError as err:
        return BreakEvenResult(math.nan, math.nan, "invalid_range", str(err), assumption, head.name, target)
    lo = spec.minimum if low is None else float(low)
    hi = spec.maximum if high is None else float(high)
    base = dict(assumption=assumption, headline=head.name, target=float(target), low=lo, high=hi)
    if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
        return BreakEvenResult(math.nan, math.nan, "invalid_range",
                               f"low ({lo:g}) must be below high ({hi:g}), both finite", **base)
    if lo < spec.minimum or hi > spec.maximum:
        return BreakEvenResult(math.nan, math.nan, "invalid_range",
                               f"{assumption} must stay between {spec.minimum:g} and {spec.maximum:g} "
                               f"(the scenario's limits); the range {lo:g} to {hi:g} goes beyond", **base)
    if side not in ("nearest", "below", "above"):
        raise ValueError("side must be 'nearest', 'below' or 'above'")
    ev = evaluator or Evaluator(practices, scenario)
    runs0 = ev.engine_runs
    ftol = FTOL.get(head.kind, 1e-9) if ftol is None else float(ftol)
    step_tol = STEP_TOL.get(head.kind, 0.0) if step_tol is None else float(step_tol)
    # default: fine enough for a penny on national money in "nearest" mode, 1e-10 of the scale for a threshold
    xtol = ((1e-14 if side == "nearest" else 1e-10) * max(1.0, abs(lo), abs(hi))) if tol is None else float(tol)
    cache: dict[float, float] = {}

    def h(x: float) -> float:
        x = float(x)
        if x not in cache:
            cache[x] = ev.value(spec.changes(scenario, x), head)
        return cache[x]

    def f(x: float) -> float:
        v = h(x) - target
        if side == "nearest" and abs(v) <= ftol:
            return 0.0
        return v

    def sgn(v: float) -> int:
        """Which side of the target: for below/above, 'satisfied' counts as the negative side."""
        if side == "below":
            return -1 if v <= 0 else 1
        if side == "above":
            return -1 if v >= 0 else 1
        return 0 if v == 0 else (1 if v > 0 else -1)

    h_lo, h_hi = h(lo), h(hi)
    ends = (f"{head.label} is {_fmt_headline(head, h_lo)} at {assumption} = {lo:,.8g} and "
            f"{_fmt_headline(head, h_hi)} at {hi:,.8g}")

    def result(value: float, status: str, message: str) -> BreakEvenResult:
        return BreakEvenResult(float(value), h(value) if not math.isnan(value) else math.nan, status, message,
                               headline_at_low=h_lo, headline_at_high=h_hi, evaluations=len(cache),
                               engine_runs=ev.engine_runs - runs0, **base)

    if math.isnan(h_lo) or math.isnan(h_hi):
        return result(math.nan, "no_solution_in_range", f"the headline is not defined at an end: {ends}")
    want = {"nearest": f"{_fmt_headline(head, target)}", "below": f"at most {_fmt_headline(head, target)}",
            "above": f"at least {_fmt_headline(head, target)}"}[side]

    # 1. A bracket: the ends, else the first straddling pair of a coarse scan.
    s_lo, s_hi = sgn(f(lo)), sgn(f(hi))
    note = ""
    if side == "nearest" and s_lo == 0:
        return result(lo, "solved", f"{head.label} is {_fmt_headline(head, h_lo)} at the low end {lo:,.8g}")
    if side == "nearest" and s_hi == 0:
        return result(hi, "solved", f"{head.label} is {_fmt_headline(head, h_hi)} at the high end {hi:,.8g}")
    if side != "nearest" and s_lo == s_hi == -1:
        return result(lo, "solved", f"{head.label} is already {want} at both ends of the range ({ends}); "
                                        "the low end is returned")
    a, b = lo, hi
    if s_lo == s_hi:
        grid = np.linspace(lo, hi, scan + 2)
        signs = [s_lo] + [sgn(f(x)) for x in grid[1:-1]] + [s_hi]
        found = None
        for i in range(len(grid) - 1):
            if signs[i] == 0:
                return result(grid[i], "solved", f"{head.label} is {want} at {grid[i]:,.8g} "
                                                 "(the headline is not monotone here: other solutions may exist)")
            if signs[i] != signs[i + 1]:
                found = i
                break
        if found is None:
            return result(math.nan, "no_solution_in_range",
                          f"no value of {assumption} between {lo:,.8g} and {hi:,.8g} gives {head.label} "
                          f"{want}: {ends} (checked {scan} points in between)")
        a, b = float(grid[found]), float(grid[found + 1])
        note = " (the headline is not monotone in this range: other solutions may exist)"

    # 2. Close in.
    if side == "nearest":
        x, xb = _brent(f, a, b, f(a), f(b), xtol, max_iter)
        fx = f(x)
        if fx == 0:
            return result(x, "solved", f"{head.label} is {_fmt_headline(head, h(x))} at {assumption} = "
                                       f"{x:,.10g}{note}")
        best = x if abs(fx) <= abs(f(xb)) else xb
        jump = abs(h(xb) - h(x))
        gap = abs(h(best) - target)
        if jump <= step_tol:
            return result(best, "closest_step",
                          f"{head.label} steps from {_fmt_headline(head, h(x))} to {_fmt_headline(head, h(xb))} "
                          f"between {min(x, xb):,.10g} and {max(x, xb):,.10g} (rounding to the penny): no value "
                          f"gives exactly {want}; closest is {best:,.10g}, off by "
                          f"{_fmt_headline(head, gap) if head.kind != 'count' else f'{gap:g}'}{note}")
        return result(best, "discontinuous",
                      f"{head.label} jumps from {_fmt_headline(head, h(x))} to {_fmt_headline(head, h(xb))} at "
                      f"{assumption} ≈ {best:,.10g}: no value gives {want}{note}")

    # below / above: bisection on the predicate, keep the satisfied end.
    ok_end, bad_end = (a, b) if sgn(f(a)) == -1 else (b, a)
    for _ in range(max_iter):
        if abs(ok_end - bad_end) <= xtol:
            break
        mid = 0.5 * (ok_end + bad_end)
        if mid in (ok_end, bad_end):
            break
        if sgn(f(mid)) == -1:
            ok_end = mid
        else:
            bad_end = mid
    return result(ok_end, "solved", f"{head.label} is {_fmt_headline(head, h(ok_end))} ({want}) at {assumption} = "
                                    f"{ok_end:,.10g}; just beyond, at {bad_end:,.10g}, it is "
                                    f"{_fmt_headline(head, h(bad_end))}{note}")


def _brent(f: Callable[[float], float], xa: float, xb: float, fa: float, fb: float, xtol: float,
           max_iter: int) -> tuple[float, float]:
    """Brent's method (after scipy's brentq) on a bracket with f(xa)·f(xb) < 0.

    Returns (x, x_other): x is the best point found (f(x) == 0 when a root was hit) and the
    bracket [x, x_other] still straddles the sign change.
    """
    xpre, xcur, fpre, fcur = xa, xb, fa, fb
    xblk, fblk, spre, scur = xpre, fpre, 0.0, 0.0
    if fpre == 0:
        return xpre, xcur
    if fcur == 0:
        return xcur, xpre
    for _ in range(max_iter):
        if fpre != 0 and fcur != 0 and (np.signbit(fpre) != np.signbit(fcur)):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + 4 * np.finfo(float).eps * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur, xblk
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):
                spre, scur = scur, stry
            else:
                spre = scur = sbis
        else:
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur = xcur + (scur if abs(scur) > delta else (delta if sbis > 0 else -delta))
        fcur = f(xcur)
    return xcur, xblk


def curve(practices: pd.DataFrame, scenario: Scenario, assumption: str, headline: str | Headline | HeadlineFn,
          low: float | None = None, high: float | None = None, points: int = 21, *,
          evaluator: Evaluator | None = None) -> pd.DataFrame:
    """The headline at `points` evenly spaced values of the assumption (for the break-even chart).

    Columns: value, headline. ``attrs`` carry the assumption key, label, unit and the headline's
    name, label, unit and kind.
    """
    head = resolve_headline(headline)
    spec = get_assumption(scenario, assumption)
    lo = spec.minimum if low is None else float(low)
    hi = spec.maximum if high is None else float(high)
    ev = evaluator or Evaluator(practices, scenario)
    xs = np.linspace(lo, hi, max(2, int(points)))
    ys = [ev.value(spec.changes(scenario, x), head) for x in xs]
    out = pd.DataFrame({"value": xs, "headline": ys})
    out.attrs.update(assumption=assumption, assumption_label=spec.label, assumption_unit=spec.unit,
                     base_value=spec.value(scenario), headline=head.name, headline_label=head.label,
                     headline_unit=head.unit, headline_kind=head.kind)
    return out


def break_even_admissions_reduction(practices: pd.DataFrame, scenario: Scenario, low: float = 0.0,
                                    high: float = 100.0, **kw: Any) -> BreakEvenResult:
    """The expected admissions reduction (%) at which the net cost after admissions savings, added up
    over the horizon, is £0 (within a penny). Under a conditional scheme the reduction also decides
    the review, so the curve can jump there (status "discontinuous").

    One year of £5 a head on 6,000 patients costs £30,000.00. With 600 patients aged 75+ at 400
    emergency admissions per 1,000 there are 240 admissions a year, and a cut of 5 % (12 admissions at
    £2,500 each) saves exactly £30,000.00:

    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["A", "B", "C"], "list_size": [1000, 2000, 3000],
    ...                           "over75": [100, 200, 300]})
    >>> scenario = Scenario(horizon_years=1, admissions={"baseline_per_1000_over75": 400, "effect_from_year": 0})
    >>> r = break_even_admissions_reduction(practices, scenario)
    >>> r.status, round(r.value, 2), f"£{r.headline_at_value:,.2f}", f"£{r.headline_at_low:,.2f}"
    ('solved', 5.0, '£0.00', '£30,000.00')
    """
    return solve(practices, scenario, "admissions.expected_reduction_pct", "net_cost_after_admissions", 0.0,
                 low, high, **kw)


def rate_for_max_loss(practices: pd.DataFrame, scenario: Scenario, max_loss_pct: float = 5.0,
                      low: float = 0.0, high: float | None = None, **kw: Any) -> BreakEvenResult:
    """The smallest pot rate (the £ per head, or £ per patient 75+ when the scenario uses that) at which
    no practice loses more than `max_loss_pct` % of its LES income in any year
    (headline ``worst_loss_pct_of_les`` ≤ the limit at the value returned)."""
    key = "pot.rate_per_over75" if scenario.pot.basis == "over75" else "pot.rate_per_head"
    return solve(practices, scenario, key, "worst_loss_pct_of_les", float(max_loss_pct), low, high,
                 side="below", **kw)
