"""Which practice list a paper was made from: :class:`Source`.

Every paper says what was actually used — the file's name and SHA-256, its rows and commissioners, when
it was loaded and any edits made in the app — so a figure in a board paper can be traced to the file
behind it. The bundled lists' source and licence text (:data:`BUNDLED_TEXT`) is printed only when a
bundled list was used; an uploaded ledger is described as the user's own.

Times: papers carry the time the list was loaded and the run date. Set ``SOURCE_DATE_EPOCH`` (seconds
since 1970, the reproducible-builds convention) to fix both, so two runs give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from papers.tables import csv_bytes

DATA = Path(__file__).resolve().parents[1] / "data"
BUNDLED_FILES = {"nene_2014_15.csv": "NHS Nene CCG 2014/15", "england_2014_15.csv": "All England 2014/15"}

#: The sources and licence of the bundled practice lists (facts from data/README.md).
BUNDLED_TEXT = """\
Bundled practice lists: NHS Nene CCG (04G; 69 practices, 647,677 registered patients, 45,778 aged 75+, \
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

OWN_TEXT = """\
Your own practice list
The figures are the file's own, as loaded and checked by the modeller; it adds no outside data. Its \
sources and terms of use are those of whoever supplied the file."""


def now() -> dt.datetime:
    """The time papers are made: ``SOURCE_DATE_EPOCH`` when set (fixed output), else the clock (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def stamp(when: dt.datetime) -> str:
    """'23 Nov 2026 14:05 UTC'."""
    return when.astimezone(dt.UTC).strftime("%d %b %Y %H:%M UTC").lstrip("0")


def run_date() -> str:
    """'23 Nov 2026' (the date printed at the foot of every page)."""
    return now().strftime("%d %b %Y").lstrip("0")


@functools.lru_cache(maxsize=4)
def _bundled_hashes(mtimes: tuple) -> dict[str, str]:
    return {hashlib.sha256((DATA / name).read_bytes()).hexdigest(): name for name in BUNDLED_FILES
            if (DATA / name).exists()}


def bundled_name(sha256: str) -> str | None:
    """The bundled file with these bytes, if any ("nene_2014_15.csv"): a copy is still the bundled data."""
    mtimes = tuple((DATA / n).stat().st_mtime if (DATA / n).exists() else 0 for n in BUNDLED_FILES)
    return _bundled_hashes(mtimes).get(sha256)


@dataclass(frozen=True)
class Source:
    """The practice list a run used.

    `frame` is the list the scenario ran on (edits applied), with each practice's LES income by scheme:
    papers print it on their "Input practices" sheet. `edits` are the app's edits in words, one per
    cell changed. `selection` says which part of the file was used ("CCG 04G").

    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2"], "commissioner": ["99X", "99X"],
    ...                           "list_size": [1000, 2000], "over75": [80, 150]})
    >>> src = Source.from_bytes(b"made-up bytes", "ledger.csv", practices, loaded="1 Apr 2015 09:00 UTC")
    >>> src.rows, src.commissioners, src.bundled, src.data_set
    (2, ('99X',), None, 'ledger.csv')
    >>> [k for k, _ in src.facts()][:5]
    ['File', 'SHA-256 of the file', 'Practices (rows used)', 'Commissioners', 'Loaded']
    """

    file_name: str
    sha256: str
    rows: int
    commissioners: tuple[str, ...]
    loaded: str
    frame: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    edits: tuple[str, ...] = ()
    selection: str = ""
    bundled: str | None = None           # the bundled file these bytes are, if they are
    hashed: str = "file"                  # "file" (its bytes) or "table" (a list given in code: its CSV)

    @staticmethod
    def _commissioners(frame: pd.DataFrame | None) -> tuple[str, ...]:
        if frame is None or "commissioner" not in frame:
            return ("CCG",) if frame is not None else ()
        return tuple(sorted(frame["commissioner"].astype(str).unique()))

    @classmethod
    def from_bytes(cls, data: bytes, file_name: str, frame: pd.DataFrame | None, *, loaded: str | None = None,
                   selection: str = "", edits: Sequence[str] = ()) -> Source:
        """A list read from a file's bytes (the CLI's --practices, an upload, a bundled list)."""
        sha = hashlib.sha256(data).hexdigest()
        return cls(file_name=Path(file_name).name or "practice list", sha256=sha,
                   rows=0 if frame is None else len(frame), commissioners=cls._commissioners(frame),
                   loaded=loaded or stamp(now()), frame=frame, edits=tuple(edits), selection=selection,
                   bundled=bundled_name(sha))

    @classmethod
    def from_file(cls, path: str | Path, frame: pd.DataFrame | None, **kwargs) -> Source:
        return cls.from_bytes(Path(path).read_bytes(), Path(path).name, frame, **kwargs)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, name: str = "practice list given in Python") -> Source:
        """A list given as a table (no file): its fingerprint is the SHA-256 of its CSV."""
        return cls(file_name=name, sha256=hashlib.sha256(csv_bytes(frame.reset_index(drop=True))).hexdigest(),
                   rows=len(frame), commissioners=cls._commissioners(frame), loaded=stamp(now()), frame=frame,
                   hashed="table")

    def with_edits(self, frame: pd.DataFrame, edits: Sequence[str]) -> Source:
        """The same file with the app's edits laid over it: `frame` is the edited list."""
        return Source(self.file_name, self.sha256, len(frame), self._commissioners(frame), self.loaded, frame,
                      tuple(edits), self.selection, self.bundled, self.hashed)

    def anonymised(self, frame: pd.DataFrame, edits: Sequence[str]) -> Source:
        """Meeting mode: the list with practices as letters, and the edits described with the letters."""
        return Source(self.file_name, self.sha256, self.rows, self.commissioners, self.loaded, frame,
                      tuple(edits), self.selection, self.bundled, self.hashed)

    @property
    def data_set(self) -> str:
        """Short words for the footer: 'nene_2014_15.csv', 'england_2014_15.csv (CCG 04G)'."""
        return self.file_name + (f" ({self.selection})" if self.selection else "")

    def sources_text(self) -> str:
        """The Data sheet's sources and licence: the bundled text only when the bundled data was used."""
        return BUNDLED_TEXT if self.bundled else OWN_TEXT

    def facts(self) -> list[tuple[str, str]]:
        """(what, value) lines: the Data sheet's and the CSV zip's account of the list used."""
        comms = ", ".join(self.commissioners[:12]) + (f" and {len(self.commissioners) - 12:,} more"
                                                     if len(self.commissioners) > 12 else "")
        out = [
            ("File", self.file_name),
            ("SHA-256 of the file" if self.hashed == "file" else "SHA-256 of the table (as CSV)", self.sha256),
            ("Practices (rows used)", f"{self.rows:,}"),
            ("Commissioners", f"{len(self.commissioners):,}: {comms}" if self.commissioners else "none"),
            ("Loaded", self.loaded),
        ]
        if self.selection:
            out.append(("Part of the file used", self.selection))
        out.append(("Bundled data", f"yes: {BUNDLED_FILES[self.bundled]} ({self.bundled})" if self.bundled
                    else "no: a list supplied by the user"))
        out.append(("Edits made in the app", f"{len(self.edits):,}" if self.edits else "none"))
        out += [(f"Edit {i}", e) for i, e in enumerate(self.edits, start=1)]
        return out

    def csv(self) -> bytes:
        """The account as a two-column CSV (field, value) for the zip of tables."""
        return csv_bytes(pd.DataFrame(self.facts(), columns=["field", "value"]))
