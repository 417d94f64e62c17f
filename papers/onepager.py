"""One practice on one page: an HTML summary that prints cleanly on A4, for a practice engagement meeting.

:func:`render_html` returns a self-contained page (inline CSS and SVG, no external assets, no scripts)
for one practice: who it is (or "Practice C" in meeting mode), its money year by year, the admissions
that would pay for it, any staff commitment the money no longer covers, and a short paragraph in plain
English written from the figures. Every piece of user text (practice, locality and scenario names,
the scenario description) goes through :func:`html.escape`.

:func:`zip_all` puts one page per practice into a zip.

Money, counts and percentages are written by :mod:`papers.text` (whole pounds, pence only where they
matter); colours come from :mod:`model.palette`, column headings from :mod:`model.columns`, and the
scenario's words from :mod:`model.fields` and :mod:`model.formats`.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from model.anonymise import practice_aliases
from model.columns import column, heading
from model.fields import field
from model.formats import value_text
from model.palette import GAIN, LOSS_TEXT, NHS_BLUE, NHS_GREY, NHS_MID_GREY, RULE_GREY, TEXT, WHITE
from model.results import Results
from model.story import PracticeRows as _Rows
from model.story import practice_story as story
from model.story import protection_end as _protection_end
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


# ---- the page ----------------------------------------------------------------------------------

_CSS = """
@page { size: A4 portrait; margin: 12mm 12mm 14mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: Arial, "Helvetica Neue", Helvetica, sans-serif; color: {text}; font-size: 10.5pt;
       line-height: 1.35; margin: 0 auto; max-width: 186mm; padding: 6mm 0; background: {white}; }
header { background: {blue}; color: {white}; padding: 4mm 5mm; border-radius: 1mm; }
header .kicker { font-size: 9pt; letter-spacing: .02em; opacity: .92; margin: 0 0 1mm 0; }
header h1 { font-size: 18pt; margin: 0; line-height: 1.15; }
header .scenario { font-size: 10pt; margin: 1.5mm 0 0 0; }
.facts { display: flex; flex-wrap: wrap; gap: 2mm 6mm; margin: 3mm 0 2mm 0; padding: 0; list-style: none;
         font-size: 10pt; }
.facts li b { color: {grey}; font-weight: normal; }
.cards { display: flex; gap: 3mm; margin: 3mm 0; }
.card { flex: 1; border: 0.4mm solid {rule}; border-top: 1.4mm solid {blue}; padding: 2mm 3mm;
        border-radius: 1mm; }
.card .label { font-size: 8.5pt; color: {grey}; }
.card .value { font-size: 15pt; font-weight: bold; color: {text}; }
.card .sub { font-size: 8pt; color: {grey}; }
h2 { font-size: 12pt; color: {blue}; margin: 3.5mm 0 1.2mm 0; }
p.story { margin: 0 0 2mm 0; }
table { border-collapse: collapse; width: 100%; font-size: 8.8pt; page-break-inside: avoid; }
th { background: {blue}; color: {white}; font-weight: bold; text-align: right; padding: 1.4mm 1.4mm;
     vertical-align: bottom; line-height: 1.15; }
th:first-child, td:first-child { text-align: left; }
td { text-align: right; padding: 1.2mm 1.4mm; border-bottom: 0.3mm solid {rule};
     font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: bold; border-top: 0.5mm solid {text}; border-bottom: none; }
td.neg { color: {loss}; }
td.pos { color: {gain}; }
.nb { white-space: nowrap; }
.note { font-size: 8.3pt; color: {grey}; margin: 1.5mm 0 0 0; }
.chart { margin: 2mm 0 0 0; }
.assumptions { font-size: 8.8pt; margin: 0; padding-left: 4mm; }
.assumptions li { margin: 0.4mm 0; }
footer { margin-top: 4mm; padding-top: 2mm; border-top: 0.3mm solid {rule}; font-size: 7.8pt;
         color: {grey}; }
@media print {
  body { padding: 0; max-width: none; font-size: 9.8pt; line-height: 1.3; }
  h2 { margin: 3mm 0 1mm 0; }
  h2, .cards, table, .chart { break-inside: avoid; }
}
"""
for _name, _colour in {"{blue}": NHS_BLUE, "{text}": TEXT, "{white}": WHITE, "{grey}": NHS_GREY, "{rule}": RULE_GREY,
                       "{loss}": LOSS_TEXT, "{gain}": GAIN}.items():
    _CSS = _CSS.replace(_name, _colour)


def _td(value: float, *, signed: bool = False, pence: bool | None = None, colour: bool = False) -> str:
    text = money_signed(value, pence=pence) if signed else money(value, pence=pence)
    cls = ""
    if colour and round(float(value), 2) < 0:
        cls = ' class="neg"'
    elif colour and round(float(value), 2) > 0:
        cls = ' class="pos"'
    return f"<td{cls}>{text}</td>"


def _years_table(rows: _Rows) -> str:
    show_gained = any(v > 0 for v in rows.col("les_gained"))
    show_uc = any(v > 0 for v in rows.col("unfunded_commitment"))
    keys = ["year", "allocation", "new_money_share", "recycled_share", "les_lost"]
    if show_gained:
        keys.append("les_gained")
    keys += ["protection", "net_change", "net_change_per_head", "admissions_to_break_even"]
    if show_uc:
        keys.append("unfunded_commitment")
    out = ["<table><thead><tr>" + "".join(f"<th>{_e(_head(k))}</th>" for k in keys) + "</tr></thead><tbody>"]
    for r in rows.recs:
        cells = [f"<td>{_e(r['year'])}</td>", _td(r["allocation"]), _td(r["new_money_share"]),
                 _td(r["recycled_share"]), _td(-float(r["les_lost"]) if r["les_lost"] else 0.0, colour=True)]
        if show_gained:
            cells.append(_td(r["les_gained"], colour=True))
        cells += [_td(r["protection"]), _td(r["net_change"], signed=True, colour=True)]
        ph = r.get("net_change_per_head", float("nan"))
        cells.append("<td>–</td>" if ph is None or math.isnan(float(ph))
                     else _td(float(ph), signed=True, pence=True, colour=True))
        adm = float(r["admissions_to_break_even"])
        cells.append(f"<td>{adm:,.1f}</td>" if math.isfinite(adm) else "<td>–</td>")
        if show_uc:
            cells.append(_td(r["unfunded_commitment"]))
        out.append("<tr>" + "".join(cells) + "</tr>")
    if len(rows) > 1:
        cells = ["<td>All years</td>", _td(rows.sum("allocation")), _td(rows.sum("new_money_share")),
                 _td(rows.sum("recycled_share")), _td(-rows.sum("les_lost"), colour=True)]
        if show_gained:
            cells.append(_td(rows.sum("les_gained"), colour=True))
        cells += [_td(rows.sum("protection")), _td(rows.sum("net_change"), signed=True, colour=True),
                  "<td></td>", f"<td>{rows.sum('admissions_to_break_even'):,.1f}</td>"]
        if show_uc:
            cells.append(_td(rows.sum("unfunded_commitment")))
        out.append('<tr class="total">' + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _chart(rows: _Rows) -> str:
    """A small inline SVG: allocation + protection against LES lost, and the net change, by year."""
    labels = rows.labels
    inflow = [a + p + g for a, p, g in zip(rows.col("allocation"), rows.col("protection"), rows.col("les_gained"))]
    outflow = rows.col("les_lost")
    net = rows.col("net_change")
    top = max([*inflow, *net, 0.0])
    bottom = min([*(-v for v in outflow), *net, 0.0])
    if top - bottom <= 0:
        return ""
    w, h, left, pad_top, pad_bottom = 700.0, 112.0, 8.0, 8.0, 18.0
    plot_h = h - pad_top - pad_bottom
    scale = plot_h / (top - bottom)
    zero = pad_top + top * scale
    n = len(labels)
    slot = (w - left) / n
    bw = min(34.0, slot / 4)
    parts = [f'<svg class="chart" viewBox="0 0 {w:.0f} {h:.0f}" width="100%" role="img" '
             f'aria-label="Money in and out by year" xmlns="http://www.w3.org/2000/svg" '
             f'font-family="Arial, sans-serif" font-size="10">',
             f'<line x1="{left}" y1="{zero:.1f}" x2="{w}" y2="{zero:.1f}" stroke="{NHS_MID_GREY}" stroke-width="0.8"/>']
    for i, label in enumerate(labels):
        cx = left + slot * (i + 0.5)
        bars = [(inflow[i], NHS_BLUE), (-outflow[i], LOSS_TEXT), (net[i], GAIN if net[i] >= 0 else LOSS_TEXT)]
        for j, (v, colour) in enumerate(bars):
            x = cx + (j - 1.5) * bw
            y = zero - max(v, 0) * scale
            hgt = abs(v) * scale
            opacity = "0.55" if j == 2 else "1"
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw * 0.9:.1f}" height="{max(hgt, 0.0):.1f}" '
                         f'fill="{colour}" fill-opacity="{opacity}"/>')
        parts.append(f'<text x="{cx:.1f}" y="{h - 4:.0f}" text-anchor="middle" fill="{NHS_GREY}">{_e(label)}</text>')
    parts.append("</svg>")
    legend = (f'<p class="note"><span style="color:{NHS_BLUE}">■</span> allocation + protection + LES gained '
              f'&nbsp; <span style="color:{LOSS_TEXT}">■</span> LES lost &nbsp; '
              f'<span style="color:{GAIN};opacity:.6">■</span><span style="color:{LOSS_TEXT};opacity:.6">■</span> '
              'net change (green: better off, red: worse off)</p>')
    return "".join(parts) + legend


def _assumption_lines(results: Results) -> list[str]:
    """The scenario in four lines, in the schema's words (model.fields) and model.formats' value words."""
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
    lines = [f"{pot}, shared by {basis}; {funding}."]
    if s.les.schemes:
        schemes = {name: a.model_dump() for name, a in s.les.schemes.items()}
        link = ("recycled LES money counts toward the £5" if s.les.counts_toward_pot
                else "recycled LES money is paid on top of the £5")
        lines.append(f"LES: {value_text(s, 'les.schemes', schemes)}; {pct(s.les.reinvest_pct)} of savings recycled "
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


def _page(rows: _Rows, results: Results, display_name: str, display_code: str | None) -> str:
    s = results.scenario
    r0 = rows.first
    labels = rows.labels
    period = labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"
    last_paid, first_without = _protection_end(rows, labels)
    if last_paid is None:
        prot_text = "none"
    elif first_without is None:
        prot_text = f"paid to {labels[-1]}"
    else:
        prot_text = f"ends in {first_without} (last paid {last_paid})"
    title = display_name + (f" ({display_code})" if display_code else "")
    facts = [
        (_head("commissioner"), str(r0["commissioner"])),
        (_head("locality"), str(r0["locality"])),
        (_head("list_size"), count(r0["list_size"])),
        (_head("over75"), count(r0["over75"])),
    ]
    if not bool(r0.get("participating", True)):
        facts.append((_head("participating"), "no"))
    paid_to = str(r0.get("paid_to", ""))
    if s.distribution.level == "locality" and paid_to:
        facts.append((_head("paid_to"), paid_to))
    net0 = float(r0["net_change"])
    uc_total = rows.sum("unfunded_commitment")
    cards = [
        (f"{_head('allocation')} {labels[0]}", money(float(r0["allocation"])),
         f"{money(float(r0['allocation_per_head']), pence=True)} per patient"
         if math.isfinite(float(r0["allocation_per_head"])) else ""),
        (f"{_head('net_change')} {labels[0]}", money_signed(net0), _NET_CHANGE_IS),
        (_head("protection"), prot_text if last_paid is None else money(rows.sum("protection")),
         "" if last_paid is None else prot_text),
        (_head("admissions_to_break_even"), f"{float(r0['admissions_to_break_even']):,.1f}"
         if math.isfinite(float(r0["admissions_to_break_even"])) else "–",
         f"a year, at {money(s.admissions.cost_per_admission)} each"),
    ]
    if uc_total > 0:
        uc = rows.col("unfunded_commitment")
        first_uc = next(i for i, v in enumerate(uc) if v > 0)
        cards.append((_head("unfunded_commitment"), money(float(uc[first_uc])),
                      f"in {labels[first_uc]}; {money(uc_total)} over {period}"))
    who = "the practice"
    paragraph = " ".join(story(rows, results, who))
    body = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}: practice funding {_e(period)}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header>",
        f'<p class="kicker">Practice funding summary · {_e(period)} · the £5 per head and Local Enhanced '
        f"Services</p>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="scenario">Scenario: {_e(s.name)}</p>',
        "</header>",
        '<ul class="facts">' + "".join(f"<li><b>{_e(k)}:</b> {_e(v)}</li>" for k, v in facts) + "</ul>",
        '<div class="cards">' + "".join(
            f'<div class="card"><div class="label">{_e(k)}</div><div class="value">{_e(v)}</div>'
            f'<div class="sub">{_e(sub)}</div></div>' for k, v, sub in cards) + "</div>",
        "<h2>In plain English</h2>",
        f'<p class="story">{_keep_together(_e(paragraph))}</p>',
        "<h2>Year by year</h2>",
        _years_table(rows),
        f'<p class="note">{_e(_head("les_lost"))} is shown as a negative figure. {_e(_head("net_change"))} = '
        f"{_e(_NET_CHANGE_IS)}. {_e(_head('admissions_to_break_even'))} = allocation ÷ cost of one emergency "
        "admission.</p>",
        _chart(rows),
        "<h2>The scenario</h2>",
        f'<p class="story">{_e(_shorten(s.description, 600))}</p>' if s.description else "",
        '<ul class="assumptions">' + "".join(f"<li>{_e(x)}</li>" for x in _assumption_lines(results)) + "</ul>",
        "<footer>Figures from the primary-care funding scenario modeller, 2014/15 planning guidance "
        "(paragraphs 36–37). Practice data: NHS Payments to General Practice 2014/15 (HSCIC) and NHSBSA practice "
        "list sizes 2014, Open Government Licence v3.0, unless your own list was loaded. "
        "Money in whole pounds; the model works to the penny.</footer>",
        "</body></html>",
    ]
    return "\n".join(x for x in body if x) + "\n"


def render_html(results: Results, practice_code: str, anonymise: bool = False, *,
                commissioner: str | None = None) -> str:
    """One practice's one-page summary as a self-contained HTML page (prints on A4).

    With `anonymise` (meeting mode) the practice is shown as "Practice C" (the letter it has in the
    anonymised results, see :mod:`model.anonymise`) and its name and code appear nowhere on the page.
    Raises ValueError when the code is not in the results.

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300]})
    >>> results = run(practices, Scenario(horizon_years=1))
    >>> page = render_html(results, "P2")
    >>> page.startswith("<!DOCTYPE html>"), "<h1>Brook (P2)</h1>" in page, '"value">£10,000<' in page
    (True, True, True)
    >>> page = render_html(results, "P2", anonymise=True)
    >>> "<h1>Practice B</h1>" in page, "Brook" in page, "P2" in page
    (True, False, False)
    """
    rows = _Rows(_practice_rows(results, practice_code, commissioner))
    if anonymise:
        alias = practice_aliases(results.practices["practice_code"])[str(practice_code)]
        return _page(rows, results, alias, None)
    return _page(rows, results, str(rows.first["practice_name"]), str(practice_code))


def _file_name(text: str) -> str:
    """A safe file name: 'St. Mary's Surgery' -> 'St._Mary_s_Surgery'.

    >>> _file_name("St. Mary's Surgery"), _file_name("../.."), _file_name("Practice C")
    ('St._Mary_s_Surgery', 'practice', 'Practice_C')
    """
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "practice"


def pages(results: Results, anonymise: bool = False) -> Iterable[tuple[str, str]]:
    """(file name, HTML) for every practice, in results order."""
    p = results.practices
    aliases = practice_aliases(p["practice_code"]) if anonymise else {}
    records = p.assign(commissioner=p["commissioner"].astype(str), practice_code=p["practice_code"].astype(str),
                       practice_name=p["practice_name"].astype(str), locality=p["locality"].astype(str),
                       year=p["year"].astype(str)).to_dict("records")
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r["commissioner"], r["practice_code"]), []).append(r)
    several_comms = len({c for c, _ in groups}) > 1
    seen: set[str] = set()
    for (comm, code), recs in groups.items():
        rows = _Rows(recs)
        if anonymise:
            alias = aliases[code]
            name = _file_name(alias) + (f"_{_file_name(comm)}" if several_comms else "")
            page = _page(rows, results, alias, None)
        else:
            name = (f"{_file_name(comm)}_" if several_comms else "") + _file_name(code)
            page = _page(rows, results, str(rows.first["practice_name"]), code)
        base, i = name, 2
        while name in seen:
            name, i = f"{base}_{i}", i + 1
        seen.add(name)
        yield f"{name}.html", page


def zip_all(results: Results, anonymise: bool = False) -> bytes:
    """One HTML page per practice in a zip (deterministic bytes). In meeting mode the file names are
    the letters too ("Practice_C.html"), so no name or code leaks through them."""
    return zip_bytes({name: page.encode("utf-8") for name, page in pages(results, anonymise)})
