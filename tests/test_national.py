"""National mode: one scenario across every CCG, per-CCG outcomes and their spread."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from model import formats
from model.analysis.national import OUTCOMES, ccg_outcomes, distribution, position
from model.engine import run
from model.scenario import Scenario
from model.scenario_files import load_scenario_file
from screen import charts, national_views

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


# ---------------------------------------------------------------------------------------------
# The "All England" tab: shaping, chart and the page itself.


def _three_ccgs_outcomes() -> pd.DataFrame:
    df = pd.concat([_two_ccgs(), pd.DataFrame({
        "commissioner": ["C"], "practice_code": ["C1"], "list_size": [5000], "over75": [250],
        "participating": [True], "les_total": [40_000.0]})], ignore_index=True)
    s = Scenario().with_changes({"les.schemes": {"les_total": {"action": "decommission"}},
                                 "les.reinvest_pct": 100, "les.counts_toward_pot": True})
    return ccg_outcomes(run(df, s))


def test_position_counts_higher_and_lower_ccgs():
    o = _three_ccgs_outcomes().set_index("commissioner")
    # Savings count toward the pot: A's £10,000 covers half its £20,000 pot (new money £2.50 a head),
    # B has no LES (£5.00), C's £40,000 is more than its £25,000 base pot (new money £0).
    assert o.loc["A", "new_money_per_head"] == 2.5
    assert o.loc["B", "new_money_per_head"] == 5.0
    assert o.loc["C", "new_money_per_head"] == 0.0
    where = position(o.reset_index(), "new_money_per_head", "A")
    assert where == {"value": 2.5, "higher": 1, "lower": 1, "ccgs": 3, "median": 2.5}
    assert position(o.reset_index(), "new_money_per_head", "Z") is None


def test_cards_and_sentence_read_the_outcomes():
    o = _three_ccgs_outcomes()
    cards = {c.label: c for c in national_views.cards(o)}
    assert cards["CCGs"].value == "3"
    assert cards["Median new money per patient"].value == "£2.50"
    assert cards["Median new money per patient"].delta == "1 CCGs put in no new money"
    # A's A1 loses £10,000 LES for a £5,000 share (1,000 of 4,000 patients) of the £20,000 pot. C's
    # £40,000 savings are more than its £25,000 base pot, so its pot is the £40,000 and its only
    # practice gets it all back: net £0. So only A has a practice worse off.
    assert cards["CCGs where a practice is worse off"].value == "1 of 3"
    assert cards["Total net cost, all CCGs"].value == formats.money_short(o["net_cost"].sum())
    assert cards["Total net cost, all CCGs"].help.startswith(formats.money(o["net_cost"].sum()) + ":")
    text = national_views.position_sentence(o, "new_money_per_head", "C")
    assert text == "CCG C, new money: £0.00. Higher in 2 CCGs and lower in 0, of 3 (median £2.50)."
    assert national_views.position_sentence(o, "new_money_per_head", None) is None


def test_spread_table_is_in_each_outcomes_unit():
    o = _three_ccgs_outcomes()
    t = national_views.spread_table(distribution(o)).set_index("Outcome")
    assert t.loc[OUTCOMES["new_money_per_head"], "Median"] == "£2.50"
    assert t.loc[OUTCOMES["new_money_per_head"], "Lowest"] == "£0.00"
    assert t.loc[OUTCOMES["share_losing_pct"], "Highest"] == "50.0 %"


def test_ranked_chart_marks_the_ccg_and_the_median():
    o = _three_ccgs_outcomes()
    fig = charts.national_ranked(o, "new_money_per_head", "2014/15", highlight="A")
    bar = fig.data[0]
    assert list(bar.x) == ["B", "A", "C"] and list(bar.y) == [5.0, 2.5, 0.0]
    assert list(bar.marker.color) == [charts.NHS_BLUE, charts.NHS_WARM_YELLOW, charts.NHS_BLUE]
    assert fig.layout.shapes[0].y0 == 2.5
    assert [a.text for a in fig.layout.annotations] == ["median £2.50", "CCG A"]
    assert "new money in each CCG" in fig.layout.title.text


def test_app_all_england_tab_matches_the_engine():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"s": "les_linked_counts"})
    at.run()
    at.session_state["view"] = "All England"
    at.session_state["year"] = "2015/16"  # protection no longer binds: Nene's 31 losers lose again
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    england = pd.read_csv(ROOT / "data" / "england_2014_15.csv", dtype={"commissioner": str})
    expected = ccg_outcomes(run(england, load_scenario_file(ROOT / "scenarios" / "les_linked_counts.yaml")), 1)
    shown = {m.label: m.value for m in at.metric}
    assert shown["CCGs"] == "211"
    assert shown["CCGs where a practice is worse off"] == f"{int((expected['losers'] > 0).sum())} of 211"
    assert shown["Total net cost, all CCGs"] == formats.money_short(expected["net_cost"].sum())
    table = next(d.value for d in at.dataframe if "CCG" in d.value.columns).set_index("CCG")
    assert len(table) == 211
    nene = expected.set_index("commissioner").loc["04G"]
    assert table.loc["04G", "New money per patient (£)"] == pytest.approx(nene["new_money_per_head"])
    assert table.loc["04G", "Worse off"] == nene["losers"] == 31   # the real check of issue #4
    # The page opened on Nene, so Nene (04G) is the CCG marked and described.
    assert any(m.value.startswith("**CCG 04G, new money:") for m in at.markdown)
    at.selectbox(key="national_outcome").set_value("share_losing_pct").run()
    assert any(m.value.startswith("**CCG 04G, practices losing money: 44.9 %") for m in at.markdown)
