"""The options book: options saved as immutable versions, shortlisted and agreed, in one database file.

Storage is not calculation, so it lives here, beside :mod:`model`, not in it (docs/design.md §2):

* :mod:`book.records` — what is kept, as plain values (a practice list's fingerprint, headline figures,
  options, versions, status changes);
* :mod:`book.store` — the SQLite file behind :class:`~book.store.Book` (the only module with SQL);
* :mod:`book.location` — where the file is (``--book``, ``PCFUND_BOOK``, a per-user default);
* :mod:`book.diff` — the differences between two versions in plain English, from the schema's labels;
* :mod:`book.exchange` — a book as a folder of YAML files plus a JSON manifest, and back.

Imports go one way: ``book`` uses ``model``; ``cli`` and ``screen`` use ``book``.

>>> book_path("/srv/finance/options.sqlite3").name
'options.sqlite3'
"""

from book.location import book_path, default_path
from book.records import PracticeListPrint, Version, headlines, practice_list_print
from book.store import Book, BookError, BookMissing, BookUnavailable

__all__ = ["Book", "BookError", "BookMissing", "BookUnavailable", "PracticeListPrint", "Version", "book_path",
           "default_path", "headlines", "practice_list_print"]
