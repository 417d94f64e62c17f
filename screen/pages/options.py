"""The "Options" tab: thousands of options of the scenario in the panel at once — pick the levers and their
ranges, type the meeting's conditions, see the trade-off frontier and the options that meet them, and load
one into the panel as an edited scenario.

State kept in ``st.session_state``: the widgets ``ex:*`` (levers, ranges, conditions), ``ex:spec`` (the
last exploration asked for: list id, scenario as JSON, spec as JSON) and ``ex:loaded`` (the option last
loaded into the panel). The exploration itself is cached in :mod:`screen.pages.cache`.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from model import scenario_edits
from model.analysis.explore import MAX_OPTIONS, OUTCOMES, lever_label, outcome_label
from model.engine import EngineInputError
from model.practices import les_columns
from model.scenario import Scenario
from model.scenario_files import dump_scenario
from screen import charts
from screen import options as view
from screen.markdown import md_escape
from screen.pages import inputs
from screen.pages.cache import cached_exploration, exploration
from screen.pages.widgets import csv_button, init, metric_cards, plot, slug, table

ss = st.session_state
FRONTIERS = {"two": "Cost and largest loss", "three": "Cost, largest loss and practices worse off"}
MODES = {"grid": "Every combination (full grid)", "sobol": "Samples (Sobol sequence)",
         "lhs": "Samples (Latin hypercube)"}


def show(scenario: Scenario, frame: pd.DataFrame, list_id: str, meeting: bool) -> None:
    st.markdown("Try thousands of options of the scenario in the panel at once: pick one to four **levers** and "
                "their ranges, type the meeting's **conditions**, and see what each option costs against the "
                "largest loss to any practice — and the cheapest option that meets every condition.")
    spec = _spec_panel(scenario, frame)
    if spec is not None and st.button("Explore these options", type="primary", key="ex:run",
                                      icon=":material/travel_explore:"):
        ss["ex:spec"] = (list_id, scenario.model_dump_json(), spec)
    asked = ss.get("ex:spec")
    if not asked:
        st.info("Set the levers and conditions, then press **Explore these options**.")
        return
    ex = _explore(*asked, frame if asked[0] == list_id else None)
    if ex is None:
        return
    _results(ex, scenario, asked, meeting)


# ---------------------------------------------------------------------------------------------
# The levers, the conditions, what is minimised
# ---------------------------------------------------------------------------------------------


def _spec_panel(scenario: Scenario, frame: pd.DataFrame) -> str | None:
    """The widgets that set an exploration up; its spec as JSON text, or None (with the reason shown)."""
    keys = view.pickable_levers(scenario, les_columns(frame), "weighted_list" in frame.columns)
    init("ex:levers", [k for k in view.DEFAULT_LEVERS if k in keys])
    if any(k not in keys for k in ss["ex:levers"]):
        ss["ex:levers"] = [k for k in ss["ex:levers"] if k in keys]
    picked_keys = st.multiselect("Levers (1 to 4)", keys, key="ex:levers", max_selections=4,
                                 format_func=lever_label,
                                 help="Any setting of the scenario with a range, or a choice. "
                                      "'Most of its LES loss a practice bears (% by year)' sets every year; "
                                      "'…, year 2' one year only.")
    if not picked_keys:
        st.info("Pick at least one lever.")
        return None
    left, right = st.columns([3, 2])
    with left:
        mode = st.radio("Options", list(MODES), format_func=MODES.get, key="ex:mode", horizontal=True,
                        help="Every combination of the levers' values, or seeded quasi-random samples across "
                             "their ranges (for wide ranges or many levers).")
        n, seed = 0, 0
        if mode != "grid":
            c1, c2 = st.columns(2)
            init("ex:samples", 2000)
            n = int(c1.number_input("Samples", min_value=1, max_value=MAX_OPTIONS, step=500, key="ex:samples"))
            init("ex:seed", 2014)
            seed = int(c2.number_input("Seed", min_value=0, step=1, key="ex:seed"))
        picked = []
        for key in picked_keys:
            picked.append(_lever_inputs(scenario, key, mode))
    with right:
        init("ex:conditions", view.DEFAULT_CONDITIONS)
        text = st.text_area("Conditions (one a line)", key="ex:conditions", height=110,
                            help="OUTCOME <= NUMBER, in words or keys: 'largest loss per head <= 2', "
                                 "'worse_off <= 10', 'net cost over 5 years <= 3.5m'. Outcomes: "
                                 + ", ".join(OUTCOMES) + " (over the horizon; add _y2 for year 2).")
        init("ex:minimise", "net_cost")
        objective = st.selectbox("Cheapest means least", list(OUTCOMES), key="ex:minimise",
                                 format_func=lambda k: outcome_label(k, scenario.horizon_years))
    try:
        levers = view.build_levers(picked)
        conditions = view.conditions_from_text(text, scenario.horizon_years)
    except ValueError as err:
        st.error(md_escape(" ".join(str(err).split())))
        return None
    if mode == "grid" and any(lv.values is None for lv in levers):
        st.error("A full grid needs a step above 0 for every range (or choose samples).")
        return None
    count = view.option_count(levers, mode, n)
    if count > MAX_OPTIONS:
        st.error(f"These levers make {count:,} options, more than {MAX_OPTIONS:,}: use larger steps, or samples.")
        return None
    st.caption(f"{count:,} options · {len(frame):,} practices × {scenario.horizon_years} years each")
    return view.spec_json(picked, mode, n, seed, conditions, objective)


def _lever_inputs(scenario: Scenario, key: str, mode: str) -> dict:
    """One lever's range (low, high, step) or choices, as the spec holds it."""
    label = lever_label(key)
    name, c1, c2, c3 = st.columns([2.4, 1, 1, 1], vertical_alignment="bottom")
    name.markdown(f"**{md_escape(label)}**")
    if view.is_choice(key):
        options = view.choices(key)
        wkey = f"ex:ch:{key}"
        init(wkey, options)
        with st.container():
            values = st.multiselect(f"{label}: choices", options, key=wkey,
                                    format_func=lambda v: view.choice_label(key, v))
        return {"key": key, "values": values}
    low, high, step = view.default_range(scenario, key)
    for part, value in (("lo", low), ("hi", high), ("step", step)):
        init(f"ex:{part}:{key}", float(value))
    lo = c1.number_input("From", key=f"ex:lo:{key}")
    hi = c2.number_input("To", key=f"ex:hi:{key}")
    st_ = c3.number_input("Step" if mode == "grid" else "Step (0: any)", min_value=0.0, key=f"ex:step:{key}",
                          help=None if mode == "grid" else "Samples take any value from the range with step 0, "
                                                           "else one of the steps.")
    return {"key": key, "low": float(lo), "high": float(hi), "step": float(st_) if st_ > 0 else None}


# ---------------------------------------------------------------------------------------------
# Running it, with a progress bar when it takes over a second
# ---------------------------------------------------------------------------------------------


def _explore(list_id: str, scenario_json: str, spec: str, frame: pd.DataFrame | None):
    found = cached_exploration(list_id, scenario_json, spec)
    if found is not None:
        return found
    if frame is None:
        st.info("The practice list has changed since these options were explored: press Explore again.")
        return None
    holder, started, bar = st.empty(), time.perf_counter(), []

    def progress(done: int, total: int) -> None:
        if not bar and time.perf_counter() - started > 1.0:
            bar.append(holder.progress(0.0, text="Exploring the options…"))
        if bar:
            bar[0].progress(min(1.0, done / max(total, 1)), text=f"Exploring: {done:,} of {total:,} options")

    try:
        ex = exploration(list_id, scenario_json, spec, _frame=frame, progress=progress)
    except (ValueError, EngineInputError) as err:
        holder.empty()
        st.error(md_escape(" ".join(str(err).split())))
        return None
    holder.empty()
    return ex


# ---------------------------------------------------------------------------------------------
# The answer
# ---------------------------------------------------------------------------------------------


def _results(ex, scenario: Scenario, asked: tuple, meeting: bool) -> None:
    if asked[1] != scenario.model_dump_json():
        st.caption(f"Explored from the scenario '{md_escape(ex.scenario.name)}' as it was then; the panel has "
                   "changed since (press Explore to explore the panel's scenario).")
    if ss.get("ex:loaded"):
        st.success(md_escape(ss["ex:loaded"]))
    metric_cards(view.cards(ex))
    for note in ex.notes:
        st.caption(md_escape(note))
    axes = st.segmented_control("Frontier", list(FRONTIERS), format_func=FRONTIERS.get, key="ex:axes",
                                default="two", required=True,
                                help="An option is on the frontier when no other option is at least as good on "
                                     "every axis and better on one. With practices worse off as a third axis, "
                                     "more options are on it: fewer losers can be worth a higher cost.")
    three = axes == "three"
    plot(charts.options_frontier(ex, large=meeting, worse_off=three), key="chart_options")
    T = ex.scenario.horizon_years
    if ex.best is None and ex.conditions:
        st.warning("No option meets every condition. The nearest, and by how much each misses:")
        near = pd.DataFrame({"Option": ex.nearest["option"],
                             "Settings": [view.option_text(ex, int(o)) for o in ex.nearest["option"]],
                             "Misses": ex.nearest["misses"]})
        st.dataframe(near, hide_index=True, width="stretch", key="options_nearest")
        ranked, title = ex.frontier(worse_off=three), "The frontier, cheapest first"
    elif ex.conditions:
        ranked = ex.meeting()
        title = f"The {len(ranked):,} options meeting the conditions, best first"
    else:
        ranked, title = ex.ranked(ex.options), "Every option, cheapest first"
    shown = min(len(ranked), 200)
    st.markdown(f"**{title}**" + (f" (the first {shown})" if shown < len(ranked) else ""))
    df, kinds = view.ranked_table(ex, ranked, top=200)
    table(df, kinds, key="options_table", height=min(420, 35 * (len(df) + 1) + 3))
    _use_option(ex, T)
    c1, c2, c3 = st.columns(3)
    with c1:
        csv_button("Every option: CSV", lambda: ex.ranked(ex.options), "options.csv", "dl_options")
    with c2:
        csv_button("The frontier: CSV", lambda: ex.frontier(worse_off=three),
                   "frontier_3_axes.csv" if three else "frontier.csv", "dl_frontier")
    if ex.best is not None:
        c3.download_button("Best option: scenario (YAML)", data=dump_scenario(ex.scenario_for(ex.best)).encode(),
                           file_name=f"{slug(ex.scenario.name)}_option_{ex.best}.yaml", mime="application/x-yaml",
                           on_click="ignore", icon=":material/download:", key="dl_best")


def _use_option(ex, T: int) -> None:
    """Pick an option and load it into the panel, as an edit of the scenario file the panel started from."""
    numbers = view.pick_list(ex)
    if not numbers:
        return
    labels = {n: f"Option {n}: {view.option_text(ex, n)} — "
                 f"{view.outcome_text(ex.objective, ex.option(n)[ex.objective])}" for n in numbers}
    c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
    if ss.get("ex:use") not in numbers:
        ss["ex:use"] = numbers[0]
    number = c1.selectbox("Option to use", numbers, key="ex:use", format_func=labels.get,
                          help="Loads the option into the assumptions panel as an edited scenario: every tab then "
                               "shows it, and the sidebar's link and YAML download carry it.")
    option = ex.scenario_for(number)
    cols = ss.get("les_cols", [])
    changed = scenario_edits.changes(scenario_edits.flatten(ss.base, cols), scenario_edits.flatten(option, cols))
    changed.pop("description", None)   # the name says which option it is; the settings are in the link
    c2.button("Use this option", key="ex:use_button", on_click=_load, args=(number, changed, labels[number]),
              width="stretch", icon=":material/input:")


def _load(number: int, changed: dict, label: str) -> None:
    inputs.use_scenario(ss.base, ss.origin, ss.scenario_file, overrides=changed)
    ss["ex:loaded"] = f"Loaded into the panel: {label}"
