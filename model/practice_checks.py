"""Checking a sheet of a practice list: every problem at once, each naming its row and column.

The checks of docs/design.md §3.1, vectorised over rows: which column is which, required columns,
numbers as people type them ('12,345', '£1,234.56'), over75 ≤ list size, duplicate codes, and the
warnings a finance lead should look at (list size 0, over 40 % aged 75+, LES all zero).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from model.limits import (
    MAX_CODE_CHARS,
    MAX_COLUMNS,
    MAX_LES_SCHEMES,
    MAX_PRACTICES,
    MAX_ROWS_LISTED,
    MAX_TEXT_CHARS,
    rows_text,
)
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

    >>> values, blank, bad = _parse_numbers(pd.Series(["12,345", "£1,234.56", "(1,234)", "-", "12,34"]))
    >>> values.tolist()
    [12345.0, 1234.56, -1234.0, nan, nan]
    >>> blank.tolist(), bad.tolist()   # '-' is a blank cell; '12,34' is not a number anyone meant
    ([False, False, False, True, False], [False, False, False, False, True])
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
    name = table.name

    # ---- 1. which column is which (rows blank in every column the model reads are skipped) ----
    if len(table.header) > MAX_COLUMNS:
        return failed(name, [error(name, f"the file has {len(table.header):,} columns; a practice list may have at "
                                         f"most {MAX_COLUMNS}. Delete the columns the model does not use")],
                      file_type=table.file_type)
    cols, errors, warnings = _which_column_is_which(table)
    body = _skip_blank_rows(table, cols)
    n = len(body)
    if n > MAX_PRACTICES:
        return failed(name, [error(name, f"the file has {n:,} practice rows; a practice list may have at most "
                                         f"{MAX_PRACTICES:,}. Split it by commissioner (each part is read on its "
                                         "own)")],
                      n_rows=n, file_type=table.file_type, columns=_ordered(cols.headers))
    if len(cols.les_names) > MAX_LES_SCHEMES:
        errors.append(error(name, f"the file has {len(cols.les_names):,} LES columns (les_…); a practice list may have "
                                  f"at most {MAX_LES_SCHEMES}. Add small schemes together into one column"))

    # ---- 2. required columns ------------------------------------------------------------------
    missing = _missing_columns(cols)
    if "over75" in missing and "list_size" in cols.mapping and "practice_code" in cols.mapping and n:
        # The payments publication: one clear message, not a list of generic ones.
        return failed(name, [_no_over75(name, cols.keys)], n_rows=n, file_type=table.file_type,
                      columns=_ordered(cols.headers))
    errors += _missing_column_errors(name, missing, cols.keys)
    if n == 0:
        errors.insert(0, error(name, empty_ok_message))
    if errors:
        warnings += _unrecognised_warnings(name, cols.unrecognised)
        return failed(name, errors, warnings, n_rows=n, file_type=table.file_type, columns=_ordered(cols.headers))

    # ---- 3. cell by cell ----------------------------------------------------------------------
    f = _Findings(name, table.rows, {h: pos for pos, h in reversed(list(enumerate(table.header)))})
    text = _text_columns(body, cols, f)
    counts = _patient_counts(body, cols, f, table.header)
    weighted = _weighted_list(body, cols, f)
    participating = _participating(body, cols, f)
    les, les_zero_warnings = _les_columns(name, body, cols, f)
    _duplicate_codes(f, text, cols, table.rows)
    _soft_warnings(f, counts, cols)

    # ---- 4. the report, and the canonical frame when there is no error -------------------------
    errors = f.problems("error")
    warnings += f.problems("warning") + les_zero_warnings + _unrecognised_warnings(name, cols.unrecognised)
    if weighted is None:
        warnings.append(warning(name, "there is no weighted_list column (Carr-Hill weighted list): a scenario "
                                    "that shares money by weighted list cannot use this file"))
    common: dict[str, Any] = {
        "n_rows": n, "n_commissioners": int(text.comm[~text.comm.eq("")].nunique()),
        "file_type": table.file_type, "columns": _ordered(cols.headers), "les_columns": cols.les_names,
    }
    if errors:
        return failed(name, errors, warnings, **common)
    frame = _practice_frame(text, counts, weighted, participating, les, n)
    return LoadResult(frame, _report(name, warnings, common, frame))


@dataclass
class _Columns:
    """Which column of the sheet is which."""

    mapping: dict[str, int] = field(default_factory=dict)  # canonical name -> position in the sheet
    headers: dict[str, str] = field(default_factory=dict)  # canonical name -> header as written
    keys: dict[str, int] = field(default_factory=dict)  # matching key (_key) of every header -> position
    unrecognised: list[str] = field(default_factory=list)  # headers (or "(column X, no header)") ignored
    over75_parts: list[int] | None = None  # [men 75+, women 75+] positions when over75 is their sum

    @property
    def les_names(self) -> list[str]:
        """The les_* columns, in file order."""
        return [c for c in sorted(self.mapping, key=self.mapping.__getitem__) if c.startswith("les_")]

    def text(self, body: pd.DataFrame, canon: str) -> pd.Series:
        return body[self.mapping[canon]].str.strip()


def _which_column_is_which(table: _Table) -> tuple[_Columns, list[Problem], list[Problem]]:
    """The columns found, errors for two columns giving the same thing, and the sheet's warnings."""
    name, header, body = table.name, table.header, table.body
    cols = _Columns()
    errors: list[Problem] = []
    warnings = list(table.warnings)
    for pos, h in enumerate(header):
        if not h:
            if pos in body.columns and body[pos].str.strip().ne("").any():
                cols.unrecognised.append(f"(column {_column_letter(pos)}, no header)")
            continue
        canon = _canonical_name(h)
        if canon is None:
            cols.unrecognised.append(h)
        elif canon in cols.mapping:
            errors.append(error(name, f"columns '{cols.headers[canon]}' and '{h}' both give {canon}: keep one "
                                      "and delete or rename the other", row=table.header_row, column=h))
        else:
            cols.mapping[canon] = pos
            cols.headers[canon] = h
    cols.keys = {_key(h): pos for pos, h in enumerate(header) if h}
    if "over75" not in cols.mapping and "male75+" in cols.keys and "female75+" in cols.keys:
        parts = cols.over75_parts = [cols.keys["male75+"], cols.keys["female75+"]]
        cols.unrecognised = [h for h in cols.unrecognised if _key(h) not in ("male75+", "female75+")]
        cols.headers["over75"] = f"{header[parts[0]]} + {header[parts[1]]}"
        warnings.append(warning(name, f"no over75 column: patients aged 75+ were worked out as "
                                      f"'{header[parts[0]]}' + '{header[parts[1]]}'"))
    return cols, errors, warnings


def _skip_blank_rows(table: _Table, cols: _Columns) -> pd.DataFrame:
    """The body without rows blank in every column the model reads (e.g. notes in other columns).

    ``table.rows`` is cut to match, so problems keep naming the rows the user sees.
    """
    body = table.body
    used = [cols.mapping[c] for c in cols.mapping] + (cols.over75_parts or [])
    if used:
        keep = np.zeros(len(body), dtype=bool)
        for pos in used:
            keep |= body[pos].str.strip().ne("").to_numpy()
        if not keep.all():
            body = body.loc[keep].reset_index(drop=True)
            table.rows = table.rows[keep]
    return body


def _missing_columns(cols: _Columns) -> list[str]:
    return [c for c in REQUIRED_COLUMNS if c not in cols.mapping and not (c == "over75" and cols.over75_parts)]


def _missing_column_errors(name: str, missing: list[str], keys: dict[str, int]) -> list[Problem]:
    errors = []
    for c in missing:
        examples = ", ".join(f"'{a}'" for a in _ALIASES[c][:3])
        msg = f"there is no {c} column ({_DESCRIPTIONS[c]}); name a column {examples}"
        if c == "over75":
            msg = _no_over75(name, keys).message
        errors.append(error(name, msg, column=c))
    return errors


class _Text(NamedTuple):
    """The text columns, stripped, with defaults filled in."""

    code: pd.Series  # upper-cased
    code_blank: np.ndarray
    comm: pd.Series
    pname: pd.Series
    loc: pd.Series
    extras: dict[str, pd.Series]  # EXTRA_TEXT_COLUMNS present in the file


_CONTROL = "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+"
"""Control characters: tabs, line breaks, terminal escapes, and the Unicode line, paragraph and
direction-override marks that make text show other than it reads."""


def _clean_text(body: pd.DataFrame, cols: _Columns, canon: str, f: _Findings, max_chars: int,
                what: str) -> pd.Series:
    r"""One text column, stripped, with control characters replaced by a space (a warning naming each row),
    and an error for text longer than `max_chars`.

    >>> f = _Findings("x.csv", np.array([2, 3]), {})
    >>> cols = _Columns(mapping={"practice_name": 0}, headers={"practice_name": "Name"})
    >>> body = pd.DataFrame({0: ["Smith\tSurgery", "Park\r\nHouse "]})
    >>> _clean_text(body, cols, "practice_name", f, 200, "practice name").tolist()
    ['Smith Surgery', 'Park House']
    >>> print(f.problems("warning")[0])
    x.csv, row 2, column 'Name': 'Smith\tSurgery' has control characters (tabs, line breaks, …): each was
    replaced by a space
    """
    raw = cols.text(body, canon)
    header = cols.headers[canon]
    bad = raw.str.contains(_CONTROL, regex=True).to_numpy(dtype=bool)
    text = raw
    if bad.any():
        text = raw.str.replace(_CONTROL, " ", regex=True).str.strip()
        f.add("warning", header, bad, lambda p: f"{_shown(raw.iat[p])} has control characters (tabs, line breaks, "
                                                "…): each was replaced by a space")
    lengths = text.str.len().to_numpy()
    f.add("error", header, lengths > max_chars,
          lambda p: f"the {what} is {lengths[p]:,} characters long; the limit is {max_chars}: shorten it")
    return text


def _text_columns(body: pd.DataFrame, cols: _Columns, f: _Findings) -> _Text:
    """Practice code, commissioner, practice name, locality and the extra text columns."""
    code = _clean_text(body, cols, "practice_code", f, MAX_CODE_CHARS, "practice code").str.upper()
    code_blank = code.eq("").to_numpy()
    f.add("error", cols.headers["practice_code"], code_blank,
          lambda p: "the practice code is blank (if this is a totals or notes row, delete it)")

    comm = pd.Series(DEFAULT_COMMISSIONER, index=body.index, dtype="str")
    if "commissioner" in cols.mapping:
        given = _clean_text(body, cols, "commissioner", f, MAX_CODE_CHARS, "commissioner code")
        comm_blank = given.eq("").to_numpy()
        if not comm_blank.all():
            comm = given
            f.add("error", cols.headers["commissioner"], comm_blank,
                  lambda p: "the commissioner is blank (other rows have one): fill it in")

    if "practice_name" in cols.mapping:
        pname = _clean_text(body, cols, "practice_name", f, MAX_TEXT_CHARS, "practice name")
        pname = pname.where(pname.ne(""), code)
    else:
        pname = code.copy()

    if "locality" in cols.mapping:
        loc = _clean_text(body, cols, "locality", f, MAX_TEXT_CHARS, "locality")
        loc_blank = loc.eq("").to_numpy()
        if loc_blank.any() and not loc_blank.all():
            f.add("warning", cols.headers["locality"], loc_blank,
                  lambda p: f"no locality given: the practice was put in '{DEFAULT_LOCALITY}'")
        loc = loc.where(~loc_blank, DEFAULT_LOCALITY)
    else:
        loc = pd.Series(DEFAULT_LOCALITY, index=body.index, dtype="str")

    extras = {c: _clean_text(body, cols, c, f, MAX_TEXT_CHARS, c.replace("_", " "))
              for c in EXTRA_TEXT_COLUMNS if c in cols.mapping}
    return _Text(code, code_blank, comm, pname, loc, extras)


class _Counts(NamedTuple):
    """List size and patients aged 75+ (NaN where not a valid count)."""

    list_size: np.ndarray
    list_ok: np.ndarray
    over75: np.ndarray
    over_ok: np.ndarray

    @property
    def both(self) -> np.ndarray:
        return self.list_ok & self.over_ok

    @property
    def more(self) -> np.ndarray:
        """Rows with more patients aged 75+ than on the list."""
        return self.both & (self.over75 > self.list_size)


def _patient_counts(body: pd.DataFrame, cols: _Columns, f: _Findings, header: list[str]) -> _Counts:
    """List size and over75 (or men 75+ plus women 75+): whole numbers of patients, over75 <= list size."""
    list_size, list_ok = _count_column(f, body[cols.mapping["list_size"]], cols.headers["list_size"], "list size")
    over_col = cols.headers["over75"]
    if cols.over75_parts is None:
        over75, over_ok = _count_column(f, body[cols.mapping["over75"]], over_col, "number of patients aged 75+")
    else:
        men, women = cols.over75_parts
        male, male_ok = _count_column(f, body[men], header[men], "number of men aged 75+")
        female, fem_ok = _count_column(f, body[women], header[women], "number of women aged 75+")
        over75, over_ok = male + female, male_ok & fem_ok
    counts = _Counts(list_size, list_ok, over75, over_ok)
    f.add("error", over_col, counts.more,
          lambda p: f"patients aged 75+ ({over75[p]:,.0f}) are more than the list size ({list_size[p]:,.0f})")
    return counts


def _count_column(f: _Findings, raw: pd.Series, col: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    """One column of numbers of patients: (values, valid)."""
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


def _weighted_list(body: pd.DataFrame, cols: _Columns, f: _Findings) -> np.ndarray | None:
    """The weighted list, or None when the file has no such column."""
    if "weighted_list" not in cols.mapping:
        return None
    wraw = body[cols.mapping["weighted_list"]]
    wcol = cols.headers["weighted_list"]
    weighted, wblank, wbad = _parse_numbers(wraw)
    f.add("error", wcol, wblank, lambda p: "the weighted list is blank: give a number or delete the column")
    f.add("error", wcol, wbad, lambda p: f"{_shown(wraw.iat[p])} is not a number")
    f.add("error", wcol, weighted < 0,
          lambda p: f"{_shown(wraw.iat[p])} is negative: a weighted list cannot be below 0")
    f.add("error", wcol, weighted > _MAX_PATIENTS,
          lambda p: f"{_shown(wraw.iat[p])} is too large to be a weighted list")
    return weighted


def _participating(body: pd.DataFrame, cols: _Columns, f: _Findings) -> np.ndarray:
    """Yes/no per practice; True when the column is absent or the cell blank."""
    if "participating" not in cols.mapping:
        return np.ones(len(body), dtype=bool)
    praw = body[cols.mapping["participating"]]
    low = praw.str.strip().str.lower()
    is_true = low.isin(_TRUE).to_numpy() | low.eq("").to_numpy()
    is_false = low.isin(_FALSE).to_numpy()
    f.add("error", cols.headers["participating"], ~is_true & ~is_false,
          lambda p: f"{_shown(praw.iat[p])} is not yes or no (use yes/no, true/false, y/n or 1/0; "
                    "blank means yes)")
    return ~is_false


def _les_columns(name: str, body: pd.DataFrame, cols: _Columns,
                 f: _Findings) -> tuple[dict[str, np.ndarray], list[Problem]]:
    """£ a year per les_* column (blank = 0, rounded to pence), and a warning for each that is all £0."""
    les: dict[str, np.ndarray] = {}
    zero_warnings: list[Problem] = []
    for canon in cols.les_names:
        lcol = cols.headers[canon]
        values, bad = _les_column(f, body[cols.mapping[canon]], lcol)
        les[canon] = values
        if not bad.any() and (values == 0).all():
            zero_warnings.append(warning(name, f"the LES column {canon} is £0 for every practice", column=lcol))
    return les, zero_warnings


def _les_column(f: _Findings, raw: pd.Series, col: str) -> tuple[np.ndarray, np.ndarray]:
    """One LES column: (values, bad)."""
    values, blank, bad = _parse_numbers(raw)
    f.add("error", col, bad, lambda p: f"{_shown(raw.iat[p])} is not an amount of money")
    f.add("error", col, values < 0,
          lambda p: f"{_shown(raw.iat[p])} is negative: LES income for the year cannot be below £0 "
                    "(net any clawback off against the practice's income)")
    f.add("error", col, values > _MAX_POUNDS,
          lambda p: f"{_shown(raw.iat[p])} is too large to be a year's LES income")
    return np.round(np.where(blank, 0.0, values), 2), bad


def _duplicate_codes(f: _Findings, text: _Text, cols: _Columns, rows: np.ndarray) -> None:
    """A practice code given more than once within a commissioner: one error, on its second row."""
    code, comm = text.code, text.comm
    key_frame = pd.DataFrame({"c": comm, "p": code})
    counted = ~text.code_blank
    dup_any = key_frame.duplicated(keep=False).to_numpy() & counted
    second = np.zeros(len(code), dtype=bool)
    if dup_any.any():
        second[dup_any] = key_frame[dup_any].groupby(["c", "p"], sort=False).cumcount().to_numpy() == 1
    has_comm = "commissioner" in cols.mapping

    def dup_message(p: int) -> str:
        same = np.flatnonzero(counted & (code.to_numpy() == code.iat[p]) & (comm.to_numpy() == comm.iat[p]))
        where = f" in commissioner {comm.iat[p]}" if has_comm else ""
        listed = rows_text([int(r) for r in rows[same[:MAX_ROWS_LISTED]]], total=len(same))
        return f"practice code {code.iat[p]} appears more than once{where}: rows {listed}"

    f.add("error", cols.headers["practice_code"], second, dup_message)


def _soft_warnings(f: _Findings, counts: _Counts, cols: _Columns) -> None:
    """Warnings that do not block: list size 0, a large share of patients aged 75+."""
    list_size, over75, both = counts.list_size, counts.over75, counts.both
    f.add("warning", cols.headers["list_size"], counts.list_ok & (list_size == 0),
          lambda p: "the list size is 0: this practice gets nothing from a per-patient share")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(both & (list_size > 0), over75 / np.where(list_size > 0, list_size, 1), 0.0)
    f.add("warning", cols.headers["over75"], both & ~counts.more & (share > OVER75_SHARE_WARNING),
          lambda p: f"{over75[p]:,.0f} of {list_size[p]:,.0f} patients ({share[p] * 100:.0f} %) are aged 75+, "
                    f"above {OVER75_SHARE_WARNING * 100:.0f} % (England: about 8 %): check the figures",
          kind="over75_share")


def _practice_frame(text: _Text, counts: _Counts, weighted: np.ndarray | None, participating: np.ndarray,
                    les: dict[str, np.ndarray], n: int) -> pd.DataFrame:
    """The canonical practice frame (see model.practices)."""
    out: dict[str, pd.Series | np.ndarray] = {
        "commissioner": text.comm.astype("str").to_numpy(),
        "practice_code": text.code.to_numpy(),
        "practice_name": text.pname.to_numpy(),
        "locality": text.loc.to_numpy(),
        "list_size": counts.list_size.astype(np.int64),
        "over75": counts.over75.astype(np.int64),
    }
    if weighted is not None:
        out["weighted_list"] = weighted.astype(np.float64)
    out["participating"] = participating
    out.update({c: s.to_numpy() for c, s in text.extras.items()})
    out.update(les)
    frame = pd.DataFrame(out, index=pd.RangeIndex(n))
    for col in ["commissioner", "practice_code", "practice_name", "locality", *EXTRA_TEXT_COLUMNS]:
        if col in frame:
            frame[col] = frame[col].astype("str")
    return frame


def _report(name: str, warnings: list[Problem], common: dict[str, Any], frame: pd.DataFrame) -> ValidationReport:
    """The report of a usable file, with its totals."""
    return ValidationReport(
        file=name, errors=[], warnings=warnings, **common,
        total_list_size=int(frame["list_size"].sum()), total_over75=int(frame["over75"].sum()),
        les_totals={c: round(float(frame[c].sum()), 2) for c in common["les_columns"]},
        commissioners=list(pd.unique(frame["commissioner"])),
    )


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


def _unrecognised_warnings(name: str, headers: list[str]) -> list[Problem]:
    """One warning listing the columns not recognised, or none when every column was."""
    if not headers:
        return []
    n = len(headers)
    listed = ", ".join(f"'{h}'" if not h.startswith("(") else h for h in headers)
    return [warning(name, f"{n} column{'' if n == 1 else 's'} not recognised and ignored: {listed}")]


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
