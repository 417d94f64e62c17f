"""One test per error of docs/design.md §3.1 ("Reject with a message that names the file, row number, column
and the problem"): missing required column, non-numeric, negative, over75 > list_size, duplicate codes,
empty file, file too large, unknown file type, and the payments publication without a 75+ column.

Each test checks the message as the user reads it (``str(problem)``, the line the CLI prints): it starts
with the file name, then ``row N`` and ``column 'header as written'`` where a row and a column apply.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from model.practices import MAX_UPLOAD_BYTES, LoadResult, Problem, load_practices

REPO = Path(__file__).resolve().parents[1]
PAYMENTS_14_15 = REPO / "data" / "sources" / "nhs-payments" / "14-15.csv"

HEADER = "CCG Code,Practice Code,Practice Name,List Size,Over 75,LES Diabetes\n"
GOOD_ROWS = ["04G,K83003,Queensview,8438,611,1000", "04G,K83004,Brackley,4549,369,0",
             "04G,K83005,Queensway,12052,662,250.50"]


def ledger(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode("utf-8")


def errors(result: LoadResult) -> list[Problem]:
    assert result.practices is None and not result.ok
    assert result.report.errors, "no error reported"
    return result.report.errors


def the_error(result: LoadResult, *, row: int | None, column: str | None, text: str) -> str:
    """The one error at (row, column) containing `text`, as printed; checks it names file, row, column."""
    hits = [p for p in errors(result) if p.row == row and p.column == column and text in p.message]
    assert len(hits) == 1, "\n".join(str(p) for p in result.report.errors)
    shown = str(hits[0])
    name = result.report.file
    if row is None and column is None:
        assert shown.startswith(f"{name}: ")
    else:
        assert shown.startswith(f"{name}, ")
    if row is not None:
        assert f", row {row}" in shown
    if column is not None:
        assert f"column '{column}'" in shown
    return shown


# ---- missing required column -----------------------------------------------------------------------


@pytest.mark.parametrize(("drop", "canonical"), [("Practice Code", "practice_code"), ("List Size", "list_size")])
def test_missing_required_column(drop, canonical):
    cols = HEADER.strip().split(",")
    keep = [i for i, c in enumerate(cols) if c != drop]
    rows = [",".join(r.split(",")[i] for i in keep) for r in GOOD_ROWS]
    result = load_practices(ledger(*rows, header=",".join(cols[i] for i in keep) + "\n"), "ledger.csv")
    shown = the_error(result, row=None, column=canonical, text=f"there is no {canonical} column")
    assert shown.startswith(f"ledger.csv, column '{canonical}': there is no {canonical} column")


def test_missing_over75_column_names_the_column_and_where_to_get_it():
    rows = [",".join(r.split(",")[:4] + r.split(",")[5:]) for r in GOOD_ROWS]
    result = load_practices(ledger(*rows, header="CCG Code,Practice Code,Practice Name,List Size,LES Diabetes\n"),
                            "ledger.csv")
    shown = the_error(result, row=None, column="over75", text="no column of patients aged 75+")
    assert "Add an 'over75' column" in shown


# ---- non-numeric -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("column", "position", "value", "text"), [
    ("List Size", 3, "abc", "'abc' is not a number"),
    ("Over 75", 4, "n/a", "'n/a' is not a number"),
    ("List Size", 3, "12,34", "'12,34' is not a number"),
    ("LES Diabetes", 5, "£1.2.3", "'£1.2.3' is not an amount of money"),
    ("List Size", 3, "=SUM(A1:A3)", "'=SUM(A1:A3)' is not a number"),
])
def test_non_numeric_value(column, position, value, text):
    rows = list(GOOD_ROWS)
    cells = rows[1].split(",")
    cells[position] = f'"{value}"'
    rows[1] = ",".join(cells)
    result = load_practices(ledger(*rows), "ledger.csv")
    shown = the_error(result, row=3, column=column, text=text)
    assert shown == f"ledger.csv, row 3, column '{column}': {text}"


def test_non_numeric_value_in_a_workbook_names_the_sheet_row():
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["NHS Nene CCG practice list"])  # a title row: the header is row 3 in Excel
    ws.append([])
    ws.append(["Practice Code", "List Size", "Over 75"])
    ws.append(["K83003", 8438, 611])
    ws.append(["K83004", "lots", 369])
    buf = io.BytesIO()
    wb.save(buf)
    result = load_practices(buf.getvalue(), "ledger.xlsx")
    the_error(result, row=5, column="List Size", text="'lots' is not a number")


# ---- negative --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("column", "position", "value", "text"), [
    ("List Size", 3, "-5", "'-5' is negative"),
    ("Over 75", 4, "-1", "'-1' is negative"),
    ("List Size", 3, "(100)", "'(100)' is negative"),
    ("LES Diabetes", 5, "-250.00", "'-250.00' is negative: LES income for the year cannot be below £0"),
    ("LES Diabetes", 5, "£-3", "'£-3' is negative"),
])
def test_negative_value(column, position, value, text):
    rows = list(GOOD_ROWS)
    cells = rows[2].split(",")
    cells[position] = value
    rows[2] = ",".join(cells)
    result = load_practices(ledger(*rows), "ledger.csv")
    the_error(result, row=4, column=column, text=text)


def test_negative_weighted_list():
    header = "Practice Code,List Size,Over 75,Weighted List\n"
    result = load_practices(ledger("K1,100,5,-1", "K2,100,5,90", header=header), "w.csv")
    the_error(result, row=2, column="Weighted List", text="'-1' is negative")


# ---- over75 > list_size ----------------------------------------------------------------------------


def test_over75_above_list_size():
    rows = list(GOOD_ROWS)
    rows[0] = "04G,K83003,Queensview,600,611,1000"
    result = load_practices(ledger(*rows), "ledger.csv")
    shown = the_error(result, row=2, column="Over 75", text="are more than the list size")
    assert shown == "ledger.csv, row 2, column 'Over 75': patients aged 75+ (611) are more than the list size (600)"


# ---- duplicate codes -------------------------------------------------------------------------------


def test_duplicate_practice_code_within_a_commissioner():
    rows = [*GOOD_ROWS, "04G,k83003 ,Queensview again,100,5,0"]  # same code once trimmed and upper-cased
    result = load_practices(ledger(*rows), "ledger.csv")
    shown = the_error(result, row=5, column="Practice Code", text="appears more than once")
    assert "K83003" in shown and "rows 2 and 5" in shown and "commissioner 04G" in shown


def test_same_code_in_two_commissioners_is_allowed():
    result = load_practices(ledger(*GOOD_ROWS, "03V,K83003,Elsewhere,100,5,0"), "ledger.csv")
    assert result.ok, result.report.to_text()


# ---- empty file ------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf", b"\xff\xfe", b",,,\n,,,\n"])
def test_empty_file(data):
    result = load_practices(data, "empty.csv")
    shown = the_error(result, row=None, column=None, text="the file is empty")
    assert shown == "empty.csv: the file is empty"


def test_header_without_practice_rows():
    result = load_practices(ledger(), "header_only.csv")
    shown = the_error(result, row=None, column=None, text="no practice rows")
    assert shown.startswith("header_only.csv: ")


def test_empty_first_sheet_names_the_sheet():
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    wb.create_sheet("Practices").append(["Practice Code", "List Size", "Over 75"])
    buf = io.BytesIO()
    wb.save(buf)
    shown = the_error(load_practices(buf.getvalue(), "book.xlsx"), row=None, column=None, text="is empty")
    assert "'Cover'" in shown and "'Practices'" in shown


# ---- file too large --------------------------------------------------------------------------------


def test_file_too_large_by_path_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "england_ledger.csv"
    with big.open("wb") as fh:  # sparse: costs no disk and no reading
        fh.truncate(MAX_UPLOAD_BYTES + 1)
    shown = the_error(load_practices(big), row=None, column=None, text="too large")
    assert shown.startswith("england_ledger.csv: the file is too large")
    assert "20 MB" in shown


def test_upload_too_large_is_refused():
    data = ledger(*GOOD_ROWS)
    shown = the_error(load_practices(data, "upload.csv", max_bytes=len(data) - 1), row=None, column=None,
                      text="too large")
    assert f"({len(data):,} bytes)" in shown


# ---- unknown file type -----------------------------------------------------------------------------


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(("data", "name", "text"), [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "ledger.pdf", "it looks like a PDF document"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "ledger.csv", "it looks like a PNG image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "ledger.xls", "old-format Excel file (.xls"),
    (_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "ledger.ods", "OpenDocument"),
    (_zip({"word/document.xml": b"<w/>"}), "ledger.docx", "it is a Word document"),
    (_zip({"notes.txt": b"hi"}), "ledger.zip", "it is a zip archive"),
    (b"\x00\x01\x02\x03binary\x00junk" * 10, "ledger.csv", "its content is binary, not text"),
    (b"<html><body><table></table></body></html>", "ledger.xls", "this is a web page (HTML)"),
    (b"PK\x03\x04 not really a zip", "ledger.xlsx", "the workbook could not be read"),
])
def test_unknown_file_type(data, name, text):
    shown = the_error(load_practices(data, name), row=None, column=None, text=text)
    assert shown.startswith(f"{name}: ")
    assert "Traceback" not in shown


# ---- the payments publication without 75+ ----------------------------------------------------------


def test_payments_publication_is_refused_with_exactly_the_over75_message():
    assert PAYMENTS_14_15.is_file(), f"missing {PAYMENTS_14_15}"
    result = load_practices(PAYMENTS_14_15)
    name = "14-15.csv"
    assert len(errors(result)) == 1, result.report.to_text()
    shown = str(result.report.errors[0])
    assert shown.startswith(f"{name}, column 'over75': the file has no column of patients aged 75+")
    assert "This looks like the NHS Payments to General Practice publication" in shown
    assert "NHSBSA" in shown and "'over75'" in shown


# ---- messages are printed to a terminal: one line each, no control characters from the file ---------

_CONTROL = {chr(c) for c in [*range(0, 32), 127, *range(0x80, 0xA0)]} | {"\u2028", "\u2029"}


def _printable(text: str) -> bool:
    return not (set(text) & _CONTROL)


def test_cell_values_with_control_characters_are_shown_escaped():
    result = load_practices(ledger(*GOOD_ROWS[:2], '04G,K83005,Q,"12\x1b[2J",5,0'), "ledger.csv")
    shown = the_error(result, row=4, column="List Size", text="is not a number")
    assert _printable(shown), repr(shown)


def test_headers_with_line_breaks_or_escape_codes_do_not_break_the_message():
    """A header cell is echoed into every message about its column. A quoted header with a line break
    (common in ledger exports: "List\\nSize") or an ANSI escape sequence must not split the one-line-per-
    problem output of `validate` or repaint the user's terminal: show it escaped, like cell values."""
    header = 'CCG Code,Practice Code,Practice Name,"List\nSize",Over 75,"LES \x1b[31mDiabetes\x1b[0m"\n'
    rows = [f"04G,K{i:05d},Practice {i},{1000 + i},{i},0" for i in range(40)] + ["04G,K83005,Q,abc,5,xyz"]
    result = load_practices(ledger(*rows, header=header), "ledger.csv")  # text: 2 escape codes in 2 KB
    assert result.report.file_type.startswith("CSV"), result.report.to_text()
    assert [p.row for p in result.report.errors] == [42, 42]
    for p in result.report.problems:
        assert _printable(str(p)), repr(str(p))
    assert _printable(result.report.to_text().replace("\n", " "))


def test_scenario_keys_with_control_characters_are_shown_escaped():
    from model.scenario import ScenarioError
    from model.scenario_files import load_scenario

    with pytest.raises(ScenarioError) as info:
        load_scenario('"colour\\e[2J": 1\n"two\\nlines": 2\n', "opts.yaml")
    message = str(info.value)
    lines = message.split("\n")
    assert len(lines) == 2 and all(line.startswith("opts.yaml: key '") for line in lines), repr(message)
    assert all(_printable(line) for line in lines), repr(message)
