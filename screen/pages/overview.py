"""The "Overview" tab: the checks badge, headline cards, the bridge from pot to net cost, the guidance
comparison and the whole run's downloads."""

from __future__ import annotations

import streamlit as st

from model.results import Results
from papers.tables import csv_zip_bytes
from papers.workbook import workbook_bytes
from screen import charts
from screen.cards import checks_badge, guidance_cards, headline_cards
from screen.markdown import md_escape
from screen.pages.widgets import csv_button, file_stub, metric_cards, plot, table
from screen.tables import CHECKS_KINDS, checks_table


def show(res: Results, y: int, meeting: bool) -> None:
    ok, text = checks_badge(res)
    (st.success if ok else st.error)(text, icon=":material/check_circle:" if ok else ":material/error:")
    for w in res.warnings:
        st.warning(md_escape(w))
    metric_cards(headline_cards(res, y))
    left, right = st.columns([2, 1])
    with left:
        plot(charts.waterfall(res, y, large=meeting), key="chart_waterfall")
    with right:
        st.markdown("**Against the guidance**")
        metric_cards(guidance_cards(res, y), per_row=1)
        with st.expander("Reconciliation checks"):
            table(checks_table(res), CHECKS_KINDS, key="checks_table")
            csv_button("Checks: CSV", lambda: res.checks, f"{file_stub(res, meeting)}_checks.csv", "dl_checks")
    stub = file_stub(res, meeting)
    c1, c2, c3 = st.columns(3)
    c1.download_button("Whole run: Excel workbook", data=lambda: workbook_bytes(res), file_name=f"{stub}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore", icon=":material/table_view:", key="dl_workbook", width="stretch")
    c2.download_button("All tables: CSV (zip)", data=lambda: csv_zip_bytes(res), file_name=f"{stub}_csv.zip",
                       mime="application/zip", on_click="ignore", icon=":material/folder_zip:", key="dl_zip",
                       width="stretch")
    with c3:
        csv_button("Summary by year: CSV", lambda: res.by_year(), f"{stub}_summary.csv", "dl_summary")
