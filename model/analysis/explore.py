"""Options explorer: thousands of allocation options at once, their trade-offs, and the cheapest option
that meets the meeting's conditions.

A primary care committee asks "what is the cheapest way to do this so that no practice loses more than
£2 a head, and no more than 10 practices lose anything?". Instead of trying options one run at a time,
the user picks one to four **levers** (:class:`Lever`): any numeric setting with a range and a step
(``pot.rate_per_head=3:7:0.25``) or a list of values, and any choice (an LES scheme's action, whether
recycled money counts toward the £5, the funding type, who funds protection, …). The options are the
full grid of the levers' values, or ``samples`` seeded quasi-random points (Sobol or Latin hypercube)
for wide ranges: up to :data:`MAX_OPTIONS`.

**Evaluated together.** Every option is one scenario (:func:`option_scenario`, through
:meth:`Scenario.with_changes`); but they are not run one at a time. Options × years are stacked as the
rows of the engine's (rows, practices) arrays and go through the engine's own step functions
(:mod:`model.funding`, :mod:`model.les`, :mod:`model.allocation`, :mod:`model.protection`,
:mod:`model.money`, :mod:`model.admissions`) in the engine's order, each option with its own pot rate,
uplift, floor, cap, recycling, protection by year, admissions figures and staff commitment — the same
whole pence, the same largest-remainder rounding, the same top-slice solve (vectorised over options),
and the same reconciliations (allocations = pot, and the money identity of docs/design.md §4.9). What
depends only on a few levers (populations and growth, shares, LES losses and gains, the funding gate) is
worked out once per distinct value and gathered. Options are evaluated in chunks of at most
:data:`ELEMENT_BUDGET` option × year × practice elements, so memory stays bounded. Each option's
figures equal a single run of its scenario to the penny (tests/test_explore.py).

**Outcomes** (:data:`OUTCOMES`; headings and kinds in :mod:`model.columns`), each year (``<key>_y1`` …)
and over the horizon (``<key>``): net cost to the CCG, new money, recycled LES money, protection paid,
practices better off / worse off / unchanged, the largest practice loss in £ and £ per patient, the
total lost by practices that lose, the break-even admissions cut, and unfunded staff commitments.

**Frontier and conditions.** :func:`pareto` finds the options no other option beats on both cost and
largest loss per patient (and, with worse off as a third axis, on all three); conditions
(:func:`parse_condition`) are typed in plain terms, "largest loss per head ≤ 2", "worse_off<=10",
"net cost over 5 years ≤ 3.5m"; the best option is the cheapest meeting every condition — or, when
none does, :attr:`Exploration.nearest` lists the options that come closest and by how much each misses.

Three practices (1,000, 2,000 and 3,000 patients) lose £9,000, £3,000 and £0 of LES, £12,000 in all. The
pot is paid by list size, the savings count toward it, and protection is top-sliced from it. Which pot
rate (£1 to £3 a head) and which share of its loss a practice bears (0, 20 or 40 %) is cheapest with no
practice losing more than £2 a head?

>>> practices = pd.DataFrame({"practice_code": ["A", "B", "C"], "list_size": [1000, 2000, 3000],
...                           "over75": [100, 200, 300], "les_total": [9000.0, 3000.0, 0.0]})
>>> base = Scenario(horizon_years=1).with_changes({
...     "les.schemes": {"les_total": {"action": "decommission"}}, "les.reinvest_pct": 0.0,
...     "les.counts_toward_pot": True, "les.protection.funded_from": "pot"})
>>> ex = explore(practices, base, [parse_lever("pot.rate_per_head=1:3:0.25"),
...                                parse_lever("les.protection.max_loss_pct=0,20,40")],
...              conditions=["largest loss per head <= 2"])
>>> len(ex.options), int(ex.options["meets_conditions"].sum()), ex.best
(27, 12, 10)
>>> ex.settings(ex.best)
{'pot.rate_per_head': 1.75, 'les.protection.max_loss_pct': 0.0}
>>> row = ex.option(ex.best)     # a £10,500 pot, all of it protection: A is £1,125 down, B £375
>>> float(row["net_cost"]), float(row["largest_loss"]), float(row["largest_loss_per_head"])
(-1500.0, 1125.0, 1.125)
"""

from __future__ import annotations

import math
import re
import time
import warnings as _warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from model import fields
from model.admissions import break_even_reduction_pct
from model.allocation import payees, shares
from model.columns import EXPLORER_OUTCOMES, Column, heading, kind, register
from model.engine import EngineInputError, PracticeList, prepare
from model.funding import gate, populations
from model.les import les_effect
from model.money import money_identity, round_half_up
from model.protection import settle
from model.scenario import Scenario, ScenarioError, get_path
from model.scenario_edits import compact_by_year, expand_by_year, scheme_value

__all__ = [
    "ELEMENT_BUDGET", "MAX_LEVERS", "MAX_OPTIONS", "OUTCOMES", "Condition", "Exploration", "Lever", "Outcome",
    "choose", "evaluate", "explore", "grid", "lever", "lever_keys", "lever_label", "option_changes",
    "option_scenario", "outcome_label", "parse_condition", "parse_lever", "pareto", "rank_order", "samples",
]

MAX_LEVERS = 4
MAX_OPTIONS = 100_000
#: Largest options × years × practices block evaluated at once (0.5 MB a working array: fits the CPU
#: cache; one option at a time for all England, ~190 options on Nene).
ELEMENT_BUDGET = 2 ** 16
#: Most option × practice-year elements one exploration may ask for (all England: ~50,000 options).
MAX_ELEMENTS = 2_000_000_000

# --------------------------------------------------------------------------------------------
# Outcomes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One outcome per option: its key, how the years add up to the horizon figure, and in words."""

    key: str
    horizon: Literal["sum", "worst", "any_year", "never_worse", "every_year", "formula"]
    horizon_words: str

    @property
    def label(self) -> str:
        return heading(self.key)

    @property
    def kind(self) -> str:
        return kind(self.key)


OUTCOMES: dict[str, Outcome] = {o.key: o for o in (
    Outcome("net_cost", "sum", "over the horizon"),
    Outcome("new_money", "sum", "over the horizon"),
    Outcome("recycled", "sum", "over the horizon"),
    Outcome("protection", "sum", "over the horizon"),
    Outcome("better_off", "never_worse", "better off in some year and worse off in none"),
    Outcome("worse_off", "any_year", "worse off in at least one year"),
    Outcome("unchanged", "every_year", "no change in any year"),
    Outcome("largest_loss", "worst", "in the worst year"),
    Outcome("largest_loss_per_head", "worst", "in the worst year"),
    Outcome("total_lost", "sum", "over the horizon"),
    Outcome("break_even_reduction_pct", "formula", "paying for the horizon's net cost"),
    Outcome("unfunded_commitment", "sum", "over the horizon"),
)}
"""The outcomes of every option (the register of their headings and kinds is :mod:`model.columns`)."""
assert tuple(OUTCOMES) == EXPLORER_OUTCOMES

_MONEY = ("net_cost", "new_money", "recycled", "protection", "largest_loss", "total_lost", "unfunded_commitment")
_COUNTS = ("better_off", "worse_off", "unchanged")


def outcome_label(key: str, years: int) -> str:
    """An outcome column in words: 'Net cost to CCG (£), over 5 years', 'Worse off, year 2'.

    >>> outcome_label("net_cost", 5), outcome_label("worse_off", 5)
    ('Net cost to CCG (£), over 5 years', 'Worse off (worse off in at least one year)')
    >>> outcome_label("largest_loss_y2", 5)
    'Largest practice loss (£), year 2'
    """
    if key in OUTCOMES:
        o = OUTCOMES[key]
        if o.horizon == "sum":
            return f"{o.label}, over {years} year{'s' if years != 1 else ''}"
        if o.horizon == "worst":
            return f"{o.label}, worst year"
        if o.horizon == "formula":
            return f"{o.label}, over {years} year{'s' if years != 1 else ''}"
        return f"{o.label} ({o.horizon_words})"
    return heading(key)


# --------------------------------------------------------------------------------------------
# Levers
# --------------------------------------------------------------------------------------------

NOT_LEVERS = {"version", "name", "description", "start_year", "horizon_years"}
_MAX_LOSS = "les.protection.max_loss_pct"
_YEAR_LEVER = re.compile(r"^les\.protection\.max_loss_pct(?:\[(\d+)\]|\.(\d+))$")
_SCHEME_LEVER = re.compile(r"^les\.schemes\.(les_[A-Za-z0-9_]+?)(?:\.(action|fraction|from_year|rate_per_head))?$")
_CHOICE_ALIASES = {"extend": "extend_to_all", "offer": "extend_to_all", "offer_to_all": "extend_to_all",
                   "decommissioned": "decommission", "kept": "keep"}
_NONE_WORDS = {"none", "no", "null", "no cap", "off", ""}
_TRUE_WORDS = {"true", "yes", "y", "1", "on"}
_FALSE_WORDS = {"false", "no", "n", "0", "off"}


@dataclass(frozen=True)
class Lever:
    """One setting the options vary: a number over a range (``low``–``high`` by ``step``, or sampled
    between them), listed numbers, or choices. ``values`` is the grid (None for a sampled range)."""

    key: str
    kind: Literal["number", "choice"]
    values: tuple | None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    integer: bool = False

    @property
    def label(self) -> str:
        return lever_label(self.key)

    def describe(self) -> str:
        """The lever in words: 'Pot: £ per registered patient a year: 3 to 7 by 0.25 (17 values)'."""
        if self.values is None:
            return f"{self.label}: {self.low:g} to {self.high:g} (sampled)"
        if self.step is not None:
            return f"{self.label}: {self.low:g} to {self.high:g} by {self.step:g} ({len(self.values)} values)"
        return f"{self.label}: " + ", ".join(_value_words(self.key, v) for v in self.values)


def _value_words(key: str, v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "none"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def lever_label(key: str) -> str:
    """A lever's key in words, from the schema (:mod:`model.fields`).

    >>> lever_label("les.protection.max_loss_pct[1]"), lever_label("les.schemes.les_total.action")
    ('Most of its LES loss a practice bears (%), year 2', 'LES (all schemes): action')
    """
    m = _YEAR_LEVER.match(key)
    if m:
        k = int(m.group(1) or m.group(2))
        return f"{fields.label(_MAX_LOSS).replace(' by year', '')}, year {k + 1}"
    m = _SCHEME_LEVER.match(key)
    if m:
        part = m.group(2) or "action"
        text = fields.label(f"les.schemes.{m.group(1)}.{part}")
        return f"{fields.scheme_name(m.group(1))}: {text[0].lower()}{text[1:]}"
    return fields.label(key)


def lever_keys(scenario: Scenario | None = None, les_columns: Iterable[str] = ()) -> list[str]:
    """Every key that can be a lever, in the schema's order, with each LES scheme's action, fraction,
    start year and harmonised rate (for the schemes given), and each year's protection.

    >>> keys = lever_keys(Scenario(), ["les_total"])
    >>> "pot.rate_per_head" in keys, "les.schemes.les_total.action" in keys, "name" in keys
    (True, True, False)
    """
    from model.scenario_edits import editable_keys

    years = scenario.horizon_years if scenario is not None else 5
    out = [k for k in editable_keys() if k not in NOT_LEVERS]
    i = out.index(_MAX_LOSS) + 1
    out[i:i] = [f"{_MAX_LOSS}[{t}]" for t in range(years)]
    for col in les_columns:
        out += [f"les.schemes.{col}.{part}" for part in ("action", "fraction", "from_year", "rate_per_head")]
    return out


def _canonical(key: str) -> str:
    key = key.strip()
    m = _YEAR_LEVER.match(key)
    if m:
        return f"{_MAX_LOSS}[{int(m.group(1) or m.group(2))}]"
    m = _SCHEME_LEVER.match(key)
    if m:
        return f"les.schemes.{m.group(1)}.{m.group(2) or 'action'}"
    return key


def _spec(key: str) -> tuple[str, tuple, bool, float | None, float | None]:
    """(kind, choices, integer, lowest, highest) of a lever key; ValueError naming it if it is not one."""
    if key in NOT_LEVERS:
        raise ValueError(f"'{key}' cannot be a lever (it does not change the money, or changes the years modelled)")
    if _YEAR_LEVER.match(key) or key == _MAX_LOSS:
        return "number", (), False, 0.0, 100.0
    m = _SCHEME_LEVER.match(key)
    try:
        f = fields.field(key)
    except KeyError:
        raise ValueError(f"'{key}' is not a scenario setting that can be varied (levers are numeric settings, "
                         "choices, each LES scheme's action/fraction/from_year/rate_per_head and each year's "
                         "protection, e.g. pot.rate_per_head, les.schemes.les_total.action, "
                         "les.protection.max_loss_pct[0])") from None
    if key == "les.counts_toward_pot":
        return "choice", (True, False), False, None, None
    if f.choices:
        return "choice", tuple(f.choices), False, None, None
    if f.unit in ("text", "group", "shares", "one entry per les_<scheme> column"):
        raise ValueError(f"'{key}' is not a number or a choice and cannot be a lever")
    lo, hi = fields.bounds(key)
    if m:
        integer = m.group(2) == "from_year"
    else:
        default = get_path(Scenario().to_dict(), key)
        integer = isinstance(default, int) and not isinstance(default, bool)
    return "number", (), integer, (None if lo is None else float(lo)), (None if hi is None else float(hi))


def _number(text: str) -> float:
    t = text.strip().replace(",", "").replace("£", "").replace("%", "").replace("\u2212", "-")
    mult = 1.0
    low = t.lower()
    for suffix, m in (("bn", 1e9), ("m", 1e6), ("k", 1e3)):
        if low.endswith(suffix):
            t, mult = t[: -len(suffix)], m
            break
    value = float(t) * mult
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _grid_values(low: float, high: float, step: float) -> tuple[float, ...]:
    n = int(math.floor((high - low) / step + 1e-9)) + 1
    if n > MAX_OPTIONS:
        raise ValueError(f"{n:,} values (more than {MAX_OPTIONS:,})")
    return tuple(float(round(low + i * step, 10)) for i in range(n))


def lever(key: str, values: Sequence[Any] | None = None, low: float | None = None, high: float | None = None,
          step: float | None = None) -> Lever:
    """A lever for `key`: listed `values` (numbers or choices), or a range `low`–`high` by `step` (no
    step: sampled only). Values are checked against the schema; ValueError naming the lever if not.

    >>> lever("pot.rate_per_head", low=3, high=7, step=0.5).values
    (3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0)
    >>> lever("les.schemes.les_total", ["keep", "decommission"]).key
    'les.schemes.les_total.action'
    """
    key = _canonical(key)
    kind_, choices, integer, lo, hi = _spec(key)
    name = f"lever '{key}'"
    if kind_ == "choice":
        if values is None or not len(values):
            raise ValueError(f"{name}: list the choices, e.g. {key}={','.join(str(c) for c in choices)}")
        out = []
        for v in values:
            c = _choice(key, v, choices)
            if c not in out:
                out.append(c)
        return Lever(key, "choice", tuple(out))
    if values is not None:
        nums = []
        for v in values:
            if v is None or (isinstance(v, str) and v.strip().lower() in _NONE_WORDS):
                if key != "distribution.cap":
                    raise ValueError(f"{name}: 'none' is only a value of distribution.cap (no cap)")
                nums.append(None)
                continue
            try:
                x = _number(v) if isinstance(v, str) else float(v)
            except (TypeError, ValueError):
                raise ValueError(f"{name}: '{v}' is not a number") from None
            _check_range(name, x, lo, hi, integer)
            if x not in nums:
                nums.append(int(x) if integer else x)
        if not nums:
            raise ValueError(f"{name}: give at least one value")
        return Lever(key, "number", tuple(nums), integer=integer)
    if low is None or high is None:
        raise ValueError(f"{name}: give a range LOW:HIGH[:STEP] or a list of values")
    low, high = float(low), float(high)
    if not low <= high:
        raise ValueError(f"{name}: the low end ({low:g}) is above the high end ({high:g})")
    _check_range(name, low, lo, hi, integer)
    _check_range(name, high, lo, hi, integer)
    if step is None and integer:
        step = 1.0
    if step is None:
        return Lever(key, "number", None, low, high, None, integer)
    step = float(step)
    if not step > 0 or not math.isfinite(step):
        raise ValueError(f"{name}: the step must be above 0 (got {step:g})")
    if integer and step != int(step):
        raise ValueError(f"{name}: {key} is a whole number, so the step must be whole")
    try:
        grid_values = _grid_values(low, high, step)
    except ValueError as err:
        raise ValueError(f"{name}: {low:g} to {high:g} by {step:g} gives {err}; use a larger step") from None
    if integer:
        grid_values = tuple(int(round(v)) for v in grid_values)
    return Lever(key, "number", grid_values, low, high, step, integer)


def _check_range(name: str, x: float, lo: float | None, hi: float | None, integer: bool) -> None:
    if not math.isfinite(x):
        raise ValueError(f"{name}: {x} is not a number")
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        raise ValueError(f"{name}: {x:g} is outside what the scenario allows "
                         f"({'' if lo is None else f'{lo:g}'} to {'' if hi is None else f'{hi:g}'})")
    if integer and x != int(x):
        raise ValueError(f"{name}: {x:g} is not a whole number")


def _choice(key: str, value: Any, choices: tuple) -> Any:
    if key == "les.counts_toward_pot":
        if isinstance(value, bool):
            return value
        t = str(value).strip().lower()
        if t in _TRUE_WORDS:
            return True
        if t in _FALSE_WORDS:
            return False
        raise ValueError(f"lever '{key}': '{value}' is not yes or no (true/false)")
    t = str(value).strip().lower().replace(" ", "_")
    t = _CHOICE_ALIASES.get(t, t)
    if t not in choices:
        raise ValueError(f"lever '{key}': '{value}' is not one of its choices ({', '.join(map(str, choices))})")
    return t


def parse_lever(text: str) -> Lever:
    """A lever as typed on the command line: ``KEY=LOW:HIGH:STEP`` (a grid), ``KEY=LOW:HIGH`` (a range
    to sample), or ``KEY=A,B,C`` (values or choices). ValueError naming the lever if it cannot be used.

    >>> parse_lever("pot.rate_per_head=3:7:0.25").values[:3]
    (3.0, 3.25, 3.5)
    >>> parse_lever("les.schemes.les_total.action=keep,decommission").values
    ('keep', 'decommission')
    >>> parse_lever("pot.rate=3:7:1")
    Traceback (most recent call last):
    ...
    ValueError: lever 'pot.rate=3:7:1': 'pot.rate' is not a scenario setting that can be varied ...
    """
    key, sep, spec = text.partition("=")
    try:
        if not sep or not key.strip() or not spec.strip():
            raise ValueError("write it as KEY=LOW:HIGH:STEP or KEY=A,B,C, e.g. pot.rate_per_head=3:7:0.25")
        key = _canonical(key)
        kind_ = _spec(key)[0]
        if ":" in spec and kind_ == "number":
            parts = spec.split(":")
            if len(parts) not in (2, 3):
                raise ValueError("a range is LOW:HIGH or LOW:HIGH:STEP")
            try:
                nums = [_number(p) for p in parts]
            except ValueError:
                raise ValueError(f"'{spec}' is not LOW:HIGH:STEP in numbers") from None
            return lever(key, low=nums[0], high=nums[1], step=nums[2] if len(nums) == 3 else None)
        return lever(key, [v.strip() for v in spec.split(",")])
    except ValueError as err:
        msg = str(err).removeprefix(f"lever '{_canonical(key) if sep else key}': ")
        raise ValueError(f"lever '{text}': {msg}") from None


def check_levers(levers: Sequence[Lever], scenario: Scenario, practices: PracticeList) -> None:
    """Levers that cannot be used together or on this list: ValueError naming the lever."""
    if not 1 <= len(levers) <= MAX_LEVERS:
        raise ValueError(f"give 1 to {MAX_LEVERS} levers (got {len(levers)})")
    keys = [lv.key for lv in levers]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"lever '{dup[0]}' is given twice: keep one")
    if "pot.rate_per_head" in keys and "pot.rate_per_over75" in keys:
        raise ValueError("levers 'pot.rate_per_head' and 'pot.rate_per_over75' cannot both be varied: a scenario "
                         "gives one pot rate")
    for lv in levers:
        m = _SCHEME_LEVER.match(lv.key)
        if m and m.group(1) not in practices.les:
            raise ValueError(f"lever '{lv.key}': the practice list has no '{m.group(1)}' column (it has: "
                             f"{', '.join(practices.les) or 'no LES columns'})")
        k = _YEAR_LEVER.match(lv.key)
        if k and int(k.group(1)) >= scenario.horizon_years:
            raise ValueError(f"lever '{lv.key}': the scenario models {scenario.horizon_years} years "
                             f"(years 0 to {scenario.horizon_years - 1})")
        if lv.key == "distribution.weights.weighted_list" and practices.weighted_list is None and any(
                v is not None and v > 0 for v in (lv.values if lv.values is not None else (lv.high,))):
            raise ValueError(f"lever '{lv.key}': the practice list has no 'weighted_list' column")


# --------------------------------------------------------------------------------------------
# An option as a scenario: the one rule, used by the vectorised evaluation too
# --------------------------------------------------------------------------------------------


def _is_none(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def option_changes(scenario: Scenario, values: Mapping[str, Any]) -> dict[str, Any]:
    """The dotted changes (for :meth:`Scenario.with_changes`) that make one option from `scenario`.

    Weights: the weights not varied move pro rata so the three add up to 1 (list size takes the rest when
    they are all 0). Protection: ``les.protection.max_loss_pct`` is one % for every year, ``…[k]`` year k
    (later years keep theirs). A scheme's settings not varied carry over where its action has them.

    >>> option_changes(Scenario(), {"distribution.weights.over75": 0.25})
    {'distribution.weights.over75': 0.25, 'distribution.weights.list_size': 0.75,
     'distribution.weights.weighted_list': 0.0}
    >>> option_changes(Scenario(), {"les.protection.max_loss_pct[1]": 50})
    {'les.protection.max_loss_pct': [100.0, 50.0, 100.0]}
    """
    out: dict[str, Any] = {}
    weights = {k: float(v) for k, v in values.items() if k.startswith("distribution.weights.")}
    schemes: dict[str, dict[str, Any]] = {}
    years = {int(_YEAR_LEVER.match(k).group(1)): float(v) for k, v in values.items() if _YEAR_LEVER.match(k)}
    for key, v in values.items():
        if key in weights or _YEAR_LEVER.match(key):
            continue
        m = _SCHEME_LEVER.match(key)
        if m:
            schemes.setdefault(m.group(1), {})[m.group(2)] = v
        elif key == _MAX_LOSS:
            out[_MAX_LOSS] = [float(v)]
        elif key == "distribution.cap":
            out[key] = None if _is_none(v) else float(v)
        elif isinstance(v, (bool, np.bool_)):
            out[key] = bool(v)
        elif isinstance(v, (int, np.integer)):
            out[key] = int(v)
        elif isinstance(v, (float, np.floating)):
            out[key] = float(v)
        else:
            out[key] = v
    if weights:
        current = scenario.distribution.weights.model_dump()
        rest_keys = [k for k in current if f"distribution.weights.{k}" not in weights]
        given = sum(weights.values())
        rest = sum(current[k] for k in rest_keys)
        out.update(weights)
        if rest > 0:
            out.update({f"distribution.weights.{k}": current[k] * (1.0 - given) / rest for k in rest_keys})
        elif rest_keys:
            out.update({f"distribution.weights.{k}": (1.0 - given if i == 0 else 0.0)
                        for i, k in enumerate(rest_keys)})
    if years:
        by_year = expand_by_year(list(out.get(_MAX_LOSS, scenario.les.protection.max_loss_pct)),
                                 scenario.horizon_years)
        for t, v in years.items():
            by_year[t] = v
        out[_MAX_LOSS] = compact_by_year(by_year)
    for col, given_fields in schemes.items():
        now = scenario.les.schemes.get(col)
        current = now.model_dump() if now is not None else {"action": "keep"}
        action = str(given_fields.get("action", current["action"]))
        merged = {**{k: v for k, v in current.items() if k != "action"},
                  **{k: v for k, v in given_fields.items() if k != "action"}}
        merged = {k: (int(v) if k == "from_year" else (None if _is_none(v) else float(v)))
                  for k, v in merged.items()}
        out[f"les.schemes.{col}"] = scheme_value(action, merged)
    return out


def option_scenario(scenario: Scenario, values: Mapping[str, Any], name: str | None = None) -> Scenario:
    """`scenario` with one option's lever values (ScenarioError if they cannot be used together)."""
    changes = option_changes(scenario, values)
    if name is not None:
        changes["name"] = name[:120]
    try:
        return scenario.with_changes(changes)
    except ValueError as err:   # pydantic's ValidationError is a ValueError
        raise ScenarioError(" ".join(str(err).split())) from None


# --------------------------------------------------------------------------------------------
# The options: a full grid, or seeded samples
# --------------------------------------------------------------------------------------------


def _column(lv: Lever, values: Sequence[Any]) -> pd.Series:
    if lv.kind == "choice":
        return pd.Series(list(values), dtype=bool if lv.key == "les.counts_toward_pot" else object)
    if lv.integer:
        return pd.Series(np.asarray(values, dtype=np.int64))
    return pd.Series(np.array([np.nan if v is None else float(v) for v in values], dtype=float))


def grid(levers: Sequence[Lever]) -> pd.DataFrame:
    """Every combination of the levers' values (the last lever varies fastest), one column per lever.

    >>> grid([lever("pot.rate_per_head", [4, 5]), lever("les.reinvest_pct", [0, 50, 100])]).shape
    (6, 2)
    """
    missing = [lv.key for lv in levers if lv.values is None]
    if missing:
        raise ValueError(f"lever '{missing[0]}' is a range without a step: give LOW:HIGH:STEP for a grid, "
                         "or ask for samples")
    sizes = [len(lv.values) for lv in levers]
    total = math.prod(sizes)
    if total > MAX_OPTIONS:
        raise ValueError(f"the grid has {total:,} options (" + " × ".join(f"{s:,}" for s in sizes) +
                         f"), more than {MAX_OPTIONS:,}: use larger steps, or samples")
    index = np.indices(sizes).reshape(len(sizes), -1)
    return pd.DataFrame({lv.key: _column(lv, [lv.values[i] for i in idx]) for lv, idx in zip(levers, index)})


def samples(levers: Sequence[Lever], n: int, sampler: str = "sobol", seed: int | None = 2014) -> pd.DataFrame:
    """`n` seeded quasi-random options (Sobol or Latin hypercube, scipy.stats.qmc): a range without a step is
    sampled continuously (rounded to 4 decimals), a grid or list by picking one of its values.
    Duplicates are dropped (the notes say how many).

    >>> s = samples([lever("pot.rate_per_head", low=3, high=7)], 8, "lhs", seed=1)
    >>> len(s), bool(s["pot.rate_per_head"].between(3, 7).all())
    (8, True)
    """
    from scipy.stats import qmc

    if not 1 <= n <= MAX_OPTIONS:
        raise ValueError(f"the number of samples must be between 1 and {MAX_OPTIONS:,}")
    d = len(levers)
    if sampler == "sobol":
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore", UserWarning)   # balance needs a power of 2; any n is fine here
            u = qmc.Sobol(d, scramble=True, seed=seed).random(n)
    elif sampler in ("lhs", "latin_hypercube"):
        u = qmc.LatinHypercube(d, seed=seed).random(n)
    else:
        raise ValueError(f"sampler must be 'sobol' or 'lhs' (got '{sampler}')")
    cols = {}
    for j, lv in enumerate(levers):
        if lv.values is None:
            x = np.clip(np.round(lv.low + u[:, j] * (lv.high - lv.low), 4), lv.low, lv.high)
            cols[lv.key] = _column(lv, [int(round(v)) if lv.integer else float(v) for v in x])
        else:
            idx = np.minimum((u[:, j] * len(lv.values)).astype(np.int64), len(lv.values) - 1)
            cols[lv.key] = _column(lv, [lv.values[i] for i in idx])
    out = pd.DataFrame(cols)
    return out.drop_duplicates(ignore_index=True)


# --------------------------------------------------------------------------------------------
# Conditions
# --------------------------------------------------------------------------------------------

_OPS = {"<=": np.less_equal, "<": np.less, ">=": np.greater_equal, ">": np.greater, "=": np.equal}
_COND = re.compile(r"^\s*(?P<left>.+?)\s*(?P<op><=|>=|==|=<|=>|<|>|=)\s*(?P<right>[^<>=]+?)\s*$")
_ALIASES = {"cost": "net_cost", "losers": "worse_off", "practices_worse_off": "worse_off", "winners": "better_off",
            "practices_better_off": "better_off", "practices_losing": "worse_off", "largest_loss_per_patient":
            "largest_loss_per_head", "worst_loss_per_head": "largest_loss_per_head", "worst_loss": "largest_loss",
            "protection_cost": "protection", "lost": "total_lost", "break_even": "break_even_reduction_pct",
            "break_even_admissions_cut": "break_even_reduction_pct", "unfunded_staff_commitment":
            "unfunded_commitment", "staff_commitment": "unfunded_commitment", "recycled_money": "recycled",
            "net_cost_to_ccg": "net_cost", "net_cost_to_the_ccg": "net_cost", "practices_unchanged": "unchanged"}


@dataclass(frozen=True)
class Condition:
    """One condition on an outcome column, e.g. ``largest_loss_per_head <= 2``."""

    text: str
    column: str
    op: str
    limit: float

    def holds(self, values: np.ndarray) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        if self.op == "=":
            return np.isclose(v, self.limit, rtol=0, atol=1e-9)
        return _OPS[self.op](v, self.limit + (0.0 if self.op in ("<", ">") else 0.0))

    def shortfall(self, values: np.ndarray) -> np.ndarray:
        """How far each value is from meeting the condition (0 where it does)."""
        v = np.asarray(values, dtype=float)
        if self.op in ("<=", "<"):
            gap = v - self.limit
        elif self.op in (">=", ">"):
            gap = self.limit - v
        else:
            gap = np.abs(v - self.limit)
        return np.where(self.holds(v), 0.0, np.maximum(gap, 0.0))

    def describe(self) -> str:
        words = {"<=": "at most", "<": "below", ">=": "at least", ">": "above", "=": "exactly"}[self.op]
        return f"{_outcome_words(self.column)} {words} {_value_text(self.column, self.limit)}"


def _outcome_words(column: str) -> str:
    base, year = _split_year(column)
    text = heading(base).replace(" (£)", "")
    return f"{text} in year {year}" if year else text


def _split_year(column: str) -> tuple[str, int | None]:
    m = re.match(r"^(.*)_y(\d+)$", column)
    return (m.group(1), int(m.group(2))) if m else (column, None)


def _value_text(column: str, x: float) -> str:
    from model.formats import count, money, pct

    k = kind(_split_year(column)[0])
    if k == "money":
        return money(x, pence=None)
    if k == "rate":
        return money(x, pence=True)
    if k == "pct":
        return pct(x, 2)
    if k == "count":
        return count(x)
    return f"{x:g}"


def parse_condition(text: str, years: int) -> Condition:
    """A condition in plain terms: ``OUTCOME OP NUMBER``. OUTCOME is a key of :data:`OUTCOMES` (over the
    horizon; ``_y2`` for year 2, ``_5y`` or ``_all_years`` for the horizon) or the same in words
    ("net cost over 5 years", "largest loss per head in year 2", "worse off"); OP is ≤ < ≥ > = (or <=,
    >=); NUMBER may have £, commas, %, k, m or bn. ValueError naming the condition if it cannot be read.

    >>> parse_condition("net cost over 5 years ≤ £3.5m", 5)
    Condition(text='net cost over 5 years ≤ £3.5m', column='net_cost', op='<=', limit=3500000.0)
    >>> parse_condition("largest_loss_per_head<=2", 5).describe()
    'Largest practice loss per patient at most £2.00'
    >>> parse_condition("worse off in year 2 < 10", 5).column
    'worse_off_y2'
    """
    name = f"condition '{text}'"
    t = text.replace("≤", "<=").replace("≥", ">=").replace("\u2212", "-").replace("–", "-")
    m = _COND.match(t)
    if not m:
        raise ValueError(f"{name}: write it as OUTCOME <= NUMBER, e.g. largest_loss_per_head<=2 "
                         f"(outcomes: {', '.join(OUTCOMES)})")
    op = {"==": "=", "=<": "<=", "=>": ">="}.get(m.group("op"), m.group("op"))
    try:
        limit = _number(m.group("right"))
    except ValueError:
        raise ValueError(f"{name}: '{m.group('right').strip()}' is not a number") from None
    column = _outcome_key(m.group("left"), years, name)
    return Condition(text, column, op, limit)


def _outcome_key(left: str, years: int, name: str) -> str:
    s = left.strip().lower().replace("£", "").replace("(", " ").replace(")", " ").replace("-", " ")
    s = re.sub(r"\s+", "_", s.strip())
    s = re.sub(r"^(the_|number_of_)", "", s)
    s = re.sub(r"_(in_)?(any|every|each|all)_years?$", "", s)
    year = None
    m = re.search(r"_(?:in_)?year_?(\d+)$", s) or re.search(r"_y(\d+)$", s)
    if m:
        year, s = int(m.group(1)), s[: m.start()]
    else:
        m = re.search(r"_(?:over_|in_)?(?:the_)?(?:(\d+)_?y(?:ears?|rs?)?|all_years|horizon)$", s)
        if m:
            if m.group(1) is not None and int(m.group(1)) != years:
                raise ValueError(f"{name}: the scenario models {years} years, not {m.group(1)}")
            s = s[: m.start()]
    s = _ALIASES.get(s, s)
    if s not in OUTCOMES:
        raise ValueError(f"{name}: no outcome '{left.strip()}' (outcomes: {', '.join(OUTCOMES)}; add _y2 for "
                         "year 2)")
    if year is not None:
        if not 1 <= year <= years:
            raise ValueError(f"{name}: year {year} is outside the {years} years modelled (years 1 to {years})")
        return f"{s}_y{year}"
    return s


# --------------------------------------------------------------------------------------------
# Evaluation: options × years as the rows of the engine's arrays
# --------------------------------------------------------------------------------------------

_DIRECT = {"pot.rate_per_head", "pot.rate_per_over75", "pot.uplift_pct", "distribution.floor", "distribution.cap",
           "les.reinvest_pct", "les.counts_toward_pot", "staffing.committed_pct",
           "admissions.baseline_per_1000_over75", "admissions.cost_per_admission", "admissions.effect_from_year",
           "distribution.level", "les.protection.funded_from"}


def _group_of(key: str) -> set[str]:
    """Which per-distinct-value computations a lever feeds (besides the per-row figures)."""
    out = set()
    if key.startswith("growth."):
        out |= {"growth", "shares", "les"}
    if key.startswith("distribution.weights.") or key == "distribution.non_participants":
        out.add("shares")
    if key.startswith("les.schemes."):
        out.add("les")
    if key.startswith("funding.") or key == "admissions.expected_reduction_pct":
        out.add("gate")
    return out


class _Memo:
    """Arrays worked out once per distinct setting, kept while they fit in the element budget."""

    def __init__(self, budget: int):
        self.budget, self.used, self.store = budget, 0, {}

    def get(self, key: Any, make: Callable[[], Any], size: int) -> Any:
        if key in self.store:
            return self.store[key]
        value = make()
        if self.used + size > self.budget:
            self.store.clear()
            self.used = 0
        self.store[key] = value
        self.used += size
        return value


class _Context:
    """What does not change between options: the list, the base scenario, the levers' groups."""

    def __init__(self, pl: PracticeList, scenario: Scenario, options: pd.DataFrame):
        self.pl, self.sc = pl, scenario
        self.T, self.N, self.comm = scenario.horizon_years, len(pl), pl.comm
        self.n = pl.comm.n
        self.keys = list(options.columns)
        keys = set(self.keys)
        self.basis = ("over75" if "pot.rate_per_over75" in keys else "list_size" if "pot.rate_per_head" in keys
                      else scenario.pot.basis)
        self.group_keys = {g: [k for k in self.keys if g in _group_of(k)] for g in ("growth", "shares", "les", "gate")}
        self.memo = _Memo(8 * ELEMENT_BUDGET)

    def group_scenario(self, group: str, values: Mapping[str, Any]) -> Scenario:
        """The base scenario with only this group's levers set (their settings, resolved by the schema)."""
        return self.sc.with_changes(option_changes(self.sc, values)) if values else self.sc

    # per distinct value of a group's levers --------------------------------------------------

    def bases(self, sc: Scenario) -> dict[str, np.ndarray]:
        g = sc.growth
        return self.memo.get(("bases", g.list_size_pct, g.over75_pct), lambda: populations(
            self.pl.list_size, self.pl.over75, self.pl.weighted_list, g, self.T), 3 * self.T * self.N)

    def totals(self, sc: Scenario) -> dict[str, np.ndarray]:
        g = sc.growth

        def make():
            b = self.bases(sc)
            return {k: self.comm.sum(v) for k, v in b.items()}
        return self.memo.get(("totals", g.list_size_pct, g.over75_pct), make, 3 * self.T * self.n)

    def share(self, sc: Scenario) -> np.ndarray:
        d, g = sc.distribution, sc.growth
        key = ("share", tuple(d.weights.model_dump().values()), d.non_participants, g.list_size_pct, g.over75_pct)
        return self.memo.get(key, lambda: shares(self.bases(sc), d.weights.model_dump(), self.pl.participating,
                                                 self.comm, retain=d.non_participants == "retain"), self.T * self.N)

    def les(self, sc: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        key = ("les", repr(sorted(sc.les.model_dump()["schemes"].items())), sc.growth.list_size_pct)

        def make():
            lists = self.bases(sc)["list_size"]
            e = les_effect(self.pl.les, self.pl.list_size, lists, sc.les.schemes, self.comm)
            loss, gain = e.total_loss(lists.shape), e.total_gain(lists.shape)
            return loss, gain, self.comm.isum(loss), self.comm.isum(gain)
        return self.memo.get(key, make, 2 * self.T * self.N)

    def gate(self, sc: Scenario) -> np.ndarray:
        return gate(sc.funding, sc.admissions.expected_reduction_pct, self.T)

    def uplift(self, u: float) -> np.ndarray:
        # the engine's own expression (model.funding.base_pot_pounds), so the factor is the same to the bit
        return (1.0 + u / 100.0) ** np.arange(self.T)


def _direct(options: pd.DataFrame, key: str, default: Any) -> np.ndarray:
    if key in options:
        return options[key].to_numpy()
    return np.full(len(options), default, dtype=object if isinstance(default, str) else None)


def _factorize(options: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Each option's index among the distinct combinations of `keys`, and those combinations."""
    if not keys:
        return np.zeros(len(options), dtype=np.int64), [{}]
    ids = options.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    first = np.unique(ids, return_index=True)[1]
    combos = [{k: _plain(options[k].iat[i]) for k in keys} for i in first]
    return ids.astype(np.int64), combos


def _plain(v: Any) -> Any:
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return None if np.isnan(v) else float(v)
    return v


def evaluate(practices: pd.DataFrame | PracticeList, scenario: Scenario, options: pd.DataFrame, *,
             element_budget: int = ELEMENT_BUDGET,
             progress: Callable[[int, int], None] | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """The outcomes of every option (a row of lever values, columns named by lever key) of `scenario`.

    Returns the outcomes (one row per option: the horizon figures, then ``<key>_y<k>`` per year, then
    ``warnings`` and ``checks_pass``) and which options are valid (False: the settings cannot be used
    together, e.g. a floor above the cap: not worked out, and :func:`explore` leaves them out). Options ×
    years go through the engine's steps as rows, a chunk of at most `element_budget` option-year-practice
    elements at a time; `progress(done, total)` is called after each chunk.
    """
    pl = practices if isinstance(practices, PracticeList) else prepare(practices)
    ctx = _Context(pl, scenario, options)
    n_options, T = len(options), ctx.T
    valid = np.ones(n_options, bool)
    notes: list[str] = []

    # Distinct settings per group, each resolved once through the scenario schema.
    group_ids, group_sc = {}, {}
    for g, keys in ctx.group_keys.items():
        ids, combos = _factorize(options, keys)
        scs = []
        for c in combos:
            try:
                sc = ctx.group_scenario(g, c)
                if sc.distribution.weights.weighted_list > 0 and pl.weighted_list is None:
                    raise EngineInputError("the practice list has no 'weighted_list' column")
                scs.append(sc)
            except (ScenarioError, ValueError) as err:
                scs.append(None)
                text = " ".join(str(err).split())
                if text not in notes and len(notes) < 5:   # the first few reasons; the count follows
                    notes.append(text)
        bad = np.array([s is None for s in scs])
        valid &= ~bad[ids]
        group_ids[g], group_sc[g] = ids, scs

    # Per-option figures, straight from the levers (or the scenario).
    sc, d, a, p = scenario, scenario.distribution, scenario.admissions, scenario.les.protection
    rate = _direct(options, "pot.rate_per_over75" if ctx.basis == "over75" else "pot.rate_per_head",
                   sc.pot.rate).astype(float)
    uplift = _direct(options, "pot.uplift_pct", sc.pot.uplift_pct).astype(float)
    floor = _direct(options, "distribution.floor", d.floor).astype(float)
    cap = (np.array([np.inf if _is_none(v) else float(v) for v in options["distribution.cap"]])
           if "distribution.cap" in options else d.cap)
    if cap is not None:
        over = floor > cap
        valid &= ~over
        if over.any():
            notes.append(f"{int(over.sum()):,} options have a floor above the cap")
    reinvest = _direct(options, "les.reinvest_pct", sc.les.reinvest_pct).astype(float)
    counts = _direct(options, "les.counts_toward_pot", sc.les.counts_toward_pot).astype(bool)
    committed = _direct(options, "staffing.committed_pct", sc.staffing.committed_pct).astype(float)
    baseline = _direct(options, "admissions.baseline_per_1000_over75", a.baseline_per_1000_over75).astype(float)
    cost = _direct(options, "admissions.cost_per_admission", a.cost_per_admission).astype(float)
    effect = _direct(options, "admissions.effect_from_year", a.effect_from_year).astype(np.int64)
    level = _direct(options, "distribution.level", d.level).astype(object)
    funded = _direct(options, "les.protection.funded_from", p.funded_from).astype(object)
    allowed_pct = np.tile(np.array(expand_by_year(list(p.max_loss_pct), T), dtype=float), (n_options, 1))
    if _MAX_LOSS in options:
        allowed_pct[:] = options[_MAX_LOSS].to_numpy(float)[:, None]
    for key in options.columns:
        m = _YEAR_LEVER.match(key)
        if m:
            allowed_pct[:, int(m.group(1))] = options[key].to_numpy(float)
    allowed = allowed_pct / 100.0
    uplift_ids, uplift_values = pd.factorize(uplift)
    uplift_table = np.array([ctx.uplift(u) for u in uplift_values]).reshape(len(uplift_values), T)

    per_option = dict(rate=rate, uplift=uplift_table[uplift_ids],
                      floor=floor if "distribution.floor" in options else float(d.floor),
                      cap=cap if "distribution.cap" in options else (None if d.cap is None else float(d.cap)),
                      reinvest=reinvest,
                      counts=counts, committed=committed, baseline=baseline, cost=cost,
                      effect=effect, allowed=allowed)
    out = _Outcomes(n_options, T)
    # Structural groups (who is paid, who funds protection) run apart; within one, the options are sorted so
    # that a chunk shares as many distinct settings as it can.
    order_keys = [level, funded, group_ids["growth"], group_ids["les"], group_ids["shares"], group_ids["gate"]]
    frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(order_keys)})
    frame = frame[valid]
    per_chunk = max(1, element_budget // (T * ctx.N))
    done = 0
    for (lev, fund), block in frame.groupby(["k0", "k1"], sort=False):
        idx = block.sort_values([f"k{i}" for i in range(2, 6)], kind="stable").index.to_numpy()
        for start in range(0, len(idx), per_chunk):
            rows = idx[start:start + per_chunk]
            _evaluate_chunk(ctx, rows, str(lev), str(fund), per_option, group_ids, group_sc, out)
            done += len(rows)
            if progress is not None:
                progress(done, int(valid.sum()))
    table = out.frame(valid)
    table.attrs["notes"] = notes
    return table, valid


class _Outcomes:
    """The outcome arrays of every option, filled chunk by chunk."""

    def __init__(self, n: int, T: int):
        self.T = T
        self.year = {k: np.zeros((n, T), dtype=np.int64) for k in _MONEY + _COUNTS}
        self.year["largest_loss_per_head"] = np.zeros((n, T))
        self.year["break_even_reduction_pct"] = np.zeros((n, T))
        self.horizon = {k: np.zeros(n, dtype=np.int64) for k in _COUNTS}
        self.break_even = np.zeros(n)
        self.warnings = np.zeros(n, dtype=np.int64)
        self.checks = np.ones(n, bool)

    def frame(self, valid: np.ndarray) -> pd.DataFrame:
        cols: dict[str, np.ndarray] = {}
        for key, o in OUTCOMES.items():
            y = self.year[key]
            if o.horizon == "sum":
                h = y.sum(axis=1)
            elif o.horizon == "worst":
                h = y.max(axis=1)
            elif key == "break_even_reduction_pct":
                h = self.break_even
            else:
                h = self.horizon[key]
            cols[key] = h
        for key in OUTCOMES:
            for t in range(self.T):
                cols[f"{key}_y{t + 1}"] = self.year[key][:, t]
        out = {k: (v / 100.0 if _split_year(k)[0] in _MONEY else v) for k, v in cols.items()}
        out["warnings"] = self.warnings
        out["checks_pass"] = self.checks & valid
        return pd.DataFrame(out)


def _evaluate_chunk(ctx: _Context, rows: np.ndarray, level: str, funded_from: str, per: dict, group_ids: dict,
                    group_sc: dict, out: _Outcomes) -> None:
    """One chunk of options (indices `rows`), as the steps of ``model.engine.run`` on (options × years) rows."""
    T, N, comm, pl = ctx.T, ctx.N, ctx.comm, ctx.pl
    O = len(rows)  # noqa: E741 - the options in the chunk: arrays are (O·T, N) rows
    R = O * T

    def gather(group: str, make: Callable[[Scenario], Any]) -> list:
        ids = group_ids[group][rows]
        uniq, inv = np.unique(ids, return_inverse=True)
        return [make(group_sc[group][u]) for u in uniq], inv.reshape(-1)

    def stack(parts: list[np.ndarray], inv: np.ndarray) -> np.ndarray:
        """(O·T, …) rows: each option's (T, …) array, taken from the distinct ones."""
        if len(parts) == 1:
            return np.tile(parts[0], (O, 1))
        return np.stack(parts)[inv].reshape((R,) + parts[0].shape[1:])

    def by_row(x: np.ndarray) -> np.ndarray:
        """A figure per option (O,) or per option-year (O, T) as one value per row (R,)."""
        x = np.asarray(x)
        return np.repeat(x, T) if x.ndim == 1 else x.reshape(-1)

    # §4.1 Population (per distinct growth).
    bases, inv = gather("growth", lambda s: (ctx.bases(s), ctx.totals(s)))
    lists = stack([b[0]["list_size"] for b in bases], inv)
    base_total = stack([b[1][ctx.basis] for b in bases], inv)
    o75_total = stack([b[1]["over75"] for b in bases], inv)

    # §4.2 Funding gate (per distinct funding settings).
    gates, ginv = gather("gate", ctx.gate)
    on = np.stack(gates)[ginv].reshape(-1)

    # §4.3 Base pot: the engine's (G·(1+u)^t)·rate·Σbase, rounded half up per commissioner-year.
    up = per["uplift"][rows].reshape(-1)
    base_pot = round_half_up(100.0 * ((on * up)[:, None] * by_row(per["rate"][rows])[:, None] * base_total))

    # §4.4 LES (per distinct scheme actions and list growth), recycled money and the pot.
    les, linv = gather("les", ctx.les)
    loss = stack([e[0] for e in les], linv)
    gain = stack([e[1] for e in les], linv)
    savings = stack([e[2] for e in les], linv)
    gained = stack([e[3] for e in les], linv)
    recycled = round_half_up((by_row(per["reinvest"][rows]) / 100.0)[:, None] * savings)
    counts = by_row(per["counts"][rows])[:, None]
    pot = np.where(counts, np.maximum(base_pot, recycled), base_pot + recycled)

    # §4.5 Shares (per distinct weights, non-participants and growth) and payees.
    sh, sinv = gather("shares", ctx.share)
    share = stack(sh, sinv)
    floor = per["floor"] if np.ndim(per["floor"]) == 0 else by_row(per["floor"][rows])[:, None]
    cap = per["cap"] if per["cap"] is None or np.ndim(per["cap"]) == 0 else by_row(per["cap"][rows])[:, None]
    pooled = (pl.localities, pl.locality_comm) if level == "locality" else ()
    paid_to = payees(share, comm, pl.participating, floor, cap, *pooled)

    # §4.6 Floors and caps, §4.7 transitional protection (the top-slice solved for every option at once).
    allowed = per["allowed"][rows].reshape(-1)
    settled = settle(pot, loss, allowed, paid_to, funded_from)
    allocation, protection = settled.allocation, settled.protection

    # §4.9 Net change and net cost; the reconciliations.
    net = allocation + protection - loss + gain
    net_total = comm.isum(net)
    net_cost = net_total + settled.retained
    alloc_total = comm.isum(allocation)
    ok = ((alloc_total + settled.topslice + settled.retained == pot)
          & (net_cost == money_identity(pot, settled.from_commissioner, savings, gained)))
    out.checks[rows] = ok.reshape(O, -1).all(axis=1)

    # §4.10 Admissions: the break-even cut (the summary's per year; the horizon's as the tornado's headline).
    o75_year = o75_total.reshape(O, T, -1).sum(axis=2)
    nc_year = net_cost.reshape(O, T, -1).sum(axis=2)
    b, c = per["baseline"][rows], per["cost"][rows]
    out.year["break_even_reduction_pct"][rows] = break_even_reduction_pct(
        nc_year / 100.0, o75_year, b[:, None], c[:, None])
    later = np.arange(T)[None, :] >= per["effect"][rows][:, None]
    o75_h = np.where(later[:, :, None], o75_total.reshape(O, T, -1), 0.0).reshape(O, -1).sum(axis=1)
    out.break_even[rows] = break_even_reduction_pct(nc_year.sum(axis=1) / 100.0, o75_h, b, c)

    # §4.11 Unfunded staff commitments (the engine's formula, per option).
    committed = per["committed"][rows]
    if committed.any():
        a3 = allocation.reshape(O, T, N).astype(float)
        best_before = np.concatenate([np.zeros((O, 1, N)), np.maximum.accumulate(a3, axis=1)[:, :-1]], axis=1)
        stranded = round_half_up(np.maximum(0.0, committed[:, None, None] / 100.0 * best_before - a3))
    else:   # nothing committed: nothing stranded (what the formula gives, without working it out)
        stranded = np.zeros((O, T, N), dtype=np.int64)

    # Outcomes per option and year.
    def per_year(x: np.ndarray) -> np.ndarray:
        return x.reshape(O, T, -1).sum(axis=2)

    y = out.year
    y["net_cost"][rows] = nc_year
    y["new_money"][rows] = per_year(pot - recycled)
    y["recycled"][rows] = per_year(recycled)
    y["protection"][rows] = per_year(comm.isum(protection))
    y["unfunded_commitment"][rows] = stranded.reshape(O, T, N).sum(axis=2)
    net3 = net.reshape(O, T, N)
    losing = net3 < 0
    y["worse_off"][rows] = losing.sum(axis=2)
    y["better_off"][rows] = (net3 > 0).sum(axis=2)
    y["unchanged"][rows] = (net3 == 0).sum(axis=2)
    lost = np.maximum(0, -net3)
    y["largest_loss"][rows] = lost.max(axis=2)
    y["total_lost"][rows] = lost.sum(axis=2)
    per_head = np.divide(net / 100.0, lists, out=np.zeros(net.shape), where=lists > 0)
    y["largest_loss_per_head"][rows] = np.maximum(0.0, -per_head.reshape(O, T, N).min(axis=2)) + 0.0
    ever_lost = losing.any(axis=1)
    out.horizon["worse_off"][rows] = ever_lost.sum(axis=1)
    out.horizon["better_off"][rows] = (~ever_lost & (net3 > 0).any(axis=1)).sum(axis=1)
    out.horizon["unchanged"][rows] = (net3 == 0).all(axis=1).sum(axis=1)

    # The warnings a run would give (model.engine._warnings), counted.
    flags, none = settled.flags, np.zeros(pot.shape, bool)
    warn = (settled.over_pot.astype(np.int64) + (flags.get("floors_unaffordable", none) & (pot > 0))
            + (flags.get("caps_bind_all", none) & (pot > 0)))
    no_part = int((comm.sum(pl.participating[None, :].astype(float))[0] == 0).sum())
    out.warnings[rows] = warn.reshape(O, -1).sum(axis=1) + no_part


# --------------------------------------------------------------------------------------------
# Frontier
# --------------------------------------------------------------------------------------------


def pareto(cost: np.ndarray, loss: np.ndarray, worse: np.ndarray | None = None,
           first_of_ties: bool = False) -> np.ndarray:
    """Which points no other point beats: lower or equal on every axis and lower on one (all minimised).
    Identical points do not beat each other: all of them are on the frontier, or with `first_of_ties`
    only the first (lowest index) of them. NaN points are never on the frontier.

    >>> pareto(np.array([1.0, 2.0, 3.0, 2.0]), np.array([3.0, 1.0, 0.0, 2.0])).tolist()
    [True, True, True, False]
    >>> pareto(np.array([1.0, 1.0]), np.array([2.0, 2.0]), np.array([3, 1])).tolist()
    [False, True]
    >>> pareto(np.array([1.0, 1.0, 2.0]), np.array([2.0, 2.0, 1.0]), first_of_ties=True).tolist()
    [True, False, True]
    """
    cost, loss = np.asarray(cost, dtype=float), np.asarray(loss, dtype=float)
    ok = np.isfinite(cost) & np.isfinite(loss)
    third = np.zeros(len(cost)) if worse is None else np.asarray(worse, dtype=float)
    ok &= np.isfinite(third)
    result = np.zeros(len(cost), bool)
    idx = np.flatnonzero(ok)
    if not idx.size:
        return result
    c, ls, w = cost[idx], loss[idx], third[idx]
    order = np.lexsort((ls, c))
    c_sorted, l_sorted, w_sorted = c[order], ls[order], w[order]
    dominated = np.zeros(len(idx), bool)
    levels = np.unique(w)
    for i, level in enumerate(levels):
        mine = w == level
        at_most = np.where(w_sorted <= level, l_sorted, np.inf)
        below = np.where(w_sorted < level, l_sorted, np.inf) if i > 0 else None
        run_min = np.minimum.accumulate(at_most)
        qc, ql = c[mine], ls[mine]
        # A: cheaper, with a loss no larger; B: no dearer, with a smaller loss (both at this level or below)
        left = np.searchsorted(c_sorted, qc, side="left")
        right = np.searchsorted(c_sorted, qc, side="right")
        a = (left > 0) & (run_min[np.maximum(left - 1, 0)] <= ql)
        b = run_min[right - 1] < ql
        dom = a | b
        if below is not None:   # C: no dearer and no larger loss, and fewer worse off
            run_below = np.minimum.accumulate(below)
            dom |= run_below[right - 1] <= ql
        dominated[mine] = dom
    result[idx] = ~dominated
    if first_of_ties:
        keep = np.flatnonzero(result)
        points = pd.DataFrame({"c": cost[keep], "l": loss[keep], "w": third[keep]})
        result[keep[points.duplicated(keep="first").to_numpy()]] = False
    return result


# --------------------------------------------------------------------------------------------
# The exploration
# --------------------------------------------------------------------------------------------


@dataclass
class Exploration:
    """What :func:`explore` returns.

    ``options``: one row per option — ``option`` (its number, from 1), the levers' values (columns named by
    lever key), the outcomes over the horizon, ``meets_conditions``, ``frontier`` (no option is cheaper
    with a largest loss per patient no larger, or as cheap with a smaller one; of options with the same
    two figures, the first ranked stands for them), ``frontier_worse_off`` (the same with practices
    worse off as a third axis), ``warnings`` (how many warnings its run gives),
    ``checks_pass`` (every reconciliation holds), then each outcome by year (``<key>_y1`` …). Options whose
    settings cannot be used together (e.g. a floor above the cap) are left out; ``notes`` says why.
    """

    scenario: Scenario
    levers: tuple[Lever, ...]
    conditions: tuple[Condition, ...]
    objective: str
    options: pd.DataFrame
    best: int | None
    nearest: pd.DataFrame
    mode: str
    seed: int | None
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def lever_keys(self) -> list[str]:
        return [lv.key for lv in self.levers]

    def option(self, number: int) -> pd.Series:
        """One option's row, by its number."""
        rows = self.options[self.options["option"] == int(number)]
        if rows.empty:
            raise KeyError(f"no option {number}")
        return rows.iloc[0]

    def settings(self, number: int) -> dict[str, Any]:
        """One option's lever values, {lever key: value}."""
        row = self.option(number)
        return {k: _plain(row[k]) for k in self.lever_keys}

    def settings_text(self, number: int) -> str:
        """One option's lever values in words."""
        return "; ".join(f"{lever_label(k)} {_value_words(k, v)}" for k, v in self.settings(number).items())

    def scenario_for(self, number: int) -> Scenario:
        """One option as a scenario (what ``run`` would be given), named after the option."""
        text = self.settings_text(number)
        sc = option_scenario(self.scenario, self.settings(number), name=f"{self.scenario.name} (option {number})")
        return sc.model_copy(update={"description": (f"Option {number} of an options exploration of "
                                                     f"'{self.scenario.name}': {text}.")[:4000]})

    def frontier(self, worse_off: bool = False) -> pd.DataFrame:
        """The options on the frontier, cheapest first."""
        col = "frontier_worse_off" if worse_off else "frontier"
        return self.ranked(self.options[self.options[col]])

    def meeting(self) -> pd.DataFrame:
        """The options that meet every condition, best first."""
        return self.ranked(self.options[self.options["meets_conditions"]])

    def ranked(self, table: pd.DataFrame) -> pd.DataFrame:
        """`table` in the order options are ranked (:func:`rank_order`)."""
        return rank_order(table, self.objective)

    def summary_text(self) -> str:
        """What was explored and what came out, in a few lines (the CLI prints it)."""
        T = self.scenario.horizon_years
        n = len(self.options)
        lines = [f"{n:,} options ({self.mode}{'' if self.mode == 'grid' else f', seed {self.seed}'}) of "
                 f"'{self.scenario.name}' in {self.seconds:.2f} s; {int(self.options['frontier'].sum()):,} on the "
                 f"frontier of {outcome_label(self.objective, T)} against the largest loss per patient"]
        if self.conditions:
            lines.append(f"{int(self.options['meets_conditions'].sum()):,} meet: "
                         + "; ".join(c.describe() for c in self.conditions))
        if self.best is not None:
            row = self.option(self.best)
            lines.append(f"best: option {self.best}: {self.settings_text(self.best)}")
            loss = _value_text("largest_loss_per_head", row["largest_loss_per_head"])
            lines.append(f"  {outcome_label(self.objective, T)} {_value_text(self.objective, row[self.objective])}; "
                         f"largest loss per patient {loss} (worst year); worse off {int(row['worse_off'])} (any year); "
                         f"checks {'all PASS' if row['checks_pass'] else 'FAILED'}")
        elif not self.nearest.empty:
            lines.append("no option meets every condition; the nearest:")
            for r in self.nearest.itertuples():
                lines.append(f"  option {r.option}: {self.settings_text(r.option)} — {r.misses}")
        lines += [f"note: {t}" for t in self.notes]
        return "\n".join(lines)


def _nearest(options: pd.DataFrame, conditions: Sequence[Condition], objective: str, top: int = 5) -> pd.DataFrame:
    """The options closest to meeting every condition: fewest conditions missed, then the smallest misses
    (each relative to its limit, or to the spread of the outcome across options when the limit is 0)."""
    if options.empty or not conditions:
        return pd.DataFrame(columns=["option", "conditions_missed", "distance", "misses"])
    gaps, fails, missed = [], [], np.zeros(len(options), np.int64)
    dist = np.zeros(len(options))
    for c in conditions:
        v = options[c.column].to_numpy(float)
        gap = c.shortfall(v)
        spread = float(np.nanmax(v) - np.nanmin(v)) if np.isfinite(v).any() else 0.0
        scale = max(abs(c.limit), spread, 1e-9)
        dist += np.nan_to_num(gap / scale, nan=np.inf)
        fail = ~c.holds(v)          # a strict condition missed at its limit misses by 0
        missed += fail
        gaps.append(gap)
        fails.append(fail)
    table = pd.DataFrame({"option": options["option"].to_numpy(), "conditions_missed": missed, "distance": dist,
                          objective: options[objective].to_numpy()})
    table = table.sort_values(["conditions_missed", "distance", objective, "option"], kind="stable").head(top)
    texts = []
    for i in table.index:
        parts = []
        for c, gap, fail in zip(conditions, gaps, fails):
            if fail[i]:
                value = options[c.column].iat[i]
                parts.append(f"{_outcome_words(c.column)} {_value_text(c.column, value)} (condition: "
                             f"{c.describe()}; misses by {_value_text(c.column, gap[i])})")
        texts.append("; ".join(parts))
    table["misses"] = texts
    return table.reset_index(drop=True)[["option", "conditions_missed", "distance", "misses"]]


def explore(practices: pd.DataFrame | PracticeList, scenario: Scenario, levers: Sequence[Lever], *,
            samples: int | None = None, sampler: str = "sobol", seed: int | None = 2014,
            conditions: Sequence[str | Condition] = (), objective: str = "net_cost",
            element_budget: int = ELEMENT_BUDGET,
            progress: Callable[[int, int], None] | None = None) -> Exploration:
    """Explore the options `levers` make of `scenario` on a practice list (see the module docstring).

    `samples` None: the full grid; else that many seeded Sobol or Latin-hypercube (`sampler` "lhs")
    options. `conditions` are strings (:func:`parse_condition`) or :class:`Condition`; `objective` is the
    outcome column minimised (default the net cost over the horizon). ValueError naming the lever or
    condition that cannot be used; EngineInputError when the list cannot serve the scenario.
    """
    started = time.perf_counter()
    pl = practices if isinstance(practices, PracticeList) else prepare(practices)
    levers = tuple(levers)
    check_levers(levers, scenario, pl)
    for lv in levers:   # each lever's column, written the same way in every file (and every chunk of one)
        register(Column(lv.key, lever_label(lv.key), "text" if lv.kind == "choice" else
                        "count" if lv.integer else "decimal", f"The scenario setting {lv.key} of the option"))
    from model.engine import _check_inputs
    _check_inputs(pl, scenario)
    T = scenario.horizon_years
    conds = tuple(c if isinstance(c, Condition) else parse_condition(c, T) for c in conditions)
    objective = _outcome_key(objective, T, f"objective '{objective}'") if objective not in OUTCOMES else objective
    if samples is None:
        table = grid(levers)
        mode = "grid"
    else:
        table = _samples(levers, int(samples), sampler, seed)
        mode = "sobol" if sampler == "sobol" else "lhs"
    work = len(table) * T * len(pl)
    if work > MAX_ELEMENTS:
        raise ValueError(f"{len(table):,} options × {T} years × {len(pl):,} practices is more than this machine "
                         f"should be asked for at once ({MAX_ELEMENTS:,} option-practice-years): use fewer options")
    notes: list[str] = []
    if samples is not None and len(table) < int(samples):
        notes.append(f"{int(samples) - len(table):,} duplicate samples dropped")
    outcomes, valid = evaluate(pl, scenario, table, element_budget=element_budget, progress=progress)
    notes += outcomes.attrs.get("notes", [])
    if not valid.all():
        notes.append(f"{int((~valid).sum()):,} of {len(table):,} options cannot be used (settings that do not go "
                     "together) and are left out")
    # One frame, built once (100,000 options × ~80 columns: each copy is ~60 MB): the option, its levers, the
    # horizon outcomes, whether it meets the conditions and is on the frontier, then the years.
    def col(k: str, frame: pd.DataFrame = outcomes) -> np.ndarray:
        return frame[k].to_numpy()[valid]

    cols: dict[str, Any] = {"option": np.arange(1, len(table) + 1)[valid]}
    cols.update({lv.key: table[lv.key].to_numpy()[valid] for lv in levers})
    cols.update({k: col(k) for k in OUTCOMES})
    n = int(valid.sum())
    meets = np.ones(n, bool)
    for c in conds:
        meets &= c.holds(col(c.column).astype(float))
    # The frontier in rank order, so that of options with the same outcomes the first ranked stands for them.
    objective_values = col(objective).astype(float)
    order = np.lexsort((cols["option"], cols["worse_off"], cols["largest_loss_per_head"], objective_values))
    cost, loss_ph, worse = (np.asarray(v, dtype=float)[order]
                            for v in (objective_values, cols["largest_loss_per_head"], cols["worse_off"]))
    front, front3 = np.zeros(n, bool), np.zeros(n, bool)
    front[order] = pareto(cost, loss_ph, first_of_ties=True)
    front3[order] = pareto(cost, loss_ph, worse, first_of_ties=True)
    cols.update({"meets_conditions": meets, "frontier": front, "frontier_worse_off": front3,
                 "warnings": col("warnings"), "checks_pass": col("checks_pass")})
    cols.update({k: col(k) for k in outcomes.columns if k not in cols})
    options = pd.DataFrame(cols)
    if not options["checks_pass"].all():
        notes.append(f"{int((~options['checks_pass']).sum()):,} options FAIL a reconciliation check")
    best, nearest = choose(options, conds, objective)
    return Exploration(scenario=scenario, levers=levers, conditions=conds, objective=objective, options=options,
                       best=best, nearest=nearest, mode=mode, seed=seed if samples is not None else None,
                       seconds=time.perf_counter() - started, notes=notes)


def rank_order(options: pd.DataFrame, objective: str = "net_cost") -> pd.DataFrame:
    """`options` in the order they are ranked: least of the objective, then the smallest largest loss per
    patient, then the fewest practices worse off, then the option number."""
    return options.sort_values([objective, "largest_loss_per_head", "worse_off", "option"],
                               kind="stable").reset_index(drop=True)


def choose(options: pd.DataFrame, conditions: Sequence[Condition], objective: str = "net_cost",
           ) -> tuple[int | None, pd.DataFrame]:
    """The best option — the first ranked (:func:`rank_order`) of those meeting every condition — and, when
    none meets them, the nearest options (fewest conditions missed, then the smallest misses).

    >>> table = pd.DataFrame({"option": [1, 2, 3], "net_cost": [10.0, 20.0, 30.0],
    ...                       "largest_loss_per_head": [3.0, 2.0, 1.0], "worse_off": [5, 4, 3]})
    >>> choose(table, [parse_condition("largest_loss_per_head <= 2", 5)])[0]
    2
    >>> best, nearest = choose(table, [parse_condition("largest_loss_per_head <= 0.5", 5)])
    >>> best, nearest["option"].tolist()[:1]
    (None, [3])
    >>> nearest["misses"][0]
    'Largest practice loss per patient £1.00 (condition: Largest practice loss per patient at most £0.50; misses by
    £0.50)'
    """
    meets = np.ones(len(options), bool)
    for c in conditions:
        meets &= c.holds(options[c.column].to_numpy(float))
    meeting = rank_order(options[meets], objective)
    if not meeting.empty:
        return int(meeting["option"].iat[0]), pd.DataFrame(columns=["option", "conditions_missed", "distance",
                                                                      "misses"])
    return None, _nearest(options, conditions, objective)


_samples = samples   # explore() has a `samples` argument of its own
