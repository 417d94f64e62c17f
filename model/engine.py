"""Runs a scenario over a practice list: every commissioner, practice and year at once (DESIGN §4).

All arrays are (years, practices), grouped by commissioner with ``Groups``; there is no loop over
practices or commissioners. Money is carried in whole pence from the pot onwards and rounded by
largest remainder, so practice rows add up exactly to commissioner totals in every year; the money
identity of DESIGN §4.9 is checked on every run and reported in ``Results.checks``.

Decisions where DESIGN is silent (the reference implementation in tests follows the same ones):
- Practices are sorted by commissioner then practice code; results come out in that order.
- The pot is sized on every registered patient of the commissioner, participating or not.
- LES income is held flat in cash; per-head LES payments follow list growth; the weighted list
  grows with the list size.
- Recycled LES money is not subject to the funding gate (it is the commissioner's recurrent money).
- At locality level the locality is the payee: its share is the sum of its practices' shares, floor
  and cap are per participating practice times the number of them, and the locality's allocation
  is shown against its practices in proportion to their shares.
- Protection applies to every practice losing LES, participating or not.
- When floors cost more than the money, floors are scaled down pro rata; when every practice is at
  its cap, the rest is retained by the commissioner; both are warned about.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .admissions import admissions_to_break_even, avoided_admissions, break_even_reduction_pct, unfunded_commitment
from .allocation import fill, shares
from .funding import base_pot_pounds, gate, grown
from .les import les_effect
from .money import Groups, largest_remainder, round_half_up
from .protection import protection_needed, solve_topslice
from .results import Results
from .scenario import Scenario


class EngineInputError(ValueError):
    """The practice list cannot be used with this scenario (e.g. a basis column is missing)."""


def _les_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if isinstance(c, str) and c.startswith("les_")]


def _check_inputs(df: pd.DataFrame, scenario: Scenario) -> None:
    missing = [c for c in ("practice_code", "list_size", "over75") if c not in df]
    w = scenario.distribution.weights
    if w.weighted_list > 0 and ("weighted_list" not in df or df["weighted_list"].isna().any()):
        missing.append("weighted_list")
    if missing:
        raise EngineInputError(
            "the practice list has no " + ", ".join(f"'{m}'" for m in missing) +
            " column (or it has blanks), which this scenario needs")
    for name in scenario.les.schemes:
        if name not in df:
            raise EngineInputError(
                f"the scenario sets an action for LES scheme '{name}', but the practice list has no "
                f"'{name}' column (it has: {', '.join(_les_columns(df)) or 'no LES columns'})")
    if len(df) == 0:
        raise EngineInputError("the practice list has no practices")


def run(practices: pd.DataFrame, scenario: Scenario) -> Results:
    """Run `scenario` on a canonical practice list (as returned by ``load_practices``)."""
    _check_inputs(practices, scenario)
    df = practices.sort_values(["commissioner", "practice_code"], kind="stable").reset_index(drop=True)
    if "commissioner" not in df:
        df["commissioner"] = "CCG"
    n_years = scenario.horizon_years
    years = np.arange(n_years)
    shape = (n_years, len(df))
    warnings: list[str] = []

    codes, cid = np.unique(df["commissioner"].astype(str).to_numpy(), return_inverse=True)
    comm = Groups(cid.astype(np.int64), len(codes))
    part = (df["participating"].to_numpy(bool) if "participating" in df else np.ones(len(df), bool))

    # 1. Population.
    lists = grown(df["list_size"].to_numpy(float), scenario.growth.list_size_pct, n_years)
    over75 = grown(df["over75"].to_numpy(float), scenario.growth.over75_pct, n_years)
    bases = {"list_size": lists, "over75": over75}
    if "weighted_list" in df:
        bases["weighted_list"] = grown(df["weighted_list"].fillna(0).to_numpy(float),
                                       scenario.growth.list_size_pct, n_years)

    # 2–3. Gate and base pot, in pence.
    on = gate(scenario.funding, scenario.admissions.expected_reduction_pct, n_years)
    base_pot = round_half_up(100.0 * base_pot_pounds(scenario, comm.sum(bases[scenario.pot.basis]), on))

    # 4. LES.
    les = les_effect({c: df[c].fillna(0).to_numpy(float) for c in _les_columns(df)},
                     df["list_size"].to_numpy(float), lists, scenario.les.schemes, comm)
    loss = les.total_loss(shape)
    gain = les.total_gain(shape)
    savings = comm.isum(loss)
    recycled = round_half_up(scenario.les.reinvest_pct / 100.0 * savings)
    pot = np.maximum(base_pot, recycled) if scenario.les.counts_toward_pot else base_pot + recycled
    new_money = pot - recycled

    # 5–6. Shares, payees, floors and caps.
    dist = scenario.distribution
    share = shares({b: bases[b] for b in bases}, dist.weights.model_dump(), part, comm,
                   retain=dist.non_participants == "retain")
    sigma = comm.sum(share)
    floor_p = dist.floor * 100.0
    cap_p = None if dist.cap is None else dist.cap * 100.0
    flags_seen: dict[str, np.ndarray] = {}

    if dist.level == "locality":
        loc = df["locality"].astype(str).to_numpy() if "locality" in df else np.full(len(df), "All practices")
        keys = np.char.add(np.char.add(df["commissioner"].astype(str).to_numpy().astype(str), "\x1f"),
                           loc.astype(str))
        ent_keys, eid = np.unique(keys, return_inverse=True)
        ent = Groups(eid.astype(np.int64), len(ent_keys))
        ent_comm = Groups(cid[np.unique(eid, return_index=True)[1]].astype(np.int64), len(codes))
        n_part = ent.sum(part[None, :].astype(float))[0]
        ent_share = ent.sum(share)
        ent_has_part = n_part > 0
    else:
        ent = None

    def allocate(money: np.ndarray) -> np.ndarray:
        """Practice allocations (T, N) in pence for `money` (T, n) available to each commissioner."""
        avail = money * sigma
        if ent is None:
            a, flags = fill(share, avail, comm, part, floor_p, cap_p)
        else:
            ea, flags = fill(ent_share, avail, ent_comm, ent_has_part, floor_p * n_part,
                             None if cap_p is None else cap_p * n_part)
            within = np.divide(share, ent.take(ent_share), out=np.zeros(shape), where=ent.take(ent_share) > 0)
            # A locality whose practices have no share (all lists 0) splits its floor equally.
            n_in = ent.take(n_part[None, :])
            equal = np.divide(part[None, :].astype(float), n_in, out=np.zeros(shape), where=n_in > 0)
            within = np.where(ent.take(ent_share) > 0, within, equal)
            a = ent.take(ea) * within
        for k, v in flags.items():
            flags_seen[k] = v
        return a

    # 7. Transitional protection.
    prot = scenario.les.protection
    allowed = np.array(prot.allowed_loss_share(n_years))
    topslice = np.zeros(pot.shape, dtype=np.int64)
    over_pot = np.zeros(pot.shape, bool)
    if prot.funded_from == "pot" and loss.any() and (allowed < 1).any():
        t_raw, over_pot = solve_topslice(pot.astype(float), loss.astype(float), allowed, allocate, comm)
        topslice = np.minimum(pot, round_half_up(t_raw))

    to_share = pot - topslice
    a_raw = allocate(to_share.astype(float))
    allocation = largest_remainder(a_raw, comm, np.minimum(to_share, round_half_up(comm.sum(a_raw))))
    retained = to_share - comm.isum(allocation)

    p_raw = protection_needed(loss.astype(float), allocation.astype(float), allowed)
    need = comm.sum(p_raw)
    if prot.funded_from == "pot":
        p_raw = np.where(comm.take(over_pot), p_raw * comm.take(np.divide(
            topslice, need, out=np.zeros(need.shape), where=need > 0)), p_raw)
        paid = np.where(need > 0, topslice, 0)
        retained = retained + (topslice - paid)
        protection = largest_remainder(p_raw, comm, paid)
        from_commissioner = np.zeros(pot.shape, dtype=np.int64)
    else:
        protection = largest_remainder(p_raw, comm)
        from_commissioner = comm.isum(protection)

    # New money vs LES money coming back, per practice, in proportion to the pot.
    rec_rate = np.divide(recycled, pot, out=np.zeros(pot.shape), where=pot > 0)
    rec_raw = allocation * comm.take(rec_rate)
    recycled_share = largest_remainder(rec_raw, comm)
    recycled_share = np.minimum(recycled_share, allocation)
    new_money_share = allocation - recycled_share

    # 9. Net change.
    net = allocation + protection - loss + gain
    retained_total = retained
    net_cost = comm.isum(net) + retained_total

    # 10–11. Admissions and stranded staff costs.
    adm = scenario.admissions
    o75_total = comm.sum(over75)
    avoided = avoided_admissions(o75_total, adm.baseline_per_1000_over75, adm.expected_reduction_pct,
                                 adm.effect_from_year)
    saving = round_half_up(100.0 * avoided * adm.cost_per_admission)
    stranded = round_half_up(unfunded_commitment(allocation.astype(float), scenario.staffing.committed_pct))

    # Warnings a finance lead must see.
    labels = scenario.year_labels()
    for name, mask, text in (
        ("over_pot", over_pot, "protection would need more than the whole pot: the pot is all top-sliced "
                               "and protection is scaled down pro rata"),
        ("floors", flags_seen.get("floors_unaffordable", np.zeros(pot.shape, bool)),
         "the floors cost more than the pot: floors scaled down pro rata"),
        ("caps", flags_seen.get("caps_bind_all", np.zeros(pot.shape, bool)),
         "every practice is at the cap: the rest of the pot is retained by the commissioner"),
    ):
        for t, c in zip(*np.nonzero(mask & (pot > 0))):
            warnings.append(f"{codes[c]} {labels[t]}: {text}")
    no_part = (comm.sum(part[None, :].astype(float))[0] == 0)
    for c in np.nonzero(no_part)[0]:
        warnings.append(f"{codes[c]}: no practice takes part; the whole pot is retained")

    practices_t = _practice_table(df, scenario, codes, cid, lists, over75, allocation, new_money_share,
                                  recycled_share, loss, gain, protection, net, stranded, part, ent)
    summary = _summary_table(scenario, codes, comm, lists, over75, part, base_pot, pot, new_money, recycled,
                             savings, gain, allocation, topslice, protection, from_commissioner, retained_total,
                             net, net_cost, avoided, saving, stranded, o75_total)
    checks = _checks(practices_t, summary)
    return Results(scenario=scenario, practices=practices_t, localities=_locality_table(practices_t),
                   summary=summary, checks=checks, warnings=warnings)


def _repeat_cat(values: np.ndarray, n_years: int) -> pd.Categorical:
    cats, codes = np.unique(values.astype(str), return_inverse=True)
    return pd.Categorical.from_codes(np.tile(codes, n_years), categories=cats)


def _practice_table(df, scenario, codes, cid, lists, over75, allocation, new_money_share, recycled_share, loss,
                    gain, protection, net, stranded, part, ent) -> pd.DataFrame:
    n_years, n = lists.shape
    labels = np.array(scenario.year_labels())
    year_cat = pd.Categorical.from_codes(np.repeat(np.arange(n_years), n), categories=labels, ordered=True)
    name = df["practice_name"] if "practice_name" in df else df["practice_code"]
    locality = df["locality"] if "locality" in df else pd.Series(["All practices"] * n)
    alloc_pounds = allocation.ravel() / 100.0
    lists_f, o75_f = lists.ravel(), over75.ravel()
    out = pd.DataFrame({
        "commissioner": pd.Categorical.from_codes(np.tile(cid, n_years), categories=codes),
        "practice_code": _repeat_cat(df["practice_code"].to_numpy(), n_years),
        "practice_name": _repeat_cat(name.to_numpy(), n_years),
        "locality": _repeat_cat(locality.to_numpy(), n_years),
        "year": year_cat,
        "year_index": np.repeat(np.arange(n_years), n),
        "participating": np.tile(part, n_years),
        "list_size": lists_f,
        "over75": o75_f,
        "allocation": alloc_pounds,
        "new_money_share": new_money_share.ravel() / 100.0,
        "recycled_share": recycled_share.ravel() / 100.0,
        "les_lost": loss.ravel() / 100.0,
        "les_gained": gain.ravel() / 100.0,
        "protection": protection.ravel() / 100.0,
        "net_change": net.ravel() / 100.0,
        "net_change_per_head": np.divide(net.ravel() / 100.0, lists_f, out=np.full(lists_f.shape, np.nan),
                                         where=lists_f > 0),
        "allocation_per_head": np.divide(alloc_pounds, lists_f, out=np.full(lists_f.shape, np.nan),
                                         where=lists_f > 0),
        "allocation_per_over75": np.divide(alloc_pounds, o75_f, out=np.full(o75_f.shape, np.nan),
                                           where=o75_f > 0),
        "admissions_to_break_even": admissions_to_break_even(alloc_pounds,
                                                             scenario.admissions.cost_per_admission),
        "unfunded_commitment": stranded.ravel() / 100.0,
    })
    out.insert(4, "paid_to", out["practice_code"].astype(str) if ent is None else out["locality"].astype(str))
    return out


def _summary_table(scenario, codes, comm, lists, over75, part, base_pot, pot, new_money, recycled, savings, gain,
                   allocation, topslice, protection, from_commissioner, retained, net, net_cost, avoided, saving,
                   stranded, o75_total) -> pd.DataFrame:
    n_years, n_comm = pot.shape
    labels = np.array(scenario.year_labels())
    list_total = comm.sum(lists)
    adm = scenario.admissions
    winners = comm.isum((net > 0).astype(np.int64))
    losers = comm.isum((net < 0).astype(np.int64))
    p = lambda x: (np.asarray(x).ravel() / 100.0)  # noqa: E731  pence -> £
    lt, ot = list_total.ravel(), o75_total.ravel()
    out = pd.DataFrame({
        "commissioner": pd.Categorical.from_codes(np.tile(np.arange(n_comm), n_years), categories=codes),
        "year": pd.Categorical.from_codes(np.repeat(np.arange(n_years), n_comm), categories=labels, ordered=True),
        "year_index": np.repeat(np.arange(n_years), n_comm),
        "practices": np.tile(comm.counts, n_years),
        "participating": np.tile(comm.isum(part[None, :].astype(np.int64))[0], n_years),
        "list_size": lt,
        "over75": ot,
        "base_pot": p(base_pot),
        "pot": p(pot),
        "new_money": p(new_money),
        "recycled": p(recycled),
        "les_savings": p(savings),
        "les_gained": p(comm.isum(gain)),
        "allocation": p(comm.isum(allocation)),
        "topslice": p(topslice),
        "protection": p(comm.isum(protection)),
        "protection_from_commissioner": p(from_commissioner),
        "retained": p(retained),
        "net_cost": p(net_cost),
        "admissions_avoided": avoided.ravel(),
        "admissions_saving": p(saving),
        "net_cost_after_admissions": p(net_cost - saving),
        "unfunded_commitment": p(comm.isum(stranded)),
        "winners": winners.ravel(),
        "losers": losers.ravel(),
        "break_even_reduction_pct": break_even_reduction_pct(p(net_cost), ot, adm.baseline_per_1000_over75,
                                                             adm.cost_per_admission),
        "pot_per_head": np.divide(p(pot), lt, out=np.full(lt.shape, np.nan), where=lt > 0),
        "pot_per_over75": np.divide(p(pot), ot, out=np.full(ot.shape, np.nan), where=ot > 0),
        "identity_expected": p(pot + from_commissioner - savings + comm.isum(gain)),
    })
    return out


def _checks(practices: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Reconciliations: practice rows add up to commissioner totals; the money identity holds."""
    keys = ["commissioner", "year"]
    sums = practices.groupby(keys, observed=True, sort=True)[
        ["allocation", "protection", "les_lost", "les_gained", "net_change"]].sum()
    s = summary.set_index(keys).loc[sums.index]
    rows = []

    def add(name: str, description: str, expected: pd.Series, actual: pd.Series) -> None:
        diff = (np.rint(np.asarray(actual, float) * 100) - np.rint(np.asarray(expected, float) * 100)) / 100
        worst = float(np.max(np.abs(diff))) if len(diff) else 0.0
        rows.append({"check": name, "description": description, "rows_checked": int(len(diff)),
                     "largest_difference": worst, "status": "PASS" if worst == 0 else "FAIL"})

    add("allocations = pot", "Practice allocations + top-slice + retained = pot, every commissioner-year",
        s["pot"], sums["allocation"] + s["topslice"] + s["retained"])
    add("practice rows = totals (allocation)", "Practice allocations add up to the commissioner total",
        s["allocation"], sums["allocation"])
    add("practice rows = totals (protection)", "Practice protection adds up to the commissioner total",
        s["protection"], sums["protection"])
    add("practice rows = totals (LES savings)", "Practice LES losses add up to the commissioner's savings",
        s["les_savings"], sums["les_lost"])
    add("money identity (DESIGN §4.9)",
        "Σ net change + retained = pot + protection paid by the commissioner − LES savings + LES gains",
        s["identity_expected"], sums["net_change"] + s["retained"])
    add("net cost in £000 reconciles", "Commissioner net cost in £000 = Σ practice rows in £000 (rounded)",
        np.round(s["net_cost"] / 1000, 0), np.round((sums["net_change"] + s["retained"]) / 1000, 0))
    return pd.DataFrame(rows)


def _locality_table(practices: pd.DataFrame) -> pd.DataFrame:
    """Practice rows added up by commissioner, locality and year, with per-head figures."""
    money = ["allocation", "new_money_share", "recycled_share", "les_lost", "les_gained", "protection",
             "net_change", "unfunded_commitment"]
    g = practices.groupby(["commissioner", "locality", "year"], observed=True, sort=True)
    out = g[["list_size", "over75"] + money].sum()
    out.insert(0, "practices", g.size())
    flags = practices.assign(winners=practices["net_change"] > 0, losers=practices["net_change"] < 0)
    counts = flags.groupby(["commissioner", "locality", "year"], observed=True, sort=True)[["winners", "losers"]].sum()
    out.insert(1, "winners", counts["winners"])
    out.insert(2, "losers", counts["losers"])
    out[money] = out[money].round(2)
    out = out.reset_index()
    out["allocation_per_head"] = out["allocation"] / out["list_size"].where(out["list_size"] > 0)
    out["allocation_per_over75"] = out["allocation"] / out["over75"].where(out["over75"] > 0)
    out["net_change_per_head"] = out["net_change"] / out["list_size"].where(out["list_size"] > 0)
    return out
