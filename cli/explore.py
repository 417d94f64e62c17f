"""``python -m model explore``: thousands of options of one scenario at once, the trade-off frontier, and the
cheapest option that meets the conditions.

::

    python -m model explore --practices F --scenario S --lever KEY=LOW:HIGH:STEP [--lever KEY=A,B ...]
        [--condition "largest_loss_per_head<=2" ...] [--minimise net_cost] [--samples N [--sampler sobol|lhs]
        [--seed S]] --out DIR [--force]
        -> DIR/options.csv (every option: its settings, outcomes over the horizon and by year),
           frontier.csv (the options no other beats on cost and largest loss per patient, cheapest first),
           frontier_3_axes.csv (the same with practices worse off as a third axis),
           best.yaml (the cheapest option meeting every condition, a scenario file `run` accepts), or
           nearest.csv when no option meets them (the closest options and by how much each misses)

1 to 4 levers; ``KEY=LOW:HIGH:STEP`` is a grid, ``KEY=A,B,C`` values or choices, ``KEY=LOW:HIGH`` a range
that ``--samples`` draws from. The levers, the conditions, --out and the inputs are all checked before
anything is computed: a bad lever or condition exits 2 naming it. The folder is written atomically
(:mod:`cli.common`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

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
from model.analysis.explore import MAX_LEVERS, MAX_OPTIONS, OUTCOMES, explore, parse_condition, parse_lever
from model.engine import EngineInputError
from model.scenario_files import dump_scenario
from papers.tables import csv_bytes

HELP = "explore many options at once: the trade-off frontier and the cheapest option meeting the conditions"


def configure(p: argparse.ArgumentParser) -> None:
    add_input_arguments(p)
    p.add_argument("--lever", action="append", default=[], metavar="KEY=SPEC",
                   help=f"a setting to vary (1 to {MAX_LEVERS}): KEY=LOW:HIGH:STEP, KEY=A,B,C, or KEY=LOW:HIGH "
                        "with --samples; e.g. pot.rate_per_head=3:7:0.25, les.schemes.les_total.action=keep,"
                        "decommission, les.protection.max_loss_pct=0:100:10 (every year) or "
                        "les.protection.max_loss_pct[0]=0:100:10 (the first year)")
    p.add_argument("--condition", action="append", default=[], metavar="TEXT",
                   help="a condition every option chosen must meet (repeat), e.g. 'largest_loss_per_head<=2', "
                        "'worse_off<=10', 'net_cost_5y<=3.5m' or in words 'net cost over 5 years <= 3.5m'; "
                        f"outcomes: {', '.join(OUTCOMES)} (over the horizon; add _y2 for year 2)")
    p.add_argument("--minimise", default="net_cost", metavar="OUTCOME",
                   help="the outcome the best option has least of (default net_cost, over the horizon)")
    p.add_argument("--samples", type=int, default=None, metavar="N",
                   help=f"draw N seeded quasi-random options instead of the full grid (at most {MAX_OPTIONS:,})")
    p.add_argument("--sampler", choices=["sobol", "lhs"], default="sobol",
                   help="how --samples are drawn: Sobol sequence (default) or Latin hypercube")
    p.add_argument("--seed", type=int, default=2014, metavar="S", help="seed of the samples (default 2014)")


CSV_ROWS = 10_000
"""Rows formatted at a time: 100,000 options as text at once would take ~0.5 GB."""


def write_csv(path: Path, table: pd.DataFrame) -> None:
    """`table` as papers.tables.csv_bytes writes it, formatted a block of rows at a time (every column's kind
    is in the register, so each block is written the same way); the header once."""
    with open(path, "wb") as fh:
        for start in range(0, max(len(table), 1), CSV_ROWS):
            block = csv_bytes(table.iloc[start:start + CSV_ROWS])
            fh.write(block if start == 0 else block.split(b"\n", 1)[1])


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())


def handle(args: argparse.Namespace) -> int:
    if not args.lever:
        raise UserError("give at least one --lever, e.g. --lever pot.rate_per_head=3:7:0.25")
    if len(args.lever) > MAX_LEVERS:
        raise UserError(f"give at most {MAX_LEVERS} levers (got {len(args.lever)}: {', '.join(args.lever)})")
    if args.samples is not None and not 1 <= args.samples <= MAX_OPTIONS:
        raise UserError(f"--samples must be between 1 and {MAX_OPTIONS:,}")
    try:
        levers = [parse_lever(text) for text in args.lever]
    except ValueError as err:
        raise UserError(_one_line(err)) from None
    check_out(args.out, args.force)
    scenario = load_scenario_arg(args.scenario)
    try:
        conditions = [parse_condition(text, scenario.horizon_years) for text in args.condition]
        if args.minimise not in OUTCOMES:
            parse_condition(f"{args.minimise}<=0", scenario.horizon_years)
    except ValueError as err:
        raise UserError(_one_line(err).replace(f"condition '{args.minimise}<=0'", f"--minimise '{args.minimise}'")
                        ) from None
    practices = load_prepared(args.practices)
    try:
        ex = explore(practices, scenario, levers, samples=args.samples, sampler=args.sampler, seed=args.seed,
                     conditions=conditions, objective=args.minimise)
    except EngineInputError as err:
        raise UserError(f"{scenario.name}: {err}") from None
    except ValueError as err:
        raise UserError(_one_line(err)) from None
    if ex.options.empty:
        raise UserError("no option can be used: " + "; ".join(ex.notes))
    written = ["options.csv", "frontier.csv", "frontier_3_axes.csv"]
    with atomic_dir(args.out, args.force) as tmp:
        write_csv(tmp / "options.csv", ex.ranked(ex.options))
        write_csv(tmp / "frontier.csv", ex.frontier())
        write_csv(tmp / "frontier_3_axes.csv", ex.frontier(worse_off=True))
        if ex.best is not None:
            (tmp / "best.yaml").write_text(dump_scenario(ex.scenario_for(ex.best)), encoding="utf-8")
            written.append("best.yaml")
        else:
            (tmp / "nearest.csv").write_bytes(csv_bytes(ex.nearest))
            written.append("nearest.csv")
    for line in ex.summary_text().splitlines():
        emit(sys.stdout, line)
    emit(sys.stdout, f"wrote {args.out}: {', '.join(written)}")
    return EXIT_OK
