"""The workbook writer every sheet uses: cell formats, number formats and a fast writer for big tables.

Colours come from :mod:`model.palette` (inputs yellow, calculations blue-grey, the CCG template
convention); number formats by column kind (:mod:`model.columns`) are :data:`NUM_FORMATS`. Numbers are
stored as the CSV files store them (:func:`papers.tables.clean_numbers`: pence, 4 places for ratios,
percentages as fractions shown with a % format), so a CSV and its sheet hold the same values.

Text is written as text, exactly as typed: a cell written with ``write_string`` is a string cell, which
Excel and LibreOffice show and never run, so "-Smith Surgery" and "=1+1 Locality" read as in the source
(CSV files, which have no cell types, are neutralised instead: :func:`papers.tables.neutralise`).

Every sheet prints: landscape A4, one page wide, its header rows repeated on each page, and a footer
with the scenario, the data set, the run date and "page x of y" (:meth:`Book.finish`).

Speed: the national list is ~40,000 practice-year rows. xlsxwriter spends ~7 µs per cell turning its
cell table into XML, which for ~900,000 cells is too slow for the command line's 8 s budget, so the big
tables at the foot of a sheet are streamed as ready-made XML rows by :class:`FastSheet` (a worksheet
subclass, xlsxwriter's documented ``worksheet_class`` hook) while everything else uses the normal API.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from model.palette import (
    CELL_BORDER,
    DIFFERS_FILL,
    DIFFERS_TEXT,
    FAIL_FILL,
    FAIL_TEXT,
    GROUP_FILL,
    INPUT_FILL,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_GREY,
    PASS_FILL,
    PASS_TEXT,
    WHITE,
)
from model.results import Results
from papers.tables import clean_numbers, column_label, number_kind

MONEY_FMT = "£#,##0.00;[Red]-£#,##0.00"
THOUSANDS_FMT = "£#,##0,;[Red]-£#,##0,"
PCT_INPUT_FMT = "0.0##%"
#: Excel number format of each column kind.
NUM_FORMATS = {
    "money": MONEY_FMT,
    "rate": MONEY_FMT,
    "count": "#,##0",
    "decimal": "#,##0.0",
    "pct": "0.00%",
    "index": "0",
    "number": "#,##0.######",
}

BULK_MIN_CELLS = 5_000   # tables at the foot of a sheet bigger than this are streamed as XML

#: An input cell: yellow, thin grey border (the CCG template convention).
_INPUT = {"bg_color": INPUT_FILL, "border": 1, "border_color": CELL_BORDER}


@dataclass
class SheetColumn:
    """One column ready to write: values as Python objects and how to show them."""

    name: str
    label: str
    kind: str                 # money | rate | count | decimal | pct | index | number | bool | text |
    #                           thousands | formula | gap
    values: list[Any]         # float (nan = blank), bool, str (None = blank), or (formula, cached value)
    width: float
    shown_as: str = ""        # formula columns: the kind whose number format they use


def sheet_columns(df: pd.DataFrame) -> list[SheetColumn]:
    """The table's columns ready to write: kinds and headings from the register, text as typed, numbers
    as the CSV files store them.

    >>> table = pd.DataFrame({"practice_name": ["=1+1", "-Smith Surgery"], "allocation": [5000.0, 10000.5],
    ...                       "participating": [True, False], "break_even_reduction_pct": [8.08, 0.0]})
    >>> [(c.label, c.kind, c.values) for c in sheet_columns(table)]
    [('Practice', 'text', ['=1+1', '-Smith Surgery']), ('Allocation (£)', 'money', [5000.0, 10000.5]),
     ('Taking part', 'bool', [True, False]), ('Break-even admissions cut (%)', 'pct', [0.0808, 0.0])]
    >>> NUM_FORMATS["money"], NUM_FORMATS["pct"]   # pounds and pence, negatives in red; fractions as %
    ('£#,##0.00;[Red]-£#,##0.00', '0.00%')
    """
    cols = []
    for i, name in enumerate(df.columns):
        s = df.iloc[:, i]
        kind = number_kind(name, s) if pd.api.types.is_numeric_dtype(s.dtype) and not \
            pd.api.types.is_bool_dtype(s.dtype) else ("bool" if pd.api.types.is_bool_dtype(s.dtype) else "text")
        label = column_label(name)
        if kind == "bool":
            values = s.astype(object).where(s.notna(), None).tolist()
            width = 12.0
        elif kind == "text":
            t = s
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
            values = clean_numbers(s.to_numpy(dtype=float, na_value=np.nan), kind).tolist()
            finite = [abs(v) for v in values if math.isfinite(v)]
            biggest = max(finite) if finite else 0.0
            digits = len(f"{biggest * (100 if kind == 'pct' else 1):,.0f}") + (3 if kind in ("money", "rate", "pct")
                                                                                   else 2)
            width = float(min(22, max(9, digits + 3)))
        width = max(width, min(30.0, len(label) * 0.55 + 3.0))
        cols.append(SheetColumn(str(name), label, kind, values, width))
    return cols


def _lines(text: str, width: float) -> int:
    """Lines a wrapped heading needs in a column `width` characters wide (bold: a little wider)."""
    per_line = max(1.0, width / 1.3)
    lines, used = 1, 0.0
    for word in text.split():
        if used and used + 1 + len(word) > per_line:
            lines, used = lines + 1, float(len(word))
        else:
            used += (1 if used else 0) + len(word)
    return lines


class FastSheet(Worksheet):
    """A worksheet that streams one big table at its foot as ready-made XML rows.

    xlsxwriter writes each cell through several Python calls at close time (~7 µs a cell). A block
    registered with :meth:`bulk` is turned into XML with one f-string per cell instead, which is ~10×
    faster. A sheet may hold several blocks, with normal rows between them (never inside one).
    """

    def __init__(self) -> None:
        super().__init__()
        self._bulk_blocks: list[tuple[int, int, list[SheetColumn], list[Any], list[int] | None, list[list[Any]]]] = []
        self._widths: dict[int, float] = {}
        self.header_rows: tuple[int, int] | None = None   # rows repeated at the top of every printed page

    def want_width(self, col: int, width: float) -> None:
        """Ask for at least `width` for `col` (several tables on one sheet: the widest wins)."""
        self._widths[col] = max(width, self._widths.get(col, 0.0))

    def apply_widths(self) -> None:
        for col, width in self._widths.items():
            self.set_column(col, col, width)

    def bulk(self, first_row: int, first_col: int, columns: list[SheetColumn], formats: list[Any],
             row_styles: list[int] | None = None, style_formats: list[list[Any]] | None = None) -> int:
        """Register `columns` to be written from `first_row`; returns the last row written. With
        `row_styles`, row i takes its formats from ``style_formats[row_styles[i] - 1]`` when the style
        is not 0 (subtotal rows, for example)."""
        n = len(columns[0].values) if columns else 0
        if n == 0:
            return first_row - 1
        last_row = first_row + n - 1
        style_formats = style_formats or []
        for fmt in [*formats, *(f for fs in style_formats for f in fs)]:
            if fmt is not None:
                fmt._get_xf_index()
        self._check_dimensions(first_row, first_col)
        self._check_dimensions(last_row, first_col + len(columns) - 1)
        self._bulk_blocks.append((first_row, first_col, columns, formats, row_styles, style_formats))
        return last_row

    def _write_rows(self) -> None:
        """The normal rows, with each bulk block streamed in its place (rows between blocks are written
        by xlsxwriter, segment by segment; no normal cell may sit inside a block)."""
        if not self._bulk_blocks:
            super()._write_rows()
            return
        low, high = self.dim_rowmin, self.dim_rowmax
        start = low
        try:
            for first_row, first_col, columns, formats, styles, style_formats in sorted(self._bulk_blocks,
                                                                                         key=lambda b: b[0]):
                last_row = first_row + len(columns[0].values) - 1
                if any(cells for r, cells in self.table.items() if first_row <= r <= last_row):
                    raise RuntimeError("a bulk block's rows must hold nothing else")
                if start <= first_row - 1:
                    self.dim_rowmin, self.dim_rowmax = start, first_row - 1
                    super()._write_rows()
                self.fh.write(self._bulk_xml(first_row, first_col, columns, formats, styles, style_formats))
                start = last_row + 1
            if start <= high:
                self.dim_rowmin, self.dim_rowmax = start, high
                super()._write_rows()
        finally:
            self.dim_rowmin, self.dim_rowmax = low, high

    def _bulk_xml(self, first_row: int, first_col: int, columns: list[SheetColumn], formats: list[Any],
                  styles: list[int] | None = None, style_formats: list[list[Any]] | None = None) -> str:
        n = len(columns[0].values)
        rows = [str(r) for r in range(first_row + 1, first_row + n + 1)]
        cell_lists = []
        for j, (col, fmt) in enumerate(zip(columns, formats)):
            letter = xl_col_to_name(first_col + j)
            s = f' s="{fmt._get_xf_index()}"' if fmt is not None else ""
            head = f'<c r="{letter}'
            blank = f'"{s}/>'
            if styles is not None:   # rows in other styles: the same cells, another format
                alts = [s] + [f' s="{fs[j]._get_xf_index()}"' if fs[j] is not None else "" for fs in style_formats]
                cell_lists.append(self._styled_cells(col, head, rows, alts, styles))
                continue
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

    def _styled_cells(self, col: SheetColumn, head: str, rows: list[str], alts: list[str], styles: list[int]
                      ) -> list[str]:
        """One column's cells, each row in its own style (plain text and numbers only)."""
        cells = []
        for r, v, st in zip(rows, col.values, styles):
            s = alts[st]
            if v is None or (isinstance(v, float) and not math.isfinite(v)) or col.kind == "gap":
                cells.append(f'{head}{r}"{s}/>' if s else "")
            elif col.kind == "text":
                x = self._escape_data(self._escape_control_characters(str(v)))
                cells.append(f'{head}{r}"{s} t="inlineStr"><is><t xml:space="preserve">{x}</t></is></c>')
            else:
                cells.append(f'{head}{r}"{s}><v>{float(v):.16G}</v></c>')
        return cells


@dataclass(frozen=True)
class Footer:
    """What every printed page says at its foot: the scenario(s), the data set and the run date."""

    scenario: str
    data_set: str
    run_date: str

    def text(self) -> str:
        """The page footer as Excel's header/footer codes: &L left, &C centre, &R right; "&&" is one "&".
        Excel allows 255 characters in all, so long names are cut.

        >>> Footer("LES separate & co", "nene_2014_15.csv", "23 Nov 2026").text()
        '&L&8Scenario: LES separate && co&C&8Data: nene_2014_15.csv · run 23 Nov 2026&R&8page &P of &N'
        """
        def cut(text: str, limit: int) -> str:
            text = " ".join(text.split())
            return (text if len(text) <= limit else text[:limit - 1] + "…").replace("&", "&&")

        return (f"&L&8Scenario: {cut(self.scenario, 80)}&C&8Data: {cut(self.data_set, 60)} · run "
                f"{cut(self.run_date, 20)}&R&8page &P of &N")


class Book:
    """The workbook under construction, with its formats."""

    def __init__(self, buf: io.BytesIO, footer: Footer | None = None):
        self.footer = footer
        self.wb = xlsxwriter.Workbook(buf, {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        })
        add = self.wb.add_format
        self.title = add({"bold": True, "font_size": 14, "font_color": NHS_DARK_BLUE})
        self.note = add({"italic": True, "font_color": NHS_GREY})
        self.note_wrap = add({"italic": True, "font_color": NHS_GREY, "text_wrap": True, "valign": "top"})
        self.section = add({"bold": True, "font_size": 12, "font_color": NHS_BLUE})
        self.header = add({"bold": True, "font_color": WHITE, "bg_color": NHS_BLUE, "text_wrap": True,
                           "valign": "top", "border": 1, "border_color": WHITE})
        self.text = add({"valign": "top"})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.bold = add({"bold": True})
        self.bold_wrap = add({"bold": True, "text_wrap": True, "valign": "top"})
        self.small = add({"font_size": 8, "font_color": NHS_GREY, "text_wrap": True, "valign": "top"})
        self.group = add({"bold": True, "bg_color": GROUP_FILL})
        # Calculated cells are white; inputs yellow; checks green or red.
        self.calc = {k: add({"num_format": f}) for k, f in NUM_FORMATS.items()}
        self.calc["bool"] = add({"align": "center"})
        self.calc["text"] = add({})
        self.calc_k = add({"num_format": THOUSANDS_FMT})
        self.header_right = add({"bold": True, "font_color": WHITE, "bg_color": NHS_BLUE, "text_wrap": True,
                                 "valign": "top", "align": "right", "border": 1, "border_color": WHITE})
        k = "#,##0;[Red]-#,##0"
        self.k_fmt = add({"num_format": k})
        self.k_total_col = add({"num_format": k, "bold": True, "left": 1, "left_color": CELL_BORDER})
        self.k_total = add({"num_format": k, "bold": True, "top": 1, "top_color": CELL_BORDER})
        self.count_fmt = add({"num_format": "#,##0"})
        self.pound_fmt = add({"num_format": "£#,##0;[Red]-£#,##0"})
        self.pct_fmt = add({"num_format": "0.00%"})
        self.centre_grey = add({"align": "right", "font_color": NHS_GREY})
        self.group_money = {k: add({"num_format": f, "bold": True, "bg_color": GROUP_FILL})
                            for k, f in NUM_FORMATS.items()}
        self.group_money["text"] = self.group
        self.total_fmt = {k: add({"num_format": f, "bold": True, "top": 2}) for k, f in NUM_FORMATS.items()}
        self.total_fmt["text"] = add({"bold": True, "top": 2})
        self.inp = {k: add({"num_format": f, **_INPUT, "valign": "top"}) for k, f in NUM_FORMATS.items()}
        self.inp["bool"] = add({**_INPUT, "align": "left", "valign": "top"})
        self.inp["text"] = add({**_INPUT, "text_wrap": True, "valign": "top"})
        self.inp_general = add({**_INPUT, "align": "left", "valign": "top"})
        self.inp_money = add({"num_format": MONEY_FMT, **_INPUT, "align": "left", "valign": "top"})
        self.plain_left = add({"align": "left", "valign": "top"})
        self.plain_money = add({"num_format": MONEY_FMT, "align": "left", "valign": "top"})
        self.plain_pct = add({"num_format": PCT_INPUT_FMT, "align": "left", "valign": "top"})
        self.inp_pct = add({"num_format": PCT_INPUT_FMT, **_INPUT, "align": "left", "valign": "top"})
        self.group_small = add({"bg_color": GROUP_FILL, "font_size": 8, "font_color": NHS_GREY})
        self.mono = add({"font_name": "Courier New", "font_size": 9})
        self.differs = add({"bold": True, "bg_color": DIFFERS_FILL, "valign": "top"})
        self.status = add({"bold": True, "align": "center"})
        self.pass_ = add({"bg_color": PASS_FILL, "font_color": PASS_TEXT})
        self.fail = add({"bg_color": FAIL_FILL, "font_color": FAIL_TEXT})

    def differing_input(self, shape: str) -> Any:
        """An input cell whose value differs from the guidance default (red bold): `shape` is
        "general" (left-aligned), "money" or "text" (wrapped)."""
        extra = {"general": {"align": "left"}, "money": {"align": "left", "num_format": MONEY_FMT},
                 "pct": {"align": "left", "num_format": PCT_INPUT_FMT}, "text": {"text_wrap": True}}[shape]
        return self.wb.add_format({"font_color": DIFFERS_TEXT, "bold": True, **_INPUT, "valign": "top", **extra})

    def sheet(self, name: str) -> FastSheet:
        return self.wb.add_worksheet(name, worksheet_class=FastSheet)

    def finish(self) -> None:
        """Column widths, and print setup on every sheet: landscape A4, one page wide (as many pages
        down as needed), header rows repeated, the footer, narrow margins."""
        for ws in self.wb.worksheets():
            if getattr(ws, "note_text", None):
                last = max([*ws._widths, 0])
                width = sum(ws._widths.get(c, 8.43) for c in range(last + 1))
                lines = max(1, math.ceil(len(ws.note_text) * 1.1 / max(width, 30)))
                if last > 0:
                    ws.merge_range(1, 0, 1, last, ws.note_text, self.note_wrap)
                else:
                    ws.write_string(1, 0, ws.note_text, self.note_wrap)
                ws.set_row(1, 15 * lines + 2)
            ws.apply_widths()
            ws.set_landscape()
            ws.set_paper(9)                      # A4
            ws.fit_to_pages(1, 0)
            ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
            ws.center_horizontally()
            if ws.header_rows is not None:
                ws.repeat_rows(*ws.header_rows)
            if self.footer is not None:
                ws.set_footer(self.footer.text())

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

    def table(self, ws: FastSheet, row: int, col: int, df: pd.DataFrame, *, input_cells: bool = False,
              bulk: bool = False, autofilter: bool = True, header_height: float = 20) -> tuple[int, int, dict]:
        """Write `df` with a header at `row`; returns (first data row, last data row, column positions)."""
        first, last = self.columns_table(ws, row, col, sheet_columns(df), input_cells=input_cells, bulk=bulk,
                                         autofilter=autofilter, header_height=header_height)
        positions = {str(name): col + j for j, name in enumerate(df.columns)}
        return first, last, positions

    def format_for(self, c: SheetColumn, input_cells: bool) -> Any:
        if c.kind == "gap":
            return None
        if c.kind == "thousands":
            return self.calc_k
        if c.kind == "formula":
            return self.calc_k if c.shown_as == "thousands" else self.cell_format(c.shown_as or "number")
        return self.cell_format(c.kind, input_cell=input_cells)

    def columns_table(self, ws: FastSheet, row: int, col: int, cols: list[SheetColumn], *,
                      input_cells: bool = False, bulk: bool = False, autofilter: bool = True,
                      header_height: float = 20) -> tuple[int, int]:
        """Write prepared columns with a header at `row`; returns (first data row, last data row)."""
        lines = 1
        for j, c in enumerate(cols):
            if c.kind != "gap":
                ws.write_string(row, col + j, c.label, self.header)
                lines = max(lines, _lines(c.label, c.width))
            ws.want_width(col + j, c.width)
        ws.set_row(row, max(header_height, min(90.0, 15.0 * lines + 5)))
        formats = [self.format_for(c, input_cells) for c in cols]
        first = row + 1
        n = len(cols[0].values) if cols else 0
        if bulk and n * len(cols) >= BULK_MIN_CELLS:
            last = ws.bulk(first, col, cols, formats)
        else:
            for j, (c, fmt) in enumerate(zip(cols, formats)):
                for i, v in enumerate(c.values):
                    self.write_value(ws, first + i, col + j, c.kind, v, fmt)
            last = first + n - 1
        if autofilter and cols:
            ws.autofilter(row, col, max(last, row), col + len(cols) - 1)
        if ws.header_rows is None:
            ws.header_rows = (row, row)
        return first, last


def write_title(book: Book, ws: Worksheet, title: str, note: str) -> None:
    """A sheet's title (row 1) and its note (row 2), as typed. The note is wrapped across the sheet's
    columns when the book is finished, so that it never widens the printed page."""
    ws.write_string(0, 0, title, book.title)
    ws.set_row(0, 22)
    ws.note_text = note


def stack(runs: list[Results], names: list[str], attr: str) -> pd.DataFrame:
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
