"""Local Enhanced Services: what each scheme action does to each practice (docs/design.md §4.4).

A practice's LES *loss* (decommissioning; harmonisation below its old income) and *gain*
(extension to practices without the scheme; harmonisation above its old income) are kept apart,
per scheme, in whole pence. Scheme income is held flat in cash over the years (the payments
publication gives one year); per-head payments follow the practice's list as it grows.

:func:`scheme_change` is one scheme's rule; :func:`les_effect` rounds it to pence practice by
practice for a run, and :func:`les_totals_pence` gives the same commissioner totals for many draws
of the lists at once (the Monte Carlo). Recycled savings are :func:`recycled_pence`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.money import Groups, largest_remainder, round_half_up
from model.scenario import Decommission, ExtendToAll, Harmonise, Keep


@dataclass
class LesEffect:
    """Per scheme, (T, N) int pence: what practices lose and gain; and each scheme's £/head rate."""

    loss: dict[str, np.ndarray]
    gain: dict[str, np.ndarray]
    rate_per_head: dict[str, np.ndarray]  # (n_commissioners,) £ per head used by extend/harmonise

    def total_loss(self, shape: tuple[int, int]) -> np.ndarray:
        return sum(self.loss.values(), np.zeros(shape, dtype=np.int64))

    def total_gain(self, shape: tuple[int, int]) -> np.ndarray:
        return sum(self.gain.values(), np.zeros(shape, dtype=np.int64))


def holders_rate_per_head(value: np.ndarray, list_size: np.ndarray, commissioners: Groups) -> np.ndarray:
    """Average £ per registered patient among practices that hold the scheme, per commissioner.

    >>> holders_rate_per_head(np.array([1000.0, 0.0, 3000.0]), np.array([1000, 500, 1000]),
    ...                       Groups(np.array([0, 0, 0]), 1))
    array([2.])
    """
    held = value > 0
    money = commissioners.sum(np.where(held, value, 0.0)[None, :])[0]
    heads = commissioners.sum(np.where(held, list_size, 0)[None, :].astype(float))[0]
    return np.divide(money, heads, out=np.zeros_like(money), where=heads > 0)


def pays_per_head(action) -> bool:
    """Whether a scheme action pays £ per head, so that what it moves follows the list as it grows."""
    return isinstance(action, (ExtendToAll, Harmonise))


def in_effect(action, years: int) -> np.ndarray:
    """The years (T,) a scheme action applies: from its ``from_year`` on."""
    return np.arange(years) >= action.from_year


def newly_paid(value: np.ndarray) -> np.ndarray:
    """The practices (N,) an ``extend_to_all`` scheme starts paying: those without it (income ≤ 0)."""
    return np.asarray(value, dtype=float) <= 0


def per_head_rate(action: ExtendToAll | Harmonise, value: np.ndarray, list_now: np.ndarray,
                  commissioners: Groups) -> tuple[np.ndarray, np.ndarray]:
    """The £ per head an extended or harmonised scheme pays: per commissioner (n,) and per practice (N,).

    The holders' average (:func:`holders_rate_per_head`), or the rate a harmonisation gives.
    """
    avg = holders_rate_per_head(np.asarray(value, dtype=float), list_now, commissioners)
    rate = commissioners.take(avg[None, :])[0]
    if isinstance(action, Harmonise) and action.rate_per_head is not None:
        rate = np.full_like(rate, action.rate_per_head)
        avg = np.full_like(avg, action.rate_per_head)
    return avg, rate


def scheme_change(action, value: np.ndarray, list_now: np.ndarray, list_by_year: np.ndarray,
                  commissioners: Groups) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One scheme's loss and gain in £, unrounded, and the £ per head it pays per commissioner.

    `value`: (N,) annual £ income; `list_now`: (N,) base-year list; `list_by_year`: (T, N) list
    after growth, or (D, T, N) for D draws of growth. Loss and gain are (T, N), or (D, T, N) when they
    follow the list; the rate is None for ``decommission``.
    """
    v = np.asarray(value, dtype=float)
    active = in_effect(action, list_by_year.shape[-2])[:, None]
    if isinstance(action, Decommission):
        return np.where(active, action.fraction * v[None, :], 0.0), np.zeros(list_by_year.shape[-2:]), None
    avg, rate = per_head_rate(action, v, list_now, commissioners)
    paid = rate[None, :] * list_by_year
    if isinstance(action, ExtendToAll):
        return np.zeros(list_by_year.shape[-2:]), np.where(active & newly_paid(v)[None, :], paid, 0.0), avg
    diff = np.where(active, paid - v[None, :], 0.0)  # harmonise
    return np.maximum(0.0, -diff), np.maximum(0.0, diff), avg


def _acted_on(values: dict[str, np.ndarray], schemes: dict):
    """(name, action) of each scheme of the list the scenario changes (unnamed schemes are kept)."""
    for name in values:
        action = schemes.get(name) or Keep(action="keep")
        if not isinstance(action, Keep):
            yield name, action


def les_effect(values: dict[str, np.ndarray], list_now: np.ndarray, list_by_year: np.ndarray,
               schemes: dict, commissioners: Groups) -> LesEffect:
    """Losses and gains per scheme for every practice and year, rounded to pence per commissioner.

    `values`: scheme column -> (N,) annual £ income; `list_now`: (N,) base-year list;
    `list_by_year`: (T, N) list after growth; `schemes`: scenario ``les.schemes`` (unnamed: kept).
    """
    loss, gain, rates = {}, {}, {}
    for name, action in _acted_on(values, schemes):
        lost, got, rate = scheme_change(action, values[name], list_now, list_by_year, commissioners)
        if rate is not None:
            rates[name] = rate
        loss[name] = largest_remainder(lost * 100.0, commissioners)
        gain[name] = largest_remainder(got * 100.0, commissioners)
    return LesEffect(loss, gain, rates)


def les_totals_pence(values: dict[str, np.ndarray], list_now: np.ndarray, list_by_year: np.ndarray,
                     schemes: dict, commissioners: Groups) -> tuple[np.ndarray, np.ndarray]:
    """Commissioner totals of :func:`les_effect`'s losses (the LES savings) and gains, in pence, without
    rounding each practice: (T, n), or (D, T, n) for lists (D, T, N) drawn D times.

    Largest remainder rounds each scheme's practices to the commissioner-year total rounded half up,
    so these are the engine's totals to the penny.
    """
    n = commissioners.n
    shape = list_by_year.shape[:-1] + (n,)
    savings, gained = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)

    def total(pounds: np.ndarray) -> np.ndarray:
        raw = pounds * 100.0
        return round_half_up(commissioners.sum(raw.reshape(-1, raw.shape[-1])).reshape(raw.shape[:-1] + (n,)))

    for name, action in _acted_on(values, schemes):
        lost, got, _ = scheme_change(action, values[name], list_now, list_by_year, commissioners)
        savings = savings + total(lost)
        gained = gained + total(got)
    return savings, gained


def recycled_pence(savings: np.ndarray, reinvest_pct: float) -> np.ndarray:
    """§4.4: LES savings put back into the practice pot, in pence, rounded half up per commissioner-year."""
    return round_half_up(reinvest_pct / 100.0 * savings)
