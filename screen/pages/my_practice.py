"""The practice view ("One practice" tab): choose a practice once and see it under the scenario on screen
and up to three others side by side — allocation, LES lost, protection, net change, per patient, year by
year, with a chart — then its year in plain English, its one-pager, and the meeting pack (one PDF: a
cover, an index and every practice's page).

Two clicks from the first screen: the tab, then the practice (the other scenarios start on two of the
files, so the view opens with three scenarios side by side).
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from model.anonymise import BANDS_NOTE
from model.headlines import who_loses
from model.limits import MAX_PACK_PRACTICES
from model.results import Results
from model.story import practice_story
from papers.onepager import render_html
from papers.pack import pack_pdf
from papers.provenance import Source
from screen import charts
from screen.markdown import md_escape
from screen.pages.choices import CURRENT, choices, run_choices
from screen.pages.meeting import for_screen
from screen.pages.widgets import file_stub, slug
from screen.practice import code_for_alias, practice_across, practice_by_year, practice_choices, practice_rows
from screen.tables import html_table
from screen.years import year_labels

ss = st.session_state
MAX_OTHERS = 3
DEFAULT_OTHERS = ("les_separate", "les_linked_counts", "guidance_default")


def show(results: Results, shown: Results, y: int, meeting: bool, source: Source | None = None,
         list_id: str = "", frame=None, papers_aliases: dict | None = None) -> None:
    """`results` are the real results (for the one-pager), `shown` the ones on screen (anonymised and banded
    in meeting mode); the other scenarios run on `frame` (the list in use, id `list_id`)."""
    labels = dict(practice_choices(shown))
    offered, problem = choices(shown.scenario)
    others = {k: v for k, v in offered.items() if k != CURRENT}
    key = "my_practice" + (":meeting" if meeting else "")
    c1, c2 = st.columns([2, 3])
    if ss.get(key) not in labels:  # opens on the practice that loses most (or the first), never empty
        ss[key] = default_practice(shown, y)
    code = c1.selectbox("Practice", list(labels), format_func=labels.get, key=key,
                        placeholder="Choose a practice (type to search)")
    if "practice_others" not in ss:
        start = ss.get("scenario_file")
        ss.practice_others = [s for s in DEFAULT_OTHERS if s in others and s != start][:2]
    ss.practice_others = [s for s in ss.practice_others if s in others]
    picked = c2.multiselect(f"Beside the scenario on screen (up to {MAX_OTHERS})", list(others),
                            format_func=others.get, key="practice_others", max_selections=MAX_OTHERS,
                            help="Scenario files, your edits kept as scenarios, and the options book's shortlist.")
    if problem:
        st.caption(f"The options book's shortlist is not offered: {md_escape(problem)}")
    if code is None:
        st.info("Choose a practice to see it under these scenarios side by side.")
        return
    runs = [shown] + [for_screen(r, meeting) for r in run_choices(picked, others, list_id, frame).values()]
    runs[0] = dataclasses.replace(runs[0], scenario=runs[0].scenario.model_copy(
        update={"name": offered[CURRENT][:120]}))
    name = str(practice_rows(shown, code)["practice_name"].iloc[0])
    year = year_labels(shown)[y]
    st.markdown(f"## {md_escape(name)}, {year}: {len(runs)} scenario{'s' if len(runs) != 1 else ''} side by side")
    side, kinds = practice_across(runs, code, y)
    _figures_table(side, kinds)
    by_year = practice_by_year(runs, code)
    st.plotly_chart(charts.practice_scenarios(by_year, name, large=meeting), width="stretch",
                    config={"displayModeBar": False}, key="chart_practice", theme=None)
    st.html(html_table(by_year, {c: "money" for c in by_year.columns if c != "Year"},
                       caption=f"{name}: net change by year (£)"))
    if meeting:
        st.caption(BANDS_NOTE)
    with st.expander(f"{name} under the scenario on screen, in words", expanded=True):
        rows = practice_rows(shown, code)
        for line in practice_story(rows, shown, who=name, year_index=y):
            st.markdown(f"- {md_escape(line)}")
    _papers(results, code, meeting, source, papers_aliases)


def default_practice(shown: Results, y: int = 0) -> str | None:
    """The practice the view opens on: the one with the largest loss in the year shown, else the first."""
    w = who_loses(shown, y)
    if w.largest_loss_code is not None:
        return w.largest_loss_code
    codes = practice_choices(shown)
    return codes[0][0] if codes else None


def _figures_table(side, kinds: dict[str, str]) -> None:
    """Figures as rows, scenarios as columns, each cell formatted from its row's kind ('−£22,745'): a plain
    HTML table, large and quick to draw."""
    st.html(html_table(side, row_kinds=kinds))


def _papers(results: Results, code: str, meeting: bool, source: Source | None, aliases: dict | None) -> None:
    real_code = code
    if meeting:  # the picker shows letters; the one-pager needs the real code (it prints only the letter)
        real_code = code_for_alias(results, code, ss.get("meeting_seed"))
    anon = (aliases or True) if meeting else False
    c1, c2 = st.columns(2)
    c1.download_button("One-page summary (HTML, prints on one A4 page)",
                       data=lambda: render_html(results, real_code, anonymise=anon, source=source),
                       file_name=f"{slug(code)}_{file_stub(results, meeting)}.html", mime="text/html",
                       on_click="ignore", icon=":material/description:", key="dl_onepager", width="stretch")
    n_practices = len(results.practices[["commissioner", "practice_code"]].drop_duplicates())
    if n_practices > MAX_PACK_PRACTICES:
        c2.info(f"A meeting pack holds at most {MAX_PACK_PRACTICES:,} practices (a page each); this list has "
                f"{n_practices:,}. Choose one CCG's list to make its pack.")
        return
    c2.download_button("Meeting pack: every practice (PDF)" + (", anonymised" if meeting else ""),
                       data=lambda: pack_pdf(results, anonymise=anon, source=source),
                       file_name=f"meeting_pack_{file_stub(results, meeting)}.pdf", mime="application/pdf",
                       on_click="ignore", icon=":material/picture_as_pdf:", key="dl_pack", width="stretch",
                       help="A cover with the headline figures, an index of practices, then one A4 page per "
                            "practice. Takes a few seconds to make.")
