"""Checking a sheet of a practice list: every problem at once, each naming its row and column.

The checks of docs/design.md §3.1, vectorised over rows: which column is which, required columns,
numbers as people type them ('12,345', '£1,234.56'), over75 ≤ list size, duplicate codes, and the
warnings a finance lead should look at (list size 0, over 40 % aged 75+, LES all zero).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from model.practice_columns import (
    _ALIASES,
    _DESCRIPTIONS,
    _FALSE,
    _MAX_PATIENTS,
    _MAX_POUNDS,
    _PAYMENTS_MARKERS,
    _TRUE,
    CANONICAL_COLUMNS,
    DEFAULT_COMMISSIONER,
    DEFAULT_LOCALITY,
    EXTRA_TEXT_COLUMNS,
    MAX_PROBLEMS_PER_COLUMN,
    OVER75_SHARE_WARNING,
    REQUIRED_COLUMNS,
    _canonical_name,
    _key,
)
from model.practice_files import _Table
from model.validation import LoadResult, Problem, ValidationReport, error, failed, warning


class _Findings:
    """Row-level problems collected as masks; messages are built for the first few rows only."""

    def __init__(self, name: str, rows: np.ndarray, order: dict[str, int]):
        self.name = name
        self.rows = rows
        self.order = order  # header -> position in the file, so problems follow the file's columns
        self.items: list[tuple[str, str | None, np.ndarray, Callable[[int], str], str]] = []

    def add(self, level: str, column: str | None, mask: np.ndarray, message: Callable[[int], str],
            kind: str = "") -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.items.append((level, column, mask, message, kind))

    def problems(self, level: str) -> list[Problem]:
        groups: dict[str | None, list[tuple[np.ndarray, Callable[[int], str], str]]] = {}
        for lev, column, mask, message, kind in self.items:
            if lev == level:
                groups.setdefault(column, []).append((mask, message, kind))
        out: list[Problem] = []
        for column, items in sorted(groups.items(), key=lambda kv: self.order.get(kv[0] or "", -1)):
            listed: list[tuple[int, int, str]] = []
            total = 0
            for seq, (mask, message, _) in enumerate(items):
                positions = np.flatnonzero(mask)
                total += len(positions)
                listed += [(int(self.rows[p]), seq, message(int(p))) for p in positions[:MAX_PROBLEMS_PER_COLUMN]]
            listed.sort()
            out += [Problem(level, self.name, row, column, msg, items[seq][2])  # type: ignore[arg-type]
                    for row, seq, msg in listed[:MAX_PROBLEMS_PER_COLUMN]]
            if total > MAX_PROBLEMS_PER_COLUMN:
                where = "this column" if column else "the file"
                kinds = {kind for _, _, kind in items}
                out.append(Problem(level, self.name, None, column,  # type: ignore[arg-type]
                                   f"… and {total - MAX_PROBLEMS_PER_COLUMN:,} more {level}s like these in "
                                   f"{where} (only the first {MAX_PROBLEMS_PER_COLUMN} are listed)",
                                   kinds.pop() if len(kinds) == 1 else ""))
        return out


def _shown(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _parse_numbers(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers as people type them: '12,345', '£1,234.56', '(1,234)' (= -1234), '-' or blank.

    Returns (values, blank, bad): values are NaN where blank or bad.
    """
    s = text.str.strip()
    blank = s.isin(["", "-", "–", "—"]).to_numpy()
    t = s.str.replace("\u2212", "-", regex=False)
    paren = t.str.fullmatch(r"\([^()+\-]*\)").to_numpy(dtype=bool)
    t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    t = t.str.replace(r"[£\s]", "", regex=True)
    has_comma = t.str.contains(",", regex=False)
    good_comma = t.str.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
    t = t.where(~has_comma | good_comma, "not a number").str.replace(",", "", regex=False)
    values = pd.to_numeric(t, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    values = np.where(paren, -values, values)
    bad = ~blank & ~np.isfinite(values)
    values = np.where(blank | bad, np.nan, values)
    return values, blank, bad


def check(table: _Table, empty_ok_message: str = "the file has a header row but no practice rows") -> LoadResult:
    name, header, body = table.name, table.header, table.body
    errors: list[Problem] = []
    warnings = list(table.warnings)

    # ---- 1. which column is which -----------------------------------------------------------
    mapping: dict[str, int] = {}
    headers: dict[str, str] = {}
    unrecognised: list[str] = []
    for pos, h in enumerate(header):
        if not h:
            if pos in body.columns and body[pos].str.strip().ne("").any():
                unrecognised.append(f"(column {_column_letter(pos)}, no header)")
            continue
        canon = _canonical_name(h)
        if canon is None:
            unrecognised.append(h)
        elif canon in mapping:
            errors.append(error(name, f"columns '{headers[canon]}' and '{h}' both give {canon}: keep one and "
                                     "delete or rename the other", row=table.header_row, column=h))
        else:
            mapping[canon] = pos
            headers[canon] = h
    keys = {_key(h): pos for pos, h in enumerate(header) if h}
    over75_parts: list[int] | None = None
    if "over75" not in mapping and "male75+" in keys and "female75+" in keys:
        over75_parts = [keys["male75+"], keys["female75+"]]
        unrecognised = [h for h in unrecognised if _key(h) not in ("male75+", "female75+")]
        headers["over75"] = f"{header[over75_parts[0]]} + {header[over75_parts[1]]}"
        warnings.append(warning(name, f"no over75 column: patients aged 75+ were worked out as "
                                    f"'{header[over75_parts[0]]}' + '{header[over75_parts[1]]}'"))

    # rows that are blank in every column the model reads are skipped (e.g. notes in other columns)
    used = [mapping[c] for c in mapping] + (over75_parts or [])
    if used:
        keep = np.zeros(len(body), dtype=bool)
        for pos in used:
            keep |= body[pos].str.strip().ne("").to_numpy()
        if not keep.all():
            body = body.loc[keep].reset_index(drop=True)
            table.rows = table.rows[keep]
    rows = table.rows
    n = len(body)

    # ---- 2. required columns ------------------------------------------------------------------
    missing = [c for c in REQUIRED_COLUMNS if c not in mapping and not (c == "over75" and over75_parts)]
    if "over75" in missing and "list_size" in mapping and "practice_code" in mapping and n:
        # The payments publication: one clear message, not a list of generic ones.
        return failed(name, [_no_over75(name, keys)], n_rows=n, file_type=table.file_type,
                       columns=_ordered(headers))
    for c in missing:
        examples = ", ".join(f"'{a}'" for a in _ALIASES[c][:3])
        msg = f"there is no {c} column ({_DESCRIPTIONS[c]}); name a column {examples}"
        if c == "over75":
            msg = _no_over75(name, keys).message
        errors.append(error(name, msg, column=c))
    if n == 0:
        errors.insert(0, error(name, empty_ok_message))
    if errors:
        if unrecognised:
            warnings.append(_unrecognised_warning(name, unrecognised))
        return failed(name, errors, warnings, n_rows=n, file_type=table.file_type, columns=_ordered(headers))

    # ---- 3. cell by cell -------------------------------------------------------------------------
    f = _Findings(name, rows, {h: pos for pos, h in reversed(list(enumerate(header)))})

    def text(canon: str) -> pd.Series:
        return body[mapping[canon]].str.strip()

    code_col = headers["practice_code"]
    code = text("practice_code").str.upper()
    code_blank = code.eq("").to_numpy()
    f.add("error", code_col, code_blank,
          lambda p: "the practice code is blank (if this is a totals or notes row, delete it)")

    if "commissioner" in mapping:
        comm = text("commissioner")
        comm_blank = comm.eq("").to_numpy()
        if comm_blank.all():
            comm = pd.Series(DEFAULT_COMMISSIONER, index=body.index, dtype="str")
        else:
            f.add("error", headers["commissioner"], comm_blank,
                  lambda p: "the commissioner is blank (other rows have one): fill it in")
    else:
        comm = pd.Series(DEFAULT_COMMISSIONER, index=body.index, dtype="str")

    if "practice_name" in mapping:
        pname = text("practice_name")
        pname = pname.where(pname.ne(""), code)
    else:
        pname = code.copy()

    if "locality" in mapping:
        loc = text("locality")
        loc_blank = loc.eq("").to_numpy()
        if loc_blank.any() and not loc_blank.all():
            f.add("warning", headers["locality"], loc_blank,
                  lambda p: f"no locality given: the practice was put in '{DEFAULT_LOCALITY}'")
        loc = loc.where(~loc_blank, DEFAULT_LOCALITY)
    else:
        loc = pd.Series(DEFAULT_LOCALITY, index=body.index, dtype="str")

    def counts(pos: int, col: str, what: str) -> tuple[np.ndarray, np.ndarray]:
        raw = body[pos]
        values, blank, bad = _parse_numbers(raw)
        f.add("error", col, blank, lambda p: f"the {what} is blank: a whole number of patients is needed")
        f.add("error", col, bad, lambda p: f"{_shown(raw.iat[p])} is not a number")
        neg = values < 0
        f.add("error", col, neg, lambda p: f"{_shown(raw.iat[p])} is negative: a number of patients cannot be "
                                           "below 0")
        frac = (values >= 0) & (values != np.floor(values))
        f.add("error", col, frac, lambda p: f"{_shown(raw.iat[p])} is not a whole number of patients")
        huge = values > _MAX_PATIENTS
        f.add("error", col, huge, lambda p: f"{_shown(raw.iat[p])} is too large to be a number of patients")
        valid = np.isfinite(values) & ~neg & ~frac & ~huge
        return values, valid

    list_col = headers["list_size"]
    list_size, list_ok = counts(mapping["list_size"], list_col, "list size")
    over_col = headers["over75"]
    if over75_parts is None:
        over75, over_ok = counts(mapping["over75"], over_col, "number of patients aged 75+")
    else:
        male, male_ok = counts(over75_parts[0], header[over75_parts[0]], "number of men aged 75+")
        female, fem_ok = counts(over75_parts[1], header[over75_parts[1]], "number of women aged 75+")
        over75, over_ok = male + female, male_ok & fem_ok

    both = list_ok & over_ok
    more = both & (over75 > list_size)
    f.add("error", over_col, more,
          lambda p: f"patients aged 75+ ({over75[p]:,.0f}) are more than the list size ({list_size[p]:,.0f})")

    weighted = None
    if "weighted_list" in mapping:
        wraw = body[mapping["weighted_list"]]
        wcol = headers["weighted_list"]
        weighted, wblank, wbad = _parse_numbers(wraw)
        f.add("error", wcol, wblank, lambda p: "the weighted list is blank: give a number or delete the column")
        f.add("error", wcol, wbad, lambda p: f"{_shown(wraw.iat[p])} is not a number")
        f.add("error", wcol, weighted < 0,
              lambda p: f"{_shown(wraw.iat[p])} is negative: a weighted list cannot be below 0")
        f.add("error", wcol, weighted > _MAX_PATIENTS,
              lambda p: f"{_shown(wraw.iat[p])} is too large to be a weighted list")

    participating = np.ones(n, dtype=bool)
    if "participating" in mapping:
        praw = body[mapping["participating"]]
        low = praw.str.strip().str.lower()
        is_true = low.isin(_TRUE).to_numpy() | low.eq("").to_numpy()
        is_false = low.isin(_FALSE).to_numpy()
        f.add("error", headers["participating"], ~is_true & ~is_false,
              lambda p: f"{_shown(praw.iat[p])} is not yes or no (use yes/no, true/false, y/n or 1/0; "
                        "blank means yes)")
        participating = ~is_false

    les: dict[str, np.ndarray] = {}
    les_names = [c for c in sorted(mapping, key=mapping.__getitem__) if c.startswith("les_")]
    les_zero_warnings: list[Problem] = []
    for canon in les_names:
        lraw = body[mapping[canon]]
        lcol = headers[canon]
        values, lblank, lbad = _parse_numbers(lraw)
        f.add("error", lcol, lbad, lambda p, r=lraw: f"{_shown(r.iat[p])} is not an amount of money")
        f.add("error", lcol, values < 0,
              lambda p, r=lraw: f"{_shown(r.iat[p])} is negative: LES income for the year cannot be below £0 "
                                "(net any clawback off against the practice's income)")
        f.add("error", lcol, values > _MAX_POUNDS,
              lambda p, r=lraw: f"{_shown(r.iat[p])} is too large to be a year's LES income")
        values = np.round(np.where(lblank, 0.0, values), 2)
        les[canon] = values
        if not lbad.any() and (values == 0).all():
            les_zero_warnings.append(warning(name, f"the LES column {canon} is £0 for every practice", column=lcol))

    # duplicate practice codes within a commissioner
    key_frame = pd.DataFrame({"c": comm, "p": code})
    counted = ~code_blank
    dup_any = key_frame.duplicated(keep=False).to_numpy() & counted
    second = np.zeros(n, dtype=bool)
    if dup_any.any():
        second[dup_any] = key_frame[dup_any].groupby(["c", "p"], sort=False).cumcount().to_numpy() == 1
    has_comm = "commissioner" in mapping

    def dup_message(p: int) -> str:
        same = np.flatnonzero(counted & (code.to_numpy() == code.iat[p]) & (comm.to_numpy() == comm.iat[p]))
        listed = [f"{r}" for r in rows[same]]
        where = f" in commissioner {comm.iat[p]}" if has_comm else ""
        row_text = ", ".join(listed[:-1]) + " and " + listed[-1]
        return f"practice code {code.iat[p]} appears more than once{where}: rows {row_text}"

    f.add("error", code_col, second, dup_message)

    # warnings that do not block
    f.add("warning", list_col, list_ok & (list_size == 0),
          lambda p: "the list size is 0: this practice gets nothing from a per-patient share")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(both & (list_size > 0), over75 / np.where(list_size > 0, list_size, 1), 0.0)
    f.add("warning", over_col, both & ~more & (share > OVER75_SHARE_WARNING),
          lambda p: f"{over75[p]:,.0f} of {list_size[p]:,.0f} patients ({share[p] * 100:.0f} %) are aged 75+, "
                    f"above {OVER75_SHARE_WARNING * 100:.0f} % (England: about 8 %): check the figures",
          kind="over75_share")

    errors = f.problems("error")
    warnings += f.problems("warning") + les_zero_warnings
    if unrecognised:
        warnings.append(_unrecognised_warning(name, unrecognised))
    if weighted is None:
        warnings.append(warning(name, "there is no weighted_list column (Carr-Hill weighted list): a scenario "
                                    "that shares money by weighted list cannot use this file"))

    n_comm = int(comm[~comm.eq("")].nunique())
    common: dict[str, Any] = {
        "n_rows": n, "n_commissioners": n_comm, "file_type": table.file_type,
        "columns": _ordered(headers), "les_columns": les_names,
    }
    if errors:
        return failed(name, errors, warnings, **common)

    out: dict[str, pd.Series | np.ndarray] = {
        "commissioner": comm.astype("str").to_numpy(),
        "practice_code": code.to_numpy(),
        "practice_name": pname.to_numpy(),
        "locality": loc.to_numpy(),
        "list_size": list_size.astype(np.int64),
        "over75": over75.astype(np.int64),
    }
    if weighted is not None:
        out["weighted_list"] = weighted.astype(np.float64)
    out["participating"] = participating
    for extra in EXTRA_TEXT_COLUMNS:
        if extra in mapping:
            out[extra] = text(extra).to_numpy()
    out.update(les)
    frame = pd.DataFrame(out, index=pd.RangeIndex(n))
    for col in ["commissioner", "practice_code", "practice_name", "locality", *EXTRA_TEXT_COLUMNS]:
        if col in frame:
            frame[col] = frame[col].astype("str")
    report = ValidationReport(
        file=name, errors=[], warnings=warnings, **common,
        total_list_size=int(frame["list_size"].sum()), total_over75=int(frame["over75"].sum()),
        les_totals={c: round(float(frame[c].sum()), 2) for c in les_names},
        commissioners=list(pd.unique(frame["commissioner"])),
    )
    return LoadResult(frame, report)


def _no_over75(name: str, keys: dict[str, int]) -> Problem:
    looks_like = "This looks like the NHS Payments to General Practice publication, which" \
        if _PAYMENTS_MARKERS & set(keys) else "The NHS Payments to General Practice publication"
    return error(
        name,
        "the file has no column of patients aged 75+ (over75), which the model needs. "
        f"{looks_like} does not carry one. Add an 'over75' column, e.g. from the NHSBSA practice list size "
        "file for the same quarter (Male 75+ plus Female 75+), matched on practice code.",
        column="over75",
    )


def _unrecognised_warning(name: str, headers: list[str]) -> Problem:
    n = len(headers)
    listed = ", ".join(f"'{h}'" if not h.startswith("(") else h for h in headers)
    return warning(name, f"{n} column{'' if n == 1 else 's'} not recognised and ignored: {listed}")


def _ordered(headers: dict[str, str]) -> dict[str, str]:
    order = [*CANONICAL_COLUMNS, *EXTRA_TEXT_COLUMNS]
    first = {c: headers[c] for c in order if c in headers}
    return first | {c: h for c, h in headers.items() if c not in first}


def _column_letter(pos: int) -> str:
    letters = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
