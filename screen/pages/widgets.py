"""The Streamlit helpers every part of the page shares: tables formatted from their kinds, download
buttons, headline cards, charts, and the number and choice inputs of the assumptions panel.

Input widgets are keyed ``in:<dotted scenario key>`` and start from ``st.session_state.panel``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from model import fields
from model.results import Results
from papers.tables import csv_bytes
from screen.assumptions import CHOICE_LABELS, help_for, year_label
from screen.cards import Card
from screen.tables import NUMBER_FORMATS, TEXT_WIDTHS, money_formatters, signed_money_columns

PLOTLY_CONFIG = {"displayModeBar": False}
ss = st.session_state


# ---------------------------------------------------------------------------------------------
# Showing figures
# ---------------------------------------------------------------------------------------------


def column_config(kinds: dict[str, str]) -> dict:
    """Streamlit column settings from each heading's kind: numbers stay numbers, shown as £12,345."""
    cc = st.column_config
    out = {}
    for col, kind in kinds.items():
        if kind in NUMBER_FORMATS:
            out[col] = cc.NumberColumn(col, format=NUMBER_FORMATS[kind])
        elif kind == "bool":
            out[col] = cc.CheckboxColumn(col)
        else:
            out[col] = cc.TextColumn(col, width=TEXT_WIDTHS.get(col))
    return out


def table(df: pd.DataFrame, kinds: dict[str, str], *, key: str, height: int | str = "auto",
          column_order: list[str] | None = None) -> None:
    """A results table: numbers stay numbers (sortable), shown as £12,345. Money columns holding negative
    figures are formatted by model.formats.money ('−£19,835', not '£-19,835') through a pandas Styler."""
    signed = signed_money_columns(df, kinds)
    config = column_config({c: k for c, k in kinds.items() if c not in signed})
    data = df.style.format(money_formatters(signed, kinds)) if signed else df
    st.dataframe(data, column_config=config, column_order=column_order, hide_index=True, width="stretch",
                 height=height, key=key)


def csv_button(label: str, make: Callable[[], pd.DataFrame], file_name: str, key: str) -> None:
    st.download_button(label, data=lambda: csv_bytes(make()), file_name=file_name, mime="text/csv",
                       on_click="ignore", key=key, icon=":material/download:")


def first_paint() -> bool:
    """A session's first page: the figures are drawn without the page's widgets (whose code the browser
    would load first), and a second run, at once, draws everything (app.py)."""
    return bool(st.session_state.get("first_paint"))


def metric_cards(cards: list[Card], per_row: int = 4, widths: list[float] | None = None) -> None:
    """Cards in rows of `per_row` (relative column `widths`, if given: narrow counts, wide money). A long
    figure's type shrinks with its card so it never wraps (the ``card_long`` class, screen/style.py)."""
    for i in range(0, len(cards), per_row):
        cols = st.columns(widths or per_row)
        for j, (col, card) in enumerate(zip(cols, cards[i:i + per_row])):
            size = "long" if len(card.value) > 7 else "short"
            with col.container(key=f"card_{size}_{slug(card.label)}_{i + j}"):
                st.metric(card.label, card.value, delta=card.delta, delta_color="off", delta_arrow="off",
                          help=card.help or None, border=True)


def plot(fig, key: str) -> None:
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, key=key, theme=None)


def slug(text: str) -> str:
    """A file-name stem from a name: 'Les separate (v2)' -> 'les_separate_v2'."""
    keep = "".join(ch.lower() if ch.isalnum() else "_" for ch in text)
    return "_".join(filter(None, keep.split("_")))[:60] or "scenario"


def file_stub(results: Results, meeting: bool) -> str:
    return slug(results.scenario.name) + ("_anonymised" if meeting else "")


# ---------------------------------------------------------------------------------------------
# Inputs of the assumptions panel
# ---------------------------------------------------------------------------------------------


def init(wkey: str, value: Any) -> None:
    """Give a widget its first value (once: afterwards the widget keeps what the user set)."""
    if wkey not in ss:
        ss[wkey] = value


def number(key: str, *, step: float, fmt: str, integer: bool = False, label: str | None = None,
           wkey: str | None = None, default: Any = None, on_change: Callable[[], None] | None = None) -> float | int:
    """A number input for one scenario field: unit in the label, description + source as help."""
    wkey = wkey or f"in:{key}"
    lo, hi = fields.bounds(key)
    cast = int if integer else float
    value = ss.panel.get(key)
    init(wkey, cast(value if value is not None else default))
    out = st.number_input(label or fields.label(key), min_value=None if lo is None else cast(lo),
                          max_value=None if hi is None else cast(hi), step=cast(step), format=fmt, key=wkey,
                          help=help_for(key), on_change=on_change)
    return out


def choice(key: str, options: list, *, labels: dict | None = None, label: str | None = None,
           wkey: str | None = None, value: Any = None, help_key: str | None = None,
           on_change: Callable[[], None] | None = None) -> Any:
    wkey = wkey or f"in:{key}"
    labels = labels or CHOICE_LABELS.get(key) or fields.field(key).choice_labels
    current = ss.panel.get(key) if value is None else value
    init(wkey, current if current in options else options[0])
    if ss[wkey] not in options:
        ss[wkey] = options[0]
    return st.selectbox(label or fields.label(key), options, format_func=lambda o: labels.get(o, str(o)),
                        key=wkey, help=help_for(help_key or key), on_change=on_change)


def year_choice(key: str, *, value: int | None = None, wkey: str | None = None, label: str | None = None,
                help_key: str | None = None, on_change: Callable[[], None] | None = None) -> int:
    """A year-index field as a choice of financial years (0 = the first year modelled)."""
    start, horizon = int(ss.panel["start_year"]), int(ss.panel["horizon_years"])
    current = int(ss.panel.get(key, 0) if value is None else value)
    options = list(range(max(horizon, current + 1)))
    labels = {i: year_label(start, i) + ("" if i < horizon else " (after the horizon)") for i in options}
    return choice(key, options, labels=labels, label=label, wkey=wkey, value=current, help_key=help_key,
                  on_change=on_change)
