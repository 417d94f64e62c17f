"""The assumptions in the screen's words: the pot's rate, how it is funded, and help for each input.

Labels, units, bounds and choice words of every scenario field live beside the field in the schema
(read through :mod:`model.fields`); this module only adds what the inputs panel says that is not a
single field: the panel's compound choices and one-line summaries of the scenario.
"""

from __future__ import annotations

from typing import Any

from model import fields
from model.formats import money
from model.scenario import Scenario

CHOICE_LABELS: dict[str, dict[Any, str]] = {
    # the panel's compound choices (not schema fields): which rate sets the pot, which basis shares it
    "pot.basis": {"list_size": "registered patient (£ per head)", "over75": "patient aged 75+"},
    "distribution.basis": {"list_size": "List size", "over75": "Patients aged 75+",
                           "weighted_list": "Weighted list (Carr-Hill)", "blend": "A blend (set the shares)"},
}


def rate_text(s: Scenario) -> str:
    """'£5.00 per registered patient' or '£50.00 per patient aged 75+'.

    >>> rate_text(Scenario())
    '£5.00 per registered patient'
    """
    if s.pot.basis == "over75":
        return f"{money(s.pot.rate, pence=True)} per patient aged 75+"
    return f"{money(s.pot.rate, pence=True)} per registered patient"


def funding_text(s: Scenario) -> str:
    """How the new money is paid, in words: 'recurrent (paid every year)'."""
    f = s.funding
    if f.type == "recurrent":
        return "recurrent (paid every year)"
    if f.type == "non_recurrent":
        return f"non-recurrent ({f.years} year{'s' if f.years != 1 else ''} only)"
    return f"conditional on the admissions review from year {f.review_year + 1}"


def help_for(key: str) -> str:
    """Description, unit and source of a field (from the schema), for a widget's help text."""
    try:
        return fields.field(key).help() + f" Key: `{key}`"
    except KeyError:
        return ""


def year_label(start_year: int, index: int) -> str:
    """The financial year `index` years after `start_year`, as the scenario labels its years.

    >>> year_label(2014, 0), year_label(2014, 5), year_label(2099, 0)
    ('2014/15', '2019/20', '2099/00')
    >>> Scenario().year_labels()[1] == year_label(Scenario().start_year, 1)
    True
    """
    return f"{start_year + index}/{(start_year + index + 1) % 100:02d}"
