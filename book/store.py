"""The options book's storage: one SQLite file, behind the small :class:`Book` class.

Only this module speaks SQL. A team server could later keep the book in a server database by giving
another class the same methods (``options``, ``versions``, ``version``, ``find``, ``save``,
``set_status``, ``import_options``).

Why the standard library's ``sqlite3`` and not SQLAlchemy: four tables and a dozen statements need no
ORM, and a new dependency would be one more thing to pin and audit for no gain.

**Schema.** Versioned: :data:`MIGRATIONS` lists each step, applied in order in one transaction and
recorded in ``book_migrations`` (also ``PRAGMA user_version``). A book written by a newer modeller
(a higher version than this one knows) is refused rather than guessed at. Tables:

* ``options`` — a name (unique, case ignored), who created it and when;
* ``versions`` — every save: the scenario YAML, the practice list's fingerprint, the headline figures
  when saved (JSON), author, time, note and the version it was opened from;
* ``status_changes`` — every step draft → shortlisted → agreed, with who, when and a note.

**Nothing changes, nothing is lost.** Versions, options and status changes are only ever added:
triggers refuse UPDATE and DELETE on them, and refuse any status change after "agreed", so an agreed
version cannot change even through another program; the code says the same in words first. Every
write is one ``BEGIN IMMEDIATE`` transaction (the version number is taken inside it, so two sessions
saving at once get 1, 2, 3, …, never the same number twice); the file is in WAL mode with
``synchronous=FULL`` (readers never wait for a writer; a process killed mid-save leaves the last
committed state); a writer waits up to :data:`BUSY_TIMEOUT_S` for another before giving up with a
sentence that says so.

**Problems are sentences.** A missing, locked, read-only, damaged or foreign file raises
:class:`BookError` (or a subclass) with a message naming the file and what to do; a read-only file is
opened for reading (``book.read_only`` is True and saving says why it cannot).

>>> import tempfile, pathlib
>>> from book.records import PracticeListPrint
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> fp = PracticeListPrint("0" * 64, "nene_2014_15.csv", 69, ("04G",))
>>> with Book(folder / "book.sqlite3") as book:
...     v1 = book.save("LES linked", "version: 1\\n", "LES linked", fp, {"net_cost": 52315.0}, "Ann", "first go")
...     v2 = book.save("LES linked", "version: 1\\nhorizon_years: 3\\n", "LES linked", fp, {}, "Bob")
...     _ = book.set_status(v2.id, "shortlisted", "Bob", "governing body, 12 March")
...     [(v.title, v.status, v.author) for v in book.versions()]
[('LES linked v1', 'draft', 'Ann'), ('LES linked v2', 'shortlisted', 'Bob')]
>>> Book(folder / "book.sqlite3").schema_version()
1
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from book.records import (
    MAX_AUTHOR,
    MAX_NAME,
    MAX_NOTE,
    STATUSES,
    Option,
    PracticeListPrint,
    StatusChange,
    Version,
    when_text,
)

APPLICATION_ID = 0x50434642  # "PCFB": marks the file as an options book (PRAGMA application_id)
BUSY_TIMEOUT_S = 10.0
"""How long a save waits for another session's save to finish before giving up (seconds)."""

_SCHEMA_1 = """
CREATE TABLE options (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) BETWEEN 1 AND 120),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE TABLE versions (
    id                  INTEGER PRIMARY KEY,
    option_id           INTEGER NOT NULL REFERENCES options(id),
    number              INTEGER NOT NULL CHECK (number >= 1),
    scenario_yaml       TEXT NOT NULL,
    scenario_name       TEXT NOT NULL,
    list_sha256         TEXT NOT NULL CHECK (length(list_sha256) = 64),
    list_file           TEXT NOT NULL,
    list_rows           INTEGER NOT NULL CHECK (list_rows >= 0),
    list_commissioners  TEXT NOT NULL CHECK (json_valid(list_commissioners)),
    headlines           TEXT NOT NULL CHECK (json_valid(headlines)),
    author              TEXT NOT NULL CHECK (length(trim(author)) >= 1),
    saved_at            TEXT NOT NULL,
    note                TEXT NOT NULL DEFAULT '',
    based_on            INTEGER REFERENCES versions(id),
    UNIQUE (option_id, number)
);
CREATE TABLE status_changes (
    id          INTEGER PRIMARY KEY,
    version_id  INTEGER NOT NULL REFERENCES versions(id),
    status      TEXT NOT NULL CHECK (status IN ('draft', 'shortlisted', 'agreed')),
    changed_by  TEXT NOT NULL,
    changed_at  TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX status_changes_by_version ON status_changes (version_id, id);

CREATE TRIGGER options_never_change BEFORE UPDATE ON options
BEGIN SELECT RAISE(ABORT, 'an option cannot be changed'); END;
CREATE TRIGGER options_never_deleted BEFORE DELETE ON options
BEGIN SELECT RAISE(ABORT, 'an option cannot be deleted'); END;
CREATE TRIGGER versions_never_change BEFORE UPDATE ON versions
BEGIN SELECT RAISE(ABORT, 'a saved version cannot be changed: save a new version'); END;
CREATE TRIGGER versions_never_deleted BEFORE DELETE ON versions
BEGIN SELECT RAISE(ABORT, 'a saved version cannot be deleted'); END;
CREATE TRIGGER status_changes_never_change BEFORE UPDATE ON status_changes
BEGIN SELECT RAISE(ABORT, 'a status change cannot be changed'); END;
CREATE TRIGGER status_changes_never_deleted BEFORE DELETE ON status_changes
BEGIN SELECT RAISE(ABORT, 'a status change cannot be deleted'); END;
CREATE TRIGGER agreed_is_final BEFORE INSERT ON status_changes
WHEN (SELECT status FROM status_changes WHERE version_id = NEW.version_id ORDER BY id DESC LIMIT 1) = 'agreed'
BEGIN SELECT RAISE(ABORT, 'an agreed version cannot change'); END;
"""

#: (schema version, what it does, SQL). Append new steps; never edit one that has shipped.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "options, immutable versions and status changes", _SCHEMA_1),
]

_VERSION_SELECT = """
SELECT v.id, o.name, v.number, v.scenario_yaml, v.scenario_name, v.list_sha256, v.list_file, v.list_rows,
       v.list_commissioners, v.headlines, v.author, v.saved_at, v.note, v.based_on,
       bo.name, bv.number
FROM versions v
JOIN options o ON o.id = v.option_id
LEFT JOIN versions bv ON bv.id = v.based_on
LEFT JOIN options bo ON bo.id = bv.option_id
"""


class BookError(Exception):
    """A problem with the options book the user can understand and act on (the message says what)."""


class BookUnavailable(BookError):
    """The book cannot be used at all (locked, damaged, not a book, newer, cannot be created)."""


class BookMissing(BookError):
    """No book file yet (reading only): it is created by the first save."""


@dataclass(frozen=True)
class ImportSummary:
    """What :meth:`Book.import_options` added."""

    options_added: int
    versions_added: int
    versions_already_there: int
    status_changes_added: int

    def text(self) -> str:
        """One sentence, e.g. '2 new options, 5 new versions (1 already in the book), 3 status changes.'"""
        def s(n: int, word: str) -> str:
            return f"{n:,} {word}{'s' if n != 1 else ''}"

        return (f"{s(self.options_added, 'new option')}, {s(self.versions_added, 'new version')} "
                f"({self.versions_already_there:,} already in the book), "
                f"{s(self.status_changes_added, 'status change')} added.")


def now_utc() -> str:
    """The time now, UTC, as stored: '2026-03-12T10:15:42.123456Z'."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(value: str, what: str, limit: int, required: bool = True) -> str:
    if not isinstance(value, str):
        raise BookError(f"The {what} must be text.")
    value = value.strip()
    if required and not value:
        raise BookError(f"Give the {what}: it cannot be blank.")
    if len(value) > limit:
        raise BookError(f"The {what} is {len(value):,} characters long; at most {limit:,} are kept.")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise BookError(f"The {what} contains control characters; type it again without them.")
    return value


def _one_line(value: str, what: str, limit: int, required: bool = True) -> str:
    value = _text(value, what, limit, required)
    if "\n" in value or "\t" in value:
        raise BookError(f"The {what} must be on one line.")
    return value


class Book:
    """An options book in one SQLite file.

    ``Book(path)`` opens the file, creating it (and its folder) when ``create`` is true; with
    ``create=False`` a missing file raises :class:`BookMissing`. Use it as a context manager, or call
    :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True,
                 timeout: float | None = None) -> None:
        self.path = Path(path)
        self.read_only = False
        self.read_only_reason = ""
        self._timeout = BUSY_TIMEOUT_S if timeout is None else timeout
        self._db: sqlite3.Connection | None = None
        self._open(create)

    # ---- opening -----------------------------------------------------------------------------------

    def _open(self, create: bool) -> None:
        p = self.path
        if p.is_dir():
            raise BookUnavailable(f"The options book {p} is a folder; give the path of a file (e.g. "
                                  f"{p / 'book.sqlite3'}).")
        if not p.exists():
            if not create:
                raise BookMissing(f"There is no options book at {p} yet: it is created when the first option "
                                  f"is saved.")
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise BookUnavailable(f"Cannot create the folder for the options book {p}: "
                                      f"{err.strerror or err}.") from None
        elif not self._writable():
            self.read_only = True
            self.read_only_reason = (f"The options book {p} is read-only (no permission to change the file or "
                                     f"its folder): options can be opened and compared but not saved or marked.")
        try:
            self._db = self._connect()
            self._set_up()
        except sqlite3.Error as err:
            self.close()
            raise self._explain(err, "open") from None
        except BookError:
            self.close()
            raise

    def _writable(self) -> bool:
        """Whether this process may change the file (and create its -wal and -shm files beside it).
        Opens it for writing rather than asking os.access, which says yes to root even for an immutable
        file."""
        try:
            fd = os.open(self.path, os.O_RDWR)
            os.close(fd)
        except OSError as err:
            if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                return False
            raise BookUnavailable(f"Cannot open the options book {self.path}: {err.strerror or err}.") from None
        folder = self.path.parent
        side = [Path(f"{self.path}-wal"), Path(f"{self.path}-shm")]
        return all(s.exists() for s in side) or os.access(folder, os.W_OK | os.X_OK)

    def _connect(self) -> sqlite3.Connection:
        quoted = urllib.parse.quote(str(self.path.absolute()))
        if not self.read_only:
            return self._connect_uri(f"file:{quoted}?mode=rwc")
        try:
            db = self._connect_uri(f"file:{quoted}?mode=ro")
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError as err:
            if "unable to open" not in str(err).lower():
                raise
        # A WAL file in a folder nobody may write to: SQLite cannot make the shared-memory file beside it,
        # so read it as an unchanging file (nobody can write it either).
        return self._connect_uri(f"file:{quoted}?mode=ro&immutable=1")

    def _connect_uri(self, uri: str) -> sqlite3.Connection:
        db = sqlite3.connect(uri, uri=True, timeout=self._timeout, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def _set_up(self) -> None:
        db = self._conn
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the header: a damaged file fails here
        version = self._current_version()
        if self.read_only:
            if version == 0:
                raise BookUnavailable(f"{self.path} is read-only and not an options book yet, so it cannot be "
                                      f"set up.")
            self._check_version(version)
            return
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        if version < MIGRATIONS[-1][0]:
            self._migrate()
        else:
            self._check_version(version)

    def _current_version(self) -> int:
        db = self._conn
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        if "book_migrations" not in tables:
            if tables or app_id not in (0, APPLICATION_ID):
                raise BookUnavailable(f"{self.path} is a database but not an options book (it has no record of "
                                      f"book migrations); choose another file for the book.")
            return 0
        if app_id != APPLICATION_ID:
            raise BookUnavailable(f"{self.path} is a database but not an options book; choose another file.")
        row = db.execute("SELECT max(version) FROM book_migrations").fetchone()
        return int(row[0] or 0)

    def _check_version(self, version: int) -> None:
        known = MIGRATIONS[-1][0]
        if version > known:
            raise BookUnavailable(f"The options book {self.path} was written by a newer version of the modeller "
                                  f"(book schema {version}; this version knows up to {known}). Update the "
                                  f"modeller to use it; the file is left as it is.")

    def _migrate(self) -> None:
        with self._transaction("set up"):
            db = self._conn
            version = self._current_version()  # again, inside the lock: another process may have done it
            self._check_version(version)
            db.execute("CREATE TABLE IF NOT EXISTS book_migrations (version INTEGER PRIMARY KEY, "
                       "name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for number, name, sql in MIGRATIONS:
                if number <= version:
                    continue
                for statement in _statements(sql):
                    db.execute(statement)
                db.execute("INSERT INTO book_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                           (number, name, now_utc()))
                db.execute(f"PRAGMA user_version = {int(number)}")

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise BookError(f"The options book {self.path} is closed.")
        return self._db

    def close(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            finally:
                self._db = None

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - a safety net; callers close
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass

    # ---- errors ------------------------------------------------------------------------------------

    def _explain(self, err: sqlite3.Error, doing: str) -> BookError:
        """An sqlite3 error as a sentence for the user."""
        text = str(err)
        low = text.lower()
        name = getattr(err, "sqlite_errorname", "") or ""
        p = self.path
        if "locked" in low or "busy" in low or name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            if doing == "open":
                return BookUnavailable(f"The options book {p} is locked by another program, so it cannot be read "
                                       f"now. Close the other program (or wait for it) and try again.")
            return BookError(f"The options book {p} is busy: another session has been writing to it for over "
                             f"{self._timeout:g} seconds. Nothing was {doing}; try again in a moment.")
        if "not a database" in low or "malformed" in low or name in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
            return BookUnavailable(f"The options book {p} is damaged or is not an options book ({text}). Move it "
                                   f"away (a new book is then started) or put back a copy.")
        if "readonly" in low or "read-only" in low or name.startswith("SQLITE_READONLY"):
            return BookError(f"The options book {p} is read-only (no permission to change it): nothing was "
                             f"{doing}.")
        if "disk" in low and ("full" in low or "i/o" in low) or name in ("SQLITE_FULL", "SQLITE_IOERR"):
            return BookError(f"The options book {p} could not be written ({text}): nothing was {doing}.")
        if "unable to open" in low or name.startswith("SQLITE_CANTOPEN"):
            return BookUnavailable(f"The options book {p} cannot be opened ({text}). Check the path and the "
                                   f"folder's permissions.")
        if isinstance(err, sqlite3.IntegrityError):
            return BookError(f"The options book refused the change: {text}.")
        return BookUnavailable(f"The options book {p} cannot be used ({text}).")

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self._conn
        except sqlite3.Error as err:
            raise self._explain(err, "read") from None

    @contextmanager
    def _transaction(self, doing: str = "saved") -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE (wait for other writers), COMMIT, or ROLLBACK on any error."""
        if self.read_only:
            raise BookError(self.read_only_reason.replace("options can be opened and compared but not saved "
                                                          "or marked", f"nothing was {doing}"))
        db = self._conn
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as err:
            raise self._explain(err, doing) from None
        try:
            yield db
            self._before_commit()
            db.execute("COMMIT")
        except BaseException as exc:
            if db.in_transaction:
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            if isinstance(exc, sqlite3.Error):
                raise self._explain(exc, doing) from None
            raise

    def _before_commit(self) -> None:
        """Called inside every write transaction just before COMMIT (the tests stop a process here)."""

    # ---- reading -----------------------------------------------------------------------------------

    def schema_version(self) -> int:
        with self._reading():
            return self._current_version()

    def migrations(self) -> list[tuple[int, str, str]]:
        """(version, what it did, when) for every migration applied to this file."""
        with self._reading() as db:
            return [tuple(r) for r in db.execute("SELECT version, name, applied_at FROM book_migrations "
                                                 "ORDER BY version")]

    def _history(self, ids: Sequence[int] | None = None) -> dict[int, list[StatusChange]]:
        db = self._conn
        sql = "SELECT version_id, status, changed_by, changed_at, note FROM status_changes"
        params: tuple[Any, ...] = ()
        if ids is not None:
            sql += f" WHERE version_id IN ({','.join('?' * len(ids))})"
            params = tuple(ids)
        out: dict[int, list[StatusChange]] = {}
        for vid, status, by, at, note in db.execute(sql + " ORDER BY id", params):
            out.setdefault(vid, []).append(StatusChange(status, by, at, note))
        return out

    def _versions(self, where: str = "", params: tuple[Any, ...] = ()) -> list[Version]:
        db = self._conn
        rows = db.execute(_VERSION_SELECT + where + " ORDER BY o.name COLLATE NOCASE, v.number", params).fetchall()
        history = self._history([r[0] for r in rows] if where else None)
        out = []
        for r in rows:
            steps = tuple(history.get(r[0], ()))
            last = steps[-1] if steps else StatusChange("draft", r[10], r[11], "")
            try:
                fp = PracticeListPrint(r[5], r[6], int(r[7]), tuple(str(c) for c in json.loads(r[8])))
                heads = {str(k): (None if x is None else float(x)) for k, x in json.loads(r[9]).items()}
            except (ValueError, TypeError, AttributeError):
                raise BookUnavailable(f"The options book {self.path} is damaged: version #{r[0]} cannot be read "
                                      f"(written by another program?). Put back a copy of the file.") from None
            out.append(Version(
                id=r[0], option=r[1], number=r[2], scenario_yaml=r[3], scenario_name=r[4], practice_list=fp,
                headlines=heads, author=r[10], saved_at=r[11], note=r[12], based_on=r[13],
                based_on_title=f"{r[14]} v{r[15]}" if r[14] is not None else None,
                status=last.status, status_by=last.by, status_at=last.at, history=steps))
        return out

    def versions(self, status: str | None = None) -> list[Version]:
        """Every version (by option name, then number), or only those whose status now is `status`."""
        with self._reading():
            found = self._versions()
        return [v for v in found if status is None or v.status == status]

    def shortlist(self) -> list[Version]:
        """The versions shortlisted or agreed now (agreed first), for comparing."""
        found = self.versions()
        return [v for v in found if v.status == "agreed"] + [v for v in found if v.status == "shortlisted"]

    def options(self) -> list[Option]:
        """Every option with its versions (oldest first)."""
        with self._reading() as db:
            rows = db.execute("SELECT id, name, created_at, created_by FROM options "
                              "ORDER BY name COLLATE NOCASE").fetchall()
            versions = self._versions()
        by_option: dict[str, list[Version]] = {}
        for v in versions:
            by_option.setdefault(v.option.casefold(), []).append(v)
        return [Option(i, n, at, by, tuple(by_option.get(n.casefold(), ()))) for i, n, at, by in rows]

    def version(self, version_id: int) -> Version:
        """One version by its number in the book (#12); BookError if there is none."""
        with self._reading():
            found = self._versions("WHERE v.id = ?", (int(version_id),))
        if not found:
            raise BookError(f"There is no version #{version_id} in the options book {self.path}.")
        return found[0]

    def find(self, ref: str) -> Version:
        """A version from what a person types: '#12' or '12' (its number in the book), 'Option name'
        (its newest version), 'Option name@2' or 'Option name v2'."""
        text = str(ref).strip()
        if not text:
            raise BookError("Name a version: '#12', 'Option name' (its newest version) or 'Option name@2'.")
        with self._reading():
            exact = self._versions("WHERE o.name = ? COLLATE NOCASE", (text,))
            if exact:
                return exact[-1]
            for sep in ("@", " v", " V"):
                name, _, num = text.rpartition(sep)
                if name and num.isdigit():
                    hit = self._versions("WHERE o.name = ? COLLATE NOCASE AND v.number = ?", (name.strip(),
                                                                                                int(num)))
                    if hit:
                        return hit[0]
                    if self._versions("WHERE o.name = ? COLLATE NOCASE", (name.strip(),)):
                        raise BookError(f"The option '{name.strip()}' has no version {int(num)} in the options "
                                        f"book {self.path}.")
        digits = text.removeprefix("#")
        if digits.isdigit():
            return self.version(int(digits))
        raise BookError(f"There is no option or version '{text}' in the options book {self.path} (give '#12', "
                        f"'Option name' or 'Option name@2'; `python -m model book list` lists them).")

    # ---- writing -----------------------------------------------------------------------------------

    def save(self, option: str, scenario_yaml: str, scenario_name: str, practice_list: PracticeListPrint,
             headlines: Mapping[str, float | None], author: str, note: str = "",
             based_on: int | None = None) -> Version:
        """Save a new version of `option` (created if new) as a draft, in one transaction; returns it."""
        option = _one_line(option, "option name", MAX_NAME)
        author = _one_line(author, "author's name", MAX_AUTHOR)
        note = _text(note or "", "note", MAX_NOTE, required=False)
        if not isinstance(scenario_yaml, str) or not scenario_yaml.strip():
            raise BookError("There is no scenario to save.")
        at = now_utc()
        with self._transaction("saved") as db:
            option_id = self._option_id(db, option, at, author)
            number = db.execute("SELECT coalesce(max(number), 0) + 1 FROM versions WHERE option_id = ?",
                                (option_id,)).fetchone()[0]
            if based_on is not None and db.execute("SELECT 1 FROM versions WHERE id = ?",
                                                   (based_on,)).fetchone() is None:
                based_on = None
            vid = self._insert_version(db, option_id, number, scenario_yaml, scenario_name, practice_list,
                                       headlines, author, at, note, based_on)
            db.execute("INSERT INTO status_changes (version_id, status, changed_by, changed_at, note) "
                       "VALUES (?, 'draft', ?, ?, '')", (vid, author, at))
        return self.version(vid)

    @staticmethod
    def _option_id(db: sqlite3.Connection, name: str, at: str, by: str) -> int:
        row = db.execute("SELECT id FROM options WHERE name = ? COLLATE NOCASE", (name,)).fetchone()
        if row:
            return int(row[0])
        return int(db.execute("INSERT INTO options (name, created_at, created_by) VALUES (?, ?, ?)",
                              (name, at, by)).lastrowid)

    @staticmethod
    def _insert_version(db: sqlite3.Connection, option_id: int, number: int, scenario_yaml: str,
                        scenario_name: str, fp: PracticeListPrint, headlines: Mapping[str, float | None],
                        author: str, at: str, note: str, based_on: int | None) -> int:
        return int(db.execute(
            "INSERT INTO versions (option_id, number, scenario_yaml, scenario_name, list_sha256, list_file, "
            "list_rows, list_commissioners, headlines, author, saved_at, note, based_on) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (option_id, number, scenario_yaml, str(scenario_name)[:MAX_NAME], fp.sha256, fp.file, fp.rows,
             json.dumps(list(fp.commissioners)), json.dumps(dict(headlines), allow_nan=False, sort_keys=True),
             author, at, note, based_on)).lastrowid)

    def set_status(self, version_id: int, status: str, by: str, note: str = "") -> Version:
        """Mark a version draft, shortlisted or agreed (who and when are recorded). An agreed version is
        final; agreeing needs the version shortlisted first."""
        if status not in STATUSES:
            raise BookError(f"A status is one of {', '.join(STATUSES)}, not '{status}'.")
        by = _one_line(by, "name of who marks it", MAX_AUTHOR)
        note = _text(note or "", "note", MAX_NOTE, required=False)
        with self._transaction("marked") as db:
            v = self._versions("WHERE v.id = ?", (int(version_id),))
            if not v:
                raise BookError(f"There is no version #{version_id} in the options book {self.path}.")
            cur = v[0]
            if cur.status == "agreed":
                raise BookError(f"{cur.title} was agreed by {cur.status_by} on {when_text(cur.status_at)} and "
                                f"cannot change. Open it and save it to start a new draft.")
            if cur.status == status:
                raise BookError(f"{cur.title} is already {status}.")
            if status == "agreed" and cur.status != "shortlisted":
                raise BookError(f"{cur.title} is a draft: shortlist it before marking it agreed.")
            db.execute("INSERT INTO status_changes (version_id, status, changed_by, changed_at, note) "
                       "VALUES (?, ?, ?, ?, ?)", (cur.id, status, by, now_utc(), note))
        return self.version(version_id)

    def import_options(self, options: Sequence[Option]) -> ImportSummary:
        """Add options read from an export (:mod:`book.exchange`), all or nothing, keeping their numbers,
        authors, times and histories. A version already in the book (same option, number, scenario,
        author and time) is not added twice; its newer status changes are. A version that differs from
        the book's one of the same number is refused, and nothing is imported."""
        added_options = added_versions = already = added_steps = 0
        with self._transaction("imported") as db:
            for opt in options:
                name = _one_line(opt.name, "option name", MAX_NAME)
                row = db.execute("SELECT id FROM options WHERE name = ? COLLATE NOCASE", (name,)).fetchone()
                if row is None:
                    option_id = int(db.execute("INSERT INTO options (name, created_at, created_by) VALUES (?, ?, ?)",
                                               (name, opt.created_at, opt.created_by)).lastrowid)
                    added_options += 1
                else:
                    option_id = int(row[0])
                for v in opt.versions:
                    there = self._versions("WHERE v.option_id = ? AND v.number = ?", (option_id, v.number))
                    if there:
                        old = there[0]
                        if (old.scenario_yaml, old.author, old.saved_at) != (v.scenario_yaml, v.author, v.saved_at):
                            raise BookError(f"{name} v{v.number} in the folder differs from {old.title} in the book "
                                            f"(saved by {old.author}, {when_text(old.saved_at)}); nothing was "
                                            f"imported. Import into another book, or rename the option in the "
                                            f"folder's manifest.")
                        already += 1
                        vid = old.id
                        have = list(old.history)
                    else:
                        based = None
                        if v.based_on_title:
                            based = self._based_on_id(db, v.based_on_title)
                        author = _one_line(v.author, "author's name", MAX_AUTHOR)
                        vid = self._insert_version(db, option_id, v.number, v.scenario_yaml, v.scenario_name,
                                                   v.practice_list, v.headlines, author, v.saved_at, v.note, based)
                        added_versions += 1
                        have = []
                    steps = list(v.history) or [StatusChange("draft", v.author, v.saved_at, "")]
                    if steps[:len(have)] != have:
                        if have[:len(steps)] == steps:
                            continue  # the book already has all of these and more
                        raise BookError(f"The status history of {name} v{v.number} in the folder differs from the "
                                        f"book's; nothing was imported.")
                    for step in steps[len(have):]:
                        if step.status not in STATUSES:
                            raise BookError(f"{name} v{v.number}: unknown status '{step.status}'; nothing was "
                                            f"imported.")
                        by = _one_line(step.by, f"name of who marked {name} v{v.number}", MAX_AUTHOR)
                        note = _text(step.note, f"note on {name} v{v.number}", MAX_NOTE, required=False)
                        try:
                            db.execute("INSERT INTO status_changes (version_id, status, changed_by, changed_at, "
                                       "note) VALUES (?, ?, ?, ?, ?)", (vid, step.status, by, step.at, note))
                        except sqlite3.IntegrityError:
                            raise BookError(f"{name} v{v.number} was agreed; the folder changes it afterwards, "
                                            f"which an agreed version cannot allow. Nothing was imported.") from None
                        added_steps += 1
        return ImportSummary(added_options, added_versions, already, added_steps)

    @staticmethod
    def _based_on_id(db: sqlite3.Connection, title: str) -> int | None:
        name, _, num = title.rpartition(" v")
        if not name or not num.isdigit():
            return None
        row = db.execute("SELECT v.id FROM versions v JOIN options o ON o.id = v.option_id "
                         "WHERE o.name = ? COLLATE NOCASE AND v.number = ?", (name, int(num))).fetchone()
        return int(row[0]) if row else None

    def check(self) -> str:
        """SQLite's own integrity check: 'ok' for a sound file."""
        with self._reading() as db:
            return "; ".join(r[0] for r in db.execute("PRAGMA integrity_check"))


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (a trigger's body keeps its inner semicolons)."""
    out: list[str] = []
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
