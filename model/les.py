"""Local Enhanced Services: what each scheme action does to each practice (DESIGN §4 step 4).

A practice's LES *loss* (decommissioning; harmonisation below its old income) and *gain*
(extension to practices without the scheme; harmonisation above its old income) are kept apart,
per scheme, in whole pence. Scheme income is held flat in cash over the years (the payments
publication gives one year); per-head payments follow the practice's list as it grows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.money import Groups, largest_remainder
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


def les_effect(values: dict[str, np.ndarray], list_now: np.ndarray, list_by_year: np.ndarray,
               schemes: dict, commissioners: Groups) -> LesEffect:
    """Losses and gains per scheme for every practice and year, rounded to pence per commissioner.

    `values`: scheme column -> (N,) annual £ income; `list_now`: (N,) base-year list;
    `list_by_year`: (T, N) list after growth; `schemes`: scenario ``les.schemes`` (unnamed: kept).
    """
    t_n = list_by_year.shape
    years = np.arange(t_n[0])[:, None]
    loss, gain, rates = {}, {}, {}
    for name, v in values.items():
        action = schemes.get(name) or Keep(action="keep")
        if isinstance(action, Keep):
            continue
        v = np.asarray(v, dtype=float)
        active = years >= action.from_year
        lost = np.zeros(t_n)
        got = np.zeros(t_n)
        if isinstance(action, Decommission):
            lost = np.where(active, action.fraction * v[None, :], 0.0)
        else:
            avg = holders_rate_per_head(v, list_now, commissioners)
            rate = commissioners.take(avg[None, :])[0]
            if isinstance(action, Harmonise) and action.rate_per_head is not None:
                rate = np.full_like(rate, action.rate_per_head)
                avg = np.full_like(avg, action.rate_per_head)
            rates[name] = avg
            paid = rate[None, :] * list_by_year
            if isinstance(action, ExtendToAll):
                got = np.where(active & (v[None, :] <= 0), paid, 0.0)
            elif isinstance(action, Harmonise):
                diff = np.where(active, paid - v[None, :], 0.0)
                lost, got = np.maximum(0.0, -diff), np.maximum(0.0, diff)
        loss[name] = largest_remainder(lost * 100.0, commissioners)
        gain[name] = largest_remainder(got * 100.0, commissioners)
    return LesEffect(loss, gain, rates)
