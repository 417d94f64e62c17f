"""The "Practices" tab: net change per patient by practice, the practice table and the 75+ scatter."""

from __future__ import annotations

import streamlit as st

from model.results import Results
from screen import charts
from screen.pages.widgets import csv_button, file_stub, plot, table
from screen.tables import in_thousands, key_columns, practice_table


def show(res: Results, y: int, meeting: bool) -> None:
    plot(charts.net_change_per_head(res, y, large=meeting), key="chart_net_per_head")
    df, kinds = practice_table(res, y)
    c1, c2, c3 = st.columns([2, 1, 1])
    c1.caption("Sorted by net change, largest gain first. Click a heading to sort by it.")
    every = c2.toggle("All columns", key="practice_all_columns", persist_state="page",
                      help="New money and LES money back, LES gained, £ per patient aged 75+, admissions to break "
                           "even, unfunded staff costs.")
    thousands = c3.toggle("£000", key="practice_thousands", persist_state="page", help="Show money in £000.")
    if thousands:
        df, kinds = in_thousands(df, kinds)
    order = None if every else key_columns(df)
    table(df, kinds, key="practice_table", height=420, column_order=order)
    csv_button("This table: CSV", lambda: res.practices, f"{file_stub(res, meeting)}_practices.csv", "dl_practices")
    plot(charts.over75_scatter(res, y, large=meeting), key="chart_scatter")
