"""``python -m model sensitivity``: one-way sensitivity (a tornado) of one headline figure.

::

    python -m model sensitivity --practices F --scenario S --out DIR [--headline net_cost]
        [--low-pct -20 --high-pct 20] [--assumption KEY ...] [--range KEY=LOW,HIGH ...] [--force]
        -> DIR/tornado.csv

The arguments, the assumption keys, --out and the inputs are checked before anything is run; the
folder is written atomically (:mod:`cli.common`).
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
)
from model.analysis.sensitivity import HEADLINES, assumption, tornado
from model.engine import EngineInputError
from papers.tables import csv_bytes

HELP = "one-way sensitivity (tornado): how far each assumption moves a headline"


def configure(p: argparse.ArgumentParser) -> None:
    add_input_arguments(p)
    p.add_argument("--headline", default="net_cost", choices=list(HEADLINES),
                   help="the figure whose sensitivity is shown (default: net_cost, all years)")
    p.add_argument("--low-pct", type=float, default=-20.0, metavar="PCT",
                   help="move each assumption by this %% of its value for the low end (default -20)")
    p.add_argument("--high-pct", type=float, default=20.0, metavar="PCT",
                   help="and by this %% for the high end (default 20)")
    p.add_argument("--assumption", action="append", metavar="KEY",
                   help="a scenario key to vary (repeat; default: every numeric assumption)")
    p.add_argument("--range", action="append", metavar="KEY=LOW,HIGH", default=[],
                   help="absolute low and high values for one assumption (repeat)")


def _parse_range(text: str) -> tuple[str, tuple[float, float]]:
    key, sep, rest = text.partition("=")
    parts = rest.split(",")
    try:
        if not sep or len(parts) != 2:
            raise ValueError
        return key.strip(), (float(parts[0]), float(parts[1]))
    except ValueError:
        raise UserError(f"--range '{text}': write it as KEY=LOW,HIGH, e.g. growth.list_size_pct=-1,2") from None


def _fmt(kind: str, x: float) -> str:
    if kind == "money":
        return f"-£{-x:,.2f}" if x < 0 else f"£{x:,.2f}"
    if kind == "percent":
        return f"{x:,.4g} %"
    return f"{x:,.6g}"


def handle(args: argparse.Namespace) -> int:
    ranges = dict(_parse_range(r) for r in args.range)
    keys = args.assumption
    if keys is not None:
        keys = list(dict.fromkeys(keys + [k for k in ranges if k not in keys]))
    check_out(args.out, args.force)
    scenario = load_scenario_arg(args.scenario)
    for key in dict.fromkeys([*(keys or []), *ranges]):
        try:
            assumption(scenario, key)
        except ValueError as err:
            raise UserError(" ".join(str(err).split())) from None
    practices = load_prepared(args.practices)
    try:
        table = tornado(practices, scenario, args.headline, assumptions=keys, low_pct=args.low_pct,
                        high_pct=args.high_pct, ranges=ranges or None)
    except EngineInputError as err:
        raise UserError(f"{scenario.name}: {err}") from None
    except ValueError as err:
        raise UserError(" ".join(str(err).split())) from None
    with atomic_dir(args.out, args.force) as tmp:
        (tmp / "tornado.csv").write_bytes(csv_bytes(table))
    head = HEADLINES[args.headline]
    top = table[table["swing"] > 0].head(3)
    lead = ", ".join(f"{r.label} ({_fmt(head.kind, r.swing)})" for r in top.itertuples()) or "none"
    emit(sys.stdout, f"wrote {args.out}: tornado.csv ({len(table)} assumptions, "
                     f"{table.attrs.get('engine_runs', 0)} engine runs). {head.label} at the scenario: "
                     f"{_fmt(head.kind, table['headline_at_base'].iloc[0])}; largest swings: {lead}")
    return EXIT_OK
