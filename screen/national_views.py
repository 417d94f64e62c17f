"""National mode shaped for the page: headline cards, the CCG table and the spread across CCGs.

Pure (no Streamlit): the figures come from :mod:`model.analysis.national`; this module only picks,
renames and formats them (headings from :mod:`model.columns`, words from :mod:`model.formats`).
"""

from __future__ import annotations

import pandas as pd

from model.analysis.national import OUTCOMES, position
from model.formats import count, money, money_short, pct
from screen.cards import Card
from screen.tables import headed, pick

PCT_OUTCOMES = {k for k in OUTCOMES if k.endswith("_pct")}

CCG_COLUMNS = pick(
    "commissioner", "practices", "list_size", "over75_pct", "pot", "new_money", "new_money_per_head",
    "pot_per_over75", "les_savings", "les_savings_per_head", "net_cost", "net_cost_per_head", "losers",
    "share_losing_pct", "worst_loss_per_head", "break_even_reduction_pct")


def outcome_text(key: str, value: float) -> str:
    """A value of one outcome in its unit: '£4.12' or '12.5 %'."""
    return pct(value) if key in PCT_OUTCOMES else money(value, pence=True)


def cards(outcomes: pd.DataFrame) -> list[Card]:
    """Headline figures across every CCG for one year."""
    n = len(outcomes)
    some_lose = int((outcomes["losers"] > 0).sum())
    no_new = int((outcomes["new_money"] <= 0).sum())
    return [
        Card("CCGs", count(n), f"Every CCG in the all-England list: {count(outcomes['practices'].sum())} "
                               f"practices, {count(outcomes['list_size'].sum())} registered patients."),
        Card("Median new money per patient", money(outcomes["new_money_per_head"].median(), pence=True),
             "Half the CCGs put in less new money per registered patient than this (recycled LES money "
             "is not new money).",
             delta=f"{count(no_new)} CCGs put in no new money" if no_new else None),
        Card("CCGs where a practice is worse off", f"{count(some_lose)} of {count(n)}",
             "CCGs with at least one practice whose net change (allocation + protection − LES lost + "
             "LES gained) is below zero."),
        Card("Total net cost, all CCGs", money_short(outcomes["net_cost"].sum()),
             f"{money(outcomes['net_cost'].sum())}: pot + protection paid by the CCG − LES savings + LES "
             f"extended or harmonised up, added up over every CCG."),
    ]


def position_sentence(outcomes: pd.DataFrame, key: str, code: str | None) -> str | None:
    """Where one CCG sits among all of them on one outcome, in words (None if it is not in the list).

    >>> o = pd.DataFrame({"commissioner": ["A", "B", "C"], "share_losing_pct": [10.0, 25.0, 0.0]})
    >>> position_sentence(o, "share_losing_pct", "A")
    'CCG A, practices losing money: 10.0 %. Higher in 1 CCG and lower in 1, of 3 (median 10.0 %).'
    """
    where = None if code is None else position(outcomes, key, code)
    if where is None:
        return None
    what = OUTCOMES[key].split(",")[0].lower()
    higher, lower = where["higher"], where["lower"]
    return (f"CCG {code}, {what}: {outcome_text(key, where['value'])}. Higher in {count(higher)} "
            f"CCG{'s' if higher != 1 else ''} and lower in {count(lower)}, of {count(where['ccgs'])} "
            f"(median {outcome_text(key, where['median'])}).")


def ccg_names(payments_csv: bytes) -> dict[str, str]:
    """CCG code -> name, from the NHS Payments to General Practice file the all-England list is built from.

    >>> ccg_names(b"CCG Code,CCG NAME,Practice Code\\n00C,Darlington,A1\\n00C,Darlington,A2\\n"
    ...           b"01C,Eastern Cheshire,B1\\n")
    {'00C': 'Darlington', '01C': 'Eastern Cheshire'}
    """
    import io

    t = pd.read_csv(io.BytesIO(payments_csv), usecols=["CCG Code", "CCG NAME"], dtype=str, encoding="utf-8-sig")
    t = t.dropna().drop_duplicates("CCG Code")
    return {str(c).strip(): str(n).strip() for c, n in zip(t["CCG Code"], t["CCG NAME"])}


def ccg_table(outcomes: pd.DataFrame, names: dict[str, str] | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """One row per CCG with readable headings (its name beside its code, when `names` has it), and each
    heading's kind for formatting.

    >>> o = pd.DataFrame({"commissioner": ["00C"], "practices": [11], "new_money_per_head": [5.0]})
    >>> ccg_table(o, {"00C": "Darlington"})[0].columns.tolist()[:3]
    ['CCG', 'CCG name', 'Practices']
    """
    df, kinds = headed(outcomes.sort_values("new_money_per_head", ascending=False, kind="stable"), CCG_COLUMNS)
    if names:
        code = CCG_COLUMNS["commissioner"][0]
        df.insert(1, "CCG name", [names.get(str(c), "") for c in df[code]])
        kinds = {**dict(list(kinds.items())[:1]), "CCG name": "text", **dict(list(kinds.items())[1:])}
    return df, kinds


def spread_table(spread: pd.DataFrame) -> pd.DataFrame:
    """The spread of each outcome across CCGs as text in its unit: lowest, deciles, quartiles, median."""
    heads = {"min": "Lowest", "p10": "10th %ile", "p25": "25th %ile", "p50": "Median", "p75": "75th %ile",
             "p90": "90th %ile", "max": "Highest"}
    out = pd.DataFrame({"Outcome": spread["description"].astype(str), "CCGs": spread["ccgs"].astype(int)})
    for col, head in heads.items():
        out[head] = [outcome_text(k, v) for k, v in zip(spread["outcome"], spread[col])]
    return out
