"""Golden outputs: the CSV tables and scenario file `run` writes for every shipped scenario, on Nene
and on all England, are byte-identical to the recorded ones (sha256 in ``tests/golden/run_outputs.json``).

A refactor must not change a figure or a byte. When a change of output is intended, regenerate the
record with ``python tests/golden/record.py`` and say in the commit which files changed and why.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cli.run import load_inputs
from model.engine import prepare, run
from papers.tables import result_files

ROOT = Path(__file__).resolve().parents[1]
RECORD = json.loads((ROOT / "tests" / "golden" / "run_outputs.json").read_text())
DATA = {"nene": ROOT / "data" / "nene_2014_15.csv", "england": ROOT / "data" / "england_2014_15.csv"}
SCENARIOS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))


def outputs(data: str, scenario: str) -> dict[str, str]:
    """sha256 of each CSV/YAML file `run` writes, keyed as in the record."""
    from model.scenario_files import load_scenario_file

    practices = _prepared(data)
    results = run(practices, load_scenario_file(str(ROOT / "scenarios" / f"{scenario}.yaml")))
    return {f"{data}/{scenario}/{name}": hashlib.sha256(body).hexdigest()
            for name, body in result_files(results).items()}


_CACHE: dict[str, object] = {}


def _prepared(data: str):
    if data not in _CACHE:
        _CACHE[data] = prepare(load_inputs(str(DATA[data])))
    return _CACHE[data]


def test_the_record_covers_every_shipped_scenario():
    recorded = {key.split("/")[1] for key in RECORD}
    assert recorded == set(SCENARIOS)


@pytest.mark.parametrize("data", sorted(DATA))
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_run_outputs_are_byte_identical_to_the_record(data, scenario):
    got = outputs(data, scenario)
    expected = {k: v for k, v in RECORD.items() if k.startswith(f"{data}/{scenario}/")}
    assert set(got) == set(expected)
    changed = sorted(k for k in got if got[k] != expected[k])
    assert not changed, f"outputs changed: {changed} (if intended, run python tests/golden/record.py)"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_results_table_fits_the_register(scenario):
    """The tables of every shipped scenario on England have the register's columns, in order, and
    values of the register's kinds (tests/schemas.py)."""
    from schemas import validate

    from model.scenario_files import load_scenario_file

    validate(run(_prepared("england"), load_scenario_file(str(ROOT / "scenarios" / f"{scenario}.yaml"))))
