"""The assumptions panel (sidebar): the scenario file and every assumption; and what the scenario header
needs to say which scenario is on screen, reset it, save it and share it.

The panel is a fragment (``panel``): a change to one of its inputs reruns the panel and the page's main
fragment (``main``, see app.py) only, not the practice-list picker. Its sections are expanders that run
their inputs only while open, so the panel stays short and quick; the assumptions live in ``panel``
(below), not in the widgets, so a closed section keeps its values.

State kept in ``st.session_state``:

- ``panel``: the assumptions as {dotted scenario key: value}; ``base``: the scenario file (or uploaded
  scenario) the panel started from; widget keys ``in:<key>`` are initialised from ``panel``.
- ``scenario_file``, ``origin``: where ``base`` came from; ``scenario_error``: why the last file
  offered could not be used.
- ``scenario``: the scenario the panel makes (None when its inputs cannot be used together, the reason in
  ``input_error``); ``panel_version``: counts every wholesale change of the panel (a file opened, reset, an
  option or a book version loaded), so the main fragment can tell that the panel must be drawn again.
- ``kept``: edits kept as scenarios of their own, {'kept:1': {name, base, origin, stem, panel}};
  ``pick_pending``: a scenario file picked while the panel had edits (the panel asks what to do first).

Changing a scenario goes through :mod:`model.scenario_edits` (flatten, build, changes, links).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pandas as pd
import streamlit as st

from model import fields, scenario_edits
from model.formats import money, scheme_name
from model.limits import MAX_LINK_CHARS
from model.practices import les_columns
from model.scenario import GUIDANCE_RATE_PER_HEAD, GUIDANCE_RATE_PER_OVER75, Scenario, ScenarioError
from model.scenario_files import dump_scenario, read_scenario
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
    ss.panel_version = ss.get("panel_version", 0) + 1
    ss.pick_pending = None
    if stem is not None:
        ss.scenario_pick = stem
    clear_inputs()


def changed() -> None:
    """An input of the panel changed: draw the panel and the figures again (not the practice-list picker)."""
    st.rerun(["panel", "main"])


def edits() -> dict[str, Any]:
    """The assumptions changed from the scenario the panel started from: {key: value now}."""
    return scenario_edits.changes(scenario_edits.flatten(ss.base, ss.get("les_cols", [])), ss.panel)


def init_state() -> None:
    """On a session's first run: the scenario (and CCG) named in the link, or the defaults."""
    if "panel" in ss:
        return
    ss.edits = {}
    ss.kept = {}
    ss.first_paint = True   # the session's first page: figures first, the panel's inputs right after (app.py)
    ss.les_cols = les_columns(load_list(bundled(NENE)[1], NENE.name).practices)
    query = st.query_params.to_dict()
    known = set(ss.les_cols)  # a scheme the list does not have is named and dropped, not left to stop the run
    if query.get("ccg"):
        known |= set(les_columns(load_list(bundled(ENGLAND)[1], ENGLAND.name).practices))
    reading = scenario_edits.read_link(query, SCENARIO_DIR, DEFAULT_SCENARIO, les_columns=known)
    ss.link_warnings = list(reading.warnings)
    use_scenario(reading.base, f"{reading.scenario_file}.yaml", reading.scenario_file, reading.overrides)
    ss.scenario_pick = reading.scenario_file
    ccg = reading.extra.get("ccg")
    if ccg:
        codes = [c for c, _ in ccg_choices(*bundled(ENGLAND))]
        if ccg in codes:
            ss["in:data_source"], ss["in:ccg"] = "england", ccg
        else:
            ss.link_warnings.append(f"The link names a CCG '{ccg[:20]}' that is not in the all-England list; "
                                    f"showing NHS Nene CCG instead.")


def on_pick_scenario() -> None:
    """A scenario picked: opened at once, unless the panel has edits — then the panel asks first."""
    item = ss.scenario_pick
    if edits():
        ss.pick_pending = item
        ss.scenario_pick = ss.get("scenario_file") or ss.get("pick_shown") or DEFAULT_SCENARIO
    else:
        _open(item)
    changed()


def _open(item: str) -> None:
    if item.startswith("kept:"):
        k = ss.kept[item]
        use_scenario(k["base"], k["origin"], k["stem"], overrides=scenario_edits.changes(
            scenario_edits.flatten(k["base"], ss.get("les_cols", [])), k["panel"]))
        ss.scenario_pick = ss.pick_shown = item
        ss.scenario_error = None
        return
    try:
        use_scenario(file_scenario(item), f"{item}.yaml", item)
        ss.pick_shown = item
        ss.scenario_error = None
    except ScenarioError as err:
        ss.scenario_error = str(err)


def keep_edits() -> str:
    """Keep the panel's edits as a scenario of their own (offered by the picker, Compare and the practice
    view); its id."""
    n = len(ss.kept) + 1
    key = f"kept:{n}"
    name = f"{ss.panel.get('name') or ss.base.name} — edited {n}"[:100]
    ss.kept[key] = {"name": name, "base": ss.base, "origin": ss.origin, "stem": ss.scenario_file,
                    "panel": dict(ss.panel)}
    return key


def on_pending(choice: str) -> None:
    """The answer to "you have edits: keep them, discard them, or cancel?" when another scenario was picked."""
    item = ss.get("pick_pending")
    ss.pick_pending = None
    if item and choice in ("keep", "discard"):
        if choice == "keep":
            keep_edits()
        _open(item)
    changed()


def on_reset() -> None:
    use_scenario(ss.base, ss.origin, ss.scenario_file)
    ss.scenario_error = None
    changed()


def on_upload_scenario() -> None:
    f = ss.get("scenario_upload")
    if f is None:
        return
    try:
        base, notes = read_scenario(f.getvalue(), f.name)
    except ScenarioError as err:
        ss.scenario_error = str(err)
        return
    use_scenario(base, f"uploaded {f.name}", None)
    ss.scenario_error = None
    ss.scenario_notes = notes  # what was guessed (a number written as text), shown under the picker
    changed()


# ---------------------------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------------------------


SECTIONS = {"pot": "Pot: how much and on what basis", "funding": "Recurrent or not",
            "les": "LES schemes and protection", "admissions": "Emergency admissions",
            "growth": "Growth, years and name"}
"""The panel's sections, in order; each runs its inputs only while open. The pot is open at first."""


def _section(name: str):
    """An expander that runs its inputs only while open (its open/closed state kept under ``sec:<name>``)."""
    key = f"sec:{name}"
    if key not in ss:
        ss[key] = name == "pot"
    return st.expander(SECTIONS[name], key=key, on_change="rerun")


@st.fragment(key="panel")
def scenario_panel(frame: pd.DataFrame) -> None:
    """Every assumption as a widget (the open sections'); the scenario they make goes to ``ss.scenario``, or
    None (with the reason shown, and in ``ss.input_error``) if they cannot be used together."""
    ss.panel_drawn = ss.get("panel_version", 0)
    vals = ss.panel
    if ss.get("first_paint"):   # a session's first page shows its figures first; the inputs come a moment later
        _build(vals)
        return
    _scenario_file()
    with _section("pot") as sec:
        if sec.open:
            _pot(vals, frame)
    with _section("funding") as sec:
        if sec.open:
            kind = vals["funding.type"] = choice("funding.type", list(fields.field("funding.type").choices),
                                                 on_change=changed)
            if kind == "non_recurrent":
                vals["funding.years"] = number("funding.years", step=1, fmt="%d", integer=True, on_change=changed)
            if kind == "conditional":
                vals["funding.review_year"] = year_choice("funding.review_year", on_change=changed)
                vals["funding.required_reduction_pct"] = number("funding.required_reduction_pct", step=0.5,
                                                                fmt="%.1f", on_change=changed)
                vals["admissions.expected_reduction_pct"] = number("admissions.expected_reduction_pct", step=0.5,
                                                                   fmt="%.1f", on_change=changed)
            vals["staffing.committed_pct"] = number("staffing.committed_pct", step=5.0, fmt="%.0f",
                                                    on_change=changed)
    with _section("les") as sec:
        if sec.open:
            _les(vals, frame)
    with _section("admissions") as sec:
        if sec.open:
            vals["admissions.baseline_per_1000_over75"] = number("admissions.baseline_per_1000_over75", step=10.0,
                                                                 fmt="%.0f", on_change=changed)
            vals["admissions.cost_per_admission"] = number("admissions.cost_per_admission", step=100.0, fmt="%.0f",
                                                           on_change=changed)
            if vals["funding.type"] != "conditional":
                vals["admissions.expected_reduction_pct"] = number("admissions.expected_reduction_pct", step=0.5,
                                                                   fmt="%.1f", on_change=changed)
            vals["admissions.effect_from_year"] = year_choice("admissions.effect_from_year", on_change=changed)
    with _section("growth") as sec:
        if sec.open:
            vals["growth.list_size_pct"] = number("growth.list_size_pct", step=0.5, fmt="%.1f", on_change=changed)
            vals["growth.over75_pct"] = number("growth.over75_pct", step=0.5, fmt="%.1f", on_change=changed)
            vals["start_year"] = number("start_year", step=1, fmt="%d", integer=True, on_change=changed)
            vals["horizon_years"] = number("horizon_years", step=1, fmt="%d", integer=True, on_change=changed)
            init("in:name", vals["name"])
            vals["name"] = st.text_input(fields.label("name"), key="in:name", max_chars=120, help=help_for("name"),
                                         on_change=changed)
            init("in:description", vals["description"])
            vals["description"] = st.text_area(fields.label("description"), key="in:description",
                                               max_chars=4000, help=help_for("description"), on_change=changed)

    _build(vals)


def _build(vals: dict) -> None:
    """The scenario the panel's values make, into ``ss.scenario`` (None, with the reason shown, if they cannot
    be used together)."""
    try:
        ss.scenario = scenario_edits.build_scenario(ss.base, vals)
        ss.input_error = None
    except ScenarioError as err:
        st.error("These assumptions cannot be used together; fix them to see figures.\n\n"
                 + md_escape(str(err)))
        ss.scenario = None
        ss.input_error = str(err)


def _scenario_file() -> None:
    """The scenario picker (the files, and edits kept as scenarios), the question it asks when the panel has
    edits, reset and YAML upload."""
    stems = list(scenario_edits.scenario_files(SCENARIO_DIR))
    kept = ss.get("kept", {})
    options = stems + list(kept)
    if ss.get("scenario_pick") not in options:
        ss.scenario_pick = DEFAULT_SCENARIO
    labels = {**{s: scenario_label(s) for s in stems}, **{k: f"{v['name']} (your edits)" for k, v in kept.items()}}
    st.markdown("**Scenario**")
    st.selectbox("Scenario", options, format_func=labels.get, key="scenario_pick",
                 on_change=on_pick_scenario, help="The named scenario files in scenarios/, and any edits you "
                 "kept as a scenario. Picking one replaces every assumption below with its values; if you "
                 "have edits you are asked first.")
    pending = ss.get("pick_pending")
    if pending in options:
        n = len(edits())
        with st.container(border=True, key="pick_question"):
            st.markdown(f"**You have {n} unsaved change{'s' if n != 1 else ''}** to {md_escape(ss.base.name)}. "
                        f"Before opening {md_escape(labels[pending])}:")
            st.button("Keep my changes as a scenario", key="pick_keep", on_click=on_pending, args=("keep",),
                      type="primary", width="stretch", icon=":material/bookmark_add:",
                      help="They stay one click away: in this picker, in Compare and in the practice view.")
            c1, c2 = st.columns(2)
            c1.button("Discard them", key="pick_discard", on_click=on_pending, args=("discard",), width="stretch")
            c2.button("Cancel", key="pick_cancel", on_click=on_pending, args=("cancel",), width="stretch")
    st.caption(f"Started from: {md_escape(ss.origin)}")
    c1, c2 = st.columns(2)
    c1.button("Reset to file", key="reset_panel", on_click=on_reset, width="stretch",
              help="Put every assumption back to the values of the scenario file (or uploaded scenario).")
    with c2.popover("Load YAML", width="stretch", key="load_yaml", on_change="rerun") as pop:
        if pop.open:   # the uploader is drawn (and its code loaded by the page) only when asked for
            st.file_uploader("Scenario file (YAML)", type=["yaml", "yml"], key="scenario_upload",
                             on_change=on_upload_scenario,
                             help="A scenario saved from this app or written by hand (scenarios/*.yaml).")
    if ss.get("scenario_error"):
        st.error("That scenario file cannot be used; the current assumptions are kept.\n\n"
                 + md_escape(ss.scenario_error))
    elif ss.get("scenario_notes") and ss.origin.startswith("uploaded "):
        st.warning("\n\n".join(md_escape(n) for n in ss.scenario_notes))


def _pot(vals: dict, frame: pd.DataFrame) -> None:
    basis = "over75" if vals.get("pot.rate_per_over75") is not None else "list_size"
    b = choice("pot.basis", ["list_size", "over75"], label="Pot set per", value=basis,
               help_key="pot.rate_per_head", on_change=changed)
    rate_key, other = (("pot.rate_per_over75", "pot.rate_per_head") if b == "over75"
                       else ("pot.rate_per_head", "pot.rate_per_over75"))
    vals[rate_key] = number(rate_key, step=0.25, fmt="%.2f",
                            default=GUIDANCE_RATE_PER_OVER75 if b == "over75" else GUIDANCE_RATE_PER_HEAD,
                            on_change=changed)
    vals[other] = None
    vals["pot.uplift_pct"] = number("pot.uplift_pct", step=0.5, fmt="%.1f", on_change=changed)

    bases = ["list_size", "over75"] + (["weighted_list"] if "weighted_list" in frame.columns else []) + ["blend"]
    w = {k: float(vals[f"distribution.weights.{k}"]) for k in ("list_size", "over75", "weighted_list")}
    preset = next((k for k, v in w.items() if v == 1.0), "blend")
    shared = choice("distribution.basis", bases, label="Share the pot by",
                    value=preset if preset in bases else "blend", help_key="distribution.weights.list_size",
                    on_change=changed)
    if shared == "blend":
        for k in ("list_size", "over75", "weighted_list"):
            if k == "weighted_list" and "weighted_list" not in frame.columns and w[k] == 0:
                continue
            vals[f"distribution.weights.{k}"] = number(f"distribution.weights.{k}", step=0.05, fmt="%.2f",
                                                       on_change=changed)
        st.caption(f"The shares must add up to 1 (now {scenario_edits.weights_total(vals):.2f}).")
    else:
        for k in ("list_size", "over75", "weighted_list"):
            vals[f"distribution.weights.{k}"] = 1.0 if k == shared else 0.0
    vals["distribution.floor"] = number("distribution.floor", step=500.0, fmt="%.0f", on_change=changed)
    init("in:distribution.cap_on", vals["distribution.cap"] is not None)
    if st.toggle("Cap each practice's allocation", key="in:distribution.cap_on", help=help_for("distribution.cap"),
                 on_change=changed):
        vals["distribution.cap"] = number("distribution.cap", step=1000.0, fmt="%.0f", default=50_000.0,
                                          on_change=changed)
    else:
        vals["distribution.cap"] = None
    vals["distribution.non_participants"] = choice("distribution.non_participants",
                                                   list(fields.field("distribution.non_participants").choices),
                                                   on_change=changed)
    vals["distribution.level"] = choice("distribution.level", list(fields.field("distribution.level").choices),
                                        on_change=changed)


def _les(vals: dict, frame: pd.DataFrame) -> None:
    cols = les_columns(frame)
    if not cols:
        st.caption("This practice list has no LES income columns.")
    report = ss.active["report"]
    for col in cols:
        key = f"les.schemes.{col}"
        scheme = vals.get(key) or scenario_edits.scheme_value("keep")
        total = getattr(report, "les_totals", {}).get(col)
        label = f"{scheme_name(col)}: what happens" + (f" (now {money(total)} a year)" if total is not None else "")
        action = choice(key, scenario_edits.SCHEME_ACTIONS, labels=fields.action_labels(), label=label,
                        wkey=f"in:{key}.action", value=scheme["action"], help_key="les.schemes", on_change=changed)
        scheme_fields: dict[str, Any] = {}
        if action == "decommission":
            scheme_fields["fraction"] = _fraction(key, col, scheme)
        if action == "harmonise":
            init(f"in:{key}.average", scheme.get("rate_per_head") is None)
            if st.toggle(f"{scheme_name(col)}: at the holders' average £ per head", key=f"in:{key}.average",
                         on_change=changed):
                scheme_fields["rate_per_head"] = None
            else:
                scheme_fields["rate_per_head"] = _scheme_rate(key, col, scheme)
        if action != "keep":
            scheme_fields["from_year"] = year_choice(key, value=int(scheme.get("from_year", 0)),
                                                     wkey=f"in:{key}.from_year", label=f"{scheme_name(col)}: from",
                                                     help_key="les.schemes", on_change=changed)
        vals[key] = scenario_edits.scheme_value(action, scheme_fields)
    vals["les.reinvest_pct"] = number("les.reinvest_pct", step=10.0, fmt="%.0f", on_change=changed)
    init("in:les.counts_toward_pot", bool(vals["les.counts_toward_pot"]))
    vals["les.counts_toward_pot"] = st.checkbox(fields.label("les.counts_toward_pot"), key="in:les.counts_toward_pot",
                                                help=help_for("les.counts_toward_pot"), on_change=changed)
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
                                                list(fields.field("les.protection.funded_from").choices),
                                                on_change=changed)


def _fraction(key: str, col: str, scheme: dict) -> float:
    wkey = f"in:{key}.fraction"
    init(wkey, float(scheme.get("fraction", 1.0)))
    return st.number_input(f"{scheme_name(col)}: share of income removed (0–1)", min_value=0.0, max_value=1.0,
                           step=0.1, format="%.2f", key=wkey, help="1 = the whole scheme is decommissioned.",
                           on_change=changed)


def _scheme_rate(key: str, col: str, scheme: dict) -> float:
    wkey = f"in:{key}.rate"
    init(wkey, float(scheme.get("rate_per_head") or 2.50))
    return st.number_input(f"{scheme_name(col)}: harmonised £ per registered patient a year", min_value=0.0,
                           max_value=1000.0, step=0.25, format="%.2f", key=wkey, on_change=changed)


def _loss_input(t: int, start: int, value: float) -> float:
    wkey = f"in:les.protection.max_loss_pct.{t}"
    init(wkey, float(value))
    return st.number_input(f"{year_label(start, t)}, %", min_value=0.0, max_value=100.0,
                           step=10.0, format="%.0f", key=wkey, on_change=changed)


# ---------------------------------------------------------------------------------------------
# Save or share
# ---------------------------------------------------------------------------------------------


LINK_SAFE = ":,{}[]/()-_.~"
"""Characters a link keeps as they are, so the share link reads as the settings it carries."""


def share_link(params: dict[str, str]) -> str:
    """The full link that reopens this scenario: the app's address and the query, readable (spaces as %20,
    braces and commas kept), e.g. 'http://localhost:8501/?s=guidance_default&pot.rate_per_head=6'."""
    base = (st.context.url or "http://localhost:8501/").split("?", 1)[0]
    if not base.endswith("/"):
        base += "/"
    query = "&".join(f"{quote(str(k), safe=LINK_SAFE)}={quote(str(v), safe=LINK_SAFE)}" for k, v in params.items())
    return f"{base}?{query}" if query else base


def save_button(scenario: Scenario) -> None:
    st.download_button("Save (YAML)", data=lambda: dump_scenario(scenario).encode("utf-8"),
                       file_name=f"{slug(scenario.name)}.yaml", mime="application/x-yaml", on_click="ignore",
                       icon=":material/download:", key="save_scenario",
                       help="The scenario on screen as a file you can open again here (Load YAML) or keep.")


def share_popover(scenario: Scenario, active: dict) -> None:
    """The link that reopens this scenario (also in the address bar), drawn only when asked for."""
    with st.popover("Share link", icon=":material/link:", key="share_link", on_change="rerun",
                    help="A link that reopens this scenario on this practice list.") as pop:
        if pop.open:
            params = link_params(scenario, active)
            st.caption("Copy this link (the button at its right copies it); it is also in the address bar:")
            st.code(share_link(params), language=None, wrap_lines=True)
            if scenario_edits.link_length(params) > MAX_LINK_CHARS:
                st.caption(f"This scenario changes too much for a link (over {MAX_LINK_CHARS:,} characters): the "
                           "link reopens the scenario file only. Save the scenario (YAML) to keep every change.")


def link_params(scenario: Scenario, active: dict) -> dict[str, str]:
    """The link's query: the scenario file and the assumptions changed from it (and the CCG, if any)."""
    stem = ss.scenario_file or DEFAULT_SCENARIO
    base_values = scenario_edits.flatten(file_scenario(stem) if ss.scenario_file else file_scenario(DEFAULT_SCENARIO),
                                         ss.les_cols)
    extra = {"ccg": active["ccg"]} if active.get("ccg") else {}
    return scenario_edits.link_params(stem, scenario_edits.changes(base_values, ss.panel), extra)
