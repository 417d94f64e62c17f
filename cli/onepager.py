"""``python -m model onepager``: one practice's one-page summary (HTML that prints on one A4 page), or
the meeting pack of every practice.

    python -m model onepager --practices F --scenario S --practice CODE --out FILE.html [--anonymise]
    python -m model onepager --practices F --scenario S --all --out PACK.pdf [--anonymise]
        -> PACK.pdf (cover, index, one A4 page per practice) and PACK.zip (each practice's page as HTML)

With --all, --out names the PDF (or the zip: the other file goes beside it with the same stem). Both
targets are checked before the inputs are loaded; each file is written beside its final name and moved
into place only when complete, so neither is ever half written (:mod:`cli.common`). Exit 0 on success,
2 on bad input (message on stderr), as for the other commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
from papers.pack import pack
from papers.provenance import Source

HELP = "write one practice's one-page summary (HTML, one A4 page), or the meeting pack of every practice (PDF + zip)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the onepager arguments to `parser`."""
    parser.add_argument("--practices", required=True, metavar="FILE", help="practice list, CSV or Excel (.xlsx)")
    parser.add_argument("--scenario", metavar="FILE", help="scenario YAML (default: the guidance default)")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--practice", metavar="CODE", help="practice code, e.g. K83004")
    which.add_argument("--all", action="store_true",
                       help="every practice: the meeting pack (one PDF: cover, index, a page per practice) and a "
                            "zip of the pages as HTML")
    parser.add_argument("--commissioner", metavar="CODE",
                        help="commissioner (CCG) code, when the practice code is used by more than one")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="HTML file to write; with --all the PDF (PACK.pdf, and PACK.zip beside it); missing "
                             "parent folders are created")
    parser.add_argument("--anonymise", action="store_true",
                        help="meeting mode: show 'Practice C' instead of the practice's name and code")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")


def pack_targets(out: str) -> tuple[str, str]:
    """(PDF, zip) written by --all: --out names one of them, the other has the same stem.

    >>> pack_targets("out/pack.pdf"), pack_targets("out/pages.zip"), pack_targets("out/pack")
    (('out/pack.pdf', 'out/pack.zip'), ('out/pages.pdf', 'out/pages.zip'), ('out/pack.pdf', 'out/pack.zip'))
    """
    p = Path(out)
    stem = p.with_suffix("") if p.suffix.lower() in (".pdf", ".zip") else p
    return str(stem) + ".pdf", str(stem) + ".zip"


def handle(args: argparse.Namespace) -> int:
    """Run the scenario on the practice list and write the page (or the pack and the zip of pages)."""
    force = getattr(args, "force", False)
    targets = pack_targets(args.out) if args.all else (args.out,)
    for target in targets:
        check_out(target, force, folder=False)
    scenario = load_scenario_arg(args.scenario) if args.scenario else Scenario()
    practices = load_inputs(args.practices)
    source = Source.from_file(args.practices, practices)   # named in every page's footer and on the cover
    results = run_checked(practices, scenario)
    if args.all:
        try:
            pdf, fits, n_pages = pack(results, anonymise=args.anonymise, source=source)
        except ValueError as err:
            raise UserError(f"{args.practices}: {err}") from None
        pages_zip = zip_all(results, anonymise=args.anonymise, source=source, fits=fits)
        write_file_atomic(targets[1], pages_zip, force)
        target = write_file_atomic(targets[0], pdf, force)
        n = len(fits)
        what = (f"meeting pack of {n:,} practices, {n_pages:,} pages (cover, index, a page each), "
                f"and {Path(targets[1]).name} ({n:,} HTML pages)")
    else:
        try:
            page = render_html(results, args.practice, anonymise=args.anonymise,
                               commissioner=args.commissioner, source=source)
        except ValueError as err:
            raise UserError(f"{args.practices}: {err}") from None
        what = "Practice page (meeting mode)" if args.anonymise else f"practice {args.practice}"
        target = write_file_atomic(args.out, page.encode("utf-8"), force)
    for w in results.warnings:
        emit(sys.stderr, f"warning: {w}")
    emit(sys.stdout, f"wrote {target}: {what}, scenario '{scenario.name}'")
    return EXIT_OK
