"""The app's caches, all in one place: the data files keyed on their bytes, the model keyed on the
practice list id and the scenario as JSON, and the analyses the tabs run.

This is the only module with ``st.cache_data`` / ``st.cache_resource``: the calculations stay pure in
:mod:`model`, and what is kept between reruns is decided here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from model import scenario_edits
from model.analysis import montecarlo, sensitivity
from model.analysis.national import ccg_outcomes
from model.engine import prepare, run
from model.practices import load_practices, validate_frame
from model.results import Results
from model.scenario import Scenario, ScenarioError
from model.scenario_files import load_scenario
from screen.practice_list import bytes_key, ccg_options, one_ccg

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = ROOT / "scenarios"
NENE = ROOT / "data" / "nene_2014_15.csv"
ENGLAND = ROOT / "data" / "england_2014_15.csv"
DEFAULT_SCENARIO = "guidance_default"
DEFAULT_CCG = "04G"

MC_DRAWS = 1000
MC_SEED = 2014
# Growth draws rounded to 0.1 percentage point when the engine must run per draw (protection that can
# bind): ~10 engine runs instead of 1,000, percentiles within 0.1 % (the page lists this note).
MC_GROWTH_STEP = 0.1


@st.cache_resource(show_spinner=False, max_entries=4)
def _bundled(path: str, mtime: float) -> tuple[str, bytes]:
    data = Path(path).read_bytes()
    return bytes_key(data), data


def bundled(path: Path) -> tuple[str, bytes]:
    """A data file shipped with the app: (content key, bytes), read and hashed once per file version
    rather than on every rerun."""
    return _bundled(str(path), path.stat().st_mtime)


@st.cache_data(show_spinner=False, max_entries=32)
def load_list(data: bytes, filename: str):
    """A practice list read and checked by model.practices (cached on the file's bytes)."""
    return load_practices(data, filename)


@st.cache_data(show_spinner=False, max_entries=4)
def ccg_choices(file_key: str, _data: bytes) -> list[tuple[str, str]]:
    return ccg_options(load_list(_data, ENGLAND.name).practices)


@st.cache_data(show_spinner=False, max_entries=256)
def ccg_list(file_key: str, code: str, _data: bytes):
    full = load_list(_data, ENGLAND.name).practices
    return validate_frame(one_ccg(full, code), f"{ENGLAND.name} (CCG {code})")


@st.cache_data(show_spinner=False, max_entries=64)
def validated(list_id: str, _frame: pd.DataFrame):
    """An edited practice list checked again (keyed on the list id + its edits)."""
    return validate_frame(_frame, "the edited practice list")


@st.cache_resource(show_spinner=False, max_entries=16)
def prepared(list_id: str, _frame: pd.DataFrame):
    return prepare(_frame)


@st.cache_data(show_spinner=False, max_entries=256)
def run_model(list_id: str, scenario_json: str, _frame: pd.DataFrame) -> Results:
    """model.engine.run, cached on (practice list id, scenario as JSON)."""
    return run(prepared(list_id, _frame), Scenario.model_validate_json(scenario_json))


@st.cache_resource(show_spinner=False, max_entries=1)
def england_prepared(file_key: str, _data: bytes):
    """All England, prepared once for national runs (the same file the CCG picker reads)."""
    return prepare(load_list(_data, ENGLAND.name).practices)


@st.cache_data(show_spinner="Running every CCG…", max_entries=64)
def national_run(file_key: str, scenario_json: str, _data: bytes) -> pd.DataFrame:
    """The scenario on every CCG in England: model.analysis.national.ccg_outcomes for every year, stacked."""
    res = run(england_prepared(file_key, _data), Scenario.model_validate_json(scenario_json))
    return pd.concat([ccg_outcomes(res, t).assign(year_index=t) for t in range(res.scenario.horizon_years)],
                     ignore_index=True)


@st.cache_data(show_spinner="Running the draws…", max_entries=32)
def monte_carlo_run(list_id: str, scenario_json: str, draws: int, _frame: pd.DataFrame):
    """model.analysis.montecarlo.monte_carlo with its default (illustrative) ranges, seeded: same inputs, same draws."""
    return montecarlo.monte_carlo(prepared(list_id, _frame), Scenario.model_validate_json(scenario_json),
                                  draws=draws, seed=MC_SEED, growth_step=MC_GROWTH_STEP)


@st.cache_data(show_spinner="Moving each assumption in turn…", max_entries=32)
def tornado_run(list_id: str, scenario_json: str, headline: str, _frame: pd.DataFrame) -> pd.DataFrame:
    return sensitivity.tornado(_frame, Scenario.model_validate_json(scenario_json), headline)


@st.cache_data(show_spinner=False, max_entries=64)
def scenario_from_file(stem: str, mtime: float) -> Scenario:
    path = scenario_edits.scenario_files(SCENARIO_DIR)[stem]
    return load_scenario(path.read_bytes(), path.name)


def file_scenario(stem: str) -> Scenario:
    """A scenario file from scenarios/ by stem (read again only when the file changes)."""
    path = scenario_edits.scenario_files(SCENARIO_DIR)[stem]
    return scenario_from_file(stem, path.stat().st_mtime)


def scenario_label(stem: str) -> str:
    try:
        return f"{file_scenario(stem).name}  ({stem}.yaml)"
    except ScenarioError:
        return f"{stem}.yaml (cannot be read)"
