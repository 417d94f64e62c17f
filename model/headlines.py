"""The meeting's question in one year: how many practices are better off, worse off and unchanged, who
loses most (in £ and £ per registered patient), and what the CCG pays this year and over the horizon.

Read from a run's tables only (no new arithmetic beyond counting, picking and adding up the summary), so
the first screen, papers and tests say the same. A practice whose net change is exactly £0.00 is unchanged
(docs/design.md §10, decision 22).
"""

from __future__ import annotations

from dataclasses import dataclass

from model.results import Results


@dataclass(frozen=True)
class WhoLoses:
    """One year of the meeting's question (money in £, to the penny)."""

    year: str
    practices: int
    better_off: int
    worse_off: int
    unchanged: int
    largest_loss: float              # the most negative net change (0.0 when nobody loses)
    largest_loss_per_head: float     # that practice's net change per registered patient
    largest_loss_code: str | None    # whose (None when nobody loses)
    largest_loss_name: str | None
    net_cost: float                  # the CCG's net cost this year
    net_cost_all_years: float        # … over the whole horizon
    years: int                       # years in the horizon


def who_loses(results: Results, year_index: int = 0) -> WhoLoses:
    """Better off / worse off / unchanged, the largest loss and the net cost, for one year.

    Three practices, £5 a head, with the middle one's £20,000 LES decommissioned (recycled money counts
    towards the pot, so the pot stays £30,000): Brook loses £20,000 and gains its £10,000 share.

    >>> import pandas as pd
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300],
    ...                           "les_total": [0.0, 20_000.0, 0.0]})
    >>> s = Scenario(horizon_years=2).with_changes({"les.schemes": {"les_total": {"action": "decommission"}}})
    >>> w = who_loses(run(practices, s))
    >>> (w.better_off, w.worse_off, w.unchanged), (w.largest_loss, w.largest_loss_per_head, w.largest_loss_name)
    ((2, 1, 0), (-10000.0, -5.0, 'Brook'))
    >>> w.net_cost, w.net_cost_all_years, w.years
    (10000.0, 20000.0, 2)
    """
    p = results.practices
    p = p[p["year_index"] == year_index]
    change = p["net_change"].to_numpy(float)
    better, worse = int((change > 0).sum()), int((change < 0).sum())
    totals = results.by_year()
    row = totals[totals["year_index"] == year_index].iloc[0]
    loss = code = name = None
    per_head = 0.0
    if worse:
        i = int(change.argmin())
        loser = p.iloc[i]
        loss, per_head = float(loser["net_change"]), float(loser["net_change_per_head"])
        code = str(loser["practice_code"])
        name = str(loser["practice_name"]) if "practice_name" in p else code
    return WhoLoses(year=str(row["year"]), practices=len(p), better_off=better, worse_off=worse,
                    unchanged=len(p) - better - worse, largest_loss=loss if loss is not None else 0.0,
                    largest_loss_per_head=per_head, largest_loss_code=code, largest_loss_name=name,
                    net_cost=float(row["net_cost"]), net_cost_all_years=float(totals["net_cost"].sum()),
                    years=len(totals))
