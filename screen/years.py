"""Year by year: the CCG's summary rows, the funding cliff and the money the years chart stacks.

Pure (no Streamlit). Figures are read from :meth:`model.results.Results.by_year`; nothing here adds
money the model has not added, except where noted (the cliff is the fall between two years' pots).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from model.formats import money
from model.results import Results
from screen.assumptions import funding_text


def year_labels(results: Results) -> list[str]:
    return list(results.scenario.year_labels())


def by_year(results: Results) -> pd.DataFrame:
    """results.by_year(), computed once per Results object (the page asks for it several times)."""
    cached = getattr(results, "_views_by_year", None)
    if cached is None or cached[0] is not results.summary:
        cached = (results.summary, results.by_year())
        try:
            object.__setattr__(results, "_views_by_year", cached)
        except (AttributeError, TypeError):  # pragma: no cover - a Results that refuses attributes
            return cached[1]
    return cached[1]


def year_row(results: Results, year_index: int = 0) -> pd.Series:
    """The all-commissioner summary row of one year (index 0 = first year)."""
    y = by_year(results)
    year_index = max(0, min(int(year_index), len(y) - 1))
    return y.iloc[year_index]


def funded_years(results: Results) -> list[bool]:
    """Whether new money is paid in each year (the funding gate, read from the base pot)."""
    y = by_year(results)
    return [bool(v > 0) for v in y["base_pot"]] if "base_pot" in y else [True] * len(y)


def funding_cliff(results: Results) -> dict[str, Any] | None:
    """The largest fall in the pot from one year to the next, or None when the pot never falls.

    Returns {'year': '2015/16', 'before': £, 'after': £, 'drop': £, 'unfunded': £ stranded that year}.
    """
    y = by_year(results)
    if len(y) < 2:
        return None
    pot = y["pot"].to_numpy(float)
    falls = pot[:-1] - pot[1:]
    i = int(falls.argmax())
    if falls[i] <= 0.005:
        return None
    return {"year": str(y["year"].iloc[i + 1]), "before": float(pot[i]), "after": float(pot[i + 1]),
            "drop": float(falls[i]), "unfunded": float(y["unfunded_commitment"].iloc[i + 1])}


def cliff_sentence(results: Results) -> str:
    """Plain-English summary of the year-by-year money: the cliff and the staff costs it strands.

    A £30,000 pot paid for two years only, 60 % of it turned into staff:

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "list_size": [1000, 2000, 3000],
    ...                           "over75": [80, 150, 300]})
    >>> two_years = Scenario(horizon_years=3).with_changes({"funding.type": "non_recurrent", "funding.years": 2,
    ...                                                     "staffing.committed_pct": 60.0})
    >>> results = run(practices, two_years)
    >>> funding_cliff(results)
    {'year': '2016/17', 'before': 30000.0, 'after': 0.0, 'drop': 30000.0, 'unfunded': 18000.0}
    >>> print(cliff_sentence(results))
    The money is non-recurrent (2 years only). In 2016/17 the pot falls from £30,000 to £0 (a cliff of £30,000).
    Practices that turned 60 % of their allocation into staff are left holding £18,000 of unfunded staff costs
    that year.
    >>> print(cliff_sentence(run(practices, Scenario())))
    The money is recurrent (paid every year): the pot does not fall over the 5 years modelled, so there is no
    cliff.
    """
    s = results.scenario
    cliff = funding_cliff(results)
    if cliff is None:
        return (f"The money is {funding_text(s)}: the pot does not fall over the "
                f"{s.horizon_years} year{'s' if s.horizon_years != 1 else ''} modelled, so there is no cliff.")
    text = (f"The money is {funding_text(s)}. In {cliff['year']} the pot falls from "
            f"{money(cliff['before'])} to {money(cliff['after'])} (a cliff of {money(cliff['drop'])}).")
    if cliff["unfunded"] > 0:
        text += (f" Practices that turned {s.staffing.committed_pct:g} % of their allocation into staff are "
                 f"left holding {money(cliff['unfunded'])} of unfunded staff costs that year.")
    elif s.staffing.committed_pct == 0:
        text += " Set 'Allocation turned into recurrent staff costs' to see the staff costs it would strand."
    return text


def per_year_money(results: Results) -> pd.DataFrame:
    """What the years chart stacks: per year, the pot split by recurrence, protection, stranded costs."""
    y = by_year(results)
    s = results.scenario
    recurrent_new = s.funding.type == "recurrent"
    out = pd.DataFrame({
        "year": y["year"].astype(str),
        "new_money": y["new_money"].astype(float),
        "recycled": y["recycled"].astype(float),
        "protection": y["protection"].astype(float),
        "net_cost": y["net_cost"].astype(float),
        "unfunded_commitment": y["unfunded_commitment"].astype(float),
    })
    out.attrs["new_money_label"] = ("New money (recurrent)" if recurrent_new else
                                    "New money (non-recurrent)" if s.funding.type == "non_recurrent" else
                                    "New money (conditional on review)")
    return out
