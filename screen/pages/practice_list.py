"""The practice list: choosing it (sidebar) and the "Practice list" tab (its checks and the editor).

State kept in ``st.session_state``: ``active``, the list in use (id, label, frame, report, ccg);
``uploaded``, the last good upload; ``upload_failed``, the report of a file refused; ``edits``, the
cells edited in the editor by list id, so they survive reruns and tab switches.
"""

from __future__ import annotations

import streamlit as st

from model import scenario_edits
from model.anonymise import anonymise_text
from model.columns import heading
from model.practices import MAX_UPLOAD_BYTES, les_columns
from papers.provenance import Source, now, stamp
from screen.markdown import md_escape
from screen.pages.cache import DEFAULT_CCG, ENGLAND, NENE, bundled, ccg_choices, ccg_list, load_list, load_upload
from screen.pages.widgets import csv_button, init
from screen.practice_list import (
    aliases_for,
    anonymise_list,
    apply_edits,
    bytes_key,
    checklist,
    column_words,
    columns_in_words,
    describe_edits,
    editable_columns,
    merge_edits,
)

SOURCES = {
    "nene": "NHS Nene CCG 2014/15 (default)",
    "england": "One CCG from all England 2014/15",
    "upload": "Your own file (CSV or Excel)",
}
ss = st.session_state


def choose(draw: bool = True) -> dict:
    """The sidebar's practice-list picker: Nene, one CCG of all England, or an uploaded file. With `draw`
    False (a session's first page, drawn before its sidebar), the list the picker holds, without widgets."""
    init("in:data_source", "nene")
    if draw:
        st.markdown("**Practice list**")
        source = st.radio("Practice list", list(SOURCES), format_func=SOURCES.get, key="in:data_source",
                          label_visibility="collapsed")
    else:
        source = ss["in:data_source"]
    active = ss.get("active")
    if source == "nene":
        data = bundled(NENE)[1]
        res = load_list(data, NENE.name)
        active = {"id": "nene", "label": "NHS Nene CCG (04G), 2014/15", "frame": res.practices,
                  "report": res.report, "ccg": None,
                  "source": Source.from_bytes(data, NENE.name, res.practices, loaded=_loaded_at("nene"))}
    elif source == "england":
        key, data = bundled(ENGLAND)
        options = ccg_choices(key, data)
        labels = dict(options)
        init("in:ccg", DEFAULT_CCG if DEFAULT_CCG in labels else options[0][0])
        code = ss["in:ccg"]
        if draw:
            code = st.selectbox("CCG (code · practices · patients)", list(labels), format_func=labels.get,
                                key="in:ccg", help="Every CCG in NHS Payments to General Practice 2014/15.")
        res = ccg_list(key, code, data)
        active = {"id": f"england:{code}", "label": f"CCG {code}, 2014/15 (all-England list)",
                  "frame": res.practices, "report": res.report, "ccg": code,
                  "source": Source.from_bytes(data, ENGLAND.name, res.practices, selection=f"CCG {code}",
                                              loaded=_loaded_at(f"england:{code}"))}
    elif draw:
        active = _upload(active)
    ss.active = active
    if set(les_columns(active["frame"])) != set(ss.get("les_cols", [])):
        ss.les_cols = les_columns(active["frame"])
        for col in ss.les_cols:
            ss.panel.setdefault(f"les.schemes.{col}", scenario_edits.scheme_value("keep"))
    return active


def _upload(active: dict | None) -> dict:
    f = st.file_uploader(
        "Practice list: CSV or Excel, one row per practice", type=["csv", "xlsx"], key="practice_upload",
        help=(f"One row per practice with its code, registered patients and patients aged 75+ (required); its name, "
              f"CCG, locality, weighted list, whether it takes part and its income from each LES scheme "
              f"(optional). The NHS publications' headers are understood, and so are this app's own (as in "
              f"data/nene_2014_15.csv). At most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."))
    if f is not None:
        data = f.getvalue()
        res = load_upload(bytes_key(data), f.name, data)  # in a separate process, with time and memory limits
        if res.ok:
            list_id = f"upload:{bytes_key(data)}"
            ss.uploaded = {"id": list_id, "label": f"Uploaded: {f.name}",
                           "frame": res.practices, "report": res.report, "ccg": None,
                           "source": Source.from_bytes(data, f.name, res.practices, loaded=_loaded_at(list_id))}
            ss.upload_failed = None
        else:
            ss.upload_failed = res.report
    else:
        ss.upload_failed = None
    active = ss.get("uploaded") or active
    if ss.get("upload_failed") is not None:
        report = ss.upload_failed
        n = len(report.errors)
        st.error(f"This file cannot be used: {n} problem{'s' if n != 1 else ''}. The figures still use "
                 f"**{md_escape(active['label'])}**.")
        for p in report.errors[:6]:
            st.markdown(f"- ✖ {md_escape(_said(str(p), active))}")
        if len(report.errors) > 6:
            st.caption(f"… and {len(report.errors) - 6} more: see the Practice list tab.")
    elif ss.get("uploaded") is None:
        st.info(f"Choose a file. Until then the figures use {md_escape(active['label'])}.")
    return active


def _loaded_at(list_id: str) -> str:
    """When this session first loaded the list (kept, so papers made later say the same time)."""
    times = ss.setdefault("loaded_at", {})
    if list_id not in times:
        times[list_id] = stamp(now())
    return times[list_id]


def paper_source(active: dict, frame, edits: dict, meeting: bool) -> Source | None:
    """What the downloads say was used: the list's file, with the edits made here; in meeting mode the
    practices as letters (the Input practices sheet and the edits then name no practice)."""
    source = active.get("source")
    if source is None:
        return None
    if meeting:
        seed = ss.get("meeting_seed")
        aliases = aliases_for(active["frame"], seed)
        return source.anonymised(anonymise_list(frame, seed), describe_edits(active["frame"], edits, aliases))
    if edits:
        return source.with_edits(frame, describe_edits(active["frame"], edits))
    return source


def show(active: dict, meeting: bool) -> dict:
    """The validation checklist and the editor; returns the edits of this list (row -> {col: value})."""
    report = active["report"]
    failed = ss.get("upload_failed") if ss.get("in:data_source") == "upload" else None
    if failed is not None:
        st.error("The last file you chose cannot be used, so the figures use the list below. Its problems:")
        for kind, text in checklist(failed):
            _check_line(kind, _said(text, active))
    st.markdown(f"**Checks on {md_escape(active['label'])}**")
    lines = checklist(report)
    if report.ok and not report.warnings:
        st.success("All checks passed.", icon=":material/check_circle:")
    elif report.ok:
        st.warning(f"Usable, with {len(report.warnings)} warning(s) to look at.")
    for kind, text in lines:
        _check_line(kind, _said(text, active))

    frame = active["frame"]
    store = ss.edits.setdefault(active["id"], {})
    if meeting:  # letters in the meeting's order, list sizes and LES in bands; edits wait for the meeting's end
        st.markdown("**The practice list** (meeting mode: editing is off, list sizes and LES are in bands)")
        shown = anonymise_list(apply_edits(frame, store), ss.get("meeting_seed"), band=True)
        cols = [c for c in ["practice_code", "locality"] + editable_columns(frame) if c in shown.columns]
        st.dataframe(shown[cols].rename(columns=column_words), hide_index=True, width="stretch", height=420,
                     key="list_meeting")
        csv_button("This list: CSV (anonymised, in bands)",
                   lambda: shown[cols].rename(columns=column_words), "practice_list_anonymised.csv", "dl_list")
        return store
    st.markdown("**Edit participation, list sizes and LES values** (edits are kept while you work; the "
                "file is not changed)")
    gen = ss.get("editor_gen", 0)
    shown = apply_edits(frame, store)
    cols = ["practice_code", "practice_name", "locality"] + editable_columns(frame)
    cols = [c for c in cols if c in shown.columns]
    cc = st.column_config
    config = {
        **{c: cc.TextColumn(heading(c), disabled=True) for c in ("practice_code", "practice_name", "locality")},
        "participating": cc.CheckboxColumn(heading("participating")),
        "list_size": cc.NumberColumn(heading("list_size"), min_value=0, step=1, format="%,d"),
        "over75": cc.NumberColumn(heading("over75"), min_value=0, step=1, format="%,d"),
        "weighted_list": cc.NumberColumn(heading("weighted_list"), min_value=0, format="%,.0f"),
        **{c: cc.NumberColumn(column_words(c), min_value=0, format="£%,.2f") for c in les_columns(frame)},
    }
    key = f"editor:{active['id']}:{gen}"
    st.data_editor(shown[cols], key=key, num_rows="fixed", hide_index=True, column_config=config,
                   width="stretch", height=420)
    state = ss.get(key) or {}
    store = merge_edits(store, state.get("edited_rows"))
    ss.edits[active["id"]] = store
    if store:
        with st.expander(f"{sum(len(v) for v in store.values())} cell(s) edited", expanded=False):
            for line in describe_edits(frame, store):
                st.markdown(f"- {md_escape(line)}")
        st.button("Undo all edits", on_click=_undo_edits, args=(active["id"],))
    csv_button("This list (with edits): CSV, in the app's own columns, ready to upload again",
               lambda: apply_edits(frame, store), "practice_list.csv", "dl_list")
    return store


def _said(text: str, active: dict) -> str:
    """A check's sentence as the screen shows it: columns in words, and in meeting mode no practice named."""
    text = columns_in_words(text)
    if ss.get("meeting"):
        text = anonymise_text(text, aliases_for(active["frame"], ss.get("meeting_seed")))
    return text


def _undo_edits(list_id: str) -> None:
    ss.edits[list_id] = {}
    ss.editor_gen = ss.get("editor_gen", 0) + 1


def _check_line(kind: str, text: str) -> None:
    icon = {"ok": "✔", "error": "✖", "warning": "⚠", "info": ""}[kind]
    text = md_escape(text)
    if kind == "error":
        st.markdown(f":red[{icon} {text}]")
    elif kind == "warning":
        st.markdown(f":orange[{icon} {text}]")
    elif kind == "ok":
        st.markdown(f":green[{icon}] {text}")
    else:
        st.caption(text)
