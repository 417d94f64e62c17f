"""The Data sheet (sources, licence, this run's facts and what each column means) and the "Input
practices" sheet (the practice list the scenario was run on, when it is given)."""

from __future__ import annotations

import hashlib

import pandas as pd

from model.columns import column
from model.results import Results
from model.scenario import GUIDANCE
from papers.tables import column_label, csv_bytes, neutralise_text
from papers.workbook.book import Book, write_title

#: Default text for the Data sheet: the sources and licence of the default practice lists (facts from
#: data/README.md). Pass your own text to :func:`papers.workbook.workbook_bytes` for an uploaded list.
DATA_SOURCES_TEXT = """\
Default practice lists: NHS Nene CCG (04G; 69 practices, 647,677 registered patients, 45,778 aged 75+, \
LES income £6,300,069) and all England (7,912 practices in 211 CCGs), financial year 2014/15.

Sources
NHS Payments to General Practice, England, 2014/15 — Health and Social Care Information Centre (HSCIC; \
now part of NHS England). Used for: practice code and name, CCG, list size, weighted list, contract type, \
Local Enhanced Services income (les_total).
Practice List Size, July–September 2014 (and April–June 2014 where the payments list is from Q1) — NHS \
Business Services Authority (NHSBSA), Information Services Portal. Used for: patients aged 75+.
Localities (NHS Nene CCG only) are a derived proxy — the post town of the practice postcode — not official \
CCG localities. Other CCGs have the single locality "All practices".
Cleaning: closed or empty practices (0 registered patients) and practices with no age data dropped; \
negative LES payments set to 0; one practice with more patients aged 75+ than its list capped at its list. \
Every row dropped or changed is listed in data/README.md and data/build_log.csv.
Caveat: 2014/15 LES figures count only LES paid through the national payments system, so some CCGs \
(e.g. Dorset, Sandwell) show almost none; use your local ledger figures where you have them.

Licence
Contains public sector information licensed under the Open Government Licence v3.0.
NHS Payments to General Practice, England, 2014/15: © Health and Social Care Information Centre (now part \
of NHS England), Open Government Licence v3.0.
Practice List Size 2014: © NHS Business Services Authority, Open Government Licence.
Open Government Licence v3.0: https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/
"""


def input_sheet(book: Book, practices_input: pd.DataFrame) -> None:
    ws = book.sheet("Input practices")
    write_title(book, ws, "Input practices: the practice list the scenario was run on",
                f"{len(practices_input):,} practices, as loaded. Yellow cells are inputs.")
    book.table(ws, 3, 0, practices_input, input_cells=True, bulk=True)
    ws.freeze_panes(4, 2)


def _fingerprint(df: pd.DataFrame) -> str:
    return hashlib.sha256(csv_bytes(df.reset_index(drop=True))).hexdigest()


def data_sheet(book: Book, runs: list[Results], names: list[str], text: str,
               practices_input: pd.DataFrame | None) -> None:
    """The Data sheet: `text` (sources and licence), this run's facts, then what every column means.

    >>> import io, openpyxl
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> from papers.workbook import workbook_bytes
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "list_size": [1000, 2000, 3000],
    ...                           "over75": [80, 150, 300]})
    >>> data = workbook_bytes(run(practices, Scenario()), "Made-up practices.", practices_input=practices)
    >>> sheet = openpyxl.load_workbook(io.BytesIO(data))["Data"]
    >>> rows = [row for row in sheet.iter_rows(max_col=2, values_only=True)]
    >>> rows[3]
    ('Made-up practices.', None)
    >>> facts = dict(rows[rows.index(("This run", None)) + 1:rows.index(("Columns", None)) - 1])
    >>> facts["Practices"], facts["Years"], facts["Practice list (input)"]
    ('3', '2014/15 to 2018/19', '3 rows, columns: practice_code, list_size, over75')
    """
    ws = book.sheet("Data")
    write_title(book, ws, "Data: sources, licence and what each column means",
                "Where the practice figures come from and the terms they are used under.")
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 2, 90)
    row = 3
    for line in text.splitlines():
        if line.strip():
            heading = line.strip() in ("Sources", "Licence")
            ws.write_string(row, 0, neutralise_text(line), book.section if heading else book.text)
        row += 1
    row += 1
    ws.write_string(row, 0, "This run", book.section)
    row += 1
    p = runs[0].practices
    facts = [
        ("Scenarios", "; ".join(names)),
        ("Commissioners", f"{p['commissioner'].nunique():,}"),
        ("Practices", f"{p['practice_code'].astype(str).str.cat(p['commissioner'].astype(str)).nunique():,}"),
        ("Years", f"{runs[0].scenario.year_labels()[0]} to {runs[0].scenario.year_labels()[-1]}"),
        ("Policy source", GUIDANCE + " (£5 per head; para 37 on review of admissions)"),
    ]
    if practices_input is not None:
        facts.append(("Practice list (input)", f"{len(practices_input):,} rows, columns: "
                                               + ", ".join(map(str, practices_input.columns))))
        facts.append(("Practice list fingerprint (SHA-256 of its CSV)", _fingerprint(practices_input)))
    for k, v in facts:
        ws.write_string(row, 0, k, book.bold)
        ws.write_string(row, 1, neutralise_text(v), book.text)
        row += 1
    row += 1
    ws.write_string(row, 0, "Columns", book.section)
    row += 1
    for j, h in enumerate(["Sheet", "Heading", "Meaning (CSV column name in brackets)"]):
        ws.write_string(row, j, h, book.header)
    row += 1
    sheets = [("Practices", runs[0].practices), ("Localities", runs[0].localities),
              ("Summary", runs[0].summary), ("Checks", runs[0].checks)]
    for sheet, df in sheets:
        for c in df.columns:
            meaning = column(str(c)).meaning
            ws.write_string(row, 0, sheet, book.text)
            ws.write_string(row, 1, neutralise_text(column_label(c)), book.text)
            ws.write_string(row, 2, neutralise_text(f"{meaning} ({c})" if meaning else f"({c})"), book.wrap)
            row += 1
