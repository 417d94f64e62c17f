"""Reading the first sheet of an Excel workbook (.xlsx) with every part of the work bounded.

A workbook is a zip of XML parts. Before any part is parsed, the zip directory is checked: number of
parts and their total unzipped size (:data:`~model.limits.MAX_XLSX_UNCOMPRESSED`; unzipping never reads
past a part's stated size, so the directory cannot lie about it). Then only the parts needed are parsed,
each as a stream with a budget of XML elements, no DTD and no entity declarations:

* ``xl/workbook.xml`` and its relationships: the first sheet's name and part, the date system;
* the shared strings (at most :data:`~model.limits.MAX_SHEET_CELLS`);
* the styles, only to know which cells hold dates;
* the first sheet, only its ``sheetData``, cell by cell: rows past
  :data:`~model.limits.MAX_FILE_ROWS`, columns past :data:`~model.limits.MAX_COLUMNS` or more than
  :data:`~model.limits.MAX_SHEET_CELLS` cells are refused as soon as they are seen; gaps in row numbers
  are not filled in, and what follows ``sheetData`` (hyperlinks, merged cells, …) is never parsed.

Cell values are converted exactly as openpyxl converts them (its cell parser is reused), and are the
values last saved in the workbook: formulas, macros and links to other workbooks are never run or
refreshed (a workbook with macros or external links gets a warning saying so).
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from model.limits import MAX_COLUMNS, MAX_FILE_ROWS, MAX_SHEET_CELLS, MAX_XLSX_UNCOMPRESSED, MAX_ZIP_ENTRIES, mb

_CHUNK = 256 * 1024
_ELEMENTS_PER_CELL = 4  # <c>, <v> or <is><t>, …: a part's budget of XML elements, per cell allowed
_MAX_ROW_ELEMENTS = 5 * MAX_FILE_ROWS  # rows on the first sheet, empty (formatted) ones included
_MAX_ELEMENTS_PER_ROW = 100_000  # XML elements in one row (or before the first): a row has at most 16,384 cells
_MAX_STYLES = 65_536    # cell formats (Excel allows 64,000)
_SMALL_PART_ELEMENTS = 100_000  # workbook.xml and the relationships: sheets, names, links


class WorkbookError(ValueError):
    """The workbook cannot be read; the message is a sentence for the user (without the file name)."""


@dataclass
class FirstSheet:
    """The first sheet's cells as values, row by row."""

    title: str
    other_titles: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number, values up to the row's last non-empty cell)
    warnings: list[str] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Guarded:
    """A part's stream as the XML parser reads it: refused if it is not UTF-8 or declares a DTD or entities."""

    def __init__(self, fh: Any, part: str):
        self.fh, self.part, self.tail, self.first = fh, part, b"", True

    def read(self, n: int = -1) -> bytes:
        chunk = self.fh.read(n if 0 < n <= _CHUNK else _CHUNK)
        if self.first and chunk:
            self.first = False
            if chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in chunk[:4]:
                raise WorkbookError(f"its part {self.part} is not in UTF-8, as Excel writes it")
        probe = self.tail + chunk
        if b"<!DOCTYPE" in probe or b"<!ENTITY" in probe:
            raise WorkbookError(f"its part {self.part} declares a DTD or entities, which an Excel workbook never "
                                "does (this is how XML bombs and external entities are made)")
        self.tail = chunk[-16:]
        return chunk


def _events(zf: zipfile.ZipFile, part: str, budget: int, events: tuple[str, ...] = ("end",)) -> Iterator[
        tuple[str, ET.Element]]:
    """Parse events of one part, streamed: no DTD or entity declarations, at most `budget` elements."""
    seen = 0
    with zf.open(part) as fh:
        for event in ET.iterparse(_Guarded(fh, part), events=events):
            seen += 1
            if seen > budget:
                raise WorkbookError(f"its part {part} has more than {budget:,} XML elements")
            yield event


_OPEN_TAG = {name: re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?" + name + rb"[\s/>]") for name in (b"c", b"si")}


def _count_tags(zf: zipfile.ZipFile, part: str, name: bytes, limit: int) -> int:
    """How many `<name …>` elements a part has, counted in its bytes as they are unzipped (no XML parsing),
    stopping as soon as there are more than `limit`: a bomb is refused in a fraction of a second."""
    pattern = _OPEN_TAG[name]
    count = 0
    tail = b""
    with zf.open(part) as fh:
        while count <= limit:
            chunk = fh.read(4 * _CHUNK)
            if not chunk:
                break
            data = tail + chunk
            cut = max(0, len(data) - 64)  # a tag cut by the chunk's end is counted with the next chunk
            count += len(pattern.findall(data, 0, cut))
            tail = data[cut:]
        count += len(pattern.findall(tail))
    return count


def check_directory(zf: zipfile.ZipFile) -> list[str]:
    """Refuse a zip with too many parts or too much unzipped data; the warnings about what it holds."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise WorkbookError(f"the workbook has {len(infos):,} parts; the limit is {MAX_ZIP_ENTRIES:,}. Copy the "
                            "practice list into a new workbook, or save it as CSV")
    total = sum(max(0, i.file_size) for i in infos)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise WorkbookError(f"the workbook unzips to {mb(total)} ({total:,} bytes); the limit is "
                            f"{mb(MAX_XLSX_UNCOMPRESSED)}. Copy the practice list alone into a new workbook, "
                            "or save it as CSV")
    names = [i.filename.lower() for i in infos]
    warnings = []
    if any(n.endswith("vbaproject.bin") for n in names):
        warnings.append("the workbook holds macros: they were not run; the values read are the ones last saved")
    if any(n.startswith("xl/externallinks/") for n in names):
        warnings.append("the workbook has links to other workbooks (external links): the values read are the "
                        "ones last saved in this workbook, not refreshed from the linked files; check them")
    return warnings


def _relationships(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """{Id: (Type, Target)} of a part's relationships ({} when it has none)."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in zf.NameToInfo:
        return {}
    out = {}
    for _, el in _events(zf, rels, _SMALL_PART_ELEMENTS):
        if _local(el.tag) == "Relationship":
            target = el.get("Target", "")
            if el.get("TargetMode") == "External":
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[el.get("Id", "")] = (el.get("Type", ""), path)
    return out


def _workbook_part(zf: zipfile.ZipFile) -> str:
    for _, (kind, target) in _relationships(zf, "").items():
        if kind.endswith("/officeDocument") and target in zf.NameToInfo:
            return target
    return "xl/workbook.xml"


def _shared_strings(zf: zipfile.ZipFile, part: str | None) -> list[str]:
    if part is None or part not in zf.NameToInfo:
        return []
    from openpyxl.cell.text import Text

    strings: list[str] = []
    for _, el in _events(zf, part, _ELEMENTS_PER_CELL * MAX_SHEET_CELLS):
        if el.tag in _SI:
            if len(strings) >= MAX_SHEET_CELLS:
                raise WorkbookError(_too_many_texts())
            if len(el) == 1 and el[0].tag in _T:  # plain text, the common case: read here, fast
                text = el[0].text or ""
            else:  # rich text (runs), phonetic guides: openpyxl's own reading
                text = Text.from_tree(el).content
            strings.append(text.replace("x005F_", ""))  # as openpyxl reads them
            el.clear()
    return strings


def _date_styles(zf: zipfile.ZipFile, part: str | None) -> tuple[set[int], set[int]]:
    """Which cell formats (by index) show dates, and which show durations, as openpyxl decides it."""
    if part is None or part not in zf.NameToInfo:
        return set(), set()
    from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format

    custom: dict[int, str] = {}
    formats: list[int] = []
    depth_in_xfs = False
    for event, el in _events(zf, part, 10 * _MAX_STYLES, events=("start", "end")):
        tag = _local(el.tag)
        if tag == "cellXfs":
            depth_in_xfs = event == "start"
        if event != "end":
            continue
        if tag == "numFmt":
            try:
                custom[int(el.get("numFmtId", "-1"))] = el.get("formatCode", "")
            except ValueError:
                pass
        elif tag == "xf" and depth_in_xfs:
            if len(formats) >= _MAX_STYLES:
                raise WorkbookError(f"the workbook has more than {_MAX_STYLES:,} cell formats")
            try:
                formats.append(int(el.get("numFmtId", "0")))
            except ValueError:
                formats.append(0)
    dates, durations = set(), set()
    for idx, fmt_id in enumerate(formats):
        code = custom.get(fmt_id) if fmt_id in custom else builtin_format_code(fmt_id)
        if code and is_date_format(code):
            dates.add(idx)
        if code and is_timedelta_format(code):
            durations.add(idx)
    return dates, durations


def read_first_sheet(zf: zipfile.ZipFile) -> FirstSheet:
    """The first sheet's values (see the module docstring); WorkbookError when it cannot be read.

    >>> import io, openpyxl
    >>> wb = openpyxl.Workbook()
    >>> wb.active.title = "Nene"
    >>> wb.active.append(["Practice Code", "List Size"])
    >>> wb.active.append(["K83001", 12345])
    >>> buf = io.BytesIO()
    >>> wb.save(buf)
    >>> sheet = read_first_sheet(zipfile.ZipFile(buf))
    >>> sheet.title, sheet.rows
    ('Nene', [(1, ['Practice Code', 'List Size']), (2, ['K83001', 12345])])
    """
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH
    from openpyxl.worksheet._reader import WorkSheetParser  # openpyxl's cell parser (pinned openpyxl 3.1.5)

    warnings = check_directory(zf)
    book = _workbook_part(zf)
    if book not in zf.NameToInfo:
        raise WorkbookError("it has no workbook part (xl/workbook.xml)")
    sheets: list[tuple[str, str]] = []
    epoch = WINDOWS_EPOCH
    for _, el in _events(zf, book, _SMALL_PART_ELEMENTS):
        tag = _local(el.tag)
        if tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id" and k.startswith("{")), "")
            sheets.append((el.get("name", ""), rid))
        elif tag == "workbookPr" and el.get("date1904", "").lower() in ("1", "true"):
            epoch = CALENDAR_MAC_1904
    if not sheets:
        raise WorkbookError("the workbook has no sheets")
    rels = _relationships(zf, book)
    title, rid = sheets[0]
    kind, sheet_part = rels.get(rid, ("", ""))
    if kind.endswith("/chartsheet"):
        raise WorkbookError(f"the first sheet ('{title}') is a chart, not a table")
    if sheet_part not in zf.NameToInfo:
        raise WorkbookError(f"the first sheet ('{title}') is missing from the file")
    strings_part = next((t for k, t in rels.values() if k.endswith("/sharedStrings")), None)
    styles_part = next((t for k, t in rels.values() if k.endswith("/styles")), None)
    if _count_tags(zf, sheet_part, b"c", MAX_SHEET_CELLS) > MAX_SHEET_CELLS:
        raise WorkbookError(_too_many_cells())
    if strings_part in zf.NameToInfo and _count_tags(zf, strings_part, b"si", MAX_SHEET_CELLS) > MAX_SHEET_CELLS:
        raise WorkbookError(_too_many_texts())
    strings = _shared_strings(zf, strings_part)
    dates, durations = _date_styles(zf, styles_part)

    cells = WorkSheetParser(None, strings, data_only=True, epoch=epoch, date_formats=dates,
                            timedelta_formats=durations)
    return FirstSheet(title, [t for t, _ in sheets[1:]], _sheet_rows(zf, sheet_part, cells), warnings)


_MAIN_NS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
_ROW = {f"{{{ns}}}row" for ns in _MAIN_NS} | {"row"}
_SHEET_DATA = {f"{{{ns}}}sheetData" for ns in _MAIN_NS} | {"sheetData"}
_CELL = {f"{{{ns}}}c" for ns in _MAIN_NS} | {"c"}
_T = {f"{{{ns}}}t" for ns in _MAIN_NS} | {"t"}
_SI = {f"{{{ns}}}si" for ns in _MAIN_NS} | {"si"}


def _sheet_rows(zf: zipfile.ZipFile, part: str, cells: Any) -> list[tuple[int, list[Any]]]:
    """The rows of a sheet's ``sheetData``, each processed (and freed) as soon as it is parsed."""
    rows: list[tuple[int, list[Any]]] = []
    budget = _ELEMENTS_PER_CELL * MAX_SHEET_CELLS
    seen = since_row = n_cells = n_rows = row_number = 0
    with zf.open(part) as fh:
        for _, el in ET.iterparse(_Guarded(fh, part), events=("end",)):
            seen += 1
            since_row += 1
            if seen > budget or since_row > _MAX_ELEMENTS_PER_ROW:
                where = "in all" if seen > budget else "before its first row" if not n_rows else \
                    f"in the row after row {row_number:,}"
                raise WorkbookError(f"the first sheet has more than {min(budget, _MAX_ELEMENTS_PER_ROW):,} XML "
                                    f"elements {where}. Copy the practice list alone into a new workbook, or save "
                                    "it as CSV")
            tag = el.tag
            if tag in _ROW:
                since_row = 0
                n_rows += 1
                if n_rows > _MAX_ROW_ELEMENTS:
                    raise WorkbookError(f"the first sheet has more than {_MAX_ROW_ELEMENTS:,} rows, counting empty "
                                        "formatted ones; delete the empty rows below the list (or save it as CSV)")
                row_number = _row_number(el.get("r"), row_number)
                n_cells += len(el)
                if n_cells > MAX_SHEET_CELLS:
                    raise WorkbookError(_too_many_cells())
                values = _row_values(el, row_number, cells)
                if values:
                    rows.append((row_number, values))
                el.clear()
            elif tag in _SHEET_DATA:
                break  # nothing after the cells is needed
    return rows


_COLUMN_INDEX: dict[str, int] = {}


def _column(coordinate: str) -> int:
    letters = coordinate.rstrip("0123456789$").lstrip("$")
    index = _COLUMN_INDEX.get(letters)
    if index is None:
        from openpyxl.utils.cell import column_index_from_string

        index = _COLUMN_INDEX[letters] = column_index_from_string(letters)
    return index


def _row_values(row: ET.Element, row_number: int, cells: Any) -> list[Any]:
    """One row's values by column. Text and plain numbers are read here (the common cells, fast); every
    other cell (dates, booleans, inline text, errors) by openpyxl's own cell parser, so values are the
    same as openpyxl reads them."""
    from openpyxl.worksheet._reader import _cast_number

    values: list[Any] = []
    cells.row_counter, cells.col_counter = row_number, 0
    strings, dates = cells.shared_strings, cells.date_formats
    column = 0
    for c in row:
        if c.tag not in _CELL:
            continue
        kind, coordinate, style = c.get("t", "n"), c.get("r"), c.get("s")
        if kind == "s" or (kind == "n" and not (style and int(style) in dates)):
            column = _column(coordinate) if coordinate else column + 1
            text = c.findtext(c.tag[:-1] + "v") or None
            value = None if text is None else strings[int(text)] if kind == "s" else _cast_number(text)
        else:
            cells.col_counter = column
            cell = cells.parse_cell(c)
            value, column = cell["value"], cell["column"]
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if column > MAX_COLUMNS:
            raise WorkbookError(f"the first sheet has something in column {_letters(column)} (row {row_number:,}); "
                                f"a practice list may have at most {MAX_COLUMNS} columns. Delete the columns the "
                                "model does not use")
        if row_number > MAX_FILE_ROWS:
            raise WorkbookError(f"the first sheet has something in row {row_number:,}; a practice list may have at "
                                f"most {MAX_FILE_ROWS:,} rows. Split the list by commissioner, or delete what is "
                                "below it")
        if column > len(values):
            values.extend([None] * (column - len(values)))
        values[column - 1] = value
    return values


def _too_many_cells() -> str:
    return (f"the first sheet has more than {MAX_SHEET_CELLS:,} cells; the limit is {MAX_SHEET_CELLS:,}. Delete the "
            "columns the model does not use, or save the practice list as CSV")


def _too_many_texts() -> str:
    return (f"the workbook has more than {MAX_SHEET_CELLS:,} different texts; the limit is {MAX_SHEET_CELLS:,}. "
            "Copy the practice list alone into a new workbook, or save it as CSV")


def _row_number(r: str | None, previous: int) -> int:
    if r is None:
        return previous + 1
    try:
        return int(r)
    except ValueError:
        value = float(r)
        if not value.is_integer():
            raise WorkbookError(f"a row is numbered {r!r}") from None
        return int(value)


def _letters(column: int) -> str:
    letters = ""
    while column:
        column, rem = divmod(column - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
