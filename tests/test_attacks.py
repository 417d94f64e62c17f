"""Hostile and careless inputs (issue #18): every one is refused with a sentence, or read with a warning,
within a time and memory limit; output folders are never lost.

Two parts:

* the attack corpus (``scripts/attack_corpus.py``): each case makes its own files in a temporary folder
  (the large ones here, at test time) and runs ``python -m model …`` in a child process under a time limit
  and ``resource.setrlimit`` memory limit, asserting its exit code and message. Marked ``attacks``
  (``make test-attacks``, run by ``.ci/run``): about two minutes, so ``make test`` leaves them out;
* fast checks of the same defences in this process (share links, regular files, folder races, leftovers,
  crash recovery, the upload process), which ``make test`` runs.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from app_helpers import cards
from streamlit.testing.v1 import AppTest

from cli import common as cli_common
from cli import main as cli
from cli import run as cli_run
from model import scenario_edits
from model.analysis import montecarlo, sensitivity
from model.limits import MAX_LINK_CHARS, MAX_PRACTICES
from model.practices import load_practices
from model.scenario import Scenario, ScenarioError, parse_scenario
from model.scenario_files import read_scenario
from screen.pages.isolated import read_upload

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import attack_corpus  # noqa: E402 - scripts/ is not a package

NENE = ROOT / "data" / "nene_2014_15.csv"
DEFAULT = ROOT / "scenarios" / "guidance_default.yaml"
SCENARIOS = ROOT / "scenarios"
MAX_TEST_WALL_S = 15.0  # the table (scripts/attack_corpus.py) holds every case to 10 s; a test allows for a busy CI


# ---- the corpus ------------------------------------------------------------------------------------------

CASES = {c.name: c for c in attack_corpus.cases()}


@pytest.mark.attacks
@pytest.mark.parametrize("name", list(CASES))
def test_attack(name, tmp_path):
    case = CASES[name]
    try:
        outcome = attack_corpus.run_case(case, tmp_path)
        wrong = attack_corpus.problems(case, outcome, tmp_path)
    finally:
        attack_corpus.undo_readonly(tmp_path)
    assert not wrong, f"{case.what}: {wrong}\nstdout: {outcome.stdout[-2000:]}\nstderr: {outcome.stderr[-2000:]}"
    assert outcome.wall_s < MAX_TEST_WALL_S, f"{case.what}: took {outcome.wall_s:.1f} s"
    assert outcome.peak_mb < attack_corpus.MAX_PEAK_MB, f"{case.what}: peak {outcome.peak_mb:,.0f} MB"


def test_the_corpus_covers_the_issue():
    """Every attack of issue #18 has a case (the names are the contract with the table in the closing note)."""
    must = {"csv_million_columns", "csv_250k_rows", "csv_52500_practices", "run_20000_x_20_years", "xlsx_rows_bomb",
            "xlsx_far_row", "xlsx_cells_bomb", "xlsx_strings_bomb", "csv_1m_duplicates", "long_commissioner_code",
            "fifo", "dev_zero", "montecarlo_england_1m", "out_readonly", "out_dangling_symlink",
            "out_symlink_other_fs", "out_under_proc", "force_dot", "force_root", "force_home", "mixed_encodings",
            "xlsm_macros_links", "scenario_bool_horizon", "scenario_text_number", "race_folder_appears",
            "concurrent_runs", "killed_run_leftovers", "control_characters"}
    assert must <= set(CASES), must - set(CASES)


# ---- share links -------------------------------------------------------------------------------------------

ALIAS_BOMB = "[" + ", ".join(["&a [1, 1, 1, 1, 1, 1, 1, 1, 1]"] + [f"&{chr(98 + i)} [" + ", ".join(
    [f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]) + "]"


@pytest.mark.parametrize("value", [ALIAS_BOMB[:594], ALIAS_BOMB[:776], ALIAS_BOMB[:867], ALIAS_BOMB,
                                   "!!python/object/apply:os.system ['true']", "{a: {b: {c: {d: 1}}}}",
                                   "[" * 1900, "{action: decommission, fraction: *x}", "1e999"])
def test_link_values_are_data_never_a_language(value):
    start = time.perf_counter()
    reading = scenario_edits.read_link({"s": "les_separate", "les.protection.max_loss_pct": value,
                                        "pot.rate_per_head": "6"}, SCENARIOS)
    assert time.perf_counter() - start < 0.5
    assert reading.warnings and all(len(w) < 400 for w in reading.warnings)
    if len(value) + 60 <= MAX_LINK_CHARS:
        assert reading.overrides["pot.rate_per_head"] == 6  # the good setting still applies
        assert "les.protection.max_loss_pct" not in reading.overrides


def test_a_link_over_the_limit_is_not_read_at_all():
    reading = scenario_edits.read_link({"s": "les_separate", "name": "x" * MAX_LINK_CHARS}, SCENARIOS)
    assert reading.overrides == {} and reading.scenario_file == "guidance_default"
    assert reading.warnings == [f"The link is longer than {MAX_LINK_CHARS:,} characters, so none of its settings "
                                "were used: showing the default scenario."]


def test_link_values_are_typed_by_the_schema():
    reading = scenario_edits.read_link({"horizon_years": "true", "les.counts_toward_pot": "7",
                                        "name": "2014", "pot.uplift_pct": "[1, 2]"}, SCENARIOS)
    assert reading.overrides == {"name": "2014"}
    text = " ".join(reading.warnings)
    assert "'horizon_years'" in text and "not a number" in text and "not true or false" in text


def test_every_shipped_scenario_survives_the_link_round_trip():
    base = Scenario()
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = read_scenario(path.read_bytes(), path.name)[0]
        values = scenario_edits.flatten(scenario, ["les_total"])
        params = scenario_edits.link_params("guidance_default",
                                            scenario_edits.changes(scenario_edits.flatten(base, ["les_total"]), values))
        reading = scenario_edits.read_link(params, SCENARIOS)
        assert not reading.warnings, (path.name, reading.warnings)
        rebuilt = scenario_edits.build_scenario(reading.base, {**scenario_edits.flatten(reading.base, ["les_total"]),
                                                               **reading.overrides})
        assert rebuilt == scenario, path.name


def test_a_link_naming_an_unknown_les_scheme_keeps_the_figures():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.query_params.update({"s": "les_separate", "les.schemes.les_no_such_scheme": "decommission"})
    at.run()
    assert not at.exception
    assert any("les\\_no\\_such\\_scheme" in w.value for w in at.warning)
    assert any(c.label.startswith("Practice pot") for c in cards(at)), "the figures are shown"


def test_the_link_bomb_on_the_page_is_one_warning_and_the_figures():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.query_params.update({"les.protection.max_loss_pct": ALIAS_BOMB[:867]})
    at.run()
    assert not at.exception
    assert len(at.warning) == 1 and "max\\_loss\\_pct" in at.warning[0].value
    assert any(c.label.startswith("Practice pot") for c in cards(at))


# ---- scenario values ---------------------------------------------------------------------------------------


def test_booleans_are_refused_where_numbers_belong():
    for data in ({"horizon_years": True}, {"pot": {"rate_per_head": False}},
                 {"les": {"protection": {"max_loss_pct": [0, True]}}},
                 {"les": {"schemes": {"les_total": {"action": "decommission", "fraction": True}}}}):
        with pytest.raises(ScenarioError, match="yes/no value, not a number"):
            parse_scenario(data, "x.yaml")
    assert parse_scenario({"les": {"counts_toward_pot": True}}).les.counts_toward_pot is True  # a yes/no field


def test_numbers_written_as_text_are_read_with_a_warning():
    scenario, notes = read_scenario(b'version: 1\npot: {rate_per_head: "6"}\nhorizon_years: 5\n', "s.yaml")
    assert scenario.pot.rate_per_head == 6.0
    assert notes == ["s.yaml: key 'pot.rate_per_head': the number '6' was written as text (in quotes) and read as 6; "
                     "write it without quotes"]


# ---- practice lists ----------------------------------------------------------------------------------------


def test_only_regular_files_are_read(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for path, words in ((fifo, "named pipe"), (Path("/dev/zero"), "character device"), (tmp_path, "folder")):
        start = time.perf_counter()
        result = load_practices(path)
        assert time.perf_counter() - start < 1 and not result.ok
        assert words in result.report.errors[0].message


def test_columns_are_counted_before_the_csv_is_parsed():
    data = b"practice_code,list_size,over75" + b",x" * 5_000_000 + b"\nK1,1,0\n"
    start = time.perf_counter()
    result = load_practices(data, "wide.csv")
    assert time.perf_counter() - start < 3
    assert "at most 200 columns" in result.report.errors[0].message


def test_practices_over_the_limit_are_refused():
    rows = "".join(f"P{i},1000,80\n" for i in range(MAX_PRACTICES + 1))
    result = load_practices(("practice_code,list_size,over75\n" + rows).encode(), "big.csv")
    assert [p.message for p in result.report.errors] == [
        f"the file has {MAX_PRACTICES + 1:,} practice rows; a practice list may have at most {MAX_PRACTICES:,}. Split "
        "it by commissioner (each part is read on its own)"]


def test_control_characters_are_replaced_with_a_warning_naming_row_and_column():
    data = (b'practice_code,practice_name,locality,list_size,over75\n"K\x0b1",Smith\x07 Surgery,"North\nEast",1000,80\n'
            b"K2,Park\xe2\x80\xaeHouse,South,2000,150\n" + b"".join(b"K%d,Practice %d,South,1000,80\n" % (i, i)
                                                                 for i in range(3, 20)))
    result = load_practices(data, "names.csv")
    assert result.ok, result.report.errors
    frame = result.practices
    assert frame["practice_code"].tolist()[:2] == ["K 1", "K2"]
    assert frame["practice_name"].tolist()[:2] == ["Smith  Surgery", "Park House"]
    assert frame["locality"].tolist()[:2] == ["North East", "South"]
    found = {(w.row, w.column) for w in result.report.warnings if "control characters" in w.message}
    assert found == {(2, "practice_code"), (2, "practice_name"), (2, "locality"), (3, "practice_name")}


def test_mixed_encodings_are_read_row_by_row_and_named():
    data = ("practice_code,practice_name,list_size,over75\nK1,Café,1000,80\n".encode()
            + "K2,Café,2000,150\nK3,Crème,3000,200\n".encode("cp1252"))
    result = load_practices(data, "mixed.csv")
    assert result.practices["practice_name"].tolist() == ["Café", "Café", "Crème"]
    assert result.report.file_type == "CSV (UTF-8 and Windows-1252 (mixed), comma-separated)"
    assert "rows 3 and 4 were read as Windows-1252" in result.report.warnings[0].message


def test_duplicate_rows_are_listed_up_to_a_limit():
    data = b"practice_code,list_size,over75\n" + b"K1,1000,80\n" * 5_000
    message = load_practices(data, "dups.csv").report.errors[0].message
    assert message.endswith("and 4,980 more") and len(message) < 300


def test_a_workbook_is_refused_from_its_zip_directory_before_parsing(tmp_path):
    path = attack_corpus.workbook(tmp_path / "parts.xlsx", lambda w: w(attack_corpus._HEADER_ROW), n_extra_parts=1500)
    assert "the limit is 1,000" in load_practices(path).report.errors[0].message
    path = attack_corpus._entity_bomb(tmp_path / "laughs.xlsx")
    assert "declares a DTD" in load_practices(path).report.errors[0].message


def test_a_macro_workbook_is_read_as_saved_with_warnings(tmp_path):
    path = attack_corpus.workbook(tmp_path / "m.xlsm", lambda w: w(attack_corpus._HEADER_ROW + attack_corpus._row(2)),
                                  extra={"xl/vbaProject.bin": b"x", "xl/externalLinks/externalLink1.xml": b"<x/>"})
    result = load_practices(path)
    assert result.ok and result.practices["list_size"].tolist() == [1000]
    text = " ".join(w.message for w in result.report.warnings)
    assert "macros: they were not run" in text and "external links" in text


# ---- work limits -------------------------------------------------------------------------------------------


def test_monte_carlo_draws_times_commissioners_are_limited(nene_list):
    with pytest.raises(ValueError, match="draws × 1 commissioners"):
        montecarlo.monte_carlo(nene_list, Scenario(), draws=3_000_000)


def test_a_tornado_over_the_work_limit_is_refused():
    practices = pd.DataFrame({"practice_code": [f"P{i}" for i in range(20_000)], "list_size": 1000, "over75": 80})
    with pytest.raises(ValueError, match="tornado needs"):
        sensitivity.tornado(practices, Scenario(horizon_years=20))


@pytest.fixture(scope="module")
def nene_list():
    return load_practices(NENE).practices


# ---- output folders ----------------------------------------------------------------------------------------


def _main(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_folder_made_at_out_during_the_run_survives_without_force(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    real = cli_run.write_run

    def write_then_someone_else_makes_out(results, folder, *args, **kwargs):
        real(results, folder, *args, **kwargs)
        out.mkdir()
        (out / "colleague.txt").write_text("theirs")

    monkeypatch.setattr(cli_run, "write_run", write_then_someone_else_makes_out)
    code, stdout, err = _main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", out)
    assert code == 2 and "appeared at this path while the run was computing" in err and stdout == ""
    assert _listing(out) == ["colleague.txt"] and (out / "colleague.txt").read_text() == "theirs"
    assert _listing(tmp_path) == ["out"], "no temporary folder is left"


def test_an_empty_folder_made_at_out_during_the_run_is_not_replaced_either(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    real = cli_run.write_run
    monkeypatch.setattr(cli_run, "write_run", lambda r, f, *a, **k: (real(r, f, *a, **k), out.mkdir()))
    code, _, err = _main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", out)
    assert code == 2 and "appeared" in err
    assert _listing(out) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "fallback"])
def test_force_replaces_only_this_tools_output(tmp_path, capsys, monkeypatch, exchange):
    if not exchange:  # a system without renameat2: claim by mkdir, replace by two renames
        monkeypatch.setattr(cli_common, "_renameat2", lambda *a: False)
    out = tmp_path / "out"
    assert _main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", out)[0] == 0
    assert (out / cli_common.MARKER).is_file()
    assert _main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", out, "--force")[0] == 0
    assert _listing(tmp_path) == ["out"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", empty, "--force")[0] == 0
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    code, _, err = _main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", foreign, "--force")
    assert code == 2 and f"--out {foreign}: this folder was not written by this tool" in err
    assert _listing(foreign) == ["notes.txt"]


def test_leftovers_of_killed_runs_are_removed_but_a_live_runs_folder_is_kept(tmp_path, capsys):
    dead = tmp_path / ".out.pcfund-tmp-dead"
    live = tmp_path / ".out.pcfund-tmp-live"
    stranger = tmp_path / ".out.pcfund-tmp-stranger"  # no marker: not this tool's, never touched
    for folder in (dead, live, stranger):
        folder.mkdir()
        (folder / "practices.csv").write_text("half written")
    (dead / cli_common.MARKER).write_text("")
    (live / cli_common.MARKER).write_text("")
    fd = os.open(live / cli_common.MARKER, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as a run still writing holds it
    try:
        assert _main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", tmp_path / "out")[0] == 0
    finally:
        os.close(fd)
    assert _listing(tmp_path) == [".out.pcfund-tmp-live", ".out.pcfund-tmp-stranger", "out"]


def test_a_previous_output_moved_aside_by_a_killed_run_is_put_back(tmp_path, capsys):
    aside = tmp_path / ".out.pcfund-old-abc"
    aside.mkdir()
    (aside / cli_common.MARKER).write_text("")
    (aside / "practices.csv").write_text("the previous output")
    code, _, err = _main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", tmp_path / "out")
    assert code == 2 and "already exists" in err  # it is back, so it is not replaced without --force
    assert (tmp_path / "out" / "practices.csv").read_text() == "the previous output"
    assert _listing(tmp_path) == ["out"]


def test_a_failed_second_rename_puts_the_old_output_back(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    assert _main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", out)[0] == 0
    before = (out / "practices.csv").read_bytes()
    monkeypatch.setattr(cli_common, "_renameat2", lambda *a: False)
    real = os.rename

    def second_fails(src, dst):
        if Path(src).name.startswith(".out.pcfund-tmp-"):
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(cli_common.os, "rename", second_fails)
    code, _, err = _main(capsys, "run", "--practices", NENE, "--scenario", SCENARIOS / "les_separate.yaml",
                         "--out", out, "--force")
    assert code == 2 and f"--out {out}: the output could not be moved into place" in err
    assert (out / "practices.csv").read_bytes() == before
    assert _listing(tmp_path) == ["out"]


@pytest.mark.parametrize("target, words", [("/proc/self/x", "under /proc"), (".", "give the name"),
                                           ("/", "give the name"), ("~", "your home folder")])
def test_special_places_are_refused(target, words, capsys):
    target = str(Path.home()) if target == "~" else target
    code, _, err = _main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", target, "--force")
    assert code == 2 and words in err and err.count("\n") == 1


def test_a_symbolic_link_at_out_is_refused(tmp_path, capsys):
    (tmp_path / "out").symlink_to(tmp_path / "nowhere")
    code, _, err = _main(capsys, "run", "--practices", NENE, "--scenario", DEFAULT, "--out", tmp_path / "out")
    assert code == 2 and "is a symbolic link" in err


def test_one_file_output_never_replaces_a_file_that_appeared(tmp_path, capsys, monkeypatch):
    out = tmp_path / "page.html"
    real = os.link

    def someone_writes_first(src, dst):
        Path(dst).write_text("theirs")
        real(src, dst)

    monkeypatch.setattr(cli_common.os, "link", someone_writes_first)
    code, _, err = _main(capsys, "onepager", "--practices", NENE, "--practice", "K83003", "--out", out)
    assert code == 2 and "appeared" in err
    assert out.read_text() == "theirs" and _listing(tmp_path) == ["page.html"]


# ---- the app's upload process ------------------------------------------------------------------------------


def test_an_upload_over_the_memory_limit_is_stopped_with_a_sentence():
    result = read_upload(b"practice_code,list_size,over75\nK1,1000,80\n", "tiny.csv", memory_bytes=64 * 2**20)
    assert not result.ok
    assert "needed more than the limits for one upload" in result.report.errors[0].message


def test_an_upload_over_the_time_limit_is_stopped_with_a_sentence(monkeypatch):
    import screen.pages.isolated as isolated
    monkeypatch.setattr(isolated, "_CHILD", "import time\ntime.sleep(30)\n")
    start = time.perf_counter()
    result = read_upload(b"x", "slow.csv", seconds=2)
    assert time.perf_counter() - start < 6
    assert "2 seconds" in result.report.errors[0].message
