"""The attack corpus: hostile and careless inputs for the command line, each with the outcome expected of it.

Every case makes its own files (the large ones are made here, at test time, in a temporary folder, and never
committed), runs ``python -m model …`` in a child process under a time limit and a memory limit
(``resource.setrlimit``), and states the exit code and a phrase of the message it must give. A case that
hangs, crashes or blows up memory fails the suite instead of the machine.

    .venv/bin/python scripts/attack_corpus.py            # run every case; print the table (markdown)
    .venv/bin/python scripts/attack_corpus.py --list     # the cases and what is expected of each
    .venv/bin/python scripts/attack_corpus.py CASE ...   # only these cases

``tests/test_attacks.py`` runs the same cases (``make test-attacks``). The limits are in ``model/limits.py``
and the README's "Limits" section.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NENE = ROOT / "data" / "nene_2014_15.csv"
ENGLAND = ROOT / "data" / "england_2014_15.csv"
DEFAULT = ROOT / "scenarios" / "guidance_default.yaml"

TIMEOUT_S = 60.0            # the child is killed after this: a hang fails the case
ADDRESS_SPACE = 3 * 2**30   # RLIMIT_AS of the child: a blow-up fails the case, not the machine
MAX_WALL_S = 10.0           # what every case must stay under (issue #18)
MAX_PEAK_MB = 1536.0


@dataclass
class Outcome:
    code: int | None
    stdout: str
    stderr: str
    wall_s: float
    peak_mb: float
    timed_out: bool = False

    @property
    def message(self) -> str:
        """The first line of the message that matters: the error, else the first warning, else stdout."""
        lines = [ln for ln in self.stderr.splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith("error")] or (lines if self.code else [])
        if errors:
            return errors[0]
        wrote = [ln for ln in self.stdout.splitlines() if ln.startswith(("wrote", "Result"))]
        return (wrote or lines or self.stdout.strip().splitlines() or [""])[-1]


@dataclass
class Case:
    """One attack: what to make, the command to run, and what must come out."""

    name: str
    what: str                     # the attack, in words
    build: Callable[[Path], list[str]]  # makes the files in a folder; returns the command's arguments
    code: int | None              # the exit code expected (None: `check` decides)
    says: str                     # a phrase the output (stderr or stdout) must hold
    check: Callable[[Path, Outcome], None] | None = None  # anything else to check afterwards
    during: Callable[[Path, subprocess.Popen], None] | None = None  # done while the command runs
    slow: bool = True             # run by `make test-attacks`, not by `make test`
    notes: list[str] = field(default_factory=list)


# ---- running a case --------------------------------------------------------------------------------------


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    os.setsid()


def run_case(case: Case, folder: Path) -> Outcome:
    """Make the case's files in `folder`, run its command in a child process with limits, and measure it."""
    args = case.build(folder)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "OPENBLAS_NUM_THREADS": "1"}
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "model", *args], cwd=folder, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, preexec_fn=_limit_child)  # noqa: PLW1509
    out: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda k, s: out.__setitem__(k, s.read()), args=(k, s), daemon=True)
               for k, s in (("stdout", proc.stdout), ("stderr", proc.stderr))]
    for t in readers:
        t.start()
    if case.during is not None:
        case.during(folder, proc)
    timed_out = False
    deadline = start + TIMEOUT_S
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join(10)
    return Outcome(None if timed_out else proc.returncode, out.get("stdout", b"").decode("utf-8", "replace"),
                   out.get("stderr", b"").decode("utf-8", "replace"), wall, usage.ru_maxrss / 1024, timed_out)


def problems(case: Case, outcome: Outcome, folder: Path) -> list[str]:
    """What is wrong with an outcome ([] when the case passed)."""
    wrong = []
    if outcome.timed_out:
        wrong.append(f"did not finish within {TIMEOUT_S:.0f} s")
    if case.code is not None and outcome.code != case.code:
        wrong.append(f"exit {outcome.code}, expected {case.code}")
    if case.says not in outcome.stderr + outcome.stdout:
        wrong.append(f"the message does not say {case.says!r}")
    if "Traceback" in outcome.stderr or "internal error" in outcome.stderr:
        wrong.append("a traceback or an internal error")
    if case.check is not None:
        try:
            case.check(folder, outcome)
        except AssertionError as err:
            wrong.append(f"check failed: {err}")
    return wrong


# ---- making files ----------------------------------------------------------------------------------------

HEADER = "practice_code,list_size,over75"


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def practices_csv(path: Path, n: int, commissioners: int = 200) -> Path:
    """A valid list of `n` practices with one LES column."""
    lines = ["commissioner,practice_code,practice_name,locality,list_size,over75,les_total"]
    lines += [f"C{i % commissioners:03d},P{i:06d},Practice {i},Locality {i % 7},{1000 + i % 9000},{80 + i % 400},"
              f"{(i * 37) % 50000}" for i in range(n)]
    return _write(path, "\n".join(lines) + "\n")


def scenario_yaml(path: Path, years: int = 5, extra: str = "") -> Path:
    return _write(path, f"version: 1\nhorizon_years: {years}\nles:\n"
                        "  schemes: {les_total: {action: decommission}}\n"
                        f"  protection: {{max_loss_pct: [0, 50, 100]}}\n{extra}")


_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
       '<Override PartName="/xl/sharedStrings.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_BOOK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
         'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
         '<sheets><sheet name="Practices" sheetId="1" r:id="rId1"/></sheets></workbook>')
_BOOK_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'worksheet" Target="worksheets/sheet1.xml"/>'
              '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
_HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>practice_code</t></is></c>'
               '<c r="B1" t="inlineStr"><is><t>list_size</t></is></c>'
               '<c r="C1" t="inlineStr"><is><t>over75</t></is></c></row>')


def _row(r: int, code: str = "K1", size: int = 1000, o75: int = 80) -> str:
    return (f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{code}</t></is></c><c r="B{r}"><v>{size}</v></c>'
            f'<c r="C{r}"><v>{o75}</v></c></row>')


def workbook(path: Path, sheet_body: Callable[[Callable[[str], None]], None], *, dimension: str = "A1:C2",
             shared: Callable[[Callable[[str], None]], None] | None = None,
             extra: dict[str, bytes] | None = None, n_extra_parts: int = 0) -> Path:
    """A workbook whose first sheet's rows are written by `sheet_body(write)`, streamed into the zip."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _BOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            buf = io.BufferedWriter(fh, buffer_size=1 << 20)
            buf.write((_SHEET_HEAD + f'<dimension ref="{dimension}"/><sheetData>').encode())
            sheet_body(lambda text: buf.write(text.encode()))
            buf.write(b"</sheetData></worksheet>")
            buf.flush()
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            buf = io.BufferedWriter(fh, buffer_size=1 << 20)
            buf.write(b'<?xml version="1.0" encoding="UTF-8"?>\n'
                      b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            if shared is not None:
                shared(lambda text: buf.write(text.encode()))
            buf.write(b"</sst>")
            buf.flush()
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
        for i in range(n_extra_parts):
            zf.writestr(f"xl/media/image{i}.bin", b"")
    return path


def _repeat(write: Callable[[str], None], text: str, times: int, chunk: int = 10_000) -> None:
    block = text * chunk
    for _ in range(times // chunk):
        write(block)
    write(text * (times % chunk))


# ---- checks ----------------------------------------------------------------------------------------------


def _folder_untouched(name: str, files: dict[str, str]) -> Callable[[Path, Outcome], None]:
    def check(folder: Path, outcome: Outcome) -> None:
        out = folder / name
        assert out.is_dir(), f"{name} is gone"
        found = {p.name: p.read_text() for p in out.iterdir()}
        assert found == files, f"{name} holds {sorted(found)}, not {sorted(files)}"
    return check


def _no_leftovers(name: str) -> Callable[[Path, Outcome], None]:
    def check(folder: Path, outcome: Outcome) -> None:
        left = [p.name for p in folder.iterdir() if p.name.startswith(f".{name}.")]
        assert not left, f"leftovers: {left}"
    return check


def _both(*checks: Callable[[Path, Outcome], None]) -> Callable[[Path, Outcome], None]:
    def check(folder: Path, outcome: Outcome) -> None:
        for c in checks:
            c(folder, outcome)
    return check


def _csv_has(name: str, *texts: str, absent: tuple[str, ...] = ()) -> Callable[[Path, Outcome], None]:
    def check(folder: Path, outcome: Outcome) -> None:
        data = (folder / "out" / name).read_text(encoding="utf-8")
        for t in texts:
            assert t in data, f"{name} does not hold {t!r}"
        for t in absent:
            assert t not in data, f"{name} holds {t!r}"
    return check


def _message_short(limit: int) -> Callable[[Path, Outcome], None]:
    def check(folder: Path, outcome: Outcome) -> None:
        assert len(outcome.stderr) < limit, f"the message is {len(outcome.stderr):,} characters long"
    return check


# ---- while a run is going -------------------------------------------------------------------------------


def _when_writing(name: str, action: Callable[[Path, subprocess.Popen], None],
                  first_file: str | None = None) -> Callable[[Path, subprocess.Popen], None]:
    """Call `action` as soon as the run's temporary output folder appears beside --out (it is writing), or,
    with `first_file`, as soon as that file is in it."""
    def during(folder: Path, proc: subprocess.Popen) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None:
            for p in folder.iterdir():
                if p.name.startswith(f".{name}.pcfund-tmp-") and (first_file is None or (p / first_file).exists()):
                    action(folder, proc)
                    return
            time.sleep(0.002)
    return during


def _make_folder(folder: Path, proc: subprocess.Popen) -> None:
    (folder / "out").mkdir()
    (folder / "out" / "colleague.txt").write_text("made while the run was computing")


def _kill(folder: Path, proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)


# ---- the cases -------------------------------------------------------------------------------------------


def _run(practices: str, scenario: str | Path = DEFAULT, out: str = "out", *extra: str) -> list[str]:
    return ["run", "--practices", practices, "--scenario", str(scenario), "--out", out, *extra]


def _readonly(folder: Path) -> list[str]:
    ro = folder / "readonly"
    ro.mkdir()
    if os.geteuid() == 0:  # root ignores permission bits: make the folder immutable instead
        subprocess.run(["chattr", "+i", str(ro)], check=True)
    else:
        ro.chmod(0o555)
    return _run(str(NENE), out="readonly/out")


def undo_readonly(folder: Path) -> None:
    ro = folder / "readonly"
    if ro.exists():
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(ro)], check=False)
        ro.chmod(0o755)


def _killed_then_rerun(folder: Path) -> list[str]:
    """A run killed while writing its folder, then the same command again: the leftover is cleaned up."""
    practices = str(practices_csv(folder / "p1000.csv", 1_000))  # making the files takes a while: time to kill it
    proc = subprocess.Popen([sys.executable, "-m", "model", *_run(practices)], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    _when_writing("out", _kill, first_file=MARKER_NAME)(folder, proc)
    proc.wait()
    left = [p for p in folder.iterdir() if p.name.startswith(".out.pcfund-tmp-")]
    assert left and (left[0] / MARKER_NAME).exists(), "the run was not killed while writing its folder"
    return _run(str(NENE))  # the same --out again (a small list: the clean-up is what is timed)


def _concurrent(folder: Path) -> list[str]:
    """A second run to the same --out, started first; the case's own run is the one that comes second."""
    other = subprocess.Popen([sys.executable, "-m", "model", *_run(str(NENE))], cwd=folder,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    folder.joinpath(".other_pid").write_text(str(other.pid))
    return _run(str(NENE))


def _concurrent_check(folder: Path, outcome: Outcome) -> None:
    pid = int(folder.joinpath(".other_pid").read_text())
    _, status = os.waitpid(pid, 0)
    codes = sorted([os.waitstatus_to_exitcode(status), outcome.code])
    assert codes == [0, 2], f"exit codes {codes}: one run must write, the other refuse"
    assert (folder / "out" / "practices.csv").is_file(), "the output is not complete"
    folder.joinpath(".other_pid").unlink()


def cases() -> list[Case]:
    """Every attack, with what is expected of it."""
    big = 19_900_000 - 40  # 19.9 MB: just under the upload limit (the app's uploader counts 20 MB as 20,000,000 bytes)
    return [
        # ---- practice lists: size, shape and type ----
        Case("csv_million_columns", "19.9 MB CSV whose header has 9.9 million named columns",
             lambda d: ["validate", "--practices", str(_write(d / "wide.csv", HEADER.encode() + b",x" * (big // 2)
                                                              + b"\n"))],
             2, "at most 200 columns"),
        Case("csv_trailing_commas", "19.9 MB CSV: a header and one row followed by 9.9 million empty cells",
             lambda d: ["validate", "--practices", str(_write(d / "commas.csv", HEADER.encode() + b"," * (big // 2)
                                                              + b"\nK1,1000,80" + b"," * (big // 2) + b"\n"))],
             0, "1 practice"),
        Case("csv_250k_rows", "250,000 short rows",
             lambda d: ["validate", "--practices", str(_write(d / "long.csv", HEADER + "\n" + "".join(
                 f"P{i},1,0\n" for i in range(250_000))))],
             2, "at most 30,000 rows"),
        Case("csv_52500_practices", "52,500 practices (the issue's 52,500 × 20 years run)",
             lambda d: _run(str(practices_csv(d / "p52500.csv", 52_500)), scenario_yaml(d / "s20.yaml", 20)),
             2, "at most 30,000 rows"),
        Case("run_20000_x_20_years", "20,000 practices (the most allowed) × 20 years: 400,000 rows",
             lambda d: _run(str(practices_csv(d / "p20000.csv", 20_000)), scenario_yaml(d / "s20.yaml", 20)),
             2, "the limit is 40,000"),
        Case("run_england_5_years", "all England (7,912 practices) × 5 years: 39,560 rows, the most allowed",
             lambda d: _run(str(ENGLAND)), 0, "39,560 practice-year rows"),
        Case("validate_20000", "20,000 practices (the most allowed): read and checked",
             lambda d: ["validate", "--practices", str(practices_csv(d / "p20000.csv", 20_000))],
             0, "20,000 practices"),
        Case("csv_1m_duplicates", "one practice code repeated on every row (20,000 rows)",
             lambda d: ["validate", "--practices", str(_write(d / "dups.csv", HEADER + "\n" + "K83001,1000,80\n"
                                                             * 20_000))],
             2, "and 19,980 more", check=_message_short(20_000)),
        Case("long_commissioner_code", "a 3,000-character commissioner code (a 12,271-character formula before)",
             lambda d: _run(str(_write(d / "long_code.csv", "commissioner," + HEADER + "\n" + "X" * 3000
                                       + ",K1,1000,80\n"))),
             2, "the limit is 32"),
        Case("longest_names_allowed", "codes of 32 characters and names of 200 (the most allowed): every workbook "
             "formula within Excel's 8,192 characters", lambda d: _run(str(_longest_names(d / "long_names.csv")),
                                                                       ROOT / "scenarios" / "les_separate.yaml"),
             0, "checks all PASS", check=_formulas_within_excel),
        Case("too_many_les_columns", "60 LES columns",
             lambda d: ["validate", "--practices", str(_write(d / "les.csv", HEADER + "".join(
                 f",les_{i}" for i in range(60)) + "\nK1,1000,80" + ",1" * 60 + "\n"))],
             2, "at most 50"),
        Case("fifo", "a named pipe (FIFO) as the practice list: nothing ever writes to it",
             lambda d: (os.mkfifo(d / "pipe.csv"), ["validate", "--practices", str(d / "pipe.csv")])[1],
             2, "not a regular file"),
        Case("dev_zero", "/dev/zero as the practice list",
             lambda d: ["validate", "--practices", "/dev/zero"], 2, "not a regular file"),
        Case("folder_as_list", "a folder as the practice list",
             lambda d: ["validate", "--practices", str(d)], 2, "this is a folder"),
        # ---- workbooks ----
        Case("xlsx_rows_bomb", "workbook with 7 million empty rows declaring 20 million (126 MB unzipped)",
             lambda d: ["validate", "--practices", str(workbook(d / "rows.xlsx", _empty_rows,
                                                                dimension="A1:XFD20000000"))],
             2, "the limit is 100 MB"),
        Case("xlsx_far_row", "workbook declaring 20 million rows, with a value in row 20,000,000",
             lambda d: ["validate", "--practices", str(workbook(
                 d / "far.xlsx", lambda w: (w(_HEADER_ROW), w(_row(2)), w(_row(20_000_000))),
                 dimension="A1:C20000000"))],
             2, "row 20,000,000"),
        Case("xlsx_cells_bomb", "workbook whose sheet holds 3 million cells (30,000 rows × 100)",
             lambda d: ["validate", "--practices", str(workbook(
                 d / "cells.xlsx", lambda w: (w(_HEADER_ROW), [w(f'<row r="{r}">' + "<c><v>1</v></c>" * 100 + "</row>")
                                                               for r in range(2, 30_002)])))],
             2, "more than 500,000 cells"),
        Case("xlsx_strings_bomb", "workbook with 5 million shared texts (90 MB unzipped)",
             lambda d: ["validate", "--practices", str(workbook(
                 d / "strings.xlsx", lambda w: (w(_HEADER_ROW), w(_row(2))),
                 shared=lambda w: _repeat(w, "<si><t>x</t></si>", 5_000_000)))],
             2, "different texts"),
        Case("xlsx_at_limit", "workbook of 20,000 practices × 24 columns (480,000 cells, the most allowed): read",
             lambda d: ["validate", "--practices", str(workbook(d / "big.xlsx", _big_sheet))], 0, "20,000 practices"),
        Case("xlsx_far_column", "workbook with a value in column XFD (16,384)",
             lambda d: ["validate", "--practices", str(workbook(
                 d / "wide.xlsx", lambda w: (w(_HEADER_ROW), w(_row(2)[:-6] + '<c r="XFD2"><v>1</v></c></row>'))))],
             2, "column XFD"),
        Case("xlsx_entity_bomb", "workbook whose sheet declares nested entities (billion laughs)",
             lambda d: ["validate", "--practices", str(_entity_bomb(d / "laughs.xlsx"))],
             2, "declares a DTD"),
        Case("xlsx_many_parts", "workbook zip with 5,000 parts",
             lambda d: ["validate", "--practices", str(workbook(d / "parts.xlsx", lambda w: w(_HEADER_ROW + _row(2)),
                                                                n_extra_parts=5_000))],
             2, "the limit is 1,000"),
        Case("xlsm_macros_links", "macro workbook with an external link: values as saved, nothing run",
             lambda d: ["validate", "--practices", str(workbook(
                 d / "macros.xlsm", lambda w: w(_HEADER_ROW + _row(2)),
                 extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not run", "xl/externalLinks/externalLink1.xml":
                        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'}))],
             0, "holds macros: they were not run", check=lambda d, o: _says(o, "external links")),
        # ---- what was guessed ----
        Case("mixed_encodings", "rows in UTF-8 and rows in Windows-1252 in one CSV",
             lambda d: _run(str(_write(d / "mixed.csv", b"practice_code,practice_name,list_size,over75\n"
                                       + "K1,Café Surgery,1000,80\n".encode()
                                       + "K2,Café Surgery,2000,150\n".encode("cp1252"))), out="out"),
             0, "mixes text encodings: row 3 was read as Windows-1252",
             check=_csv_has("practices.csv", "Café Surgery", absent=("CafÃ©",))),
        Case("control_characters", "tabs and line breaks in practice names and localities",
             lambda d: _run(str(_write(d / "ctrl.csv", 'practice_code,practice_name,locality,list_size,over75\n'
                                       'K1,"Smith\tSurgery","North\r\nEast",1000,80\nK2,Park\x1b[31m,South,2000,150\n'))),
             0, "control characters", check=_csv_has("practices.csv", "Smith Surgery", "North East",
                                                       absent=("\t", "\x1b"))),
        Case("scenario_bool_horizon", "horizon_years: true in a scenario file",
             lambda d: _run(str(NENE), _write(d / "s.yaml", "version: 1\nhorizon_years: true\n")),
             2, "true is a yes/no value, not a number"),
        Case("scenario_text_number", 'horizon_years: "5" in a scenario file (read, with a warning)',
             lambda d: _run(str(NENE), _write(d / "s.yaml", 'version: 1\nhorizon_years: "5"\n')),
             0, "was written as text"),
        Case("scenario_dev_zero", "/dev/zero as the scenario file",
             lambda d: _run(str(NENE), "/dev/zero"), 2, "not a regular file"),
        Case("scenario_alias_bomb", "a scenario built of YAML aliases (billion laughs)",
             lambda d: _run(str(NENE), _write(d / "s.yaml", "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
                                                            "b: &b [*a, *a, *a, *a]\n")),
             2, "aliases"),
        # ---- work ----
        Case("montecarlo_england_1m", "Monte Carlo with 1,000,000 draws on all England",
             lambda d: ["montecarlo", "--practices", str(ENGLAND), "--scenario", str(DEFAULT), "--draws",
                        "1000000", "--out", "mc"],
             2, "draws × 211 commissioners"),
        Case("montecarlo_engine_runs", "Monte Carlo needing 1,000 engine runs on 20,000 practices",
             lambda d: ["montecarlo", "--practices", str(practices_csv(d / "p.csv", 20_000)), "--scenario",
                        str(scenario_yaml(d / "s.yaml")), "--draws", "1000", "--out", "mc"],
             2, "engine runs"),
        Case("sensitivity_20_years", "tornado on 20,000 practices × 20 years",
             lambda d: ["sensitivity", "--practices", str(practices_csv(d / "p.csv", 20_000)), "--scenario",
                        str(scenario_yaml(d / "s.yaml", 20)), "--out", "t"],
             2, "tornado needs"),
        # ---- output folders ----
        Case("out_readonly", "--out in a read-only folder",
             _readonly, 2, "--out readonly/out: cannot write there"),
        Case("out_dangling_symlink", "--out is a dangling symbolic link",
             lambda d: (os.symlink("/nonexistent/place", d / "out"), _run(str(NENE)))[1],
             2, "is a symbolic link"),
        Case("out_symlink_other_fs", "--out is a symbolic link to a folder on another filesystem (--force)",
             _symlink_elsewhere, 2, "is a symbolic link"),
        Case("out_under_proc", "--out under /proc",
             lambda d: _run(str(NENE), out="/proc/self/out"), 2, "under /proc"),
        Case("force_dot", "--force on '.'", lambda d: _run(str(NENE), out=".") + ["--force"], 2,
             "give the name of the folder"),
        Case("force_root", "--force on '/'", lambda d: _run(str(NENE), out="/") + ["--force"], 2,
             "give the name of the folder"),
        Case("force_home", "--force on the home folder", lambda d: _run(str(NENE), out=str(Path.home())) + ["--force"],
             2, "your home folder"),
        Case("force_cwd_parent", "--force on a folder holding the current one",
             lambda d: _run(str(NENE), out=str(d.parent)) + ["--force"], 2, "holding the current folder"),
        Case("force_foreign_folder", "--force on a folder this tool did not write",
             lambda d: ((d / "out").mkdir(), (d / "out" / "thesis.docx").write_text("precious"),
                        _run(str(NENE)) + ["--force"])[2],
             2, "not written by this tool", check=_folder_untouched("out", {"thesis.docx": "precious"})),
        Case("race_folder_appears", "a folder is created at --out while the run computes (no --force)",
             lambda d: _run(str(NENE)), 2, "appeared at this path while the run was computing",
             during=_when_writing("out", _make_folder),
             check=_both(_folder_untouched("out", {"colleague.txt": "made while the run was computing"}),
                         _no_leftovers("out"))),
        Case("concurrent_runs", "two runs to the same --out at once: one writes, the other refuses",
             _concurrent, None, "", check=_concurrent_check),
        Case("killed_run_leftovers", "a run killed while writing, then run again: its leftover is removed",
             _killed_then_rerun, 0, "wrote out", check=_no_leftovers("out")),
    ]


def _big_sheet(write: Callable[[str], None]) -> None:
    letters = [chr(65 + i) for i in range(24)]
    write('<row r="1">' + "".join(f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>' for c, h in zip(
        letters, ["practice_code", "list_size", "over75", *(f"les_{i}" for i in range(21))])) + "</row>")
    for r in range(2, 20_002):
        write(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>P{r:06d}</t></is></c><c r="B{r}"><v>{1000 + r}</v></c>'
              f'<c r="C{r}"><v>80</v></c>' + "".join(f'<c r="{c}{r}"><v>{r % 97}.5</v></c>' for c in letters[3:])
              + "</row>")


def _empty_rows(write: Callable[[str], None]) -> None:
    write(_HEADER_ROW)
    for start in range(2, 7_000_002, 100_000):
        write("".join(f'<row r="{r}"/>' for r in range(start, start + 100_000)))


def _symlink_elsewhere(folder: Path) -> list[str]:
    other = Path(tempfile.mkdtemp(dir="/dev/shm" if Path("/dev/shm").is_dir() else None, prefix="attack_"))
    (other / MARKER_NAME).write_text("a folder elsewhere")
    os.symlink(other, folder / "out")
    return _run(str(NENE)) + ["--force"]


MARKER_NAME = ".pcfund-output"


def _longest_names(path: Path) -> Path:
    rows = ["commissioner,practice_code,practice_name,locality,list_size,over75,les_total"]
    for c in range(3):
        comm = f"C{c}".ljust(32, "Z")
        rows += [",".join([comm, f"P{c}-{i}".ljust(32, "X"), f"Name {i}".ljust(200, "n"),
                           f"Loc {i % 5}".ljust(200, "l"), str(1000 + i), str(80 + i), str(i * 100)])
                 for i in range(40)]
    return _write(path, "\n".join(rows) + "\n")


def _formulas_within_excel(folder: Path, outcome: Outcome) -> None:
    import re

    with zipfile.ZipFile(folder / "out" / "results.xlsx") as zf:
        longest = max((len(f) for n in zf.namelist() if n.startswith("xl/worksheets/")
                       for f in re.findall(rb"<f[^>]*>(.*?)</f>", zf.read(n), re.S)), default=0)
    from model.limits import EXCEL_MAX_FORMULA_CHARS

    assert 0 < longest <= EXCEL_MAX_FORMULA_CHARS, f"a formula of {longest:,} characters"


def _says(outcome: Outcome, text: str) -> None:
    assert text in outcome.stderr + outcome.stdout, f"the output does not say {text!r}"


def _entity_bomb(path: Path) -> Path:
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
           + ']>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _BOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", lol + _SHEET_HEAD[_SHEET_HEAD.index("<worksheet"):]
                    + "<sheetData>" + _HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c>'
                    '</row></sheetData></worksheet>')
    return path


# ---- the table -------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="cases to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the cases and what is expected")
    args = parser.parse_args(argv)
    chosen = [c for c in cases() if not args.names or c.name in args.names]
    if args.list:
        for c in chosen:
            print(f"{c.name}: {c.what} -> exit {c.code}, says {c.says!r}")
        return 0
    print("| case | attack | exit | message | wall (s) | peak (MB) | ok |")
    print("|---|---|---|---|---|---|---|")
    failed = 0
    for case in chosen:
        folder = Path(tempfile.mkdtemp(prefix=f"attack_{case.name}_"))
        try:
            try:
                outcome = run_case(case, folder)
            except AssertionError as err:  # the case could not be set up as meant (e.g. a race not caught)
                outcome = Outcome(None, "", f"set-up failed: {err}", 0.0, 0.0)
            wrong = problems(case, outcome, folder)
            if outcome.wall_s > MAX_WALL_S:
                wrong.append(f"took {outcome.wall_s:.1f} s")
            if outcome.peak_mb > MAX_PEAK_MB:
                wrong.append(f"peak {outcome.peak_mb:,.0f} MB")
        finally:
            undo_readonly(folder)
            shutil.rmtree(folder, ignore_errors=True)
        failed += bool(wrong)
        message = outcome.message.replace("|", "\\|")
        if len(message) > 160:
            message = message[:157] + "..."
        print(f"| {case.name} | {case.what} | {outcome.code} | {message} | {outcome.wall_s:.2f} | "
              f"{outcome.peak_mb:,.0f} | {'yes' if not wrong else 'NO: ' + '; '.join(wrong)} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
