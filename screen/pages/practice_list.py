"""The practice list: choosing it (sidebar) and the "Practice list" tab (its checks and the editor).

State kept in ``st.session_state``: ``active``, the list in use (id, label, frame, report, ccg);
``uploaded``, the last good upload; ``upload_failed``, the report of a file refused; ``edits``, the
cells edited in the editor by list id, so they survive reruns and tab switches.
"""

from __future__ import annotations

import streamlit as st

from model import scenario_edits
from model.columns import heading
from model.practices import MAX_UPLOAD_BYTES, les_columns
from screen.markdown import md_escape
from screen.pages.cache import DEFAULT_CCG, ENGLAND, NENE, bundled, ccg_choices, ccg_list, load_list
from screen.pages.widgets import csv_button, init
from screen.practice_list import (
    aliases_for,
    anonymise_list,
    apply_edits,
    bytes_key,
    checklist,
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


def choose() -> dict:
    """The sidebar's practice-list picker: Nene, one CCG of all England, or an uploaded file."""
    st.markdown("**Practice list**")
    init("in:data_source", "nene")
    source = st.radio("Practice list", list(SOURCES), format_func=SOURCES.get, key="in:data_source",
                      label_visibility="collapsed")
    active = ss.get("active")
    if source == "nene":
        res = load_list(bundled(NENE)[1], NENE.name)
        active = {"id": "nene", "label": "NHS Nene CCG (04G), 2014/15", "frame": res.practices,
                  "report": res.report, "ccg": None}
    elif source == "england":
        key, data = bundled(ENGLAND)
        options = ccg_choices(key, data)
        labels = dict(options)
        init("in:ccg", DEFAULT_CCG if DEFAULT_CCG in labels else options[0][0])
        code = st.selectbox("CCG (code · practices · patients)", list(labels), format_func=labels.get,
                            key="in:ccg", help="Every CCG in NHS Payments to General Practice 2014/15.")
        res = ccg_list(key, code, data)
        active = {"id": f"england:{code}", "label": f"CCG {code}, 2014/15 (all-England list)",
                  "frame": res.practices, "report": res.report, "ccg": code}
    else:
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
        help=(f"Columns: practice_code, list_size, over75 (required); practice_name, commissioner, locality, "
              f"weighted_list, participating, les_<scheme> (optional). NHS publication headers are "
              f"understood. At most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."))
    if f is not None:
        data = f.getvalue()
        res = load_list(data, f.name)
        if res.ok:
            ss.uploaded = {"id": f"upload:{bytes_key(data)}", "label": f"Uploaded: {f.name}",
                           "frame": res.practices, "report": res.report, "ccg": None}
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
            st.markdown(f"- ✖ {md_escape(str(p))}")
        if len(report.errors) > 6:
            st.caption(f"… and {len(report.errors) - 6} more: see the Practice list tab.")
    elif ss.get("uploaded") is None:
        st.info(f"Choose a file. Until then the figures use {md_escape(active['label'])}.")
    return active


def show(active: dict, meeting: bool) -> dict:
    """The validation checklist and the editor; returns the edits of this list (row -> {col: value})."""
    report = active["report"]
    failed = ss.get("upload_failed") if ss.get("in:data_source") == "upload" else None
    if failed is not None:
        st.error("The last file you chose cannot be used, so the figures use the list below. Its problems:")
        for kind, text in checklist(failed):
            _check_line(kind, text)
    st.markdown(f"**Checks on {md_escape(active['label'])}**")
    lines = checklist(report)
    if report.ok and not report.warnings:
        st.success("All checks passed.", icon=":material/check_circle:")
    elif report.ok:
        st.warning(f"Usable, with {len(report.warnings)} warning(s) to look at.")
    for kind, text in lines:
        _check_line(kind, text)

    st.markdown("**Edit participation, list sizes and LES values** (edits are kept while you work; the "
                "file is not changed)")
    frame = active["frame"]
    store = ss.edits.setdefault(active["id"], {})
    gen = ss.get("editor_gen", 0)
    shown = apply_edits(frame, store)
    if meeting:
        shown = anonymise_list(shown)
    cols = ["practice_code", "practice_name", "locality"] + editable_columns(frame)
    cols = [c for c in cols if c in shown.columns]
    cc = st.column_config
    config = {
        **{c: cc.TextColumn(heading(c), disabled=True) for c in ("practice_code", "practice_name", "locality")},
        "participating": cc.CheckboxColumn(heading("participating")),
        "list_size": cc.NumberColumn(heading("list_size"), min_value=0, step=1, format="%,d"),
        "over75": cc.NumberColumn(heading("over75"), min_value=0, step=1, format="%,d"),
        "weighted_list": cc.NumberColumn(heading("weighted_list"), min_value=0, format="%,.0f"),
        **{c: cc.NumberColumn(f"{c} (£)", min_value=0, format="£%,.2f") for c in les_columns(frame)},
    }
    key = f"editor:{active['id']}:{gen}"
    st.data_editor(shown[cols], key=key, num_rows="fixed", hide_index=True, column_config=config,
                   width="stretch", height=420)
    state = ss.get(key) or {}
    store = merge_edits(store, state.get("edited_rows"))
    ss.edits[active["id"]] = store
    if store:
        aliases = aliases_for(frame) if meeting else None
        with st.expander(f"{sum(len(v) for v in store.values())} cell(s) edited", expanded=False):
            for line in describe_edits(frame, store, aliases):
                st.markdown(f"- {md_escape(line)}")
        st.button("Undo all edits", on_click=_undo_edits, args=(active["id"],))
    csv_button("This list (with edits): CSV", lambda: anonymise_list(apply_edits(frame, store))
               if meeting else apply_edits(frame, store), "practice_list.csv", "dl_list")
    return store


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
