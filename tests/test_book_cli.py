"""`python -m model book list | show | diff | export | import` (and save, mark): what they print, the folder
export writes and import reads back, and exit 2 with one sentence for bad input. Real SQLite files in a
temporary folder. Run: .venv/bin/pytest tests/test_book_cli.py -q
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from book.records import PracticeListPrint
from book.store import Book
from cli import common as cli_common
from cli import main as cli

REPO = Path(__file__).resolve().parents[1]
NENE = REPO / "data" / "nene_2014_15.csv"
SCEN = REPO / "scenarios"


def book_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["book", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def filled(tmp_path, capsys) -> Path:
    """A book with LES linked v1, v2 (shortlisted) and Separate v1 (agreed), saved through the CLI."""
    path = tmp_path / "book.sqlite3"
    for scenario, option, author, note in [("les_linked_counts", "LES linked", "Ann Lee", "first go"),
                                           ("les_linked_recycle", "LES linked", "Bob Khan", "recycle on top"),
                                           ("les_separate", "Separate", "Ann Lee", "")]:
        code, out, err = book_cli(capsys, "save", "--book", path, "--practices", NENE, "--scenario",
                                  SCEN / f"{scenario}.yaml", "--option", option, "--author", author, "--note", note)
        assert code == 0, err
        assert out.startswith(f"saved {option} v")
    assert book_cli(capsys, "mark", "--book", path, "LES linked@2", "--status", "shortlisted", "--by", "Bob Khan",
                    "--note", "finance committee")[0] == 0
    assert book_cli(capsys, "mark", "--book", path, "Separate", "--status", "shortlisted", "--by", "Bob Khan")[0] == 0
    code, out, _ = book_cli(capsys, "mark", "--book", path, "Separate", "--status", "agreed", "--by", "Chair",
                            "--note", "governing body 12 March")
    assert code == 0 and out.startswith("Separate v1 (#3) is now agreed (Agreed by Chair,")
    return path


def test_list_show_and_diff(filled, capsys):
    code, out, _ = book_cli(capsys, "list", "--book", filled)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"Options book {filled}: 2 options, 3 versions"
    assert lines[2].split()[:3] == ["#", "version", "status"]
    assert "LES linked v2" in lines[4] and "Shortlisted by Bob Khan" in lines[4] and "£3,238,385" in lines[4]
    assert "Separate v1" in lines[5] and "Agreed by Chair" in lines[5]
    code, out, _ = book_cli(capsys, "list", "--book", filled, "--status", "agreed")
    assert code == 0 and "1 agreed" in out and "LES linked" not in out

    code, out, _ = book_cli(capsys, "show", "--book", filled, "Separate")
    assert code == 0
    assert "Status:        Agreed by Chair" in out
    assert "  - agreed by Chair, " in out and ": governing body 12 March" in out
    assert "Practice list: nene_2014_15.csv (69 practices, CCG 04G), sha256 " in out
    assert "  - Protection, first year: £3,113,999" in out
    assert "  - LES (all schemes): kept as now → decommissioned in full from 2014/15" in out
    code, out, _ = book_cli(capsys, "show", "--book", filled, "#1", "--yaml")
    assert code == 0 and out.startswith("version: 1") and "les_total" in out

    code, out, _ = book_cli(capsys, "diff", "--book", filled, "LES linked@1", "LES linked@2")
    assert code == 0
    assert out.splitlines()[0] == "Differences from LES linked v1 (#1) to LES linked v2 (#2)"
    assert "  - Recycled LES counts toward the £5 (only the rest is new money): yes → no" in out
    assert "  - Both computed on the same practice list: nene_2014_15.csv (69 practices, CCG 04G)." in out
    assert "  - New money, first year: £0 → £3,238,385 (+£3,238,385)" in out


def test_diff_through_python_m_model(filled):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PCFUND_BOOK": str(filled)}
    p = subprocess.run([sys.executable, "-m", "model", "book", "diff", "#1", "#3"], cwd=REPO, capture_output=True,
                       text=True, encoding="utf-8", env=env, timeout=120, check=False)
    assert p.returncode == 0, p.stderr
    assert "Differences from LES linked v1 (#1) to Separate v1 (#3)" in p.stdout
    assert "LES savings recycled into the pot (%): 100 → 0" in p.stdout


def test_export_then_import_gives_the_same_book(filled, tmp_path, capsys):
    out_dir = tmp_path / "exported"
    code, out, err = book_cli(capsys, "export", "--book", filled, "--out", out_dir)
    assert code == 0, err
    assert out.strip() == f"wrote {out_dir}: manifest.json and 3 scenario YAML files (2 options)"
    files = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file()
                   and p.name != cli_common.MARKER)  # the marker every command's output folder holds
    assert files == ["001-les-linked/v001.yaml", "001-les-linked/v002.yaml", "002-separate/v001.yaml",
                     "manifest.json"]
    manifest = json.loads((out_dir / "manifest.json").read_text("utf-8"))
    assert manifest["format"] == "pcfund options book" and manifest["book_schema"] == 1
    sep = manifest["options"][1]["versions"][0]
    assert [s["status"] for s in sep["history"]] == ["draft", "shortlisted", "agreed"]
    assert sep["practice_list"]["rows"] == 69 and sep["headlines"]["protection"] == 3113999.0

    again = tmp_path / "again"  # the same book gives the same bytes
    assert book_cli(capsys, "export", "--book", filled, "--out", again)[0] == 0
    for f in files:
        assert (again / f).read_bytes() == (out_dir / f).read_bytes()

    other = tmp_path / "other.sqlite3"
    code, out, err = book_cli(capsys, "import", "--book", other, out_dir)
    assert code == 0, err
    assert "2 new options, 3 new versions (0 already in the book), 6 status changes added." in out
    with Book(filled) as a, Book(other) as b:
        left, right = a.versions(), b.versions()
    assert [(v.title, v.scenario_yaml, v.author, v.saved_at, v.note, v.practice_list, v.headlines, v.history,
             v.based_on_title) for v in left] == \
        [(v.title, v.scenario_yaml, v.author, v.saved_at, v.note, v.practice_list, v.headlines, v.history,
          v.based_on_title) for v in right]
    code, out, _ = book_cli(capsys, "import", "--book", other, out_dir)  # twice: nothing new
    assert code == 0 and "0 new options, 0 new versions (3 already in the book), 0 status changes added." in out


def test_import_adds_later_status_changes_but_refuses_a_conflict(filled, tmp_path, capsys):
    out_dir = tmp_path / "exported"
    assert book_cli(capsys, "export", "--book", filled, "--out", out_dir)[0] == 0
    other = tmp_path / "other.sqlite3"
    assert book_cli(capsys, "import", "--book", other, out_dir)[0] == 0
    assert book_cli(capsys, "mark", "--book", filled, "LES linked@2", "--status", "agreed", "--by", "Chair")[0] == 0
    newer = tmp_path / "newer"
    assert book_cli(capsys, "export", "--book", filled, "--out", newer)[0] == 0
    code, out, _ = book_cli(capsys, "import", "--book", other, newer)
    assert code == 0 and "(3 already in the book), 1 status change added." in out
    with Book(other) as b:
        assert b.find("LES linked@2").status == "agreed"

    # a different v1 under the same name: refused, and nothing at all imported
    clash = tmp_path / "clash.sqlite3"
    assert book_cli(capsys, "save", "--book", clash, "--practices", NENE, "--scenario", SCEN / "per_over75_50.yaml",
                    "--option", "Separate", "--author", "Zoe")[0] == 0
    code, out, err = book_cli(capsys, "import", "--book", clash, newer)
    assert code == 2 and out == ""
    assert err.startswith("error: Separate v1 in the folder differs from Separate v1 in the book (saved by Zoe")
    assert "nothing was imported" in err and len(err.strip().splitlines()) == 1
    with Book(clash) as b:
        assert [v.title for v in b.versions()] == ["Separate v1"]


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "001-les-linked" / "v001.yaml").write_text("version: 1\nname: edited\n", "utf-8"),
     "was changed after it was exported"),
    (lambda d: (d / "002-separate" / "v001.yaml").unlink(), "the file '002-separate/v001.yaml' is missing"),
    (lambda d: _edit_manifest(d, lambda m: m["options"][0]["versions"][0].update(file="../../etc/passwd")),
     "is outside the folder"),
    (lambda d: _edit_manifest(d, lambda m: m["options"][0]["versions"][0]["history"].append(
        {"status": "approved", "by": "x", "at": "y"})), "each history step needs a status"),
    (lambda d: (d / "manifest.json").write_text('{"format": "pcfund options book",\n "options": [}', "utf-8"),
     "manifest.json, line 2, column 14: not valid JSON"),
    (lambda d: (d / "manifest.json").unlink(), "has no manifest.json"),
])
def test_a_damaged_folder_is_refused_with_a_sentence(filled, tmp_path, capsys, damage, message):
    out_dir = tmp_path / "exported"
    assert book_cli(capsys, "export", "--book", filled, "--out", out_dir)[0] == 0
    damage(out_dir)
    other = tmp_path / "other.sqlite3"
    code, out, err = book_cli(capsys, "import", "--book", other, out_dir)
    assert code == 2 and out == ""
    assert message in err and err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert not other.exists()  # checked before the book is touched


def _edit_manifest(folder: Path, change) -> None:
    path = folder / "manifest.json"
    m = json.loads(path.read_text("utf-8"))
    change(m)
    path.write_text(json.dumps(m), "utf-8")


def test_bad_input_exits_2_with_one_sentence(filled, tmp_path, capsys):
    cases = [
        (["show", "--book", filled, "Nope"], "There is no option or version 'Nope'"),
        (["diff", "--book", filled, "#1", "LES linked@9"], "The option 'LES linked' has no version 9"),
        (["mark", "--book", filled, "Separate", "--status", "draft", "--by", "Bob"], "was agreed by Chair"),
        (["mark", "--book", filled, "#1", "--status", "agreed", "--by", "Bob"], "shortlist it before"),
        (["save", "--book", filled, "--practices", NENE, "--scenario", SCEN / "les_separate.yaml", "--option",
          "x", "--author", " "], "Give the author's name"),
        (["export", "--book", filled, "--out", filled], "already exists"),
        (["show", "--book", tmp_path / "none.sqlite3", "#1"], "There is no options book at"),
        (["import", "--book", filled, tmp_path / "missing"], "is not a folder"),
        ([], "say what to do with the options book"),
    ]
    for args, message in cases:
        code, out, err = book_cli(capsys, *args)
        assert code == 2, (args, out, err)
        assert message in err, (args, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_damaged_or_missing_book(tmp_path, capsys):
    missing = tmp_path / "none.sqlite3"
    code, out, _ = book_cli(capsys, "list", "--book", missing)
    assert code == 0 and "There is no options book at" in out and not missing.exists()
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database " * 300)
    code, out, err = book_cli(capsys, "list", "--book", bad)
    assert code == 2 and "is damaged or is not an options book" in err


def test_book_flag_beats_environment(filled, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PCFUND_BOOK", str(filled))
    code, out, _ = book_cli(capsys, "list")
    assert code == 0 and "2 options, 3 versions" in out
    code, out, _ = book_cli(capsys, "list", "--book", tmp_path / "elsewhere.sqlite3")
    assert code == 0 and "There is no options book at" in out


def test_terminal_control_characters_in_names_are_not_printed(tmp_path, capsys):
    """The code refuses control characters; one written into the file by another program is shown as '?'."""
    path = tmp_path / "book.sqlite3"
    with Book(path) as book:
        v = book.save("Plain", "version: 1\n", "x", PracticeListPrint("a" * 64, "l.csv", 1, ()), {}, "Ann")
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("INSERT INTO status_changes (version_id, status, changed_by, changed_at, note) "
                   "VALUES (?, 'shortlisted', ?, '2026-01-01T00:00:00Z', '')", (v.id, "Eve\x1b]0;owned\x07"))
    code, out, _ = book_cli(capsys, "show", "--book", path, "Plain")
    assert code == 0 and "\x1b" not in out and "Eve?]0;owned?" in out
