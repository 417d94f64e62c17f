"""The "Localities" tab: £ per patient by locality, and the locality table."""

from __future__ import annotations

import streamlit as st

from model.results import Results
from screen import charts
from screen.pages.widgets import csv_button, file_stub, plot, table
from screen.tables import as_shown, every_year, locality_table
from screen.years import year_labels


def show(res: Results, y: int, meeting: bool) -> None:
    plot(charts.localities(res, y, large=meeting), key="chart_localities")
    df, kinds = locality_table(res, y)
    table(df, kinds, key="locality_table")
    year = year_labels(res)[y]
    stub = f"{file_stub(res, meeting)}_localities"
    c1, c2 = st.columns(2)
    with c1:
        csv_button(f"This table: CSV ({year})", lambda: as_shown(df), f"{stub}_{year.replace('/', '-')}.csv",
                   "dl_localities")
    with c2:
        csv_button("All years: CSV", lambda: every_year(res, locality_table), f"{stub}_all_years.csv",
                   "dl_localities_all")
