"""Paths and loaders the analysis tests share (imported as ``shared``; tests/ is on sys.path)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from model.scenario import Scenario
from model.scenario_files import load_scenario_file

ROOT = Path(__file__).resolve().parents[1]
NENE_CSV = ROOT / "data" / "nene_2014_15.csv"


def scenario(name: str) -> Scenario:
    """A scenario from scenarios/, by file stem."""
    return load_scenario_file(str(ROOT / "scenarios" / f"{name}.yaml"))


def nene_frame() -> pd.DataFrame:
    """The Nene practice list as read plainly from CSV (commissioner codes kept as text)."""
    return pd.read_csv(NENE_CSV, dtype={"commissioner": str})
