"""The Options view's figures, pure (no Streamlit): which levers can be picked and their default ranges, the
spec of an exploration the page caches, the cards, the ranked table and each option in words.

Everything is read from :mod:`model.analysis.explore` (the outcomes and how they add up over the years)
and :mod:`model.columns` (headings and kinds); money text is :mod:`model.formats`'s.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from model import fields
from model.analysis.explore import (
    Exploration,
    Lever,
    _spec,
    lever,
    lever_keys,
    lever_label,
    outcome_label,
    parse_condition,
)
from model.columns import kind
from model.formats import count, money, pct
from model.scenario import Scenario, get_path
from screen.cards import Card

DEFAULT_LEVERS = ("pot.rate_per_head", "les.reinvest_pct", "les.protection.max_loss_pct")
DEFAULT_CONDITIONS = "largest_loss_per_head <= 2"
TABLE_OUTCOMES = ("net_cost", "largest_loss_per_head", "worse_off", "new_money", "recycled", "protection",
                  "total_lost", "largest_loss", "unfunded_commitment", "break_even_reduction_pct")
"""The outcome columns the ranked table shows (over the horizon), after the option and its settings."""
PLOT_POINTS = 3000
"""Options drawn on the frontier chart besides the frontier itself (a seeded sample of the rest)."""


def pickable_levers(scenario: Scenario, les_columns: Iterable[str], weighted_list: bool) -> list[str]:
    """The levers the page offers: every lever key (:func:`model.analysis.explore.lever_keys`) the list and
    scenario can use — no weighted-list weight without a weighted list, and the pot rate in use only.

    >>> keys = pickable_levers(Scenario(), ["les_total"], weighted_list=False)
    >>> keys[:3], "distribution.weights.weighted_list" in keys, "pot.rate_per_over75" in keys
    (['pot.rate_per_head', 'pot.uplift_pct', 'distribution.floor'], False, False)
    """
    rate = "pot.rate_per_over75" if scenario.pot.basis == "over75" else "pot.rate_per_head"
    out = []
    for key in lever_keys(scenario, les_columns):
        if key.startswith("pot.rate_per_") and key != rate:
            continue
        if key == "distribution.weights.weighted_list" and not weighted_list:
            continue
        out.append(key)
    return out


def is_choice(key: str) -> bool:
    """Whether a lever is picked from choices (else it is a number range)."""
    return _spec(key)[0] == "choice"


def choices(key: str) -> list[Any]:
    """A choice lever's choices, in the schema's order."""
    return list(_spec(key)[1])


def choice_label(key: str, value: Any) -> str:
    """A choice in words: 'Top-slice of the pot', 'Decommission', 'yes'."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        return fields.field(key).choice_label(value)
    except KeyError:
        return str(value)


def _nice(x: float) -> float:
    """A round step near `x`: 1, 2 or 5 times a power of ten."""
    if x <= 0:
        return 1.0
    p = 10 ** math.floor(math.log10(x))
    return float(min((m * p for m in (1, 2, 5, 10)), key=lambda v: abs(v - x)))


def current_value(scenario: Scenario, key: str) -> float | None:
    """The scenario's own value of a numeric lever (the first year's for a year's protection)."""
    if key.startswith("les.protection.max_loss_pct"):
        year = int(key.split("[")[1].rstrip("]")) if "[" in key else 0
        return scenario.les.protection.allowed_loss_share(scenario.horizon_years)[year] * 100.0
    if key.startswith("les.schemes."):
        col, part = key.split(".")[2:4]
        action = scenario.les.schemes.get(col)
        value = getattr(action, part, None) if action is not None else None
        return None if value is None else float(value)
    try:
        value = get_path(scenario.to_dict(), key)
    except (KeyError, TypeError):
        return None
    return None if value is None or isinstance(value, (bool, str)) else float(value)


def default_range(scenario: Scenario, key: str) -> tuple[float, float, float]:
    """A first range for a numeric lever: (low, high, step) around the scenario's value within the schema's
    limits — a percentage over 0–100 by 10, the pot rate £3–£7 by 0.25 (the issue's question), else half to
    one and a half times the value in about ten steps.

    >>> default_range(Scenario(), "pot.rate_per_head"), default_range(Scenario(), "les.reinvest_pct")
    ((3.0, 7.0, 0.25), (0.0, 100.0, 10.0))
    >>> default_range(Scenario(), "distribution.floor")
    (0.0, 50000.0, 5000.0)
    """
    _, _, integer, lo, hi = _spec(key)
    lo = 0.0 if lo is None else lo
    if key == "pot.rate_per_head":
        return 3.0, 7.0, 0.25
    if key == "pot.rate_per_over75":
        return 30.0, 70.0, 2.5
    if integer:
        return float(lo), float(min(hi if hi is not None else lo + 5, scenario.horizon_years - 1
                                    if "year" in key else lo + 5)), 1.0
    if hi is not None and (hi - lo) <= 100 and (key.endswith("_pct") or key.startswith("les.protection")):
        return max(lo, 0.0), min(hi, 100.0), 10.0 if hi - max(lo, 0.0) >= 50 else _nice((hi - max(lo, 0.0)) / 10)
    if hi is not None and hi <= 1:
        return lo, hi, 0.1
    value = current_value(scenario, key) or 0.0
    if value <= 0:
        low, high = lo, {"distribution.floor": 50_000.0, "distribution.cap": 150_000.0}.get(key, lo + 10.0)
    else:
        low, high = max(lo, 0.5 * value), 1.5 * value
    if hi is not None:
        high = min(high, hi)
    step = _nice((high - low) / 10)
    return float(low), float(high), step


def build_levers(picked: Sequence[dict]) -> list[Lever]:
    """The page's lever settings as levers: {"key", "values"} for a choice, {"key", "low", "high", "step"}
    for a number (step None: sampled only). ValueError naming the lever if one cannot be used."""
    out = []
    for p in picked:
        if "values" in p:
            out.append(lever(p["key"], p["values"]))
        else:
            out.append(lever(p["key"], low=p["low"], high=p["high"], step=p.get("step")))
    return out


def conditions_from_text(text: str, years: int) -> list[str]:
    """The conditions typed one per line (blank lines skipped), each checked: ValueError naming a bad one.

    >>> conditions_from_text("largest_loss_per_head <= 2\\n\\nworse off <= 10", 5)
    ['largest_loss_per_head <= 2', 'worse off <= 10']
    """
    lines = [ln.strip() for ln in text.replace(";", "\n").splitlines() if ln.strip()]
    for ln in lines:
        parse_condition(ln, years)
    return lines


def spec_json(picked: Sequence[dict], mode: str, n: int, seed: int, conditions: Sequence[str], objective: str) -> str:
    """One exploration as JSON text: what the page's cache is keyed on (with the list and the scenario)."""
    return json.dumps({"levers": list(picked), "mode": mode, "samples": n if mode != "grid" else None,
                       "seed": seed if mode != "grid" else None, "conditions": list(conditions),
                       "objective": objective}, sort_keys=True)


def option_count(levers: Sequence[Lever], mode: str, n: int) -> int:
    """How many options a spec makes (before any that cannot be used are left out)."""
    if mode != "grid":
        return n
    return math.prod(len(lv.values) if lv.values is not None else 0 for lv in levers)


def value_text(key: str, value: Any) -> str:
    """A lever's value in words, in its unit: '£3.25', '90 %', 'Decommission', 'no cap'.

    >>> value_text("pot.rate_per_head", 3.25), value_text("les.reinvest_pct", 90), value_text("distribution.cap", None)
    ('£3.25', '90 %', 'no cap')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no cap" if key == "distribution.cap" else "none"
    if is_choice(key):
        return choice_label(key, value)
    unit = fields.field(key.split("[")[0]).unit if not key.startswith("les.schemes.") else ""
    if key.startswith("les.protection.max_loss_pct") or "%" in unit:
        return f"{float(value):g} %"
    if unit.startswith("£") or key in ("distribution.floor", "distribution.cap"):
        return money(float(value), pence=None)
    return f"{float(value):g}"


def lever_kind(key: str) -> str:
    """How a numeric lever's values are shown in a table, from its unit: £ per patient to the penny, £ per
    practice in whole pounds, percentages, else plain numbers.

    >>> lever_kind("pot.rate_per_head"), lever_kind("distribution.floor"), lever_kind("les.protection.max_loss_pct[2]")
    ('rate', 'money', 'pct')
    """
    if key.startswith("les.protection.max_loss_pct"):
        return "pct"
    unit = "" if key.startswith("les.schemes.") and not key.endswith("rate_per_head") else \
        fields.field(key).unit
    if unit.startswith("£ per practice"):
        return "money"
    if unit.startswith("£"):
        return "rate"
    if unit.startswith("%"):
        return "pct"
    return "decimal"


def option_text(ex: Exploration, number: int) -> str:
    """An option's settings in words: 'Pot: £ per registered patient a year £3.00 · LES savings … 90 %'."""
    return " · ".join(f"{lever_label(k)}: {value_text(k, v)}" for k, v in ex.settings(number).items())


def outcome_text(key: str, value: float) -> str:
    """An outcome in words by its kind: '−£3,150,035', '£1.49', '69', '3.5 %'."""
    k = kind(key)
    if k == "money":
        return money(value)
    if k == "rate":
        return money(value, pence=True)
    if k == "pct":
        return pct(value)
    return count(value)


def cards(ex: Exploration) -> list[Card]:
    """The headline of an exploration: options explored, how many meet the conditions, and the best one."""
    T = ex.scenario.horizon_years
    n, meeting = len(ex.options), int(ex.options["meets_conditions"].sum())
    conditions = "; ".join(c.describe() for c in ex.conditions) or "no conditions"
    out = [Card("Options explored", count(n), f"{ex.mode} of {len(ex.levers)} lever(s), in {ex.seconds:.2f} s"),
           Card("Meet the conditions", count(meeting), conditions)]
    if ex.best is None:
        out.append(Card("Best option", "none", "No option meets every condition; the nearest are listed."))
        return out
    row = ex.option(ex.best)
    out += [Card(f"Best: option {ex.best}", outcome_text(ex.objective, row[ex.objective]),
                 f"{outcome_label(ex.objective, T)} of the option: {option_text(ex, ex.best)}"),
            Card("Its largest loss per patient", outcome_text("largest_loss_per_head", row["largest_loss_per_head"]),
                 outcome_label("largest_loss_per_head", T) + f"; {count(row['worse_off'])} practices worse off in "
                 "at least one year")]
    return out


def ranked_table(ex: Exploration, table: pd.DataFrame, top: int | None = 200) -> tuple[pd.DataFrame, dict[str, str]]:
    """Options (already in rank order) for the page: the option, its settings and the main outcomes, headed in
    words, and {heading: kind}."""
    T = ex.scenario.horizon_years
    rows = table.head(top) if top else table
    out = pd.DataFrame({"Option": rows["option"].to_numpy()})
    kinds = {"Option": "count"}
    for lv in ex.levers:
        name = lever_label(lv.key)
        if lv.kind == "choice":
            out[name] = [choice_label(lv.key, v) for v in rows[lv.key]]
            kinds[name] = "text"
        else:
            out[name] = rows[lv.key].to_numpy(float)
            kinds[name] = lever_kind(lv.key)
    for key in TABLE_OUTCOMES:
        name = outcome_label(key, T)
        out[name] = rows[key].to_numpy()
        kinds[name] = kind(key)
    out["Warnings"] = rows["warnings"].to_numpy()
    kinds["Warnings"] = "count"
    return out.reset_index(drop=True), kinds


def pick_list(ex: Exploration, top: int = 50) -> list[int]:
    """The options offered to 'use this option': the best ones meeting the conditions, else the nearest, else
    the frontier — best first."""
    meeting = ex.meeting()
    if not meeting.empty:
        return [int(x) for x in meeting["option"].head(top)]
    if not ex.nearest.empty:
        return [int(x) for x in ex.nearest["option"]]
    return [int(x) for x in ex.frontier()["option"].head(top)]


def plot_rows(ex: Exploration, limit: int = PLOT_POINTS, seed: int = 2014) -> pd.DataFrame:
    """The options the chart draws as dots: one per distinct (cost, largest loss per patient) — the first
    ranked of the options sharing them — every frontier option among them, and a seeded sample of at most
    `limit` of the others. The best option is left out: the chart stars it.

    >>> from model.analysis.explore import explore, parse_lever
    >>> practices = pd.DataFrame({"practice_code": ["A", "B"], "list_size": [1000, 3000], "over75": [90, 200]})
    >>> ex = explore(practices, Scenario(horizon_years=1), [parse_lever("pot.rate_per_head=1:3:1"),
    ...                                                     parse_lever("les.reinvest_pct=0,50")])
    >>> len(ex.options), plot_rows(ex)["option"].tolist()     # recycling nothing changes nothing here
    (6, [3, 5])
    """
    o = ex.ranked(ex.options).drop_duplicates([ex.objective, "largest_loss_per_head"])
    o = o[o["option"] != (ex.best if ex.best is not None else -1)]
    keep = o["frontier"]
    rest = o[~keep]
    if len(rest) > limit:
        rest = rest.sample(n=limit, random_state=seed)
    return pd.concat([o[keep], rest]).sort_values("option", kind="stable")


def hover_text(ex: Exploration, rows: pd.DataFrame) -> list[str]:
    """Each option's hover: its number, its settings and its main outcomes."""
    T = ex.scenario.horizon_years
    out = []
    for r in rows.itertuples(index=False):
        values = dict(zip(rows.columns, r))
        lines = [f"<b>Option {int(values['option'])}</b>"]
        lines += [f"{lever_label(lv.key)}: {value_text(lv.key, values[lv.key])}" for lv in ex.levers]
        lines += [f"{outcome_label(k, T)}: {outcome_text(k, values[k])}"
                  for k in (ex.objective, "largest_loss_per_head", "worse_off")]
        out.append("<br>".join(_safe(x) for x in lines))
    return out


def _safe(text: str) -> str:
    """Plotly hover text is HTML-like: only our own <b>/<br> tags stay."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("&lt;b&gt;", "<b>").replace("&lt;/b&gt;", "</b>"))
