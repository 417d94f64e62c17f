"""The assumptions panel (sidebar): the scenario file, every assumption, and save or share.

State kept in ``st.session_state``:

- ``panel``: the assumptions as {dotted scenario key: value}; ``base``: the scenario file (or uploaded
  scenario) the panel started from; widget keys ``in:<key>`` are initialised from ``panel``.
- ``scenario_file``, ``origin``: where ``base`` came from; ``scenario_error``: why the last file
  offered could not be used.

Changing a scenario goes through :mod:`model.scenario_edits` (flatten, build, changes, links).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from model import fields, scenario_edits
from model.formats import money
from model.practices import les_columns
from model.scenario import GUIDANCE_RATE_PER_HEAD, GUIDANCE_RATE_PER_OVER75, Scenario, ScenarioError
from model.scenario_files import dump_scenario, load_scenario
from screen.assumptions import help_for, year_label
from screen.markdown import md_escape
from screen.pages.cache import (
    DEFAULT_SCENARIO,
    ENGLAND,
    NENE,
    SCENARIO_DIR,
    bundled,
    ccg_choices,
    file_scenario,
    load_list,
    scenario_label,
)
from screen.pages.widgets import choice, init, number, slug, year_choice

ss = st.session_state


# ---------------------------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------------------------


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
    """On a session's first run: the scenario (and CCG) named in the link, or the defaults."""
    if "panel" in ss:
        return
    ss.edits = {}
    ss.les_cols = les_columns(load_list(bundled(NENE)[1], NENE.name).practices)
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


# ---------------------------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------------------------


def scenario_panel(frame: pd.DataFrame) -> Scenario | None:
    """Every assumption as a widget; the scenario they make, or None (with the reason shown) if they
    cannot be used together."""
    vals = ss.panel
    _scenario_file()
    with st.expander("Pot: how much and on what basis", expanded=True):
        _pot(vals, frame)
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
        _les(vals, frame)
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
        vals["name"] = st.text_input(fields.label("name"), key="in:name", max_chars=120, help=help_for("name"))
        init("in:description", vals["description"])
        vals["description"] = st.text_area(fields.label("description"), key="in:description",
                                           max_chars=4000, help=help_for("description"))

    try:
        return scenario_edits.build_scenario(ss.base, vals)
    except ScenarioError as err:
        st.error("These assumptions cannot be used together; fix them to see figures.\n\n"
                 + md_escape(str(err)))
        ss.input_error = str(err)
        return None


def _scenario_file() -> None:
    """The scenario file picker, reset and YAML upload."""
    stems = list(scenario_edits.scenario_files(SCENARIO_DIR))
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
    st.caption(f"Started from: {md_escape(ss.origin)}")
    if ss.get("scenario_error"):
        st.error("That scenario file cannot be used; the current assumptions are kept.\n\n"
                 + md_escape(ss.scenario_error))


def _pot(vals: dict, frame: pd.DataFrame) -> None:
    basis = "over75" if vals.get("pot.rate_per_over75") is not None else "list_size"
    b = choice("pot.basis", ["list_size", "over75"], label="Pot set per", value=basis,
               help_key="pot.rate_per_head")
    rate_key, other = (("pot.rate_per_over75", "pot.rate_per_head") if b == "over75"
                       else ("pot.rate_per_head", "pot.rate_per_over75"))
    vals[rate_key] = number(rate_key, step=0.25, fmt="%.2f",
                            default=GUIDANCE_RATE_PER_OVER75 if b == "over75" else GUIDANCE_RATE_PER_HEAD)
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
    if st.toggle("Cap each practice's allocation", key="in:distribution.cap_on", help=help_for("distribution.cap")):
        vals["distribution.cap"] = number("distribution.cap", step=1000.0, fmt="%.0f", default=50_000.0)
    else:
        vals["distribution.cap"] = None
    vals["distribution.non_participants"] = choice("distribution.non_participants",
                                                   list(fields.field("distribution.non_participants").choices))
    vals["distribution.level"] = choice("distribution.level", list(fields.field("distribution.level").choices))


def _les(vals: dict, frame: pd.DataFrame) -> None:
    cols = les_columns(frame)
    if not cols:
        st.caption("This practice list has no les_ columns.")
    report = ss.active["report"]
    for col in cols:
        key = f"les.schemes.{col}"
        scheme = vals.get(key) or scenario_edits.scheme_value("keep")
        total = getattr(report, "les_totals", {}).get(col)
        label = f"{col}: action" + (f" (now {money(total)} a year)" if total is not None else "")
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
    vals["les.counts_toward_pot"] = st.checkbox(fields.label("les.counts_toward_pot"), key="in:les.counts_toward_pot",
                                                help=help_for("les.counts_toward_pot"))
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
    return st.number_input(f"{year_label(start, t)}, %", min_value=0.0, max_value=100.0,
                           step=10.0, format="%.0f", key=wkey)


# ---------------------------------------------------------------------------------------------
# Save or share
# ---------------------------------------------------------------------------------------------


def share_panel(scenario: Scenario, active: dict) -> None:
    """Save the scenario, and the link that reopens it (kept in the address bar)."""
    st.markdown("**Save or share**")
    st.download_button("Save scenario (YAML)", data=dump_scenario(scenario).encode("utf-8"),
                       file_name=f"{slug(scenario.name)}.yaml", mime="application/x-yaml", on_click="ignore",
                       width="stretch", icon=":material/download:")
    params = link_params(scenario, active)
    st.caption("Link that reopens this scenario (also in the address bar):")
    st.code("?" + urlencode(params), language=None, wrap_lines=True)


def link_params(scenario: Scenario, active: dict) -> dict[str, str]:
    """The link's query: the scenario file and the assumptions changed from it (and the CCG, if any)."""
    stem = ss.scenario_file or DEFAULT_SCENARIO
    base_values = scenario_edits.flatten(file_scenario(stem) if ss.scenario_file else file_scenario(DEFAULT_SCENARIO),
                                         ss.les_cols)
    extra = {"ccg": active["ccg"]} if active.get("ccg") else {}
    return scenario_edits.link_params(stem, scenario_edits.changes(base_values, ss.panel), extra)
