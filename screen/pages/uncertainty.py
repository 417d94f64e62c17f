"""The "Uncertainty" tab: the net cost as a range (seeded Monte Carlo) and what moves it most (tornado)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from model.scenario import Scenario
from screen import charts_analysis
from screen.cards import chance_text, range_note, uncertainty_cards
from screen.markdown import md_escape
from screen.pages.cache import MC_DRAWS, monte_carlo_run, tornado_run
from screen.pages.widgets import csv_button, metric_cards, plot
from screen.tables import distributions_table, tornado_table

HEADLINES = {"net_cost_after_admissions": "Net cost after admissions savings", "net_cost": "Net cost",
             "practices_losing": "Practices losing", "unfunded_commitment": "Unfunded staff costs"}
"""The headlines the tornado can be drawn for (model.analysis.sensitivity.HEADLINES keys)."""


def show(scenario: Scenario, frame: pd.DataFrame, list_id: str, meeting: bool) -> None:
    st.markdown("Where an assumption is weak (how many admissions are avoided, what one costs, list growth), "
                "the net cost is a range, not one figure. The ranges below are illustrative, around this "
                "scenario's own values; the draws are seeded, so the same inputs give the same answer.")
    try:
        mc = monte_carlo_run(list_id, scenario.model_dump_json(), MC_DRAWS, _frame=frame)
    except ValueError as err:  # over a work limit (model.limits): say so instead of running for minutes
        st.warning(f"The Monte Carlo is not run for this list and scenario: {md_escape(str(err))}")
        return
    metric_cards(uncertainty_cards(mc), widths=[1.15, 1, 1.55, 0.9])   # room for "−£14.99m to −£12.03m"
    note = range_note(mc)
    if note:  # the scenario's own figure outside the middle 90 % of the draws: say why, not leave it to puzzle
        st.info(md_escape(note), icon=":material/info:")
    left, right = st.columns(2)
    with left:
        plot(charts_analysis.montecarlo_s_curve(mc, large=meeting), key="chart_mc_s")
    with right:
        plot(charts_analysis.montecarlo_histogram(mc, large=meeting,
                                                  title=f"Spread of the draws: pays for itself in {chance_text(mc)}"),
             key="chart_mc_hist")
    with st.expander("Ranges drawn"):
        st.dataframe(distributions_table(mc), hide_index=True, width="stretch", key="mc_ranges")
        for note in mc.notes:
            st.caption(md_escape(note))
    head = st.selectbox("What moves the most? One assumption at a time, ±20 %", list(HEADLINES),
                        format_func=HEADLINES.get, key="tornado_headline", persist_state="page")
    try:
        t = tornado_run(list_id, scenario.model_dump_json(), head, _frame=frame)
    except ValueError as err:
        st.warning(f"The tornado is not drawn for this list and scenario: {md_escape(str(err))}")
        return
    plot(charts_analysis.tornado(t, top=10, hide_zero=True, large=meeting), key="chart_tornado")
    csv_button("Tornado table: CSV", lambda: tornado_table(t), "tornado.csv", "dl_tornado")
