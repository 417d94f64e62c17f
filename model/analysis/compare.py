"""Scenarios side by side: headline figures, per-practice deltas, and which assumptions differ."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from model.fields import field_docs
from model.results import Results

HEADLINES = ["pot", "new_money", "recycled", "les_savings", "protection", "retained", "net_cost",
             "admissions_saving", "net_cost_after_admissions", "unfunded_commitment", "winners", "losers",
             "break_even_reduction_pct", "pot_per_head", "pot_per_over75"]
PRACTICE_FIGURES = ["allocation", "protection", "les_lost", "les_gained", "net_change", "net_change_per_head"]


def _names(runs: Sequence[Results]) -> list[str]:
    """Scenario names, made unique (a second 'X' becomes 'X (2)')."""
    seen: dict[str, int] = {}
    out = []
    for r in runs:
        n = r.scenario.name
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def differing_assumptions(runs: Sequence[Results]) -> pd.DataFrame:
    """One row per scenario key whose value differs between the runs (name and description excluded)."""
    names = _names(runs)
    docs = [{d["key"]: d for d in field_docs(r.scenario) if not d["group"]} for r in runs]
    rows = []
    for key, d0 in docs[0].items():
        if key in ("name", "description"):
            continue
        values = [str(d[key]["value"]) for d in docs]
        if len(set(values)) > 1:
            rows.append({"key": key, "unit": d0["unit"], **dict(zip(names, values))})
    return pd.DataFrame(rows, columns=["key", "unit", *names])


def compare_summary(runs: Sequence[Results]) -> pd.DataFrame:
    """Headline figures by year (all commissioners added up), one column block per scenario."""
    names = _names(runs)
    frames = []
    for name, r in zip(names, runs):
        y = r.by_year().set_index("year")[HEADLINES]
        y.columns = pd.MultiIndex.from_product([[name], y.columns])
        frames.append(y)
    wide = pd.concat(frames, axis=1)
    long = wide.stack(level=0, future_stack=True).reset_index().rename(columns={"level_1": "scenario"})
    return long[["year", "scenario", *HEADLINES]]


def compare_practices(runs: Sequence[Results]) -> pd.DataFrame:
    """Per practice and year: each scenario's figures and the change from the first (the baseline).

    A £30,000 pot shared by list size, then by patients aged 75+ (80, 150 and 300 of them): the change
    is to the penny.

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "list_size": [1000, 2000, 3000],
    ...                           "over75": [80, 150, 300]})
    >>> by_list = Scenario(horizon_years=1)
    >>> by_age = by_list.with_changes({"name": "By age 75+", "distribution.weights.list_size": 0.0,
    ...                                "distribution.weights.over75": 1.0})
    >>> runs = [run(practices, by_list), run(practices, by_age)]
    >>> table = compare_practices(runs)
    >>> table[["practice_code", "allocation [Guidance default]", "allocation [By age 75+]",
    ...        "allocation change [By age 75+ vs Guidance default]"]].values.tolist()
    [['P1', 5000.0, 4528.3, -471.7], ['P2', 10000.0, 8490.57, -1509.43], ['P3', 15000.0, 16981.13, 1981.13]]
    >>> differing_assumptions(runs)["key"].tolist()
    ['distribution.weights', 'distribution.weights.list_size', 'distribution.weights.over75']
    """
    if len(runs) < 2:
        raise ValueError("compare needs at least two scenarios")
    names = _names(runs)
    keys = ["commissioner", "practice_code", "practice_name", "locality", "year"]
    base = runs[0].practices[keys + PRACTICE_FIGURES].copy()
    for c in keys:
        base[c] = base[c].astype(str)
    out = base.rename(columns={f: f"{f} [{names[0]}]" for f in PRACTICE_FIGURES})
    for name, r in zip(names[1:], runs[1:]):
        other = r.practices[keys + PRACTICE_FIGURES].copy()
        for c in keys:
            other[c] = other[c].astype(str)
        merged = base[keys + PRACTICE_FIGURES].merge(other, on=keys, suffixes=("_a", "_b"), how="left")
        for f in PRACTICE_FIGURES:
            out[f"{f} [{name}]"] = merged[f"{f}_b"].to_numpy()
            out[f"{f} change [{name} vs {names[0]}]"] = (merged[f"{f}_b"] - merged[f"{f}_a"]).round(
                2 if f != "net_change_per_head" else 6).to_numpy()
    return out
