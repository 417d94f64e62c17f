"""The scenario header at the top of every view: which scenario is on screen, in large type — its name,
where it came from, and "edited: N changes from <file>" with each change in words — with reset, save
and share beside it, and the practice list it runs on.

Reads the panel's state (:mod:`screen.pages.inputs`); keeps ``st.session_state.edit_count`` for the views
that name the current scenario (Compare, the practice view).
"""

from __future__ import annotations

from html import escape

import streamlit as st

from model import scenario_edits
from model.scenario import Scenario
from screen.assumptions import changes_in_words, funding_text, rate_text
from screen.pages import inputs
from screen.pages.widgets import first_paint

ss = st.session_state


def show(scenario: Scenario, active: dict, meeting: bool):
    """Draw the header; the place under the buttons where the page puts the year shown, and the place beside
    the buttons for the reconciliation badge."""
    changed = inputs.edits()
    n = len(changed)
    ss.edit_count = n
    origin = str(ss.get("origin") or "")
    where = origin.removeprefix("uploaded ")
    status = (f'<span class="scn-status scn-edited">✎ edited: {n} change{"s" if n != 1 else ""} from '
              f'{escape(where)}</span>' if n else
              f'<span class="scn-status scn-same">as in {escape(where)}</span>')
    facts = (f"{escape(active['label'])} · {len(active['frame']):,} practices · {escape(rate_text(scenario))}, "
             f"{escape(funding_text(scenario))}")
    left, right = st.columns([5, 4], vertical_alignment="center")
    with left:
        st.html(f'<div class="scn"><span class="scn-label">Scenario on screen</span>'
                f'<span class="scn-name">{escape(scenario.name)}</span> {status}</div>')
    with right:
        with st.container(horizontal=True, horizontal_alignment="right", key="scn_buttons"):
            badge = st.container(width="content")   # the reconciliation badge, drawn once the figures are run
            if n:
                st.button("Reset", key="reset_header", on_click=inputs.on_reset, icon=":material/undo:",
                          help=f"Put every assumption back to the values of {where}.")
            if not first_paint():
                inputs.save_button(scenario)
                inputs.share_popover(scenario, active)
    left, year = st.columns([1, 1], vertical_alignment="top")
    with left:
        st.html(f'<div class="scn-facts">{facts}</div>')
        if n:
            base_values = scenario_edits.flatten(ss.base, ss.get("les_cols", []))
            lines = changes_in_words(ss.base, scenario, changed, base_values)
            st.html('<ul class="scn-changes">' + "".join(f"<li>{escape(t)}</li>" for t in lines) + "</ul>")
    return year, badge
