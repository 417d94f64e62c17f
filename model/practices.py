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

import codecs
import csv
import datetime as _dt
import io
import math
import os
import re
import unicodedata
import warnings as _warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.validation import Problem, ValidationReport

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

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""Largest practice-list file accepted: 20 MB (the England payments file is 2.6 MB)."""

DEFAULT_COMMISSIONER = "CCG"
DEFAULT_LOCALITY = "All practices"
MAX_PROBLEMS_PER_COLUMN = 20
"""Row-level problems listed per column and level; the rest are counted in one summary line."""
OVER75_SHARE_WARNING = 0.40
"""A practice with more than this share of its list aged 75+ gets a warning (England: 7.8 %)."""

CANONICAL_COLUMNS = [
    "commissioner",
    "practice_code",
    "practice_name",
    "locality",
    "list_size",
    "over75",
    "weighted_list",
    "participating",
]
"""The core columns, in output order. ``weighted_list`` appears only when the file has one;
extra text columns (:data:`EXTRA_TEXT_COLUMNS`) and then ``les_*`` columns follow."""

REQUIRED_COLUMNS = ["practice_code", "list_size", "over75"]
EXTRA_TEXT_COLUMNS = ["contract_type", "commissioner_name"]

_MAX_PATIENTS = 1e9      # more registered patients than this in one practice is a typo, not data
_MAX_POUNDS = 1e12       # £1 trillion of LES income for one practice: likewise
_HEADER_SEARCH_ROWS = 20  # title rows above the header that are searched for it

# Header aliases. Matching ignores case, spaces and underscores (see _key).
_ALIASES: dict[str, tuple[str, ...]] = {
    "practice_code": (
        "practice_code", "Practice Code", "GP Practice Code", "Practice ODS Code", "ODS Code",
        "Organisation Code", "Org Code", "Practice ID",
    ),
    "practice_name": ("practice_name", "Practice Name", "GP Practice Name", "Surgery", "Surgery Name"),
    "commissioner": (
        "commissioner", "Commissioner Code", "CCG", "CCG Code", "Commissioner Organisation Code",
        "ICB Code", "Sub ICB Location Code",
    ),
    "commissioner_name": ("commissioner_name", "Commissioner Name", "CCG Name"),
    "locality": ("locality", "Locality Name", "Federation", "Locality / Federation", "Locality/Federation"),
    "list_size": (
        "list_size", "List Size", "List", "Registered List", "Registered Patients",
        "Number of Registered Patients", "Number of Registered Patients (Last Known Figure)",
        "Total Patients", "Number of Patients", "Registered Population",
    ),
    "over75": (
        "over75", "Over 75", "Over 75s", "75+", "Aged 75+", "Patients Aged 75+", "Patients 75+",
        "Number of Patients Aged 75+", "Registered Patients Aged 75+", "Patients Aged 75 and Over",
        "Aged 75 and Over", "75 and Over", "Over 75 Patients",
    ),
    "weighted_list": (
        "weighted_list", "Weighted List", "Weighted List Size", "Weighted Patients",
        "Weighted Population", "Carr-Hill Weighted List",
        "Number of Weighted Patients", "Number of Weighted Patients (Last Known Figure)",
    ),
    "participating": ("participating", "Participates", "Taking Part", "In Scheme", "Opted In", "Signed Up"),
    "contract_type": ("contract_type", "Contract Type", "Contract"),
    "les_total": ("les_total", "LES", "Total Local Enhanced Services", "Local Enhanced Services"),
}

_DESCRIPTIONS = {
    "practice_code": "the national practice code, e.g. P91004",
    "list_size": "registered patients",
    "over75": "registered patients aged 75+",
}

# Headers seen only in the NHS Payments to General Practice publication.
_PAYMENTS_MARKERS = {
    "globalsum", "totalnhspaymentstogeneralpractice", "totallocalenhancedservices",
    "numberofregisteredpatients(lastknownfigure)", "totalqofpayments",
}

_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


def _key(header: str) -> str:
    """Matching key for a header: lower case, BOM/space/underscore-free.

    >>> _key(" Number of Registered  Patients (Last Known Figure) ")
    'numberofregisteredpatients(lastknownfigure)'
    """
    return re.sub(r"[\s_]+", "", header.replace("\ufeff", "").lower())


_ALIAS_INDEX: dict[str, str] = {_key(a): canon for canon, aliases in _ALIASES.items() for a in aliases}
_LES_PREFIX = re.compile(r"^les(?:_|\s)+(.+)$", re.IGNORECASE)


def _canonical_name(header: str) -> str | None:
    """The canonical column a header stands for, or None when it is not recognised.

    >>> _canonical_name("Practice Code"), _canonical_name("LES Diabetes care"), _canonical_name("Postcode")
    ('practice_code', 'les_diabetes_care', None)
    """
    canon = _ALIAS_INDEX.get(_key(header))
    if canon is not None:
        return canon
    m = _LES_PREFIX.match(header.strip())
    if m:
        ascii_text = unicodedata.normalize("NFKD", m.group(1)).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
        if slug:
            return f"les_{slug}"
    return None


def les_columns(df: pd.DataFrame) -> list[str]:
    """The ``les_*`` columns of a canonical frame, in frame order."""
    return [c for c in df.columns if isinstance(c, str) and c.startswith("les_")]


@dataclass
class LoadResult:
    """What :func:`load_practices` / :func:`validate_frame` return."""

    practices: pd.DataFrame | None  # None when there are errors
    report: ValidationReport

    @property
    def ok(self) -> bool:
        return self.report.ok


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
            return _failed(name, [data])
        table = _parse_bytes(data, name)
        if isinstance(table, list):
            return _failed(name, table)
        return _check(table)
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user: the file is named instead
        return _failed(name, [_unexpected(name, exc)])


def validate_frame(df: pd.DataFrame, filename: str = "<table>", *, first_row: int = 2) -> LoadResult:
    """Run the same checks on a frame (e.g. edited in ``st.data_editor``).

    The frame may use canonical or aliased column names and numbers or text in its cells.
    ``first_row`` is the row number reported for the frame's first row (default 2, as in a
    file whose header is row 1, so rows line up with the file the frame came from).
    """
    try:
        header = ["" if c is None else str(c).strip() for c in df.columns]
        body = pd.DataFrame(
            {i: _series_text(df.iloc[:, i]) for i in range(df.shape[1])}, index=pd.RangeIndex(len(df))
        )
        rows = np.arange(first_row, first_row + len(df), dtype=np.int64)
        table = _Table(filename, header, body, rows, first_row - 1, "table", [])
        return _check(table, empty_ok_message="the table has no practice rows")
    except Exception as exc:  # noqa: BLE001 - as above
        return _failed(filename, [_unexpected(filename, exc)])


# --------------------------------------------------------------------------------------------
# Reading bytes
# --------------------------------------------------------------------------------------------


@dataclass
class _Table:
    """A sheet as text: header cells as written, body cells (unstripped text), user row numbers."""

    name: str
    header: list[str]
    body: pd.DataFrame  # columns 0..n-1, text cells ('' = blank)
    rows: np.ndarray  # user row number of each body row
    header_row: int  # user row number of the header
    file_type: str
    warnings: list[Problem] = field(default_factory=list)


def _default_name(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name or str(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<upload>"
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) and name else "<upload>"


def _failed(name: str, errors: list[Problem], warnings: list[Problem] | None = None, **kw: Any) -> LoadResult:
    report = ValidationReport(
        file=name, errors=errors, warnings=warnings or [], n_rows=kw.pop("n_rows", 0),
        n_commissioners=kw.pop("n_commissioners", 0), **kw,
    )
    return LoadResult(None, report)


def _unexpected(name: str, exc: BaseException) -> Problem:
    detail = " ".join(str(exc).split())[:200]
    return _err(
        name,
        f"the file could not be read because of an unexpected problem ({type(exc).__name__}"
        + (f": {detail}" if detail else "")
        + "). Check it opens in Excel; if it does, please report this.",
    )


def _err(name: str, message: str, row: int | None = None, column: str | None = None) -> Problem:
    return Problem("error", name, row, column, message)


def _warn(name: str, message: str, row: int | None = None, column: str | None = None) -> Problem:
    return Problem("warning", name, row, column, message)


def _size_text(n: int) -> str:
    mb = n / (1024 * 1024)
    text = f"{mb:.1f}".rstrip("0").rstrip(".") if mb >= 0.1 else f"{mb:.3f}"
    return f"{text} MB"


def _too_large(name: str, size: int | None, max_bytes: int) -> Problem:
    size_text = f"{_size_text(size)} ({size:,} bytes)" if size is not None else "more than that"
    return _err(
        name,
        f"the file is too large: it is {size_text} and the limit is {_size_text(max_bytes)} "
        f"({max_bytes:,} bytes). Remove columns the model does not use, or split it by commissioner.",
    )


def _read_source(source: Any, name: str, max_bytes: int) -> bytes | Problem:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return _too_large(name, len(data), max_bytes) if len(data) > max_bytes else data
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            return _err(name, f"the file was not found (looked for {str(path)!r})")
        if path.is_dir():
            return _err(name, "this is a folder, not a practice-list file")
        size = path.stat().st_size
        if size > max_bytes:
            return _too_large(name, size, max_bytes)
        try:
            return path.read_bytes()
        except OSError as exc:
            return _err(name, f"the file could not be opened ({exc.strerror or exc})")
    if hasattr(source, "read"):
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
        if len(data) > max_bytes:
            size = getattr(source, "size", None)
            return _too_large(name, size if isinstance(size, int) else None, max_bytes)
        return bytes(data)
    raise TypeError(f"load_practices() needs a path, bytes or a binary file, not {type(source).__name__}")


_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"{\\rtf", "a Rich Text (RTF) document"),
]
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SAVE_AS = "Open it in Excel and save it as an Excel workbook (.xlsx) or as CSV."


def _parse_bytes(data: bytes, name: str) -> _Table | list[Problem]:
    ext = Path(name).suffix.lower()
    if not data.strip():
        return [_err(name, "the file is empty")]
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _parse_zip(data, name, ext)
    if data.startswith(_OLE2):
        return [_err(name, "this is an old-format Excel file (.xls, Excel 97-2003) or a password-protected "
                           f"workbook, which cannot be read. {_SAVE_AS} (without a password)")]
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return [_err(name, f"this is not a CSV or Excel file: it looks like {what}. {_SAVE_AS}")]
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = data[:8192]
        controls = sum(head.count(bytes([b])) for b in (*range(9), 11, 12, *range(14, 32)))
        if b"\x00" in head or controls > len(head) * 0.01:
            return [_err(name, f"this is not a CSV or Excel file: its content is binary, not text. {_SAVE_AS}")]
    table = _parse_text(data, name)
    if isinstance(table, _Table) and ext in (".xlsx", ".xlsm", ".xls"):
        table.warnings.insert(0, _warn(name, f"the file is named {ext} but holds plain text: it was read as CSV"))
    return table


def _parse_zip(data: bytes, name: str, ext: str) -> _Table | list[Problem]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError) as exc:
        return [_err(name, f"the workbook could not be read: the file is damaged or incomplete ({exc}). "
                           "Try opening it in Excel and saving it again.")]
    if b"opendocument.spreadsheet" in mimetype:
        return [_err(name, f"this is an OpenDocument spreadsheet (.ods), which cannot be read. {_SAVE_AS}")]
    if "xl/workbook.xml" not in names and not any(n.startswith("xl/") for n in names):
        what = "a Word document" if any(n.startswith("word/") for n in names) else "a zip archive"
        return [_err(name, f"this is not a CSV or Excel file: it is {what}. {_SAVE_AS}")]
    table = _parse_xlsx(data, name)
    if isinstance(table, _Table) and ext in (".csv", ".txt", ".tsv"):
        table.warnings.insert(0, _warn(name, f"the file is named {ext} but is an Excel workbook: "
                                             "it was read as a workbook"))
    return table


def _cell_text(value: Any) -> str:
    """One cell as text: numbers exactly (12345.0 -> '12345'), blanks as ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return ""
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def _series_text(s: pd.Series) -> pd.Series:
    """A column of any dtype as text cells."""
    if isinstance(s.dtype, pd.StringDtype):
        return s.fillna("").astype("str")
    if pd.api.types.is_integer_dtype(s.dtype) and not s.isna().any():
        return s.astype("int64").astype("str")
    return s.astype(object).map(_cell_text).astype("str")


def _parse_xlsx(data: bytes, name: str) -> _Table | list[Problem]:
    import openpyxl  # local: keeps `import model` light

    try:
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheets = wb.worksheets
                if not sheets:
                    return [_err(name, "the workbook has no sheets")]
                ws = sheets[0]
                sheet_title = ws.title
                other = [s.title for s in sheets[1:]]
                ws.reset_dimensions()  # a workbook's stated used range can be wrong: read what is there
                rows = [_trim(r) for r in ws.iter_rows(values_only=True)]
            finally:
                wb.close()
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad workbook
        detail = " ".join(str(exc).split())[:160]
        return [_err(name, "the workbook could not be read: it may be damaged, password-protected or not "
                           f"really an Excel file ({type(exc).__name__}: {detail}). {_SAVE_AS}")]
    while rows and not rows[-1]:
        rows.pop()
    width = max((len(r) for r in rows), default=0)
    raw = pd.DataFrame([(*r, *([None] * (width - len(r)))) for r in rows], dtype=object) if width else pd.DataFrame()
    if raw.empty or raw.isna().all(axis=None):
        hint = f" The other sheets ({', '.join(repr(t) for t in other)}) were not read: the practice list " \
               "must be on the first sheet." if other else ""
        return [_err(name, f"the first sheet ('{sheet_title}') of the workbook is empty.{hint}")]
    raw = raw.apply(lambda col: col.map(_cell_text)).astype("str")
    raw.columns = range(raw.shape[1])
    file_type = f"an Excel workbook, sheet '{sheet_title}'"
    return _split_header(raw, np.arange(1, len(raw) + 1, dtype=np.int64), name, file_type)


def _trim(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A sheet row without its trailing empty cells (formatted-but-empty cells can run to column XFD)."""
    end = len(row)
    while end and (row[end - 1] is None or (isinstance(row[end - 1], str) and not row[end - 1].strip())):
        end -= 1
    return row[:end]


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # errors="replace": a UTF-16 file cut short (odd byte count) or with a broken surrogate pair is read
        # like a truncated UTF-8 file, not reported as an unexpected problem
        return data.decode("utf-16", errors="replace"), "UTF-16"
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError:
            return data[3:].decode("cp1252", errors="replace"), "Windows-1252"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def _parse_text(data: bytes, name: str) -> _Table | list[Problem]:
    text, encoding = _decode(data)
    start = text.lstrip()[:200].lower()
    if start.startswith(("<!doctype html", "<html", "<table", "<head", "<body")):
        return [_err(name, f"this is a web page (HTML), not a CSV or Excel file. {_SAVE_AS}")]
    if start.startswith("<?xml"):
        return [_err(name, "this is an XML file (perhaps an Excel 2003 XML spreadsheet), not CSV or .xlsx. "
                           + _SAVE_AS)]
    first_line = next((ln for ln in io.StringIO(text) if ln.strip()), "")
    sep = ","
    if first_line.count(",") == 0:
        if first_line.count("\t") > 0:
            sep = "\t"
        elif first_line.count(";") > 0:
            sep = ";"
    sep_name = {",": "comma", "\t": "tab", ";": "semicolon"}[sep]
    file_type = f"CSV ({encoding}, {sep_name}-separated)"
    try:
        raw = pd.read_csv(
            io.StringIO(text), header=None, dtype=str, na_filter=False, skip_blank_lines=False,
            sep=sep, engine="c",
        )
    except pd.errors.EmptyDataError:
        return [_err(name, "the file is empty")]
    except (pd.errors.ParserError, ValueError):
        return _parse_text_slowly(text, sep, name, file_type)
    raw = raw.fillna("").astype("str")
    raw.columns = range(raw.shape[1])
    return _split_header(raw, np.arange(1, len(raw) + 1, dtype=np.int64), name, file_type)


def _parse_text_slowly(text: str, sep: str, name: str, file_type: str) -> _Table | list[Problem]:
    """Fallback when rows have more cells than the first row (title rows, unquoted commas)."""
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error as exc:
        return [_err(name, f"the file could not be read as CSV ({exc}). {_SAVE_AS}")]
    if not records:
        return [_err(name, "the file is empty")]
    width = max(len(r) for r in records)
    raw = pd.DataFrame([r + [""] * (width - len(r)) for r in records], dtype="str")
    raw.columns = range(width)
    table = _split_header(raw, np.arange(1, len(raw) + 1, dtype=np.int64), name, file_type)
    if isinstance(table, list):
        return table
    n_header = len(table.header)
    while n_header and table.header[n_header - 1] == "":
        n_header -= 1
    lengths = np.array([len(r) for r in records], dtype=np.int64)[table.rows - 1]
    nonblank_extra = np.zeros(len(table.body), dtype=bool)
    for col in range(n_header, width):
        nonblank_extra |= table.body[col].str.strip().ne("").to_numpy()
    bad = np.flatnonzero(nonblank_extra)
    if not len(bad):
        return table
    problems = [
        _err(name, f"this row has {lengths[p]} cells but the header has {n_header}: a name or a number with a "
                   'comma in it needs quotes (e.g. "12,345"), or a cell was typed past the last column',
             row=int(table.rows[p]))
        for p in bad[:MAX_PROBLEMS_PER_COLUMN]
    ]
    if len(bad) > MAX_PROBLEMS_PER_COLUMN:
        problems.append(_err(name, f"… and {len(bad) - MAX_PROBLEMS_PER_COLUMN:,} more rows with more cells "
                                   "than the header (not listed)"))
    return problems


def _split_header(raw: pd.DataFrame, rows: np.ndarray, name: str, file_type: str) -> _Table | list[Problem]:
    """Find the header row: the first row naming two required columns within the first few rows
    (title rows above it are skipped); otherwise the first non-blank row."""
    nonblank = raw.apply(lambda c: c.str.strip().ne("")).any(axis=1).to_numpy()
    filled = np.flatnonzero(nonblank)
    if not len(filled):
        return [_err(name, "the file is empty")]
    header_pos = int(filled[0])
    for pos in filled[:_HEADER_SEARCH_ROWS]:
        found = {_canonical_name(c.strip()) for c in raw.iloc[pos].tolist() if c.strip()}
        if len(found & set(REQUIRED_COLUMNS)) >= 2:  # a title row or a data cell will not name two
            header_pos = int(pos)
            break
    header = [c.replace("\ufeff", "").strip() for c in raw.iloc[header_pos].tolist()]
    body_mask = nonblank.copy()
    body_mask[: header_pos + 1] = False
    body = raw.loc[body_mask].reset_index(drop=True)
    warns: list[Problem] = []
    if header_pos > 0 and nonblank[:header_pos].any():
        warns.append(_warn(name, f"rows 1 to {rows[header_pos] - 1} above the header (row {rows[header_pos]}) "
                                 "were skipped"))
    return _Table(name, header, body, rows[body_mask], int(rows[header_pos]), file_type, warns)


# --------------------------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------------------------


class _Findings:
    """Row-level problems collected as masks; messages are built for the first few rows only."""

    def __init__(self, name: str, rows: np.ndarray, order: dict[str, int]):
        self.name = name
        self.rows = rows
        self.order = order  # header -> position in the file, so problems follow the file's columns
        self.items: list[tuple[str, str | None, np.ndarray, Callable[[int], str], str]] = []

    def add(self, level: str, column: str | None, mask: np.ndarray, message: Callable[[int], str],
            kind: str = "") -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.items.append((level, column, mask, message, kind))

    def problems(self, level: str) -> list[Problem]:
        groups: dict[str | None, list[tuple[np.ndarray, Callable[[int], str], str]]] = {}
        for lev, column, mask, message, kind in self.items:
            if lev == level:
                groups.setdefault(column, []).append((mask, message, kind))
        out: list[Problem] = []
        for column, items in sorted(groups.items(), key=lambda kv: self.order.get(kv[0] or "", -1)):
            listed: list[tuple[int, int, str]] = []
            total = 0
            for seq, (mask, message, _) in enumerate(items):
                positions = np.flatnonzero(mask)
                total += len(positions)
                listed += [(int(self.rows[p]), seq, message(int(p))) for p in positions[:MAX_PROBLEMS_PER_COLUMN]]
            listed.sort()
            out += [Problem(level, self.name, row, column, msg, items[seq][2])  # type: ignore[arg-type]
                    for row, seq, msg in listed[:MAX_PROBLEMS_PER_COLUMN]]
            if total > MAX_PROBLEMS_PER_COLUMN:
                where = "this column" if column else "the file"
                kinds = {kind for _, _, kind in items}
                out.append(Problem(level, self.name, None, column,  # type: ignore[arg-type]
                                   f"… and {total - MAX_PROBLEMS_PER_COLUMN:,} more {level}s like these in "
                                   f"{where} (only the first {MAX_PROBLEMS_PER_COLUMN} are listed)",
                                   kinds.pop() if len(kinds) == 1 else ""))
        return out


def _shown(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _parse_numbers(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers as people type them: '12,345', '£1,234.56', '(1,234)' (= -1234), '-' or blank.

    Returns (values, blank, bad): values are NaN where blank or bad.
    """
    s = text.str.strip()
    blank = s.isin(["", "-", "–", "—"]).to_numpy()
    t = s.str.replace("\u2212", "-", regex=False)
    paren = t.str.fullmatch(r"\([^()+\-]*\)").to_numpy(dtype=bool)
    t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    t = t.str.replace(r"[£\s]", "", regex=True)
    has_comma = t.str.contains(",", regex=False)
    good_comma = t.str.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
    t = t.where(~has_comma | good_comma, "not a number").str.replace(",", "", regex=False)
    values = pd.to_numeric(t, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    values = np.where(paren, -values, values)
    bad = ~blank & ~np.isfinite(values)
    values = np.where(blank | bad, np.nan, values)
    return values, blank, bad


def _check(table: _Table, empty_ok_message: str = "the file has a header row but no practice rows") -> LoadResult:
    name, header, body = table.name, table.header, table.body
    errors: list[Problem] = []
    warnings = list(table.warnings)

    # ---- 1. which column is which -----------------------------------------------------------
    mapping: dict[str, int] = {}
    headers: dict[str, str] = {}
    unrecognised: list[str] = []
    for pos, h in enumerate(header):
        if not h:
            if pos in body.columns and body[pos].str.strip().ne("").any():
                unrecognised.append(f"(column {_column_letter(pos)}, no header)")
            continue
        canon = _canonical_name(h)
        if canon is None:
            unrecognised.append(h)
        elif canon in mapping:
            errors.append(_err(name, f"columns '{headers[canon]}' and '{h}' both give {canon}: keep one and "
                                     "delete or rename the other", row=table.header_row, column=h))
        else:
            mapping[canon] = pos
            headers[canon] = h
    keys = {_key(h): pos for pos, h in enumerate(header) if h}
    over75_parts: list[int] | None = None
    if "over75" not in mapping and "male75+" in keys and "female75+" in keys:
        over75_parts = [keys["male75+"], keys["female75+"]]
        unrecognised = [h for h in unrecognised if _key(h) not in ("male75+", "female75+")]
        headers["over75"] = f"{header[over75_parts[0]]} + {header[over75_parts[1]]}"
        warnings.append(_warn(name, f"no over75 column: patients aged 75+ were worked out as "
                                    f"'{header[over75_parts[0]]}' + '{header[over75_parts[1]]}'"))

    # rows that are blank in every column the model reads are skipped (e.g. notes in other columns)
    used = [mapping[c] for c in mapping] + (over75_parts or [])
    if used:
        keep = np.zeros(len(body), dtype=bool)
        for pos in used:
            keep |= body[pos].str.strip().ne("").to_numpy()
        if not keep.all():
            body = body.loc[keep].reset_index(drop=True)
            table.rows = table.rows[keep]
    rows = table.rows
    n = len(body)

    # ---- 2. required columns ------------------------------------------------------------------
    missing = [c for c in REQUIRED_COLUMNS if c not in mapping and not (c == "over75" and over75_parts)]
    if "over75" in missing and "list_size" in mapping and "practice_code" in mapping and n:
        # The payments publication: one clear message, not a list of generic ones.
        return _failed(name, [_no_over75(name, keys)], n_rows=n, file_type=table.file_type,
                       columns=_ordered(headers))
    for c in missing:
        examples = ", ".join(f"'{a}'" for a in _ALIASES[c][:3])
        msg = f"there is no {c} column ({_DESCRIPTIONS[c]}); name a column {examples}"
        if c == "over75":
            msg = _no_over75(name, keys).message
        errors.append(_err(name, msg, column=c))
    if n == 0:
        errors.insert(0, _err(name, empty_ok_message))
    if errors:
        if unrecognised:
            warnings.append(_unrecognised_warning(name, unrecognised))
        return _failed(name, errors, warnings, n_rows=n, file_type=table.file_type, columns=_ordered(headers))

    # ---- 3. cell by cell -------------------------------------------------------------------------
    f = _Findings(name, rows, {h: pos for pos, h in reversed(list(enumerate(header)))})

    def text(canon: str) -> pd.Series:
        return body[mapping[canon]].str.strip()

    code_col = headers["practice_code"]
    code = text("practice_code").str.upper()
    code_blank = code.eq("").to_numpy()
    f.add("error", code_col, code_blank,
          lambda p: "the practice code is blank (if this is a totals or notes row, delete it)")

    if "commissioner" in mapping:
        comm = text("commissioner")
        comm_blank = comm.eq("").to_numpy()
        if comm_blank.all():
            comm = pd.Series(DEFAULT_COMMISSIONER, index=body.index, dtype="str")
        else:
            f.add("error", headers["commissioner"], comm_blank,
                  lambda p: "the commissioner is blank (other rows have one): fill it in")
    else:
        comm = pd.Series(DEFAULT_COMMISSIONER, index=body.index, dtype="str")

    if "practice_name" in mapping:
        pname = text("practice_name")
        pname = pname.where(pname.ne(""), code)
    else:
        pname = code.copy()

    if "locality" in mapping:
        loc = text("locality")
        loc_blank = loc.eq("").to_numpy()
        if loc_blank.any() and not loc_blank.all():
            f.add("warning", headers["locality"], loc_blank,
                  lambda p: f"no locality given: the practice was put in '{DEFAULT_LOCALITY}'")
        loc = loc.where(~loc_blank, DEFAULT_LOCALITY)
    else:
        loc = pd.Series(DEFAULT_LOCALITY, index=body.index, dtype="str")

    def counts(pos: int, col: str, what: str) -> tuple[np.ndarray, np.ndarray]:
        raw = body[pos]
        values, blank, bad = _parse_numbers(raw)
        f.add("error", col, blank, lambda p: f"the {what} is blank: a whole number of patients is needed")
        f.add("error", col, bad, lambda p: f"{_shown(raw.iat[p])} is not a number")
        neg = values < 0
        f.add("error", col, neg, lambda p: f"{_shown(raw.iat[p])} is negative: a number of patients cannot be "
                                           "below 0")
        frac = (values >= 0) & (values != np.floor(values))
        f.add("error", col, frac, lambda p: f"{_shown(raw.iat[p])} is not a whole number of patients")
        huge = values > _MAX_PATIENTS
        f.add("error", col, huge, lambda p: f"{_shown(raw.iat[p])} is too large to be a number of patients")
        valid = np.isfinite(values) & ~neg & ~frac & ~huge
        return values, valid

    list_col = headers["list_size"]
    list_size, list_ok = counts(mapping["list_size"], list_col, "list size")
    over_col = headers["over75"]
    if over75_parts is None:
        over75, over_ok = counts(mapping["over75"], over_col, "number of patients aged 75+")
    else:
        male, male_ok = counts(over75_parts[0], header[over75_parts[0]], "number of men aged 75+")
        female, fem_ok = counts(over75_parts[1], header[over75_parts[1]], "number of women aged 75+")
        over75, over_ok = male + female, male_ok & fem_ok

    both = list_ok & over_ok
    more = both & (over75 > list_size)
    f.add("error", over_col, more,
          lambda p: f"patients aged 75+ ({over75[p]:,.0f}) are more than the list size ({list_size[p]:,.0f})")

    weighted = None
    if "weighted_list" in mapping:
        wraw = body[mapping["weighted_list"]]
        wcol = headers["weighted_list"]
        weighted, wblank, wbad = _parse_numbers(wraw)
        f.add("error", wcol, wblank, lambda p: "the weighted list is blank: give a number or delete the column")
        f.add("error", wcol, wbad, lambda p: f"{_shown(wraw.iat[p])} is not a number")
        f.add("error", wcol, weighted < 0,
              lambda p: f"{_shown(wraw.iat[p])} is negative: a weighted list cannot be below 0")
        f.add("error", wcol, weighted > _MAX_PATIENTS,
              lambda p: f"{_shown(wraw.iat[p])} is too large to be a weighted list")

    participating = np.ones(n, dtype=bool)
    if "participating" in mapping:
        praw = body[mapping["participating"]]
        low = praw.str.strip().str.lower()
        is_true = low.isin(_TRUE).to_numpy() | low.eq("").to_numpy()
        is_false = low.isin(_FALSE).to_numpy()
        f.add("error", headers["participating"], ~is_true & ~is_false,
              lambda p: f"{_shown(praw.iat[p])} is not yes or no (use yes/no, true/false, y/n or 1/0; "
                        "blank means yes)")
        participating = ~is_false

    les: dict[str, np.ndarray] = {}
    les_names = [c for c in sorted(mapping, key=mapping.__getitem__) if c.startswith("les_")]
    les_zero_warnings: list[Problem] = []
    for canon in les_names:
        lraw = body[mapping[canon]]
        lcol = headers[canon]
        values, lblank, lbad = _parse_numbers(lraw)
        f.add("error", lcol, lbad, lambda p, r=lraw: f"{_shown(r.iat[p])} is not an amount of money")
        f.add("error", lcol, values < 0,
              lambda p, r=lraw: f"{_shown(r.iat[p])} is negative: LES income for the year cannot be below £0 "
                                "(net any clawback off against the practice's income)")
        f.add("error", lcol, values > _MAX_POUNDS,
              lambda p, r=lraw: f"{_shown(r.iat[p])} is too large to be a year's LES income")
        values = np.round(np.where(lblank, 0.0, values), 2)
        les[canon] = values
        if not lbad.any() and (values == 0).all():
            les_zero_warnings.append(_warn(name, f"the LES column {canon} is £0 for every practice", column=lcol))

    # duplicate practice codes within a commissioner
    key_frame = pd.DataFrame({"c": comm, "p": code})
    counted = ~code_blank
    dup_any = key_frame.duplicated(keep=False).to_numpy() & counted
    second = np.zeros(n, dtype=bool)
    if dup_any.any():
        second[dup_any] = key_frame[dup_any].groupby(["c", "p"], sort=False).cumcount().to_numpy() == 1
    has_comm = "commissioner" in mapping

    def dup_message(p: int) -> str:
        same = np.flatnonzero(counted & (code.to_numpy() == code.iat[p]) & (comm.to_numpy() == comm.iat[p]))
        listed = [f"{r}" for r in rows[same]]
        where = f" in commissioner {comm.iat[p]}" if has_comm else ""
        row_text = ", ".join(listed[:-1]) + " and " + listed[-1]
        return f"practice code {code.iat[p]} appears more than once{where}: rows {row_text}"

    f.add("error", code_col, second, dup_message)

    # warnings that do not block
    f.add("warning", list_col, list_ok & (list_size == 0),
          lambda p: "the list size is 0: this practice gets nothing from a per-patient share")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(both & (list_size > 0), over75 / np.where(list_size > 0, list_size, 1), 0.0)
    f.add("warning", over_col, both & ~more & (share > OVER75_SHARE_WARNING),
          lambda p: f"{over75[p]:,.0f} of {list_size[p]:,.0f} patients ({share[p] * 100:.0f} %) are aged 75+, "
                    f"above {OVER75_SHARE_WARNING * 100:.0f} % (England: about 8 %): check the figures",
          kind="over75_share")

    errors = f.problems("error")
    warnings += f.problems("warning") + les_zero_warnings
    if unrecognised:
        warnings.append(_unrecognised_warning(name, unrecognised))
    if weighted is None:
        warnings.append(_warn(name, "there is no weighted_list column (Carr-Hill weighted list): a scenario "
                                    "that shares money by weighted list cannot use this file"))

    n_comm = int(comm[~comm.eq("")].nunique())
    common: dict[str, Any] = {
        "n_rows": n, "n_commissioners": n_comm, "file_type": table.file_type,
        "columns": _ordered(headers), "les_columns": les_names,
    }
    if errors:
        return _failed(name, errors, warnings, **common)

    out: dict[str, pd.Series | np.ndarray] = {
        "commissioner": comm.astype("str").to_numpy(),
        "practice_code": code.to_numpy(),
        "practice_name": pname.to_numpy(),
        "locality": loc.to_numpy(),
        "list_size": list_size.astype(np.int64),
        "over75": over75.astype(np.int64),
    }
    if weighted is not None:
        out["weighted_list"] = weighted.astype(np.float64)
    out["participating"] = participating
    for extra in EXTRA_TEXT_COLUMNS:
        if extra in mapping:
            out[extra] = text(extra).to_numpy()
    out.update(les)
    frame = pd.DataFrame(out, index=pd.RangeIndex(n))
    for col in ["commissioner", "practice_code", "practice_name", "locality", *EXTRA_TEXT_COLUMNS]:
        if col in frame:
            frame[col] = frame[col].astype("str")
    report = ValidationReport(
        file=name, errors=[], warnings=warnings, **common,
        total_list_size=int(frame["list_size"].sum()), total_over75=int(frame["over75"].sum()),
        les_totals={c: round(float(frame[c].sum()), 2) for c in les_names},
        commissioners=list(pd.unique(frame["commissioner"])),
    )
    return LoadResult(frame, report)


def _no_over75(name: str, keys: dict[str, int]) -> Problem:
    looks_like = "This looks like the NHS Payments to General Practice publication, which" \
        if _PAYMENTS_MARKERS & set(keys) else "The NHS Payments to General Practice publication"
    return _err(
        name,
        "the file has no column of patients aged 75+ (over75), which the model needs. "
        f"{looks_like} does not carry one. Add an 'over75' column, e.g. from the NHSBSA practice list size "
        "file for the same quarter (Male 75+ plus Female 75+), matched on practice code.",
        column="over75",
    )


def _unrecognised_warning(name: str, headers: list[str]) -> Problem:
    n = len(headers)
    listed = ", ".join(f"'{h}'" if not h.startswith("(") else h for h in headers)
    return _warn(name, f"{n} column{'' if n == 1 else 's'} not recognised and ignored: {listed}")


def _ordered(headers: dict[str, str]) -> dict[str, str]:
    order = [*CANONICAL_COLUMNS, *EXTRA_TEXT_COLUMNS]
    first = {c: headers[c] for c in order if c in headers}
    return first | {c: h for c, h in headers.items() if c not in first}


def _column_letter(pos: int) -> str:
    letters = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
