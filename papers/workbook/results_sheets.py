"""The result sheets: Practices, Localities and Summary (commissioner totals in £ and again in £000)."""

from __future__ import annotations

import pandas as pd

from model.results import Results
from papers.workbook.book import Book, SheetColumn, sheet_columns, stack, write_title

#: Where a table's data sit on its sheet, for the Checks sheet's formulas:
#: (sheet name, first data row, last data row, {column name: column number}).
TableRef = tuple[str, int, int, dict]


def practices_sheet(book: Book, runs: list[Results], names: list[str]) -> TableRef:
    ws = book.sheet("Practices")
    df = stack(runs, names, "practices")
    write_title(book, ws, "Practices: each practice's money, year by year",
                f"Scenario: {'; '.join(names)}. One row per practice and year; £ in pounds and pence. "
                "Blue-grey cells are calculated by the model.")
    first, last, pos = book.table(ws, 3, 0, df, bulk=True)
    ws.freeze_panes(4, 3 + (len(runs) > 1))
    return "Practices", first, last, pos


def localities_sheet(book: Book, runs: list[Results], names: list[str]) -> None:
    ws = book.sheet("Localities")
    df = stack(runs, names, "localities")
    write_title(book, ws, "Localities: practice figures added up by locality and year",
                f"Scenario: {'; '.join(names)}. Localities are as given in the practice list.")
    book.table(ws, 3, 0, df, bulk=True)
    ws.freeze_panes(4, 2 + (len(runs) > 1))


def _with_thousands(df: pd.DataFrame) -> list[SheetColumn]:
    """The table's columns, a gap, then every money column again shown in £000 (£#,##0,).

    >>> cols = _with_thousands(pd.DataFrame({"commissioner": ["04G"], "pot": [3238385.0], "practices": [69]}))
    >>> [(c.label, c.kind) for c in cols]
    [('CCG', 'text'), ('Practice pot (£)', 'money'), ('Practices', 'count'), ('', 'gap'),
     ('Practice pot (£000)', 'thousands')]
    >>> cols[-1].values   # the same pounds and pence: the £000 is only the cell's number format
    [3238385.0]
    """
    cols = sheet_columns(df)
    money = [c for c in cols if c.kind == "money"]
    if not money:
        return cols
    out = cols + [SheetColumn("", "", "gap", [None] * len(df), 2.0)]
    for c in money:
        out.append(SheetColumn(c.name + "_000", c.label.replace("(£)", "(£000)"), "thousands", c.values,
                               max(12.0, min(22.0, c.width - 2))))
    return out


def summary_sheet(book: Book, runs: list[Results], names: list[str]) -> TableRef:
    ws = book.sheet("Summary")
    several = len(runs) > 1
    df = stack(runs, names, "summary")
    n_comm = max(r.summary["commissioner"].nunique() for r in runs)
    write_title(book, ws, "Summary: commissioner totals by year, in £ and in £000",
                f"Scenario: {'; '.join(names)}. Left: £ in pounds and pence. Right: the same figures in £000.")
    row = 3
    if n_comm > 1:
        frames = []
        for name, r in zip(names, runs):
            y = r.by_year().drop(columns=["year_index"])
            y["year"] = y["year"].astype(str)
            if several:
                y.insert(0, "scenario", name)
            frames.append(y)
        totals = pd.concat(frames, ignore_index=True)
        ws.write_string(row, 0, "Totals by year, all commissioners" + (" (each scenario)" if several else ""),
                        book.section)
        _, t_last = book.columns_table(ws, row + 1, 0, _with_thousands(totals), autofilter=False)
        row = t_last + 2
        ws.write_string(row, 0, "By commissioner and year", book.section)
        row += 1
    header = row
    first, last = book.columns_table(ws, header, 0, _with_thousands(df), bulk=True)
    pos = {str(name): j for j, name in enumerate(df.columns)}
    ws.freeze_panes(header + 1 if header < 25 else 3, 2 + several)
    return "Summary", first, last, pos
