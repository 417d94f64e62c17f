"""One practice: its rows of the results, its year in plain English, its money by year, the picker.

Pure (no Streamlit). Sentences are written from the practice's figures in the results; money text is
:mod:`model.formats`'s.
"""

from __future__ import annotations

import pandas as pd

from model.anonymise import practice_aliases
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


def code_for_alias(results: Results, alias: str) -> str:
    """The real practice code behind a meeting-mode letter ('Practice C') in these results."""
    inverse = {v: k for k, v in practice_aliases(results.practices["practice_code"]).items()}
    return inverse[alias]
