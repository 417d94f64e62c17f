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
from model.results import Results
from model.scenario import Scenario
from model.scenario_files import dump_scenario
from papers.tables import neutralise_text
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
    [('pot.rate_per_head', 6.0, 5.0),
     ('les.schemes.les_total', 'action: decommission, fraction: 0.5, from_year: 0', None)]
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
                text = ", ".join(f"{k}: {_yaml_text(v)}" for k, v in action.items())
                rows.append({**d, "key": f"les.schemes.{name}", "value": text, "default": None,
                             "differs_from_default": True, "group": False, "scheme": True})
        else:
            rows.append(d)
    for row in rows:
        scheme = row.pop("scheme", False)
        f = field("les.schemes" if scheme else row["key"])
        description = f"What happens to {label(row['key'])}" if scheme else f.description
        row.update(unit=f.unit, source=f.source, description=description + row.pop("note", ""))
    return rows


def assumptions_sheet(book: Book, runs: list[Results], names: list[str]) -> None:
    ws = book.sheet("Assumptions")
    several = len(runs) > 1
    write_title(book, ws, "Assumptions: every input of the scenario, with its unit and source",
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
            _write_value(book, ws, row, 1 + j, d, differs)
        ws.write_string(row, 0, key, book.differs if differs_any else book.text)
        ws.write_string(row, nv + 1, neutralise_text(d0["unit"]), book.wrap)
        ws.write_string(row, nv + 2, neutralise_text(d0["description"]), book.wrap)
        ws.write_string(row, nv + 3, neutralise_text(d0["source"]), book.wrap)
        default = d0.get("default")
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            money = d0["unit"].startswith("£")
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


def _write_value(book: Book, ws: Worksheet, row: int, col: int, d: dict, differs: bool) -> None:
    value = d["value"]
    if isinstance(value, bool):
        ws.write_boolean(row, col, value, book.differing_input("general") if differs else book.inp_general)
    elif isinstance(value, (int, float)):
        money = d["unit"].startswith("£")
        if differs:
            fmt = book.differing_input("money" if money else "general")
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
        ws.write_string(row, col, neutralise_text(text), book.differing_input("text") if differs else book.inp["text"])
