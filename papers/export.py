"""Exports a finance lead can put in a board paper: CSV files, a zip of them, and one Excel workbook.

Everything here is pure: functions take results (and paths or text) and return bytes or write into the
directory they are given. Nothing is printed and no path is baked in.

- :func:`neutralise` is the one rule that makes text safe to open in Excel: a text cell that starts with
  ``= + - @``, a tab or a carriage return gets a leading apostrophe, so it is shown as text and never run
  as a formula. CSV and XLSX both go through it.
- :func:`csv_bytes` writes one table as CSV: UTF-8 with a byte-order mark (so Excel reads "£"), LF line
  ends, money with exactly 2 decimals, byte-identical for the same table.
- :func:`workbook_bytes` builds the workbook (Assumptions, Practices, Localities, Summary, Compare,
  Checks, Data). Its Checks sheet recomputes the reconciliations with live formulas (SUMIFS over the
  Practices sheet against the Summary sheet), so the check still says PASS or FAIL after the file has
  been opened and recalculated in Excel.

Speed: the national list is ~40,000 practice-year rows. xlsxwriter spends ~7 µs per cell turning its
cell table into XML, which for ~900,000 cells is too slow for the command line's 8 s budget, so the big
tables at the foot of a sheet are streamed as ready-made XML rows by :class:`_FastSheet` (a worksheet
subclass, xlsxwriter's documented ``worksheet_class`` hook) while everything else uses the normal API.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
import yaml
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from model.analysis.compare import _names as scenario_names
from model.analysis.compare import compare_practices, compare_summary, differing_assumptions
from model.columns import COLUMNS, column, heading
from model.results import Results
from model.scenario import GUIDANCE, dump_scenario, field_docs

# ---- the one neutralising rule ----------------------------------------------------------------

#: Text starting with one of these is neutralised: Excel would otherwise read it as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_text(text: str) -> str:
    """One text cell made safe for Excel: ``'=HYPERLINK("x")`` instead of ``=HYPERLINK("x")``.

    >>> neutralise_text("=1+1"), neutralise_text("-5 protest"), neutralise_text("Brackley")
    ("'=1+1", "'-5 protest", 'Brackley')
    """
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _neutralise_value(v: Any) -> Any:
    return neutralise_text(v) if isinstance(v, str) else v


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with every text cell (and text column name) passed through :func:`neutralise_text`.

    Numbers, booleans and missing values are untouched. This is the one implementation used by the CSV
    and the XLSX exports.
    """
    out = df.copy()
    out.columns = [_neutralise_value(c) for c in df.columns]
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = [_neutralise_value(c) for c in s.cat.categories]
            if len(set(cats)) == len(cats):
                out.isetitem(i, s.cat.rename_categories(cats))
            else:  # "'=a" already existed next to "=a": fall back to plain values
                out.isetitem(i, s.astype(object).map(_neutralise_value))
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out.isetitem(i, s.map(_neutralise_value, na_action="ignore"))
    return out


# ---- column kinds, labels and meanings ---------------------------------------------------------

_COMPARE_SUFFIX = re.compile(r"^(?P<base>[a-z0-9_]+)(?: change)? \[.*\]$", re.DOTALL)


def _base_name(column: Any) -> str:
    name = str(column)
    m = _COMPARE_SUFFIX.match(name)
    return m.group("base") if m else name


def column_kind(column: Any, series: pd.Series | None = None) -> str:
    """How a column is shown: the register's kind (model.columns), or bool/text/number from its values.

    Every ``les_…`` column is money here, per-patient LES figures included (they print to the penny).
    """
    base = _base_name(column)
    if series is not None and pd.api.types.is_bool_dtype(series.dtype):
        return "bool"
    if series is not None and not pd.api.types.is_numeric_dtype(series.dtype):
        return "text"
    if base.startswith("les_"):
        return "money"
    if base in COLUMNS:
        return COLUMNS[base].kind
    if base.endswith("_pct"):
        return "pct"
    return "number" if series is None or pd.api.types.is_numeric_dtype(series.dtype) else "text"


def column_label(column: Any) -> str:
    """Heading shown in the workbook for a column (CSV files keep the column names themselves)."""
    name = str(column)
    m = _COMPARE_SUFFIX.match(name)
    if m and name not in COLUMNS:
        return heading(m.group("base")) + name[len(m.group("base")):]
    return heading(name)


# ---- CSV ---------------------------------------------------------------------------------------

def _format_numbers(values: np.ndarray, pattern: str) -> np.ndarray:
    v = values.astype(float) + 0.0          # + 0.0 turns -0.0 into 0.0
    finite = np.isfinite(v)
    out = np.full(v.shape, "", dtype=object)
    out[finite] = [pattern % x for x in v[finite].tolist()]
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """One table as CSV bytes: UTF-8 with BOM, neutralised, money to 2 decimals, LF line ends.

    Deterministic: the same frame gives byte-identical output. Whole-number columns (list sizes,
    counts) print without a decimal point; other numbers print in full (shortest exact form).
    """
    out = neutralise(df)
    for i, col in enumerate(df.columns):
        s = df.iloc[:, i]
        if pd.api.types.is_bool_dtype(s.dtype):
            out.isetitem(i, s.map({True: "true", False: "false"}).astype(object))
            continue
        if not pd.api.types.is_numeric_dtype(s.dtype):
            continue
        values = s.to_numpy(dtype=float, na_value=np.nan)
        if column_kind(col, s) == "money":
            out.isetitem(i, _format_numbers(values, "%.2f"))
        elif pd.api.types.is_float_dtype(s.dtype):
            finite = values[np.isfinite(values)]
            if finite.size and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 1e15):
                out.isetitem(i, _format_numbers(values, "%.0f"))
    text = out.to_csv(index=False, lineterminator="\n")
    return ("\ufeff" + text).encode("utf-8")


_ZIP_TIME = (2014, 4, 1, 0, 0, 0)   # fixed, so the zip is byte-identical across runs


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """Files (name -> bytes) in a zip, deflated, with a fixed timestamp: same files, same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def _slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    return s[:40] or "scenario"


def result_files(results: Results) -> dict[str, bytes]:
    """The CSV tables and the resolved scenario of one run, by file name."""
    return {
        "practices.csv": csv_bytes(results.practices),
        "localities.csv": csv_bytes(results.localities),
        "summary.csv": csv_bytes(results.summary),
        "checks.csv": csv_bytes(results.checks),
        "scenario.yaml": dump_scenario(results.scenario).encode("utf-8"),
    }


def csv_zip_bytes(results: Results | Sequence[Results]) -> bytes:
    """Every table as CSV in one zip (for the app's download button), with the scenario file.

    Several results: the comparison tables at the top level and each scenario's tables in a folder
    ``1_<name>/``, ``2_<name>/``, ...
    """
    runs = _as_list(results)
    if len(runs) == 1:
        return zip_bytes(result_files(runs[0]))
    files = {
        "differing_assumptions.csv": csv_bytes(differing_assumptions(runs)),
        "compare_summary.csv": csv_bytes(compare_summary(runs)),
        "compare_practices.csv": csv_bytes(compare_practices(runs)),
    }
    for i, (name, r) in enumerate(zip(scenario_names(runs), runs), start=1):
        for fname, data in result_files(r).items():
            files[f"{i}_{_slug(name)}/{fname}"] = data
    return zip_bytes(files)


def write_run(results: Results, out_dir: Path | str, practices_input: pd.DataFrame | None = None,
              data_sources_text: str | None = None) -> dict[str, Path]:
    """Write practices.csv, localities.csv, summary.csv, checks.csv, scenario.yaml and results.xlsx.

    `out_dir` is written into as given (made if missing); the caller handles atomicity. With
    `practices_input` (the practice list as loaded) the workbook also carries an "Input practices" sheet
    and the Data sheet records the list's size and fingerprint. Returns the paths written, by file name.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = result_files(results)
    files["results.xlsx"] = workbook_bytes(results, data_sources_text, practices_input=practices_input)
    written = {}
    for name, data in files.items():
        path = out / name
        path.write_bytes(data)
        written[name] = path
    return written


def write_compare(runs: Sequence[Results], out_dir: Path | str, practices_input: pd.DataFrame | None = None,
                  data_sources_text: str | None = None) -> dict[str, Path]:
    """Write a comparison: differing_assumptions.csv, compare_summary.csv, compare_practices.csv,
    scenario_1.yaml, scenario_2.yaml, ... and results.xlsx (with the Compare sheet)."""
    runs = list(runs)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "differing_assumptions.csv": csv_bytes(differing_assumptions(runs)),
        "compare_summary.csv": csv_bytes(compare_summary(runs)),
        "compare_practices.csv": csv_bytes(compare_practices(runs)),
    }
    for i, r in enumerate(runs, start=1):
        files[f"scenario_{i}.yaml"] = dump_scenario(r.scenario).encode("utf-8")
    files["results.xlsx"] = workbook_bytes(runs, data_sources_text, practices_input=practices_input)
    written = {}
    for name, data in files.items():
        path = out / name
        path.write_bytes(data)
        written[name] = path
    return written


# ---- the workbook ------------------------------------------------------------------------------

#: Default text for the Data sheet: the sources and licence of the default practice lists
#: (facts from data/README.md). Pass your own text to :func:`workbook_bytes` for an uploaded list.
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

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
INPUT_FILL = "#FFF2CC"        # yellow: inputs (the CCG template convention)
CALC_FILL = "#DCE6F1"         # blue-grey: calculated
DIFFERS_FILL = "#F8CBAD"      # orange: differs from the guidance default
GROUP_FILL = "#E7E6E6"

MONEY_FMT = "£#,##0.00;[Red]-£#,##0.00"
THOUSANDS_FMT = "£#,##0,;[Red]-£#,##0,"
NUM_FORMATS = {
    "money": MONEY_FMT,
    "rate": MONEY_FMT,
    "count": "#,##0",
    "decimal": "#,##0.0",
    "pct": '0.00"%"',
    "index": "0",
    "number": "#,##0.######",
}

_BULK_MIN_CELLS = 5_000   # tables at the foot of a sheet bigger than this are streamed as XML


def _as_list(results: Results | Sequence[Results]) -> list[Results]:
    if isinstance(results, Results):
        return [results]
    runs = list(results)
    if not runs:
        raise ValueError("no results to export")
    return runs


@dataclass
class _Column:
    """One column ready to write: values as Python objects and how to show them."""

    name: str
    label: str
    kind: str                 # money | rate | count | decimal | pct | index | number | bool | text |
    #                           thousands | formula | gap
    values: list[Any]         # float (nan = blank), bool, str (None = blank), or (formula, cached value)
    width: float
    shown_as: str = ""        # formula columns: the kind whose number format they use


def _columns(df: pd.DataFrame) -> list[_Column]:
    cols = []
    safe = neutralise(df)
    for i, name in enumerate(df.columns):
        s = df.iloc[:, i]
        kind = column_kind(name, s)
        label = neutralise_text(column_label(name))
        if kind == "bool":
            values = s.astype(object).where(s.notna(), None).tolist()
            width = 12.0
        elif kind == "text":
            t = safe.iloc[:, i]
            if isinstance(t.dtype, pd.CategoricalDtype):
                cats = np.asarray(t.cat.categories, dtype=object)
                codes = t.cat.codes.to_numpy()
                values = np.where(codes >= 0, cats[np.maximum(codes, 0)] if len(cats) else None,
                                  None).tolist()
                sample = [str(c) for c in cats[:5000]]
            else:
                values = [None if (v is None or (isinstance(v, float) and math.isnan(v))) else str(v)
                          for v in t.astype(object).tolist()]
                sample = [v for v in values[:5000] if v is not None]
            width = min(45.0, max([len(v) for v in sample] + [8]) + 2.0)
        else:
            values = s.to_numpy(dtype=float, na_value=np.nan).tolist()
            finite = [abs(v) for v in values if math.isfinite(v)]
            biggest = max(finite) if finite else 0.0
            digits = len(f"{biggest:,.0f}") + (3 if kind in ("money", "rate", "pct") else 2)
            width = float(min(22, max(9, digits + 3)))
        width = max(width, min(30.0, len(label) * 0.55 + 3.0))
        cols.append(_Column(str(name), label, kind, values, width))
    return cols


def _lines(text: str, width: float) -> int:
    """Lines a wrapped heading needs in a column `width` characters wide (bold: a little wider)."""
    per_line = max(1.0, width / 1.15)
    lines, used = 1, 0.0
    for word in text.split():
        if used and used + 1 + len(word) > per_line:
            lines, used = lines + 1, float(len(word))
        else:
            used += (1 if used else 0) + len(word)
    return lines


class _FastSheet(Worksheet):
    """A worksheet that streams one big table at its foot as ready-made XML rows.

    xlsxwriter writes each cell through several Python calls at close time (~7 µs a cell). A block
    registered with :meth:`bulk` is turned into XML with one f-string per cell instead, which is ~10×
    faster. A bulk block must be the last thing on its sheet (rows below it are refused).
    """

    def __init__(self) -> None:
        super().__init__()
        self._bulk_blocks: list[tuple[int, int, list[_Column], list[Any]]] = []
        self._widths: dict[int, float] = {}

    def want_width(self, col: int, width: float) -> None:
        """Ask for at least `width` for `col` (several tables on one sheet: the widest wins)."""
        self._widths[col] = max(width, self._widths.get(col, 0.0))

    def apply_widths(self) -> None:
        for col, width in self._widths.items():
            self.set_column(col, col, width)

    def bulk(self, first_row: int, first_col: int, columns: list[_Column], formats: list[Any]) -> int:
        """Register `columns` to be written from `first_row`; returns the last row written."""
        n = len(columns[0].values) if columns else 0
        if n == 0:
            return first_row - 1
        last_row = first_row + n - 1
        for fmt in formats:
            if fmt is not None:
                fmt._get_xf_index()
        self._check_dimensions(first_row, first_col)
        self._check_dimensions(last_row, first_col + len(columns) - 1)
        self._bulk_blocks.append((first_row, first_col, columns, formats))
        return last_row

    def _write_rows(self) -> None:
        super()._write_rows()
        for first_row, first_col, columns, formats in self._bulk_blocks:
            used = [r for r, cells in self.table.items() if cells and r >= first_row]
            if used:
                raise RuntimeError("a bulk block must be the last thing on its sheet")
            self.fh.write(self._bulk_xml(first_row, first_col, columns, formats))

    def _bulk_xml(self, first_row: int, first_col: int, columns: list[_Column], formats: list[Any]) -> str:
        n = len(columns[0].values)
        rows = [str(r) for r in range(first_row + 1, first_row + n + 1)]
        cell_lists = []
        for j, (col, fmt) in enumerate(zip(columns, formats)):
            letter = xl_col_to_name(first_col + j)
            s = f' s="{fmt._get_xf_index()}"' if fmt is not None else ""
            head = f'<c r="{letter}'
            blank = f'"{s}/>'
            if col.kind == "text":
                esc = {}
                cells = []
                for r, v in zip(rows, col.values):
                    if v is None:
                        cells.append(head + r + blank)
                        continue
                    x = esc.get(v)
                    if x is None:
                        x = esc[v] = self._escape_data(self._escape_control_characters(v))
                    cells.append(f'{head}{r}"{s} t="inlineStr"><is><t xml:space="preserve">{x}</t></is></c>')
            elif col.kind == "gap":
                cells = [""] * n
            elif col.kind == "formula":
                cells = []
                for r, (formula, cached) in zip(rows, col.values):
                    f = self._escape_data(formula)
                    if isinstance(cached, str):
                        cells.append(f'{head}{r}"{s} t="str"><f>{f}</f><v>{self._escape_data(cached)}</v></c>')
                    else:
                        cells.append(f'{head}{r}"{s}><f>{f}</f><v>{float(cached):.16G}</v></c>')
            elif col.kind == "bool":
                cells = [head + r + blank if v is None else f'{head}{r}"{s} t="b"><v>{1 if v else 0}</v></c>'
                         for r, v in zip(rows, col.values)]
            else:
                cells = [f'{head}{r}"{s}><v>{v:.16G}</v></c>' if math.isfinite(v) else head + r + blank
                         for r, v in zip(rows, col.values)]
            cell_lists.append(cells)
        return "".join(f'<row r="{r}">{"".join(cells)}</row>' for r, cells in zip(rows, zip(*cell_lists)))


class _Book:
    """The workbook under construction, with its formats."""

    def __init__(self, buf: io.BytesIO):
        self.wb = xlsxwriter.Workbook(buf, {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        })
        add = self.wb.add_format
        self.title = add({"bold": True, "font_size": 14, "font_color": NHS_DARK_BLUE})
        self.note = add({"italic": True, "font_color": "#425563"})
        self.section = add({"bold": True, "font_size": 12, "font_color": NHS_BLUE})
        self.header = add({"bold": True, "font_color": "#FFFFFF", "bg_color": NHS_BLUE, "text_wrap": True,
                           "valign": "top", "border": 1, "border_color": "#FFFFFF"})
        self.text = add({"valign": "top"})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.bold = add({"bold": True})
        self.group = add({"bold": True, "bg_color": GROUP_FILL})
        self.calc = {k: add({"num_format": f, "bg_color": CALC_FILL}) for k, f in NUM_FORMATS.items()}
        self.calc["bool"] = add({"bg_color": CALC_FILL, "align": "center"})
        self.calc["text"] = add({"bg_color": CALC_FILL})
        self.calc_k = add({"num_format": THOUSANDS_FMT, "bg_color": CALC_FILL})
        self.inp = {k: add({"num_format": f, "bg_color": INPUT_FILL, "border": 1, "border_color": "#BFBFBF",
                            "valign": "top"}) for k, f in NUM_FORMATS.items()}
        self.inp["bool"] = add({"bg_color": INPUT_FILL, "border": 1, "border_color": "#BFBFBF",
                                "align": "left", "valign": "top"})
        self.inp["text"] = add({"bg_color": INPUT_FILL, "border": 1, "border_color": "#BFBFBF",
                                "text_wrap": True, "valign": "top"})
        self.inp_general = add({"bg_color": INPUT_FILL, "border": 1, "border_color": "#BFBFBF",
                                "align": "left", "valign": "top"})
        self.inp_money = add({"num_format": MONEY_FMT, "bg_color": INPUT_FILL, "border": 1,
                              "border_color": "#BFBFBF", "align": "left", "valign": "top"})
        self.plain_left = add({"align": "left", "valign": "top"})
        self.plain_money = add({"num_format": MONEY_FMT, "align": "left", "valign": "top"})
        self.differs = add({"bold": True, "bg_color": DIFFERS_FILL, "valign": "top"})
        self.status = add({"bold": True, "align": "center", "bg_color": CALC_FILL})
        self.pass_ = add({"bg_color": "#C6EFCE", "font_color": "#006100"})
        self.fail = add({"bg_color": "#FFC7CE", "font_color": "#9C0006"})

    def sheet(self, name: str) -> _FastSheet:
        return self.wb.add_worksheet(name, worksheet_class=_FastSheet)

    def cell_format(self, kind: str, *, input_cell: bool = False) -> Any:
        if kind == "text":
            return self.inp["text"] if input_cell else None
        table = self.inp if input_cell else self.calc
        return table.get(kind, table["number"])

    def write_value(self, ws: Worksheet, row: int, col: int, kind: str, value: Any, fmt: Any) -> None:
        if kind == "gap":
            return
        if kind == "formula":
            formula, cached = value
            ws.write_formula(row, col, "=" + formula, fmt, cached)
            return
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            if fmt is not None:
                ws.write_blank(row, col, None, fmt)
        elif kind == "text":
            ws.write_string(row, col, str(value), fmt)
        elif kind == "bool":
            ws.write_boolean(row, col, bool(value), fmt)
        else:
            ws.write_number(row, col, float(value), fmt)

    def table(self, ws: _FastSheet, row: int, col: int, df: pd.DataFrame, *, input_cells: bool = False,
              bulk: bool = False, autofilter: bool = True, header_height: float = 20) -> tuple[int, int, dict]:
        """Write `df` with a header at `row`; returns (first data row, last data row, column positions)."""
        first, last = self.columns_table(ws, row, col, _columns(df), input_cells=input_cells, bulk=bulk,
                                         autofilter=autofilter, header_height=header_height)
        positions = {str(name): col + j for j, name in enumerate(df.columns)}
        return first, last, positions

    def format_for(self, c: _Column, input_cells: bool) -> Any:
        if c.kind == "gap":
            return None
        if c.kind == "thousands":
            return self.calc_k
        if c.kind == "formula":
            return self.calc_k if c.shown_as == "thousands" else self.cell_format(c.shown_as or "number")
        return self.cell_format(c.kind, input_cell=input_cells)

    def columns_table(self, ws: _FastSheet, row: int, col: int, cols: list[_Column], *,
                      input_cells: bool = False, bulk: bool = False, autofilter: bool = True,
                      header_height: float = 20) -> tuple[int, int]:
        """Write prepared columns with a header at `row`; returns (first data row, last data row)."""
        lines = 1
        for j, c in enumerate(cols):
            if c.kind != "gap":
                ws.write_string(row, col + j, c.label, self.header)
                lines = max(lines, _lines(c.label, c.width))
            ws.want_width(col + j, c.width)
        ws.set_row(row, max(header_height, min(90.0, 15.0 * lines + 3)))
        formats = [self.format_for(c, input_cells) for c in cols]
        first = row + 1
        n = len(cols[0].values) if cols else 0
        if bulk and n * len(cols) >= _BULK_MIN_CELLS:
            last = ws.bulk(first, col, cols, formats)
        else:
            for j, (c, fmt) in enumerate(zip(cols, formats)):
                for i, v in enumerate(c.values):
                    self.write_value(ws, first + i, col + j, c.kind, v, fmt)
            last = first + n - 1
        if autofilter and cols:
            ws.autofilter(row, col, max(last, row), col + len(cols) - 1)
        return first, last


def _title(book: _Book, ws: Worksheet, title: str, note: str) -> None:
    ws.write_string(0, 0, neutralise_text(title), book.title)
    ws.write_string(1, 0, neutralise_text(note), book.note)
    ws.set_row(0, 22)


def _stack(runs: list[Results], names: list[str], attr: str) -> pd.DataFrame:
    """One table of all runs, with a scenario column first when there are several."""
    if len(runs) == 1:
        return getattr(runs[0], attr)
    frames = []
    for name, r in zip(names, runs):
        f = getattr(r, attr).copy()
        for c in f.columns:
            if isinstance(f[c].dtype, pd.CategoricalDtype):
                f[c] = f[c].astype(str)
        f.insert(0, "scenario", name)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def _yaml_text(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip() \
        .removesuffix("...").strip()


def _assumption_rows(scenario) -> list[dict[str, Any]]:
    """field_docs rows in reading order, weights under distribution, one row per LES scheme."""
    docs = field_docs(scenario)
    weights = [d for d in docs if d["key"].startswith("distribution.weights.")]
    rows: list[dict[str, Any]] = []
    for d in docs:
        key = d["key"]
        if key.startswith("distribution.weights."):
            continue
        if key == "distribution.weights":
            rows.append({**d, "group": True, "value": None})
            rows.extend(weights)
        elif key == "les.schemes":
            schemes = d["value"] or {}
            note = "" if schemes else " (None named here: every LES scheme is kept.)"
            rows.append({**d, "group": True, "value": None, "description": d["description"] + note})
            for name, action in schemes.items():
                text = ", ".join(f"{k}: {_yaml_text(v)}" for k, v in action.items())
                rows.append({**d, "key": f"les.schemes.{name}", "value": text, "default": None,
                             "description": f"What happens to LES scheme {name}",
                             "differs_from_default": True, "group": False})
        else:
            rows.append(d)
    return rows


def _assumptions_sheet(book: _Book, runs: list[Results], names: list[str]) -> None:
    ws = book.sheet("Assumptions")
    several = len(runs) > 1
    _title(book, ws, "Assumptions: every input of the scenario, with its unit and source",
           "Scenario: " + "; ".join(names) + ". Defaults reproduce the 2014/15 planning guidance; "
           "values that differ from it are highlighted.")
    ws.write_string(2, 0, "Key:", book.bold)
    ws.write_string(2, 1, "input (yellow)", book.inp_general)
    ws.write_string(2, 2, "calculated (blue-grey)", book.calc["text"])
    ws.write_string(2, 3, "differs from the guidance default", book.differs)
    per_run = [_assumption_rows(r.scenario) for r in runs]
    header_row = 4
    value_cols = [f"Value [{n}]" for n in names] if several else ["Value"]
    headers = ["Key", *value_cols, "Unit", "Description", "Source", "Guidance default",
               "Differs from the default"]
    for j, h in enumerate(headers):
        ws.write_string(header_row, j, neutralise_text(h), book.header)
    ws.set_row(header_row, 32)
    nv = len(value_cols)
    ws.set_column(0, 0, 34)
    ws.set_column(1, nv, 22)
    ws.set_column(nv + 1, nv + 1, 22)
    ws.set_column(nv + 2, nv + 2, 60)
    ws.set_column(nv + 3, nv + 3, 34)
    ws.set_column(nv + 4, nv + 4, 16)
    ws.set_column(nv + 5, nv + 5, 14)
    row = header_row + 1
    # Align the runs' rows by key (LES schemes can differ between scenarios).
    keys: list[str] = []
    for rows in per_run:
        prev = None
        for d in rows:
            if d["key"] not in keys:   # a key only some runs have goes after its neighbour
                keys.insert(keys.index(prev) + 1 if prev is not None else len(keys), d["key"])
            prev = d["key"]
    by_key = [{d["key"]: d for d in rows} for rows in per_run]
    for key in keys:
        d0 = next(bk[key] for bk in by_key if key in bk)
        if d0["group"]:
            ws.write_string(row, 0, key, book.group)
            for j in range(1, len(headers)):
                ws.write_blank(row, j, None, book.group)
            ws.write_string(row, nv + 2, neutralise_text(d0["description"]), book.group)
            row += 1
            continue
        differs_any = False
        for j, bk in enumerate(by_key):
            d = bk.get(key)
            if d is None:
                ws.write_string(row, 1 + j, "—", book.inp_general)
                continue
            differs = bool(d.get("differs_from_default")) and key not in ("name", "description", "version")
            differs_any |= differs
            _write_assumption_value(book, ws, row, 1 + j, d, differs)
        ws.write_string(row, 0, key, book.differs if differs_any else book.text)
        ws.write_string(row, nv + 1, neutralise_text(str(d0["unit"] or "")), book.wrap)
        ws.write_string(row, nv + 2, neutralise_text(str(d0["description"] or "")), book.wrap)
        ws.write_string(row, nv + 3, neutralise_text(str(d0["source"] or "")), book.wrap)
        default = d0.get("default")
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            money = str(d0["unit"] or "").startswith("£")
            ws.write_number(row, nv + 4, float(default), book.plain_money if money else book.plain_left)
        elif key not in ("name", "description") and not key.startswith("les.schemes."):
            text = "none" if default is None else (", ".join(f"{x:g}" for x in default)
                                                   if isinstance(default, list) else _yaml_text(default))
            ws.write_string(row, nv + 4, neutralise_text(text), book.wrap)
        ws.write_string(row, nv + 5, "yes" if differs_any else "", book.differs if differs_any else book.text)
        row += 1
    ws.freeze_panes(header_row + 1, 1)
    ws.autofilter(header_row, 0, row - 1, len(headers) - 1)
    row += 1
    ws.write_string(row, 0, "Resolved scenario file (YAML)", book.section)
    row += 1
    for name, r in zip(names, runs):
        if several:
            ws.write_string(row, 0, neutralise_text(name), book.bold)
            row += 1
        for line in dump_scenario(r.scenario).splitlines():
            ws.write_string(row, 0, neutralise_text(line), book.text)
            row += 1
        row += 1
    ws.activate()


def _write_assumption_value(book: _Book, ws: Worksheet, row: int, col: int, d: dict, differs: bool) -> None:
    value = d["value"]
    unit = str(d.get("unit") or "")
    fmt_base = {"font_color": "#C00000", "bold": True} if differs else {}
    if isinstance(value, bool):
        fmt = book.wb.add_format({**fmt_base, "bg_color": INPUT_FILL, "border": 1, "border_color": "#BFBFBF",
                                  "align": "left", "valign": "top"}) if differs else book.inp_general
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        money = unit.startswith("£")
        if differs:
            fmt = book.wb.add_format({**fmt_base, "bg_color": INPUT_FILL, "border": 1, "border_color": "#BFBFBF",
                                      "align": "left", "valign": "top",
                                      **({"num_format": MONEY_FMT} if money else {})})
        else:
            fmt = book.inp_money if money else book.inp_general
        ws.write_number(row, col, float(value), fmt)
    else:
        if value is None:
            text = "none"
        elif isinstance(value, list):
            text = ", ".join(f"{x:g}" if isinstance(x, (int, float)) else str(x) for x in value)
        elif isinstance(value, dict):
            text = _yaml_text(value)
        else:
            text = str(value)
        fmt = book.wb.add_format({**fmt_base, "bg_color": INPUT_FILL, "border": 1, "border_color": "#BFBFBF",
                                  "text_wrap": True, "valign": "top"}) if differs else book.inp["text"]
        ws.write_string(row, col, neutralise_text(text), fmt)


def _practices_sheet(book: _Book, runs: list[Results], names: list[str]) -> tuple[str, int, int, dict]:
    ws = book.sheet("Practices")
    df = _stack(runs, names, "practices")
    _title(book, ws, "Practices: each practice's money, year by year",
           f"Scenario: {'; '.join(names)}. One row per practice and year; £ in pounds and pence. "
           "Blue-grey cells are calculated by the model.")
    first, last, pos = book.table(ws, 3, 0, df, bulk=True)
    ws.freeze_panes(4, 3 + (len(runs) > 1))
    return "Practices", first, last, pos


def _localities_sheet(book: _Book, runs: list[Results], names: list[str]) -> None:
    ws = book.sheet("Localities")
    df = _stack(runs, names, "localities")
    _title(book, ws, "Localities: practice figures added up by locality and year",
           f"Scenario: {'; '.join(names)}. Localities are as given in the practice list.")
    book.table(ws, 3, 0, df, bulk=True)
    ws.freeze_panes(4, 2 + (len(runs) > 1))


def _with_thousands(df: pd.DataFrame) -> list[_Column]:
    """The table's columns, a gap, then every money column again shown in £000 (£#,##0,)."""
    cols = _columns(df)
    money = [c for c in cols if c.kind == "money"]
    if not money:
        return cols
    out = cols + [_Column("", "", "gap", [None] * len(df), 2.0)]
    for c in money:
        out.append(_Column(c.name + "_000", c.label.replace("(£)", "(£000)"), "thousands", c.values,
                           max(12.0, min(22.0, c.width - 2))))
    return out


def _summary_sheet(book: _Book, runs: list[Results], names: list[str]) -> tuple[str, int, int, dict]:
    ws = book.sheet("Summary")
    several = len(runs) > 1
    df = _stack(runs, names, "summary")
    n_comm = max(r.summary["commissioner"].nunique() for r in runs)
    _title(book, ws, "Summary: commissioner totals by year, in £ and in £000",
           f"Scenario: {'; '.join(names)}. Left: £ in pounds and pence. Right: the same figures in £000.")
    row = 3
    if n_comm > 1:
        frames = []
        for name, r in zip(names, runs):
            y = r.by_year().drop(columns=["year_index"])
            y["year"] = y["year"].astype(str)
            if several:
                y.insert(0, "scenario", name)
            frames.append(y)
        totals = pd.concat(frames, ignore_index=True)
        ws.write_string(row, 0, "Totals by year, all commissioners" + (" (each scenario)" if several else ""),
                        book.section)
        _, t_last = book.columns_table(ws, row + 1, 0, _with_thousands(totals), autofilter=False)
        row = t_last + 2
        ws.write_string(row, 0, "By commissioner and year", book.section)
        row += 1
    header = row
    first, last = book.columns_table(ws, header, 0, _with_thousands(df), bulk=True)
    pos = {str(name): j for j, name in enumerate(df.columns)}
    ws.freeze_panes(header + 1 if header < 25 else 3, 2 + several)
    return "Summary", first, last, pos


def _criterion(text: str) -> str:
    """A SUMIFS criterion matching the cell as written (neutralised, like every text cell) exactly:
    "=" first (no operators), wildcards escaped."""
    escaped = neutralise_text(text).replace("~", "~~").replace("*", "~*").replace("?", "~?").replace('"', '""')
    return f'"={escaped}"'


def _checks_sheet(book: _Book, runs: list[Results], names: list[str], practices_ref: tuple,
                  summary_ref: tuple) -> None:
    ws = book.sheet("Checks")
    several = len(runs) > 1
    _title(book, ws, "Checks: do the figures reconcile?",
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
    model_checks = _stack(runs, names, "checks")
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
                   ) -> list[_Column]:
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
            cols.append(_Column(h, h, "text", values[j], 14.0 if j >= o else 24.0))
        elif j == o + 2:
            cols.append(_Column(h, h, "index", values[j], 8.0))
        else:
            shown = "count" if o + 6 <= j <= o + 8 else "money"
            cols.append(_Column(h, h, "formula", values[j], 16.0, shown_as=shown))
    assert all(len(c.values) == n for c in cols)
    return cols


def _excel_round(x: float, digits: int = 0) -> float:
    """Excel's ROUND: halves away from zero (Python's round() rounds halves to even)."""
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


def _compare_sheet(book: _Book, runs: list[Results], names: list[str]) -> None:
    ws = book.sheet("Compare")
    _title(book, ws, "Compare: scenarios side by side",
           f"Baseline: {names[0]}. Changes are each scenario minus the baseline; £ in pounds and pence.")
    row = 3
    diff = differing_assumptions(runs)
    ws.write_string(row, 0, "Assumptions that differ", book.section)
    row += 1
    if len(diff):
        diff = diff.copy()
        for c in names:
            diff[c] = diff[c].map(_maybe_number)
        first, last, _ = _mixed_table(book, ws, row, diff)
        row = last + 2
    else:
        ws.write_string(row, 0, "None: the scenarios differ only in name and description.", book.note)
        row += 2
    ws.write_string(row, 0, "Headline figures by year (all commissioners)", book.section)
    cs = compare_summary(runs)
    cs["year"] = cs["year"].astype(str)
    _, last, _ = book.table(ws, row + 1, 0, cs, autofilter=False)
    row = last + 2
    ws.write_string(row, 0, f"Each practice: figures under each scenario and the change from {names[0]}",
                    book.section)
    cp = compare_practices(runs)
    book.table(ws, row + 1, 0, cp, bulk=True)
    ws.freeze_panes(3, 0)


def _maybe_number(v: Any) -> Any:
    if isinstance(v, str) and v not in ("True", "False", "None"):
        try:
            x = float(v)
            return x if math.isfinite(x) else v
        except ValueError:
            return v
    return v


def _mixed_table(book: _Book, ws: Worksheet, row: int, df: pd.DataFrame) -> tuple[int, int, dict]:
    """A small table whose cells may be numbers or text (the differing assumptions)."""
    for j, c in enumerate(df.columns):
        ws.write_string(row, j, neutralise_text(column_label(c)), book.header)
        ws.want_width(j, 30 if j == 0 else 18)
    for i, values in enumerate(df.itertuples(index=False), start=row + 1):
        for j, v in enumerate(values):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                ws.write_number(i, j, float(v), book.calc["number"])
            else:
                ws.write_string(i, j, neutralise_text(str(v)), book.text if j < 2 else book.calc["text"])
    return row + 1, row + len(df), {}


def _input_sheet(book: _Book, practices_input: pd.DataFrame) -> None:
    ws = book.sheet("Input practices")
    _title(book, ws, "Input practices: the practice list the scenario was run on",
           f"{len(practices_input):,} practices, as loaded. Yellow cells are inputs.")
    book.table(ws, 3, 0, practices_input, input_cells=True, bulk=True)
    ws.freeze_panes(4, 2)


def _fingerprint(df: pd.DataFrame) -> str:
    return hashlib.sha256(csv_bytes(df.reset_index(drop=True))).hexdigest()


def _data_sheet(book: _Book, runs: list[Results], names: list[str], text: str,
                practices_input: pd.DataFrame | None) -> None:
    ws = book.sheet("Data")
    _title(book, ws, "Data: sources, licence and what each column means",
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


def workbook_bytes(results: Results | Sequence[Results], data_sources_text: str | None = None, *,
                   practices_input: pd.DataFrame | None = None) -> bytes:
    """The Excel workbook of one run, or of several runs compared (the first is the baseline).

    Sheets: Assumptions, Practices, Localities, Summary, Compare (several runs only), Checks, Data, and
    "Input practices" when `practices_input` is given. `data_sources_text` is the Data sheet's text
    (default :data:`DATA_SOURCES_TEXT`, the sources and Open Government Licence attribution of the
    default practice lists).
    """
    runs = _as_list(results)
    names = scenario_names(runs)
    buf = io.BytesIO()
    book = _Book(buf)
    book.wb.set_properties({
        "title": "Primary-care funding scenarios: " + "; ".join(names),
        "subject": "2014/15 £5 per head practice funding and LES decommissioning",
        "comments": "Made by the primary-care funding scenario modeller (pcfund).",
    })
    _assumptions_sheet(book, runs, names)
    practices_ref = _practices_sheet(book, runs, names)
    _localities_sheet(book, runs, names)
    summary_ref = _summary_sheet(book, runs, names)
    if len(runs) > 1:
        _compare_sheet(book, runs, names)
    _checks_sheet(book, runs, names, practices_ref, summary_ref)
    _data_sheet(book, runs, names, DATA_SOURCES_TEXT if data_sources_text is None else data_sources_text,
                practices_input)
    if practices_input is not None:
        _input_sheet(book, practices_input)
    for ws in book.wb.worksheets():
        ws.apply_widths()
    book.wb.close()
    return buf.getvalue()
