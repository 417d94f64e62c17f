"""``python -m model national``: one scenario for every CCG in the file, and how its outcomes spread.

::

    python -m model national --practices F --scenario S --out DIR [--year N] [--force]
        -> DIR/ccg_outcomes.csv, ccg_distribution.csv

The inputs (and --year against the scenario's horizon) are checked before the run; the folder is
written atomically (:mod:`cli.common`).
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
    load_inputs,
    load_scenario_arg,
    run_checked,
)
from model.analysis.national import ccg_outcomes, distribution
from papers.tables import csv_bytes

HELP = "run one scenario for every CCG and write how its outcomes spread across CCGs"


def configure(p: argparse.ArgumentParser) -> None:
    add_input_arguments(p)
    p.add_argument("--year", type=int, default=0, metavar="N", help="year index to compare (0 = first year)")


def handle(args: argparse.Namespace) -> int:
    """One scenario for every CCG in the file: outcomes per CCG and their spread across CCGs."""
    check_out(args.out, args.force)
    scenario = load_scenario_arg(args.scenario)
    if not 0 <= args.year < scenario.horizon_years:
        raise UserError(f"--year must be between 0 and {scenario.horizon_years - 1}")
    results = run_checked(load_inputs(args.practices), scenario, writes_rows=False)  # one row per CCG
    outcomes = ccg_outcomes(results, args.year)
    spread = distribution(outcomes)
    with atomic_dir(args.out, args.force) as tmp:
        (tmp / "ccg_outcomes.csv").write_bytes(csv_bytes(outcomes))
        (tmp / "ccg_distribution.csv").write_bytes(csv_bytes(spread))
    median = spread.set_index("outcome")["p50"]
    emit(sys.stdout, f"wrote {args.out}: ccg_outcomes.csv, ccg_distribution.csv ({len(outcomes)} CCGs; "
                     f"median new money £{median['new_money_per_head']:.2f} a head, median share of "
                     f"practices losing {median['share_losing_pct']:.1f} %)")
    return EXIT_OK
