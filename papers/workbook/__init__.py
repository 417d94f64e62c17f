"""The Excel workbook of one run, or of several compared: :func:`workbook_bytes`.

One run (:func:`run_workbook`): Summary (one A4 page in £000 that adds up as shown), Assumptions,
Practices by year, Practices, Localities, Summary detail (pounds and pence), Checks (live formulas that
still say PASS or FAIL after the file is recalculated), Input practices and Data. Several runs: the
comparison workbook (:mod:`.compare`). One module per sheet: :mod:`.summary`, :mod:`.assumptions`,
:mod:`.results_sheets`, :mod:`.checks`, :mod:`.compare`, :mod:`.data`; :mod:`.book` is the writer they
share (formats, print setup, the fast writer for big tables). Headings, kinds and meanings come from
:mod:`model.columns`, units and sources from :mod:`model.fields`, colours from :mod:`model.palette`, the
practice list's identity from :class:`papers.provenance.Source`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from model.analysis.compare import _names as scenario_names
from model.results import Results
from papers.provenance import BUNDLED_TEXT, Source, run_date
from papers.tables import as_runs, displayed
from papers.workbook.assumptions import assumptions_sheet
from papers.workbook.book import Book, Footer
from papers.workbook.checks import checks_sheet
from papers.workbook.compare import compare_checks, compare_workbook
from papers.workbook.data import data_sheet, input_sheet
from papers.workbook.results_sheets import by_year_sheet, localities_sheet, practices_sheet, summary_detail_sheet
from papers.workbook.summary import summary_page_sheet

__all__ = ["DATA_SOURCES_TEXT", "workbook_bytes"]

#: The bundled practice lists' sources and licence (printed on the Data sheet when one of them was used).
DATA_SOURCES_TEXT = BUNDLED_TEXT


def workbook_bytes(results: Results | Sequence[Results], source: Source | None = None) -> bytes:
    """The Excel workbook of one run, or the comparison workbook of several (the first is the baseline).

    `source` is the practice list used (:class:`papers.provenance.Source`): the Data sheet describes it
    and the Input practices sheet lists it. The command line and the app always pass it.

    >>> import openpyxl
    >>> import pandas as pd
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "list_size": [1000, 2000, 3000],
    ...                           "over75": [80, 150, 300]})
    >>> by_list = Scenario(horizon_years=1)
    >>> by_age = by_list.with_changes({"name": "By age 75+", "distribution.weights.list_size": 0.0,
    ...                                "distribution.weights.over75": 1.0})
    >>> source = Source.from_frame(practices)
    >>> book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(run(practices, by_list), source)))
    >>> book.sheetnames
    ['Summary', 'Assumptions', 'Practices by year', 'Practices', 'Localities', 'Summary detail', 'Checks',
     'Input practices', 'Data']
    >>> [row[8] for row in book["Practices"].iter_rows(min_row=4, max_row=7, values_only=True)]
    ['Allocation (£)', 5000, 10000, 15000]
    >>> runs = [run(practices, by_list), run(practices, by_age)]
    >>> openpyxl.load_workbook(io.BytesIO(workbook_bytes(runs, source))).sheetnames
    ['Summaries', 'Summary detail', 'Per practice', 'Scenario files', 'Checks', 'Input practices', 'Data']
    """
    runs = [displayed(r) for r in as_runs(results)]
    names = scenario_names(runs)
    buf = io.BytesIO()
    data_set = source.data_set if source is not None else "practice list not recorded"
    book = Book(buf, Footer("; ".join(names), data_set, run_date()))
    book.wb.set_properties({
        "title": "Primary-care funding scenarios: " + "; ".join(names),
        "subject": "2014/15 £5 per head practice funding and LES decommissioning",
        "comments": "Made by the primary-care funding scenario modeller (pcfund).",
    })
    if len(runs) == 1:
        run_workbook(book, runs[0], names[0], source)
    else:
        refs = compare_workbook(book, runs, names)
        compare_checks(book, runs, names, refs)
    input_sheet(book, source, runs[0])
    data_sheet(book, runs, names, source)
    book.finish()
    book.wb.close()
    return buf.getvalue()


def run_workbook(book: Book, results: Results, name: str, source: Source | None) -> None:
    """The sheets of one run's workbook, before Input practices and Data."""
    page = summary_page_sheet(book, results, name, source.data_set if source else "not recorded")
    assumptions_sheet(book, [results], [name])
    by_year = by_year_sheet(book, results)
    practices = practices_sheet(book, [results], [name])
    localities = localities_sheet(book, [results], [name])
    detail = summary_detail_sheet(book, [results], [name])
    checks_sheet(book, results, practices, localities, detail, page, by_year)
