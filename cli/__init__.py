"""The command line, ``python -m model <command>``: :mod:`cli.main` (parser, dispatch, registry), one
module per command, and :mod:`cli.common` (what they share)."""
