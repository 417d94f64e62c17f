"""Chart builders (screen/charts.py): each returns a plotly Figure with the expected traces and values.

A small hand-made practice list (4 practices, 2 localities, LES income) is run through the real engine;
the tests then read the figures back out of the charts and compare them with the results tables.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from model import formats
from model.analysis.compare import compare_practices, compare_summary
from model.anonymise import anonymise
from model.engine import run
from model.scenario import Scenario
from screen import charts, practice

YEAR0 = "2014/15"


@pytest.fixture(scope="module")
def practices() -> pd.DataFrame:
    return pd.DataFrame({
        "commissioner": ["X01"] * 4,
        "practice_code": ["A001", "A002", "A003", "A004"],
        "practice_name": ["North Surgery", "Mill <b>Lane</b>", "River Practice", "Hill House"],
        "locality": ["North", "North", "South", "South"],
        "list_size": [1000, 2000, 3000, 4000],
        "over75": [100, 150, 300, 200],
        "weighted_list": [1100.0, 1900.0, 3200.0, 3800.0],
        "participating": [True, True, True, True],
        "les_total": [0.0, 5000.0, 20000.0, 1000.0],
    })


@pytest.fixture(scope="module")
def les_results(practices):
    """LES decommissioned, 3-year protection paid by the CCG, half the savings recycled."""
    s = Scenario().with_changes({
        "les.schemes": {"les_total": {"action": "decommission"}},
        "les.reinvest_pct": 50.0,
        "les.protection.max_loss_pct": [0.0, 50.0, 100.0],
        "les.protection.funded_from": "commissioner",
    })
    return run(practices, s)


@pytest.fixture(scope="module")
def cliff_results(practices):
    """Non-recurrent for one year, 70 % of it turned into staff: the cliff in year 2."""
    return run(practices, Scenario().with_changes({"funding.type": "non_recurrent", "funding.years": 1,
                                                   "staffing.committed_pct": 70.0}))


def _year0(results) -> pd.DataFrame:
    p = results.practices
    return p[p["year_index"] == 0]


def test_waterfall_bridges_pot_to_net_cost(les_results):
    fig = charts.waterfall(les_results, 0)
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == 1 and fig.data[0].type == "waterfall"
    w = fig.data[0]
    steps = dict(zip(w.x, w.y))
    y = les_results.by_year().iloc[0]
    assert steps["Practice pot"] == pytest.approx(y["pot"])
    assert steps["Net cost to CCG"] == pytest.approx(y["net_cost"])
    assert steps["LES savings"] == pytest.approx(-y["les_savings"])
    assert steps["Recycled LES"] == pytest.approx(y["recycled"]) and y["recycled"] > 0
    assert steps["Protection paid by the CCG"] == pytest.approx(y["protection_from_commissioner"])
    # the relative steps after the pot add up to the net cost (the bridge reconciles)
    measures = list(w.measure)
    i_pot = list(w.x).index("Practice pot")
    after = sum(v for v, m in zip(list(w.y)[i_pot + 1:-1], measures[i_pot + 1:-1]) if m == "relative")
    assert y["pot"] + after == pytest.approx(y["net_cost"], abs=0.01)
    assert measures[i_pot] == "total" and measures[-1] == "total"
    assert w.text[list(w.x).index("Practice pot")] == formats.money_short(y["pot"])
    assert w.customdata[list(w.x).index("Practice pot")] == formats.money(y["pot"])
    assert YEAR0 in fig.layout.title.text
    assert fig.layout.yaxis.tickprefix == "£"


def test_waterfall_drops_zero_steps(practices):
    res = run(practices, Scenario())  # no LES change, nothing recycled, no protection
    fig = charts.waterfall(res, 0)
    assert list(fig.data[0].x) == ["New money", "Practice pot", "Net cost to CCG"]
    assert list(fig.data[0].y) == pytest.approx([50_000.0, 50_000.0, 50_000.0])


def test_net_change_per_head_bars_sorted_and_coloured(les_results):
    fig = charts.net_change_per_head(les_results, 0)
    assert len(fig.data) == 1 and fig.data[0].type == "bar"
    bar = fig.data[0]
    assert bar.orientation == "h"                       # every practice named, best off at the top
    p = _year0(les_results).sort_values("net_change_per_head", ascending=False)
    assert list(bar.y) == charts._label(p)
    assert list(bar.x) == pytest.approx(list(p["net_change_per_head"]))
    assert list(bar.x) == sorted(bar.x, reverse=True)
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.yaxis.dtick == 1
    for value, colour, hatch in zip(bar.x, bar.marker.color, bar.marker.pattern.shape):
        assert colour == (charts.NHS_GREEN if value > 0 else charts.NHS_RED if value < 0 else charts.NHS_MID_GREY)
        assert hatch == ("/" if value < 0 else "")      # a loss is hatched too: never colour alone
    winners, losers = int((p["net_change"] > 0).sum()), int((p["net_change"] < 0).sum())
    assert f"{winners} better off, {losers} worse off" in fig.layout.title.subtitle.text
    assert fig.layout.xaxis.tickprefix == "£"


def test_scatter_share_over75_against_net_per_head(les_results):
    fig = charts.over75_scatter(les_results, 0)
    sc = fig.data[0]
    p = _year0(les_results)
    assert list(sc.x) == pytest.approx(list(100.0 * p["over75"] / p["list_size"]))
    assert list(sc.y) == pytest.approx(list(p["net_change_per_head"]))
    assert list(sc.marker.size) == pytest.approx(list(p["list_size"]))
    assert "aged 75+" in fig.layout.xaxis.title.text


def test_localities_per_head(les_results):
    fig = charts.localities(les_results, 0)
    assert [t.name for t in fig.data] == ["Allocation", "Net change"]
    loc = les_results.localities
    loc = loc[loc["year"].astype(str) == YEAR0].sort_values("allocation_per_head")
    assert list(fig.data[0].y) == list(loc["locality"])
    assert list(fig.data[0].x) == pytest.approx(list(loc["allocation_per_head"]))
    assert list(fig.data[1].x) == pytest.approx(list(loc["net_change_per_head"]))


def test_years_shows_the_cliff_and_stranded_staff(cliff_results):
    fig = charts.years(cliff_results)
    names = [t.name for t in fig.data]
    assert names[0] == "New money (non-recurrent)"
    assert "Staff costs left unfunded" in names and "Net cost to CCG" in names
    new_money = fig.data[0]
    assert list(new_money.y) == pytest.approx([50_000.0, 0, 0, 0, 0])
    stranded = fig.data[names.index("Staff costs left unfunded")]
    assert list(stranded.y) == pytest.approx([0, 35_000.0, 35_000.0, 35_000.0, 35_000.0])
    notes = [a.text for a in fig.layout.annotations]
    assert any("Cliff" in n and "£50,000" in n for n in notes)


def test_years_recurrent_has_no_cliff(les_results):
    fig = charts.years(les_results)
    assert fig.data[0].name == "New money (recurrent)"
    assert "Protection (transitional)" in [t.name for t in fig.data]
    assert not fig.layout.annotations


def test_compare_headlines_one_series_per_scenario(les_results, cliff_results):
    summary = compare_summary([les_results, cliff_results])
    fig = charts.compare_headlines(summary, YEAR0)
    assert len(fig.data) == 2
    for trace, res in zip(fig.data, [les_results, cliff_results]):
        y = res.by_year().iloc[0]
        assert list(trace.x) == ["Practice pot", "New money", "LES savings", "Protection", "Net cost to CCG"]
        assert list(trace.y) == pytest.approx([y["pot"], y["new_money"], y["les_savings"], y["protection"],
                                               y["net_cost"]])


def test_compare_practices_deltas(les_results, cliff_results):
    per = compare_practices([cliff_results, les_results])
    fig = charts.compare_practices(per, YEAR0)
    assert len(fig.data) == 1
    rows = per[per["year"] == YEAR0]
    col = next(c for c in per.columns if c.startswith("net_change change ["))
    expected = dict(zip(charts._label(rows), rows[col]))
    assert fig.data[0].orientation == "h"
    got = dict(zip(fig.data[0].y, fig.data[0].x))
    assert got == pytest.approx(expected)


def test_practice_years(les_results):
    fig = charts.practice_years(les_results, "A003")
    names = [t.name for t in fig.data]
    assert names[:1] == ["Allocation"] and "LES lost" in names and "Net change" in names
    rows = practice.practice_rows(les_results, "A003")
    assert list(fig.data[names.index("LES lost")].y) == pytest.approx(list(-rows["les_lost"]))
    assert list(fig.data[names.index("Net change")].y) == pytest.approx(list(rows["net_change"]))
    assert "River Practice" in fig.layout.title.text


def test_user_text_is_escaped_in_chart_labels(les_results):
    """A practice name with markup is shown as text, never as plotly's HTML-like markup."""
    fig = charts.net_change_per_head(les_results, 0)
    hover_names = [c[0] for c in fig.data[0].customdata]
    assert "Mill &lt;b&gt;Lane&lt;/b&gt;" in hover_names
    assert "<b>" not in json.dumps([list(c) for c in fig.data[0].customdata])


def test_meeting_mode_charts_carry_no_names(les_results, practices):
    anon = anonymise(les_results)
    text = " ".join(f.to_json() for f in (
        charts.net_change_per_head(anon, 0), charts.over75_scatter(anon, 0), charts.practice_years(anon, "Practice C"),
        charts.compare_practices(compare_practices([anon, anonymise(les_results)]), YEAR0)))
    for name in list(practices["practice_name"]) + list(practices["practice_code"]):
        assert name not in text
    assert "Practice A" in text
    ticks = list(charts.net_change_per_head(anon, 0).data[0].y)
    assert sorted(ticks) == ["A", "B", "C", "D"]          # short letters on the axis, full alias on hover


def test_large_mode_enlarges_fonts(les_results):
    normal, large = charts.waterfall(les_results, 0), charts.waterfall(les_results, 0, large=True)
    assert large.layout.font.size > normal.layout.font.size >= 16
    assert large.layout.title.font.size > normal.layout.title.font.size


@pytest.mark.parametrize("builder", ["waterfall", "net_change_per_head", "over75_scatter", "localities"])
def test_later_years(builder, les_results):
    fig = getattr(charts, builder)(les_results, 2)
    assert "2016/17" in fig.layout.title.text
    assert all(np.all(np.isfinite(np.asarray(t.y if t.y is not None else [], dtype=float))) for t in fig.data
               if t.type != "bar" or t.orientation != "h")
