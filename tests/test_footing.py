"""Figures that foot as displayed (papers/footing.py): the rounding of a table to £000 or whole pounds keeps
every displayed total equal to the sum of its displayed parts, each figure within one unit of its exact
value — on random tables, and on every paper made from every shipped scenario (scripts/count_footing_breaks.py,
the count reported for issue 14: 0)."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from papers.footing import foot, footing_breaks

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

TREE = {"pot": ["new", "recycled"], "net": ["pot", "ccg", "savings", "gained"], "after": ["net", "saving"]}
LEAVES = ["new", "recycled", "ccg", "savings", "gained", "saving"]


def _exact(tree, leaves, name):
    if name in leaves:
        return list(leaves[name])
    parts = [_exact(tree, leaves, c) for c in tree[name]]
    return [sum(p[t] for p in parts) for t in range(len(parts[0]))]


money = st.one_of(st.integers(-10**12, 10**12), st.sampled_from([0, 50, 150_000, -50_000, 4_267_780]))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 8).flatmap(lambda n: st.fixed_dictionaries({k: st.lists(money, min_size=n, max_size=n)
                                                                   for k in LEAVES})),
       st.sampled_from([100, 100_000]))
def test_a_footed_table_adds_up_and_stays_within_one_unit(leaves, unit):
    shown = foot(TREE, leaves, unit)
    assert footing_breaks(TREE, shown) == []
    for name, values in shown.items():
        exact = _exact(TREE, leaves, name)
        exact = exact + [sum(exact)]
        for v, e in zip(values, exact):
            assert e // unit <= v <= -(-e // unit), (name, v, e)      # rounded down or up, never further
            if e % unit == 0:
                assert v == e // unit                                  # exact figures stay exact


def test_a_single_row_is_the_largest_remainder_method():
    # the pence of the engine, at the display unit: £42,677.80 for five years is £213,389 in all
    assert foot({}, {"x": [4267780] * 5}, 100)["x"] == [42678, 42678, 42678, 42678, 42677, 213389]
    # ties go to the earlier year, halves away from zero
    assert foot({}, {"x": [50, 50]}, 100)["x"] == [1, 0, 1]


def test_every_paper_of_every_shipped_scenario_foots(capsys):
    """The count for the issue's Must show: £000 on the workbook's Summary page and whole pounds on every
    practice's one-pager, every shipped scenario on NHS Nene: 0 breaks."""
    from count_footing_breaks import main

    assert main([]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.endswith("in all: 0"), last
