"""`python -m model run` and `compare` (docs/design.md §5): what they write, their exit codes, and that nothing
is ever half-written or lost.

Exit codes: 0 success; 2 bad input (one line per problem on stderr, naming file/row/column or the key);
3 internal error (``internal error: ...``, no traceback). Output goes to a temporary folder beside --out
and replaces it in one rename: --out is absent, the previous output, or the whole new output.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cli import common as cli_common
from cli import compare as cli_compare
from cli import main as cli
from cli import run as cli_run
from model.scenario_files import load_scenario, load_scenario_file

REPO = Path(__file__).resolve().parents[1]
NENE = REPO / "data" / "nene_2014_15.csv"
SCENARIOS = REPO / "scenarios"
DEFAULT = SCENARIOS / "guidance_default.yaml"
SEPARATE = SCENARIOS / "les_separate.yaml"
RUN_FILES = {"practices.csv", "localities.csv", "summary.csv", "scenario.yaml", "results.xlsx", "checks.csv",
             "data_source.csv"}
COMPARE_FILES = {"compare_summary.csv", "compare_practices.csv", "differing_assumptions.csv", "compare.xlsx",
                 "data_source.csv"}


def python_m_model(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "model", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", timeout=180, check=False, env=env)


def main(capsys, *args: object) -> tuple[int, str, str]:
    """Run the CLI in this process (fast; lets a test monkeypatch the model)."""
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def written(folder: Path) -> set[str]:
    """The files a command wrote in its output folder (besides the marker every output folder holds)."""
    assert (folder / cli_common.MARKER).is_file(), "every output folder holds the tool's marker"
    return {p.name for p in folder.iterdir()} - {cli_common.MARKER}


def leftovers(parent: Path, out_name: str) -> list[str]:
    """Temporary folders atomic output may leave beside --out (".<name>.xxxx", ".<name>.old.xxxx")."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{out_name}."))


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One real `python -m model run` shared by the tests that only read its output."""
    out = tmp_path_factory.mktemp("run") / "out"
    proc = python_m_model("run", "--practices", NENE, "--scenario", DEFAULT, "--out", out)
    return out, proc


# ---- run: the files, exit 0, the scenario written back ---------------------------------------------


def test_run_writes_every_file_and_exits_0(first_run):
    out, proc = first_run
    assert proc.returncode == 0, proc.stderr
    assert written(out) == RUN_FILES
    assert f"wrote {out}" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert leftovers(out.parent, out.name) == []
    practices = pd.read_csv(out / "practices.csv")
    assert len(practices) == 69 * 5  # Nene: 69 practices × 5 years
    for name in ("localities.csv", "summary.csv", "checks.csv"):
        assert len(pd.read_csv(out / name)) > 0, name
    checks = pd.read_csv(out / "checks.csv")
    assert (checks["status"] == "PASS").all()
    wb = openpyxl.load_workbook(out / "results.xlsx", read_only=True)
    assert {"Assumptions", "Practices", "Summary"} <= set(wb.sheetnames)
    wb.close()


def test_written_scenario_loads_back_to_the_same_scenario(first_run):
    out, proc = first_run
    assert proc.returncode == 0, proc.stderr
    written = load_scenario((out / "scenario.yaml").read_bytes(), "scenario.yaml")
    assert written == load_scenario_file(str(DEFAULT))


@pytest.mark.parametrize("scenario", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_every_shipped_scenario_runs_in_process(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = main(capsys, "run", "--practices", NENE, "--scenario", SCENARIOS / scenario, "--out", out)
    assert code == 0, err
    assert written(out) == RUN_FILES
    assert load_scenario((out / "scenario.yaml").read_bytes()) == load_scenario_file(str(SCENARIOS / scenario))


# ---- an existing --out: refused without --force, replaced with it -----------------------------------


def test_existing_out_is_refused_without_force_and_left_untouched(tmp_path):
    out = tmp_path / "out"
    shutil.copytree(REPO / "scenarios", out)  # someone's folder: must survive a mistyped --out
    (out / "board paper draft.docx").write_bytes(b"precious")
    before = hashes(out)
    proc = python_m_model("run", "--practices", NENE, "--scenario", DEFAULT, "--out", out)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0, proc.stderr  # one line
    assert "already exists" in proc.stderr and "--force" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert hashes(out) == before
    assert leftovers(tmp_path, "out") == []


def test_rerun_to_the_same_out_without_force_exits_2_and_keeps_the_first_output(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", out)[0] == 0
    before = hashes(out)
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    code, _, err = main(capsys, "run", "--practices", NENE, "--scenario", SEPARATE, "--out", out)
    assert code == 2
    assert err.startswith("error: ") and "already exists" in err
    assert hashes(out) == before
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == mtimes
    assert leftovers(tmp_path, "out") == []


def test_force_replaces_the_whole_folder(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", out)[0] == 0
    (out / "stale.csv").write_text("from an older run")
    before = hashes(out)
    code, _, err = main(capsys, "run", "--practices", NENE, "--scenario", SEPARATE, "--out", out, "--force")
    assert code == 0, err
    assert written(out) == RUN_FILES  # replaced, not merged: the stale file is gone
    assert hashes(out) != before
    assert load_scenario((out / "scenario.yaml").read_bytes()) == load_scenario_file(str(SEPARATE))
    assert leftovers(tmp_path, "out") == []


def test_force_refuses_a_file_in_the_way(tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("not a folder")
    code, _, err = main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", out, "--force")
    assert code == 2 and "is not a folder" in err
    assert out.read_text() == "not a folder"


def test_out_inside_missing_folders_creates_them(tmp_path, capsys):
    """README: `--out out/linked` from a fresh clone, where out/ does not exist yet."""
    out = tmp_path / "a" / "b" / "c"
    code, stdout, err = main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", out)
    assert code == 0, err
    assert written(out) == RUN_FILES
    assert f"wrote {out}" in stdout
    assert leftovers(out.parent, out.name) == []


def test_out_with_missing_parents_works_from_the_command_line(tmp_path):
    proc = python_m_model("run", "--practices", NENE, "--scenario", DEFAULT, "--out", "a/b/c", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert written(tmp_path / "a" / "b" / "c") == RUN_FILES
    assert proc.stdout.strip().splitlines()[-1].startswith("wrote a/b/c: practices.csv")


def test_missing_parents_are_not_created_when_an_input_is_bad(tmp_path, capsys):
    bad = tmp_path / "typo.yaml"
    bad.write_text("pot: {rate_per_heads: 5}\n")
    code, _, err = main(capsys, "run", "--practices", NENE, "--scenario", bad, "--out", tmp_path / "a" / "b" / "c")
    assert code == 2 and "rate_per_heads" in err
    code, _, err = main(capsys, "run", "--practices", tmp_path / "nope.csv", "--scenario", DEFAULT,
                        "--out", tmp_path / "a" / "b" / "c")
    assert code == 2 and "nope.csv" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["typo.yaml"]


def test_failure_while_writing_removes_the_parents_it_created(tmp_path, capsys, monkeypatch):
    (tmp_path / "a").mkdir()
    monkeypatch.setattr(cli_run, "write_run", _write_one_then_fail)
    code, _, err = main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", tmp_path / "a" / "b" / "c")
    assert code == 3 and "No space left on device" in err
    assert [p.name for p in tmp_path.iterdir()] == ["a"]  # a/ was there before; a/b/ is removed again
    assert list((tmp_path / "a").iterdir()) == []


def test_out_below_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "a").write_text("a file, not a folder")
    code, _, err = main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", tmp_path / "a" / "b")
    assert code == 2 and "is a file, not a folder" in err
    assert (tmp_path / "a").read_text() == "a file, not a folder"


def test_onepager_creates_missing_parents(tmp_path, capsys):
    out = tmp_path / "pages" / "nene" / "K83003.html"
    code, stdout, err = main(capsys, "onepager", "--practices", NENE, "--scenario", SEPARATE, "--practice", "K83003",
                             "--out", out)
    assert code == 0, err
    assert "K83003" in out.read_text(encoding="utf-8") and f"wrote {out}" in stdout


# ---- every command checks --out (and the scenario) before it loads the practice list ----------------


def _command_args(command: str, out: Path) -> list[object]:
    """The smallest valid arguments for each command that writes output."""
    if command == "compare":
        return ["compare", "--practices", NENE, "--scenario", DEFAULT, "--scenario", SEPARATE, "--out", out]
    if command == "onepager":
        return ["onepager", "--practices", NENE, "--scenario", DEFAULT, "--practice", "K83003", "--out", out]
    extra = ["--draws", "10"] if command == "montecarlo" else []
    return [command, "--practices", NENE, "--scenario", DEFAULT, "--out", out, *extra]


WRITING_COMMANDS = ["run", "compare", "national", "sensitivity", "montecarlo", "onepager"]


@pytest.fixture
def no_practice_loading(monkeypatch):
    """Make loading the practice list fail loudly: a test using this proves the command never got there."""
    def refuse(*args, **kwargs):
        raise AssertionError("the practice list was loaded")

    monkeypatch.setattr(cli_common, "load_practices", refuse)


@pytest.mark.parametrize("command", WRITING_COMMANDS)
def test_existing_out_is_refused_before_the_practice_list_is_loaded(command, tmp_path, capsys, no_practice_loading):
    out = tmp_path / ("page.html" if command == "onepager" else "out")
    if command == "onepager":
        out.write_text("keep")
    else:
        out.mkdir()
        (out / "keep.txt").write_text("keep")
    before = hashes(tmp_path)
    code, stdout, err = main(capsys, *_command_args(command, out))
    assert code == 2, err
    assert err.startswith("error: ") and "already exists" in err and "--force" in err
    assert err.count("\n") == 1 and stdout == ""
    assert hashes(tmp_path) == before and leftovers(tmp_path, out.name) == []


@pytest.mark.parametrize("command", WRITING_COMMANDS)
def test_out_of_the_wrong_kind_is_refused_with_force_before_loading(command, tmp_path, capsys, no_practice_loading):
    out = tmp_path / "out"
    if command == "onepager":
        out.mkdir()  # a folder where the page should go
        expected = "is a folder"
    else:
        out.write_text("not a folder")
        expected = "is not a folder"
    code, _, err = main(capsys, *_command_args(command, out), "--force")
    assert code == 2 and expected in err


@pytest.mark.parametrize("command", WRITING_COMMANDS)
def test_bad_scenario_is_refused_before_the_practice_list_is_loaded(command, tmp_path, capsys,
                                                                    no_practice_loading):
    bad = tmp_path / "typo.yaml"
    bad.write_text("pot: {rate_per_heads: 5}\n")
    args = [bad if a == DEFAULT else a for a in _command_args(command, tmp_path / "out")]
    code, _, err = main(capsys, *args)
    assert code == 2 and "typo.yaml" in err and "rate_per_heads" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["typo.yaml"]


def test_national_year_is_checked_before_the_practice_list_is_loaded(tmp_path, capsys, no_practice_loading):
    code, _, err = main(capsys, "national", "--practices", NENE, "--scenario", DEFAULT, "--out", tmp_path / "n",
                        "--year", "9")
    assert code == 2 and "--year must be between 0 and 4" in err


def test_montecarlo_distributions_are_checked_before_the_practice_list_is_loaded(tmp_path, capsys,
                                                                                  no_practice_loading):
    code, _, err = main(capsys, "montecarlo", "--practices", NENE, "--scenario", DEFAULT, "--out", tmp_path / "mc",
                        "--dist", "admissions.no_such_input=uni:1,2")
    assert code == 2 and "no Monte Carlo input called 'admissions.no_such_input'" in err


def test_sensitivity_assumptions_are_checked_before_the_practice_list_is_loaded(tmp_path, capsys,
                                                                                no_practice_loading):
    code, _, err = main(capsys, "sensitivity", "--practices", NENE, "--scenario", DEFAULT, "--out", tmp_path / "t",
                        "--assumption", "pot.no_such_rate")
    assert code == 2 and "'pot.no_such_rate' is not a scenario field" in err


def test_output_folder_is_as_readable_as_any_new_folder(tmp_path, capsys):
    """The finished folder should get the user's normal permissions (umask), like `mkdir` would: it is
    shared with colleagues. mkdtemp makes it 0700 and the rename keeps that."""
    out = tmp_path / "out"
    assert main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", out)[0] == 0
    (tmp_path / "plain").mkdir()
    assert oct(out.stat().st_mode & 0o777) == oct((tmp_path / "plain").stat().st_mode & 0o777)


# ---- bad input: exit 2, a one-line message, nothing created ----------------------------------------


def test_bad_scenario_names_the_key_and_creates_nothing(tmp_path):
    bad = tmp_path / "typo.yaml"
    bad.write_text("version: 1\npot:\n  rate_per_heads: 5\n")
    out = tmp_path / "out"
    proc = python_m_model("run", "--practices", NENE, "--scenario", bad, "--out", out)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "typo.yaml" in lines[0] and "pot.rate_per_heads" in lines[0] and "unknown key" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    assert leftovers(tmp_path, "out") == []


@pytest.mark.parametrize(("text", "key"), [
    ("horizon_years: 25\n", "horizon_years"),
    ("pot: {rate_per_head: 5, rate_per_over75: 50}\n", "pot"),
    ("les: {schemes: {les_diabetes: {action: decommission}}}\n", "les_diabetes"),  # no such column
])
def test_other_bad_scenarios_exit_2_naming_the_key(tmp_path, capsys, text, key):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    out = tmp_path / "out"
    code, _, err = main(capsys, "run", "--practices", NENE, "--scenario", bad, "--out", out)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert key in err
    assert not out.exists() and leftovers(tmp_path, "out") == []


def test_missing_scenario_file_is_bad_input(tmp_path, capsys):
    code, _, err = main(capsys, "run", "--practices", NENE, "--scenario", tmp_path / "nope.yaml",
                        "--out", tmp_path / "out")
    assert code == 2 and "nope.yaml" in err
    assert not (tmp_path / "out").exists()


def test_bad_practice_file_names_file_row_and_column(tmp_path):
    lines = NENE.read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(",")
    cells[4] = "lots"  # list_size of the practice on row 4
    lines[3] = ",".join(cells)
    bad = tmp_path / "ledger.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = python_m_model("run", "--practices", bad, "--scenario", DEFAULT, "--out", out)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert "ledger.csv, row 4, column 'list_size': 'lots' is not a number" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists() and leftovers(tmp_path, "out") == []


def test_missing_practice_file_is_bad_input(tmp_path, capsys):
    code, _, err = main(capsys, "run", "--practices", tmp_path / "ledger.csv", "--scenario", DEFAULT,
                        "--out", tmp_path / "out")
    assert code == 2 and "ledger.csv" in err and "not found" in err


# ---- internal errors: exit 3, no traceback, nothing written -----------------------------------------


def test_internal_error_exits_3_without_a_traceback(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(cli_common, "run", broken)
    out = tmp_path / "out"
    code, stdout, err = main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", out)
    assert code == 3
    assert err.strip() == "internal error: RuntimeError: the engine fell over"
    assert "Traceback" not in err and "Traceback" not in stdout
    assert not out.exists() and leftovers(tmp_path, "out") == []


def test_debug_shows_the_traceback(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(cli_common, "run", broken)
    code, _, err = main(capsys, "run", "--debug", "--practices", NENE, "--scenario", DEFAULT,
                        "--out", tmp_path / "out")
    assert code == 3 and "Traceback" in err and "internal error: RuntimeError" in err


# ---- nothing half-written ---------------------------------------------------------------------------


def _write_one_then_fail(results, out_dir, *args, **kwargs):
    Path(out_dir, "practices.csv").write_text("half")
    raise OSError(28, "No space left on device")


def test_failure_while_writing_leaves_no_out_and_no_temp_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli_run, "write_run", _write_one_then_fail)
    out = tmp_path / "out"
    code, _, err = main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", out)
    assert code == 3, err  # not the user's input: an internal error (disk full), reported in one line
    assert "No space left on device" in err and "Traceback" not in err
    assert not out.exists()
    assert leftovers(tmp_path, "out") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_failure_while_writing_with_force_keeps_the_previous_output(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    assert main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", out)[0] == 0
    before = hashes(out)
    monkeypatch.setattr(cli_run, "write_run", _write_one_then_fail)
    code, _, _ = main(capsys, "run", "--practices", NENE, "--scenario", SEPARATE, "--out", out, "--force")
    assert code == 3
    assert hashes(out) == before
    assert leftovers(tmp_path, "out") == []


def test_failure_while_writing_a_comparison_leaves_nothing(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise MemoryError("workbook too big")

    monkeypatch.setattr(cli_compare, "workbook_bytes", broken)
    out = tmp_path / "cmp"
    code, _, err = main(capsys, "compare", "--practices", NENE, "--scenario", DEFAULT, "--scenario", SEPARATE,
                        "--out", out)
    assert code == 3 and "internal error" in err
    assert not out.exists() and leftovers(tmp_path, "cmp") == []


# ---- compare -----------------------------------------------------------------------------------------


def test_compare_two_scenarios_writes_the_comparison(tmp_path):
    out = tmp_path / "cmp"
    proc = python_m_model("compare", "--practices", NENE, "--scenario", DEFAULT, "--scenario", SEPARATE,
                          "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert written(out) == COMPARE_FILES
    summary = pd.read_csv(out / "compare_summary.csv")
    assert summary["scenario"].nunique() == 2
    differing = pd.read_csv(out / "differing_assumptions.csv")
    assert "les.protection.funded_from" in set(differing["key"])
    practices = pd.read_csv(out / "compare_practices.csv")
    assert len(practices) == 69 * 5
    assert leftovers(tmp_path, "cmp") == []


def test_compare_with_one_scenario_is_bad_input(tmp_path, capsys):
    out = tmp_path / "cmp"
    code, _, err = main(capsys, "compare", "--practices", NENE, "--scenario", DEFAULT, "--out", out)
    assert code == 2
    assert "at least two" in err and "Traceback" not in err
    assert not out.exists() and leftovers(tmp_path, "cmp") == []


def test_compare_with_a_bad_second_scenario_names_it_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "second.yaml"
    bad.write_text("funding: {type: sometimes}\n")
    out = tmp_path / "cmp"
    code, _, err = main(capsys, "compare", "--practices", NENE, "--scenario", DEFAULT, "--scenario", bad,
                        "--out", out)
    assert code == 2 and "second.yaml" in err and "funding.type" in err
    assert not out.exists()


def test_compare_refuses_an_existing_out_without_force(tmp_path, capsys):
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "keep.txt").write_text("keep")
    code, _, err = main(capsys, "compare", "--practices", NENE, "--scenario", DEFAULT, "--scenario", SEPARATE,
                        "--out", out)
    assert code == 2 and "already exists" in err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


# ---- injection: text from the ledger or the scenario never becomes a live formula --------------------

INJECTED = (
    "commissioner,practice_code,practice_name,locality,list_size,over75,weighted_list,les_total\n"
    '+44,=1+1,"=HYPERLINK(""http://evil.example"",""click"")",@SUM(A1:A9),1000,100,900,500\n'
    "+44,P2,-2+3,\"=cmd|' /C calc'!A0\",2000,150,2100,0\n"
    "04G,P3,Normal,North,3000,200,2800,1000\n"
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def injected_compare(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inject")
    (folder / "ledger.csv").write_text(INJECTED, encoding="utf-8")
    (folder / "a.yaml").write_text("name: '=HYPERLINK(\"http://evil.example\")'\n")
    (folder / "b.yaml").write_text("name: '-1+1 option'\nles: {schemes: {les_total: {action: decommission}}, "
                                   "protection: {max_loss_pct: [0, 100]}}\n")
    out = folder / "cmp"
    code = cli.main(["compare", "--practices", str(folder / "ledger.csv"), "--scenario", str(folder / "a.yaml"),
                     "--scenario", str(folder / "b.yaml"), "--out", str(out)])
    assert code == 0
    code = cli.main(["run", "--practices", str(folder / "ledger.csv"), "--scenario", str(folder / "b.yaml"),
                     "--out", str(folder / "run")])
    assert code == 0
    return folder


def test_formula_text_is_neutralised_in_every_csv(injected_compare):
    import csv

    files = [*(injected_compare / "cmp").glob("*.csv"), *(injected_compare / "run").glob("*.csv")]
    assert len(files) == 9
    for path in files:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not cell.startswith(FORMULA_START) or _is_number(cell), (path.name, cell)


def test_no_text_from_the_inputs_becomes_a_formula_in_the_workbooks(injected_compare):
    """Text is written as text cells, exactly as typed ("=1+1" reads "=1+1"); no formula holds user text."""
    import re

    for path in [injected_compare / "cmp" / "compare.xlsx", injected_compare / "run" / "results.xlsx"]:
        wb = openpyxl.load_workbook(path)
        typed = set()
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.data_type == "f":  # our own formulas: cell references, no user text
                        code = re.sub(r'"(?:[^"]|"")*"', '""', str(c.value))
                        assert "HYPERLINK" not in code and "cmd|" not in code and "SUM(A1" not in code, c.value
                    elif isinstance(c.value, str):
                        assert c.data_type in ("s", "inlineStr"), (path.name, ws.title, c.coordinate)
                        typed.add(c.value)
        assert {"=1+1", "-2+3", "@SUM(A1:A9)", "=cmd|' /C calc'!A0"} <= typed, path.name


def test_workbook_checks_match_rows_by_cells_not_criteria(injected_compare):
    """The Checks sheet matches rows with SUMPRODUCT((range=cell)*values) against key cells written on the
    sheet as text: a commissioner "+44" or a locality "=cmd|…" is compared exactly, never parsed as a
    criterion, a wildcard or a date (a SUMIFS criterion "=+44" would have summed nothing on both sides)."""
    wb = openpyxl.load_workbook(injected_compare / "run" / "results.xlsx")
    checks = wb["Checks"]
    formulas = [str(c.value) for row in checks.iter_rows() for c in row if c.data_type == "f"]
    assert any("SUMPRODUCT((Practices!" in f for f in formulas)
    assert not any("SUMIFS(" in f for f in formulas)
    keys = {c.value for row in checks.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"+44", "04G", "@SUM(A1:A9)", "=cmd|' /C calc'!A0"} <= keys
    written = {str(c.value) for row in wb["Practices"].iter_rows() for c in row if isinstance(c.value, str)}
    assert {"+44", "@SUM(A1:A9)"} <= written


# ---- practice-list warnings: known quirks in one line, the rest capped (validate lists them all) --------

ENGLAND = REPO / "data" / "england_2014_15.csv"


def _ledger(folder: Path, old: int, empty: int) -> Path:
    """A usable list with `old` practices whose patients are 60 % aged 75+ and `empty` with list size 0."""
    rows = ["commissioner,practice_code,practice_name,locality,list_size,over75,weighted_list",
            *(f"04G,O{i:03d},Old {i},North,100,60,100" for i in range(old)),
            *(f"04G,Z{i:03d},Empty {i},North,0,0,0" for i in range(empty)),
            "04G,N001,Normal,North,5000,400,5000"]
    path = folder / f"ledger_{old}_{empty}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _warnings_printed(capsys, path: Path) -> list[str]:
    cli_common.load_inputs(str(path))
    out, err = capsys.readouterr()
    assert out == ""
    return err.splitlines()


def test_england_over75_quirks_are_one_warning_line(capsys):
    lines = _warnings_printed(capsys, ENGLAND)
    assert lines == [f"warning: 7 practices in england_2014_15.csv have over 40 % of patients aged 75+ (check the "
                     f"figures); `python -m model validate --practices {ENGLAND}` lists them"]


def test_validate_still_lists_every_over75_quirk(capsys):
    code, out, err = main(capsys, "validate", "--practices", ENGLAND)
    assert code == 0 and err == ""
    assert out.count("are aged 75+, above 40 %") == 7


def test_a_few_over75_quirks_are_listed_one_by_one(tmp_path, capsys):
    lines = _warnings_printed(capsys, _ledger(tmp_path, old=3, empty=0))
    assert len(lines) == 3
    assert all(line.startswith("warning: ledger_3_0.csv, row ") and "are aged 75+, above 40 %" in line
               for line in lines)


def test_four_over75_quirks_are_summarised_and_other_warnings_capped_at_ten(tmp_path, capsys):
    path = _ledger(tmp_path, old=4, empty=12)
    lines = _warnings_printed(capsys, path)
    assert lines[0].startswith("warning: 4 practices in ledger_4_12.csv have over 40 % of patients aged 75+")
    listed = lines[1:-1]
    assert len(listed) == 10 and all("the list size is 0" in line for line in listed)
    assert lines[-1] == f"warning: and 2 more warnings (run `python -m model validate --practices {path}` to list them)"


def test_over75_quirks_beyond_the_listed_ones_are_still_one_line(tmp_path, capsys):
    lines = _warnings_printed(capsys, _ledger(tmp_path, old=25, empty=0))
    assert len(lines) == 1
    assert lines[0].startswith("warning: more than 20 practices in ledger_25_0.csv have over 40 % of patients aged")


def test_ten_other_warnings_are_all_listed(tmp_path, capsys):
    lines = _warnings_printed(capsys, _ledger(tmp_path, old=0, empty=10))
    assert len(lines) == 10 and all("the list size is 0" in line for line in lines)
