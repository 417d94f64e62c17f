"""Shared bits for the benchmark scripts: timing, data paths, a small table printer."""

from __future__ import annotations

import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
NENE = ROOT / "data" / "nene_2014_15.csv"
ENGLAND = ROOT / "data" / "england_2014_15.csv"
SCENARIOS = ROOT / "scenarios"
sys.path.insert(0, str(ROOT))


def load(path: Path) -> pd.DataFrame:
    from model.practices import load_practices

    loaded = load_practices(path)
    assert loaded.report.ok, loaded.report.to_text()
    return loaded.practices


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 1) -> tuple[float, list[float]]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def peak_mb(fn) -> float:
    """Peak memory traced (numpy buffers included) while `fn` runs, MB."""
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def print_table(rows: list[dict], title: str) -> None:
    print(f"\n## {title}\n")
    if not rows:
        return
    cols = list(rows[0])
    widths = [max(len(str(c)), *(len(str(r.get(c, ""))) for r in rows)) for c in cols]
    print("| " + " | ".join(str(c).ljust(w) for c, w in zip(cols, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(r.get(c, "")).ljust(w) for c, w in zip(cols, widths)) + " |")
