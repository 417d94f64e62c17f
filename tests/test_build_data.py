"""scripts/build_data.py rebuilds data/ byte for byte, and the default practice lists meet the spec.

The source data is carried in the repository, in data/sources/ (byte-for-byte copies of the published
files; data/sources/README.md records where each came from). If it is missing these tests FAIL (they never
skip): the committed data/ could not then be checked against its sources.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "build_data.py"
SOURCE = REPO / "data" / "sources"
DATA = REPO / "data"
SOURCE_FILES = ["nhs-payments/14-15.csv", "nhs-payments/15-16.csv",
                "registrations/Patient_List_Size_2014_04-06.csv", "registrations/Patient_List_Size_2014_07-09.csv",
                "registrations/Patient_List_Size_2015_07-09.csv"]

OUTPUTS = ["nene_2014_15.csv", "england_2014_15.csv", "build_log.csv", "README.md"]
COLUMNS = ["commissioner", "practice_code", "practice_name", "locality", "list_size", "over75",
           "weighted_list", "participating", "contract_type", "les_total"]
NENE_TOWNS = {"Northampton", "Wellingborough", "Rushden", "Daventry", "Towcester", "Brackley", "Kettering"}


def require_source() -> None:
    assert SOURCE.is_dir(), (
        f"source data not found at {SOURCE}: the default practice lists are built from data/sources/, "
        "which is part of the repository (see data/sources/README.md)")


def read_list(path: Path) -> pd.DataFrame:
    assert path.is_file(), f"{path} is missing: run `make data` (python scripts/build_data.py)"
    return pd.read_csv(path, dtype={"commissioner": str, "practice_code": str}, keep_default_na=False)


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    require_source()
    out = tmp_path_factory.mktemp("data")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--source", str(SOURCE), "--out", str(out)],
                          check=False, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"build_data.py failed:\n{proc.stdout}\n{proc.stderr}"
    assert "nene_2014_15.csv: 69 practices" in proc.stdout
    return out


@pytest.fixture(scope="module")
def nene() -> pd.DataFrame:
    require_source()
    return read_list(DATA / "nene_2014_15.csv")


@pytest.fixture(scope="module")
def england() -> pd.DataFrame:
    require_source()
    return read_list(DATA / "england_2014_15.csv")


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    require_source()
    return read_list(DATA / "build_log.csv")


# (a) reproducibility -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", OUTPUTS)
def test_rebuild_is_byte_identical(rebuilt: Path, name: str) -> None:
    committed = DATA / name
    assert committed.is_file(), f"{committed} is missing: run `make data`"
    assert (rebuilt / name).read_bytes() == committed.read_bytes(), (
        f"data/{name} differs from a fresh build: rerun `make data` and commit the result")


def test_csv_format(rebuilt: Path) -> None:
    for name in ("nene_2014_15.csv", "england_2014_15.csv", "build_log.csv"):
        raw = (rebuilt / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), f"{name} has a BOM"
        assert b"\r" not in raw, f"{name} has CR line endings"
        assert raw.endswith(b"\n")
        raw.decode("utf-8")
    header = (rebuilt / "nene_2014_15.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(COLUMNS)


def test_bad_source_is_refused_cleanly(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), "--source", str(tmp_path / "nowhere"),
                           "--out", str(tmp_path / "out")],
                          check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "source file not found" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


# (b) NHS Nene CCG -----------------------------------------------------------------------------------


def test_nene_totals(nene: pd.DataFrame) -> None:
    assert list(nene.columns) == COLUMNS
    assert len(nene) == 69
    assert (nene["commissioner"] == "04G").all()
    assert nene["list_size"].sum() == 647_677
    assert nene["les_total"].sum() == 6_300_069
    assert abs(nene["over75"].sum() - 45_778) <= 50
    assert nene["over75"].sum() == 45_778
    assert nene["weighted_list"].sum() > 0


def test_nene_localities(nene: pd.DataFrame) -> None:
    assert set(nene["locality"]) <= NENE_TOWNS
    assert nene.groupby("locality").size().to_dict() == {
        "Brackley": 3, "Daventry": 3, "Kettering": 10, "Northampton": 36, "Rushden": 4, "Towcester": 2,
        "Wellingborough": 11,
    }


def test_nene_is_the_04g_slice_of_england(nene: pd.DataFrame, england: pd.DataFrame) -> None:
    slice_04g = england[england["commissioner"] == "04G"].reset_index(drop=True)
    pd.testing.assert_frame_equal(nene.reset_index(drop=True), slice_04g)


def test_no_nene_row_is_changed(log: pd.DataFrame) -> None:
    assert not (log["commissioner"] == "04G").any()


# (c) England -----------------------------------------------------------------------------------------


def test_england_shape(england: pd.DataFrame) -> None:
    assert list(england.columns) == COLUMNS
    assert england["commissioner"].nunique() == 211
    assert len(england) > 7_800
    assert england["practice_code"].is_unique
    assert england["practice_code"].str.fullmatch(r"[A-Z0-9]{6}").all()
    keys = list(zip(england["commissioner"], england["practice_code"]))
    assert keys == sorted(keys)


def test_england_values(england: pd.DataFrame) -> None:
    assert (england["list_size"] > 0).all()
    assert (england["over75"] >= 0).all()
    assert (england["over75"] <= england["list_size"]).all()
    assert (england["les_total"] >= 0).all()
    assert (england["weighted_list"] >= 0).all()
    assert england["participating"].astype(str).str.lower().eq("true").all()
    assert set(england["contract_type"]) == {"GMS", "PMS", "APMS"}
    assert (england.loc[england["commissioner"] != "04G", "locality"] == "All practices").all()


def test_log_lists_the_known_cases(log: pd.DataFrame, england: pd.DataFrame) -> None:
    by_rule = log.groupby("rule")["practice_code"].apply(set).to_dict()
    assert by_rule["cap_over75"] == {"H85691"}
    assert len(by_rule["les_negative_to_zero"]) == 27
    assert len(by_rule["drop_closed_no_patients"]) + len(by_rule["drop_open_no_patients"]) == 36
    dropped = set().union(*(by_rule[r] for r in ("drop_closed_no_patients", "drop_open_no_patients",
                                                  "drop_no_age_data")))
    assert not dropped & set(england["practice_code"])
    assert 7_959 - len(dropped) == len(england)
    h = england.set_index("practice_code").loc["H85691"]
    assert h["over75"] == h["list_size"] == 171


def test_readme_is_complete(log: pd.DataFrame) -> None:
    text = (DATA / "README.md").read_text(encoding="utf-8")
    assert "Contains public sector information licensed under the Open Government Licence v3.0." in text
    assert "HSCIC" in text and "NHSBSA" in text
    assert "derived proxy: post town of the practice postcode, not an official CCG locality" in text
    assert "national payments system" in text and "Dorset" in text and "Sandwell" in text
    assert "make data" in text
    for sha in ("5c6befeb255f14091fa2022e052cb031485ee639b22d05bda42fb94f7a5a7e6d",
                "d5c70f96268de826add99a08f428a766ad5402e317886cf7ab0be839b9d2735a",
                "9fe8b4b6f257cba687f8eac2a131f185b06d5b9bdc2cc0480b6b2892b1406d69"):
        assert sha in text
    for row in log.itertuples():
        assert f"| {row.practice_code} | {row.commissioner} |" in text, row.practice_code


# (d) the sources carried in data/sources/ ------------------------------------------------------------


def published_sha256() -> dict[str, str]:
    """sha256 of each source file as data/sources/README.md (the provenance record) states it."""
    record = (SOURCE / "README.md").read_text(encoding="utf-8")
    found = {}
    for rel in SOURCE_FILES:
        name = rel.rsplit("/", 1)[1]
        m = re.search(re.escape(name) + r"`:.*?sha256 `([0-9a-f]{64})`", record, re.S)
        assert m, f"data/sources/README.md gives no sha256 for {name}"
        found[rel] = m.group(1)
    return found


@pytest.mark.parametrize("rel", SOURCE_FILES)
def test_source_copy_is_byte_identical_to_the_published_file(rel: str) -> None:
    require_source()
    path = SOURCE / rel
    assert path.is_file(), f"{path} is missing: data/sources/ must carry every source file"
    raw = path.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == published_sha256()[rel], (
        f"data/sources/{rel} is not the published file (git may have converted its line endings: "
        "see .gitattributes)")
    if rel.startswith("nhs-payments/"):
        assert b"\r\n" in raw and not raw.endswith(b"\n"), f"{rel} should keep its CRLF line endings"
    assert raw.startswith(b"\xef\xbb\xbf") == (rel == "nhs-payments/14-15.csv")


def test_gitattributes_keeps_the_sources_byte_identical() -> None:
    lines = (REPO / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert "data/sources/** -text" in [line.strip() for line in lines]


def test_readme_gives_the_provenance_of_every_source_file() -> None:
    text = (DATA / "README.md").read_text(encoding="utf-8")
    record = (SOURCE / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in text
    sha = published_sha256()
    for rel in SOURCE_FILES:
        rows = [line for line in text.splitlines() if line.startswith(f"| `{rel}` |")]
        assert len(rows) == 1, f"data/README.md has no provenance row for {rel}"
        cells = [c.strip().strip("`") for c in rows[0].strip("|").split("|")]
        _, _, _, publisher, licence, repository, path, commit, blob, sha256 = cells
        assert sha256 == sha[rel]
        assert licence.startswith("Open Government Licence v3.0")
        assert ("HSCIC" if rel.startswith("nhs-payments/") else "NHSBSA") in publisher
        assert re.fullmatch(r"[0-9a-f]{40}", commit) and re.fullmatch(r"[0-9a-f]{40}", blob)
        for value in (repository, commit, blob):
            assert f"`{value}`" in record, f"{rel}: {value} is not in data/sources/README.md"
        folder, name = path.rsplit("/", 1)
        assert name == rel.rsplit("/", 1)[1]
        assert folder in record, f"{rel}: {folder} is not in data/sources/README.md"


def test_readme_lists_the_practices_validate_warns_about_for_their_age(england: pd.DataFrame) -> None:
    from model.practices import load_practices

    result = load_practices(DATA / "england_2014_15.csv")
    warned = sorted(p.row for p in result.report.warnings
                    if p.column == "over75" and "are aged 75+, above" in p.message)
    text = (DATA / "README.md").read_text(encoding="utf-8")
    section = text.split("## Known quirks: practices with over 40 % of patients aged 75+", 1)[1].split("\n## ")[0]
    listed = [line.split("|")[1:3] for line in section.splitlines() if re.match(r"\| \d+ \|", line)]
    assert len(listed) == len(warned) == 7
    assert [int(row) for row, _ in listed] == warned
    for row, code in listed:
        assert england.iloc[int(row) - 2]["practice_code"] == code.strip()
    assert "`validate`" in section or "model validate" in section
    assert "`run` and `national` summarise them in one warning line" in section
