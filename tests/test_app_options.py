"""The app's Options tab (screen/pages/options.py), driven by AppTest: the figures it shows are the explorer's
(model.analysis.explore), and "use this option" puts the option into the panel as an edited scenario.
Run: .venv/bin/pytest tests/test_app_options.py -q
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from app_helpers import card_value
from streamlit.testing.v1 import AppTest

from model import formats
from model.analysis.explore import explore, parse_lever
from model.engine import prepare, run
from model.practices import load_practices
from model.scenario_files import load_scenario_file

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
LINKED = load_scenario_file(str(ROOT / "scenarios" / "les_linked_counts.yaml"))
LEVERS = {"pot.rate_per_head": (3.0, 7.0, 1.0), "les.reinvest_pct": (0.0, 100.0, 10.0),
          "les.protection.max_loss_pct": (0.0, 100.0, 25.0)}


@pytest.fixture(scope="module")
def nene():
    return prepare(load_practices(ROOT / "data" / "nene_2014_15.csv").practices)


@pytest.fixture(scope="module")
def expected(nene):
    """The same exploration, straight from the model."""
    return explore(nene, LINKED, [parse_lever(f"{k}={lo:g}:{hi:g}:{st:g}") for k, (lo, hi, st) in LEVERS.items()],
                   conditions=["largest_loss_per_head <= 2"])


def clean(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label_start: str) -> str:
    return card_value(at, label_start)


def options_tab(conditions: str = "largest_loss_per_head <= 2") -> AppTest:
    """The app on the LES-linked scenario, the Options tab with a coarse grid of the three levers, explored."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["s"] = "les_linked_counts"
    clean(at.run())
    at.session_state["view"] = "Options"
    clean(at.run())
    assert at.multiselect(key="ex:levers").value == list(LEVERS)
    for key, (lo, hi, step) in LEVERS.items():
        at.number_input(key=f"ex:lo:{key}").set_value(lo)
        at.number_input(key=f"ex:hi:{key}").set_value(hi)
        at.number_input(key=f"ex:step:{key}").set_value(step)
    at.text_area(key="ex:conditions").set_value(conditions)
    clean(at.run())
    at.button(key="ex:run").click()
    return clean(at.run())


def test_options_tab_shows_the_explorer_s_answer(expected):
    at = options_tab()
    ex = expected
    best = ex.option(ex.best)
    assert metric(at, "Options explored") == formats.count(len(ex.options)) == "275"
    assert metric(at, "Meet the conditions") == formats.count(int(ex.options["meets_conditions"].sum()))
    assert metric(at, f"Best: option {ex.best}") == formats.money(best["net_cost"])
    assert metric(at, "Its largest loss per patient") == formats.money(best["largest_loss_per_head"], pence=True)
    # the ranked table: the options meeting the conditions, best first, with the explorer's figures
    table = next(d.value for d in at.dataframe if "Option" in d.value.columns and len(d.value) > 5)
    meeting = ex.meeting()
    assert table["Option"].tolist() == meeting["option"].head(200).tolist()
    cost = [c for c in table.columns if c.startswith("Net cost to CCG")][0]
    assert float(table[cost].iloc[0]) == float(best["net_cost"])
    # the frontier chart: every option, the frontier and the best option starred; the £2 condition drawn
    fig = json.loads(at.get("plotly_chart")[-1].proto.spec)
    assert [t["name"] for t in fig["data"]] == ["Options", "Frontier", "Best meeting the conditions"]
    assert fig["data"][2]["x"] == [float(best["net_cost"])]
    assert len(fig["data"][1]["x"]) == int(ex.options["frontier"].sum())
    assert any("at most £2.00" in a["text"] for a in fig["layout"]["annotations"])
    assert at.selectbox(key="ex:use").value == ex.best


def test_frontier_with_practices_worse_off_as_a_third_axis(expected):
    """The switch draws the three-axis frontier (ringed, not joined) and the frontier download follows it."""
    at = options_tab()
    at.segmented_control(key="ex:axes").set_value("three")
    clean(at.run())
    fig = json.loads(at.get("plotly_chart")[-1].proto.spec)
    front = fig["data"][1]
    assert front["name"].startswith("Frontier on three axes") and front["mode"] == "markers"
    three = expected.frontier(worse_off=True)
    assert len(three) >= int(expected.options["frontier"].sum())
    assert sorted(front["x"]) == sorted(float(v) for v in three["net_cost"])
    assert f"{len(three):,} on the frontier of cost, largest loss and practices worse off" in json.dumps(
        fig["layout"]["title"], ensure_ascii=False)


def test_use_this_option_loads_it_into_the_panel(expected, nene):
    at = options_tab()
    ex = expected
    at.button(key="ex:use_button").click()
    at.session_state["sec:les"] = True   # the panel's LES section runs its inputs only while open
    clean(at.run())
    settings = ex.settings(ex.best)
    assert at.number_input(key="in:pot.rate_per_head").value == settings["pot.rate_per_head"]
    assert at.number_input(key="in:les.reinvest_pct").value == settings["les.reinvest_pct"]
    assert at.number_input(key="in:les.protection.max_loss_pct.0").value == settings["les.protection.max_loss_pct"]
    assert at.query_params["s"] == "les_linked_counts"          # an edit of the scenario file, carried in the link
    assert at.query_params["les.reinvest_pct"] == formats.count(settings["les.reinvest_pct"]).replace(",", "")
    assert any(f"option {ex.best}" in s.value.lower() for s in at.success)
    # every tab now shows the option: the Overview's net cost is a run of the option's scenario
    at.session_state["view"] = "Overview"
    clean(at.run())
    first = run(nene, ex.scenario_for(ex.best)).summary.iloc[0]
    assert metric(at, "Net cost to CCG 2014/15") == formats.money(first["net_cost"])


def test_no_option_meeting_lists_the_nearest():
    at = options_tab("largest_loss_per_head <= 0.1\nnet cost < 0")
    assert metric(at, "Best option") == "none"
    assert any("No option meets every condition" in w.value for w in at.warning)
    near = next(d.value for d in at.dataframe if "Misses" in d.value.columns)
    assert len(near) >= 1 and near["Misses"].str.contains("misses by").all()


def test_a_bad_condition_is_named_and_nothing_runs():
    at = AppTest.from_file(APP, default_timeout=120)
    clean(at.run())
    at.session_state["view"] = "Options"
    clean(at.run())
    at.text_area(key="ex:conditions").set_value("largest_los <= 2")
    clean(at.run())
    assert any("condition 'largest_los <= 2'" in e.value.replace("\\", "") for e in at.error)  # md-escaped
    assert not [b for b in at.button if b.key == "ex:run"]
