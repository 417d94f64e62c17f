"""The primary-care funding scenario modeller as a Python library.

Load a practice list, load (or build) a scenario, run it, read the tables: every figure is in pounds
and pence and reconciles (docs/design.md §4). The names below are the public API; everything else in
the package may change.

>>> from pathlib import Path
>>> import model
>>> root = Path(model.__file__).parents[1]
>>> loaded = model.load_practices(root / "data" / "nene_2014_15.csv")
>>> loaded.ok, len(loaded.practices)
(True, 69)
>>> scenario = model.load_scenario_file(root / "scenarios" / "guidance_default.yaml")
>>> results = model.run(loaded.practices, scenario)
>>> results.ok
True
>>> first = results.summary.iloc[0]
>>> f"{first['year']}: pot £{first['pot']:,.2f} for {first['practices']} practices"
'2014/15: pot £3,238,385.00 for 69 practices'

Scenarios can also be written in code, and varied key by key (all-or-nothing, validated as a whole):

>>> option = scenario.with_changes({"name": "£50 per patient aged 75+", "pot.rate_per_over75": 50.0,
...                                 "distribution.weights.list_size": 0.0, "distribution.weights.over75": 1.0})
>>> prepared = model.prepare(loaded.practices)  # prepare once to run many scenarios on one list
>>> runs = [model.run(prepared, scenario), model.run(prepared, option)]
>>> summary = model.compare_summary(runs)
>>> summary[summary["year"] == "2014/15"][["scenario", "pot"]].values.tolist()
[['Guidance default', 3238385.0], ['£50 per patient aged 75+', 2288900.0]]
"""

from model.analysis.compare import compare_practices, compare_summary, differing_assumptions
from model.engine import prepare, run
from model.practices import load_practices
from model.results import Results
from model.scenario import Scenario, ScenarioError
from model.scenario_files import dump_scenario, load_scenario, load_scenario_file

__all__ = [
    "Results",
    "Scenario",
    "ScenarioError",
    "compare_practices",
    "compare_summary",
    "differing_assumptions",
    "dump_scenario",
    "load_practices",
    "load_scenario",
    "load_scenario_file",
    "prepare",
    "run",
]
