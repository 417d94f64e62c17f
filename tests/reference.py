"""A plain-Python reference implementation of docs/design.md §4.1–§4.11, to cross-check ``model.engine``.

Written for obviousness, not speed: loops over commissioners, years and practices; money held as
floats in pence until it is rounded, then as whole pence (int). It imports nothing from ``model``
except (indirectly, via its argument) the ``Scenario`` type, whose fields it reads.

It builds every column of the engine's practices, localities and summary tables (docs/design.md §4.12),
in the same order (``PRACTICES_COLUMNS``, ``LOCALITIES_COLUMNS``, ``SUMMARY_COLUMNS``, written out here
rather than read from the register, so a column dropped from either side is noticed).

It follows the decisions that ``model/engine.py``'s module docstring lists (docs/design.md §10):
- practices are sorted by commissioner then practice code;
- the pot is sized on every registered patient of the commissioner, participating or not;
- LES income is held flat in cash; per-head LES payments follow list growth (the holders' average
  £ per head is taken on the base-year list); the weighted list grows with the list size;
- recycled LES money is not subject to the funding gate;
- at locality level the locality is the payee: its share is the sum of its practices' shares, floor
  and cap are per participating practice times the number of them, and the locality's allocation is
  shown against its practices in proportion to their shares (equally when they have no share);
- protection applies to every practice losing LES, participating or not;
- floors costing more than the money are scaled down pro rata; when every practice is at its cap the
  rest is retained by the commissioner.
And these, also the engine's (not in its docstring):
- rounding half up absorbs binary noise (0.285 × 100 = 28.4999… rounds to 29);
- LES losses and gains are rounded per scheme, per commissioner-year, by largest remainder;
- remainders are compared in millionths of a penny (closer ones are a tie, and ties go to the earlier row);
- allocations are rounded by largest remainder to the rounded total of the unrounded allocations
  (never more than the money shared out); what is left is retained;
- protection is worked out on the rounded allocations and each practice's is rounded half up on its
  own (so a practice allowed to lose nothing loses nothing); when top-sliced, the solved top-slice is
  rounded half up, raised by any pence the rounded protection needs beyond it (sharing out again until
  it settles), and the top-slice reported is the protection paid (any unused penny is retained);
  protection needing more than the whole pot is scaled down pro rata by largest remainder;
- admissions avoided and saved are not gated by the funding (docs/design.md §4.10); the break-even
  reduction is 0 when the net cost is not positive and NaN when there are no patients aged 75+;
- the recycled part of each allocation is the allocation × recycled / pot (largest remainder);
- per-head figures are the £ figure ÷ the (grown) list size or patients aged 75+, NaN when that is 0;
- `paid_to` is the practice code, or its locality when the money is paid by locality;
- a locality row adds up its practices' rows (commissioner × locality × year); its winners and losers
  count practices with a net change above / below £0.00, taking part or not;
- `identity_expected` is the right-hand side of the §4.9 money identity: pot + protection paid by the
  commissioner − LES savings + LES gained.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

TIE = 1e-9  # pence: how close to an integer or to .5 counts as exactly there (binary noise),
# plus 1e-13 of the amount: large sums in pence carry more noise, and summing in another order moves it.
NOISE = 1e-6  # pence: an excess of protection over the top-slice this small is binary noise, i.e. zero.
# (Where every practice is protected, Σπ(T) − T is exactly 0 over a whole range of T; computed in
# floats it wobbles around 0, and without this a bisection can step past the smallest root.)


# --------------------------------------------------------------------------------------------
# Money helpers, written out by hand.

def round_half_up(x: float) -> int:
    """Nearest whole number, halves away from zero."""
    if x < 0:
        return -round_half_up(-x)
    return int(math.floor(x + 0.5 + TIE + 1e-13 * x))


def largest_remainder(raw: list[float], target: int | None = None) -> list[int]:
    """Whole pence adding up to `target` (default: the raw total rounded half up).

    Every row is rounded down; the pennies still missing go one each to the rows with the largest
    remainders (ties: the earlier row); if rounding down already overshoots the target (possible
    when the target is set from outside), a penny is taken from the rows with the smallest
    remainders (ties: the later row).
    """
    n = len(raw)
    if n == 0:
        return []
    down = [int(math.floor(x + TIE + 1e-13 * abs(x))) for x in raw]
    remainder = [x - d for x, d in zip(raw, down)]
    if target is None:
        total = 0.0
        for x in raw:
            total += x
        target = round_half_up(total)
    missing = target - sum(down)
    # Remainders are compared in millionths of a penny: closer than that is a tie (binary noise).
    order = sorted(range(n), key=lambda i: (-math.floor(remainder[i] * 1e6 + 0.5), i))
    out = list(down)
    k = 0
    while missing > 0:
        out[order[k % n]] += 1
        missing -= 1
        k += 1
    k = 0
    while missing < 0:
        out[order[n - 1 - (k % n)]] -= 1
        missing += 1
        k += 1
    return out


def fsum_in_order(xs) -> float:
    """Plain left-to-right float sum (the same order as the practice list)."""
    total = 0.0
    for x in xs:
        total += x
    return total


# --------------------------------------------------------------------------------------------
# Sharing money with floors and caps: a simple iterative water-filling.

def share_out(money: float, shares: list[float], eligible: list[bool], floors: list[float],
              caps: list[float | None]) -> tuple[list[float], bool, bool]:
    """Share `money` among eligible rows in proportion to `shares`, each within [floor, cap].

    Returns (allocations, floors_unaffordable, caps_bind_all). The answer is a_i = clip(λ·s_i, f_i, c_i)
    with Σ a_i = money. Water-filling: with the rows fixed so far at their bounds, spread the rest over
    the free rows in proportion to their shares; if that leaves free rows below their floor or above
    their cap, the side with the larger total violation tells which way λ must move, so those rows are
    certainly at that bound in the answer: fix them and repeat.
    """
    n = len(shares)
    out = [0.0] * n
    rows = [i for i in range(n) if eligible[i]]
    if not rows:
        return out, False, False
    no_floor = all(floors[i] == 0 for i in rows)
    no_cap = all(caps[i] is None for i in rows)
    if no_floor and no_cap:
        total = fsum_in_order(shares[i] for i in rows)
        if total > 0:
            for i in rows:
                out[i] = shares[i] * (money / total)
        return out, False, False
    floor_total = fsum_in_order(floors[i] for i in rows)
    if floor_total > 0 and floor_total >= money:          # floors unaffordable: pro rata
        for i in rows:
            out[i] = floors[i] * (money / floor_total)
        return out, True, False
    if not no_cap and all(caps[i] is not None for i in rows):
        # A row with no share never rises above its floor: "everyone at the cap" means every row with
        # a share at its cap and the rest at their floors.
        most = {i: caps[i] if shares[i] > 0 else floors[i] for i in rows}
        cap_total = fsum_in_order(most[i] for i in rows)
        if any(shares[i] > 0 for i in rows) and cap_total <= money:   # everyone at the cap
            for i in rows:
                out[i] = most[i]
            return out, False, True

    def cap_of(i: int) -> float:
        return math.inf if caps[i] is None else caps[i]

    fixed: dict[int, float] = {i: floors[i] for i in rows if shares[i] <= 0}
    lam = 0.0
    while True:
        free = [i for i in rows if i not in fixed]
        if not free:
            break
        free_shares = fsum_in_order(shares[i] for i in free)
        lam = (money - fsum_in_order(fixed[i] for i in rows if i in fixed)) / free_shares
        low = [i for i in free if lam * shares[i] < floors[i]]
        high = [i for i in free if lam * shares[i] > cap_of(i)]
        if not low and not high:
            break
        below = fsum_in_order(floors[i] - lam * shares[i] for i in low)
        above = fsum_in_order(lam * shares[i] - cap_of(i) for i in high)
        if below > above:
            fixed.update({i: floors[i] for i in low})
        elif above > below:
            fixed.update({i: cap_of(i) for i in high})
        else:  # λ already balances: clip and stop
            for i in low:
                fixed[i] = floors[i]
            for i in high:
                fixed[i] = cap_of(i)
            break
    for i in rows:
        out[i] = fixed[i] if i in fixed else lam * shares[i]
    return out, False, False


# --------------------------------------------------------------------------------------------
# The run.

@dataclass
class Practice:
    commissioner: str
    code: str
    name: str
    locality: str
    list_size: float
    over75: float
    weighted_list: float
    participating: bool
    les: dict[str, float]


@dataclass
class ReferenceResults:
    practices: pd.DataFrame
    summary: pd.DataFrame
    localities: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    solved_topslice: dict = field(default_factory=dict)  # (commissioner, year_index) -> pence, before settling


def _value(row: dict, key: str, default):
    v = row.get(key, default)
    return default if v is None or (isinstance(v, float) and math.isnan(v)) else v


def _practices(df: pd.DataFrame) -> list[Practice]:
    les_cols = [c for c in df.columns if isinstance(c, str) and c.startswith("les_")]
    out = []
    for row in df.to_dict("records"):
        out.append(Practice(
            commissioner=str(_value(row, "commissioner", "CCG")),
            code=str(row["practice_code"]),
            name=str(_value(row, "practice_name", row["practice_code"])),
            locality=str(_value(row, "locality", "All practices")),
            list_size=float(row["list_size"]),
            over75=float(row["over75"]),
            weighted_list=float(_value(row, "weighted_list", 0.0)),
            participating=bool(_value(row, "participating", True)),
            les={c: float(_value(row, c, 0.0)) for c in les_cols},
        ))
    out.sort(key=lambda p: (p.commissioner, p.code))
    return out


def year_labels(scenario) -> list[str]:
    return [f"{y}/{(y + 1) % 100:02d}" for y in range(scenario.start_year,
                                                      scenario.start_year + scenario.horizon_years)]


def funded(scenario, t: int) -> bool:
    """docs/design.md §4.2: the gate G(t)."""
    f = scenario.funding
    if f.type == "recurrent":
        return True
    if f.type == "non_recurrent":
        return t < f.years
    return t < f.review_year or scenario.admissions.expected_reduction_pct >= f.required_reduction_pct


def growth_factor(pct: float, years: int, t: int) -> float:
    """(1 + pct/100)^t. Computed with numpy's power over the horizon, exactly as the engine does: on
    CPUs with AVX-512 numpy's vectorised power is not correctly rounded (0.966² comes out as
    0.9331559999999999, not 0.933156), and that binary noise can decide which of two tied practices
    gets an odd penny. Same noise, same penny."""
    return float(((1.0 + pct / 100.0) ** np.arange(years))[t])


def per(x: float, d: float) -> float:
    """x ÷ d, NaN when d is 0 (a £ per head with no heads is not a number)."""
    return x / d if d > 0 else math.nan


def allowed_loss_share(scenario, t: int) -> float:
    v = scenario.les.protection.max_loss_pct
    return (v[t] if t < len(v) else v[-1]) / 100.0


def les_loss_and_gain(sc, ps: list[Practice], lists: list[float], t: int) -> tuple[list[int], list[int]]:
    """docs/design.md §4.4: each practice's LES loss and gain in year t, in pence, rounded scheme by scheme."""
    n = len(ps)
    loss = [0] * n
    gain = [0] * n
    for scheme in ps[0].les:
        action = sc.les.schemes.get(scheme)
        kind = "keep" if action is None else action.action
        if kind == "keep":
            continue
        active = t >= action.from_year
        values = [p.les[scheme] for p in ps]
        lost = [0.0] * n
        got = [0.0] * n
        if kind == "decommission":
            if active:
                lost = [action.fraction * v for v in values]
        else:
            holders_money = fsum_in_order(v for v in values if v > 0)
            holders_heads = fsum_in_order(p.list_size for p, v in zip(ps, values) if v > 0)
            r = holders_money / holders_heads if holders_heads > 0 else 0.0
            if kind == "harmonise" and action.rate_per_head is not None:
                r = float(action.rate_per_head)
            for i in range(n):
                if not active:
                    continue
                pay = r * lists[i]
                if kind == "extend_to_all":
                    if values[i] <= 0:
                        got[i] = pay
                else:  # harmonise
                    diff = pay - values[i]
                    lost[i] = max(0.0, -diff)
                    got[i] = max(0.0, diff)
        lost_p = largest_remainder([x * 100.0 for x in lost])
        got_p = largest_remainder([x * 100.0 for x in got])
        loss = [a + b for a, b in zip(loss, lost_p)]
        gain = [a + b for a, b in zip(gain, got_p)]
    return loss, gain


class Sharing:
    """docs/design.md §4.5–§4.6 for one commissioner-year: shares, payees, floors and caps."""

    def __init__(self, sc, ps: list[Practice], basis: dict[str, list[float]]):
        self.ps = ps
        n = len(ps)
        retain = sc.distribution.non_participants == "retain"
        w = sc.distribution.weights
        self.share = [0.0] * n
        for b, wb in (("list_size", w.list_size), ("over75", w.over75), ("weighted_list", w.weighted_list)):
            if wb == 0:
                continue
            x = basis[b]
            denom = fsum_in_order(x[i] for i in range(n) if retain or ps[i].participating)
            for i in range(n):
                if ps[i].participating and denom > 0:
                    self.share[i] += wb * (x[i] / denom)
        self.sigma = fsum_in_order(self.share)   # < 1 when non-participants' shares are retained
        self.floor = sc.distribution.floor * 100.0
        self.cap = None if sc.distribution.cap is None else sc.distribution.cap * 100.0
        self.by_locality = sc.distribution.level == "locality"
        self.floors_unaffordable = False
        self.caps_bind_all = False

    def allocate(self, money: float) -> list[float]:
        """Unrounded allocations (pence) when `money` pence is to be shared out."""
        ps, share, n = self.ps, self.share, len(self.ps)
        avail = money * self.sigma
        if not self.by_locality:
            a, self.floors_unaffordable, self.caps_bind_all = share_out(
                avail, share, [p.participating for p in ps], [self.floor] * n, [self.cap] * n)
            return a
        locs = sorted({p.locality for p in ps})
        members = {loc: [i for i in range(n) if ps[i].locality == loc] for loc in locs}
        n_part = [sum(1 for i in members[loc] if ps[i].participating) for loc in locs]
        loc_share = [fsum_in_order(share[i] for i in members[loc]) for loc in locs]
        la, self.floors_unaffordable, self.caps_bind_all = share_out(
            avail, loc_share, [k > 0 for k in n_part], [self.floor * k for k in n_part],
            [None if self.cap is None else self.cap * k for k in n_part])
        a = [0.0] * n
        for j, loc in enumerate(locs):
            for i in members[loc]:
                if loc_share[j] > 0:
                    a[i] = la[j] * (share[i] / loc_share[j])
                elif ps[i].participating:
                    a[i] = la[j] * (1.0 / n_part[j])
        return a


def protection_needed(loss: list[int], alloc: list[float], allowed: float) -> list[float]:
    """docs/design.md §4.7: π = max(0, ℓ − a − m), m = allowed share × ℓ."""
    return [max(0.0, ell - a - allowed * ell) for ell, a in zip(loss, alloc)]


def solve_topslice(pot: int, loss: list[int], allowed: float, sharing: Sharing) -> tuple[float, bool]:
    """Smallest T with Σπ(a(P − T)) ≤ T by plain bisection on [0, P] to 1/10,000 of a penny;
    (P, True) when even the whole pot cannot pay for protection."""
    def excess(ts: float) -> float:
        return fsum_in_order(protection_needed(loss, sharing.allocate(pot - ts), allowed)) - ts

    if excess(0.0) <= NOISE:
        return 0.0, False
    if excess(float(pot)) > NOISE:
        return float(pot), True
    lo, hi = 0.0, float(pot)
    for _ in range(200):
        if hi - lo <= 1e-4:
            break
        mid = (lo + hi) / 2
        if excess(mid) > NOISE:
            lo = mid
        else:
            hi = mid
    return hi, False


def commissioner_year(sc, c: str, ps: list[Practice], t: int, label: str,
                      forced_topslice: int | None) -> tuple[list[dict], dict, list[str], int]:
    """Every figure of one commissioner in one year: practice rows (pence), the summary row, warnings,
    and the top-slice solved for (rounded, before it settles)."""
    n = len(ps)
    adm = sc.admissions
    # 1. Population.
    gl = growth_factor(sc.growth.list_size_pct, sc.horizon_years, t)
    go = growth_factor(sc.growth.over75_pct, sc.horizon_years, t)
    lists = [p.list_size * gl for p in ps]
    over75 = [p.over75 * go for p in ps]
    weighted = [p.weighted_list * gl for p in ps]
    basis = {"list_size": lists, "over75": over75, "weighted_list": weighted}

    # 2–3. Gate and base pot (pence).
    if sc.pot.rate_per_over75 is not None:
        pot_basis, rate = "over75", float(sc.pot.rate_per_over75)
    else:
        pot_basis, rate = "list_size", float(5.0 if sc.pot.rate_per_head is None else sc.pot.rate_per_head)
    gate = 1.0 if funded(sc, t) else 0.0
    uplift = growth_factor(sc.pot.uplift_pct, sc.horizon_years, t)
    base_pot = round_half_up(100.0 * (gate * uplift * rate * fsum_in_order(basis[pot_basis])))

    # 4. LES; savings, recycling and the pot for practices.
    loss, gain = les_loss_and_gain(sc, ps, lists, t)
    savings = sum(loss)
    recycled = round_half_up(sc.les.reinvest_pct / 100.0 * savings)
    pot = max(base_pot, recycled) if sc.les.counts_toward_pot else base_pot + recycled
    new_money = pot - recycled

    # 5–6. Shares, floors, caps.
    sharing = Sharing(sc, ps, basis)

    # 7. Transitional protection, top-sliced from the pot or paid by the commissioner.
    m = allowed_loss_share(sc, t)
    pot_funded = sc.les.protection.funded_from == "pot"

    def share_after(top: int) -> tuple[int, list[int], list[float]]:
        """Money shared out, rounded allocations, and the protection (unrounded) they leave needed."""
        money = pot - top
        a_raw = sharing.allocate(float(money))
        alloc = largest_remainder(a_raw, min(money, round_half_up(fsum_in_order(a_raw))))
        return money, alloc, protection_needed(loss, [float(a) for a in alloc], m)

    topslice, solved, over = 0, 0, False
    if pot_funded:
        t_raw, over = solve_topslice(pot, loss, m, sharing)
        solved = topslice = min(pot, round_half_up(t_raw))
        if forced_topslice is not None:
            solved = topslice = forced_topslice
    to_share, allocation, p_raw = share_after(topslice)
    # Each practice's protection is rounded half up on its own (a practice allowed to lose nothing
    # loses nothing).
    protection = [round_half_up(x) for x in p_raw]
    if pot_funded:
        # Rounding allocations to pence can leave protection a few pence above the top-slice:
        # top-slice those pence too, and share out again, until it settles.
        for _ in range(1000):
            if not (sum(protection) > topslice and not over and topslice < pot):
                break
            topslice = min(pot, sum(protection))
            to_share, allocation, p_raw = share_after(topslice)
            protection = [round_half_up(x) for x in p_raw]
        if sum(protection) > topslice:   # more than the whole pot: pro rata to what was top-sliced
            need = fsum_in_order(p_raw)
            protection = largest_remainder([x * (topslice / need) for x in p_raw], topslice)
        paid = sum(protection)
        retained = to_share - sum(allocation) + (topslice - paid)
        topslice = paid                  # the top-slice reported is what protection used
        from_commissioner = 0
    else:
        retained = to_share - sum(allocation)
        from_commissioner = sum(protection)

    # The part of each allocation that is LES money coming back.
    rec_rate = recycled / pot if pot > 0 else 0.0
    rec_share = largest_remainder([a * rec_rate for a in allocation])
    rec_share = [min(r, a) for r, a in zip(rec_share, allocation)]

    # 9. Net change and net cost.
    net = [allocation[i] + protection[i] - loss[i] + gain[i] for i in range(n)]
    net_cost = sum(net) + retained

    # 10. Admissions.
    o_total = fsum_in_order(over75)
    avoided = (adm.expected_reduction_pct / 100.0 * adm.baseline_per_1000_over75 / 1000.0 * o_total
               if t >= adm.effect_from_year else 0.0)
    saving = round_half_up(100.0 * avoided * adm.cost_per_admission)
    value_of_all = adm.baseline_per_1000_over75 / 1000.0 * o_total * adm.cost_per_admission
    if net_cost <= 0:
        break_even = 0.0
    elif value_of_all > 0:
        break_even = 100.0 * (net_cost / 100.0) / value_of_all
    else:
        break_even = math.nan

    # docs/design.md §4.7: warn if protection would need more than the whole pot — an empty pot included (the
    # protection promised is then not paid at all).
    warnings = [f"{c} {label}: protection would need more than the whole pot"] if over else []
    warnings += [f"{c} {label}: {text}" for text, flag in (
        ("the floors cost more than the pot", sharing.floors_unaffordable),
        ("every practice is at the cap", sharing.caps_bind_all)) if flag and pot > 0]
    rows = [{
        "commissioner": c, "practice_code": p.code, "practice_name": p.name, "locality": p.locality,
        "paid_to": p.locality if sharing.by_locality else p.code, "year": label, "year_index": t,
        "participating": p.participating, "list_size": lists[i], "over75": over75[i],
        "allocation": allocation[i], "new_money_share": allocation[i] - rec_share[i],
        "recycled_share": rec_share[i], "les_lost": loss[i], "les_gained": gain[i],
        "protection": protection[i], "net_change": net[i],
        "net_change_per_head": per(net[i] / 100.0, lists[i]),
        "allocation_per_head": per(allocation[i] / 100.0, lists[i]),
        "allocation_per_over75": per(allocation[i] / 100.0, over75[i]),
        "admissions_to_break_even": allocation[i] / 100.0 / adm.cost_per_admission,
    } for i, p in enumerate(ps)]
    list_total = fsum_in_order(lists)
    summary = {
        "commissioner": c, "year": label, "year_index": t, "practices": n,
        "participating": sum(1 for p in ps if p.participating),
        "list_size": list_total, "over75": o_total,
        "base_pot": base_pot, "pot": pot, "new_money": new_money, "recycled": recycled,
        "les_savings": savings, "les_gained": sum(gain), "allocation": sum(allocation),
        "topslice": topslice, "protection": sum(protection),
        "protection_from_commissioner": from_commissioner, "retained": retained,
        "net_cost": net_cost, "admissions_avoided": avoided, "admissions_saving": saving,
        "net_cost_after_admissions": net_cost - saving,
        "winners": sum(1 for x in net if x > 0), "losers": sum(1 for x in net if x < 0),
        "break_even_reduction_pct": break_even,
        "pot_per_head": per(pot / 100.0, list_total), "pot_per_over75": per(pot / 100.0, o_total),
        "identity_expected": pot + from_commissioner - savings + sum(gain),
    }
    return rows, summary, warnings, solved


def run_reference(df: pd.DataFrame, scenario, topslice_override: dict | None = None) -> ReferenceResults:
    """Run `scenario` on the practice frame `df`. `topslice_override` maps (commissioner, year_index)
    to a top-slice in pence to use instead of the one this function solves for (used to compare the
    rest of the calculation exactly when two bisections round to different pennies)."""
    everyone = _practices(df)
    labels = year_labels(scenario)
    override = topslice_override or {}
    practice_rows: list[dict] = []
    summary_rows: list[dict] = []
    warnings: list[str] = []
    solved: dict = {}
    for c in sorted({p.commissioner for p in everyone}):
        ps = [p for p in everyone if p.commissioner == c]
        years = [commissioner_year(scenario, c, ps, t, labels[t], override.get((c, t)))
                 for t in range(scenario.horizon_years)]
        # 11. Staff hired on the money and left unfunded: max(0, c·max_{τ<t} a(τ) − a(t)).
        committed = scenario.staffing.committed_pct / 100.0
        for t, (rows, summary, year_warnings, solved_t) in enumerate(years):
            solved[(c, t)] = solved_t
            for i, row in enumerate(rows):
                best_before = max([0] + [years[tau][0][i]["allocation"] for tau in range(t)])
                row["unfunded_commitment"] = round_half_up(max(0.0, committed * best_before - row["allocation"]))
            summary["unfunded_commitment"] = sum(row["unfunded_commitment"] for row in rows)
            practice_rows.extend(rows)
            summary_rows.append(summary)
            warnings.extend(year_warnings)

    locality_rows = localities(practice_rows)
    practices = pd.DataFrame(practice_rows).sort_values(["year_index", "commissioner", "practice_code"],
                                                        kind="stable").reset_index(drop=True)
    summary = pd.DataFrame(summary_rows).sort_values(["year_index", "commissioner"],
                                                     kind="stable").reset_index(drop=True)
    for col in PENCE_PRACTICE:
        practices[col] = practices[col] / 100.0
    for col in PENCE_SUMMARY:
        summary[col] = summary[col] / 100.0
    return ReferenceResults(practices=practices[list(PRACTICES_COLUMNS)], summary=summary[list(SUMMARY_COLUMNS)],
                            localities=pd.DataFrame(locality_rows, columns=list(LOCALITIES_COLUMNS)),
                            warnings=warnings, solved_topslice=solved)


def localities(practice_rows: list[dict]) -> list[dict]:
    """docs/design.md §4.12: practice rows (money in pence) added up by year, commissioner and locality,
    in that order, with per-head figures; money in £."""
    groups: dict[tuple[int, str, str], list[dict]] = {}
    for r in practice_rows:   # practice order (commissioner, code) within each group
        groups.setdefault((r["year_index"], r["commissioner"], r["locality"]), []).append(r)
    out = []
    for (_, c, loc), members in sorted(groups.items(), key=lambda kv: kv[0]):
        row = {"commissioner": c, "locality": loc, "year": members[0]["year"],
               "practices": len(members),
               "winners": sum(1 for r in members if r["net_change"] > 0),
               "losers": sum(1 for r in members if r["net_change"] < 0),
               "list_size": fsum_in_order(r["list_size"] for r in members),
               "over75": fsum_in_order(r["over75"] for r in members)}
        for col in PENCE_LOCALITY:
            row[col] = sum(r[col] for r in members) / 100.0
        row["allocation_per_head"] = per(row["allocation"], row["list_size"])
        row["allocation_per_over75"] = per(row["allocation"], row["over75"])
        row["net_change_per_head"] = per(row["net_change"], row["list_size"])
        out.append(row)
    return out


PENCE_PRACTICE = ["allocation", "new_money_share", "recycled_share", "les_lost", "les_gained", "protection",
                  "net_change", "unfunded_commitment"]
PENCE_SUMMARY = ["base_pot", "pot", "new_money", "recycled", "les_savings", "les_gained", "allocation",
                 "topslice", "protection", "protection_from_commissioner", "retained", "net_cost",
                 "admissions_saving", "net_cost_after_admissions", "unfunded_commitment", "identity_expected"]
PENCE_LOCALITY = ["allocation", "protection", "les_lost", "les_gained", "net_change", "new_money_share",
                  "recycled_share", "unfunded_commitment"]

# The columns of each table, in the engine's order (docs/design.md §4.12).
PRACTICES_COLUMNS = (
    "commissioner", "practice_code", "practice_name", "locality", "paid_to", "year", "year_index",
    "participating", "list_size", "over75", "allocation", "new_money_share", "recycled_share", "les_lost",
    "les_gained", "protection", "net_change", "net_change_per_head", "allocation_per_head",
    "allocation_per_over75", "admissions_to_break_even", "unfunded_commitment")
LOCALITIES_COLUMNS = (
    "commissioner", "locality", "year", "practices", "winners", "losers", "list_size", "over75", "allocation",
    "protection", "les_lost", "les_gained", "net_change", "new_money_share", "recycled_share",
    "unfunded_commitment", "allocation_per_head", "allocation_per_over75", "net_change_per_head")
SUMMARY_COLUMNS = (
    "commissioner", "year", "year_index", "practices", "participating", "list_size", "over75", "base_pot", "pot",
    "new_money", "recycled", "les_savings", "les_gained", "allocation", "topslice", "protection",
    "protection_from_commissioner", "retained", "net_cost", "admissions_avoided", "admissions_saving",
    "net_cost_after_admissions", "unfunded_commitment", "winners", "losers", "break_even_reduction_pct",
    "pot_per_head", "pot_per_over75", "identity_expected")
