"""The "Practices" tab: net change per patient by practice, the practice table and the 75+ scatter."""

from __future__ import annotations

import streamlit as st

from model.anonymise import BANDS_NOTE
from model.results import Results
from screen import charts
from screen.pages.widgets import csv_button, file_stub, plot, table
from screen.tables import as_shown, every_year, in_thousands, key_columns, practice_table
from screen.years import year_labels


def show(res: Results, y: int, meeting: bool) -> None:
    df, kinds = practice_table(res, y)
    c1, c2, c3 = st.columns([2, 1, 1])
    c1.caption("Sorted by net change, largest gain first. Click a heading to sort by it.")
    every = c2.toggle("All columns", key="practice_all_columns", persist_state="page",
                      help="New money and LES money back, LES gained, £ per patient aged 75+, admissions to break "
                           "even, unfunded staff costs.")
    thousands = c3.toggle("£000", key="practice_thousands", persist_state="page", help="Show money in £000.")
    if thousands:
        df, kinds = in_thousands(df, kinds)
    order = list(df.columns) if every else key_columns(df)
    table(df, kinds, key="practice_table", height=420, column_order=order)
    if meeting:
        st.caption(BANDS_NOTE)
    year = year_labels(res)[y]
    stub = f"{file_stub(res, meeting)}_practices"
    d1, d2 = st.columns(2)
    with d1:
        csv_button(f"This table: CSV ({year})", lambda: as_shown(df, order), f"{stub}_{year.replace('/', '-')}.csv",
                   "dl_practices")
    with d2:
        csv_button("All years: CSV", lambda: every_year(res, _table(every, thousands)), f"{stub}_all_years.csv",
                   "dl_practices_all")
    plot(charts.net_change_per_head(res, y, large=meeting), key="chart_net_per_head")
    with st.expander("Do practices with more patients aged 75+ gain or lose? (chart)", key="practices_scatter",
                     on_change="rerun") as more:
        if more.open:   # drawn when asked for: one chart to draw on this tab, not two
            plot(charts.over75_scatter(res, y, large=meeting), key="chart_scatter")


def _table(every: bool, thousands: bool):
    """The practice table of one year, as this tab shows it (columns and £ or £000)."""
    def one_year(res: Results, y: int):
        df, kinds = practice_table(res, y)
        if thousands:
            df, kinds = in_thousands(df, kinds)
        return (df if every else df[key_columns(df)]), kinds
    return one_year
