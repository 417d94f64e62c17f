"""``python -m model compare``: two to eight scenarios on one practice list, side by side.

::

    python -m model compare --practices F --scenario S1 --scenario S2 [...] --out DIR [--force]
        -> DIR/differing_assumptions.csv, compare_summary.csv, compare_practices.csv, compare.xlsx

Every scenario file is checked before any is run; the folder is written atomically (:mod:`cli.common`).
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
    run_checked,
)
from model.analysis.compare import compare_practices, compare_summary, differing_assumptions
from papers.tables import csv_bytes
from papers.workbook import workbook_bytes

HELP = "run two or more scenarios and write them side by side with per-practice deltas"
MAX_SCENARIOS = 8


def configure(p: argparse.ArgumentParser) -> None:
    add_input_arguments(p, many=True)


def handle(args: argparse.Namespace) -> int:
    if len(args.scenario) < 2:
        raise UserError("compare needs at least two --scenario files")
    if len(args.scenario) > MAX_SCENARIOS:
        raise UserError(f"compare takes at most {MAX_SCENARIOS} scenarios")
    check_out(args.out, args.force)
    scenarios = [load_scenario_arg(s) for s in args.scenario]
    practices = load_prepared(args.practices)
    runs = [run_checked(practices, s) for s in scenarios]
    with atomic_dir(args.out, args.force) as tmp:
        (tmp / "differing_assumptions.csv").write_bytes(csv_bytes(differing_assumptions(runs)))
        (tmp / "compare_summary.csv").write_bytes(csv_bytes(compare_summary(runs)))
        (tmp / "compare_practices.csv").write_bytes(csv_bytes(compare_practices(runs)))
        (tmp / "compare.xlsx").write_bytes(workbook_bytes(runs))
    emit(sys.stdout, f"wrote {args.out}: differing_assumptions.csv, compare_summary.csv, "
                     f"compare_practices.csv, compare.xlsx ({len(runs)} scenarios)")
    return EXIT_OK
