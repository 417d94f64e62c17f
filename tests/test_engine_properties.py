"""Properties the engine must have on any practice list and scenario (hypothesis)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from test_engine_reference import cases

from model.columns import TABLES, kind
from model.engine import run

# Smaller lists than the reference test's: these properties do not need 36 practices to bite, and
# the default profile must stay fast.
small_cases = cases(max_commissioners=2, max_practices=8)


def pence(x) -> np.ndarray:
    return np.rint(np.asarray(x, dtype=float) * 100.0).astype(np.int64)


def by_comm_year(practices: pd.DataFrame, col: str) -> pd.Series:
    df = practices.assign(_p=pence(practices[col]))
    return df.groupby([df["year_index"].astype(int), df["commissioner"].astype(str)])["_p"].sum()


def summary_pence(summary: pd.DataFrame, col: str) -> pd.Series:
    return pd.Series(pence(summary[col]), index=pd.MultiIndex.from_arrays(
        [summary["year_index"].astype(int), summary["commissioner"].astype(str)]))


@given(small_cases)
def test_allocations_topslice_and_retained_add_up_to_the_pot(case):
    df, scenario = case
    res = run(df, scenario)
    alloc = by_comm_year(res.practices, "allocation")
    s = res.summary
    total = alloc + summary_pence(s, "topslice") + summary_pence(s, "retained")
    assert (total == summary_pence(s, "pot")).all()
    # and every money column of the practice rows adds up to the commissioner total
    for col in ("allocation", "protection", "les_gained", "unfunded_commitment"):
        assert (by_comm_year(res.practices, col) == summary_pence(s, col)).all(), col
    assert (by_comm_year(res.practices, "les_lost") == summary_pence(s, "les_savings")).all()
    # pot-funded protection is paid out of the top-slice, never more
    assert (summary_pence(s, "protection") - summary_pence(s, "protection_from_commissioner")
            <= summary_pence(s, "topslice")).all()


@pytest.mark.fuzz
@given(cases())
def test_money_identity_and_checks_pass(case):
    """docs/design.md §4.9: Σ net change + retained = pot + protection paid by the commissioner − S + Σ gains."""
    df, scenario = case
    res = run(df, scenario)
    assert res.ok, res.checks[res.checks.status != "PASS"].to_string()
    s = res.summary
    lhs = by_comm_year(res.practices, "net_change") + summary_pence(s, "retained")
    rhs = (summary_pence(s, "pot") + summary_pence(s, "protection_from_commissioner")
           - summary_pence(s, "les_savings") + summary_pence(s, "les_gained"))
    assert (lhs == rhs).all()
    assert (lhs == summary_pence(s, "net_cost")).all()
    # every £ figure is whole pence
    for col in (c for c in TABLES["practices"] if kind(c) == "money"):
        v = res.practices[col].to_numpy(float) * 100
        assert np.allclose(v, np.rint(v), atol=1e-6), col
    # nobody is paid a negative amount
    for col in ("allocation", "protection", "les_lost", "les_gained", "unfunded_commitment"):
        assert (res.practices[col] >= 0).all(), col


@given(small_cases)
def test_winners_and_losers_count_net_change(case):
    df, scenario = case
    res = run(df, scenario)
    p = res.practices
    net = pence(p["net_change"])
    keys = [p["year_index"].astype(int), p["commissioner"].astype(str)]
    winners = pd.Series(net > 0).groupby(keys).sum()
    losers = pd.Series(net < 0).groupby(keys).sum()
    s = res.summary
    idx = pd.MultiIndex.from_arrays([s["year_index"].astype(int), s["commissioner"].astype(str)])
    assert (winners.reindex(idx).to_numpy() == s["winners"].to_numpy()).all()
    assert (losers.reindex(idx).to_numpy() == s["losers"].to_numpy()).all()


@given(small_cases)
def test_floor_is_met_when_affordable(case):
    """No participating practice is paid less than the floor when the floors fit in the money."""
    df, scenario = case
    floor = scenario.distribution.floor
    assume(floor > 0)
    scenario = scenario.with_changes({"distribution.level": "practice",
                                      "distribution.non_participants": "redistribute",
                                      "les.protection.funded_from": "commissioner"})
    res = run(df, scenario)
    w = scenario.distribution.weights.model_dump()
    p = res.practices
    for (t, c), rows in p.groupby([p["year_index"].astype(int), p["commissioner"].astype(str)]):
        part = rows[rows["participating"]]
        if part.empty:
            continue
        # money shared out: the bases with no participating patients give nothing (kept back)
        basis_totals = {"list_size": part["list_size"].sum(), "over75": part["over75"].sum(),
                        "weighted_list": np.inf}
        if "weighted_list" in df:
            base = df[(df["commissioner"] == c) & df["participating"]]["weighted_list"].sum()
            basis_totals["weighted_list"] = base
        sigma = sum(wb for b, wb in w.items() if wb > 0 and basis_totals[b] > 0)
        pot = res.summary[(res.summary.year_index == t) & (res.summary.commissioner.astype(str) == c)]["pot"].iloc[0]
        if floor * len(part) >= pot * sigma * (1 - 1e-9):
            continue
        assert (pence(part["allocation"]) >= round(floor * 100)).all(), (t, c, part["allocation"].tolist())


@given(small_cases, st.data())
def test_raising_a_list_never_lowers_that_practice_allocation(case, data):
    """List-size basis, no cap: a practice with more patients is never paid less (1p of rounding allowed:
    a practice that got the odd penny by largest remainder may lose it to another). No LES money is
    recycled: harmonising LES per head, a bigger list loses less LES, so less comes back into the pot
    and the pot can shrink (found by the fuzz profile: a one-practice CCG, £1,000 LES harmonised at
    £1.66 a head)."""
    df, scenario = case
    scenario = scenario.with_changes({"distribution.weights": {"list_size": 1.0}, "distribution.cap": None,
                                      "les.protection.funded_from": "commissioner", "les.reinvest_pct": 0.0})
    i = data.draw(st.integers(0, len(df) - 1), label="practice")
    extra = data.draw(st.integers(1, 20_000), label="extra patients")
    bigger = df.copy()
    bigger.loc[bigger.index[i], "list_size"] = int(bigger["list_size"].iloc[i]) + extra
    code, comm = str(df["practice_code"].iloc[i]), str(df["commissioner"].iloc[i])

    def allocations(frame):
        p = run(frame, scenario).practices
        rows = p[(p["practice_code"].astype(str) == code) & (p["commissioner"].astype(str) == comm)]
        return pence(rows["allocation"])

    assert (allocations(bigger) >= allocations(df) - 1).all()


@given(small_cases, st.integers(0, 100), st.integers(0, 100))
def test_more_loss_allowed_never_increases_protection(case, p1, p2):
    df, scenario = case
    lo, hi = sorted((p1, p2))
    assume(lo < hi)
    strict = run(df, scenario.with_changes({"les.protection.max_loss_pct": [float(lo)]}))
    loose = run(df, scenario.with_changes({"les.protection.max_loss_pct": [float(hi)]}))
    # 1p: the top-slice is solved by bisection and rounded, so it can move by a penny either way.
    assert (pence(loose.practices["protection"]) <= pence(strict.practices["protection"]) + 1).all()
    assert (pence(loose.summary["protection"]) <= pence(strict.summary["protection"]) + 1).all()


@pytest.mark.fuzz
@given(small_cases)
def test_no_loss_allowed_means_nobody_loses(case):
    """max_loss_pct 0 and a pot that can pay for protection: net = a + π − ℓ + g ≥ 0, since π ≥ ℓ − a
    (to the penny: each practice's protection is rounded on its own, never below ℓ − a)."""
    df, scenario = case
    res = run(df, scenario.with_changes({"les.protection.max_loss_pct": [0.0]}))
    assume(not any("more than the whole pot" in w for w in res.warnings))
    pot_zero = set(res.summary.loc[res.summary["pot"] == 0, "year_index"].astype(int))
    p = res.practices
    if scenario.les.protection.funded_from == "pot":  # with no pot there is nothing to top-slice
        p = p[~p["year_index"].astype(int).isin(pot_zero)]
    bad = p[pence(p["net_change"]) < 0]
    assert bad.empty, bad[["commissioner", "practice_code", "year", "allocation", "les_lost", "protection",
                           "net_change"]].to_string()


@given(small_cases)
def test_same_inputs_same_outputs(case):
    df, scenario = case
    a, b = run(df, scenario), run(df.copy(), scenario)
    pd.testing.assert_frame_equal(a.practices, b.practices)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.localities, b.localities)
    pd.testing.assert_frame_equal(a.checks, b.checks)
    assert a.warnings == b.warnings


@given(small_cases, st.randoms(use_true_random=False))
def test_row_order_of_the_input_does_not_matter(case, rnd):
    df, scenario = case
    order = list(range(len(df)))
    rnd.shuffle(order)
    a, b = run(df, scenario), run(df.iloc[order].reset_index(drop=True), scenario)
    pd.testing.assert_frame_equal(a.practices, b.practices)
    pd.testing.assert_frame_equal(a.summary, b.summary)


@given(small_cases)
def test_per_head_pot_is_rate_times_list(case):
    """Per-head basis, no uplift, growth or recycling, recurrent: pot = rate × Σ list to the penny."""
    df, scenario = case
    rate = scenario.pot.rate_per_head if scenario.pot.rate_per_head is not None else 5.0
    scenario = scenario.with_changes({"pot.rate_per_head": rate, "pot.uplift_pct": 0.0,
                                      "growth.list_size_pct": 0.0, "les.reinvest_pct": 0.0,
                                      "funding.type": "recurrent"})
    res = run(df, scenario)
    for row in res.summary.itertuples():
        heads = int(df.loc[df["commissioner"] == str(row.commissioner), "list_size"].sum())
        want = (Decimal(repr(rate)) * heads).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert round(row.pot * 100) == int(want * 100), (row.commissioner, row.year, row.pot, want)
        assert round(row.new_money * 100) == int(want * 100)


@given(small_cases)
def test_localities_add_up_to_practices(case):
    df, scenario = case
    res = run(df, scenario)
    p, loc = res.practices, res.localities
    for col in ("allocation", "protection", "les_lost", "net_change"):
        a = p.assign(_p=pence(p[col])).groupby([p["year"].astype(str), p["commissioner"].astype(str),
                                                 p["locality"].astype(str)])["_p"].sum()
        b = pd.Series(pence(loc[col]), index=pd.MultiIndex.from_arrays(
            [loc["year"].astype(str), loc["commissioner"].astype(str), loc["locality"].astype(str)]))
        assert (a.sort_index() == b.sort_index()).all(), col


@given(small_cases)
def test_warnings_only_name_floors_and_caps_that_are_set(case):
    df, scenario = case
    res = run(df, scenario)
    if scenario.distribution.cap is None:
        assert not [w for w in res.warnings if "cap" in w], res.warnings
    if scenario.distribution.floor == 0:
        assert not [w for w in res.warnings if "floor" in w], res.warnings


def test_no_cap_warning_when_no_cap_is_set():
    """A floor and no cap, and one commissioner (Y) where nobody takes part: Y's whole pot is rightly
    retained ("no practice takes part"), and no warning may talk about a cap the scenario does not
    have. (Regression: fill() once took 'no eligible practice' for 'no practice with an unlimited cap'.)"""
    df = pd.DataFrame({"commissioner": ["X", "X", "Y"], "practice_code": ["A", "B", "C"],
                       "list_size": [1000, 2000, 3000], "over75": [100, 200, 300],
                       "participating": [True, True, False]})
    from model.scenario import parse_scenario

    res = run(df, parse_scenario({"horizon_years": 1, "distribution": {"floor": 100}}))
    assert any("no practice takes part" in w for w in res.warnings)
    assert not [w for w in res.warnings if "cap" in w], res.warnings


@given(small_cases)
def test_protection_paid_by_the_commissioner_leaves_allocations_alone(case):
    """Funded by the commissioner, protection is extra money: every allocation is what it would be with
    no protection at all, and the extra cost is exactly the protection paid."""
    df, scenario = case
    paid = run(df, scenario.with_changes({"les.protection.funded_from": "commissioner"}))
    none = run(df, scenario.with_changes({"les.protection.max_loss_pct": [100.0]}))
    assert (pence(paid.practices["allocation"]) == pence(none.practices["allocation"])).all()
    assert (pence(paid.summary["net_cost"]) - pence(none.summary["net_cost"])
            == pence(paid.summary["protection_from_commissioner"])).all()
    assert (pence(paid.summary["topslice"]) == 0).all()


@given(small_cases)
def test_non_participants_get_no_allocation(case):
    df, scenario = case
    res = run(df, scenario)
    p = res.practices
    assert (pence(p.loc[~p["participating"].astype(bool), "allocation"]) == 0).all()


def test_protection_an_empty_pot_cannot_pay_is_warned_about():
    """Minimal repro: non-recurrent money for one year, A loses £8,000 of LES, no loss allowed,
    protection top-sliced from the pot. From 2015/16 the pot is £0, so A's protection silently drops
    to £0 and A loses the whole £8,000. docs/design.md §4.7 says to warn when protection would need more than
    the whole pot; the engine only warns where the pot is above zero."""
    from model.scenario import parse_scenario

    df = pd.DataFrame({"practice_code": ["A", "B"], "list_size": [1000, 1000], "over75": [100, 100],
                       "les_total": [8000.0, 0.0]})
    res = run(df, parse_scenario({
        "horizon_years": 2, "funding": {"type": "non_recurrent", "years": 1},
        "les": {"schemes": {"les_total": {"action": "decommission"}},
                "protection": {"max_loss_pct": [0], "funded_from": "pot"}}}))
    a = res.practices[res.practices["practice_code"] == "A"]
    assert a["protection"].tolist() == [6000.0, 0.0]          # 2015/16: nothing to top-slice
    assert any("2015/16" in w and "more than the whole pot" in w for w in res.warnings), res.warnings
