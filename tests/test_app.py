"""The Streamlit page (app.py) driven by AppTest, and the pure helpers behind it (screen/).

AppTest runs the real script: every assertion reads a figure the page shows and compares it with the
value the model gives (or with the published Nene figures), not just the absence of errors.
Run: .venv/bin/pytest tests/test_app.py -q
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from app_helpers import card_value, cards
from streamlit.testing.v1 import AppTest

from model import formats, scenario_edits
from model.engine import run
from model.practices import load_practices
from model.scenario import Scenario, ScenarioError
from model.scenario_files import dump_scenario, load_scenario_file
from screen import cards as screen_cards
from screen import markdown, practice_list

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
NENE = ROOT / "data" / "nene_2014_15.csv"

POT_DEFAULT = "£3,238,385"      # 647,677 patients × £5
POT_AT_6 = "£3,886,062"         # 647,677 × £6 (to the penny: £3,886,062.00)
LES_NENE = "£6,300,069"         # les_total of the 69 Nene practices


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nene() -> pd.DataFrame:
    return load_practices(NENE).practices


def new_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if query:
        at.query_params.update(query)
    at.run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def metric(at: AppTest, label_start: str) -> str:
    return card_value(at, label_start)


def goto(at: AppTest, tab: str) -> AppTest:
    at.session_state["view"] = tab
    at.run()
    assert_clean(at)
    return at


def open_bridge(at: AppTest) -> AppTest:
    """Open the Overview's "How the net cost is made up" (pot, new money, LES savings, protection, the bridge
    chart and the guidance cards), which runs only while open."""
    at.session_state["overview_bridge"] = True
    at.run()
    assert_clean(at)
    return at


def popover_labels(at: AppTest) -> list[str]:
    return [p.proto.popover.label for p in at.get("popover")]


def html_text(at: AppTest) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    for d in at.dataframe:
        if column in d.value.columns:
            return d.value
    raise AssertionError(f"no table with column '{column}'")


def year_rows(results, year_index: int = 0) -> pd.DataFrame:
    p = results.practices
    return p[p["year_index"] == year_index].set_index("practice_code")


# ---------------------------------------------------------------------------------------------
# the page on its defaults
# ---------------------------------------------------------------------------------------------


def test_defaults_show_nene_guidance_figures():
    at = new_app()
    # the first screen answers the meeting's question: who is better off, worse off, unchanged
    assert metric(at, "Worse off") == "▼ 0"
    assert metric(at, "Better off") == "▲ 69"
    assert metric(at, "Unchanged") == "= 0"
    assert metric(at, "Largest loss 2014/15") == "none"
    assert metric(at, "Practice pot 2014/15") == POT_DEFAULT
    assert metric(at, "Net cost to CCG 2014/15") == POT_DEFAULT
    assert not at.error
    assert "✔ 7 checks pass" in popover_labels(at)    # a small badge in the header, details on click
    assert at.query_params == {"s": "guidance_default"}
    # the inputs panel is visibly marked as inputs
    assert any("inputs-banner" in h.proto.body for h in at.sidebar.get("html"))
    # one chart of every practice's net change, no plotly on the first screen (it loads with the bridge)
    assert "net change by practice" in html_text(at) and not at.get("plotly_chart")
    open_bridge(at)
    assert metric(at, "New money") == POT_DEFAULT
    assert metric(at, "LES savings") == "£0"
    assert metric(at, "Pot per registered patient") == "£5.00"
    assert metric(at, "Pot per patient aged 75+") == "£70.74"   # £3,238,385 / 45,778
    # the waterfall is drawn from the model's summary
    spec = at.get("plotly_chart")[0].proto.spec
    assert "Practice pot" in spec and "Net cost to CCG" in spec


def test_rate_change_raises_the_pot_and_the_link():
    at = new_app()
    at.number_input(key="in:pot.rate_per_head").set_value(6.0).run()
    assert_clean(at)
    assert metric(at, "Practice pot 2014/15") == POT_AT_6
    open_bridge(at)
    assert metric(at, "Pot per registered patient") == "£6.00"
    assert at.query_params["pot.rate_per_head"] == "6"
    assert at.query_params["s"] == "guidance_default"


def test_pot_per_patient_aged_75_and_share_by_75(nene):
    at = new_app()
    at.selectbox(key="in:pot.basis").set_value("over75").run()
    assert_clean(at)
    assert metric(at, "Practice pot 2014/15") == "£2,288,900"      # 45,778 × £50
    at.selectbox(key="in:distribution.basis").set_value("over75").run()
    goto(at, "Practices")
    table = frame_with(at, "Allocation per patient 75+ (£)")
    assert table["Allocation per patient 75+ (£)"].round(2).eq(50.0).all()
    assert table["Allocation (£)"].sum() == pytest.approx(2_288_900.0)


def test_blend_weights_need_to_add_up_and_then_change_allocations(nene):
    at = new_app()
    at.selectbox(key="in:distribution.basis").set_value("blend").run()
    assert_clean(at)
    at.number_input(key="in:distribution.weights.list_size").set_value(0.5).run()
    assert_clean(at)
    assert any("add up to 1" in e.value for e in at.error)          # named, not a traceback
    assert not cards(at)                                             # no figures from invalid inputs
    at.number_input(key="in:distribution.weights.over75").set_value(0.5).run()
    assert_clean(at)
    assert not at.error
    expected = run(nene, Scenario().with_changes({"distribution.weights": {"list_size": 0.5, "over75": 0.5}}))
    goto(at, "Practices")
    table = frame_with(at, "Allocation (£)").set_index("Code")
    want = year_rows(expected)["allocation"]
    assert table.loc[want.index, "Allocation (£)"].to_numpy() == pytest.approx(want.to_numpy())
    assert table.loc["K83003", "Allocation (£)"] != pytest.approx(42_190.0)   # moved from the list-size share


def test_non_recurrent_stops_later_years():
    at = new_app()
    open_section(at, "funding")
    at.selectbox(key="in:funding.type").set_value("non_recurrent").run()
    assert_clean(at)
    assert metric(at, "Practice pot 2014/15") == POT_DEFAULT
    goto(at, "Years")
    years = frame_with(at, "Practice pot (£)")
    assert list(years["Year"]) == ["2014/15", "2015/16", "2016/17", "2017/18", "2018/19"]
    assert list(years["Practice pot (£)"]) == pytest.approx([3_238_385.0, 0, 0, 0, 0])
    assert list(years["New money paid?"]) == ["yes", "no", "no", "no", "no"]
    assert any("cliff of £3,238,385" in i.value for i in at.info)
    # staff committed from the money are stranded from 2015/16
    at.number_input(key="in:staffing.committed_pct").set_value(70.0).run()
    years = frame_with(at, "Unfunded staff costs (£)")
    assert years["Unfunded staff costs (£)"].iloc[1] == pytest.approx(0.7 * 3_238_385.0, abs=1.0)


def open_section(at: AppTest, name: str) -> AppTest:
    """Open a section of the inputs panel (its inputs run only while it is open)."""
    at.session_state[f"sec:{name}"] = True
    at.run()
    assert_clean(at)
    return at


def test_decommissioning_les_total(nene):
    at = new_app()
    open_section(at, "les")
    at.selectbox(key="in:les.schemes.les_total.action").set_value("decommission").run()
    assert_clean(at)
    assert metric(at, "Net cost to CCG 2014/15") == "−£3,061,684"   # 3,238,385 − 6,300,069
    assert at.query_params["les.schemes.les_total"] == "{action: decommission}"
    # the first screen says who loses, and by how much, as the model does
    from model.headlines import who_loses
    w = who_loses(run(nene, Scenario().with_changes({"les.schemes": {"les_total": {"action": "decommission"}}})))
    assert metric(at, "Worse off") == f"▼ {w.worse_off}" and metric(at, "Better off") == f"▲ {w.better_off}"
    assert metric(at, "Unchanged") == f"= {w.unchanged}" and w.worse_off > 0
    assert metric(at, "Largest loss 2014/15") == formats.money(w.largest_loss)
    loss_card = next(c for c in cards(at) if c.label.startswith("Largest loss"))
    assert w.largest_loss_name in loss_card.delta and formats.money(w.largest_loss_per_head, pence=True) \
        in loss_card.delta
    # the header says the scenario on screen is edited, and how, in words
    assert "edited: 1 change from guidance_default.yaml" in html_text(at)
    assert "LES (all schemes): decommissioned in full from 2014/15 (file: kept as now)" in html_text(at)
    open_bridge(at)
    assert metric(at, "LES savings") == LES_NENE
    # protection paid by the CCG: no practice may lose anything in year 1
    at.number_input(key="in:les.protection.max_loss_pct.0").set_value(0.0).run()
    at.selectbox(key="in:les.protection.funded_from").set_value("commissioner").run()
    assert_clean(at)
    assert metric(at, "Worse off") == "▼ 0"
    assert metric(at, "Transitional protection") != "£0"


def test_meeting_mode_hides_every_practice_name(nene):
    at = new_app()
    at.toggle(key="meeting").set_value(True).run()
    assert_clean(at)
    names = set(nene["practice_name"]) | set(nene["practice_code"])
    seen_tables = 0
    for tab in ["Overview", "Practices", "Localities", "Years", "Compare", "One practice", "Practice list"]:
        goto(at, tab)
        for d in at.dataframe:
            seen_tables += 1
            cells = set(d.value.astype(str).to_numpy().ravel())
            assert not cells & names, (tab, sorted(cells & names)[:5])
        for chart in at.get("plotly_chart"):
            assert not [n for n in names if n in chart.proto.spec], tab
        for md in at.markdown:
            assert not [n for n in names if n in md.value], tab
        assert not [n for n in names if n in html_text(at)], tab
        for c in cards(at):
            assert not [n for n in names if n in c.value or n in c.delta], tab
        for sb in at.selectbox:
            assert not [n for n in names if n in str(sb.format_func(sb.value)) if sb.value is not None]
    assert seen_tables >= 6
    goto(at, "Practices")
    assert frame_with(at, "Practice")["Practice"].str.match(r"^Practice [A-Z]+$").all()
    # and back: names return
    at.toggle(key="meeting").set_value(False).run()
    assert "Queensview Medical Centre" in set(frame_with(at, "Practice")["Practice"])


def test_bad_upload_is_refused_and_keeps_the_previous_list():
    at = new_app()
    at.radio(key="in:data_source").set_value("upload").run()
    assert_clean(at)
    assert metric(at, "Practice pot 2014/15") == POT_DEFAULT     # still Nene until a file is chosen
    text = NENE.read_text().replace(",over75,", ",older_patients,")
    at.file_uploader(key="practice_upload").upload("no_over75.csv", text.encode(), "text/csv")
    at.run()
    assert_clean(at)
    assert any("cannot be used" in e.value for e in at.error)
    problems = " ".join(m.value for m in at.sidebar.markdown)
    assert "no\\_over75.csv" in problems and "over75" in problems
    assert metric(at, "Practice pot 2014/15") == POT_DEFAULT     # previous data kept
    # a good file replaces it
    good = "\n".join(NENE.read_text().splitlines()[:11]) + "\n"   # the first 10 practices
    at.file_uploader(key="practice_upload").set_value(("ten.csv", good.encode(), "text/csv"))
    at.run()
    assert_clean(at)
    patients = pd.read_csv(NENE).head(10)["list_size"].sum()
    assert metric(at, "Practice pot 2014/15") == formats.money(5 * patients)
    assert not at.error


def test_upload_route_function_reports_named_problems():
    """The same path as the uploader, without the widget: model.practices on the file's bytes."""
    res = load_practices(b"practice_code,list_size\nA1,100\n", "mine.csv")
    assert not res.ok
    kinds = [k for k, _ in practice_list.checklist(res.report)]
    assert "error" in kinds
    assert any("over75" in t for k, t in practice_list.checklist(res.report) if k == "error")


def test_editor_edits_survive_reruns(nene):
    at = new_app()
    goto(at, "Practice list")
    assert any("All checks passed" in s.value for s in at.success)
    editor = at.data_editor[0]
    row = list(editor.value["practice_code"]).index("K83003")
    at.session_state[editor.key] = {"edited_rows": {row: {"participating": False}}, "added_rows": [],
                                    "deleted_rows": []}
    at.run()
    assert_clean(at)
    goto(at, "Overview")
    assert (metric(at, "Better off"), metric(at, "Worse off"), metric(at, "Unchanged")) == ("▲ 68", "▼ 0", "= 1")
    goto(at, "Practices")
    table = frame_with(at, "Allocation (£)").set_index("Code")
    assert table.loc["K83003", "Allocation (£)"] == 0
    expected = run(nene.assign(participating=nene["practice_code"] != "K83003"), Scenario())
    assert table.loc["K83004", "Allocation (£)"] == pytest.approx(year_rows(expected).loc["K83004", "allocation"])
    # another widget change: the edit is still applied
    at.number_input(key="in:pot.rate_per_head").set_value(6.0).run()
    assert_clean(at)
    table = frame_with(at, "Allocation (£)").set_index("Code")
    assert table.loc["K83003", "Allocation (£)"] == 0
    goto(at, "Overview")
    assert metric(at, "Practice pot 2014/15") == POT_AT_6
    assert metric(at, "Better off") == "▲ 68"


def test_editor_bad_value_is_named_not_used():
    at = new_app()
    goto(at, "Practice list")
    editor = at.data_editor[0]
    row = list(editor.value["practice_code"]).index("K83004")
    at.session_state[editor.key] = {"edited_rows": {row: {"over75": 999_999}}, "added_rows": [],
                                    "deleted_rows": []}
    at.run()
    assert_clean(at)
    assert any("problems" in e.value for e in at.error)
    assert any("Aged 75+ column" in m.value for m in at.markdown)     # the column in words, not its key


def test_link_reopens_the_scenario():
    at = new_app({"s": "les_separate", "pot.rate_per_head": "6"})
    assert metric(at, "Practice pot 2014/15") == POT_AT_6
    open_bridge(at)
    assert metric(at, "LES savings") == LES_NENE
    assert at.selectbox(key="scenario_pick").value == "les_separate"
    assert at.number_input(key="in:pot.rate_per_head").value == 6.0
    assert at.query_params == {"s": "les_separate", "pot.rate_per_head": "6"}


def test_link_with_a_ccg_opens_that_ccg():
    at = new_app({"ccg": "00C"})
    assert at.radio(key="in:data_source").value == "england"
    england = load_practices(ROOT / "data" / "england_2014_15.csv").practices
    patients = england.loc[england["commissioner"] == "00C", "list_size"].sum()
    assert metric(at, "Practice pot 2014/15") == formats.money(5 * patients)
    assert at.query_params["ccg"] == "00C"


def test_bad_link_warns_and_runs_on_defaults():
    at = new_app({"s": "no_such_file", "funding.type": "sometimes", "nonsense": "1",
                  "pot.rate_per_head": "abc"})
    warnings = " ".join(w.value for w in at.warning)
    assert "no\\_such\\_file" in warnings and "nonsense" in warnings and "funding.type" in warnings
    assert "rate\\_per\\_head" in warnings
    assert metric(at, "Practice pot 2014/15") == POT_DEFAULT


def test_scenario_picker_and_reset():
    at = new_app()
    at.selectbox(key="scenario_pick").set_value("per_over75_50").run()
    assert_clean(at)
    assert metric(at, "Practice pot 2014/15") == "£2,288,900"
    assert at.query_params == {"s": "per_over75_50"}
    at.number_input(key="in:pot.rate_per_over75").set_value(60.0).run()
    assert metric(at, "Practice pot 2014/15") == "£2,746,680"        # 45,778 × £60
    at.button(key="reset_panel").click().run()                       # Reset to file
    assert_clean(at)
    assert metric(at, "Practice pot 2014/15") == "£2,288,900"
    assert at.number_input(key="in:pot.rate_per_over75").value == 50.0


def test_scenario_upload_bad_file_keeps_the_current_scenario():
    at = new_app()
    at.number_input(key="in:pot.rate_per_head").set_value(6.0).run()
    at.session_state["load_yaml"] = True   # the uploader is drawn while its popover is open
    at.run()
    at.file_uploader(key="scenario_upload").upload("typo.yaml", b"version: 1\npot:\n  rate_per_hed: 7\n",
                                                    "application/x-yaml")
    at.run()
    assert_clean(at)
    errors = " ".join(e.value for e in at.error)
    assert "typo.yaml" in errors and "rate\\_per\\_hed" in errors and "unknown key" in errors
    assert metric(at, "Practice pot 2014/15") == POT_AT_6           # unchanged
    good = dump_scenario(load_scenario_file(ROOT / "scenarios" / "les_separate.yaml").with_changes(
        {"pot.rate_per_head": 7.0, "name": "Seven pounds"}))
    at.file_uploader(key="scenario_upload").set_value(("seven.yaml", good.encode(), "application/x-yaml"))
    at.run()
    assert_clean(at)
    assert not at.error
    assert metric(at, "Practice pot 2014/15") == "£4,533,739"        # 647,677 × £7
    assert "Seven pounds" in html_text(at) and "as in seven.yaml" in html_text(at)   # the header names it
    open_section(at, "growth")
    assert at.text_input(key="in:name").value == "Seven pounds"
    open_bridge(at)
    assert metric(at, "LES savings") == LES_NENE


def test_compare_tab_lists_differences_first():
    at = new_app()
    at.number_input(key="in:pot.rate_per_head").set_value(6.0).run()
    goto(at, "Compare")
    assert at.dataframe[0].value.columns[0] == "Setting"                # differing assumptions first
    settings = set(at.dataframe[0].value["Setting"])
    assert "Pot: £ per registered patient a year" in settings and "LES scheme actions" in settings
    head = at.dataframe[1].value.set_index("Headline")
    current, other = head.columns[0], head.columns[1]
    assert current.startswith("Current:")
    assert head.loc["Practice pot", current] == POT_AT_6
    assert head.loc["Practice pot", other] == POT_DEFAULT
    assert head.loc["LES savings", other] == LES_NENE
    deltas = at.dataframe[2].value.set_index("Code")
    # readable headings: the scenario's name (shortened), its difference from the first; no keys or brackets
    assert not [c for c in deltas.columns if "_" in c or "[" in c], list(deltas.columns)
    change = next(c for c in deltas.columns if c.startswith("Difference: "))
    assert len(deltas) == 69 and deltas[change].notna().all()
    # the current scenario's column is each practice's net change at £6 a head, to the penny (engine)
    at6 = year_rows(run(load_practices(NENE).practices, Scenario().with_changes({"pot.rate_per_head": 6.0})))
    current_col = next(c for c in deltas.columns if c.startswith("Current: Guidance default"))
    shown = deltas[current_col].astype(float)
    assert (shown.round(2) == at6["net_change"].loc[shown.index].round(2)).all()
    assert shown.loc["K83003"] == pytest.approx(50_628.0, abs=0.01)        # 8,438 patients × £6
    # the other scenario's column and the difference, to the penny
    separate = year_rows(run(load_practices(NENE).practices,
                             load_scenario_file(ROOT / "scenarios" / "les_separate.yaml")))["net_change"]
    other_col = next(c for c in deltas.columns if c.startswith(other[:20]))
    assert (deltas[other_col].round(2) == separate.loc[deltas.index].round(2)).all()
    assert (deltas[change].round(2) == (separate - at6["net_change"]).loc[deltas.index].round(2)).all()
    # a filter to one practice
    at.selectbox(key="compare_practice").set_value("K83003").run()
    assert_clean(at)
    one = at.dataframe[2].value
    assert list(one["Code"]) == ["K83003"] and one[current_col].iloc[0] == pytest.approx(50_628.0, abs=0.01)


def test_my_practice_in_plain_english():
    at = new_app()
    goto(at, "One practice")
    at.selectbox(key="my_practice").set_value("K83003").run()
    assert_clean(at)
    text = " ".join(m.value for m in at.markdown)
    assert "Queensview Medical Centre receives £42,190" in text            # 8,438 × £5
    assert [b.label for b in at.get("download_button") if "One-page" in b.label]


def test_uncertainty_tab_gives_a_range():
    at = new_app({"s": "conditional_review"})
    goto(at, "Uncertainty")
    # the cards are the seeded Monte Carlo's own figures for this scenario
    from model.analysis.montecarlo import monte_carlo
    from model.engine import prepare
    from screen.pages.cache import MC_DRAWS, MC_GROWTH_STEP, MC_SEED

    mc = monte_carlo(prepare(load_practices(NENE).practices), load_scenario_file(str(ROOT / "scenarios" /
                     "conditional_review.yaml")), draws=MC_DRAWS, seed=MC_SEED, growth_step=MC_GROWTH_STEP)
    row = mc.summary[(mc.summary["measure"] == "net_cost_after_admissions")
                     & (mc.summary["year"].astype(str) == "All years")].iloc[0]
    assert metric(at, "Chance it pays for itself") == formats.pct(100.0 * float(row["prob_le_zero"]), 0)
    spread = f"{formats.money_short(row['p5'])} to {formats.money_short(row['p95'])}"
    assert metric(at, "90 % of draws between") == spread
    assert metric(at, "Median of the draws") == formats.money(row["p50"])
    assert row["p5"] < row["p50"] < row["p95"]
    assert len(at.get("plotly_chart")) == 3


def test_successive_rate_changes_each_update_the_pot():
    """Every rate change re-runs the model (no stale cache). Speed: benchmarks/bench_app.py."""
    at = new_app()
    for rate in (6.0, 6.5, 4.5, 5.25):
        at.number_input(key="in:pot.rate_per_head").set_value(rate).run()
        assert metric(at, "Practice pot 2014/15") == formats.money(rate * 647_677)


# ---------------------------------------------------------------------------------------------
# screen/: the pure helpers behind the page
# ---------------------------------------------------------------------------------------------


def test_money_text():
    assert formats.money(3_238_385) == "£3,238,385"
    assert formats.money(-3_061_684.4) == "−£3,061,684"
    assert formats.money(-0.3) == "£0"
    assert formats.money(5, pence=True) == "£5.00"
    assert formats.money_signed(20.74, pence=True) == "+£20.74"
    assert formats.money_000(3_238_385) == "£3,238k"
    assert formats.pct(8.0847) == "8.1 %"
    assert formats.money(float("nan")) == "–"


def test_headline_cards_read_the_summary(nene):
    res = run(nene, Scenario().with_changes({"les.schemes": {"les_total": {"action": "decommission"}}}))
    cards = {c.label: c.value for c in screen_cards.headline_cards(res, 0)}
    assert cards["Practice pot 2014/15"] == POT_DEFAULT
    assert cards["LES savings"] == LES_NENE
    assert cards["Net cost to CCG 2014/15"] == "−£3,061,684"
    steps = screen_cards.waterfall_steps(res, 0)
    assert sum(v for _, v, k in steps if k == "relative" and _ not in ("New money", "Recycled LES")) \
        + res.by_year()["pot"].iloc[0] == pytest.approx(res.by_year()["net_cost"].iloc[0])


def test_flatten_and_build_round_trip():
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        s = load_scenario_file(path)
        values = scenario_edits.flatten(s, ["les_total"])
        assert scenario_edits.build_scenario(s, values) == s
        assert scenario_edits.changes(scenario_edits.flatten(s, ["les_total"]), values) == {}


def test_build_scenario_refuses_bad_combinations():
    s = Scenario()
    values = scenario_edits.flatten(s)
    with pytest.raises(ScenarioError, match="add up to 1"):
        scenario_edits.build_scenario(s, {**values, "distribution.weights.list_size": 0.5})
    with pytest.raises(ScenarioError, match="floor"):
        scenario_edits.build_scenario(s, {**values, "distribution.floor": 9000.0, "distribution.cap": 100.0})


def test_link_round_trip():
    base = load_scenario_file(ROOT / "scenarios" / "les_separate.yaml")
    values = scenario_edits.flatten(base, ["les_total"])
    edited = {**values, "pot.rate_per_head": 6.0, "les.protection.max_loss_pct": [0.0, 25.0, 100.0],
              "les.schemes.les_total": scenario_edits.scheme_value("decommission", {"fraction": 0.5})}
    params = scenario_edits.link_params("les_separate", scenario_edits.changes(values, edited))
    assert params == {"s": "les_separate", "pot.rate_per_head": "6", "les.protection.max_loss_pct": "[0, 25, 100]",
                      "les.schemes.les_total": "{action: decommission, fraction: 0.5}"}
    reading = scenario_edits.read_link(params, ROOT / "scenarios")
    assert not reading.warnings
    values = {**scenario_edits.flatten(reading.base, ["les_total"]), **reading.overrides}
    rebuilt = scenario_edits.build_scenario(reading.base, values)
    assert rebuilt == scenario_edits.build_scenario(base, edited)


def test_link_keeps_good_settings_and_names_bad_ones():
    reading = scenario_edits.read_link({"s": "guidance_default", "distribution.weights.list_size": "0.5",
                               "distribution.weights.over75": "0.5", "funding.type": "sometimes",
                               "les.schemes.les_total": "abolish"}, ROOT / "scenarios")
    assert reading.overrides["distribution.weights.over75"] == 0.5
    text = " ".join(reading.warnings)
    assert "funding.type" in text and "les.schemes.les_total" in text


def test_apply_and_merge_edits(nene):
    edits = practice_list.merge_edits({0: {"list_size": 100}}, {"0": {"over75": 5}, 2: {"participating": False}})
    assert edits == {0: {"list_size": 100, "over75": 5}, 2: {"participating": False}}
    out = practice_list.apply_edits(nene, {**edits, 1: {"practice_name": "Hacked"}, 999: {"list_size": 1}})
    assert out.loc[0, "list_size"] == 100 and out.loc[0, "over75"] == 5
    assert not out.loc[2, "participating"]
    assert out.loc[1, "practice_name"] == nene.loc[1, "practice_name"]   # not an editable column
    assert nene.loc[0, "list_size"] != 100                                # the input is not changed


def test_anonymised_list_matches_anonymised_results(nene):
    from model.anonymise import anonymise
    res = anonymise(run(nene, Scenario()))
    listed = practice_list.anonymise_list(nene)
    by_code = dict(zip(nene["practice_code"], listed["practice_code"]))
    from_results = dict(zip(run(nene, Scenario()).practices["practice_code"].astype(str),
                            res.practices["practice_code"].astype(str)))
    assert by_code == from_results


def test_md_escape_neutralises_markdown():
    assert markdown.md_escape("les_total [x](javascript:1) <b>") == "les\\_total \\[x\\](javascript:1) \\<b\\>"
