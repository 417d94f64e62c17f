"""Plotly figure builders for the app: pure functions from model results to figures.

No Streamlit here (the page only passes the figures to ``st.plotly_chart``), so every chart is
tested without a browser. Charts are made for a projector in a meeting room: large fonts, a title
that says what the chart shows and for which year, £ on the money axis, NHS colours, and no more
ink than the point needs. Pass ``large=True`` for meeting mode.

Speed: each figure is built in one ``go.Figure(data=[...], layout={...})`` call from plain dicts.
Plotly's ``update_layout(title_text=...)``-style calls parse every magic-underscore path and cost
~40 ms a chart; the page redraws on every widget change, so they are avoided here (~3 ms a chart).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from model.analysis.national import OUTCOMES
from model.formats import money, money_short, money_signed
from model.palette import (
    NHS_AQUA_GREEN,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_GREEN,
    NHS_GREY,
    NHS_LIGHT_BLUE,
    NHS_MID_GREY,
    NHS_PALE_GREY,
    NHS_PURPLE,
    NHS_RED,
    NHS_WARM_YELLOW,
    TEXT,
)
from model.results import Results
from screen.cards import waterfall_steps
from screen.national_views import PCT_OUTCOMES, outcome_text
from screen.practice import practice_rows
from screen.years import funding_cliff, per_year_money, year_labels

SCENARIO_COLOURS = [NHS_BLUE, NHS_WARM_YELLOW, NHS_AQUA_GREEN, NHS_PURPLE, NHS_GREY]
MONEY_AXIS = dict(tickprefix="£", tickformat=",.0f", separatethousands=True)
MONEY_AXIS_PENCE = dict(tickprefix="£", tickformat=",.2f", separatethousands=True)

# A small template of our own: plotly's built-in ones take ~20 ms to copy into every figure.
TEMPLATE = go.layout.Template(layout=dict(
    paper_bgcolor="white", plot_bgcolor="white", colorway=SCENARIO_COLOURS,
    xaxis=dict(gridcolor=NHS_PALE_GREY, linecolor=NHS_MID_GREY, zerolinecolor=NHS_MID_GREY, automargin=True),
    yaxis=dict(gridcolor=NHS_PALE_GREY, linecolor=NHS_MID_GREY, zerolinecolor=NHS_MID_GREY, automargin=True),
))


def _axis(title: str = "", **kw: Any) -> dict:
    return {"title": {"text": title, "standoff": 8}, "automargin": True, **kw}


def _layout(title: str, large: bool = False, height: int | None = None, legend: bool = True,
            subtitle: str | None = None, xaxis: dict | None = None, yaxis: dict | None = None,
            legend_reversed: bool = False, **extra: Any) -> dict:
    """Fonts, title (what the chart shows), legend above the plot under the title, £-friendly separators."""
    base = 20 if large else 16
    top = (64 if not large else 76) + (26 if subtitle else 0) + ((56 if not large else 72) if legend else 0)
    title_dict: dict[str, Any] = dict(text=title, font=dict(size=base + 6, color=TEXT), x=0, xanchor="left",
                                      yref="container", y=0.99, yanchor="top", pad=dict(t=8))
    if subtitle:
        title_dict["subtitle"] = dict(text=subtitle, font=dict(size=base, color=NHS_GREY))
    layout = dict(
        template=TEMPLATE,
        title=title_dict,
        font=dict(family="Arial, Helvetica, sans-serif", size=base, color=TEXT),
        hoverlabel=dict(font=dict(size=base)),
        margin=dict(l=20, r=20, t=top, b=20),
        showlegend=legend,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, font=dict(size=base),
                    title=dict(text=""), traceorder="reversed" if legend_reversed else "normal"),
        separators=".,",
        xaxis=xaxis or _axis(),
        yaxis=yaxis or _axis(),
        **extra,
    )
    if height:
        layout["height"] = height
    return layout


def _two_lines(label: str) -> str:
    """'Protection paid by CCG' -> 'Protection<br>paid by CCG': short tick labels for narrow charts."""
    words = label.split(" ")
    if len(words) < 2:
        return label
    best = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))))
    return " ".join(words[:best]) + "<br>" + " ".join(words[best:])


def _safe(text: object) -> str:
    """User text (practice, locality, scenario names) made inert for plotly's HTML-like labels."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _safe_series(s: pd.Series) -> list[str]:
    return [_safe(v) for v in s.astype(str)]


def _sign_colours(values: pd.Series) -> list[str]:
    """Green for better off, red for worse off, grey for no change (to the penny).

    >>> _sign_colours(pd.Series([12.5, -3.0, 0.001])) == [NHS_GREEN, NHS_RED, NHS_MID_GREY]
    True
    """
    return [NHS_GREEN if v > 0.005 else NHS_RED if v < -0.005 else NHS_MID_GREY for v in values]


def _year_practices(results: Results, year_index: int) -> pd.DataFrame:
    p = results.practices
    return p[p["year_index"] == year_index].copy()


def _label(p: pd.DataFrame) -> list[str]:
    """Bar labels a projector can show in full: the practice's name (up to 30 characters; the code added
    where two names are alike), the code when the list has no names, or in meeting mode just its letter
    ('Practice AB' -> 'AB').

    >>> _label(pd.DataFrame({"practice_code": ["K1", "K2", "K3"], "practice_name": ["Abbey", "The Surgery",
    ...                                                                          "The Surgery"]}))
    ['Abbey', 'The Surgery (K2)', 'The Surgery (K3)']
    >>> _label(pd.DataFrame({"practice_code": ["Practice AB"], "practice_name": ["Practice AB"]}))
    ['AB']
    """
    codes = _safe_series(p["practice_code"])
    names = _safe_series(p["practice_name"]) if "practice_name" in p else codes
    out = [c.removeprefix("Practice ") if n == c else (n if len(n) <= 30 else n[:29].rstrip() + "…")
           for c, n in zip(codes, names)]
    seen: dict[str, int] = {}
    for v in out:
        seen[v] = seen.get(v, 0) + 1
    return [f"{v} ({c})" if seen[v] > 1 else v for v, c in zip(out, codes)]


def _loss_pattern(values: list[float]) -> dict:
    """Hatching on losses, so worse off is never told by colour alone."""
    return dict(shape=["/" if v < -0.005 else "" for v in values], fgcolor="white", size=7, solidity=0.35)


def _bar_height(n: int, large: bool) -> int:
    """A horizontal bar chart tall enough for every label to show: ~18 px a bar (22 in meeting mode)."""
    return max(360, 200 + (22 if large else 18) * n)


def _top_axis(layout: dict, large: bool) -> dict:
    """Room above the plot for a £ axis drawn at the top (a tall chart's axis stays in view)."""
    layout["margin"]["t"] += 56 if large else 48
    return layout


def _floats(s: pd.Series | list) -> list[float]:
    return [float(v) for v in s]


def _money_bar(x: list, values: pd.Series, name: str, colour: str, what: str) -> dict:
    """A bar trace of £ by year, hover '2014/15: £12,345' with `what` beside it."""
    return dict(type="bar", x=x, y=_floats(values), name=name, marker=dict(color=colour),
                hovertemplate="%{x}: £%{y:,.0f}<extra>" + what + "</extra>")


def _money_line(x: list, values: pd.Series, name: str, colour: str, what: str, dash: str = "solid",
                width: int = 3, size: int = 10) -> dict:
    """A line-and-markers trace of £ by year, hover as in ``_money_bar``."""
    return dict(type="scatter", x=x, y=_floats(values), name=name, mode="lines+markers",
                line=dict(color=colour, width=width, dash=dash), marker=dict(size=size),
                hovertemplate="%{x}: £%{y:,.0f}<extra>" + what + "</extra>")


def waterfall(results: Results, year_index: int = 0, large: bool = False) -> go.Figure:
    """From new money and recycled LES, through the pot, protection and LES savings, to net cost."""
    steps = waterfall_steps(results, year_index)
    steps = [s for s in steps if s[2] == "total" or abs(s[1]) >= 0.005]
    year = year_labels(results)[year_index]
    trace = dict(
        type="waterfall",
        x=[s[0] for s in steps],
        y=[s[1] for s in steps],
        measure=[s[2] for s in steps],
        text=[money_short(s[1]) for s in steps],
        customdata=[money(s[1]) for s in steps],
        # a saving's label sits inside its (green) bar: outside it would fall on the axis labels
        textposition=["auto" if kind == "relative" and value < 0 else "outside" for _, value, kind in steps],
        insidetextfont=dict(color="white", size=20 if large else 16),
        textfont=dict(size=20 if large else 16),
        connector=dict(line=dict(color=NHS_MID_GREY, width=1, dash="dot")),
        increasing=dict(marker=dict(color=NHS_BLUE)),
        decreasing=dict(marker=dict(color=NHS_GREEN)),
        totals=dict(marker=dict(color=NHS_DARK_BLUE)),
        hovertemplate="%{x}: %{customdata}<extra></extra>",
        cliponaxis=False,
        constraintext="none",
    )
    # Room above and below the bars for the labels outside them, so a label never sits on the axis or on the
    # year labels: a negative total (−£3.06m) is labelled below its bar, a £0 total just above the £0 line.
    levels, level = [0.0], 0.0
    for _, value, kind in steps:
        level = value if kind == "total" else level + value
        levels.append(level)
    lo, hi = min(levels), max(levels)
    pad = 0.14 * max(hi - lo, 1.0)
    low_room = pad if lo < 0 or any(abs(v) < 0.005 for _, v, k in steps if k == "total") else 0.0
    layout = _layout(
        f"{year}: from the practice pot to the CCG's net cost", large, height=480 if large else 440, legend=False,
        subtitle="Blue adds to the CCG's cost, green saves it; dark bars are totals",
        xaxis=_axis(tickangle=0, tickvals=[s[0] for s in steps], ticktext=[_two_lines(s[0]) for s in steps]),
        yaxis=_axis(**MONEY_AXIS, range=[lo - low_room, hi + pad], zeroline=True, zerolinecolor=NHS_GREY,
                    zerolinewidth=2))
    return go.Figure(data=[trace], layout=layout)


def net_change_per_head(results: Results, year_index: int = 0, large: bool = False) -> go.Figure:
    """One horizontal bar per practice: its net change per registered patient, best off at the top, every
    practice named (losses hatched as well as red).

    A £30,000 pot shared by patients aged 75+: Castle, with the oldest list, gains most per patient.

    >>> import pandas as pd
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300]})
    >>> by_age = Scenario(horizon_years=1).with_changes({"distribution.weights.list_size": 0.0,
    ...                                                  "distribution.weights.over75": 1.0})
    >>> bars = net_change_per_head(run(practices, by_age)).data[0]
    >>> bars.y, [round(x, 2) for x in bars.x], bars.marker.color == (NHS_GREEN,) * 3
    (('Castle', 'Abbey', 'Brook'), [5.66, 4.53, 4.25], True)
    """
    p = _year_practices(results, year_index).sort_values("net_change_per_head", ascending=False, kind="stable")
    year = year_labels(results)[year_index]
    values = _floats(p["net_change_per_head"])
    custom = [list(c) for c in zip(_safe_series(p["practice_name"]), [money_signed(v) for v in p["net_change"]])]
    trace = dict(
        type="bar", orientation="h", y=_label(p), x=values,
        marker=dict(color=_sign_colours(p["net_change_per_head"]), pattern=_loss_pattern(values)),
        customdata=custom,
        hovertemplate="%{customdata[0]}<br>£%{x:,.2f} per patient<br>%{customdata[1]} in all<extra></extra>",
    )
    winners = int((p["net_change"] > 0).sum())
    losers = int((p["net_change"] < 0).sum())
    same = len(p) - winners - losers
    layout = _layout(
        f"{year}: net change per registered patient, by practice", large, height=_bar_height(len(p), large),
        legend=False,
        subtitle=f"{winners} better off, {losers} worse off (red, hatched)" + (f", {same} unchanged" if same else "")
        + " · best off at the top",
        yaxis=_axis(type="category", autorange="reversed", tickfont=dict(size=13 if not large else 15),
                    dtick=1),
        xaxis=_axis("£ per registered patient", **MONEY_AXIS_PENCE, zeroline=True, zerolinecolor=NHS_GREY,
                    zerolinewidth=2, side="top"))
    return go.Figure(data=[trace], layout=_top_axis(layout, large))


def over75_scatter(results: Results, year_index: int = 0, large: bool = False) -> go.Figure:
    """% of the list aged 75+ against net change per patient; bubble size = list size."""
    p = _year_practices(results, year_index)
    p = p[p["list_size"] > 0]
    share = 100.0 * p["over75"] / p["list_size"]
    year = year_labels(results)[year_index]
    size_ref = max(float(p["list_size"].max()) if len(p) else 1.0, 1.0) / 40.0 ** 2 * 2.0
    trace = dict(
        type="scatter", x=_floats(share), y=_floats(p["net_change_per_head"]), mode="markers",
        marker=dict(size=_floats(p["list_size"]), sizemode="area", sizeref=size_ref, sizemin=5,
                    color=_sign_colours(p["net_change_per_head"]), opacity=0.8, line=dict(width=1, color="white"),
                    symbol=["triangle-down" if v < -0.005 else "triangle-up" if v > 0.005 else "circle"
                            for v in p["net_change_per_head"]]),
        customdata=[[n, int(round(v))] for n, v in zip(_safe_series(p["practice_name"]), p["list_size"])],
        hovertemplate=("%{customdata[0]}<br>%{x:.1f} % aged 75+ · %{customdata[1]:,} patients"
                       "<br>£%{y:,.2f} per patient<extra></extra>"),
    )
    layout = _layout(
        f"{year}: do practices with more patients aged 75+ gain or lose?", large, height=480, legend=False,
        subtitle="Each marker a practice, sized by its list: ▲ better off, ▼ worse off",
        xaxis=_axis("% of registered patients aged 75+", ticksuffix=" %"),
        yaxis=_axis("Net change per patient", **MONEY_AXIS_PENCE, zeroline=True,
                    zerolinecolor=NHS_GREY, zerolinewidth=2))
    return go.Figure(data=[trace], layout=layout)


def localities(results: Results, year_index: int = 0, large: bool = False) -> go.Figure:
    """Allocation and net change per registered patient, one group of bars per locality."""
    year = year_labels(results)[year_index]
    loc = results.localities
    loc = loc[loc["year"].astype(str) == year].sort_values("allocation_per_head", kind="stable")
    names = _safe_series(loc["locality"])
    if loc["commissioner"].nunique() > 1:
        names = [f"{c} · {n}" for c, n in zip(_safe_series(loc["commissioner"]), names)]
    alloc, net = _floats(loc["allocation_per_head"]), _floats(loc["net_change_per_head"])
    traces = [
        dict(type="bar", y=names, x=alloc, orientation="h", name="Allocation", marker=dict(color=NHS_BLUE),
             text=[money(v, pence=True) for v in alloc], textposition="outside", cliponaxis=False,
             hovertemplate="%{y}: allocation £%{x:,.2f} per patient<extra></extra>"),
        dict(type="bar", y=names, x=net, orientation="h", name="Net change",
             marker=dict(color=_sign_colours(loc["net_change_per_head"]), pattern=_loss_pattern(net)),
             text=[money_signed(v, pence=True) for v in net], textposition="outside", cliponaxis=False,
             hovertemplate="%{y}: net change £%{x:,.2f} per patient<extra></extra>"),
    ]
    values = [v for v in alloc + net if v == v]
    lo, hi = min([0.0, *values]), max([0.0, *values])
    pad = 0.18 * max(hi - lo, 0.01)  # room for the £ labels outside the bars
    layout = _layout(
        f"{year}: by locality, £ per registered patient", large, height=max(380, 150 + 70 * len(loc)),
        barmode="group", bargap=0.25, legend_reversed=True,  # the legend reads top to bottom like the bars
        xaxis=_axis("£ per registered patient", **MONEY_AXIS_PENCE, zeroline=True, zerolinecolor=NHS_GREY,
                    range=[lo - (pad if lo < 0 else 0), hi + pad]),
        yaxis=_axis())
    return go.Figure(data=traces, layout=layout)


def years(results: Results, large: bool = False) -> go.Figure:
    """Year by year: the money practices receive (by recurrence), the CCG's net cost and the staff
    costs left unfunded when the money stops (the cliff)."""
    y = per_year_money(results)
    x = list(y["year"])
    traces = [_money_bar(x, y["new_money"], y.attrs["new_money_label"], NHS_BLUE, "new money")]
    for col, name, colour, what in (("recycled", "Recycled LES (recurrent)", NHS_LIGHT_BLUE, "recycled LES"),
                                    ("protection", "Protection (transitional)", NHS_WARM_YELLOW, "protection")):
        if (y[col] > 0).any():
            traces.append(_money_bar(x, y[col], name, colour, what))
    traces.append(_money_line(x, y["net_cost"], "Net cost to CCG", NHS_DARK_BLUE, "net cost", dash="dash"))
    stranded = bool((y["unfunded_commitment"] > 0).any())
    if stranded:
        traces.append(_money_line(x, y["unfunded_commitment"], "Staff costs left unfunded", NHS_RED,
                                  "unfunded staff costs", width=4, size=12))
    annotations = []
    cliff = funding_cliff(results)
    if cliff is not None:
        annotations.append(dict(x=cliff["year"], y=cliff["after"], showarrow=True, arrowhead=2, ax=70, ay=-70,
                                xanchor="left", text=f"Cliff: pot falls {money(cliff['drop'])}",
                                font=dict(size=18 if large else 15, color=NHS_RED), bgcolor="white"))
    title = ("Year by year: money to practices, net cost and staff costs left unfunded" if stranded else
             "Year by year: money to practices and the CCG's net cost")  # names only the lines drawn
    layout = _layout(title, large,
                     height=480, barmode="stack", annotations=annotations,
                     xaxis=_axis(type="category"), yaxis=_axis(**MONEY_AXIS, rangemode="tozero"))
    return go.Figure(data=traces, layout=layout)


def compare_headlines(summary_long: pd.DataFrame, year: str, large: bool = False) -> go.Figure:
    """Scenarios side by side for one year: pot, new money, LES savings, protection, net cost."""
    rows = summary_long[summary_long["year"].astype(str) == str(year)]
    measures = [("pot", "Practice pot"), ("new_money", "New money"), ("les_savings", "LES savings"),
                ("protection", "Protection"), ("net_cost", "Net cost to CCG")]
    traces = []
    for i, name in enumerate(dict.fromkeys(rows["scenario"].astype(str))):
        r = rows[rows["scenario"].astype(str) == name].iloc[0]
        vals = [float(r[k]) for k, _ in measures]
        traces.append(dict(type="bar", x=[label for _, label in measures], y=vals, name=_safe(name),
                           marker=dict(color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]),
                           # no "£0" label on a bar of nothing: it would sit on the axis (the table says £0)
                           text=[money_short(v) if abs(v) >= 0.5 else "" for v in vals], textposition="outside",
                           cliponaxis=False, hovertemplate="%{x}: £%{y:,.0f}<extra>" + _safe(name) + "</extra>"))
    layout = _layout(f"{year}: scenarios side by side", large, height=480, barmode="group",
                     xaxis=_axis(), yaxis=_axis(**MONEY_AXIS))
    return go.Figure(data=traces, layout=layout)


def compare_practices(practices_cmp: pd.DataFrame, year: str, large: bool = False) -> go.Figure:
    """Per practice: the change in net change against the first scenario, one series per other scenario,
    as horizontal bars with every practice named (largest gain at the top; falls hatched)."""
    rows = practices_cmp[practices_cmp["year"].astype(str) == str(year)]
    change_cols = [c for c in rows.columns if c.startswith("net_change change [")]
    base = next((c for c in rows.columns if c.startswith("net_change [")), "net_change [baseline]")
    base_name = base[len("net_change ["):-1]
    traces = []
    if change_cols:
        order = rows.sort_values(change_cols[0], ascending=False, kind="stable")
        for i, col in enumerate(change_cols):
            name = col[len("net_change change ["):-1].split(" vs ")[0]
            values = _floats(order[col])
            traces.append(dict(type="bar", orientation="h", y=_label(order), x=values, name=_safe(name),
                               marker=dict(color=SCENARIO_COLOURS[(i + 1) % len(SCENARIO_COLOURS)],
                                           pattern=_loss_pattern(values)),
                               customdata=_safe_series(order["practice_name"]),
                               hovertemplate="%{customdata}: £%{x:,.0f}<extra>" + _safe(name) + "</extra>"))
    n = len(rows) * max(1, len(change_cols))
    layout = _layout(f"{year}: change in each practice's net change", large, height=_bar_height(n, large),
                     barmode="group", legend=len(change_cols) > 1,
                     subtitle=f"against the first scenario: {_safe(base_name)} · a fall is hatched",
                     yaxis=_axis(type="category", autorange="reversed", dtick=1,
                                 tickfont=dict(size=13 if not large else 15)),
                     xaxis=_axis("£ change", **MONEY_AXIS, zeroline=True, zerolinecolor=NHS_GREY, zerolinewidth=2,
                                 side="top"))
    return go.Figure(data=traces, layout=_top_axis(layout, large))


def practice_years(results: Results, practice_code: str, large: bool = False) -> go.Figure:
    """One practice, year by year: what it receives, what it loses and where it ends up."""
    rows = practice_rows(results, practice_code)
    name = str(rows["practice_name"].iloc[0]) if len(rows) else str(practice_code)
    x = list(rows["year"].astype(str))
    traces = [_money_bar(x, rows["allocation"], "Allocation", NHS_BLUE, "allocation")]
    for col, label, colour, what in (("protection", "Protection", NHS_WARM_YELLOW, "protection"),
                                     ("les_gained", "LES gained", NHS_AQUA_GREEN, "LES gained")):
        if (rows[col] > 0).any():
            traces.append(_money_bar(x, rows[col], label, colour, what))
    if (rows["les_lost"] > 0).any():
        traces.append(dict(type="bar", x=x, y=_floats(-rows["les_lost"]), name="LES lost", marker=dict(color=NHS_RED),
                           customdata=_floats(rows["les_lost"]),
                           hovertemplate="%{x}: −£%{customdata:,.0f}<extra>LES lost</extra>"))
    traces.append(_money_line(x, rows["net_change"], "Net change", NHS_DARK_BLUE, "net change"))
    layout = _layout(f"{_safe(name)}: money by year", large, height=420, barmode="relative",
                     xaxis=_axis(type="category"),
                     yaxis=_axis(**MONEY_AXIS, zeroline=True, zerolinecolor=NHS_GREY, zerolinewidth=2))
    return go.Figure(data=traces, layout=layout)


def practice_scenarios(by_year: pd.DataFrame, name: str, large: bool = False) -> go.Figure:
    """One practice's net change year by year under several scenarios (screen.practice.practice_by_year):
    a group of bars per year, one colour per scenario, each bar labelled with its £ (losses hatched).

    >>> t = pd.DataFrame({"Year": ["2014/15", "2015/16"], "Guidance default": [5000.0, 5000.0],
    ...                   "One year": [5000.0, -200.0]})
    >>> fig = practice_scenarios(t, "Abbey")
    >>> [tr.name for tr in fig.data], fig.data[1].text, fig.data[1].marker.pattern.shape
    (['Guidance default', 'One year'], ('+£5,000', '−£200'), ('', '/'))
    """
    x = list(by_year["Year"].astype(str))
    traces = []
    for i, col in enumerate(c for c in by_year.columns if c != "Year"):
        values = _floats(by_year[col])
        traces.append(dict(type="bar", x=x, y=values, name=_safe(col),
                           marker=dict(color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)],
                                       pattern=dict(shape=["/" if v < -0.005 else "" for v in values])),
                           text=[money_signed(v) if abs(v) >= 0.005 else "" for v in values],
                           textposition="outside", cliponaxis=False, customdata=[money_signed(v) for v in values],
                           hovertemplate="%{x}: %{customdata}<extra>" + _safe(col) + "</extra>"))
    values = [v for t in traces for v in t["y"] if v == v]
    lo, hi = min([0.0, *values]), max([0.0, *values])
    pad = 0.15 * max(hi - lo, 1.0)
    layout = _layout(f"{_safe(name)}: net change by year, scenarios side by side", large, height=440,
                     barmode="group", subtitle="Above £0 better off, below worse off (hatched)",
                     xaxis=_axis(type="category"),
                     yaxis=_axis(**MONEY_AXIS, zeroline=True, zerolinecolor=NHS_GREY, zerolinewidth=2,
                                 range=[lo - (pad if lo < 0 else 0), hi + pad]))
    return go.Figure(data=traces, layout=layout)


def national_ranked(outcomes: pd.DataFrame, key: str, year: str, highlight: str | None = None,
                    large: bool = False, names: dict[str, str] | None = None) -> go.Figure:
    """Every CCG as one bar, ranked on one outcome, with the median and (optionally) one CCG marked."""
    o = outcomes.dropna(subset=[key]).sort_values(key, ascending=False, kind="stable")
    codes = _safe_series(o["commissioner"])
    is_pct = key in PCT_OUTCOMES
    colours = [NHS_WARM_YELLOW if c == highlight else NHS_BLUE for c in o["commissioner"].astype(str)]
    unit = "%{y:.1f} %" if is_pct else "£%{y:,.2f}"
    named = [_safe((names or {}).get(str(c), "")) for c in o["commissioner"].astype(str)]
    trace = dict(type="bar", x=codes, y=_floats(o[key]), marker=dict(color=colours, line=dict(width=0)),
                 customdata=named, hovertemplate="CCG %{x} %{customdata}: " + unit + "<extra></extra>")
    median = float(o[key].median()) if len(o) else 0.0
    shapes = [dict(type="line", xref="paper", x0=0, x1=1, y0=median, y1=median,
                   line=dict(color=NHS_DARK_BLUE, width=2, dash="dash"))]
    median_text = outcome_text(key, median)
    annotations = [dict(xref="paper", x=1, xanchor="right", y=median, yanchor="bottom", showarrow=False,
                        text=f"median {median_text}", font=dict(size=18 if large else 15, color=NHS_DARK_BLUE),
                        bgcolor="rgba(255,255,255,0.8)")]
    if highlight is not None and highlight in set(o["commissioner"].astype(str)):
        value = float(o.loc[o["commissioner"].astype(str) == highlight, key].iloc[0])
        label = (names or {}).get(highlight, "")
        annotations.append(dict(x=_safe(highlight), y=value, showarrow=True, arrowhead=2, ax=0, ay=-60,
                                text=f"CCG {_safe(highlight)}" + (f" {_safe(label)}" if label else ""), bgcolor="white",
                                font=dict(size=18 if large else 15, color=TEXT)))
    axis = dict(ticksuffix=" %") if is_pct else MONEY_AXIS_PENCE
    layout = _layout(f"{year}: {OUTCOMES[key].split(',')[0].lower()} in each CCG", large, height=460,
                     legend=False, subtitle=f"{len(o)} CCGs, highest first · {OUTCOMES[key]}",
                     shapes=shapes, annotations=annotations, bargap=0.1,
                     xaxis=_axis(f"{len(o)} CCGs", type="category", showticklabels=False),
                     yaxis=_axis(**axis, zeroline=True, zerolinecolor=NHS_GREY))
    return go.Figure(data=[trace], layout=layout)


def options_frontier(ex, large: bool = False, limit: int | None = None, worse_off: bool = False) -> go.Figure:
    """The options explorer's trade-off (model.analysis.explore.Exploration): each option's cost over the
    horizon against its largest loss per patient (worst year), coloured by practices worse off, with the
    frontier joined up, the best option meeting the conditions starred and a loss-per-patient condition
    drawn as a line. Hover: the option's settings and outcomes. Every frontier option is drawn; of the rest,
    at most `limit` (a seeded sample) so the chart stays quick to draw. With `worse_off` the frontier is the
    one with practices worse off as a third axis: ringed, not joined (it is not a line on these two axes).

    >>> import pandas as pd
    >>> from model.analysis.explore import explore, parse_lever
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["A", "B"], "list_size": [1000, 3000], "over75": [90, 200],
    ...                           "les_total": [8000.0, 0.0]})
    >>> base = Scenario(horizon_years=1).with_changes({"les.schemes": {"les_total": {"action": "decommission"}}})
    >>> ex = explore(practices, base, [parse_lever("pot.rate_per_head=1:3:1")],
    ...              conditions=["largest_loss_per_head <= 6"])
    >>> fig = options_frontier(ex)
    >>> [t.name for t in fig.data], len(fig.data[0].x)     # the best option is starred, not a dot
    (['Options', 'Frontier', 'Best meeting the conditions'], 2)
    >>> options_frontier(ex, worse_off=True).data[1].name
    'Frontier on three axes (with practices worse off)'
    """
    from screen.options import PLOT_POINTS, hover_text, plot_rows

    T = ex.scenario.horizon_years
    from model.analysis.explore import outcome_label

    rows = plot_rows(ex, PLOT_POINTS if limit is None else limit)
    worse = rows["worse_off"].to_numpy(float)
    top = max(1.0, float(ex.options["worse_off"].max()))
    size = 9 if large else 7
    traces = [dict(type="scatter", mode="markers", name="Options", x=_floats(rows[ex.objective]),
                   y=_floats(rows["largest_loss_per_head"]), text=hover_text(ex, rows),
                   hovertemplate="%{text}<extra></extra>",
                   marker=dict(size=size, color=[float(w) for w in worse], cmin=0, cmax=top, opacity=0.75,
                               colorscale=[[0.0, NHS_GREEN], [0.5, NHS_WARM_YELLOW], [1.0, NHS_RED]],
                               line=dict(width=0),
                               colorbar=dict(title=dict(text="Practices<br>worse off", side="top"),
                                             thickness=14, len=0.75)))]
    front = ex.frontier(worse_off=worse_off)
    traces.append(dict(type="scatter", mode="markers" if worse_off else "lines+markers",
                       name="Frontier on three axes (with practices worse off)" if worse_off else "Frontier",
                       x=_floats(front[ex.objective]), y=_floats(front["largest_loss_per_head"]),
                       text=hover_text(ex, front), hovertemplate="%{text}<extra>frontier</extra>",
                       line=dict(color=NHS_DARK_BLUE, width=2, shape="hv"),
                       marker=dict(size=size + 2, color="rgba(0,0,0,0)", line=dict(color=NHS_DARK_BLUE, width=2))))
    shapes, annotations = [], []
    if ex.best is not None:
        best = ex.options[ex.options["option"] == ex.best]
        traces.append(dict(type="scatter", mode="markers", name="Best meeting the conditions",
                           x=_floats(best[ex.objective]), y=_floats(best["largest_loss_per_head"]),
                           text=hover_text(ex, best), hovertemplate="%{text}<extra>best</extra>",
                           marker=dict(symbol="star", size=size + 14, color=NHS_WARM_YELLOW,
                                       line=dict(color=TEXT, width=1.5))))
    for c in ex.conditions:
        if c.column == "largest_loss_per_head":
            shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=c.limit, y1=c.limit,
                               line=dict(color=NHS_RED, width=2, dash="dash")))
            annotations.append(dict(xref="paper", x=1, xanchor="right", y=c.limit, yanchor="bottom",
                                    showarrow=False, text=_safe(c.describe()), bgcolor="rgba(255,255,255,0.8)",
                                    font=dict(size=16 if large else 13, color=NHS_RED)))
    distinct = len(ex.options.drop_duplicates([ex.objective, "largest_loss_per_head"]))
    sub = (f"{len(ex.options):,} options, {distinct:,} different outcomes"
           + (f" ({len(rows) + (ex.best is not None):,} drawn: the frontier and a sample)"
              if len(rows) + (ex.best is not None) < distinct else "")
           + f" · {len(front):,} on the frontier" + (" of cost, largest loss and practices worse off" if worse_off
                                                      else "") + " · colour: practices worse off in any year")
    xs = ex.options[ex.objective].to_numpy(float)
    layout = _layout("Options: what each costs against the largest loss to a practice", large, height=520,
                     subtitle=sub, shapes=shapes, annotations=annotations,
                     xaxis=_axis(outcome_label(ex.objective, T), **_money_ticks(xs)),
                     yaxis=_axis("Largest practice loss per patient, worst year (£)", **MONEY_AXIS_PENCE,
                                 rangemode="tozero"))
    return go.Figure(data=traces, layout=layout)


def _money_ticks(values) -> dict:
    """Axis ticks for £ figures in millions or thousands: round steps labelled '−£20.00m', '£850k'.

    >>> _money_ticks([-21_785_190.0, 0.0])["ticktext"]
    ['−£20.00m', '−£15.00m', '−£10.00m', '−£5.00m', '£0']
    """
    import math

    import numpy as np

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return dict(MONEY_AXIS)
    lo, hi = float(v.min()), float(v.max())
    span = (hi - lo) or max(abs(hi), 1.0)
    raw = span / 5
    p = 10 ** math.floor(math.log10(raw))
    step = min((m * p for m in (1, 2, 2.5, 5, 10)), key=lambda s: abs(s - raw))
    ticks = np.arange(math.ceil(lo / step) * step, hi + step / 2, step)
    ticks = [0.0 if abs(t) < step / 1e6 else float(t) for t in ticks]
    return dict(tickvals=ticks, ticktext=[money_short(t) for t in ticks])
