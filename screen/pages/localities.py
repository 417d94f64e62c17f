"""The "Localities" tab: £ per patient by locality, and the locality table."""

from __future__ import annotations

from model.results import Results
from screen import charts
from screen.pages.widgets import csv_button, file_stub, plot, table
from screen.tables import locality_table


def show(res: Results, y: int, meeting: bool) -> None:
    plot(charts.localities(res, y, large=meeting), key="chart_localities")
    df, kinds = locality_table(res, y)
    table(df, kinds, key="locality_table")
    csv_button("This table: CSV", lambda: res.localities, f"{file_stub(res, meeting)}_localities.csv",
               "dl_localities")
