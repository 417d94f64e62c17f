"""model/memory.py: the process memory setting the CLI and the app make (speed only)."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

from cli.memory import keep_freed_memory

ROOT = Path(__file__).resolve().parents[1]


def test_takes_effect_on_glibc():
    assert keep_freed_memory() is (platform.libc_ver()[0] == "glibc")


def test_results_are_the_same_with_and_without_it():
    """The same run in two fresh processes, one with the setting and one without, writes the same CSV."""
    code = ("import sys, hashlib; from cli.memory import keep_freed_memory\n"
            "if sys.argv[1] == 'on': keep_freed_memory()\n"
            "from model.engine import run; from model.practices import load_practices\n"
            "from model.scenario_files import load_scenario_file; from papers.tables import csv_bytes\n"
            "r = run(load_practices('data/nene_2014_15.csv').practices, "
            "load_scenario_file('scenarios/les_linked_counts.yaml'))\n"
            "print(hashlib.sha256(csv_bytes(r.practices) + csv_bytes(r.summary)).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code, mode], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip() for mode in ("on", "off")}
    assert len(digests) == 1
