"""Command line: ``python -m model <command> ...`` (docs/design.md §5): the parser, the dispatch and the
registry of commands.

One module per command (:mod:`cli.validate`, :mod:`cli.run`, :mod:`cli.compare`, :mod:`cli.national`,
:mod:`cli.sensitivity`, :mod:`cli.montecarlo`, :mod:`cli.onepager`,
:mod:`cli.explore`), each with ``HELP``,
``configure(parser)`` and ``handle(args) -> int``; what they share is in :mod:`cli.common`. Commands
import :mod:`cli.common`, this module imports the commands: no import cycle.

Exit codes (a contract scripts rely on):

* 0 - success (warnings allowed)
* 2 - bad input: the message is on stderr, one line per problem
* 3 - internal error: ``internal error: ...`` on stderr (full traceback only with ``--debug``)

Adding a command: write a module with ``configure(parser)`` (adds its arguments) and
``handler(args) -> int``, then add ``"name": Command(help, configure, handler)`` to :data:`COMMANDS`
(or call :func:`register`). A handler raises :class:`UserError` for a problem the user can fix; any
other exception is reported as an internal error.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from cli import book as book_command
from cli import compare, explore, montecarlo, national, onepager, run, sensitivity, validate
from cli.common import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, UserError, emit
from cli.memory import keep_freed_memory

__all__ = ["COMMANDS", "EXIT_BAD_INPUT", "EXIT_INTERNAL", "EXIT_OK", "Command", "UserError", "build_parser",
           "emit", "main", "register"]


@dataclass(frozen=True)
class Command:
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {
    name: Command(module.HELP, module.configure, module.handle)
    for name, module in [("validate", validate), ("run", run), ("compare", compare), ("national", national),
                         ("onepager", onepager), ("sensitivity", sensitivity), ("montecarlo", montecarlo),
                         ("explore", explore)]
}
COMMANDS["book"] = Command(book_command.HELP, book_command.configure, book_command.handle)  # the options book


def register(name: str, help: str, configure: Callable[[argparse.ArgumentParser], None],
             handler: Callable[[argparse.Namespace], int]) -> None:
    """Add (or replace) a subcommand."""
    COMMANDS[name] = Command(help, configure, handler)


def build_parser() -> argparse.ArgumentParser:
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
