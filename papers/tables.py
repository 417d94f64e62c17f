"""Tables as files: the one neutralising rule, CSV bytes, zips, and the file set of a run or a comparison.

Everything here is pure: functions take results or tables and return bytes.

- :func:`neutralise` is the one rule that makes text safe to open in Excel: a text cell that starts with
  ``= + - @``, a tab or a carriage return gets a leading apostrophe, so it is shown as text and never run
  as a formula. CSV and XLSX both go through it.
- :func:`csv_bytes` writes one table as CSV: UTF-8 with a byte-order mark (so Excel reads "£"), LF line
  ends, money with exactly 2 decimals, byte-identical for the same table.
- :func:`column_kind` and :func:`column_label` say how a column is shown; kinds and headings come from
  the register of result columns (:mod:`model.columns`).
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from model.analysis.compare import _names as scenario_names
from model.analysis.compare import compare_practices, compare_summary, differing_assumptions
from model.columns import COLUMNS, heading
from model.money import Groups, largest_remainder, round_half_up
from model.results import Results
from model.scenario_files import dump_scenario

# ---- the one neutralising rule ----------------------------------------------------------------

#: Text starting with one of these is neutralised: Excel would otherwise read it as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_text(text: str) -> str:
    """One text cell made safe for Excel: ``'=HYPERLINK("x")`` instead of ``=HYPERLINK("x")``.

    >>> neutralise_text("=1+1"), neutralise_text("-5 protest"), neutralise_text("Brackley")
    ("'=1+1", "'-5 protest", 'Brackley')
    """
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _neutralise_value(v: Any) -> Any:
    return neutralise_text(v) if isinstance(v, str) else v


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with every text cell (and text column name) passed through :func:`neutralise_text`.

    Numbers, booleans and missing values are untouched. This is the one implementation used by the CSV
    and the XLSX exports.
    """
    out = df.copy()
    out.columns = [_neutralise_value(c) for c in df.columns]
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = [_neutralise_value(c) for c in s.cat.categories]
            if len(set(cats)) == len(cats):
                out.isetitem(i, s.cat.rename_categories(cats))
            else:  # "'=a" already existed next to "=a": fall back to plain values
                out.isetitem(i, s.astype(object).map(_neutralise_value))
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out.isetitem(i, s.map(_neutralise_value, na_action="ignore"))
    return out


# ---- column kinds and headings -----------------------------------------------------------------

_COMPARE_SUFFIX = re.compile(r"^(?P<base>[a-z0-9_]+)(?: change)? \[.*\]$", re.DOTALL)


def _base_name(column: Any) -> str:
    name = str(column)
    m = _COMPARE_SUFFIX.match(name)
    return m.group("base") if m else name


def column_kind(column: Any, series: pd.Series | None = None) -> str:
    """How a column is shown: the register's kind (model.columns), or bool/text/number from its values.

    Every ``les_…`` column is money here, per-patient LES figures included (they print to the penny).

    >>> column_kind("allocation"), column_kind("net_change_per_head"), column_kind("les_savings_per_head")
    ('money', 'rate', 'money')
    >>> column_kind("allocation change [B vs A]"), column_kind("over75_pct")
    ('money', 'pct')
    """
    base = _base_name(column)
    if series is not None and pd.api.types.is_bool_dtype(series.dtype):
        return "bool"
    if series is not None and not pd.api.types.is_numeric_dtype(series.dtype):
        return "text"
    if base.startswith("les_"):
        return "money"
    if base in COLUMNS:
        return COLUMNS[base].kind
    if base.endswith("_pct"):
        return "pct"
    return "number" if series is None or pd.api.types.is_numeric_dtype(series.dtype) else "text"


def column_label(column: Any) -> str:
    """Heading shown in the workbook for a column (CSV files keep the column names themselves).

    >>> column_label("allocation"), column_label("net_change change [B vs A]")
    ('Allocation (£)', 'Net change (£) change [B vs A]')
    """
    name = str(column)
    m = _COMPARE_SUFFIX.match(name)
    if m and name not in COLUMNS:
        return heading(m.group("base")) + name[len(m.group("base")):]
    return heading(name)


# ---- numbers as papers store them ---------------------------------------------------------------

#: Decimal places a kind is stored with in CSV files and workbook cells (the same value in both):
#: money to the penny, ratios (£ per patient, admissions, other numbers) to 4 places, percentages as
#: fractions to 6 places (8.0812 % is 0.080812), counts and year numbers whole.
DECIMALS = {"money": 2, "rate": 4, "decimal": 4, "number": 4, "pct": 6, "count": 0, "index": 0}


def _half_up(values: np.ndarray, places: int) -> np.ndarray:
    scale = 10.0 ** places
    return round_half_up(values * scale) / scale if places else round_half_up(values).astype(float)


def clean_numbers(values: np.ndarray, kind: str) -> np.ndarray:
    """A numeric column as papers store it: rounded half up to its kind's places (:data:`DECIMALS`),
    percentages divided by 100 (a fraction, shown with a % format), no float noise, no −0.

    >>> clean_numbers(np.array([3.7841720000000003, -0.00001, np.nan]), "decimal").tolist()
    [3.7842, 0.0, nan]
    >>> clean_numbers(np.array([8.0812345, 100.0]), "pct").tolist(), clean_numbers(np.array([8463.5]), "count").tolist()
    ([0.080812, 1.0], [8464.0])
    """
    v = np.asarray(values, dtype=float)
    if kind == "pct":
        v = v / 100.0
    places = DECIMALS.get(kind, 4)
    finite = np.isfinite(v)
    out = v.copy()
    out[finite] = _half_up(v[finite], places) + 0.0        # + 0.0 turns -0.0 into 0.0
    return out


def number_kind(column: Any, series: pd.Series) -> str:
    """The kind a numeric column is stored as: the register's, or for other columns "count" when every
    value is whole (years, draws, ranks) and "number" otherwise.

    >>> number_kind("allocation", pd.Series([1.5])), number_kind("draw", pd.Series([1.0, 2.0]))
    ('money', 'count')
    """
    kind = column_kind(column, series)
    if kind in ("number", "bool", "text"):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        finite = values[np.isfinite(values)]
        if pd.api.types.is_integer_dtype(series.dtype) or (
                finite.size and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 1e15)):
            return "count"
        return "number"
    return kind


def _format_numbers(values: np.ndarray, places: int) -> np.ndarray:
    finite = np.isfinite(values)
    out = np.full(values.shape, "", dtype=object)
    pattern = f"%.{places}f"
    out[finite] = [pattern % x for x in values[finite].tolist()]
    return out


# ---- CSV ---------------------------------------------------------------------------------------

def csv_bytes(df: pd.DataFrame) -> bytes:
    """One table as CSV bytes: UTF-8 with BOM, neutralised, LF line ends, numbers as :func:`clean_numbers`
    stores them (money with exactly 2 decimals, ratios 4, percentages as fractions with 6, counts whole).

    Deterministic: the same frame gives byte-identical output.

    >>> table = pd.DataFrame({"practice_name": ["-Smith Surgery"], "allocation": [5000.0], "list_size": [8463.3],
    ...                       "admissions_to_break_even": [3.7841720000000003], "break_even_reduction_pct": [8.08]})
    >>> print(csv_bytes(table).decode("utf-8-sig"), end="")
    practice_name,allocation,list_size,admissions_to_break_even,break_even_reduction_pct
    '-Smith Surgery,5000.00,8463,3.7842,0.080800
    """
    out = neutralise(df)
    for i, col in enumerate(df.columns):
        s = df.iloc[:, i]
        if pd.api.types.is_bool_dtype(s.dtype):
            out.isetitem(i, s.map({True: "true", False: "false"}).astype(object))
            continue
        if not pd.api.types.is_numeric_dtype(s.dtype):
            continue
        kind = number_kind(col, s)
        values = clean_numbers(s.to_numpy(dtype=float, na_value=np.nan), kind)
        out.isetitem(i, _format_numbers(values, DECIMALS.get(kind, 4)))
    text = out.to_csv(index=False, lineterminator="\n")
    return ("\ufeff" + text).encode("utf-8")


# ---- whole patients that add up ---------------------------------------------------------------

COUNTED = ("list_size", "over75")


def displayed(results: Results) -> Results:
    """The results as papers show them: patient counts (fractional after list growth) in whole patients
    that still add up — each commissioner's total rounded half up, its localities rounded to it and each
    locality's practices to the locality (largest remainder, :func:`model.money.largest_remainder`).
    Money is already in exact pence; per-patient figures keep the unrounded lists they were worked on.

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["A", "B", "C"], "list_size": [1001, 1001, 1001],
    ...                           "over75": [100, 100, 100], "locality": ["N", "N", "S"]})
    >>> grown = run(practices, Scenario(horizon_years=2, growth={"list_size_pct": 0.05}))
    >>> grown.practices["list_size"].tolist()[3:]                   # 1,001.5005 each in the second year
    [1001.5005, 1001.5005, 1001.5005]
    >>> shown = displayed(grown)
    >>> shown.practices["list_size"].tolist()[3:], shown.localities["list_size"].tolist()[2:]
    ([1002.0, 1001.0, 1002.0], [2003.0, 1002.0])
    >>> shown.summary["list_size"].tolist()                         # 3,004.5015 shown as 3,005
    [3003.0, 3005.0]
    """
    p = results.practices
    if not all(c in p for c in COUNTED):
        return results
    counts = p[list(COUNTED)].to_numpy(dtype=float)
    if np.all(counts == np.round(counts)):
        return results
    years = int(p["year_index"].max()) + 1
    n = len(p) // years
    comm = p["commissioner"].astype(str).to_numpy()[:n]
    loc = p["locality"].astype(str).to_numpy()[:n]
    comm_codes, comm_id = np.unique(comm, return_inverse=True)
    loc_keys, loc_id = np.unique(np.char.add(np.char.add(comm.astype(str), "\x1f"), loc.astype(str)),
                                 return_inverse=True)
    loc_comm = np.zeros(len(loc_keys), dtype=np.int64)
    loc_comm[loc_id] = comm_id
    practices_in_loc = Groups(loc_id.astype(np.int64), len(loc_keys))
    locs_in_comm = Groups(loc_comm, len(comm_codes))
    practices_in_comm = Groups(comm_id.astype(np.int64), len(comm_codes))
    practices, localities, summary = p.copy(), results.localities.copy(), results.summary.copy()
    for c in COUNTED:
        raw = p[c].to_numpy(dtype=float).reshape(years, n)
        comm_total = round_half_up(practices_in_comm.sum(raw))
        loc_total = largest_remainder(practices_in_loc.sum(raw), locs_in_comm, comm_total)
        practice = largest_remainder(raw, practices_in_loc, loc_total)
        practices[c] = practice.reshape(-1).astype(float)
        lk = (localities["commissioner"].astype(str) + "\x1f" + localities["locality"].astype(str)).to_numpy()
        lyear = _year_index(localities, results)
        localities[c] = loc_total[lyear, np.searchsorted(loc_keys, lk)].astype(float)
        summary[c] = comm_total[summary["year_index"].to_numpy(int),
                                np.searchsorted(comm_codes, summary["commissioner"].astype(str).to_numpy())
                                ].astype(float)
    return dataclasses.replace(results, practices=practices, localities=localities, summary=summary)


def _year_index(table: pd.DataFrame, results: Results) -> np.ndarray:
    if "year_index" in table:
        return table["year_index"].to_numpy(int)
    labels = results.scenario.year_labels()
    return table["year"].astype(str).map({y: i for i, y in enumerate(labels)}).to_numpy(int)


# ---- zips and file sets ------------------------------------------------------------------------

_ZIP_TIME = (2014, 4, 1, 0, 0, 0)   # fixed, so the zip is byte-identical across runs


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """Files (name -> bytes) in a zip, deflated, with a fixed timestamp: same files, same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def as_runs(results: Results | Sequence[Results]) -> list[Results]:
    """One run or several as a list (several: the first is the baseline); refuses none."""
    if isinstance(results, Results):
        return [results]
    runs = list(results)
    if not runs:
        raise ValueError("no results to export")
    return runs


def _slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    return s[:40] or "scenario"


def result_files(results: Results) -> dict[str, bytes]:
    """The CSV tables and the resolved scenario of one run, by file name."""
    results = displayed(results)
    return {
        "practices.csv": csv_bytes(results.practices),
        "localities.csv": csv_bytes(results.localities),
        "summary.csv": csv_bytes(results.summary),
        "checks.csv": csv_bytes(results.checks),
        "scenario.yaml": dump_scenario(results.scenario).encode("utf-8"),
    }


def compare_files(runs: Sequence[Results]) -> dict[str, bytes]:
    """The comparison tables of several runs as CSV, by file name (the first run is the baseline)."""
    runs = [displayed(r) for r in runs]
    return {
        "differing_assumptions.csv": csv_bytes(differing_assumptions(runs)),
        "compare_summary.csv": csv_bytes(compare_summary(runs)),
        "compare_practices.csv": csv_bytes(compare_practices(runs)),
    }


def csv_zip_bytes(results: Results | Sequence[Results], source: Any = None) -> bytes:
    """Every table as CSV in one zip (for the app's download button), with the scenario file, and with
    `source` (a :class:`papers.provenance.Source`) the account of the practice list used as
    ``data_source.csv``.

    Several results: the comparison tables at the top level and each scenario's tables in a folder
    ``1_<name>/``, ``2_<name>/``, ...
    """
    runs = as_runs(results)
    extra = {"data_source.csv": source.csv()} if source is not None else {}
    if len(runs) == 1:
        return zip_bytes({**result_files(runs[0]), **extra})
    files = {**compare_files(runs), **extra}
    for i, (name, r) in enumerate(zip(scenario_names(runs), runs), start=1):
        for fname, data in result_files(r).items():
            files[f"{i}_{_slug(name)}/{fname}"] = data
    return zip_bytes(files)
