"""The comparison workbook: two to eight scenarios on one practice list, side by side.

Sheets: Summaries (the assumptions that differ, in words; the all-years figures of every scenario with
the change from the baseline; then each scenario's one-page summary, years across, two to a band), Per
practice (each scenario's net change, all years and first year, and the differences from the baseline,
grouped by locality with subtotals), Summary detail (every scenario's commissioner totals in pounds and
pence), Scenario files (each scenario's YAML), Checks, Input practices and Data. The first scenario is the
baseline. The command line's ``compare`` and the app's comparison download both call
:func:`compare_workbook` (through :func:`papers.workbook.workbook_bytes`).
"""

from __future__ import annotations

import pandas as pd

from model.analysis.compare import differing_assumptions
from model.fields import field_docs, label
from model.formats import value_text
from model.results import Results
from model.scenario_files import dump_scenario
from papers.workbook.assumptions import _text_lines
from papers.workbook.book import Book, SheetColumn, write_title
from papers.workbook.checks import Block, Check, _cell, _ref, _summary_closeness, _summary_footing, render_checks
from papers.workbook.results_sheets import TableRef, summary_detail_sheet
from papers.workbook.summary import FOOTING_NOTE, LINES, PageRef, page, write_page


def assumptions_in_words(runs: list[Results], names: list[str]) -> pd.DataFrame:
    """The assumptions that differ between the runs, by label, each value in words.

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2"], "list_size": [1000, 2000], "over75": [80, 150],
    ...                           "les_total": [500.0, 0.0]})
    >>> a = run(practices, Scenario())
    >>> b = run(practices, Scenario().with_changes({"name": "Linked", "les.reinvest_pct": 100.0,
    ...     "les.schemes": {"les_total": {"action": "decommission"}}}))
    >>> assumptions_in_words([a, b], ["Guidance default", "Linked"]).values.tolist()
    [['LES scheme actions', 'all kept', 'LES (all schemes): decommissioned in full from 2014/15'],
     ['LES savings recycled into the pot (%)', '0 %', '100 %']]
    """
    diff = differing_assumptions(runs)
    docs = [{d["key"]: d["value"] for d in field_docs(r.scenario)} for r in runs]
    out = {"Assumption": [label(k) for k in diff["key"]]}
    for name, r, d in zip(names, runs, docs):
        out[name] = [_words(r, k, d.get(k), u) for k, u in zip(diff["key"], diff["unit"])]
    return pd.DataFrame(out)


def _words(r: Results, key: str, value, unit: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if unit.startswith("%"):
            return f"{value:g} %"
        if unit.startswith("£"):
            return f"£{value:,.2f}"
    return value_text(r.scenario, key, value)


def compare_workbook(book: Book, runs: list[Results], names: list[str]) -> dict:
    """Write the comparison sheets; returns what the Checks sheet needs."""
    ws = book.sheet("Summaries")
    write_title(book, ws, "Summaries: the scenarios side by side",
                f"Baseline: {names[0]}. Changes are each scenario minus the baseline. {FOOTING_NOTE}")
    row = 3
    diff = assumptions_in_words(runs, names)
    span = 3   # each scenario's words or figures spread over three columns, so that they can be read
    ws.write_string(row, 0, "Assumptions that differ", book.section)
    row += 1

    def cells(r: int, j: int, value, fmt) -> None:
        first = 1 + j * span
        if isinstance(value, str):
            ws.merge_range(r, first, r, first + span - 1, value, fmt)
        else:
            ws.merge_range(r, first, r, first + span - 1, None, fmt)
            ws.write_number(r, first, value, fmt)

    if len(diff):
        ws.write_string(row, 0, "Assumption", book.header)
        for j, c in enumerate(diff.columns[1:]):
            cells(row, j, c, book.header)
        for rec in diff.itertuples(index=False):
            row += 1
            ws.write_string(row, 0, rec[0], book.wrap)
            for j, v in enumerate(rec[1:]):
                cells(row, j, str(v), book.inp["text"])
            ws.set_row(row, 13 * max(_text_lines(str(v), span * 10.5) for v in rec) + 3)
        row += 2
    else:
        ws.write_string(row, 0, "None: the scenarios differ only in name and description.", book.note)
        row += 2
    pages = [page(r) for r in runs]
    # All years, every scenario, and the change from the baseline (differences of the figures shown).
    ws.write_string(row, 0, "All years, £000: each scenario and its change from the baseline", book.section)
    row += 1
    heads = [*names, *(f"{n} − {names[0]}" for n in names[1:])]
    ws.write_string(row, 0, "£000", book.header)
    for j, h in enumerate(heads):
        cells(row, j, h, book.header_right)
    ws.set_row(row, 13 * max(_text_lines(h, span * 10.5) for h in heads) + 3)
    row += 1
    for ln in [ln for ln in LINES if any(ln.key in pg.money for pg in pages)]:
        ws.write_string(row, 0, ("      " if ln.level else "") + ln.label, book.text)
        totals = [pg.money[ln.key][-1] if ln.key in pg.money else 0 for pg in pages]
        for j, v in enumerate([*totals, *(v - totals[0] for v in totals[1:])]):
            cells(row, j, v, book.k_fmt)
        row += 1
    row += 1
    refs = []
    per_band = 2
    width = len(pages[0].years) + 2
    for band in range(0, len(runs), per_band):
        band_rows = []
        for k, i in enumerate(range(band, min(band + per_band, len(runs)))):
            col = k * (width + 1)
            end, written = write_page(book, ws, row, col, pages[i], title=names[i], label_width=46)
            refs.append(PageRef("Summaries", written, pages[i], names[i]))
            band_rows.append(end)
        row = max(band_rows) + 1
    ws.header_rows = None
    detail = summary_detail_sheet(book, runs, names)
    per_practice = _per_practice_sheet(book, runs, names)
    _scenario_files_sheet(book, runs, names)
    return {"pages": refs, "detail": detail, "per_practice": per_practice}


def _per_practice_sheet(book: Book, runs: list[Results], names: list[str]) -> dict:
    ws = book.sheet("Per practice")
    labels = runs[0].scenario.year_labels()
    write_title(book, ws, "Per practice: each scenario's net change and the difference from the baseline",
                f"£ in pounds and pence. Net change = allocation + protection − LES lost + LES gained. Baseline: "
                f"{names[0]}. Grouped by locality, with locality totals and a grand total.")
    keys = ["commissioner", "locality", "practice_code", "practice_name"]
    nets = []
    for r in runs:
        p = r.practices.assign(**{k: r.practices[k].astype(str) for k in keys})
        t = p.pivot_table(index=keys, columns="year_index", values="net_change", aggfunc="sum", observed=True)
        nets.append(pd.DataFrame({"all": t.sum(axis=1), "first": t[0]}))
    base = nets[0].index.to_frame(index=False)
    several = base["commissioner"].nunique() > 1
    figures: list[tuple[str, list[float]]] = []
    for period, title in (("all", f"all years {labels[0]} to {labels[-1]}"), ("first", labels[0])):
        cols = [nets[i].reindex(nets[0].index)[period].fillna(0.0).to_numpy(float) for i in range(len(runs))]
        for n, c in zip(names, cols):
            figures.append((f"Net change, {title} (£): {n}", list(c)))
        for n, c in zip(names[1:], cols[1:]):
            figures.append((f"Difference, {title} (£): {n} − {names[0]}", list(c - cols[0])))
    rows, styles, subtotal_rows, total_parts = [], [], [], []
    r = 4
    for (comm, loc), g in base.groupby(["commissioner", "locality"], sort=True):
        members = []
        for i in g.index:
            rows.append((base.loc[i, "practice_code"], base.loc[i, "practice_name"], loc, comm, [i]))
            styles.append(0)
            members.append(r)
            r += 1
        rows.append(("", f"{loc}: total", loc, comm, list(g.index)))
        styles.append(1)
        subtotal_rows.append((r, members))
        total_parts.append(r)
        r += 1
    rows.append(("", "Total, all practices", "", "", list(base.index)))
    styles.append(2)
    total_row = r
    cols = []
    text_cols = [("Code", 0), ("Practice", 1), ("Locality", 2)] + ([("CCG", 3)] if several else [])
    for h, k in text_cols:
        values = [row[k] for row in rows]
        cols.append(SheetColumn(h, h, "text", values, min(40.0, max([len(v) for v in values] + [6]) + 2.0)))
    first_money = len(cols)
    for h, values in figures:
        cols.append(SheetColumn(h, h, "money", [round(sum(values[i] for i in row[4]), 2) for row in rows], 15.0))
    header = 3
    for j, c in enumerate(cols):
        ws.write_string(header, j, c.label, book.header)
        ws.want_width(j, c.width)
    ws.set_row(header, 60)
    ws.header_rows = (header, header)
    formats = [book.format_for(c, False) for c in cols]
    sub = [book.group_money.get(c.kind, book.group) for c in cols]
    tot = [book.total_fmt.get(c.kind, book.total_fmt["text"]) for c in cols]
    ws.bulk(header + 1, 0, cols, formats, row_styles=styles, style_formats=[sub, tot])
    ws.autofilter(header, 0, total_row, len(cols) - 1)
    ws.freeze_panes(header + 1, 2)
    return {"first": header + 1, "subtotals": subtotal_rows, "total_row": total_row, "total_parts": total_parts,
            "money_cols": list(range(first_money, len(cols))), "figures": figures, "n": len(runs),
            "cols": cols}


def _scenario_files_sheet(book: Book, runs: list[Results], names: list[str]) -> None:
    ws = book.sheet("Scenario files")
    write_title(book, ws, "Scenario files: each scenario as a file the app and the command line read back",
                "Copy a block into a .yaml file to run that scenario again (python -m model run --scenario FILE).")
    ws.want_width(0, 110)
    row = 3
    for name, r in zip(names, runs):
        ws.write_string(row, 0, name, book.section)
        row += 1
        for line in dump_scenario(r.scenario).splitlines():
            ws.write_string(row, 0, line, book.mono)
            row += 1
        row += 1


def compare_checks(book: Book, runs: list[Results], names: list[str], refs: dict) -> None:
    """Checks of the comparison: each summary within £1,000 of its pounds and pence and adding up as shown;
    the per-practice sheet's totals the sums of their rows, its differences the scenarios' differences,
    and each scenario's net change over all years equal to its net cost less what the CCG retained."""
    ws = book.sheet("Checks")
    write_title(book, ws, "Checks: do the figures reconcile, as they are shown?",
                "Live formulas over the other sheets (they recalculate in Excel and LibreOffice). Model checks "
                "were computed when each scenario ran.")
    for col, width in enumerate([44, 56, 18, 16, 16, 16, 14]):
        ws.want_width(col, width)
    detail: TableRef = refs["detail"]
    close_makers, foot_makers = [], []
    for pr in refs["pages"]:
        close = _summary_closeness(pr, detail, close_makers)
        foot = _summary_footing(pr, foot_makers)
    pp = refs["per_practice"]
    sheet = "Per practice"
    makers = []
    money_cols = pp["money_cols"]
    n = pp["n"]

    def vals(r: int, c: int) -> float:
        return pp["cols"][c].values[r - pp["first"]]

    for r, members in pp["subtotals"] + [(pp["total_row"], pp["total_parts"])]:
        def make(row: int, r=r, members=members) -> list:
            lo, hi = members[0], members[-1]
            terms = [f"ABS({_ref(sheet, r, c)}-SUM({_ref(sheet, lo, c)}:{_cell(hi, c)}))"
                     if members == list(range(lo, hi + 1)) else
                     f"ABS({_ref(sheet, r, c)}-({'+'.join(_ref(sheet, m, c) for m in members)}))" for c in money_cols]
            worst = max(abs(vals(r, c) - sum(vals(m, c) for m in members)) for c in money_cols)
            name = pp["cols"][1].values[r - pp["first"]]
            return [f"{name} = the rows above it", (f"ROUND(MAX({','.join(terms)}),2)", round(worst, 2)), ""]
        makers.append(make)
    block_width = 2 * n - 1
    for period in range(2):
        start = money_cols[0] + period * block_width
        for k in range(1, n):
            def make(row: int, start=start, k=k, period=period) -> list:
                a, b, d = start, start + k, start + n - 1 + k
                lo, hi = pp["first"], pp["total_row"]
                f = (f"ROUND(SUMPRODUCT(ABS({_ref(sheet, lo, d)}:{_cell(hi, d)}-({_ref(sheet, lo, b)}:{_cell(hi, b)}"
                     f"-{_ref(sheet, lo, a)}:{_cell(hi, a)}))),2)")
                worst = max(abs(vals(r, d) - (vals(r, b) - vals(r, a))) for r in range(lo, hi + 1))
                return [f"Differences ({'all years' if period == 0 else 'first year'}): {names[k]} − {names[0]}",
                        (f, round(worst, 2)), ""]
            makers.append(make)
    for i, name in enumerate(names):
        def make(row: int, i=i, name=name) -> list:
            D = detail
            cond = f"({_ref(D.sheet, D.first, D.pos['scenario'])}:{_cell(D.last, D.pos['scenario'])}={_cell(row, 2)})"
            net = f"({_ref(D.sheet, D.first, D.pos['net_cost'])}:{_cell(D.last, D.pos['net_cost'])})"
            ret = f"({_ref(D.sheet, D.first, D.pos['retained'])}:{_cell(D.last, D.pos['retained'])})"
            c = money_cols[0] + i
            shown = vals(pp["total_row"], c)
            exact = float(runs[i].summary["net_cost"].sum() - runs[i].summary["retained"].sum())
            return [f"{name}: Σ net change, all years = Σ net cost − Σ retained (Summary detail)",
                    (f"ROUND({_ref(sheet, pp['total_row'], c)}-SUMPRODUCT({cond}*({net}-{ret})),2)",
                     round(shown - exact, 2)), name]
        makers.append(make)
    practice_block = Block("Per practice: totals against their rows, differences against the scenarios",
                           ["What is added up", "Largest difference £", "Scenario"], ["text", "money", "text"],
                           makers, {"difference": 1})
    blocks = [close, foot, practice_block]
    checks = [
        Check("Summaries (£000): each figure within £1,000 of its £ figure",
              "Summaries £000 × 1,000 − Summary detail £, every scenario, figure and year", close, "difference",
              limit=1.0, strict=False),
        Check("Summaries (£000): the figures add up as shown",
              "Parts = totals and years = the all-years total, in £000 as displayed, every scenario", foot,
              "difference"),
        Check("Per practice: totals, differences and net change reconcile",
              "Locality and grand totals = their rows; differences = scenario − baseline; Σ net change = net "
              "cost − retained", practice_block, "difference"),
    ]
    model = pd.concat([r.checks.assign(scenario=n)[["scenario", *r.checks.columns]] for n, r in zip(names, runs)],
                      ignore_index=True)
    warnings = [f"{n}: {w}" for n, r in zip(names, runs) for w in r.warnings]
    render_checks(book, ws, checks, blocks, model, warnings)
