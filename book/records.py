"""What the options book keeps, as plain values: a practice list's fingerprint, the headline figures of
a run, an option, a saved version and a change of status.

Pure: no database, no Streamlit. :mod:`book.store` reads and writes these; the app, the command line
and :mod:`book.diff` show them.

A practice list is recognised by the sha256 of its canonical table (columns in name order, rows by
commissioner then practice code, numbers written exactly), so the same list read from CSV or from a
workbook, or in another row order, has the same fingerprint, and any edited cell changes it:

>>> import pandas as pd
>>> a = pd.DataFrame({"practice_code": ["K1", "K2"], "list_size": [1000, 2000], "over75": [80, 150],
...                   "commissioner": ["04G", "04G"]})
>>> fp = practice_list_print(a, "list.csv")
>>> fp.rows, fp.commissioners, len(fp.sha256)
(2, ('04G',), 64)
>>> practice_list_print(a.iloc[::-1], "again.csv").sha256 == fp.sha256
True
>>> practice_list_print(a.assign(list_size=[1000, 2001]), "list.csv").sha256 == fp.sha256
False
>>> fp.describe()
'list.csv (2 practices, CCG 04G)'
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from model.columns import heading, kind
from model.formats import count, money, pct

STATUSES = ("draft", "shortlisted", "agreed")
STATUS_WORDS = {"draft": "Draft", "shortlisted": "Shortlisted", "agreed": "Agreed"}

#: The headline figures shown beside a saved version (keys of ``Results.totals()``), in this order.
HEADLINE_KEYS = ("pot", "new_money", "protection", "net_cost", "net_cost_all_years", "winners", "losers")

MAX_NAME = 120
MAX_AUTHOR = 120
MAX_NOTE = 4000


@dataclass(frozen=True)
class PracticeListPrint:
    """Which practice list a version was computed on: sha256 of the canonical table, file name, rows,
    commissioners."""

    sha256: str
    file: str
    rows: int
    commissioners: tuple[str, ...]

    def describe(self) -> str:
        """'nene_2014_15.csv (69 practices, CCG 04G)'."""
        comms = self.commissioners
        if len(comms) == 1:
            where = f"CCG {comms[0]}"
        elif len(comms) <= 3:
            where = "CCGs " + ", ".join(comms)
        else:
            where = f"{len(comms):,} CCGs"
        return f"{self.file} ({self.rows:,} practice{'s' if self.rows != 1 else ''}, {where})"

    def to_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "file": self.file, "rows": self.rows, "commissioners": list(self.commissioners)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PracticeListPrint:
        return cls(str(d["sha256"]), str(d["file"]), int(d["rows"]), tuple(str(c) for c in d["commissioners"]))


def _canonical_cell(series: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series.map(lambda v: "true" if bool(v) else "false")
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float).map(lambda v: "" if math.isnan(v) else format(v, ".17g"))
    return series.map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))


def practice_list_print(frame: pd.DataFrame, file: str) -> PracticeListPrint:
    """The fingerprint of a loaded (canonical) practice list; `file` is the name the user knows it by."""
    cols = sorted(str(c) for c in frame.columns)
    table = frame[cols]
    order = [c for c in ("commissioner", "practice_code") if c in table.columns]
    if order:
        table = table.sort_values(order, kind="stable")
    text = pd.DataFrame({c: _canonical_cell(table[c]).to_numpy() for c in cols}).to_csv(index=False,
                                                                                       lineterminator="\n")
    comms = tuple(sorted({str(c) for c in frame["commissioner"]})) if "commissioner" in frame.columns else ()
    return PracticeListPrint(hashlib.sha256(text.encode("utf-8")).hexdigest(), file, int(len(frame)), comms)


def headlines(totals: Mapping[str, float]) -> dict[str, float | None]:
    """``Results.totals()`` made safe to store as JSON (not-a-number becomes None)."""
    out: dict[str, float | None] = {}
    for k, v in totals.items():
        f = float(v)
        out[str(k)] = None if math.isnan(f) or math.isinf(f) else f
    return out


def headline_label(key: str) -> str:
    """A headline figure's name in words: 'net_cost_all_years' -> 'Net cost to CCG, all years'.

    >>> headline_label("net_cost"), headline_label("protection_all_years")
    ('Net cost to CCG, first year', 'Protection, all years')
    >>> headline_label("winners")
    'Better off, first year'
    """
    base, when = (key[: -len("_all_years")], "all years") if key.endswith("_all_years") else (key, "first year")
    try:
        name = heading(base).removesuffix(" (£)").removesuffix(" (%)")
    except KeyError:
        name = base
    return f"{name}, {when}"


def headline_text(key: str, value: float | None) -> str:
    """A headline figure in words: money as '£3,238,385', counts as '12', percentages as '8.1 %'.

    >>> headline_text("net_cost", 52315.0), headline_text("winners", 3.0), headline_text("pot", None)
    ('£52,315', '3', '–')
    """
    base = key.removesuffix("_all_years")
    try:
        k = kind(base)
    except KeyError:
        k = "decimal"
    if value is None:
        return "–"
    if k in ("money", "rate"):
        return money(value, pence=None if k == "rate" else False)
    if k == "count":
        return count(value)
    if k == "pct":
        return pct(value, 2)
    return f"{value:,.4g}"


@dataclass(frozen=True)
class StatusChange:
    """One step of a version's history: it became `status`, by whom, when, and a note (e.g. the meeting)."""

    status: str
    by: str
    at: str
    note: str = ""


@dataclass(frozen=True)
class Version:
    """One saved, immutable version of an option, with its status now."""

    id: int
    option: str
    number: int
    scenario_yaml: str
    scenario_name: str
    practice_list: PracticeListPrint
    headlines: dict[str, float | None]
    author: str
    saved_at: str
    note: str
    based_on: int | None
    based_on_title: str | None
    status: str
    status_by: str
    status_at: str
    history: tuple[StatusChange, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        """'LES linked v2' (plain text: show it as text, never as markup)."""
        return f"{self.option} v{self.number}"

    @property
    def status_text(self) -> str:
        """'Agreed by J Smith, 2026-03-12 10:15 UTC' or 'Draft'."""
        words = STATUS_WORDS.get(self.status, self.status)
        if self.status == "draft":
            return words
        return f"{words} by {self.status_by}, {when_text(self.status_at)}"


@dataclass(frozen=True)
class Option:
    """An option: a name and its versions (newest last)."""

    id: int
    name: str
    created_at: str
    created_by: str
    versions: tuple[Version, ...]

    @property
    def status_text(self) -> str:
        """The furthest a version of it has gone: 'agreed (v2)', 'shortlisted (v1, v3)', 'draft'."""
        for status in ("agreed", "shortlisted"):
            nums = [f"v{v.number}" for v in self.versions if v.status == status]
            if nums:
                return f"{status} ({', '.join(nums)})"
        return "draft"


def when_text(iso: str) -> str:
    """A stored UTC time as people read it: '2026-03-12T10:15:42Z' -> '2026-03-12 10:15 UTC'.

    >>> when_text("2026-03-12T10:15:42.123456Z")
    '2026-03-12 10:15 UTC'
    """
    if len(iso) >= 16 and iso[10] == "T":
        return f"{iso[:10]} {iso[11:16]} UTC"
    return iso
