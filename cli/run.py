"""``python -m model run`` and ``python -m model compare`` (DESIGN §5).

Output is written into a temporary folder beside DIR and moved into place only when complete, so
DIR is either absent, the previous output (without --force) or the whole new output: never half
written. An existing DIR is refused unless --force.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cli.main import UserError, emit
from model.analysis.compare import compare_practices, compare_summary, differing_assumptions
from model.engine import EngineInputError, prepare, run
from model.practices import load_practices
from model.results import Results
from model.scenario import Scenario, ScenarioError, load_scenario_file
from papers.export import csv_bytes, workbook_bytes, write_run


def load_inputs(practices_path: str) -> object:
    """Load and validate a practice list for a command, or raise UserError naming the problems."""
    loaded = load_practices(practices_path)
    if not loaded.report.ok:
        problems = "; ".join(str(p) for p in loaded.report.errors[:5])
        more = len(loaded.report.errors) - 5
        raise UserError(problems + (f"; and {more} more problems (run `python -m model validate`)"
                                    if more > 0 else ""))
    for w in loaded.report.warnings:
        emit(sys.stderr, f"warning: {w}")
    return loaded.practices


def load_scenario_arg(path: str) -> Scenario:
    try:
        return load_scenario_file(path)
    except ScenarioError as err:
        raise UserError(str(err)) from None


def run_checked(practices, scenario: Scenario) -> Results:
    try:
        return run(practices, scenario)
    except EngineInputError as err:
        raise UserError(f"{scenario.name}: {err}") from None


@contextmanager
def atomic_dir(out: str, force: bool) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success it replaces `out` in one rename."""
    target = Path(out)
    if target.exists() and not force:
        raise UserError(f"{target} already exists; choose another --out or add --force to replace it")
    if target.exists() and not target.is_dir():
        raise UserError(f"{target} exists and is not a folder")
    parent = target.resolve().parent
    if not parent.is_dir():
        raise UserError(f"cannot write to {target}: the folder {parent} does not exist")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private (0700); the output is an ordinary folder
    try:
        yield tmp
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=parent))
            target.rename(old / "out")
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _configure_common(p: argparse.ArgumentParser, many: bool) -> None:
    p.add_argument("--practices", required=True, metavar="FILE", help="practice list, CSV or Excel (.xlsx)")
    p.add_argument("--scenario", required=True, metavar="FILE", action="append" if many else "store",
                   help="scenario YAML" + (" (give two or more)" if many else ""))
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (must not exist)")
    p.add_argument("--force", action="store_true", help="replace DIR if it exists")


def configure_run(p: argparse.ArgumentParser) -> None:
    _configure_common(p, many=False)


def handle_run(args: argparse.Namespace) -> int:
    practices = load_inputs(args.practices)
    results = run_checked(practices, load_scenario_arg(args.scenario))
    with atomic_dir(args.out, args.force) as tmp:
        write_run(results, tmp)
    for w in results.warnings:
        emit(sys.stderr, f"warning: {w}")
    failed = results.checks[results.checks["status"] != "PASS"]
    for _, row in failed.iterrows():
        emit(sys.stderr, f"check failed: {row['check']} (largest difference £{row['largest_difference']:,.2f})")
    emit(sys.stdout, f"wrote {args.out}: practices.csv, localities.csv, summary.csv, checks.csv, "
                     f"scenario.yaml, results.xlsx ({len(results.practices):,} practice-year rows; "
                     f"checks {'all PASS' if results.ok else 'FAILED'})")
    return 0 if results.ok else 3


def configure_compare(p: argparse.ArgumentParser) -> None:
    _configure_common(p, many=True)


def handle_compare(args: argparse.Namespace) -> int:
    if len(args.scenario) < 2:
        raise UserError("compare needs at least two --scenario files")
    if len(args.scenario) > 8:
        raise UserError("compare takes at most 8 scenarios")
    practices = prepare(load_inputs(args.practices))
    runs = [run_checked(practices, load_scenario_arg(s)) for s in args.scenario]
    with atomic_dir(args.out, args.force) as tmp:
        (tmp / "differing_assumptions.csv").write_bytes(csv_bytes(differing_assumptions(runs)))
        (tmp / "compare_summary.csv").write_bytes(csv_bytes(compare_summary(runs)))
        (tmp / "compare_practices.csv").write_bytes(csv_bytes(compare_practices(runs)))
        (tmp / "compare.xlsx").write_bytes(workbook_bytes(runs))
    emit(sys.stdout, f"wrote {args.out}: differing_assumptions.csv, compare_summary.csv, "
                     f"compare_practices.csv, compare.xlsx ({len(runs)} scenarios)")
    return 0


def configure_national(p: argparse.ArgumentParser) -> None:
    _configure_common(p, many=False)
    p.add_argument("--year", type=int, default=0, metavar="N", help="year index to compare (0 = first year)")


def handle_national(args: argparse.Namespace) -> int:
    """One scenario for every CCG in the file: outcomes per CCG and their spread across CCGs."""
    from model.analysis.national import ccg_outcomes, distribution

    results = run_checked(load_inputs(args.practices), load_scenario_arg(args.scenario))
    if not 0 <= args.year < results.scenario.horizon_years:
        raise UserError(f"--year must be between 0 and {results.scenario.horizon_years - 1}")
    outcomes = ccg_outcomes(results, args.year)
    spread = distribution(outcomes)
    with atomic_dir(args.out, args.force) as tmp:
        (tmp / "ccg_outcomes.csv").write_bytes(csv_bytes(outcomes))
        (tmp / "ccg_distribution.csv").write_bytes(csv_bytes(spread))
    median = spread.set_index("outcome")["p50"]
    emit(sys.stdout, f"wrote {args.out}: ccg_outcomes.csv, ccg_distribution.csv ({len(outcomes)} CCGs; "
                     f"median new money £{median['new_money_per_head']:.2f} a head, median share of "
                     f"practices losing {median['share_losing_pct']:.1f} %)")
    return 0
