"""Streamlit front end: the inputs panel, then one tab per view.

Run with ``streamlit run app.py``. The page opens on NHS Nene CCG 2014/15 and the guidance scenario.
It stays thin: every figure is computed by ``model/`` (the engine), shaped for display by the pure
modules of ``screen/`` (cards, tables, practice, compare, charts, …) and shown by the page parts in
``screen/pages/`` (one module per tab, the inputs panel, the scenario header, shared widgets, meeting mode
and the caches). This file only lays the page out: page settings, the sidebar, the header, the year shown,
and the tabs.

Two fragments keep a change from redrawing what it does not touch: the inputs panel (``panel``, in the
sidebar) and the figures (``main``: the scenario header, the year and the tabs). Switching tab, or a
widget inside a view, reruns ``main`` only; an input of the panel reruns ``panel`` and ``main``; the
practice-list picker and meeting mode rerun the whole page.

State kept in ``st.session_state`` is described where it is kept: the assumptions in
:mod:`screen.pages.inputs`, the practice list and its edits in :mod:`screen.pages.practice_list`, meeting
mode in :mod:`screen.pages.meeting`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from cli.memory import keep_freed_memory
from model.engine import EngineInputError
from screen.markdown import md_escape
from screen.pages import book as options_book
from screen.pages import (
    compare,
    header,
    inputs,
    localities,
    meeting,
    my_practice,
    national,
    overview,
    practice_list,
    practices,
    uncertainty,
    years,
)
from screen.pages import options as options_explorer
from screen.pages.cache import run_model, validated
from screen.pages.widgets import first_paint
from screen.practice_list import apply_edits, columns_in_words, edits_key
from screen.style import BASE_CSS, INPUTS_BANNER, MEETING_CSS

keep_freed_memory()  # reuse freed memory between reruns instead of faulting it in again (cli/memory.py)
# The first screen answers the meeting's question; one practice under several scenarios is one tab away.
TABS = ["Overview", "One practice", "Compare", "Practices", "Localities", "Years", "Uncertainty", "All England",
        "Practice list"]
TABS.insert(TABS.index("All England"), "Options")  # the options explorer (screen/pages/options.py)
TABS.append("Options book")  # saved options, shortlist and sign-off (screen/pages/book.py)
ICON = Path(__file__).resolve().parent / "screen" / "icon.svg"   # local: the page never fetches from elsewhere
ss = st.session_state

st.set_page_config(page_title="£5 per head: practice funding scenarios", page_icon=str(ICON), layout="wide",
                   initial_sidebar_state="collapsed" if ss.get("meeting") else "expanded")


def main() -> None:
    inputs.init_state()
    first = first_paint()   # a session's first page: the figures without widgets, so they load and draw first
    with st.sidebar:
        st.html(INPUTS_BANNER)
        active = practice_list.choose(draw=not first)
        st.divider()
        inputs.scenario_panel(active["frame"])
    top, switch = st.columns([3, 2], vertical_alignment="center")
    top.title("£5 per head: practice funding scenarios")
    with switch:
        on = meeting.switch()
    st.html(BASE_CSS + (MEETING_CSS if on else ""))   # styles only: st.html adds them without a block
    figures(active, on)
    if first:
        # The figures are on screen without waiting for the sidebar's widgets to be drawn (their code to
        # load); draw the whole page again now, with them.
        ss.first_paint = False
        st.rerun()


@st.fragment(key="main")
def figures(active: dict, on: bool) -> None:
    """The scenario header, the year shown and the views (rerun alone on a tab switch or a view's widget)."""
    first = first_paint()
    if ss.get("panel_drawn") != ss.get("panel_version", 0):
        st.rerun()  # the panel was replaced (an option or a book version loaded): draw the whole page again
    for w in ss.get("link_warnings", []):
        st.warning(md_escape(meeting.text(w, active["frame"], on)))
    scenario = ss.get("scenario")
    if scenario is None:
        st.error("The assumptions in the panel cannot be used together (see the message there), so no "
                 "figures are shown.")
        return
    params = inputs.link_params(scenario, active)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    head = st.container()
    labels = scenario.year_labels()
    if ss.get("year") not in labels:
        ss.year = labels[0]
    if first:   # the header follows the figures in what is sent, so the cards' code is asked for first
        year = ss.year
    else:
        with head:
            beside, badge = header.show(scenario, active, on)
        with beside:
            year = st.segmented_control("Year shown", labels, key="year", required=True,
                                        label_visibility="collapsed",
                                        help="The year the headline cards, tables and charts show.")
    y = labels.index(year) if year in labels else 0

    tabs = dict(zip(TABS, st.tabs(TABS, key="view", on_change="rerun")))
    frame = active["frame"]
    edits = ss.edits.get(active["id"], {})
    if tabs["Practice list"].open:
        with tabs["Practice list"]:
            edits = practice_list.show(active, on)
    list_id = active["id"]
    if edits:
        list_id = f"{active['id']}:{edits_key(edits)}"
        checked = validated(list_id, apply_edits(frame, edits))
        if not checked.ok:
            st.error("The edited practice list has problems, so no figures are shown. Fix them in the "
                     "Practice list tab:")
            for p in checked.report.errors[:10]:
                st.markdown(f"- ✖ {md_escape(meeting.text(columns_in_words(str(p)), frame, on))}")
            return
        frame = checked.practices
    try:
        results = run_model(list_id, scenario.model_dump_json(), _frame=frame)
    except EngineInputError as err:
        st.error(f"This scenario cannot run on this practice list: {md_escape(meeting.text(str(err), frame, on))}")
        return
    if not first:
        with badge:
            overview.checks_badge(results)
    shown = meeting.for_screen(results, on)      # meeting mode: the meeting's letters, identifying figures banded
    papers = meeting.for_papers(results, on)     # …and for whole-run downloads: letters, exact figures
    source = practice_list.paper_source(active, frame, edits, on)   # the list the downloads name
    letters = meeting.aliases(frame) if on else None

    views = {
        "Overview": lambda: overview.show(shown, y, on, source, papers),
        "One practice": lambda: my_practice.show(results, shown, y, on, source, list_id, frame, letters),
        "Compare": lambda: compare.show(results, scenario, frame, list_id, y, on, source),
        "Practices": lambda: practices.show(shown, y, on),
        "Localities": lambda: localities.show(shown, y, on),
        "Years": lambda: years.show(shown, on),
        "Uncertainty": lambda: uncertainty.show(scenario, frame, list_id, on),
        "Options": lambda: options_explorer.show(scenario, frame, list_id, on),
        "All England": lambda: national.show(scenario, active, y, on),
        "Options book": lambda: options_book.show(scenario, results, frame, list_id),
    }
    for name, show in views.items():
        if tabs[name].open:
            with tabs[name]:
                show()
    if first:
        with head:
            _, badge = header.show(scenario, active, on)
        with badge:
            overview.checks_badge(results)


main()
