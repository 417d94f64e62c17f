"""One practice: its rows of the results, its year in plain English, its money by year, the picker.

Pure (no Streamlit). Sentences are written from the practice's figures in the results; money text is
:mod:`model.formats`'s.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from model.anonymise import practice_aliases
from model.columns import heading
from model.results import Results
from screen.tables import PRACTICE_COLUMNS, headed, pick

YEAR_FIGURES = ("allocation", "new_money_share", "recycled_share", "les_lost", "les_gained", "protection",
                "net_change", "unfunded_commitment")
"""The practice's money shown year by year on its tab."""


def practice_rows(results: Results, practice_code: str) -> pd.DataFrame:
    p = results.practices
    return p[p["practice_code"].astype(str) == str(practice_code)].sort_values("year_index")


def practice_years_table(results: Results, practice_code: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The practice's money year by year, with headings and kinds."""
    rows = practice_rows(results, practice_code).copy()
    cols = {**pick("year"), **{k: v for k, v in PRACTICE_COLUMNS.items() if k in YEAR_FIGURES}}
    return headed(rows, cols)


SIDE_BY_SIDE = ("allocation", "les_lost", "protection", "les_gained", "net_change", "net_change_per_head")
"""The practice view's figures, one row each, one column per scenario."""


def practice_across(runs: Sequence[Results], practice_code: str, year_index: int = 0
                    ) -> tuple[pd.DataFrame, dict[str, str]]:
    """One practice under several scenarios side by side for one year: a row per figure (allocation, LES
    lost, protection, LES gained, net change, per patient) and a column per scenario; and each row's kind.

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2"], "practice_name": ["Abbey", "Brook"],
    ...                           "list_size": [1000, 3000], "over75": [80, 300], "les_total": [9_000.0, 0.0]})
    >>> keep = Scenario(horizon_years=2)
    >>> cut = keep.with_changes({"name": "Cut LES", "les.schemes": {"les_total": {"action": "decommission"}}})
    >>> table, kinds = practice_across([run(practices, keep), run(practices, cut)], "P1")
    >>> table.set_index("Figure").loc[["Allocation (£)", "LES lost (£)", "Net change (£)"]].values.tolist()
    [[5000.0, 5000.0], [0.0, 9000.0], [5000.0, -4000.0]]
    >>> list(table.columns), kinds["Net change per patient (£)"]
    (['Figure', 'Guidance default', 'Cut LES'], 'rate')
    """
    names = _distinct_names(runs)
    out = {"Figure": [heading(f) for f in SIDE_BY_SIDE]}
    for name, r in zip(names, runs):
        row = practice_rows(r, practice_code)
        row = row[row["year_index"] == year_index]
        out[name] = [float(row[f].iloc[0]) if len(row) else float("nan") for f in SIDE_BY_SIDE]
    kinds = {heading(f): PRACTICE_COLUMNS[f][1] for f in SIDE_BY_SIDE}
    return pd.DataFrame(out), kinds


def practice_by_year(runs: Sequence[Results], practice_code: str, figure: str = "net_change") -> pd.DataFrame:
    """One practice's `figure` year by year under several scenarios: a row per year, a column per scenario.

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2"], "list_size": [1000, 3000], "over75": [80, 300]})
    >>> short = Scenario(horizon_years=2).with_changes({"name": "One year", "funding.type": "non_recurrent"})
    >>> practice_by_year([run(practices, Scenario(horizon_years=2)), run(practices, short)], "P1").values.tolist()
    [['2014/15', 5000.0, 5000.0], ['2015/16', 5000.0, 0.0]]
    """
    names = _distinct_names(runs)
    years = list(runs[0].scenario.year_labels())
    out = {"Year": years}
    for name, r in zip(names, runs):
        rows = practice_rows(r, practice_code)
        values = dict(zip(rows["year"].astype(str), rows[figure].astype(float)))
        out[name] = [values.get(y, float("nan")) for y in years]
    return pd.DataFrame(out)


def _distinct_names(runs: Sequence[Results]) -> list[str]:
    """Scenario names for columns, a repeated name given ' (2)', ' (3)', …"""
    seen: dict[str, int] = {}
    out = []
    for r in runs:
        name = r.scenario.name
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def practice_choices(results: Results) -> list[tuple[str, str]]:
    """(practice_code, 'CODE · Name') for a picker, in results order (names already anonymised if so).

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300]})
    >>> results = run(practices, Scenario(horizon_years=1))
    >>> practice_choices(results)
    [('P1', 'P1 · Abbey'), ('P2', 'P2 · Brook'), ('P3', 'P3 · Castle')]
    >>> from model.anonymise import anonymise
    >>> practice_choices(anonymise(results))[:1], code_for_alias(results, "Practice C")
    ([('Practice A', 'Practice A')], 'P3')
    """
    p = results.practices
    p = p[p["year_index"] == 0]
    out = []
    for code, name in zip(p["practice_code"].astype(str), p["practice_name"].astype(str)):
        out.append((code, code if name == code else f"{code} · {name}"))
    return out


def code_for_alias(results: Results, alias: str, seed: int | None = None) -> str:
    """The real practice code behind a meeting-mode letter ('Practice C') in these results (letters dealt
    with the meeting's `seed`, see :func:`model.anonymise.practice_aliases`)."""
    inverse = {v: k for k, v in practice_aliases(results.practices["practice_code"], seed).items()}
    return inverse[alias]
