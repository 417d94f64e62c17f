"""``python -m model montecarlo``: Monte Carlo of admissions and growth.

::

    python -m model montecarlo --practices F --scenario S --draws N --seed S --out DIR
        [--dist KEY=tri:LOW,MODE,HIGH | KEY=uni:LOW,HIGH | KEY=fixed:VALUE ...] [--no-defaults]
        [--method auto|closed_form|engine] [--growth-step PTS] [--max-engine-runs N] [--force]
        -> DIR/montecarlo_summary.csv, montecarlo_practices.csv, montecarlo_commissioners.csv,
           montecarlo_draws.csv

The arguments, the distributions (against the scenario's limits), --out and the inputs are checked
before any draw is evaluated; the folder is written atomically (:mod:`cli.common`).
"""

from __future__ import annotations

import argparse
import sys

from cli.common import (
    EXIT_OK,
    UserError,
    add_input_arguments,
    atomic_dir,
    check_out,
    emit,
    load_prepared,
    load_scenario_arg,
)
from model.analysis.montecarlo import MC_KEYS, Dist, default_distributions, draw, monte_carlo
from model.engine import EngineInputError
from model.limits import MAX_DRAWS
from papers.tables import csv_bytes

HELP = "Monte Carlo of admissions and growth: percentiles and the chance it pays for itself"


def configure(p: argparse.ArgumentParser) -> None:
    add_input_arguments(p)
    p.add_argument("--draws", type=int, default=1000, metavar="N", help="number of draws (default 1000)")
    p.add_argument("--seed", type=int, default=2014, metavar="S", help="random seed (default 2014)")
    p.add_argument("--dist", action="append", default=[], metavar="KEY=SPEC",
                   help="a distribution for one input, e.g. admissions.expected_reduction_pct=tri:0,2.5,5 or "
                        "admissions.cost_per_admission=uni:2000,3000 or growth.over75_pct=fixed:2 (repeat). "
                        f"Inputs: {', '.join(MC_KEYS)}")
    p.add_argument("--no-defaults", action="store_true",
                   help="vary only the inputs given with --dist (default: the built-in illustrative ranges "
                        "apply to reduction, cost per admission and both growth rates unless overridden)")
    p.add_argument("--method", choices=["auto", "closed_form", "engine"], default="auto",
                   help="how money is evaluated (default auto: exact closed form where it applies)")
    p.add_argument("--growth-step", type=float, default=None, metavar="PTS",
                   help="round growth draws to this many percentage points to share engine runs (approximate)")
    p.add_argument("--max-engine-runs", type=int, default=2000, metavar="N",
                   help="refuse a Monte Carlo that would need more engine runs than this (default 2000)")


def _parse_dist(text: str) -> tuple[str, Dist]:
    key, sep, spec = text.partition("=")
    kind, _, nums = spec.partition(":")
    example = "e.g. admissions.expected_reduction_pct=tri:0,2.5,5"
    try:
        if not sep:
            raise ValueError
        values = [float(v) for v in nums.split(",")]
        kind = kind.strip().lower()
        if kind in ("tri", "triangular") and len(values) == 3:
            return key.strip(), Dist.triangular(*values)
        if kind in ("uni", "uniform") and len(values) == 2:
            return key.strip(), Dist.uniform(*values)
        if kind == "fixed" and len(values) == 1:
            return key.strip(), Dist.fixed(values[0])
        raise ValueError
    except ValueError as err:
        why = f" ({err})" if str(err) else ""
        raise UserError(f"--dist '{text}': write KEY=tri:LOW,MODE,HIGH, KEY=uni:LOW,HIGH or KEY=fixed:VALUE, "
                        f"{example}{why}") from None


def handle(args: argparse.Namespace) -> int:
    if not 1 <= args.draws <= MAX_DRAWS:
        raise UserError(f"--draws must be between 1 and {MAX_DRAWS:,}")
    given = dict(_parse_dist(d) for d in args.dist)
    check_out(args.out, args.force)
    scenario = load_scenario_arg(args.scenario)
    dists = {} if args.no_defaults else default_distributions(scenario)
    dists.update(given)
    try:
        draw(scenario, dists, 1, args.seed)  # unknown inputs, ranges beyond the scenario's limits
    except ValueError as err:
        raise UserError(" ".join(str(err).split())) from None
    practices = load_prepared(args.practices)
    try:
        mc = monte_carlo(practices, scenario, dists, draws=args.draws, seed=args.seed, method=args.method,
                         growth_step=args.growth_step, max_engine_runs=args.max_engine_runs)
    except EngineInputError as err:
        raise UserError(f"{scenario.name}: {err}") from None
    except ValueError as err:
        raise UserError(" ".join(str(err).split())) from None
    with atomic_dir(args.out, args.force) as tmp:
        (tmp / "montecarlo_summary.csv").write_bytes(csv_bytes(mc.summary))
        (tmp / "montecarlo_practices.csv").write_bytes(csv_bytes(mc.practices))
        (tmp / "montecarlo_commissioners.csv").write_bytes(csv_bytes(mc.commissioners))
        (tmp / "montecarlo_draws.csv").write_bytes(csv_bytes(mc.draws))
    for key, d in mc.distributions.items():
        emit(sys.stdout, f"  {key}: {d.describe()}")
    emit(sys.stdout, f"wrote {args.out}: montecarlo_summary.csv, montecarlo_practices.csv, "
                     f"montecarlo_commissioners.csv, montecarlo_draws.csv ({mc.n_draws:,} draws, seed {mc.seed}, "
                     f"method {mc.method}, {mc.engine_runs} engine runs). P(net cost after admissions savings, "
                     f"all years, ≤ £0) = {mc.prob_net_cost_after_admissions_le_zero:.1%}")
    return EXIT_OK
