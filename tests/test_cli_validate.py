"""`python -m model validate --practices FILE`: report on stdout, exit 0 when usable, 2 when not."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from cli import main as cli

REPO = Path(__file__).resolve().parents[1]
FILES = Path(__file__).parent / "files"
PAYMENTS_14_15 = REPO / "data" / "sources" / "nhs-payments" / "14-15.csv"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "model", *args], cwd=REPO, capture_output=True, text=True,
        encoding="utf-8", timeout=120, check=False,
    )


def test_usable_file_exits_0_with_the_report_on_stdout():
    proc = run("validate", "--practices", str(FILES / "good.csv"))
    assert proc.returncode == 0, proc.stderr
    assert "Practice list: good.csv" in proc.stdout
    assert "✔ 3 practices in 1 commissioner (04G)" in proc.stdout
    assert "Result: usable." in proc.stdout
    assert proc.stderr == ""


def test_warnings_still_exit_0():
    proc = run("validate", "--practices", str(FILES / "warnings.csv"))
    assert proc.returncode == 0
    assert "⚠ row 2, column 'list_size': the list size is 0" in proc.stdout
    assert proc.stderr == ""


def test_bad_file_exits_2_with_one_line_per_error_on_stderr():
    proc = run("validate", "--practices", str(FILES / "all_errors.csv"))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 9
    assert all(line.startswith("all_errors.csv, row ") for line in lines)
    assert "all_errors.csv, row 3, column 'List Size': 'abc' is not a number" in lines
    assert "NOT usable" in proc.stdout and "✖ row 3, column 'List Size'" in proc.stdout


def test_payments_file_exits_2_with_the_over75_message():
    assert PAYMENTS_14_15.is_file(), f"missing {PAYMENTS_14_15}"
    proc = run("validate", "--practices", str(PAYMENTS_14_15))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("14-15.csv, column 'over75': the file has no column of patients aged 75+")
    assert "NHSBSA" in lines[0]


def test_missing_file_exits_2():
    proc = run("validate", "--practices", "no/such/file.csv")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "file.csv: the file was not found (looked for 'no/such/file.csv')"
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [(), ("validate",), ("nonsense",)])
def test_usage_errors_exit_2(args):
    proc = run(*args)
    assert proc.returncode == 2
    assert "usage:" in proc.stderr and "Traceback" not in proc.stderr


def test_help_exits_0():
    proc = run("validate", "--help")
    assert proc.returncode == 0 and "--practices" in proc.stdout


# ---- in-process: the handler contract -------------------------------------------------------------------


def _broken(args: argparse.Namespace) -> int:
    raise RuntimeError("something\nbroke")


def _user_mistake(args: argparse.Namespace) -> int:
    raise cli.UserError("the scenario file names an unknown key 'potz'")


def test_internal_error_exits_3_without_traceback(monkeypatch, capsys):
    monkeypatch.setitem(cli.COMMANDS, "boom", cli.Command("fails", lambda p: None, _broken))
    assert cli.main(["boom"]) == 3
    err = capsys.readouterr().err
    assert err.strip() == "internal error: RuntimeError: something broke"


def test_internal_error_with_debug_shows_the_traceback(monkeypatch, capsys):
    monkeypatch.setitem(cli.COMMANDS, "boom", cli.Command("fails", lambda p: None, _broken))
    assert cli.main(["boom", "--debug"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().endswith("internal error: RuntimeError: something broke")
    assert cli.main(["--debug", "boom"]) == 3


def test_user_error_exits_2_with_one_line(monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", dict(cli.COMMANDS))
    cli.register("mistake", "a user mistake", lambda p: None, _user_mistake)
    assert cli.main(["mistake"]) == 2
    assert capsys.readouterr().err == "error: the scenario file names an unknown key 'potz'\n"


def test_main_validate_in_process(capsys):
    assert cli.main(["validate", "--practices", str(FILES / "good.csv")]) == 0
    assert "Result: usable." in capsys.readouterr().out
