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


# ---- CSV ---------------------------------------------------------------------------------------

def _format_numbers(values: np.ndarray, pattern: str) -> np.ndarray:
    v = values.astype(float) + 0.0          # + 0.0 turns -0.0 into 0.0
    finite = np.isfinite(v)
    out = np.full(v.shape, "", dtype=object)
    out[finite] = [pattern % x for x in v[finite].tolist()]
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """One table as CSV bytes: UTF-8 with BOM, neutralised, money to 2 decimals, LF line ends.

    Deterministic: the same frame gives byte-identical output. Whole-number columns (list sizes,
    counts) print without a decimal point; other numbers print in full (shortest exact form).
    """
    out = neutralise(df)
    for i, col in enumerate(df.columns):
        s = df.iloc[:, i]
        if pd.api.types.is_bool_dtype(s.dtype):
            out.isetitem(i, s.map({True: "true", False: "false"}).astype(object))
            continue
        if not pd.api.types.is_numeric_dtype(s.dtype):
            continue
        values = s.to_numpy(dtype=float, na_value=np.nan)
        if column_kind(col, s) == "money":
            out.isetitem(i, _format_numbers(values, "%.2f"))
        elif pd.api.types.is_float_dtype(s.dtype):
            finite = values[np.isfinite(values)]
            if finite.size and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 1e15):
                out.isetitem(i, _format_numbers(values, "%.0f"))
    text = out.to_csv(index=False, lineterminator="\n")
    return ("\ufeff" + text).encode("utf-8")


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
    return {
        "practices.csv": csv_bytes(results.practices),
        "localities.csv": csv_bytes(results.localities),
        "summary.csv": csv_bytes(results.summary),
        "checks.csv": csv_bytes(results.checks),
        "scenario.yaml": dump_scenario(results.scenario).encode("utf-8"),
    }


def compare_files(runs: Sequence[Results]) -> dict[str, bytes]:
    """The comparison tables of several runs as CSV, by file name (the first run is the baseline)."""
    runs = list(runs)
    return {
        "differing_assumptions.csv": csv_bytes(differing_assumptions(runs)),
        "compare_summary.csv": csv_bytes(compare_summary(runs)),
        "compare_practices.csv": csv_bytes(compare_practices(runs)),
    }


def csv_zip_bytes(results: Results | Sequence[Results]) -> bytes:
    """Every table as CSV in one zip (for the app's download button), with the scenario file.

    Several results: the comparison tables at the top level and each scenario's tables in a folder
    ``1_<name>/``, ``2_<name>/``, ...
    """
    runs = as_runs(results)
    if len(runs) == 1:
        return zip_bytes(result_files(runs[0]))
    files = compare_files(runs)
    for i, (name, r) in enumerate(zip(scenario_names(runs), runs), start=1):
        for fname, data in result_files(r).items():
            files[f"{i}_{_slug(name)}/{fname}"] = data
    return zip_bytes(files)
