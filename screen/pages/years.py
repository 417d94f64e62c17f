"""The "Years" tab: the funding cliff in words, money year by year, and the summary table."""

from __future__ import annotations

import streamlit as st

from model.results import Results
from screen import charts
from screen.markdown import md_escape
from screen.pages.widgets import csv_button, file_stub, plot, table
from screen.tables import as_shown, years_table
from screen.years import cliff_sentence


def show(res: Results, meeting: bool) -> None:
    st.info(md_escape(cliff_sentence(res)))
    plot(charts.years(res, large=meeting), key="chart_years")
    df, kinds = years_table(res)
    table(df, kinds, key="years_table")
    csv_button("This table: CSV (every year)", lambda: as_shown(df), f"{file_stub(res, meeting)}_years.csv",
               "dl_years")
