"""What every command shares: exit codes, :class:`UserError`, :func:`emit`, loading the inputs, and
writing the output atomically.

Exit codes (a contract scripts rely on):

* 0 - success (warnings allowed)
* 2 - bad input: the message is on stderr, one line per problem
* 3 - internal error: ``internal error: ...`` on stderr (full traceback only with ``--debug``)

Every command checks its arguments and inputs before it computes anything, in this order: the
arguments themselves, the ``--out`` target (:func:`check_out`: an existing one is refused at once
unless ``--force``), the scenario file(s) (:func:`load_scenario_arg`), then the practice list
(:func:`load_inputs`). Only then does it compute, and write with :func:`atomic_dir` (a folder) or
:func:`write_file_atomic` (one file): the output goes to a temporary name beside ``--out`` and is
renamed into place when complete, so ``--out`` is absent, the previous output (without ``--force``)
or the whole new output, never half written. Missing parent folders of ``--out`` are created then
(after the inputs were checked), and removed again if the writing fails.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from model.engine import EngineInputError, PracticeList, prepare, run
from model.practices import OVER75_SHARE_WARNING, ValidationReport, load_practices
from model.results import Results
from model.scenario import Scenario, ScenarioError
from model.scenario_files import load_scenario_file

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3

MAX_WARNINGS_SHOWN = 10
"""Practice-list warnings printed one by one by a command; the rest are counted (validate lists all)."""
FOLD_OVER = 3
"""More than this many warnings of one known kind are summarised in one line."""
_FOLDED = {"over75_share": f"have over {OVER75_SHARE_WARNING * 100:.0f} % of patients aged 75+ (check the figures)"}


class UserError(Exception):
    """A problem with the user's input or arguments: exit 2 with this message on stderr."""


def emit(stream: TextIO, text: str) -> None:
    """Write a line, replacing characters the console cannot show (e.g. ✔ on a cp1252 console)."""
    try:
        stream.write(text + "\n")
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, errors="replace").decode(encoding) + "\n")
    stream.flush()


def add_input_arguments(p: argparse.ArgumentParser, many: bool = False) -> None:
    """--practices, --scenario (repeatable when `many`), --out DIR and --force."""
    p.add_argument("--practices", required=True, metavar="FILE", help="practice list, CSV or Excel (.xlsx)")
    p.add_argument("--scenario", required=True, metavar="FILE", action="append" if many else "store",
                   help="scenario YAML" + (" (give two or more)" if many else ""))
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder (must not exist; missing parent folders are created)")
    p.add_argument("--force", action="store_true", help="replace DIR if it exists")


# ---- inputs -------------------------------------------------------------------------------------


def warning_lines(report: ValidationReport, practices_path: str) -> list[str]:
    """The practice-list warnings as a command prints them on stderr.

    More than :data:`FOLD_OVER` warnings of a known kind (e.g. practices with an implausible share of
    patients aged 75+, seven of them on the England list) become one line; the others are listed one
    by one, at most :data:`MAX_WARNINGS_SHOWN`, then counted. ``validate`` lists every one.

    >>> from model.validation import Problem
    >>> old = [Problem("warning", "list.csv", row, "Aged 75+", "over 40 % of patients aged 75+", "over75_share")
    ...        for row in (2, 3, 4, 5)]
    >>> other = Problem("warning", "list.csv", 7, "List Size", "the list size is 0")
    >>> report = ValidationReport("list.csv", [], [*old, other], n_rows=6, n_commissioners=1)
    >>> for line in warning_lines(report, "list.csv"):
    ...     print(line)
    warning: 4 practices in list.csv have over 40 % of patients aged 75+ (check the figures); `python -m model
    validate --practices list.csv` lists them
    warning: list.csv, row 7, column 'List Size': the list size is 0
    """
    validate = f"`python -m model validate --practices {shlex.quote(practices_path)}`"
    lines: list[str] = []
    folded: set[str] = set()
    for kind, text in _FOLDED.items():
        same = [w for w in report.warnings if w.kind == kind]
        rows = [w for w in same if w.row is not None]
        if len(rows) > FOLD_OVER:
            folded.add(kind)
            many = f"more than {len(rows):,}" if len(rows) < len(same) else f"{len(rows):,}"
            lines.append(f"warning: {many} practices in {same[0].file} {text}; {validate} lists them")
    rest = [w for w in report.warnings if w.kind not in folded]
    lines += [f"warning: {w}" for w in rest[:MAX_WARNINGS_SHOWN]]
    more = len(rest) - MAX_WARNINGS_SHOWN
    if more > 0:
        lines.append(f"warning: and {more:,} more warning{'s' if more > 1 else ''} (run {validate} to list them)")
    return lines


def load_inputs(practices_path: str) -> object:
    """Load and validate a practice list for a command, or raise UserError naming the problems.
    Its warnings are printed on stderr (see :func:`warning_lines`)."""
    loaded = load_practices(practices_path)
    if not loaded.report.ok:
        problems = "; ".join(str(p) for p in loaded.report.errors[:5])
        more = len(loaded.report.errors) - 5
        raise UserError(problems + (f"; and {more} more problems (run `python -m model validate`)"
                                    if more > 0 else ""))
    for line in warning_lines(loaded.report, practices_path):
        emit(sys.stderr, line)
    return loaded.practices


def load_prepared(practices_path: str) -> PracticeList:
    """:func:`load_inputs`, then sorted and indexed for repeated runs (``model.engine.prepare``)."""
    try:
        return prepare(load_inputs(practices_path))
    except EngineInputError as err:
        raise UserError(str(err)) from None


def load_scenario_arg(path: str) -> Scenario:
    try:
        return load_scenario_file(path)
    except ScenarioError as err:
        raise UserError(str(err)) from None


def run_checked(practices, scenario: Scenario) -> Results:
    try:
        return run(practices, scenario)
    except EngineInputError as err:
        raise UserError(f"{scenario.name}: {err}") from None


# ---- output -------------------------------------------------------------------------------------


def check_out(out: str, force: bool, folder: bool = True) -> Path:
    """Refuse an --out that cannot be written, before any work is done: an existing one without
    --force, one of the wrong type (a file where a folder goes, or the other way round), or one
    below a file or a folder the user may not write in. Missing parent folders are fine."""
    target = Path(out)
    if target.name in ("", ".", ".."):
        raise UserError(f"--out {out}: give the name of the {'folder' if folder else 'file'} to write")
    if target.exists():
        if not force:
            raise UserError(f"{target} already exists; choose another --out or add --force to replace it")
        if folder and not target.is_dir():
            raise UserError(f"{target} exists and is not a folder")
        if not folder and target.is_dir():
            raise UserError(f"{target} is a folder; give a file name for --out")
    parent = _parent(target)
    existing = next(p for p in (parent, *parent.parents) if p.exists())
    if not existing.is_dir():
        raise UserError(f"cannot write to {target}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"cannot write to {target}: no permission to write in {existing}")
    return target


def _parent(target: Path) -> Path:
    return target.parent.resolve()  # not target.resolve(): a symlink at --out is replaced, not followed


def _make_parents(parent: Path) -> list[Path]:
    """Create `parent` and any missing folders above it; returns those created, deepest first."""
    missing = []
    p = parent
    while not p.exists():
        missing.append(p)
        p = p.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        _remove_empty(missing)
        raise UserError(f"cannot create the folder {parent}: {err.strerror or err}") from None
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first; stop at one that is not empty (someone else wrote there)
        try:
            folder.rmdir()
        except OSError:
            return


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_dir(out: str, force: bool) -> Iterator[Path]:
    """Yield a fresh temporary folder beside `out`; on success it replaces `out` in one rename.
    Missing parent folders are created, and removed again if the body fails."""
    target = check_out(out, force)  # again: something may have appeared there while we computed
    parent = _parent(target)
    created = _make_parents(parent)
    done = False
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private (0700); the output is an ordinary folder
        try:
            yield tmp
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=parent))
                target.rename(old / "out")
                tmp.rename(target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                tmp.rename(target)
            done = True
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    finally:
        if not done:
            _remove_empty(created)


def write_file_atomic(out: str, data: bytes, force: bool) -> Path:
    """Write `data` to a temporary file beside `out` and rename it into place (creating missing
    parent folders, removed again on failure)."""
    target = check_out(out, force, folder=False)
    parent = _parent(target)
    created = _make_parents(parent)
    done = False
    tmp = None
    try:
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
            os.replace(tmp, target)
            done = True
        finally:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as err:
        raise UserError(f"cannot write {target}: {err.strerror or err}") from None
    finally:
        if not done:
            _remove_empty(created)
    return target
