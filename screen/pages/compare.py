"""The "Compare" tab: two to four scenarios on the same practice list, side by side."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from model import scenario_edits
from model.analysis.compare import compare_practices, compare_summary, differing_assumptions
from model.anonymise import anonymise
from model.engine import EngineInputError
from model.results import Results
from model.scenario import Scenario, ScenarioError
from papers.workbook import workbook_bytes
from screen import charts
from screen.compare import assumptions_table, compare_deltas, compare_headline_table, delta_kinds
from screen.markdown import md_escape
from screen.pages.cache import DEFAULT_SCENARIO, SCENARIO_DIR, file_scenario, run_model, scenario_label
from screen.pages.widgets import column_config, csv_button, plot
from screen.years import year_labels

CURRENT = "__current__"


def show(res: Results, scenario: Scenario, frame: pd.DataFrame, list_id: str, y: int, meeting: bool) -> None:
    stems = list(scenario_edits.scenario_files(SCENARIO_DIR))
    options = [CURRENT] + stems
    labels = {CURRENT: f"Current: {scenario.name} (as edited)", **{s: scenario_label(s) for s in stems}}
    default = [CURRENT, "les_separate" if st.session_state.scenario_file == DEFAULT_SCENARIO else DEFAULT_SCENARIO]
    picked = st.multiselect("Scenarios to compare (2 to 4; the first is the baseline)", options,
                            default=[d for d in default if d in options], format_func=labels.get,
                            max_selections=4, key="compare_pick", persist_state="page")
    if len(picked) < 2:
        st.info("Pick at least two scenarios.")
        return
    runs: list[Results] = []
    for item in picked:
        if item == CURRENT:
            current = scenario.model_copy(update={"name": f"Current: {scenario.name}"[:120]})
            runs.append(dataclasses.replace(res, scenario=current))
            continue
        try:
            r = run_model(list_id, file_scenario(item).model_dump_json(), _frame=frame)
        except (EngineInputError, ScenarioError) as err:
            st.warning(f"{md_escape(labels[item])} cannot be run on this practice list: {md_escape(str(err))}")
            continue
        runs.append(anonymise(r) if meeting else r)
    if len(runs) < 2:
        return
    year = year_labels(runs[0])[min(y, len(year_labels(runs[0])) - 1)]
    st.markdown("**Assumptions that differ**")
    diff = assumptions_table(runs, differing_assumptions(runs))
    if diff.empty:
        st.caption("No assumption differs.")
    else:
        st.dataframe(diff, hide_index=True, width="stretch", key="compare_diff")
    summary = compare_summary(runs)
    st.markdown(f"**Headlines, {year}**")
    headlines = compare_headline_table(summary, year)
    st.dataframe(headlines, hide_index=True, width="stretch", key="compare_headlines",
                 height=35 * (len(headlines) + 1) + 3)
    plot(charts.compare_headlines(summary, year, large=meeting), key="chart_compare")
    per_practice = compare_practices(runs)
    plot(charts.compare_practices(per_practice, year, large=meeting), key="chart_compare_practices")
    deltas = compare_deltas(per_practice, year)
    st.dataframe(deltas, hide_index=True, width="stretch", key="compare_deltas",
                 column_config=column_config(delta_kinds(deltas)))
    anonymised = "_anonymised" if meeting else ""
    c1, c2, c3 = st.columns(3)
    with c3:
        csv_button("Headlines by year: CSV", lambda: summary, f"comparison_headlines{anonymised}.csv",
                   "dl_compare_summary")
    c1.download_button("Comparison: Excel workbook", data=lambda: workbook_bytes(runs),
                       file_name=f"comparison{anonymised}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore", icon=":material/table_view:", key="dl_compare_xlsx")
    with c2:
        csv_button("Per-practice differences: CSV", lambda: per_practice, f"comparison_practices{anonymised}.csv",
                   "dl_compare_csv")
