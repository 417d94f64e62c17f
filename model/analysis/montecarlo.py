"""Monte Carlo: ranges, not a single figure, for the assumptions nobody knows well.

Uncertain inputs (each a triangular, uniform or fixed distribution, keyed by its scenario path):

* ``admissions.expected_reduction_pct`` — the cut in emergency admissions of patients 75+
* ``admissions.cost_per_admission`` — £ per admission
* ``admissions.baseline_per_1000_over75`` — admissions per 1,000 patients 75+ (rarely needed)
* ``growth.list_size_pct`` and ``growth.over75_pct`` — population growth, % a year

Draws are seeded (``seed``; each input has its own stream spawned from it, so adding an input does
not change the others' draws) and generated once up front, so the results do not depend on how
the work is chunked. Nothing loops over draws in Python. The admissions figures are always in
closed form; the money has two evaluation paths, both exact at commissioner level:

The rules are not written out again here: the engine's step functions (``model.funding``,
``model.les``, ``model.allocation``, ``model.admissions``, ``model.money``) take the draws as a
leading axis, so each figure is formed with the engine's own operations in the engine's order.

**Admissions in closed form (always).** The admissions figures never feed back into the money
except through the review gate of a conditional scheme: for each draw, the admissions avoided
(:func:`model.admissions.avoided_admissions`) and their saving in pence
(:func:`model.admissions.saving_pence`) per commissioner-year, each the engine's to the penny.

**Money — method "engine".** The rest of a run depends on the draws only through (list growth,
75+ growth, whether the review passes). The engine is run once per distinct combination and the
draws are mapped onto those runs. A growth input that cannot move the money in this scenario
(:func:`money_growth_keys`, e.g. 75+ growth under a per-head pot shared by list size) is held out
of the combinations and only feeds the admissions figures, from each draw's own 75+ totals. With
growth fixed that is at most 2 runs however many draws, for *any* scenario (floors, caps,
protection, localities, harmonisation), exact to the penny per practice. This is the fallback
when growth varies in a scenario the closed form below does not cover: then it is one engine run
per draw (a batched loop over *distinct combinations*, not over draws), limited by
``max_engine_runs``; ``growth_step`` (e.g. 0.01 percentage points) rounds the growth draws to a
grid to share runs — an approximation, reported in ``notes``.

**Money — method "closed_form".** Without a floor, a cap, harmonised LES (whose losses are not
linear in the list) or protection that can bind, the engine's money is linear in the population:
growth scales every practice of a commissioner by the same ``(1+g)^t``, so shares do not move, and
the commissioner's net cost is exactly the money identity ``pot − LES savings + LES gains``
(:func:`model.money.money_identity`) with the pot from the gate and base pot of each draw
(:mod:`model.funding`, plus recycled LES money) and the LES totals of each draw's lists
(:func:`model.les.les_totals_pence`). Commissioner totals equal the engine's to the penny (tested
against a loop of engine runs). Per-practice figures are the unrounded pence (share × pot + gains
− losses) and can differ from the engine's largest-remainder pence by under 1p per practice-year.

Memory is bounded: draws are evaluated in chunks of at most ``chunk_size`` draws and at most
:data:`ELEMENT_BUDGET` draw×year×practice elements; what is kept per draw is per year and per
commissioner only. Per-practice percentiles are computed afterwards, a block of practices at a
time, from those per-draw commissioner figures (closed form) or from the engine runs (engine).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from model.admissions import avoided_admissions, saving_pence
from model.allocation import shares
from model.analysis.sensitivity import assumption as get_assumption
from model.engine import PracticeList, prepare, run
from model.funding import base_pot_pence, gate, grown, growth_factor, populations, pot_pence, review_passes
from model.les import in_effect, les_effect, les_totals_pence, newly_paid, pays_per_head, per_head_rate, recycled_pence
from model.limits import MAX_ENGINE_WORK, MAX_MC_CELLS
from model.money import money_identity
from model.results import Results
from model.scenario import Decommission, ExtendToAll, Harmonise, Scenario

__all__ = ["ELEMENT_BUDGET", "MC_KEYS", "Dist", "MonteCarloResult", "closed_form_blockers",
           "default_distributions", "draw", "money_growth_keys", "monte_carlo", "simulate"]

MC_KEYS = ("admissions.expected_reduction_pct", "admissions.cost_per_admission",
           "admissions.baseline_per_1000_over75", "growth.list_size_pct", "growth.over75_pct")
GROWTH_KEYS = ("growth.list_size_pct", "growth.over75_pct")
#: Largest draws × years × practices array built at once (float64: 16 MB).
ELEMENT_BUDGET = 2_097_152
PERCENTILES = (5, 25, 50, 75, 95)


@dataclass(frozen=True)
class Dist:
    """A distribution for one input: triangular(low, mode, high), uniform(low, high) or fixed(value)."""

    kind: Literal["triangular", "uniform", "fixed"]
    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        vals = (self.low, self.mode, self.high)
        if not all(math.isfinite(float(v)) for v in vals):
            raise ValueError("distribution values must be finite numbers")
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"need low ≤ mode ≤ high (got {self.low:g}, {self.mode:g}, {self.high:g})")
        if self.kind not in ("triangular", "uniform", "fixed"):
            raise ValueError(f"unknown distribution '{self.kind}'")

    @classmethod
    def triangular(cls, low: float, mode: float, high: float) -> Dist:
        return cls("triangular", float(low), float(mode), float(high))

    @classmethod
    def uniform(cls, low: float, high: float) -> Dist:
        return cls("uniform", float(low), (float(low) + float(high)) / 2, float(high))

    @classmethod
    def fixed(cls, value: float) -> Dist:
        return cls("fixed", float(value), float(value), float(value))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.kind == "fixed" or self.low == self.high:
            return np.full(n, self.mode, dtype=float)
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high, n)
        return rng.triangular(self.low, self.mode, self.high, n)

    def describe(self) -> str:
        if self.kind == "fixed":
            return f"fixed at {self.mode:g}"
        if self.kind == "uniform":
            return f"uniform {self.low:g} to {self.high:g}"
        return f"triangular {self.low:g} / {self.mode:g} / {self.high:g} (low / most likely / high)"


def default_distributions(scenario: Scenario) -> dict[str, Dist]:
    """Illustrative ranges around the scenario's own values (no published source):
    expected reduction ±2.5 points, cost per admission ±20 %, list growth ±0.5 points and 75+
    growth ±1 point a year, all triangular with the scenario's value most likely (clipped to the
    schema's limits)."""
    a, g = scenario.admissions, scenario.growth
    out = {
        "admissions.expected_reduction_pct": (a.expected_reduction_pct - 2.5, a.expected_reduction_pct,
                                              a.expected_reduction_pct + 2.5),
        "admissions.cost_per_admission": (0.8 * a.cost_per_admission, a.cost_per_admission,
                                          1.2 * a.cost_per_admission),
        "growth.list_size_pct": (g.list_size_pct - 0.5, g.list_size_pct, g.list_size_pct + 0.5),
        "growth.over75_pct": (g.over75_pct - 1.0, g.over75_pct, g.over75_pct + 1.0),
    }
    dists = {}
    for key, (lo, mode, hi) in out.items():
        spec = get_assumption(scenario, key)
        dists[key] = Dist.triangular(spec.clip(lo), mode, spec.clip(hi))
    return dists


def draw(scenario: Scenario, distributions: Mapping[str, Dist] | None, n: int,
         seed: int | None) -> dict[str, np.ndarray]:
    """`n` draws of every input in :data:`MC_KEYS` (inputs without a distribution stay at the
    scenario's value). Each input has its own stream spawned from `seed`."""
    distributions = dict(distributions or {})
    unknown = [k for k in distributions if k not in MC_KEYS]
    if unknown:
        raise ValueError(f"no Monte Carlo input called {', '.join(repr(k) for k in unknown)}; "
                         f"use: {', '.join(MC_KEYS)}")
    if n < 1:
        raise ValueError("draws must be at least 1")
    streams = np.random.SeedSequence(seed).spawn(len(MC_KEYS))
    out = {}
    for key, ss in zip(MC_KEYS, streams):
        spec = get_assumption(scenario, key)
        d = distributions.get(key)
        if d is None:
            out[key] = np.full(n, spec.value(scenario))
            continue
        if d.low < spec.minimum or d.high > spec.maximum:
            raise ValueError(f"{key}: the distribution ({d.describe()}) goes beyond what the scenario allows "
                             f"({spec.minimum:g} to {spec.maximum:g})")
        out[key] = d.sample(np.random.default_rng(ss), n)
    return out


# --------------------------------------------------------------------------------------------
# Evaluation of a batch of draws
# --------------------------------------------------------------------------------------------


def closed_form_blockers(scenario: Scenario, practices: PracticeList | None = None) -> list[str]:
    """Why the closed-form path cannot be used for `scenario` (empty list: it can)."""
    out = []
    d = scenario.distribution
    if d.floor > 0:
        out.append("a floor per practice")
    if d.cap is not None:
        out.append("a cap per practice")
    t = scenario.horizon_years
    for name, a in scenario.les.schemes.items():
        if isinstance(a, Harmonise) and a.from_year < t:
            out.append(f"harmonised LES ({name})")
    allowed = scenario.les.protection.allowed_loss_share(t)
    if min(allowed) < 1:
        loses = any(isinstance(a, Decommission) and a.fraction > 0 and a.from_year < t
                    and (practices is None or (name in practices.les and bool((practices.les[name] > 0).any())))
                    for name, a in scenario.les.schemes.items())
        if loses:
            out.append("transitional protection that can bind")
    return out


@dataclass
class _Batch:
    """Per-draw money of one chunk: net cost and admissions saving, (D, T, n) int64 pence."""

    net_cost: np.ndarray
    saving: np.ndarray
    practice_factor: np.ndarray | None = None   # closed form: Σ_t pot (D, n) pence, float
    extend_factor: np.ndarray | None = None     # closed form: Σ_{t≥from_k} f_L (K, D)
    combo: np.ndarray | None = None             # engine: run index of each draw (D,)


class _Prepared:
    """Everything about the practice list and scenario that does not change between draws."""

    def __init__(self, practices: pd.DataFrame | PracticeList, scenario: Scenario, base: Results | None = None):
        self.scenario = scenario
        self.practices = pl = practices if isinstance(practices, PracticeList) else prepare(practices)
        self.base = base if base is not None else run(pl, scenario)
        self.df = pl.frame
        self.T = scenario.horizon_years
        self.N = len(pl)
        self.codes = pl.commissioners
        self.comm = pl.comm
        self.cid = pl.comm.ids
        self.n = pl.comm.n
        s = self.base.summary
        self.base_o75 = s["over75"].to_numpy(float).reshape(self.T, self.n)
        self.base_lists = s["list_size"].to_numpy(float).reshape(self.T, self.n)
        self.base_practice_total = np.rint(self.base.practices["net_change"].to_numpy(float) * 100).astype(
            np.int64).reshape(self.T, self.N).sum(axis=0)
        self.reviewed = scenario.funding.type == "conditional" and scenario.funding.review_year < self.T
        self._cf: dict | None = None

    # ---- admissions, closed form (the engine's operations, in its order) ----------------------

    def saving(self, x: np.ndarray, b: np.ndarray, c: np.ndarray, o75: np.ndarray) -> np.ndarray:
        """Admissions saving (D, T, n) pence; o75 is (D, T, n) or (T, n)."""
        return saving_pence(avoided_admissions(o75, b, x, self.scenario.admissions.effect_from_year), c)

    def passes(self, x: np.ndarray) -> np.ndarray:
        """Whether each draw's expected reduction passes the review (True when there is none)."""
        return review_passes(self.scenario.funding, x, self.T)

    # ---- closed form -------------------------------------------------------------------------

    def _closed_form_setup(self) -> dict:
        if self._cf is not None:
            return self._cf
        sc, pl = self.scenario, self.practices
        lists0, o750 = pl.list_size, pl.over75
        # Growth scales every practice of a commissioner alike, so the first year's shares hold throughout.
        first_year = populations(lists0, o750, pl.weighted_list, sc.growth, 1)
        share = shares(first_year, sc.distribution.weights.model_dump(), pl.participating, self.comm,
                       retain=sc.distribution.non_participants == "retain")[0]
        values = pl.les
        loss = les_effect(values, lists0, grown(lists0, 0.0, self.T), sc.les.schemes, self.comm).total_loss(
            (self.T, self.N))
        # Per practice, an extension pays rate × L(t) from its first year: split as the rate × base list
        # (here) times Σ_t (1+g)^t over those years (per draw, in closed_form).
        extend = [(per_head_rate(a, values[name], lists0, self.comm)[1], in_effect(a, self.T), newly_paid(values[name]))
                  for name, a in sc.les.schemes.items() if isinstance(a, ExtendToAll) and name in values]
        self._cf = dict(share=share, extend=extend, lists0=lists0, o750=o750,
                        loss_total=loss.sum(axis=0).astype(float),
                        per_head=any(pays_per_head(a) for name, a in sc.les.schemes.items() if name in values))
        return self._cf

    def _totals(self, x: np.ndarray) -> np.ndarray:
        """Per-commissioner totals of (D, T, N) practice figures, as the engine forms them: (D, T, n)."""
        return self.comm.sum(x.reshape(-1, self.N)).reshape(x.shape[0], self.T, self.n)

    def grown_sum(self, base: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Σ_i x_i·(1+g)^t per commissioner, as the engine forms it: (D,) growth -> (D, T, n)."""
        return self._totals(grown(base, g, self.T))

    def closed_form(self, p: dict[str, np.ndarray]) -> _Batch:
        cf = self._closed_form_setup()
        sc = self.scenario
        x = p["admissions.expected_reduction_pct"]
        gl, go = p["growth.list_size_pct"], p["growth.over75_pct"]
        D = len(x)
        fixed_l = bool(np.all(gl == sc.growth.list_size_pct))
        fixed_o = bool(np.all(go == sc.growth.over75_pct))
        # §4.1 population by draw, totals per commissioner as the engine forms them (D, T, n). The lists
        # themselves (D, T, N) are kept only when LES money follows them (else one draw's will do).
        o75 = self.base_o75[None] if fixed_o else self.grown_sum(cf["o750"], go)
        per_draw = cf["per_head"] and not fixed_l
        lists = grown(cf["lists0"], gl if per_draw else gl[:1], self.T)
        if sc.pot.basis == "over75":
            base_total = o75
        elif fixed_l:
            base_total = self.base_lists[None]
        else:
            base_total = self._totals(lists) if per_draw else self.grown_sum(cf["lists0"], gl)
        # §4.2–§4.3 gate and base pot by draw; §4.4 LES savings and gains of each draw's lists.
        base_pot = base_pot_pence(sc.pot, base_total, gate(sc.funding, x, self.T))           # (D, T, n)
        savings, gained = les_totals_pence(self.practices.les, cf["lists0"], lists, sc.les.schemes, self.comm)
        pot = pot_pence(base_pot, recycled_pence(savings, sc.les.reinvest_pct), sc.les.counts_toward_pot)
        # §4.9 net cost: the money identity (no protection is paid in the closed form).
        net_cost = money_identity(pot, 0, savings, gained)
        f_l = growth_factor(gl, self.T)                                                      # (D, T)
        ext_factor = [(f_l * year_on[None, :]).sum(axis=1) for _, year_on, _ in cf["extend"]]
        saving = self.saving(x, p["admissions.baseline_per_1000_over75"], p["admissions.cost_per_admission"], o75)
        return _Batch(net_cost, saving, practice_factor=pot.sum(axis=1).astype(float),
                      extend_factor=np.array(ext_factor).reshape(len(ext_factor), D))

    def closed_form_practices(self, batch_factor: np.ndarray, extend_factor: np.ndarray,
                              cols: slice) -> np.ndarray:
        """Per-practice net change over the horizon (D, Nb) in pence (unrounded) for practices `cols`."""
        cf = self._closed_form_setup()
        ids = self.cid[cols]
        out = cf["share"][None, cols] * batch_factor[:, ids] - cf["loss_total"][None, cols]
        for k, (rate_i, _, nonholder) in enumerate(cf["extend"]):
            gain_rate = np.where(nonholder[cols], rate_i[cols] * cf["lists0"][cols] * 100.0, 0.0)
            out += extend_factor[k][:, None] * gain_rate[None, :]
        return out


def simulate(practices: pd.DataFrame | PracticeList, scenario: Scenario, params: Mapping[str, np.ndarray], *,
             method: str = "auto", growth_step: float | None = None, max_engine_runs: int = 2000,
             practice_totals: bool = False, _prep: _Prepared | None = None) -> dict:
    """Evaluate explicit draws (no sampling): `params` maps keys of :data:`MC_KEYS` to (D,) arrays
    (missing keys stay at the scenario's value).

    Returns a dict with ``net_cost`` and ``admissions_saving`` (D, T, n) int64 pence per draw,
    year and commissioner, ``net_cost_after_admissions`` (their difference), ``method``,
    ``engine_runs`` and, with ``practice_totals=True``, ``practice_net_change`` (D, N): each
    practice's net change over the horizon in pence, in the engine's practice order (keep D small).
    Used by :func:`monte_carlo` chunk by chunk, and by the tests to cross-check against the engine.
    """
    prep = _prep or _Prepared(practices, scenario)
    D = len(next(iter(params.values()))) if params else 1
    p = {k: np.asarray(params[k], float) if k in params else
         np.full(D, get_assumption(scenario, k).value(scenario)) for k in MC_KEYS}
    chosen, notes = _choose_method(prep, p, method)
    if chosen == "closed_form":
        batch = prep.closed_form(p)
        out = {"net_cost": batch.net_cost, "admissions_saving": batch.saving, "method": chosen, "engine_runs": 0}
        if practice_totals:
            out["practice_net_change"] = prep.closed_form_practices(batch.practice_factor, batch.extend_factor,
                                                                    slice(None))
    else:
        eng = _EngineCombos(prep, p, growth_step, max_engine_runs)
        batch = eng.batch(p, np.arange(D))
        out = {"net_cost": batch.net_cost, "admissions_saving": batch.saving, "method": chosen,
               "engine_runs": eng.engine_runs}
        if practice_totals:
            out["practice_net_change"] = eng.practice_total[batch.combo].astype(float)
    out["net_cost_after_admissions"] = out["net_cost"] - out["admissions_saving"]
    out["notes"] = notes
    return out


def _choose_method(prep: _Prepared, p: Mapping[str, np.ndarray], method: str) -> tuple[str, list[str]]:
    money_keys = money_growth_keys(prep.scenario)
    growth_varies = any(np.ptp(p[k]) > 0 for k in GROWTH_KEYS if k in money_keys)
    blockers = closed_form_blockers(prep.scenario, prep.practices)
    if method == "auto":
        if not growth_varies:
            return "engine", ["no growth that moves the money varies: the engine runs once per review outcome "
                              "(at most 2 runs); admissions in closed form"]
        if not blockers:
            return "closed_form", ["closed form: money scales exactly with population growth in this scenario"]
        return "engine", [f"growth varies and the scenario has {', '.join(blockers)}: the engine runs once "
                          "per distinct (list growth, 75+ growth, review outcome)"]
    if method == "closed_form":
        if blockers:
            raise ValueError("the closed-form Monte Carlo cannot be used with " + ", ".join(blockers) +
                             "; use method='engine' (or 'auto')")
        return "closed_form", ["closed form (requested)"]
    if method == "engine":
        return "engine", ["engine runs per distinct (list growth, 75+ growth, review outcome) (requested)"]
    raise ValueError("method must be 'auto', 'closed_form' or 'engine'")


def money_growth_keys(scenario: Scenario) -> set[str]:
    """The growth inputs that can move the engine's money (not just the admissions figures).

    75+ growth moves money only through a pot per patient 75+ or a weight on patients 75+; list
    growth only through a pot per head, a weight on the list or weighted list, or LES paid per head
    (extend_to_all, harmonise). Otherwise the input changes the admissions saving alone, which the
    Monte Carlo computes in closed form, so it need not multiply the engine runs.
    """
    w, basis = scenario.distribution.weights, scenario.pot.basis
    keys = set()
    per_head_les = any(pays_per_head(a) for a in scenario.les.schemes.values())
    if basis == "list_size" or w.list_size > 0 or w.weighted_list > 0 or per_head_les:
        keys.add("growth.list_size_pct")
    if basis == "over75" or w.over75 > 0:
        keys.add("growth.over75_pct")
    return keys


class _EngineCombos:
    """One engine run per distinct (list growth, 75+ growth, review outcome) among the draws.

    A growth input that cannot move the money (:func:`money_growth_keys`) is held at the scenario's
    value for the runs, and its effect on the admissions figures is computed from each draw exactly.
    """

    def __init__(self, prep: _Prepared, p: Mapping[str, np.ndarray], growth_step: float | None,
                 max_engine_runs: int):
        self.prep = prep
        sc = prep.scenario
        money = money_growth_keys(sc)
        gl = (self._snap(p["growth.list_size_pct"], growth_step) if "growth.list_size_pct" in money
              else np.full(len(p["growth.list_size_pct"]), sc.growth.list_size_pct))
        go = (self._snap(p["growth.over75_pct"], growth_step) if "growth.over75_pct" in money
              else np.full(len(p["growth.over75_pct"]), sc.growth.over75_pct))
        #: 75+ growth varies but does not move money: the admissions use each draw's own 75+ totals
        self.o75_from_draws = "growth.over75_pct" not in money and bool(np.any(p["growth.over75_pct"] != go))
        ok = prep.passes(p["admissions.expected_reduction_pct"])
        keys = np.column_stack([gl, go, ok.astype(float)])
        uniq, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        if len(uniq) > max_engine_runs:
            raise ValueError(
                f"this Monte Carlo needs {len(uniq):,} engine runs, more than max_engine_runs={max_engine_runs:,}: "
                f"growth varies and the scenario has "
                f"{', '.join(closed_form_blockers(prep.scenario, prep.practices)) or 'features'}, which the exact "
                "closed form does not cover. Fix growth (or give it fewer distinct values), use fewer draws, or "
                "round the growth draws with growth_step (e.g. 0.01 percentage points)")
        work = (len(uniq) - 1) * prep.T * prep.N
        if work > MAX_ENGINE_WORK:
            raise ValueError(
                f"this Monte Carlo needs {len(uniq):,} engine runs of {prep.T * prep.N:,} practice-years each "
                f"({work:,} in all), more than the limit of {MAX_ENGINE_WORK:,}: growth varies and the scenario has "
                f"{', '.join(closed_form_blockers(prep.scenario, prep.practices)) or 'features'}, which the exact "
                "closed form does not cover. Round the growth draws (growth_step, e.g. 0.1 percentage points), "
                "use fewer draws, or fix growth")
        self.growth_step = growth_step
        self.inverse = inverse.ravel()
        self.engine_runs = 0
        nc, o75, tot = [], [], []
        x = p["admissions.expected_reduction_pct"]
        base_passes = bool(prep.passes(np.array([sc.admissions.expected_reduction_pct]))[0])
        for k, i in enumerate(first):
            changes = {}
            if uniq[k, 0] != sc.growth.list_size_pct:
                changes["growth.list_size_pct"] = float(uniq[k, 0])
            if uniq[k, 1] != sc.growth.over75_pct:
                changes["growth.over75_pct"] = float(uniq[k, 1])
            if prep.reviewed and bool(uniq[k, 2]) != base_passes:
                changes["admissions.expected_reduction_pct"] = float(x[i])
            r = prep.base if not changes else run(prep.practices, sc.with_changes(changes))
            self.engine_runs += bool(changes)  # the run itself is not kept: only its totals (memory)
            s = r.summary
            nc.append(np.rint(s["net_cost"].to_numpy(float) * 100).astype(np.int64).reshape(prep.T, prep.n))
            o75.append(s["over75"].to_numpy(float).reshape(prep.T, prep.n))
            tot.append(np.rint(r.practices["net_change"].to_numpy(float) * 100).astype(np.int64)
                       .reshape(prep.T, prep.N).sum(axis=0))
        self.net_cost = np.array(nc)          # (K, T, n)
        self.o75 = np.array(o75)              # (K, T, n)
        self.practice_total = np.array(tot)   # (K, N)

    @staticmethod
    def _snap(g: np.ndarray, step: float | None) -> np.ndarray:
        if not step:
            return g
        return np.round(np.round(g / step) * step, 12)

    def batch(self, p: Mapping[str, np.ndarray], rows: np.ndarray) -> _Batch:
        combo = self.inverse[rows]
        o75 = (self.prep.grown_sum(self.prep.practices.over75, p["growth.over75_pct"]) if self.o75_from_draws
               else self.o75[combo])
        saving = self.prep.saving(p["admissions.expected_reduction_pct"], p["admissions.baseline_per_1000_over75"],
                                  p["admissions.cost_per_admission"], o75)
        return _Batch(self.net_cost[combo], saving, combo=combo)


# --------------------------------------------------------------------------------------------
# The Monte Carlo
# --------------------------------------------------------------------------------------------


@dataclass
class MonteCarloResult:
    """What :func:`monte_carlo` returns. Money in £.

    * ``summary``: per measure (net_cost, admissions_saving, net_cost_after_admissions) and year
      (plus "All years"): deterministic (the scenario's own values), mean, percentiles, min, max and
      ``prob_le_zero`` (share of draws at or below £0).
    * ``commissioners``: the same per commissioner, all years.
    * ``practices``: per practice (measure ``net_change_all_years``: net change added up over the
      horizon): deterministic, mean, percentiles, min, max and ``prob_loss`` (share of draws in which
      the practice ends the horizon down).
    * ``draws``: one row per draw: the inputs and the all-years totals.
    * ``net_cost_by_year`` / ``net_cost_after_admissions_by_year``: (draws, years) arrays.
    """

    scenario: Scenario
    n_draws: int
    seed: int | None
    method: str
    engine_runs: int
    distributions: dict[str, Dist]
    percentiles: tuple[float, ...]
    summary: pd.DataFrame
    commissioners: pd.DataFrame
    practices: pd.DataFrame
    draws: pd.DataFrame
    net_cost_by_year: np.ndarray
    net_cost_after_admissions_by_year: np.ndarray
    notes: list[str] = field(default_factory=list)

    @property
    def prob_net_cost_after_admissions_le_zero(self) -> float:
        """P(net cost after admissions savings, all years and commissioners, ≤ £0)."""
        return float(np.mean(self.net_cost_after_admissions_by_year.sum(axis=1) <= 0))


def _stats(values_pence: np.ndarray, q: Sequence[float], axis: int = 0) -> dict[str, np.ndarray]:
    v = np.asarray(values_pence, dtype=float) / 100.0
    pct = np.percentile(v, q, axis=axis)
    out = {"mean": np.round(v.mean(axis=axis), 2)}
    for qq, row in zip(q, pct):
        out[f"p{qq:g}"] = np.round(row, 2)
    out["min"] = np.round(v.min(axis=axis), 2)
    out["max"] = np.round(v.max(axis=axis), 2)
    out["prob_le_zero"] = np.mean(v <= 0, axis=axis)
    return out


def monte_carlo(practices: pd.DataFrame | PracticeList, scenario: Scenario,
                distributions: Mapping[str, Dist] | None = None, draws: int = 1000, seed: int | None = 2014, *,
                percentiles: Sequence[float] = PERCENTILES,
                method: str = "auto", chunk_size: int = 1000, growth_step: float | None = None,
                max_engine_runs: int = 2000, base: Results | None = None) -> MonteCarloResult:
    """Run `draws` draws of the uncertain inputs through the scenario (see the module docstring).

    `distributions` maps keys of :data:`MC_KEYS` to :class:`Dist`; ``None`` uses
    :func:`default_distributions`; ``{}`` varies nothing. Same seed, same result.

    One year of £5 a head on 6,000 patients (£30,000.00) against 240 emergency admissions of patients
    75+ at £2,500: a 5 % cut pays for it exactly, but the cut is uncertain, anywhere from 0 to 10 %
    with 5 % most likely. The net cost after admissions savings ranges either side of £0:

    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["A", "B", "C"], "list_size": [1000, 2000, 3000],
    ...                           "over75": [100, 200, 300]})
    >>> scenario = Scenario(horizon_years=1, admissions={"baseline_per_1000_over75": 400,
    ...                                                  "expected_reduction_pct": 5, "effect_from_year": 0})
    >>> mc = monte_carlo(practices, scenario, {"admissions.expected_reduction_pct": Dist.triangular(0, 5, 10)},
    ...                  draws=1000, seed=2014)
    >>> row = mc.summary.query("measure == 'net_cost_after_admissions' and year == 'All years'").iloc[0]
    >>> [float(row[c]) for c in ("deterministic", "p5", "p50", "p95")]    # £, to the penny
    [0.0, -19513.02, 995.06, 20601.57]
    >>> mc.prob_net_cost_after_admissions_le_zero
    0.468
    """
    dists = default_distributions(scenario) if distributions is None else dict(distributions)
    q = tuple(float(x) for x in percentiles)
    if any(not 0 <= x <= 100 for x in q) or list(q) != sorted(q):
        raise ValueError("percentiles must be increasing numbers between 0 and 100")
    prep = _Prepared(practices, scenario, base)
    if int(draws) * prep.n > MAX_MC_CELLS:
        raise ValueError(f"{int(draws):,} draws × {prep.n:,} commissioners is more than the limit of "
                         f"{MAX_MC_CELLS:,} (each draw keeps figures per commissioner): use at most "
                         f"{MAX_MC_CELLS // prep.n:,} draws, or fewer commissioners")
    p = draw(scenario, dists, int(draws), seed)
    D, T, n, N = int(draws), prep.T, prep.n, prep.N
    chosen, notes = _choose_method(prep, p, method)
    eng = _EngineCombos(prep, p, growth_step, max_engine_runs) if chosen == "engine" else None
    if growth_step and chosen == "engine":
        notes.append(f"growth draws rounded to multiples of {growth_step:g} percentage points for the engine runs")
    wide = chosen == "closed_form" or (eng is not None and eng.o75_from_draws)   # (draws, years, practices)
    per_chunk = max(1, min(int(chunk_size), ELEMENT_BUDGET // max(1, T * (N if wide else n))))

    nc_year = np.empty((D, T), dtype=np.int64)
    sv_year = np.empty((D, T), dtype=np.int64)
    nc_comm = np.empty((D, n), dtype=np.int64)
    sv_comm = np.empty((D, n), dtype=np.int64)
    pot_factor = np.empty((D, n)) if chosen == "closed_form" else None
    ext_factor = None
    combo = np.empty(D, dtype=np.int64) if eng is not None else None
    for start in range(0, D, per_chunk):
        rows = np.arange(start, min(D, start + per_chunk))
        pc = {k: v[rows] for k, v in p.items()}
        b = prep.closed_form(pc) if eng is None else eng.batch(pc, rows)
        nc_year[rows] = b.net_cost.sum(axis=2)
        sv_year[rows] = b.saving.sum(axis=2)
        nc_comm[rows] = b.net_cost.sum(axis=1)
        sv_comm[rows] = b.saving.sum(axis=1)
        if eng is None:
            pot_factor[rows] = b.practice_factor
            if ext_factor is None:
                ext_factor = np.empty((b.extend_factor.shape[0], D))
            ext_factor[:, rows] = b.extend_factor
        else:
            combo[rows] = b.combo
    after_year = nc_year - sv_year
    after_comm = nc_comm - sv_comm

    # Summary: by year and all years.
    labels = scenario.year_labels()
    s = prep.base.summary
    det = {m: np.rint(s[m].to_numpy(float) * 100).astype(np.int64).reshape(T, n)
           for m in ("net_cost", "admissions_saving", "net_cost_after_admissions")}
    rows_out = []
    for measure, arr in (("net_cost", nc_year), ("admissions_saving", sv_year),
                         ("net_cost_after_admissions", after_year)):
        full = np.column_stack([arr, arr.sum(axis=1)])
        st = _stats(full, q)
        d = det[measure].sum(axis=1)
        dets = np.append(d, d.sum()) / 100.0
        for j, label in enumerate(labels + ["All years"]):
            rows_out.append({"measure": measure, "year": label, "deterministic": dets[j],
                             **{k: float(v[j]) for k, v in st.items()}})
    summary = pd.DataFrame(rows_out)

    comm_rows = []
    for measure, arr in (("net_cost", nc_comm), ("net_cost_after_admissions", after_comm)):
        st = _stats(arr, q)
        d = det[measure].sum(axis=0) / 100.0
        for c, code in enumerate(prep.codes):
            comm_rows.append({"commissioner": code, "measure": measure, "deterministic": d[c],
                              **{k: float(v[c]) for k, v in st.items()}})
    commissioners = pd.DataFrame(comm_rows)

    # Per practice, a block of practices at a time.
    block = max(1, ELEMENT_BUDGET // D)
    pstats: dict[str, list[np.ndarray]] = {}
    for start in range(0, N, block):
        cols = slice(start, min(N, start + block))
        if eng is None:
            vals = prep.closed_form_practices(pot_factor, ext_factor, cols)
        else:
            vals = eng.practice_total[:, cols][combo].astype(float)
        vals = np.rint(vals)
        st = _stats(vals, q)
        st["prob_loss"] = np.mean(vals < 0, axis=0)
        del st["prob_le_zero"]
        for k, v in st.items():
            pstats.setdefault(k, []).append(v)
    df = prep.df
    practices_out = pd.DataFrame({
        "measure": "net_change_all_years",
        "commissioner": df["commissioner"].astype(str).to_numpy(),
        "practice_code": df["practice_code"].astype(str).to_numpy(),
        "practice_name": (df["practice_name"] if "practice_name" in df else df["practice_code"]).astype(str).to_numpy(),
        "locality": (df["locality"].astype(str).to_numpy() if "locality" in df else "All practices"),
        "deterministic": prep.base_practice_total / 100.0,
        **{k: np.concatenate(v) for k, v in pstats.items()},
    })

    draws_df = pd.DataFrame({"draw": np.arange(D), **{k: v for k, v in p.items()},
                             "net_cost": nc_year.sum(axis=1) / 100.0,
                             "admissions_saving": sv_year.sum(axis=1) / 100.0,
                             "net_cost_after_admissions": after_year.sum(axis=1) / 100.0})
    return MonteCarloResult(
        scenario=scenario, n_draws=D, seed=seed, method=chosen, engine_runs=(eng.engine_runs if eng else 0),
        distributions=dists, percentiles=q, summary=summary, commissioners=commissioners,
        practices=practices_out, draws=draws_df, net_cost_by_year=nc_year / 100.0,
        net_cost_after_admissions_by_year=after_year / 100.0, notes=notes)
