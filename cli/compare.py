"""``python -m model compare``: two to eight scenarios on one practice list, side by side.

::

    python -m model compare --practices F --scenario S1 --scenario S2 [...] --out DIR [--force]
        -> DIR/differing_assumptions.csv, compare_summary.csv, compare_practices.csv, data_source.csv,
           compare.xlsx (the scenarios' summaries side by side, each practice's net change and the
           differences, each scenario's file: the same workbook as the app's comparison download)

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
    check_rows,
    emit,
    load_inputs,
    load_scenario_arg,
    run_checked,
)
from model.engine import EngineInputError, prepare
from papers.provenance import Source
from papers.tables import compare_files
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
    loaded = load_inputs(args.practices)
    source = Source.from_file(args.practices, loaded)   # what the papers say was used
    try:
        practices = prepare(loaded)
    except EngineInputError as err:
        raise UserError(str(err)) from None
    check_rows(practices, scenarios)  # all the scenarios' rows together, before any is run
    runs = [run_checked(practices, s) for s in scenarios]
    with atomic_dir(args.out, args.force) as tmp:
        for name, data in compare_files(runs).items():
            (tmp / name).write_bytes(data)
        (tmp / "data_source.csv").write_bytes(source.csv())
        (tmp / "compare.xlsx").write_bytes(workbook_bytes(runs, source))
    emit(sys.stdout, f"wrote {args.out}: differing_assumptions.csv, compare_summary.csv, "
                     f"compare_practices.csv, data_source.csv, compare.xlsx ({len(runs)} scenarios)")
    return EXIT_OK
