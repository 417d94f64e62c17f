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
import contextlib
import ctypes
import errno
import functools
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
from model.limits import MAX_RESULT_ROWS
from model.practices import OVER75_SHARE_WARNING, ValidationReport, load_practices
from model.results import Results
from model.scenario import Scenario, ScenarioError
from model.scenario_files import read_scenario_file

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
    """A scenario file for a command; what was guessed reading it (a number written as text) is printed on
    stderr as a warning."""
    try:
        scenario, notes = read_scenario_file(path)
    except ScenarioError as err:
        raise UserError(str(err)) from None
    for note in notes:
        emit(sys.stderr, f"warning: {note}")
    return scenario


def check_rows(practices, scenarios: list[Scenario]) -> None:
    """Refuse a run whose output would have more practice-year rows than :data:`model.limits.MAX_RESULT_ROWS`
    (practices × years, summed over the scenarios) before it is run: writing them would take too long and
    too much memory, and a sheet of the workbook would pass Excel's row limit."""
    rows = len(practices) * sum(s.horizon_years for s in scenarios)
    if rows > MAX_RESULT_ROWS:
        years = " + ".join(str(s.horizon_years) for s in scenarios)
        raise UserError(f"this would write {rows:,} practice-year rows ({len(practices):,} practices × {years} "
                        f"years); the limit is {MAX_RESULT_ROWS:,}. Model fewer years, fewer scenarios at once, or "
                        "split the practice list by commissioner")


def run_checked(practices, scenario: Scenario, writes_rows: bool = True) -> Results:
    """model.engine.run for a command: the result-size limit first (when the command writes a row per practice
    and year), and a problem of the inputs as a UserError."""
    if writes_rows:
        check_rows(practices, [scenario])
    try:
        return run(practices, scenario)
    except EngineInputError as err:
        raise UserError(f"{scenario.name}: {err}") from None


# ---- output -------------------------------------------------------------------------------------


MARKER = ".pcfund-output"
"""The file in every folder this tool writes: `--force` replaces a folder only when it holds this file (or is
empty), so a mistyped --out never deletes someone's folder. While a run writes, the same file in its
temporary folder is locked, so a later run can tell a live run's temporary folder from a killed one's."""
MARKER_TEXT = ("This folder was written by the primary-care funding scenario modeller (python -m model).\n"
               "`--force` replaces a folder only when it holds this file.\n")
_TMP = ".pcfund-tmp-"   # .<name>.pcfund-tmp-XXXX: a run's output being written (or, after a swap, the old one)
_OLD = ".pcfund-old-"   # .<name>.pcfund-old-XXXX: the previous output moved aside (no atomic swap available)


def check_out(out: str, force: bool, folder: bool = True) -> Path:
    """Refuse an --out that cannot be written, before any work is done: an existing one without
    --force (or, with --force, a folder this tool did not write), one of the wrong type (a file where a
    folder goes, or the other way round), a symbolic link, the home folder or a folder holding the current
    one, or one below a file or a folder the user may not write in. Missing parent folders are fine.
    Leftovers of killed runs beside --out are cleaned up first (and a previous output a killed run had
    moved aside is put back)."""
    target = Path(out)
    if target.name in ("", ".", ".."):
        raise UserError(f"--out {out}: give the name of the {'folder' if folder else 'file'} to write")
    if target.is_symlink():
        raise UserError(f"--out {out} is a symbolic link: give the path of the {'folder' if folder else 'file'} "
                        "itself (a link is never replaced or followed)")
    _refuse_special(out, target)
    parent = _parent(target)
    if parent.is_dir():
        _tidy(parent, target.name)
    if target.exists():
        if not force:
            raise UserError(f"{target} already exists; choose another --out or add --force to replace it")
        if folder and not target.is_dir():
            raise UserError(f"{target} exists and is not a folder")
        if not folder and target.is_dir():
            raise UserError(f"{target} is a folder; give a file name for --out")
        if folder:
            _check_replaceable(out, target)
    existing = next(p for p in (parent, *parent.parents) if p.exists())
    if not existing.is_dir():
        raise UserError(f"--out {out}: cannot write there: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"--out {out}: cannot write there: no permission to write in {existing} (or it is "
                        "read-only)")
    return target


def _refuse_special(out: str, target: Path) -> None:
    """--out may never be the home folder, a folder holding it or the current folder, or under /proc."""
    try:
        where = _parent(target) / target.name
        home = Path.home().resolve()
        cwd = Path.cwd().resolve()
    except (OSError, RuntimeError):
        return
    what = ("your home folder" if where == home else "the current folder" if where == cwd else
            "a folder holding your home folder" if where in home.parents else
            "a folder holding the current folder" if where in cwd.parents else None)
    if what:
        raise UserError(f"--out {out} is {what}: it is never written or replaced; choose a new folder for the "
                        "output")
    if where.parts[:2] in (("/", "proc"), ("/", "sys"), ("/", "dev")):
        raise UserError(f"--out {out} is under /{where.parts[1]}, which holds no files; choose an ordinary folder")


def _check_replaceable(out: str, target: Path) -> None:
    """--force replaces only a folder this tool wrote (it holds MARKER) or an empty one."""
    try:
        if (target / MARKER).is_file() or not any(target.iterdir()):
            return
    except OSError as err:
        raise UserError(f"--out {out}: the folder cannot be read ({err.strerror or err})") from None
    raise UserError(f"--out {out}: this folder was not written by this tool (it holds no {MARKER} file), so "
                    "--force does not replace it; choose another --out, or empty or delete the folder yourself")


def _parent(target: Path) -> Path:
    return target.parent.resolve()  # not target.resolve(): a symlink at --out is refused, not followed


def _lock(path: Path, blocking: bool = True) -> int | None:
    """An open, locked descriptor of `path` (None when another process holds the lock, or when this
    system has no file locks)."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; leftovers are then never cleaned automatically
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _tidy(parent: Path, name: str) -> None:
    """Clean up after runs to `parent/name` that were killed: remove their temporary folders, and put back
    a previous output that one had moved aside (if --out is missing). A folder in use by a live run (its
    MARKER locked) is left alone; only folders holding MARKER are touched."""
    try:
        entries = sorted(parent.iterdir())
    except OSError:
        return
    target = parent / name
    for entry in entries:
        kind = _TMP if entry.name.startswith(f".{name}{_TMP}") else \
            _OLD if entry.name.startswith(f".{name}{_OLD}") else None
        if kind is None or entry.is_symlink() or not entry.is_dir():
            continue
        if not (entry / MARKER).is_file():
            with contextlib.suppress(OSError):  # killed before its marker was made: empty (rmdir removes nothing else)
                entry.rmdir()
            continue
        try:
            fd = _lock(entry / MARKER, blocking=False)
        except OSError:
            continue
        if fd is None:
            continue  # a live run holds it
        try:
            if kind == _OLD and not os.path.lexists(target):
                os.rename(entry, target)  # the killed run had moved the previous output aside: put it back
            else:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            pass
        finally:
            os.close(fd)


def _renameat2(src: Path, dst: Path, flags: int) -> bool:
    """Linux renameat2(2): True when done, False when this system or filesystem cannot (the caller then
    falls back); OSError (e.g. EEXIST) otherwise."""
    fn = _renameat2_fn()
    if fn is None:
        return False
    if fn(-100, os.fsencode(src), -100, os.fsencode(dst), flags) == 0:  # -100: AT_FDCWD
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(dst))


@functools.lru_cache(maxsize=1)
def _renameat2_fn():  # noqa: ANN202 - a ctypes function or None
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28+
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2


def _move_in(tmp: Path, target: Path) -> None:
    """Rename `tmp` to `target` only if nothing is at `target` (FileExistsError otherwise), atomically."""
    if _renameat2(tmp, target, _RENAME_NOREPLACE):
        return
    os.mkdir(target)  # fallback: claim the name (fails if anything is there), then replace our own empty folder
    try:
        os.rename(tmp, target)  # fails (ENOTEMPTY) if someone wrote into the claimed folder meanwhile
    except OSError:
        with contextlib.suppress(OSError):
            target.rmdir()
        raise


def _swap_in(tmp: Path, target: Path, parent: Path) -> None:
    """Replace the folder `target` by `tmp`. One atomic exchange where the system allows it (Linux
    renameat2 RENAME_EXCHANGE: --out is the old folder, then the new one, never missing); otherwise the
    old folder is moved aside (locked, so it is put back by the next run if this one is killed before
    the new one is in) and the new one renamed in. The old folder is deleted afterwards."""
    if _renameat2(tmp, target, _RENAME_EXCHANGE):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old output
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}{_OLD}", dir=parent))
    aside.rmdir()
    fd = _lock(target / MARKER) if (target / MARKER).is_file() else None
    try:
        os.rename(target, aside)
        try:
            os.rename(tmp, target)
        except OSError:
            os.rename(aside, target)  # put the old output back
            raise
    finally:
        if fd is not None:
            os.close(fd)
    shutil.rmtree(aside, ignore_errors=True)


def _make_parents(parent: Path, out: str = "") -> list[Path]:
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
        raise UserError(f"--out {out}: cannot create the folder {parent} ({err.strerror or err})") from None
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
    """Yield a fresh temporary folder beside `out`; when the body is done it becomes `out` in one step.

    The decision to replace is taken then, together with the move: without `force`, the folder goes in
    only if nothing is at `out` at that moment (a folder that appeared during the run is left as it is
    and the run ends with exit 2); with `force`, only a folder this tool wrote (or an empty one) is
    replaced, by one atomic exchange where the system allows it. Missing parent folders are created, and
    removed again if the body fails. Every problem with the folder is a UserError naming --out."""
    target = check_out(out, force)  # again: something may have appeared there while we computed
    parent = _parent(target)
    created = _make_parents(parent, out)
    target = parent / target.name
    done = False
    fd = None
    try:
        for attempt in range(3):
            try:
                tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}{_TMP}", dir=parent))
                tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private (0700); the output is an ordinary folder
                fd = _lock(tmp / MARKER)  # locked before it is written, held until the folder is in place: no
                if fd is None:            # other run takes this folder for a killed run's leftover
                    (tmp / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
                else:
                    os.write(fd, MARKER_TEXT.encode("utf-8"))
                break
            except FileNotFoundError:  # another run's clean-up took the folder while it was still empty: again
                if attempt == 2:
                    raise UserError(f"--out {out}: cannot make a temporary folder beside it") from None
            except OSError as err:
                raise UserError(f"--out {out}: cannot write there ({err.strerror or err})") from None
        try:
            yield tmp
            _place(out, tmp, target, parent, force)
            done = True
        finally:
            if fd is not None:
                os.close(fd)
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    finally:
        if not done:
            _remove_empty(created)


def _place(out: str, tmp: Path, target: Path, parent: Path, force: bool) -> None:
    """Move the finished folder to --out: the --force decision and the move together (see atomic_dir)."""
    appeared = (f"--out {out}: a folder or file appeared at this path while the run was computing; it is left "
                "as it is and nothing was written. Choose another --out")
    try:
        if os.path.lexists(target):
            if not force:
                raise UserError(appeared + ", or add --force to replace it")
            if target.is_symlink() or not target.is_dir():
                raise UserError(f"--out {out}: something that is not a folder appeared at this path while the run "
                                "was computing; it is left as it is and nothing was written")
            _check_replaceable(out, target)
            _swap_in(tmp, target, parent)
        else:
            try:
                _move_in(tmp, target)
            except FileExistsError:
                raise UserError(appeared + (", or add --force to replace it" if not force else "")) from None
            except OSError as err:
                if err.errno in (errno.EEXIST, errno.ENOTEMPTY):
                    raise UserError(appeared) from None
                raise
    except UserError:
        raise
    except OSError as err:
        raise UserError(f"--out {out}: the output could not be moved into place ({err.strerror or err}); "
                        "nothing was changed there") from None


def write_file_atomic(out: str, data: bytes, force: bool) -> Path:
    """Write `data` to a temporary file beside `out` and move it into place: without `force` only if
    nothing is at `out` at that moment (a hard link, which never replaces), with `force` by one atomic
    replace. Missing parent folders are created, and removed again on failure."""
    target = check_out(out, force, folder=False)
    parent = _parent(target)
    created = _make_parents(parent, out)
    target = parent / target.name
    done = False
    tmp = None
    fd = None
    try:
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}{_TMP}", dir=parent)
            with os.fdopen(fd, "wb") as fh:
                fd = None
                fh.write(data)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
            if force:
                if os.path.isdir(target) or os.path.islink(target):
                    raise UserError(f"--out {out}: a folder or link appeared at this path while the run was "
                                    "computing; it is left as it is")
                os.replace(tmp, target)
            else:
                try:
                    os.link(tmp, target)  # never replaces: fails if anything appeared at --out meanwhile
                except FileExistsError:
                    raise UserError(f"--out {out}: a file appeared at this path while the run was computing; it "
                                    "is left as it is. Choose another --out, or add --force to replace it") from None
                except OSError as err:
                    if err.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                        raise
                    if not _renameat2(Path(tmp), target, _RENAME_NOREPLACE):  # no hard links on this filesystem
                        if os.path.lexists(target):
                            raise UserError(f"--out {out}: a file appeared at this path while the run was "
                                            "computing; it is left as it is") from None
                        os.replace(tmp, target)
            done = True
        finally:
            if fd is not None:
                os.close(fd)
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as err:
        raise UserError(f"--out {out}: cannot write {target.name} there ({err.strerror or err})") from None
    finally:
        if not done:
            _remove_empty(created)
    return target
