"""Exports: CSV bytes, the zip, write_run and the Excel workbook (read back with openpyxl)."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from model.engine import run
from model.fields import field_docs
from model.scenario import Scenario
from model.scenario_files import dump_scenario, load_scenario, load_scenario_file
from papers.files import write_run
from papers.tables import csv_bytes, csv_zip_bytes, neutralise, neutralise_text
from papers.workbook import DATA_SOURCES_TEXT, workbook_bytes

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SCENARIOS = ROOT / "scenarios"
EVIL_NAME = '=HYPERLINK("x")'


def _load(path: Path) -> pd.DataFrame:
    try:
        from model.practices import load_practices
    except ImportError:  # pragma: no cover - loader not there yet
        return pd.read_csv(path, dtype={"commissioner": str})
    loaded = load_practices(path)
    assert loaded.ok, loaded.report.to_text()
    return loaded.practices


@pytest.fixture(scope="module")
def nene() -> pd.DataFrame:
    return _load(DATA / "nene_2014_15.csv")


@pytest.fixture(scope="module")
def linked(nene):
    return run(nene, load_scenario_file(str(SCENARIOS / "les_linked_counts.yaml")))


@pytest.fixture(scope="module")
def default(nene):
    return run(nene, Scenario())


@pytest.fixture(scope="module")
def evil(nene):
    df = nene.copy()
    df["practice_name"] = df["practice_name"].astype(object)
    df.loc[df.index[0], "practice_name"] = EVIL_NAME
    df.loc[df.index[1], "practice_name"] = "@SUM(1+1)"
    df.loc[df.index[2], "practice_name"] = "Café £ Surgery"
    df["locality"] = df["locality"].astype(object)
    df.loc[df.index[3], "locality"] = "+cmd|' /C calc'!A0"
    scenario = Scenario().with_changes({"name": "-2+3 option", "description": "=1+1 <b>bold</b>"})
    return run(df, scenario)


@pytest.fixture(scope="module")
def linked_book(linked):
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(linked)))


def _header_row(ws, first_cell: str, max_row: int = 80) -> int:
    for row in ws.iter_rows(min_row=1, max_row=max_row):
        if row[0].value == first_cell:
            return row[0].row
    raise AssertionError(f"no header row starting with {first_cell!r} on {ws.title}")


def _table(ws, header_row: int) -> tuple[dict[str, int], list[tuple]]:
    header = [c.value for c in ws[header_row]]
    pos = {}
    for i, h in enumerate(header):
        if h is not None and h not in pos:
            pos[h] = i
    rows = []
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if row[0] is None:
            break
        rows.append(row)
    return pos, rows


# ---- neutralise ---------------------------------------------------------------------------------

def test_neutralise_text_prefixes():
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_text(bad) == "'" + bad
    for fine in ("Brackley", "1-2", "", "'already", "a=b"):
        assert neutralise_text(fine) == fine


def test_neutralise_frame_leaves_numbers_and_handles_categories():
    df = pd.DataFrame({
        "name": ["=A1", "ok", None],
        "cat": pd.Categorical(["-x", "y", "-x"]),
        "n": [-1.5, 2.0, 3.0],
        "i": [-1, 2, 3],
        "b": [True, False, True],
    })
    out = neutralise(df)
    assert out["name"].tolist()[:2] == ["'=A1", "ok"] and pd.isna(out["name"].iloc[2])
    assert out["cat"].astype(str).tolist() == ["'-x", "y", "'-x"]
    pd.testing.assert_series_equal(out["n"], df["n"])
    pd.testing.assert_series_equal(out["i"], df["i"])
    pd.testing.assert_series_equal(out["b"], df["b"])
    assert df["name"].iloc[0] == "=A1", "the input frame is not changed"


# ---- CSV ----------------------------------------------------------------------------------------

def test_csv_has_bom_pound_and_two_decimal_money(evil):
    data = csv_bytes(evil.practices)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "Café £ Surgery" in text
    assert "\r\n" not in text
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert frame["allocation"].str.fullmatch(r"-?\d+\.\d\d").all()
    assert frame["list_size"].str.fullmatch(r"\d+").all()
    assert set(frame["participating"]) == {"true"}


def test_csv_neutralised(evil):
    text = csv_bytes(evil.practices).decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    names = set(frame["practice_name"])
    assert "'" + EVIL_NAME in names and EVIL_NAME not in names
    assert "'@SUM(1+1)" in names
    assert "'+cmd|' /C calc'!A0" in set(frame["locality"])
    for col in frame.columns:
        assert not frame[col].str.match(r"^[=+@\t\r]").any(), col


def test_csv_byte_identical_across_runs(nene):
    scenario = load_scenario_file(str(SCENARIOS / "les_linked_counts.yaml"))
    a, b = run(nene, scenario), run(nene, scenario)
    for table in ("practices", "localities", "summary", "checks"):
        assert csv_bytes(getattr(a, table)) == csv_bytes(getattr(b, table))
    assert csv_zip_bytes(a) == csv_zip_bytes(b)


def test_csv_zip_holds_every_table(linked, default):
    names = zipfile.ZipFile(io.BytesIO(csv_zip_bytes(linked))).namelist()
    assert names == ["practices.csv", "localities.csv", "summary.csv", "checks.csv", "scenario.yaml"]
    z = zipfile.ZipFile(io.BytesIO(csv_zip_bytes([default, linked])))
    assert {"compare_summary.csv", "compare_practices.csv", "differing_assumptions.csv"} <= set(z.namelist())
    assert any(n.startswith("2_les_linked") and n.endswith("/practices.csv") for n in z.namelist())


# ---- write_run and the scenario round trip -----------------------------------------------------

def test_write_run_writes_every_file(linked, nene, tmp_path):
    written = write_run(linked, tmp_path / "out", practices_input=nene)
    expected = {"practices.csv", "localities.csv", "summary.csv", "checks.csv", "scenario.yaml", "results.xlsx"}
    assert set(written) == expected
    assert {p.name for p in (tmp_path / "out").iterdir()} == expected
    wb = openpyxl.load_workbook(tmp_path / "out" / "results.xlsx", read_only=True)
    assert "Input practices" in wb.sheetnames
    assert load_scenario((tmp_path / "out" / "scenario.yaml").read_text(encoding="utf-8")) == linked.scenario


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_scenario_round_trip_gives_identical_practices(nene, name):
    scenario = load_scenario_file(str(SCENARIOS / name))
    again = load_scenario(dump_scenario(scenario), name)
    assert again == scenario
    pd.testing.assert_frame_equal(run(nene, scenario).practices, run(nene, again).practices)


# ---- the workbook -------------------------------------------------------------------------------

def test_sheet_names_single_and_compare(default, linked, linked_book):
    assert linked_book.sheetnames == ["Assumptions", "Practices", "Localities", "Summary", "Checks", "Data"]
    both = openpyxl.load_workbook(io.BytesIO(workbook_bytes([default, linked])))
    assert both.sheetnames == ["Assumptions", "Practices", "Localities", "Summary", "Compare", "Checks", "Data"]
    cmp_ws = both["Compare"]
    texts = [c.value for row in cmp_ws.iter_rows(max_row=40) for c in row if isinstance(c.value, str)]
    assert "Assumptions that differ" in texts
    assert "les.reinvest_pct" in texts


def test_title_rows_and_frozen_headers(linked_book):
    for ws in linked_book.worksheets:
        assert isinstance(ws["A1"].value, str) and ws["A1"].value.startswith(ws.title.split()[0])
    for name in ("Practices", "Localities", "Summary"):
        ws = linked_book[name]
        assert ws.freeze_panes is not None
        assert ws.auto_filter.ref


def test_practices_allocation_totals_equal_summary(linked, linked_book):
    p_pos, p_rows = _table(linked_book["Practices"], _header_row(linked_book["Practices"], "CCG"))
    s_pos, s_rows = _table(linked_book["Summary"], _header_row(linked_book["Summary"], "CCG"))
    assert len(p_rows) == len(linked.practices)
    assert len(s_rows) == len(linked.summary)
    for year in range(linked.scenario.horizon_years):
        p_total = sum(r[p_pos["Allocation (£)"]] for r in p_rows if r[p_pos["Year no."]] == year)
        s_total = sum(r[s_pos["Allocation (£)"]] for r in s_rows if r[s_pos["Year no."]] == year)
        assert round(p_total * 100) == round(s_total * 100)
    # and the £000 block repeats the £ figures
    k = [i for i, v in enumerate(linked_book["Summary"][_header_row(linked_book["Summary"], "CCG")])
         if v.value == "Allocation (£000)"]
    assert k and all(r[k[0]] == r[s_pos["Allocation (£)"]] for r in s_rows)


def test_number_cells_are_numbers_with_currency_formats(linked_book):
    ws = linked_book["Practices"]
    header = _header_row(ws, "CCG")
    pos, _ = _table(ws, header)
    for row in ws.iter_rows(min_row=header + 1, max_row=header + 30):
        for label in ("Allocation (£)", "Protection (£)", "LES lost (£)", "Net change (£)"):
            cell = row[pos[label]]
            assert cell.data_type == "n" and isinstance(cell.value, (int, float)), (label, cell.value)
            assert "£#,##0.00" in cell.number_format
        assert isinstance(row[pos["Patients"]].value, (int, float))
        assert row[pos["Code"]].data_type == "s"
    ws = linked_book["Summary"]
    header = _header_row(ws, "CCG")
    labels = [c.value for c in ws[header]]
    cell = ws.cell(header + 1, labels.index("Practice pot (£000)") + 1)
    assert isinstance(cell.value, (int, float)) and "£#,##0," in cell.number_format


def test_assumptions_sheet_lists_every_field_and_highlights_changes(linked, linked_book):
    ws = linked_book["Assumptions"]
    header = _header_row(ws, "Key")
    labels = [c.value for c in ws[header]]
    assert labels[:2] == ["Key", "Value"] and "Source" in labels and "Unit" in labels
    rows = {r[0].value: r for r in ws.iter_rows(min_row=header + 1) if r[0].value}
    for d in field_docs(linked.scenario):
        if d["key"] != "les.schemes":
            assert d["key"] in rows, d["key"]
    differs = labels.index("Differs from the default")
    assert rows["les.reinvest_pct"][differs].value == "yes"
    assert rows["les.reinvest_pct"][1].value == 100
    assert rows["les.reinvest_pct"][1].fill.fgColor.rgb.endswith("FFF2CC")      # input cell: yellow
    assert rows["pot.rate_per_head"][differs].value in ("", None)
    assert "£" in rows["pot.rate_per_head"][1].number_format
    assert "les.schemes.les_total" in rows


def test_formula_injection_is_inert_in_the_workbook(evil):
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(evil)))
    found = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and ("HYPERLINK" in v or "SUM(1+1)" in v or "calc'" in v
                                           or "-2+3 option" in v):
                    assert cell.data_type != "f", (ws.title, cell.coordinate, v)
                    assert not v.startswith(("=", "+", "-", "@")), (ws.title, cell.coordinate, v)
                    found.setdefault(ws.title, set()).add(v)
    assert "'" + EVIL_NAME in found["Practices"]
    assert "'@SUM(1+1)" in found["Practices"]
    assert any(v.startswith("'+cmd") for v in found["Practices"])
    assert any("-2+3 option" in v for v in found["Assumptions"])


def test_checks_sheet_has_live_formulas_that_pass(linked_book):
    ws = linked_book["Checks"]
    formulas = [c.value for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert any("SUMIFS(Practices!" in f and "Summary!" not in f for f in formulas)
    assert any("SUMIFS(Summary!" in f for f in formulas)
    statuses = {}
    for row in ws.iter_rows(min_row=1, max_row=20):
        if isinstance(row[0].value, str) and isinstance(row[2].value, str) and row[2].value.startswith("=IF("):
            statuses[row[0].value] = row[2].value
    assert any(k.startswith("Money identity") for k in statuses)
    assert any("£000" in k for k in statuses)
    assert "All checks" in statuses


def test_checks_cached_values_say_pass(linked):
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(linked)), data_only=True)
    ws = wb["Checks"]
    header = _header_row(ws, "Check")
    status = {}
    for row in ws.iter_rows(min_row=header + 1, max_row=header + 10, values_only=True):
        if row[0] is None:
            break
        status[row[0]] = row[2]
    assert status and set(status.values()) == {"PASS"}, status
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "allocations = pot" in texts          # the model's own checks are there too


def test_data_sheet_carries_the_licence(linked_book):
    texts = [c for row in linked_book["Data"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    joined = "\n".join(texts)
    assert "Open Government Licence v3.0" in joined
    assert "NHS Payments to General Practice" in joined and "NHSBSA" in joined
    assert "Open Government Licence v3.0" in DATA_SOURCES_TEXT


def test_data_sheet_text_can_be_replaced(linked):
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(linked, "Our own ledger, March 2015")))
    texts = [c for row in wb["Data"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "Our own ledger, March 2015" in texts
    assert not any("HSCIC" in t for t in texts)


@pytest.mark.spreadsheet
def test_workbook_checks_recalculate_in_a_spreadsheet(linked, tmp_path):
    """Open the workbook in LibreOffice (which recalculates it): the checks pass; change one practice's
    allocation and the allocation check fails. Run by `make test-spreadsheet` (and CI); fails, never
    skips, when LibreOffice is missing."""
    assert shutil.which("soffice"), "LibreOffice is needed: apt-get install -y libreoffice-calc-nogui"
    clean = tmp_path / "clean.xlsx"
    clean.write_bytes(workbook_bytes(linked))
    wb = openpyxl.load_workbook(clean)   # openpyxl drops cached values: the spreadsheet must recalculate
    wb.save(tmp_path / "resaved.xlsx")
    ws = wb["Practices"]
    header = _header_row(ws, "CCG")
    col = [c.value for c in ws[header]].index("Allocation (£)") + 1
    ws.cell(header + 1, col).value = ws.cell(header + 1, col).value + 1
    wb.save(tmp_path / "tampered.xlsx")
    out = tmp_path / "conv"
    subprocess.run(["soffice", "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(out),
                    str(tmp_path / "resaved.xlsx"), str(tmp_path / "tampered.xlsx")],
                   check=True, capture_output=True, timeout=180,
                   env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})

    def statuses(path: Path) -> dict[str, str]:
        ws = openpyxl.load_workbook(path, data_only=True)["Checks"]
        header = _header_row(ws, "Check")
        out = {}
        for row in ws.iter_rows(min_row=header + 1, max_row=header + 10, values_only=True):
            if row[0] is None:
                break
            out[row[0]] = row[2]
        return out

    ok = statuses(out / "resaved.xlsx")
    assert set(ok.values()) == {"PASS"}, ok
    bad = statuses(out / "tampered.xlsx")
    assert bad["Practice rows = Summary: allocation (£)"] == "FAIL"
    assert bad["All checks"] == "FAIL"


def test_all_england_workbook_reconciles():
    """Speed is measured in benchmarks/bench_cli.py, not asserted here."""
    england = _load(DATA / "england_2014_15.csv")
    data = workbook_bytes(run(england, Scenario()))
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    ws = wb["Checks"]
    rows = list(ws.iter_rows(min_row=1, max_row=14, values_only=True))
    status = {r[0]: r[2] for r in rows if r and r[0] and r[2] in ("PASS", "FAIL")}
    assert status and set(status.values()) == {"PASS"}, status
