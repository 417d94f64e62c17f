"""``python -m model onepager``: one practice's one-page summary (HTML that prints on A4).

    python -m model onepager --practices F --scenario S --practice CODE --out FILE [--anonymise]
    python -m model onepager --practices F --scenario S --all --out FILE.zip [--anonymise]

--out is checked before the inputs are loaded; the file is written beside its final name and moved into
place only when complete, so FILE is never half written (:mod:`cli.common`). Exit 0 on success, 2 on
bad input (message on stderr), as for the other commands.
"""

from __future__ import annotations

import argparse
import sys

from cli.common import (
    EXIT_OK,
    UserError,
    check_out,
    emit,
    load_inputs,
    load_scenario_arg,
    run_checked,
    write_file_atomic,
)
from model.scenario import Scenario
from papers.onepager import render_html, zip_all

HELP = "write one practice's one-page summary (HTML, prints on A4), or every practice's in a zip"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the onepager arguments to `parser`."""
    parser.add_argument("--practices", required=True, metavar="FILE", help="practice list, CSV or Excel (.xlsx)")
    parser.add_argument("--scenario", metavar="FILE", help="scenario YAML (default: the guidance default)")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--practice", metavar="CODE", help="practice code, e.g. K83004")
    which.add_argument("--all", action="store_true", help="every practice, one page each, in a zip")
    parser.add_argument("--commissioner", metavar="CODE",
                        help="commissioner (CCG) code, when the practice code is used by more than one")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="HTML file to write (a .zip with --all); missing parent folders are created")
    parser.add_argument("--anonymise", action="store_true",
                        help="meeting mode: show 'Practice C' instead of the practice's name and code")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")


def handle(args: argparse.Namespace) -> int:
    """Run the scenario on the practice list and write the page (or the zip of pages)."""
    force = getattr(args, "force", False)
    check_out(args.out, force, folder=False)
    scenario = load_scenario_arg(args.scenario) if args.scenario else Scenario()
    results = run_checked(load_inputs(args.practices), scenario)
    if args.all:
        data = zip_all(results, anonymise=args.anonymise)
        what = f"{results.practices['practice_code'].nunique():,} practice pages"
    else:
        try:
            page = render_html(results, args.practice, anonymise=args.anonymise,
                               commissioner=args.commissioner)
        except ValueError as err:
            raise UserError(f"{args.practices}: {err}") from None
        data = page.encode("utf-8")
        what = "Practice page (meeting mode)" if args.anonymise else f"practice {args.practice}"
    target = write_file_atomic(args.out, data, force)
    for w in results.warnings:
        emit(sys.stderr, f"warning: {w}")
    emit(sys.stdout, f"wrote {target}: {what}, scenario '{scenario.name}'")
    return EXIT_OK
