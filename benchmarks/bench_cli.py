"""CLI end to end on all England: load + compute + CSV + XLSX, wall time and peak memory.

Target: ≤ 8 s including the workbook; peak memory ≤ 500 MB.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ENGLAND, ROOT, SCENARIOS, print_table


def main() -> None:
    rows = []
    for scen in ("guidance_default", "les_linked_counts"):
        times = []
        for _ in range(3):
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                subprocess.run([sys.executable, "-m", "model", "run", "--practices", str(ENGLAND),
                                "--scenario", str(SCENARIOS / f"{scen}.yaml"), "--out", str(Path(tmp) / "o")],
                               cwd=ROOT, check=True, capture_output=True)
                times.append(time.perf_counter() - t)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows.append({"scenario": scen, "median s": f"{sorted(times)[1]:.2f}",
                     "runs": ", ".join(f"{x:.2f}" for x in times), "peak RSS of a run (MB)": f"{peak_mb:.0f}"})
    print_table(rows, "CLI `run` on all England (7,912 practices × 5 years), median of 3")


if __name__ == "__main__":
    main()
