"""``python -m model``: see :mod:`model.cli`."""

from model.cli import main

raise SystemExit(main())
