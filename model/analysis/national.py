"""National mode: one scenario run for every CCG at once, and how its outcomes spread across CCGs.

The engine already runs every commissioner in one pass; this module turns the summary and practice
tables into one row per CCG (for a year) and the distribution of those rows across CCGs, so a national
or regional analyst can see where a rule gives little new money or makes many practices lose.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.results import Results

OUTCOMES = {
    "new_money_per_head": "New money, £ per registered patient",
    "pot_per_over75": "Pot, £ per patient aged 75+",
    "les_savings_per_head": "LES savings, £ per registered patient",
    "net_cost_per_head": "Net cost to the CCG, £ per registered patient",
    "share_losing_pct": "Practices losing money, %",
    "worst_loss_per_head": "Largest practice loss, £ per registered patient",
    "break_even_reduction_pct": "Admissions reduction needed to break even, %",
}


def ccg_outcomes(results: Results, year_index: int = 0) -> pd.DataFrame:
    """One row per commissioner for one year: the figures a national comparison needs.

    `worst_loss_per_head` is the most negative practice net change per head in the CCG (0 when no
    practice loses); `share_losing_pct` the share of its practices whose net change is below zero.

    Two CCGs of 3,000 patients each get £15,000 of new money (£5 a head); 03V also decommissions its one
    practice's £20,000 of LES, so that practice loses £5,000 (£1.67 a patient):

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"commissioner": ["04G", "04G", "03V"], "practice_code": ["P1", "P2", "P3"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300],
    ...                           "les_total": [0.0, 0.0, 20000.0]})
    >>> scenario = Scenario(horizon_years=1).with_changes({"les.schemes": {"les_total": {"action": "decommission"}}})
    >>> outcomes = ccg_outcomes(run(practices, scenario))
    >>> figures = ["commissioner", "new_money", "net_cost", "share_losing_pct", "worst_loss_per_head"]
    >>> outcomes[figures].round(2).values.tolist()
    [['03V', 15000.0, -5000.0, 100.0, -1.67], ['04G', 15000.0, 15000.0, 0.0, 0.0]]
    >>> position(outcomes, "share_losing_pct", "03V")
    {'value': 100.0, 'higher': 0, 'lower': 1, 'ccgs': 2, 'median': 50.0}
    """
    s = results.summary[results.summary["year_index"] == year_index].reset_index(drop=True)
    p = results.practices[results.practices["year_index"] == year_index]
    worst = (p.assign(loss=np.minimum(p["net_change_per_head"].fillna(0.0), 0.0))
             .groupby("commissioner", observed=True)["loss"].min())
    out = pd.DataFrame({
        "commissioner": s["commissioner"].astype(str),
        "year": s["year"].astype(str),
        "practices": s["practices"],
        "list_size": s["list_size"],
        "over75": s["over75"],
        "over75_pct": 100.0 * s["over75"] / s["list_size"].where(s["list_size"] > 0),
        "pot": s["pot"],
        "new_money": s["new_money"],
        "les_savings": s["les_savings"],
        "net_cost": s["net_cost"],
        "losers": s["losers"],
    })
    heads = out["list_size"].where(out["list_size"] > 0)
    out["new_money_per_head"] = out["new_money"] / heads
    out["pot_per_over75"] = s["pot_per_over75"]
    out["les_savings_per_head"] = out["les_savings"] / heads
    out["net_cost_per_head"] = out["net_cost"] / heads
    out["share_losing_pct"] = 100.0 * out["losers"] / out["practices"]
    out["worst_loss_per_head"] = out["commissioner"].map(worst.rename(index=str)).fillna(0.0).to_numpy()
    out["break_even_reduction_pct"] = s["break_even_reduction_pct"]
    return out


def distribution(outcomes: pd.DataFrame, quantiles=(0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)) -> pd.DataFrame:
    """Spread of each outcome across CCGs: min, deciles, quartiles, median, max (one row per outcome)."""
    rows = []
    for key, label in OUTCOMES.items():
        v = outcomes[key].dropna()
        q = v.quantile(list(quantiles)).to_numpy() if len(v) else np.full(len(quantiles), np.nan)
        rows.append({"outcome": key, "description": label, "ccgs": int(len(v)),
                     **{("min" if x == 0 else "max" if x == 1 else f"p{int(round(x * 100))}"): y
                        for x, y in zip(quantiles, q)}})
    return pd.DataFrame(rows)


def position(outcomes: pd.DataFrame, key: str, code: str) -> dict | None:
    """Where one CCG sits on one outcome: its figure, how many CCGs are higher and lower, how many have
    a figure, and the median. None when the CCG is not in the table or has no figure."""
    values = outcomes.set_index(outcomes["commissioner"].astype(str))[key].dropna()
    if code not in values.index:
        return None
    value = float(values[code])
    return {"value": value, "higher": int((values > value).sum()), "lower": int((values < value).sum()),
            "ccgs": int(len(values)), "median": float(values.median())}
