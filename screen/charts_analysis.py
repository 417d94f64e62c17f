"""Plotly figure builders for the uncertainty analyses: tornado, Monte Carlo, break-even.

Pure functions from the analysis tables to figures (no Streamlit), so they are tested without a
browser. Made for a projector: large fonts, a title that says what is shown, £ on money axes, NHS
colours, and the £0 line where the question is "does it pay for itself?".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from model.analysis.breakeven import BreakEvenResult
from model.analysis.montecarlo import MonteCarloResult
from model.formats import money
from model.palette import (
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_GREY,
    NHS_LIGHT_BLUE,
    NHS_MID_GREY,
    NHS_RED,
    NHS_WARM_YELLOW,
    TEXT,
)
from screen.charts import MONEY_AXIS, _safe  # one £ axis and one rule for user text in every chart

#: Tornado colours: the assumption at its low value / at its high value.
LOW_COLOUR = NHS_LIGHT_BLUE
HIGH_COLOUR = NHS_DARK_BLUE

MONEY_AXIS_M = dict(tickprefix="£", ticksuffix="m", tickformat=",.1f", separatethousands=True)
PERCENT_AXIS = dict(ticksuffix=" %", tickformat=",.2f")
COUNT_AXIS = dict(tickformat=",d")


def _style(fig: go.Figure, title: str, large: bool = True, height: int | None = None) -> go.Figure:
    base = 20 if large else 16
    fig.update_layout(
        template="plotly_white",
        title=dict(text=title, font=dict(size=base + 6, color=TEXT), x=0, xanchor="left"),
        font=dict(family="Arial, Helvetica, sans-serif", size=base, color=TEXT),
        hoverlabel=dict(font_size=base),
        margin=dict(l=10, r=30, t=90, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, font=dict(size=base),
                    title_text=""),
        separators=".,",
    )
    if height:
        fig.update_layout(height=height)
    return fig


def _axis(kind: str, scale: float = 1.0) -> dict:
    if kind == "money" and scale == 1e6:
        return MONEY_AXIS_M
    return {"money": MONEY_AXIS, "percent": PERCENT_AXIS, "count": COUNT_AXIS}.get(kind, {})


def _money_scale(values: np.ndarray | list[float], kind: str = "money") -> float:
    """1e6 when a money axis reaches £1m (then it is shown in £m, e.g. '£12.5m'), else 1.

    >>> _money_scale([30000.0, -5000.0]), _money_scale([3238385.0, float("nan")]), _money_scale([2e6], "count")
    (1.0, 1000000.0, 1.0)
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return 1e6 if kind == "money" and v.size and np.abs(v).max() >= 1e6 else 1.0


def _fmt(x: float, kind: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if kind == "money":
        return money(x)
    if kind == "percent":
        return f"{x:,.2f} %"
    if kind == "count":
        return f"{x:,.0f}"
    return f"{x:,.4g}"


def _value_text(x: float, unit: str) -> str:
    """Short bar label for an assumption value: '£6', '4 %', '0.2'.

    >>> _value_text(6.0, "£ per registered patient per year"), _value_text(4.0, "% per year"), _value_text(0.2, "share")
    ('£6', '4 %', '0.2')
    """
    if unit.startswith("£"):
        return f"£{x:,.6g}"
    if unit.startswith("%"):
        return f"{x:,.6g} %"
    return f"{x:,.6g}"


def tornado(table: pd.DataFrame, title: str | None = None, top: int | None = None, large: bool = True,
            hide_zero: bool = False) -> go.Figure:
    """Tornado bars from :func:`model.analysis.sensitivity.tornado`: one row per assumption, largest swing on
    top; each bar runs from the headline at the base to the headline with the assumption at its low
    (light blue) or high (dark blue) value. ``top`` keeps the largest swings only."""
    t = table.copy()
    if hide_zero:
        t = t[t["swing"] > 0]
    if top:
        t = t.head(top)
    t = t.iloc[::-1]  # plotly draws the first category at the bottom
    kind = table.attrs.get("headline_kind", "money")
    label = table.attrs.get("headline_label", t["headline"].iloc[0] if len(t) else "headline")
    base = float(table["headline_at_base"].iloc[0]) if len(table) else 0.0
    scale = _money_scale(np.concatenate([[base], t["headline_at_low"], t["headline_at_high"]]), kind)
    names = [f"{_safe(lbl)}" for lbl in t["label"]]
    fig = go.Figure()
    for side, colour, name in (("low", LOW_COLOUR, "Assumption low"), ("high", HIGH_COLOUR, "Assumption high")):
        vals = t[f"headline_at_{side}"].to_numpy(float)
        delta = np.nan_to_num(vals - base) / scale
        custom = np.column_stack([t[f"{side}_value"].to_numpy(float), vals])
        texts = [f"{_value_text(v, u)}" for v, u in zip(t[f"{side}_value"], t["unit"])]
        fig.add_trace(go.Bar(
            y=names, x=delta, base=[base / scale] * len(t), orientation="h", name=name, marker_color=colour,
            text=texts, textposition="auto", customdata=custom,
            hovertemplate="%{y}<br>" + name + ": %{customdata[0]:,.6g}<br>" + _safe(label) +
                          ": %{customdata[1]:,.2f}<extra></extra>",
        ))
    fig.add_vline(x=base / scale, line=dict(color=NHS_GREY, width=2))
    fig.update_layout(barmode="overlay", bargap=0.25)
    fig.update_xaxes(title_text=f"{_safe(label)} (scenario: {_fmt(base, kind)})", **_axis(kind, scale))
    fig.update_yaxes(automargin=True)
    return _style(fig, title or f"What moves {_safe(label).lower()}?", large, height=max(400, 150 + 48 * len(t)))


def _totals(mc: MonteCarloResult, measure: str, year: str | None) -> np.ndarray:
    arr = mc.net_cost_after_admissions_by_year if measure == "net_cost_after_admissions" else mc.net_cost_by_year
    if year is None:
        return arr.sum(axis=1)
    labels = mc.scenario.year_labels()
    return arr[:, labels.index(year)]


_MEASURE_LABEL = {"net_cost": "Net cost", "net_cost_after_admissions": "Net cost after admissions savings"}


def montecarlo_histogram(mc: MonteCarloResult, measure: str = "net_cost_after_admissions", year: str | None = None,
                         bins: int = 50, title: str | None = None, large: bool = True) -> go.Figure:
    """Histogram of the draws' net cost (after admissions savings by default), all years or one year,
    with the £0 line and the median."""
    v = _totals(mc, measure, year)
    period = "all years" if year is None else year
    scale = _money_scale(v)
    fig = go.Figure(go.Histogram(x=v / scale, nbinsx=bins, marker_color=NHS_BLUE,
                                 marker_line=dict(color="white", width=1), name="draws",
                                 hovertemplate="%{x}<br>%{y} draws<extra></extra>"))
    fig.add_vline(x=0, line=dict(color=NHS_RED, width=3))
    # "£0" above the plot, to the left of its line; the median's words inside, to the right of its own line
    fig.add_annotation(x=0, y=1.0, yref="paper", yanchor="bottom", xanchor="right", showarrow=False, text="£0 ",
                       font=dict(color=NHS_RED))
    med = float(np.median(v))
    fig.add_vline(x=med / scale, line=dict(color=NHS_GREY, width=2, dash="dash"))
    fig.add_annotation(x=med / scale, y=0.9, yref="paper", xanchor="left", showarrow=False,
                       text=f" median {_fmt(med, 'money')}", font=dict(color=NHS_GREY))
    fig.update_xaxes(title_text=f"{_MEASURE_LABEL.get(measure, measure)}, {period}", **_axis("money", scale))
    fig.update_yaxes(title_text="draws")
    p = float(np.mean(v <= 0))
    fig.update_layout(showlegend=False, bargap=0.02)
    return _style(fig, title or f"{_MEASURE_LABEL.get(measure, measure)}, {period}: {mc.n_draws:,} draws "
                                f"(pays for itself in {p:.0%})", large)


def montecarlo_s_curve(mc: MonteCarloResult, measure: str = "net_cost_after_admissions", year: str | None = None,
                       title: str | None = None, large: bool = True) -> go.Figure:
    """S-curve: the share of draws at or below each net cost, with the £0 line and P(≤ £0) marked."""
    v = np.sort(_totals(mc, measure, year))
    prob = np.arange(1, len(v) + 1) / len(v)
    period = "all years" if year is None else year
    p0 = float(np.mean(v <= 0))
    scale = _money_scale(v)
    fig = go.Figure(go.Scatter(x=v / scale, y=prob, mode="lines", line=dict(color=NHS_BLUE, width=4), name="draws",
                               customdata=v, hovertemplate="£%{customdata:,.0f}<br>%{y:.0%} of draws at or "
                                                           "below<extra></extra>"))
    fig.add_vline(x=0, line=dict(color=NHS_RED, width=3))
    fig.add_hline(y=p0, line=dict(color=NHS_GREY, width=2, dash="dash"))
    # below and to the right of the point: a rising curve never passes there
    fig.add_annotation(x=0, y=p0, text=f"{p0:.0%} of draws at or below £0", showarrow=True, arrowhead=2,
                       ax=40, ay=45, xanchor="left", font=dict(color=NHS_RED), bgcolor="rgba(255,255,255,0.85)")
    fig.update_xaxes(title_text=f"{_MEASURE_LABEL.get(measure, measure)}, {period}", **_axis("money", scale))
    fig.update_yaxes(title_text="share of draws at or below", tickformat=".0%", range=[0, 1.02])
    fig.update_layout(showlegend=False)
    return _style(fig, title or f"How likely is each net cost? ({mc.n_draws:,} draws)", large)


def breakeven_curve(curve: pd.DataFrame, result: BreakEvenResult | None = None, target: float | None = None,
                    title: str | None = None, large: bool = True) -> go.Figure:
    """The headline against the assumption (from :func:`model.analysis.breakeven.curve`), the target line and,
    when given, the break-even point."""
    a = curve.attrs
    kind = a.get("headline_kind", "money")
    hlabel = _safe(a.get("headline_label", "headline"))
    alabel = _safe(a.get("assumption_label", a.get("assumption", "assumption")))
    unit = a.get("assumption_unit", "")
    if target is None and result is not None:
        target = result.target
    y = curve["headline"].to_numpy(float)
    scale = _money_scale(np.append(y, [target or 0.0]), kind)
    fig = go.Figure(go.Scatter(x=curve["value"], y=y / scale, mode="lines+markers", name=hlabel,
                               line=dict(color=NHS_BLUE, width=4), marker=dict(size=8), customdata=y,
                               hovertemplate="%{x:,.4g}<br>%{customdata:,.2f}<extra></extra>"))
    if target is not None:
        fig.add_hline(y=target / scale, line=dict(color=NHS_RED, width=3),
                      annotation_text=f"target {_fmt(target, kind)}", annotation_position="bottom right")
    if "base_value" in a:
        fig.add_vline(x=a["base_value"], line=dict(color=NHS_MID_GREY, width=2, dash="dot"),
                      annotation_text="scenario", annotation_position="top left")
    if result is not None and not math.isnan(result.value):
        fig.add_trace(go.Scatter(x=[result.value], y=[result.headline_at_value / scale], mode="markers+text",
                                 marker=dict(color=NHS_WARM_YELLOW, size=18, line=dict(color=TEXT, width=2)),
                                 text=[f"{result.value:,.4g}"], textposition="top right", name="break-even"))
    fig.update_xaxes(title_text=alabel + (f" ({_safe(unit)})" if unit else ""))
    fig.update_yaxes(title_text=hlabel, **_axis(kind, scale))
    fig.update_layout(showlegend=False)
    return _style(fig, title or f"{hlabel} as {alabel.lower()} changes", large)
