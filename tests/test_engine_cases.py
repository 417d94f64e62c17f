"""Worked cases as data (tests/cases/*.yaml), hand-computed: each file asks one question a CCG finance
lead would ask, gives 3–5 practices and a scenario, shows the arithmetic under `working:` and lists
the expected figures under `expect:`. Every expected figure is checked against the engine (money to
the penny) and, as a second opinion, against the reference implementation.

Format of `expect`:
  practices:  [{practice_code, year ("2014/15") or year_index, [commissioner], <column>: value, ...}]
  summary:    [{commissioner, year or year_index, <column>: value, ...}]
  localities: [{locality, year or year_index, [commissioner], <column>: value, ...}]
  warnings_contain: [text that some warning must contain]
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from reference import run_reference

from model.engine import run
from model.results import MONEY_COLUMNS_PRACTICE, MONEY_COLUMNS_SUMMARY
from model.scenario import parse_scenario

CASES_DIR = Path(__file__).parent / "cases"
CASES = sorted(CASES_DIR.glob("*.yaml"))
MONEY = set(MONEY_COLUMNS_PRACTICE) | set(MONEY_COLUMNS_SUMMARY)
COUNTS = {"winners", "losers", "practices", "participating"}
TEXT = {"commissioner", "practice_code", "practice_name", "locality", "paid_to", "year"}
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


def _select(table: pd.DataFrame, expected: dict, keys: list[str]) -> pd.Series:
    mask = np.ones(len(table), bool)
    for k in keys:
        if k in expected:
            col = table[k].astype(str) if k != "year_index" else table[k].astype(int)
            mask &= (col == (expected[k] if k == "year_index" else str(expected[k]))).to_numpy()
    rows = table[mask]
    assert len(rows) == 1, f"{len(rows)} rows match {({k: expected[k] for k in keys if k in expected})}"
    return rows.iloc[0]


def check_table(table: pd.DataFrame, expectations: list[dict], keys: list[str], where: str) -> list[str]:
    problems = []
    for exp in expectations:
        row = _select(table, exp, keys)
        label = ", ".join(f"{k}={exp[k]}" for k in keys if k in exp)
        for col, want in exp.items():
            if col in keys:
                continue
            assert col in row.index, f"{where}: no column '{col}'"
            got = row[col]
            if col in MONEY:
                ok = round(float(got) * 100) == round(float(want) * 100)
            elif col in COUNTS:
                ok = int(got) == int(want)
            elif col in TEXT:
                ok = str(got) == str(want)
            elif isinstance(want, float) and math.isnan(want):
                ok = math.isnan(float(got))
            else:
                ok = math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-6)
            if not ok:
                problems.append(f"{where} [{label}] {col}: expected {want}, got {got}")
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
    problems = []
    for table in ("practices", "summary", "localities"):
        problems += check_table(getattr(res, table), expect.get(table, []), KEYS[table], table)
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
    ref = run_reference(df, parse_scenario(case["scenario"], path.name))
    expect = case["expect"]
    problems = []
    for table in ("practices", "summary"):
        t = getattr(ref, table)
        cols = set(t.columns)
        wanted = [{k: v for k, v in e.items() if k in cols} for e in expect.get(table, [])]
        problems += check_table(t, wanted, KEYS[table], table)
    assert not problems, "\n".join(problems)


def test_there_are_worked_cases_for_every_question():
    names = {p.stem for p in CASES}
    assert len(names) >= 22, names
