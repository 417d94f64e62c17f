"""Engine speed: all England and Nene × 5 years, against the plain reference implementation.

Run: `make bench` or `.venv/bin/python benchmarks/bench_engine.py`. Targets (issue: speed at
national scale): all England ≤ 30 ms median and ≥ 50× the reference.
"""

from __future__ import annotations

import sys

from common import ENGLAND, NENE, ROOT, SCENARIOS, load, median_seconds, print_table

sys.path.insert(0, str(ROOT / "tests"))

from model.engine import prepare, run  # noqa: E402
from model.scenario import load_scenario_file  # noqa: E402
from reference import run_reference as reference_run  # noqa: E402


def main() -> None:
    rows = []
    for label, path in (("all England", ENGLAND), ("NHS Nene CCG", NENE)):
        df = load(path)
        pl = prepare(df)
        for scen in ("guidance_default", "blend_with_floor", "les_linked_counts"):
            s = load_scenario_file(SCENARIOS / f"{scen}.yaml")
            med, _ = median_seconds(lambda: run(pl, s), repeats=25)
            med_df, _ = median_seconds(lambda: run(df, s), repeats=10)
            ref_repeats = 3 if label == "all England" else 10
            ref, _ = median_seconds(lambda: reference_run(df, s), repeats=ref_repeats, warmup=0)
            rows.append({
                "data": label, "practices": len(df), "scenario": scen,
                "engine (prepared) ms": f"{med * 1000:.1f}",
                "engine (from DataFrame) ms": f"{med_df * 1000:.1f}",
                "reference ms": f"{ref * 1000:.0f}",
                "ratio": f"{ref / med:.0f}×",
            })
    print_table(rows, "Engine, 5 years, median of 25 runs (reference: median of 3–10)")


if __name__ == "__main__":
    main()
