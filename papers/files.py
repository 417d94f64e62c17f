"""A run's or a comparison's files written into a directory: the CSV tables, scenario files and workbook.

`out_dir` is written into as given (made if missing); the caller handles atomicity. Nothing is printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from model.results import Results
from model.scenario_files import dump_scenario
from papers.provenance import Source
from papers.tables import compare_files, result_files
from papers.workbook import workbook_bytes


def _write(files: dict[str, bytes], out_dir: Path | str) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, data in files.items():
        path = out / name
        path.write_bytes(data)
        written[name] = path
    return written


def write_run(results: Results, out_dir: Path | str, source: Source | None = None) -> dict[str, Path]:
    """Write practices.csv, localities.csv, summary.csv, checks.csv, scenario.yaml and results.xlsx, and
    with `source` (the practice list used) data_source.csv. Returns the paths written, by file name.

    >>> import tempfile
    >>> import pandas as pd
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "list_size": [1000, 2000, 3000],
    ...                           "over75": [80, 150, 300]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     written = write_run(run(practices, Scenario(horizon_years=1)), folder)
    ...     lines = written["practices.csv"].read_text(encoding="utf-8-sig").splitlines()
    >>> sorted(written)
    ['checks.csv', 'localities.csv', 'practices.csv', 'results.xlsx', 'scenario.yaml', 'summary.csv']
    >>> header = lines[0].split(",")
    >>> [dict(zip(header, line.split(",")))["allocation"] for line in lines[1:]]  # the £30,000 pot, to the penny
    ['5000.00', '10000.00', '15000.00']
    """
    files = result_files(results)
    if source is not None:
        files["data_source.csv"] = source.csv()
    files["results.xlsx"] = workbook_bytes(results, source)
    return _write(files, out_dir)


def write_compare(runs: Sequence[Results], out_dir: Path | str, source: Source | None = None) -> dict[str, Path]:
    """Write a comparison: differing_assumptions.csv, compare_summary.csv, compare_practices.csv,
    scenario_1.yaml, scenario_2.yaml, ..., data_source.csv (with `source`) and compare.xlsx."""
    runs = list(runs)
    files = compare_files(runs)
    for i, r in enumerate(runs, start=1):
        files[f"scenario_{i}.yaml"] = dump_scenario(r.scenario).encode("utf-8")
    if source is not None:
        files["data_source.csv"] = source.csv()
    files["compare.xlsx"] = workbook_bytes(runs, source)
    return _write(files, out_dir)
