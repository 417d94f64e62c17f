"""``python -m model run``: one scenario on a practice list, every table written to one folder.

::

    python -m model run --practices F --scenario S --out DIR [--force]
        -> DIR/practices.csv, localities.csv, summary.csv, checks.csv, scenario.yaml, data_source.csv,
           results.xlsx

Exit 0 when written and every check passes, 2 on bad input, 3 when a check fails or on an internal
error. The inputs are checked before the run; the folder is written atomically (:mod:`cli.common`).
"""

from __future__ import annotations

import argparse
import sys

from cli.common import (
    EXIT_INTERNAL,
    EXIT_OK,
    add_input_arguments,
    atomic_dir,
    check_out,
    emit,
    load_inputs,
    load_scenario_arg,
    run_checked,
)
from papers.files import write_run
from papers.provenance import Source

HELP = "run one scenario and write practices, localities, summary, scenario and workbook"


def configure(p: argparse.ArgumentParser) -> None:
    add_input_arguments(p)


def handle(args: argparse.Namespace) -> int:
    check_out(args.out, args.force)
    scenario = load_scenario_arg(args.scenario)
    practices = load_inputs(args.practices)
    source = Source.from_file(args.practices, practices)   # what the papers say was used
    results = run_checked(practices, scenario)
    with atomic_dir(args.out, args.force) as tmp:
        write_run(results, tmp, source)
    for w in results.warnings:
        emit(sys.stderr, f"warning: {w}")
    failed = results.checks[results.checks["status"] != "PASS"]
    for _, row in failed.iterrows():
        emit(sys.stderr, f"check failed: {row['check']} (largest difference £{row['largest_difference']:,.2f})")
    emit(sys.stdout, f"wrote {args.out}: practices.csv, localities.csv, summary.csv, checks.csv, "
                     f"scenario.yaml, data_source.csv, results.xlsx ({len(results.practices):,} practice-year rows; "
                     f"checks {'all PASS' if results.ok else 'FAILED'})")
    return EXIT_OK if results.ok else EXIT_INTERNAL
