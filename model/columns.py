"""The register of result columns: each column's key, kind, heading and meaning, written once.

Screen tables, CSV files, the workbook, the national view and comparisons take their headings and
number formats from here, so "Better off" on screen is "Better off" in the workbook too. The kind says
how a value is shown and stored:

* ``money`` — £, exact pence (whole pounds on screen, pence in files)
* ``rate`` — £ per patient, always to the penny
* ``count`` — whole patients or practices
* ``pct`` — a percentage, held as a number of percent (12.5 means 12.5 %); papers (CSV, workbook) store
  it as a fraction (0.125) shown with a % format
* ``decimal`` — a plain number with decimals (e.g. admissions)
* ``text``, ``bool``, ``index`` (0-based year number)

>>> COLUMNS["winners"].heading
'Better off'
>>> heading("les_total")
'LES total (£)'
>>> kind("les_total"), kind("net_change_per_head"), kind("share_losing_pct")
('money', 'rate', 'pct')

The options explorer's outcomes by year, and the scenario settings its options vary, are columns too:

>>> heading("largest_loss_per_head_y2"), kind("net_cost_y5"), kind("les.reinvest_pct")
('Largest practice loss per patient (£), year 2', 'money', 'decimal')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["money", "rate", "count", "pct", "decimal", "text", "bool", "index"]


@dataclass(frozen=True)
class Column:
    """One result column: its key in the tables and CSV files, what it is and how it reads."""

    key: str
    heading: str
    kind: Kind
    meaning: str


def _c(key: str, heading: str, kind: Kind, meaning: str) -> Column:
    return Column(key, heading, kind, meaning)


_ALL = [
    # who and when
    _c("scenario", "Scenario", "text", "Scenario name (when several scenarios are in one table)"),
    _c("commissioner", "CCG", "text", "Commissioner (CCG) code, e.g. 04G"),
    _c("practice_code", "Code", "text", "National practice code"),
    _c("practice_name", "Practice", "text", "Practice name as in the practice list"),
    _c("locality", "Locality", "text", "Locality or federation within the CCG"),
    _c("paid_to", "Paid to", "text",
       "Who is paid: the practice (its code), or its locality when the money is pooled"),
    _c("year", "Year", "text", "Financial year"),
    _c("year_index", "Year no.", "index", "0 = first year modelled"),
    _c("participating", "Taking part", "bool",
       "Practice takes part in the scheme; in the summary, the number of practices that do"),
    _c("contract_type", "Contract type", "text", "GMS / PMS / APMS"),
    # population
    _c("list_size", "Patients", "count", "Registered patients (after any growth assumed)"),
    _c("over75", "Aged 75+", "count", "Registered patients aged 75 and over (after any growth assumed)"),
    _c("over75_pct", "% aged 75+", "pct", "Patients aged 75+ as a share of the list"),
    _c("weighted_list", "Weighted list", "decimal", "Carr-Hill weighted list (fractional: a weighted count)"),
    _c("practices", "Practices", "count", "Number of practices"),
    # practice money
    _c("allocation", "Allocation (£)", "money", "Share of the practice pot paid for the year"),
    _c("new_money_share", "of which new money (£)", "money", "Part of the allocation that is new money"),
    _c("recycled_share", "of which LES money back (£)", "money",
       "Part of the allocation that is decommissioned LES money recycled into the pot"),
    _c("les_lost", "LES lost (£)", "money",
       "LES income lost (decommissioning; harmonisation below the old value)"),
    _c("les_gained", "LES gained (£)", "money",
       "LES income gained (extension to all; harmonisation above the old value)"),
    _c("protection", "Protection (£)", "money", "Transitional protection paid against LES losses"),
    _c("net_change", "Net change (£)", "money", "Allocation + protection − LES lost + LES gained"),
    _c("net_change_per_head", "Net change per patient (£)", "rate", "Net change ÷ list size"),
    _c("allocation_per_head", "Allocation per patient (£)", "rate", "Allocation ÷ list size"),
    _c("allocation_per_over75", "Allocation per patient 75+ (£)", "rate", "Allocation ÷ patients aged 75+"),
    _c("admissions_to_break_even", "Admissions to break even", "decimal",
       "Emergency admissions avoided that would pay for the allocation (allocation ÷ cost per admission)"),
    _c("unfunded_commitment", "Unfunded staff costs (£)", "money",
       "Recurrent staff costs taken on from earlier allocations that this year's allocation no longer covers"),
    # commissioner money
    _c("winners", "Better off", "count", "Practices whose net change is above zero"),
    _c("losers", "Worse off", "count", "Practices whose net change is below zero"),
    _c("base_pot", "Base pot (£)", "money", "Rate × population (× uplift) while the money is funded"),
    _c("pot", "Practice pot (£)", "money", "Money for practices: base pot and recycled LES money"),
    _c("new_money", "New money (£)", "money", "Pot less recycled LES money"),
    _c("recycled", "Recycled LES (£)", "money", "Share of LES savings recycled into the pot"),
    _c("les_savings", "LES savings (£)", "money", "LES income practices lose, in total"),
    _c("topslice", "Top-slice for protection (£)", "money",
       "Pot set aside to pay protection (when funded from the pot)"),
    _c("protection_from_commissioner", "Protection paid by the CCG (£)", "money",
       "Protection paid on top of the pot (when funded by the commissioner)"),
    _c("retained", "Retained by the CCG (£)", "money",
       "Pot not paid to practices (non-participants' share kept, caps, unused top-slice)"),
    _c("net_cost", "Net cost to CCG (£)", "money", "Σ practice net change + retained: the cost to the commissioner"),
    _c("admissions_avoided", "Admissions avoided", "decimal", "Emergency admissions of patients 75+ avoided"),
    _c("admissions_saving", "Admissions saving (£)", "money", "Admissions avoided × cost per admission"),
    _c("net_cost_after_admissions", "Net cost after admissions saving (£)", "money",
       "Net cost − admissions saving"),
    _c("break_even_reduction_pct", "Break-even admissions cut (%)", "pct",
       "Reduction in emergency admissions of patients 75+ that would pay the net cost"),
    _c("pot_per_head", "Pot per patient (£)", "rate", "Pot ÷ list size"),
    _c("pot_per_over75", "Pot per patient aged 75+ (£)", "rate", "Pot ÷ patients aged 75+"),
    _c("funded", "New money paid?", "text", "Whether new money is paid in the year (the funding gate)"),
    # national outcomes (one row per CCG)
    _c("new_money_per_head", "New money per patient (£)", "rate", "New money ÷ list size"),
    _c("les_savings_per_head", "LES savings per patient (£)", "rate", "LES savings ÷ list size"),
    _c("net_cost_per_head", "Net cost per patient (£)", "rate", "Net cost ÷ list size"),
    _c("share_losing_pct", "% of practices worse off", "pct", "Share of practices whose net change is below zero"),
    _c("worst_loss_per_head", "Largest practice loss per patient (£)", "rate",
       "Most negative practice net change per patient (0 when no practice loses)"),
    # checks
    _c("check", "Check", "text", "Reconciliation"),
    _c("description", "Description", "text", "What is compared"),
    _c("identity_expected", "Identity: pot + CCG protection − LES savings + LES gained (£)", "money",
       "Pot + protection paid by the CCG − LES savings + LES gained: must equal Σ net change + retained"),
    _c("rows_checked", "Rows checked", "count", "Commissioner-years compared"),
    _c("largest_difference", "Largest difference (£)", "money", "Largest absolute difference found"),
    _c("status", "Status", "text", "PASS when every row reconciles to the penny"),
    _c("key", "Key", "text", "Scenario key (as in the scenario file)"),
    _c("unit", "Unit", "text", "Unit of the value"),
    # options explorer (model.analysis.explore): one row per option; the summary's money columns above
    # (net_cost, new_money, recycled, protection, unfunded_commitment, break_even_reduction_pct) are its
    # outcomes too, added up over the horizon
    _c("option", "Option", "count", "The option's number in the exploration (from 1)"),
    _c("better_off", "Better off", "count",
       "Practices better off (over the horizon: better off in some year and worse off in none)"),
    _c("worse_off", "Worse off", "count", "Practices worse off (over the horizon: worse off in at least one year)"),
    _c("unchanged", "Unchanged", "count", "Practices whose net change is exactly £0.00 (over the horizon: every year)"),
    _c("largest_loss", "Largest practice loss (£)", "money",
       "The largest net loss of any practice (0 when none loses; over the horizon: the worst year)"),
    _c("largest_loss_per_head", "Largest practice loss per patient (£)", "rate",
       "The largest net loss per registered patient of any practice (0 when none loses; over the horizon: "
       "the worst year)"),
    _c("total_lost", "Lost by practices worse off (£)", "money",
       "The net losses of the practices worse off, added up"),
    _c("meets_conditions", "Meets the conditions", "bool", "The option meets every condition asked for"),
    _c("frontier", "On the frontier", "bool",
       "No other option is cheaper with a largest loss per patient no larger, or as cheap with a smaller one"),
    _c("frontier_worse_off", "On the frontier (with worse off)", "bool",
       "The same, with the practices worse off as a third axis"),
    _c("warnings", "Warnings", "count", "Warnings the option's run gives (e.g. protection needing more than the pot)"),
    _c("checks_pass", "Checks pass", "bool", "Every reconciliation holds to the penny for the option"),
    _c("conditions_missed", "Conditions missed", "count", "How many of the conditions the option misses"),
    _c("misses", "By how much", "text", "Each condition the option misses, and by how much"),
]

EXPLORER_OUTCOMES = ("net_cost", "new_money", "recycled", "protection", "better_off", "worse_off", "unchanged",
                     "largest_loss", "largest_loss_per_head", "total_lost", "break_even_reduction_pct",
                     "unfunded_commitment")
"""The options explorer's outcomes (model.analysis.explore.OUTCOMES says how each adds up over the horizon)."""
MAX_YEARS = 20
"""The longest horizon a scenario models (``horizon_years``)."""


def _by_year(c: Column, year: int) -> Column:
    """An explorer outcome in year `year` (1 = the first year modelled): ``net_cost_y1``."""
    return Column(f"{c.key}_y{year}", f"{c.heading}, year {year}", c.kind, f"{c.meaning}; year {year} only")


COLUMNS: dict[str, Column] = {c.key: c for c in _ALL}
"""Every known result column, by key (the explorer's outcomes by year too: ``net_cost_y1`` … ``_y20``)."""
COLUMNS.update({f"{k}_y{t}": _by_year(COLUMNS[k], t) for k in EXPLORER_OUTCOMES for t in range(1, MAX_YEARS + 1)})


def _setting_columns() -> dict[str, Column]:
    """Each numeric scenario setting as a column (the explorer's options table has one per lever, named by
    its key): the value as the scenario holds it — ``les.reinvest_pct`` 50 is 50, not a % to divide."""
    from model.fields import field_docs, label

    out = {}
    for d in field_docs():
        key, value = d["key"], d["value"]
        if "." not in key or d["group"] or isinstance(value, (bool, str, dict)):
            continue
        kind: Kind = "count" if isinstance(value, int) or key.endswith("year") else "decimal"
        out[key] = Column(key, label(key), kind, d["description"])
    return out


COLUMNS.update(_setting_columns())


def register(column: Column) -> Column:
    """Add a column the register does not have yet (the options explorer's lever columns named by key, e.g.
    ``les.schemes.les_total.fraction`` or ``les.protection.max_loss_pct[2]``), so that it is written the same
    way in every file; returns the register's entry."""
    return COLUMNS.setdefault(column.key, column)

MONEY_KINDS = ("money", "rate")


def _scheme(key: str) -> Column | None:
    """An LES scheme column (``les_<scheme>``) that is not a register entry: money, headed by its name."""
    if key.startswith("les_") and len(key) > 4 and key not in COLUMNS:
        name = key[4:].replace("_", " ")
        return Column(key, f"LES {name} (£)", "money", f"Annual income from the LES scheme '{name}'")
    return None


def column(key: str) -> Column:
    """The register entry of a column; an unknown column reads as its own name, as text."""
    found = COLUMNS.get(key) or _scheme(key)
    if found is not None:
        return found
    return Column(key, key.replace("_", " ").capitalize() if key.islower() else key, "text", "")


def heading(key: str) -> str:
    """The column's heading on screen and in papers."""
    return column(key).heading


def kind(key: str) -> Kind:
    """How the column's values are shown and stored (see the module docstring)."""
    return column(key).kind


def headings(keys: list[str] | tuple[str, ...]) -> dict[str, tuple[str, Kind]]:
    """``{key: (heading, kind)}`` for the given keys, in that order (for picking table columns)."""
    return {k: (heading(k), kind(k)) for k in keys}


# The columns of each results table, in order (tests/schemas.py checks every run against these).
PRACTICES_TABLE = (
    "commissioner", "practice_code", "practice_name", "locality", "paid_to", "year", "year_index",
    "participating", "list_size", "over75", "allocation", "new_money_share", "recycled_share", "les_lost",
    "les_gained", "protection", "net_change", "net_change_per_head", "allocation_per_head",
    "allocation_per_over75", "admissions_to_break_even", "unfunded_commitment")
LOCALITIES_TABLE = (
    "commissioner", "locality", "year", "practices", "winners", "losers", "list_size", "over75", "allocation",
    "protection", "les_lost", "les_gained", "net_change", "new_money_share", "recycled_share",
    "unfunded_commitment", "allocation_per_head", "allocation_per_over75", "net_change_per_head")
SUMMARY_TABLE = (
    "commissioner", "year", "year_index", "practices", "participating", "list_size", "over75", "base_pot", "pot",
    "new_money", "recycled", "les_savings", "les_gained", "allocation", "topslice", "protection",
    "protection_from_commissioner", "retained", "net_cost", "admissions_avoided", "admissions_saving",
    "net_cost_after_admissions", "unfunded_commitment", "winners", "losers", "break_even_reduction_pct",
    "pot_per_head", "pot_per_over75", "identity_expected")
CHECKS_TABLE = ("check", "description", "rows_checked", "largest_difference", "status")
TABLES = {"practices": PRACTICES_TABLE, "localities": LOCALITIES_TABLE, "summary": SUMMARY_TABLE,
          "checks": CHECKS_TABLE}
"""Each results table's columns, by the name of the table on :class:`~model.results.Results`."""
