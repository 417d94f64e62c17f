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


FIGURE_WORDS = {"net_change": "Net change", "allocation": "Allocation", "les_lost": "LES lost",
                "protection": "Protection", "net_change_per_head": "Net change per patient"}
"""The per-practice figures Compare can put side by side, in words."""


def scenario_names(practices_cmp: pd.DataFrame, figure: str = "net_change") -> list[str]:
    """The scenarios of a :func:`model.analysis.compare.compare_practices` table, baseline first."""
    prefix = f"{figure} ["
    return [c[len(prefix):-1] for c in practices_cmp.columns if c.startswith(prefix)]


def compare_table(practices_cmp: pd.DataFrame, year: str, figure: str = "net_change",
                  practice: str | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Per practice, one year: each scenario's `figure` and each one's difference from the first scenario,
    under readable headings (the scenario's name, shortened; the figure and the year are the table's
    caption), and {heading: kind}; with `practice` (a code), that practice's row only.

    A £30,000 pot shared by list size, then by patients aged 75+:

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300]})
    >>> from model.analysis.compare import compare_practices
    >>> by_list = Scenario(horizon_years=1)
    >>> by_age = by_list.with_changes({"name": "By age 75+", "distribution.weights.list_size": 0.0,
    ...                                "distribution.weights.over75": 1.0})
    >>> table, kinds = compare_table(compare_practices([run(practices, by_list), run(practices, by_age)]), "2014/15")
    >>> table.columns.tolist()
    ['Practice', 'Code', 'Guidance default (£)', 'By age 75+ (£)', 'Difference: By age 75+ (£)']
    >>> table.iloc[:, [0, 2, 3, 4]].values.tolist()
    [['Abbey', 5000.0, 4528.3, -471.7], ['Brook', 10000.0, 8490.57, -1509.43], ['Castle', 15000.0, 16981.13, 1981.13]]
    >>> compare_table(compare_practices([run(practices, by_list), run(practices, by_age)]), "2014/15",
    ...               practice="P2")[0]["Practice"].tolist()
    ['Brook']
    """
    rows = practices_cmp[practices_cmp["year"].astype(str) == str(year)]
    if practice is not None:
        rows = rows[rows["practice_code"].astype(str) == str(practice)]
    names = scenario_names(practices_cmp, figure)
    kind = "rate" if figure.endswith("_per_head") else "money"
    out = pd.DataFrame({"Practice": rows["practice_name"].astype(str), "Code": rows["practice_code"].astype(str)})
    if (out["Code"] == out["Practice"]).all():
        out = out.drop(columns="Code")  # meeting mode (or a list without names): one column says it all
    kinds: dict[str, str] = {}
    shorts = {n: short(n) for n in names}
    if len(set(shorts.values())) < len(names):  # two names alike in their first words: keep them whole
        shorts = {n: n for n in names}
    for name in names:
        heading = f"{shorts[name]} (£)"
        out[heading] = rows[f"{figure} [{name}]"].to_numpy(float)
        kinds[heading] = kind
    for name in names[1:]:
        heading = f"Difference: {shorts[name]} (£)"
        out[heading] = rows[f"{figure} change [{name} vs {names[0]}]"].to_numpy(float)
        kinds[heading] = kind
    return out.reset_index(drop=True), kinds


def short(name: str, limit: int = 30) -> str:
    """A scenario name short enough for a column heading: 'LES separate: decommission, sa…'.

    >>> short("Guidance default"), short("Current: LES separate: decommission, savings kept")
    ('Guidance default', 'Current: LES separate: decomm…')
    """
    return name if len(name) <= limit else name[:limit - 1].rstrip() + "…"


def headlines_every_year(summary_long: pd.DataFrame) -> pd.DataFrame:
    """compare_summary output as a table for a CSV: Year, Headline, then one column per scenario (numbers).

    >>> t = pd.DataFrame({"scenario": ["A", "B"], "year": ["2014/15", "2014/15"], **{k: [1.0, 2.0] for k, _, _ in
    ...                   COMPARE_ROWS}})
    >>> headlines_every_year(t).to_dict("records")[0]
    {'Year': '2014/15', 'Headline': 'Practice pot (£)', 'A': 1.0, 'B': 2.0}
    """
    scenarios = list(dict.fromkeys(summary_long["scenario"].astype(str)))
    rows = []
    for year in dict.fromkeys(summary_long["year"].astype(str)):
        y = summary_long[summary_long["year"].astype(str) == year]
        for key, label, kind in COMPARE_ROWS:
            unit = {"money": " (£)", "rate": " (£)", "pct": " (%)"}.get(kind, "")
            row = {"Year": year, "Headline": label + unit}
            for name in scenarios:
                v = y.loc[y["scenario"].astype(str) == name, key]
                row[name] = round(float(v.iloc[0]), 2) if len(v) else float("nan")
            rows.append(row)
    return pd.DataFrame(rows)


def assumptions_table(runs: Sequence[Results], differing: pd.DataFrame) -> pd.DataFrame:
    """The assumptions that differ between runs (the keys compare.differing_assumptions found), in words:
    the setting (its label carries its unit), then one column per scenario — narrow enough to need no
    sideways scroll.

    >>> from model.analysis.compare import differing_assumptions
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1"], "list_size": [1000], "over75": [80]})
    >>> runs = [run(practices, Scenario()), run(practices, Scenario().with_changes({"name": "Six",
    ...                                                                            "pot.rate_per_head": 6.0}))]
    >>> assumptions_table(runs, differing_assumptions(runs)).values.tolist()
    [['Pot: £ per registered patient a year', '5', '6']]
    """
    if differing.empty:
        return pd.DataFrame(columns=["Setting"])
    names = [c for c in differing.columns if c not in ("key", "unit")]
    docs = [{d["key"]: d["value"] for d in field_docs(r.scenario)} for r in runs]
    out = {"Setting": [fields.label(k) for k in differing["key"]]}
    for name, r, d in zip(names, runs, docs):
        out[name] = [value_text(r.scenario, k, d.get(k)) for k in differing["key"]]
    return pd.DataFrame(out)
