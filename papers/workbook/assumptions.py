"""The Assumptions sheet: every input of the scenario with its unit, description and source, values that
differ from the guidance default highlighted, then the resolved scenario file.

Units, descriptions and sources are the schema's, read through :func:`model.fields.field`; values and
defaults come from :func:`model.fields.field_docs`.
"""

from __future__ import annotations

from typing import Any

import yaml
from xlsxwriter.worksheet import Worksheet

from model.fields import field, field_docs, label
from model.formats import scheme_name, scheme_text, value_text
from model.results import Results
from model.scenario import Scenario
from model.scenario_files import dump_scenario
from papers.workbook.book import Book, write_title


def _yaml_text(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip() \
        .removesuffix("...").strip()


def _assumption_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """Rows in reading order, weights under distribution, one row per LES scheme: key, value, default,
    differs_from_default and group, with the schema's unit, description and source of the key.

    >>> scenario = Scenario().with_changes({"pot.rate_per_head": 6.0,
    ...                                     "les.schemes": {"les_total": {"action": "decommission", "fraction": 0.5}}})
    >>> [(r["key"], r["value"], r["default"]) for r in _assumption_rows(scenario)
    ...  if r["differs_from_default"] and not r["group"]]
    [('pot.rate_per_head', 6.0, 5.0), ('les.schemes.les_total', '50 % decommissioned from 2014/15', None)]
    """
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
            rows.append({**d, "group": True, "value": None, "note": note})
            for name, action in schemes.items():
                rows.append({**d, "key": f"les.schemes.{name}", "value": scheme_text(scenario, action), "default": None,
                             "differs_from_default": True, "group": False, "scheme": True})
        else:
            rows.append(d)
    for row in rows:
        scheme = row.pop("scheme", False)
        f = field("les.schemes" if scheme else row["key"])
        description = f"What happens to {_label_of(row['key'])} income" if scheme else f.description
        row.update(unit=f.unit, source=f.source, description=description + row.pop("note", ""))
    return rows


def _pct_unit(unit: str) -> bool:
    return unit.startswith("%")


def assumptions_sheet(book: Book, runs: list[Results], names: list[str]) -> None:
    """Every assumption by its label, with its value(s), unit, source and meaning; values that differ from
    the guidance default highlighted; the scripting key (as in the scenario file) in a narrow side column;
    then the resolved scenario file(s)."""
    ws = book.sheet("Assumptions")
    several = len(runs) > 1
    write_title(book, ws, "Assumptions: every input of the scenario, with its unit and source",
                "Scenario: " + "; ".join(names) + ". Defaults reproduce the 2014/15 planning guidance; "
                "values that differ from it are highlighted.")
    ws.write_string(2, 0, "Key:", book.bold)
    ws.write_string(2, 1, "input (yellow)", book.inp_general)
    ws.write_string(2, 2, "calculated (white)", book.text)
    ws.write_string(2, 3, "differs from the guidance default", book.differs)
    per_run = [_assumption_rows(r.scenario) for r in runs]
    header_row = 4
    value_cols = [f"Value: {n}" for n in names] if several else ["Value"]
    headers = ["Assumption", *value_cols, "Unit", "Source", "What it means", "Guidance default",
               "Differs from the default", "Scripting key"]
    for j, h in enumerate(headers):
        ws.write_string(header_row, j, h, book.header)
    ws.set_row(header_row, 32)
    ws.header_rows = (header_row, header_row)
    nv = len(value_cols)
    for col, width in [(0, 40), *((1 + j, 24) for j in range(nv)), (nv + 1, 20), (nv + 2, 26), (nv + 3, 52),
                       (nv + 4, 14), (nv + 5, 11), (nv + 6, 18)]:
        ws.want_width(col, width)
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
        name = _label_of(key)
        if d0["group"]:
            ws.write_string(row, 0, name, book.group)
            for j in range(1, len(headers)):
                ws.write_blank(row, j, None, book.group)
            ws.write_string(row, nv + 3, d0["description"], book.group)
            ws.write_string(row, nv + 6, key, book.group_small)
            row += 1
            continue
        differs_any = False
        for j, (bk, r) in enumerate(zip(by_key, runs)):
            d = bk.get(key)
            if d is None:
                ws.write_string(row, 1 + j, "—", book.inp_general)
                continue
            differs = bool(d.get("differs_from_default")) and key not in ("name", "description", "version")
            differs_any |= differs
            _write_value(book, ws, row, 1 + j, d, differs, r.scenario)
        indent = "      " if key.count(".") >= 2 or key.startswith(("pot.", "distribution.", "funding.", "growth.",
                                                                       "les.", "admissions.", "staffing.")) else ""
        ws.write_string(row, 0, indent + name, book.differs if differs_any else book.wrap)
        ws.write_string(row, nv + 1, d0["unit"], book.wrap)
        ws.write_string(row, nv + 2, d0["source"], book.wrap)
        ws.write_string(row, nv + 3, d0["description"], book.wrap)
        default = d0.get("default")
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            if d0["unit"].startswith("£"):
                ws.write_number(row, nv + 4, float(default), book.plain_money)
            elif _pct_unit(d0["unit"]):
                ws.write_number(row, nv + 4, float(default) / 100, book.plain_pct)
            elif d0["unit"].startswith("year index"):
                ws.write_string(row, nv + 4, value_text(Scenario(), key, int(default)), book.wrap)
            else:
                ws.write_number(row, nv + 4, float(default), book.plain_left)
        elif key not in ("name", "description") and not key.startswith("les.schemes."):
            ws.write_string(row, nv + 4, value_text(Scenario(), key, default) if default is not None else "none",
                            book.wrap)
        ws.write_string(row, nv + 5, "yes" if differs_any else "", book.differs if differs_any else book.text)
        ws.write_string(row, nv + 6, key, book.small)
        # Spreadsheets do not grow a row for wrapped text they did not lay out themselves: size it here.
        texts = [(name, 40), (d0["unit"], 20), (d0["source"], 26), (d0["description"], 52)]
        texts += [(str(bk[key]["value"]), 24) for bk in by_key if key in bk and isinstance(bk[key]["value"], str)]
        ws.set_row(row, 13 * max(_text_lines(t, w) for t, w in texts) + 3)
        row += 1
    ws.freeze_panes(header_row + 1, 1)
    ws.autofilter(header_row, 0, row - 1, len(headers) - 1)
    row += 1
    ws.write_string(row, 0, "The resolved scenario file (YAML): every key, as a script or the app reads it "
                            "(scenario.yaml beside this workbook has each key's unit and source as comments)",
                    book.section)
    row += 1
    for name, r in zip(names, runs):
        if several:
            ws.write_string(row, 0, name, book.bold)
            row += 1
        for line in _without_comments(dump_scenario(r.scenario)):
            ws.write_string(row, 0, line, book.mono)
            row += 1
        row += 1


def _text_lines(text: str, width: float) -> int:
    """Lines a wrapped cell of plain text needs in a column `width` characters wide."""
    per_line = max(1.0, width * 1.1)
    lines, used = 1, 0.0
    for word in str(text).split():
        if used and used + 1 + len(word) > per_line:
            lines, used = lines + 1, float(len(word))
        else:
            used += (1 if used else 0) + len(word)
    return lines


def _without_comments(text: str) -> list[str]:
    """The YAML's lines without its comments (short enough to print), blank lines dropped.

    >>> _without_comments("# Scenario\\nname: A  # text\\nnote: 'a # b'\\n")
    ['name: A', "note: 'a # b'"]
    """
    out = []
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        cut = line.find("  # ")
        quoted = cut > 0 and (line[:cut].count("'") % 2 or line[:cut].count('"') % 2)
        out.append(line[:cut].rstrip() if cut > 0 and not quoted else line)
    return out


def _label_of(key: str) -> str:
    """An assumption's label: the schema's, or the LES scheme's name in words."""
    if key.startswith("les.schemes.") and key.count(".") == 2:
        return scheme_name(key.split(".")[2])
    return label(key)


def _write_value(book: Book, ws: Worksheet, row: int, col: int, d: dict, differs: bool, scenario: Scenario) -> None:
    value, unit, key = d["value"], d["unit"], d["key"]
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not unit.startswith("year index") \
            and key not in ("start_year", "version"):
        if unit.startswith("£"):
            fmt = book.differing_input("money") if differs else book.inp_money
            ws.write_number(row, col, float(value), fmt)
        elif _pct_unit(unit):
            fmt = book.differing_input("pct") if differs else book.inp_pct
            ws.write_number(row, col, float(value) / 100, fmt)
        else:
            fmt = book.differing_input("general") if differs else book.inp_general
            ws.write_number(row, col, float(value), fmt)
        return
    if key.startswith("les.schemes.") and key.count(".") == 2:
        text = value
    elif key == "start_year":
        text = f"{value}/{(int(value) + 1) % 100:02d}"
    elif isinstance(value, str) and key in ("name", "description"):
        text = value
    else:
        text = value_text(scenario, key, value)
    ws.write_string(row, col, str(text), book.differing_input("text") if differs else book.inp["text"])
