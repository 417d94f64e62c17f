"""Headline cards: the figures shown large at the top of a tab, and the Overview's checks badge.

Pure (no Streamlit): each card is a :class:`Card` that the page hands to ``st.metric``, or, for the
first screen, to :func:`cards_html` (plain HTML, drawn at once with the chart beside it: no widget code for
the browser to fetch before the first figures). Figures are read from :class:`~model.results.Results` (or an
analysis result) and only formatted, through :mod:`model.formats`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

from model import fields
from model.columns import heading
from model.formats import count, money, money_short, money_signed, pct
from model.headlines import WhoLoses
from model.money import IDENTITY_TERMS
from model.results import Results
from model.scenario import GUIDANCE_RATE_PER_HEAD, GUIDANCE_RATE_PER_OVER75
from screen.assumptions import funding_text, rate_text
from screen.years import by_year, year_row


@dataclass(frozen=True)
class Card:
    """One headline figure: what st.metric shows."""

    label: str
    value: str
    help: str = ""
    delta: str | None = None
    delta_color: str = "off"


def headline_cards(results: Results, year_index: int = 0) -> list[Card]:
    """The Overview's headline figures for one year, in reading order.

    A £30,000 pot (£5 a head for 6,000 patients) shared by list size, no LES changed:

    >>> import pandas as pd
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300]})
    >>> cards = headline_cards(run(practices, Scenario()))
    >>> [(c.label, c.value) for c in cards[:2]] + [(c.label, c.value) for c in cards[-2:]]
    [('Practice pot 2014/15', '£30,000'), ('New money', '£30,000'), ('Better off / worse off', '3 / 0'),
     ('Break-even admissions cut', '6.5 %')]
    >>> cards[5].delta   # the net cost over the five years modelled
    '£150,000 over 5 years'
    """
    s = results.scenario
    r = year_row(results, year_index)
    year = str(r["year"])
    totals = by_year(results)
    prot_from = "paid by the CCG (extra cost)" if s.les.protection.funded_from == "commissioner" \
        else "top-sliced from the pot"
    return [
        Card(f"Practice pot {year}", money(r["pot"]),
             f"{rate_text(s)}, {funding_text(s)}, plus any recycled LES money."),
        Card("New money", money(r["new_money"]),
             "The part of the pot not covered by recycled LES money: what the CCG puts in fresh."),
        Card("Recycled LES money", money(r["recycled"]),
             "LES savings put back into the practice pot."),
        Card("LES savings", money(r["les_savings"]),
             "Income practices lose from decommissioned (or harmonised-down) LES schemes."),
        Card("Transitional protection", money(r["protection"]),
             f"Paid to practices losing LES so no practice loses more than allowed; {prot_from}."),
        Card(f"Net cost to CCG {year}", money(r["net_cost"]),
             "Pot + protection paid by the CCG − LES savings + LES extended or harmonised up.",
             delta=f"{money(float(totals['net_cost'].sum()))} over {len(totals)} years", delta_color="off"),
        Card("Better off / worse off", f"{count(r['winners'])} / {count(r['losers'])}",
             "Practices whose net change (allocation + protection − LES lost + LES gained) is above / "
             "below zero."),
        Card("Break-even admissions cut", pct(r["break_even_reduction_pct"]),
             f"Cut in emergency admissions of patients aged 75+ that would pay for the net cost, at "
             f"{count(s.admissions.baseline_per_1000_over75)} admissions per 1,000 a year and "
             f"{money(s.admissions.cost_per_admission)} each."),
    ]


def who_loses_cards(w: WhoLoses, pot: float, rate: str) -> list[Card]:
    """The first screen's cards: worse off, better off, unchanged, the largest loss and whose, the net cost
    this year and over the horizon, and the pot. A count carries its symbol (▼ ▲ =) so gain and loss are
    never told by colour alone. `pot` and `rate` are the year's pot and the rate in words.

    >>> from model.headlines import WhoLoses
    >>> w = WhoLoses("2014/15", 69, 12, 55, 2, -22745.0, -5.0, "K83004", "Abbey", 3238385.0, 16191925.0, 5)
    >>> [(c.label, c.value) for c in who_loses_cards(w, 3238385.0, "£5.00 per registered patient")]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('Worse off', '▼ 55'), ('Better off', '▲ 12'), ('Unchanged', '= 2'), ('Largest loss 2014/15', '−£22,745'),
     ('Net cost to CCG 2014/15', '£3,238,385'), ('Practice pot 2014/15', '£3,238,385')]
    >>> who_loses_cards(w, 3238385.0, "£5")[3].delta
    '−£5.00 a patient · Abbey (K83004)'
    """
    of = f"of {count(w.practices)}"
    who = w.largest_loss_name or ""
    if w.largest_loss_code and w.largest_loss_code != who:
        who = f"{who} ({w.largest_loss_code})"
    loss = (Card(f"Largest loss {w.year}", money(w.largest_loss),
                 "The practice whose net change (allocation + protection − LES lost + LES gained) is lowest, in "
                 "£ and £ per registered patient.",
                 delta=f"{money(w.largest_loss_per_head, pence=True)} a patient · {who}")
            if w.worse_off else
            Card(f"Largest loss {w.year}", "none", "No practice's net change is below zero.",
                 delta="no practice is worse off"))
    return [
        Card("Worse off", f"▼ {count(w.worse_off)}", delta=of),   # the chart's legend says what each means
        Card("Better off", f"▲ {count(w.better_off)}", delta=of),
        Card("Unchanged", f"= {count(w.unchanged)}", delta=of),
        loss,
        Card(f"Net cost to CCG {w.year}", money(w.net_cost),
             "Pot + protection paid by the CCG − LES savings + LES extended or harmonised up.",
             delta=f"{money(w.net_cost_all_years)} over {w.years} year{'s' if w.years != 1 else ''}"),
        Card(f"Practice pot {w.year}", money(pot), "The money shared between the practices this year, plus any "
             "recycled LES money.", delta=rate),
    ]


def cards_html(cards: list[Card], widths: list[float] | None = None, name: str = "Headline figures") -> str:
    """Cards as one row of HTML boxes (styled by ``screen.style``: ``hc-*``), each with its label, its figure,
    the line under it, and its help behind a "?" that shows on hover or keyboard focus and is read out by
    screen readers. `widths` are relative (narrow counts, wide money); a long figure's type shrinks with its
    box so it never wraps. Every text is HTML-escaped.

    >>> html = cards_html([Card("Worse off", "▼ 3", delta="of 69"), Card("Net cost <x>", "£1", "Pot − LES")])
    >>> '<div class="hc-value">▼ 3</div>' in html, "Net cost &lt;x&gt;" in html, 'aria-label="Pot − LES"' in html
    (True, True, True)
    """
    boxes = []
    for i, c in enumerate(cards):
        grow = widths[i] if widths and i < len(widths) else 1
        tip = (f'<span class="hc-help" tabindex="0" role="note" aria-label="{escape(c.help)}">?'
               f'<span class="hc-tip" aria-hidden="true">{escape(c.help)}</span></span>' if c.help else "")
        delta = f'<div class="hc-delta">{escape(c.delta)}</div>' if c.delta else ""
        boxes.append(f'<div class="hc{" hc-long" if len(c.value) > 7 else ""}" role="group" '
                     f'aria-label="{escape(c.label)}" style="flex:{grow:g} 1 0">'
                     f'<div class="hc-label">{escape(c.label)}{tip}</div>'
                     f'<div class="hc-value">{escape(c.value)}</div>{delta}</div>')
    return f'<div class="hc-row" role="region" aria-label="{escape(name)}">{"".join(boxes)}</div>'


def guidance_cards(results: Results, year_index: int = 0) -> list[Card]:
    """The implied £ per head and £ per patient aged 75+ against the guidance's £5 / £50."""
    r = year_row(results, year_index)
    per_head, per_75 = float(r["pot_per_head"]), float(r["pot_per_over75"])
    d_head = per_head - GUIDANCE_RATE_PER_HEAD if not math.isnan(per_head) else float("nan")
    d_75 = per_75 - GUIDANCE_RATE_PER_OVER75 if not math.isnan(per_75) else float("nan")
    return [
        Card("Pot per registered patient", money(per_head, pence=True),
             "Pot ÷ all registered patients (guidance para 36: 'around £5 per head').",
             delta=f"{money_signed(d_head, pence=True)} vs guidance £5", delta_color="off"),
        Card("Pot per patient aged 75+", money(per_75, pence=True),
             "Pot ÷ registered patients aged 75+ (guidance: 'broadly equates to £50').",
             delta=f"{money_signed(d_75, pence=True)} vs guidance £50", delta_color="off"),
    ]


def checks_badge(results: Results) -> tuple[bool, str]:
    """(all passed?, one line for the green/red badge).

    >>> import pandas as pd
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300]})
    >>> checks_badge(run(practices, Scenario()))  # doctest: +ELLIPSIS
    (True, 'All ... reconciliation checks pass: practice rows add up to the CCG totals to the penny, in £ and in £000.')
    """
    n = len(results.checks)
    failed = results.checks[results.checks["status"] != "PASS"]
    if failed.empty:
        return True, (f"All {n} reconciliation checks pass: practice rows add up to the CCG totals to the "
                      f"penny, in £ and in £000.")
    names = ", ".join(str(c) for c in failed["check"])
    return False, f"{len(failed)} of {n} reconciliation checks FAIL: {names}. Do not use these figures."


def checks_short(results: Results) -> tuple[bool, str]:
    """(all passed?, the small badge's words): '7 checks pass' or '2 of 7 checks FAIL' (its help says they are
    the reconciliation checks).

    >>> import pandas as pd
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> checks_short(run(pd.DataFrame({"practice_code": ["P1"], "list_size": [100], "over75": [9]}), Scenario()))
    (True, '7 checks pass')
    """
    n = len(results.checks)
    failed = int((results.checks["status"] != "PASS").sum())
    if not failed:
        return True, f"{n} checks pass"
    return False, f"{failed} of {n} checks FAIL"


def waterfall_steps(results: Results, year_index: int = 0) -> list[tuple[str, float, str]]:
    """The bridge from the money in the pot to the CCG's net cost, read from the summary.

    Steps are (label, £, kind) with kind 'relative' or 'total': new money + recycled LES = pot; then
    the other terms of the money identity (model.money.IDENTITY_TERMS, with their signs) = net cost.
    """
    r = year_row(results, year_index)
    steps = [(_label("new_money"), float(r["new_money"]), "relative"),
             (_label("recycled"), float(r["recycled"]), "relative"),
             (_label("pot"), float(r["pot"]), "total")]
    steps += [(_label(key), sign * float(r[key]), "relative") for key, sign in IDENTITY_TERMS if key != "pot"]
    return steps + [(_label("net_cost"), float(r["net_cost"]), "total")]


def _label(key: str) -> str:
    """A summary column's heading without its unit (the chart's axis shows £)."""
    return heading(key).removesuffix(" (£)")


# ---------------------------------------------------------------------------------------------
# Uncertainty (Monte Carlo)
# ---------------------------------------------------------------------------------------------


def uncertainty_cards(mc: Any, measure: str = "net_cost_after_admissions") -> list[Card]:
    """Headline range of a Monte Carlo run (model.analysis.montecarlo.MonteCarloResult), all years."""
    s = mc.summary
    row = s[(s["measure"] == measure) & (s["year"].astype(str) == "All years")]
    if row.empty:
        return []
    r = row.iloc[0]
    what = "Net cost after admissions savings" if measure == "net_cost_after_admissions" else "Net cost"
    return [
        Card(f"{what}, all years (scenario)", money(r["deterministic"]),
             "With every assumption at the scenario's own value."),
        Card("Median of the draws", money(r["p50"]), f"Half of the {mc.n_draws:,} draws are above, half below."),
        Card("90 % of draws between", f"{money_short(r['p5'])} to {money_short(r['p95'])}",
             f"5th to 95th percentile of the draws: {money(r['p5'])} to {money(r['p95'])}."),
        Card("Chance it pays for itself", pct(100.0 * float(r["prob_le_zero"]), 0),
             f"Share of draws in which the {what.lower()} is £0 or less."),
    ]


def range_note(mc: Any, measure: str = "net_cost_after_admissions") -> str | None:
    """Why the scenario's own figure lies outside the middle 90 % of the draws, or None when it lies inside.

    The usual reason is a range that can only move one way from the scenario's value — an input already at
    the edge of what it can be (no cut in admissions cannot be drawn lower) — so the draws fall on one side.

    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> from model.analysis.montecarlo import Dist
    >>> summary = pd.DataFrame({"measure": ["net_cost_after_admissions"], "year": ["All years"],
    ...                         "deterministic": [16_191_925.0], "p5": [13_123_353.1], "p95": [16_084_987.3]})
    >>> mc = SimpleNamespace(summary=summary, distributions={
    ...     "admissions.expected_reduction_pct": Dist.triangular(0.0, 0.0, 2.5),
    ...     "admissions.cost_per_admission": Dist.triangular(2000.0, 2500.0, 3000.0)})
    >>> print(range_note(mc))  # doctest: +NORMALIZE_WHITESPACE
    The scenario's own figure (£16,191,925) is above the 95th percentile of the draws (£16,084,987): Expected cut
    in admissions (%) is drawn from 0 to 2.5 with 0, the scenario's value, as its lowest, so it can only move one
    way and the draws fall on one side of the scenario's figure.
    """
    s = mc.summary
    row = s[(s["measure"] == measure) & (s["year"].astype(str) == "All years")]
    if row.empty:
        return None
    r = row.iloc[0]
    det, p5, p95 = float(r["deterministic"]), float(r["p5"]), float(r["p95"])
    if p5 - 0.005 <= det <= p95 + 0.005:
        return None
    where = (f"above the 95th percentile of the draws ({money(p95)})" if det > p95
             else f"below the 5th percentile of the draws ({money(p5)})")
    one_way = []
    for key, d in mc.distributions.items():
        if getattr(d, "kind", "") != "triangular" or d.low == d.high:
            continue
        if d.mode <= d.low or d.mode >= d.high:
            edge = "lowest" if d.mode <= d.low else "highest"
            one_way.append(f"{fields.label(key)} is drawn from {d.low:g} to {d.high:g} with {d.mode:g}, the "
                           f"scenario's value, as its {edge}")
    if one_way:
        why = ("; ".join(one_way) + (", so it can only move one way" if len(one_way) == 1 else
                                     ", so they can only move one way")
               + " and the draws fall on one side of the scenario's figure.")
    else:
        why = ("the figure does not move in proportion to the inputs (for example conditional money stops in "
               "draws where the admissions cut misses its target), so the draws bunch on one side.")
    return f"The scenario's own figure ({money(det)}) is {where}: {why}"


def chance_text(mc: Any) -> str:
    """'50 %': the share of draws in which the net cost after admissions savings is £0 or less."""
    return pct(100.0 * float(mc.prob_net_cost_after_admissions_le_zero), 0)
