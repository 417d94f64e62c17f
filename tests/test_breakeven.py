"""Break-even solver: plugged back in it gives the target; clear answers when there is none."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from shared import nene_frame, scenario

from model.analysis.breakeven import _brent, break_even_admissions_reduction, curve, rate_for_max_loss, solve
from model.analysis.sensitivity import HEADLINES
from model.engine import prepare, run
from model.scenario import Scenario


@pytest.fixture(scope="module")
def nene():
    return prepare(nene_frame())


def headline_at(nene, s: Scenario, key: str, value: float, headline: str) -> float:
    return HEADLINES[headline](run(nene, s.with_changes({key: value})), nene)


@pytest.mark.parametrize("name", ["guidance_default", "conditional_review", "les_linked_recycle",
                                  "non_recurrent_staff", "per_over75_50"])
def test_admissions_break_even_plugged_back_gives_zero_within_a_penny(nene, name):
    s = scenario(name)
    r = break_even_admissions_reduction(nene, s)
    assert r.status == "solved", r.message
    assert abs(r.headline_at_value) <= 0.01
    # an independent engine run (no short cut) at the value found
    assert abs(headline_at(nene, s, "admissions.expected_reduction_pct", r.value,
                           "net_cost_after_admissions")) <= 0.01


def test_conditional_scheme_solution_sits_below_the_review_target(nene):
    r = break_even_admissions_reduction(nene, scenario("conditional_review"))
    # only 2014/15 is paid when the review fails: £3,238,385 ÷ (0.35 × 45,778 × £2,500 × 4 years) ≈ 2.02 %
    assert r.value == pytest.approx(3_238_385 / (0.35 * 45_778 * 2500 * 4) * 100, abs=1e-6)
    assert r.value < 3.5


def test_money_target_on_the_pot_rate_plugs_back_within_a_penny(nene):
    s = scenario("guidance_default")
    r = solve(nene, s, "pot.rate_per_head", "net_cost", 10_000_000.0, 0, 10)
    assert r.status == "solved", r.message
    assert abs(headline_at(nene, s, "pot.rate_per_head", r.value, "net_cost") - 10_000_000.0) <= 0.01


def test_rate_at_which_no_practice_loses_more_than_5pct_of_its_les(nene):
    s = scenario("les_separate")
    r = rate_for_max_loss(nene, s, 5.0, 0, 50)
    assert r.status == "solved", r.message
    assert r.headline_at_value <= 5.0
    assert headline_at(nene, s, "pot.rate_per_head", r.value, "worst_loss_pct_of_les") <= 5.0
    # just below it, some practice loses more than 5 %
    assert headline_at(nene, s, "pot.rate_per_head", r.value - 1e-4, "worst_loss_pct_of_les") > 5.0
    # the practice with the most LES per head (£14.90) loses 5 % at 95 % of its rate
    assert r.value == pytest.approx(14.153, abs=0.01)


def test_no_solution_in_range_names_the_range_and_both_ends(nene):
    r = break_even_admissions_reduction(nene, scenario("les_separate"))
    assert r.status == "no_solution_in_range"
    assert math.isnan(r.value) and not r.ok
    assert "between 0 and 100" in r.message
    assert "-£11,926,932.00 at admissions.expected_reduction_pct = 0" in r.message
    assert f"{r.headline_at_high:,.2f}".lstrip("-") in r.message
    r2 = solve(nene, scenario("guidance_default"), "pot.rate_per_head", "net_cost", 1e7, 0, 3)
    assert r2.status == "no_solution_in_range"
    assert "£0.00 at pot.rate_per_head = 0" in r2.message and "£9,715,155.00 at 3" in r2.message


def test_jump_across_the_target_is_reported_as_discontinuous(nene):
    # Review requires 3 %: below it only year 1 is paid (net cost after admissions < 0 at 2.5 %),
    # from 3 % on all five years are paid (> 0 at 5 %): the headline jumps over £0 at 3 %.
    s = scenario("conditional_review").with_changes({"funding.required_reduction_pct": 3.0})
    r = solve(nene, s, "admissions.expected_reduction_pct", "net_cost_after_admissions", 0.0, 2.5, 5.0)
    assert r.status == "discontinuous"
    assert r.value == pytest.approx(3.0, abs=1e-6)
    assert "jumps" in r.message


def test_invalid_ranges(nene):
    s = scenario("guidance_default")
    assert solve(nene, s, "pot.rate_per_head", "net_cost", 0, 5, 5).status == "invalid_range"
    r = solve(nene, s, "admissions.expected_reduction_pct", "net_cost_after_admissions", 0, 0, 150)
    assert r.status == "invalid_range" and "between 0 and 100" in r.message
    assert solve(nene, s, "pot.nope", "net_cost", 0, 0, 1).status == "invalid_range"


def test_non_monotone_headline_found_by_scanning(nene):
    # net cost after admissions on conditional_review over 0–6 %: +, −, jump +, ... the ends are both > 0
    s = scenario("conditional_review")
    r = solve(nene, s, "admissions.expected_reduction_pct", "net_cost_after_admissions", 0.0, 0.0, 6.0)
    assert r.status == "solved" and abs(r.headline_at_value) <= 0.01
    assert "other solutions may exist" in r.message or r.value == pytest.approx(2.0212, abs=1e-3)


def test_brent_finds_a_smooth_root():
    f = lambda x: x ** 3 - 2 * x - 5  # noqa: E731  root 2.0945514815...
    x, other = _brent(f, 2.0, 3.0, f(2.0), f(3.0), 1e-14, 100)
    assert x == pytest.approx(2.0945514815423265, abs=1e-12)


def test_curve_and_chart(nene):
    s = scenario("conditional_review")
    c = curve(nene, s, "admissions.expected_reduction_pct", "net_cost_after_admissions", 0, 6, 13)
    assert len(c) == 13 and c.attrs["headline_kind"] == "money"
    assert c["headline"].iloc[0] == pytest.approx(3_238_385.0)
    from screen.charts_analysis import breakeven_curve

    fig = breakeven_curve(c, break_even_admissions_reduction(nene, s))
    assert len(fig.data) == 2 and fig.data[1].x[0] == pytest.approx(2.0212, abs=1e-3)
    assert fig.layout.yaxis.tickprefix == "£"


def test_money_that_moves_in_steps_of_several_pence_gives_the_closest_step():
    # One practice, 1,002 patients at £5.01: net cost 5 × £5,020.02 = £25,100.10. With no growth the four
    # years with an admissions effect save the same rounded amount, so the saving moves in steps of 4p and
    # the net cost after admissions can be ...02p or ...−2p around £0, never within a penny.
    df = pd.DataFrame({"commissioner": ["X"], "practice_code": ["A"], "list_size": [1002], "over75": [100]})
    s = Scenario().with_changes({"pot.rate_per_head": 5.01})
    r = break_even_admissions_reduction(df, s)
    assert r.status == "closest_step", r.message
    assert abs(r.headline_at_value) == pytest.approx(0.02)
    assert "no value gives exactly £0.00" in r.message
