"""Exports: CSV bytes, the zip, write_run and the Excel workbook (read back with openpyxl)."""

from __future__ import annotations

import hashlib
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
from papers.provenance import Source
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
def nene_source(nene):
    return Source.from_file(DATA / "nene_2014_15.csv", nene)


@pytest.fixture(scope="module")
def linked_book(linked, nene_source):
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(linked, nene_source)))


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

def test_write_run_writes_every_file(linked, nene_source, tmp_path):
    written = write_run(linked, tmp_path / "out", nene_source)
    expected = {"practices.csv", "localities.csv", "summary.csv", "checks.csv", "scenario.yaml", "data_source.csv",
                "results.xlsx"}
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

RUN_SHEETS = ["Summary", "Assumptions", "Practices by year", "Practices", "Localities", "Summary detail", "Checks",
              "Input practices", "Data"]
COMPARE_SHEETS = ["Summaries", "Summary detail", "Per practice", "Scenario files", "Checks", "Input practices",
                  "Data"]


def test_sheet_names_single_and_compare(default, linked, linked_book, nene_source):
    assert linked_book.sheetnames == RUN_SHEETS
    both = openpyxl.load_workbook(io.BytesIO(workbook_bytes([default, linked], nene_source)))
    assert both.sheetnames == COMPARE_SHEETS
    texts = [c.value for row in both["Summaries"].iter_rows(max_row=40) for c in row if isinstance(c.value, str)]
    assert "Assumptions that differ" in texts
    assert "LES savings recycled into the pot (%)" in texts          # by label, not les.reinvest_pct
    assert "LES (all schemes): decommissioned in full from 2014/15" in texts
    assert not any(t.startswith("{") or t.startswith("[") for t in texts), "no raw dicts or lists"
    yaml_text = [c.value for row in both["Scenario files"].iter_rows() for c in row if isinstance(c.value, str)]
    assert sum(1 for t in yaml_text if t.startswith("version: 1")) == 2


def test_title_rows_and_frozen_headers(linked_book):
    for ws in linked_book.worksheets:
        assert isinstance(ws["A1"].value, str) and ws["A1"].value.startswith(ws.title.split()[0])
    for name in ("Practices", "Localities", "Summary detail"):
        ws = linked_book[name]
        assert ws.freeze_panes is not None
        assert ws.auto_filter.ref


def test_every_sheet_prints_landscape_a4_one_page_wide_with_a_footer(linked_book):
    for ws in linked_book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert str(ws.page_setup.paperSize) == "9", ws.title                       # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None), ws.title
        assert ws.page_setup.fitToHeight == 0, ws.title
        footer = ws.oddFooter
        text = "".join(str(part.text or "") for part in (footer.left, footer.center, footer.right))
        assert "les_linked" not in text and "LES linked" in text and "nene_2014_15.csv" in text, ws.title
        assert "page &P of &N" in text, ws.title
        if ws.title not in ("Summary", "Data", "Scenario files"):
            assert ws.print_title_rows, ws.title                                   # header rows repeat


def test_practices_by_year_has_years_across_locality_subtotals_and_a_total(linked, linked_book):
    ws = linked_book["Practices by year"]
    header = _header_row(ws, "Code")
    pos, rows = _table(ws, header)
    years = linked.scenario.year_labels()
    assert [f"Net change {y} (£)" for y in years] == [h for h in pos if h.startswith("Net change 2")]
    kinds = [r[pos["Row"]] for r in rows]
    assert kinds.count("practice") == 69 and kinds[-1] == "total"
    assert kinds.count("locality total") == linked.practices["locality"].nunique()
    total = rows[-1]
    for y in years:
        expected = linked.practices.loc[linked.practices["year"].astype(str) == y, "net_change"].sum()
        assert round(total[pos[f"Net change {y} (£)"]], 2) == round(expected, 2)


def test_practices_allocation_totals_equal_summary_detail(linked, linked_book):
    p_pos, p_rows = _table(linked_book["Practices"], _header_row(linked_book["Practices"], "CCG"))
    s_pos, s_rows = _table(linked_book["Summary detail"], _header_row(linked_book["Summary detail"], "CCG"))
    assert len(p_rows) == len(linked.practices)
    assert len(s_rows) == len(linked.summary)
    assert "Year no." not in p_pos and "Paid to" not in p_pos, "no columns that repeat others"
    for year in linked.scenario.year_labels():
        p_total = sum(r[p_pos["Allocation (£)"]] for r in p_rows if r[p_pos["Year"]] == year)
        s_total = sum(r[s_pos["Allocation (£)"]] for r in s_rows if r[s_pos["Year"]] == year)
        assert round(p_total * 100) == round(s_total * 100)


def _summary_page(book) -> dict[str, list]:
    ws = book["Summary"]
    header = _header_row(ws, "£000")
    table = {}
    for row in ws.iter_rows(min_row=header + 1, values_only=True):
        if not row[0]:
            break
        table[row[0].strip()] = list(row[1:7])
    return table


def test_summary_page_in_thousands_adds_up_as_shown(nene, nene_source):
    """les_separate 2015/16 was shown as 3,238 + 267 − 6,300 = −2,794 (£000 only a format on £ values)."""
    res = run(nene, load_scenario_file(str(SCENARIOS / "les_separate.yaml")))
    page = _summary_page(openpyxl.load_workbook(io.BytesIO(workbook_bytes(res, nene_source))))
    pot, ccg, les, net = (page[k] for k in ("Practice pot", "Protection paid by the CCG on top of the pot",
                                            "LES savings: income practices lose", "Net cost to the CCG"))
    for j in range(6):
        assert pot[j] + ccg[j] + les[j] == net[j]
        assert pot[j] == page["of which new money"][j] + page["of which LES savings recycled into the pot"][j]
    for values in (pot, ccg, les, net):
        assert sum(values[:5]) == values[5]
        assert all(isinstance(v, int) for v in values)
    assert round(res.summary["net_cost"].sum() / 1000) == net[5]             # the total is the nearest £000
    exact = res.summary["pot"].to_numpy() / 1000
    assert all(abs(a - b) < 1 for a, b in zip(pot, exact))


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
    ws = linked_book["Summary detail"]
    header = _header_row(ws, "CCG")
    labels = [c.value for c in ws[header]]
    cell = ws.cell(header + 1, labels.index("Break-even admissions cut (%)") + 1)
    assert cell.number_format == "0.00%" and 0 <= cell.value < 1          # a fraction shown as a percentage


def test_assumptions_sheet_lists_every_field_by_label_and_highlights_changes(linked, linked_book):
    from model.fields import label
    ws = linked_book["Assumptions"]
    header = _header_row(ws, "Assumption")
    labels = [c.value for c in ws[header]]
    assert labels[:2] == ["Assumption", "Value"] and labels[-1] == "Scripting key"
    assert "Source" in labels and "Unit" in labels
    key_col = labels.index("Scripting key")
    rows = {r[key_col].value: r for r in ws.iter_rows(min_row=header + 1) if r[key_col].value}
    for d in field_docs(linked.scenario):
        if d["key"] != "les.schemes":
            assert d["key"] in rows, d["key"]
            assert rows[d["key"]][0].value.strip() == label(d["key"])
    differs = labels.index("Differs from the default")
    assert rows["les.reinvest_pct"][differs].value == "yes"
    assert rows["les.reinvest_pct"][1].value == 1 and "%" in rows["les.reinvest_pct"][1].number_format
    assert rows["les.reinvest_pct"][1].fill.fgColor.rgb.endswith("FFF2CC")      # input cell: yellow
    assert rows["pot.rate_per_head"][differs].value in ("", None)
    assert "£" in rows["pot.rate_per_head"][1].number_format
    assert rows["les.schemes.les_total"][0].value.strip() == "LES (all schemes)"
    assert rows["les.schemes.les_total"][1].value == "decommissioned in full from 2014/15"


def test_names_stay_as_typed_in_the_workbook(evil):
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(evil)))
    found = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and ("HYPERLINK" in v or "SUM(1+1)" in v or "calc'" in v
                                           or "-2+3 option" in v):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, v)     # text, never a formula
                    found.setdefault(ws.title, set()).add(v)
    assert EVIL_NAME in found["Practices"] and "'" + EVIL_NAME not in found["Practices"]
    assert "@SUM(1+1)" in found["Practices"]
    assert "+cmd|' /C calc'!A0" in found["Practices"]
    assert any(v.startswith("Summary: -2+3 option") for v in found["Summary"])


def test_checks_sheet_has_live_formulas_that_pass(linked_book):
    ws = linked_book["Checks"]
    formulas = [c.value for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert any("SUMPRODUCT((Practices!" in f for f in formulas)
    assert any("'Summary detail'!" in f for f in formulas)
    assert any("Localities!" in f for f in formulas)
    assert any("Summary!" in f for f in formulas)
    statuses = {}
    for row in ws.iter_rows(min_row=1, max_row=30):
        if isinstance(row[0].value, str) and isinstance(row[2].value, str) and row[2].value.startswith("=IF("):
            statuses[row[0].value] = row[2].value
    assert "Money identity" in statuses
    assert "Each locality is the sum of its practices" in statuses
    assert "Summary (£000): the figures add up as shown" in statuses
    assert "All checks" in statuses
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any("DESIGN" in t or "§" in t for t in texts), "plain English, no design references"


def test_checks_cached_values_say_pass(linked, nene_source):
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(linked, nene_source)), data_only=True)
    status = _statuses(wb["Checks"])
    assert len(status) == 12 and set(status.values()) == {"PASS"}, status
    texts = [c for row in wb["Checks"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "allocations = pot" in texts          # the model's own checks are there too


def _statuses(ws) -> dict[str, str]:
    header = _header_row(ws, "Check")
    out = {}
    for row in ws.iter_rows(min_row=header + 1, max_row=header + 20, values_only=True):
        if row[0] is None:
            break
        out[row[0]] = row[2]
    return out


def test_data_sheet_describes_the_bundled_list_with_its_licence(linked_book):
    texts = [c for row in linked_book["Data"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    joined = "\n".join(texts)
    assert "Open Government Licence v3.0" in joined
    assert "NHS Payments to General Practice" in joined and "NHSBSA" in joined
    assert "Open Government Licence v3.0" in DATA_SOURCES_TEXT
    assert "nene_2014_15.csv" in texts
    assert hashlib.sha256((DATA / "nene_2014_15.csv").read_bytes()).hexdigest() in texts


def test_an_uploaded_list_is_described_as_it_is(tmp_path):
    """A 3-practice upload for CCG 99X: the Data sheet names that file (not Nene, not HSCIC), and the Input
    practices sheet lists its practices with their LES income by scheme."""
    from model.practices import load_practices
    data = (b"commissioner,practice_code,practice_name,locality,list_size,over75,les_diabetes,les_minor_surgery\n"
            b"99X,A1,-Smith Surgery,=1+1 Locality,1000,80,500,0\n99X,A2,Brook,North,2000,150,0,250.5\n"
            b"99X,A3,Castle,North,3000,300,0,0\n")
    loaded = load_practices(data, "our ledger.csv")
    assert loaded.ok, loaded.report.to_text()
    source = Source.from_bytes(data, "our ledger.csv", loaded.practices, loaded="1 Apr 2015 09:00 UTC")
    res = run(loaded.practices, Scenario())
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(res, source)))
    facts = {r[0]: r[1] for r in wb["Data"].iter_rows(values_only=True) if r[0]}
    assert facts["File"] == "our ledger.csv"
    assert facts["SHA-256 of the file"] == hashlib.sha256(data).hexdigest()
    assert facts["Practices (rows used)"] == "3" and facts["Commissioners"] == "1: 99X"
    assert facts["Loaded"] == "1 Apr 2015 09:00 UTC" and facts["Edits made in the app"] == "none"
    texts = "\n".join(str(c) for row in wb["Data"].iter_rows(values_only=True) for c in row if c)
    assert "HSCIC" not in texts and "Nene" not in texts and "69 practices" not in texts
    ws = wb["Input practices"]
    pos, rows = _table(ws, _header_row(ws, "CCG"))
    assert "LES diabetes (£)" in pos and "LES minor surgery (£)" in pos
    assert [r[pos["LES minor surgery (£)"]] for r in rows] == [0, 250.5, 0]
    assert rows[0][pos["Practice"]] == "-Smith Surgery" and rows[0][pos["Locality"]] == "=1+1 Locality"
    zipped = zipfile.ZipFile(io.BytesIO(csv_zip_bytes(res, source)))
    assert "our ledger.csv" in zipped.read("data_source.csv").decode("utf-8-sig")


def test_edits_made_in_the_app_are_listed(nene, nene_source):
    edited = nene.copy()
    edited.loc[0, "list_size"] = 9000
    source = nene_source.with_edits(edited, ["K83003 list_size: 8438 → 9000"])
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(run(edited, Scenario()), source)))
    facts = {r[0]: r[1] for r in wb["Data"].iter_rows(values_only=True) if r[0]}
    assert facts["Edits made in the app"] == "1" and facts["Edit 1"] == "K83003 list_size: 8438 → 9000"


@pytest.mark.spreadsheet
def test_workbook_checks_recalculate_in_a_spreadsheet(linked, nene_source, tmp_path):
    """Open the workbook in LibreOffice (which recalculates it): every check passes. Then change, each in
    its own copy, one practice's allocation by 1p, one locality (Brackley 2014/15: £25,175.87 to £99,999.99)
    and one figure of the £000 Summary page by £1,000: recalculated, each copy says FAIL. Run by
    `make test-spreadsheet` (and CI); fails, never skips, when LibreOffice is missing."""
    assert shutil.which("soffice"), "LibreOffice is needed: apt-get install -y libreoffice-calc-nogui"
    clean = tmp_path / "clean.xlsx"
    clean.write_bytes(workbook_bytes(linked, nene_source))

    def tampered(name: str, sheet: str, first: str, row_match, column: str, change) -> Path:
        wb = openpyxl.load_workbook(clean)   # openpyxl drops cached values: the spreadsheet must recalculate
        if sheet:
            ws = wb[sheet]
            header = _header_row(ws, first)
            col = [c.value for c in ws[header]].index(column) + 1
            row = next(r[0].row for r in ws.iter_rows(min_row=header + 1) if row_match(r))
            ws.cell(row, col).value = change(ws.cell(row, col).value)
        path = tmp_path / f"{name}.xlsx"
        wb.save(path)
        return path

    files = [
        tampered("resaved", "", "", None, "", None),
        tampered("practice", "Practices", "CCG", lambda r: r[1].value == "K83004", "Allocation (£)",
                 lambda v: round(v + 0.01, 2)),
        tampered("locality", "Localities", "CCG", lambda r: r[1].value == "Brackley" and r[2].value == "2014/15",
                 "Allocation (£)", lambda v: 99999.99),
        tampered("summary", "Summary", "£000", lambda r: str(r[0].value).strip() == "of which LES savings recycled "
                 "into the pot", "2015/16", lambda v: v + 1),
    ]
    out = tmp_path / "conv"
    subprocess.run(["soffice", "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(out),
                    *map(str, files)], check=True, capture_output=True, timeout=300,
                   env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})

    def statuses(name: str) -> dict[str, str]:
        return _statuses(openpyxl.load_workbook(out / f"{name}.xlsx", data_only=True)["Checks"])

    ok = statuses("resaved")
    assert len(ok) == 12 and set(ok.values()) == {"PASS"}, ok
    practice = statuses("practice")
    assert practice["Practices add up to the commissioner totals: allocation"] == "FAIL", practice
    locality = statuses("locality")
    assert locality["Each locality is the sum of its practices"] == "FAIL", locality
    assert locality["Localities add up to the commissioner totals"] == "FAIL", locality
    summary = statuses("summary")
    assert summary["Summary (£000): the figures add up as shown"] == "FAIL", summary
    for bad in (practice, locality, summary):
        assert bad["All checks"] == "FAIL"


def test_all_england_workbook_reconciles():
    """Speed is measured in benchmarks/bench_cli.py, not asserted here."""
    england = _load(DATA / "england_2014_15.csv")
    data = workbook_bytes(run(england, Scenario()))
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    status = _statuses(wb["Checks"])
    assert len(status) == 12 and set(status.values()) == {"PASS"}, status


def test_comparison_workbook_shows_net_change_and_differences_per_practice(default, linked, nene_source):
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes([default, linked], nene_source)))
    ws = wb["Per practice"]
    pos, rows = _table(ws, _header_row(ws, "Code"))
    names = [default.scenario.name, linked.scenario.name]
    years = default.scenario.year_labels()
    a = f"Net change, all years {years[0]} to {years[-1]} (£): {names[0]}"
    b = f"Net change, all years {years[0]} to {years[-1]} (£): {names[1]}"
    d = f"Difference, all years {years[0]} to {years[-1]} (£): {names[1]} − {names[0]}"
    assert {a, b, d} <= set(pos)
    practice_rows = [r for r in rows if r[pos["Code"]]]
    assert len(practice_rows) == 69
    for r in practice_rows:
        assert round(r[pos[d]], 2) == round(r[pos[b]] - r[pos[a]], 2)
    k83004 = next(r for r in practice_rows if r[pos["Code"]] == "K83004")
    expected = linked.practices.loc[linked.practices["practice_code"].astype(str) == "K83004", "net_change"].sum()
    assert round(k83004[pos[b]], 2) == round(expected, 2)
    status = _statuses(openpyxl.load_workbook(io.BytesIO(workbook_bytes([default, linked], nene_source)),
                                              data_only=True)["Checks"])
    assert status and set(status.values()) == {"PASS"}, status


def test_the_command_line_and_the_app_make_the_comparison_workbook_the_same_way():
    """One code path: cli/compare.py and the app's Compare tab both call papers.workbook.workbook_bytes
    with the runs and the practice list's identity."""
    import re
    for path in (ROOT / "cli" / "compare.py", ROOT / "screen" / "pages" / "compare.py"):
        text = path.read_text(encoding="utf-8")
        assert "from papers.workbook import workbook_bytes" in text, path
        assert re.search(r"workbook_bytes\(\w+, source\)", text), path
