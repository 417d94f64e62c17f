"""Scenarios side by side: the assumptions that differ, the headlines, and each practice's change.

Pure (no Streamlit). The comparison itself is :mod:`model.analysis.compare`'s; this module puts it
in words and headings.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from model import fields
from model.fields import field_docs
from model.formats import value_text
from model.results import Results
from screen.tables import TEXT_FORMATS

COMPARE_ROWS: list[tuple[str, str, str]] = [
    ("pot", "Practice pot", "money"),
    ("new_money", "New money", "money"),
    ("recycled", "Recycled LES", "money"),
    ("les_savings", "LES savings", "money"),
    ("protection", "Protection", "money"),
    ("retained", "Kept by the CCG", "money"),
    ("net_cost", "Net cost to the CCG", "money"),
    ("admissions_saving", "Admissions saving", "money"),
    ("net_cost_after_admissions", "Net cost after admissions saving", "money"),
    ("unfunded_commitment", "Unfunded staff costs", "money"),
    ("winners", "Practices better off", "count"),
    ("losers", "Practices worse off", "count"),
    ("break_even_reduction_pct", "Admissions cut to break even", "pct"),
    ("pot_per_head", "Pot per registered patient", "rate"),
    ("pot_per_over75", "Pot per patient aged 75+", "rate"),
]
"""The headlines compared: (summary column, row label, kind)."""


def compare_headline_table(summary_long: pd.DataFrame, year: str) -> pd.DataFrame:
    """compare_summary output for one year as text: one row per headline, one column per scenario."""
    rows = summary_long[summary_long["year"].astype(str) == str(year)]
    scenarios = list(dict.fromkeys(rows["scenario"].astype(str)))
    out = {"Headline": [label for _, label, _ in COMPARE_ROWS]}
    for name in scenarios:
        r = rows[rows["scenario"].astype(str) == name].iloc[0]
        out[name] = [TEXT_FORMATS[kind](r[key]) for key, _, kind in COMPARE_ROWS]
    return pd.DataFrame(out)


def compare_deltas(practices_cmp: pd.DataFrame, year: str, figure: str = "net_change") -> pd.DataFrame:
    """Per practice, one year: each other scenario's change in `figure` against the first scenario.

    A £30,000 pot shared by list size, then by patients aged 75+:

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300]})
    >>> from model.analysis.compare import compare_practices
    >>> by_list = Scenario(horizon_years=1)
    >>> by_age = by_list.with_changes({"name": "By age 75+", "distribution.weights.list_size": 0.0,
    ...                                "distribution.weights.over75": 1.0})
    >>> deltas = compare_deltas(compare_practices([run(practices, by_list), run(practices, by_age)]), "2014/15")
    >>> deltas.columns.tolist()
    ['Code', 'Practice', 'Locality', 'net_change [Guidance default]',
     'net_change change [By age 75+ vs Guidance default]']
    >>> deltas.iloc[:, [1, 3, 4]].values.tolist()
    [['Abbey', 5000.0, -471.7], ['Brook', 10000.0, -1509.43], ['Castle', 15000.0, 1981.13]]
    """
    rows = practices_cmp[practices_cmp["year"].astype(str) == str(year)]
    change_cols = [c for c in rows.columns if c.startswith(f"{figure} change [")]
    base_col = next(c for c in rows.columns if c.startswith(f"{figure} [")) if change_cols else None
    out = rows[["practice_code", "practice_name", "locality"] + ([base_col] if base_col else []) + change_cols]
    out = out.rename(columns={"practice_code": "Code", "practice_name": "Practice", "locality": "Locality"})
    return out.reset_index(drop=True)


def delta_kinds(deltas: pd.DataFrame, figure: str = "net_change") -> dict[str, str]:
    """{heading: 'money'} for the £ columns of :func:`compare_deltas` (the figure and its changes)."""
    return {c: "money" for c in deltas.columns if c.startswith(figure)}


def assumptions_table(runs: Sequence[Results], differing: pd.DataFrame) -> pd.DataFrame:
    """The assumptions that differ between runs (the keys compare.differing_assumptions found), in words:
    Setting, Unit, then one column per scenario."""
    if differing.empty:
        return pd.DataFrame(columns=["Setting", "Unit"])
    names = [c for c in differing.columns if c not in ("key", "unit")]
    docs = [{d["key"]: d["value"] for d in field_docs(r.scenario)} for r in runs]
    out = {"Setting": [fields.label(k) for k in differing["key"]], "Unit": list(differing["unit"])}
    for name, r, d in zip(names, runs, docs):
        out[name] = [value_text(r.scenario, k, d.get(k)) for k in differing["key"]]
    return pd.DataFrame(out)
