"""Shaping results and scenarios for display: money text, headline cards, tables, links.

Pure helpers for the Streamlit page (``app.py``): no Streamlit import here, so everything the page
shows is built and tested without a browser. Nothing here computes money that the model has not
computed: figures are read from :class:`~model.results.Results` and only formatted, renamed, picked
or put side by side.

The assumptions panel edits a *flat* copy of a scenario: one value per dotted key
(``"pot.rate_per_head"``, ``"les.protection.max_loss_pct"``, ``"les.schemes.les_total"``).
:func:`flatten` makes it, :func:`build_scenario` turns it back into a validated
:class:`~model.scenario.Scenario`, and :func:`link_params` / :func:`read_link` turn the fields
that differ from the scenario file into a short link (``?s=les_separate&pot.rate_per_head=6``).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from model import fields
from model.anonymise import practice_aliases
from model.columns import COLUMNS
from model.formats import (  # noqa: F401 - the page reads the shared formats through this module
    MINUS,
    _bad,
    _half_up,
    count,
    money,
    money_000,
    money_short,
    money_signed,
    pct,
    scheme_text,
    value_text,
)
from model.results import Results
from model.scenario import GUIDANCE_RATE_PER_HEAD, GUIDANCE_RATE_PER_OVER75, Scenario, field_docs


def md_escape(text: Any) -> str:
    """Text safe to put inside Streamlit markdown (no formatting, links or HTML from user data)."""
    out = []
    for ch in str(text):
        if ch in "\\`*_{}[]<>#|~$":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Headline cards
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One headline figure: what st.metric shows."""

    label: str
    value: str
    help: str = ""
    delta: str | None = None
    delta_color: str = "off"


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


def _funding_text(s: Scenario) -> str:
    f = s.funding
    if f.type == "recurrent":
        return "recurrent (paid every year)"
    if f.type == "non_recurrent":
        return f"non-recurrent ({f.years} year{'s' if f.years != 1 else ''} only)"
    return f"conditional on the admissions review from year {f.review_year + 1}"


def rate_text(s: Scenario) -> str:
    """'£5.00 per registered patient' or '£50.00 per patient aged 75+'."""
    if s.pot.basis == "over75":
        return f"{money(s.pot.rate, pence=True)} per patient aged 75+"
    return f"{money(s.pot.rate, pence=True)} per registered patient"


def headline_cards(results: Results, year_index: int = 0) -> list[Card]:
    """The Overview's headline figures for one year, in reading order."""
    s = results.scenario
    r = year_row(results, year_index)
    year = str(r["year"])
    totals = by_year(results)
    prot_from = "paid by the CCG (extra cost)" if s.les.protection.funded_from == "commissioner" \
        else "top-sliced from the pot"
    return [
        Card(f"Practice pot {year}", money(r["pot"]),
             f"{rate_text(s)}, {_funding_text(s)}, plus any recycled LES money."),
        Card("New money", money(r["new_money"]),
             "The part of the pot not covered by recycled LES money: what the CCG puts in fresh."),
        Card("Recycled LES money", money(r["recycled"]),
             "LES savings put back into the practice pot."),
        Card("LES savings", money(r["les_savings"]),
             "Income practices lose from decommissioned (or harmonised-down) LES schemes."),
        Card("Transitional protection", money(r["protection"]),
             f"Paid to practices losing LES so no practice loses more than allowed; {prot_from}."),
        Card(f"Net cost to CCG {year}", money(r["net_cost"]),
             "Pot + protection paid by the CCG − LES savings + LES extended or harmonised up.",
             delta=f"{money(float(totals['net_cost'].sum()))} over {len(totals)} years", delta_color="off"),
        Card("Better off / worse off", f"{count(r['winners'])} / {count(r['losers'])}",
             "Practices whose net change (allocation + protection − LES lost + LES gained) is above / "
             "below zero."),
        Card("Break-even admissions cut", pct(r["break_even_reduction_pct"]),
             f"Cut in emergency admissions of patients aged 75+ that would pay for the net cost, at "
             f"{count(s.admissions.baseline_per_1000_over75)} admissions per 1,000 a year and "
             f"{money(s.admissions.cost_per_admission)} each."),
    ]


def guidance_cards(results: Results, year_index: int = 0) -> list[Card]:
    """The implied £ per head and £ per patient aged 75+ against the guidance's £5 / £50."""
    r = year_row(results, year_index)
    per_head, per_75 = float(r["pot_per_head"]), float(r["pot_per_over75"])
    d_head = per_head - GUIDANCE_RATE_PER_HEAD if not math.isnan(per_head) else float("nan")
    d_75 = per_75 - GUIDANCE_RATE_PER_OVER75 if not math.isnan(per_75) else float("nan")
    return [
        Card("Pot per registered patient", money(per_head, pence=True),
             "Pot ÷ all registered patients (guidance para 36: 'around £5 per head').",
             delta=f"{money_signed(d_head, pence=True)} vs guidance £5", delta_color="off"),
        Card("Pot per patient aged 75+", money(per_75, pence=True),
             "Pot ÷ registered patients aged 75+ (guidance: 'broadly equates to £50').",
             delta=f"{money_signed(d_75, pence=True)} vs guidance £50", delta_color="off"),
    ]


def checks_badge(results: Results) -> tuple[bool, str]:
    """(all passed?, one line for the green/red badge)."""
    n = len(results.checks)
    failed = results.checks[results.checks["status"] != "PASS"]
    if failed.empty:
        return True, (f"All {n} reconciliation checks pass: practice rows add up to the CCG totals to the "
                      f"penny, in £ and in £000.")
    names = ", ".join(str(c) for c in failed["check"])
    return False, f"{len(failed)} of {n} reconciliation checks FAIL: {names}. Do not use these figures."


def checks_table(results: Results) -> pd.DataFrame:
    c = results.checks
    return pd.DataFrame({
        "Check": c["check"].astype(str),
        "What it checks": c["description"].astype(str),
        "Rows checked": c["rows_checked"],
        "Largest difference (£)": c["largest_difference"],
        "Status": c["status"].map({"PASS": "✔ PASS", "FAIL": "✖ FAIL"}).fillna(c["status"]),
    })


def waterfall_steps(results: Results, year_index: int = 0) -> list[tuple[str, float, str]]:
    """The bridge from the money in the pot to the CCG's net cost, read from the summary.

    Steps are (label, £, kind) with kind 'relative' or 'total':
    new money + recycled LES = pot; + protection paid by the CCG + LES gains − LES savings = net cost.
    """
    r = year_row(results, year_index)
    return [
        ("New money", float(r["new_money"]), "relative"),
        ("Recycled LES", float(r["recycled"]), "relative"),
        ("Practice pot", float(r["pot"]), "total"),
        ("Protection paid by CCG", float(r["protection_from_commissioner"]), "relative"),
        ("LES extended / harmonised up", float(r["les_gained"]), "relative"),
        ("LES savings", -float(r["les_savings"]), "relative"),
        ("Net cost to CCG", float(r["net_cost"]), "total"),
    ]


# ---------------------------------------------------------------------------------------------
# Tables for display (numbers stay numbers; the page formats them with column kinds)
# ---------------------------------------------------------------------------------------------

HEADINGS = {key: (c.heading, c.kind) for key, c in COLUMNS.items()}
"""results column: (heading on the page, kind for formatting), from the one register (model.columns)."""


def _pick(*columns: str) -> dict[str, tuple[str, str]]:
    return {c: HEADINGS[c] for c in columns}


PRACTICE_COLUMNS = _pick(
    "practice_code", "practice_name", "locality", "participating", "list_size", "over75", "over75_pct",
    "allocation", "new_money_share", "recycled_share", "les_lost", "les_gained", "protection", "net_change",
    "net_change_per_head", "allocation_per_head", "allocation_per_over75", "admissions_to_break_even",
    "unfunded_commitment")

LOCALITY_COLUMNS = _pick(
    "commissioner", "locality", "practices", "winners", "losers", "list_size", "over75", "allocation",
    "new_money_share", "recycled_share", "les_lost", "les_gained", "protection", "net_change",
    "allocation_per_head", "allocation_per_over75", "net_change_per_head", "unfunded_commitment")

YEAR_COLUMNS = _pick(
    "year", "funded", "pot", "new_money", "recycled", "les_savings", "protection", "net_cost",
    "admissions_saving", "net_cost_after_admissions", "unfunded_commitment", "winners", "losers")


def _headed(df: pd.DataFrame, columns: Mapping[str, tuple[str, str]]) -> tuple[pd.DataFrame, dict[str, str]]:
    keep = [c for c in columns if c in df.columns]
    out = df[keep].copy()
    for c in keep:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(str)
    out.columns = [columns[c][0] for c in keep]
    return out.reset_index(drop=True), {columns[c][0]: columns[c][1] for c in keep}


def practice_table(results: Results, year_index: int = 0,
                   sort_by: str = "net_change") -> tuple[pd.DataFrame, dict[str, str]]:
    """One year of the practice table with readable headings, and each heading's kind
    ('money', 'rate', 'count', 'pct', 'decimal', 'text', 'bool') for formatting."""
    p = results.practices
    p = p[p["year_index"] == year_index].copy()
    p["over75_pct"] = 100.0 * p["over75"] / p["list_size"].where(p["list_size"] > 0)
    if sort_by in p:
        p = p.sort_values(sort_by, ascending=False, kind="stable")
    columns = dict(PRACTICE_COLUMNS)
    if (p["practice_code"].astype(str) == p["practice_name"].astype(str)).all():
        del columns["practice_code"]  # meeting mode (or a list without names): one column says it all
    return _headed(p, columns)


PRACTICE_KEY_COLUMNS = ["Code", "Practice", "Locality", "Patients", "% aged 75+", "Net change (£)",
                        "Net change per patient (£)", "Allocation (£)", "LES lost (£)", "Protection (£)"]
"""The columns a projector shows by default; the rest are one toggle away."""


def signed_money_columns(df: pd.DataFrame, kinds: Mapping[str, str]) -> list[str]:
    """Money columns with a negative figure (these need a sign-aware text format)."""
    out = []
    for col, kind in kinds.items():
        if kind.startswith("money") and col in df.columns and (pd.to_numeric(df[col], errors="coerce") < 0).any():
            out.append(col)
    return out


def money_formatters(columns: Iterable[str], kinds: Mapping[str, str]) -> dict[str, Any]:
    """Text formats for money columns: '£12,345', '−£12,345'; pence for per-patient; £000 with 1 decimal."""
    fmt = {"money": money, "rate": lambda x: money(x, pence=True),
           "money000": lambda x: "–" if _bad(x) else f"{float(x):,.1f}".replace("-", MINUS)}
    return {c: fmt.get(kinds[c], money) for c in columns}


def key_columns(df: pd.DataFrame) -> list[str]:
    """The default (projector) columns of a practice table, in £ or in £000, in PRACTICE_KEY_COLUMNS order."""
    out = []
    for c in PRACTICE_KEY_COLUMNS:
        for name in (c, c.replace("(£)", "(£000)")):
            if name in df.columns and name not in out:
                out.append(name)
    return out


def in_thousands(df: pd.DataFrame, kinds: Mapping[str, str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Whole-pound money columns as £000 (for wide tables): 'Allocation (£)' 42,190 -> 'Allocation (£000)' 42.19.
    Per-patient figures stay in £ and pence."""
    out = df.copy()
    new_kinds: dict[str, str] = {}
    renames = {}
    for col, kind in kinds.items():
        if kind == "money":
            out[col] = out[col] / 1000.0
            renames[col] = col.replace("(£)", "(£000)") if "(£)" in col else f"{col} (£000)"
            new_kinds[renames[col]] = "money000"
        else:
            new_kinds[col] = kind
    return out.rename(columns=renames), new_kinds


def locality_table(results: Results, year_index: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    loc = results.localities
    label = year_labels(results)[year_index]
    loc = loc[loc["year"].astype(str) == label]
    columns = dict(LOCALITY_COLUMNS)
    if loc["commissioner"].nunique() <= 1:
        del columns["commissioner"]
    return _headed(loc, columns)


def funded_years(results: Results) -> list[bool]:
    """Whether new money is paid in each year (the funding gate, read from the base pot)."""
    y = by_year(results)
    return [bool(v > 0) for v in y["base_pot"]] if "base_pot" in y else [True] * len(y)


def years_table(results: Results) -> tuple[pd.DataFrame, dict[str, str]]:
    y = by_year(results).copy()
    y["year"] = y["year"].astype(str)
    y["funded"] = ["yes" if f else "no" for f in funded_years(results)]
    return _headed(y, YEAR_COLUMNS)


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
    """Plain-English summary of the year-by-year money: the cliff and the staff costs it strands."""
    s = results.scenario
    cliff = funding_cliff(results)
    if cliff is None:
        return (f"The money is {_funding_text(s)}: the pot does not fall over the "
                f"{s.horizon_years} years modelled, so there is no cliff.")
    text = (f"The money is {_funding_text(s)}. In {cliff['year']} the pot falls from "
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


# ---------------------------------------------------------------------------------------------
# Compare
# ---------------------------------------------------------------------------------------------

COMPARE_ROWS: list[tuple[str, str, str]] = [
    ("pot", "Practice pot", "money"),
    ("new_money", "New money", "money"),
    ("recycled", "Recycled LES", "money"),
    ("les_savings", "LES savings", "money"),
    ("protection", "Protection", "money"),
    ("retained", "Kept by the CCG", "money"),
    ("net_cost", "Net cost to the CCG", "money"),
    ("admissions_saving", "Admissions saving", "money"),
    ("net_cost_after_admissions", "Net cost after admissions saving", "money"),
    ("unfunded_commitment", "Unfunded staff costs", "money"),
    ("winners", "Practices better off", "count"),
    ("losers", "Practices worse off", "count"),
    ("break_even_reduction_pct", "Admissions cut to break even", "pct"),
    ("pot_per_head", "Pot per registered patient", "rate"),
    ("pot_per_over75", "Pot per patient aged 75+", "rate"),
]

_FORMAT = {"money": money, "rate": lambda x: money(x, pence=True), "count": count, "pct": pct}


def compare_headline_table(summary_long: pd.DataFrame, year: str) -> pd.DataFrame:
    """compare_summary output for one year as text: one row per headline, one column per scenario."""
    rows = summary_long[summary_long["year"].astype(str) == str(year)]
    scenarios = list(dict.fromkeys(rows["scenario"].astype(str)))
    out = {"Headline": [label for _, label, _ in COMPARE_ROWS]}
    for name in scenarios:
        r = rows[rows["scenario"].astype(str) == name].iloc[0]
        out[name] = [_FORMAT[kind](r[key]) for key, _, kind in COMPARE_ROWS]
    return pd.DataFrame(out)


def compare_deltas(practices_cmp: pd.DataFrame, year: str, figure: str = "net_change") -> pd.DataFrame:
    """Per practice, one year: each other scenario's change in `figure` against the first scenario."""
    rows = practices_cmp[practices_cmp["year"].astype(str) == str(year)]
    change_cols = [c for c in rows.columns if c.startswith(f"{figure} change [")]
    base_col = next(c for c in rows.columns if c.startswith(f"{figure} [")) if change_cols else None
    out = rows[["practice_code", "practice_name", "locality"] + ([base_col] if base_col else []) + change_cols]
    out = out.rename(columns={"practice_code": "Code", "practice_name": "Practice", "locality": "Locality"})
    return out.reset_index(drop=True)


def assumptions_table(runs: Sequence[Results], differing: pd.DataFrame) -> pd.DataFrame:
    """The assumptions that differ between runs (the keys compare.differing_assumptions found), in words:
    Setting, Unit, then one column per scenario."""
    if differing.empty:
        return pd.DataFrame(columns=["Setting", "Unit"])
    names = [c for c in differing.columns if c not in ("key", "unit")]
    docs = [{d["key"]: d["value"] for d in field_docs(r.scenario)} for r in runs]
    out = {"Setting": [fields.label(k) for k in differing["key"]], "Unit": list(differing["unit"])}
    for name, r, d in zip(names, runs, docs):
        out[name] = [value_text(r.scenario, k, d.get(k)) for k in differing["key"]]
    return pd.DataFrame(out)


# ---------------------------------------------------------------------------------------------
# Uncertainty (Monte Carlo)
# ---------------------------------------------------------------------------------------------


def uncertainty_cards(mc: Any, measure: str = "net_cost_after_admissions") -> list[Card]:
    """Headline range of a Monte Carlo run (model.analysis.montecarlo.MonteCarloResult), all years."""
    s = mc.summary
    row = s[(s["measure"] == measure) & (s["year"].astype(str) == "All years")]
    if row.empty:
        return []
    r = row.iloc[0]
    what = "Net cost after admissions savings" if measure == "net_cost_after_admissions" else "Net cost"
    return [
        Card(f"{what}, all years (scenario)", money(r["deterministic"]),
             "With every assumption at the scenario's own value."),
        Card("Median of the draws", money(r["p50"]), f"Half of the {mc.n_draws:,} draws are above, half below."),
        Card("90 % of draws between", f"{money_short(r['p5'])} to {money_short(r['p95'])}",
             f"5th to 95th percentile of the draws: {money(r['p5'])} to {money(r['p95'])}."),
        Card("Chance it pays for itself", pct(100.0 * float(r["prob_le_zero"]), 0),
             f"Share of draws in which the {what.lower()} is £0 or less."),
    ]


def chance_text(mc: Any) -> str:
    """'50 %': the share of draws in which the net cost after admissions savings is £0 or less."""
    return pct(100.0 * float(mc.prob_net_cost_after_admissions_le_zero), 0)


def distributions_table(mc: Any) -> pd.DataFrame:
    """The ranges drawn, in words (the Monte Carlo's inputs)."""
    return pd.DataFrame({
        "Assumption": [fields.label(k) for k in mc.distributions],
        "Drawn as": [d.describe() for d in mc.distributions.values()],
    })


# ---------------------------------------------------------------------------------------------
# One practice in plain English
# ---------------------------------------------------------------------------------------------


def practice_rows(results: Results, practice_code: str) -> pd.DataFrame:
    p = results.practices
    return p[p["practice_code"].astype(str) == str(practice_code)].sort_values("year_index")


def practice_story(results: Results, practice_code: str, year_index: int = 0) -> list[str]:
    """A few sentences a GP partner can read: what the practice gets, loses and nets, one year."""
    rows = practice_rows(results, practice_code)
    if rows.empty:
        return [f"Practice {practice_code} is not in these results."]
    r = rows.iloc[min(year_index, len(rows) - 1)]
    s = results.scenario
    name, year = str(r["practice_name"]), str(r["year"])
    out = []
    if not bool(r["participating"]):
        out.append(f"{name} is not taking part in the scheme, so it receives no allocation.")
    out.append(
        f"In {year} {name} ({count(r['list_size'])} patients, {count(r['over75'])} aged 75+) is allocated "
        f"{money(r['allocation'])} from the practice pot: {money(r['allocation_per_head'], pence=True)} per "
        f"registered patient and {money(r['allocation_per_over75'], pence=True)} per patient aged 75+ "
        f"(guidance: about £5 and £50).")
    if float(r["recycled_share"]) > 0:
        out.append(f"Of that, {money(r['new_money_share'])} is new money and {money(r['recycled_share'])} is "
                   f"LES money coming back through the pot.")
    else:
        out.append("All of it is new money: no LES money is recycled through the pot.")
    if float(r["les_lost"]) > 0:
        text = f"It loses {money(r['les_lost'])} of LES income"
        if float(r["protection"]) > 0:
            text += f", and receives {money(r['protection'])} of transitional protection"
        out.append(text + ".")
    elif float(r["protection"]) > 0:
        out.append(f"It receives {money(r['protection'])} of transitional protection.")
    if float(r["les_gained"]) > 0:
        out.append(f"It gains {money(r['les_gained'])} of LES income (extended or harmonised).")
    net = float(r["net_change"])
    word = "better off" if net > 0 else "worse off" if net < 0 else "no better or worse off"
    out.append(f"Overall it is {money(abs(net))} {word} in {year} "
               f"({money_signed(r['net_change_per_head'], pence=True)} per registered patient)."
               if net != 0 else f"Overall it is no better or worse off in {year}.")
    adm = float(r["admissions_to_break_even"])
    if float(r["allocation"]) > 0 and not math.isnan(adm):
        out.append(f"Its allocation equals the cost of {adm:,.1f} emergency admissions at "
                   f"{money(s.admissions.cost_per_admission)} each: avoiding that many a year pays for it.")
    if float(r["unfunded_commitment"]) > 0:
        out.append(f"It is left holding {money(r['unfunded_commitment'])} of staff costs the money no longer "
                   f"covers in {year}.")
    return out


def practice_years_table(results: Results, practice_code: str) -> tuple[pd.DataFrame, dict[str, str]]:
    rows = practice_rows(results, practice_code).copy()
    cols = {"year": ("Year", "text"), **{k: v for k, v in PRACTICE_COLUMNS.items()
                                          if k in ("allocation", "new_money_share", "recycled_share", "les_lost",
                                                   "les_gained", "protection", "net_change",
                                                   "unfunded_commitment")}}
    return _headed(rows, cols)


def practice_choices(results: Results) -> list[tuple[str, str]]:
    """(practice_code, 'CODE · Name') for a picker, in results order (names already anonymised if so)."""
    p = results.practices
    p = p[p["year_index"] == 0]
    out = []
    for code, name in zip(p["practice_code"].astype(str), p["practice_name"].astype(str)):
        out.append((code, code if name == code else f"{code} · {name}"))
    return out


# ---------------------------------------------------------------------------------------------
# Practice lists
# ---------------------------------------------------------------------------------------------


def data_key(frame: pd.DataFrame) -> str:
    """A short fingerprint of a practice list (for caches and edit stores)."""
    h = hashlib.sha256(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    h.update("|".join(map(str, frame.columns)).encode())
    return h.hexdigest()[:16]


def bytes_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def ccg_options(practices: pd.DataFrame) -> list[tuple[str, str]]:
    """(commissioner code, 'CODE · 69 practices · 647,677 patients') per commissioner, by code."""
    g = practices.groupby("commissioner", observed=True, sort=True).agg(
        n=("practice_code", "size"), patients=("list_size", "sum"))
    return [(str(c), f"{c} · {int(r.n):,} practices · {int(r.patients):,} patients") for c, r in g.iterrows()]


def one_ccg(practices: pd.DataFrame, code: str) -> pd.DataFrame:
    return practices[practices["commissioner"].astype(str) == str(code)].reset_index(drop=True)


def aliases_for(frame: pd.DataFrame) -> dict[str, str]:
    """Meeting-mode letters for a practice list, the same ones model.anonymise gives its results
    (practices in commissioner, practice-code order)."""
    f = frame
    if "commissioner" in f:
        f = f.sort_values(["commissioner", "practice_code"], kind="stable")
    else:
        f = f.sort_values("practice_code", kind="stable")
    return practice_aliases(f["practice_code"].astype(str))


def code_for_alias(results: Results, alias: str) -> str:
    """The real practice code behind a meeting-mode letter ('Practice C') in these results."""
    inverse = {v: k for k, v in practice_aliases(results.practices["practice_code"]).items()}
    return inverse[alias]


def anonymise_list(frame: pd.DataFrame) -> pd.DataFrame:
    """A practice list with codes and names replaced by the meeting-mode letters (rows unchanged)."""
    out = frame.copy()
    aliases = aliases_for(frame)
    out["practice_code"] = out["practice_code"].astype(str).map(aliases)
    if "practice_name" in out:
        out["practice_name"] = out["practice_code"]
    return out


EDITABLE_FIXED = ("participating", "list_size", "over75")


def editable_columns(frame: pd.DataFrame) -> list[str]:
    """Columns a user may edit in the app: participation, list sizes and LES values."""
    cols = [c for c in EDITABLE_FIXED if c in frame.columns]
    if "weighted_list" in frame.columns:
        cols.append("weighted_list")
    return cols + [c for c in frame.columns if isinstance(c, str) and c.startswith("les_")]


def merge_edits(stored: Mapping[int, Mapping[str, Any]] | None,
                new: Mapping[Any, Mapping[str, Any]] | None) -> dict[int, dict[str, Any]]:
    """Cell edits (row position -> {column: value}) of `new` laid over `stored` (absolute values)."""
    out: dict[int, dict[str, Any]] = {int(k): dict(v) for k, v in (stored or {}).items()}
    for k, v in (new or {}).items():
        out.setdefault(int(k), {}).update(v)
    return out


def apply_edits(frame: pd.DataFrame, edits: Mapping[int, Mapping[str, Any]] | None) -> pd.DataFrame:
    """The practice list with cell edits applied (only editable columns; unknown rows ignored)."""
    if not edits:
        return frame
    out = frame.copy()
    allowed = set(editable_columns(frame))
    for row, cells in edits.items():
        row = int(row)
        if not 0 <= row < len(out):
            continue
        for col, value in cells.items():
            if col not in allowed:
                continue
            if out[col].dtype.kind in "iu" and (value is None or (isinstance(value, float) and value != int(value))):
                out[col] = out[col].astype(float)  # let validation name the bad cell
            if out[col].dtype.kind == "b" and value is None:
                value = True
            out.iloc[row, out.columns.get_loc(col)] = value
    return out


def edits_key(edits: Mapping[int, Mapping[str, Any]] | None) -> str:
    return hashlib.sha256(json.dumps(edits or {}, sort_keys=True, default=str).encode()).hexdigest()[:16]


def describe_edits(frame: pd.DataFrame, edits: Mapping[int, Mapping[str, Any]] | None,
                   aliases: Mapping[str, str] | None = None) -> list[str]:
    """One line per edited cell: 'K83003 participating: true → false'."""
    out = []
    for row, cells in sorted((edits or {}).items()):
        if not 0 <= int(row) < len(frame):
            continue
        code = str(frame.iloc[int(row)]["practice_code"])
        if aliases:
            code = aliases.get(code, code)
        for col, value in cells.items():
            if col in frame.columns:
                out.append(f"{code} {col}: {frame.iloc[int(row)][col]} → {value}")
    return out


def checklist(report: Any) -> list[tuple[str, str]]:
    """The validation report as (kind, text) lines; kind is 'ok', 'error', 'warning' or 'info'."""
    out = []
    for line in report.to_text().splitlines():
        if line.startswith("✔"):
            out.append(("ok", line[1:].strip()))
        elif line.startswith("✖"):
            out.append(("error", line[1:].strip()))
        elif line.startswith("⚠"):
            out.append(("warning", line[1:].strip()))
        else:
            out.append(("info", line.strip()))
    return out


# ---------------------------------------------------------------------------------------------
# Scenario <-> assumptions panel
# ---------------------------------------------------------------------------------------------

CHOICE_LABELS: dict[str, dict[Any, str]] = {
    # the panel's compound choices (not schema fields): which rate sets the pot, which basis shares it
    "pot.basis": {"list_size": "registered patient (£ per head)", "over75": "patient aged 75+"},
    "distribution.basis": {"list_size": "List size", "over75": "Patients aged 75+",
                           "weighted_list": "Weighted list (Carr-Hill)", "blend": "A blend (set the shares)"},
}


def help_for(key: str) -> str:
    """Description, unit and source of a field (from the schema), for a widget's help text."""
    try:
        return fields.field(key).help() + f" Key: `{key}`"
    except KeyError:
        return ""
