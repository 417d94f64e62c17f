"""The Excel workbook of one run, or of several compared: :func:`workbook_bytes`.

Sheets, one module each: Assumptions (:mod:`.assumptions`), Practices, Localities and Summary
(:mod:`.results_sheets`), Compare (:mod:`.compare`, several runs only), Checks (:mod:`.checks`, live
formulas that still say PASS or FAIL after the file is recalculated in Excel), Data and "Input
practices" (:mod:`.data`). :mod:`.book` is the writer they share: cell formats, number formats and the
fast writer for big tables. Headings, kinds and meanings come from :mod:`model.columns`, units and
sources from :mod:`model.fields`, colours from :mod:`model.palette`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pandas as pd

from model.analysis.compare import _names as scenario_names
from model.results import Results
from papers.tables import as_runs
from papers.workbook.assumptions import assumptions_sheet
from papers.workbook.book import Book
from papers.workbook.checks import checks_sheet
from papers.workbook.compare import compare_sheet
from papers.workbook.data import DATA_SOURCES_TEXT, data_sheet, input_sheet
from papers.workbook.results_sheets import localities_sheet, practices_sheet, summary_sheet

__all__ = ["DATA_SOURCES_TEXT", "workbook_bytes"]


def workbook_bytes(results: Results | Sequence[Results], data_sources_text: str | None = None, *,
                   practices_input: pd.DataFrame | None = None) -> bytes:
    """The Excel workbook of one run, or of several runs compared (the first is the baseline).

    Sheets: Assumptions, Practices, Localities, Summary, Compare (several runs only), Checks, Data, and
    "Input practices" when `practices_input` is given. `data_sources_text` is the Data sheet's text
    (default :data:`DATA_SOURCES_TEXT`, the sources and Open Government Licence attribution of the
    default practice lists).

    >>> import openpyxl
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "list_size": [1000, 2000, 3000],
    ...                           "over75": [80, 150, 300]})
    >>> by_list = Scenario(horizon_years=1)
    >>> by_age = by_list.with_changes({"name": "By age 75+", "distribution.weights.list_size": 0.0,
    ...                                "distribution.weights.over75": 1.0})
    >>> book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(run(practices, by_list))))
    >>> book.sheetnames
    ['Assumptions', 'Practices', 'Localities', 'Summary', 'Checks', 'Data']
    >>> [row[10] for row in book["Practices"].iter_rows(min_row=4, values_only=True)]
    ['Allocation (£)', 5000, 10000, 15000]
    >>> runs = [run(practices, by_list), run(practices, by_age)]
    >>> openpyxl.load_workbook(io.BytesIO(workbook_bytes(runs, practices_input=practices))).sheetnames
    ['Assumptions', 'Practices', 'Localities', 'Summary', 'Compare', 'Checks', 'Data', 'Input practices']
    """
    runs = as_runs(results)
    names = scenario_names(runs)
    buf = io.BytesIO()
    book = Book(buf)
    book.wb.set_properties({
        "title": "Primary-care funding scenarios: " + "; ".join(names),
        "subject": "2014/15 £5 per head practice funding and LES decommissioning",
        "comments": "Made by the primary-care funding scenario modeller (pcfund).",
    })
    assumptions_sheet(book, runs, names)
    practices_ref = practices_sheet(book, runs, names)
    localities_sheet(book, runs, names)
    summary_ref = summary_sheet(book, runs, names)
    if len(runs) > 1:
        compare_sheet(book, runs, names)
    checks_sheet(book, runs, names, practices_ref, summary_ref)
    data_sheet(book, runs, names, DATA_SOURCES_TEXT if data_sources_text is None else data_sources_text,
               practices_input)
    if practices_input is not None:
        input_sheet(book, practices_input)
    for ws in book.wb.worksheets():
        ws.apply_widths()
    book.wb.close()
    return buf.getvalue()
