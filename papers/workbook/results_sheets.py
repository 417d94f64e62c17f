"""The result sheets in pounds and pence: Practices by year (one row per practice, years across, locality
subtotals and a grand total), Practices (one row per practice and year, every figure), Localities and
Summary detail (every commissioner-year figure).

The long tables leave out columns that repeat others: the year number (the year says it) and "paid to"
(the practice itself, or its locality — the Locality column — when the money is pooled).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from model.results import Results
from papers.workbook.book import Book, SheetColumn, stack, write_title

#: Columns of the results tables that papers do not show (they repeat other columns).
HIDDEN = ("year_index", "paid_to", "identity_expected")


@dataclass
class TableRef:
    """Where a table's data sit on its sheet, for the Checks sheet's formulas."""

    sheet: str
    first: int
    last: int
    pos: dict[str, int]


def shown_columns(df: pd.DataFrame) -> pd.DataFrame:
    """A results table without the columns papers leave out (:data:`HIDDEN`).

    >>> list(shown_columns(pd.DataFrame(columns=["practice_code", "paid_to", "year", "year_index"])).columns)
    ['practice_code', 'year']
    """
    return df[[c for c in df.columns if c not in HIDDEN]]


def practices_sheet(book: Book, runs: list[Results], names: list[str]) -> TableRef:
    ws = book.sheet("Practices")
    df = shown_columns(stack(runs, names, "practices"))
    write_title(book, ws, "Practices: each practice's money, year by year",
                f"Scenario: {'; '.join(names)}. One row per practice and year; £ in pounds and pence. "
                "Practices by year has the same figures with the years across.")
    first, last, pos = book.table(ws, 3, 0, df, bulk=True)
    ws.freeze_panes(4, 3 + (len(runs) > 1))
    return TableRef("Practices", first, last, pos)


def localities_sheet(book: Book, runs: list[Results], names: list[str]) -> TableRef:
    ws = book.sheet("Localities")
    df = shown_columns(stack(runs, names, "localities"))
    write_title(book, ws, "Localities: practice figures added up by locality and year",
                f"Scenario: {'; '.join(names)}. Localities are as given in the practice list; £ in pounds and "
                "pence. The Checks sheet tests every figure against the practices.")
    first, last, pos = book.table(ws, 3, 0, df, bulk=True)
    ws.freeze_panes(4, 3 + (len(runs) > 1))
    return TableRef("Localities", first, last, pos)


def summary_detail_sheet(book: Book, runs: list[Results], names: list[str]) -> TableRef:
    ws = book.sheet("Summary detail")
    df = shown_columns(stack(runs, names, "summary"))
    write_title(book, ws, "Summary detail: every commissioner total, year by year, in pounds and pence",
                f"Scenario: {'; '.join(names)}. The Summary sheet shows these figures in £000.")
    first, last, pos = book.table(ws, 3, 0, df, bulk=True)
    ws.freeze_panes(4, 2 + (len(runs) > 1))
    return TableRef("Summary detail", first, last, pos)


# ---- Practices by year ---------------------------------------------------------------------------

BY_YEAR_FIGURES = ("allocation", "net_change")
KIND_COL = "Row"   # practice | locality total | CCG total | total: what each row of the sheet is


@dataclass
class ByYearRef:
    """Where Practices by year sits: rows of each kind, and the column of each (figure, year) —
    year None is the all-years column."""

    sheet: str
    first: int
    last: int
    cols: dict[tuple[str, str | None], int]
    key_cols: dict[str, int]
    subtotals: list[tuple[int, str, str, list[int]]]   # (row, commissioner, locality, rows of its practices)
    commissioner_rows: list[tuple[int, str, list[int]]]  # (row, commissioner, rows of its locality totals)
    total_row: int
    years: list[str]
    total_parts: list[int]      # rows that add up to the grand total (locality or commissioner totals)
    columns: list[SheetColumn]  # what was written, column by column (for the Checks sheet's cached values)


def by_year_sheet(book: Book, results: Results) -> ByYearRef:
    """One row per practice, years across (allocation, then net change, each with an all-years total),
    grouped by locality with its subtotal, a total per commissioner when there are several, and a grand
    total. Exact pence, so every subtotal is the sum of the rows above it."""
    ws = book.sheet("Practices by year")
    p = results.practices
    years = [str(y) for y in results.scenario.year_labels()]
    several = p["commissioner"].nunique() > 1
    write_title(book, ws, "Practices by year: each practice's allocation and net change, years across",
                "£ in pounds and pence. Grouped by locality, with locality totals"
                + (", a total for each commissioner" if several else "") + " and a grand total. "
                "Net change = allocation + protection − LES lost + LES gained.")
    keys = ["commissioner", "locality", "practice_code", "practice_name"]
    wide = {}
    for fig in BY_YEAR_FIGURES:
        t = p.pivot_table(index=keys, columns="year_index", values=fig, aggfunc="sum", observed=True, sort=True)
        t.columns = [years[int(c)] for c in t.columns]
        t["All years"] = t.sum(axis=1)
        wide[fig] = t
    base = wide[BY_YEAR_FIGURES[0]].index.to_frame(index=False).astype(str)

    rows: list[dict] = []
    styles: list[int] = []
    subtotals, comm_rows = [], []
    header = 4
    first = header + 1
    r = first
    total_sub_rows: list[int] = []
    for comm, cgroup in base.groupby("commissioner", sort=True):
        comm_sub_rows = []
        for loc, lgroup in cgroup.groupby("locality", sort=True):
            practice_rows = []
            for i, rec in zip(lgroup.index, lgroup.to_dict("records")):
                rows.append({"kind": "practice", **rec, "i": i})
                styles.append(0)
                practice_rows.append(r)
                r += 1
            rows.append({"kind": "locality total", "commissioner": comm, "locality": loc,
                         "practice_code": "", "practice_name": f"{loc}: total", "i": list(lgroup.index)})
            styles.append(1)
            subtotals.append((r, comm, loc, practice_rows))
            comm_sub_rows.append(r)
            r += 1
        if several:
            rows.append({"kind": "CCG total", "commissioner": comm, "locality": "", "practice_code": "",
                         "practice_name": f"CCG {comm}: total", "i": list(cgroup.index)})
            styles.append(2)
            comm_rows.append((r, comm, comm_sub_rows))
            total_sub_rows.append(r)
            r += 1
        else:
            total_sub_rows += comm_sub_rows
    rows.append({"kind": "total", "commissioner": "", "locality": "", "practice_code": "",
                 "practice_name": "Total, all practices", "i": list(base.index)})
    styles.append(2)
    total_row = r

    cols: list[SheetColumn] = []
    text = [("commissioner", "CCG")] if several else []
    text += [("practice_code", "Code"), ("practice_name", "Practice"), ("locality", "Locality")]
    for key, label in text:
        values = [row[key] for row in rows]
        width = min(40.0, max([len(v) for v in values] + [6]) + 2.0)
        cols.append(SheetColumn(key, label, "text", values, width))
    positions = {}
    for fig in BY_YEAR_FIGURES:
        table = wide[fig]
        label = "Allocation" if fig == "allocation" else "Net change"
        for y in [*years, "All years"]:
            col_values = table[y].to_numpy(float)
            values = []
            for row in rows:
                idx = row["i"]
                values.append(float(col_values[idx]) if not isinstance(idx, list) else
                              float(round(col_values[idx].sum(), 2)))
            positions[fig, None if y == "All years" else y] = len(cols)
            cols.append(SheetColumn(f"{fig} {y}", f"{label} {y} (£)", "money", values, 14.0))
    kind_values = [row["kind"] for row in rows]
    positions_keys = {key: j for j, (key, _) in enumerate(text)}
    positions_keys[KIND_COL] = len(cols)
    cols.append(SheetColumn(KIND_COL, KIND_COL, "text", kind_values, 12.0))

    formats = [book.format_for(c, False) for c in cols]
    sub = [book.group_money.get(c.kind, book.group) if c.kind != "text" else book.group for c in cols]
    tot = [book.total_fmt.get(c.kind, book.total_fmt["text"]) for c in cols]
    for j, c in enumerate(cols):
        ws.write_string(header, j, c.label, book.header)
        ws.want_width(j, c.width)
    ws.set_row(header, 32)
    ws.header_rows = (header, header)
    ws.bulk(first, 0, cols, formats, row_styles=styles, style_formats=[sub, tot])
    ws.autofilter(header, 0, total_row, len(cols) - 1)
    ws.freeze_panes(first, len(text))
    return ByYearRef("Practices by year", first, total_row, positions, positions_keys, subtotals, comm_rows,
                     total_row, years, total_sub_rows, cols)
