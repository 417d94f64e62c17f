"""Money, counts and percentages as words in papers (the one-pager; the workbook uses number formats).

Unlike the screen (model.formats: one precision per column), pence show unasked where rounding misleads: £0.54, not £1.

Everything else is the screen's: halves rounded away from zero, a real minus sign in front of the £,
thousands separators. Pence are shown for amounts under £100 that are not whole pounds, and where
the caller asks (figures per patient).

>>> money(42190.0), money(4557.37), money(0.54), money(-1234.5), money(12.5)
('£42,190', '£4,557', '£0.54', '−£1,235', '£12.50')
>>> money_signed(1200), money_signed(-300.0), money_signed(0.0), money_signed(1.234, pence=True)
('+£1,200', '−£300', '£0', '+£1.23')
>>> count(45778.4), pct(12.5), pct(100.0), pct(8.14, 1)
('45,778', '12.5 %', '100 %', '8.1 %')
"""

from __future__ import annotations

from model import formats
from model.formats import count

__all__ = ["count", "money", "money_signed", "pct"]


def money(x: float | None, *, pence: bool | None = None) -> str:
    """£ text: whole pounds with thousands separators; pence only where needed (or as asked)."""
    return formats.money(x, pence)


def money_signed(x: float | None, *, pence: bool | None = None) -> str:
    """Like :func:`money` with a + on gains: '+£1,200', '−£300', '£0'."""
    return formats.money_signed(x, pence)


def pct(x: float, dp: int | None = None) -> str:
    """A percentage with the screen's space before the sign: to `dp` decimals (:func:`model.formats.pct`),
    or as entered when `dp` is None ('12.5 %', '100 %', the way scenario values are written)."""
    return formats.pct(x, dp) if dp is not None else formats.pct_as_entered(x)
