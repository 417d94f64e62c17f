"""What the "Options book" tab and the Compare tab show of the book, pure (no Streamlit).

Every name, note and author here was typed by a user: the tables are shown as data (never as markup),
and any sentence built from them goes through :func:`screen.markdown.md_escape` on the page.

>>> from book.records import PracticeListPrint, StatusChange, Version
>>> fp = PracticeListPrint("a" * 64, "nene_2014_15.csv", 69, ("04G",))
>>> v = Version(7, "LES linked", 2, "version: 1\\n", "LES linked", fp, {"net_cost": 52315.0}, "Ann",
...             "2026-03-12T10:15:42Z", "", None, None, "shortlisted", "Bob", "2026-03-13T09:00:00Z",
...             (StatusChange("draft", "Ann", "2026-03-12T10:15:42Z"),))
>>> version_label(v)
'LES linked v2 (#7) · shortlisted'
>>> compare_item(v), compare_label(v)
('book:7', 'Options book: LES linked v2 (shortlisted)')
>>> list_warning(v, fp) is None
True
>>> w = list_warning(v, PracticeListPrint("b" * 64, "england_2014_15.csv (CCG 03V)", 40, ("03V",)))
>>> w.startswith("LES linked v2 was saved on a different practice list, nene_2014_15.csv (69 practices, CCG 04G)")
True
>>> versions_table([v], fp)[["#", "Version", "Status", "Same practice list"]].values.tolist()
[[7, 'LES linked v2', 'Shortlisted by Bob, 2026-03-13 09:00 UTC', True]]
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from book.records import PracticeListPrint, Version, headline_label, when_text
from model.columns import kind

COMPARE_PREFIX = "book:"
SHOWN_HEADLINES = ("pot", "net_cost", "net_cost_all_years", "winners", "losers")


def version_label(v: Version) -> str:
    """A version in a picker: 'LES linked v2 (#7) · shortlisted'."""
    return f"{v.title} (#{v.id}) · {v.status}"


def compare_item(v: Version) -> str:
    """The Compare tab's key for a saved version: 'book:7'."""
    return f"{COMPARE_PREFIX}{v.id}"


def compare_label(v: Version) -> str:
    return f"Options book: {v.title} ({v.status})"


def item_version_id(item: str) -> int | None:
    """The version id in a Compare key ('book:7' -> 7), or None for a scenario file.

    >>> item_version_id("book:7"), item_version_id("les_separate")
    (7, None)
    """
    if item.startswith(COMPARE_PREFIX) and item[len(COMPARE_PREFIX):].isdigit():
        return int(item[len(COMPARE_PREFIX):])
    return None


def list_warning(v: Version, current: PracticeListPrint) -> str | None:
    """A warning when `v` was saved on another practice list than the one loaded, else None."""
    if v.practice_list.sha256 == current.sha256:
        return None
    return (f"{v.title} was saved on a different practice list, {v.practice_list.describe()}; the list loaded "
            f"now is {current.describe()}. Its figures here are worked out on the list loaded now, so they "
            f"differ from the ones saved with it.")


def headline_kinds() -> dict[str, str]:
    """Each shown headline column's heading and kind (for the table's number formats)."""
    return {headline_label(k): kind(k.removesuffix("_all_years")) for k in SHOWN_HEADLINES}


def versions_table(versions: Sequence[Version], current: PracticeListPrint) -> pd.DataFrame:
    """One row per version: number, option, status (who, when), saved, author, note, the headline figures
    when saved, and whether it was computed on the practice list loaded now."""
    rows = []
    for v in versions:
        row = {"#": v.id, "Version": v.title, "Status": v.status_text}
        for k in SHOWN_HEADLINES:
            row[headline_label(k)] = v.headlines.get(k)
        row.update({"Same practice list": v.practice_list.sha256 == current.sha256, "Saved": when_text(v.saved_at),
                    "Author": v.author, "Note": " ".join(v.note.split()), "Practice list": v.practice_list.describe()})
        rows.append(row)
    cols = ["#", "Version", "Status", *[headline_label(k) for k in SHOWN_HEADLINES], "Same practice list", "Saved",
            "Author", "Note", "Practice list"]
    return pd.DataFrame(rows, columns=cols)

