"""Meeting mode: the switch, the meeting's letters and what the screen and downloads show while it is on.

State kept in ``st.session_state``: ``meeting`` (the switch) and ``meeting_seed`` (how this meeting's letters
are dealt: a new seed each time meeting mode is turned on, and on "Reshuffle letters"). Everything shown in
meeting mode goes through here: results for the screen (letters in the meeting's order, identifying figures
banded), results for whole-run downloads (letters, exact figures so the papers reconcile), the practice list,
and every message (:func:`text`).
"""

from __future__ import annotations

import secrets

import pandas as pd
import streamlit as st

from model.anonymise import anonymise, anonymise_text
from model.results import Results
from screen.pages.widgets import first_paint
from screen.practice_list import aliases_for

ss = st.session_state


def _new_seed() -> None:
    ss.meeting_seed = secrets.randbelow(2**31)


def _on_switch() -> None:
    if ss.get("meeting"):
        _new_seed()


def switch() -> bool:
    """The meeting-mode switch and, when on, "Reshuffle letters" beside it; whether meeting mode is on."""
    if first_paint():
        return bool(ss.get("meeting"))
    row = st.container(horizontal=True, horizontal_alignment="right", vertical_alignment="center")
    on = row.toggle("Meeting mode", key="meeting", on_change=_on_switch,
                   help="Hides practice names and codes (Practice A, B, … in a new random order each meeting) in "
                        "every table, chart, message and download, shows list sizes and LES in bands, collapses "
                        "the inputs and enlarges text for a projector.")
    if on:
        if "meeting_seed" not in ss:
            _new_seed()
        row.button("Reshuffle letters", key="meeting_reshuffle", on_click=_new_seed, icon=":material/shuffle:",
                  help="Deal the letters again in a new random order.")
    return bool(on)


def seed() -> int | None:
    return ss.get("meeting_seed")


def for_screen(results: Results, meeting: bool) -> Results:
    """What the screen shows: in meeting mode, letters in this meeting's order and identifying figures banded."""
    return anonymise(results, seed(), band=True) if meeting else results


def for_papers(results: Results, meeting: bool) -> Results:
    """What whole-run downloads are made from: in meeting mode the meeting's letters with exact figures."""
    return anonymise(results, seed()) if meeting else results


def aliases(frame: pd.DataFrame) -> dict[str, str]:
    """The meeting's letters for the practices of a list: {code: 'Practice Q'}."""
    return aliases_for(frame, seed())


def text(message: str, frame: pd.DataFrame | None, meeting: bool) -> str:
    """A message as meeting mode may show it: the list's codes and names as letters, other codes hidden."""
    if not meeting:
        return message
    if frame is None or "practice_code" not in frame:
        return anonymise_text(message, {})
    letters = aliases(frame)
    names = {}
    if "practice_name" in frame:
        names = {str(n): letters[str(c)] for c, n in zip(frame["practice_code"], frame["practice_name"])
                 if str(n) and str(c) in letters}
    return anonymise_text(message, letters, names)
