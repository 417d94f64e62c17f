"""Streamlit front end: the inputs panel, then one tab per view.

Run with ``streamlit run app.py``. The page opens on NHS Nene CCG 2014/15 and the guidance scenario.
It stays thin: every figure is computed by ``model/`` (the engine), shaped for display by the pure
modules of ``screen/`` (cards, tables, practice, compare, charts, …) and shown by the page parts in
``screen/pages/`` (one module per tab, the inputs panel, shared widgets, and the caches). This file
only lays the page out: page settings, the sidebar, the year shown, and the tabs.

State kept in ``st.session_state`` is described where it is kept: the assumptions in
:mod:`screen.pages.inputs`, the practice list and its edits in :mod:`screen.pages.practice_list`.
"""

from __future__ import annotations

import streamlit as st

from cli.memory import keep_freed_memory
from model.anonymise import anonymise
from model.engine import EngineInputError
from screen.assumptions import rate_text
from screen.markdown import md_escape
from screen.pages import (
    compare,
    inputs,
    localities,
    my_practice,
    national,
    overview,
    practice_list,
    practices,
    uncertainty,
    years,
)
from screen.pages.cache import run_model, validated
from screen.practice_list import apply_edits, edits_key
from screen.style import BASE_CSS, INPUTS_BANNER, MEETING_CSS

keep_freed_memory()  # reuse freed memory between reruns instead of faulting it in again (cli/memory.py)
TABS = ["Overview", "Practices", "Localities", "Years", "Compare", "My practice", "Uncertainty", "All England",
        "Practice list"]

st.set_page_config(page_title="£5 per head: practice funding scenarios", page_icon=":material/currency_pound:",
                   layout="wide", initial_sidebar_state="expanded")
ss = st.session_state


def main() -> None:
    inputs.init_state()
    st.markdown(BASE_CSS, unsafe_allow_html=True)
    with st.sidebar:
        meeting = st.toggle("Meeting mode", key="meeting",
                            help="Hides practice names and codes (Practice A, B, …) in every table, chart and "
                                 "download, and enlarges text for a projector.")
        st.markdown(INPUTS_BANNER, unsafe_allow_html=True)
        active = practice_list.choose()
        st.divider()
        scenario = inputs.scenario_panel(active["frame"])
        if scenario is not None:
            st.divider()
            inputs.share_panel(scenario, active)
    if meeting:
        st.markdown(MEETING_CSS, unsafe_allow_html=True)

    st.title("£5 per head: practice funding scenarios")
    for w in ss.get("link_warnings", []):
        st.warning(md_escape(w))
    if scenario is None:
        st.error("The assumptions in the panel cannot be used together (see the message there), so no "
                 "figures are shown.")
        st.stop()
    params = inputs.link_params(scenario, active)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)

    labels = scenario.year_labels()
    st.caption(f"{md_escape(active['label'])} · {len(active['frame']):,} practices · scenario: "
               f"**{md_escape(scenario.name)}** · {md_escape(rate_text(scenario))}")
    if ss.get("year") not in labels:
        ss.year = labels[0]
    year = st.segmented_control("Year shown", labels, key="year", required=True,
                                help="The year the headline cards, tables and charts show.")
    y = labels.index(year) if year in labels else 0

    tabs = dict(zip(TABS, st.tabs(TABS, key="view", on_change="rerun")))
    frame = active["frame"]
    edits = ss.edits.get(active["id"], {})
    if tabs["Practice list"].open:
        with tabs["Practice list"]:
            edits = practice_list.show(active, meeting)
    list_id = active["id"]
    if edits:
        list_id = f"{active['id']}:{edits_key(edits)}"
        checked = validated(list_id, apply_edits(frame, edits))
        if not checked.ok:
            st.error("The edited practice list has problems, so no figures are shown. Fix them in the "
                     "Practice list tab:")
            for p in checked.report.errors[:10]:
                st.markdown(f"- ✖ {md_escape(str(p))}")
            st.stop()
        frame = checked.practices
    try:
        results = run_model(list_id, scenario.model_dump_json(), _frame=frame)
    except EngineInputError as err:
        st.error(f"This scenario cannot run on this practice list: {md_escape(str(err))}")
        st.stop()
    shown = anonymise(results) if meeting else results

    views = {
        "Overview": lambda: overview.show(shown, y, meeting),
        "Practices": lambda: practices.show(shown, y, meeting),
        "Localities": lambda: localities.show(shown, y, meeting),
        "Years": lambda: years.show(shown, meeting),
        "Compare": lambda: compare.show(shown, scenario, frame, list_id, y, meeting),
        "My practice": lambda: my_practice.show(results, shown, y, meeting),
        "Uncertainty": lambda: uncertainty.show(scenario, frame, list_id, meeting),
        "All England": lambda: national.show(scenario, active, y, meeting),
    }
    for name, show in views.items():
        if tabs[name].open:
            with tabs[name]:
                show()


main()
