#!/usr/bin/env python3
"""Build the default practice lists in ``data/`` from the published sources in ``data/sources/``.

Outputs (all written by this script, deterministic, byte for byte on every rerun):

* ``nene_2014_15.csv``     NHS Nene CCG (04G), 2014/15
* ``england_2014_15.csv``  every CCG in England, 2014/15
* ``build_log.csv``        every row the cleaning rules dropped or changed
* ``README.md``            sources and their provenance, licence, column sources, cleaning rules, the
                           affected rows and the known quirks of the data

Usage::

    python scripts/build_data.py [--source DIR] [--out DIR]

No network access; the three source files are checked against their published sha256 first.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO / "data" / "sources"
DEFAULT_OUT = REPO / "data"

NENE = "04G"
NENE_FILE = "nene_2014_15.csv"
ENGLAND_FILE = "england_2014_15.csv"
LOG_FILE = "build_log.csv"
README_FILE = "README.md"

PAYMENTS = "nhs-payments/14-15.csv"
REG_JUL_SEP = "registrations/Patient_List_Size_2014_07-09.csv"
REG_APR_JUN = "registrations/Patient_List_Size_2014_04-06.csv"
PAYMENTS_15_16 = "nhs-payments/15-16.csv"
REG_2015_JUL_SEP = "registrations/Patient_List_Size_2015_07-09.csv"
SOURCES_README = "README.md"  # the provenance record of the copies in data/sources/

HSCIC = "Health and Social Care Information Centre (HSCIC; now part of NHS England)"
NHSBSA = "NHS Business Services Authority (NHSBSA), Information Services Portal"
OGL = "Open Government Licence v3.0"
OGL_NO_VERSION = "Open Government Licence v3.0 (the source names no version; v3.0 is the current one)"
HEEC = "HealthEquityEvidenceCentre/HEEC"
OPENPRESCRIBING = "ebmdatalab/openprescribing"
LIST_SIZES = "openprescribing/data/list_sizes/"


class Source(NamedTuple):
    """Provenance of one file in data/sources/, as recorded in data/sources/README.md."""

    publication: str
    publisher: str
    licence: str
    repository: str
    path: str     # path in that repository
    commit: str   # a commit at which that path holds exactly this file
    blob: str     # git blob id
    sha256: str


# Every file carried in data/sources/ (data/sources/README.md gives the same figures, with more detail).
# The build reads the first three; the 2015/16 files are carried but not read by this build.
SOURCES = {
    PAYMENTS: Source(
        "NHS Payments to General Practice, England, 2014/15", HSCIC, OGL, HEEC, "data/payments/raw/14-15.csv",
        "179bce7afa270885870f53d3631b594d7d353c2d", "7dc541b6cf0f679a04d66754bc8e859512b27cfc",
        "5c6befeb255f14091fa2022e052cb031485ee639b22d05bda42fb94f7a5a7e6d"),
    REG_JUL_SEP: Source(
        "Practice List Size, July–September 2014", NHSBSA, OGL_NO_VERSION, OPENPRESCRIBING,
        LIST_SIZES + "Patient_List_Size_2014_07-09.csv",
        "2aab031b6d83d25a6247ccc85c5e9d0f8460d456", "eb6eaaf9cf4234a4d039ed874758f5a45fad407f",
        "d5c70f96268de826add99a08f428a766ad5402e317886cf7ab0be839b9d2735a"),
    REG_APR_JUN: Source(
        "Practice List Size, April–June 2014", NHSBSA, OGL_NO_VERSION, OPENPRESCRIBING,
        LIST_SIZES + "Patient_List_Size_2014_04-06.csv",
        "2aab031b6d83d25a6247ccc85c5e9d0f8460d456", "45e0d3b5bebfabced66cc821f100fe92d1796fb0",
        "9fe8b4b6f257cba687f8eac2a131f185b06d5b9bdc2cc0480b6b2892b1406d69"),
    PAYMENTS_15_16: Source(
        "NHS Payments to General Practice, England, 2015/16", HSCIC, OGL, HEEC, "data/payments/raw/15-16.csv",
        "179bce7afa270885870f53d3631b594d7d353c2d", "bd60d5dfee64f9feee4623990c6abbcca7ec7ff3",
        "038824d5adfca4e6f417e61b0302efba67cfe67921f8c23239ec5be408b5a9c6"),
    REG_2015_JUL_SEP: Source(
        "Practice List Size, July–September 2015", NHSBSA, OGL_NO_VERSION, OPENPRESCRIBING,
        LIST_SIZES + "Patient_List_Size_2015_07-09.csv",
        "553821a9ddbe63737bd0bda3ac4be5e0fdbb328a", "56889d8c290189002190b531bb38f6b27f7659af",
        "1b03fb74c2fb1226e7d70071e5960790b93368eae73e41cda38f8e083673668a"),
}
USED_SOURCES = [PAYMENTS, REG_JUL_SEP, REG_APR_JUN]

# sha256 of the source files this build reads, as given in data/sources/README.md
SOURCE_SHA256 = {rel: SOURCES[rel].sha256 for rel in USED_SOURCES}

# A practice with more than this share of its list aged 75+ is listed under "Known quirks" in the README.
# The same threshold as model.practices.OVER75_SHARE_WARNING, above which `validate` warns
# (tests/test_build_data.py checks that the two lists agree).
OVER75_SHARE_QUIRK = 0.40

COLUMNS = [
    "commissioner",
    "practice_code",
    "practice_name",
    "locality",
    "list_size",
    "over75",
    "weighted_list",
    "participating",
    "contract_type",
    "les_total",
]

# Payments headers used (after stripping surrounding spaces)
P_CCG = "CCG Code"
P_CCG_NAME = "CCG NAME"
P_CODE = "Practice Code"
P_NAME = "Practice Name"
P_POSTCODE = "Practice Postcode"
P_CLOSE = "Practice Close Date"
P_OPEN = "Practice Open Date"
P_CONTRACT = "Contract Type"
P_QUARTER = "Quarter used for patient data"
P_LIST = "Number of Registered Patients (Last Known Figure)"
P_WEIGHTED = "Number of Weighted Patients (Last Known Figure)"
P_LES = "Total Local Enhanced Services"
PAYMENT_COLUMNS = [P_CCG, P_CCG_NAME, P_CODE, P_NAME, P_POSTCODE, P_CLOSE, P_OPEN, P_CONTRACT,
                   P_QUARTER, P_LIST, P_WEIGHTED, P_LES]

R_CODE = "Practice Code"
R_PCO = "PCO Code"
R_M75 = "Male 75+"
R_F75 = "Female 75+"

# Locality proxy for NHS Nene CCG: outward code of the practice postcode -> Royal Mail post town.
# Only the outward codes that the 04G practices actually have are listed; any other is an error.
NENE_POST_TOWN = {
    "NN1": "Northampton",
    "NN2": "Northampton",
    "NN3": "Northampton",
    "NN4": "Northampton",
    "NN5": "Northampton",
    "NN6": "Northampton",
    "NN7": "Northampton",
    "NN8": "Wellingborough",
    "NN9": "Wellingborough",
    "NN29": "Wellingborough",
    "NN10": "Rushden",
    "NN11": "Daventry",
    "NN12": "Towcester",
    "NN13": "Brackley",
    "NN14": "Kettering",
    "NN15": "Kettering",
    "NN16": "Kettering",
}
DEFAULT_LOCALITY = "All practices"

# CCGs named in the LES caveat (docs/design.md §7): Dorset, Sandwell and West Birmingham
CAVEAT_CCGS = ["11J", "05L"]

# Cleaning rules, in the order they are applied. (name, kind, one-line description)
RULES = [
    ("drop_closed_no_patients", "dropped",
     "Closed practice (has a `Practice Close Date`) with 0 registered patients: dropped."),
    ("drop_open_no_patients", "dropped",
     "Open practice with 0 registered patients: dropped (a list of 0 cannot share a per-head pot)."),
    ("drop_no_age_data", "dropped",
     ("Practice in neither NHSBSA 2014 list-size file, so `over75` is unknown: dropped "
     "(`over75` is required and is not estimated).")),
    ("over75_from_apr_jun", "changed",
     ("`over75` taken from the April–June 2014 file instead of July–September 2014, because the "
     "payments list size is from Q1 or the practice is not in the July–September file.")),
    ("cap_over75", "changed",
     "`over75` greater than `list_size`: capped at `list_size`."),
    ("les_negative_to_zero", "changed",
     "Negative `Total Local Enhanced Services` (a net recovery): set to 0."),
    ("name_whitespace", "changed",
     "`Practice Name` with leading/trailing spaces: spaces removed."),
]
RULE_ORDER = {name: i for i, (name, _, _) in enumerate(RULES)}


class BuildError(Exception):
    """A source problem that stops the build; the message says what and where."""


# ---------------------------------------------------------------------------------------------- reading


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_sources(source: Path) -> None:
    for rel, expected in SOURCE_SHA256.items():
        path = source / rel
        if not path.is_file():
            raise BuildError(f"source file not found: {path}")
        got = sha256_of(path)
        if got != expected:
            raise BuildError(f"{path}: sha256 {got} does not match the published {expected}; "
                             "the build would not reproduce data/ (see data/sources/README.md)")


def read_text_csv(path: Path) -> pd.DataFrame:
    """Every cell as text ("" for empty), header names with surrounding spaces removed."""
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, na_filter=False)
    df.columns = [str(c).strip() for c in df.columns]
    return df


def require_columns(df: pd.DataFrame, needed: list[str], path: Path) -> None:
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise BuildError(f"{path}: missing column(s) {missing}")


def parse_number(values: pd.Series, column: str, codes: pd.Series, path: Path) -> pd.Series:
    """Numbers as published: tolerate spaces, thousands commas, '£' and (123) for negatives."""
    s = values.astype(str).str.strip()
    negative = s.str.startswith("(") & s.str.endswith(")")
    s = s.str.replace(r"[£,()\s]", "", regex=True)
    out = pd.to_numeric(s.where(s != "", "x"), errors="coerce").astype("float64")
    bad = out.isna()
    if bad.any():
        examples = ", ".join(f"{c}={v!r}" for c, v in zip(codes[bad].head(5), values[bad].head(5)))
        raise BuildError(f"{path}: column {column!r} has {int(bad.sum())} value(s) that are not numbers "
                         f"({examples})")
    return out.where(~negative, -out)


def read_payments(source: Path) -> pd.DataFrame:
    path = source / PAYMENTS
    raw = read_text_csv(path)
    require_columns(raw, PAYMENT_COLUMNS, path)
    codes = raw[P_CODE].str.strip()
    if codes.duplicated().any():
        raise BuildError(f"{path}: duplicate practice codes {sorted(codes[codes.duplicated()].unique())}")
    df = pd.DataFrame({
        "commissioner": raw[P_CCG].str.strip(),
        "ccg_name": raw[P_CCG_NAME].str.strip(),
        "practice_code": codes,
        "name_published": raw[P_NAME],
        "postcode": raw[P_POSTCODE].str.strip().str.upper(),
        "close_date": raw[P_CLOSE].str.strip().replace("-", ""),
        "open_date": raw[P_OPEN].str.strip().replace("-", ""),
        "contract_type": raw[P_CONTRACT].str.strip(),
        "quarter": raw[P_QUARTER].str.strip(),
        "list_size": parse_number(raw[P_LIST], P_LIST, codes, path),
        "weighted_list": parse_number(raw[P_WEIGHTED], P_WEIGHTED, codes, path),
        "les_published": parse_number(raw[P_LES], P_LES, codes, path),
    })
    if (df["list_size"] != df["list_size"].round()).any() or (df["list_size"] < 0).any():
        raise BuildError(f"{path}: {P_LIST!r} must be whole numbers >= 0")
    if (df["weighted_list"] < 0).any():
        raise BuildError(f"{path}: {P_WEIGHTED!r} has negative values")
    df["list_size"] = df["list_size"].astype("int64")
    return df


def read_registrations(source: Path, rel: str) -> pd.DataFrame:
    path = source / rel
    raw = read_text_csv(path)
    require_columns(raw, [R_CODE, R_PCO, R_M75, R_F75], path)
    codes = raw[R_CODE].str.strip()
    if codes.duplicated().any():
        raise BuildError(f"{path}: duplicate practice codes {sorted(codes[codes.duplicated()].unique())}")
    bands = [c for c in raw.columns if c.startswith(("Male ", "Female "))]
    counts = pd.DataFrame({c: parse_number(raw[c], c, codes, path) for c in bands})
    return pd.DataFrame({
        "practice_code": codes,
        "pco": raw[R_PCO].str.strip(),
        "registered": counts.sum(axis=1).astype("int64"),
        "over75": (counts[R_M75] + counts[R_F75]).astype("int64"),
    })


# ---------------------------------------------------------------------------------------------- cleaning


def money(x: float) -> str:
    """£1,234 / £1,234.50 / -£5."""
    sign = "-" if x < 0 else ""
    x = abs(float(x))
    return f"{sign}£{x:,.0f}" if x.is_integer() else f"{sign}£{x:,.2f}"


def count(values: pd.Series) -> pd.Series:
    return values.astype("int64").map("{:,}".format)


def log_rows(rows: pd.DataFrame, rule: str, detail: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({
        "practice_code": rows["practice_code"].to_numpy(),
        "commissioner": rows["commissioner"].to_numpy(),
        "practice_name": rows["practice_name"].to_numpy(),
        "rule": rule,
        "detail": detail.to_numpy(),
    })


def describe_dates(rows: pd.DataFrame) -> pd.Series:
    """'opened 01/08/2014', 'closed 30/06/2014', 'opened …; closed …' or 'no open or close date'."""
    opened = ("opened " + rows["open_date"]).where(rows["open_date"] != "", "")
    closed = ("closed " + rows["close_date"]).where(rows["close_date"] != "", "")
    both = (opened + "; " + closed).str.strip("; ")
    return both.where(both != "", "no open or close date")


def build(source: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Return (england practice list, build log, facts for the README)."""
    check_sources(source)
    pay = read_payments(source)
    jul = read_registrations(source, REG_JUL_SEP)
    apr = read_registrations(source, REG_APR_JUN)
    facts: dict = {"published_rows": len(pay), "published_ccgs": pay["commissioner"].nunique(),
                   "les_published": float(pay["les_published"].sum())}

    df = pay.copy()
    df["practice_name"] = df["name_published"].str.strip()
    logs: list[pd.DataFrame] = []

    # 1-2. no registered patients
    empty = df["list_size"] == 0
    closed = df["close_date"] != ""
    for rule, mask in (("drop_closed_no_patients", empty & closed), ("drop_open_no_patients", empty & ~closed)):
        rows = df[mask]
        detail = (describe_dates(rows) + "; list 0; weighted " + rows["weighted_list"].map("{:,.0f}".format)
                  + "; LES " + rows["les_published"].map(money) + " not carried")
        logs.append(log_rows(rows, rule, detail))
    facts["les_dropped_empty"] = float(df.loc[empty, "les_published"].sum())
    df = df[~empty]

    # 3-4. patients aged 75+: the registration quarter that matches the payments list
    j = jul.set_index("practice_code")
    a = apr.set_index("practice_code")
    in_jul = df["practice_code"].isin(j.index)
    in_apr = df["practice_code"].isin(a.index)
    use_apr = in_apr & ((df["quarter"] == "Q1") | ~in_jul)
    neither = ~in_jul & ~in_apr

    rows = df[neither]
    detail = (describe_dates(rows) + "; payments list from " + rows["quarter"] + "; list "
              + rows["list_size"].map("{:,}".format) + "; LES " + rows["les_published"].map(money)
              + " not carried")
    logs.append(log_rows(rows, "drop_no_age_data", detail))
    facts["les_dropped_no_age"] = float(df.loc[neither, "les_published"].sum())
    facts["list_dropped_no_age"] = int(df.loc[neither, "list_size"].sum())
    df = df[~neither].copy()
    use_apr = use_apr[~neither]

    codes = df["practice_code"]
    df["over75_source"] = np.where(use_apr, "2014_04-06", "2014_07-09")
    df["over75"] = np.where(use_apr, a["over75"].reindex(codes).to_numpy(),
                            j["over75"].reindex(codes).to_numpy()).astype("int64")
    df["registered"] = np.where(use_apr, a["registered"].reindex(codes).to_numpy(),
                                j["registered"].reindex(codes).to_numpy()).astype("int64")
    df["pco"] = np.where(use_apr, a["pco"].reindex(codes).to_numpy(), j["pco"].reindex(codes).to_numpy())

    rows = df[use_apr]
    in_jul_kept = rows["practice_code"].isin(j.index)
    why = pd.Series(np.where(in_jul_kept, "payments list is from Q1 (Apr–Jun 2014)",
                             "not in the Jul–Sep 2014 file"), index=rows.index)
    jul_o75 = count(j["over75"].reindex(rows["practice_code"]).fillna(0)).to_numpy()
    jul_reg = count(j["registered"].reindex(rows["practice_code"]).fillna(0)).to_numpy()
    jul_note = pd.Series(np.where(in_jul_kept, "; Jul–Sep file would give " + jul_o75 + " of " + jul_reg, ""),
                         index=rows.index)
    detail = (why + "; " + describe_dates(rows) + "; over75 " + count(rows["over75"]) + " of "
              + count(rows["registered"]) + " registered (payments list " + count(rows["list_size"]) + ")"
              + jul_note)
    logs.append(log_rows(rows, "over75_from_apr_jun", detail))

    # 5. over75 above the list
    over = df["over75"] > df["list_size"]
    rows = df[over]
    detail = ("over75 " + count(rows["over75"]) + " > list_size " + count(rows["list_size"])
              + " (registrations " + rows["over75_source"] + " list " + count(rows["registered"])
              + "): over75 set to " + count(rows["list_size"]))
    logs.append(log_rows(rows, "cap_over75", detail))
    df["over75"] = np.minimum(df["over75"], df["list_size"])

    # 6. negative LES
    neg = df["les_published"] < 0
    rows = df[neg]
    detail = "LES " + rows["les_published"].map(money) + " set to £0"
    logs.append(log_rows(rows, "les_negative_to_zero", detail))
    facts["les_negative_sum"] = float(df.loc[neg, "les_published"].sum())
    df["les_total"] = df["les_published"].clip(lower=0.0)

    # 7. names
    spaced = df["name_published"] != df["practice_name"]
    rows = df[spaced]
    detail = "published name " + rows["name_published"].map(repr)
    logs.append(log_rows(rows, "name_whitespace", detail))

    # locality
    compact = df["postcode"].str.replace(" ", "", regex=False)
    df["outward"] = compact.str[:-3]
    df["locality"] = DEFAULT_LOCALITY
    nene = df["commissioner"] == NENE
    towns = df.loc[nene, "outward"].map(NENE_POST_TOWN)
    if towns.isna().any():
        bad = df.loc[nene][towns.isna()]
        raise BuildError("04G practice(s) with a postcode district not in NENE_POST_TOWN: "
                         + ", ".join(bad["practice_code"] + " " + bad["postcode"]))
    df.loc[nene, "locality"] = towns

    df["participating"] = "true"
    df["weighted_list"] = df["weighted_list"].round(2)
    df["les_total"] = df["les_total"].round(2)

    df = df.sort_values(["commissioner", "practice_code"], kind="mergesort").reset_index(drop=True)
    log = pd.concat(logs, ignore_index=True)
    log["_order"] = log["rule"].map(RULE_ORDER)
    log = (log.sort_values(["_order", "commissioner", "practice_code"], kind="mergesort")
           .drop(columns="_order").reset_index(drop=True))

    # invariants of the output
    problems = []
    if df["practice_code"].duplicated().any():
        problems.append("duplicate practice codes")
    if ((df["over75"] < 0) | (df["over75"] > df["list_size"])).any():
        problems.append("over75 outside 0..list_size")
    if (df["les_total"] < 0).any() or (df["list_size"] <= 0).any():
        problems.append("negative les_total or empty list")
    if not df["contract_type"].isin(["GMS", "PMS", "APMS"]).all():
        problems.append(f"unknown contract types {sorted(set(df['contract_type']) - {'GMS', 'PMS', 'APMS'})}")
    expected_les = (facts["les_published"] - facts["les_dropped_empty"] - facts["les_dropped_no_age"]
                    - facts["les_negative_sum"])
    if abs(float(df["les_total"].sum()) - expected_les) > 0.005:
        problems.append("les_total does not reconcile with the published total")
    if problems:
        raise BuildError("built list fails its own checks: " + "; ".join(problems))
    return df, log, facts


# ---------------------------------------------------------------------------------------------- writing


def fmt_number(values: pd.Series) -> pd.Series:
    """At most 2 decimals, no trailing zeros, no '-0': 5113 -> '5113', 12.5 -> '12.5'."""
    arr = np.round(values.to_numpy(dtype="float64"), 2) + 0.0
    text = pd.Series(np.char.mod("%.2f", arr), index=values.index)
    return text.str.rstrip("0").str.rstrip(".")


def to_output(df: pd.DataFrame) -> pd.DataFrame:
    out = df[COLUMNS].copy()
    out["list_size"] = out["list_size"].astype("int64")
    out["over75"] = out["over75"].astype("int64")
    out["weighted_list"] = fmt_number(out["weighted_list"])
    out["les_total"] = fmt_number(out["les_total"])
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def md_escape(s: str) -> str:
    return str(s).replace("|", "\\|")


def md_table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    align = align or "l" * len(headers)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(sep) + "|"]
    lines += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def totals(df: pd.DataFrame) -> dict:
    return {
        "practices": len(df),
        "commissioners": df["commissioner"].nunique(),
        "list_size": int(df["list_size"].sum()),
        "over75": int(df["over75"].sum()),
        "weighted_list": float(df["weighted_list"].sum()),
        "les_total": float(df["les_total"].sum()),
    }


def render_readme(england: pd.DataFrame, log: pd.DataFrame, facts: dict, hashes: dict[str, str]) -> str:
    nene = england[england["commissioner"] == NENE]
    t_n, t_e = totals(nene), totals(england)
    counts = log["rule"].value_counts()

    def n(rule: str) -> int:
        return int(counts.get(rule, 0))

    files_table = md_table(
        ["file", "what", "practices", "CCGs", "list_size", "over75", "les_total (£)", "sha256"],
        [
            [f"`{NENE_FILE}`", "NHS Nene CCG (04G), 2014/15", f"{t_n['practices']:,}", t_n["commissioners"],
             f"{t_n['list_size']:,}", f"{t_n['over75']:,}", f"{t_n['les_total']:,.0f}", f"`{hashes[NENE_FILE]}`"],
            [f"`{ENGLAND_FILE}`", "all England, 2014/15", f"{t_e['practices']:,}", t_e["commissioners"],
             f"{t_e['list_size']:,}", f"{t_e['over75']:,}", f"{t_e['les_total']:,.0f}",
             f"`{hashes[ENGLAND_FILE]}`"],
            [f"`{LOG_FILE}`", ("every row dropped or changed (practice_code, commissioner, practice_name, "
             "rule, detail)"), f"{len(log):,} rows", "", "", "", "", f"`{hashes[LOG_FILE]}`"],
        ],
        "llrrrrrl",
    )

    sources_table = md_table(
        ["file in `data/sources/`", "read by the build", "publication", "publisher", "licence", "repository",
         "path", "commit", "git blob", "sha256"],
        [[f"`{rel}`", "yes" if rel in USED_SOURCES else "no", src.publication, src.publisher, src.licence,
          f"`{src.repository}`", f"`{src.path}`", f"`{src.commit}`", f"`{src.blob}`", f"`{src.sha256}`"]
         for rel, src in SOURCES.items()],
    )

    columns_table = md_table(
        ["column", "source", "rule"],
        [
            ["commissioner", f"payments `{P_CCG}`", "as published, e.g. `04G`"],
            ["practice_code", f"payments `{P_CODE}`", "as published; unique in each file"],
            ["practice_name", f"payments `{P_NAME}`", "as published, leading/trailing spaces removed"],
            ["locality", f"payments `{P_POSTCODE}` (04G only)",
             ("derived proxy: post town of the practice postcode, not an official CCG locality. "
             f"Other CCGs: `{DEFAULT_LOCALITY}` (the sources carry no localities)")],
            ["list_size", f"payments `{P_LIST}`", "integer (the payments file's Q2 list for almost all)"],
            ["over75", f"NHSBSA `{R_M75}` + `{R_F75}`, joined on `{R_CODE}`",
             ("July–September 2014 file; April–June 2014 file where the payments list is from Q1 or the "
             "practice is not in the July–September file; capped at list_size")],
            ["weighted_list", f"payments `{P_WEIGHTED}`", "rounded to 2 dp (whole numbers in 2014/15)"],
            ["participating", "—", "`true` for every practice"],
            ["contract_type", f"payments `{P_CONTRACT}`", "GMS / PMS / APMS, as published"],
            ["les_total", f"payments `{P_LES}`",
             "£ for the year (whole pounds in 2014/15), at most 2 decimals; negative values set to 0"],
        ],
    )

    town_rows = []
    for town, grp in nene.groupby("locality", sort=True):
        districts = sorted(grp["outward"].unique(), key=lambda d: (d[:2], int(d[2:])))
        town_rows.append([town, ", ".join(districts), f"{len(grp):,}", f"{int(grp['list_size'].sum()):,}",
                          f"{int(grp['over75'].sum()):,}", f"{grp['les_total'].sum():,.0f}"])
    town_table = md_table(["locality (post town)", "postcode districts present", "practices", "list_size",
                           "over75", "les_total (£)"], town_rows, "llrrrr")

    rule_rows = [[str(i + 1), f"`{name}`", kind, desc, str(n(name))]
                 for i, (name, kind, desc) in enumerate(RULES)]
    rules_table = md_table(["#", "rule", "effect", "what and why", "rows"], rule_rows, "lllll")

    sections = []
    for name, kind, desc in RULES:
        rows = log[log["rule"] == name]
        body = (md_table(["practice_code", "CCG", "practice_name", "detail"],
                         rows[["practice_code", "commissioner", "practice_name", "detail"]].values.tolist())
                if len(rows) else "None.")
        sections.append(f"### `{name}` ({len(rows)} {'row' if len(rows) == 1 else 'rows'}, {kind})\n\n"
                        f"{desc}\n\n{body}\n")
    rows_sections = "\n".join(sections)

    nene_affected = log[log["commissioner"] == NENE]
    nene_note = ("No NHS Nene CCG (04G) practice is dropped or changed by any rule."
                 if nene_affected.empty else
                 f"NHS Nene CCG (04G) rows affected: {len(nene_affected)} (listed above).")

    # Notes: things that are not changed but worth knowing
    closed_kept = england[england["close_date"] != ""]
    pco_ccg = england["pco"].str[:3]
    pco_diff = england[pco_ccg != england["commissioner"]]
    pco_rows = [[r.practice_code, r.commissioner, r.pco, r.over75_source] for r in pco_diff.itertuples()]
    rel = (england["registered"] - england["list_size"]).abs() / england["list_size"]
    far = england[rel > 0.05]
    far_rows = [[r.practice_code, r.commissioner, f"{r.list_size:,}", f"{r.registered:,}", r.over75_source,
                 f"{r.over75:,}"] for r in far.itertuples()]

    # LES caveat figures
    ccg = england.groupby("commissioner").agg(ccg_name=("ccg_name", "first"), list_size=("list_size", "sum"),
                                               les=("les_total", "sum"))
    ccg["per_head"] = ccg["les"] / ccg["list_size"]
    ccg = ccg.sort_values(["per_head"], kind="mergesort")
    low = ccg.head(10)
    low_rows = [[r.Index, r.ccg_name, f"{r.list_size:,}", f"{r.les:,.0f}", f"{r.per_head:.2f}"]
                for r in low.itertuples()]
    named = ccg.loc[[c for c in CAVEAT_CCGS if c in ccg.index]]
    named_text = ", ".join(f"{r.ccg_name} ({r.Index}) £{r.les:,.0f} or £{r.per_head:.2f} a head"
                           for r in named.itertuples())
    under_1 = int((ccg["per_head"] < 1).sum())
    median_ph = float(ccg["per_head"].median())

    # Known quirks: practices with more than OVER75_SHARE_QUIRK of the list aged 75+, as `validate` warns
    # about them. Row numbers are those of england_2014_15.csv as `validate` counts them (header = row 1).
    share = england["over75"] / england["list_size"]
    old = england[share > OVER75_SHARE_QUIRK]
    capped = set(log.loc[log["rule"] == "cap_over75", "practice_code"])
    quirk_rows = []
    for i, r in old.iterrows():
        notes = []
        if r.list_size < 100:
            notes.append(f"tiny list ({r.list_size:,} patients)")
        if r.practice_code in capped:
            notes.append("NHSBSA gave more patients aged 75+ than the list: capped (`cap_over75`)")
        if abs(r.registered - r.list_size) > 0.05 * r.list_size:
            notes.append(f"NHSBSA registered {r.registered:,} against a payments list of {r.list_size:,}")
        quirk_rows.append([str(int(i) + 2), r.practice_code, r.practice_name, f"{r.commissioner} {r.ccg_name}",
                           f"{r.over75:,} of {r.list_size:,}", f"{share[i] * 100:.0f} %",
                           "; ".join(notes) or "—"])
    old_nene = int((old["commissioner"] == NENE).sum())
    old_nene_text = (f"None of them is in NHS Nene CCG (04G), so\n`{NENE_FILE}` gives no such warning."
                     if old_nene == 0 else f"{old_nene} of them are in NHS Nene CCG (04G).")
    quirk_pct = f"{OVER75_SHARE_QUIRK * 100:.0f} %"
    quirks_table = (md_table(["row", "practice_code", "practice_name", "CCG", "over75 of list_size", "%", "note"],
                             quirk_rows, "rllllrl") if quirk_rows else "None.")

    return f"""# Default practice lists (`data/`)

<!-- This file is written by scripts/build_data.py together with the CSVs. Do not edit it by hand:
     change the script and run `make data`. -->

Real practice lists for England, financial year 2014/15, built by `scripts/build_data.py` from the
published files in `data/sources/`, unchanged copies carried in this repository. The app and the command line
start on `{NENE_FILE}`.

{files_table}

Both practice lists have the same columns, in this order:
`{", ".join(COLUMNS)}`. UTF-8 without BOM, LF line endings, one header row, rows sorted by
`commissioner` then `practice_code`. The 04G rows of `{ENGLAND_FILE}` are identical to `{NENE_FILE}`.

NHS Nene CCG: {t_n['practices']} practices, {t_n['list_size']:,} registered patients, {t_n['over75']:,} aged 75+
({t_n['over75'] / t_n['list_size']:.1%}), LES income £{t_n['les_total']:,.0f} (£{t_n['les_total'] / t_n['list_size']:.2f} a head).
England: {t_e['practices']:,} practices in {t_e['commissioners']} CCGs, {t_e['list_size']:,} registered patients,
{t_e['over75']:,} aged 75+, LES income £{t_e['les_total']:,.0f}.

## Sources

{sources_table}

The payments file is one row per practice paid in 2014/15 ({facts['published_rows']:,} practices,
{facts['published_ccgs']} CCGs). The list-size files give registered patients by sex and age band; the last
band is 75+. Each file in `data/sources/` is a byte-for-byte copy of the file at the repository, path and
commit given above (its git blob id and sha256 identify it); the build checks the sha256 of the three files it
reads before it starts. `.gitattributes` marks `data/sources/**` as `-text` so that git never changes their
line endings (CRLF) or byte-order mark. The full provenance record of the copies (what each file is, where
it came from, format notes and checked facts) is `data/sources/README.md`.

## Licence and attribution

Contains public sector information licensed under the Open Government Licence v3.0.

- NHS Payments to General Practice, England, 2014/15: published by the Health and Social Care Information
  Centre (HSCIC), now part of NHS England. Open Government Licence v3.0.
- Practice List Size, April–June and July–September 2014: published by the NHS Business Services Authority
  (NHSBSA), Information Services Portal. Open Government Licence.

Open Government Licence v3.0: <https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/>

## Columns

{columns_table}

### Locality (04G only)

The sources carry no CCG localities or federations. For NHS Nene CCG the `locality` column is a
**derived proxy: post town of the practice postcode, not an official CCG locality**. The outward code
(postcode district) of `{P_POSTCODE}` is mapped to its Royal Mail post town: NN1–NN7 Northampton,
NN8, NN9 and NN29 Wellingborough, NN10 Rushden, NN11 Daventry, NN12 Towcester, NN13 Brackley,
NN14–NN16 Kettering. Corby (NN17, NN18) and Oundle (PE8) practices belong to Corby CCG, not Nene, so no 04G
practice falls outside this table (the build stops if one does). Every other CCG has the single locality
`{DEFAULT_LOCALITY}`.

{town_table}

## Cleaning rules

Applied in this order to the {facts['published_rows']:,} practices of the payments file. Rows dropped by an
earlier rule are not considered by later ones. Every affected row is listed below and in `{LOG_FILE}`.

{rules_table}

Not changed: closed practices that still had registered patients are kept ({len(closed_kept)} in the
England list; they were paid in the year). {nene_note}

LES reconciliation: published total £{facts['les_published']:,.0f}, less £{facts['les_dropped_empty']:,.0f} paid to
practices with 0 patients, less £{facts['les_dropped_no_age']:,.0f} paid to practices with no age data (which also
had {facts['list_dropped_no_age']:,} registered patients), plus £{-facts['les_negative_sum']:,.0f} of negative LES
set to 0, equals £{t_e['les_total']:,.0f}, the `les_total` of `{ENGLAND_FILE}`.

## Rows dropped or changed

{rows_sections}
## Notes (nothing changed)

The CCG code of the list-size file (`PCO Code`, first 3 characters) differs from the payments `CCG Code` for
these practices; `commissioner` is always the payments `CCG Code`:

{md_table(["practice_code", "commissioner", "PCO Code", "over75 from"], pco_rows) if pco_rows else "None."}

The registrations total used for `over75` differs from the payments `list_size` by more than 5 % for these
practices; `over75` is used as published (and is within `list_size`):

{md_table(["practice_code", "commissioner", "list_size", "registered (NHSBSA)", "over75 from", "over75"],
          far_rows, "llrrlr") if far_rows else "None."}

## Known quirks: practices with over {quirk_pct} of patients aged 75+

Across England {t_e['over75'] / t_e['list_size'] * 100:.1f} % of registered patients are aged 75 or over. In
`{ENGLAND_FILE}` {len(old)} practices have more than {quirk_pct}. {old_nene_text}
These are real figures from the sources, not build errors: `list_size` is the payments file's registered list
and `over75` is NHSBSA's `{R_M75}` + `{R_F75}` for the same practice. They are practices that serve care
homes or older people, or practices with lists so small that a handful of patients makes a large share.
The build keeps them as published (apart from the `cap_over75` row above).

`python -m model validate` lists each of them as a warning (`row N, column 'over75': … are aged 75+, above
{quirk_pct} …`) with the row numbers below (the header is row 1); the list is still usable.
`run` and `national` summarise them in one warning line instead of one line each.

{quirks_table}

## Caveat: LES income

2014/15 LES figures count only LES paid through the national payments system. LES paid locally (for
example from CCG ledgers) is not in the publication, so some CCGs show almost none. For example {named_text}, against £{t_n['les_total'] / t_n['list_size']:.2f} a head in
Nene and a median of £{median_ph:.2f} a head across CCGs; {under_1} of {t_e['commissioners']} CCGs show less than £1 a head.
A low figure here does not mean a CCG spent little on LES. Users with local ledgers should upload their own
`les_*` figures. The ten lowest:

{md_table(["CCG", "name", "list_size", "les_total (£)", "£ a head"], low_rows, "llrrr")}

## Rebuilding

```
make data                        # or: .venv/bin/python scripts/build_data.py
python scripts/build_data.py --source data/sources/ --out data
```

The script checks the sha256 of each source file it reads first, needs no network, and is deterministic: rerunning it
reproduces every file in `data/` byte for byte (`tests/test_build_data.py` checks this).
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help=f"source data (default {DEFAULT_SOURCE})")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    args = ap.parse_args(argv)

    try:
        england, log, facts = build(args.source)
    except BuildError as exc:
        print(f"build_data: {exc}", file=sys.stderr)
        return 2

    out_england = to_output(england)
    out_nene = out_england[out_england["commissioner"] == NENE]
    blobs = {
        NENE_FILE: csv_bytes(out_nene),
        ENGLAND_FILE: csv_bytes(out_england),
        LOG_FILE: csv_bytes(log),
    }
    hashes = {name: hashlib.sha256(b).hexdigest() for name, b in blobs.items()}
    blobs[README_FILE] = render_readme(england, log, facts, hashes).encode("utf-8")

    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in blobs.items():
        write_atomic(args.out / name, data)

    t_n, t_e = totals(england[england["commissioner"] == NENE]), totals(england)
    print(f"wrote {args.out}")
    print(f"  {NENE_FILE}: {t_n['practices']} practices, list {t_n['list_size']:,}, over75 {t_n['over75']:,}, "
          f"les_total £{t_n['les_total']:,.0f}")
    print(f"  {ENGLAND_FILE}: {t_e['practices']:,} practices, {t_e['commissioners']} CCGs, "
          f"list {t_e['list_size']:,}, over75 {t_e['over75']:,}, les_total £{t_e['les_total']:,.0f}")
    summary = ", ".join(f"{rule} {int(c)}" for rule, c in
                        log["rule"].value_counts().reindex([r for r, _, _ in RULES], fill_value=0).items())
    print(f"  {LOG_FILE}: {len(log)} rows ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
