"""Fuzzing the practice-list loader: whatever a ledger export looks like, never a traceback.

Every case starts from a real file (NHS Nene CCG 2014/15, the same rows as an Excel workbook, the header
of the NHS Payments to General Practice 2014/15 publication with a few of its rows) and mutates it:
columns dropped, renamed, duplicated; cells replaced by huge, negative, NaN/inf, formula or junk text;
codes duplicated; rows removed; title rows added; other encodings and separators; CSV named .xlsx and
the reverse; formula cells with and without a saved value; empty and extra sheets; then, sometimes,
bytes truncated, inserted or overwritten, or the whole file replaced by random bytes, nothing or a BOM.

The property: :func:`load_practices` returns a LoadResult, and either the frame is usable and obeys the
canonical-frame invariants, or the report has at least one error, each naming the file. The loader
turns any exception it did not expect into an "unexpected problem" error; that counts as a crash here.

Each test is a normal test (the default profile runs a few dozen cases) and is marked ``fuzz`` so that
``make test-fuzz`` (``HYPOTHESIS_PROFILE=fuzz pytest -m fuzz``) runs exactly them with 10,000 cases.
At the end the number of cases and the distinct error messages seen (digits, quoted values and the
file name normalised) are written to ``artifacts/fuzz/`` and merged into ``artifacts/fuzz_summary.txt``.
"""

from __future__ import annotations

import codecs
import csv
import fcntl
import io
import json
import os
import re
import uuid
import zipfile
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.practices import MAX_UPLOAD_BYTES, LoadResult, load_practices

REPO = Path(__file__).resolve().parents[1]
NENE = REPO / "data" / "nene_2014_15.csv"
PAYMENTS_14_15 = REPO / "data" / "sources" / "nhs-payments" / "14-15.csv"
ARTIFACTS = REPO / "artifacts"

CANONICAL = ["commissioner", "practice_code", "practice_name", "locality", "list_size", "over75", "participating"]
UNEXPECTED = "unexpected problem"

# ---- seeds: real files, kept small so that each case is cheap -------------------------------------


def _read_rows(path: Path, n_rows: int, max_chars: int = 200_000) -> list[list[str]]:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        text = fh.read(max_chars)
    rows = list(csv.reader(io.StringIO(text)))
    return [r for r in rows[: n_rows + 1]]


assert NENE.is_file(), f"missing {NENE}: run `make data`"
assert PAYMENTS_14_15.is_file(), f"missing {PAYMENTS_14_15}: data/sources/ must carry the source files"
NENE_ROWS = _read_rows(NENE, 8)
PAYMENTS_ROWS = _read_rows(PAYMENTS_14_15, 5)
# the payments rows with the column the publication lacks, so that mutations also explore a usable file
# (its first 16 columns, identity and patient counts, and the LES and total columns: wide rows cost time)
_KEEP = [j for j, h in enumerate(PAYMENTS_ROWS[0])
         if j < 16 or h.strip() in ("Total Local Enhanced Services", "Total NHS Payments to General Practice")]
PAYMENTS_OVER75_ROWS = [[r[j] for j in _KEEP if j < len(r)] + [("over75" if i == 0 else str(10 * i))]
                        for i, r in enumerate(PAYMENTS_ROWS)]
SEEDS = {"nene": NENE_ROWS, "payments": PAYMENTS_ROWS, "payments_over75": PAYMENTS_OVER75_ROWS}

# ---- a minimal .xlsx writer: real workbooks in ~1 ms, with formula cells and several sheets --------

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _col(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _cell_xml(ref: str, value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, tuple):  # ("formula", text, cached value or None)
        _, formula, cached = value
        v = "" if cached is None else f"<v>{escape(str(cached))}</v>"
        return f'<c r="{ref}"><f>{escape(_ILLEGAL_XML.sub("", formula))}</f>{v}</c>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = escape(_ILLEGAL_XML.sub("", str(value)))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _sheet_xml(rows: list[list[object]]) -> str:
    body = []
    for i, row in enumerate(rows, start=1):
        cells = "".join(_cell_xml(f"{_col(j)}{i}", v) for j, v in enumerate(row))
        body.append(f'<row r="{i}">{cells}</row>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData>{"".join(body)}</sheetData></worksheet>')


def xlsx_bytes(sheets: list[tuple[str, list[list[object]]]], compress: bool = True) -> bytes:
    """A workbook with these sheets (title, rows); a cell is text, a number or ("formula", f, cached)."""
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    ws_type = ns + "/worksheet"
    n = len(sheets)
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                      'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, n + 1))
            + "</Types>"),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{main}" xmlns:r="{ns}">'
            "<sheets>" + "".join(f'<sheet name="{escape(t, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                                 for i, (t, _) in enumerate(sheets, start=1)) + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{ws_type}" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, n + 1)) + "</Relationships>"),
    }
    for i, (_, rows) in enumerate(sheets, start=1):
        files[f"xl/worksheets/sheet{i}.xml"] = _sheet_xml(rows)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2014, 4, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


def _typed(cell: str) -> object:
    """How a spreadsheet holds a cell typed in: a number when it looks like one, else text."""
    try:
        x = float(cell)
    except ValueError:
        return cell
    if not np.isfinite(x) or cell.strip().lower() in ("nan", "inf", "-inf", "infinity"):
        return cell
    return int(x) if x.is_integer() and abs(x) < 1e15 else x


def csv_text(rows: list[list[str]], sep: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows(rows)
    return buf.getvalue()


# ---- mutations ------------------------------------------------------------------------------------

NASTY_CELLS = [
    "", " ", "-", "0", "-0", "-0.0", "(0)", "1e300", "-1e300", "9" * 400, "1e9", "1000000001", "-5", "(12)",
    "12.5", "0.001", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "=1+1", "@SUM(A1:A3)", "+1", "-1+1",
    '=HYPERLINK("http://example.com","x")', "=cmd|' /C calc'!A0", "1,234", "£1,234.56", "12,34", "£", "£-5",
    "1.2.3", "0x10", "1_000", "1e", "١٢٣", "１２３", "\u200b5", "5\u00a0000", "\u22125", "TRUE", "yes", "no",
    "null", "None", "#N/A", "#DIV/0!", "\ufeff", '"', "'", "\n", "a,b", "a;b", "a\tb", "\r", "K83003", "k83003 ",
    "😀", "Café £ – surgery", "\x00", "\x1a", " " * 50, "x" * 300,
]
RENAMES = [
    "practice_code", "list_size", "over75", "weighted_list", "commissioner", "locality", "participating",
    "les_total", "LES", "Practice Code", "List Size", "Over 75", "75+", "Male 75+", "Female 75+", "CCG Code",
    "les_", "les_ diabetes", "LES £", "", " ", "Unnamed: 3", "=1+1", "@SUM(A1)", "Practice\nCode",
    "\ufeffPractice Code",
    "Number of Registered Patients (Last Known Figure)", "Total Local Enhanced Services", "Global Sum",
]


def _cell_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY_CELLS),
        st.integers(-10**6, 10**13).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(max_size=12),
    )


CELL = _cell_values()
RENAME = st.one_of(st.sampled_from(RENAMES), st.text(max_size=20))
TABLE_OPS = st.sampled_from(["drop_col", "rename_col", "dup_col", "set_cell", "set_col", "dup_row", "drop_rows",
                             "title_rows", "blank_row", "short_row", "long_row", "swap_cols", "empty_body"])
EXTRA_CELLS = st.lists(CELL, min_size=1, max_size=3)


@st.composite
def mutated_table(draw: st.DrawFn) -> tuple[str, list[list[str]]]:
    seed = draw(st.sampled_from(["nene", "nene", "payments_over75", "payments"]))
    rows = [list(r) for r in SEEDS[seed]]
    header, body = rows[0], rows[1:]
    titles: list[list[str]] = []
    for _ in range(draw(st.integers(0, 4))):
        op = draw(TABLE_OPS)
        width = len(header)
        if op == "drop_col" and width > 1:
            j = draw(st.integers(0, width - 1))
            header.pop(j)
            for r in body:
                if j < len(r):
                    r.pop(j)
        elif op == "rename_col" and width:
            header[draw(st.integers(0, width - 1))] = draw(RENAME)
        elif op == "dup_col" and width:
            j = draw(st.integers(0, width - 1))
            header.append(header[j])
            for r in body:
                r.append(r[j] if j < len(r) else "")
        elif op == "set_cell" and width and body:
            i, j = draw(st.integers(0, len(body) - 1)), draw(st.integers(0, width - 1))
            if j < len(body[i]):
                body[i][j] = draw(CELL)
        elif op == "set_col" and width:
            j, v = draw(st.integers(0, width - 1)), draw(CELL)
            for r in body:
                if j < len(r):
                    r[j] = v
        elif op == "dup_row" and body:
            body.insert(draw(st.integers(0, len(body))), list(body[draw(st.integers(0, len(body) - 1))]))
        elif op == "drop_rows" and body:
            k = draw(st.integers(0, len(body) - 1))
            body = body[:k] + body[k + draw(st.integers(1, len(body) - k)):]
        elif op == "title_rows":
            titles = [[draw(st.sampled_from(["NHS Nene CCG", "Practice list 2014/15", "", "Source: HSCIC"]))]
                      for _ in range(draw(st.integers(1, 3)))]
        elif op == "blank_row":
            body.insert(draw(st.integers(0, len(body))), [""] * width)
        elif op == "short_row" and body:
            r = body[draw(st.integers(0, len(body) - 1))]
            del r[draw(st.integers(0, len(r))):]
        elif op == "long_row" and body:
            body[draw(st.integers(0, len(body) - 1))].extend(draw(EXTRA_CELLS))
        elif op == "swap_cols" and width > 1:
            a, b = draw(st.integers(0, width - 1)), draw(st.integers(0, width - 1))
            for r in [header, *body]:
                if a < len(r) and b < len(r):
                    r[a], r[b] = r[b], r[a]
        elif op == "empty_body":
            body = []
    return seed, [*titles, header, *body]


ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le", "utf-16-be"]
FILENAMES = ["nene.csv", "nene.xlsx", "nene.xls", "nene.txt", "nene", "NENE.CSV", "ledger export (£).csv",
             "ledger.tsv", "ledger.xlsm"]


@st.composite
def serialised(draw: st.DrawFn) -> dict[str, object]:
    """A mutated table written as CSV (some encoding and separator) or as a workbook, under some name."""
    seed, rows = draw(mutated_table())
    kind = draw(st.sampled_from(["csv", "csv", "xlsx"]))
    if kind == "csv":
        sep = draw(st.sampled_from([",", ",", ";", "\t"]))
        text = csv_text(rows, sep)
        if draw(st.booleans()):
            text = text.replace("\n", "\r\n")
        encoding = draw(st.sampled_from(ENCODINGS))
        data = text.encode(encoding, errors="replace")
        row_bound = None  # worked out from the bytes below
    else:
        as_formulas = draw(st.sampled_from(["none", "cached", "uncached"]))

        def cell(v: str) -> object:
            if v.startswith(("=", "@")) and as_formulas != "none":
                return ("formula", v.lstrip("=@"), "2" if as_formulas == "cached" else None)
            return _typed(v) if draw(st.booleans()) else v

        sheet = [[cell(v) for v in r] for r in rows]
        sheets = [(draw(st.sampled_from(["Practices", "Sheet1", "Data 2014-15", "<&'\">"])), sheet)]
        layout = draw(st.sampled_from(["one", "one", "one", "one", "empty_first", "extra", "no_rows"]))
        if layout == "empty_first":
            sheets.insert(0, ("Notes", []))
        elif layout == "extra":
            sheets.append(("Other", [["practice_code", "list_size", "over75"], ["X1", 1, 0]]))
        elif layout == "no_rows":
            sheets = [("Empty", [])]
        data = xlsx_bytes(sheets, compress=draw(st.booleans()))  # stored: byte mutations reach the XML
        row_bound = len(sheets[0][1])
    name = draw(st.sampled_from(FILENAMES))
    return {"seed": seed, "kind": kind, "data": data, "name": name, "row_bound": row_bound}


def _byte_mutate(draw: st.DrawFn, case: dict[str, object]) -> dict[str, object]:
    data: bytes = case["data"]  # type: ignore[assignment]
    op = draw(st.sampled_from(["truncate", "insert", "overwrite", "prepend", "append", "random", "zero",
                               "bom", "whitespace", "repeat_header"]))
    if op == "truncate":
        data = data[: draw(st.integers(0, max(0, len(data) - 1)))]
    elif op == "insert":
        pos = draw(st.integers(0, len(data)))
        data = data[:pos] + draw(st.binary(min_size=1, max_size=64)) + data[pos:]
    elif op == "overwrite" and data:
        pos = draw(st.integers(0, len(data) - 1))
        junk = draw(st.binary(min_size=1, max_size=16))
        data = data[:pos] + junk + data[pos + len(junk):]
    elif op == "prepend":
        data = draw(st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"\x00", b"PK\x03\x04",
                                     b"%PDF-1.4\n", b"<html>", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"sep=,\n"])) + data
    elif op == "append":
        data = data + draw(st.binary(max_size=64))
    elif op == "random":
        data = draw(st.binary(max_size=2048))
    elif op == "zero":
        data = b""
    elif op == "bom":
        data = draw(st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE,
                                     codecs.BOM_UTF8 + b"\r\n", codecs.BOM_UTF8 * 2]))
    elif op == "whitespace":
        data = draw(st.sampled_from([b" ", b"\n\n\n", b"\r\n", b"\t", b",,,\n,,,\n", b";;;"]))
    elif op == "repeat_header" and case["kind"] == "csv":
        first = data.split(b"\n", 1)[0]
        data = b"\n".join([first] * draw(st.integers(1, 4)))
    # a workbook's rows are counted from what was written; bytes changed inside a zip fail its CRC check
    known = None if op in ("random", "zero", "bom", "whitespace") else case["row_bound"]
    bound = max(known or 0, row_bound(data, None))
    return {**case, "data": data, "row_bound": bound, "op": op}


@st.composite
def practice_file(draw: st.DrawFn) -> dict[str, object]:
    """A mutated real file; four times in ten also damaged at the byte level, sometimes over the size
    limit. (One test draws both so that `make test-fuzz` spends its 10,000 cases on one mixture: each
    load costs ~15-25 ms of pandas work whatever the file.)"""
    case = draw(serialised())
    case["row_bound"] = row_bound(case["data"], case["row_bound"])  # type: ignore[arg-type]
    case["op"] = "none"
    case["max_bytes"] = MAX_UPLOAD_BYTES
    if draw(st.integers(0, 9)) < 4:
        case = _byte_mutate(draw, case)
        data: bytes = case["data"]  # type: ignore[assignment]
        if data and draw(st.integers(0, 9)) == 0:
            case["max_bytes"] = max(1, len(data) - draw(st.integers(0, 1)))
    return case


# ---- the property ---------------------------------------------------------------------------------

_STATS: dict[str, object] = {"cases": Counter(), "outcomes": Counter(), "messages": Counter(), "examples": {}}


def normalise(message: str, name: str) -> str:
    """An error message with the file name, quoted values and numbers taken out, so that the same
    problem on another row or value counts once."""
    text = "<file>" + message[len(name):] if message.startswith(name) else message
    text = re.sub(r"(?<!\w)'(?:[^'\\]|\\.)*'(?!\w)|\"(?:[^\"\\]|\\.)*\"", "'…'", text)
    text = re.sub(r"\(\d[^)]*\)", "(N)", text)
    text = re.sub(r"\d+(?:[.,]\d+)*", "N", text)
    text = re.sub(r"N(?:(?:,| and|, and) N)+", "N", text)
    text = re.sub(r"\b(row|rows) N( to N)?", r"\1 N", text)
    return text


def row_bound(data: bytes, known: int | None) -> int:
    """An upper bound on the practice rows a file can hold: its rows as written (workbooks) or its
    line breaks + 1 (text, in any of the encodings tried)."""
    if known is not None:
        return known
    return data.count(b"\n") + data.count(b"\r") + 1


def check_outcome(result: object, name: str, bound: int, label: str) -> None:
    cases: Counter = _STATS["cases"]  # type: ignore[assignment]
    cases[label] += 1
    assert isinstance(result, LoadResult), type(result)
    report = result.report
    assert report.file == name
    report.to_text()  # the checklist renders for every outcome
    for p in report.problems:
        shown = str(p)
        assert shown.startswith(f"{name}:") or shown.startswith(f"{name}, "), shown
        assert p.file == name
    if result.ok:
        _STATS["outcomes"]["usable"] += 1  # type: ignore[index]
        df = result.practices
        assert isinstance(df, pd.DataFrame)
        assert report.errors == []
        for c in CANONICAL:
            assert c in df.columns, (c, list(df.columns))
        assert isinstance(df.index, pd.RangeIndex)
        assert len(df) >= 1
        assert len(df) <= bound, (len(df), bound)
        assert df["list_size"].dtype == np.int64 and df["over75"].dtype == np.int64
        assert (df["list_size"] >= 0).all()
        assert ((df["over75"] >= 0) & (df["over75"] <= df["list_size"])).all()
        assert df["participating"].dtype == bool
        for c in ["commissioner", "practice_code", "practice_name", "locality"]:
            assert df[c].notna().all() and (df[c].astype(str).str.len() > 0).all(), c
        assert not df[["list_size", "over75"]].isna().any().any()
        assert not df.duplicated(["commissioner", "practice_code"]).any()
        if "weighted_list" in df:
            w = df["weighted_list"].to_numpy(dtype=float)
            assert np.isfinite(w).all() and (w >= 0).all()
        for c in [c for c in df.columns if c.startswith("les_")]:
            v = df[c].to_numpy(dtype=float)
            assert np.isfinite(v).all() and (v >= 0).all(), (c, v)
            assert np.array_equal(np.round(v, 2), v)
        assert report.total_list_size == int(df["list_size"].sum())
    else:
        _STATS["outcomes"]["refused"] += 1  # type: ignore[index]
        assert result.practices is None
        assert len(report.errors) >= 1
        for p in report.errors:
            assert p.level == "error"
            assert p.message.strip()
            key = normalise(str(p), name)
            messages: Counter = _STATS["messages"]  # type: ignore[assignment]
            if key not in messages:
                _STATS["examples"][key] = str(p)[:300]  # type: ignore[index]
            messages[key] += 1
        crashes = [str(p) for p in report.errors if UNEXPECTED in p.message]
        assert not crashes, "the loader hit an exception it did not expect:\n" + "\n".join(crashes)


def _load(case: dict[str, object], max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[object, str]:
    name = str(case["name"])
    return load_practices(case["data"], name, max_bytes=max_bytes), name


FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                      HealthCheck.filter_too_much])


@pytest.mark.fuzz
@FUZZ
@given(case=practice_file())
def test_fuzz_practice_files(case):
    """Column, cell, row, encoding, separator and workbook mutations of real files, then (sometimes)
    truncated, spliced or prefixed bytes, empty and BOM-only files, a size limit hit."""
    data: bytes = case["data"]
    max_bytes: int = case["max_bytes"]
    result, name = _load(case, max_bytes)
    label = "table mutations" if case["op"] == "none" else "table + byte mutations"
    check_outcome(result, name, case["row_bound"], label)
    if len(data) > max_bytes:
        assert not result.ok and "too large" in result.report.errors[0].message


@pytest.mark.fuzz
@FUZZ
@given(data=st.binary(max_size=4096), name=st.sampled_from(FILENAMES))
def test_fuzz_random_bytes(data, name):
    """Bytes with no structure at all."""
    check_outcome(load_practices(data, name), name, row_bound(data, None), "random bytes")


# ---- the seeds themselves load: the fuzzing starts from usable files ------------------------------


def test_seed_files_load():
    nene = load_practices(csv_text(NENE_ROWS).encode(), "nene.csv")
    assert nene.ok, nene.report.to_text()
    book = load_practices(xlsx_bytes([("Practices", [[_typed(c) for c in r] for r in NENE_ROWS])]), "nene.xlsx")
    assert book.ok, book.report.to_text()
    pd.testing.assert_frame_equal(nene.practices, book.practices)
    with_over75 = load_practices(csv_text(PAYMENTS_OVER75_ROWS).encode("utf-8-sig"), "payments.csv")
    assert with_over75.ok, with_over75.report.to_text()
    payments = load_practices(csv_text(PAYMENTS_ROWS).encode("utf-8-sig"), "14-15.csv")
    assert not payments.ok and "no column of patients aged 75+" in payments.report.errors[0].message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
def test_each_encoding_of_the_real_file_loads(encoding):
    result = load_practices(csv_text(NENE_ROWS).encode(encoding), "nene.csv")
    assert result.ok, result.report.to_text()
    assert len(result.practices) == len(NENE_ROWS) - 1


def test_a_workbook_named_csv_and_a_csv_named_xlsx_both_load():
    book = xlsx_bytes([("Practices", [[_typed(c) for c in r] for r in NENE_ROWS])])
    as_csv = load_practices(book, "nene.csv")
    assert as_csv.ok and any("is an Excel workbook" in w.message for w in as_csv.report.warnings)
    text = load_practices(csv_text(NENE_ROWS).encode(), "nene.xlsx")
    assert text.ok and any("holds plain text" in w.message for w in text.report.warnings)


# ---- crashes found by the fuzzing (reported to the lead) ------------------------------------------


@pytest.mark.parametrize("data", [
    b"\xff\xfec",  # a UTF-16 BOM and half a character: a UTF-16 export cut short
    csv_text(NENE_ROWS).encode("utf-16")[:-1],
    codecs.BOM_UTF16_LE + csv_text(NENE_ROWS).encode("utf-8"),  # odd length once the BOM is taken off
    codecs.BOM_UTF16_LE + "practice_code,list_size,over75\nA1,100,5\n".encode("utf-16-le") + b"\x00\xd8",
], ids=["bom-and-one-byte", "utf16-truncated", "utf16-bom-on-utf8", "lone-surrogate"])
def test_damaged_utf16_file_is_a_clear_error_or_loads(data):
    """`_decode` calls data.decode("utf-16") without errors=...: a UTF-16 file with an odd number of bytes
    or a broken surrogate raised UnicodeDecodeError, reported as an "unexpected problem"."""
    result = load_practices(data, "export.csv")
    check_outcome(result, "export.csv", row_bound(data, None), "regressions")


# ---- the summary the lead quotes ------------------------------------------------------------------


def _run_id() -> str:
    return os.environ.get("PYTEST_XDIST_TESTRUNUID") or os.environ.setdefault("PCFUND_FUZZ_RUN", uuid.uuid4().hex)


def write_fuzz_summary(section: str, stats: dict[str, object]) -> Path:
    """Store this process's counts under artifacts/fuzz/ and rewrite artifacts/fuzz_summary.txt from
    every process of the same pytest run (xdist workers included)."""
    run = _run_id()
    folder = ARTIFACTS / "fuzz"
    folder.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(ARTIFACTS / ".fuzz.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for old in folder.glob("*.json"):
            try:
                if json.loads(old.read_text()).get("run") != run:
                    old.unlink()
            except (OSError, ValueError):
                old.unlink(missing_ok=True)
        (folder / f"{section}-{worker}.json").write_text(json.dumps({
            "run": run, "section": section, "profile": os.environ.get("HYPOTHESIS_PROFILE", "default"),
            "cases": dict(stats["cases"]), "outcomes": dict(stats["outcomes"]),  # type: ignore[arg-type]
            "messages": dict(stats["messages"]), "examples": stats["examples"],  # type: ignore[arg-type]
        }, ensure_ascii=False, indent=1))
        merged: dict[str, dict[str, Counter]] = {}
        examples: dict[str, dict[str, str]] = {}
        profile = "default"
        for part in sorted(folder.glob("*.json")):
            d = json.loads(part.read_text())
            profile = d["profile"]
            m = merged.setdefault(d["section"], {"cases": Counter(), "outcomes": Counter(), "messages": Counter()})
            for k in m:
                m[k].update(d[k])
            examples.setdefault(d["section"], {}).update(d["examples"])
        lines = [f"Fuzzing summary (hypothesis profile '{profile}', run {run[:8]})", ""]
        for sec, m in sorted(merged.items()):
            total = sum(m["cases"].values())
            lines.append(f"== {sec}: {total:,} cases generated, {len(m['messages'])} distinct error messages seen")
            for k, v in sorted(m["cases"].items()):
                lines.append(f"   {k}: {v:,} cases")
            lines.append("   outcomes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(m["outcomes"].items())))
            for msg, count in m["messages"].most_common():
                lines.append(f"   {count:>7,}  {msg[:220]}")
                ex = examples[sec].get(msg)
                if ex and ex != msg:
                    lines.append(f"            e.g. {ex[:220]!r}")
            lines.append("")
        out = ARTIFACTS / "fuzz_summary.txt"
        out.write_text("\n".join(lines), encoding="utf-8")
    return out


@pytest.fixture(scope="module", autouse=True)
def _fuzz_summary(pytestconfig):
    yield
    if not sum(_STATS["cases"].values()):  # type: ignore[arg-type]
        return
    out = write_fuzz_summary("practice-list loader", _STATS)
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and os.environ.get("PYTEST_XDIST_WORKER") is None:
        cases = sum(_STATS["cases"].values())  # type: ignore[arg-type]
        reporter.write_line(f"\npractice-list fuzzing: {cases:,} cases, {len(_STATS['messages'])} distinct "
                            f"error messages (this process); summary in {out.relative_to(REPO)}")
