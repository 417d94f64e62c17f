"""Tables for display: results with readable headings, and each heading's kind for formatting.

Pure (no Streamlit). Numbers stay numbers (so the page can sort them); each table comes with
``{heading: kind}`` and the page formats every column from its kind. Headings and kinds come from
the one register of result columns (:mod:`model.columns`); the screen adds one kind of its own,
``money000`` (whole-pound money shown in £000 by :func:`in_thousands`). Money text is
:mod:`model.formats`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import pandas as pd

from model import fields
from model.columns import COLUMNS, Kind, heading
from model.formats import MINUS, _bad, count, money, pct
from model.results import Results
from screen.years import by_year, funded_years, year_labels

ScreenKind = Kind | Literal["money000"]
"""The register's kinds ('money', 'rate', 'count', 'pct', 'decimal', 'text', 'bool', 'index') and £000."""

NUMBER_FORMATS: dict[ScreenKind, str] = {
    "money": "£%,.0f", "money000": "%,.1f", "rate": "£%,.2f", "count": "%,.0f", "pct": "%.1f %%", "decimal": "%.1f"}
"""How the page's table cells show each numeric kind (printf-style, as Streamlit's column settings take it).

>>> from typing import get_args
>>> sorted(set(get_args(Kind)) - set(NUMBER_FORMATS))   # the rest are shown as text or ticks
['bool', 'index', 'text']
"""

TEXT_WIDTHS = {"Practice": 230, "Locality": 115}
"""Text columns given a fixed width on screen (pixels)."""


def thousands(x: float | None) -> str:
    """A figure already in £000, as text with one decimal: '3,238.4', '−19.8'.

    >>> thousands(3238.385), thousands(-19.8), thousands(None)
    ('3,238.4', '−19.8', '–')
    """
    return "–" if _bad(x) else f"{float(x):,.1f}".replace("-", MINUS)


TEXT_FORMATS: dict[ScreenKind, Callable[[Any], str]] = {
    "money": money, "rate": lambda x: money(x, pence=True), "money000": thousands, "count": count, "pct": pct}
"""Each numeric kind as text, where a table shows text rather than numbers (model.formats's words)."""


HEADINGS = {key: (c.heading, c.kind) for key, c in COLUMNS.items()}
"""results column: (heading on the page, kind for formatting), from the one register (model.columns)."""


def pick(*columns: str) -> dict[str, tuple[str, str]]:
    """{column: (heading, kind)} for these result columns, in this order."""
    return {c: HEADINGS[c] for c in columns}


PRACTICE_COLUMNS = pick(
    "practice_code", "practice_name", "locality", "participating", "list_size", "over75", "over75_pct",
    "allocation", "new_money_share", "recycled_share", "les_lost", "les_gained", "protection", "net_change",
    "net_change_per_head", "allocation_per_head", "allocation_per_over75", "admissions_to_break_even",
    "unfunded_commitment")

LOCALITY_COLUMNS = pick(
    "commissioner", "locality", "practices", "winners", "losers", "list_size", "over75", "allocation",
    "new_money_share", "recycled_share", "les_lost", "les_gained", "protection", "net_change",
    "allocation_per_head", "allocation_per_over75", "net_change_per_head", "unfunded_commitment")

YEAR_COLUMNS = pick(
    "year", "funded", "pot", "new_money", "recycled", "les_savings", "protection", "net_cost",
    "admissions_saving", "net_cost_after_admissions", "unfunded_commitment", "winners", "losers")

PRACTICE_KEY_COLUMNS = ["Code", "Practice", "Locality", "Patients", "% aged 75+", "Net change (£)",
                        "Net change per patient (£)", "Allocation (£)", "LES lost (£)", "Protection (£)"]
"""The columns a projector shows by default; the rest are one toggle away."""

CHECKS_KINDS: dict[str, ScreenKind] = {heading("rows_checked"): "count", heading("largest_difference"): "rate"}
"""The checks table's numbers: the largest difference is shown to the penny (it is pennies when all pass)."""


def headed(df: pd.DataFrame, columns: Mapping[str, tuple[str, str]]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The columns of `df` named in `columns`, renamed to their headings, and {heading: kind}."""
    keep = [c for c in columns if c in df.columns]
    out = df[keep].copy()
    for c in keep:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(str)
    out.columns = [columns[c][0] for c in keep]
    return out.reset_index(drop=True), {columns[c][0]: columns[c][1] for c in keep}


# ---------------------------------------------------------------------------------------------
# The tables
# ---------------------------------------------------------------------------------------------


def practice_table(results: Results, year_index: int = 0,
                   sort_by: str = "net_change") -> tuple[pd.DataFrame, dict[str, str]]:
    """One year of the practice table with readable headings, and each heading's kind
    ('money', 'rate', 'count', 'pct', 'decimal', 'text', 'bool') for formatting."""
    p = results.practices
    p = p[p["year_index"] == year_index].copy()
    p["over75_pct"] = 100.0 * p["over75"] / p["list_size"].where(p["list_size"] > 0)
    if sort_by in p:
        p = p.sort_values(sort_by, ascending=False, kind="stable")
    columns = dict(PRACTICE_COLUMNS)
    if (p["practice_code"].astype(str) == p["practice_name"].astype(str)).all():
        del columns["practice_code"]  # meeting mode (or a list without names): one column says it all
    return headed(p, columns)


def locality_table(results: Results, year_index: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    loc = results.localities
    label = year_labels(results)[year_index]
    loc = loc[loc["year"].astype(str) == label]
    columns = dict(LOCALITY_COLUMNS)
    if loc["commissioner"].nunique() <= 1:
        del columns["commissioner"]
    return headed(loc, columns)


def years_table(results: Results) -> tuple[pd.DataFrame, dict[str, str]]:
    y = by_year(results).copy()
    y["year"] = y["year"].astype(str)
    y["funded"] = ["yes" if f else "no" for f in funded_years(results)]
    return headed(y, YEAR_COLUMNS)


def checks_table(results: Results) -> pd.DataFrame:
    """The reconciliation checks (kinds of its numbers: :data:`CHECKS_KINDS`)."""
    c = results.checks
    return pd.DataFrame({
        heading("check"): c["check"].astype(str),
        "What it checks": c["description"].astype(str),
        heading("rows_checked"): c["rows_checked"],
        heading("largest_difference"): c["largest_difference"],
        heading("status"): c["status"].map({"PASS": "✔ PASS", "FAIL": "✖ FAIL"}).fillna(c["status"]),
    })


def as_shown(df: pd.DataFrame, order: list[str] | None = None) -> pd.DataFrame:
    """A screen table as its CSV: the columns shown, in their order, under their headings, figures rounded
    to the pence (the screen shows no more; binary noise such as 0.30000000000000004 is not exported).

    >>> as_shown(pd.DataFrame({"Practice": ["Abbey"], "Net change (£)": [0.1 + 0.2], "Patients": [1000]}),
    ...          ["Practice", "Net change (£)"]).to_dict("records")
    [{'Practice': 'Abbey', 'Net change (£)': 0.3}]
    """
    out = df[order] if order else df
    return out.round({c: 2 for c in out.columns if pd.api.types.is_float_dtype(out[c])})


def every_year(results: Results, table: Callable[[Results, int], tuple[pd.DataFrame, dict[str, str]]],
               order: list[str] | None = None) -> pd.DataFrame:
    """A one-year screen table for every year, stacked, with the year first (the 'All years' download).

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> res = run(pd.DataFrame({"practice_code": ["P1"], "list_size": [100], "over75": [9]}), Scenario(horizon_years=2))
    >>> every_year(res, practice_table, ["Practice", "Allocation (£)"]).values.tolist()
    [['2014/15', 'P1', 500.0], ['2015/16', 'P1', 500.0]]
    """
    frames = []
    for i, label in enumerate(year_labels(results)):
        df, _ = table(results, i)
        df = as_shown(df, [c for c in (order or list(df.columns)) if c in df.columns])
        df.insert(0, "Year", label)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


TORNADO_HEADINGS = {"label": "Assumption", "unit": "Unit", "low_value": "Low value", "base_value": "Scenario's value",
                    "high_value": "High value", "headline_at_low": "At the low value", "headline_at_base":
                    "At the scenario's value", "headline_at_high": "At the high value", "swing": "Swing",
                    "headline_unit": "Headline unit", "note": "Note"}
"""The tornado table's columns as the download names them (model.analysis.sensitivity.tornado's)."""


def tornado_table(t: pd.DataFrame) -> pd.DataFrame:
    """The tornado as its download: readable headings, no keys, figures rounded to the pence.

    >>> tornado_table(pd.DataFrame({"assumption": ["pot.rate_per_head"], "label": ["Rate"], "unit": ["£"],
    ...                             "base_value": [5.0], "swing": [0.1 + 0.2]})).to_dict("records")
    [{'Assumption': 'Rate', 'Unit': '£', "Scenario's value": 5.0, 'Swing': 0.3}]
    """
    keep = [c for c in TORNADO_HEADINGS if c in t.columns]
    return as_shown(t[keep].rename(columns=TORNADO_HEADINGS))


def html_table(df: pd.DataFrame, kinds: Mapping[str, str] | None = None, row_kinds: Mapping[str, str] | None = None,
               caption: str = "") -> str:
    """A small table as plain HTML (no table widget to load: quick to draw, large and crisp on a projector):
    figures right-aligned and formatted by their column's kind (`kinds`) or their row's (`row_kinds`, keyed
    on the first column), negatives as '−£'.

    >>> t = pd.DataFrame({"Figure": ["Net change (£)"], "A <1>": [-22745.0], "B": [100.0]})
    >>> out = html_table(t, row_kinds={"Net change (£)": "money"})
    >>> "<td>−£22,745</td><td>£100</td>" in out, '<th scope="row">Net change (£)</th>' in out, "A &lt;1&gt;" in out
    (True, True, True)
    """
    from html import escape

    kinds, row_kinds = dict(kinds or {}), dict(row_kinds or {})
    head = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in df.columns)
    rows = []
    for values in df.itertuples(index=False):
        first, rest = str(values[0]), values[1:]
        cells = []
        for col, v in zip(df.columns[1:], rest):
            kind = row_kinds.get(first) or kinds.get(col)
            text = TEXT_FORMATS[kind](v) if kind in TEXT_FORMATS else str(v)
            cells.append(f"<td>{escape(text)}</td>")
        rows.append(f'<tr><th scope="row">{escape(first)}</th>{"".join(cells)}</tr>')
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f'<table class="ht">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def checks_markdown(results: Results) -> str:
    """The reconciliation checks as a small markdown table (the Overview badge's details): no table widget,
    so the first screen stays light.

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> text = checks_markdown(run(pd.DataFrame({"practice_code": ["P1"], "list_size": [100], "over75": [9]}),
    ...                            Scenario()))
    >>> text.splitlines()[0], text.count("✔ PASS")
    ('| Check | What it checks | Largest difference | Result |', 7)
    """
    from screen.markdown import md_escape

    lines = ["| Check | What it checks | Largest difference | Result |", "|---|---|---|---|"]
    for r in results.checks.itertuples():
        status = "✔ PASS" if r.status == "PASS" else "✖ FAIL"
        lines.append(f"| {md_escape(r.check)} | {md_escape(r.description)} | "
                     f"{money(r.largest_difference, pence=True)} | {status} |")
    return "\n".join(lines)


def distributions_table(mc: Any) -> pd.DataFrame:
    """The ranges a Monte Carlo run drew, in words (its inputs)."""
    return pd.DataFrame({
        "Assumption": [fields.label(k) for k in mc.distributions],
        "Drawn as": [d.describe() for d in mc.distributions.values()],
    })


# ---------------------------------------------------------------------------------------------
# Showing money columns
# ---------------------------------------------------------------------------------------------


def key_columns(df: pd.DataFrame) -> list[str]:
    """The default (projector) columns of a practice table, in £ or in £000, in PRACTICE_KEY_COLUMNS order."""
    out = []
    for c in PRACTICE_KEY_COLUMNS:
        for name in (c, c.replace("(£)", "(£000)")):
            if name in df.columns and name not in out:
                out.append(name)
    return out


def in_thousands(df: pd.DataFrame, kinds: Mapping[str, str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Whole-pound money columns as £000 (for wide tables): 'Allocation (£)' 42,190 -> 'Allocation (£000)' 42.19.
    Per-patient figures stay in £ and pence.

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300]})
    >>> table, kinds = practice_table(run(practices, Scenario(horizon_years=1)))
    >>> table[["Practice", "Allocation (£)", "Net change per patient (£)"]].values.tolist()   # best off first
    [['Castle', 15000.0, 5.0], ['Brook', 10000.0, 5.0], ['Abbey', 5000.0, 5.0]]
    >>> wide, wide_kinds = in_thousands(table, kinds)
    >>> wide[["Practice", "Allocation (£000)", "Net change per patient (£)"]].values.tolist()
    [['Castle', 15.0, 5.0], ['Brook', 10.0, 5.0], ['Abbey', 5.0, 5.0]]
    >>> wide_kinds["Allocation (£000)"], wide_kinds["Net change per patient (£)"]
    ('money000', 'rate')
    """
    out = df.copy()
    new_kinds: dict[str, str] = {}
    renames = {}
    for col, kind in kinds.items():
        if kind == "money":
            out[col] = out[col] / 1000.0
            renames[col] = col.replace("(£)", "(£000)") if "(£)" in col else f"{col} (£000)"
            new_kinds[renames[col]] = "money000"
        else:
            new_kinds[col] = kind
    return out.rename(columns=renames), new_kinds


def signed_money_columns(df: pd.DataFrame, kinds: Mapping[str, str]) -> list[str]:
    """Money columns with a negative figure (these need a sign-aware text format)."""
    out = []
    for col, kind in kinds.items():
        if kind.startswith("money") and col in df.columns and (pd.to_numeric(df[col], errors="coerce") < 0).any():
            out.append(col)
    return out


def money_formatters(columns: Iterable[str], kinds: Mapping[str, str]) -> dict[str, Any]:
    """Text formats for money columns: '£12,345', '−£12,345'; pence for per-patient; £000 with 1 decimal."""
    return {c: TEXT_FORMATS.get(kinds[c], money) for c in columns}
