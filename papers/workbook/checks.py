"""The Checks sheet: do the figures reconcile, as they are shown?

Every workbook check is a live formula over the other sheets, so it still says PASS or FAIL after the
file has been opened, changed and recalculated in Excel or LibreOffice; the cached values written with
the formulas are computed here the way the spreadsheet will compute them. The checks:

* practice rows add up to the commissioner totals (Summary detail), figure by figure, and so do the
  localities; each locality is the sum of its practices; the money identity holds;
* the Summary page's £000 figures are each within £1,000 of their pounds-and-pence figure, and add up
  as shown (parts to totals, years to the all-years total);
* Practices by year: every subtotal is the sum of its rows, every all-years figure the sum of its
  years, and each year's total equals the Practices sheet.

Rows are matched by text with ``SUMPRODUCT((range=cell)*values)`` against key cells written on this
sheet: an exact comparison of text with text, which no name can turn into a criterion, wildcard or
date. Below the workbook checks come the model's own checks (computed when the scenario ran), any
warnings, and the tables of formulas behind each workbook check.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from model.results import Results
from papers.workbook.assumptions import _text_lines
from papers.workbook.book import Book, SheetColumn, write_title
from papers.workbook.results_sheets import ByYearRef, TableRef
from papers.workbook.summary import PageRef

TOL = 0.004      # pounds: anything under half a penny is float noise


def _cell(row: int, col: int) -> str:
    return xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)


@functools.lru_cache(maxsize=4096)
def _rng(sheet: str, first: int, last: int, col: int) -> str:
    return f"{quote_sheetname(sheet)}!{_cell(first, col)}:{_cell(max(last, first), col)}"


def _ref(sheet: str, row: int, col: int) -> str:
    return f"{quote_sheetname(sheet)}!{_cell(row, col)}"


@dataclass
class Block:
    """One table of formulas on the Checks sheet. Each row is built once its sheet row is known:
    ``make(row) -> [values]`` where a value is text, a number or (formula, cached value)."""

    title: str
    headers: list[str]
    kinds: list[str]                     # text | number | money | k: how each column shows
    makers: list[Callable[[int], list[Any]]]
    diff_cols: dict[str, int] = field(default_factory=dict)   # name -> column of differences
    groups: dict[str, tuple[int, int]] = field(default_factory=dict)   # name -> (first, last) row index
    first_row: int = 0
    built: list[list[Any]] = field(default_factory=list)

    def build(self, first_row: int) -> None:
        self.first_row = first_row
        self.built = [m(first_row + i) for i, m in enumerate(self.makers)]

    def rows(self, name: str | None = None) -> tuple[int, int]:
        lo, hi = self.groups.get(name, (0, len(self.makers) - 1)) if name else (0, len(self.makers) - 1)
        return self.first_row + lo, self.first_row + hi


@dataclass
class Check:
    label: str
    description: str
    block: Block
    diff: str                  # the block's difference column
    group: str | None = None   # rows of the block (None: all)
    limit: float = TOL         # a difference above this fails (">=" when strict is False)
    strict: bool = True        # fail when |difference| > limit (True) or >= limit (False)


def _sp(*terms: str) -> str:
    """SUMPRODUCT of conditions and a value range: SUMPRODUCT((a=x)*(b=y)*values)."""
    return f"SUMPRODUCT({'*'.join(terms)})"


def checks_sheet(book: Book, results: Results, practices: TableRef, localities: TableRef, detail: TableRef,
                 page: PageRef, by_year: ByYearRef) -> None:
    ws = book.sheet("Checks")
    write_title(book, ws, "Checks: do the figures reconcile, as they are shown?",
                "Workbook checks are live formulas over the other sheets: they recalculate in Excel and "
                "LibreOffice, and say FAIL if any figure is changed. Model checks were computed when the "
                "scenario ran. £ figures must agree to the penny; £000 figures to within £1,000 and add up "
                "exactly as shown.")
    for col, width in enumerate([44, 56, 18, 16, 16, 16, 14]):
        ws.want_width(col, width)

    blocks = [_summary_closeness(page, detail), _summary_footing(page), _by_year_block(results, practices, by_year),
              _localities_block(results, practices, localities), _commissioner_block(results, practices,
                                                                                      localities, detail)]
    close, foot, by_year_b, loc_b, comm_b = blocks
    checks = [
        Check("Practices add up to the commissioner totals: allocation",
              "Σ Practices allocation = Summary detail allocation, every commissioner and year", comm_b, "practices",
              "allocation"),
        Check("Practices add up to the commissioner totals: protection",
              "Σ Practices protection = Summary detail protection", comm_b, "practices", "protection"),
        Check("Practices add up to the commissioner totals: LES",
              "Σ Practices LES lost = Summary detail LES savings; Σ LES gained = LES gained", comm_b, "practices",
              "les"),
        Check("Practices add up to the commissioner totals: net cost",
              "Σ Practices net change + retained = Summary detail net cost", comm_b, "practices", "net_cost"),
        Check("Money identity",
              "Σ net change + retained = pot + protection paid by the CCG − LES savings + LES gained", comm_b,
              "practices", "identity"),
        Check("Localities add up to the commissioner totals",
              "Σ Localities = Summary detail, every figure above, every commissioner and year", comm_b,
              "localities"),
        Check("Each locality is the sum of its practices",
              "Localities sheet = Σ Practices of that locality: allocation, protection, LES lost and gained, "
              "net change, every year", loc_b, "difference"),
        Check("Summary (£000): each figure within £1,000 of its £ figure",
              "Summary sheet £000 × 1,000 − Summary detail £, every figure and year: less than £1,000 apart",
              close, "difference", limit=1.0, strict=False),
        Check("Summary (£000): the figures add up as shown",
              "Parts = totals (pot, net cost) and years = the all-years total, in £000 as displayed", foot,
              "difference"),
        Check("Practices by year: totals are the sums of their rows",
              "Locality, commissioner and grand totals = the rows above them; all years = the sum of the years",
              by_year_b, "difference", "footing"),
        Check("Practices by year = the Practices sheet",
              "Each year's total on Practices by year = Σ Practices sheet, allocation and net change", by_year_b,
              "difference", "practices"),
    ]
    render_checks(book, ws, checks, blocks, results.checks, list(results.warnings))


def render_checks(book: Book, ws, checks: list[Check], blocks: list[Block], model_checks, warnings: list[str]) -> None:
    """Write the top table of checks (status formulas over the blocks' difference columns), the model's
    checks, the warnings, then the blocks of formulas (the last one streamed)."""

    header = 3
    ws.write_string(header, 0, "Workbook checks: recomputed here by formulas", book.section)
    for j, h in enumerate(["Check", "Description", "Status", "Largest difference"]):
        ws.write_string(header + 1, j, h, book.header)
    ws.header_rows = (header + 1, header + 1)
    top_first = header + 2
    all_row = top_first + len(checks)
    model_title = all_row + 2
    model_header = model_title + 1
    row = model_header + 1 + len(model_checks) + 1
    warn_row = row
    if warnings:
        row += len(warnings) + 2
    for b in blocks:
        row += 1                       # the block's title
        b.build(row + 1)               # below its header
        row = b.first_row + len(b.makers) + 1

    # The top table.
    status_cells = []
    top_ok = True
    for i, ch in enumerate(checks):
        r = top_first + i
        lo, hi = ch.block.rows(ch.group)
        col = ch.block.diff_cols[ch.diff]
        dr = f"{_cell(lo, col)}:{_cell(hi, col)}"
        cached = [_cached(ch.block, k, col) for k in range(lo - ch.block.first_row, hi - ch.block.first_row + 1)]
        worst = max((abs(x) for x in cached), default=0.0)
        ok = worst <= ch.limit if ch.strict else worst < ch.limit
        top_ok &= ok
        op = ">" if ch.strict else ">="
        ws.write_string(r, 0, ch.label, book.wrap)
        ws.write_string(r, 1, ch.description, book.wrap)
        ws.set_row(r, 13 * max(_text_lines(ch.label, 44), _text_lines(ch.description, 56)) + 3)
        ws.write_formula(r, 2, f'=IF(SUMPRODUCT(--(ABS({dr}){op}{ch.limit:g}))=0,"PASS","FAIL")', book.status,
                         "PASS" if ok else "FAIL")
        fmt = {"number": book.calc["number"], "k": book.k_fmt}.get(ch.block.kinds[col], book.calc["money"])
        ws.write_formula(r, 3, f"=MAX(ABS(MAX({dr})),ABS(MIN({dr})))", fmt, worst)
        status_cells.append(_cell(r, 2))
    model_ok = bool((model_checks["status"] == "PASS").all())
    m_first = model_header + 1
    m_col = list(model_checks.columns).index("status")
    m_status = f"{_cell(m_first, m_col)}:{_cell(m_first + max(len(model_checks) - 1, 0), m_col)}"
    ws.write_string(all_row, 0, "All checks", book.bold)
    ws.write_string(all_row, 1, "Every workbook check and every model check says PASS", book.wrap)
    ws.write_formula(all_row, 2, f'=IF(AND(COUNTIF({status_cells[0]}:{status_cells[-1]},"PASS")={len(checks)},'
                                 f'COUNTIF({m_status},"FAIL")=0),"PASS","FAIL")', book.status,
                     "PASS" if top_ok and model_ok else "FAIL")
    for crit, fmt in (('"PASS"', book.pass_), ('"FAIL"', book.fail)):
        ws.conditional_format(top_first, 2, all_row, 2, {"type": "cell", "criteria": "==", "value": crit,
                                                          "format": fmt})

    # Model checks and warnings.
    ws.write_string(model_title, 0, "Model checks: computed when the scenario ran", book.section)
    first, last, pos = book.table(ws, model_header, 0, model_checks, autofilter=False)
    for i, d in enumerate(model_checks["description"].astype(str)):
        ws.set_row(first + i, 13 * _text_lines(d, 56) + 3)
    ws.set_row(model_header, 30)
    sc = pos["status"]
    for crit, fmt in (('"PASS"', book.pass_), ('"FAIL"', book.fail)):
        ws.conditional_format(first, sc, max(last, first), sc, {"type": "cell", "criteria": "==", "value": crit,
                                                                "format": fmt})
    if warnings:
        ws.write_string(warn_row, 0, "Warnings to look at", book.section)
        for i, w in enumerate(warnings):
            ws.write_string(warn_row + 1 + i, 0, "Warning", book.text)
            ws.write_string(warn_row + 1 + i, 1, w, book.wrap)

    # The blocks of formulas (streamed when long).
    for b in blocks:
        ws.write_string(b.first_row - 2, 0, b.title, book.section)
        cols = _columns(b)
        book.columns_table(ws, b.first_row - 1, 0, cols, bulk=True, autofilter=False, header_height=32)
    ws.freeze_panes(header + 2, 0)


# ---- building the blocks --------------------------------------------------------------------------

def _cached(block: Block, i: int, col: int) -> float:
    v = block.built[i][col]
    return float(v[1]) if isinstance(v, tuple) else float(v)


def _columns(block: Block) -> list[SheetColumn]:
    rows = block.built
    cols = []
    for j, (h, kind) in enumerate(zip(block.headers, block.kinds)):
        values = [r[j] for r in rows]
        if kind == "text":
            cols.append(SheetColumn(h, h, "text", values, 18.0))
        else:
            shown = {"money": "money", "k": "count", "number": "number"}[kind]
            cols.append(SheetColumn(h, h, "formula", values, 16.0, shown_as=shown))
    return cols


def _diff(a: str, b: str, row: int) -> str:
    return f"ROUND({a}-{b},2)"


def _commissioner_block(results: Results, practices: TableRef, localities: TableRef, detail: TableRef) -> Block:
    """Each commissioner-year: the Summary detail figure, Σ practice rows and Σ localities."""
    P, L, D = practices, localities, detail
    s = results.summary.assign(commissioner=results.summary["commissioner"].astype(str),
                               year=results.summary["year"].astype(str))
    keys = ["commissioner", "year"]
    p = results.practices.assign(commissioner=results.practices["commissioner"].astype(str),
                                 year=results.practices["year"].astype(str))
    loc = results.localities.assign(commissioner=results.localities["commissioner"].astype(str),
                                    year=results.localities["year"].astype(str))
    money = ["allocation", "protection", "les_lost", "les_gained", "net_change"]
    psum = p.groupby(keys, sort=False)[money].sum().to_dict("index")
    lsum = loc.groupby(keys, sort=False)[money].sum().to_dict("index")
    zero = dict.fromkeys(money, 0.0)

    def pr(t: TableRef, c: str) -> str:
        return _rng(t.sheet, t.first, t.last, t.pos[c])

    def where(t: TableRef, row: int) -> list[str]:
        return [f"({pr(t, 'commissioner')}={_cell(row, 0)})", f"({pr(t, 'year')}={_cell(row, 1)})"]

    figures = [
        # (group, label, Summary detail side, practices side, localities side) as (columns, signs)
        ("allocation", "Allocation", [("allocation", 1)], [("allocation", 1)], None),
        ("protection", "Protection", [("protection", 1)], [("protection", 1)], None),
        ("les", "LES lost = LES savings", [("les_savings", 1)], [("les_lost", 1)], None),
        ("les", "LES gained", [("les_gained", 1)], [("les_gained", 1)], None),
        ("net_cost", "Net cost = Σ net change + retained", [("net_cost", 1)], [("net_change", 1)], "retained"),
        ("identity", "Money identity: pot + CCG protection − LES savings + LES gained",
         [("pot", 1), ("protection_from_commissioner", 1), ("les_savings", -1), ("les_gained", 1)],
         [("net_change", 1)], "retained"),
    ]
    makers, groups = [], {}
    records = s.to_dict("records")
    for group, label, d_side, p_side, plus in figures:
        start = len(makers)
        for srow in records:
            k = (srow["commissioner"], srow["year"])

            def make(row: int, srow=srow, k=k, label=label, d_side=d_side, p_side=p_side, plus=plus) -> list:
                def total(side, table: TableRef, sums) -> tuple[str, float]:
                    terms, value = [], 0.0
                    for c, sign in side:
                        terms.append(("-" if sign < 0 else "+") + _sp(*where(table, row), pr(table, c)))
                        value += sign * float(sums[c])
                    if plus:
                        terms.append("+" + _sp(*where(D, row), pr(D, plus)))
                        value += float(srow[plus])
                    return "".join(terms).lstrip("+"), round(value, 2)

                d_f = "".join(("-" if sign < 0 else "+") + _sp(*where(D, row), pr(D, c)) for c, sign in d_side)
                d_v = round(sum(sign * float(srow[c]) for c, sign in d_side), 2)
                p_f, p_v = total(p_side, P, psum.get(k, zero))
                l_f, l_v = total(p_side, L, lsum.get(k, zero))
                return [k[0], k[1], label, (d_f.lstrip("+"), d_v), (p_f, p_v), (l_f, l_v),
                        (_diff(_cell(row, 4), _cell(row, 3), row), round(p_v - d_v, 2)),
                        (_diff(_cell(row, 5), _cell(row, 3), row), round(l_v - d_v, 2))]
            makers.append(make)
        prev = groups.get(group)
        groups[group] = (prev[0] if prev else start, len(makers) - 1)
    groups["practices"] = (0, len(makers) - 1)
    groups["localities"] = (0, len(makers) - 1)
    return Block("Commissioner totals, every year: Summary detail, Σ practice rows and Σ localities",
                 ["CCG", "Year", "Figure", "Summary detail £", "Σ practice rows £", "Σ localities £",
                  "Practices − Summary £", "Localities − Summary £"],
                 ["text", "text", "text", "money", "money", "money", "money", "money"], makers,
                 {"practices": 6, "localities": 7}, groups)


def _localities_block(results: Results, practices: TableRef, localities: TableRef) -> Block:
    """Each locality-year figure on the Localities sheet against the sum of its practices."""
    P, L = practices, localities
    loc = results.localities.reset_index(drop=True)
    p = results.practices.assign(commissioner=results.practices["commissioner"].astype(str),
                                 locality=results.practices["locality"].astype(str),
                                 year=results.practices["year"].astype(str))
    figures = [("allocation", "Allocation"), ("protection", "Protection"), ("les_lost", "LES lost"),
               ("les_gained", "LES gained"), ("net_change", "Net change")]
    sums = p.groupby(["commissioner", "locality", "year"], sort=False)[[f for f, _ in figures]].sum().to_dict("index")

    def pr(c: str) -> str:
        return _rng(P.sheet, P.first, P.last, P.pos[c])

    makers = []
    records = loc.assign(commissioner=loc["commissioner"].astype(str), locality=loc["locality"].astype(str),
                         year=loc["year"].astype(str)).to_dict("records")
    for fig, label in figures:
        for i, rec in enumerate(records):
            k = (rec["commissioner"], rec["locality"], rec["year"])

            def make(row: int, i=i, rec=rec, k=k, fig=fig, label=label) -> list:
                shown = float(rec[fig])
                total = float(sums[k][fig]) if k in sums else 0.0
                cond = [f"({pr('commissioner')}={_cell(row, 0)})", f"({pr('locality')}={_cell(row, 1)})",
                        f"({pr('year')}={_cell(row, 2)})"]
                return [k[0], k[1], k[2], label, (_ref(L.sheet, L.first + i, L.pos[fig]), shown),
                        (_sp(*cond, pr(fig)), round(total, 2)),
                        (_diff(_cell(row, 5), _cell(row, 4), row), round(total - shown, 2))]
            makers.append(make)
    return Block("Each locality against its practices: the Localities sheet and Σ Practices of the locality",
                 ["CCG", "Locality", "Year", "Figure", "Localities sheet £", "Σ its practices £", "Difference £"],
                 ["text", "text", "text", "text", "money", "money", "money"], makers, {"difference": 6})


def _summary_closeness(page: PageRef, detail: TableRef, makers: list | None = None) -> Block:
    """Every £000 figure of the Summary page against its pounds-and-pence figure ÷ 1,000 (with several
    scenarios, `page.scenario` names the rows of Summary detail to add up)."""
    pg, D = page.page, detail
    n = len(pg.years)
    o = 1 if page.scenario else 0

    def dr(c: str) -> str:
        return _rng(D.sheet, D.first, D.last, D.pos[c])

    makers = [] if makers is None else makers
    for ln in pg.lines:
        for j in range(n + 1):
            def make(row: int, ln=ln, j=j) -> list:
                r, c = page.cells[ln.key, j]
                shown = pg.money[ln.key][j]
                exact = pg.exact[ln.key][j]
                sign = "-" if ln.sign < 0 else ""
                conds = [f"({dr('scenario')}={_cell(row, 0)})"] if o else []
                if j < n:
                    conds.append(f"({dr('year')}={_cell(row, o + 1)})")
                f = f"{sign}{_sp(*conds, dr(ln.column))}/1000" if conds else f"{sign}SUM({dr(ln.column)})/1000"
                label = pg.years[j] if j < n else "All years"
                return [*([page.scenario] if o else []), ln.label, label, (_ref(page.sheet, r, c), float(shown)),
                        (f, exact / 1000), (f"{_cell(row, o + 2)}-{_cell(row, o + 3)}", shown - exact / 1000)]
            makers.append(make)
    lead = ["Scenario"] if o else []
    return Block("Summary (£000) against Summary detail (£): each figure shown, the exact figure ÷ 1,000",
                 [*lead, "Figure", "Year", "Shown £000", "Exact £ ÷ 1,000", "Difference (must be under 1)"],
                 [*(["text"] * o), "text", "text", "k", "number", "number"], makers, {"difference": o + 4})


def _summary_footing(page: PageRef, makers: list | None = None) -> Block:
    """The Summary page adds up as shown: each total against its parts, each row's years against its total."""
    pg = page.page
    n = len(pg.years)
    label = {ln.key: ln.label for ln in pg.lines}
    makers = [] if makers is None else makers
    who = f"{page.scenario}: " if page.scenario else ""
    for parent, children in pg.tree.items():
        for j in range(n + 1):
            def make(row: int, parent=parent, children=children, j=j) -> list:
                r, c = page.cells[parent, j]
                parts = [page.cells[k, j] for k in children]
                v = pg.money[parent][j]
                s = sum(pg.money[k][j] for k in children)
                text = who + f"{label[parent]} = " + " + ".join(label[k] for k in children)
                return [text, pg.years[j] if j < n else "All years", (_ref(page.sheet, r, c), float(v)),
                        ("+".join(_ref(page.sheet, *rc) for rc in parts), float(s)),
                        (f"{_cell(row, 2)}-{_cell(row, 3)}", float(v - s))]
            makers.append(make)
    for ln in pg.lines:
        def make(row: int, ln=ln) -> list:
            r, c = page.cells[ln.key, n]
            first, last = page.cells[ln.key, 0], page.cells[ln.key, n - 1]
            v = pg.money[ln.key][n]
            s = sum(pg.money[ln.key][:n])
            return [f"{who}{ln.label}: all years = the sum of the years", "All years",
                    (_ref(page.sheet, r, c), float(v)),
                    (f"SUM({quote_sheetname(page.sheet)}!{_cell(*first)}:{_cell(*last)})", float(s)),
                    (f"{_cell(row, 2)}-{_cell(row, 3)}", float(v - s))]
        makers.append(make)
    return Block("Summary (£000) adds up as shown: totals against their parts, years against the all-years total",
                 ["Sum", "Year", "Total shown £000", "Parts shown, added up £000", "Difference £000"],
                 ["text", "text", "k", "k", "k"], makers, {"difference": 4})


def _by_year_block(results: Results, practices: TableRef, ref: ByYearRef) -> Block:
    """Practices by year: subtotals and all-years columns against their rows, year totals against Practices."""
    sheet = ref.sheet
    figs = sorted({f for f, _ in ref.cols})
    value_cols = {f: [ref.cols[f, y] for y in ref.years] for f in figs}
    total_cols = {f: ref.cols[f, None] for f in figs}
    all_cols = [c for f in figs for c in [*value_cols[f], total_cols[f]]]
    by_year = {ref.first + i: {c: v for c, col in enumerate(ref.columns) if col.kind == "money"
                               for v in [col.values[i]]} for i in range(len(ref.columns[0].values))}
    makers, groups = [], {}

    def sheet_range(col: int, lo: int, hi: int) -> str:
        return f"{quote_sheetname(sheet)}!{_cell(lo, col)}:{_cell(hi, col)}"

    def contiguous(rows: list[int]) -> bool:
        return rows == list(range(rows[0], rows[-1] + 1))

    def sum_of(rows: list[int], col: int) -> str:
        if rows and contiguous(rows):
            return f"SUM({sheet_range(col, rows[0], rows[-1])})"
        return "+".join(_ref(sheet, r, col) for r in rows) or "0"

    totals = [(r, f"{loc}: total = its practices", rows) for r, _c, loc, rows in ref.subtotals]
    totals += [(r, f"CCG {c}: total = its localities", rows) for r, c, rows in ref.commissioner_rows]
    totals.append((ref.total_row, "Total, all practices = " + ("its commissioners" if ref.commissioner_rows
                                                                 else "its localities"), ref.total_parts))
    for r, text, rows in totals:
        def make(row: int, r=r, text=text, rows=rows) -> list:
            terms = [f"ABS({_ref(sheet, r, c)}-({sum_of(rows, c)}))" for c in all_cols]
            worst = max(abs(by_year[r][c] - sum(by_year[x][c] for x in rows)) for c in all_cols)
            return [text, "every column", (f"ROUND(MAX({','.join(terms)}),2)", round(worst, 2))]
        makers.append(make)
    for f in figs:
        def make(row: int, f=f) -> list:
            lo, hi = ref.first, ref.last
            parts = "+".join(sheet_range(c, lo, hi) for c in value_cols[f])
            worst = max(abs(v[total_cols[f]] - sum(v[c] for c in value_cols[f])) for v in by_year.values())
            return [f"{'Allocation' if f == 'allocation' else 'Net change'}: all years = the sum of the years",
                    "every row", (f"ROUND(SUMPRODUCT(ABS({sheet_range(total_cols[f], lo, hi)}-({parts}))),2)",
                                  round(worst, 2))]
        makers.append(make)
    groups["footing"] = (0, len(makers) - 1)
    start = len(makers)
    p = results.practices
    year_totals = p.groupby(p["year"].astype(str), observed=True)[figs].sum()
    for f in figs:
        for y in ref.years:
            def make(row: int, f=f, y=y) -> list:
                c = ref.cols[f, y]
                pr = _rng(practices.sheet, practices.first, practices.last, practices.pos[f])
                yr = _rng(practices.sheet, practices.first, practices.last, practices.pos["year"])
                shown = by_year[ref.total_row][c]
                exact = float(year_totals.loc[y, f]) if y in year_totals.index else 0.0
                return [f"{'Allocation' if f == 'allocation' else 'Net change'}: total = Practices sheet", y,
                        (f"ROUND({_ref(sheet, ref.total_row, c)}-{_sp(f'({yr}={_cell(row, 1)})', pr)},2)",
                         round(shown - exact, 2))]
            makers.append(make)
    groups["practices"] = (start, len(makers) - 1)
    return Block("Practices by year: totals against their rows, and each year's total against the Practices sheet",
                 ["What is added up", "Where", "Largest difference £"], ["text", "text", "money"], makers,
                 {"difference": 2}, groups)


def excel_round(x: float, digits: int = 0) -> float:
    """Excel's ROUND: halves away from zero (Python's round() rounds halves to even).

    >>> excel_round(2500 / 1000), round(2500 / 1000), excel_round(-2.5), excel_round(0.125, 2)
    (3.0, 2, -3.0, 0.13)
    """
    f = 10.0 ** digits
    return math.copysign(math.floor(abs(x) * f + 0.5) / f, x) + 0.0

