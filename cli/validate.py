"""``python -m model validate --practices FILE``: check a practice list and print the whole report.

The report (every error and every warning) goes to stdout; the errors are repeated on stderr, one a
line. Exit 0 when the file is usable (warnings allowed), 2 when it is not.
"""

from __future__ import annotations

import argparse
import sys

from cli.common import EXIT_BAD_INPUT, EXIT_OK, emit
from model.practices import load_practices

HELP = "check a practice list and print the report"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--practices", required=True, metavar="FILE",
                        help="practice list, CSV or Excel (.xlsx)")


def handle(args: argparse.Namespace) -> int:
    result = load_practices(args.practices)
    emit(sys.stdout, result.report.to_text())
    if not result.report.ok:
        for problem in result.report.errors:
            emit(sys.stderr, str(problem))
        return EXIT_BAD_INPUT
    return EXIT_OK
