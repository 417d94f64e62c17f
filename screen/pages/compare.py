"""The "Compare" tab: two to four scenarios on the same practice list, side by side: the scenario in the
inputs, the scenario files, your edits kept as scenarios, and the options book's agreed and shortlisted
versions (offered by :mod:`screen.pages.choices`). Per practice: each scenario's figure and its difference
from the first, under readable headings, filtered to one practice if asked.

In meeting mode the screen shows the meeting's letters with identifying figures banded (the differences
are worked out on the exact figures, then banded), and the downloads the meeting's letters.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from model.analysis.compare import compare_practices, compare_summary, differing_assumptions
from model.anonymise import BANDS_NOTE, anonymise_frame, band_practices, letter_rank
from model.results import Results
from model.scenario import Scenario
from papers.provenance import Source
from papers.workbook import workbook_bytes
from screen import charts
from screen.compare import (
    FIGURE_WORDS,
    assumptions_table,
    compare_headline_table,
    compare_table,
    headlines_every_year,
    scenario_names,
)
from screen.markdown import md_escape
from screen.pages.cache import DEFAULT_SCENARIO
from screen.pages.choices import CURRENT, choices, run_choices
from screen.pages.meeting import aliases, for_papers
from screen.pages.widgets import csv_button, plot, table
from screen.tables import as_shown
from screen.years import year_labels

ss = st.session_state
ALL = "__all__"


def show(res: Results, scenario: Scenario, frame: pd.DataFrame, list_id: str, y: int, meeting: bool,
         source: Source | None = None) -> None:
    """`res` are the real results of the scenario on screen (the view anonymises what it shows)."""
    labels, book_problem = choices(scenario)
    options = list(labels)
    if book_problem:
        st.caption(f"The options book's shortlist is not offered: {md_escape(book_problem)}")
    default = [CURRENT, "les_separate" if ss.get("scenario_file") == DEFAULT_SCENARIO else DEFAULT_SCENARIO]
    kept = ss.get("compare_pick")
    if kept is not None:  # picked before (or by "Compare the shortlist"): drop what is no longer offered
        ss.compare_pick = [p for p in kept if p in options]
    picked = st.multiselect("Scenarios to compare (2 to 4; the first is the baseline)", options,
                            default=None if kept is not None else [d for d in default if d in options],
                            format_func=labels.get,
                            max_selections=4, key="compare_pick", persist_state="page")
    if len(picked) < 2:
        st.info("Pick at least two scenarios.")
        return
    current = dataclasses.replace(res, scenario=scenario.model_copy(update={"name": labels[CURRENT][:120]}))
    ran = {CURRENT: current, **run_choices([i for i in picked if i != CURRENT], labels, list_id, frame)}
    runs: list[Results] = [ran[item] for item in picked if item in ran]
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
    per_practice = _per_practice(runs, frame, meeting)
    _practice_table(per_practice, year, meeting)
    plot(charts.compare_practices(per_practice, year, large=meeting), key="chart_compare_practices")
    anonymised = "_anonymised" if meeting else ""
    paper_runs = [for_papers(r, meeting) for r in runs]
    c1, c2 = st.columns(2)
    with c2:
        csv_button("Headlines, every year: CSV", lambda: headlines_every_year(summary),
                   f"comparison_headlines{anonymised}.csv", "dl_compare_summary")
    c1.download_button("Comparison: Excel workbook", data=lambda: workbook_bytes(paper_runs, source),
                       file_name=f"comparison{anonymised}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore", icon=":material/table_view:", key="dl_compare_xlsx")


def _per_practice(runs: list[Results], frame: pd.DataFrame, meeting: bool) -> pd.DataFrame:
    """Each practice under every scenario, worked out on the exact figures; in meeting mode then shown as
    the meeting's letters (in letter order) with the identifying figures banded."""
    table_ = compare_practices(runs)
    if not meeting:
        return table_
    out = band_practices(anonymise_frame(table_, aliases(frame)))
    order = out["practice_code"].map(letter_rank)
    return out.assign(_rank=order).sort_values(["year", "_rank"], kind="stable").drop(columns="_rank")


def _practice_table(per_practice: pd.DataFrame, year: str, meeting: bool) -> None:
    st.markdown(f"**Each practice, {year}**")
    names = scenario_names(per_practice)
    c1, c2 = st.columns([2, 3])
    firsts = per_practice[per_practice["year"].astype(str) == str(year)]
    practices = {c: (c if c == n else f"{n} ({c})") for c, n in zip(firsts["practice_code"].astype(str),
                                                                     firsts["practice_name"].astype(str))}
    options = [ALL] + list(practices)
    if ss.get("compare_practice") not in options:
        ss.compare_practice = ALL
    one = c1.selectbox("Practice", options, key="compare_practice",
                       format_func=lambda c: "All practices" if c == ALL else practices[c])
    figure = c2.segmented_control("Figure", list(FIGURE_WORDS), format_func=FIGURE_WORDS.get,
                                  key="compare_figure", default="net_change", required=True)
    df, kinds = compare_table(per_practice, year, figure or "net_change", None if one == ALL else one)
    st.caption(f"{FIGURE_WORDS[figure or 'net_change']}, {year}, under each scenario; a difference is that "
               f"scenario minus the first ({md_escape(names[0])}). A minus sign means less money for the practice.")
    table(df, kinds, key="compare_deltas", height="auto" if one != ALL else 420)
    if meeting:
        st.caption(BANDS_NOTE)
    anonymised = "_anonymised" if meeting else ""
    csv_button(f"This table: CSV ({year})", lambda: as_shown(df), f"comparison_practices{anonymised}_"
               f"{year.replace('/', '-')}.csv", "dl_compare_csv")
