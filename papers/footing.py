"""Figures that foot as displayed: a table rounded to its display unit (£000, whole pounds) so that the
parts shown add up to the totals shown, across and down — the way published accounts round.

Rounding each cell on its own breaks the sums: three years of £42,677.80 show as £42,678 each, and
their total as £213,389, not the £213,390 a reader adds up. :func:`foot` rounds a whole table at once:

* every figure shown is its exact value rounded down or up to the unit (never further off than that);
* every total shown is the sum of the parts shown, down each column and across the years;
* within those rules each figure is the nearest rounding where it can be (half away from zero), and
  bigger aggregates win over smaller ones: the grand total first, then each year's total, then the
  rows, then single cells — the largest-remainder method (:func:`model.money.largest_remainder`,
  which rounds the engine's pence) applied to a table with totals both ways.

A table is a forest: each parent row is the sum of its children, signed (a loss is a negative leaf),
and every row has one figure per column plus a total across. Finding the roundings is a small
minimum-cost flow (controlled rounding, Cox and Ernst 1982): each cell, row total, column total and
parent carries 0 or 1 extra unit above its rounded-down value, the tree's sums are the flow's
conservation, and each unit's cost is how much further from the exact value it moves the figure.
Such a rounding always exists (the exact fractions are a feasible flow, and flows with whole-number
bounds have whole-number solutions), so :func:`foot` never fails. Tables here are small (a summary,
one practice's years); the solver is written for clarity, not for thousands of rows.

>>> shown = foot({}, {"year": [4267780, 4267780, 4267780, 4267780, 4267780]}, unit=100)
>>> shown["year"]                                       # pence in, whole pounds out
[42678, 42678, 42678, 42678, 42677, 213389]
>>> shown = foot({"net": ["pot", "savings"]}, {"pot": [323838500], "savings": [-630006900]}, unit=100_000)
>>> shown["pot"], shown["savings"], shown["net"]        # £000: 3,238 − 6,300 = −3,062, as shown
([3238, 3238], [-6300, -6300], [-3062, -3062])
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

__all__ = ["foot", "footing_breaks"]

# Costs are whole numbers in three tiers, so a lower tier never outweighs a higher one: distance from
# the exact value (× _SCALE), then halves away from zero (× _TIE), then the earlier row or year first.
_SCALE = 1 << 48
_TIE = 1 << 24


def _children(tree: Mapping[str, Sequence[str]], leaves: Mapping[str, Sequence[int]]) -> tuple[list[str], dict]:
    """Roots of the forest (parents that are nobody's child, and leaves under no parent), checked."""
    kids = {p: list(c) for p, c in tree.items()}
    seen: set[str] = set()
    for p, cs in kids.items():
        if p in leaves:
            raise ValueError(f"'{p}' is both a parent and a leaf")
        for c in cs:
            if c in seen:
                raise ValueError(f"'{c}' has two parents")
            if c not in leaves and c not in kids:
                raise ValueError(f"'{c}' is neither a leaf nor a parent")
            seen.add(c)
    roots = [p for p in kids if p not in seen] + [leaf for leaf in leaves if leaf not in seen]
    return roots, kids


def foot(tree: Mapping[str, Sequence[str]], leaves: Mapping[str, Sequence[int]], unit: int) -> dict[str, list[int]]:
    """Round a table to whole `unit`s so that it foots as displayed.

    `leaves`: each leaf row's exact values, one per column, as whole numbers of a small unit (pence),
    signed. `tree`: each parent row's children (leaves or other parents); a parent is the sum of its
    children. Rows under no parent stand alone (they foot across only). `unit`: the display unit in the
    same small unit (100 for whole pounds from pence, 100,000 for £000).

    Returns every row (leaves and parents) as whole display units: one per column, then the total.

    >>> t = foot({"net": ["alloc", "lost"], "alloc": ["new", "recycled"]},
    ...          {"new": [150, 149], "recycled": [150, 149], "lost": [-101, -101]}, unit=100)
    >>> [t[k] for k in ("new", "recycled", "alloc", "lost", "net")]
    [[2, 1, 3], [1, 2, 3], [3, 3, 6], [-1, -1, -2], [2, 2, 4]]
    """
    roots, kids = _children(tree, leaves)
    ncol = len(next(iter(leaves.values()))) if leaves else 0
    if any(len(v) != ncol for v in leaves.values()):
        raise ValueError("every leaf needs one value per column")
    if unit <= 0:
        raise ValueError("the unit must be positive")

    # Exact sums and sums of rounded-down cells, for every row and column (column ncol = the total).
    under: dict[str, list[str]] = {}

    def collect(n: str) -> list[str]:
        if n not in under:
            under[n] = [n] if n in leaves else [leaf for c in kids[n] for leaf in collect(c)]
        return under[n]

    exact: dict[tuple[str, int], int] = {}
    floors: dict[tuple[str, int], int] = {}
    for n in list(kids) + list(leaves):
        ls = collect(n)
        for t in range(ncol):
            exact[n, t] = sum(int(leaves[leaf][t]) for leaf in ls)
            floors[n, t] = sum(int(leaves[leaf][t]) // unit for leaf in ls)
        exact[n, ncol] = sum(exact[n, t] for t in range(ncol))
        floors[n, ncol] = sum(floors[n, t] for t in range(ncol))

    # The flow network. Node 0 is the outside (source and sink in one); ("R", n) a row's total;
    # ("C", n, t) a row's figure in column t. An edge carries the extra units of one figure.
    ids: dict[tuple, int] = {("O",): 0}

    def node(key: tuple) -> int:
        if key not in ids:
            ids[key] = len(ids)
        return ids[key]

    arcs: list[tuple[int, int, tuple[str, int]]] = []   # (from, to, the figure it carries)
    parent = {c: p for p, cs in kids.items() for c in cs}
    for n in list(kids) + list(leaves):
        up = node(("R", parent[n])) if n in parent else 0
        arcs.append((up, node(("R", n)), (n, ncol)))
        for t in range(ncol):
            to = node(("C", parent[n], t)) if n in parent else 0
            arcs.append((node(("C", n, t)), to, (n, t)))
        if n in leaves:
            for t in range(ncol):
                arcs.append((node(("R", n)), node(("C", n, t)), (n, t)))

    size = len(ids)
    excess = [0] * size
    graph: list[list[int]] = [[] for _ in range(size)]
    to_, cap, cost = [], [], []

    def add_edge(u: int, v: int, c: int, w: int) -> int:
        graph[u].append(len(to_))
        to_.append(v), cap.append(c), cost.append(w)
        graph[v].append(len(to_))
        to_.append(u), cap.append(0), cost.append(-w)
        return len(to_) - 2

    forced: list[tuple[int, tuple[str, int], int, int]] = []   # (edge id or -1, figure, base, direction)
    if len(arcs) >= _TIE:
        raise ValueError("table too big to foot")
    for position, (u, v, fig) in enumerate(arcs):
        value, low = exact[fig], exact[fig] // unit - floors[fig]
        rem = value % unit
        flow = low
        if rem:
            n_cells = len(under[fig[0]]) * (ncol if fig[1] == ncol else 1)
            tie = -_TIE if value > 0 else _TIE                # halves away from zero
            cost_up = n_cells * (unit - 2 * rem) * _SCALE + tie + position   # ties: earlier rows first
            if cost_up < 0:                                   # rounding up is nearer: start there
                flow += 1
                e = add_edge(v, u, 1, -cost_up)               # giving the unit back costs the difference
                forced.append((e, fig, low + 1, -1))
            else:
                e = add_edge(u, v, 1, cost_up)
                forced.append((e, fig, low, 1))
        else:
            forced.append((-1, fig, low, 0))
        excess[u] -= flow
        excess[v] += flow

    # Move the imbalances at least cost: successive shortest paths (Dijkstra with potentials; every
    # cost starts non-negative) from nodes with too much flow in to nodes with too little.
    source, sink = size, size + 1
    graph += [[], []]
    for x in range(size):
        if excess[x] > 0:
            add_edge(source, x, excess[x], 0)
        elif excess[x] < 0:
            add_edge(x, sink, -excess[x], 0)
    need = sum(e for e in excess if e > 0)
    potential = [0] * len(graph)
    while need:
        dist = [None] * len(graph)
        back = [-1] * len(graph)
        dist[source] = 0
        heap = [(0, source)]
        while heap:
            d, x = heapq.heappop(heap)
            if d != dist[x]:
                continue
            for e in graph[x]:
                if cap[e] <= 0:
                    continue
                y = to_[e]
                nd = d + cost[e] + potential[x] - potential[y]
                if dist[y] is None or nd < dist[y]:
                    dist[y], back[y] = nd, e
                    heapq.heappush(heap, (nd, y))
        if dist[sink] is None:   # cannot happen: the exact fractions are a feasible flow
            raise RuntimeError("no rounding foots this table")
        for x in range(len(graph)):
            if dist[x] is not None:
                potential[x] += dist[x]
        push, y = need, sink
        while y != source:
            e = back[y]
            push = min(push, cap[e])
            y = to_[e ^ 1]
        y = sink
        while y != source:
            e = back[y]
            cap[e] -= push
            cap[e ^ 1] += push
            y = to_[e ^ 1]
        need -= push

    shown: dict[tuple[str, int], int] = {}
    for e, fig, base, direction in forced:
        moved = 0 if e < 0 else cap[e ^ 1]          # units sent along this edge by the solver
        value = floors[fig] + base + direction * moved
        if fig in shown and shown[fig] != value:    # a leaf's cell is carried by two edges: they agree
            raise RuntimeError(f"inconsistent rounding of {fig}")
        shown[fig] = value
    out = {n: [shown[n, t] for t in range(ncol + 1)] for n in list(kids) + list(leaves)}
    assert not footing_breaks(kids, out), "the rounding does not foot"
    return out


def footing_breaks(tree: Mapping[str, Sequence[str]], shown: Mapping[str, Sequence[float]]) -> list[str]:
    """Where a displayed table does not add up: each parent against its children in every column, and
    each row's last figure (its total) against the others. An empty list means the table foots.

    >>> footing_breaks({"net": ["pot", "savings"]}, {"pot": [3238, 3238], "savings": [-6300, -6300],
    ...                                                 "net": [-3062, -3061]})
    ['net, column 2: shown -3061, its parts add up to -3062', 'net: total -3061, its columns add up to -3062']
    """
    problems = []
    for p, cs in tree.items():
        if p not in shown or any(c not in shown for c in cs):
            continue
        for t, v in enumerate(shown[p]):
            parts = sum(shown[c][t] for c in cs)
            if round(parts - v, 6) != 0:
                problems.append(f"{p}, column {t + 1}: shown {v:g}, its parts add up to {parts:g}")
    for n, values in shown.items():
        if len(values) >= 2:
            across = sum(values[:-1])
            if round(across - values[-1], 6) != 0:
                problems.append(f"{n}: total {values[-1]:g}, its columns add up to {across:g}")
    return problems
