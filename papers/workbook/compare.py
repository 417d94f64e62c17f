"""The Compare sheet (several runs only): the assumptions that differ, headline figures by year, and each
practice under each scenario with its change from the baseline (the first run).

The tables are :mod:`model.analysis.compare`'s, the same ones the comparison's CSV files hold; the
differing assumptions' units are the schema's (read there through :func:`model.fields.field_docs`).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from model.analysis.compare import compare_practices, compare_summary, differing_assumptions
from model.results import Results
from papers.tables import column_label, neutralise_text
from papers.workbook.book import Book, write_title


def compare_sheet(book: Book, runs: list[Results], names: list[str]) -> None:
    ws = book.sheet("Compare")
    write_title(book, ws, "Compare: scenarios side by side",
                f"Baseline: {names[0]}. Changes are each scenario minus the baseline; £ in pounds and pence.")
    row = 3
    diff = differing_assumptions(runs)
    ws.write_string(row, 0, "Assumptions that differ", book.section)
    row += 1
    if len(diff):
        diff = diff.copy()
        for c in names:
            diff[c] = diff[c].map(_maybe_number)
        first, last, _ = _mixed_table(book, ws, row, diff)
        row = last + 2
    else:
        ws.write_string(row, 0, "None: the scenarios differ only in name and description.", book.note)
        row += 2
    ws.write_string(row, 0, "Headline figures by year (all commissioners)", book.section)
    cs = compare_summary(runs)
    cs["year"] = cs["year"].astype(str)
    _, last, _ = book.table(ws, row + 1, 0, cs, autofilter=False)
    row = last + 2
    ws.write_string(row, 0, f"Each practice: figures under each scenario and the change from {names[0]}",
                    book.section)
    cp = compare_practices(runs)
    book.table(ws, row + 1, 0, cp, bulk=True)
    ws.freeze_panes(3, 0)


def _maybe_number(v: Any) -> Any:
    """A differing assumption's value as a number when it is one (so Excel can sum it), else as given.

    >>> [_maybe_number(v) for v in ["6.0", "True", "list_size", "nan"]]
    [6.0, 'True', 'list_size', 'nan']
    """
    if isinstance(v, str) and v not in ("True", "False", "None"):
        try:
            x = float(v)
            return x if math.isfinite(x) else v
        except ValueError:
            return v
    return v


def _mixed_table(book: Book, ws: Worksheet, row: int, df: pd.DataFrame) -> tuple[int, int, dict]:
    """A small table whose cells may be numbers or text (the differing assumptions)."""
    for j, c in enumerate(df.columns):
        ws.write_string(row, j, neutralise_text(column_label(c)), book.header)
        ws.want_width(j, 30 if j == 0 else 18)
    for i, values in enumerate(df.itertuples(index=False), start=row + 1):
        for j, v in enumerate(values):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                ws.write_number(i, j, float(v), book.calc["number"])
            else:
                ws.write_string(i, j, neutralise_text(str(v)), book.text if j < 2 else book.calc["text"])
    return row + 1, row + len(df), {}
