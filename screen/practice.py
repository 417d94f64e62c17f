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
    """(practice_code, 'CODE · Name') for a picker, in results order (names already anonymised if so)."""
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
