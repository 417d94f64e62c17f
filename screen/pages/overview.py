"""The "Overview" tab, the first screen: who is better off, worse off and unchanged, the largest loss and
whose, the net cost this year and over the horizon, then every practice's net change as sorted bars.
The reconciliation checks are a small badge in the scenario header (:func:`checks_badge`, details on
click); how the net cost is made up (the bridge
from pot to net cost and the guidance comparison) and the whole run's downloads are one click away.

`res` is what the screen shows (anonymised and banded in meeting mode); `papers` the results the whole-run
downloads are made from (in meeting mode: practices as the meeting's letters, exact figures, so the
workbook's checks still reconcile).
"""

from __future__ import annotations

import streamlit as st

from model.anonymise import BANDS_NOTE
from model.headlines import who_loses
from model.results import Results
from papers.provenance import Source
from papers.tables import csv_zip_bytes
from papers.workbook import workbook_bytes
from screen import charts
from screen.assumptions import rate_text
from screen.bars import TOP, net_change_caption, net_change_html
from screen.cards import cards_html, checks_short, guidance_cards, headline_cards, who_loses_cards
from screen.markdown import md_escape
from screen.pages.widgets import csv_button, file_stub, first_paint, metric_cards, plot
from screen.tables import checks_markdown, checks_table, years_table
from screen.years import year_row

ss = st.session_state
SHOWN = {"top": f"Top and bottom {TOP}", "all": "All practices"}


def show(res: Results, y: int, meeting: bool, source: Source | None = None, papers: Results | None = None) -> None:
    papers = papers or res
    for w in res.warnings:
        st.warning(md_escape(w))
    w = who_loses(res, y)
    st.html(cards_html(who_loses_cards(w, float(year_row(res, y)["pot"]), rate_text(res.scenario)),
                       widths=[0.8, 0.8, 0.85, 2, 1.5, 1.5], name=f"Who gains and who loses, {w.year}"))
    c1, c2 = st.columns([4, 1.4], vertical_alignment="bottom")
    n = len(res.practices[res.practices["year_index"] == y])
    many = n > 2 * TOP
    with c2:
        if many and not first_paint():
            st.segmented_control("Practices shown", list(SHOWN), format_func=SHOWN.get, key="overview_shown",
                                 default="top", required=True, label_visibility="collapsed")
    top = TOP if many and ss.get("overview_shown", "top") == "top" else None
    with c1:
        st.html(f'<div class="nc-caption">{net_change_caption(res, y, top)}</div>')
    st.html(net_change_html(res, y, top=top, large=meeting, caption=False))
    if meeting:
        st.caption(BANDS_NOTE)
    with st.expander("How the net cost is made up, and the guidance's £5 / £50", key="overview_bridge",
                     on_change="rerun") as bridge:
        if bridge.open:
            on_top = ("Practice pot", "Net cost to CCG", "Better off / worse off")  # already on the first screen
            metric_cards([c for c in headline_cards(res, y) if not c.label.startswith(on_top)], per_row=5)
            left, right = st.columns([2, 1])
            with left:
                plot(charts.waterfall(res, y, large=meeting), key="chart_waterfall")
            with right:
                st.markdown("**Against the guidance**")
                metric_cards(guidance_cards(res, y), per_row=1)
    with st.expander("Downloads: the whole run", key="overview_downloads", on_change="rerun") as downloads:
        if downloads.open:
            _downloads(papers, meeting, source)


def checks_badge(res: Results) -> None:
    """Green 'Reconciliation: 7 checks pass', or red with the failures; the checks themselves on click."""
    ok, text = checks_short(res)
    with st.popover(("✔ " if ok else "✖ ") + text, key="checks_badge_ok" if ok else "checks_badge_fail",
                    help="The reconciliation checks: every run checks that practice rows add up to the CCG "
                         "totals to the penny, in £ and in £000. Click for each check.", on_change="rerun") as pop:
        if pop.open:
            if not ok:
                st.error("Do not use these figures: a reconciliation failed.")
            st.markdown(checks_markdown(res))
            csv_button("Checks: CSV", lambda: checks_table(res), f"{file_stub(res, False)}_checks.csv", "dl_checks")


def _downloads(res: Results, meeting: bool, source: Source | None) -> None:
    stub = file_stub(res, meeting)
    if meeting:
        st.caption("Meeting mode: practices are the meeting's letters; figures are exact, so every table "
                   "reconciles.")
    c1, c2, c3 = st.columns(3)
    c1.download_button("Whole run: Excel workbook", data=lambda: workbook_bytes(res, source), file_name=f"{stub}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore", icon=":material/table_view:", key="dl_workbook", width="stretch")
    c2.download_button("All tables: CSV (zip)", data=lambda: csv_zip_bytes(res, source), file_name=f"{stub}_csv.zip",
                       mime="application/zip", on_click="ignore", icon=":material/folder_zip:", key="dl_zip",
                       width="stretch")
    with c3:
        csv_button("Summary by year: CSV", lambda: years_table(res)[0], f"{stub}_summary.csv", "dl_summary")
