"""The app made for a meeting (issue #15), driven by AppTest: every figure checked against the model.

- the first screen says who is better off, worse off and unchanged, and who loses most, as the model does;
- the scenario on screen is named in its header, with each edit in words; picking another file with edits
  asks first, and the edits can be kept as a scenario of their own;
- the practice view shows one practice under the current scenario and others side by side;
- meeting mode deals the letters in a random order (a new one each meeting, and on "reshuffle"), shows
  list sizes and LES in bands, and names no practice in any message;
- no code names on screen; the Uncertainty tab says why the scenario's figure is outside its range.

Run: .venv/bin/pytest tests/test_app_meeting_ready.py -q
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from app_helpers import cards
from streamlit.testing.v1 import AppTest

from model import formats
from model.anonymise import practice_aliases
from model.engine import run
from model.headlines import who_loses
from model.practices import load_practices
from model.scenario import Scenario
from model.scenario_files import load_scenario_file

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
NENE = ROOT / "data" / "nene_2014_15.csv"
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module")
def nene() -> pd.DataFrame:
    return load_practices(NENE).practices


def new_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if query:
        at.query_params.update(query)
    return clean(at.run())


def clean(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def goto(at: AppTest, view: str) -> AppTest:
    at.session_state["view"] = view
    return clean(at.run())


def metric(at: AppTest, label_start: str):
    found = [c for c in cards(at) if c.label.startswith(label_start)]
    assert found, f"no card '{label_start}…' among {[c.label for c in cards(at)]}"
    return found[0]


def html_tables(body: str) -> list[list[str]] | None:
    """The cells of the plain HTML table in `body` (screen.tables.html_table), row by row; None if none."""
    import html as html_lib

    if "<table" not in body:
        return None
    return [[html_lib.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body)]


def html_text(at: AppTest) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def page_text(at: AppTest) -> str:
    """Everything the page says in words: markdown, captions, alerts, labels, help, cards and HTML."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [html_text(at)]
    parts += [e.value for kind in ("error", "warning", "info", "success") for e in getattr(at, kind)]
    parts += [f"{c.label} {c.value} {c.delta}" for c in cards(at)]
    for kind in ("selectbox", "number_input", "toggle", "checkbox", "text_input", "radio", "multiselect"):
        for w in getattr(at, kind):
            parts += [str(w.label), str(getattr(w.proto, "help", ""))]
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# The first screen
# ---------------------------------------------------------------------------------------------


def test_first_screen_says_who_loses_as_the_model_does(nene):
    at = new_app({"s": "les_linked_counts"})
    at.segmented_control(key="year").set_value("2015/16").run()   # protection ends: some practices lose
    clean(at)
    res = run(nene, load_scenario_file(SCENARIOS / "les_linked_counts.yaml"))
    w = who_loses(res, 1)
    assert w.worse_off > 0 and w.better_off > 0
    assert metric(at, "Worse off").value == f"▼ {w.worse_off}"
    assert metric(at, "Better off").value == f"▲ {w.better_off}"
    assert metric(at, "Unchanged").value == f"= {w.unchanged}"
    assert w.worse_off + w.better_off + w.unchanged == 69
    loss = metric(at, "Largest loss 2015/16")
    assert loss.value == formats.money(w.largest_loss)
    assert formats.money(w.largest_loss_per_head, pence=True) in loss.delta
    assert f"{w.largest_loss_name} ({w.largest_loss_code})" in loss.delta
    cost = metric(at, "Net cost to CCG 2015/16")
    assert cost.value == formats.money(float(res.by_year()["net_cost"].iloc[1]))
    assert formats.money(float(res.by_year()["net_cost"].sum())) + " over 5 years" == cost.delta
    # one chart of every practice's net change, sorted: the top and bottom 10, then every practice
    bars = html_text(at)
    assert bars.count('class="nc-row') == min(10, w.worse_off) + min(10, w.better_off)
    assert f"{w.largest_loss_name}</span>" in bars.split('class="nc-row')[1]        # largest loss first
    at.segmented_control(key="overview_shown").set_value("all").run()
    assert html_text(at).count('class="nc-row') == 69
    # a later year
    at.segmented_control(key="year").set_value("2016/17").run()
    clean(at)
    assert metric(at, "Worse off").value == f"▼ {who_loses(res, 2).worse_off}"


# ---------------------------------------------------------------------------------------------
# Which scenario is on screen
# ---------------------------------------------------------------------------------------------


def test_header_names_the_scenario_and_its_edits_and_picking_a_file_asks_first():
    at = new_app()
    assert "Guidance default" in html_text(at) and "as in guidance_default.yaml" in html_text(at)
    at.number_input(key="in:pot.rate_per_head").set_value(6.0).run()
    clean(at)
    assert "edited: 1 change from guidance_default.yaml" in html_text(at)
    assert "Pot: £ per registered patient a year: 6 (file: 5)" in html_text(at)
    # another file picked while edited: nothing changes until the question is answered
    at.selectbox(key="scenario_pick").set_value("les_separate").run()
    clean(at)
    assert metric(at, "Practice pot 2014/15").value == "£3,886,062"          # still the edited £6
    assert at.selectbox(key="scenario_pick").value == "guidance_default"
    assert any("1 unsaved change" in m.value for m in at.sidebar.markdown)
    at.button(key="pick_keep").click().run()                                   # keep them as a scenario
    clean(at)
    assert "LES separate: decommission, savings kept" in html_text(at)
    assert metric(at, "Practice pot 2014/15").value == "£3,238,385"
    options = at.selectbox(key="scenario_pick").options
    assert any("(your edits)" in o for o in options)
    # the kept edits are one click away in Compare
    goto(at, "Compare")
    assert any("(your edits)" in o for o in at.multiselect(key="compare_pick").options)
    # and can be opened again: back to £6 a head
    at.selectbox(key="scenario_pick").set_value("kept:1").run()
    goto(at, "Overview")
    assert metric(at, "Practice pot 2014/15").value == "£3,886,062"
    assert "edited: 1 change from guidance_default.yaml" in html_text(at)


def test_discarding_edits_opens_the_file_and_cancel_keeps_them():
    at = new_app()
    at.number_input(key="in:pot.rate_per_head").set_value(6.0).run()
    at.selectbox(key="scenario_pick").set_value("per_over75_50").run()
    at.button(key="pick_cancel").click().run()
    clean(at)
    assert metric(at, "Practice pot 2014/15").value == "£3,886,062"
    at.selectbox(key="scenario_pick").set_value("per_over75_50").run()
    at.button(key="pick_discard").click().run()
    clean(at)
    assert metric(at, "Practice pot 2014/15").value == "£2,288,900"          # 45,778 × £50
    assert "as in per_over75_50.yaml" in html_text(at)


def test_compare_names_the_current_scenario_as_edited_only_when_it_is():
    at = goto(new_app(), "Compare")
    assert "Current: Guidance default" in at.multiselect(key="compare_pick").options
    at.number_input(key="in:pot.rate_per_head").set_value(6.0).run()
    clean(at)
    assert "Current: Guidance default (edited: 1 change)" in at.multiselect(key="compare_pick").options


# ---------------------------------------------------------------------------------------------
# The practice view
# ---------------------------------------------------------------------------------------------


def test_practice_view_shows_one_practice_under_three_scenarios(nene):
    at = goto(new_app(), "One practice")
    at.selectbox(key="my_practice").set_value("K83004").run()
    clean(at)
    tables = [t for t in (html_tables(h.proto.body) for h in at.get("html")) if t]
    side = next(t for t in tables if t[0][0] == "Figure")
    assert side[0][1:] == ["Current: Guidance default", "LES separate: decommission, savings kept",
                           "LES linked: savings count toward the £5"]
    rows = {r[0]: r[1:] for r in side[1:]}
    for name, column in (("guidance_default", 0), ("les_separate", 1), ("les_linked_counts", 2)):
        r = run(nene, load_scenario_file(SCENARIOS / f"{name}.yaml")).practices
        r = r[(r["practice_code"] == "K83004") & (r["year_index"] == 0)].iloc[0]
        assert rows["Allocation (£)"][column] == formats.money(r["allocation"])
        assert rows["LES lost (£)"][column] == formats.money(r["les_lost"])
        assert rows["Protection (£)"][column] == formats.money(r["protection"])
        assert rows["Net change (£)"][column] == formats.money(r["net_change"])
        assert rows["Net change per patient (£)"][column] == formats.money(r["net_change_per_head"], pence=True)
    years = next(t for t in tables if t[0][0] == "Year")
    assert len(years) == 6 and years[0][1:] == side[0][1:]
    assert len(at.get("plotly_chart")) == 1


# ---------------------------------------------------------------------------------------------
# Meeting mode
# ---------------------------------------------------------------------------------------------


def letters_shown(at: AppTest) -> list[str]:
    return re.findall(r'class="nc-name" title="[^"]*">(Practice [A-Z]+)<', html_text(at))


def test_meeting_letters_are_dealt_afresh_and_say_nothing_of_the_codes(nene):
    at = new_app({"s": "les_linked_counts"})
    at.segmented_control(key="year").set_value("2015/16").run()
    at.toggle(key="meeting").set_value(True).run()
    clean(at)
    seed = at.session_state["meeting_seed"]
    in_code_order = practice_aliases(pd.Series(sorted(nene["practice_code"])))
    dealt = practice_aliases(pd.Series(sorted(nene["practice_code"])), seed)
    assert dealt != in_code_order and sorted(dealt.values()) == sorted(in_code_order.values())
    # the largest loss is named by this meeting's letter
    res = run(nene, load_scenario_file(SCENARIOS / "les_linked_counts.yaml"))
    w = who_loses(res, 1)
    assert dealt[w.largest_loss_code] in metric(at, "Largest loss").delta
    assert letters_shown(at)[0] == dealt[w.largest_loss_code]
    # reshuffle: a new deal
    at.button(key="meeting_reshuffle").click().run()
    clean(at)
    assert at.session_state["meeting_seed"] != seed
    # off and on again: a new meeting, a new deal
    at.toggle(key="meeting").set_value(False).run()
    seed2 = at.session_state["meeting_seed"]
    at.toggle(key="meeting").set_value(True).run()
    assert at.session_state["meeting_seed"] != seed2
    # the practice table lists letters in letter order, list sizes in bands of 500
    goto(at, "Practices")
    table = next(d.value for d in at.dataframe if "Practice" in d.value.columns)
    assert table["Practice"].str.fullmatch(r"Practice [A-Z]+").all()
    assert (table["Patients"] % 500 == 0).all() and "LES lost (£)" in table
    assert (table["LES lost (£)"] % 5000 == 0).all()
    assert any("nearest 500" in c.value for c in at.caption)


def test_meeting_mode_messages_name_no_practice(nene):
    at = new_app()
    at.toggle(key="meeting").set_value(True).run()
    at.radio(key="in:data_source").set_value("upload").run()
    repeated = NENE.read_text().replace("K83005", "K83004")
    at.file_uploader(key="practice_upload").upload("repeated.csv", repeated.encode(), "text/csv")
    at.run()
    clean(at)
    text = " ".join(m.value for m in at.sidebar.markdown) + " ".join(e.value for e in at.sidebar.error)
    assert "appears more than once" in text
    assert not re.search(r"K8\d{4}|Y0\d{4}", text), text
    codes = set(nene["practice_code"]) | set(nene["practice_name"])
    goto(at, "Practice list")
    assert not [c for c in codes if c in page_text(at)]


# ---------------------------------------------------------------------------------------------
# Words, not code names
# ---------------------------------------------------------------------------------------------


def test_no_code_names_on_screen():
    at = new_app({"s": "les_separate"})
    for section in ("pot", "funding", "les", "admissions", "growth"):
        at.session_state[f"sec:{section}"] = True
    at.run()
    seen = []
    for view in ("Overview", "One practice", "Compare", "Practices", "Localities", "Years", "Practice list"):
        goto(at, view)
        text = page_text(at)
        text = re.sub(r"\b[a-z0-9_]+\.(?:yaml|csv)\b", "", text)          # file names are the user's
        seen += [f"{view}: {m}" for m in re.findall(r"\b(?:les|practice|list|net|funding|pot)_[a-z_]+\b", text)]
        for d in at.dataframe:
            if d.proto.editing_mode:   # the editor keeps the file's columns and shows them under headings
                continue
            seen += [f"{view}: column {c}" for c in d.value.columns if "_" in str(c) or "[" in str(c)]
    assert not seen, sorted(set(seen))[:20]


def test_uncertainty_says_why_the_figure_is_outside_its_range():
    at = goto(new_app(), "Uncertainty")
    note = " ".join(i.value for i in at.info)
    assert "above the 95th percentile" in note and "Expected cut in admissions" in note
    assert "£16,191,925" in note                                        # the scenario's own figure, 5 × £3,238,385


def test_all_england_names_the_ccgs():
    at = goto(new_app(), "All England")
    table = next(d.value for d in at.dataframe if "CCG name" in d.value.columns)
    assert len(table) == 211
    assert table.set_index("CCG").loc["04G", "CCG name"] == "Nene"
    at.radio(key="in:data_source").set_value("england").run()
    assert "Nene" in at.selectbox(key="in:ccg").format_func("04G")


def test_scenario_with_no_losers_and_guidance_has_no_largest_loss():
    s = Scenario()
    assert who_loses(run(load_practices(NENE).practices, s)).largest_loss_code is None
