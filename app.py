"""Streamlit front end: widgets -> Scenario -> model -> tables, charts and downloads.

Run with ``streamlit run app.py``. The page opens on NHS Nene CCG 2014/15 and the guidance scenario.
It stays thin: every figure is computed by ``model/`` (the engine), shaped for display by
``model/views.py`` and drawn by ``model/charts.py``; this file only wires widgets to them and caches.

State kept in ``st.session_state``:
- ``panel``: the assumptions panel as {dotted scenario key: value}; ``base``: the scenario file (or
  uploaded scenario) the panel started from; widget keys ``in:<key>`` are initialised from ``panel``.
- ``active``: the practice list in use (id, label, frame, report); ``uploaded``: the last good upload.
- ``edits``: cell edits made in the practice-list editor, by list id, so they survive reruns and
  tab switches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from cli.memory import keep_freed_memory
from model import fields, scenario_edits
from model.analysis import montecarlo, sensitivity
from model.analysis.compare import compare_practices, compare_summary, differing_assumptions
from model.analysis.national import OUTCOMES, ccg_outcomes, distribution
from model.anonymise import anonymise
from model.engine import EngineInputError, prepare, run
from model.practices import MAX_UPLOAD_BYTES, load_practices, validate_frame
from model.results import Results
from model.scenario import Scenario, ScenarioError, dump_scenario, load_scenario
from papers.export import csv_bytes, csv_zip_bytes, workbook_bytes
from papers.onepager import render_html, story
from screen import charts, charts_analysis, national_views, views

keep_freed_memory()  # reuse freed memory between reruns instead of faulting it in again (model/memory.py)
ROOT = Path(__file__).resolve().parent
SCENARIO_DIR = ROOT / "scenarios"
NENE = ROOT / "data" / "nene_2014_15.csv"
ENGLAND = ROOT / "data" / "england_2014_15.csv"
DEFAULT_SCENARIO = "guidance_default"
DEFAULT_CCG = "04G"

SOURCES = {
    "nene": "NHS Nene CCG 2014/15 (default)",
    "england": "One CCG from all England 2014/15",
    "upload": "Your own file (CSV or Excel)",
}
TABS = ["Overview", "Practices", "Localities", "Years", "Compare", "My practice", "Uncertainty", "All England",
        "Practice list"]
MC_DRAWS = 1000
MC_SEED = 2014
# Growth draws rounded to 0.1 percentage point when the engine must run per draw (protection that can
# bind): ~10 engine runs instead of 1,000, percentiles within 0.1 % (the page lists this note).
MC_GROWTH_STEP = 0.1
PLOTLY_CONFIG = {"displayModeBar": False}

# Static CSS written here (never user text): the sidebar is tinted like the input cells of a CCG
# workbook; meeting mode enlarges text for a projector.
BASE_CSS = """<style>
section[data-testid="stSidebar"] { background-color: #FFF8DC; }
.inputs-banner { background: #FFE98F; border-left: 8px solid #FFB81C; color: #212B32;
  padding: 0.45rem 0.8rem; margin: 0 0 0.6rem 0; font-weight: 700; font-size: 1.15rem; }
.inputs-banner span { display: block; font-weight: 400; font-size: 0.85rem; }
[data-testid="stMainBlockContainer"] { padding: 1.5rem 2rem 3rem 2rem; max-width: none; }
h1 { color: #005EB8; font-size: 2rem !important; padding: 0 0 0.25rem 0 !important; }
div[data-testid="stMetric"] { background: #FFFFFF; padding: 0.6rem 0.8rem; }
[data-testid="stMetricValue"] { color: #003087; }
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p { font-size: 1.9rem; }
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"] p { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; line-height: 1.25; }
</style>"""
MEETING_CSS = """<style>
html { font-size: 19px; }
section[data-testid="stSidebar"] { zoom: 0.84; }
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p { font-size: 1.7rem; }
</style>"""

st.set_page_config(page_title="£5 per head: practice funding scenarios", page_icon=":material/currency_pound:",
                   layout="wide", initial_sidebar_state="expanded")
ss = st.session_state


# =============================================================================================
# Caching: data keyed on file bytes, the model keyed on the practice list id + scenario JSON
# =============================================================================================


@st.cache_resource(show_spinner=False, max_entries=4)
def _bundled(path: str, mtime: float) -> tuple[str, bytes]:
    data = Path(path).read_bytes()
    return views.bytes_key(data), data


def bundled(path: Path) -> tuple[str, bytes]:
    """A data file shipped with the app: (content key, bytes), read and hashed once per file version
    rather than on every rerun."""
    return _bundled(str(path), path.stat().st_mtime)


@st.cache_data(show_spinner=False, max_entries=32)
def load_list(data: bytes, filename: str):
    """A practice list read and checked by model.practices (cached on the file's bytes)."""
    return load_practices(data, filename)


@st.cache_data(show_spinner=False, max_entries=4)
def ccg_choices(file_key: str, _data: bytes) -> list[tuple[str, str]]:
    return views.ccg_options(load_list(_data, ENGLAND.name).practices)


@st.cache_data(show_spinner=False, max_entries=256)
def ccg_list(file_key: str, code: str, _data: bytes):
    full = load_list(_data, ENGLAND.name).practices
    return validate_frame(views.one_ccg(full, code), f"{ENGLAND.name} (CCG {code})")


@st.cache_data(show_spinner=False, max_entries=64)
def validated(list_id: str, _frame: pd.DataFrame):
    """An edited practice list checked again (keyed on the list id + its edits)."""
    return validate_frame(_frame, "the edited practice list")


@st.cache_resource(show_spinner=False, max_entries=16)
def prepared(list_id: str, _frame: pd.DataFrame):
    return prepare(_frame)


@st.cache_data(show_spinner=False, max_entries=256)
def run_model(list_id: str, scenario_json: str, _frame: pd.DataFrame) -> Results:
    """model.engine.run, cached on (practice list id, scenario as JSON)."""
    return run(prepared(list_id, _frame), Scenario.model_validate_json(scenario_json))


@st.cache_resource(show_spinner=False, max_entries=1)
def england_prepared(file_key: str, _data: bytes):
    """All England, prepared once for national runs (the same file the CCG picker reads)."""
    return prepare(load_list(_data, ENGLAND.name).practices)


@st.cache_data(show_spinner="Running every CCG…", max_entries=64)
def national_run(file_key: str, scenario_json: str, _data: bytes) -> pd.DataFrame:
    """The scenario on every CCG in England: model.analysis.national.ccg_outcomes for every year, stacked."""
    res = run(england_prepared(file_key, _data), Scenario.model_validate_json(scenario_json))
    return pd.concat([ccg_outcomes(res, t).assign(year_index=t) for t in range(res.scenario.horizon_years)],
                     ignore_index=True)


@st.cache_data(show_spinner="Running the draws…", max_entries=32)
def monte_carlo_run(list_id: str, scenario_json: str, draws: int, _frame: pd.DataFrame):
    """model.analysis.montecarlo.monte_carlo with its default (illustrative) ranges, seeded: same inputs, same draws."""
    return montecarlo.monte_carlo(prepared(list_id, _frame), Scenario.model_validate_json(scenario_json),
                                  draws=draws, seed=MC_SEED, growth_step=MC_GROWTH_STEP)


@st.cache_data(show_spinner="Moving each assumption in turn…", max_entries=32)
def tornado_run(list_id: str, scenario_json: str, headline: str, _frame: pd.DataFrame) -> pd.DataFrame:
    return sensitivity.tornado(_frame, Scenario.model_validate_json(scenario_json), headline)


@st.cache_data(show_spinner=False, max_entries=64)
def scenario_from_file(stem: str, mtime: float) -> Scenario:
    path = scenario_edits.scenario_files(SCENARIO_DIR)[stem]
    return load_scenario(path.read_bytes(), path.name)


def file_scenario(stem: str) -> Scenario:
    path = scenario_edits.scenario_files(SCENARIO_DIR)[stem]
    return scenario_from_file(stem, path.stat().st_mtime)


def scenario_label(stem: str) -> str:
    try:
        return f"{file_scenario(stem).name}  ({stem}.yaml)"
    except ScenarioError:
        return f"{stem}.yaml (cannot be read)"


# =============================================================================================
# State
# =============================================================================================


def les_cols(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if isinstance(c, str) and c.startswith("les_")]


def clear_inputs() -> None:
    """Forget the panel's widget values so every widget starts again from ss.panel."""
    for k in [k for k in ss.keys() if isinstance(k, str) and k.startswith("in:") and k not in
              ("in:data_source", "in:ccg")]:
        del ss[k]


def use_scenario(base: Scenario, origin: str, stem: str | None, overrides: dict | None = None) -> None:
    cols = ss.get("les_cols", [])
    values = scenario_edits.flatten(base, cols)
    if overrides:
        values = scenario_edits.flatten(scenario_edits.build_scenario(base, {**values, **overrides}), cols)
    ss.base, ss.origin, ss.scenario_file = base, origin, stem
    ss.panel = values
    clear_inputs()


def init_state() -> None:
    if "panel" in ss:
        return
    ss.edits = {}
    ss.les_cols = les_cols(load_list(bundled(NENE)[1], NENE.name).practices)
    reading = scenario_edits.read_link(st.query_params.to_dict(), SCENARIO_DIR, DEFAULT_SCENARIO)
    ss.link_warnings = list(reading.warnings)
    use_scenario(reading.base, f"{reading.scenario_file}.yaml", reading.scenario_file, reading.overrides)
    ss.scenario_pick = reading.scenario_file
    ccg = reading.extra.get("ccg")
    if ccg:
        codes = [c for c, _ in ccg_choices(*bundled(ENGLAND))]
        if ccg in codes:
            ss["in:data_source"], ss["in:ccg"] = "england", ccg
        else:
            ss.link_warnings.append(f"The link names a CCG '{ccg}' that is not in the all-England list; "
                                    f"showing NHS Nene CCG instead.")


def on_pick_scenario() -> None:
    stem = ss.scenario_pick
    try:
        use_scenario(file_scenario(stem), f"{stem}.yaml", stem)
        ss.scenario_error = None
    except ScenarioError as err:
        ss.scenario_error = str(err)


def on_reset() -> None:
    use_scenario(ss.base, ss.origin, ss.scenario_file)
    ss.scenario_error = None


def on_upload_scenario() -> None:
    f = ss.get("scenario_upload")
    if f is None:
        return
    try:
        base = load_scenario(f.getvalue(), f.name)
    except ScenarioError as err:
        ss.scenario_error = str(err)
        return
    use_scenario(base, f"uploaded {f.name}", None)
    ss.scenario_error = None


def init(wkey: str, value: Any) -> None:
    if wkey not in ss:
        ss[wkey] = value


# =============================================================================================
# Sidebar: practice list
# =============================================================================================


def practice_list_panel() -> dict:
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
        f = st.file_uploader(
            "Practice list: CSV or Excel, one row per practice", type=["csv", "xlsx"], key="practice_upload",
            help=(f"Columns: practice_code, list_size, over75 (required); practice_name, commissioner, locality, "
                  f"weighted_list, participating, les_<scheme> (optional). NHS publication headers are "
                  f"understood. At most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."))
        if f is not None:
            data = f.getvalue()
            res = load_list(data, f.name)
            if res.ok:
                ss.uploaded = {"id": f"upload:{views.bytes_key(data)}", "label": f"Uploaded: {f.name}",
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
                     f"**{views.md_escape(active['label'])}**.")
            for p in report.errors[:6]:
                st.markdown(f"- ✖ {views.md_escape(str(p))}")
            if len(report.errors) > 6:
                st.caption(f"… and {len(report.errors) - 6} more: see the Practice list tab.")
        elif ss.get("uploaded") is None:
            st.info(f"Choose a file. Until then the figures use {views.md_escape(active['label'])}.")
    ss.active = active
    if set(les_cols(active["frame"])) != set(ss.get("les_cols", [])):
        ss.les_cols = les_cols(active["frame"])
        for col in ss.les_cols:
            ss.panel.setdefault(f"les.schemes.{col}", scenario_edits.scheme_value("keep"))
    return active


# =============================================================================================
# Sidebar: assumptions
# =============================================================================================


def number(key: str, *, step: float, fmt: str, integer: bool = False, label: str | None = None,
           wkey: str | None = None, default: Any = None) -> float | int:
    """A number input for one scenario field: unit in the label, description + source as help."""
    wkey = wkey or f"in:{key}"
    lo, hi = fields.bounds(key)
    cast = int if integer else float
    value = ss.panel.get(key)
    init(wkey, cast(value if value is not None else default))
    out = st.number_input(label or fields.label(key), min_value=None if lo is None else cast(lo),
                          max_value=None if hi is None else cast(hi), step=cast(step), format=fmt, key=wkey,
                          help=views.help_for(key))
    return out


def choice(key: str, options: list, *, labels: dict | None = None, label: str | None = None,
           wkey: str | None = None, value: Any = None, help_key: str | None = None) -> Any:
    wkey = wkey or f"in:{key}"
    labels = labels or views.CHOICE_LABELS.get(key) or fields.field(key).choice_labels
    current = ss.panel.get(key) if value is None else value
    init(wkey, current if current in options else options[0])
    if ss[wkey] not in options:
        ss[wkey] = options[0]
    return st.selectbox(label or fields.label(key), options, format_func=lambda o: labels.get(o, str(o)),
                        key=wkey, help=views.help_for(help_key or key))


def year_choice(key: str, *, value: int | None = None, wkey: str | None = None, label: str | None = None,
                help_key: str | None = None) -> int:
    """A year-index field as a choice of financial years (0 = the first year modelled)."""
    start, horizon = int(ss.panel["start_year"]), int(ss.panel["horizon_years"])
    current = int(ss.panel.get(key, 0) if value is None else value)
    options = list(range(max(horizon, current + 1)))
    labels = {i: f"{start + i}/{(start + i + 1) % 100:02d}" + ("" if i < horizon else " (after the horizon)")
              for i in options}
    return choice(key, options, labels=labels, label=label, wkey=wkey, value=current, help_key=help_key)


def scenario_panel(frame: pd.DataFrame) -> Scenario | None:
    vals = ss.panel
    files = scenario_edits.scenario_files(SCENARIO_DIR)
    stems = list(files)
    if ss.get("scenario_pick") not in stems:
        ss.scenario_pick = DEFAULT_SCENARIO
    st.markdown("**Scenario**")
    st.selectbox("Scenario file", stems, format_func=scenario_label, key="scenario_pick",
                 on_change=on_pick_scenario, help="The named scenario files in scenarios/. Picking one "
                 "replaces every assumption below with the file's values.")
    c1, c2 = st.columns(2)
    c1.button("Reset to file", on_click=on_reset, width="stretch",
              help="Put every assumption back to the values of the scenario file (or uploaded scenario).")
    with c2.popover("Load YAML", width="stretch"):
        st.file_uploader("Scenario file (YAML)", type=["yaml", "yml"], key="scenario_upload",
                         on_change=on_upload_scenario,
                         help="A scenario saved from this app or written by hand (scenarios/*.yaml).")
    st.caption(f"Started from: {views.md_escape(ss.origin)}")
    if ss.get("scenario_error"):
        st.error("That scenario file cannot be used; the current assumptions are kept.\n\n"
                 + views.md_escape(ss.scenario_error))

    with st.expander("Pot: how much and on what basis", expanded=True):
        basis = "over75" if vals.get("pot.rate_per_over75") is not None else "list_size"
        b = choice("pot.basis", ["list_size", "over75"], label="Pot set per", value=basis,
                   help_key="pot.rate_per_head")
        rate_key, other = (("pot.rate_per_over75", "pot.rate_per_head") if b == "over75"
                           else ("pot.rate_per_head", "pot.rate_per_over75"))
        vals[rate_key] = number(rate_key, step=0.25, fmt="%.2f",
                                default=views.GUIDANCE_RATE_PER_OVER75 if b == "over75"
                                else views.GUIDANCE_RATE_PER_HEAD)
        vals[other] = None
        vals["pot.uplift_pct"] = number("pot.uplift_pct", step=0.5, fmt="%.1f")

        bases = ["list_size", "over75"] + (["weighted_list"] if "weighted_list" in frame.columns else []) + ["blend"]
        w = {k: float(vals[f"distribution.weights.{k}"]) for k in ("list_size", "over75", "weighted_list")}
        preset = next((k for k, v in w.items() if v == 1.0), "blend")
        shared = choice("distribution.basis", bases, label="Share the pot by",
                        value=preset if preset in bases else "blend", help_key="distribution.weights.list_size")
        if shared == "blend":
            for k in ("list_size", "over75", "weighted_list"):
                if k == "weighted_list" and "weighted_list" not in frame.columns and w[k] == 0:
                    continue
                vals[f"distribution.weights.{k}"] = number(f"distribution.weights.{k}", step=0.05, fmt="%.2f")
            st.caption(f"The shares must add up to 1 (now {scenario_edits.weights_total(vals):.2f}).")
        else:
            for k in ("list_size", "over75", "weighted_list"):
                vals[f"distribution.weights.{k}"] = 1.0 if k == shared else 0.0
        vals["distribution.floor"] = number("distribution.floor", step=500.0, fmt="%.0f")
        init("in:distribution.cap_on", vals["distribution.cap"] is not None)
        if st.toggle("Cap each practice's allocation", key="in:distribution.cap_on",
                     help=views.help_for("distribution.cap")):
            vals["distribution.cap"] = number("distribution.cap", step=1000.0, fmt="%.0f", default=50_000.0)
        else:
            vals["distribution.cap"] = None
        vals["distribution.non_participants"] = choice("distribution.non_participants",
                                                       list(fields.field("distribution.non_participants").choices))
        vals["distribution.level"] = choice("distribution.level", list(fields.field("distribution.level").choices))

    with st.expander("Recurrent or not", expanded=True):
        kind = vals["funding.type"] = choice("funding.type", list(fields.field("funding.type").choices))
        if kind == "non_recurrent":
            vals["funding.years"] = number("funding.years", step=1, fmt="%d", integer=True)
        if kind == "conditional":
            vals["funding.review_year"] = year_choice("funding.review_year")
            vals["funding.required_reduction_pct"] = number("funding.required_reduction_pct", step=0.5, fmt="%.1f")
            vals["admissions.expected_reduction_pct"] = number("admissions.expected_reduction_pct", step=0.5,
                                                               fmt="%.1f")
        vals["staffing.committed_pct"] = number("staffing.committed_pct", step=5.0, fmt="%.0f")

    with st.expander("LES schemes and protection", expanded=True):
        cols = les_cols(frame)
        if not cols:
            st.caption("This practice list has no les_ columns.")
        report = ss.active["report"]
        for col in cols:
            key = f"les.schemes.{col}"
            scheme = vals.get(key) or scenario_edits.scheme_value("keep")
            total = getattr(report, "les_totals", {}).get(col)
            label = f"{col}: action" + (f" (now {views.money(total)} a year)" if total is not None else "")
            action = choice(key, scenario_edits.SCHEME_ACTIONS, labels=fields.action_labels(), label=label,
                            wkey=f"in:{key}.action", value=scheme["action"], help_key="les.schemes")
            scheme_fields: dict[str, Any] = {}
            if action == "decommission":
                scheme_fields["fraction"] = _fraction(key, col, scheme)
            if action == "harmonise":
                init(f"in:{key}.average", scheme.get("rate_per_head") is None)
                if st.toggle(f"{col}: at the holders' average £ per head", key=f"in:{key}.average"):
                    scheme_fields["rate_per_head"] = None
                else:
                    scheme_fields["rate_per_head"] = _scheme_rate(key, col, scheme)
            if action != "keep":
                scheme_fields["from_year"] = year_choice(key, value=int(scheme.get("from_year", 0)),
                                                  wkey=f"in:{key}.from_year", label=f"{col}: from",
                                                  help_key="les.schemes")
            vals[key] = scenario_edits.scheme_value(action, scheme_fields)
        vals["les.reinvest_pct"] = number("les.reinvest_pct", step=10.0, fmt="%.0f")
        init("in:les.counts_toward_pot", bool(vals["les.counts_toward_pot"]))
        vals["les.counts_toward_pot"] = st.checkbox(fields.label("les.counts_toward_pot"),
                                                    key="in:les.counts_toward_pot",
                                                    help=views.help_for("les.counts_toward_pot"))
        st.markdown("**Transitional protection**")
        st.caption("The largest share of its LES loss (net of its new allocation) a practice bears each year: "
                   "0 % = no loss allowed, 100 % = no protection; the last year repeats. Illustrative.")
        horizon = int(vals["horizon_years"])
        by_year = scenario_edits.expand_by_year(list(vals["les.protection.max_loss_pct"]), horizon)
        start = int(vals["start_year"])
        cols_ui = st.columns(min(horizon, 2))
        new = []
        for t in range(horizon):
            with cols_ui[t % len(cols_ui)]:
                new.append(_loss_input(t, start, by_year[t]))
        vals["les.protection.max_loss_pct"] = scenario_edits.compact_by_year(new)
        vals["les.protection.funded_from"] = choice("les.protection.funded_from",
                                                    list(fields.field("les.protection.funded_from").choices))

    with st.expander("Emergency admissions", expanded=False):
        vals["admissions.baseline_per_1000_over75"] = number("admissions.baseline_per_1000_over75", step=10.0,
                                                             fmt="%.0f")
        vals["admissions.cost_per_admission"] = number("admissions.cost_per_admission", step=100.0, fmt="%.0f")
        if vals["funding.type"] != "conditional":
            vals["admissions.expected_reduction_pct"] = number("admissions.expected_reduction_pct", step=0.5,
                                                               fmt="%.1f")
        vals["admissions.effect_from_year"] = year_choice("admissions.effect_from_year")

    with st.expander("Growth, years and name", expanded=False):
        vals["growth.list_size_pct"] = number("growth.list_size_pct", step=0.5, fmt="%.1f")
        vals["growth.over75_pct"] = number("growth.over75_pct", step=0.5, fmt="%.1f")
        vals["start_year"] = number("start_year", step=1, fmt="%d", integer=True)
        vals["horizon_years"] = number("horizon_years", step=1, fmt="%d", integer=True)
        init("in:name", vals["name"])
        vals["name"] = st.text_input(fields.label("name"), key="in:name", max_chars=120,
                                     help=views.help_for("name"))
        init("in:description", vals["description"])
        vals["description"] = st.text_area(fields.label("description"), key="in:description",
                                           max_chars=4000, help=views.help_for("description"))

    try:
        return scenario_edits.build_scenario(ss.base, vals)
    except ScenarioError as err:
        st.error("These assumptions cannot be used together; fix them to see figures.\n\n"
                 + views.md_escape(str(err)))
        ss.input_error = str(err)
        return None


def _fraction(key: str, col: str, scheme: dict) -> float:
    wkey = f"in:{key}.fraction"
    init(wkey, float(scheme.get("fraction", 1.0)))
    return st.number_input(f"{col}: share of income removed (0–1)", min_value=0.0, max_value=1.0, step=0.1,
                           format="%.2f", key=wkey, help="1 = the whole scheme is decommissioned.")


def _scheme_rate(key: str, col: str, scheme: dict) -> float:
    wkey = f"in:{key}.rate"
    init(wkey, float(scheme.get("rate_per_head") or 2.50))
    return st.number_input(f"{col}: harmonised £ per registered patient a year", min_value=0.0, max_value=1000.0,
                           step=0.25, format="%.2f", key=wkey)


def _loss_input(t: int, start: int, value: float) -> float:
    wkey = f"in:les.protection.max_loss_pct.{t}"
    init(wkey, float(value))
    return st.number_input(f"{start + t}/{(start + t + 1) % 100:02d}, %", min_value=0.0, max_value=100.0,
                           step=10.0, format="%.0f", key=wkey)


def share_panel(scenario: Scenario, active: dict) -> None:
    """Save the scenario, and the link that reopens it (kept in the address bar)."""
    st.markdown("**Save or share**")
    st.download_button("Save scenario (YAML)", data=dump_scenario(scenario).encode("utf-8"),
                       file_name=f"{_slug(scenario.name)}.yaml", mime="application/x-yaml", on_click="ignore",
                       width="stretch", icon=":material/download:")
    params = link_params(scenario, active)
    st.caption("Link that reopens this scenario (also in the address bar):")
    st.code("?" + urlencode(params), language=None, wrap_lines=True)


def link_params(scenario: Scenario, active: dict) -> dict[str, str]:
    stem = ss.scenario_file or DEFAULT_SCENARIO
    base_values = scenario_edits.flatten(file_scenario(stem) if ss.scenario_file else file_scenario(DEFAULT_SCENARIO),
                                ss.les_cols)
    extra = {"ccg": active["ccg"]} if active.get("ccg") else {}
    return scenario_edits.link_params(stem, scenario_edits.changes(base_values, ss.panel), extra)


def _slug(text: str) -> str:
    keep = "".join(ch.lower() if ch.isalnum() else "_" for ch in text)
    return "_".join(filter(None, keep.split("_")))[:60] or "scenario"


# =============================================================================================
# Main area helpers
# =============================================================================================


NUMBER_FORMATS = {"money": "£%,.0f", "money000": "%,.1f", "rate": "£%,.2f", "count": "%,.0f",
                  "pct": "%.1f %%", "decimal": "%.1f"}
TEXT_WIDTHS = {"Practice": 230, "Locality": 115}


def column_config(kinds: dict[str, str]) -> dict:
    """Streamlit column settings from each heading's kind: numbers stay numbers, shown as £12,345."""
    cc = st.column_config
    out = {}
    for col, kind in kinds.items():
        if kind in NUMBER_FORMATS:
            out[col] = cc.NumberColumn(col, format=NUMBER_FORMATS[kind])
        elif kind == "bool":
            out[col] = cc.CheckboxColumn(col)
        else:
            out[col] = cc.TextColumn(col, width=TEXT_WIDTHS.get(col))
    return out


def table(df: pd.DataFrame, kinds: dict[str, str], *, key: str, height: int | str = "auto",
          column_order: list[str] | None = None) -> None:
    """A results table: numbers stay numbers (sortable), shown as £12,345. Money columns holding negative
    figures are formatted by screen.views.money ('−£19,835', not '£-19,835') through a pandas Styler."""
    signed = views.signed_money_columns(df, kinds)
    config = column_config({c: k for c, k in kinds.items() if c not in signed})
    data = df.style.format(views.money_formatters(signed, kinds)) if signed else df
    st.dataframe(data, column_config=config, column_order=column_order, hide_index=True, width="stretch",
                 height=height, key=key)


def csv_button(label: str, make: Callable[[], pd.DataFrame], file_name: str, key: str) -> None:
    st.download_button(label, data=lambda: csv_bytes(make()), file_name=file_name, mime="text/csv",
                       on_click="ignore", key=key, icon=":material/download:")


def metric_cards(cards: list[views.Card], per_row: int = 4) -> None:
    for i in range(0, len(cards), per_row):
        cols = st.columns(per_row)
        for col, card in zip(cols, cards[i:i + per_row]):
            col.metric(card.label, card.value, delta=card.delta, delta_color="off", delta_arrow="off",
                       help=card.help, border=True)


def plot(fig, key: str) -> None:
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, key=key, theme=None)


def file_stub(results: Results, meeting: bool) -> str:
    return _slug(results.scenario.name) + ("_anonymised" if meeting else "")


# =============================================================================================
# Tabs
# =============================================================================================


def overview_tab(res: Results, y: int, meeting: bool) -> None:
    ok, text = views.checks_badge(res)
    (st.success if ok else st.error)(text, icon=":material/check_circle:" if ok else ":material/error:")
    for w in res.warnings:
        st.warning(views.md_escape(w))
    metric_cards(views.headline_cards(res, y))
    left, right = st.columns([2, 1])
    with left:
        plot(charts.waterfall(res, y, large=meeting), key="chart_waterfall")
    with right:
        st.markdown("**Against the guidance**")
        metric_cards(views.guidance_cards(res, y), per_row=1)
        with st.expander("Reconciliation checks"):
            table(views.checks_table(res), {"Rows checked": "count", "Largest difference (£)": "rate"},
                  key="checks_table")
            csv_button("Checks: CSV", lambda: res.checks, f"{file_stub(res, meeting)}_checks.csv", "dl_checks")
    stub = file_stub(res, meeting)
    c1, c2, c3 = st.columns(3)
    c1.download_button("Whole run: Excel workbook", data=lambda: workbook_bytes(res), file_name=f"{stub}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore", icon=":material/table_view:", key="dl_workbook", width="stretch")
    c2.download_button("All tables: CSV (zip)", data=lambda: csv_zip_bytes(res), file_name=f"{stub}_csv.zip",
                       mime="application/zip", on_click="ignore", icon=":material/folder_zip:", key="dl_zip",
                       width="stretch")
    with c3:
        csv_button("Summary by year: CSV", lambda: res.by_year(), f"{stub}_summary.csv", "dl_summary")


def practices_tab(res: Results, y: int, meeting: bool) -> None:
    plot(charts.net_change_per_head(res, y, large=meeting), key="chart_net_per_head")
    df, kinds = views.practice_table(res, y)
    c1, c2, c3 = st.columns([2, 1, 1])
    c1.caption("Sorted by net change, largest gain first. Click a heading to sort by it.")
    every = c2.toggle("All columns", key="practice_all_columns", persist_state="page",
                      help="New money and LES money back, LES gained, £ per patient aged 75+, admissions to break "
                           "even, unfunded staff costs.")
    thousands = c3.toggle("£000", key="practice_thousands", persist_state="page", help="Show money in £000.")
    if thousands:
        df, kinds = views.in_thousands(df, kinds)
    order = None if every else views.key_columns(df)
    table(df, kinds, key="practice_table", height=420, column_order=order)
    csv_button("This table: CSV", lambda: res.practices, f"{file_stub(res, meeting)}_practices.csv", "dl_practices")
    plot(charts.over75_scatter(res, y, large=meeting), key="chart_scatter")


def localities_tab(res: Results, y: int, meeting: bool) -> None:
    plot(charts.localities(res, y, large=meeting), key="chart_localities")
    df, kinds = views.locality_table(res, y)
    table(df, kinds, key="locality_table")
    csv_button("This table: CSV", lambda: res.localities, f"{file_stub(res, meeting)}_localities.csv",
               "dl_localities")


def years_tab(res: Results, meeting: bool) -> None:
    st.info(views.md_escape(views.cliff_sentence(res)))
    plot(charts.years(res, large=meeting), key="chart_years")
    df, kinds = views.years_table(res)
    table(df, kinds, key="years_table")
    csv_button("This table: CSV", lambda: res.by_year(), f"{file_stub(res, meeting)}_years.csv", "dl_years")


CURRENT = "__current__"


def compare_tab(res: Results, scenario: Scenario, active: dict, frame: pd.DataFrame, list_id: str, y: int,
                meeting: bool) -> None:
    stems = list(scenario_edits.scenario_files(SCENARIO_DIR))
    options = [CURRENT] + stems
    labels = {CURRENT: f"Current: {scenario.name} (as edited)", **{s: scenario_label(s) for s in stems}}
    default = [CURRENT, "les_separate" if ss.scenario_file == DEFAULT_SCENARIO else DEFAULT_SCENARIO]
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
            st.warning(f"{views.md_escape(labels[item])} cannot be run on this practice list: "
                       f"{views.md_escape(str(err))}")
            continue
        runs.append(anonymise(r) if meeting else r)
    if len(runs) < 2:
        return
    year = views.year_labels(runs[0])[min(y, len(views.year_labels(runs[0])) - 1)]
    st.markdown("**Assumptions that differ**")
    diff = views.assumptions_table(runs, differing_assumptions(runs))
    if diff.empty:
        st.caption("No assumption differs.")
    else:
        st.dataframe(diff, hide_index=True, width="stretch", key="compare_diff")
    summary = compare_summary(runs)
    st.markdown(f"**Headlines, {year}**")
    headlines = views.compare_headline_table(summary, year)
    st.dataframe(headlines, hide_index=True, width="stretch", key="compare_headlines",
                 height=35 * (len(headlines) + 1) + 3)
    plot(charts.compare_headlines(summary, year, large=meeting), key="chart_compare")
    per_practice = compare_practices(runs)
    plot(charts.compare_practices(per_practice, year, large=meeting), key="chart_compare_practices")
    deltas = views.compare_deltas(per_practice, year)
    st.dataframe(deltas, hide_index=True, width="stretch", key="compare_deltas",
                 column_config={c: st.column_config.NumberColumn(c, format="£%,.0f") for c in deltas.columns
                                if c.startswith("net_change")})
    c1, c2, c3 = st.columns(3)
    with c3:
        csv_button("Headlines by year: CSV", lambda: summary,
                   "comparison_headlines" + ("_anonymised" if meeting else "") + ".csv", "dl_compare_summary")
    c1.download_button("Comparison: Excel workbook", data=lambda: workbook_bytes(runs),
                       file_name="comparison" + ("_anonymised" if meeting else "") + ".xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore", icon=":material/table_view:", key="dl_compare_xlsx")
    with c2:
        csv_button("Per-practice differences: CSV", lambda: per_practice,
                   "comparison_practices" + ("_anonymised" if meeting else "") + ".csv", "dl_compare_csv")


def my_practice_tab(results: Results, shown: Results, y: int, meeting: bool) -> None:
    """One practice in plain English (the one-pager's words), its money by year, and its one-pager."""
    picks = views.practice_choices(shown)
    labels = dict(picks)
    code = st.selectbox("Practice", list(labels), format_func=labels.get,
                        key="my_practice" + (":meeting" if meeting else ""), persist_state="page")
    if code is None:
        return
    rows = views.practice_rows(shown, code)
    name = str(rows["practice_name"].iloc[0])
    for line in story(rows, shown, who=name):
        st.markdown(f"- {views.md_escape(line)}")
    if y > 0:
        st.markdown(f"**In {views.year_labels(shown)[y]}**")
        for line in views.practice_story(shown, code, y):
            st.markdown(f"- {views.md_escape(line)}")
    plot(charts.practice_years(shown, code, large=meeting), key="chart_practice")
    df, kinds = views.practice_years_table(shown, code)
    table(df, kinds, key="my_practice_table")
    real_code = code
    if meeting:  # the picker shows letters; the one-pager needs the real code (it prints only the letter)
        real_code = views.code_for_alias(results, code)
    st.download_button("One-page summary (HTML, prints on A4)",
                       data=lambda: render_html(results, real_code, anonymise=meeting),
                       file_name=f"{_slug(code)}_{file_stub(results, meeting)}.html", mime="text/html",
                       on_click="ignore", icon=":material/description:", key="dl_onepager")


def national_tab(scenario: Scenario, active: dict, y: int, meeting: bool) -> None:
    st.caption("The scenario in the panel, run on every CCG in England (NHS Payments to General Practice "
               "2014/15; LES counts only LES paid through the national system). It always uses the "
               "all-England list, not an uploaded or edited one.")
    key, data = bundled(ENGLAND)
    try:
        every = national_run(key, scenario.model_dump_json(), _data=data)
    except EngineInputError as err:
        st.warning(f"This scenario cannot run on the all-England list: {views.md_escape(str(err))}")
        return
    year = scenario.year_labels()[y]
    outcomes = every[every["year_index"] == y].drop(columns="year_index").reset_index(drop=True)
    metric_cards(national_views.cards(outcomes))
    frame = active["frame"]
    codes = frame["commissioner"].astype(str).unique() if "commissioner" in frame else []
    mine = active.get("ccg") or (str(codes[0]) if len(codes) == 1 else None)  # marked when in the list
    key = st.selectbox("Outcome compared across CCGs", list(OUTCOMES), format_func=OUTCOMES.get,
                       key="national_outcome")
    sentence = national_views.position_sentence(outcomes, key, mine)
    if sentence:
        st.markdown(f"**{views.md_escape(sentence)}**")
    plot(charts.national_ranked(outcomes, key, year, mine, large=meeting), key="chart_national")
    st.markdown("**How each outcome spreads across CCGs**")
    st.dataframe(national_views.spread_table(distribution(outcomes)), hide_index=True, width="stretch",
                 key="national_spread")
    st.markdown("**Every CCG**, most new money per patient first")
    df, kinds = national_views.ccg_table(outcomes)
    table(df, kinds, key="national_table", height=420)
    stub = _slug(scenario.name)
    csv_button("Every CCG: CSV", lambda: outcomes, f"{stub}_ccg_outcomes_{year.replace('/', '-')}.csv",
               "dl_national")


def uncertainty_tab(scenario: Scenario, frame: pd.DataFrame, list_id: str, meeting: bool) -> None:
    st.markdown("Where an assumption is weak (how many admissions are avoided, what one costs, list growth), "
                "the net cost is a range, not one figure. The ranges below are illustrative, around this "
                "scenario's own values; the draws are seeded, so the same inputs give the same answer.")
    mc = monte_carlo_run(list_id, scenario.model_dump_json(), MC_DRAWS, _frame=frame)
    metric_cards(views.uncertainty_cards(mc))
    left, right = st.columns(2)
    with left:
        plot(charts_analysis.montecarlo_s_curve(mc, large=meeting), key="chart_mc_s")
    with right:
        plot(charts_analysis.montecarlo_histogram(mc, large=meeting, title=f"Spread of the draws: pays for itself "
                                                                          f"in {views.chance_text(mc)}"),
             key="chart_mc_hist")
    with st.expander("Ranges drawn"):
        st.dataframe(views.distributions_table(mc), hide_index=True, width="stretch", key="mc_ranges")
        for note in mc.notes:
            st.caption(views.md_escape(note))
    heads = {"net_cost_after_admissions": "Net cost after admissions savings", "net_cost": "Net cost",
             "practices_losing": "Practices losing", "unfunded_commitment": "Unfunded staff costs"}
    head = st.selectbox("What moves the most? One assumption at a time, ±20 %", list(heads),
                        format_func=heads.get, key="tornado_headline", persist_state="page")
    t = tornado_run(list_id, scenario.model_dump_json(), head, _frame=frame)
    plot(charts_analysis.tornado(t, top=10, hide_zero=True, large=meeting), key="chart_tornado")
    csv_button("Tornado table: CSV", lambda: t, "tornado.csv", "dl_tornado")


def practice_list_tab(active: dict, meeting: bool) -> dict:
    """The validation checklist and the editor; returns the edits of this list (row -> {col: value})."""
    report = active["report"]
    failed = ss.get("upload_failed") if ss.get("in:data_source") == "upload" else None
    if failed is not None:
        st.error("The last file you chose cannot be used, so the figures use the list below. Its problems:")
        for kind, text in views.checklist(failed):
            _check_line(kind, text)
    st.markdown(f"**Checks on {views.md_escape(active['label'])}**")
    lines = views.checklist(report)
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
    shown = views.apply_edits(frame, store)
    if meeting:
        shown = views.anonymise_list(shown)
    cols = ["practice_code", "practice_name", "locality"] + views.editable_columns(frame)
    cols = [c for c in cols if c in shown.columns]
    cc = st.column_config
    config = {
        "practice_code": cc.TextColumn("Code", disabled=True),
        "practice_name": cc.TextColumn("Practice", disabled=True),
        "locality": cc.TextColumn("Locality", disabled=True),
        "participating": cc.CheckboxColumn("Taking part"),
        "list_size": cc.NumberColumn("Patients", min_value=0, step=1, format="%,d"),
        "over75": cc.NumberColumn("Aged 75+", min_value=0, step=1, format="%,d"),
        "weighted_list": cc.NumberColumn("Weighted list", min_value=0, format="%,.0f"),
        **{c: cc.NumberColumn(f"{c} (£)", min_value=0, format="£%,.2f") for c in les_cols(frame)},
    }
    key = f"editor:{active['id']}:{gen}"
    st.data_editor(shown[cols], key=key, num_rows="fixed", hide_index=True, column_config=config,
                   width="stretch", height=420)
    state = ss.get(key) or {}
    store = views.merge_edits(store, state.get("edited_rows"))
    ss.edits[active["id"]] = store
    if store:
        aliases = views.aliases_for(frame) if meeting else None
        with st.expander(f"{sum(len(v) for v in store.values())} cell(s) edited", expanded=False):
            for line in views.describe_edits(frame, store, aliases):
                st.markdown(f"- {views.md_escape(line)}")
        st.button("Undo all edits", on_click=_undo_edits, args=(active["id"],))
    csv_button("This list (with edits): CSV", lambda: views.anonymise_list(views.apply_edits(frame, store))
               if meeting else views.apply_edits(frame, store), "practice_list.csv", "dl_list")
    return store


def _undo_edits(list_id: str) -> None:
    ss.edits[list_id] = {}
    ss.editor_gen = ss.get("editor_gen", 0) + 1


def _check_line(kind: str, text: str) -> None:
    icon = {"ok": "✔", "error": "✖", "warning": "⚠", "info": ""}[kind]
    text = views.md_escape(text)
    if kind == "error":
        st.markdown(f":red[{icon} {text}]")
    elif kind == "warning":
        st.markdown(f":orange[{icon} {text}]")
    elif kind == "ok":
        st.markdown(f":green[{icon}] {text}")
    else:
        st.caption(text)


# =============================================================================================
# The page
# =============================================================================================


def main() -> None:
    init_state()
    st.markdown(BASE_CSS, unsafe_allow_html=True)
    with st.sidebar:
        meeting = st.toggle("Meeting mode", key="meeting",
                            help="Hides practice names and codes (Practice A, B, …) in every table, chart and "
                                 "download, and enlarges text for a projector.")
        st.markdown('<div class="inputs-banner">Inputs<span>Everything in this panel is an assumption you can '
                    'change. Figures on the right are calculated from it.</span></div>', unsafe_allow_html=True)
        active = practice_list_panel()
        st.divider()
        scenario = scenario_panel(active["frame"])
        if scenario is not None:
            st.divider()
            share_panel(scenario, active)
    if meeting:
        st.markdown(MEETING_CSS, unsafe_allow_html=True)

    st.title("£5 per head: practice funding scenarios")
    for w in ss.get("link_warnings", []):
        st.warning(views.md_escape(w))
    if scenario is None:
        st.error("The assumptions in the panel cannot be used together (see the message there), so no "
                 "figures are shown.")
        st.stop()
    params = link_params(scenario, active)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)

    labels = scenario.year_labels()
    st.caption(f"{views.md_escape(active['label'])} · {len(active['frame']):,} practices · scenario: "
               f"**{views.md_escape(scenario.name)}** · {views.md_escape(views.rate_text(scenario))}")
    if ss.get("year") not in labels:
        ss.year = labels[0]
    year = st.segmented_control("Year shown", labels, key="year", required=True,
                                help="The year the headline cards, tables and charts show.")
    y = labels.index(year) if year in labels else 0

    tabs = dict(zip(TABS, st.tabs(TABS, key="view", on_change="rerun")))
    frame = active["frame"]
    edits = ss.edits.get(active["id"], {})
    if tabs["Practice list"].open:
        with tabs["Practice list"]:
            edits = practice_list_tab(active, meeting)
    list_id = active["id"]
    if edits:
        list_id = f"{active['id']}:{views.edits_key(edits)}"
        checked = validated(list_id, views.apply_edits(frame, edits))
        if not checked.ok:
            st.error("The edited practice list has problems, so no figures are shown. Fix them in the "
                     "Practice list tab:")
            for p in checked.report.errors[:10]:
                st.markdown(f"- ✖ {views.md_escape(str(p))}")
            st.stop()
        frame = checked.practices
    try:
        results = run_model(list_id, scenario.model_dump_json(), _frame=frame)
    except EngineInputError as err:
        st.error(f"This scenario cannot run on this practice list: {views.md_escape(str(err))}")
        st.stop()
    shown = anonymise(results) if meeting else results

    if tabs["Overview"].open:
        with tabs["Overview"]:
            overview_tab(shown, y, meeting)
    if tabs["Practices"].open:
        with tabs["Practices"]:
            practices_tab(shown, y, meeting)
    if tabs["Localities"].open:
        with tabs["Localities"]:
            localities_tab(shown, y, meeting)
    if tabs["Years"].open:
        with tabs["Years"]:
            years_tab(shown, meeting)
    if tabs["Compare"].open:
        with tabs["Compare"]:
            compare_tab(shown, scenario, active, frame, list_id, y, meeting)
    if tabs["My practice"].open:
        with tabs["My practice"]:
            my_practice_tab(results, shown, y, meeting)
    if "Uncertainty" in tabs and tabs["Uncertainty"].open:
        with tabs["Uncertainty"]:
            uncertainty_tab(scenario, frame, list_id, meeting)
    if tabs["All England"].open:
        with tabs["All England"]:
            national_tab(scenario, active, y, meeting)


main()
