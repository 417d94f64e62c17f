"""Years, populations and the size of the pot (docs/design.md §4.1–§4.3).

Each function takes one scenario's figures or, for the Monte Carlo, many draws at once: a growth rate
or an expected reduction given as an array of draws (D,) adds a leading draw axis to the result, and
the arithmetic per element is the same either way (so a draw at the scenario's values is the engine's
figure to the penny).

>>> gate(Funding(type="non_recurrent", years=2), expected_reduction_pct=0.0, years=4)
array([1., 1., 0., 0.])
>>> gate(Funding(type="conditional", review_year=1, required_reduction_pct=3.5), np.array([2.0, 4.0]), 3)
array([[1., 0., 0.],
       [1., 1., 1.]])
"""

from __future__ import annotations

import numpy as np

from model.money import round_half_up
from model.scenario import Funding, Growth, Pot


def growth_factor(growth_pct: float | np.ndarray, years: int) -> np.ndarray:
    """``(1+g)^t`` by year: (T,), or (D, T) for growth draws (D,)."""
    return (1.0 + np.asarray(growth_pct, dtype=float)[..., None] / 100.0) ** np.arange(years)


def grown(base: np.ndarray, growth_pct: float | np.ndarray, years: int) -> np.ndarray:
    """Population by year, ``x·(1+g)^t``: (N,) -> (T, N), or (D, T, N) for growth draws (D,).

    Whole patients are not required.
    """
    return growth_factor(growth_pct, years)[..., :, None] * np.asarray(base, dtype=float)


def populations(list_size: np.ndarray, over75: np.ndarray, weighted_list: np.ndarray | None, growth: Growth,
                years: int) -> dict[str, np.ndarray]:
    """§4.1: each basis by year (T, N), keyed as the scenario names them (``list_size``, ``over75`` and,
    when the list has one, ``weighted_list``, which grows with the list size)."""
    bases = {"list_size": grown(list_size, growth.list_size_pct, years),
             "over75": grown(over75, growth.over75_pct, years)}
    if weighted_list is not None:
        bases["weighted_list"] = grown(weighted_list, growth.list_size_pct, years)
    return bases


def review_passes(funding: Funding, expected_reduction_pct: float | np.ndarray, years: int) -> np.ndarray:
    """Whether the money carries on after the review, for each expected reduction given: the reduction
    reaches the one the review requires. True when there is no review within the `years` modelled
    (the money is not conditional, or the review year is beyond the horizon)."""
    x = np.asarray(expected_reduction_pct, dtype=float)
    if funding.type != "conditional" or funding.review_year >= years:
        return np.ones(x.shape, bool)
    return x >= funding.required_reduction_pct


def gate(funding: Funding, expected_reduction_pct: float | np.ndarray, years: int) -> np.ndarray:
    """§4.2: 1 in the years the scheme is funded, else 0: (T,), or (D, T) for reductions drawn (D,).

    recurrent: always; non_recurrent: the first `years` years; conditional: before the review
    year, then only if the expected admissions reduction reaches the one the review requires.
    """
    t = np.arange(years)
    shape = np.shape(expected_reduction_pct) + (years,)
    if funding.type == "recurrent":
        on = np.ones(shape, bool)
    elif funding.type == "non_recurrent":
        on = np.broadcast_to(t < funding.years, shape)
    else:
        on = (t < funding.review_year) | review_passes(funding, expected_reduction_pct, years)[..., None]
    return on.astype(float)


def base_pot_pounds(pot: Pot, base_total: np.ndarray, gate_by_year: np.ndarray) -> np.ndarray:
    """``P = G·rate·(1+u)^t·Σ base`` in £ per year and commissioner: base_total (T, n) -> (T, n).

    With a gate per draw (D, T) (and totals (T, n) or (D, T, n)) the result is (D, T, n).
    """
    uplift = (1.0 + pot.uplift_pct / 100.0) ** np.arange(np.shape(base_total)[-2])
    return (gate_by_year * uplift)[..., None] * pot.rate * base_total


def base_pot_pence(pot: Pot, base_total: np.ndarray, gate_by_year: np.ndarray) -> np.ndarray:
    """§4.3: the base pot in whole pence, rounded half up per commissioner-year (and draw)."""
    return round_half_up(100.0 * base_pot_pounds(pot, base_total, gate_by_year))


def pot_pence(base_pot: np.ndarray, recycled: np.ndarray, counts_toward_pot: bool) -> np.ndarray:
    """§4.4: the practice pot in pence: recycled LES money counts toward the base pot (new money only
    tops it up), or comes on top of it.

    >>> pot_pence(np.array([500]), np.array([300]), True), pot_pence(np.array([500]), np.array([300]), False)
    (array([500]), array([800]))
    """
    return np.maximum(base_pot, recycled) if counts_toward_pot else base_pot + recycled
