"""One practice on one page: an HTML summary that prints on one A4 page, for a practice engagement meeting.

:func:`render_html` returns a self-contained page (inline CSS and SVG, no external assets, no scripts)
for one practice: who it is (or "Practice C" in meeting mode), its money year by year, the admissions
that would pay for it, any staff commitment the money no longer covers, and a short paragraph in plain
English written from the figures. Every piece of user text (practice, locality and scenario names, the
scenario description) goes through :func:`html.escape`.

Figures are in whole pounds, rounded as a table so that they add up as shown (:func:`papers.footing.foot`:
allocation = new money + LES money back; net change = allocation + protection − LES lost + LES gained;
all years = the sum of the years), and the cards and the paragraph quote the same rounded figures.

:func:`zip_all` puts one page per practice into a zip; :mod:`papers.pack` puts them in one PDF with a
cover and an index. :func:`sheet_bodies` gives each practice's page body for the pack, at a density
(``fit`` 0, 1 or 2) that keeps it on one A4 page.

Money, counts and percentages are written by :mod:`papers.text` (whole pounds, pence only where they
matter); colours come from :mod:`model.palette`, column headings from :mod:`model.columns`, and the
scenario's words from :mod:`model.fields` and :mod:`model.formats`.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from model.anonymise import letter_rank, practice_aliases
from model.columns import column, heading
from model.fields import field
from model.formats import money_short, value_text
from model.money import to_pence
from model.palette import GAIN, LOSS_TEXT, NHS_BLUE, NHS_GREY, NHS_MID_GREY, RULE_GREY, TEXT, WHITE
from model.results import Results
from model.story import PracticeRows as _Rows
from model.story import practice_story as story
from model.story import protection_end as _protection_end
from papers.footing import foot
from papers.tables import zip_bytes
from papers.text import count, money, money_signed, pct

# ---- text helpers ------------------------------------------------------------------------------


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _head(key: str) -> str:
    """A result column's heading (model.columns) without "(£)": every figure on the page shows its £."""
    return heading(key).removesuffix(" (£)")


#: "allocation + protection − LES lost + LES gained", the register's meaning of net change.
_NET_CHANGE_IS = _lower_first(column("net_change").meaning)


def _e(text: Any) -> str:
    """Escape user text for HTML (also quotes)."""
    return html.escape(str(text), quote=True)


# ---- finding the practice ----------------------------------------------------------------------

def _practice_rows(results: Results, practice_code: str, commissioner: str | None = None) -> pd.DataFrame:
    p = results.practices
    mask = p["practice_code"].astype(str) == str(practice_code)
    if commissioner is not None:
        mask &= p["commissioner"].astype(str) == str(commissioner)
    rows = p[mask]
    if rows.empty:
        raise ValueError(f"practice '{practice_code}' is not in the practice list"
                         + (f" of commissioner {commissioner}" if commissioner else ""))
    comms = rows["commissioner"].astype(str).unique()
    if len(comms) > 1:
        raise ValueError(f"practice code '{practice_code}' is used by more than one commissioner "
                         f"({', '.join(comms)}); say which")
    return rows.sort_values("year_index")


# ---- figures that add up as shown --------------------------------------------------------------

#: The page's money table: each total and its parts (LES lost is a negative part of the net change).
TREE = {"net_change": ["allocation", "protection", "les_lost", "les_gained"],
        "allocation": ["new_money_share", "recycled_share"]}
_ADMISSIONS_SCALE = 1000   # admissions to break even carried in thousandths, shown to one decimal


@dataclass
class Shown:
    """One practice's figures as the page shows them: whole pounds (admissions to 0.1), by year and in all.

    `years[k]` are the year figures by key, `total[k]` the all-years figure; `rows` are the practice's
    rows with those figures in place of the exact ones (for the cards and the paragraph)."""

    years: dict[str, list[float]]
    total: dict[str, float]
    rows: _Rows


def shown_figures(rows: _Rows) -> Shown:
    """Round one practice's money to whole pounds so that the page adds up as shown.

    >>> recs = [{"year": y, "year_index": i, "allocation": 42677.8, "new_money_share": 42677.8,
    ...          "recycled_share": 0.0, "les_lost": 0.0, "les_gained": 0.0, "protection": 0.0,
    ...          "net_change": 42677.8, "admissions_to_break_even": 17.07112, "unfunded_commitment": 0.0}
    ...         for i, y in enumerate(["2014/15", "2015/16", "2016/17", "2017/18", "2018/19"])]
    >>> s = shown_figures(_Rows(recs))
    >>> s.years["allocation"], s.total["allocation"]          # five years of £42,677.80: £213,389 in all
    ([42678.0, 42678.0, 42678.0, 42678.0, 42677.0], 213389.0)
    >>> s.years["admissions_to_break_even"], s.total["admissions_to_break_even"]
    ([17.1, 17.1, 17.1, 17.1, 17.0], 85.4)
    """
    leaves = {k: [int(v) for v in to_pence(rows.col(k))] for k in
              ("new_money_share", "recycled_share", "protection", "les_gained")}
    leaves["les_lost"] = [-int(v) for v in to_pence(rows.col("les_lost"))]
    money_shown = foot(TREE, leaves, 100)
    money_shown["les_lost"] = [-v for v in money_shown["les_lost"]]
    other = foot({}, {"unfunded_commitment": [int(v) for v in to_pence(rows.col("unfunded_commitment"))]}, 100)
    adm = [x * _ADMISSIONS_SCALE for x in rows.col("admissions_to_break_even")]
    finite = all(math.isfinite(x) for x in adm)
    adm_shown = foot({}, {"a": [int(to_pence(x / 100)) for x in adm]}, _ADMISSIONS_SCALE // 10)["a"] if finite \
        else None
    years: dict[str, list[float]] = {}
    total: dict[str, float] = {}
    for k, v in {**money_shown, **other}.items():
        years[k] = [float(x) for x in v[:-1]]
        total[k] = float(v[-1])
    if adm_shown is not None:
        years["admissions_to_break_even"] = [x / 10 for x in adm_shown[:-1]]
        total["admissions_to_break_even"] = adm_shown[-1] / 10
    else:
        years["admissions_to_break_even"] = rows.col("admissions_to_break_even")
        total["admissions_to_break_even"] = float("nan")
    recs = [{**r, **{k: years[k][i] for k in years}} for i, r in enumerate(rows.recs)]
    return Shown(years, total, _Rows(recs))


# ---- the page ----------------------------------------------------------------------------------

_CSS = """
@page { size: A4 portrait; margin: 11mm 12mm 12mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: Arial, "Liberation Sans", "Helvetica Neue", Helvetica, sans-serif; color: {text};
       font-size: 10pt; line-height: 1.32; margin: 0 auto; max-width: 186mm; padding: 6mm 0; background: {white}; }
header { background: {blue}; color: {white}; padding: 3.5mm 5mm; border-radius: 1mm; }
header .kicker { font-size: 8.5pt; letter-spacing: .02em; opacity: .92; margin: 0 0 1mm 0; }
header h1 { font-size: 18pt; margin: 0; line-height: 1.15; overflow-wrap: break-word; }
header h1.long { font-size: 15pt; }
header h1.longer { font-size: 12.5pt; }
header .scenario { font-size: 9.5pt; margin: 1.2mm 0 0 0; }
.facts { display: flex; flex-wrap: wrap; gap: 1mm 6mm; margin: 2.5mm 0 1.5mm 0; padding: 0; list-style: none;
         font-size: 9.5pt; }
.facts li b { color: {grey}; font-weight: normal; }
.cards { display: flex; gap: 2.5mm; margin: 2.5mm 0; }
.card { flex: 1; border: 0.4mm solid {rule}; border-top: 1.4mm solid {blue}; padding: 1.6mm 2.5mm;
        border-radius: 1mm; }
.card .label { font-size: 8pt; color: {grey}; }
.card .value { font-size: 14pt; font-weight: bold; color: {text}; }
.card .sub { font-size: 7.5pt; color: {grey}; }
h2 { font-size: 11.5pt; color: {blue}; margin: 3mm 0 1mm 0; }
p.story { margin: 0 0 1.5mm 0; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; page-break-inside: avoid; }
th { background: {blue}; color: {white}; font-weight: bold; text-align: right; padding: 1.2mm 1.3mm;
     vertical-align: bottom; line-height: 1.15; hyphens: manual; overflow-wrap: normal; word-break: normal; }
th:first-child, td:first-child { text-align: left; }
td { text-align: right; padding: 1mm 1.3mm; border-bottom: 0.3mm solid {rule};
     font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: bold; border-top: 0.5mm solid {text}; border-bottom: none; }
td.neg { color: {loss}; }
td.pos { color: {gain}; }
.nb { white-space: nowrap; }
.note { font-size: 7.8pt; color: {grey}; margin: 1.2mm 0 0 0; }
.chart { margin: 1.5mm 0 0 0; }
.assumptions { font-size: 8.5pt; margin: 0; padding-left: 4mm; }
.assumptions li { margin: 0.3mm 0; }
footer { margin-top: 3mm; padding-top: 1.5mm; border-top: 0.3mm solid {rule}; font-size: 7.3pt;
         color: {grey}; }
/* Denser settings for pages with much to say, so every page stays on one A4 sheet. */
.fit-1 { font-size: 9pt; line-height: 1.25; }
.fit-1 .cards { margin: 1.5mm 0; }
.fit-1 .card .value { font-size: 12.5pt; }
.fit-1 h2 { font-size: 10.5pt; margin: 2mm 0 0.8mm 0; }
.fit-1 table { font-size: 8pt; }
.fit-1 td { padding: 0.7mm 1.2mm; }
.fit-1 svg.chart { height: 24mm; }
.fit-2 { font-size: 8.2pt; line-height: 1.18; }
.fit-2 header { padding: 2.5mm 4mm; }
.fit-2 .cards { margin: 1mm 0; }
.fit-2 .card .value { font-size: 11pt; }
.fit-2 h2 { font-size: 9.5pt; margin: 1.5mm 0 0.5mm 0; }
.fit-2 table { font-size: 7.5pt; }
.fit-2 td, .fit-2 th { padding: 0.5mm 1mm; }
.fit-2 svg.chart { height: 18mm; }
.fit-2 .assumptions { font-size: 7.5pt; }
@media print {
  body { padding: 0; max-width: none; }
  h2, .cards, table, .chart { break-inside: avoid; }
}
"""
for _name, _colour in {"{blue}": NHS_BLUE, "{text}": TEXT, "{white}": WHITE, "{grey}": NHS_GREY, "{rule}": RULE_GREY,
                       "{loss}": LOSS_TEXT, "{gain}": GAIN}.items():
    _CSS = _CSS.replace(_name, _colour)
CSS = _CSS


def _td(value: float, *, signed: bool = False, pence: bool | None = False, colour: bool = False) -> str:
    text = money_signed(value, pence=pence) if signed else money(value, pence=pence)
    cls = ""
    if colour and round(float(value), 2) < 0:
        cls = ' class="neg"'
    elif colour and round(float(value), 2) > 0:
        cls = ' class="pos"'
    return f"<td{cls}>{text}</td>"


def _years_table(shown: Shown, labels: list[str], per_head: list[float]) -> str:
    y, t = shown.years, shown.total
    show_gained = any(v != 0 for v in y["les_gained"])
    show_uc = any(v != 0 for v in y["unfunded_commitment"])
    keys = ["year", "allocation", "new_money_share", "recycled_share", "les_lost"]
    if show_gained:
        keys.append("les_gained")
    keys += ["protection", "net_change", "net_change_per_head", "admissions_to_break_even"]
    if show_uc:
        keys.append("unfunded_commitment")
    out = ["<table><thead><tr>" + "".join(f"<th>{_e(_head(k))}</th>" for k in keys) + "</tr></thead><tbody>"]

    def cells(get, label: str, ph: float | None) -> list[str]:
        c = [f"<td>{_e(label)}</td>", _td(get("allocation")), _td(get("new_money_share")),
             _td(get("recycled_share")), _td(-get("les_lost"), colour=True)]
        if show_gained:
            c.append(_td(get("les_gained"), colour=True))
        c += [_td(get("protection")), _td(get("net_change"), signed=True, colour=True)]
        c.append("<td></td>" if ph is None else "<td>–</td>" if math.isnan(ph)
                 else _td(ph, signed=True, pence=True, colour=True))
        adm = get("admissions_to_break_even")
        c.append(f"<td>{adm:,.1f}</td>" if math.isfinite(adm) else "<td>–</td>")
        if show_uc:
            c.append(_td(get("unfunded_commitment")))
        return c

    for i, label in enumerate(labels):
        out.append("<tr>" + "".join(cells(lambda k, i=i: y[k][i], label, per_head[i])) + "</tr>")
    if len(labels) > 1:
        out.append('<tr class="total">' + "".join(cells(lambda k: t[k], "All years", None)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _ticks(low: float, high: float, target: int = 4) -> list[float]:
    """Round axis values from at or below `low` to at or above `high`: steps of 1, 2, 2.5 or 5 × a power of ten.

    >>> _ticks(-62025, 42190)
    [-75000.0, -50000.0, -25000.0, 0.0, 25000.0, 50000.0]
    >>> _ticks(0, 22745)
    [0.0, 5000.0, 10000.0, 15000.0, 20000.0, 25000.0]
    """
    span = high - low
    if span <= 0:
        return [0.0]
    power = 10 ** math.floor(math.log10(span / (2 * target)))
    for step in (m * power * 10 ** k for k in range(4) for m in (1, 2, 2.5, 5)):
        first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
        if last - first <= target + 2:
            break
    return [float(k * step) for k in range(first, last + 1)]


def _chart(shown: Shown, labels: list[str]) -> str:
    """A small inline SVG with a value axis: allocation + protection + LES gained against LES lost, and
    the net change, by year (the figures of the table)."""
    y = shown.years
    inflow = [a + p + g for a, p, g in zip(y["allocation"], y["protection"], y["les_gained"])]
    outflow = y["les_lost"]
    net = y["net_change"]
    top = max([*inflow, *net, 0.0])
    bottom = min([*(-v for v in outflow), *net, 0.0])
    if top - bottom <= 0:
        return ""
    ticks = _ticks(bottom, top)
    top, bottom = max(top, ticks[-1]), min(bottom, ticks[0])
    w, h, left, pad_top, pad_bottom = 700.0, 118.0, 62.0, 6.0, 18.0
    plot_h = h - pad_top - pad_bottom
    scale = plot_h / (top - bottom)
    zero = pad_top + top * scale
    n = len(labels)
    slot = (w - left) / n
    bw = min(34.0, slot / 4)
    parts = [f'<svg class="chart" viewBox="0 0 {w:.0f} {h:.0f}" width="100%" role="img" '
             f'aria-label="Money in and out by year, £" xmlns="http://www.w3.org/2000/svg" '
             f'font-family="Arial, Liberation Sans, sans-serif" font-size="10">']
    for t in ticks:
        ty = zero - t * scale
        parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{w}" y2="{ty:.1f}" stroke="{RULE_GREY}" '
                     f'stroke-width="0.6"/>')
        parts.append(f'<text x="{left - 5:.0f}" y="{ty + 3.5:.1f}" text-anchor="end" fill="{NHS_GREY}">'
                     f'{_e(money_short(t))}</text>')
    parts.append(f'<line x1="{left}" y1="{zero:.1f}" x2="{w}" y2="{zero:.1f}" stroke="{NHS_MID_GREY}" '
                 f'stroke-width="0.9"/>')
    for i, label in enumerate(labels):
        cx = left + slot * (i + 0.5)
        bars = [(inflow[i], NHS_BLUE), (-outflow[i], LOSS_TEXT), (net[i], GAIN if net[i] >= 0 else LOSS_TEXT)]
        for j, (v, colour) in enumerate(bars):
            x = cx + (j - 1.5) * bw
            yy = zero - max(v, 0) * scale
            hgt = abs(v) * scale
            opacity = "0.55" if j == 2 else "1"
            parts.append(f'<rect x="{x:.1f}" y="{yy:.1f}" width="{bw * 0.9:.1f}" height="{max(hgt, 0.0):.1f}" '
                         f'fill="{colour}" fill-opacity="{opacity}"/>')
        parts.append(f'<text x="{cx:.1f}" y="{h - 4:.0f}" text-anchor="middle" fill="{NHS_GREY}">{_e(label)}</text>')
    parts.append("</svg>")
    legend = (f'<p class="note"><span style="color:{NHS_BLUE}">■</span> allocation + protection + LES gained '
              f'&nbsp; <span style="color:{LOSS_TEXT}">■</span> LES lost &nbsp; '
              f'<span style="color:{GAIN};opacity:.6">■</span><span style="color:{LOSS_TEXT};opacity:.6">■</span> '
              'net change (green: better off, red: worse off); £ a year</p>')
    return "".join(parts) + legend


def _assumption_lines(results: Results) -> list[str]:
    """The scenario in three or four lines, in the schema's words (model.fields) and model.formats' words."""
    s = results.scenario
    rate_key = "pot.rate_per_over75" if s.pot.basis == "over75" else "pot.rate_per_head"
    rate = getattr(s.pot, rate_key.removeprefix("pot."))
    pot = field(rate_key).label.replace("£", money(rate, pence=True), 1)   # "Pot: £5.00 per registered patient a year"
    w = s.distribution.weights
    basis = ", ".join(f"{_weight_name(k)} {pct(v * 100)}" for k in ("list_size", "over75", "weighted_list")
                      if (v := getattr(w, k)) > 0)
    funding = _lower_first(value_text(s, "funding.type", s.funding.type))
    if s.funding.type == "non_recurrent":   # "non-recurrent (fixed years)" with the years it runs
        funding = funding.split(" (")[0] + f" ({s.funding.years} year{'s' if s.funding.years != 1 else ''})"
    paid = ("; paid to localities (pooled)" if s.distribution.level == "locality" else "")
    lines = [f"{pot}, shared by {basis}{paid}; {funding}."]
    if s.les.schemes:
        schemes = {name: a.model_dump() for name, a in s.les.schemes.items()}
        link = ("recycled LES money counts toward the £5" if s.les.counts_toward_pot
                else "recycled LES money is paid on top of the £5")
        lines.append(f"{value_text(s, 'les.schemes', schemes)}; {pct(s.les.reinvest_pct)} of savings recycled "
                     f"({link}).")
        p = s.les.protection
        if any(v < 100 for v in p.max_loss_pct):
            by_year = value_text(s, "les.protection.max_loss_pct", p.max_loss_pct)
            paid_from = _lower_first(value_text(s, "les.protection.funded_from", p.funded_from))
            lines.append(f"Protection: loss allowed by year {by_year}; paid from: {paid_from}.")
    else:
        lines.append("LES: every scheme kept as it is.")
    lines.append(f"Admissions: {s.admissions.baseline_per_1000_over75:g} emergency admissions per 1,000 "
                 f"patients aged 75+ a year, {money(s.admissions.cost_per_admission)} each.")
    return lines


def _weight_name(key: str) -> str:
    """A basis of the distribution in words, from its field's label: "Share by list size (0–1)" -> "list size"."""
    return field(f"distribution.weights.{key}").label.removeprefix("Share by ").split(" (")[0]


_MONEY_TEXT = re.compile(r"[−+]?£\d{1,3}(?:,\d{3})*(?:\.\d\d)?")


def _keep_together(escaped: str) -> str:
    """Stop a line break inside "−£249,280" (text already escaped: only our money figures are wrapped)."""
    return _MONEY_TEXT.sub(lambda m: f'<span class="nb">{m.group(0)}</span>', escaped)


def _shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word, so a long description cannot push the page onto two."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def data_line(source: Any) -> str:
    """The footer's account of the practice list (a :class:`papers.provenance.Source`, or None)."""
    if source is None:
        return "Practice list: not recorded."
    if source.bundled:
        return (f"Practice data: {source.data_set}, from NHS Payments to General Practice 2014/15 (HSCIC) and "
                "NHSBSA practice list sizes 2014, Open Government Licence v3.0.")
    return f"Practice data: {source.data_set}, supplied by the user (SHA-256 {source.sha256[:12]}…)."


def _title_class(title: str) -> str:
    return ' class="longer"' if len(title) > 60 else ' class="long"' if len(title) > 38 else ""


def sheet_body(rows: _Rows, results: Results, display_name: str, display_code: str | None, source: Any = None,
               fit: int = 0, anchor: str = "") -> str:
    """One practice's page as a ``<section>`` (the body of :func:`render_html`, a page of the pack)."""
    s = results.scenario
    r0 = rows.first
    labels = rows.labels
    shown = shown_figures(rows)
    srows = shown.rows
    period = labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"
    last_paid, first_without = _protection_end(srows, labels)
    if last_paid is None:
        prot_text = "none"
    elif first_without is None:
        prot_text = f"paid to {labels[-1]}"
    else:
        prot_text = f"ends in {first_without} (last paid {last_paid})"
    title = display_name + (f" ({display_code})" if display_code else "")
    pooled = s.distribution.level == "locality"
    facts = [
        (_head("commissioner"), str(r0["commissioner"])),
        (_head("locality"), str(r0["locality"])),
        (_head("list_size"), count(r0["list_size"])),
        (_head("over75"), count(r0["over75"])),
    ]
    if not bool(r0.get("participating", True)):
        facts.append((_head("participating"), "no"))
    if pooled:
        facts.append(("Money paid to", f"the {r0['locality']} locality (pooled)"))
    y, t = shown.years, shown.total
    net0 = y["net_change"][0]
    per_head = [float(r.get("net_change_per_head", float("nan"))) for r in rows.recs]
    alloc_label = f"{_head('allocation')} {labels[0]}" + (" (to the locality)" if pooled else "")
    aph = float(r0["allocation_per_head"])
    cards = [
        (alloc_label, money(y["allocation"][0]),
         f"{money(aph, pence=True)} per patient" if math.isfinite(aph) else ""),
        (f"{_head('net_change')} {labels[0]}", money_signed(net0), _NET_CHANGE_IS),
        (_head("protection"), prot_text if last_paid is None else money(t["protection"]),
         "" if last_paid is None else prot_text),
        (_head("admissions_to_break_even"), f"{y['admissions_to_break_even'][0]:,.1f}"
         if math.isfinite(y["admissions_to_break_even"][0]) else "–",
         f"a year, at {money(s.admissions.cost_per_admission)} each"),
    ]
    if t["unfunded_commitment"] > 0:
        uc = y["unfunded_commitment"]
        first_uc = next(i for i, v in enumerate(uc) if v > 0)
        cards.append((_head("unfunded_commitment"), money(uc[first_uc]),
                      f"in {labels[first_uc]}; {money(t['unfunded_commitment'])} over {period}"))
    paragraph = " ".join(story(srows, results, "the practice"))
    limit = (520, 360, 240)[min(fit, 2)]
    body = [
        f'<section class="sheet fit-{fit}"' + (f' id="{_e(anchor)}"' if anchor else "") + ">",
        "<header>",
        f'<p class="kicker">Practice funding summary · {_e(period)} · the £5 per head and Local Enhanced '
        f"Services</p>",
        f"<h1{_title_class(title)}>{_e(title)}</h1>",
        f'<p class="scenario">Scenario: {_e(s.name)}</p>',
        "</header>",
        '<ul class="facts">' + "".join(f"<li><b>{_e(k)}:</b> {_e(v)}</li>" for k, v in facts) + "</ul>",
        '<div class="cards">' + "".join(
            f'<div class="card"><div class="label">{_e(k)}</div><div class="value">{_e(v)}</div>'
            f'<div class="sub">{_e(sub)}</div></div>' for k, v, sub in cards) + "</div>",
        "<h2>In plain English</h2>",
        f'<p class="story">{_keep_together(_e(paragraph))}</p>',
        "<h2>Year by year</h2>",
        _years_table(shown, labels, per_head),
        f'<p class="note">Whole pounds, rounded so that the figures add up as shown (the model works to the '
        f"penny). {_e(_head('les_lost'))} is shown as a negative figure. {_e(_head('net_change'))} = "
        f"{_e(_NET_CHANGE_IS)}. {_e(_head('admissions_to_break_even'))} = allocation ÷ cost of one emergency "
        "admission.</p>",
        _chart(shown, labels) if fit < 2 or len(labels) <= 5 else "",
        "<h2>The scenario</h2>",
        f'<p class="story">{_e(_shorten(s.description, limit))}</p>' if s.description else "",
        '<ul class="assumptions">' + "".join(f"<li>{_e(x)}</li>" for x in _assumption_lines(results)) + "</ul>",
        "<footer>Figures from the primary-care funding scenario modeller, 2014/15 planning guidance "
        f"(paragraphs 36–37). {_e(data_line(source))}</footer>",
        "</section>",
    ]
    return "\n".join(x for x in body if x)


def document(title: str, bodies: Iterable[str], extra_css: str = "") -> str:
    """A self-contained HTML document around page bodies."""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{CSS}{extra_css}</style></head><body>",
        *bodies,
        "</body></html>",
    ]) + "\n"


def render_html(results: Results, practice_code: str, anonymise: bool = False, *,
                commissioner: str | None = None, source: Any = None, fit: int | None = None) -> str:
    """One practice's one-page summary as a self-contained HTML page (prints on one A4 page).

    With `anonymise` (meeting mode) the practice is shown as "Practice C" (the letter it has in the
    anonymised results, see :mod:`model.anonymise`, or in the meeting's own letters when `anonymise` is a
    {code: letter} mapping) and its name and code appear nowhere on the page.
    `source` (a :class:`papers.provenance.Source`) names the practice list in the footer. `fit` picks the
    density (0, 1, 2); by default the one that keeps the page on one A4 sheet (:func:`papers.pack.fit_level`).
    Raises ValueError when the code is not in the results.

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300]})
    >>> results = run(practices, Scenario(horizon_years=1))
    >>> page = render_html(results, "P2", fit=0)
    >>> page.startswith("<!DOCTYPE html>"), "<h1>Brook (P2)</h1>" in page, '"value">£10,000<' in page
    (True, True, True)
    >>> page = render_html(results, "P2", anonymise=True, fit=0)
    >>> "<h1>Practice B</h1>" in page, "Brook" in page, "P2" in page
    (True, False, False)
    """
    rows = _Rows(_practice_rows(results, practice_code, commissioner))
    if anonymise:
        name, code = _aliases(results, anonymise)[str(practice_code)], None
    else:
        name, code = str(rows.first["practice_name"]), str(practice_code)
    if fit is None:
        from papers.pack import fit_level
        fit = fit_level(lambda f: sheet_body(rows, results, name, code, source, f))
    period = rows.labels[0] if len(rows) == 1 else f"{rows.labels[0]} to {rows.labels[-1]}"
    title = name + (f" ({code})" if code else "")
    return document(f"{title}: practice funding {period}", [sheet_body(rows, results, name, code, source, fit)])


def _aliases(results: Results, anonymise: bool | Mapping[str, str]) -> Mapping[str, str]:
    """The letters to print: the meeting's own ({code: 'Practice Q'}, when given), else model.anonymise's."""
    if isinstance(anonymise, Mapping):
        return anonymise
    return practice_aliases(results.practices["practice_code"])


def _file_name(text: str) -> str:
    """A safe file name: 'St. Mary's Surgery' -> 'St._Mary_s_Surgery'.

    >>> _file_name("St. Mary's Surgery"), _file_name("../.."), _file_name("Practice C")
    ('St._Mary_s_Surgery', 'practice', 'Practice_C')
    """
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "practice"


@dataclass
class Sheet:
    """One practice's page: file name, title, locality and how to write its body at a density."""

    file_name: str
    title: str
    locality: str
    commissioner: str
    body: Any   # fit level -> HTML section


def sheets(results: Results, anonymise: bool = False, source: Any = None) -> list[Sheet]:
    """Every practice's page, in results order (commissioner, practice code)."""
    p = results.practices
    aliases = _aliases(results, anonymise) if anonymise else {}
    records = p.assign(commissioner=p["commissioner"].astype(str), practice_code=p["practice_code"].astype(str),
                       practice_name=p["practice_name"].astype(str), locality=p["locality"].astype(str),
                       year=p["year"].astype(str)).to_dict("records")
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r["commissioner"], r["practice_code"]), []).append(r)
    several_comms = len({c for c, _ in groups}) > 1
    seen: set[str] = set()
    out = []
    items = list(groups.items())
    if isinstance(anonymise, Mapping):  # a meeting's letters: pages in letter order, which says nothing of codes
        items.sort(key=lambda item: (item[0][0], letter_rank(aliases.get(item[0][1], ""))))
    for i, ((comm, code), recs) in enumerate(items):
        rows = _Rows(recs)
        if anonymise:
            display, shown_code = aliases[code], None
            name = _file_name(display) + (f"_{_file_name(comm)}" if several_comms else "")
        else:
            display, shown_code = str(rows.first["practice_name"]), code
            name = (f"{_file_name(comm)}_" if several_comms else "") + _file_name(code)
        base, k = name, 2
        while name in seen:
            name, k = f"{base}_{k}", k + 1
        seen.add(name)
        title = display + (f" ({shown_code})" if shown_code else "")

        def body(fit: int, rows=rows, display=display, shown_code=shown_code, i=i) -> str:
            return sheet_body(rows, results, display, shown_code, source, fit, anchor=f"p{i + 1}")
        out.append(Sheet(f"{name}.html", title, str(rows.first["locality"]), comm, body))
    return out


def pages(results: Results, anonymise: bool = False, source: Any = None,
          fits: Mapping[str, int] | int | None = None) -> Iterable[tuple[str, str]]:
    """(file name, HTML) for every practice, in results order. `fits` (file name -> density) comes from
    the pack, which measures each page; one number sets every page's density; without it each page is
    measured here (WeasyPrint)."""
    for sheet in sheets(results, anonymise, source):
        if isinstance(fits, int):
            fit = fits
        elif fits is not None and sheet.file_name in fits:
            fit = fits[sheet.file_name]
        else:
            from papers.pack import fit_level
            fit = fit_level(sheet.body)
        yield sheet.file_name, document(sheet.title, [sheet.body(fit)])


def zip_all(results: Results, anonymise: bool = False, source: Any = None,
            fits: Mapping[str, int] | int | None = None) -> bytes:
    """One HTML page per practice in a zip (deterministic bytes). In meeting mode the file names are
    the letters too ("Practice_C.html"), so no name or code leaks through them."""
    return zip_bytes({name: page.encode("utf-8") for name, page in pages(results, anonymise, source, fits)})
