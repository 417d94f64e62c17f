"""What a run returns: the practice, locality and summary tables, the checks and the warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from model.admissions import break_even_reduction_pct
from model.scenario import Scenario

MONEY_COLUMNS_PRACTICE = [
    "allocation", "new_money_share", "recycled_share", "les_lost", "les_gained", "protection",
    "net_change", "unfunded_commitment",
]
MONEY_COLUMNS_SUMMARY = [
    "base_pot", "pot", "new_money", "recycled", "les_savings", "les_gained", "allocation", "topslice",
    "protection", "protection_from_commissioner", "retained", "net_cost", "admissions_saving",
    "net_cost_after_admissions", "unfunded_commitment",
]


@dataclass
class Results:
    """Tables of one run. Money columns are £ with at most 2 decimals (exact pence)."""

    scenario: Scenario
    practices: pd.DataFrame      # practice × year
    localities: pd.DataFrame     # commissioner × locality × year
    summary: pd.DataFrame        # commissioner × year
    checks: pd.DataFrame         # one row per reconciliation, PASS/FAIL
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every reconciliation passed."""
        return bool((self.checks["status"] == "PASS").all())

    def by_year(self) -> pd.DataFrame:
        """Summary added up over commissioners, one row per year (headline figures)."""
        s = self.summary
        money = [c for c in MONEY_COLUMNS_SUMMARY if c in s] + ["list_size", "over75", "practices",
                                                                "participating", "winners", "losers",
                                                                "admissions_avoided"]
        out = s.groupby(["year_index", "year"], observed=True, sort=True)[money].sum().reset_index()
        adm = self.scenario.admissions
        out["break_even_reduction_pct"] = break_even_reduction_pct(
            out["net_cost"].to_numpy(float), out["over75"].to_numpy(float), adm.baseline_per_1000_over75,
            adm.cost_per_admission)
        out["pot_per_head"] = out["pot"] / out["list_size"].where(out["list_size"] > 0)
        out["pot_per_over75"] = out["pot"] / out["over75"].where(out["over75"] > 0)
        return out

    def totals(self) -> dict[str, float]:
        """Headline figures over all commissioners: first year, and the whole horizon."""
        y = self.by_year()
        first = y.iloc[0]
        out = {f"{k}": float(first[k]) for k in y.columns if k not in ("year", "year_index")}
        for k in ("pot", "new_money", "recycled", "les_savings", "protection", "net_cost",
                  "admissions_saving", "unfunded_commitment"):
            out[f"{k}_all_years"] = float(y[k].sum())
        return out
