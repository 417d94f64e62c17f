"""Tornado sensitivity: swings, ranges, clipping, headlines and the admissions short cut."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from shared import NENE_CSV, ROOT, nene_frame, scenario

from model.analysis.sensitivity import (
    HEADLINES,
    Evaluator,
    assumption,
    default_assumptions,
    derive_admissions,
    tornado,
)
from model.engine import prepare, run
from model.scenario import Scenario


@pytest.fixture(scope="module")
def nene() -> pd.DataFrame:
    return nene_frame()


@pytest.fixture(scope="module")
def nene_prepared(nene):
    return prepare(nene)


@pytest.fixture(scope="module")
def guidance_tornado(nene_prepared):
    return tornado(nene_prepared, scenario("guidance_default"), "net_cost")


def row(table: pd.DataFrame, key: str) -> pd.Series:
    return table.set_index("assumption").loc[key]


# ---- swings -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["admissions.cost_per_admission", "admissions.baseline_per_1000_over75",
                                 "admissions.expected_reduction_pct", "staffing.committed_pct",
                                 "funding.required_reduction_pct", "growth.over75_pct"])
def test_assumption_that_does_not_affect_the_headline_has_exactly_zero_swing(guidance_tornado, key):
    r = row(guidance_tornado, key)
    assert r["swing"] == 0.0
    assert r["headline_at_low"] == r["headline_at_base"] == r["headline_at_high"]


def test_zero_swing_for_every_headline_when_nothing_it_uses_moves(nene_prepared):
    # cost per admission never touches net cost, new money or who loses, in any scenario
    s = scenario("les_separate")
    for h in ("net_cost", "new_money", "practices_losing", "practices_losing_first_year", "worst_loss_pct_of_les"):
        t = tornado(nene_prepared, s, h, assumptions=["admissions.cost_per_admission"])
        assert t["swing"].iloc[0] == 0.0, h


def test_rows_are_sorted_by_swing_and_values_match_direct_runs(nene, guidance_tornado):
    swings = guidance_tornado["swing"].to_numpy()
    assert np.all(swings[:-1] >= swings[1:])
    r = row(guidance_tornado, "pot.rate_per_head")
    assert (r["low_value"], r["base_value"], r["high_value"]) == (4.0, 5.0, 6.0)
    s = scenario("guidance_default")
    at_low = HEADLINES["net_cost"](run(nene, s.with_changes({"pot.rate_per_head": 4.0})), nene)
    assert r["headline_at_low"] == at_low
    # £5 → £6 per head on 647,677 patients for 5 years: +£3,238,385; swing is £4 → £6
    assert r["headline_at_high"] - r["headline_at_base"] == pytest.approx(3_238_385.0, abs=0.01)
    assert r["swing"] == pytest.approx(2 * 3_238_385.0, abs=0.01)
    assert guidance_tornado["assumption"].iloc[0] == "pot.rate_per_head"


def test_default_assumptions_cover_the_numeric_fields():
    base = default_assumptions(scenario("guidance_default"))
    assert len(base) == 13
    rich = default_assumptions(scenario("les_separate").with_changes({"distribution.cap": 90000.0}))
    assert len(rich) == 15
    assert "distribution.cap" in rich and "les.schemes.les_total.fraction" in rich
    assert "pot.rate_per_over75" in default_assumptions(scenario("per_over75_50"))


# ---- ranges and clipping ----------------------------------------------------------------------


def test_percentages_are_clipped_to_their_valid_range_and_the_table_says_so(guidance_tornado):
    r = row(guidance_tornado, "les.protection.max_loss_pct[0]")
    assert (r["low_value"], r["high_value"]) == (80.0, 100.0)
    assert bool(r["clipped"]) and "high clipped from 120 to 100" in r["note"]
    assert not bool(row(guidance_tornado, "pot.rate_per_head")["clipped"])


def test_a_value_of_zero_uses_the_documented_absolute_range(guidance_tornado):
    r = row(guidance_tornado, "growth.list_size_pct")
    assert (r["low_value"], r["base_value"], r["high_value"]) == (-1.0, 0.0, 1.0)
    assert "absolute" in r["range_rule"]


def test_given_ranges_override_and_are_clipped(nene_prepared):
    t = tornado(nene_prepared, scenario("les_separate"), "net_cost",
                assumptions=["les.reinvest_pct", "pot.rate_per_head"],
                ranges={"les.reinvest_pct": (-10, 150), "pot.rate_per_head": (3, 7)})
    r = row(t, "les.reinvest_pct")
    assert (r["low_value"], r["high_value"]) == (0.0, 100.0)
    assert "low clipped" in r["note"] and "high clipped" in r["note"] and r["range_rule"] == "given range"
    assert (row(t, "pot.rate_per_head")["low_value"], row(t, "pot.rate_per_head")["high_value"]) == (3.0, 7.0)
    with pytest.raises(ValueError, match="not in the list"):
        tornado(nene_prepared, scenario("les_separate"), "net_cost", assumptions=["pot.rate_per_head"],
                ranges={"les.reinvest_pct": (0, 1)})


def test_negative_values_low_is_the_smaller():
    s = scenario("guidance_default").with_changes({"growth.list_size_pct": -2.0})
    t = tornado(prepare(nene_frame()), s,
                "net_cost", assumptions=["growth.list_size_pct"])
    assert (t["low_value"].iloc[0], t["high_value"].iloc[0]) == pytest.approx((-2.4, -1.6))


def test_floor_cannot_pass_the_cap():
    s = scenario("guidance_default").with_changes({"distribution.floor": 9000.0, "distribution.cap": 10000.0})
    spec = assumption(s, "distribution.floor")
    assert spec.maximum == 10000.0
    assert assumption(s, "distribution.cap").minimum == 9000.0


def test_over75_weight_moves_the_other_weights_to_keep_the_sum_one():
    s = scenario("guidance_default").with_changes({"distribution.weights.list_size": 0.6,
                                                   "distribution.weights.weighted_list": 0.2,
                                                   "distribution.weights.over75": 0.2})
    spec = assumption(s, "distribution.weights.over75")
    w = s.with_changes(spec.changes(s, 0.6)).distribution.weights
    assert (w.list_size, w.over75, w.weighted_list) == pytest.approx((0.3, 0.6, 0.1))


def test_unknown_or_non_numeric_keys_are_refused():
    s = scenario("guidance_default")
    with pytest.raises(ValueError, match="not a scenario field"):
        assumption(s, "pot.nope")
    with pytest.raises(ValueError, match="not a number"):
        assumption(s, "funding.type")


# ---- headlines ----------------------------------------------------------------------------------


def test_worst_loss_pct_of_les_worked_example():
    # A holds £10,000 of LES, decommissioned; £5 a head on 2 × 1,000 patients shares £10,000 equally.
    # A ends each year 5,000 − 10,000 = −£5,000 down: 50 % of its LES.
    df = pd.DataFrame({"commissioner": ["X", "X"], "practice_code": ["A", "B"], "list_size": [1000, 1000],
                       "over75": [100, 100], "les_total": [10000.0, 0.0]})
    s = Scenario().with_changes({"les.schemes": {"les_total": {"action": "decommission"}}})
    r = run(df, s)
    assert HEADLINES["worst_loss_pct_of_les"](r, df) == pytest.approx(50.0)
    assert HEADLINES["practices_losing"](r, df) == 1.0
    assert HEADLINES["practices_losing_first_year"](r, df) == 1.0


def test_break_even_reduction_pays_for_the_horizon(nene):
    s = scenario("guidance_default")
    pct = HEADLINES["break_even_reduction_pct"](run(nene, s), nene)
    after = HEADLINES["net_cost_after_admissions"](run(nene, s.with_changes(
        {"admissions.expected_reduction_pct": pct})), nene)
    assert abs(after) < 1.0    # rounding to pence per commissioner-year only
    assert HEADLINES["break_even_reduction_pct"](run(nene, scenario("les_separate")), nene) == 0.0


def test_practices_losing_first_year_matches_the_summary(nene):
    r = run(nene, scenario("les_linked_recycle"))
    assert HEADLINES["practices_losing_first_year"](r, nene) == r.by_year()["losers"].iloc[0]


# ---- the admissions short cut equals the engine ------------------------------------------------


@pytest.mark.parametrize("name,changes", [
    ("guidance_default", {"admissions.cost_per_admission": 3100.0}),
    ("guidance_default", {"admissions.baseline_per_1000_over75": 280.0, "admissions.expected_reduction_pct": 4.0}),
    ("guidance_default", {"admissions.effect_from_year": 0, "admissions.expected_reduction_pct": 2.0}),
    ("conditional_review", {"admissions.expected_reduction_pct": 3.0}),      # review still fails
    ("conditional_review", {"funding.required_reduction_pct": 3.0}),         # still fails
    ("les_linked_recycle", {"admissions.cost_per_admission": 2000.0, "funding.required_reduction_pct": 5.0}),
])
def test_derived_admissions_results_equal_an_engine_run(nene_prepared, name, changes):
    s = scenario(name)
    base = run(nene_prepared, s)
    new = s.with_changes(changes)
    derived = derive_admissions(base, new)
    assert derived is not None
    direct = run(nene_prepared, new)
    assert_frame_equal(derived.summary, direct.summary, check_exact=True)
    assert_frame_equal(derived.practices, direct.practices, check_exact=True)
    assert derived.scenario == new


def test_short_cut_declines_when_the_gate_or_money_changes(nene_prepared):
    s = scenario("conditional_review")
    base = run(nene_prepared, s)
    assert derive_admissions(base, s.with_changes({"admissions.expected_reduction_pct": 3.5})) is None
    assert derive_admissions(base, s.with_changes({"pot.rate_per_head": 6.0})) is None
    assert derive_admissions(base, s.with_changes({"staffing.committed_pct": 10.0})) is None


def test_evaluator_counts_engine_runs(nene_prepared):
    ev = Evaluator(nene_prepared, scenario("guidance_default"))
    ev.results({"admissions.cost_per_admission": 2000.0})
    ev.results({"pot.rate_per_head": 6.0})
    assert (ev.engine_runs, ev.derived_runs) == (2, 1)


# ---- chart and command line -------------------------------------------------------------------


def test_tornado_chart_has_low_and_high_bars(guidance_tornado):
    from screen.charts_analysis import HIGH_COLOUR, LOW_COLOUR
    from screen.charts_analysis import tornado as tornado_chart

    fig = tornado_chart(guidance_tornado)
    assert [t.name for t in fig.data] == ["Assumption low", "Assumption high"]
    assert fig.data[0].marker.color == LOW_COLOUR and fig.data[1].marker.color == HIGH_COLOUR
    # largest swing drawn on top (plotly's last category)
    assert fig.data[0].y[-1] == "Pot: £ per registered patient a year"
    assert fig.layout.xaxis.tickprefix == "£"
    assert len(tornado_chart(guidance_tornado, hide_zero=True).data[0].y) == int((guidance_tornado["swing"] > 0).sum())


@pytest.fixture
def _cli(monkeypatch):
    """cli.main.main with the sensitivity command registered for this test only."""
    from cli import main as cli
    from cli import sensitivity as cli_sensitivity

    monkeypatch.setitem(cli.COMMANDS, "sensitivity", cli.Command(
        "tornado", cli_sensitivity.configure, cli_sensitivity.handle))
    return cli.main


def test_cli_writes_tornado_csv(tmp_path, capsys, _cli):
    out = tmp_path / "out"
    rc = _cli(["sensitivity", "--practices", str(NENE_CSV),
               "--scenario", str(ROOT / "scenarios" / "les_separate.yaml"), "--out", str(out),
               "--headline", "practices_losing"])
    assert rc == 0, capsys.readouterr().err
    t = pd.read_csv(out / "tornado.csv", encoding="utf-8-sig")
    assert list(t.columns[:6]) == ["assumption", "label", "unit", "base_value", "low_value", "high_value"]
    assert (t["headline"] == "practices_losing").all() and len(t) == 14


def test_cli_bad_range_is_exit_2_and_writes_nothing(tmp_path, capsys, _cli):
    out = tmp_path / "out"
    rc = _cli(["sensitivity", "--practices", str(NENE_CSV),
               "--scenario", str(ROOT / "scenarios" / "les_separate.yaml"), "--out", str(out),
               "--range", "growth.list_size_pct=1"])
    assert rc == 2
    assert "KEY=LOW,HIGH" in capsys.readouterr().err
    assert not out.exists()


def test_tornado_with_and_without_short_cuts_agree_exactly(nene_prepared):
    s = scenario("conditional_review")
    fast = tornado(nene_prepared, s, "net_cost_after_admissions")
    slow = tornado(nene_prepared, s, "net_cost_after_admissions",
                   evaluator=Evaluator(nene_prepared, s, shortcuts=False))
    assert_frame_equal(fast, slow, check_exact=True)
    assert fast.attrs["engine_runs"] < slow.attrs["engine_runs"]
