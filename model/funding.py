"""Years, populations and the size of the pot (DESIGN §4 steps 1–3).

>>> gate(Funding(type="non_recurrent", years=2), expected_reduction_pct=0.0, years=4)
array([1., 1., 0., 0.])
"""

from __future__ import annotations

import numpy as np

from model.scenario import Funding, Scenario


def grown(base: np.ndarray, growth_pct: float, years: int) -> np.ndarray:
    """Population by year, ``x·(1+g)^t``: (N,) -> (T, N). Whole patients are not required."""
    factor = (1.0 + growth_pct / 100.0) ** np.arange(years)
    return factor[:, None] * np.asarray(base, dtype=float)[None, :]


def gate(funding: Funding, expected_reduction_pct: float, years: int) -> np.ndarray:
    """1 in the years the scheme is funded, else 0 (T,).

    recurrent: always; non_recurrent: the first `years` years; conditional: before the review
    year, then only if the expected admissions reduction reaches the one the review requires.
    """
    t = np.arange(years)
    if funding.type == "recurrent":
        on = np.ones(years, bool)
    elif funding.type == "non_recurrent":
        on = t < funding.years
    else:
        passes = expected_reduction_pct >= funding.required_reduction_pct
        on = (t < funding.review_year) | passes
    return on.astype(float)


def base_pot_pounds(scenario: Scenario, base_total: np.ndarray, gate_by_year: np.ndarray) -> np.ndarray:
    """``P = G·rate·(1+u)^t·Σ base`` in £, per year and commissioner: base_total (T, n) -> (T, n)."""
    uplift = (1.0 + scenario.pot.uplift_pct / 100.0) ** np.arange(base_total.shape[0])
    return (gate_by_year * uplift)[:, None] * scenario.pot.rate * base_total
