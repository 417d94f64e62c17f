"""Where the options book lives: ``--book PATH`` (command line), else the ``PCFUND_BOOK`` environment
variable, else one file per user: ``$XDG_DATA_HOME/pcfund/book.sqlite3`` (``~/.local/share/pcfund/…`` when
XDG_DATA_HOME is not set). The file and its folder are created when the first option is saved.

>>> str(book_path("~/team/book.sqlite3", environ={"HOME": "/home/ann"}))
'/home/ann/team/book.sqlite3'
>>> str(book_path(None, environ={"PCFUND_BOOK": "/srv/finance/options.sqlite3"}))
'/srv/finance/options.sqlite3'
>>> str(book_path(None, environ={"XDG_DATA_HOME": "/data/ann"}))
'/data/ann/pcfund/book.sqlite3'
>>> str(book_path(None, environ={"HOME": "/home/ann"}))
'/home/ann/.local/share/pcfund/book.sqlite3'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ENV = "PCFUND_BOOK"
FILE_NAME = "book.sqlite3"


def _expand(text: str, environ: Mapping[str, str]) -> Path:
    if text == "~" or text.startswith("~/"):
        home = environ.get("HOME") or str(Path.home())
        return Path(home + text[1:])
    return Path(text)


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """The per-user book: $XDG_DATA_HOME/pcfund/book.sqlite3, or ~/.local/share/pcfund/book.sqlite3."""
    env = os.environ if environ is None else environ
    data = env.get("XDG_DATA_HOME", "").strip()
    base = Path(data) if data and Path(data).is_absolute() else _expand("~/.local/share", env)
    return base / "pcfund" / FILE_NAME


def book_path(flag: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The book to use: the --book flag, else $PCFUND_BOOK, else :func:`default_path`."""
    env = os.environ if environ is None else environ
    for text in (flag, env.get(ENV)):
        if text is not None and text.strip():
            return _expand(text.strip(), env)
    return default_path(env)
