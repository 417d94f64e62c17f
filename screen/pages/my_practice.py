"""The "My practice" tab: one practice's year in plain English, its money by year, and its one-pager."""

from __future__ import annotations

import streamlit as st

from model.results import Results
from model.story import practice_story
from papers.onepager import render_html
from screen import charts
from screen.markdown import md_escape
from screen.pages.widgets import file_stub, plot, slug, table
from screen.practice import code_for_alias, practice_choices, practice_rows, practice_years_table


def show(results: Results, shown: Results, y: int, meeting: bool) -> None:
    """`results` are the real results (for the one-pager), `shown` the ones on screen (anonymised in
    meeting mode)."""
    labels = dict(practice_choices(shown))
    code = st.selectbox("Practice", list(labels), format_func=labels.get,
                        key="my_practice" + (":meeting" if meeting else ""), persist_state="page")
    if code is None:
        return
    rows = practice_rows(shown, code)
    for line in practice_story(rows, shown, who=str(rows["practice_name"].iloc[0]), year_index=y):
        st.markdown(f"- {md_escape(line)}")
    plot(charts.practice_years(shown, code, large=meeting), key="chart_practice")
    df, kinds = practice_years_table(shown, code)
    table(df, kinds, key="my_practice_table")
    real_code = code
    if meeting:  # the picker shows letters; the one-pager needs the real code (it prints only the letter)
        real_code = code_for_alias(results, code)
    st.download_button("One-page summary (HTML, prints on A4)",
                       data=lambda: render_html(results, real_code, anonymise=meeting),
                       file_name=f"{slug(code)}_{file_stub(results, meeting)}.html", mime="text/html",
                       on_click="ignore", icon=":material/description:", key="dl_onepager")
