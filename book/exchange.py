"""A book as a folder that can be emailed or kept under version control, and back.

The folder holds one YAML file per version, exactly as it was saved (``001-les-linked/v001.yaml``:
the scenario a finance lead can read, or load in the app), and ``manifest.json``: for every option
its name, and for every version its number, file, the file's sha256, the practice list it was computed
on, the headline figures when saved, author, time, note and its status history. The same book gives
the same bytes, so a version-control diff shows only what changed.

Reading a folder checks everything before anything is imported, and reports every problem at once:
a file named outside the folder, a missing or changed YAML file (a saved version cannot change), a
scenario that is not valid, a status that does not exist. :meth:`book.store.Book.import_options` then
adds it in one transaction.

>>> import tempfile, pathlib
>>> from book.records import PracticeListPrint
>>> from book.store import Book
>>> from model.scenario import Scenario
>>> from model.scenario_files import dump_scenario
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> fp = PracticeListPrint("a" * 64, "nene_2014_15.csv", 69, ("04G",))
>>> with Book(tmp / "a.sqlite3") as book:
...     v = book.save("Option 1", dump_scenario(Scenario()), "Guidance default", fp, {"pot": 3238385.0}, "Ann")
...     manifest = export_book(book, tmp / "out")
>>> sorted(p.name for p in (tmp / "out").iterdir())
['001-option-1', 'manifest.json']
>>> with Book(tmp / "b.sqlite3") as other:
...     other.import_options(read_export(tmp / "out")).text()
'1 new option, 1 new version (0 already in the book), 1 status change added.'
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from book.records import STATUSES, Option, PracticeListPrint, StatusChange, Version
from book.store import Book, BookError
from model.scenario import ScenarioError
from model.scenario_files import load_scenario

MANIFEST = "manifest.json"
FORMAT = "pcfund options book"
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 50 * 1024 * 1024
MAX_YAML_BYTES = 256 * 1024
MAX_PROBLEMS_SHOWN = 10


def _slug(name: str) -> str:
    """'LES linked (v2)!' -> 'les-linked-v2' (ASCII letters and digits only: safe in any file system)."""
    keep = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "-" for ch in name)
    return "-".join(filter(None, keep.split("-")))[:40] or "option"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def export_book(book: Book, folder: Path) -> dict[str, Any]:
    """Write every option and version of `book` into `folder` (created if missing; it should be empty).
    Returns the manifest."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    options = []
    for i, opt in enumerate(book.options(), start=1):
        sub = f"{i:03d}-{_slug(opt.name)}"
        (folder / sub).mkdir()
        versions = []
        for v in opt.versions:
            rel = f"{sub}/v{v.number:03d}.yaml"
            (folder / rel).write_bytes(v.scenario_yaml.encode("utf-8"))
            versions.append({
                "number": v.number, "file": rel, "scenario_sha256": _sha(v.scenario_yaml),
                "scenario_name": v.scenario_name, "author": v.author, "saved_at": v.saved_at, "note": v.note,
                "based_on": v.based_on_title, "practice_list": v.practice_list.to_dict(),
                "headlines": v.headlines,
                "history": [{"status": s.status, "by": s.by, "at": s.at, "note": s.note} for s in v.history],
            })
        options.append({"name": opt.name, "created_at": opt.created_at, "created_by": opt.created_by,
                        "versions": versions})
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "book_schema": book.schema_version(),
                "options": options}
    text = json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    (folder / MANIFEST).write_bytes(text.encode("utf-8"))
    return manifest


class _Problems:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.items: list[str] = []

    def add(self, text: str) -> None:
        self.items.append(text)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = self.items[:MAX_PROBLEMS_SHOWN]
        more = len(self.items) - len(shown)
        tail = f"; and {more} more problem{'s' if more > 1 else ''}" if more > 0 else ""
        raise BookError(f"{self.folder} cannot be imported (nothing was imported): " + "; ".join(shown) + tail + ".")


def _str(d: dict, key: str, where: str, problems: _Problems, required: bool = True) -> str:
    value = d.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        problems.add(f"{where}: '{key}' must be {'non-blank ' if required else ''}text")
        return ""
    return value


def read_export(folder: Path) -> list[Option]:
    """The options of an exported folder, every file checked; BookError listing every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BookError(f"{folder} is not a folder: give the folder `python -m model book export` wrote.")
    path = folder / MANIFEST
    if not path.is_file():
        raise BookError(f"{folder} has no {MANIFEST}: give the folder `python -m model book export` wrote.")
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise BookError(f"{path} is larger than {MAX_MANIFEST_BYTES // (1024 * 1024)} MB; it is not a manifest.")
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BookError(f"{path} is not UTF-8 text.") from None
    except json.JSONDecodeError as err:
        raise BookError(f"{path}, line {err.lineno}, column {err.colno}: not valid JSON ({err.msg}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BookError(f"{path} is not an options book manifest (its 'format' is not '{FORMAT}').")
    if not isinstance(data.get("format_version"), int) or data["format_version"] > FORMAT_VERSION:
        raise BookError(f"{path} was written by a newer version of the modeller (format version "
                        f"{data.get('format_version')!r}; this one reads {FORMAT_VERSION}).")
    raw_options = data.get("options")
    if not isinstance(raw_options, list):
        raise BookError(f"{path}: 'options' must be a list.")
    problems = _Problems(folder)
    root = folder.resolve()
    out: list[Option] = []
    names: set[str] = set()
    for i, raw in enumerate(raw_options, start=1):
        where = f"{MANIFEST}, option {i}"
        if not isinstance(raw, dict):
            problems.add(f"{where}: must be an object")
            continue
        name = _str(raw, "name", where, problems)
        where = f"{MANIFEST}, option '{name}'" if name else where
        if name and name.casefold() in names:
            problems.add(f"{where}: the name appears twice")
        names.add(name.casefold())
        created_at = _str(raw, "created_at", where, problems)
        created_by = _str(raw, "created_by", where, problems)
        raw_versions = raw.get("versions")
        if not isinstance(raw_versions, list) or not raw_versions:
            problems.add(f"{where}: 'versions' must be a list with at least one version")
            continue
        versions = []
        numbers: set[int] = set()
        for rv in raw_versions:
            v = _version(rv, name, where, root, numbers, problems)
            if v is not None:
                versions.append(v)
        out.append(Option(0, name, created_at, created_by, tuple(sorted(versions, key=lambda v: v.number))))
    problems.raise_if_any()
    return out


def _version(rv: Any, name: str, where: str, root: Path, numbers: set[int], problems: _Problems) -> Version | None:
    if not isinstance(rv, dict):
        problems.add(f"{where}: each version must be an object")
        return None
    number = rv.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        problems.add(f"{where}: a version 'number' must be a whole number from 1")
        return None
    if number in numbers:
        problems.add(f"{where}: version {number} appears twice")
    numbers.add(number)
    where = f"{where} v{number}"
    rel = _str(rv, "file", where, problems)
    yaml_text = ""
    if rel:
        target = (root / rel).resolve()
        if Path(rel).is_absolute() or not target.is_relative_to(root):
            problems.add(f"{where}: the file '{rel}' is outside the folder")
        elif not target.is_file():
            problems.add(f"{where}: the file '{rel}' is missing")
        elif target.stat().st_size > MAX_YAML_BYTES:
            problems.add(f"{where}: the file '{rel}' is larger than {MAX_YAML_BYTES // 1024} KiB")
        else:
            try:
                yaml_text = target.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                problems.add(f"{where}: the file '{rel}' is not UTF-8 text")
    if yaml_text:
        sha = rv.get("scenario_sha256")
        if sha is not None and sha != _sha(yaml_text):
            problems.add(f"{where}: '{rel}' was changed after it was exported (its sha256 differs from the "
                         f"manifest's); a saved version cannot change, so save the edited scenario as a new "
                         f"version instead")
        try:
            load_scenario(yaml_text, rel)
        except ScenarioError as err:
            problems.add(f"{where}: {err}")
    author = _str(rv, "author", where, problems)
    saved_at = _str(rv, "saved_at", where, problems)
    note = _str(rv, "note", where, problems, required=False)
    scenario_name = _str(rv, "scenario_name", where, problems, required=False)
    based_on = rv.get("based_on")
    if based_on is not None and not isinstance(based_on, str):
        problems.add(f"{where}: 'based_on' must be text such as 'Option 1 v2', or null")
        based_on = None
    try:
        fp = PracticeListPrint.from_dict(rv.get("practice_list") or {})
        if len(fp.sha256) != 64:
            raise ValueError
    except (KeyError, TypeError, ValueError):
        problems.add(f"{where}: 'practice_list' must give sha256 (64 characters), file, rows and commissioners")
        fp = PracticeListPrint("0" * 64, "", 0, ())
    heads = rv.get("headlines")
    if not isinstance(heads, dict) or not all(isinstance(x, (int, float)) and not isinstance(x, bool) or x is None
                                              for x in heads.values()):
        problems.add(f"{where}: 'headlines' must map names to numbers")
        heads = {}
    history = []
    raw_history = rv.get("history", [])
    if not isinstance(raw_history, list):
        problems.add(f"{where}: 'history' must be a list")
        raw_history = []
    for step in raw_history:
        if not isinstance(step, dict) or step.get("status") not in STATUSES:
            problems.add(f"{where}: each history step needs a status ({', '.join(STATUSES)})")
            continue
        history.append(StatusChange(step["status"], _str(step, "by", where, problems),
                                    _str(step, "at", where, problems), _str(step, "note", where, problems, False)))
    last = history[-1] if history else StatusChange("draft", author, saved_at, "")
    return Version(id=0, option=name, number=number, scenario_yaml=yaml_text, scenario_name=scenario_name,
                   practice_list=fp, headlines={str(k): (None if x is None else float(x)) for k, x in heads.items()},
                   author=author, saved_at=saved_at, note=note, based_on=None, based_on_title=based_on,
                   status=last.status, status_by=last.by, status_at=last.at, history=tuple(history))
