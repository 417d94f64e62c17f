"""One-way sensitivity ("tornado"): which assumption moves a headline figure most.

Each assumption is moved to a low and a high value, one at a time, everything else held at the
scenario's value, and the headline is recomputed by the engine. The table says, for each assumption,
the value used at each end, the headline there and the swing, largest swing first.

Headlines (all commissioners added up; see :data:`HEADLINES`):

============================ ===========================================================================
net_cost                     £ over the horizon: Σ years Σ commissioners of the summary's net_cost
net_cost_after_admissions    £ over the horizon, after the saving from avoided emergency admissions
new_money                    £ over the horizon: pot minus recycled LES money
admissions_saving            £ over the horizon
unfunded_commitment          £ over the horizon: staff costs left unfunded when money stops
practices_losing             practices whose net change *added up over the horizon* is below zero
practices_losing_first_year  practices whose net change in the first year is below zero
break_even_reduction_pct     % cut in emergency admissions of patients 75+ whose savings, in the years
                             the cut shows (``effect_from_year`` on), pay for the net cost over the whole
                             horizon: ``100·Σ_t net_cost(t) / Σ_{t≥effect} (b/1000·O(t)·cost)``; 0 when
                             the net cost is not positive, NaN when the effect starts after the horizon.
                             (The summary's column of the same name is per year and ignores
                             ``effect_from_year``.) The funding gate is held as the scenario has it.
worst_loss_pct_of_les        the largest net loss any practice makes in any year, as % of its annual LES
                             income (practices with LES income only; 0 when nobody loses)
============================ ===========================================================================

Ranges. By default every assumption moves by ``low_pct``/``high_pct`` (−20 %/+20 %) of its value.
Where the value is 0, a percentage moves nothing, so an absolute range is used instead
(:data:`ZERO_RANGES`, e.g. growth −1 to +1 percentage point). A negative value moved by −20 % goes
*up*; "low" and "high" are always the smaller and the larger value. Values are clipped to what the
scenario schema allows (e.g. 0–100 for a percentage, the floor at most the cap) and the table says
so in ``note``. ``ranges`` gives absolute (low, high) values per assumption, also clipped.

Swing = largest − smallest of the headline at low, base and high (= |high − low| when the effect is
monotone). An assumption that does not affect the headline gives a swing of exactly 0: money
headlines are added up in whole pence.

Speed: changes that only touch the admissions figures (baseline rate, cost per admission, expected
or required reduction, effect year — as long as the funding gate is unchanged) are recomputed in
closed form from the base run instead of re-running the engine (:func:`derive_admissions`); the
result is identical to an engine run (tested).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from model import fields
from model.admissions import admissions_to_break_even, avoided_admissions, break_even_reduction_pct
from model.engine import PracticeList, prepare, run
from model.funding import gate
from model.limits import MAX_ENGINE_WORK
from model.money import round_half_up
from model.results import Results
from model.scenario import GUIDANCE_RATE_PER_HEAD, GUIDANCE_RATE_PER_OVER75, Scenario, get_path

__all__ = [
    "HEADLINES", "ZERO_RANGES", "Assumption", "Evaluator", "Headline", "assumption", "default_assumptions",
    "derive_admissions", "les_income", "resolve_headline", "tornado",
]

# --------------------------------------------------------------------------------------------
# Headlines
# --------------------------------------------------------------------------------------------

HeadlineFn = Callable[[Results, "pd.DataFrame | PracticeList"], float]


@dataclass(frozen=True)
class Headline:
    """A single figure computed from a run. `kind` is "money" (£), "count" or "percent"."""

    name: str
    label: str
    unit: str
    kind: str
    description: str
    fn: HeadlineFn

    def __call__(self, results: Results, practices: pd.DataFrame | PracticeList) -> float:
        return self.fn(results, practices)


def _pence(values: pd.Series | np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(values, dtype=float) * 100.0).astype(np.int64)


def _money_sum(values: pd.Series | np.ndarray) -> float:
    """Sum of £ figures in exact pence, returned in £."""
    return int(_pence(values).sum()) / 100.0


def _net_change_pence(results: Results) -> np.ndarray:
    """Practice net change, (years, practices) in pence, in the engine's practice order."""
    t = results.scenario.horizon_years
    net = _pence(results.practices["net_change"])
    return net.reshape(t, len(net) // t)


def net_cost_total(results: Results, practices: pd.DataFrame | None = None) -> float:
    """£ net cost to the commissioners over the horizon."""
    return _money_sum(results.summary["net_cost"])


def net_cost_after_admissions_total(results: Results, practices: pd.DataFrame | None = None) -> float:
    """£ net cost over the horizon after the saving from avoided emergency admissions."""
    return _money_sum(results.summary["net_cost_after_admissions"])


def new_money_total(results: Results, practices: pd.DataFrame | None = None) -> float:
    return _money_sum(results.summary["new_money"])


def admissions_saving_total(results: Results, practices: pd.DataFrame | None = None) -> float:
    return _money_sum(results.summary["admissions_saving"])


def unfunded_commitment_total(results: Results, practices: pd.DataFrame | None = None) -> float:
    return _money_sum(results.summary["unfunded_commitment"])


def practices_losing(results: Results, practices: pd.DataFrame | None = None) -> float:
    """Practices whose net change added up over the horizon is below zero."""
    return float((_net_change_pence(results).sum(axis=0) < 0).sum())


def practices_losing_first_year(results: Results, practices: pd.DataFrame | None = None) -> float:
    """Practices whose net change in the first year is below zero."""
    return float((_net_change_pence(results)[0] < 0).sum())


def break_even_reduction_pct_horizon(results: Results, practices: pd.DataFrame | None = None) -> float:
    """% cut in admissions whose savings (from ``effect_from_year``) pay for the horizon's net cost.

    >>> # net cost £87,500 over the horizon; 1,000 patients 75+ at 350/1,000 and £2,500 a year,
    >>> # effect in 1 year of the horizon: 87,500 / (0.35·1,000·2,500) = 10 %
    """
    s = results.summary
    adm = results.scenario.admissions
    years = s["year_index"].to_numpy()
    num = int(_pence(s["net_cost"]).sum()) / 100.0
    o75 = s["over75"].to_numpy(float)[years >= adm.effect_from_year].sum()
    return float(break_even_reduction_pct(num, o75, adm.baseline_per_1000_over75, adm.cost_per_admission))


def les_income(practices: pd.DataFrame | PracticeList) -> np.ndarray:
    """Each practice's annual LES income (all ``les_*`` columns), £, in the engine's practice order."""
    pl = practices if isinstance(practices, PracticeList) else prepare(practices)
    return sum(pl.les.values(), np.zeros(len(pl)))


def worst_loss_pct_of_les(results: Results, practices: pd.DataFrame | PracticeList) -> float:
    """Largest net loss of any practice in any year, as % of its annual LES income.

    Only practices with LES income count; 0 when no practice loses. Example: a practice with £10,000
    of LES that ends a year £600 down is at 6 %.
    """
    income = les_income(practices)
    loss = np.maximum(0, -_net_change_pence(results)) / 100.0
    held = income > 0
    if not held.any():
        return 0.0
    return float((100.0 * loss[:, held] / income[held]).max())


def _h(name: str, label: str, unit: str, kind: str, fn: HeadlineFn) -> Headline:
    return Headline(name, label, unit, kind, (fn.__doc__ or label).strip().splitlines()[0], fn)


HEADLINES: dict[str, Headline] = {h.name: h for h in (
    _h("net_cost", "Net cost, all years", "£", "money", net_cost_total),
    _h("net_cost_after_admissions", "Net cost after admissions savings, all years", "£", "money",
       net_cost_after_admissions_total),
    _h("new_money", "New money, all years", "£", "money", new_money_total),
    _h("admissions_saving", "Admissions saving, all years", "£", "money", admissions_saving_total),
    _h("unfunded_commitment", "Unfunded staff commitments, all years", "£", "money",
       unfunded_commitment_total),
    _h("practices_losing", "Practices losing over the horizon", "practices", "count", practices_losing),
    _h("practices_losing_first_year", "Practices losing in the first year", "practices", "count",
       practices_losing_first_year),
    _h("break_even_reduction_pct", "Break-even admissions reduction", "%", "percent",
       break_even_reduction_pct_horizon),
    _h("worst_loss_pct_of_les", "Worst practice loss as % of its LES", "%", "percent",
       worst_loss_pct_of_les),
)}


def resolve_headline(name: str | Headline | HeadlineFn) -> Headline:
    """A headline by name (see :data:`HEADLINES`), or a callable ``fn(results, practices)`` wrapped."""
    if isinstance(name, Headline):
        return name
    if callable(name):
        label = getattr(name, "__name__", "headline")
        return Headline(label, label, "", "number", (name.__doc__ or label).strip(), name)
    try:
        return HEADLINES[name]
    except KeyError:
        raise ValueError(f"unknown headline '{name}'; choose one of: {', '.join(HEADLINES)}") from None


# --------------------------------------------------------------------------------------------
# Assumptions: what can be moved, within which limits
# --------------------------------------------------------------------------------------------

#: Absolute (low, high) used when an assumption's value is 0 (a percentage of 0 moves nothing).
#: All illustrative: a plausible band for a planning discussion, not a sourced range.
ZERO_RANGES: dict[str, tuple[float, float]] = {
    "pot.rate_per_head": (0.0, GUIDANCE_RATE_PER_HEAD),        # £0–£5 per head (the guidance's figure)
    "pot.rate_per_over75": (0.0, GUIDANCE_RATE_PER_OVER75),   # £0–£50 per patient 75+
    "pot.uplift_pct": (-1.0, 1.0),               # ±1 percentage point a year
    "distribution.weights.over75": (0.0, 0.2),   # up to a fifth of the pot shared by patients 75+
    "distribution.floor": (0.0, 5000.0),         # £0–£5,000 per practice a year
    "growth.list_size_pct": (-1.0, 1.0),         # ±1 percentage point a year
    "growth.over75_pct": (-1.0, 1.0),            # ±1 percentage point a year
    "les.reinvest_pct": (0.0, 20.0),             # 0–20 % of LES savings recycled
    "les.protection.max_loss_pct[0]": (0.0, 20.0),
    "funding.required_reduction_pct": (0.0, 5.0),
    "admissions.baseline_per_1000_over75": (0.0, 100.0),
    "admissions.expected_reduction_pct": (0.0, 5.0),
    "staffing.committed_pct": (0.0, 20.0),
}
_ZERO_RANGE_SCHEME = {"fraction": (0.0, 0.2), "rate_per_head": (0.0, 1.0)}
_ZERO_RANGE_FALLBACK = (-1.0, 1.0)

@dataclass(frozen=True)
class Assumption:
    """One numeric scenario value that can be moved: its key, limits and how to set it."""

    key: str
    label: str
    unit: str
    minimum: float
    maximum: float
    zero_range: tuple[float, float]

    def value(self, scenario: Scenario) -> float:
        if self.key == "les.protection.max_loss_pct[0]":
            return float(scenario.les.protection.max_loss_pct[0])
        return float(get_path(scenario.to_dict(), self.key))

    def changes(self, scenario: Scenario, value: float) -> dict[str, Any]:
        """Dotted-path overrides for :meth:`Scenario.with_changes` that set this assumption to `value`."""
        value = float(value)
        if self.key == "les.protection.max_loss_pct[0]":
            old = list(scenario.les.protection.max_loss_pct)
            rest = old[1:] if len(old) > 1 else old  # later years keep their value (the last repeats)
            return {"les.protection.max_loss_pct": [value] + rest}
        if self.key == "distribution.weights.over75":
            w = scenario.distribution.weights
            others = {"list_size": w.list_size, "weighted_list": w.weighted_list}
            rest = sum(others.values())
            if rest > 0:
                scaled = {k: v * (1.0 - value) / rest for k, v in others.items()}
            else:
                scaled = {"list_size": 1.0 - value, "weighted_list": 0.0}
            return {"distribution.weights.over75": value,
                    **{f"distribution.weights.{k}": v for k, v in scaled.items()}}
        return {self.key: value}

    def clip(self, value: float) -> float:
        return float(min(max(value, self.minimum), self.maximum))


def _field_limits(key: str) -> tuple[float, float, str]:
    """(minimum, maximum, unit) of a numeric scenario field, from the schema (model.fields)."""
    try:
        f = fields.field(key)
    except KeyError:
        raise ValueError(f"'{key}' is not a scenario field") from None
    lo, hi = fields.bounds(key)
    return (-math.inf if lo is None else float(lo)), (math.inf if hi is None else float(hi)), f.unit


def assumption(scenario: Scenario, key: str) -> Assumption:
    """The :class:`Assumption` for a dotted key, with limits from the schema (and the scenario).

    Special keys: ``distribution.weights.over75`` (the other weights move pro rata to keep the sum 1;
    list size takes it all when the others are 0) and ``les.protection.max_loss_pct[0]`` (the first
    year only; later years keep their values).

    >>> a = assumption(Scenario(), "admissions.expected_reduction_pct")
    >>> a.label, a.unit, a.minimum, a.maximum
    ('Expected cut in admissions (%)', '% of admissions', 0.0, 100.0)
    >>> a.clip(120.0)
    100.0
    """
    label = fields.label(key)
    if key.startswith("les.schemes.") and key.count(".") == 3:
        label = f"{fields.scheme_name(key.split('.')[2])}: {label[0].lower()}{label[1:]}"
    if key == "les.protection.max_loss_pct[0]":
        label = f"{fields.label('les.protection.max_loss_pct')}, first year"
    if key == "les.protection.max_loss_pct[0]":
        return Assumption(key, label, "% of LES lost", 0.0, 100.0, ZERO_RANGES[key])
    if key == "distribution.weights.over75":
        return Assumption(key, label, "share (0–1)", 0.0, 1.0, ZERO_RANGES[key])
    lo, hi, unit = _field_limits(key)
    try:
        value = get_path(scenario.to_dict(), key)
    except (KeyError, TypeError):
        raise ValueError(f"'{key}' is not a scenario field") from None
    if isinstance(value, bool) or not isinstance(value, (int, float, type(None))):
        raise ValueError(f"'{key}' is not a number and cannot be varied")
    d = scenario.distribution
    if key == "distribution.floor" and d.cap is not None:
        hi = min(hi, d.cap)
    if key == "distribution.cap":
        lo = max(lo, d.floor)
    zero = ZERO_RANGES.get(key) or _ZERO_RANGE_SCHEME.get(key.split(".")[-1] if key.startswith("les.schemes.")
                                                          else "", _ZERO_RANGE_FALLBACK)
    return Assumption(key, label, unit, lo, hi, zero)


def default_assumptions(scenario: Scenario) -> list[str]:
    """Every numeric assumption of `scenario` that can vary (integers such as years are left out).

    The pot rate in use (per head or per 75+), uplift, the share by patients 75+, floor, cap (when
    set), growth of lists and of patients 75+, LES recycling, year-1 protection, each decommissioned
    scheme's fraction and each harmonised scheme's given rate, the review's required reduction, the
    admissions baseline, cost and expected reduction, and the share committed to staff.
    """
    keys = ["pot.rate_per_over75" if scenario.pot.basis == "over75" else "pot.rate_per_head", "pot.uplift_pct"]
    keys.append("distribution.weights.over75")
    keys.append("distribution.floor")
    if scenario.distribution.cap is not None:
        keys.append("distribution.cap")
    keys += ["growth.list_size_pct", "growth.over75_pct", "les.reinvest_pct", "les.protection.max_loss_pct[0]"]
    for name, action in scenario.les.schemes.items():
        if action.action == "decommission":
            keys.append(f"les.schemes.{name}.fraction")
        elif action.action == "harmonise" and action.rate_per_head is not None:
            keys.append(f"les.schemes.{name}.rate_per_head")
    keys += ["funding.required_reduction_pct", "admissions.baseline_per_1000_over75",
             "admissions.cost_per_admission", "admissions.expected_reduction_pct", "staffing.committed_pct"]
    return keys


# --------------------------------------------------------------------------------------------
# Evaluating a scenario change (engine, or closed form for admissions-only changes)
# --------------------------------------------------------------------------------------------

_ADMISSIONS_ONLY = {"admissions.baseline_per_1000_over75", "admissions.cost_per_admission",
                    "admissions.expected_reduction_pct", "admissions.effect_from_year",
                    "funding.required_reduction_pct", "name", "description"}


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v and not key.startswith("les.schemes."):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def derive_admissions(base: Results, scenario: Scenario) -> Results | None:
    """`base` re-expressed for `scenario` when they differ only in admissions figures, else None.

    Valid when the only differences are the admissions baseline, cost, expected reduction, effect
    year or the review's required reduction, and the funding gate (which years are paid) is the
    same: then pot, allocations, LES and protection are unchanged and only the admissions columns
    move. They are recomputed with the engine's own functions, so the result equals ``run`` exactly.
    """
    a, b = _flat(base.scenario.to_dict()), _flat(scenario.to_dict())
    changed = {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
    if not changed:
        return base
    if not changed <= _ADMISSIONS_ONLY:
        return None
    t = scenario.horizon_years
    if not np.array_equal(gate(base.scenario.funding, base.scenario.admissions.expected_reduction_pct, t),
                          gate(scenario.funding, scenario.admissions.expected_reduction_pct, t)):
        return None
    adm = scenario.admissions
    s = base.summary
    n_comm = len(s) // t
    o75 = s["over75"].to_numpy(float).reshape(t, n_comm)
    net_cost = _pence(s["net_cost"]).reshape(t, n_comm)
    avoided = avoided_admissions(o75, adm.baseline_per_1000_over75, adm.expected_reduction_pct,
                                 adm.effect_from_year)
    saving = round_half_up(100.0 * avoided * adm.cost_per_admission)
    summary = s.assign(
        admissions_avoided=avoided.ravel(),
        admissions_saving=saving.ravel() / 100.0,
        net_cost_after_admissions=(net_cost - saving).ravel() / 100.0,
        break_even_reduction_pct=break_even_reduction_pct(net_cost.ravel() / 100.0, o75.ravel(),
                                                          adm.baseline_per_1000_over75, adm.cost_per_admission),
    )
    practices = base.practices
    if adm.cost_per_admission != base.scenario.admissions.cost_per_admission:
        practices = practices.assign(admissions_to_break_even=admissions_to_break_even(
            practices["allocation"].to_numpy(float), adm.cost_per_admission))
    return replace(base, scenario=scenario, summary=summary, practices=practices)


class Evaluator:
    """Runs a scenario and variations of it on one practice list, re-using what it can.

    ``results(changes)`` applies dotted-path overrides (all-or-nothing, validated) and returns the
    run; admissions-only changes are derived from the base run without the engine. ``engine_runs``
    counts real engine runs (the base run included); ``shortcuts=False`` runs the engine for every
    change (for benchmarks and cross-checks). The practice list is prepared once
    (:func:`model.engine.prepare`); headline functions receive the prepared list.
    """

    def __init__(self, practices: pd.DataFrame | PracticeList, scenario: Scenario, base: Results | None = None,
                 shortcuts: bool = True):
        self.shortcuts = shortcuts
        self.practices = practices if isinstance(practices, PracticeList) else prepare(practices)
        self.scenario = scenario
        self.base = base if base is not None else run(self.practices, scenario)
        self.engine_runs = 0 if base is not None else 1
        self.derived_runs = 0

    def scenario_with(self, changes: dict[str, Any] | None) -> Scenario:
        return self.scenario.with_changes(changes) if changes else self.scenario

    def results(self, changes: dict[str, Any] | None = None) -> Results:
        scenario = self.scenario_with(changes)
        derived = derive_admissions(self.base, scenario) if self.shortcuts or not changes else None
        if derived is not None:
            self.derived_runs += 1
            return derived
        self.engine_runs += 1
        return run(self.practices, scenario)

    def value(self, changes: dict[str, Any] | None, head: Headline) -> float:
        return float(head(self.results(changes), self.practices))


# --------------------------------------------------------------------------------------------
# Tornado
# --------------------------------------------------------------------------------------------

TORNADO_COLUMNS = ["assumption", "label", "unit", "base_value", "low_value", "high_value", "headline",
                   "headline_unit", "headline_at_low", "headline_at_base", "headline_at_high", "swing",
                   "range_rule", "clipped", "note"]


def _fmt(x: float) -> str:
    return f"{x:,.6g}"


def _ends(spec: Assumption, base: float, low_pct: float, high_pct: float,
          given: tuple[float, float] | None) -> tuple[float, float, str, list[str]]:
    notes: list[str] = []
    if given is not None:
        lo, hi = float(min(given)), float(max(given))
        rule = "given range"
    elif base == 0:
        lo, hi = spec.zero_range
        rule = f"absolute {_fmt(lo)} to {_fmt(hi)} (the value is 0)"
    else:
        a, b = base * (1 + low_pct / 100.0), base * (1 + high_pct / 100.0)
        lo, hi = min(a, b), max(a, b)
        rule = f"moved by {low_pct:+g} % / {high_pct:+g} % of its value"
    clo, chi = spec.clip(lo), spec.clip(hi)
    if clo != lo:
        notes.append(f"low clipped from {_fmt(lo)} to {_fmt(clo)} (the smallest value allowed)")
    if chi != hi:
        notes.append(f"high clipped from {_fmt(hi)} to {_fmt(chi)} (the largest value allowed)")
    return clo, chi, rule, notes


def tornado(practices: pd.DataFrame, scenario: Scenario, headline: str | Headline | HeadlineFn = "net_cost",
            assumptions: Sequence[str] | None = None, low_pct: float = -20, high_pct: float = 20,
            ranges: dict[str, tuple[float, float]] | None = None, *,
            evaluator: Evaluator | None = None) -> pd.DataFrame:
    """One-way sensitivity of `headline` to each assumption, largest swing first.

    Columns: assumption (dotted key), label, unit, base_value, low_value, high_value, headline,
    headline_unit, headline_at_low, headline_at_base, headline_at_high, swing, range_rule, clipped,
    note. ``df.attrs`` carries ``engine_runs`` and ``derived_runs``.

    An assumption whose low or high value the scenario schema refuses (e.g. a combination the
    validators reject) gets NaN at that end and the reason in ``note``.

    £5 a head on 6,000 patients for one year, the rate moved by ±20 % (£4 to £6): the net cost runs
    from £24,000.00 to £36,000.00, a swing of £12,000.00.

    >>> practices = pd.DataFrame({"practice_code": ["A", "B", "C"], "list_size": [1000, 2000, 3000],
    ...                           "over75": [100, 200, 300]})
    >>> row = tornado(practices, Scenario(horizon_years=1), "net_cost", ["pot.rate_per_head"]).iloc[0]
    >>> f"£{row.low_value:.2f} to £{row.high_value:.2f}", row.range_rule
    ('£4.00 to £6.00', 'moved by -20 % / +20 % of its value')
    >>> [f"£{row[c]:,.2f}" for c in ("headline_at_low", "headline_at_base", "headline_at_high", "swing")]
    ['£24,000.00', '£30,000.00', '£36,000.00', '£12,000.00']
    """
    head = resolve_headline(headline)
    keys = list(assumptions) if assumptions is not None else default_assumptions(scenario)
    unknown = [k for k in (ranges or {}) if k not in keys]
    if unknown:
        raise ValueError(f"ranges given for assumptions not in the list: {', '.join(unknown)}")
    runs = 1 + 2 * len(keys)   # at most: an assumption that only moves admissions needs no engine run
    work = runs * scenario.horizon_years * len(practices)
    if work > MAX_ENGINE_WORK:
        raise ValueError(f"this tornado needs up to {runs} engine runs of {scenario.horizon_years * len(practices):,} "
                         f"practice-years each ({work:,} in all), more than the limit of {MAX_ENGINE_WORK:,}: vary "
                         "fewer assumptions, model fewer years, or split the practice list by commissioner")
    ev = evaluator or Evaluator(practices, scenario)
    base_h = ev.value(None, head)
    rows = []
    for key in keys:
        spec = assumption(scenario, key)
        base = spec.value(scenario)
        lo, hi, rule, notes = _ends(spec, base, low_pct, high_pct, (ranges or {}).get(key))
        at = {}
        for side, v in (("low", lo), ("high", hi)):
            if v == base:
                at[side] = base_h
                continue
            try:
                at[side] = ev.value(spec.changes(scenario, v), head)
            except ValueError as err:  # pydantic ValidationError is a ValueError
                at[side] = math.nan
                notes.append(f"{side} value refused: {' '.join(str(err).split())[:200]}")
        vals = [at["low"], base_h, at["high"]]
        if all(v == vals[0] or (math.isnan(v) and math.isnan(vals[0])) for v in vals):
            swing = 0.0
        else:
            finite = [v for v in vals if not math.isnan(v)]
            swing = (max(finite) - min(finite)) if len(finite) >= 2 else math.nan
            if head.kind == "money":
                swing = round(swing, 2)
        rows.append({"assumption": key, "label": spec.label, "unit": spec.unit, "base_value": base,
                     "low_value": lo, "high_value": hi, "headline": head.name, "headline_unit": head.unit,
                     "headline_at_low": at["low"], "headline_at_base": base_h, "headline_at_high": at["high"],
                     "swing": swing, "range_rule": rule, "clipped": any("clipped" in n for n in notes),
                     "note": "; ".join(notes)})
    out = pd.DataFrame(rows, columns=TORNADO_COLUMNS)
    out = out.sort_values("swing", ascending=False, kind="stable", na_position="last").reset_index(drop=True)
    out.attrs.update(engine_runs=ev.engine_runs, derived_runs=ev.derived_runs, headline=head.name,
                     headline_label=head.label, headline_unit=head.unit, headline_kind=head.kind)
    return out
