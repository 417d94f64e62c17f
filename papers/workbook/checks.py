"""The Checks sheet: do the figures reconcile?

Workbook checks are live formulas (SUMIFS over the Practices sheet against the Summary sheet), so each
still says PASS or FAIL after the file has been opened, changed and recalculated in Excel; the cached
values written with them are computed here the way Excel will compute them. Below them come the
model's own checks (computed when the scenario ran) and any warnings.
"""

from __future__ import annotations

import math
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from model.results import Results
from papers.tables import neutralise_text
from papers.workbook.book import Book, SheetColumn, stack, write_title
from papers.workbook.results_sheets import TableRef


def _criterion(text: str) -> str:
    """A SUMIFS criterion matching the cell as written (neutralised, like every text cell) exactly:
    "=" first (no operators), wildcards escaped.

    >>> print(_criterion("04G"), _criterion("A*"), _criterion("=B"))
    "=04G" "=A~*" "='=B"
    """
    escaped = neutralise_text(text).replace("~", "~~").replace("*", "~*").replace("?", "~?").replace('"', '""')
    return f'"={escaped}"'


def checks_sheet(book: Book, runs: list[Results], names: list[str], practices_ref: TableRef,
                 summary_ref: TableRef) -> None:
    ws = book.sheet("Checks")
    several = len(runs) > 1
    write_title(book, ws, "Checks: do the figures reconcile?",
                "Workbook checks are live formulas over the Practices and Summary sheets (they recalculate in "
                "Excel); model checks were computed when the scenario ran. PASS = reconciles to the penny.")
    for col, width in enumerate([46, 62, 16, 16, 16]):
        ws.want_width(col, width)

    p_sheet, p_first, p_last, p_pos = practices_ref
    s_sheet, s_first, s_last, s_pos = summary_ref

    def rng(sheet: str, first: int, last: int, col: int) -> str:
        a = xl_rowcol_to_cell(first, col, row_abs=True, col_abs=True)
        b = xl_rowcol_to_cell(max(last, first), col, row_abs=True, col_abs=True)
        return f"{sheet}!{a}:{b}"

    def prange(name: str) -> str:
        return rng(p_sheet, p_first, p_last, p_pos[name])

    def srange(name: str) -> str:
        return rng(s_sheet, s_first, s_last, s_pos[name])

    # The reconciliation table (rows laid out first so the summary checks can point at it).
    recon_rows = []
    for name, r in zip(names, runs):
        keys = ["commissioner", "year_index"]
        p = r.practices.groupby(keys, observed=True, sort=False)[
            ["allocation", "protection", "les_lost", "net_change"]].sum()
        p.index = [(str(c), int(y)) for c, y in p.index]
        pdict = p.to_dict("index")
        zero = dict.fromkeys(p.columns, 0.0)
        s = r.summary.assign(commissioner=r.summary["commissioner"].astype(str),
                             year=r.summary["year"].astype(str))
        for srow in s.to_dict("records"):
            k = (srow["commissioner"], int(srow["year_index"]))
            recon_rows.append((name, k[0], srow["year"], k[1], srow, pdict.get(k, zero)))

    lead = ["Scenario"] if several else []
    recon_headers = lead + [
        "Commissioner", "Year", "Year no.",
        "Allocation: Summary £", "Allocation: Σ practice rows £", "Difference £",
        "Allocation: Summary £000", "Allocation: Σ practice rows £000", "Difference £000",
        "Protection: Summary £", "Protection: Σ practice rows £", "Difference £",
        "LES savings: Summary £", "LES lost: Σ practice rows £", "Difference £",
        "Σ net change + retained £", "Pot + commissioner protection − LES savings + LES gained £",
        "Difference £",
    ]
    o = len(lead)
    diff_cols = {"alloc": o + 5, "alloc_k": o + 8, "prot": o + 11, "les": o + 14, "identity": o + 17}

    top_checks = [
        ("Practice rows = Summary: allocation (£)",
         "Σ Practices allocation = Summary allocation, every commissioner and year", "alloc"),
        ("Practice rows = Summary: allocation (£000)",
         "The same in £000, each side rounded to the nearest £1,000", "alloc_k"),
        ("Practice rows = Summary: protection (£)",
         "Σ Practices protection = Summary protection, every commissioner and year", "prot"),
        ("Practice rows = Summary: LES savings (£)",
         "Σ Practices LES lost = Summary LES savings, every commissioner and year", "les"),
        ("Money identity (DESIGN §4.9)",
         "Σ net change + retained = pot + protection paid by the commissioner − LES savings + LES gains",
         "identity"),
    ]
    model_checks = stack(runs, names, "checks")
    warnings = [(n, w) for n, r in zip(names, runs) for w in r.warnings]

    row = 3
    ws.write_string(row, 0, "Workbook checks: recomputed here by formulas", book.section)
    row += 1
    for j, h in enumerate(["Check", "Description", "Status", "Largest difference £"]):
        ws.write_string(row, j, h, book.header)
    top_first = row + 1
    n_top = len(top_checks) + 2   # + grand total + all checks
    model_header = top_first + n_top + 2
    warn_row = model_header + len(model_checks) + 2
    recon_section = warn_row + (len(warnings) + 3 if warnings else 0)
    recon_header = recon_section + 1
    recon_first = recon_header + 1
    recon_last = recon_first + len(recon_rows) - 1

    status_cells = []
    for i, (label, desc, key) in enumerate(top_checks):
        r_ = top_first + i
        col = diff_cols[key]
        dr = (f"{xl_rowcol_to_cell(recon_first, col, row_abs=True, col_abs=True)}:"
              f"{xl_rowcol_to_cell(max(recon_last, recon_first), col, row_abs=True, col_abs=True)}")
        ws.write_string(r_, 0, label, book.text)
        ws.write_string(r_, 1, desc, book.wrap)
        cached = _recon_cached(recon_rows, key)
        worst = max((abs(x) for x in cached), default=0.0)
        ws.write_formula(r_, 2, f'=IF(SUMPRODUCT(--(ABS({dr})>0.004))=0,"PASS","FAIL")', book.status,
                         "PASS" if worst < 0.004 else "FAIL")
        ws.write_formula(r_, 3, f"=MAX(ABS(MAX({dr})),ABS(MIN({dr})))", book.calc["money"], worst)
        status_cells.append(xl_rowcol_to_cell(r_, 2))
    # Grand total over the whole sheets.
    r_ = top_first + len(top_checks)
    p_total = float(sum(r.practices["allocation"].sum() for r in runs))
    s_total = float(sum(r.summary["allocation"].sum() for r in runs))
    gdiff = round(p_total - s_total, 2)
    ws.write_string(r_, 0, "Grand total: Practices sheet = Summary sheet (allocation £)", book.text)
    ws.write_string(r_, 1, "SUM of the allocation column on each sheet", book.wrap)
    ws.write_formula(r_, 2, f'=IF(ABS(ROUND(SUM({prange("allocation")})-SUM({srange("allocation")}),2))'
                            f'<0.004,"PASS","FAIL")', book.status, "PASS" if abs(gdiff) < 0.004 else "FAIL")
    ws.write_formula(r_, 3, f'=ABS(ROUND(SUM({prange("allocation")})-SUM({srange("allocation")}),2))',
                     book.calc["money"], abs(gdiff))
    status_cells.append(xl_rowcol_to_cell(r_, 2))
    # Overall.
    r_ += 1
    status_col = model_checks.columns.get_loc("status")
    model_status = (f"{xl_rowcol_to_cell(model_header + 1, status_col)}:"
                    f"{xl_rowcol_to_cell(model_header + max(len(model_checks), 1), status_col)}")
    top_ok = all(max((abs(x) for x in _recon_cached(recon_rows, k)), default=0.0) < 0.004
                 for _, _, k in top_checks) and abs(gdiff) < 0.004
    model_ok = bool((model_checks["status"] == "PASS").all())
    ws.write_string(r_, 0, "All checks", book.bold)
    ws.write_string(r_, 1, "Every workbook check and every model check says PASS", book.wrap)
    first_status, last_status = status_cells[0], status_cells[-1]
    ws.write_formula(r_, 2, f'=IF(AND(COUNTIF({first_status}:{last_status},"PASS")={len(status_cells)},'
                            f'COUNTIF({model_status},"FAIL")=0),"PASS","FAIL")', book.status,
                     "PASS" if top_ok and model_ok else "FAIL")
    ws.conditional_format(top_first, 2, r_, 2, {"type": "cell", "criteria": "==", "value": '"PASS"',
                                                   "format": book.pass_})
    ws.conditional_format(top_first, 2, r_, 2, {"type": "cell", "criteria": "==", "value": '"FAIL"',
                                                   "format": book.fail})

    # Model checks.
    ws.write_string(model_header - 1, 0, "Model checks: computed when the scenario ran", book.section)
    m_first, m_last, m_pos = book.table(ws, model_header, 0, model_checks, autofilter=False)
    sc = m_pos["status"]
    ws.conditional_format(m_first, sc, max(m_last, m_first), sc,
                          {"type": "cell", "criteria": "==", "value": '"PASS"', "format": book.pass_})
    ws.conditional_format(m_first, sc, max(m_last, m_first), sc,
                          {"type": "cell", "criteria": "==", "value": '"FAIL"', "format": book.fail})

    if warnings:
        ws.write_string(warn_row, 0, "Warnings to look at", book.section)
        for i, (name, w) in enumerate(warnings):
            ws.write_string(warn_row + 1 + i, 0, neutralise_text(name if several else "Warning"), book.text)
            ws.write_string(warn_row + 1 + i, 1, neutralise_text(w), book.wrap)

    # The reconciliation table with live formulas (streamed: it is the last thing on the sheet).
    ws.write_string(recon_section, 0, "Reconciliation by commissioner and year: the formulas behind the "
                                      "workbook checks", book.section)
    cols = _recon_columns(recon_rows, recon_headers, several, recon_first, prange, srange)
    book.columns_table(ws, recon_header, 0, cols, bulk=True, autofilter=False, header_height=45)
    if recon_rows:
        ws.autofilter(recon_header, 0, recon_last, len(recon_headers) - 1)
    ws.freeze_panes(3, 0)


def _recon_columns(recon_rows: list, headers: list[str], several: bool, first_row: int, prange, srange
                   ) -> list[SheetColumn]:
    """Columns of the reconciliation table: keys, then (Summary, Σ practice rows, difference) triples."""
    o = 1 if several else 0
    n = len(recon_rows)
    values: list[list[Any]] = [[] for _ in headers]
    for i, (name, comm, year, yi, srow, prow) in enumerate(recon_rows):
        r_ = first_row + i
        crit_p = [prange("commissioner"), _criterion(comm), prange("year_index"), str(yi)]
        crit_s = [srange("commissioner"), _criterion(comm), srange("year_index"), str(yi)]
        if several:
            crit_p = [prange("scenario"), _criterion(name)] + crit_p
            crit_s = [srange("scenario"), _criterion(name)] + crit_s
            values[0].append(neutralise_text(name))
        values[o].append(neutralise_text(comm))
        values[o + 1].append(year)
        values[o + 2].append(float(yi))

        def sp(col: str, crit: list[str] = crit_p) -> str:
            return f"SUMIFS({prange(col)},{','.join(crit)})"

        def ss(col: str, crit: list[str] = crit_s) -> str:
            return f"SUMIFS({srange(col)},{','.join(crit)})"

        def cell(c: int, row: int = r_) -> str:
            return xl_rowcol_to_cell(row, c)

        def triple(c: int, s_formula: str, p_formula: str, s_val: float, p_val: float, row: int = r_) -> None:
            values[c].append((s_formula, s_val))
            values[c + 1].append((p_formula, p_val))
            values[c + 2].append((f"ROUND({xl_rowcol_to_cell(row, c + 1)}-{xl_rowcol_to_cell(row, c)},2)",
                                  round(p_val - s_val, 2)))

        sa, pa = float(srow["allocation"]), float(prow["allocation"])
        triple(o + 3, ss("allocation"), sp("allocation"), sa, pa)
        triple(o + 6, f"ROUND({cell(o + 3)}/1000,0)", f"ROUND({cell(o + 4)}/1000,0)",
               _excel_round(sa / 1000), _excel_round(pa / 1000))
        triple(o + 9, ss("protection"), sp("protection"), float(srow["protection"]), float(prow["protection"]))
        triple(o + 12, ss("les_savings"), sp("les_lost"), float(srow["les_savings"]), float(prow["les_lost"]))
        left = float(prow["net_change"]) + float(srow["retained"])
        right = (float(srow["pot"]) + float(srow["protection_from_commissioner"]) - float(srow["les_savings"])
                 + float(srow["les_gained"]))
        values[o + 15].append((f"{sp('net_change')}+{ss('retained')}", round(left, 2)))
        values[o + 16].append((f"{ss('pot')}+{ss('protection_from_commissioner')}-{ss('les_savings')}"
                               f"+{ss('les_gained')}", round(right, 2)))
        values[o + 17].append((f"ROUND({cell(o + 15)}-{cell(o + 16)},2)", round(left - right, 2)))
    cols = []
    for j, h in enumerate(headers):
        if j < o + 2:
            cols.append(SheetColumn(h, h, "text", values[j], 14.0 if j >= o else 24.0))
        elif j == o + 2:
            cols.append(SheetColumn(h, h, "index", values[j], 8.0))
        else:
            shown = "count" if o + 6 <= j <= o + 8 else "money"
            cols.append(SheetColumn(h, h, "formula", values[j], 16.0, shown_as=shown))
    assert all(len(c.values) == n for c in cols)
    return cols


def _excel_round(x: float, digits: int = 0) -> float:
    """Excel's ROUND: halves away from zero (Python's round() rounds halves to even).

    An allocation of £2,500 is 3 in £000 in Excel, where Python's round() would say 2:

    >>> _excel_round(2500 / 1000), round(2500 / 1000), _excel_round(-2.5), _excel_round(0.125, 2)
    (3.0, 2, -3.0, 0.13)
    """
    f = 10.0 ** digits
    return math.copysign(math.floor(abs(x) * f + 0.5) / f, x) + 0.0


def _recon_cached(recon_rows: list, key: str) -> list[float]:
    """The differences the formulas will show, computed here for the cached values."""
    out = []
    for _name, _c, _y, _i, s, p in recon_rows:
        if key == "alloc":
            out.append(round(float(p["allocation"]) - float(s["allocation"]), 2))
        elif key == "alloc_k":
            out.append(_excel_round(float(p["allocation"]) / 1000) - _excel_round(float(s["allocation"]) / 1000))
        elif key == "prot":
            out.append(round(float(p["protection"]) - float(s["protection"]), 2))
        elif key == "les":
            out.append(round(float(p["les_lost"]) - float(s["les_savings"]), 2))
        else:
            left = float(p["net_change"]) + float(s["retained"])
            right = float(s["pot"]) + float(s["protection_from_commissioner"]) - float(s["les_savings"]) + \
                float(s["les_gained"])
            out.append(round(left - right, 2))
    return out
