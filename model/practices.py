"""Load and check a practice list: the only way practice data enters the model.

A practice list is a CSV or Excel (.xlsx) file with one row per practice (docs/design.md §3.1).
:func:`load_practices` reads a file (a path, the raw bytes of an upload, or an open binary
file), :func:`validate_frame` checks a table edited in the app. Both run the same checks,
collect *every* problem at once and return a :class:`LoadResult`: the canonical practice
frame (``None`` when there is any error) and a :class:`~model.validation.ValidationReport`.
Nothing here raises on bad input and nothing prints.

Canonical frame, in this column order (index: a fresh RangeIndex, rows in file order):

============== ======= ==========================================================
commissioner   str     CCG code; :data:`DEFAULT_COMMISSIONER` ("CCG") when the file
                       has no commissioner column (or it is blank on every row)
practice_code  str     stripped and upper-cased
practice_name  str     the practice code when absent or blank
locality       str     :data:`DEFAULT_LOCALITY` ("All practices") when absent/blank
list_size      int64   registered patients, >= 0
over75         int64   registered patients aged 75+, 0 <= over75 <= list_size
weighted_list  float64 ONLY when the file has a weighted-list column; when it has
                       none the column is left out (not filled with zeros) and a
                       warning says so: downstream code decides what a scenario that
                       weighs by weighted list should do without it
participating  bool    True when absent or blank
contract_type  str     only when present in the file (also ``commissioner_name``)
les_<scheme>   float64 £ a year, rounded to pence, >= 0, blank = 0; in file order
============== ======= ==========================================================

Row numbers in problems are the rows the user sees in Excel (header = row 1 in a plain file;
title rows above the header and blank rows are counted, so the numbers match the sheet).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from model.practice_checks import check
from model.practice_columns import (
    CANONICAL_COLUMNS,
    DEFAULT_COMMISSIONER,
    DEFAULT_LOCALITY,
    EXTRA_TEXT_COLUMNS,
    MAX_PROBLEMS_PER_COLUMN,
    MAX_UPLOAD_BYTES,
    OVER75_SHARE_WARNING,
    REQUIRED_COLUMNS,
    les_columns,
)
from model.practice_files import _default_name, _parse_bytes, _read_source, _series_text, _Table
from model.validation import LoadResult, Problem, ValidationReport, failed, unexpected

__all__ = [
    "CANONICAL_COLUMNS",
    "DEFAULT_COMMISSIONER",
    "DEFAULT_LOCALITY",
    "EXTRA_TEXT_COLUMNS",
    "MAX_PROBLEMS_PER_COLUMN",
    "MAX_UPLOAD_BYTES",
    "OVER75_SHARE_WARNING",
    "REQUIRED_COLUMNS",
    "LoadResult",
    "Problem",
    "ValidationReport",
    "les_columns",
    "load_practices",
    "validate_frame",
]

# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def load_practices(
    source: bytes | str | os.PathLike[str] | Any,
    filename: str | None = None,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> LoadResult:
    """Read and check a practice list.

    ``source`` is a path (``str`` or ``PathLike``), the file's bytes (e.g. an upload), or an
    open binary file object with ``read()`` (e.g. Streamlit's ``UploadedFile``). ``filename``
    is the name shown in messages; by default the path's file name, the file object's
    ``name``, or ``"<upload>"`` for bytes. The file type is decided by content (an .xlsx is a
    zip); the extension is only a hint.
    """
    name = filename or _default_name(source)
    try:
        data = _read_source(source, name, max_bytes)
        if isinstance(data, Problem):
            return failed(name, [data])
        table = _parse_bytes(data, name)
        if isinstance(table, list):
            return failed(name, table)
        return check(table)
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user: the file is named instead
        return failed(name, [unexpected(name, exc)])


def validate_frame(df: pd.DataFrame, filename: str = "<table>", *, first_row: int = 2) -> LoadResult:
    """Run the same checks on a frame (e.g. edited in ``st.data_editor``).

    The frame may use canonical or aliased column names and numbers or text in its cells.
    ``first_row`` is the row number reported for the frame's first row (default 2, as in a
    file whose header is row 1, so rows line up with the file the frame came from).

    >>> table = pd.DataFrame({"Practice Code": ["k83001", "K83002", "K83003"],
    ...                       "List Size": ["1,000", "2000", "3000"], "Patients 75+": [80, 150, 300]})
    >>> loaded = validate_frame(table)
    >>> loaded.ok, loaded.practices[["practice_code", "list_size", "over75"]].values.tolist()
    (True, [['K83001', 1000, 80], ['K83002', 2000, 150], ['K83003', 3000, 300]])
    >>> loaded.report.total_list_size, loaded.report.commissioners
    (6000, ['CCG'])

    Every problem is named by its row and column, and nothing is loaded while there is an error:

    >>> bad = validate_frame(table.assign(**{"Patients 75+": [80, 2500, 300]}))
    >>> bad.practices is None, [str(p) for p in bad.report.errors]
    (True, ["<table>, row 3, column 'Patients 75+': patients aged 75+ (2,500) are more than the list size (2,000)"])
    """
    try:
        header = ["" if c is None else str(c).strip() for c in df.columns]
        body = pd.DataFrame(
            {i: _series_text(df.iloc[:, i]) for i in range(df.shape[1])}, index=pd.RangeIndex(len(df))
        )
        rows = np.arange(first_row, first_row + len(df), dtype=np.int64)
        table = _Table(filename, header, body, rows, first_row - 1, "table", [])
        return check(table, empty_ok_message="the table has no practice rows")
    except Exception as exc:  # noqa: BLE001 - as above
        return failed(filename, [unexpected(filename, exc)])


