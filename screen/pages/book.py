"""The "Options book" tab: save the scenario in the inputs as a version, open any version into the
inputs, shortlist and agree versions, and see what differs between two of them. Also what the Compare
tab needs to offer the shortlist (:func:`compare_choices`, :func:`compare_scenario`).

A tab rather than a sidebar panel: the book is a table of options and versions with who, when and the
figures saved, plus the differences between two versions, which need the page's width; the sidebar
stays the inputs (and says "Started from: options book: …" when a version is open).

The book is the file :func:`book.location.book_path` names (``PCFUND_BOOK``, else the per-user file),
opened afresh on each run and closed at its end (no cache: another session may have saved since). If it
cannot be used (locked, damaged, not a book, newer), the tab says why and the rest of the app works as
before; a read-only book can be opened and compared, not changed.

State kept in ``st.session_state``: ``book_opened`` (id of the version loaded into the inputs),
``book_message`` (what the last action did, shown once), ``book_author_kept`` (the name typed, kept
across tabs); widget keys start with ``book:``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from book.diff import version_differences
from book.location import book_path
from book.records import PracticeListPrint, Version, headlines, practice_list_print, when_text
from book.store import Book, BookError, BookMissing
from model.results import Results
from model.scenario import Scenario, ScenarioError
from model.scenario_files import dump_scenario, load_scenario
from screen.book import (
    compare_item,
    compare_label,
    headline_kinds,
    item_version_id,
    list_warning,
    version_label,
    versions_table,
)
from screen.markdown import md_escape
from screen.pages import inputs
from screen.pages.widgets import init, table

ss = st.session_state
MAX_COMPARED = 4


# ---------------------------------------------------------------------------------------------
# The book file
# ---------------------------------------------------------------------------------------------


def open_book(create: bool = False) -> tuple[Book | None, str | None]:
    """(the book, None), (None, None) when there is no book file yet, or (None, why it cannot be used)."""
    try:
        return Book(book_path(), create=create), None
    except BookMissing:
        return None, None
    except BookError as err:
        return None, str(err)
    except OSError as err:  # e.g. a path the file system refuses outright
        return None, f"The options book {book_path()} cannot be opened: {err.strerror or err}."


def current_print(frame: pd.DataFrame, list_id: str) -> PracticeListPrint:
    """The fingerprint of the practice list the figures use now (edits included)."""
    active = ss.get("active") or {}
    report = active.get("report")
    name = getattr(report, "file", None) or active.get("label", "practice list")
    if active.get("id") not in (None, list_id):
        name = f"{name} (edited in the app)"
    return practice_list_print(frame, str(name))


def _say(kind: str, text: str) -> None:
    ss.book_message = (kind, text)


def _author() -> str:
    return str(ss.get("book_author_kept", "")).strip()


# ---------------------------------------------------------------------------------------------
# Actions (button callbacks: they run before the page is drawn again)
# ---------------------------------------------------------------------------------------------


def _open_version(version_id: int, current: PracticeListPrint) -> None:
    book, problem = open_book()
    if book is None:
        _say("error", problem or "There is no options book yet.")
        return
    try:
        with book:
            v = book.version(version_id)
        scenario = load_scenario(v.scenario_yaml, f"{v.title}.yaml")
    except (BookError, ScenarioError) as err:
        _say("error", f"That version cannot be opened: {err}")
        return
    inputs.use_scenario(scenario, f"options book: {v.title}", None)
    ss.scenario_error = None
    ss.book_opened = v.id
    ss["book:option"] = v.option
    text = (f"Opened {v.title} in the inputs: every tab now shows it. Saving starts a new version of it"
            + (" (it is agreed, so it cannot change)." if v.status == "agreed" else "."))
    warning = list_warning(v, current)
    _say("warning" if warning else "success", text + (f" {warning}" if warning else ""))


def _mark(version_id: int, status: str) -> None:
    by = _author()
    if not by:
        _say("error", "Type your name in 'Your name' first: the book records who marks a version.")
        return
    book, problem = open_book()
    if book is None:
        _say("error", problem or "There is no options book yet.")
        return
    try:
        with book:
            v = book.set_status(version_id, status, by, str(ss.get("book:mark_note", "")))
    except BookError as err:
        _say("error", str(err))
        return
    ss["book:mark_note"] = ""
    _say("success", f"{v.title} is now {status} ({v.status_text}).")


def _compare_shortlist(items: list[str]) -> None:
    from screen.pages.compare import CURRENT  # the Compare tab's own key for the scenario in the inputs

    ss.compare_pick = (items if len(items) >= 2 else [CURRENT, *items])[:MAX_COMPARED]
    ss.view = "Compare"


# ---------------------------------------------------------------------------------------------
# The tab
# ---------------------------------------------------------------------------------------------


def show(scenario: Scenario, results: Results, frame: pd.DataFrame, list_id: str) -> None:
    path = book_path()
    current = current_print(frame, list_id)
    message = ss.pop("book_message", None)
    if message:
        getattr(st, message[0])(md_escape(message[1]))
    book, problem = open_book()
    if problem:
        st.warning("**The options book cannot be used now.** " + md_escape(problem) + "\n\nEverything else in "
                   "the app works as usual; options cannot be saved, opened or compared until this is fixed.",
                   icon=":material/warning:")
        return
    try:
        if book is None:
            st.caption(f"Options book: {md_escape(path)} (no options saved yet; the file is created by the "
                       f"first save).")
            _save_form(scenario, results, current, None, read_only=False)
            return
        with book:
            versions = book.versions()
            read_only, why = book.read_only, book.read_only_reason
        n_opts = len({v.option.casefold() for v in versions})
        st.caption(f"Options book: {md_escape(path)} · {n_opts:,} option{'s' if n_opts != 1 else ''}, "
                   f"{len(versions):,} version{'s' if len(versions) != 1 else ''}")
        if read_only:
            st.info(md_escape(why), icon=":material/lock:")
        _save_form(scenario, results, current, versions, read_only)
        _shortlist(versions, current)
        _all_versions(versions, current)
        _one_version(versions, current, read_only)
    except BookError as err:  # e.g. the file was damaged or locked while the page was drawn
        st.warning("**The options book cannot be used now.** " + md_escape(str(err)) + "\n\nEverything else in "
                   "the app works as usual.", icon=":material/warning:")


def _save_form(scenario: Scenario, results: Results, current: PracticeListPrint,
               versions: list[Version] | None, read_only: bool) -> None:
    opened = next((v for v in versions or [] if v.id == ss.get("book_opened")), None)
    init("book:option", opened.option if opened else scenario.name)
    init("book:author", ss.get("book_author_kept", ""))
    with st.expander("Save the scenario in the inputs as a new version", expanded=not versions,
                     icon=":material/save:"):
        with st.form("book:save", clear_on_submit=False, border=False):
            c1, c2 = st.columns(2)
            c1.text_input("Option", key="book:option", max_chars=120,
                          help="A new name starts a new option; an existing name adds its next version.")
            c2.text_input("Your name", key="book:author", max_chars=120,
                          help="Recorded with every save and every change of status.")
            st.text_area("Note", key="book:note", max_chars=4000, height=68,
                         placeholder="What changed, or why (optional)")
            if opened is not None and opened.status == "agreed":
                st.caption(f"{md_escape(opened.title)} is agreed and cannot change: saving under its name "
                           f"starts a new draft.")
            st.form_submit_button("Save as a new version", type="primary", disabled=read_only,
                                  icon=":material/save:", on_click=_save, args=(scenario, results, current, opened))
    ss.book_author_kept = ss.get("book:author", "")


def _save(scenario: Scenario, results: Results, current: PracticeListPrint, opened: Version | None) -> None:
    """Save the scenario shown when the button was pressed, with its figures and practice list."""
    ss.book_author_kept = ss.get("book:author", "")
    book, problem = open_book(create=True)
    if book is None:
        _say("error", problem or "The options book cannot be created.")
        return
    option = str(ss.get("book:option", ""))
    based = opened.id if opened is not None and opened.option.casefold() == option.strip().casefold() else None
    try:
        with book:
            v = book.save(option, dump_scenario(scenario), scenario.name, current, headlines(results.totals()),
                          str(ss.get("book:author", "")), str(ss.get("book:note", "")), based_on=based)
    except BookError as err:
        _say("error", str(err))
        return
    ss.book_opened = v.id
    ss["book:pick"] = v.id
    ss["book:note"] = ""
    _say("success", f"Saved {v.title} (#{v.id}) as a draft, by {v.author}, {when_text(v.saved_at)}.")


def _shortlist(versions: list[Version], current: PracticeListPrint) -> None:
    agreed = [v for v in versions if v.status == "agreed"]
    short = [v for v in versions if v.status == "shortlisted"]
    st.markdown(f"**Shortlist** · {len(short)} shortlisted, {len(agreed)} agreed")
    if not agreed and not short:
        st.caption("No version is shortlisted yet: pick one below and press Shortlist.")
        return
    table = versions_table([*agreed, *short], current)
    shown_table(table, key="book_shortlist", height=35 * (len(table) + 1) + 3)
    for v in [*agreed, *short]:
        warning = list_warning(v, current)
        if warning:
            st.warning(md_escape(warning), icon=":material/difference:")
    items = [compare_item(v) for v in [*agreed, *short]]
    st.button("Compare the shortlist", on_click=_compare_shortlist, args=(items,), icon=":material/compare_arrows:",
              help=f"Opens the Compare tab with the agreed and shortlisted versions (the first {MAX_COMPARED}).")


def _all_versions(versions: list[Version], current: PracticeListPrint) -> None:
    st.markdown("**Every option and version**")
    shown_table(versions_table(versions, current), key="book_versions")


def shown_table(df: pd.DataFrame, key: str, height: int | str = "auto") -> None:
    """A table of versions: names and notes as data (never markup), figures as '−£1,235'."""
    table(df, {**headline_kinds(), "Same practice list": "bool"}, key=key, height=height)


def _one_version(versions: list[Version], current: PracticeListPrint, read_only: bool) -> None:
    by_id = {v.id: v for v in versions}
    if ss.get("book:pick") not in by_id:
        ss["book:pick"] = ss.get("book_opened") if ss.get("book_opened") in by_id else max(by_id)
    vid = st.selectbox("Version", list(by_id), format_func=lambda i: version_label(by_id[i]), key="book:pick",
                       help="Open it in the inputs, change its status, or see what differs from another.")
    v = by_id[vid]
    st.text(f"{v.title} (#{v.id}) · {v.status_text}\nSaved by {v.author}, {when_text(v.saved_at)}"
            + (f", from {v.based_on_title}" if v.based_on_title else "")
            + f" · scenario name: {v.scenario_name}\nPractice list: {v.practice_list.describe()}")
    if v.note:
        st.text(f"Note: {v.note}")
    warning = list_warning(v, current)
    if warning:
        st.warning(md_escape(warning), icon=":material/difference:")
    c1, c2, c3, c4 = st.columns(4)
    c1.button("Open in the inputs", on_click=_open_version, args=(v.id, current), key="book:open",
              icon=":material/open_in_new:", width="stretch")
    final = v.status == "agreed"
    c2.button("Shortlist", on_click=_mark, args=(v.id, "shortlisted"), key="book:shortlist", width="stretch",
              disabled=read_only or v.status != "draft")
    c3.button("Mark agreed", on_click=_mark, args=(v.id, "agreed"), key="book:agree", width="stretch",
              disabled=read_only or v.status != "shortlisted", type="primary" if v.status == "shortlisted"
              else "secondary", help="Agreed is final: the version can then never change.")
    c4.button("Back to draft", on_click=_mark, args=(v.id, "draft"), key="book:draft", width="stretch",
              disabled=read_only or v.status != "shortlisted")
    if not final and not read_only:
        st.text_input("Meeting or note for the status change (optional)", key="book:mark_note", max_chars=4000)
    with st.expander("History", expanded=False):
        st.text("\n".join(f"{s.status} by {s.by}, {when_text(s.at)}" + (f": {s.note}" if s.note else "")
                          for s in v.history))
    others = [i for i in by_id if i != v.id]
    if not others:
        return
    same = [o.id for o in versions if o.option == v.option and o.number < v.number]
    default = same[-1] if same else others[0]
    if ss.get("book:other") not in others or ss.get("book_other_for") != v.id:
        ss["book:other"] = default  # a new version picked: compare it with its previous version again
    ss.book_other_for = v.id
    oid = st.selectbox("What differs from", others, format_func=lambda i: version_label(by_id[i]), key="book:other")
    for heading, lines in version_differences(by_id[oid], v):
        st.markdown(f"**{md_escape(heading)}**")
        st.markdown("\n".join(f"- {md_escape(line)}" for line in lines))


# ---------------------------------------------------------------------------------------------
# For the Compare tab
# ---------------------------------------------------------------------------------------------


def compare_choices() -> tuple[dict[str, str], str | None]:
    """The agreed and shortlisted versions as Compare choices {'book:7': label}, and why the book cannot
    be read (None when it can, or when there is none yet)."""
    book, problem = open_book()
    if book is None:
        return {}, problem
    try:
        with book:
            found = book.shortlist()
    except BookError as err:
        return {}, str(err)
    return {compare_item(v): compare_label(v) for v in found}, None


def compare_scenario(item: str, current: PracticeListPrint) -> tuple[Scenario, str | None]:
    """The scenario a shortlisted version saved (named after the version), and a warning when it was
    saved on another practice list; BookError or ScenarioError if it cannot be read."""
    vid = item_version_id(item)
    book, problem = open_book()
    if book is None or vid is None:
        raise BookError(problem or "There is no options book.")
    with book:
        v = book.version(vid)
    scenario = load_scenario(v.scenario_yaml, f"{v.title}.yaml")
    return scenario.model_copy(update={"name": v.title[:120]}), list_warning(v, current)
