"""pandera schemas of the results tables, built from the one register of columns (model.columns).

Each table must have exactly the register's columns, in order; every column's values must fit its
kind: money in exact pence, counts never negative, text never missing, year numbers from 0.
:func:`validate` checks a whole :class:`~model.results.Results` and is called on the runs of the
worked cases, the golden outputs and the property tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from model.columns import TABLES, kind
from model.results import Results


def _exact_pence(s: pd.Series) -> bool:
    v = s.to_numpy(dtype=float)
    cents = v * 100.0
    # figures are int64 pence ÷ 100: back in pence they are whole to within float noise (< 1e-4 p up to £10bn)
    return bool(np.all(np.isfinite(v)) and np.all(np.abs(cents - np.round(cents)) <= 1e-4))


def _column(key: str, table: str) -> pa.Column:
    k = kind(key)
    if k == "money":
        return pa.Column(float, pa.Check(_exact_pence, element_wise=False, error="not exact pence"), nullable=False)
    if k in ("rate", "pct", "decimal"):
        return pa.Column(float, nullable=True)
    if k == "count" or (k == "bool" and table == "summary"):
        return pa.Column(checks=pa.Check.ge(0), nullable=False)
    if k == "bool":
        return pa.Column(bool, nullable=False)
    if k == "index":
        return pa.Column(int, pa.Check.ge(0), nullable=False)
    return pa.Column(nullable=False)


SCHEMAS = {
    table: pa.DataFrameSchema({c: _column(c, table) for c in columns}, strict=True, ordered=True, name=table)
    for table, columns in TABLES.items()
}


def validate(results: Results) -> Results:
    """Every results table against its schema (raises pandera's SchemaErrors listing every problem)."""
    for table, schema in SCHEMAS.items():
        schema.validate(getattr(results, table), lazy=True)
    return results
