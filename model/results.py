"""What a run returns: the practice, locality and summary tables, the checks and the warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from model.admissions import break_even_reduction_pct
from model.columns import TABLES, kind
from model.scenario import Scenario

# The summary's money columns, in the register's order (model.columns), added up by by_year().
# identity_expected is the right-hand side of the money identity, a check rather than a headline: it
# stays in the summary and is not added up here.
_SUMMED_MONEY = [c for c in TABLES["summary"] if kind(c) == "money" and c != "identity_expected"]


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
        """Summary added up over commissioners, one row per year (headline figures).

        Three practices (1,000, 2,000 and 3,000 patients; 600 aged 75+) at £5 a head for two years,
        lists growing 1 % a year: the pot follows the list, and the admissions cut that would pay the
        first year's net cost is £30,000 ÷ (350 per 1,000 × 600 patients 75+ × £2,500) = 5.71 %.

        >>> from model.engine import run
        >>> from model.scenario import Scenario
        >>> practices = pd.DataFrame({"practice_code": ["A", "B", "C"], "list_size": [1000, 2000, 3000],
        ...                           "over75": [100, 200, 300]})
        >>> y = run(practices, Scenario(horizon_years=2, growth={"list_size_pct": 1.0})).by_year()
        >>> [(r.year, int(r.list_size), f"£{r.pot:,.2f}", f"£{r.pot_per_head:.2f}") for r in y.itertuples()]
        [('2014/15', 6000, '£30,000.00', '£5.00'), ('2015/16', 6060, '£30,300.00', '£5.00')]
        >>> round(float(y.loc[0, "break_even_reduction_pct"]), 2)
        5.71
        """
        s = self.summary
        cached = self.__dict__.get("_by_year")
        if cached is not None and cached[0] is s:   # worked out once per summary (the page asks several times)
            return cached[1].copy()
        money = [c for c in _SUMMED_MONEY if c in s] + ["list_size", "over75", "practices", "participating",
                                                        "winners", "losers", "admissions_avoided"]
        out = s.groupby(["year_index", "year"], observed=True, sort=True)[money].sum().reset_index()
        adm = self.scenario.admissions
        out["break_even_reduction_pct"] = break_even_reduction_pct(
            out["net_cost"].to_numpy(float), out["over75"].to_numpy(float), adm.baseline_per_1000_over75,
            adm.cost_per_admission)
        out["pot_per_head"] = out["pot"] / out["list_size"].where(out["list_size"] > 0)
        out["pot_per_over75"] = out["pot"] / out["over75"].where(out["over75"] > 0)
        self.__dict__["_by_year"] = (s, out)
        return out.copy()

    def totals(self) -> dict[str, float]:
        """Headline figures over all commissioners: first year, and the whole horizon.

        The run of :meth:`by_year`'s example: £30,000.00 in the first year, £60,300.00 over both.

        >>> from model.engine import run
        >>> from model.scenario import Scenario
        >>> practices = pd.DataFrame({"practice_code": ["A", "B", "C"], "list_size": [1000, 2000, 3000],
        ...                           "over75": [100, 200, 300]})
        >>> t = run(practices, Scenario(horizon_years=2, growth={"list_size_pct": 1.0})).totals()
        >>> f"£{t['net_cost']:,.2f}", f"£{t['net_cost_all_years']:,.2f}", int(t["winners"])
        ('£30,000.00', '£60,300.00', 3)
        """
        y = self.by_year()
        first = y.iloc[0]
        out = {f"{k}": float(first[k]) for k in y.columns if k not in ("year", "year_index")}
        for k in ("pot", "new_money", "recycled", "les_savings", "protection", "net_cost",
                  "admissions_saving", "unfunded_commitment"):
            out[f"{k}_all_years"] = float(y[k].sum())
        return out
