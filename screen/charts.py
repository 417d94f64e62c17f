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
            **extra: Any) -> dict:
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
                    title=dict(text=""), traceorder="normal"),
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
    """Short bar labels: the practice code, or in meeting mode just its letter ('Practice AB' -> 'AB')."""
    return [c.removeprefix("Practice ") for c in _safe_series(p["practice_code"])]


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
    layout = _layout(
        f"{year}: from the practice pot to the CCG's net cost", large, height=480 if large else 440, legend=False,
        subtitle="Blue adds to the CCG's cost, green saves it; dark bars are totals",
        xaxis=_axis(tickangle=0, tickvals=[s[0] for s in steps], ticktext=[_two_lines(s[0]) for s in steps]),
        yaxis=_axis(**MONEY_AXIS, rangemode="tozero"))
    return go.Figure(data=[trace], layout=layout)


def net_change_per_head(results: Results, year_index: int = 0, large: bool = False) -> go.Figure:
    """One bar per practice: its net change per registered patient, best off first.

    A £30,000 pot shared by patients aged 75+: Castle, with the oldest list, gains most per patient.

    >>> import pandas as pd
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300]})
    >>> by_age = Scenario(horizon_years=1).with_changes({"distribution.weights.list_size": 0.0,
    ...                                                  "distribution.weights.over75": 1.0})
    >>> bars = net_change_per_head(run(practices, by_age)).data[0]
    >>> bars.x, [round(y, 2) for y in bars.y], bars.marker.color == (NHS_GREEN,) * 3
    (('P3', 'P1', 'P2'), [5.66, 4.53, 4.25], True)
    """
    p = _year_practices(results, year_index).sort_values("net_change_per_head", ascending=False, kind="stable")
    year = year_labels(results)[year_index]
    custom = [list(c) for c in zip(_safe_series(p["practice_name"]), [money_signed(v) for v in p["net_change"]])]
    trace = dict(
        type="bar", x=_label(p), y=_floats(p["net_change_per_head"]),
        marker=dict(color=_sign_colours(p["net_change_per_head"])), customdata=custom,
        hovertemplate="%{customdata[0]}<br>£%{y:,.2f} per patient<br>%{customdata[1]} in all<extra></extra>",
    )
    winners = int((p["net_change"] > 0).sum())
    losers = int((p["net_change"] < 0).sum())
    same = len(p) - winners - losers
    layout = _layout(
        f"{year}: net change per registered patient, by practice", large, height=480, legend=False,
        subtitle=f"{winners} better off, {losers} worse off" + (f", {same} unchanged" if same else "")
        + " · each bar a practice, best off first",
        xaxis=_axis(type="category", tickangle=-90, tickfont=dict(size=11 if not large else 13)),
        yaxis=_axis("£ per registered patient", **MONEY_AXIS_PENCE, zeroline=True, zerolinecolor=NHS_GREY,
                    zerolinewidth=2))
    return go.Figure(data=[trace], layout=layout)


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
                    color=_sign_colours(p["net_change_per_head"]), opacity=0.8, line=dict(width=1, color="white")),
        customdata=[[n, int(round(v))] for n, v in zip(_safe_series(p["practice_name"]), p["list_size"])],
        hovertemplate=("%{customdata[0]}<br>%{x:.1f} % aged 75+ · %{customdata[1]:,} patients"
                       "<br>£%{y:,.2f} per patient<extra></extra>"),
    )
    layout = _layout(
        f"{year}: do practices with more patients aged 75+ gain or lose?", large, height=480, legend=False,
        subtitle="Each bubble a practice, sized by its list",
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
             marker=dict(color=_sign_colours(loc["net_change_per_head"])),
             text=[money_signed(v, pence=True) for v in net], textposition="outside", cliponaxis=False,
             hovertemplate="%{y}: net change £%{x:,.2f} per patient<extra></extra>"),
    ]
    values = [v for v in alloc + net if v == v]
    lo, hi = min([0.0, *values]), max([0.0, *values])
    pad = 0.18 * max(hi - lo, 0.01)  # room for the £ labels outside the bars
    layout = _layout(
        f"{year}: by locality, £ per registered patient", large, height=max(380, 150 + 70 * len(loc)),
        barmode="group", bargap=0.25,
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
    if (y["unfunded_commitment"] > 0).any():
        traces.append(_money_line(x, y["unfunded_commitment"], "Staff costs left unfunded", NHS_RED,
                                  "unfunded staff costs", width=4, size=12))
    annotations = []
    cliff = funding_cliff(results)
    if cliff is not None:
        annotations.append(dict(x=cliff["year"], y=cliff["after"], showarrow=True, arrowhead=2, ax=70, ay=-70,
                                xanchor="left", text=f"Cliff: pot falls {money(cliff['drop'])}",
                                font=dict(size=18 if large else 15, color=NHS_RED), bgcolor="white"))
    layout = _layout("Year by year: money to practices, net cost and staff costs left unfunded", large,
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
                           text=[money_short(v) for v in vals], textposition="outside", cliponaxis=False,
                           hovertemplate="%{x}: £%{y:,.0f}<extra>" + _safe(name) + "</extra>"))
    layout = _layout(f"{year}: scenarios side by side", large, height=480, barmode="group",
                     xaxis=_axis(), yaxis=_axis(**MONEY_AXIS))
    return go.Figure(data=traces, layout=layout)


def compare_practices(practices_cmp: pd.DataFrame, year: str, large: bool = False) -> go.Figure:
    """Per practice: the change in net change against the first scenario, one series per other scenario."""
    rows = practices_cmp[practices_cmp["year"].astype(str) == str(year)]
    change_cols = [c for c in rows.columns if c.startswith("net_change change [")]
    base = next((c for c in rows.columns if c.startswith("net_change [")), "net_change [baseline]")
    base_name = base[len("net_change ["):-1]
    traces = []
    if change_cols:
        order = rows.sort_values(change_cols[0], ascending=False, kind="stable")
        for i, col in enumerate(change_cols):
            name = col[len("net_change change ["):-1].split(" vs ")[0]
            traces.append(dict(type="bar", x=_label(order), y=_floats(order[col]),
                               name=_safe(name), marker=dict(color=SCENARIO_COLOURS[(i + 1) % len(SCENARIO_COLOURS)]),
                               customdata=_safe_series(order["practice_name"]),
                               hovertemplate="%{customdata}: £%{y:,.0f}<extra>" + _safe(name) + "</extra>"))
    layout = _layout(f"{year}: change in each practice's net change", large, height=500, barmode="group",
                     subtitle=f"against the first scenario: {_safe(base_name)}",
                     xaxis=_axis(type="category", tickangle=-90, tickfont=dict(size=11 if not large else 13)),
                     yaxis=_axis("£ change", **MONEY_AXIS, zeroline=True, zerolinecolor=NHS_GREY, zerolinewidth=2))
    return go.Figure(data=traces, layout=layout)


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


def national_ranked(outcomes: pd.DataFrame, key: str, year: str, highlight: str | None = None,
                    large: bool = False) -> go.Figure:
    """Every CCG as one bar, ranked on one outcome, with the median and (optionally) one CCG marked."""
    o = outcomes.dropna(subset=[key]).sort_values(key, ascending=False, kind="stable")
    codes = _safe_series(o["commissioner"])
    is_pct = key in PCT_OUTCOMES
    colours = [NHS_WARM_YELLOW if c == highlight else NHS_BLUE for c in o["commissioner"].astype(str)]
    unit = "%{y:.1f} %" if is_pct else "£%{y:,.2f}"
    trace = dict(type="bar", x=codes, y=_floats(o[key]), marker=dict(color=colours, line=dict(width=0)),
                 hovertemplate="CCG %{x}: " + unit + "<extra></extra>")
    median = float(o[key].median()) if len(o) else 0.0
    shapes = [dict(type="line", xref="paper", x0=0, x1=1, y0=median, y1=median,
                   line=dict(color=NHS_DARK_BLUE, width=2, dash="dash"))]
    median_text = outcome_text(key, median)
    annotations = [dict(xref="paper", x=1, xanchor="right", y=median, yanchor="bottom", showarrow=False,
                        text=f"median {median_text}", font=dict(size=18 if large else 15, color=NHS_DARK_BLUE),
                        bgcolor="rgba(255,255,255,0.8)")]
    if highlight is not None and highlight in set(o["commissioner"].astype(str)):
        value = float(o.loc[o["commissioner"].astype(str) == highlight, key].iloc[0])
        annotations.append(dict(x=_safe(highlight), y=value, showarrow=True, arrowhead=2, ax=0, ay=-60,
                                text=f"CCG {_safe(highlight)}", bgcolor="white",
                                font=dict(size=18 if large else 15, color=TEXT)))
    axis = dict(ticksuffix=" %") if is_pct else MONEY_AXIS_PENCE
    layout = _layout(f"{year}: {OUTCOMES[key].split(',')[0].lower()} in each CCG", large, height=460,
                     legend=False, subtitle=f"{len(o)} CCGs, highest first · {OUTCOMES[key]}",
                     shapes=shapes, annotations=annotations, bargap=0.1,
                     xaxis=_axis(f"{len(o)} CCGs", type="category", showticklabels=False),
                     yaxis=_axis(**axis, zeroline=True, zerolinecolor=NHS_GREY))
    return go.Figure(data=[trace], layout=layout)
