"""``python -m model book``: the options book on the command line (docs/design.md §5).

::

    python -m model book list   [--book PATH] [--status draft|shortlisted|agreed]
    python -m model book show   [--book PATH] VERSION [--yaml]
    python -m model book diff   [--book PATH] VERSION VERSION
    python -m model book export [--book PATH] --out DIR [--force]   -> DIR/manifest.json, DIR/NNN-option/vNNN.yaml
    python -m model book import [--book PATH] DIR
    python -m model book save   [--book PATH] --practices FILE --scenario FILE --option NAME --author NAME [--note TEXT]
    python -m model book mark   [--book PATH] VERSION --status shortlisted|agreed|draft --by NAME [--note TEXT]

VERSION is '#12' (the number ``list`` shows), 'Option name' (its newest version), 'Option name@2' or
'Option name v2'. The book is ``--book PATH``, else ``$PCFUND_BOOK``, else the per-user file
(:mod:`book.location`). A problem with the book or the input is one sentence on stderr and exit 2;
``export`` writes its folder atomically (:mod:`cli.common`); ``import`` adds everything or nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from book.diff import diff_text, scenario_differences, version_scenario
from book.exchange import export_book, read_export
from book.location import book_path
from book.records import (
    HEADLINE_KEYS,
    STATUSES,
    Version,
    headline_label,
    headline_text,
    headlines,
    practice_list_print,
    when_text,
)
from book.store import Book, BookError, BookMissing
from cli.common import EXIT_OK, UserError, atomic_dir, check_out, emit, load_inputs, load_scenario_arg, run_checked
from model.scenario import Scenario, ScenarioError
from model.scenario_files import dump_scenario

HELP = "the options book: list, show, diff, export and import saved options (also save and mark)"
ACTIONS = ("list", "show", "diff", "export", "import", "save", "mark")


def configure(p: argparse.ArgumentParser) -> None:
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--book", metavar="PATH",
                       help="the options book file (default: $PCFUND_BOOK, else ~/.local/share/pcfund/book.sqlite3)")
    sub = p.add_subparsers(dest="book_action", metavar="ACTION")
    ls = sub.add_parser("list", parents=[where], help="every option and version, with status and headline")
    ls.add_argument("--status", choices=STATUSES, help="only versions with this status now")
    show = sub.add_parser("show", parents=[where], help="one version: status, history, figures, assumptions")
    show.add_argument("version", metavar="VERSION", help="'#12', 'Option name' or 'Option name@2'")
    show.add_argument("--yaml", action="store_true", help="print the saved scenario YAML instead")
    diff = sub.add_parser("diff", parents=[where], help="what differs between two versions, in plain English")
    diff.add_argument("first", metavar="VERSION")
    diff.add_argument("second", metavar="VERSION")
    ex = sub.add_parser("export", parents=[where], help="write the book as a folder of YAML files + manifest.json")
    ex.add_argument("--out", required=True, metavar="DIR", help="folder to write (must not exist)")
    ex.add_argument("--force", action="store_true", help="replace DIR if it exists")
    im = sub.add_parser("import", parents=[where], help="add a folder written by export (all or nothing)")
    im.add_argument("folder", metavar="DIR")
    sv = sub.add_parser("save", parents=[where], help="save a scenario run on a practice list as a new version")
    sv.add_argument("--practices", required=True, metavar="FILE", help="practice list, CSV or Excel (.xlsx)")
    sv.add_argument("--scenario", required=True, metavar="FILE", help="scenario YAML")
    sv.add_argument("--option", required=True, metavar="NAME", help="the option's name (new or existing)")
    sv.add_argument("--author", required=True, metavar="NAME", help="who saves it")
    sv.add_argument("--note", default="", metavar="TEXT", help="what changed, or why")
    mk = sub.add_parser("mark", parents=[where], help="mark a version shortlisted, agreed, or back to draft")
    mk.add_argument("version", metavar="VERSION")
    mk.add_argument("--status", required=True, choices=STATUSES)
    mk.add_argument("--by", required=True, metavar="NAME", help="who marks it (recorded)")
    mk.add_argument("--note", default="", metavar="TEXT", help="e.g. the meeting that decided it")


def plain(text: object) -> str:
    """User text safe to print on a terminal: control characters (escape sequences) shown as '?'."""
    return "".join("?" if (ord(ch) < 32 and ch not in "\n") or 127 <= ord(ch) < 160 else ch for ch in str(text))


def handle(args: argparse.Namespace) -> int:
    action = getattr(args, "book_action", None)
    if action is None:
        raise UserError(f"say what to do with the options book: {', '.join(ACTIONS)} "
                        f"(e.g. `python -m model book list`)")
    path = book_path(args.book)
    try:
        return {"list": _list, "show": _show, "diff": _diff, "export": _export, "import": _import, "save": _save,
                "mark": _mark}[action](args, path)
    except BookError as err:
        raise UserError(str(err)) from None


def _open(path: Path, create: bool = False) -> Book:
    return Book(path, create=create)


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]


def _list(args: argparse.Namespace, path: Path) -> int:
    try:
        book = _open(path)
    except BookMissing as err:
        emit(sys.stdout, str(err))
        return EXIT_OK
    with book:
        options = book.options()
        versions = [v for o in options for v in o.versions if args.status is None or v.status == args.status]
    n = sum(len(o.versions) for o in options)
    emit(sys.stdout, plain(f"Options book {path}: {len(options):,} option{'s' if len(options) != 1 else ''}, "
                           f"{n:,} version{'s' if n != 1 else ''}" + (f"; {len(versions):,} {args.status}"
                                                                       if args.status else "")))
    if not versions:
        return EXIT_OK
    rows = [["#", "version", "status", "saved", "by", headline_label("net_cost"), "practice list"]]
    for v in versions:
        rows.append([f"#{v.id}", v.title, v.status_text, when_text(v.saved_at), v.author,
                     headline_text("net_cost", v.headlines.get("net_cost")), v.practice_list.describe()])
    emit(sys.stdout, "")
    for line in _table([[plain(c) for c in r] for r in rows]):
        emit(sys.stdout, line)
    return EXIT_OK


def _show(args: argparse.Namespace, path: Path) -> int:
    with _open(path) as book:
        v = book.find(args.version)
    if args.yaml:
        sys.stdout.write(plain(v.scenario_yaml))
        sys.stdout.flush()
        return EXIT_OK
    for line in show_lines(v):
        emit(sys.stdout, plain(line))
    return EXIT_OK


def show_lines(v: Version) -> list[str]:
    """A version described for the terminal."""
    fp = v.practice_list
    lines = [f"{v.title} (#{v.id})",
             f"Status:        {v.status_text}",
             f"Saved:         by {v.author}, {when_text(v.saved_at)}" + (f", from {v.based_on_title}"
                                                                          if v.based_on_title else ""),
             f"Scenario name: {v.scenario_name}"]
    if v.note:
        lines.append(f"Note:          {' '.join(v.note.split())}")
    lines.append(f"Practice list: {fp.describe()}, sha256 {fp.sha256}")
    lines.append("History:")
    for step in v.history:
        lines.append(f"  - {step.status} by {step.by}, {when_text(step.at)}" + (f": {step.note}" if step.note else ""))
    lines.append("Headline figures when saved:")
    for key in HEADLINE_KEYS:
        lines.append(f"  - {headline_label(key)}: {headline_text(key, v.headlines.get(key))}")
    lines.append("Assumptions changed from the guidance default:")
    try:
        changed = scenario_differences(Scenario(), version_scenario(v))
    except ScenarioError as err:
        changed = [f"the saved scenario cannot be read: {err}"]
    lines += [f"  - {c}" for c in changed] or ["  - none"]
    return lines


def _diff(args: argparse.Namespace, path: Path) -> int:
    with _open(path) as book:
        a, b = book.find(args.first), book.find(args.second)
    emit(sys.stdout, plain(diff_text(a, b)))
    return EXIT_OK


def _export(args: argparse.Namespace, path: Path) -> int:
    check_out(args.out, args.force)
    with _open(path) as book:
        with atomic_dir(args.out, args.force) as tmp:
            manifest = export_book(book, tmp)
    n = sum(len(o["versions"]) for o in manifest["options"])
    emit(sys.stdout, f"wrote {args.out}: manifest.json and {n:,} scenario YAML file{'s' if n != 1 else ''} "
                     f"({len(manifest['options']):,} option{'s' if len(manifest['options']) != 1 else ''})")
    return EXIT_OK


def _import(args: argparse.Namespace, path: Path) -> int:
    options = read_export(Path(args.folder))  # every file checked before the book is touched
    with _open(path, create=True) as book:
        summary = book.import_options(options)
    emit(sys.stdout, f"imported {args.folder} into {path}: {summary.text()}")
    return EXIT_OK


def _save(args: argparse.Namespace, path: Path) -> int:
    scenario = load_scenario_arg(args.scenario)
    frame = load_inputs(args.practices)
    results = run_checked(frame, scenario)
    fp = practice_list_print(frame, Path(args.practices).name)
    with _open(path, create=True) as book:
        v = book.save(args.option, dump_scenario(scenario), scenario.name, fp, headlines(results.totals()),
                      args.author, args.note)
    emit(sys.stdout, plain(f"saved {v.title} (#{v.id}) as a draft in {path}"))
    return EXIT_OK


def _mark(args: argparse.Namespace, path: Path) -> int:
    with _open(path) as book:
        v = book.find(args.version)
        v = book.set_status(v.id, args.status, args.by, args.note)
    emit(sys.stdout, plain(f"{v.title} (#{v.id}) is now {v.status} ({v.status_text})"))
    return EXIT_OK
