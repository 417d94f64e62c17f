"""Run every benchmark and print its table (`make bench`)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

for name in ("bench_engine", "bench_cli", "bench_app", "bench_analysis", "bench_explore", "bench_browser"):
    path = HERE / f"{name}.py"
    if path.exists():
        runpy.run_path(str(path), run_name="__main__")
