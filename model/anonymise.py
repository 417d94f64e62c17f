"""Meeting mode: practice names and codes replaced by 'Practice A', 'Practice B', … everywhere, and the
figures that would let a practice find its own row (or a neighbour's) shown in bands.

Letters. Without a seed the letters follow the practices' order in the results (commissioner, then
practice code), so the same list and scenario always give the same letters (papers made outside a meeting).
The app gives every meeting its own seed (a new one each time meeting mode is turned on, or on "reshuffle"),
so the letters come in a random order that says nothing about the practice codes, and it lists the
anonymised rows in letter order, not code order.

Bands (:func:`band_practices`). A practice manager knows their own list size and LES income, and roughly
their neighbours'; exact figures would find the row. So in meeting mode patients are shown to the nearest
500 (patients aged 75+ to the nearest 100), LES money to the nearest £5,000, and each practice's other £
figures, £ per patient included, to two significant figures (an exact £ per patient beside a banded net
change would give the list size back to within 1 %). Localities and totals are not banded: they are not
one practice.

Messages (:func:`anonymise_text`): any sentence shown in meeting mode has the list's codes and names
replaced by the letters, and anything else that looks like a practice code hidden.
"""

from __future__ import annotations

import re
import string
from dataclasses import replace

import numpy as np
import pandas as pd

from model.money import round_half_up
from model.results import Results

PATIENT_BAND = 500
"""List sizes (and weighted lists) in meeting mode: to the nearest 500 patients."""
OVER75_BAND = 100
"""Patients aged 75+ in meeting mode: to the nearest 100."""
LES_BAND = 5000.0
"""LES income, lost and gained in meeting mode: to the nearest £5,000."""
SIGNIFICANT = 2
"""A practice's other £ figures in meeting mode: two significant figures (−£22,745 → −£23,000)."""

PATIENT_COLUMNS = {"list_size": PATIENT_BAND, "weighted_list": PATIENT_BAND, "over75": OVER75_BAND}
LES_MONEY = ("les_lost", "les_gained")
PRACTICE_MONEY = ("allocation", "new_money_share", "recycled_share", "protection", "net_change",
                  "unfunded_commitment", "admissions_to_break_even", "net_change_per_head", "allocation_per_head",
                  "allocation_per_over75")

BANDS_NOTE = ("Meeting mode: practices are shown as letters in a random order; patients to the nearest 500 "
              "(aged 75+ to the nearest 100), LES money to the nearest £5,000 and each practice's other £ "
              "figures, per patient too, to two significant figures, so rows do not add up exactly. Totals are "
              "exact.")
"""The sentence the screen shows under a table of banded practice figures."""

CODE_PATTERN = re.compile(r"\b[A-Z][0-9]{5}\b")
"""An NHS practice code (a letter and five digits, e.g. K83003)."""


def letter_label(i: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA', 27 -> 'AB' (spreadsheet column style).

    >>> [letter_label(i) for i in (0, 25, 26, 27)]
    ['A', 'Z', 'AA', 'AB']
    """
    label = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        label = string.ascii_uppercase[r] + label
    return label


def letter_rank(alias: str) -> int:
    """Where a letter comes in the alphabet of letters: 'Practice A' -> 0, 'Practice AA' -> 26.

    >>> [letter_rank(a) for a in ("Practice A", "Practice Z", "Practice AA", "Practice ?")]
    [0, 25, 26, -1]
    """
    letters = str(alias).removeprefix("Practice ")
    if not letters or not all(ch in string.ascii_uppercase for ch in letters):
        return -1
    n = 0
    for ch in letters:
        n = n * 26 + string.ascii_uppercase.index(ch) + 1
    return n - 1


def practice_aliases(codes: pd.Series, seed: int | None = None) -> dict[str, str]:
    """Map each distinct practice code (in order of first appearance) to 'Practice A', 'Practice B', …;
    with a `seed`, the letters are dealt in a random order (the same seed, the same letters).

    >>> practice_aliases(pd.Series(["K83002", "K83001", "K83002"]))
    {'K83002': 'Practice A', 'K83001': 'Practice B'}
    >>> practice_aliases(pd.Series(["K1", "K2", "K3", "K4"]), seed=11)
    {'K1': 'Practice D', 'K2': 'Practice B', 'K3': 'Practice A', 'K4': 'Practice C'}
    """
    uniq = pd.unique(codes.astype(str))
    order = np.arange(len(uniq)) if seed is None else np.random.default_rng(seed).permutation(len(uniq))
    return {code: f"Practice {letter_label(int(i))}" for code, i in zip(uniq, order)}


def anonymise_frame(df: pd.DataFrame, aliases: dict[str, str], by_letter: bool = False) -> pd.DataFrame:
    """Replace practice_code, practice_name and paid_to (when it is a practice) using `aliases`; with
    `by_letter`, the rows are put in letter order (within year and commissioner, when the table has them)."""
    out = df.copy()
    if "practice_code" not in out:
        return out
    codes = out["practice_code"].astype(str)
    alias = codes.map(aliases).fillna("Practice ?")
    if "paid_to" in out:
        out["paid_to"] = out["paid_to"].astype(str).map(lambda v: aliases.get(v, v))
    out["practice_code"] = alias
    if "practice_name" in out:
        out["practice_name"] = alias
    if by_letter:
        keys = [c for c in ("year_index", "commissioner") if c in out]
        rank = alias.map(letter_rank)
        order = np.lexsort([rank.to_numpy()] + [pd.factorize(out[k], sort=True)[0] for k in reversed(keys)])
        out = out.iloc[order].reset_index(drop=True)
    return out


def significant(x: np.ndarray | pd.Series, figures: int = SIGNIFICANT) -> np.ndarray:
    """Round to `figures` significant figures, halves away from zero; 0 stays 0.

    >>> significant(np.array([-22745.0, 42190.0, 3.0, 0.0, 987.0, -150.0])).tolist()
    [-23000.0, 42000.0, 3.0, 0.0, 990.0, -150.0]
    """
    v = np.asarray(x, dtype=float)
    a = np.abs(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(a > 0, 10.0 ** (np.floor(np.log10(np.where(a > 0, a, 1.0))) - figures + 1), 1.0)
    return np.where(np.isfinite(v), round_half_up(v / step) * step, v)


def nearest(x: np.ndarray | pd.Series, band: float) -> np.ndarray:
    """Round to the nearest multiple of `band`, halves away from zero.

    >>> nearest(np.array([8438.0, 4549.0, 250.0, 6300069.0]), 500).tolist()
    [8500.0, 4500.0, 500.0, 6300000.0]
    """
    v = np.asarray(x, dtype=float)
    return np.where(np.isfinite(v), round_half_up(v / band) * band, v)


def band_practices(df: pd.DataFrame) -> pd.DataFrame:
    """A table of practices (results or a practice list) with the figures that would identify a practice
    banded: patients to the nearest 500 (aged 75+ to the nearest 100), LES money (``les_*`` income, LES lost
    and gained) to the nearest £5,000, the other £ figures of a practice to two significant figures.

    >>> t = pd.DataFrame({"practice_code": ["Practice A"], "list_size": [8438.0], "over75": [721.0],
    ...                   "les_total": [12_345.0], "les_lost": [2_400.0], "net_change": [-22_745.0],
    ...                   "net_change_per_head": [-2.6954]})
    >>> [float(v) for v in band_practices(t).iloc[0, 1:]]
    [8500.0, 700.0, 10000.0, 0.0, -23000.0, -2.7]

    A comparison's columns ('net_change [Scenario]', 'net_change change [B vs A]') are banded as their figure:

    >>> band_practices(pd.DataFrame({"net_change [A]": [42190.0], "net_change change [B vs A]": [-471.7]})
    ...                ).iloc[0].tolist()
    [42000.0, -470.0]
    """
    out = df.copy()
    for col in out.columns:
        figure = str(col).split(" [", 1)[0].removesuffix(" change")
        if not pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            continue
        if figure in PATIENT_COLUMNS:
            out[col] = nearest(out[col], PATIENT_COLUMNS[figure])
        elif figure.startswith("les_"):
            out[col] = nearest(out[col], LES_BAND)
        elif figure in PRACTICE_MONEY:
            out[col] = significant(out[col])
    return out


def anonymise(results: Results, seed: int | None = None, band: bool = False) -> Results:
    """The same results with practices identified only by letter; with a `seed` the letters come in that
    meeting's random order and the rows in letter order; with `band` the identifying figures are banded.

    A £30,000 pot (£5 a head) shared by list size between three practices: the money is unchanged,
    only the names go.

    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300]})
    >>> res = run(practices, Scenario(horizon_years=1))
    >>> shown = anonymise(res).practices
    >>> shown[["practice_code", "practice_name", "allocation"]].values.tolist()
    [['Practice A', 'Practice A', 5000.0], ['Practice B', 'Practice B', 10000.0], ['Practice C', 'Practice C', 15000.0]]
    >>> met = anonymise(res, seed=11, band=True).practices   # a meeting: letters shuffled, lists to 500
    >>> met[["practice_code", "list_size", "allocation"]].values.tolist()
    [['Practice A', 2000.0, 10000.0], ['Practice B', 1000.0, 5000.0], ['Practice C', 3000.0, 15000.0]]
    """
    aliases = practice_aliases(results.practices["practice_code"], seed)
    table = anonymise_frame(results.practices, aliases, by_letter=seed is not None)
    return replace(results, practices=band_practices(table) if band else table,
                   warnings=[anonymise_text(w, aliases) for w in results.warnings])


def anonymise_text(text: str, aliases: dict[str, str], names: dict[str, str] | None = None) -> str:
    """A message with the practices' codes (`aliases`: code -> letter) and names (`names`: name -> letter)
    replaced by their letters, and anything else that looks like a practice code hidden.

    >>> anonymise_text("practice code K83004 appears more than once (rows 3 and 9); K99999 too",
    ...                {"K83004": "Practice Q"})
    'practice code Practice Q appears more than once (rows 3 and 9); a practice too'
    >>> anonymise_text("Abbey Surgery has no patients", {}, {"Abbey Surgery": "Practice B"})
    'Practice B has no patients'
    """
    pairs = {**(names or {}), **aliases}
    for real in sorted((k for k in pairs if k), key=len, reverse=True):
        text = re.sub(rf"(?<![\w]){re.escape(real)}(?![\w])", pairs[real], text)
    return CODE_PATTERN.sub("a practice", text)
