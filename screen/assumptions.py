"""The assumptions in the screen's words: the pot's rate, how it is funded, and help for each input.

Labels, units, bounds and choice words of every scenario field live beside the field in the schema
(read through :mod:`model.fields`); this module only adds what the inputs panel says that is not a
single field: the panel's compound choices and one-line summaries of the scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from model import fields
from model.formats import money, scheme_name, scheme_text, value_text
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


UNIT_WORDS = {"choice": "", "group": "", "—": "", "text": "", "yes/no": "yes or no",
              "year index (0 = first year)": "a financial year",
              "one entry per les_<scheme> column": "one action per LES scheme"}
"""Schema units said in the screen's words (no code names; '' where the widget says it already)."""


def unit_words(unit: str) -> str:
    """A field's unit as the screen says it.

    >>> unit_words("choice"), unit_words("one entry per les_<scheme> column"), unit_words("£ per admission")
    ('', 'one action per LES scheme', '£ per admission')
    """
    return UNIT_WORDS.get(unit, unit)


def help_for(key: str) -> str:
    """Description, unit and source of a field (from the schema), for a widget's help text (in words).

    >>> help_for("les.schemes").count("les_")
    0
    """
    try:
        f = fields.field(key)
    except KeyError:
        return ""
    unit = unit_words(f.unit)
    parts = [f.description.replace("les_<scheme>", "LES scheme"), f"Unit: {unit}." if unit else ""]
    if f.source:
        parts.append(f"Source: {f.source}.")
    return " ".join(p for p in parts if p)


def change_in_words(base: Scenario, now: Scenario, key: str, old: Any, new: Any) -> str:
    """One edit of a scenario, the way a finance lead would say it, with the file's value in brackets.

    >>> s = Scenario()
    >>> change_in_words(s, s, "les.schemes.les_total", {"action": "keep"}, {"action": "decommission"})
    'LES (all schemes): decommissioned in full from 2014/15 (file: kept as now)'
    >>> change_in_words(s, s, "pot.rate_per_head", 5.0, 6.0)
    'Pot: £ per registered patient a year: 6 (file: 5)'
    """
    if key.startswith("les.schemes."):
        col = key.removeprefix("les.schemes.")
        return f"{scheme_name(col)}: {scheme_text(now, new or {})} (file: {scheme_text(base, old or {})})"
    try:
        label = fields.label(key)
    except KeyError:
        label = key.rsplit(".", 1)[-1].replace("_", " ").capitalize()
    return f"{label}: {value_text(now, key, new)} (file: {value_text(base, key, old)})"


def changes_in_words(base: Scenario, now: Scenario, changed: Mapping[str, Any],
                     base_values: Mapping[str, Any]) -> list[str]:
    """Every edit (`changed`: {key: new value}, as model.scenario_edits.changes gives them) in words."""
    return [change_in_words(base, now, k, base_values.get(k), v) for k, v in changed.items()]


def year_label(start_year: int, index: int) -> str:
    """The financial year `index` years after `start_year`, as the scenario labels its years.

    >>> year_label(2014, 0), year_label(2014, 5), year_label(2099, 0)
    ('2014/15', '2019/20', '2099/00')
    >>> Scenario().year_labels()[1] == year_label(Scenario().start_year, 1)
    True
    """
    return f"{start_year + index}/{(start_year + index + 1) % 100:02d}"
