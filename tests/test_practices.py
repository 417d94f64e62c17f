"""The practice-list loader: every error and warning names the file, the row and the column."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import practice_files
from model import practices as practices_module
from model.limits import MAX_PRACTICES
from model.practices import (
    CANONICAL_COLUMNS,
    DEFAULT_COMMISSIONER,
    DEFAULT_LOCALITY,
    MAX_PROBLEMS_PER_COLUMN,
    MAX_UPLOAD_BYTES,
    LoadResult,
    Problem,
    les_columns,
    load_practices,
    validate_frame,
)

FILES = Path(__file__).parent / "files"
REPO = Path(__file__).resolve().parents[1]
PAYMENTS_14_15 = REPO / "data" / "sources" / "nhs-payments" / "14-15.csv"
NENE = REPO / "data" / "nene_2014_15.csv"


# ---- helpers ---------------------------------------------------------------------------------------


def find(result: LoadResult, level: str, row: int | None, column: str | None, text: str) -> Problem:
    """The one problem at (row, column) whose message contains `text`; checks str() names it all."""
    pool = result.report.errors if level == "error" else result.report.warnings
    hits = [p for p in pool if p.row == row and p.column == column and text in p.message]
    assert hits, f"no {level} at row {row}, column {column!r} containing {text!r} in:\n" + "\n".join(
        str(p) for p in result.report.problems)
    p = hits[0]
    assert p.level == level
    shown = str(p)
    assert shown.startswith((f"{result.report.file}, ", f"{result.report.file}:"))
    if row is not None:
        assert f"row {row}" in shown
    if column is not None:
        assert f"column '{column}'" in shown
    return p


def only_error(result: LoadResult) -> Problem:
    assert result.practices is None
    assert not result.report.ok
    assert len(result.report.errors) == 1, "\n".join(map(str, result.report.errors))
    return result.report.errors[0]


def csv_bytes(text: str) -> bytes:
    return text.encode("utf-8")


def xlsx_bytes(rows: list[list], title: str = "Practices", extra_sheets: dict[str, list[list]] | None = None,
               start_row: int = 1) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                ws.cell(row=start_row + i, column=j + 1, value=value)
    for name, sheet_rows in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for row in sheet_rows:
            other.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


MINIMAL = "practice_code,list_size,over75\nA1,100,10\nA2,200,20\n"


# ---- good files ------------------------------------------------------------------------------------


def test_good_csv_gives_the_canonical_frame():
    result = load_practices(FILES / "good.csv")
    assert result.report.ok, result.report.to_text()
    assert result.report.warnings == []
    df = result.practices
    assert list(df.columns) == [*CANONICAL_COLUMNS, "contract_type", "les_total", "les_diabetes"]
    assert isinstance(df.index, pd.RangeIndex)
    assert df["practice_code"].tolist() == ["K83003", "K83004", "K83005"]  # file order
    assert df["list_size"].dtype == np.int64 and df["over75"].dtype == np.int64
    assert df["weighted_list"].dtype == np.float64
    assert df["participating"].dtype == bool
    assert df["participating"].tolist() == [True, False, True]
    assert df["les_total"].tolist() == [62025.0, 0.0, 150.75]
    assert df["les_diabetes"].tolist() == [1200.5, 0.0, 0.0]  # blank LES cell -> 0
    assert les_columns(df) == ["les_total", "les_diabetes"]
    assert result.report.n_rows == 3 and result.report.n_commissioners == 1
    assert result.report.total_list_size == 14187
    text = result.report.to_text()
    assert "✔" in text and "les_total" in text and "14,187" in text and "usable" in text


def test_nhs_headers_bom_thousands_and_pounds():
    result = load_practices(FILES / "nhs_headers_bom.csv")
    assert result.report.ok, result.report.to_text()
    df = result.practices
    assert df["commissioner"].tolist() == ["04G"] * 3  # "CCG Code", cell padded with spaces
    assert df["practice_code"].tolist() == ["K83003", "K83004", "K83006"]  # stripped + upper-cased
    assert df["practice_name"].tolist() == ["Queensview Medical Centre", "Brackley Health Centre", "K83006"]
    assert df["list_size"].tolist() == [12345, 4549, 800]  # "12,345"
    assert df["over75"].tolist() == [1011, 369, 80]
    assert df["weighted_list"].tolist() == [12010.5, 4044.0, 790.0]
    assert df["les_total"].tolist() == [1234.56, 0.0, 0.0]  # "£1,234.56", "£0", blank
    assert df["contract_type"].tolist() == ["GMS", "PMS", "PMS"]
    assert df["locality"].tolist() == [DEFAULT_LOCALITY] * 3
    assert "UTF-8 with BOM" in result.report.file_type


def test_windows_1252_pound_sign_and_accents():
    result = load_practices(FILES / "windows1252.csv")
    assert result.report.ok, result.report.to_text()
    df = result.practices
    assert df["practice_name"].tolist() == ["Café Surgery", "Main St"]
    assert df["les_total"].tolist() == [2500.0, 100.0]
    assert "Windows-1252" in result.report.file_type


def test_defaults_when_optional_columns_absent():
    result = load_practices(csv_bytes(MINIMAL), "minimal.csv")
    assert result.report.ok
    df = result.practices
    assert list(df.columns) == ["commissioner", "practice_code", "practice_name", "locality", "list_size",
                                "over75", "participating"]  # no weighted_list column: left out
    assert (df["commissioner"] == DEFAULT_COMMISSIONER).all() and DEFAULT_COMMISSIONER == "CCG"
    assert (df["locality"] == "All practices").all()
    assert df["practice_name"].tolist() == ["A1", "A2"]
    assert df["participating"].all()
    find(result, "warning", None, None, "no weighted_list column")


def test_headers_case_and_whitespace_insensitive_and_aliases():
    text = ("  PRACTICE   CODE ,registered patients,Patients Aged 75+ , federation,CCG, LES  Diabetes Care \n"
            "a1 , 1000 , 70 , North , 04G, 10\n")
    result = load_practices(csv_bytes(text), "x.csv")
    assert result.report.ok, result.report.to_text()
    df = result.practices
    assert df.loc[0, "practice_code"] == "A1"
    assert df.loc[0, "locality"] == "North"
    assert df.loc[0, "commissioner"] == "04G"
    assert "les_diabetes_care" in df.columns


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("12,345", 12345.0), ("£1,234.56", 1234.56), (" £ 7 ", 7.0), ("1234.567", 1234.57), ("", 0.0),
     ("-", 0.0), ("0", 0.0), ("£1,000,000", 1_000_000.0)],
)
def test_les_money_formats(cell, expected):
    result = load_practices(csv_bytes(f'practice_code,list_size,over75,les_x\nA1,"12,345",5,"{cell}"\n'), "m.csv")
    assert result.report.ok, result.report.to_text()
    assert result.practices.loc[0, "les_x"] == expected
    assert result.practices.loc[0, "list_size"] == 12345


@pytest.mark.parametrize("cell", ["1,23", "12,34,5", "£", "1.2.3", "nan", "inf", "#N/A"])
def test_badly_formed_numbers_are_errors(cell):
    result = load_practices(csv_bytes(f'practice_code,list_size,over75,les_x\nA1,100,5,"{cell}"\n'), "m.csv")
    find(result, "error", 2, "les_x", "is not an amount of money")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("true", True), ("FALSE", False), ("Yes", True), ("no", False), ("y", True), ("N", False), ("1", True),
     ("0", False), ("", True)],
)
def test_participating_values(cell, expected):
    result = load_practices(csv_bytes(f"practice_code,list_size,over75,participating\nA1,100,5,{cell}\n"), "p.csv")
    assert result.report.ok
    assert result.practices.loc[0, "participating"] == expected


def test_utf16_tab_separated_as_excel_unicode_text():
    data = "practice_code\tlist_size\tover75\r\nA1\t100\t5\r\n".encode("utf-16")
    result = load_practices(data, "unicode.txt")
    assert result.report.ok, result.report.to_text()
    assert result.practices.loc[0, "list_size"] == 100


def test_semicolon_separated():
    result = load_practices(csv_bytes("practice_code;list_size;over75\nA1;100;5\n"), "semi.csv")
    assert result.report.ok
    assert result.practices.loc[0, "over75"] == 5


def test_blank_rows_skipped_and_row_numbers_count_them():
    text = "practice_code,list_size,over75\nA1,100,5\n\n,,\nA2,abc,5\n"
    result = load_practices(csv_bytes(text), "blank.csv")
    find(result, "error", 5, "list_size", "'abc' is not a number")


def test_title_rows_above_header_are_skipped_with_real_row_numbers():
    text = "Practice list for Nene CCG,,\nPrepared 1 April 2014,,\n\npractice_code,list_size,over75\nA1,100,5\nA2,x,5\n"
    result = load_practices(csv_bytes(text), "titled.csv")
    find(result, "error", 6, "list_size", "'x' is not a number")
    find(result, "warning", None, None, "above the header (row 4) were skipped")


def test_male_and_female_75_plus_are_added_up():
    text = "Practice Code,List Size,Male 75+,Female 75+\nA1,1000,30,45\n"
    result = load_practices(csv_bytes(text), "bands.csv")
    assert result.report.ok, result.report.to_text()
    assert result.practices.loc[0, "over75"] == 75
    find(result, "warning", None, None, "'Male 75+' + 'Female 75+'")


def test_file_like_object_and_default_names(tmp_path):
    buf = io.BytesIO(csv_bytes(MINIMAL))
    buf.name = "/somewhere/upload.csv"
    result = load_practices(buf)
    assert result.report.ok and result.report.file == "upload.csv"
    assert load_practices(csv_bytes(MINIMAL)).report.file == "<upload>"
    path = tmp_path / "mine.csv"
    path.write_text(MINIMAL)
    assert load_practices(str(path)).report.file == "mine.csv"
    assert load_practices(path, "shown.csv").report.file == "shown.csv"


# ---- XLSX --------------------------------------------------------------------------------------------


def test_xlsx_loads_numbers_text_and_booleans():
    rows = [
        ["CCG Code", "Practice Code", "Practice Name", "List Size", "Over 75", "Weighted List", "Participating",
         "LES Diabetes"],
        ["04G", "k83003", "Queensview", 8438, 611, 8466.25, True, 1200.5],
        ["04G", "K83004", "Brackley", "4,549", 369.0, 4044, "no", None],
    ]
    result = load_practices(xlsx_bytes(rows), "book.xlsx")
    assert result.report.ok, result.report.to_text()
    df = result.practices
    assert df["practice_code"].tolist() == ["K83003", "K83004"]
    assert df["list_size"].tolist() == [8438, 4549]
    assert df["over75"].tolist() == [611, 369]
    assert df["weighted_list"].tolist() == [8466.25, 4044.0]
    assert df["participating"].tolist() == [True, False]
    assert df["les_diabetes"].tolist() == [1200.5, 0.0]
    assert "sheet 'Practices'" in result.report.file_type


def test_xlsx_row_numbers_are_sheet_rows():
    rows = [["Nene CCG practice list"], [], ["practice_code", "list_size", "over75"], ["A1", 100, 5],
            ["A2", 100, "lots"]]
    result = load_practices(xlsx_bytes(rows, start_row=2), "book.xlsx")
    find(result, "error", 6, "over75", "'lots' is not a number")


def test_xlsx_read_by_content_even_when_named_csv():
    data = xlsx_bytes([["practice_code", "list_size", "over75"], ["A1", 100, 5]])
    result = load_practices(data, "really_a_workbook.csv")
    assert result.report.ok
    find(result, "warning", None, None, "named .csv but is an Excel workbook")


def test_csv_named_xlsx_is_read_as_csv():
    result = load_practices(FILES / "csv_named.xlsx")
    assert result.report.ok
    find(result, "warning", None, None, "named .xlsx but holds plain text")


def test_xlsx_empty_first_sheet_names_the_other_sheets():
    data = xlsx_bytes([], title="Notes", extra_sheets={"Data": [["practice_code", "list_size", "over75"]]})
    p = only_error(load_practices(data, "book.xlsx"))
    assert "first sheet ('Notes')" in p.message and "empty" in p.message and "'Data'" in p.message
    assert str(p).startswith("book.xlsx")


def test_xlsx_with_no_sheets():
    import re

    data = xlsx_bytes([["x"]])
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                content = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", content)
            dst.writestr(info, content)
    p = only_error(load_practices(out.getvalue(), "nosheets.xlsx"))
    assert "no sheets" in p.message


def test_unreadable_workbook():
    data = xlsx_bytes([["practice_code", "list_size", "over75"], ["A1", 1, 1]])
    p = only_error(load_practices(data[: len(data) // 2], "broken.xlsx"))
    assert "workbook could not be read" in p.message and str(p).startswith("broken.xlsx")
    # a zip whose parts are not a workbook
    p = only_error(load_practices(data.replace(b"xl/", b"zz/"), "odd.xlsx"))
    assert "could not be read" in p.message or "not a CSV or Excel" in p.message


# ---- errors ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def all_errors() -> LoadResult:
    return load_practices(FILES / "all_errors.csv")


def test_all_errors_are_collected_at_once(all_errors):
    assert all_errors.practices is None
    assert len(all_errors.report.errors) == 9
    assert all(p.file == "all_errors.csv" for p in all_errors.report.errors)


def test_error_non_numeric(all_errors):
    find(all_errors, "error", 3, "List Size", "'abc' is not a number")


def test_error_non_integer(all_errors):
    find(all_errors, "error", 4, "List Size", "'12.5' is not a whole number")


def test_error_negative(all_errors):
    find(all_errors, "error", 5, "Over 75", "'-5' is negative")


def test_error_negative_in_brackets(all_errors):
    find(all_errors, "error", 8, "LES Diabetes", "'(1,234)' is negative")


def test_error_over75_more_than_list_size(all_errors):
    find(all_errors, "error", 6, "Over 75", "patients aged 75+ (150) are more than the list size (100)")


def test_error_duplicate_code_within_commissioner_names_both_rows(all_errors):
    p = find(all_errors, "error", 7, "Practice Code", "P1 appears more than once")
    assert "rows 2 and 7" in p.message and "04G" in p.message
    # the same code in another commissioner (row 9) is not a duplicate
    assert "9" not in p.message.split("rows")[1]


def test_error_blank_practice_code(all_errors):
    find(all_errors, "error", 11, "Practice Code", "practice code is blank")


def test_error_bad_participating_and_money(all_errors):
    find(all_errors, "error", 10, "Participating", "'maybe' is not yes or no")
    find(all_errors, "error", 10, "LES Diabetes", "'£12x' is not an amount of money")


def test_duplicate_listing_three_rows():
    text = "practice_code,list_size,over75\nA1,1,0\nA1,2,0\nB1,3,0\na1,4,0\n"
    result = load_practices(csv_bytes(text), "d.csv")
    p = find(result, "error", 3, "practice_code", "A1 appears more than once")
    assert "rows 2, 3 and 5" in p.message
    assert len(result.report.errors) == 1


@pytest.mark.parametrize(
    ("header", "missing"),
    [("practice_name,list_size,over75", "practice_code"), ("practice_code,over75", "list_size")],
)
def test_error_missing_required_column(header, missing):
    row = ",".join(["A1", "1", "1"][: header.count(",") + 1])
    result = load_practices(csv_bytes(f"{header}\n{row}\n"), "cols.csv")
    p = find(result, "error", None, missing, f"no {missing} column")
    assert str(p).startswith("cols.csv, column ")


def test_error_missing_over75_gives_the_over75_hint():
    p = only_error(load_practices(csv_bytes("practice_code,list_size\nA1,100\n"), "no75.csv"))
    assert p.column == "over75"
    assert "over75" in p.message and "NHSBSA" in p.message and "Male 75+" in p.message
    assert "does not carry one" in p.message


def test_error_blank_required_cells():
    result = load_practices(csv_bytes("practice_code,list_size,over75\nA1,,5\nA2,100,\n"), "b.csv")
    find(result, "error", 2, "list_size", "list size is blank")
    find(result, "error", 3, "over75", "is blank")


def test_error_commissioner_blank_on_some_rows():
    result = load_practices(csv_bytes("ccg,practice_code,list_size,over75\n04G,A1,1,0\n,A2,1,0\n"), "c.csv")
    find(result, "error", 3, "ccg", "commissioner is blank")


def test_error_weighted_list_negative_or_blank():
    text = "practice_code,list_size,over75,weighted list\nA1,10,1,-3\nA2,10,1,\n"
    result = load_practices(csv_bytes(text), "w.csv")
    find(result, "error", 2, "weighted list", "is negative")
    find(result, "error", 3, "weighted list", "weighted list is blank")


def test_error_two_columns_for_the_same_thing():
    text = "Practice Code,practice_code,list_size,over75\nA1,A1,10,1\n"
    result = load_practices(csv_bytes(text), "two.csv")
    find(result, "error", 1, "practice_code", "both give practice_code")


def test_error_row_with_more_cells_than_header():
    text = "practice_code,practice_name,list_size,over75\nA1,Smith, Jones and Co,100,5\nA2,Ok,100,5\n"
    result = load_practices(csv_bytes(text), "commas.csv")
    p = find(result, "error", 2, None, "has 5 cells but the header has 4")
    assert "quotes" in p.message


def test_error_empty_file():
    p = only_error(load_practices(FILES / "empty.csv"))
    assert str(p) == "empty.csv: the file is empty"
    assert "empty" in only_error(load_practices(b"  \r\n\n", "blank.csv")).message


def test_error_header_only():
    p = only_error(load_practices(FILES / "header_only.csv"))
    assert str(p) == "header_only.csv: the file has a header row but no practice rows"


def test_error_file_too_large_bytes_and_path(tmp_path):
    data = csv_bytes(MINIMAL)
    p = only_error(load_practices(data, "big.csv", max_bytes=10))
    assert "too large" in p.message and f"{len(data):,} bytes" in p.message and "10 bytes" in p.message
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    p = only_error(load_practices(path, max_bytes=10))
    assert str(p).startswith("big.csv: the file is too large")
    assert MAX_UPLOAD_BYTES == 20 * 1024 * 1024
    assert "20 MB" in practice_files._too_large("x", 30 * 1024 * 1024, MAX_UPLOAD_BYTES).message


def test_error_file_not_found(tmp_path):
    p = only_error(load_practices(tmp_path / "nope.csv"))
    assert "not found" in p.message and p.file == "nope.csv"


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        ((FILES / "fake.pdf").read_bytes(), "fake.pdf", "PDF"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "pic.csv", "PNG"),
        (bytes(range(256)) * 8, "junk.csv", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", ".xls"),
        (b"<!DOCTYPE html><html><body><table></table></body></html>", "download.xls", "web page"),
    ],
)
def test_error_unknown_file_type(data, name, words):
    p = only_error(load_practices(data, name))
    assert words in p.message and str(p).startswith(name)


def test_error_plain_zip_is_not_a_workbook():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    p = only_error(load_practices(buf.getvalue(), "archive.xlsx"))
    assert "zip archive" in p.message


def test_problems_are_capped_per_column():
    rows = "\n".join(f"P{i},lots,{'x' if i % 2 else 1}" for i in range(MAX_PRACTICES))  # the most allowed
    start = time.perf_counter()
    result = load_practices(csv_bytes("practice_code,list_size,over75\n" + rows), "garbage.csv")
    assert time.perf_counter() - start < 5
    by_column: dict[str | None, list[Problem]] = {}
    for p in result.report.errors:
        by_column.setdefault(p.column, []).append(p)
    assert set(by_column) == {"list_size", "over75"}
    listed = [p for p in by_column["list_size"] if p.row is not None]
    assert len(listed) == MAX_PROBLEMS_PER_COLUMN
    assert [p.row for p in listed] == list(range(2, 2 + MAX_PROBLEMS_PER_COLUMN))
    summary = [p for p in by_column["list_size"] if p.row is None]
    assert len(summary) == 1 and f"{MAX_PRACTICES - MAX_PROBLEMS_PER_COLUMN:,} more" in summary[0].message
    assert "and 9,980 more" in next(p for p in by_column["over75"] if p.row is None).message
    assert len(result.report.to_text().splitlines()) < 60


def test_unexpected_exception_becomes_a_problem_naming_the_file(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(practices_module, "check", boom)
    p = only_error(load_practices(csv_bytes(MINIMAL), "odd.csv"))
    assert str(p).startswith("odd.csv: ") and "RuntimeError" in p.message and "kaboom" in p.message
    p = only_error(validate_frame(pd.DataFrame({"practice_code": ["A"]}), "table"))
    assert p.file == "table"


# ---- warnings ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_warnings() -> LoadResult:
    return load_practices(FILES / "warnings.csv")


def test_warnings_do_not_block(with_warnings):
    assert with_warnings.report.ok and with_warnings.practices is not None
    assert len(with_warnings.practices) == 3


def test_warning_list_size_zero(with_warnings):
    find(with_warnings, "warning", 2, "list_size", "list size is 0")


def test_warning_over75_share_above_40_percent(with_warnings):
    find(with_warnings, "warning", 3, "over75", "50 of 100 patients (50 %) are aged 75+")


def test_warning_les_column_all_zero(with_warnings):
    find(with_warnings, "warning", None, "les_a", "£0 for every practice")
    assert not [p for p in with_warnings.report.warnings if p.column == "les_b"]


def test_warning_unrecognised_columns_named(with_warnings):
    p = find(with_warnings, "warning", None, None, "2 columns not recognised and ignored")
    assert "'Postcode'" in p.message and "'Notes'" in p.message


def test_warning_weighted_list_missing(with_warnings):
    find(with_warnings, "warning", None, None, "no weighted_list column")


def test_warning_some_localities_blank():
    text = "practice_code,list_size,over75,locality\nA1,10,1,North\nA2,10,1,\n"
    result = load_practices(csv_bytes(text), "loc.csv")
    assert result.report.ok
    find(result, "warning", 3, "locality", "no locality given")
    assert result.practices["locality"].tolist() == ["North", DEFAULT_LOCALITY]


def test_report_text_lists_errors_and_warnings(all_errors, with_warnings):
    text = all_errors.report.to_text()
    assert "✖ row 3, column 'List Size': 'abc' is not a number" in text
    assert "NOT usable" in text
    text = with_warnings.report.to_text()
    assert "⚠ row 2, column 'list_size'" in text and "Result: usable" in text
    assert "LES columns found: les_a (£0.00), les_b (£15.00)" in text


# ---- the real files ------------------------------------------------------------------------------------


def test_real_payments_file_is_refused_with_the_over75_message():
    assert PAYMENTS_14_15.exists(), f"missing {PAYMENTS_14_15}"
    start = time.perf_counter()
    result = load_practices(PAYMENTS_14_15)
    elapsed = time.perf_counter() - start
    p = only_error(result)
    assert result.report.warnings == []
    assert p.file == "14-15.csv" and p.column == "over75" and p.row is None
    assert "no column of patients aged 75+ (over75)" in p.message
    assert "Payments to General Practice publication" in p.message and "does not carry one" in p.message
    assert "NHSBSA" in p.message and "Male 75+ plus Female 75+" in p.message
    # it got that far through the aliases: the NHS headers were recognised
    cols = result.report.columns
    assert cols["practice_code"] == "Practice Code"
    assert cols["list_size"] == "Number of Registered Patients (Last Known Figure)"
    assert cols["les_total"] == "Total Local Enhanced Services"
    assert result.report.n_rows == 7959
    assert elapsed < 1.5, f"loading the payments file took {elapsed:.2f} s"


def test_payments_file_with_over75_added_loads_through_the_aliases():
    payments = pd.read_csv(PAYMENTS_14_15, dtype=str, encoding="utf-8-sig")
    payments["Patients aged 75+"] = (
        pd.to_numeric(payments["Number of Registered Patients (Last Known Figure)"]) // 12).astype(str)
    start = time.perf_counter()
    result = load_practices(payments.to_csv(index=False).encode("utf-8-sig"), "joined.csv")
    assert time.perf_counter() - start < 1.5
    # the real data has 27 negative LES rows: the only errors, listed 20 then counted
    assert result.practices is None
    les_errors = [p for p in result.report.errors if p.row is not None]
    assert len(les_errors) == MAX_PROBLEMS_PER_COLUMN
    assert all(p.column == "Total Local Enhanced Services" and "negative" in p.message for p in les_errors)
    assert "7 more errors" in result.report.errors[-1].message
    kept = payments[~payments["Total Local Enhanced Services"].str.startswith("-")]
    result = load_practices(kept.to_csv(index=False).encode("utf-8-sig"), "joined.csv")
    df = result.practices
    assert df is not None, result.report.to_text()
    assert len(df) == 7959 - 27 and df["commissioner"].nunique() == 211
    assert df["commissioner"].iloc[0] == "01C" and df["commissioner_name"].iloc[0] == "Eastern Cheshire"
    assert list(df.columns[:8]) == CANONICAL_COLUMNS
    assert les_columns(df) == ["les_total"]
    assert df["practice_code"].tolist() == kept["Practice Code"].tolist()  # file order kept


def test_nene_default_data_loads_without_errors():
    # data/nene_2014_15.csv is built by scripts/build_data.py; this test must fail loudly when it is missing.
    assert NENE.exists(), f"{NENE} is missing: run `make data`"
    result = load_practices(NENE)
    assert result.report.ok, result.report.to_text()
    df = result.practices
    assert len(df) == 69 and set(df["commissioner"]) == {"04G"}
    assert df["list_size"].sum() == 647_677 and df["over75"].sum() == 45_778  # docs/design.md §7
    assert "les_total" in df.columns


# ---- validate_frame and the round-trip property -----------------------------------------------------------


def test_validate_frame_accepts_aliases_and_numbers():
    df = pd.DataFrame({"Practice Code": ["a1", "A2"], "List Size": [100, 200], "Over 75": [10.0, np.nan],
                       "LES Extra": [1.234, None]})
    result = validate_frame(df, "edited")
    find(result, "error", 3, "Over 75", "is blank")
    df["Over 75"] = [10.0, 20.0]
    result = validate_frame(df, "edited")
    assert result.report.ok, result.report.to_text()
    assert result.practices["practice_code"].tolist() == ["A1", "A2"]
    assert result.practices["les_extra"].tolist() == [1.23, 0.0]
    assert validate_frame(df.iloc[:0], "edited").report.errors[0].message == "the table has no practice rows"


def test_validate_frame_first_row_option():
    df = pd.DataFrame({"practice_code": ["A"], "list_size": [-1], "over75": [0]})
    find(validate_frame(df, "t", first_row=1), "error", 1, "list_size", "is negative")


_NAME_CHARS = st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"])
_names = st.text(_NAME_CHARS, min_size=1, max_size=25).map(str.strip).filter(
    lambda s: s != "" and not s.startswith("="))


@st.composite
def canonical_frames(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 30))
    commissioners = draw(st.lists(st.from_regex(r"[0-9]{2}[A-Z]", fullmatch=True), min_size=1, max_size=4,
                                  unique=True))
    codes = draw(st.lists(st.from_regex(r"[A-Z][0-9]{5}", fullmatch=True), min_size=n, max_size=n, unique=True))
    localities = draw(st.lists(_names, min_size=1, max_size=3))
    list_size = draw(st.lists(st.integers(0, 120_000), min_size=n, max_size=n))
    over75 = [draw(st.integers(0, size)) for size in list_size]
    data: dict[str, list] = {
        "commissioner": [draw(st.sampled_from(commissioners)) for _ in range(n)],
        "practice_code": codes,
        "practice_name": draw(st.lists(_names, min_size=n, max_size=n)),
        "locality": [draw(st.sampled_from(localities)) for _ in range(n)],
        "list_size": list_size,
        "over75": over75,
    }
    if draw(st.booleans()):
        data["weighted_list"] = draw(st.lists(st.floats(0, 200_000, allow_nan=False), min_size=n, max_size=n))
    data["participating"] = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    schemes = draw(st.lists(st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True), max_size=3, unique=True))
    for scheme in schemes:
        data[f"les_{scheme}"] = [p / 100 for p in draw(st.lists(st.integers(0, 10**9), min_size=n, max_size=n))]
    df = pd.DataFrame(data)
    for col in ["commissioner", "practice_code", "practice_name", "locality"]:
        df[col] = df[col].astype("str")
    df["list_size"] = df["list_size"].astype("int64")
    df["over75"] = df["over75"].astype("int64")
    df["participating"] = df["participating"].astype(bool)
    for col in les_columns(df) + (["weighted_list"] if "weighted_list" in df else []):
        df[col] = df[col].astype("float64")
    return df


_ROUND_TRIP = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_ROUND_TRIP
@given(canonical_frames())
def test_round_trip_csv(df):
    result = load_practices(df.to_csv(index=False).encode("utf-8"), "round.csv")
    assert result.report.ok, result.report.to_text()
    pd.testing.assert_frame_equal(result.practices, df)
    again = validate_frame(result.practices, "again")
    pd.testing.assert_frame_equal(again.practices, df)


@_ROUND_TRIP
@given(canonical_frames())
def test_round_trip_xlsx(df):
    buf = io.BytesIO()
    df.to_excel(buf, index=False)
    result = load_practices(buf.getvalue(), "round.xlsx")
    assert result.report.ok, result.report.to_text()
    pd.testing.assert_frame_equal(result.practices, df)


def test_xlsx_formatted_empty_cells_far_away_are_ignored():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["practice_code", "list_size", "over75"])
    ws.append(["A1", 10, 1])
    ws.cell(row=5000, column=300).number_format = "0.00"
    buf = io.BytesIO()
    wb.save(buf)
    result = load_practices(buf.getvalue(), "formatted.xlsx")
    assert result.report.ok and len(result.practices) == 1
    assert result.report.warnings[0].message.startswith("there is no weighted_list column")


def test_error_implausibly_large_numbers():
    result = load_practices(csv_bytes("practice_code,list_size,over75,les_x\nA1,1e12,5,1e15\n"), "huge.csv")
    find(result, "error", 2, "list_size", "too large to be a number of patients")
    find(result, "error", 2, "les_x", "too large")
