"""Options explorer speed and memory, and the same options as a loop of single engine runs.

Run: `make bench` or `.venv/bin/python benchmarks/bench_explore.py [--quick]`. Targets (issue 16): 10,000
options on Nene × 5 years ≤ 1 s; 1,000 options on all England ≤ 10 s; peak memory ≤ 500 MB; and the ratio
against a loop of single runs. The loop is timed on a seeded sample of the options (each: the option's
scenario made through Scenario.with_changes, then model.engine.run on the prepared list) and scaled to all of
them. Wall time is the median of the repeats; CPU time is shown too, since the machine may be shared.
"""

from __future__ import annotations

import gc
import resource
import statistics
import sys
import time

import numpy as np
from common import ENGLAND, NENE, SCENARIOS, load, peak_mb, print_table

from model.analysis.explore import explore, option_scenario, parse_lever  # noqa: E402
from model.engine import prepare, run  # noqa: E402
from model.scenario_files import load_scenario_file  # noqa: E402

CASES = [
    # (what, data, scenario, levers, loop sample)
    ("Nene question: pot rate × recycled × loss allowed, protection top-sliced", "nene", "les_linked_counts",
     ["pot.rate_per_head=3:7.8:0.2", "les.reinvest_pct=0:95:5", "les.protection.max_loss_pct=0:95:5"], 300),
    ("floor × cap × weight on patients 75+ (Newton solve for the floors)", "nene", "blend_with_floor",
     ["distribution.floor=0:45000:5000", "distribution.cap=60000:240000:20000",
      "distribution.weights.over75=0:0.99:0.01"], 300),
    ("guidance default: pot rate × uplift × list growth", "nene", "guidance_default",
     ["pot.rate_per_head=3:7.95:0.05", "pot.uplift_pct=0:4.5:0.5", "growth.list_size_pct=-2:2.5:0.5"], 300),
    ("all England: pot rate × recycled × loss allowed, protection top-sliced", "england", "les_linked_counts",
     ["pot.rate_per_head=3:7.5:0.5", "les.reinvest_pct=0:90:10", "les.protection.max_loss_pct=0:90:10"], 30),
    ("all England: guidance default, pot rate × uplift", "england", "guidance_default",
     ["pot.rate_per_head=3:7.95:0.05", "pot.uplift_pct=0:9:1"], 30),
]


def timed(fn, repeats: int) -> tuple[float, float, object]:
    """(median wall s, median CPU s, last result)."""
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        gc.collect()
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), out


def main(quick: bool = False) -> None:
    lists = {"nene": prepare(load(NENE)), "england": prepare(load(ENGLAND))}
    rows = []
    for what, data, name, texts, sample in CASES:
        pl, sc = lists[data], load_scenario_file(SCENARIOS / f"{name}.yaml")
        levers = [parse_lever(t) for t in texts]
        explore(pl, sc, levers)                                       # warm-up
        wall, cpu, ex = timed(lambda pl=pl, sc=sc, levers=levers: explore(pl, sc, levers), 1 if quick else 3)
        n = len(ex.options)
        peak = peak_mb(lambda pl=pl, sc=sc, levers=levers: explore(pl, sc, levers))
        picks = np.random.default_rng(1).choice(ex.options["option"].to_numpy(), size=min(sample, n), replace=False)
        settings = [ex.settings(int(o)) for o in picks]
        w0, c0 = time.perf_counter(), time.process_time()
        for s in settings:
            run(pl, option_scenario(sc, s))
        loop_wall = (time.perf_counter() - w0) / len(settings) * n
        loop_cpu = (time.process_time() - c0) / len(settings) * n
        target = "≤ 1 s" if data == "nene" else "≤ 10 s"
        scale = 10_000 if data == "nene" else 1_000
        rows.append({
            "options": what, "data": "Nene (69) × 5 y" if data == "nene" else "England (7,912) × 5 y",
            "n": f"{n:,}", "explorer s (CPU s)": f"{wall:.2f} ({cpu:.2f})",
            "scaled to the target's count": f"{wall / n * scale:.2f} s per {scale:,}", "target": target,
            "loop of single runs s (CPU s)": f"{loop_wall:.1f} ({loop_cpu:.1f})",
            "ratio (CPU)": f"{loop_wall / wall:.0f}× ({loop_cpu / cpu:.0f}×)",
            "peak traced MB": f"{peak:.0f}",
        })
    print_table(rows, "Options explorer: all options at once vs a loop of single runs (median wall time)")
    print(f"\nprocess max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          "(both lists loaded and prepared, every case run); target peak ≤ 500 MB")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
