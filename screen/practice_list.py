"""The practice list in use: choosing a CCG, editing cells, the checklist, and meeting-mode letters.

Pure (no Streamlit). Edits made in the page's editor are kept as {row position: {column: value}}
and laid over the list the model runs on; the file itself is never changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from model.anonymise import anonymise_frame, band_practices, practice_aliases
from model.columns import heading
from model.formats import scheme_name
from model.practices import les_columns

EDITABLE_FIXED = ("participating", "list_size", "over75")


def bytes_key(data: bytes) -> str:
    """A short fingerprint of a file's bytes (for caches and the uploaded list's id)."""
    return hashlib.sha256(data).hexdigest()[:16]


def ccg_options(practices: pd.DataFrame, names: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(commissioner code, 'CODE Name · 69 practices · 647,677 patients') per commissioner, by code.

    >>> ccg_options(pd.DataFrame({"commissioner": ["04G", "03V", "04G", "03V"],
    ...                           "practice_code": ["P1", "P2", "P3", "P4"], "list_size": [1000, 2000, 3000, 1500]}),
    ...             {"04G": "Nene"})
    [('03V', '03V · 2 practices · 3,500 patients'), ('04G', '04G Nene · 2 practices · 4,000 patients')]
    """
    names = names or {}
    g = practices.groupby("commissioner", observed=True, sort=True).agg(
        n=("practice_code", "size"), patients=("list_size", "sum"))
    return [(str(c), f"{c}{' ' + names[str(c)] if str(c) in names else ''} · {int(r.n):,} "
                     f"practice{'s' if int(r.n) != 1 else ''} · {int(r.patients):,} patients")
            for c, r in g.iterrows()]


def one_ccg(practices: pd.DataFrame, code: str) -> pd.DataFrame:
    return practices[practices["commissioner"].astype(str) == str(code)].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Meeting mode
# ---------------------------------------------------------------------------------------------


def aliases_for(frame: pd.DataFrame, seed: int | None = None) -> dict[str, str]:
    """Meeting-mode letters for a practice list, the same ones model.anonymise gives its results with the
    same `seed` (practices in commissioner, practice-code order, letters dealt by the seed)."""
    f = frame
    if "commissioner" in f:
        f = f.sort_values(["commissioner", "practice_code"], kind="stable")
    else:
        f = f.sort_values("practice_code", kind="stable")
    return practice_aliases(f["practice_code"].astype(str), seed)


def anonymise_list(frame: pd.DataFrame, seed: int | None = None, band: bool = False) -> pd.DataFrame:
    """A practice list with codes and names replaced by the meeting-mode letters; with a `seed` the rows are
    in letter order, and with `band` list sizes and LES are banded (:func:`model.anonymise.band_practices`).

    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2"], "practice_name": ["Abbey", "Brook"],
    ...                           "list_size": [1234, 5678], "over75": [80, 150], "les_total": [1200.0, 7600.0]})
    >>> anonymise_list(practices).values.tolist()
    [['Practice A', 'Practice A', 1234, 80, 1200.0], ['Practice B', 'Practice B', 5678, 150, 7600.0]]
    >>> anonymise_list(practices, seed=3, band=True).values.tolist()   # Brook is "Practice A" this meeting
    [['Practice A', 'Practice A', 5500.0, 200.0, 10000.0], ['Practice B', 'Practice B', 1000.0, 100.0, 0.0]]
    """
    out = anonymise_frame(frame, aliases_for(frame, seed), by_letter=seed is not None)
    return band_practices(out) if band else out


# ---------------------------------------------------------------------------------------------
# Edits
# ---------------------------------------------------------------------------------------------


def editable_columns(frame: pd.DataFrame) -> list[str]:
    """Columns a user may edit in the app: participation, list sizes and LES values."""
    cols = [c for c in EDITABLE_FIXED if c in frame.columns]
    if "weighted_list" in frame.columns:
        cols.append("weighted_list")
    return cols + les_columns(frame)


def merge_edits(stored: Mapping[int, Mapping[str, Any]] | None,
                new: Mapping[Any, Mapping[str, Any]] | None) -> dict[int, dict[str, Any]]:
    """Cell edits (row position -> {column: value}) of `new` laid over `stored` (absolute values)."""
    out: dict[int, dict[str, Any]] = {int(k): dict(v) for k, v in (stored or {}).items()}
    for k, v in (new or {}).items():
        out.setdefault(int(k), {}).update(v)
    return out


def apply_edits(frame: pd.DataFrame, edits: Mapping[int, Mapping[str, Any]] | None) -> pd.DataFrame:
    """The practice list with cell edits applied (only editable columns; unknown rows ignored)."""
    if not edits:
        return frame
    out = frame.copy()
    allowed = set(editable_columns(frame))
    for row, cells in edits.items():
        row = int(row)
        if not 0 <= row < len(out):
            continue
        for col, value in cells.items():
            if col not in allowed:
                continue
            if out[col].dtype.kind in "iu" and (value is None or (isinstance(value, float) and value != int(value))):
                out[col] = out[col].astype(float)  # let validation name the bad cell
            if out[col].dtype.kind == "b" and value is None:
                value = True
            out.iloc[row, out.columns.get_loc(col)] = value
    return out


def edits_key(edits: Mapping[int, Mapping[str, Any]] | None) -> str:
    """A short fingerprint of a set of edits (the edited list's id, for the caches)."""
    return hashlib.sha256(json.dumps(edits or {}, sort_keys=True, default=str).encode()).hexdigest()[:16]


def describe_edits(frame: pd.DataFrame, edits: Mapping[int, Mapping[str, Any]] | None,
                   aliases: Mapping[str, str] | None = None) -> list[str]:
    """One line per edited cell: 'K83003 taking part: True → False'; with `aliases` (meeting mode) the letter
    and the figure edited, without its values (they would say which practice it is).

    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "list_size": [1000, 2000, 3000],
    ...                           "over75": [80, 150, 300], "participating": True})
    >>> edits = merge_edits({1: {"list_size": 2100}}, {"1": {"participating": False}})
    >>> edits
    {1: {'list_size': 2100, 'participating': False}}
    >>> describe_edits(practices, edits)
    ['P2 patients: 2000 → 2100', 'P2 taking part: True → False']
    >>> apply_edits(practices, edits)[["practice_code", "list_size", "participating"]].values.tolist()
    [['P1', 1000, True], ['P2', 2100, False], ['P3', 3000, True]]
    >>> describe_edits(practices, edits, aliases_for(practices))[0]
    'Practice B patients: edited'
    """
    out = []
    for row, cells in sorted((edits or {}).items()):
        if not 0 <= int(row) < len(frame):
            continue
        code = str(frame.iloc[int(row)]["practice_code"])
        if aliases:
            code = aliases.get(code, code)
        for col, value in cells.items():
            if col in frame.columns:
                what = column_words(col).lower() if not col.startswith("les_") else column_words(col)
                if aliases:
                    out.append(f"{code} {what}: edited")
                else:
                    out.append(f"{code} {what}: {frame.iloc[int(row)][col]} → {value}")
    return out


def column_words(col: str) -> str:
    """A practice-list column in words: 'list_size' -> 'Patients', 'les_total' -> 'LES (all schemes) (£)'.

    >>> column_words("list_size"), column_words("les_minor_surgery"), column_words("participating")
    ('Patients', 'LES minor surgery (£)', 'Taking part')
    """
    if col.startswith("les_"):
        return f"{scheme_name(col)} (£)"
    try:
        return heading(col)
    except KeyError:
        return col.replace("_", " ").capitalize()


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------


_COLUMN = re.compile(r"column '([a-z][a-z0-9_]*)'")
_USED = re.compile(r"^(Columns used: )(.*)$")


def columns_in_words(text: str) -> str:
    """A check's sentence with the list's columns named in words, as the screen shows them.

    >>> columns_in_words("row 4, column 'practice_code': practice code K83004 appears more than once")
    'row 4, the Code column: practice code K83004 appears more than once'
    >>> columns_in_words("Columns used: practice_code, list_size, les_total")
    'Columns used: Code, Patients, LES (all schemes) (£)'
    """
    text = _COLUMN.sub(lambda m: f"the {column_words(m.group(1))} column", text)
    used = _USED.match(text)
    if used:
        text = used.group(1) + ", ".join(column_words(c.strip()) for c in used.group(2).split(","))
    return text


def checklist(report: Any) -> list[tuple[str, str]]:
    """The validation report as (kind, text) lines; kind is 'ok', 'error', 'warning' or 'info'."""
    out = []
    for line in report.to_text().splitlines():
        if line.startswith("✔"):
            out.append(("ok", line[1:].strip()))
        elif line.startswith("✖"):
            out.append(("error", line[1:].strip()))
        elif line.startswith("⚠"):
            out.append(("warning", line[1:].strip()))
        else:
            out.append(("info", line.strip()))
    return out
