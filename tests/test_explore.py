"""The options explorer (model/analysis/explore.py, `python -m model explore`): every option's figures equal a
single engine run of its scenario to the penny; the frontier and the cheapest option meeting the conditions
are what they say; levers and conditions are read safely, and a bad one is named.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shared import ROOT, nene_frame, scenario

from cli import main as cli
from model.analysis.explore import (
    MAX_OPTIONS,
    OUTCOMES,
    choose,
    evaluate,
    explore,
    grid,
    lever,
    option_scenario,
    pareto,
    parse_condition,
    parse_lever,
    samples,
)
from model.analysis.sensitivity import break_even_reduction_pct_horizon
from model.engine import prepare, run
from model.practices import load_practices
from model.scenario_files import load_scenario_file

MONEY = ("net_cost", "new_money", "recycled", "protection", "largest_loss", "total_lost", "unfunded_commitment")
NENE = ROOT / "data" / "nene_2014_15.csv"


@pytest.fixture(scope="module")
def nene():
    return prepare(nene_frame())


@pytest.fixture(scope="module")
def mixed():
    """Nene with a few practices not taking part and one with no patients aged 75+, so that every rule
    (retain/redistribute, locality pooling) has something to do."""
    df = nene_frame()
    df.loc[df.index[[3, 17, 40]], "participating"] = False
    df.loc[df.index[5], "over75"] = 0
    return prepare(df)


@pytest.fixture(scope="module")
def three_ccgs():
    """Three CCGs of the England list: several commissioners in one run."""
    england = load_practices(ROOT / "data" / "england_2014_15.csv").practices
    codes = sorted(england["commissioner"].unique())[:3]
    return prepare(england[england["commissioner"].isin(codes)].reset_index(drop=True))


def expected(res) -> dict[str, float]:
    """Every outcome of the explorer, worked out from a single run's published tables."""
    T = res.scenario.horizon_years
    p, by_year = res.practices, res.by_year()
    net = np.rint(p["net_change"].to_numpy(float) * 100).astype(np.int64).reshape(T, -1)
    per_head = p["net_change_per_head"].to_numpy(float).reshape(T, -1)
    summary = res.summary

    def pence_by_year(col: str) -> np.ndarray:
        v = np.rint(summary[col].to_numpy(float) * 100).astype(np.int64)
        return np.bincount(summary["year_index"].to_numpy(), weights=v, minlength=T).round().astype(np.int64)

    years = {
        "net_cost": pence_by_year("net_cost"), "new_money": pence_by_year("new_money"),
        "recycled": pence_by_year("recycled"), "protection": pence_by_year("protection"),
        "unfunded_commitment": pence_by_year("unfunded_commitment"),
        "better_off": (net > 0).sum(axis=1), "worse_off": (net < 0).sum(axis=1), "unchanged": (net == 0).sum(axis=1),
        "largest_loss": np.maximum(0, -net).max(axis=1), "total_lost": np.maximum(0, -net).sum(axis=1),
        "largest_loss_per_head": np.maximum(0.0, -np.nan_to_num(per_head, nan=0.0).min(axis=1)),
        "break_even_reduction_pct": by_year["break_even_reduction_pct"].to_numpy(float),
    }
    out: dict[str, float] = {}
    for key, values in years.items():
        for t in range(T):
            out[f"{key}_y{t + 1}"] = values[t] / 100 if key in MONEY else values[t]
    for key in MONEY:
        out[key] = (years[key].max() if key == "largest_loss" else years[key].sum()) / 100
    out["largest_loss_per_head"] = years["largest_loss_per_head"].max()
    out["worse_off"] = int((net < 0).any(axis=0).sum())
    out["better_off"] = int((~(net < 0).any(axis=0) & (net > 0).any(axis=0)).sum())
    out["unchanged"] = int((net == 0).all(axis=0).sum())
    out["break_even_reduction_pct"] = break_even_reduction_pct_horizon(res)
    out["warnings"] = len(res.warnings)
    out["checks_pass"] = res.ok
    return out


def assert_same_as_single_runs(ex, practices, options) -> None:
    """Each option's row equals a single run of its scenario: money to the penny, counts exactly, the
    break-even percentages to 1e-9 (by_year adds the £ of commissioners as floats)."""
    for number in options:
        row = ex.option(number)
        res = run(practices, ex.scenario_for(number))
        for key, want in expected(res).items():
            got = row[key]
            where = f"option {number} ({ex.settings_text(number)}): {key}"
            if key.startswith("break_even") or key.startswith("largest_loss_per_head"):
                assert (math.isnan(want) and math.isnan(got)) or got == pytest.approx(want, rel=1e-9, abs=1e-12), where
            else:
                assert got == want, f"{where}: explorer {got!r}, single run {want!r}"


def test_fifty_random_options_equal_single_runs_to_the_penny(nene):
    """The acceptance test: 50 options drawn at random from 600 (LES action, who funds protection, the
    first year's protection and the floor varied together) each equal a single run of that scenario."""
    levers = [lever("les.schemes.les_total.action", ["keep", "decommission", "harmonise", "extend_to_all"]),
              lever("les.protection.funded_from", ["pot", "commissioner"]),
              lever("les.protection.max_loss_pct[0]", low=0, high=100),
              lever("distribution.floor", low=0, high=60_000)]
    ex = explore(nene, scenario("les_linked_counts"), levers, samples=600, seed=11)
    assert len(ex.options) == 600 and ex.options["checks_pass"].all()
    picks = np.random.default_rng(2014).choice(ex.options["option"].to_numpy(), size=50, replace=False)
    assert_same_as_single_runs(ex, nene, picks)


LEVER_SETS = {
    "weights, cap, localities, counts": ("les_linked_counts", [
        lever("distribution.weights.over75", low=0, high=1),
        lever("distribution.cap", [None, 60_000, 90_000, 150_000]),
        lever("distribution.level", ["practice", "locality"]),
        lever("les.counts_toward_pot", [True, False])]),
    "growth and the review": ("conditional_review", [
        lever("growth.list_size_pct", low=-2, high=3),
        lever("growth.over75_pct", low=-1, high=4),
        lever("funding.type", ["recurrent", "non_recurrent", "conditional"]),
        lever("admissions.expected_reduction_pct", low=0, high=8)]),
    "part decommissioned, non-participants, staff": ("les_separate", [
        lever("les.schemes.les_total.fraction", low=0, high=1),
        lever("les.schemes.les_total.from_year", low=0, high=3, step=1),
        lever("distribution.non_participants", ["redistribute", "retain"]),
        lever("staffing.committed_pct", low=0, high=100)]),
    "harmonised rate, uplift, admissions": ("les_harmonise", [
        lever("les.schemes.les_total.rate_per_head", low=0, high=12),
        lever("pot.uplift_pct", low=-5, high=5),
        lever("admissions.cost_per_admission", low=1000, high=4000),
        lever("admissions.effect_from_year", [0, 1, 2])]),
}


@pytest.mark.parametrize("name", sorted(LEVER_SETS))
def test_other_levers_equal_single_runs(mixed, name):
    base, levers = LEVER_SETS[name]
    ex = explore(mixed, scenario(base), levers, samples=200, seed=5)
    assert ex.options["checks_pass"].all()
    picks = np.random.default_rng(7).choice(ex.options["option"].to_numpy(), size=12, replace=False)
    assert_same_as_single_runs(ex, mixed, picks)


def test_several_commissioners_pot_per_patient_75_equal_single_runs(three_ccgs):
    levers = [lever("pot.rate_per_over75", low=30, high=70), lever("les.protection.max_loss_pct", low=0, high=100),
              lever("distribution.floor", low=0, high=40_000), lever("les.reinvest_pct", low=0, high=100)]
    ex = explore(three_ccgs, scenario("les_linked_counts"), levers, samples=64, sampler="lhs", seed=3)
    picks = np.random.default_rng(1).choice(ex.options["option"].to_numpy(), size=10, replace=False)
    assert_same_as_single_runs(ex, three_ccgs, picks)


def test_chunking_does_not_change_a_figure(nene):
    """Options × years are evaluated a chunk at a time; the chunk size changes nothing."""
    base = scenario("les_linked_counts")
    table = grid([lever("pot.rate_per_head", low=3, high=7, step=1), lever("les.protection.max_loss_pct[1]",
                                                                         [0, 25, 50, 100])])
    small, _ = evaluate(nene, base, table, element_budget=1)
    large, _ = evaluate(nene, base, table, element_budget=10_000_000)
    pd.testing.assert_frame_equal(small, large)


def test_options_that_cannot_be_used_are_left_out_and_said(nene):
    ex = explore(nene, scenario("guidance_default"), [lever("distribution.floor", [0, 50_000, 90_000]),
                                                      lever("distribution.cap", [60_000, 80_000])])
    assert ex.options["option"].tolist() == [1, 2, 3, 4]        # options 5 and 6 have a floor above the cap
    assert any("floor above the cap" in n for n in ex.notes)
    assert any("2 of 6 options cannot be used" in n for n in ex.notes)


def test_the_nene_question_at_a_coarse_grid(nene):
    """All LES decommissioned, savings counting toward the £5, protection top-sliced: the cheapest pot rate,
    recycling and loss allowance with no practice losing more than £2 a head in any year."""
    levers = [parse_lever("pot.rate_per_head=3:7:1"), parse_lever("les.reinvest_pct=0:100:10"),
              parse_lever("les.protection.max_loss_pct=0:100:25")]
    ex = explore(nene, scenario("les_linked_counts"), levers, conditions=["largest_loss_per_head<=2"])
    assert ex.best is not None
    best = ex.option(ex.best)
    assert best["largest_loss_per_head"] <= 2 and best["meets_conditions"] and best["frontier"]
    meeting = ex.options[ex.options["meets_conditions"]]
    assert best["net_cost"] == meeting["net_cost"].min()
    res = run(nene, ex.scenario_for(ex.best))
    assert res.ok and int(np.rint(res.summary["net_cost"].sum() * 100)) == int(np.rint(best["net_cost"] * 100))


def test_no_option_meets_gives_the_nearest_and_by_how_much(nene):
    ex = explore(nene, scenario("les_linked_counts"), [parse_lever("pot.rate_per_head=3:5:1")],
                 conditions=["largest_loss_per_head<=0.5", "worse_off<=0"])
    assert ex.best is None and not ex.nearest.empty
    first = ex.nearest.iloc[0]
    assert first["conditions_missed"] >= 1 and "misses by" in first["misses"]
    assert "no option meets every condition" in ex.summary_text()


def test_samples_are_seeded(nene):
    levers = [lever("pot.rate_per_head", low=3, high=7), lever("les.reinvest_pct", low=0, high=100, step=10)]
    a, b = samples(levers, 50, "sobol", 4), samples(levers, 50, "sobol", 4)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(samples(levers, 50, "sobol", 5))
    assert set(a["les.reinvest_pct"]) <= {float(v) for v in range(0, 101, 10)}
    assert a["pot.rate_per_head"].between(3, 7).all()


# ---- frontier, choice and conditions: properties -------------------------------------------------------


def dominated_brute(c, loss, w, i) -> bool:
    return any(c[j] <= c[i] and loss[j] <= loss[i] and w[j] <= w[i] and (c[j], loss[j], w[j]) != (c[i], loss[i], w[i])
               for j in range(len(c)))


points = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 3)), min_size=1, max_size=40)


@given(points, st.booleans())
def test_frontier_options_are_not_dominated_and_the_rest_are(pts, three_axes):
    c, loss, w = (np.array([p[k] for p in pts], dtype=float) for k in range(3))
    w = w if three_axes else np.zeros(len(pts))
    front = pareto(c, loss, w if three_axes else None)
    for i in range(len(pts)):
        assert front[i] == (not dominated_brute(c, loss, w, i))
    firsts = pareto(c, loss, w if three_axes else None, first_of_ties=True)
    seen = set()
    for i in range(len(pts)):
        key = (c[i], loss[i], w[i])
        assert firsts[i] == (front[i] and key not in seen)
        if front[i]:
            seen.add(key)


@pytest.fixture(scope="module")
def explored(nene):
    levers = [parse_lever("pot.rate_per_head=3:7:0.5"), parse_lever("les.reinvest_pct=0:100:10"),
              parse_lever("les.protection.max_loss_pct=0:100:20")]
    return explore(nene, scenario("les_linked_counts"), levers)


@given(st.floats(0, 12), st.integers(0, 69), st.floats(-3e7, 3e7))
def test_the_cheapest_feasible_option_meets_every_condition(explored, loss_limit, worse_limit, cost_limit):
    conditions = [parse_condition(f"largest_loss_per_head <= {loss_limit}", 5),
                  parse_condition(f"worse_off <= {worse_limit}", 5), parse_condition(f"net_cost <= {cost_limit}", 5)]
    best, nearest = choose(explored.options, conditions)
    table = explored.options
    ok = ((table["largest_loss_per_head"] <= loss_limit) & (table["worse_off"] <= worse_limit)
          & (table["net_cost"] <= cost_limit))
    if best is None:
        assert not ok.any() and len(nearest) >= 1
        assert (nearest["conditions_missed"] >= 1).all()
    else:
        row = table[table["option"] == best].iloc[0]
        assert ok[table["option"] == best].all()
        assert row["net_cost"] == table.loc[ok, "net_cost"].min()
        assert nearest.empty


@given(st.sampled_from(sorted(OUTCOMES)), st.sampled_from(["<=", "<", ">=", ">", "="]),
       st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 2)), st.integers(0, 5), st.booleans())
def test_conditions_read_in_keys_or_words(key, op, limit, year, words):
    left = key.replace("_", " ") if words else key
    if year:
        left += f" in year {year}" if words else f"_y{year}"
    c = parse_condition(f"{left} {op} {limit}", 5)
    assert (c.column, c.op, c.limit) == (key + (f"_y{year}" if year else ""), op, limit)


@pytest.mark.parametrize("text, column, op, limit", [
    ("largest_loss_per_head<=2", "largest_loss_per_head", "<=", 2.0),
    ("worse_off<=10", "worse_off", "<=", 10.0),
    ("net_cost_5y<=3.5m", "net_cost", "<=", 3_500_000.0),
    ("largest loss per head ≤ 2", "largest_loss_per_head", "<=", 2.0),
    ("worse off ≤ 10", "worse_off", "<=", 10.0),
    ("net cost over 5 years ≤ 3.5m", "net_cost", "<=", 3_500_000.0),
    ("net cost to the CCG over 5 years <= £3,500,000", "net_cost", "<=", 3_500_000.0),
    ("practices worse off in year 2 < 5", "worse_off_y2", "<", 5.0),
    ("protection >= 250k", "protection", ">=", 250_000.0),
    ("break even admissions cut <= 3.5%", "break_even_reduction_pct", "<=", 3.5),
])
def test_the_issue_s_conditions(text, column, op, limit):
    c = parse_condition(text, 5)
    assert (c.column, c.op, c.limit) == (column, op, limit)


@pytest.mark.parametrize("text, named", [
    ("largest_los_per_head<=2", "largest_los_per_head"),
    ("net_cost_3y<=1m", "not 3"),
    ("worse_off<=ten", "'ten' is not a number"),
    ("worse_off_y9<=1", "year 9"),
    ("__import__('os')<=1", "no outcome"),
    ("net_cost", "write it as OUTCOME"),
])
def test_a_bad_condition_is_named(text, named):
    with pytest.raises(ValueError) as err:
        parse_condition(text, 5)
    assert f"condition '{text}'" in str(err.value) and named in str(err.value)


@pytest.mark.parametrize("text, named", [
    ("pot.rate=3:7:1", "'pot.rate' is not a scenario setting"),
    ("pot.rate_per_head=7:3:1", "above the high end"),
    ("pot.rate_per_head=3:7:0", "step must be above 0"),
    ("pot.rate_per_head=-1:7:1", "outside what the scenario allows"),
    ("les.schemes.les_total.action=keep,drop", "'drop' is not one of its choices"),
    ("les.counts_toward_pot=maybe", "not yes or no"),
    ("name=a,b", "cannot be a lever"),
    ("pot.rate_per_head=0:1000:0.001", "use a larger step"),
    ("funding.years=1.5,2", "not a whole number"),
    ("pot.rate_per_head", "write it as KEY=LOW:HIGH:STEP"),
])
def test_a_bad_lever_is_named(text, named):
    with pytest.raises(ValueError) as err:
        parse_lever(text)
    assert f"lever '{text}'" in str(err.value) and named in str(err.value)


def test_levers_that_cannot_go_together_are_named(nene):
    base = scenario("guidance_default")
    with pytest.raises(ValueError, match="les_diabetes"):
        explore(nene, base, [lever("les.schemes.les_diabetes.action", ["keep", "decommission"])])
    with pytest.raises(ValueError, match="cannot both be varied"):
        explore(nene, base, [lever("pot.rate_per_head", [4, 5]), lever("pot.rate_per_over75", [40, 50])])
    with pytest.raises(ValueError, match="more than 100,000"):
        grid([lever("pot.rate_per_head", low=0, high=1000, step=0.5), lever("les.reinvest_pct", low=0, high=100,
                                                                            step=1)])
    assert MAX_OPTIONS == 100_000


def test_an_option_scenario_is_built_the_one_way(nene):
    base = scenario("les_linked_counts")
    sc = option_scenario(base, {"les.protection.max_loss_pct[1]": 20.0, "distribution.weights.over75": 0.4,
                                "les.schemes.les_total.action": "harmonise"})
    assert sc.les.protection.max_loss_pct == [0.0, 20.0, 100.0]
    assert (sc.distribution.weights.list_size, sc.distribution.weights.over75) == (0.6, 0.4)
    assert sc.les.schemes["les_total"].action == "harmonise"


# ---- the command line ------------------------------------------------------------------------------------


def cli_main(capsys, *args: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_options_frontier_and_a_best_yaml_that_run_accepts(capsys, tmp_path: Path):
    out = tmp_path / "explore"
    code, text, err = cli_main(capsys, "explore", "--practices", NENE, "--scenario",
                               ROOT / "scenarios" / "les_linked_counts.yaml", "--lever", "pot.rate_per_head=3:7:1",
                               "--lever", "les.reinvest_pct=0:100:10", "--lever",
                               "les.protection.max_loss_pct=0:100:25", "--condition", "largest loss per head <= 2",
                               "--out", out)
    assert code == 0, err
    written = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert written == {"options.csv", "frontier.csv", "frontier_3_axes.csv", "best.yaml"}
    options = pd.read_csv(out / "options.csv", encoding="utf-8-sig")
    assert len(options) == 5 * 11 * 5 and {"option", "pot.rate_per_head", "net_cost", "worse_off_y5"} <= set(options)
    assert options["les.reinvest_pct"].max() == 100          # a setting as the scenario holds it, not a fraction
    frontier = pd.read_csv(out / "frontier.csv", encoding="utf-8-sig")
    assert frontier["frontier"].all() and frontier["net_cost"].is_monotonic_increasing
    three = pd.read_csv(out / "frontier_3_axes.csv", encoding="utf-8-sig")
    assert set(frontier["option"]) <= set(three["option"]) and three["frontier_worse_off"].all()
    axes = options[["net_cost", "largest_loss_per_head", "worse_off"]].to_numpy()
    for point in three[["net_cost", "largest_loss_per_head", "worse_off"]].to_numpy():   # none beaten on all three
        assert not ((axes <= point).all(axis=1) & (axes < point).any(axis=1)).any()
    best = options[options["meets_conditions"]].iloc[0]     # options.csv is ranked, cheapest first
    assert f"best: option {int(best['option'])}:" in text
    run_out = tmp_path / "run"
    code, _, err = cli_main(capsys, "run", "--practices", NENE, "--scenario", out / "best.yaml", "--out", run_out)
    assert code == 0, err
    summary = pd.read_csv(run_out / "summary.csv", encoding="utf-8-sig")
    assert round(summary["net_cost"].sum(), 2) == round(float(best["net_cost"]), 2)
    assert load_scenario_file(str(out / "best.yaml")).les.reinvest_pct == best["les.reinvest_pct"]


def test_cli_without_an_answer_writes_the_nearest(capsys, tmp_path: Path):
    out = tmp_path / "explore"
    code, text, err = cli_main(capsys, "explore", "--practices", NENE, "--scenario",
                               ROOT / "scenarios" / "les_linked_counts.yaml", "--lever", "pot.rate_per_head=3:7:1",
                               "--condition", "largest_loss_per_head<=0.1", "--out", out)
    assert code == 0, err
    written = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert written == {"options.csv", "frontier.csv", "frontier_3_axes.csv", "nearest.csv"}
    assert "no option meets every condition" in text


@pytest.mark.parametrize("args, named", [
    (["--lever", "pot.rate=3:7:1"], "lever 'pot.rate=3:7:1'"),
    (["--lever", "pot.rate_per_head=3:7:1", "--condition", "largest_los<=2"], "condition 'largest_los<=2'"),
    (["--lever", "pot.rate_per_head=3:7:1", "--minimise", "happiness"], "--minimise 'happiness'"),
    (["--lever", "les.schemes.les_diabetes.action=keep,decommission"], "les_diabetes"),
    ([], "give at least one --lever"),
    (["--lever", "pot.rate_per_head=3:4:1"] * 5, "at most 4 levers"),
])
def test_cli_bad_lever_or_condition_exits_2_naming_it(capsys, tmp_path: Path, args, named):
    out = tmp_path / "explore"
    code, _, err = cli_main(capsys, "explore", "--practices", NENE, "--scenario",
                            ROOT / "scenarios" / "les_linked_counts.yaml", *args, "--out", out)
    assert code == 2 and named in err and not out.exists()


def test_cli_writes_a_large_table_a_block_at_a_time_byte_identical(monkeypatch, tmp_path: Path, nene):
    from cli import explore as cli_explore
    from papers.tables import csv_bytes

    ex = explore(nene, scenario("les_linked_counts"), [
        lever("pot.rate_per_head", low=3, high=7, step=1), lever("les.schemes.les_total.fraction", low=0, high=1,
                                                                   step=0.25),
        lever("les.protection.max_loss_pct[1]", [0, 50, 100])])
    table = ex.ranked(ex.options)
    monkeypatch.setattr(cli_explore, "CSV_ROWS", 7)
    cli_explore.write_csv(tmp_path / "options.csv", table)
    assert (tmp_path / "options.csv").read_bytes() == csv_bytes(table)
