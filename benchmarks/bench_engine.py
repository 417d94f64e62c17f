"""Engine speed: all England and Nene × 5 years, against the plain reference implementation.

Run: `make bench` or `.venv/bin/python benchmarks/bench_engine.py`. Targets (issue: speed at
national scale): all England ≤ 30 ms median and ≥ 50× the reference.

"engine" is ``run()`` on a prepared list with every result table built and the seven checks done,
in a process with freed memory kept for reuse, as the CLI and the app run it (model/memory.py).
"default allocator" is the same measured in a child process left with glibc's defaults, where freed
arrays go back to the operating system and are faulted in again on the next run.
"""

from __future__ import annotations

import json
import subprocess
import sys

from common import ENGLAND, NENE, ROOT, SCENARIOS, load, median_seconds, print_table

sys.path.insert(0, str(ROOT / "tests"))

from reference import run_reference  # noqa: E402

from cli.memory import keep_freed_memory  # noqa: E402
from model.engine import prepare, run  # noqa: E402
from model.scenario_files import load_scenario_file  # noqa: E402

SCENARIO_NAMES = ("guidance_default", "blend_with_floor", "les_linked_counts")
DATA = (("all England", ENGLAND), ("NHS Nene CCG", NENE))


def engine_medians(repeats: int = 25) -> dict[str, float]:
    """Median seconds of ``run()`` on a prepared list, by "data/scenario"."""
    out = {}
    for label, path in DATA:
        pl = prepare(load(path))
        for scen in SCENARIO_NAMES:
            s = load_scenario_file(SCENARIOS / f"{scen}.yaml")
            out[f"{label}/{scen}"] = median_seconds(lambda pl=pl, s=s: run(pl, s), repeats=repeats, warmup=3)[0]
    return out


def default_allocator_medians() -> dict[str, float]:
    """The same medians, measured in a child process that keeps glibc's default memory settings."""
    done = subprocess.run([sys.executable, __file__, "--child-default-allocator"], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    return json.loads(done.stdout)


def main() -> None:
    tuned = keep_freed_memory()
    default = default_allocator_medians()
    engine = engine_medians()
    rows = []
    for label, path in DATA:
        df = load(path)
        for scen in SCENARIO_NAMES:
            s = load_scenario_file(SCENARIOS / f"{scen}.yaml")
            med = engine[f"{label}/{scen}"]
            med_df, _ = median_seconds(lambda df=df, s=s: run(df, s), repeats=10)
            ref_repeats = 3 if label == "all England" else 10
            ref, _ = median_seconds(lambda df=df, s=s: run_reference(df, s), repeats=ref_repeats, warmup=0)
            rows.append({
                "data": label, "practices": len(df), "scenario": scen,
                "engine ms": f"{med * 1000:.1f}",
                "default allocator ms": f"{default[f'{label}/{scen}'] * 1000:.1f}",
                "from DataFrame ms": f"{med_df * 1000:.1f}",
                "reference ms": f"{ref * 1000:.0f}",
                "ratio": f"{ref / med:.0f}×",
                "ratio, default allocator": f"{ref / default[f'{label}/{scen}']:.0f}×",
            })
    note = "" if tuned else " (this platform ignored the memory setting)"
    print_table(rows, "Engine, 5 years, median of 25 runs (reference: median of 3–10)" + note)


if __name__ == "__main__":
    if "--child-default-allocator" in sys.argv:
        print(json.dumps(engine_medians()))
    else:
        main()
