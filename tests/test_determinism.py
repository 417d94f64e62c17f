"""Same inputs, same outputs (docs/design.md §6): byte-identical CSV files across two command-line runs (in two
processes with different hash seeds), and exactly equal tables across two runs of the engine in one
process, for every shipped scenario."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from model.analysis.compare import compare_practices, compare_summary, differing_assumptions
from model.engine import prepare, run
from model.practices import load_practices
from model.scenario_files import load_scenario_file
from papers.tables import csv_bytes, result_files

REPO = Path(__file__).resolve().parents[1]
NENE = REPO / "data" / "nene_2014_15.csv"
SCENARIOS = sorted((REPO / "scenarios").glob("*.yaml"))
TABLES = ("practices", "localities", "summary", "checks")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli_run(out: Path, scenario: Path, hash_seed: str) -> None:
    # SOURCE_DATE_EPOCH fixes the times papers print (when the list was loaded, the run date).
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONIOENCODING": "utf-8", "SOURCE_DATE_EPOCH": "1427875200"}
    proc = subprocess.run([sys.executable, "-m", "model", "run", "--practices", str(NENE), "--scenario",
                           str(scenario), "--out", str(out)], cwd=REPO, capture_output=True, text=True,
                          timeout=180, check=False, env=env)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def nene() -> pd.DataFrame:
    loaded = load_practices(NENE)
    assert loaded.ok, loaded.report.to_text()
    return loaded.practices


def test_two_cli_runs_write_byte_identical_csv_files(tmp_path):
    # LES decommissioned, recycled and counted toward the pot, protection top-sliced from the pot: the
    # scenario that exercises the most of the engine (the bisection for the top-slice included)
    scenario = REPO / "scenarios" / "les_linked_counts.yaml"
    first, second = tmp_path / "first", tmp_path / "second"
    cli_run(first, scenario, "1")
    cli_run(second, scenario, "2")
    csvs = sorted(p.name for p in first.glob("*.csv"))
    assert csvs == ["checks.csv", "data_source.csv", "localities.csv", "practices.csv", "summary.csv"]
    for name in [*csvs, "scenario.yaml"]:
        assert sha256(first / name) == sha256(second / name), name
    # the workbook: every part identical except its creation time (docProps/core.xml)
    with zipfile.ZipFile(first / "results.xlsx") as a, zipfile.ZipFile(second / "results.xlsx") as b:
        assert a.namelist() == b.namelist()
        differ = [n for n in a.namelist() if a.read(n) != b.read(n)]
    assert set(differ) <= {"docProps/core.xml"}, differ


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_two_engine_runs_give_exactly_equal_tables(nene, scenario):
    sc = load_scenario_file(str(scenario))
    a = run(nene, sc)
    b = run(nene.copy(), sc)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True, obj=table)
    assert a.warnings == b.warnings
    assert result_files(a) == result_files(b)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_prepared_and_unprepared_lists_give_the_same_tables(nene, scenario):
    sc = load_scenario_file(str(scenario))
    a = run(nene, sc)
    b = run(prepare(nene), sc)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True, obj=table)


@pytest.mark.parametrize("scenario", ["guidance_default.yaml", "les_linked_counts.yaml", "blend_with_floor.yaml",
                                      "locality_pooling.yaml"])
def test_row_order_of_the_practice_list_does_not_change_the_outputs(nene, scenario):
    """A ledger export sorted another way is the same input: the CSV files must be the same bytes."""
    sc = load_scenario_file(str(REPO / "scenarios" / scenario))
    shuffled = nene.sample(frac=1.0, random_state=7).reset_index(drop=True)
    a, b = run(nene, sc), run(shuffled, sc)
    for table in TABLES:
        assert csv_bytes(getattr(a, table)) == csv_bytes(getattr(b, table)), table


def test_loading_the_same_bytes_twice_gives_equal_frames():
    data = NENE.read_bytes()
    a, b = load_practices(data, "nene.csv"), load_practices(io.BytesIO(data), "nene.csv")
    pd.testing.assert_frame_equal(a.practices, b.practices, check_exact=True)
    assert a.report == b.report


def test_comparison_tables_are_byte_identical_across_runs(nene):
    scenarios = [load_scenario_file(str(REPO / "scenarios" / n)) for n in ("guidance_default.yaml",
                                                                              "les_separate.yaml")]
    runs_a = [run(nene, s) for s in scenarios]
    runs_b = [run(nene, s) for s in scenarios]
    for build in (compare_summary, compare_practices, differing_assumptions):
        assert csv_bytes(build(runs_a)) == csv_bytes(build(runs_b)), build.__name__
