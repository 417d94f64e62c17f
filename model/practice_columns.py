"""The columns of a practice list: canonical names, the headers accepted for each, and limits.

Matching ignores case, spaces and underscores, so "Practice Code", "practice_code" and
"PRACTICE  CODE" all name the same column (docs/design.md §3.1).
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from model.limits import MAX_UPLOAD_BYTES  # noqa: F401 - the limits live in model.limits; re-exported here

DEFAULT_COMMISSIONER = "CCG"
DEFAULT_LOCALITY = "All practices"
MAX_PROBLEMS_PER_COLUMN = 20
"""Row-level problems listed per column and level; the rest are counted in one summary line."""
OVER75_SHARE_WARNING = 0.40
"""A practice with more than this share of its list aged 75+ gets a warning (England: 7.8 %)."""

CANONICAL_COLUMNS = [
    "commissioner",
    "practice_code",
    "practice_name",
    "locality",
    "list_size",
    "over75",
    "weighted_list",
    "participating",
]
"""The core columns, in output order. ``weighted_list`` appears only when the file has one;
extra text columns (:data:`EXTRA_TEXT_COLUMNS`) and then ``les_*`` columns follow."""

REQUIRED_COLUMNS = ["practice_code", "list_size", "over75"]
EXTRA_TEXT_COLUMNS = ["contract_type", "commissioner_name"]

_MAX_PATIENTS = 1e9      # more registered patients than this in one practice is a typo, not data
_MAX_POUNDS = 1e12       # £1 trillion of LES income for one practice: likewise
_HEADER_SEARCH_ROWS = 20  # title rows above the header that are searched for it

# Header aliases. Matching ignores case, spaces and underscores (see _key).
_ALIASES: dict[str, tuple[str, ...]] = {
    "practice_code": (
        "practice_code", "Practice Code", "GP Practice Code", "Practice ODS Code", "ODS Code",
        "Organisation Code", "Org Code", "Practice ID",
    ),
    "practice_name": ("practice_name", "Practice Name", "GP Practice Name", "Surgery", "Surgery Name"),
    "commissioner": (
        "commissioner", "Commissioner Code", "CCG", "CCG Code", "Commissioner Organisation Code",
        "ICB Code", "Sub ICB Location Code",
    ),
    "commissioner_name": ("commissioner_name", "Commissioner Name", "CCG Name"),
    "locality": ("locality", "Locality Name", "Federation", "Locality / Federation", "Locality/Federation"),
    "list_size": (
        "list_size", "List Size", "List", "Registered List", "Registered Patients",
        "Number of Registered Patients", "Number of Registered Patients (Last Known Figure)",
        "Total Patients", "Number of Patients", "Registered Population",
    ),
    "over75": (
        "over75", "Over 75", "Over 75s", "75+", "Aged 75+", "Patients Aged 75+", "Patients 75+",
        "Number of Patients Aged 75+", "Registered Patients Aged 75+", "Patients Aged 75 and Over",
        "Aged 75 and Over", "75 and Over", "Over 75 Patients",
    ),
    "weighted_list": (
        "weighted_list", "Weighted List", "Weighted List Size", "Weighted Patients",
        "Weighted Population", "Carr-Hill Weighted List",
        "Number of Weighted Patients", "Number of Weighted Patients (Last Known Figure)",
    ),
    "participating": ("participating", "Participates", "Taking Part", "In Scheme", "Opted In", "Signed Up"),
    "contract_type": ("contract_type", "Contract Type", "Contract"),
    "les_total": ("les_total", "LES", "Total Local Enhanced Services", "Local Enhanced Services"),
}

_DESCRIPTIONS = {
    "practice_code": "the national practice code, e.g. P91004",
    "list_size": "registered patients",
    "over75": "registered patients aged 75+",
}

# Headers seen only in the NHS Payments to General Practice publication.
_PAYMENTS_MARKERS = {
    "globalsum", "totalnhspaymentstogeneralpractice", "totallocalenhancedservices",
    "numberofregisteredpatients(lastknownfigure)", "totalqofpayments",
}

_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


def _key(header: str) -> str:
    """Matching key for a header: lower case, BOM/space/underscore-free.

    >>> _key(" Number of Registered  Patients (Last Known Figure) ")
    'numberofregisteredpatients(lastknownfigure)'
    """
    return re.sub(r"[\s_]+", "", header.replace("\ufeff", "").lower())


_ALIAS_INDEX: dict[str, str] = {_key(a): canon for canon, aliases in _ALIASES.items() for a in aliases}
_LES_PREFIX = re.compile(r"^les(?:_|\s)+(.+)$", re.IGNORECASE)


def _canonical_name(header: str) -> str | None:
    """The canonical column a header stands for, or None when it is not recognised.

    >>> _canonical_name("Practice Code"), _canonical_name("LES Diabetes care"), _canonical_name("Postcode")
    ('practice_code', 'les_diabetes_care', None)
    """
    canon = _ALIAS_INDEX.get(_key(header))
    if canon is not None:
        return canon
    m = _LES_PREFIX.match(header.strip())
    if m:
        ascii_text = unicodedata.normalize("NFKD", m.group(1)).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
        if slug:
            return f"les_{slug}"
    return None


def les_columns(df: pd.DataFrame) -> list[str]:
    """The ``les_*`` columns of a canonical frame, in frame order."""
    return [c for c in df.columns if isinstance(c, str) and c.startswith("les_")]


