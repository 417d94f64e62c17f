"""The app's caches, all in one place: the data files keyed on their bytes, the model keyed on the
practice list id and the scenario as JSON, and the analyses the tabs run.

This is the only module with ``st.cache_data`` / ``st.cache_resource``: the calculations stay pure in
:mod:`model`, and what is kept between reruns is decided here.

Every cache is bounded: a number of entries, a time to live (an entry not used for that long is dropped),
and for the larger results a size in bytes, so the server's memory cannot grow with the number of sessions
or uploads; ``server.maxCacheDataSize`` in ``.streamlit/config.toml`` caps all of them together. What
depends on a session's practice list (an upload, its edits, the runs and analyses on it) is kept for that
session only (``scope="session"``) and goes when the session ends; only the bundled data and the all-England
runs are shared. An upload is read in a separate process with its own time and memory limits
(:mod:`screen.pages.isolated`).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path

import pandas as pd
import streamlit as st

from cli.memory import start_memory_trimmer
from model import scenario_edits
from model.analysis import explore, montecarlo, sensitivity
from model.analysis.national import ccg_outcomes
from model.engine import EngineInputError, prepare, run
from model.limits import MAX_RESULT_ROWS
from model.practices import load_practices, validate_frame
from model.results import Results
from model.scenario import Scenario, ScenarioError
from model.scenario_files import load_scenario
from screen.national_views import ccg_names
from screen.options import build_levers
from screen.pages.isolated import read_upload
from screen.practice_list import bytes_key, ccg_options, one_ccg

start_memory_trimmer()  # memory a finished session or an expired entry used goes back to the system (cli/memory.py)
ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = ROOT / "scenarios"
NENE = ROOT / "data" / "nene_2014_15.csv"
ENGLAND = ROOT / "data" / "england_2014_15.csv"
PAYMENTS = ROOT / "data" / "sources" / "nhs-payments" / "14-15.csv"   # where the CCGs' names are
DEFAULT_SCENARIO = "guidance_default"
DEFAULT_CCG = "04G"

MC_DRAWS = 1000
MC_SEED = 2014
# Growth draws rounded to 0.1 percentage point when the engine must run per draw (protection that can
# bind): ~10 engine runs instead of 1,000, percentiles within 0.1 % (the page lists this note).
MC_GROWTH_STEP = 0.1


@st.cache_resource(show_spinner=False, max_entries=4, ttl="1d")
def _bundled(path: str, mtime: float) -> tuple[str, bytes]:
    data = Path(path).read_bytes()
    return bytes_key(data), data


def bundled(path: Path) -> tuple[str, bytes]:
    """A data file shipped with the app: (content key, bytes), read and hashed once per file version
    rather than on every rerun."""
    return _bundled(str(path), path.stat().st_mtime)


@st.cache_data(show_spinner=False, max_entries=4, ttl="1d")
def load_list(data: bytes, filename: str):
    """A practice list shipped with the app, read and checked by model.practices (cached on the file's bytes).
    Uploads go through :func:`load_upload`."""
    return load_practices(data, filename)


@st.cache_data(show_spinner="Reading and checking the file…", max_entries=4, ttl="1h", max_size="128MB",
               scope="session")
def load_upload(key: str, filename: str, _data: bytes):
    """An uploaded practice list, read and checked in a separate process with time and memory limits
    (:func:`screen.pages.isolated.read_upload`), kept for this session only; `key` is the bytes' sha256."""
    return read_upload(_data, filename)


@st.cache_data(show_spinner=False, max_entries=4, ttl="1d")
def ccg_choices(file_key: str, _data: bytes) -> list[tuple[str, str]]:
    return ccg_options(load_list(_data, ENGLAND.name).practices, ccg_name_map())


@st.cache_resource(show_spinner=False, max_entries=1, ttl="1d")
def ccg_name_map() -> dict[str, str]:
    """CCG code -> name, from the payments file the all-England list is built from ({} if it is missing)."""
    try:
        return ccg_names(PAYMENTS.read_bytes())
    except (OSError, ValueError):
        return {}


@st.cache_data(show_spinner=False, max_entries=256, ttl="1h", max_size="64MB")
def ccg_list(file_key: str, code: str, _data: bytes):
    full = load_list(_data, ENGLAND.name).practices
    return validate_frame(one_ccg(full, code), f"{ENGLAND.name} (CCG {code})")


@st.cache_data(show_spinner=False, max_entries=64, ttl="1h", max_size="128MB", scope="session")
def validated(list_id: str, _frame: pd.DataFrame):
    """An edited practice list checked again (keyed on the list id + its edits)."""
    return validate_frame(_frame, "the edited practice list")


@st.cache_resource(show_spinner=False, max_entries=8, ttl="1h", scope="session")
def prepared(list_id: str, _frame: pd.DataFrame):
    return prepare(_frame)


@st.cache_data(show_spinner=False, max_entries=128, ttl="1h", max_size="256MB", scope="session")
def run_model(list_id: str, scenario_json: str, _frame: pd.DataFrame) -> Results:
    """model.engine.run, cached on (practice list id, scenario as JSON). A run whose tables would pass
    :data:`model.limits.MAX_RESULT_ROWS` practice-year rows is refused (its downloads could not be made in
    reasonable time and memory), as the command line refuses it."""
    scenario = Scenario.model_validate_json(scenario_json)
    rows = len(_frame) * scenario.horizon_years
    if rows > MAX_RESULT_ROWS:
        raise EngineInputError(f"it would make {rows:,} practice-year rows ({len(_frame):,} practices × "
                               f"{scenario.horizon_years} years); the limit is {MAX_RESULT_ROWS:,}. Model fewer years, "
                               "or split the practice list by commissioner")
    return run(prepared(list_id, _frame), scenario)


@st.cache_resource(show_spinner=False, max_entries=1, ttl="1d")
def england_prepared(file_key: str, _data: bytes):
    """All England, prepared once for national runs (the same file the CCG picker reads)."""
    return prepare(load_list(_data, ENGLAND.name).practices)


@st.cache_data(show_spinner="Running every CCG…", max_entries=64, ttl="1h", max_size="128MB")
def national_run(file_key: str, scenario_json: str, _data: bytes) -> pd.DataFrame:
    """The scenario on every CCG in England: model.analysis.national.ccg_outcomes for every year, stacked."""
    res = run(england_prepared(file_key, _data), Scenario.model_validate_json(scenario_json))
    return pd.concat([ccg_outcomes(res, t).assign(year_index=t) for t in range(res.scenario.horizon_years)],
                     ignore_index=True)


@st.cache_data(show_spinner="Running the draws…", max_entries=32, ttl="1h", max_size="128MB", scope="session")
def monte_carlo_run(list_id: str, scenario_json: str, draws: int, _frame: pd.DataFrame):
    """model.analysis.montecarlo.monte_carlo with its default (illustrative) ranges, seeded: same inputs, same draws."""
    return montecarlo.monte_carlo(prepared(list_id, _frame), Scenario.model_validate_json(scenario_json),
                                  draws=draws, seed=MC_SEED, growth_step=MC_GROWTH_STEP)


@st.cache_data(show_spinner="Moving each assumption in turn…", max_entries=32, ttl="1h", max_size="32MB",
               scope="session")
def tornado_run(list_id: str, scenario_json: str, headline: str, _frame: pd.DataFrame) -> pd.DataFrame:
    return sensitivity.tornado(_frame, Scenario.model_validate_json(scenario_json), headline)


@st.cache_data(show_spinner=False, max_entries=64, ttl="1d")
def scenario_from_file(stem: str, mtime: float) -> Scenario:
    path = scenario_edits.scenario_files(SCENARIO_DIR)[stem]
    return load_scenario(path.read_bytes(), path.name)


def file_scenario(stem: str) -> Scenario:
    """A scenario file from scenarios/ by stem (read again only when the file changes)."""
    path = scenario_edits.scenario_files(SCENARIO_DIR)[stem]
    return scenario_from_file(stem, path.stat().st_mtime)


def scenario_label(stem: str) -> str:
    """A scenario file as a picker shows it: its name, short enough not to be cut off (the file is in the
    header once it is open)."""
    try:
        return file_scenario(stem).name
    except ScenarioError:
        return f"{stem}.yaml (cannot be read)"


# ---- the options explorer ----------------------------------------------------------------------------
# Kept here like every cache, but by hand rather than with st.cache_data: the exploration reports its
# progress to a bar on the page as it goes, and a cached function may not touch page elements made
# outside it (Streamlit replays them). The store is shared by every session, keyed like the caches above.

EXPLORE_ENTRIES = 4
"""Explorations kept (each up to 100,000 options × ~80 columns: ~60 MB at most)."""


@st.cache_resource(show_spinner=False, max_entries=1, ttl="1d")
def _explorations() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


def cached_exploration(list_id: str, scenario_json: str, spec: str):
    """The exploration already worked out for (list, scenario, spec), or None."""
    store, lock = _explorations()
    with lock:
        key = (list_id, scenario_json, spec)
        if key in store:
            store.move_to_end(key)
            return store[key]
    return None


def exploration(list_id: str, scenario_json: str, spec: str, _frame: pd.DataFrame, progress=None):
    """model.analysis.explore.explore for the page's spec (JSON from screen.options.spec_json), cached on
    (practice list id, scenario as JSON, spec); `progress(done, total)` is called as chunks finish."""
    found = cached_exploration(list_id, scenario_json, spec)
    if found is not None:
        return found
    s = json.loads(spec)
    ex = explore.explore(prepared(list_id, _frame), Scenario.model_validate_json(scenario_json),
                         build_levers(s["levers"]), samples=s["samples"], sampler=s["mode"] if s["mode"] != "grid"
                         else "sobol", seed=s["seed"], conditions=s["conditions"], objective=s["objective"],
                         progress=progress)
    store, lock = _explorations()
    with lock:
        store[(list_id, scenario_json, spec)] = ex
        while len(store) > EXPLORE_ENTRIES:
            store.popitem(last=False)
    return ex
