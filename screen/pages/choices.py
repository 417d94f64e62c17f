"""The scenarios a view can put beside the one on screen: the scenario files, the edits kept as scenarios of
their own (``st.session_state.kept``, see :mod:`screen.pages.inputs`) and the options book's shortlist; and
each one run on the practice list in use (cached in :mod:`screen.pages.cache`).

Used by the Compare tab and the practice view, so both offer the same choices under the same names.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from book.store import BookError
from model import scenario_edits
from model.engine import EngineInputError
from model.results import Results
from model.scenario import Scenario, ScenarioError
from screen.markdown import md_escape
from screen.pages import book as options_book
from screen.pages.cache import SCENARIO_DIR, file_scenario, run_model, scenario_label

CURRENT = "__current__"
ss = st.session_state


def current_label(scenario: Scenario) -> str:
    """'Current: Guidance default', with '(edited: 2 changes)' only when the panel differs from its file."""
    n = int(ss.get("edit_count", 0))
    return f"Current: {scenario.name}" + (f" (edited: {n} change{'s' if n != 1 else ''})" if n else "")


def choices(scenario: Scenario) -> tuple[dict[str, str], str | None]:
    """{item: label} — the current scenario, the files, the kept edits, the book's shortlist — and why the
    book's shortlist is not offered (None when it is, or when there is no book)."""
    stems = list(scenario_edits.scenario_files(SCENARIO_DIR))
    shortlist, problem = options_book.compare_choices()
    kept = {k: f"{v['name']} (your edits)" for k, v in ss.get("kept", {}).items()}
    return {CURRENT: current_label(scenario), **{s: scenario_label(s) for s in stems}, **kept, **shortlist}, problem


def run_choice(item: str, list_id: str, frame: pd.DataFrame) -> tuple[Results, str | None]:
    """One chosen scenario (not the current one) run on the list in use, and a warning to show (or None).
    Raises ScenarioError, EngineInputError, BookError or KeyError when it cannot be run."""
    warning = None
    if item.startswith("kept:"):
        k = ss.kept[item]
        scenario = scenario_edits.build_scenario(k["base"], k["panel"]).model_copy(
            update={"name": f"{k['name']} (your edits)"[:120]})
    elif item.startswith("book:"):
        scenario, warning = options_book.compare_scenario(item, options_book.current_print(frame, list_id))
    else:
        scenario = file_scenario(item)
    return run_model(list_id, scenario.model_dump_json(), _frame=frame), warning


RUN_ERRORS = (EngineInputError, ScenarioError, BookError, KeyError)
"""What :func:`run_choice` raises when a choice cannot be run (named on the page, never a traceback)."""


def run_choices(items: list[str], labels: dict[str, str], list_id: str,
                frame: pd.DataFrame) -> dict[str, Results]:
    """The chosen scenarios (not the current one) run on the list in use: {item: results}, in order. One that
    cannot be run is named in a warning and left out; a saved version's warning (another list) is shown."""
    runs = {}
    for item in items:
        try:
            r, warning = run_choice(item, list_id, frame)
        except RUN_ERRORS as err:
            st.warning(f"{md_escape(labels[item])} cannot be run on this practice list: {md_escape(str(err))}")
            continue
        if warning:
            st.warning(md_escape(warning))
        runs[item] = r
    return runs
