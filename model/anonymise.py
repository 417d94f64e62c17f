"""Meeting mode: practice names and codes replaced by 'Practice A', 'Practice B', … everywhere.

The letters follow the practices' order in the results (commissioner, then practice code), so the same
list and scenario always give the same letters. Localities are kept: they are not identifying.
"""

from __future__ import annotations

import string
from dataclasses import replace

import pandas as pd

from model.results import Results


def letter_label(i: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA', 27 -> 'AB' (spreadsheet column style).

    >>> [letter_label(i) for i in (0, 25, 26, 27)]
    ['A', 'Z', 'AA', 'AB']
    """
    label = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        label = string.ascii_uppercase[r] + label
    return label


def practice_aliases(codes: pd.Series) -> dict[str, str]:
    """Map each distinct practice code (in order of first appearance) to 'Practice A', 'Practice B', …

    >>> practice_aliases(pd.Series(["K83002", "K83001", "K83002"]))
    {'K83002': 'Practice A', 'K83001': 'Practice B'}
    """
    uniq = pd.unique(codes.astype(str))
    return {code: f"Practice {letter_label(i)}" for i, code in enumerate(uniq)}


def anonymise_frame(df: pd.DataFrame, aliases: dict[str, str]) -> pd.DataFrame:
    """Replace practice_code, practice_name and paid_to (when it is a practice) using `aliases`."""
    out = df.copy()
    if "practice_code" not in out:
        return out
    codes = out["practice_code"].astype(str)
    alias = codes.map(aliases).fillna("Practice ?")
    if "paid_to" in out:
        out["paid_to"] = out["paid_to"].astype(str).map(lambda v: aliases.get(v, v))
    out["practice_code"] = alias
    if "practice_name" in out:
        out["practice_name"] = alias
    return out


def anonymise(results: Results) -> Results:
    """The same results with practices identified only by letter.

    A £30,000 pot (£5 a head) shared by list size between three practices: the money is unchanged,
    only the names go.

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300]})
    >>> shown = anonymise(run(practices, Scenario(horizon_years=1))).practices
    >>> shown[["practice_code", "practice_name", "allocation"]].values.tolist()
    [['Practice A', 'Practice A', 5000.0], ['Practice B', 'Practice B', 10000.0], ['Practice C', 'Practice C', 15000.0]]
    """
    aliases = practice_aliases(results.practices["practice_code"])
    return replace(results, practices=anonymise_frame(results.practices, aliases))
