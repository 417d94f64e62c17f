"""The one-page Summary: the headline figures in £000, years across and an all-years total, rounded so
that they add up as shown (:func:`papers.footing.foot`).

The rows are the money identity of docs/design.md §4.9, read top to bottom — the practice pot (new money
and recycled LES savings), protection the CCG pays on top, LES savings, LES gained: the net cost to the
CCG — then the admissions saving, memo lines, the practices better off, worse off and unchanged, the
largest loss at one practice and the break-even cut in emergency admissions. Pounds and pence are on the
"Summary detail" sheet; the Checks sheet tests with live formulas that every £000 figure is within £1,000
of its pounds-and-pence figure and that the figures add up as shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.admissions import break_even_reduction_pct
from model.money import to_pence
from model.results import Results
from papers.footing import foot
from papers.workbook.book import Book, FastSheet, write_title

UNIT = 100_000   # £000, in pence
NOTE = ("Better off / worse off: practices whose net change (allocation + protection − LES lost + LES gained) "
        "is above / below £0 in the year. Largest loss: the most negative net change of one practice (all "
        "years: over the years together). Break-even cut: the reduction in emergency admissions of patients "
        "aged 75+ whose savings would pay the net cost.")
FOOTING_NOTE = ("£000. Each figure is rounded to the nearest £1,000, and moved by at most £1,000 where "
                "needed so that the figures shown add up to the totals shown (largest-remainder rounding, "
                "as in published accounts). Pounds and pence: the Summary detail sheet.")


@dataclass(frozen=True)
class Line:
    """One money row: its key, words, the summary column it shows and the sign it is shown with."""

    key: str
    label: str
    column: str
    sign: int = 1
    level: int = 0              # 0 a total, 1 a part (indented)
    optional: bool = False      # left out when it is £0 in every year
    shown_with: str = ""        # shown only when this line is shown too


LINES = [
    Line("pot", "Practice pot", "pot"),
    Line("new_money", "of which new money", "new_money", level=1),
    Line("recycled", "of which LES savings recycled into the pot", "recycled", level=1),
    Line("protection_ccg", "Protection paid by the CCG on top of the pot", "protection_from_commissioner"),
    Line("les_savings", "LES savings: income practices lose", "les_savings", sign=-1),
    Line("les_gained", "LES gained by practices", "les_gained", optional=True),
    Line("net_cost", "Net cost to the CCG", "net_cost"),
    Line("admissions_saving", "Emergency admissions saving", "admissions_saving", sign=-1, optional=True),
    Line("net_after", "Net cost after the admissions saving", "net_cost_after_admissions",
         shown_with="admissions_saving"),
    Line("topslice", "Memo: protection paid from a top-slice of the pot", "topslice", optional=True),
    Line("unfunded", "Memo: staff costs the money no longer covers", "unfunded_commitment", optional=True),
]
TREE = {"pot": ["new_money", "recycled"],
        "net_cost": ["pot", "protection_ccg", "les_savings", "les_gained"],
        "net_after": ["net_cost", "admissions_saving"]}


@dataclass
class Page:
    """The Summary page of one run, as shown: money rows in £000 (years, then the total) and the rest."""

    years: list[str]
    lines: list[Line]
    money: dict[str, list[int]]                      # key -> £000 by year, then all years
    exact: dict[str, list[float]]                    # key -> £ (signed as shown) by year, then all years
    tree: dict[str, list[str]]
    other: list[tuple[str, str, str, list[float | None]]] = field(default_factory=list)
    # (key, label, kind: count | money | pct, values by year then all years; None = not shown)


def _by_year(results: Results) -> pd.DataFrame:
    return results.by_year().sort_values("year_index").reset_index(drop=True)


def page(results: Results) -> Page:
    """The Summary page's figures for one run (every commissioner added up).

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["A", "B"], "list_size": [100_100, 100_100],
    ...                           "over75": [9000, 9000], "les_total": [300_000.0, 0.0]})
    >>> res = run(practices, Scenario(horizon_years=3).with_changes(
    ...     {"les.schemes": {"les_total": {"action": "decommission"}}}))
    >>> p = page(res)
    >>> p.money["pot"], p.money["les_savings"], p.money["net_cost"]    # £1,001,000 a year; £300,000 lost
    ([1001, 1001, 1001, 3003], [-300, -300, -300, -900], [701, 701, 701, 2103])
    """
    y = _by_year(results)
    years = [str(v) for v in y["year"]]
    lines = [ln for ln in LINES if not ln.optional or (y[ln.column].abs() > 0.004).any()]
    lines = [ln for ln in lines if not ln.shown_with or ln.shown_with in {x.key for x in lines}]
    keys = {ln.key for ln in lines}
    leaves, exact = {}, {}
    for ln in lines:
        pence = ln.sign * to_pence(y[ln.column].to_numpy(float))
        exact[ln.key] = [float(v) / 100 for v in pence] + [float(pence.sum()) / 100]
        if ln.key not in TREE:
            leaves[ln.key] = [int(v) for v in pence]
    tree = {p: [c for c in cs if c in keys] for p, cs in TREE.items() if p in keys}
    money = foot(tree, leaves, UNIT)
    return Page(years, lines, {k: money[k] for k in exact}, exact, tree, _other_rows(results, y))


def _other_rows(results: Results, y: pd.DataFrame) -> list[tuple[str, str, str, list[float | None]]]:
    p = results.practices
    practices = y["practices"].to_numpy(float)
    winners, losers = y["winners"].to_numpy(float), y["losers"].to_numpy(float)
    net = p.groupby(["commissioner", "practice_code", "year_index"], observed=True)["net_change"].sum()
    worst_year = net.groupby(level="year_index").min().reindex(y["year_index"]).to_numpy(float)
    worst_all = float(net.groupby(level=["commissioner", "practice_code"], observed=True).sum().min())
    adm = results.scenario.admissions
    horizon = break_even_reduction_pct(np.array([y["net_cost"].sum()]), np.array([y["over75"].sum()]),
                                       adm.baseline_per_1000_over75, adm.cost_per_admission)[0]

    def loss(v: float) -> float:
        return min(0.0, round(v))

    return [
        ("winners", "Practices better off", "count", [*winners, None]),
        ("losers", "Practices worse off", "count", [*losers, None]),
        ("unchanged", "Practices no better and no worse off", "count", [*(practices - winners - losers), None]),
        ("largest_loss", "Largest loss at one practice (£)", "money", [*(loss(v) for v in worst_year),
                                                                        loss(worst_all)]),
        ("break_even", "Break-even cut in emergency admissions of patients 75+", "pct",
         [*(y["break_even_reduction_pct"].to_numpy(float) / 100), horizon / 100]),
    ]


@dataclass
class PageRef:
    """Where a Summary page sits on its sheet, for the Checks sheet: the cell of each figure."""

    sheet: str
    cells: dict[tuple[str, int], tuple[int, int]]     # (line key, column index; last = total) -> (row, col)
    page: Page
    scenario: str = ""


def write_page(book: Book, ws: FastSheet, row: int, col: int, pg: Page, title: str | None = None,
               label_width: float = 46) -> tuple[int, dict]:
    """Write one Summary page table at (row, col); returns the next free row and the cells written."""
    n = len(pg.years)
    fmt_k = book.k_fmt
    if title:
        ws.write_string(row, col, title, book.section)
        row += 1
    ws.write_string(row, col, "£000", book.header)
    for j, label in enumerate([*pg.years, "All years"]):
        ws.write_string(row, col + 1 + j, label, book.header_right)
        ws.want_width(col + 1 + j, 11)
    ws.want_width(col, label_width)
    if ws.header_rows is None:
        ws.header_rows = (row, row)
    row += 1
    cells = {}
    for ln in pg.lines:
        parent = ln.key in pg.tree
        label_fmt = book.bold if parent and ln.level == 0 else book.text
        ws.write_string(row, col, ("      " if ln.level else "") + ln.label, label_fmt)
        for j, v in enumerate(pg.money[ln.key]):
            style = book.k_total if parent else fmt_k
            if j == n:
                style = book.k_total_col if not parent else book.k_total
            ws.write_number(row, col + 1 + j, v, style)
            cells[ln.key, j] = (row, col + 1 + j)
        row += 1
    row += 1
    for key, label, kind, values in pg.other:
        ws.write_string(row, col, label, book.text)
        for j, v in enumerate(values):
            if v is None or (isinstance(v, float) and not np.isfinite(v)):
                ws.write_string(row, col + 1 + j, "–", book.centre_grey)
                continue
            fmt = {"count": book.count_fmt, "money": book.pound_fmt, "pct": book.pct_fmt}[kind]
            ws.write_number(row, col + 1 + j, float(v), fmt)
            cells[key, j] = (row, col + 1 + j)
        row += 1
    return row, cells


def summary_page_sheet(book: Book, results: Results, name: str, data_set: str) -> PageRef:
    """The Summary sheet of one run: one A4 page."""
    ws = book.sheet("Summary")
    pg = page(results)
    n_comm = results.summary["commissioner"].nunique()
    who = "all commissioners added up" if n_comm > 1 else f"commissioner {results.summary['commissioner'].iloc[0]}"
    write_title(book, ws, f"Summary: {name}", f"Practice list: {data_set} ({who}). {FOOTING_NOTE}")
    row, cells = write_page(book, ws, 3, 0, pg)
    ws.set_row(row + 1, 44)
    ws.merge_range(row + 1, 0, row + 1, len(pg.years) + 1, NOTE, book.small)
    ws.activate()
    return PageRef("Summary", cells, pg)
