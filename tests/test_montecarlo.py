"""Monte Carlo: exact against the engine, deterministic for a seed, sensible percentiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from shared import NENE_CSV, ROOT, nene_frame, scenario

from model.analysis.montecarlo import (
    MC_KEYS,
    Dist,
    default_distributions,
    draw,
    monte_carlo,
    simulate,
)
from model.engine import prepare, run
from model.scenario import Scenario


@pytest.fixture(scope="module")
def nene():
    return prepare(nene_frame())


def degenerate(s: Scenario) -> dict[str, Dist]:
    """Every input at the scenario's own value, as triangular(low = mode = high)."""
    a, g = s.admissions, s.growth
    values = {"admissions.expected_reduction_pct": a.expected_reduction_pct,
              "admissions.cost_per_admission": a.cost_per_admission,
              "admissions.baseline_per_1000_over75": a.baseline_per_1000_over75,
              "growth.list_size_pct": g.list_size_pct, "growth.over75_pct": g.over75_pct}
    return {k: Dist.triangular(v, v, v) for k, v in values.items()}


def pence(values) -> np.ndarray:
    return np.rint(np.asarray(values, dtype=float) * 100).astype(np.int64)


# ---- degenerate = deterministic -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["auto", "closed_form"])
@pytest.mark.parametrize("name", ["guidance_default", "conditional_review", "les_offer_to_all"])
def test_degenerate_distributions_equal_the_deterministic_run_exactly(nene, name, method):
    s = scenario(name).with_changes({"growth.list_size_pct": 0.7, "growth.over75_pct": 2.3,
                                     "admissions.expected_reduction_pct": 2.5})
    mc = monte_carlo(nene, s, degenerate(s), draws=50, seed=3, method=method)
    det = run(nene, s)
    by_year = det.by_year()
    sm = mc.summary.set_index(["measure", "year"])
    for measure in ("net_cost", "admissions_saving", "net_cost_after_admissions"):
        for label, value in zip(by_year["year"].astype(str), by_year[measure]):
            row = sm.loc[(measure, label)]
            for col in ("deterministic", "mean", "p5", "p25", "p50", "p75", "p95", "min", "max"):
                assert row[col] == pytest.approx(value, abs=1e-6), (measure, label, col)
        assert sm.loc[(measure, "All years"), "p50"] == pytest.approx(by_year[measure].sum(), abs=1e-6)
    # per practice: exact with the engine path; within a penny a year in the closed form
    tol = 1e-9 if mc.method == "engine" else 0.01 * s.horizon_years
    assert np.abs(mc.practices["p50"] - mc.practices["deterministic"]).max() <= tol
    assert mc.engine_runs == 0


def test_degenerate_with_the_engine_path_for_a_protection_scenario(nene):
    s = scenario("les_separate").with_changes({"growth.list_size_pct": 1.1})
    mc = monte_carlo(nene, s, degenerate(s), draws=20, seed=1)
    assert mc.method == "engine" and mc.engine_runs == 0
    totals = mc.summary.set_index(["measure", "year"])
    assert totals.loc[("net_cost", "All years"), "p95"] == pytest.approx(
        run(nene, s).by_year()["net_cost"].sum(), abs=1e-6)
    assert (mc.practices["p5"] == mc.practices["deterministic"]).all()


# ---- the vectorised paths against a loop of engine runs ----------------------------------------


def engine_loop(nene, s: Scenario, params: dict[str, np.ndarray], rows: range):
    out = []
    for d in rows:
        r = run(nene, s.with_changes({k: float(v[d]) for k, v in params.items()}))
        t = s.horizon_years
        out.append((pence(r.summary["net_cost"]).reshape(t, -1),
                    pence(r.summary["net_cost_after_admissions"]).reshape(t, -1),
                    pence(r.practices["net_change"]).reshape(t, -1).sum(axis=0)))
    return out


@pytest.mark.parametrize("name,changes", [
    ("guidance_default", {}),
    ("conditional_review", {}),
    ("per_over75_50", {"pot.uplift_pct": 2.0}),
    ("locality_pooling", {"growth.list_size_pct": 1.0}),
    ("les_offer_to_all", {"distribution.non_participants": "retain", "les.reinvest_pct": 50,
                          "les.counts_toward_pot": True}),
    ("non_recurrent_staff", {"funding.years": 2}),
])
def test_closed_form_matches_engine_runs_to_the_penny(nene, name, changes):
    s = scenario(name).with_changes(changes) if changes else scenario(name)
    dists = default_distributions(s)
    dists["admissions.expected_reduction_pct"] = Dist.uniform(0, 7)   # straddles a 3.5 % review
    dists["admissions.baseline_per_1000_over75"] = Dist.triangular(300, 350, 420)
    params = draw(s, dists, 6, seed=11)
    out = simulate(nene, s, params, method="closed_form", practice_totals=True)
    assert out["method"] == "closed_form" and out["engine_runs"] == 0
    for d, (nc, after, practice) in enumerate(engine_loop(nene, s, params, range(6))):
        np.testing.assert_array_equal(out["net_cost"][d], nc)
        np.testing.assert_array_equal(out["net_cost_after_admissions"][d], after)
        # documented tolerance: unrounded practice pence, under 1p per practice-year
        assert np.abs(out["practice_net_change"][d] - practice).max() < s.horizon_years


@pytest.mark.parametrize("name", ["les_separate", "les_linked_recycle", "blend_with_floor", "les_harmonise"])
def test_engine_path_matches_engine_runs_exactly(nene, name):
    s = scenario(name)
    params = draw(s, default_distributions(s), 4, seed=5)
    out = simulate(nene, s, params, practice_totals=True)
    assert out["method"] == "engine" and out["engine_runs"] == 4
    for d, (nc, after, practice) in enumerate(engine_loop(nene, s, params, range(4))):
        np.testing.assert_array_equal(out["net_cost"][d], nc)
        np.testing.assert_array_equal(out["net_cost_after_admissions"][d], after)
        np.testing.assert_array_equal(out["practice_net_change"][d], practice)


def test_closed_form_refuses_scenarios_it_cannot_do_exactly(nene):
    s = scenario("blend_with_floor")
    params = draw(s, default_distributions(s), 3, seed=1)
    with pytest.raises(ValueError, match="floor"):
        simulate(nene, s, params, method="closed_form")


def test_fixed_growth_needs_at_most_two_engine_runs_for_any_scenario(nene):
    s = scenario("les_separate").with_changes({"funding.type": "conditional", "funding.required_reduction_pct": 3.0})
    dists = {"admissions.expected_reduction_pct": Dist.uniform(0, 6),
             "admissions.cost_per_admission": Dist.triangular(2000, 2500, 3000)}
    mc = monte_carlo(nene, s, dists, draws=500, seed=2)
    assert mc.method == "engine" and mc.engine_runs == 1   # the failing review is the base run
    p = mc.draws
    # draws that pass the review pay for all years; those that fail only for year 1
    passed = p["admissions.expected_reduction_pct"] >= 3.0
    assert p.loc[passed, "net_cost"].nunique() == 1 and p.loc[~passed, "net_cost"].nunique() == 1


def test_growth_that_cannot_move_money_does_not_multiply_engine_runs(nene):
    # les_separate: a per-head pot shared by list size, protection binds. 75+ growth only moves the
    # admissions figures, so 200 draws with varying 75+ growth need no extra engine run ...
    s = scenario("les_separate").with_changes({"admissions.expected_reduction_pct": 2.0})
    dists = {"growth.over75_pct": Dist.triangular(0, 2, 4), "admissions.expected_reduction_pct": Dist.uniform(0, 4)}
    mc = monte_carlo(nene, s, dists, draws=200, seed=8)
    assert mc.method == "engine" and mc.engine_runs == 0
    # ... and the figures are still each draw's own, to the penny
    params = draw(s, dists, 3, seed=8)
    out = simulate(nene, s, params, practice_totals=True)
    for d, (nc, after, practice) in enumerate(engine_loop(nene, s, params, range(3))):
        np.testing.assert_array_equal(out["net_cost"][d], nc)
        np.testing.assert_array_equal(out["net_cost_after_admissions"][d], after)
        np.testing.assert_array_equal(out["practice_net_change"][d], practice)
    np.testing.assert_array_equal(mc.draws["admissions.expected_reduction_pct"].iloc[:3],
                                  params["admissions.expected_reduction_pct"])


def test_max_engine_runs_and_growth_step(nene):
    s = scenario("les_separate")
    with pytest.raises(ValueError, match="max_engine_runs"):
        monte_carlo(nene, s, draws=30, seed=1, max_engine_runs=10)
    mc = monte_carlo(nene, s, draws=200, seed=1, growth_step=0.25)
    assert mc.engine_runs <= 5 * 9
    assert any("rounded" in n for n in mc.notes)


# ---- seeds, chunks, percentiles ----------------------------------------------------------------


def test_same_seed_same_output_different_seed_different(nene):
    s = scenario("conditional_review")
    a = monte_carlo(nene, s, draws=300, seed=42)
    b = monte_carlo(nene, s, draws=300, seed=42)
    c = monte_carlo(nene, s, draws=300, seed=43)
    for attr in ("summary", "practices", "commissioners", "draws"):
        assert_frame_equal(getattr(a, attr), getattr(b, attr), check_exact=True)
    assert not a.draws["admissions.expected_reduction_pct"].equals(c.draws["admissions.expected_reduction_pct"])
    assert not a.summary["p50"].equals(c.summary["p50"])


def test_results_do_not_depend_on_chunking(nene):
    s = scenario("les_offer_to_all")
    a = monte_carlo(nene, s, draws=257, seed=9, chunk_size=1000)
    b = monte_carlo(nene, s, draws=257, seed=9, chunk_size=7)
    assert_frame_equal(a.summary, b.summary, check_exact=True)
    assert_frame_equal(a.practices, b.practices, check_exact=True)


def test_adding_an_input_leaves_the_other_draws_alone():
    s = scenario("guidance_default")
    one = draw(s, {"admissions.cost_per_admission": Dist.uniform(2000, 3000)}, 100, 5)
    two = draw(s, {"admissions.cost_per_admission": Dist.uniform(2000, 3000),
                   "growth.list_size_pct": Dist.uniform(0, 1)}, 100, 5)
    np.testing.assert_array_equal(one["admissions.cost_per_admission"], two["admissions.cost_per_admission"])
    assert set(one) == set(MC_KEYS)


def test_percentiles_are_ordered_and_probabilities_consistent(nene):
    mc = monte_carlo(nene, scenario("conditional_review"), draws=1000, seed=7)
    cols = ["min", "p5", "p25", "p50", "p75", "p95", "max"]
    for table in (mc.summary, mc.commissioners, mc.practices):
        v = table[cols].to_numpy()
        assert (np.diff(v, axis=1) >= -1e-9).all()
    total = mc.draws["net_cost_after_admissions"]
    assert mc.prob_net_cost_after_admissions_le_zero == pytest.approx((total <= 0).mean())
    row = mc.summary.set_index(["measure", "year"]).loc[("net_cost_after_admissions", "All years")]
    assert row["prob_le_zero"] == pytest.approx((total <= 0).mean())
    assert row["p50"] == pytest.approx(float(np.percentile(total, 50)), abs=0.01)
    assert 0.3 < mc.prob_net_cost_after_admissions_le_zero < 0.7
    assert mc.net_cost_by_year.shape == (1000, 5)
    assert list(mc.practices.columns[:5]) == ["measure", "commissioner", "practice_code", "practice_name",
                                              "locality"]


# ---- inputs --------------------------------------------------------------------------------------


def test_distribution_checks():
    with pytest.raises(ValueError, match="low ≤ mode ≤ high"):
        Dist.triangular(3, 1, 2)
    s = scenario("guidance_default")
    with pytest.raises(ValueError, match="goes beyond"):
        draw(s, {"admissions.expected_reduction_pct": Dist.uniform(-1, 5)}, 10, 1)
    with pytest.raises(ValueError, match="no Monte Carlo input"):
        draw(s, {"pot.rate_per_head": Dist.uniform(4, 6)}, 10, 1)
    rng = np.random.default_rng(0)
    assert (Dist.triangular(2, 2, 2).sample(rng, 5) == 2).all()
    x = Dist.triangular(0, 1, 4).sample(rng, 20_000)
    assert x.min() >= 0 and x.max() <= 4 and x.mean() == pytest.approx(5 / 3, abs=0.05)


# ---- charts and command line -----------------------------------------------------------------


def test_charts_mark_zero(nene):
    from screen.charts_analysis import NHS_BLUE, montecarlo_histogram, montecarlo_s_curve

    mc = monte_carlo(nene, scenario("conditional_review"), draws=400, seed=1)
    h = montecarlo_histogram(mc)
    assert h.data[0].marker.color == NHS_BLUE and len(h.data[0].x) == 400
    assert any(sh.x0 == 0 for sh in h.layout.shapes)
    sc = montecarlo_s_curve(mc)
    y = np.asarray(sc.data[0].y)
    assert y[-1] == 1.0 and (np.diff(y) > 0).all()
    assert f"{mc.prob_net_cost_after_admissions_le_zero:.0%}" in sc.layout.annotations[0].text


def test_cli_writes_the_three_tables(tmp_path, capsys, monkeypatch):
    from cli import main as cli
    from cli import montecarlo as cli_montecarlo

    monkeypatch.setitem(cli.COMMANDS, "montecarlo", cli.Command(
        "mc", cli_montecarlo.configure, cli_montecarlo.handle))
    out = tmp_path / "mc"
    argv = ["montecarlo", "--practices", str(NENE_CSV),
            "--scenario", str(ROOT / "scenarios" / "conditional_review.yaml"), "--draws", "200", "--seed", "4",
            "--out", str(out), "--dist", "admissions.expected_reduction_pct=tri:1,2.5,6"]
    assert cli.main(argv) == 0, capsys.readouterr().err
    summary = pd.read_csv(out / "montecarlo_summary.csv", encoding="utf-8-sig")
    practices = pd.read_csv(out / "montecarlo_practices.csv", encoding="utf-8-sig")
    assert set(summary["measure"]) == {"net_cost", "admissions_saving", "net_cost_after_admissions"}
    assert len(practices) == 69 and "p95" in practices
    assert "P(net cost after admissions savings" in capsys.readouterr().out
    bad = argv[:-1] + ["admissions.expected_reduction_pct=tri:1,2"]
    assert cli.main(bad[:-3] + ["--out", str(tmp_path / "bad")] + bad[-2:]) == 2
    assert not (tmp_path / "bad").exists()
