"""``python -m model sensitivity`` and ``python -m model montecarlo``.

::

    python -m model sensitivity --practices F --scenario S --out DIR [--headline net_cost]
        [--low-pct -20 --high-pct 20] [--assumption KEY ...] [--range KEY=LOW,HIGH ...] [--force]
        -> DIR/tornado.csv

    python -m model montecarlo --practices F --scenario S --draws N --seed S --out DIR
        [--dist KEY=tri:LOW,MODE,HIGH | KEY=uni:LOW,HIGH | KEY=fixed:VALUE ...] [--no-defaults]
        [--method auto|closed_form|engine] [--growth-step PTS] [--max-engine-runs N] [--force]
        -> DIR/montecarlo_summary.csv, montecarlo_practices.csv, montecarlo_commissioners.csv,
           montecarlo_draws.csv

Exit codes as for every command (:mod:`cli.main`): 0 success, 2 bad input (message on stderr),
3 internal error. Output is written to a temporary folder and moved into place when complete.
"""

from __future__ import annotations

import argparse
import sys

from cli.main import UserError, emit
from cli.run import atomic_dir, load_inputs, load_scenario_arg
from model.analysis.montecarlo import MC_KEYS, Dist, default_distributions, monte_carlo
from model.analysis.sensitivity import HEADLINES, tornado
from model.engine import EngineInputError, prepare
from papers.export import csv_bytes


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--practices", required=True, metavar="FILE", help="practice list, CSV or Excel (.xlsx)")
    p.add_argument("--scenario", required=True, metavar="FILE", help="scenario YAML")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (must not exist)")
    p.add_argument("--force", action="store_true", help="replace DIR if it exists")


def _prepared(path: str):
    try:
        return prepare(load_inputs(path))
    except EngineInputError as err:
        raise UserError(str(err)) from None


def _fmt(kind: str, x: float) -> str:
    if kind == "money":
        return f"-£{-x:,.2f}" if x < 0 else f"£{x:,.2f}"
    if kind == "percent":
        return f"{x:,.4g} %"
    return f"{x:,.6g}"


# ---- sensitivity ------------------------------------------------------------------------------


def configure_sensitivity(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--headline", default="net_cost", choices=list(HEADLINES),
                   help="the figure whose sensitivity is shown (default: net_cost, all years)")
    p.add_argument("--low-pct", type=float, default=-20.0, metavar="PCT",
                   help="move each assumption by this %% of its value for the low end (default -20)")
    p.add_argument("--high-pct", type=float, default=20.0, metavar="PCT",
                   help="and by this %% for the high end (default 20)")
    p.add_argument("--assumption", action="append", metavar="KEY",
                   help="a scenario key to vary (repeat; default: every numeric assumption)")
    p.add_argument("--range", action="append", metavar="KEY=LOW,HIGH", default=[],
                   help="absolute low and high values for one assumption (repeat)")


def _parse_range(text: str) -> tuple[str, tuple[float, float]]:
    key, sep, rest = text.partition("=")
    parts = rest.split(",")
    try:
        if not sep or len(parts) != 2:
            raise ValueError
        return key.strip(), (float(parts[0]), float(parts[1]))
    except ValueError:
        raise UserError(f"--range '{text}': write it as KEY=LOW,HIGH, e.g. growth.list_size_pct=-1,2") from None


def handle_sensitivity(args: argparse.Namespace) -> int:
    practices = _prepared(args.practices)
    scenario = load_scenario_arg(args.scenario)
    ranges = dict(_parse_range(r) for r in args.range)
    keys = args.assumption
    if keys is not None:
        keys = list(dict.fromkeys(keys + [k for k in ranges if k not in keys]))
    try:
        table = tornado(practices, scenario, args.headline, assumptions=keys, low_pct=args.low_pct,
                        high_pct=args.high_pct, ranges=ranges or None)
    except EngineInputError as err:
        raise UserError(f"{scenario.name}: {err}") from None
    except ValueError as err:
        raise UserError(" ".join(str(err).split())) from None
    with atomic_dir(args.out, args.force) as tmp:
        (tmp / "tornado.csv").write_bytes(csv_bytes(table))
    head = HEADLINES[args.headline]
    top = table[table["swing"] > 0].head(3)
    lead = ", ".join(f"{r.label} ({_fmt(head.kind, r.swing)})" for r in top.itertuples()) or "none"
    emit(sys.stdout, f"wrote {args.out}: tornado.csv ({len(table)} assumptions, "
                     f"{table.attrs.get('engine_runs', 0)} engine runs). {head.label} at the scenario: "
                     f"{_fmt(head.kind, table['headline_at_base'].iloc[0])}; largest swings: {lead}")
    return 0


# ---- Monte Carlo ------------------------------------------------------------------------------


def configure_montecarlo(p: argparse.ArgumentParser) -> None:
    _common(p)
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


def handle_montecarlo(args: argparse.Namespace) -> int:
    if args.draws < 1 or args.draws > 1_000_000:
        raise UserError("--draws must be between 1 and 1,000,000")
    practices = _prepared(args.practices)
    scenario = load_scenario_arg(args.scenario)
    given = dict(_parse_dist(d) for d in args.dist)
    dists = {} if args.no_defaults else default_distributions(scenario)
    dists.update(given)
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
    return 0
