"""Command line: ``python -m model <command> ...`` (DESIGN.md §5).

Exit codes (a contract scripts rely on):

* 0 - success (warnings allowed)
* 2 - bad input: the message is on stderr, one line per problem
* 3 - internal error: ``internal error: ...`` on stderr (full traceback only with ``--debug``)

Adding a command: write ``configure(parser)`` (adds its arguments) and ``handler(args) -> int``,
then add ``"name": Command(help, configure, handler)`` to :data:`COMMANDS` (or call
:func:`register`). A handler raises :class:`UserError` for a problem the user can fix; any
other exception is reported as an internal error.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from cli.memory import keep_freed_memory
from model.practices import load_practices

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


class UserError(Exception):
    """A problem with the user's input or arguments: exit 2 with this message on stderr."""


@dataclass(frozen=True)
class Command:
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace], int]


def emit(stream: TextIO, text: str) -> None:
    """Write a line, replacing characters the console cannot show (e.g. ✔ on a cp1252 console)."""
    try:
        stream.write(text + "\n")
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, errors="replace").decode(encoding) + "\n")
    stream.flush()


# ---- validate ---------------------------------------------------------------------------------


def _configure_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--practices", required=True, metavar="FILE",
                        help="practice list, CSV or Excel (.xlsx)")


def _run_validate(args: argparse.Namespace) -> int:
    result = load_practices(args.practices)
    emit(sys.stdout, result.report.to_text())
    if not result.report.ok:
        for problem in result.report.errors:
            emit(sys.stderr, str(problem))
        return EXIT_BAD_INPUT
    return EXIT_OK


COMMANDS: dict[str, Command] = {
    "validate": Command("check a practice list and print the report", _configure_validate, _run_validate),
}


def register(name: str, help: str, configure: Callable[[argparse.ArgumentParser], None],
             handler: Callable[[argparse.Namespace], int]) -> None:
    """Add (or replace) a subcommand."""
    COMMANDS[name] = Command(help, configure, handler)


def _register_commands() -> None:
    """Commands that live in their own modules (imported here, late, to avoid an import cycle)."""
    from cli import analysis as cli_analysis
    from cli import onepager as cli_onepager
    from cli import run as cli_run

    register("run", "run one scenario and write practices, localities, summary, scenario and workbook",
             cli_run.configure_run, cli_run.handle_run)
    register("compare", "run two or more scenarios and write them side by side with per-practice deltas",
             cli_run.configure_compare, cli_run.handle_compare)
    register("national", "run one scenario for every CCG and write how its outcomes spread across CCGs",
             cli_run.configure_national, cli_run.handle_national)
    register("onepager", cli_onepager.HELP, cli_onepager.configure, cli_onepager.handle)
    register("sensitivity", "one-way sensitivity (tornado): how far each assumption moves a headline",
             cli_analysis.configure_sensitivity, cli_analysis.handle_sensitivity)
    register("montecarlo", "Monte Carlo of admissions and growth: percentiles and the chance it pays for itself",
             cli_analysis.configure_montecarlo, cli_analysis.handle_montecarlo)


def build_parser() -> argparse.ArgumentParser:
    _register_commands()
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback of an internal error")
    parser = argparse.ArgumentParser(
        prog="python -m model",
        description="Primary-care funding scenario modeller (the 2014/15 £5 per head).",
    )
    parser.add_argument("--debug", action="store_true", default=False,
                        help="show the full traceback of an internal error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, command in COMMANDS.items():
        p = sub.add_parser(name, help=command.help, description=command.help, parents=[common])
        command.configure(p)
        p.set_defaults(_handler=command.handler)
    return parser


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    keep_freed_memory()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2, message already on stderr)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    handler = getattr(args, "_handler", None)
    if handler is None:
        parser.print_usage(sys.stderr)
        emit(sys.stderr, f"error: choose a command: {', '.join(COMMANDS)}")
        return EXIT_BAD_INPUT
    try:
        return int(handler(args))
    except UserError as exc:
        emit(sys.stderr, f"error: {_one_line(exc)}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        emit(sys.stderr, "interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - the contract: exit 3, no traceback unless --debug
        if getattr(args, "debug", False):
            traceback.print_exc(file=sys.stderr)
        emit(sys.stderr, f"internal error: {type(exc).__name__}: {_one_line(exc)}")
        return EXIT_INTERNAL
