"""Re-record the golden outputs (run only when an output change is intended): python tests/golden/record.py"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from test_golden import DATA, SCENARIOS, outputs  # noqa: E402

record = {}
for data in sorted(DATA):
    for scenario in SCENARIOS:
        record.update(outputs(data, scenario))
(HERE / "run_outputs.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
print(f"recorded {len(record)} files")
