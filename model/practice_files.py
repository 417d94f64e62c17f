"""Reading a practice-list file into a sheet of text: CSV (any common encoding) or Excel (.xlsx).

Nothing is checked here beyond what reading needs (size, file type, the header row); the cells
stay text so that :mod:`model.practice_checks` can name each problem by row and column.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import math
import os
import warnings as _warnings
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.limits import MAX_COLUMNS, MAX_FILE_ROWS, MAX_SHEET_CELLS, LimitError, read_regular_file, rows_text
from model.practice_columns import _HEADER_SEARCH_ROWS, MAX_PROBLEMS_PER_COLUMN, REQUIRED_COLUMNS, _canonical_name
from model.practice_xlsx import WorkbookError, check_directory, read_first_sheet
from model.validation import Problem, error, warning


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


def _size_text(n: int) -> str:
    mb = n / (1024 * 1024)
    text = f"{mb:.1f}".rstrip("0").rstrip(".") if mb >= 0.1 else f"{mb:.3f}"
    return f"{text} MB"


def _too_large(name: str, size: int | None, max_bytes: int) -> Problem:
    size_text = f"{_size_text(size)} ({size:,} bytes)" if size is not None else "more than that"
    return error(
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
        try:  # only a regular file, and never more than max_bytes + 1 bytes of it (a FIFO or /dev/zero is refused)
            data = read_regular_file(path, max_bytes, "practice-list file")
        except FileNotFoundError:
            return error(name, f"the file was not found (looked for {str(path)!r})")
        except LimitError as exc:
            return error(name, str(exc))
        except OSError as exc:
            return error(name, f"the file could not be opened ({exc.strerror or exc})")
        if len(data) > max_bytes:
            try:
                size: int | None = path.stat().st_size
            except OSError:
                size = None
            return _too_large(name, size if size is not None and size > max_bytes else None, max_bytes)
        return data
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
    """The file's bytes as a sheet of text, or the problems that stop it being read.

    Title rows above the header are skipped (and said so); row numbers are the ones the user sees:

    >>> table = _parse_bytes(b'Nene practices 2014/15\\n\\nPractice Code,List Size\\nK83001,"12,345"\\n', "nene.csv")
    >>> table.header, table.header_row, table.rows.tolist(), table.body.values.tolist()
    (['Practice Code', 'List Size'], 3, [4], [['K83001', '12,345']])
    >>> [str(w) for w in table.warnings]
    ['nene.csv: rows 1 to 2 above the header (row 3) were skipped']
    >>> [str(p) for p in _parse_bytes(b"%PDF-1.4", "nene.xlsx")]  # doctest: +ELLIPSIS
    ['nene.xlsx: this is not a CSV or Excel file: it looks like a PDF document. Open it in Excel and save it as ...']
    """
    ext = Path(name).suffix.lower()
    if not data.strip():
        return [error(name, "the file is empty")]
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _parse_zip(data, name, ext)
    if data.startswith(_OLE2):
        return [error(name, "this is an old-format Excel file (.xls, Excel 97-2003) or a password-protected "
                           f"workbook, which cannot be read. {_SAVE_AS} (without a password)")]
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return [error(name, f"this is not a CSV or Excel file: it looks like {what}. {_SAVE_AS}")]
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = data[:8192]
        controls = sum(head.count(bytes([b])) for b in (*range(9), 11, 12, *range(14, 32)))
        if b"\x00" in head or controls > len(head) * 0.01:
            return [error(name, f"this is not a CSV or Excel file: its content is binary, not text. {_SAVE_AS}")]
    table = _parse_text(data, name)
    if isinstance(table, _Table) and ext in (".xlsx", ".xlsm", ".xls"):
        table.warnings.insert(0, warning(name, f"the file is named {ext} but holds plain text: it was read as CSV"))
    return table


def _parse_zip(data: bytes, name: str, ext: str) -> _Table | list[Problem]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            check_directory(zf)  # number of parts and unzipped size, from the zip directory, before reading any
            if "mimetype" in names:
                with zf.open("mimetype") as fh:
                    mimetype = fh.read(100)
            else:
                mimetype = b""
    except WorkbookError as exc:
        return [error(name, str(exc))]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError) as exc:
        return [error(name, f"the workbook could not be read: the file is damaged or incomplete ({exc}). "
                           "Try opening it in Excel and saving it again.")]
    if b"opendocument.spreadsheet" in mimetype:
        return [error(name, f"this is an OpenDocument spreadsheet (.ods), which cannot be read. {_SAVE_AS}")]
    if "xl/workbook.xml" not in names and not any(n.startswith("xl/") for n in names):
        what = "a Word document" if any(n.startswith("word/") for n in names) else "a zip archive"
        return [error(name, f"this is not a CSV or Excel file: it is {what}. {_SAVE_AS}")]
    table = _parse_xlsx(data, name)
    if isinstance(table, _Table) and ext in (".csv", ".txt", ".tsv"):
        table.warnings.insert(0, warning(name, f"the file is named {ext} but is an Excel workbook: "
                                             "it was read as a workbook"))
    return table


def _cell_text(value: Any) -> str:
    """One cell as text: numbers exactly (12345.0 -> '12345'), blanks as ''.

    >>> _cell_text(12345.0), _cell_text(1234.56), _cell_text(None), _cell_text(_dt.date(2014, 4, 1))
    ('12345', '1234.56', '', '2014-04-01')
    """
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
    """The first sheet, read by :mod:`model.practice_xlsx` (every part's work bounded; the values as saved)."""
    try:
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                sheet = read_first_sheet(zf)
    except WorkbookError as exc:
        return [error(name, f"the workbook cannot be read: {exc}")]
    except Exception as exc:  # noqa: BLE001 - a damaged workbook raises many types (zip, XML, cell values)
        if isinstance(exc, ET.ParseError):
            exc = ValueError(f"its XML is not well formed ({exc})")
        detail = " ".join(str(exc).split())[:160]
        return [error(name, "the workbook could not be read: it may be damaged, password-protected or not "
                           f"really an Excel file ({type(exc).__name__}: {detail}). {_SAVE_AS}")]
    rows = [(number, _trim(tuple(values))) for number, values in sheet.rows]
    rows = [(number, values) for number, values in rows if values]
    width = max((len(r) for _, r in rows), default=0)
    if not width:
        other = sheet.other_titles
        hint = f" The other sheets ({', '.join(repr(t) for t in other)}) were not read: the practice list " \
               "must be on the first sheet." if other else ""
        return [error(name, f"the first sheet ('{sheet.title}') of the workbook is empty.{hint}")]
    raw = pd.DataFrame([[_cell_text(v) for v in (*r, *([None] * (width - len(r))))] for _, r in rows],
                       dtype="str")
    raw.columns = range(raw.shape[1])
    file_type = f"an Excel workbook, sheet '{sheet.title}'"
    table = _split_header(raw, np.array([number for number, _ in rows], dtype=np.int64), name, file_type)
    if isinstance(table, _Table):
        table.warnings[:0] = [warning(name, w) for w in sheet.warnings]
    return table


def _trim(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A sheet row without its trailing empty cells (formatted-but-empty cells can run to column XFD)."""
    end = len(row)
    while end and (row[end - 1] is None or (isinstance(row[end - 1], str) and not row[end - 1].strip())):
        end -= 1
    return row[:end]


def _decode(data: bytes) -> tuple[str, str, list[int]]:
    """The text, its encoding in words, and the rows read as Windows-1252 in a file that mixes it with UTF-8.

    A file that is not UTF-8 throughout is decoded line by line: a line that is valid UTF-8 is read as
    UTF-8, any other as Windows-1252 (Latin-1 where Windows-1252 has no character), so a list pasted
    together from two sources keeps "Café" right in both halves instead of showing "CafÃ©" in one.

    >>> _decode("Practice Code,Name\\nK1,Café\\n".encode() + "K2,Café\\n".encode("cp1252"))[1:]
    ('UTF-8 and Windows-1252 (mixed)', [3])
    >>> _decode("K2,Café\\n".encode("cp1252"))[1:]
    ('Windows-1252', [])
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # errors="replace": a UTF-16 file cut short (odd byte count) or with a broken surrogate pair is read
        # like a truncated UTF-8 file, not reported as an unexpected problem
        return data.decode("utf-16", errors="replace"), "UTF-16", []
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[3:] if bom else data
    try:
        return body.decode("utf-8"), "UTF-8 with BOM" if bom else "UTF-8", []
    except UnicodeDecodeError:
        pass
    if body.count(b"\n") > MAX_FILE_ROWS:  # too many rows anyway (refused next): no line-by-line decoding
        return body.decode("latin-1"), "Latin-1", []
    lines = body.split(b"\n")
    out: list[str] = []
    utf8_rows: list[int] = []
    other_rows: list[int] = []
    latin1 = False
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8")
            if not line.isascii():
                utf8_rows.append(number)
        except UnicodeDecodeError:
            other_rows.append(number)
            try:
                text = line.decode("cp1252")
            except UnicodeDecodeError:
                text, latin1 = line.decode("latin-1"), True
        out.append(text)
    single = "Latin-1" if latin1 else "Windows-1252"
    if utf8_rows:
        return "\n".join(out), f"UTF-8 and {single} (mixed)", other_rows
    return "\n".join(out), single, []


def _mixed_warning(name: str, rows: list[int], encoding: str) -> Problem:
    other = encoding.removeprefix("UTF-8 and ").removesuffix(" (mixed)")
    return warning(name, f"the file mixes text encodings: row{'s' if len(rows) > 1 else ''} {rows_text(rows)} "
                         f"{'were' if len(rows) > 1 else 'was'} read as {other} and the other rows as UTF-8. "
                         "Check the names in those rows, then save the file again as UTF-8 CSV")


def _shape_problem(text: str, sep: str, name: str) -> tuple[str, Problem | None]:
    """Rows, columns and cells of a CSV counted before it is parsed: the text (with trailing empty
    cells removed when the file has columns of nothing, as Excel writes for formatted empty columns),
    or the problem that stops it being read.

    >>> _shape_problem("a,b,c,,,,\\n1,2,3,,,,\\n", ",", "x.csv")
    ('a,b,c,,,,\\n1,2,3,,,,\\n', None)
    >>> print(_shape_problem("a" + "," * 300 + "b\\n", ",", "x.csv")[1])  # doctest: +ELLIPSIS
    x.csv, row 1: this row has 301 cells; a practice list may have at most 200 columns. Delete the columns ...
    """
    newline = "\n" if "\n" in text or "\r" not in text else "\r"  # "\r" alone: an old Mac file
    lines = text.count(newline) + (0 if text.endswith(newline) else 1)
    if lines > MAX_FILE_ROWS:
        return text, error(name, f"the file has {lines:,} lines; a practice list may have at most {MAX_FILE_ROWS:,} "
                                 "rows. Split it by commissioner (each part is read on its own)")
    split = text.split(newline)
    if max((ln.count(sep) for ln in split), default=0) < MAX_COLUMNS and sum(ln.count(sep) + 1 for ln in split) \
            <= MAX_SHEET_CELLS:
        return text, None
    strip = " \t\r" + sep
    widths = [ln.rstrip(strip).count(sep) + 1 for ln in split]
    widest = max(range(len(widths)), key=widths.__getitem__)
    if widths[widest] > MAX_COLUMNS:
        exact = len(next(csv.reader([split[widest]], delimiter=sep), []))  # separators inside quotes do not count
        if exact > MAX_COLUMNS:
            return text, error(name, f"this row has {exact:,} cells; a practice list may have at most {MAX_COLUMNS} "
                                     "columns. Delete the columns the model does not use", row=widest + 1)
    if sum(widths) > MAX_SHEET_CELLS:
        return text, error(name, f"the file has {sum(widths):,} cells; a practice list may have at most "
                                 f"{MAX_SHEET_CELLS:,}. Delete the columns the model does not use, or split it by "
                                 "commissioner")
    return "\n".join(ln.rstrip(strip) for ln in split), None


def _parse_text(data: bytes, name: str) -> _Table | list[Problem]:
    text, encoding, mixed_rows = _decode(data)
    start = text.lstrip()[:200].lower()
    if start.startswith(("<!doctype html", "<html", "<table", "<head", "<body")):
        return [error(name, f"this is a web page (HTML), not a CSV or Excel file. {_SAVE_AS}")]
    if start.startswith("<?xml"):
        return [error(name, "this is an XML file (perhaps an Excel 2003 XML spreadsheet), not CSV or .xlsx. "
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
    text, over = _shape_problem(text, sep, name)
    if over is not None:
        return [over]
    table = _parse_csv(text, sep, name, file_type)
    if isinstance(table, _Table) and mixed_rows:
        table.warnings.insert(0, _mixed_warning(name, mixed_rows, encoding))
    return table


def _parse_csv(text: str, sep: str, name: str, file_type: str) -> _Table | list[Problem]:
    try:
        raw = pd.read_csv(
            io.StringIO(text), header=None, dtype=str, na_filter=False, skip_blank_lines=False,
            sep=sep, engine="c",
        )
    except pd.errors.EmptyDataError:
        return [error(name, "the file is empty")]
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
        return [error(name, f"the file could not be read as CSV ({exc}). {_SAVE_AS}")]
    if not records:
        return [error(name, "the file is empty")]
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
        error(name, f"this row has {lengths[p]} cells but the header has {n_header}: a name or a number with a "
                   'comma in it needs quotes (e.g. "12,345"), or a cell was typed past the last column',
             row=int(table.rows[p]))
        for p in bad[:MAX_PROBLEMS_PER_COLUMN]
    ]
    if len(bad) > MAX_PROBLEMS_PER_COLUMN:
        problems.append(error(name, f"… and {len(bad) - MAX_PROBLEMS_PER_COLUMN:,} more rows with more cells "
                                   "than the header (not listed)"))
    return problems


def _split_header(raw: pd.DataFrame, rows: np.ndarray, name: str, file_type: str) -> _Table | list[Problem]:
    """Find the header row: the first row naming two required columns within the first few rows
    (title rows above it are skipped); otherwise the first non-blank row."""
    nonblank = raw.apply(lambda c: c.str.strip().ne("")).any(axis=1).to_numpy()
    filled = np.flatnonzero(nonblank)
    if not len(filled):
        return [error(name, "the file is empty")]
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
        warns.append(warning(name, f"rows 1 to {rows[header_pos] - 1} above the header (row {rows[header_pos]}) "
                                 "were skipped"))
    return _Table(name, header, body, rows[body_mask], int(rows[header_pos]), file_type, warns)


