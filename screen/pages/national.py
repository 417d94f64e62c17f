"""The "All England" tab: the scenario in the panel on every CCG, and where this CCG sits."""

from __future__ import annotations

import streamlit as st

from model.analysis.national import OUTCOMES, distribution
from model.engine import EngineInputError
from model.scenario import Scenario
from screen import charts, national_views
from screen.markdown import md_escape
from screen.pages.cache import ENGLAND, bundled, ccg_name_map, national_run
from screen.pages.widgets import csv_button, metric_cards, plot, slug, table
from screen.tables import as_shown


def show(scenario: Scenario, active: dict, y: int, meeting: bool) -> None:
    st.caption("The scenario in the panel, run on every CCG in England (NHS Payments to General Practice "
               "2014/15; LES counts only LES paid through the national system). It always uses the "
               "all-England list, not an uploaded or edited one.")
    key, data = bundled(ENGLAND)
    try:
        every = national_run(key, scenario.model_dump_json(), _data=data)
    except EngineInputError as err:
        st.warning(f"This scenario cannot run on the all-England list: {md_escape(str(err))}")
        return
    year = scenario.year_labels()[y]
    outcomes = every[every["year_index"] == y].drop(columns="year_index").reset_index(drop=True)
    metric_cards(national_views.cards(outcomes))
    frame = active["frame"]
    codes = frame["commissioner"].astype(str).unique() if "commissioner" in frame else []
    mine = active.get("ccg") or (str(codes[0]) if len(codes) == 1 else None)  # marked when in the list
    outcome = st.selectbox("Outcome compared across CCGs", list(OUTCOMES), format_func=OUTCOMES.get,
                           key="national_outcome")
    sentence = national_views.position_sentence(outcomes, outcome, mine)
    if sentence:
        st.markdown(f"**{md_escape(sentence)}**")
    names = ccg_name_map()
    plot(charts.national_ranked(outcomes, outcome, year, mine, large=meeting, names=names), key="chart_national")
    st.markdown("**How each outcome spreads across CCGs**")
    st.dataframe(national_views.spread_table(distribution(outcomes)), hide_index=True, width="stretch",
                 key="national_spread")
    st.markdown("**Every CCG**, most new money per patient first")
    df, kinds = national_views.ccg_table(outcomes, names)
    table(df, kinds, key="national_table", height=420)
    csv_button(f"This table, every CCG: CSV ({year})", lambda: as_shown(df),
               f"{slug(scenario.name)}_ccg_outcomes_{year.replace('/', '-')}.csv", "dl_national")
