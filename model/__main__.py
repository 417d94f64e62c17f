"""``python -m model``: see :mod:`cli.main`."""

from cli.main import main

raise SystemExit(main())
