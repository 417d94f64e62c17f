"""National mode: one scenario across every CCG, per-CCG outcomes and their spread."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from model.engine import run
from model.national import OUTCOMES, ccg_outcomes, distribution
from model.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]


def _two_ccgs() -> pd.DataFrame:
    return pd.DataFrame({
        "commissioner": ["A", "A", "B", "B"], "practice_code": ["A1", "A2", "B1", "B2"],
        "list_size": [1000, 3000, 2000, 2000], "over75": [100, 300, 100, 300],
        "participating": [True] * 4, "les_total": [10_000.0, 0.0, 0.0, 0.0],
    })


def test_outcomes_per_ccg_by_hand():
    """A: pot £20,000, A1 loses £10,000 LES and gets £5,000 → one loser of two, worst −£5 a head."""
    s = Scenario().with_changes({"les.schemes": {"les_total": {"action": "decommission"}}})
    o = ccg_outcomes(run(_two_ccgs(), s)).set_index("commissioner")
    assert o.loc["A", "pot"] == 20_000 and o.loc["B", "pot"] == 20_000
    assert o.loc["A", "share_losing_pct"] == 50.0 and o.loc["B", "share_losing_pct"] == 0.0
    assert o.loc["A", "worst_loss_per_head"] == pytest.approx(-5.0)
    assert o.loc["B", "worst_loss_per_head"] == 0.0
    assert o.loc["A", "new_money_per_head"] == 5.0
    assert o.loc["A", "les_savings_per_head"] == pytest.approx(2.5)


def test_distribution_is_ordered_and_covers_every_outcome():
    spread = distribution(ccg_outcomes(run(_two_ccgs(), Scenario())))
    assert list(spread["outcome"]) == list(OUTCOMES)
    q = spread[["min", "p10", "p25", "p50", "p75", "p90", "max"]].to_numpy()
    assert (q[:, 1:] >= q[:, :-1] - 1e-12).all()


def test_national_command_on_all_england(tmp_path):
    out = tmp_path / "national"
    proc = subprocess.run([sys.executable, "-m", "model", "national", "--practices", "data/england_2014_15.csv",
                           "--scenario", "scenarios/les_linked_counts.yaml", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    outcomes = pd.read_csv(out / "ccg_outcomes.csv", encoding="utf-8-sig")
    assert len(outcomes) == 211
    assert outcomes["pot"].sum() > 0
    assert (out / "ccg_distribution.csv").exists()
