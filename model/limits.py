"""Every limit on what the model reads and how much work one request may cause, in one place.

Each limit is checked *before* the heavy work it protects (parsing, running, writing), and an input over
a limit is refused with one sentence giving the limit and what to do (the command line exits 2). The
limits are stated in the README ("Limits"); ``tests/test_attacks.py`` holds the files that test them.

Sizes were chosen well above the real data (all England 2014/15: 7,912 practices, 211 CCGs, one LES
column, a 2.6 MB CSV) and low enough that the worst input under them is read in seconds and well under
1.5 GB (measured in ``tests/test_attacks.py``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# ---- a practice list ---------------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""Largest practice-list file: 20 MB, counted in bytes actually read (the England payments file is 2.6 MB)."""
MAX_PRACTICES = 20_000
"""Practices in one list (all England: 7,912)."""
MAX_FILE_ROWS = 30_000
"""Rows (lines of a CSV, rows of a sheet) read from a practice-list file, blank, title and note rows included."""
MAX_COLUMNS = 200
"""Columns of a practice-list file (the NHS payments publication has about 100)."""
MAX_LES_SCHEMES = 50
"""``les_*`` columns (LES schemes) in one list."""
MAX_SHEET_CELLS = 500_000
"""Cells in a practice-list file: a CSV's cells are counted before it is parsed, a workbook's as its first
sheet is read (stopping at the limit), and a workbook's shared texts likewise. Reading half a million cells
of a workbook takes about 4 seconds (20,000 practices × 25 columns; all England has 7,912 × 10)."""
MAX_XLSX_UNCOMPRESSED = 100 * 1024 * 1024
"""Total size of a workbook's parts once unzipped, as its zip directory states it (unzipping never reads past it)."""
MAX_ZIP_ENTRIES = 1_000
"""Parts in a workbook's zip (an ordinary workbook has 10 to 30)."""
MAX_CODE_CHARS = 32
"""Characters in a practice or commissioner code (ODS codes have 3 to 6)."""
MAX_TEXT_CHARS = 200
"""Characters in a practice name, locality, contract type or commissioner name."""
MAX_ROWS_LISTED = 20
"""Rows named one by one in one message; the rest are counted ("and 999,980 more")."""

# ---- a scenario and a share link ----------------------------------------------------------------------

MAX_SCENARIO_BYTES = 256 * 1024
"""Largest scenario (YAML) file."""
MAX_LINK_CHARS = 2_000
"""Characters in a share link's settings (all keys and values together); a longer link is ignored."""
MAX_LINK_SETTINGS = 60
"""Settings in one share link (the schema has about 35 fields, plus one per LES scheme)."""
MAX_LINK_LIST = 20
"""Numbers in one list in a share link (transitional protection: at most 20 years)."""

# ---- work per request ---------------------------------------------------------------------------------

MAX_PACK_PRACTICES = 300
"""Practices in one meeting pack (a PDF page each): the largest CCG has under 200; WeasyPrint lays out a
page in about 0.3 s, so a pack stays under two minutes. Larger lists: one pack per CCG."""

MAX_RESULT_ROWS = 40_000
"""Practice-year rows one command writes (practices × years × scenarios): all England over the five years of
the planning guidance (7,912 × 5 = 39,560) fits. Writing them as CSV and the workbook takes under 10 seconds
and well under 1.5 GB, and keeps every sheet far inside Excel's 1,048,576 rows."""
EXCEL_MAX_ROWS = 1_048_576
"""Rows on one Excel sheet."""
EXCEL_MAX_FORMULA_CHARS = 8_192
"""Characters in one Excel formula."""
MAX_MC_CELLS = 2_000_000
"""Monte Carlo draws × commissioners (each draw keeps a few figures per commissioner): 1,000,000 draws for
one CCG, about 9,000 for all England's 211."""
MAX_DRAWS = 1_000_000
"""Monte Carlo draws."""
MAX_ENGINE_WORK = 8_000_000
"""Practice-years computed by the engine over all the runs of one analysis (a Monte Carlo whose draws need
their own engine runs, a tornado): the engine does about a million a second."""

# ---- the app: parsing an upload -----------------------------------------------------------------------

UPLOAD_SECONDS = 30
"""Wall time allowed to read and check one uploaded practice list (in a separate process)."""
UPLOAD_MEMORY_BYTES = 1536 * 1024 * 1024
"""Memory (address space) allowed to the process that reads one upload."""


class LimitError(ValueError):
    """An input over one of these limits; the message says which limit and what to do."""


def mb(n: int) -> str:
    """Bytes as megabytes in words.

    >>> mb(MAX_UPLOAD_BYTES), mb(MAX_XLSX_UNCOMPRESSED), mb(1536 * 1024 * 1024)
    ('20 MB', '100 MB', '1,536 MB')
    """
    value = n / (1024 * 1024)
    return f"{value:,.0f} MB" if value >= 10 else f"{value:,.1f} MB".replace(".0 MB", " MB")


def rows_text(rows: list[int] | tuple[int, ...], total: int | None = None, limit: int = MAX_ROWS_LISTED) -> str:
    """Row numbers in words, at most `limit` of them, the rest counted.

    >>> rows_text([2, 3, 4])
    '2, 3 and 4'
    >>> rows_text(list(range(2, 1_000_002)), limit=3)
    '2, 3, 4 and 999,997 more'
    """
    total = len(rows) if total is None else total
    shown = [f"{r:,}" if r >= 10_000 else str(r) for r in rows[:limit]]
    if total > len(shown):
        return ", ".join(shown) + f" and {total - len(shown):,} more"
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def read_regular_file(path: str | os.PathLike[str], max_bytes: int, what: str = "file") -> bytes:
    """The first ``max_bytes + 1`` bytes of a regular file (more than `max_bytes` means it is too large),
    or LimitError (not a regular file) / OSError (cannot be read).

    Only regular files are read: a folder, a FIFO, a device (/dev/zero) or a socket is refused without
    being read (a FIFO is opened without waiting for a writer). The size is counted in bytes read, not
    taken from the file's stated size, so a file that grows while it is read (or /proc) is still cut off.

    >>> read_regular_file("/dev/zero", 10, "practice list")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    model.limits.LimitError: this is not a regular file (it is a character device): only ordinary files are ...
    """
    p = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    st = os.stat(p)
    if stat.S_ISDIR(st.st_mode):
        raise LimitError(f"this is a folder, not a {what}")
    if not stat.S_ISREG(st.st_mode):
        raise LimitError(f"this is not a regular file (it is a {_kind(st.st_mode)}): only ordinary files are read; "
                         f"save the {what} as a file and give its path")
    fd = os.open(p, flags)
    try:
        st = os.fstat(fd)  # the file opened, not the one looked at before (it may have been swapped)
        if not stat.S_ISREG(st.st_mode):
            raise LimitError(f"this is not a regular file (it is a {_kind(st.st_mode)}): only ordinary files are "
                             f"read; save the {what} as a file and give its path")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"
