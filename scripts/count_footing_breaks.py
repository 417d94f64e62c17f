"""Count the places where figures shown in papers do not add up as displayed (footing breaks).

    .venv/bin/python scripts/count_footing_breaks.py [--data data/nene_2014_15.csv] [--scenario S.yaml ...]

For every shipped scenario (or those given) on the practice list, it reads what a reader sees:

* the workbook's £000 figures, as displayed: the Summary page (parts against totals, years against the
  all-years total) — or, in a workbook whose £000 figures are only a number format on £ values (before
  issue 14), each £000 cell rounded the way the format shows it, checked across each row;
* every practice's one-page summary: the year-by-year table parsed from the HTML (allocation = new money
  + LES money back; net change = allocation + protection − LES lost + LES gained; the all-years row = the
  sum of the years, every money column and admissions to break even).

It prints the count per scenario and in all, and each break with --list. It uses only the public API
(``workbook_bytes``, ``papers.onepager.pages``), so the same script measures an older checkout:
``PYTHONPATH=/path/to/old/tree python scripts/count_footing_breaks.py``.
"""

from __future__ import annotations

import argparse
import inspect
import io
import math
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _excel_round(x: float) -> float:
    return math.copysign(math.floor(abs(x) + 0.5), x) + 0.0


def _shown(cell) -> float | None:
    """A numeric cell's value as its number format displays it (a trailing comma divides by 1,000)."""
    v = cell.value
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return None
    fmt = (cell.number_format or "").split(";")[0]
    if re.search(r"0,(?![0#])", fmt):
        return _excel_round(v / 1000)
    return float(v)


# ---- the workbook ---------------------------------------------------------------------------------

SUMS_NEW = {  # the Summary page: total -> parts (LES savings and the admissions saving are shown negative)
    "Practice pot": ["of which new money", "of which LES savings recycled into the pot"],
    "Net cost to the CCG": ["Practice pot", "Protection paid by the CCG on top of the pot",
                            "LES savings: income practices lose", "LES gained by practices"],
    "Net cost after the admissions saving": ["Net cost to the CCG", "Emergency admissions saving"],
}
SUMS_OLD = [  # a long Summary table with £000 columns: (total, [(part, sign)])
    ("Practice pot (£000)", [("New money (£000)", 1), ("Recycled LES (£000)", 1)]),
    ("Practice pot (£000)", [("Allocation (£000)", 1), ("Top-slice for protection (£000)", 1),
                             ("Retained by the CCG (£000)", 1)]),
    ("Net cost to CCG (£000)", [("Practice pot (£000)", 1), ("Protection paid by the CCG (£000)", 1),
                                ("LES savings (£000)", -1), ("LES gained (£000)", 1)]),
    ("Net cost after admissions saving (£000)", [("Net cost to CCG (£000)", 1), ("Admissions saving (£000)", -1)]),
]


def workbook_breaks(data: bytes) -> list[str]:
    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Summary"]
    rows = list(ws.iter_rows())
    out = []
    header = next((r for r in rows if r[0].value == "£000"), None)
    if header is not None:   # the Summary page: labels down, years across, then "All years"
        cols = [c.column - 1 for c in header[1:] if c.value]
        table = {}
        for r in rows[header[0].row:]:
            label = str(r[0].value or "").strip()
            if not label:
                break
            table[label] = [_shown(r[c]) for c in cols]
        for total, parts in SUMS_NEW.items():
            if total not in table:
                continue
            for j, v in enumerate(table[total]):
                s = sum(table[p][j] for p in parts if p in table)
                if round(v - s, 6):
                    out.append(f"Summary: {total}, column {j + 1}: shown {v:,.0f}, parts add up to {s:,.0f}")
        for label, values in table.items():
            if any(v is None for v in values) or len(values) < 2:
                continue
            if round(values[-1] - sum(values[:-1]), 6):
                out.append(f"Summary: {label}: all years {values[-1]:,.0f}, years add up to {sum(values[:-1]):,.0f}")
        return out
    for i, r in enumerate(rows):   # an older long table: £000 columns by heading, checked along each row
        labels = [str(c.value) if c.value is not None else "" for c in r]
        if "Practice pot (£000)" in labels:
            pos = {h: k for k, h in enumerate(labels) if h}
            for r2 in rows[i + 1:]:
                if r2[0].value is None:
                    break
                for total, parts in SUMS_OLD:
                    if total not in pos or any(p not in pos for p, _ in parts):
                        continue
                    v = _shown(r2[pos[total]])
                    s = sum(sign * _shown(r2[pos[p]]) for p, sign in parts)
                    if v is not None and round(v - s, 6):
                        out.append(f"Summary row {r2[0].row}: {total} shown {v:,.0f}, parts add up to {s:,.0f}")
            break
    return out


# ---- one-pagers -----------------------------------------------------------------------------------

class _Table(HTMLParser):
    """The first table of a page: header cells and rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.header: list[str] = []
        self.rows: list[list[str]] = []
        self._in, self._cell, self._text, self._done = False, None, [], False

    def handle_starttag(self, tag, attrs):
        if self._done:
            return
        if tag == "table":
            self._in = True
        elif self._in and tag in ("th", "td"):
            self._cell, self._text = tag, []
        elif self._in and tag == "tr":
            self._row = []

    def handle_endtag(self, tag):
        if not self._in or self._done:
            return
        if tag in ("th", "td") and self._cell:
            text = "".join(self._text).strip()
            (self.header if self._cell == "th" else self._row).append(text)
            self._cell = None
        elif tag == "tr" and getattr(self, "_row", None):
            self.rows.append(self._row)
            self._row = []
        elif tag == "table":
            self._done = True

    def handle_data(self, data):
        if self._cell:
            self._text.append(data)


def _number(text: str) -> float | None:
    t = text.replace("−", "-").replace("£", "").replace(",", "").replace("+", "").strip()
    try:
        return float(t)
    except ValueError:
        return None


PAGE_SUMS = {"Allocation": [("of which new money", 1), ("of which LES money back", 1)],
             "Net change": [("Allocation", 1), ("Protection", 1), ("LES lost", 1), ("LES gained", 1)]}
NOT_SUMMED = ("Year", "Net change per patient")


def page_breaks(page: str) -> list[str]:
    t = _Table()
    t.feed(page)
    head = t.header
    out = []
    years = [r for r in t.rows if r and r[0] != "All years"]
    total = next((r for r in t.rows if r and r[0] == "All years"), None)
    for r in t.rows:
        vals = {h: _number(v) for h, v in zip(head, r)}
        for name, parts in PAGE_SUMS.items():
            if name in vals and vals[name] is not None:
                s = sum(sign * (vals.get(p) or 0.0) for p, sign in parts if p in vals)
                if round(vals[name] - s, 6):
                    out.append(f"{r[0]}: {name} shown {vals[name]:,.2f}, parts add up to {s:,.2f}")
    if total is not None:
        for j, h in enumerate(head):
            if h in NOT_SUMMED or j >= len(total):
                continue
            tv = _number(total[j])
            ys = [_number(r[j]) for r in years]
            if tv is None or any(v is None for v in ys):
                continue
            if round(tv - sum(ys), 6):
                out.append(f"All years: {h} shown {tv:,.2f}, the years add up to {sum(ys):,.2f}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "nene_2014_15.csv"))
    parser.add_argument("--scenario", action="append", help="scenario YAML (default: every shipped scenario)")
    parser.add_argument("--list", action="store_true", help="print every break")
    args = parser.parse_args(argv)
    from model.engine import prepare, run
    from model.practices import load_practices
    from model.scenario_files import load_scenario_file
    from papers import onepager
    from papers.workbook import workbook_bytes

    practices = load_practices(args.data).practices
    prepared = prepare(practices)
    scenarios = args.scenario or sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml"))
    fits = {"fits": 0} if "fits" in inspect.signature(onepager.pages).parameters else {}
    total_k = total_p = 0
    for path in scenarios:
        results = run(prepared, load_scenario_file(path))
        k = workbook_breaks(workbook_bytes(results))
        p = [f"{name}: {b}" for name, page in onepager.pages(results, **fits) for b in page_breaks(page)]
        total_k += len(k)
        total_p += len(p)
        print(f"{Path(path).stem:24} £000 (workbook Summary): {len(k):3}   one-pagers: {len(p):3}")
        if args.list:
            for b in k + p:
                print("   ", b)
    print(f"{'all scenarios':24} £000 (workbook Summary): {total_k:3}   one-pagers: {total_p:3}   "
          f"in all: {total_k + total_p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
