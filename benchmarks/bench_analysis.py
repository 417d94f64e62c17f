"""Uncertainty analyses: tornado, break-even and Monte Carlo speed (and Monte Carlo memory).

Run: `make bench` or `.venv/bin/python benchmarks/bench_analysis.py [--quick]`. Targets (issue
"Uncertainty and trade-offs"): tornado of 15 assumptions on Nene ≤ 1 s; Monte Carlo 1,000 draws on
Nene ≤ 2 s; 10,000 draws on all England < 60 s with bounded memory.
"""

from __future__ import annotations

import resource
import sys

from common import ENGLAND, NENE, SCENARIOS, load, median_seconds, peak_mb, print_table

from model.analysis.breakeven import break_even_admissions_reduction, rate_for_max_loss  # noqa: E402
from model.analysis.montecarlo import monte_carlo  # noqa: E402
from model.analysis.sensitivity import Evaluator, default_assumptions, tornado  # noqa: E402
from model.engine import prepare  # noqa: E402
from model.scenario_files import load_scenario_file  # noqa: E402


def main(quick: bool = False) -> None:
    nene = load(NENE)
    england = load(ENGLAND)
    rows = []

    # Tornado: les_separate with a cap -> 15 assumptions, 31 scenario evaluations.
    s15 = load_scenario_file(SCENARIOS / "les_separate.yaml").with_changes({"distribution.cap": 90_000.0})
    n_assumptions = len(default_assumptions(s15))
    table = tornado(nene, s15, "net_cost")
    med, _ = median_seconds(lambda: tornado(nene, s15, "net_cost"), repeats=3 if quick else 7)
    rows.append({"analysis": f"tornado, {n_assumptions} assumptions (net_cost)", "data": "Nene (69)",
                 "median s": f"{med:.3f}", "target": "≤ 1 s",
                 "detail": f"{table.attrs['engine_runs']} engine runs + {table.attrs['derived_runs']} "
                           "admissions short cuts (from a DataFrame: prepare included)"})
    pl = prepare(nene)
    runs_all = tornado(pl, s15, "net_cost", evaluator=Evaluator(pl, s15, shortcuts=False)).attrs["engine_runs"]
    med, _ = median_seconds(lambda: tornado(pl, s15, "net_cost", evaluator=Evaluator(pl, s15, shortcuts=False)),
                            repeats=3 if quick else 7)
    rows.append({"analysis": f"tornado, {n_assumptions} assumptions, no short cuts", "data": "Nene (69)",
                 "median s": f"{med:.3f}", "target": "≤ 1 s",
                 "detail": f"{runs_all} engine runs (ends equal to the base value reuse the base run)"})
    med, _ = median_seconds(lambda: tornado(nene, s15, "worst_loss_pct_of_les"), repeats=3 if quick else 7)
    rows.append({"analysis": f"tornado, {n_assumptions} assumptions (worst_loss_pct_of_les)", "data": "Nene (69)",
                 "median s": f"{med:.3f}", "target": "≤ 1 s", "detail": ""})

    # Break-even.
    cond = load_scenario_file(SCENARIOS / "conditional_review.yaml")
    sep = load_scenario_file(SCENARIOS / "les_separate.yaml")
    r = break_even_admissions_reduction(nene, cond)
    med, _ = median_seconds(lambda: break_even_admissions_reduction(nene, cond), repeats=5)
    rows.append({"analysis": "break-even admissions reduction", "data": "Nene (69)", "median s": f"{med:.3f}",
                 "target": "", "detail": f"{r.status} at {r.value:.4f} %, {r.evaluations} evaluations"})
    r = rate_for_max_loss(nene, sep, 5.0, 0, 50)
    med, _ = median_seconds(lambda: rate_for_max_loss(nene, sep, 5.0, 0, 50), repeats=3)
    rows.append({"analysis": "£/head so no practice loses > 5 % of LES", "data": "Nene (69)",
                 "median s": f"{med:.3f}", "target": "",
                 "detail": f"{r.status} at £{r.value:.4f}, {r.engine_runs} engine runs"})

    # Monte Carlo.
    mc = monte_carlo(nene, cond, draws=1000, seed=1)
    med, _ = median_seconds(lambda: monte_carlo(nene, cond, draws=1000, seed=1), repeats=3 if quick else 7)
    rows.append({"analysis": "Monte Carlo 1,000 draws (conditional_review)", "data": "Nene (69)",
                 "median s": f"{med:.3f}", "target": "≤ 2 s", "detail": f"method {mc.method}"})
    mc = monte_carlo(nene, sep, draws=1000, seed=1)
    med, _ = median_seconds(lambda: monte_carlo(nene, sep, draws=1000, seed=1), repeats=1)
    rows.append({"analysis": "Monte Carlo 1,000 draws (les_separate: protection)", "data": "Nene (69)",
                 "median s": f"{med:.3f}", "target": "(fallback)",
                 "detail": f"method {mc.method}, {mc.engine_runs} engine runs"})
    mc = monte_carlo(england, cond, draws=10_000, seed=1)
    med, _ = median_seconds(lambda: monte_carlo(england, cond, draws=10_000, seed=1), repeats=1 if quick else 3,
                            warmup=0)
    peak = peak_mb(lambda: monte_carlo(england, cond, draws=10_000, seed=1))
    peak_small = peak_mb(lambda: monte_carlo(england, cond, draws=1_000, seed=1))
    rows.append({"analysis": "Monte Carlo 10,000 draws (conditional_review)", "data": "England (7,912)",
                 "median s": f"{med:.2f}", "target": "< 60 s",
                 "detail": f"method {mc.method}; peak traced memory {peak:.0f} MB (1,000 draws: "
                           f"{peak_small:.0f} MB); process max RSS "
                           f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"})
    print_table(rows, "Uncertainty analyses (median wall time)")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
