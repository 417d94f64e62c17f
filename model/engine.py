"""Runs a scenario over a practice list: every commissioner, practice and year at once (docs/design.md §4).

All arrays are (years, practices), grouped by commissioner with ``Groups``; there is no loop over
practices or commissioners. Money is carried in whole pence from the pot onwards and rounded by
largest remainder, so practice rows add up exactly to commissioner totals in every year; the money
identity of docs/design.md §4.9 is checked on every run and reported in ``Results.checks``.

Decisions where the spec was silent (docs/design.md §10; the reference implementation in tests follows the same ones):
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

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from model.admissions import (
    admissions_to_break_even,
    avoided_admissions,
    break_even_reduction_pct,
    saving_pence,
    unfunded_commitment,
)
from model.allocation import payees, recycled_part, shares
from model.funding import base_pot_pence, gate, populations, pot_pence
from model.les import les_effect, recycled_pence
from model.money import Groups, money_identity, round_half_up
from model.protection import Settled, settle
from model.results import Results
from model.scenario import Scenario


class EngineInputError(ValueError):
    """The practice list cannot be used with this scenario (e.g. a basis column is missing)."""


def _les_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if isinstance(c, str) and c.startswith("les_")]


@dataclass(frozen=True)
class PracticeList:
    """A practice list ready for the engine: sorted, grouped and turned into arrays once.

    Preparing is the slow, pandas-heavy part (sorting, string categories); a caller that runs many
    scenarios on one list (the app, the analyses, the benchmarks) prepares it once.
    """

    frame: pd.DataFrame               # sorted by commissioner, practice code
    commissioners: np.ndarray         # (n_comm,) codes
    comm: Groups
    list_size: np.ndarray             # (N,) float
    over75: np.ndarray
    weighted_list: np.ndarray | None
    participating: np.ndarray         # (N,) bool
    les: dict[str, np.ndarray]        # scheme column -> (N,) £
    labels: dict[str, pd.Categorical]  # practice_code, practice_name, locality, paid_to_locality (N,)
    localities: Groups                # commissioner × locality
    locality_comm: Groups             # locality -> its commissioner
    locality_keys: pd.DataFrame       # commissioner, locality per locality group
    commissioner_dtype: pd.CategoricalDtype  # made once: building category indexes costs more than a run

    _cache: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.list_size)

    def locality_labels(self, n_years: int) -> dict[str, pd.Series]:
        """The commissioner and locality columns of the locality table, made once per horizon."""
        key = ("locality_labels", n_years)
        if key not in self._cache:
            self._cache[key] = {c: pd.Series(np.tile(self.locality_keys[c].to_numpy(dtype=object), n_years),
                                             dtype="str") for c in ("commissioner", "locality")}
        return self._cache[key]


def prepare(practices: pd.DataFrame) -> PracticeList:
    """Sort and index a canonical practice list (as returned by ``load_practices``) for ``run``."""
    missing = [c for c in ("practice_code", "list_size", "over75") if c not in practices]
    if missing:
        raise EngineInputError("the practice list has no " + ", ".join(f"'{m}'" for m in missing) + " column")
    if len(practices) == 0:
        raise EngineInputError("the practice list has no practices")
    df = practices.copy()
    n = len(df)
    if "commissioner" not in df:
        df["commissioner"] = "CCG"
    if "locality" not in df:
        df["locality"] = "All practices"
    if "practice_name" not in df:
        df["practice_name"] = df["practice_code"]
    for c in ("commissioner", "practice_code", "practice_name", "locality"):
        df[c] = df[c].astype(str)
    df = df.sort_values(["commissioner", "practice_code"], kind="stable").reset_index(drop=True)
    codes, cid = np.unique(df["commissioner"].to_numpy(dtype=object).astype(str), return_inverse=True)
    comm = Groups(cid.astype(np.int64), len(codes))
    labels = {c: pd.Categorical(df[c].to_numpy(dtype=object)) for c in ("practice_code", "practice_name",
                                                                         "locality")}
    loc_frame = df[["commissioner", "locality"]]
    keys, eid = np.unique(loc_frame.to_numpy(dtype=object).astype(str), axis=0, return_inverse=True)
    eid = np.asarray(eid).reshape(-1).astype(np.int64)
    first = np.unique(eid, return_index=True)[1]
    weighted = (df["weighted_list"].fillna(0).to_numpy(float) if "weighted_list" in df else None)
    return PracticeList(
        frame=df, commissioners=codes, comm=comm,
        list_size=df["list_size"].to_numpy(float), over75=df["over75"].to_numpy(float),
        weighted_list=weighted,
        participating=(df["participating"].to_numpy(bool) if "participating" in df else np.ones(n, bool)),
        les={c: df[c].fillna(0).to_numpy(float) for c in _les_columns(df)},
        labels=labels,
        localities=Groups(eid, len(keys)),
        locality_comm=Groups(cid[first].astype(np.int64), len(codes)),
        locality_keys=pd.DataFrame({"commissioner": keys[:, 0], "locality": keys[:, 1]}),
        commissioner_dtype=pd.CategoricalDtype(codes),
    )


def _check_inputs(pl: PracticeList, scenario: Scenario) -> None:
    w = scenario.distribution.weights
    if w.weighted_list > 0 and pl.weighted_list is None:
        raise EngineInputError("the practice list has no 'weighted_list' column, which this scenario's "
                               "distribution.weights.weighted_list needs")
    for name in scenario.les.schemes:
        if name not in pl.les:
            raise EngineInputError(
                f"the scenario sets an action for LES scheme '{name}', but the practice list has no "
                f"'{name}' column (it has: {', '.join(pl.les) or 'no LES columns'})")


def run(practices: pd.DataFrame | PracticeList, scenario: Scenario) -> Results:
    """Run `scenario` on a practice list (a canonical DataFrame, or one already ``prepare``d).

    The steps of docs/design.md §4.1–§4.11 in order, each on every commissioner, practice and year
    at once: arrays (T, N) per practice, (T, n) per commissioner; money in int64 pence from §4.3 on.

    Three practices of 1,000, 2,000 and 3,000 patients under the guidance's £5 a head, shared by list
    size, for one year: a pot of £30,000.00, paid out in proportion to the lists.

    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["A", "B", "C"], "list_size": [1000, 2000, 3000],
    ...                           "over75": [100, 200, 300]})
    >>> res = run(practices, Scenario(horizon_years=1))
    >>> [f"£{x:,.2f}" for x in res.practices["allocation"]]
    ['£5,000.00', '£10,000.00', '£15,000.00']
    >>> f"£{res.summary['net_cost'].sum():,.2f}", res.ok
    ('£30,000.00', True)
    """
    pl = practices if isinstance(practices, PracticeList) else prepare(practices)
    _check_inputs(pl, scenario)
    n_years, comm, part = scenario.horizon_years, pl.comm, pl.participating
    dist, les_rules, adm = scenario.distribution, scenario.les, scenario.admissions

    # §4.1 Population: list size, patients 75+ and weighted list by year.
    bases = populations(pl.list_size, pl.over75, pl.weighted_list, scenario.growth, n_years)
    lists, over75 = bases["list_size"], bases["over75"]

    # §4.2 Funding gate: 1 in the years the new money is paid.
    on = gate(scenario.funding, adm.expected_reduction_pct, n_years)

    # §4.3 Base pot per commissioner-year, sized on every patient of the commissioner.
    base_pot = base_pot_pence(scenario.pot, comm.sum(bases[scenario.pot.basis]), on)

    # §4.4 LES: what each practice loses and gains; the savings recycled into the pot.
    les = les_effect(pl.les, pl.list_size, lists, les_rules.schemes, comm)
    loss, gain = les.total_loss(lists.shape), les.total_gain(lists.shape)
    savings = comm.isum(loss)
    recycled = recycled_pence(savings, les_rules.reinvest_pct)
    pot = pot_pence(base_pot, recycled, les_rules.counts_toward_pot)

    # §4.5 Shares of the pot, and who is paid: each practice, or its locality.
    share = shares(bases, dist.weights.model_dump(), part, comm, retain=dist.non_participants == "retain")
    pooled = (pl.localities, pl.locality_comm) if dist.level == "locality" else ()
    paid_to = payees(share, comm, part, dist.floor, dist.cap, *pooled)

    # §4.6 Floors and caps, §4.7 transitional protection: the pot shared out, protection paid.
    allowed = np.array(les_rules.protection.allowed_loss_share(n_years))
    settled = settle(pot, loss, allowed, paid_to, les_rules.protection.funded_from)
    allocation, protection = settled.allocation, settled.protection

    # §4.8 Money in pence: the part of each allocation that is LES money coming back, and new money.
    recycled_share = recycled_part(allocation, pot, recycled, comm)
    new_money_share = allocation - recycled_share

    # §4.9 Net change per practice; net cost per commissioner, which must equal the money identity
    # (money.money_identity: the summary's identity_expected, reconciled in _checks).
    net = allocation + protection - loss + gain
    net_cost = comm.isum(net) + settled.retained

    # §4.10 Emergency admissions avoided, and what they save.
    o75_total = comm.sum(over75)
    avoided = avoided_admissions(o75_total, adm.baseline_per_1000_over75, adm.expected_reduction_pct,
                                 adm.effect_from_year)
    saving = saving_pence(avoided, adm.cost_per_admission)

    # §4.11 Sustainability: staff costs left unfunded when the allocation falls.
    stranded = round_half_up(unfunded_commitment(allocation.astype(float), scenario.staffing.committed_pct))

    practices_t = _practice_table(pl, scenario, lists, over75, allocation, new_money_share, recycled_share, loss,
                                  gain, protection, net, stranded, bool(pooled))
    summary = _summary_table(scenario, pl.commissioner_dtype, comm, lists, over75, part, base_pot, pot,
                             recycled, savings, gain, settled, net, net_cost, avoided, saving, stranded, o75_total)
    pence = {"allocation": allocation, "protection": protection, "les_lost": loss, "les_gained": gain,
             "net_change": net, "new_money_share": new_money_share, "recycled_share": recycled_share,
             "unfunded_commitment": stranded}
    return Results(scenario=scenario, practices=practices_t,
                   localities=_locality_table(pl, scenario, lists, over75, pence),
                   summary=summary, checks=_checks(pl, practices_t, summary),
                   warnings=_warnings(pl, scenario, pot, settled))


def _warnings(pl: PracticeList, scenario: Scenario, pot: np.ndarray, settled: Settled) -> list[str]:
    """What a finance lead must see, naming the commissioner and year."""
    codes, labels, flags = pl.commissioners, scenario.year_labels(), settled.flags
    none = np.zeros(pot.shape, bool)
    warnings: list[str] = []
    for mask, text in (
        # An empty pot (money stopped) that leaves promised protection unpaid is warned about too.
        (settled.over_pot, "protection would need more than the whole pot: the pot is all top-sliced "
                           "and protection is scaled down pro rata"),
        (flags.get("floors_unaffordable", none) & (pot > 0),
         "the floors cost more than the pot: floors scaled down pro rata"),
        (flags.get("caps_bind_all", none) & (pot > 0),
         "every practice is at the cap: the rest of the pot is retained by the commissioner"),
    ):
        for t, c in zip(*np.nonzero(mask)):
            warnings.append(f"{codes[c]} {labels[t]}: {text}")
    no_part = (pl.comm.sum(pl.participating[None, :].astype(float))[0] == 0)
    for c in np.nonzero(no_part)[0]:
        warnings.append(f"{codes[c]}: no practice takes part; the whole pot is retained")
    return warnings


def _codes(codes: np.ndarray, dtype: pd.CategoricalDtype) -> pd.Categorical:
    """A categorical column from codes already known to be valid (skips pandas' validation)."""
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def _tile(cat: pd.Categorical, n_years: int) -> pd.Categorical:
    return _codes(np.tile(cat.codes, n_years), cat.dtype)


@lru_cache(maxsize=64)
def _year_dtype(labels: tuple[str, ...]) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(labels), ordered=True)


def _per(x: np.ndarray, d: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """x / d, NaN where d is 0 (a £ per head with no heads is not a number)."""
    out = np.empty(np.shape(x)) if out is None else out
    out.fill(np.nan)
    return np.divide(x, d, out=out, where=d > 0)


def _frame(labels: dict, numbers: dict) -> pd.DataFrame:
    """Label columns, then number columns, as one DataFrame.

    The numbers are written straight into one float block (a row per column) that pandas adopts
    without copying: copying ~40,000 × 14 floats into a fresh block (and touching that fresh memory)
    was the largest single cost of a national run. Each value of `numbers` is an array of pence (to
    be shown in £), or a callable filling its row of the block.
    """
    first = next(iter(labels.values()))
    block = np.empty((len(numbers), len(first)))
    for row, v in zip(block, numbers.values()):
        if callable(v):
            v(row)
        else:
            np.divide(v.reshape(-1), 100.0, out=row)
    table = pd.DataFrame(block.T, columns=list(numbers), copy=False)
    return pd.concat([pd.DataFrame(labels, copy=False), table], axis=1)


def _copy(x: np.ndarray):
    return lambda row: np.copyto(row, np.reshape(x, -1))


def _practice_table(pl: PracticeList, scenario: Scenario, lists, over75, allocation, new_money_share,
                    recycled_share, loss, gain, protection, net, stranded, by_locality: bool) -> pd.DataFrame:
    n_years, n = lists.shape
    year_index = np.repeat(np.arange(n_years), n)
    code = _tile(pl.labels["practice_code"], n_years)
    locality = _tile(pl.labels["locality"], n_years)
    labels = {
        "commissioner": _codes(np.tile(pl.comm.ids, n_years), pl.commissioner_dtype),
        "practice_code": code,
        "practice_name": _tile(pl.labels["practice_name"], n_years),
        "locality": locality,
        "paid_to": locality if by_locality else code,
        "year": _codes(year_index, _year_dtype(tuple(scenario.year_labels()))),
        "year_index": year_index,
        "participating": np.tile(pl.participating, n_years),
    }
    lists_f, o75_f = lists.reshape(-1), over75.reshape(-1)
    alloc_pounds = allocation.reshape(-1) / 100.0
    cost = scenario.admissions.cost_per_admission
    return _frame(labels, {
        "list_size": _copy(lists_f),
        "over75": _copy(o75_f),
        "allocation": _copy(alloc_pounds),
        "new_money_share": new_money_share,
        "recycled_share": recycled_share,
        "les_lost": loss,
        "les_gained": gain,
        "protection": protection,
        "net_change": net,
        "net_change_per_head": lambda row: _per(net.reshape(-1) / 100.0, lists_f, out=row),
        "allocation_per_head": lambda row: _per(alloc_pounds, lists_f, out=row),
        "allocation_per_over75": lambda row: _per(alloc_pounds, o75_f, out=row),
        "admissions_to_break_even": _copy(admissions_to_break_even(alloc_pounds, cost)),
        "unfunded_commitment": stranded,
    })


def _summary_table(scenario, commissioner_dtype, comm, lists, over75, part, base_pot, pot, recycled, savings, gain,
                   settled: Settled, net, net_cost, avoided, saving, stranded, o75_total) -> pd.DataFrame:
    n_years, n_comm = pot.shape
    allocation, protection, from_commissioner = settled.allocation, settled.protection, settled.from_commissioner
    labels = scenario.year_labels()
    adm = scenario.admissions
    p = lambda x: (np.asarray(x).ravel() / 100.0)  # noqa: E731  pence -> £
    lt, ot = comm.sum(lists).ravel(), o75_total.ravel()
    return pd.DataFrame({
        "commissioner": _codes(np.tile(np.arange(n_comm), n_years), commissioner_dtype),
        "year": _codes(np.repeat(np.arange(n_years), n_comm), _year_dtype(tuple(labels))),
        "year_index": np.repeat(np.arange(n_years), n_comm),
        "practices": np.tile(comm.counts, n_years),
        "participating": np.tile(comm.isum(part[None, :].astype(np.int64))[0], n_years),
        "list_size": lt,
        "over75": ot,
        "base_pot": p(base_pot),
        "pot": p(pot),
        "new_money": p(pot - recycled),
        "recycled": p(recycled),
        "les_savings": p(savings),
        "les_gained": p(comm.isum(gain)),
        "allocation": p(comm.isum(allocation)),
        "topslice": p(settled.topslice),
        "protection": p(comm.isum(protection)),
        "protection_from_commissioner": p(from_commissioner),
        "retained": p(settled.retained),
        "net_cost": p(net_cost),
        "admissions_avoided": avoided.ravel(),
        "admissions_saving": p(saving),
        "net_cost_after_admissions": p(net_cost - saving),
        "unfunded_commitment": p(comm.isum(stranded)),
        "winners": comm.isum((net > 0).astype(np.int64)).ravel(),
        "losers": comm.isum((net < 0).astype(np.int64)).ravel(),
        "break_even_reduction_pct": break_even_reduction_pct(p(net_cost), ot, adm.baseline_per_1000_over75,
                                                             adm.cost_per_admission),
        "pot_per_head": _per(p(pot), lt),
        "pot_per_over75": _per(p(pot), ot),
        "identity_expected": p(money_identity(pot, from_commissioner, savings, comm.isum(gain))),
    })


def _locality_table(pl: PracticeList, scenario: Scenario, lists, over75, pence: dict) -> pd.DataFrame:
    """Practice figures added up by commissioner, locality and year, with per-head figures."""
    loc = pl.localities
    n_years = lists.shape[0]
    cols = dict(pl.locality_labels(n_years))
    cols["year"] = _codes(np.repeat(np.arange(n_years), loc.n), _year_dtype(tuple(scenario.year_labels())))
    cols["practices"] = np.tile(loc.counts, n_years)
    cols["winners"] = loc.isum((pence["net_change"] > 0).astype(np.int64)).ravel()
    cols["losers"] = loc.isum((pence["net_change"] < 0).astype(np.int64)).ravel()
    cols["list_size"] = loc.sum(lists).ravel()
    cols["over75"] = loc.sum(over75).ravel()
    for name, v in pence.items():
        cols[name] = loc.isum(v).ravel() / 100.0
    cols["allocation_per_head"] = _per(cols["allocation"], cols["list_size"])
    cols["allocation_per_over75"] = _per(cols["allocation"], cols["over75"])
    cols["net_change_per_head"] = _per(cols["net_change"], cols["list_size"])
    return pd.DataFrame(cols, copy=False)


def _checks(pl: PracticeList, practices: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Reconciliations, recomputed from the published tables (not the engine's internal arrays):
    practice rows add up to commissioner totals, and the money identity of docs/design.md §4.9 holds."""
    n_years = int(summary["year_index"].max()) + 1
    comm = pl.comm

    def col_pence(df: pd.DataFrame, c: str, rows: int) -> np.ndarray:
        return np.rint(df[c].to_numpy(float) * 100).astype(np.int64).reshape(n_years, rows)

    def rows_sum(c: str) -> np.ndarray:
        return comm.isum(col_pence(practices, c, len(pl)))

    def total(c: str) -> np.ndarray:
        return col_pence(summary, c, comm.n)

    rows: dict[str, list] = {"check": [], "description": [], "rows_checked": [], "largest_difference": [],
                             "status": []}

    def add(name: str, description: str, expected: np.ndarray, actual: np.ndarray) -> None:
        worst = int(np.max(np.abs(actual - expected))) if expected.size else 0
        for k, v in zip(rows, (name, description, int(expected.size), worst / 100.0, "PASS" if worst == 0 else "FAIL")):
            rows[k].append(v)

    allocation, retained = rows_sum("allocation"), total("retained")
    net_plus_retained = rows_sum("net_change") + retained
    add("allocations = pot", "Practice allocations + top-slice + retained = pot, every commissioner-year",
        total("pot"), allocation + total("topslice") + retained)
    add("practice rows = totals (allocation)", "Practice allocations add up to the commissioner total",
        total("allocation"), allocation)
    add("practice rows = totals (protection)", "Practice protection adds up to the commissioner total",
        total("protection"), rows_sum("protection"))
    add("practice rows = totals (LES savings)", "Practice LES losses add up to the commissioner's savings",
        total("les_savings"), rows_sum("les_lost"))
    add("money identity",
        "Σ net change + retained = pot + protection paid by the commissioner − LES savings + LES gains",
        total("identity_expected"), net_plus_retained)
    add("net cost = Σ practice net change + retained", "Commissioner net cost reconciles to practice rows",
        total("net_cost"), net_plus_retained)
    add("net cost in £000 reconciles", "Net cost in £000 (rounded) = Σ practice rows in £000 (rounded)",
        np.rint(total("net_cost") / 100_000.0).astype(np.int64) * 100_000,
        np.rint(net_plus_retained / 100_000.0).astype(np.int64) * 100_000)
    return pd.DataFrame(rows)
