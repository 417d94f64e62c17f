"""The Data sheet (the practice list actually used, its sources and licence, this run's facts and what
each column means) and the "Input practices" sheet (the list the scenario ran on, with each practice's
LES income by scheme before the scenario changed it).

What the Data sheet says about the list comes from a :class:`papers.provenance.Source`: file name,
SHA-256, rows, commissioners, when it was loaded and any edits made in the app. The bundled lists'
sources and licence are printed only when a bundled list was used.
"""

from __future__ import annotations

import pandas as pd

from model.columns import column
from model.formats import scheme_name
from model.results import Results
from model.scenario import GUIDANCE
from papers.provenance import Source
from papers.tables import column_label
from papers.workbook.book import Book, write_title
from papers.workbook.results_sheets import HIDDEN

_INPUT_ORDER = ("commissioner", "commissioner_name", "practice_code", "practice_name", "locality", "contract_type",
                "participating", "list_size", "over75", "weighted_list")


def rebuilt_list(results: Results) -> pd.DataFrame:
    """When no practice list was passed in: the first year's rows of the results, as far as they go
    (without any growth assumed before it, the first year's patients are the list's)."""
    p = results.practices
    first = p[p["year_index"] == 0]
    keep = [c for c in ("commissioner", "practice_code", "practice_name", "locality", "participating", "list_size",
                        "over75") if c in first]
    return first[keep].reset_index(drop=True)


def input_sheet(book: Book, source: Source | None, results: Results) -> None:
    """The practice list the scenario ran on: every column as loaded, LES income by scheme (yellow: inputs)."""
    ws = book.sheet("Input practices")
    frame = source.frame if source is not None and source.frame is not None else None
    if frame is None:
        df = rebuilt_list(results)
        note = (f"{len(df):,} practices. The practice list itself was not given to the workbook writer: these "
                "rows are rebuilt from the first year of the results, so LES income by scheme is not shown.")
    else:
        order = [c for c in _INPUT_ORDER if c in frame] + sorted(c for c in frame if str(c).startswith("les_"))
        df = frame[order + [c for c in frame if c not in order]].reset_index(drop=True)
        les = [c for c in df if str(c).startswith("les_")]
        schemes = ", ".join(scheme_name(c) for c in les) or "none"
        note = (f"{len(df):,} practices, as loaded{' and edited in the app' if source.edits else ''}. Yellow cells "
                f"are inputs. LES income by scheme (£ a year, before the scenario changes it): {schemes}.")
    write_title(book, ws, "Input practices: the practice list the scenario was run on", note)
    book.table(ws, 3, 0, df, input_cells=True, bulk=True)
    ws.freeze_panes(4, 3)


def data_sheet(book: Book, runs: list[Results], names: list[str], source: Source | None) -> None:
    """The Data sheet: the list used, its sources and licence, this run's facts, what every column means.

    >>> import io, openpyxl
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> from papers.workbook import workbook_bytes
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "commissioner": ["99X"] * 3,
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300]})
    >>> source = Source.from_bytes(b"3 practices", "ledger.csv", practices, loaded="1 Apr 2015 09:00 UTC")
    >>> sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes(run(practices, Scenario()), source)))["Data"]
    >>> facts = {row[0]: row[1] for row in sheet.iter_rows(max_col=2, values_only=True) if row[0]}
    >>> facts["File"], facts["Practices (rows used)"], facts["Commissioners"], facts["Bundled data"]
    ('ledger.csv', '3', '1: 99X', 'no: a list supplied by the user')
    >>> "Your own practice list" in facts, any("HSCIC" in str(k) for k in facts)
    (True, False)
    """
    ws = book.sheet("Data")
    write_title(book, ws, "Data: the practice list used, its sources and licence, and what each column means",
                "What this workbook was made from, so that every figure can be traced to its file.")
    ws.want_width(0, 34)
    ws.want_width(1, 34)
    ws.want_width(2, 80)
    row = 3
    ws.write_string(row, 0, "The practice list used", book.section)
    row += 1
    if source is None:
        ws.write_string(row, 0, "Not recorded", book.bold)
        ws.write_string(row, 1, "The workbook writer was not told which practice list was used.", book.text)
        row += 1
    else:
        for k, v in source.facts():
            ws.write_string(row, 0, k, book.bold)
            ws.write_string(row, 1, v, book.text)
            row += 1
    row += 1
    text = source.sources_text() if source is not None else ""
    for line in text.splitlines():
        if line.strip():
            heading = line.strip() in ("Sources", "Licence", "Your own practice list")
            ws.write_string(row, 0, line, book.section if heading else book.text)
        row += 1
    row += 1
    ws.write_string(row, 0, "This run", book.section)
    row += 1
    p = runs[0].practices
    labels = runs[0].scenario.year_labels()
    facts = [
        ("Scenarios" if len(names) > 1 else "Scenario", "; ".join(names)),
        ("Commissioners modelled", f"{p['commissioner'].nunique():,}"),
        ("Practices modelled", f"{p['practice_code'].astype(str).str.cat(p['commissioner'].astype(str)).nunique():,}"),
        ("Years", f"{labels[0]} to {labels[-1]}"),
        ("Policy source", GUIDANCE + " (£5 per head; para 37 on review of admissions)"),
    ]
    for k, v in facts:
        ws.write_string(row, 0, k, book.bold)
        ws.write_string(row, 1, v, book.text)
        row += 1
    row += 1
    ws.write_string(row, 0, "Columns", book.section)
    row += 1
    for j, h in enumerate(["Sheet", "Heading", "Meaning (CSV column name in brackets)"]):
        ws.write_string(row, j, h, book.header)
    row += 1
    sheets = [("Practices", runs[0].practices), ("Localities", runs[0].localities),
              ("Summary detail", runs[0].summary), ("Checks", runs[0].checks)]
    for sheet, df in sheets:
        for c in df.columns:
            if c in HIDDEN:
                continue
            meaning = column(str(c)).meaning
            ws.write_string(row, 0, sheet, book.text)
            ws.write_string(row, 1, column_label(c), book.text)
            ws.write_string(row, 2, f"{meaning} ({c})" if meaning else f"({c})", book.wrap)
            row += 1
