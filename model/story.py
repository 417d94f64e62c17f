"""One practice's story in plain English, written from its figures: the one story the screen's
"My practice" tab and the practice one-pager both tell.

Money is written the way papers write it (:func:`model.formats.money` with automatic pence: whole
pounds, pence only where rounding would mislead), so the tab and the page read the same.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import pandas as pd

from model import formats
from model.results import Results

money = partial(formats.money, pence=None)
money_signed = partial(formats.money_signed, pence=None)
pct = formats.pct_as_entered


class PracticeRows:
    """One practice's rows (year by year) as plain Python values: fast to read many times."""

    def __init__(self, rows: pd.DataFrame | list[dict[str, Any]] | PracticeRows):
        if isinstance(rows, PracticeRows):
            recs = rows.recs
        elif isinstance(rows, pd.DataFrame):
            recs = rows.sort_values("year_index").to_dict("records")
        else:
            recs = sorted(rows, key=lambda r: r["year_index"])
        if not recs:
            raise ValueError("no rows for this practice")
        self.recs = recs
        self.first = recs[0]
        self.labels = [str(r["year"]) for r in recs]

    def __len__(self) -> int:
        return len(self.recs)

    def col(self, name: str) -> list[float]:
        return [float(r[name]) for r in self.recs]

    def sum(self, name: str) -> float:
        return float(sum(self.col(name)))


def protection_end(rows: PracticeRows, labels: list[str]) -> tuple[str | None, str | None]:
    """(last year protection is paid, first year without it after that) or (None, None)."""
    prot = rows.col("protection")
    paid = [i for i, v in enumerate(prot) if v > 0]
    if not paid:
        return None, None
    last = paid[-1]
    return labels[last], (labels[last + 1] if last + 1 < len(labels) else None)


def practice_story(rows: pd.DataFrame | PracticeRows, results: Results, who: str = "the practice",
                   year_index: int = 0) -> list[str]:
    """Plain-English sentences about one practice, written from its figures: one year (the first unless
    `year_index` says otherwise), then the years.

    `rows` are the practice's rows of ``results.practices`` (any order); `who` names it in the text.

    A £30,000 pot (£5 a head) shared by list size; Brook loses its £12,000 minor-surgery LES and is fully
    protected in the first year only (protection top-sliced from the pot):

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "list_size": [1000, 2000, 3000],
    ...                           "over75": [80, 150, 300], "les_minor_surgery": [0.0, 12000.0, 0.0]})
    >>> scenario = Scenario(horizon_years=2).with_changes({
    ...     "les.schemes": {"les_minor_surgery": {"action": "decommission"}},
    ...     "les.protection.max_loss_pct": [0.0, 100.0]})
    >>> results = run(practices, scenario)
    >>> for sentence in practice_story(results.practices.query("practice_code == 'P2'"), results, "Brook"):
    ...     print(sentence)
    In 2014/15 Brook receives £9,000, all of it new money.
    It loses £12,000 of LES income and receives £3,000 of transitional protection.
    Overall it is no better and no worse off in 2014/15.
    Protection is paid in 2014/15 only; from 2015/16 the net change is −£2,000 a year.
    Avoiding 3.6 emergency admissions of patients aged 75+ a year, at £2,500 each, would pay for the 2014/15 allocation.
    Over 2014/15 to 2015/16 Brook receives £19,000 in all, and its net change adds up to −£2,000.
    """
    s = results.scenario
    rows = PracticeRows(rows)
    labels = rows.labels
    year_index = min(max(int(year_index), 0), len(labels) - 1)
    r0 = rows.recs[year_index]
    y0 = labels[year_index]
    out: list[str] = []
    alloc, new, rec = float(r0["allocation"]), float(r0["new_money_share"]), float(r0["recycled_share"])
    subject = who[:1].upper() + who[1:]
    # Pooled money is paid to the locality: say so, rather than that the practice receives it.
    pooled = s.distribution.level == "locality" and r0.get("locality") not in (None, "")
    receives = (f"the {r0['locality']} locality is paid {{}} for {who}" if pooled else f"{who} receives {{}}")
    if not bool(r0.get("participating", True)):
        out.append(f"{subject} is not taking part in the scheme, so it receives no allocation.")
    elif alloc <= 0:
        out.append(f"In {y0} {receives.format('nothing')}.")
    elif rec <= 0:
        out.append(f"In {y0} {receives.format(money(alloc))}, all of it new money.")
    elif new <= 0:
        out.append(f"In {y0} {receives.format(money(alloc))}, all of it LES money coming back through the "
                   f"pot: none of it is new money.")
    else:
        out.append(f"In {y0} {receives.format(money(alloc))}: {money(new)} of new money and {money(rec)} of "
                   f"LES money coming back through the pot.")
    lost, gained, prot = float(r0["les_lost"]), float(r0["les_gained"]), float(r0["protection"])
    if lost > 0:
        text = f"It loses {money(lost)} of LES income"
        if prot > 0:
            text += f" and receives {money(prot)} of transitional protection"
        out.append(text + ".")
    elif prot > 0:
        out.append(f"It receives {money(prot)} of transitional protection.")
    if gained > 0:
        out.append(f"It gains {money(gained)} of LES income.")
    net = float(r0["net_change"])
    per_head = r0.get("net_change_per_head", float("nan"))
    ph = "" if per_head is None or math.isnan(float(per_head)) else \
        f" ({money(abs(float(per_head)), pence=True)} per registered patient)"
    if round(net, 2) > 0:
        out.append(f"Overall it is {money(net)} better off in {y0}{ph}.")
    elif round(net, 2) < 0:
        out.append(f"Overall it is {money(-net)} worse off in {y0}{ph}.")
    else:
        out.append(f"Overall it is no better and no worse off in {y0}.")

    last_paid, first_without = protection_end(rows, labels)
    if last_paid is not None:
        if first_without is None:
            out.append(f"Protection continues to {labels[-1]}, the last year modelled.")
        else:
            after = rows.recs[labels.index(first_without)]
            when = f"in {last_paid} only" if last_paid == labels[0] else f"until {last_paid}"
            out.append(f"Protection is paid {when}; from {first_without} the net change is "
                       f"{money_signed(float(after['net_change']))} a year.")

    allocs = rows.col("allocation")
    if alloc > 0 and len(allocs) > 1:
        stop = next((i for i in range(1, len(allocs)) if allocs[i] <= 0 < allocs[i - 1]), None)
        if stop is not None:
            out.append(f"The money stops after {labels[stop - 1]}: from {labels[stop]} {who} receives nothing.")
    uc = rows.col("unfunded_commitment")
    if any(v > 0 for v in uc):
        i = next(i for i, v in enumerate(uc) if v > 0)
        out.append(f"Having turned {pct(s.staffing.committed_pct)} of the money into recurrent staff costs, it is "
                   f"left holding {money(uc[i])} of staff costs the money no longer covers in {labels[i]}"
                   + (f" ({money(sum(uc))} over {labels[i]}–{labels[-1]})." if sum(uc) > uc[i] else "."))
    adm = float(r0["admissions_to_break_even"])
    if alloc > 0 and math.isfinite(adm):
        out.append(f"Avoiding {adm:,.1f} emergency admissions of patients aged 75+ a year, at "
                   f"{money(s.admissions.cost_per_admission)} each, would pay for the {y0} allocation.")
    if len(rows) > 1:
        paid = (f"the {r0['locality']} locality is paid {money(rows.sum('allocation'))} in all for {who}" if pooled
                else f"{who} receives {money(rows.sum('allocation'))} in all")
        out.append(f"Over {labels[0]} to {labels[-1]} {paid}, and its net change adds up to "
                   f"{money_signed(rows.sum('net_change'))}.")
    return out


