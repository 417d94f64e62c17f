"""Worked cases as data (tests/cases/*.yaml), hand-computed: each file asks one question a CCG finance
lead would ask, gives 3–5 practices and a scenario, shows the arithmetic under `working:` and lists
the expected figures under `expect:`. Every expected figure is checked against the engine and, as a
second opinion, against the reference implementation: every column of every table, none skipped (a
column either lacks is a failure).

Format of `expect`:
  practices:  [{practice_code, year ("2014/15") or year_index, [commissioner], <column>: value, ...}]
  summary:    [{commissioner, year or year_index, <column>: value, ...}]
  localities: [{locality, year or year_index, [commissioner], <column>: value, ...}]
  warnings_contain: [text that some warning must contain]

How a figure is compared follows the column's kind in the register (model.columns): money to the
penny; text, true/false and year numbers exactly; counts exactly when written as a whole number
(`winners: 3`), to a millionth when written with a decimal point (patients after growth need not be
whole, docs/design.md §4.1: `list_size: 1040.4`); rates, percentages and decimals to a relative 1e-9 or
an absolute 1e-6; `.nan` only matches NaN.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from reference import run_reference

from model.columns import TABLES, kind
from model.engine import run
from model.scenario import parse_scenario

CASES_DIR = Path(__file__).parent / "cases"
CASES = sorted(CASES_DIR.glob("*.yaml"))
RESULT_TABLES = ("practices", "summary", "localities")
KEYS = {"practices": ["commissioner", "practice_code", "year", "year_index"],
        "summary": ["commissioner", "year", "year_index"],
        "localities": ["commissioner", "locality", "year", "year_index"]}


def load_case(path: Path) -> dict:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(case) <= {"question", "working", "practices", "scenario", "expect"}, set(case)
    return case


def practice_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if "participating" in df:
        df["participating"] = df["participating"].map(lambda v: True if v is None or v != v else bool(v))
    for c in df.columns:
        if c.startswith("les_"):
            df[c] = df[c].fillna(0.0).astype(float)
    return df


def _select(table: pd.DataFrame, expected: dict, keys: list[str], years: list[str]) -> pd.Series | str:
    """The one row of `table` the expectation's keys pick, or why there is not exactly one. A table
    without a `year_index` column (localities) is matched on the year label instead."""
    mask = np.ones(len(table), bool)
    for k in keys:
        if k not in expected:
            continue
        want = expected[k]
        if k == "year_index" and k not in table:
            k, want = "year", years[int(want)]
        if k not in table:
            return f"the table has no key column '{k}'"
        col = table[k].astype(str) if k != "year_index" else table[k].astype(int)
        mask &= (col == (want if k == "year_index" else str(want))).to_numpy()
    rows = table[mask]
    if len(rows) != 1:
        return f"{len(rows)} rows match"
    return rows.iloc[0]


def _is_nan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)


def matches(col: str, got, want) -> bool:
    """Whether a table's value is the expected figure, compared as the register's kind of the column says."""
    k = kind(col)
    if k == "text":
        return str(got) == str(want)
    if _is_nan(want) or _is_nan(got):
        return _is_nan(want) and _is_nan(float(got))
    if k == "money":
        return round(float(got) * 100) == round(float(want) * 100)
    if k in ("bool", "index") or (k == "count" and isinstance(want, (bool, int))):
        return float(got) == float(want)
    if k == "count":
        return math.isclose(float(got), float(want), rel_tol=0.0, abs_tol=1e-6)
    return math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-6)


def check_table(table: pd.DataFrame, expectations: list[dict], keys: list[str], where: str,
                years: list[str]) -> list[str]:
    """Every expected column of every expected row, as readable problems (none: all hold)."""
    problems = []
    for exp in expectations:
        label = ", ".join(f"{k}={exp[k]}" for k in keys if k in exp)
        row = _select(table, exp, keys, years)
        if isinstance(row, str):
            problems.append(f"{where} [{label}]: {row}")
            continue
        for col, want in exp.items():
            if col in keys:
                continue
            if col not in row.index:
                problems.append(f"{where} [{label}]: no column '{col}'")
            elif not matches(col, row[col], want):
                problems.append(f"{where} [{label}] {col}: expected {want}, got {row[col]}")
    return problems


def check_expectations(results, expect: dict, years: list[str]) -> list[str]:
    """Every expectation of the practices, summary and localities tables of `results`."""
    problems = []
    for table in RESULT_TABLES:
        problems += check_table(getattr(results, table), expect.get(table, []), KEYS[table], table, years)
    return problems


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_worked_case(path: Path):
    case = load_case(path)
    assert case.get("question", "").strip(), "every case says which question it answers"
    assert case.get("working", "").strip(), "every case shows its arithmetic under working:"
    df = practice_frame(case["practices"])
    assert 2 <= len(df) <= 5
    scenario = parse_scenario(case["scenario"], path.name)
    res = run(df, scenario)
    assert res.ok, res.checks[res.checks.status != "PASS"].to_string()
    expect = case["expect"]
    assert set(expect) <= set(RESULT_TABLES) | {"warnings_contain"}, set(expect)
    problems = check_expectations(res, expect, scenario.year_labels())
    for text in expect.get("warnings_contain", []):
        if not any(text in w for w in res.warnings):
            problems.append(f"no warning contains {text!r}: {res.warnings}")
    if "warnings_contain" not in expect and any("more than the whole pot" in w for w in res.warnings):
        problems.append(f"unexpected warning: {res.warnings}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_worked_case_reference(path: Path):
    """The hand-computed figures also hold in the reference implementation (so a wrong expectation
    is caught twice, not blamed on the engine)."""
    case = load_case(path)
    df = practice_frame(case["practices"])
    scenario = parse_scenario(case["scenario"], path.name)
    ref = run_reference(df, scenario)
    problems = check_expectations(ref, case["expect"], scenario.year_labels())
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_worked_case_tables_have_the_register_columns(path: Path):
    """The engine's tables have exactly the register's columns, in order (model.columns.TABLES), and the
    reference's practices, summary and localities tables the same ones."""
    case = load_case(path)
    df = practice_frame(case["practices"])
    scenario = parse_scenario(case["scenario"], path.name)
    res = run(df, scenario)
    for table, columns in TABLES.items():
        assert list(getattr(res, table).columns) == list(columns), table
    ref = run_reference(df, scenario)
    for table in RESULT_TABLES:
        assert list(getattr(ref, table).columns) == list(TABLES[table]), table


def test_there_are_worked_cases_for_every_question():
    names = {p.stem for p in CASES}
    assert len(names) >= 22, names
