"""Numbers and scenario values as words, the same on screen and in papers.

Money is shown the way UK finance papers show it: '£3,238,385', with a real minus sign in front of
the £ ('−£1,235', easier to read on a projector than a hyphen), halves rounded away from zero like
the model's own pence (Python's round() would send £0.50 to the even £0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from model.fields import action_labels, field, scheme_name  # noqa: F401 - scheme_name: words for papers too
from model.money import round_half_up
from model.scenario import Scenario

MINUS = "\u2212"  # a real minus sign: easier to see on a projector than a hyphen


# ---------------------------------------------------------------------------------------------
# Numbers as text
# ---------------------------------------------------------------------------------------------


def _bad(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _half_up(x: float) -> int:
    """Whole units, halves away from zero like the model (Python's round() sends £0.50 to the even £0)."""
    return int(round_half_up(x))


def _auto_pence(x: float) -> bool:
    """Pence where rounding to whole pounds would mislead: amounts under £100 that are not whole pounds."""
    return abs(x) < 100 and round(x, 2) != round(x)


def money(x: float | None, pence: bool | None = False) -> str:
    """£ with thousands separators; negatives with a minus sign in front of the £. `pence`: True always,
    False never (the screen: one precision per column), None only where rounding would mislead (words).

    >>> money(3238385), money(-1234.5), money(2.5), money(5, pence=True), money(float("nan"))
    ('£3,238,385', '−£1,235', '£3', '£5.00', '–')
    >>> money(0.54, pence=None), money(4557.37, pence=None), money(12.5, pence=None)
    ('£0.54', '£4,557', '£12.50')
    """
    if _bad(x):
        return "–"
    x = float(x)
    if pence is None:
        pence = _auto_pence(x)
    text = f"£{abs(x):,.2f}" if pence else f"£{_half_up(abs(x)):,}"
    return (MINUS + text) if x < 0 and text.strip("£0.,") else text


def money_signed(x: float | None, pence: bool | None = False) -> str:
    """Like :func:`money` with a + on gains: '+£1,234', '−£1,234', '£0'."""
    text = money(x, pence)
    return "+" + text if not _bad(x) and float(x) > 0 and text.strip("£0.,") else text


def money_000(x: float | None) -> str:
    """£ thousands, the way finance papers show wide tables: '£3,238k'."""
    if _bad(x):
        return "–"
    k = _half_up(float(x) / 1000.0)
    return (MINUS if k < 0 else "") + f"£{abs(k):,.0f}k"


def money_short(x: float | None) -> str:
    """Short £ for chart labels: '£3.24m', '£850k', '£999', '−£6.30m' (exact figures are in the tables).

    >>> money_short(3238385), money_short(-6300069), money_short(850_400), money_short(999)
    ('£3.24m', '−£6.30m', '£850k', '£999')
    """
    if _bad(x):
        return "–"
    v = float(x)
    a = abs(v)
    if round(a) >= 999_500:
        text = f"£{a / 1e6:,.2f}m"
    elif round(a) >= 10_000:
        text = f"£{a / 1e3:,.0f}k"
    else:
        text = f"£{a:,.0f}"
    return (MINUS + text) if v < 0 and text.strip("£0.,mk") else text


def pct(x: float | None, dp: int = 1) -> str:
    """'8.1 %'."""
    if _bad(x):
        return "–"
    return f"{float(x):,.{dp}f} %".replace("-", MINUS)


def pct_as_entered(x: float) -> str:
    """A percentage the way scenario values are written: '12.5 %', '100 %'."""
    return f"{float(x):g} %".replace("-", MINUS)


def count(x: float | None) -> str:
    """'12,345' (whole numbers)."""
    if _bad(x):
        return "–"
    return f"{_half_up(float(x)):,}".replace("-", MINUS)


def _year_text(scenario: Scenario, index: int) -> str:
    y = scenario.start_year + int(index)
    return f"{y}/{(y + 1) % 100:02d}"




def scheme_text(scenario: Scenario, scheme: Mapping[str, Any]) -> str:
    """One LES scheme action in words: 'decommissioned in full from 2014/15', '50 % decommissioned from 2015/16'.

    >>> s = Scenario()
    >>> scheme_text(s, {"action": "decommission"}), scheme_text(s, {"action": "decommission", "fraction": 0.5,
    ...                                                              "from_year": 1})
    ('decommissioned in full from 2014/15', '50 % decommissioned from 2015/16')
    >>> scheme_text(s, {"action": "harmonise"}), scheme_text(s, {"action": "keep"})
    ("harmonised at the holders' average £ per head from 2014/15", 'kept as now')
    """
    action = scheme.get("action", "keep")
    when = f" from {_year_text(scenario, int(scheme.get('from_year', 0)))}"
    if action == "keep":
        return "kept as now"
    if action == "decommission":
        fraction = float(scheme.get("fraction", 1.0))
        return ("decommissioned in full" if fraction >= 1 else f"{fraction * 100:g} % decommissioned") + when
    if action == "extend_to_all":
        return "offered to every practice at the holders' average £ per head" + when
    if action == "harmonise":
        rate = scheme.get("rate_per_head")
        at = "the holders' average £ per head" if rate is None else f"{money(rate, pence=True)} a head"
        return f"harmonised at {at}" + when
    return action_labels().get(action, action).lower() + when


def value_text(scenario: Scenario, key: str, value: Any) -> str:
    """A scenario value as a finance lead would say it (for tables of assumptions)."""
    if key == "les.schemes":
        if not value:
            return "all kept"
        return "; ".join(f"{scheme_name(col)}: {scheme_text(scenario, v)}" for col, v in value.items())
    try:
        f = field(key)
    except KeyError:
        f = None
    if f is not None and isinstance(value, str) and value in f.choice_labels:
        return f.choice_labels[value]
    if f is not None and f.unit.startswith("year index") and isinstance(value, int):
        return _year_text(scenario, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(f"{v:g} %" if isinstance(v, float) else str(v) for v in value) + " (last repeats)"
    if isinstance(value, float):
        return f"{value:,.6g}"
    return str(value)


