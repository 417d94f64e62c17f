"""One way to change a scenario: flatten it, lay changes over it, validate, and carry it in a link.

The assumptions panel edits a *flat* copy of a scenario: one value per dotted key
(``"pot.rate_per_head"``, ``"les.protection.max_loss_pct"``, ``"les.schemes.les_total"``).
:func:`flatten` makes it, :func:`build_scenario` turns it back into a validated
:class:`~model.scenario.Scenario` (the schema's rules apply: one pot rate, weights adding up to 1),
:func:`changes` lists what differs from the scenario file, and :func:`link_params` / :func:`read_link`
carry those differences in a short link (``?s=les_separate&pot.rate_per_head=6``). The app, the link,
the CLI's ranges, sensitivity and break-even all change scenarios through here or through
:meth:`Scenario.with_changes`, which shares :func:`~model.scenario.set_path`.

>>> base = Scenario()
>>> values = flatten(base, ["les_total"])
>>> values["pot.rate_per_head"], values["les.schemes.les_total"]["action"]
(5.0, 'keep')
>>> changed = changes(values, {**values, "pot.rate_per_over75": 50.0})
>>> build_scenario(base, changed).pot.basis
'over75'
>>> link_params("guidance_default", changed)
{'s': 'guidance_default', 'pot.rate_per_over75': '50'}
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from model.fields import field_docs
from model.scenario import SCHEME_CLASSES, Scenario, ScenarioError, one_rate, parse_scenario, set_path
from model.scenario_files import load_scenario

SCHEME_ACTIONS = list(SCHEME_CLASSES)
SKIP_KEYS = {"version", "les.schemes", "distribution.weights"}


@functools.lru_cache(maxsize=1)
def _editable_keys() -> tuple[str, ...]:
    return tuple(d["key"] for d in field_docs() if not d["group"] and d["key"] not in SKIP_KEYS)


def editable_keys() -> list[str]:
    """Every scenario field the panel edits (leaves of the schema), in schema order."""
    return list(_editable_keys())


def weights_total(values: Mapping[str, Any]) -> float:
    """Sum of the three distribution weights in the panel's values (they must add up to 1)."""
    return sum(float(values.get(f"distribution.weights.{k}") or 0.0) for k in ("list_size", "over75", "weighted_list"))


def compact_by_year(values: Iterable[float]) -> list[float]:
    """A by-year list without trailing repeats (the last value repeats anyway): [0,50,100,100] -> [0,50,100]."""
    v = [float(x) for x in values]
    while len(v) > 1 and v[-1] == v[-2]:
        v.pop()
    return v


def expand_by_year(values: list[float], years: int) -> list[float]:
    return [values[t] if t < len(values) else values[-1] for t in range(years)]


def scheme_value(action: str, fields: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A scheme's action as a full dict with its defaults (validated; KeyError for an unknown action)."""
    fields = fields or {}
    cls = SCHEME_CLASSES[action]
    known = {k: v for k, v in fields.items() if k in cls.model_fields and k != "action"}
    return cls(action=action, **known).model_dump(mode="json")


def flatten(scenario: Scenario, les_columns: Iterable[str] = ()) -> dict[str, Any]:
    """The scenario as {dotted key: value} for the panel, with one 'les.schemes.<col>' per scheme
    (in the data or in the scenario; schemes not named are 'keep')."""
    data = scenario.to_dict()
    out: dict[str, Any] = {}
    for key in editable_keys():
        cur: Any = data
        for part in key.split("."):
            cur = cur[part]
        out[key] = cur
    out["les.protection.max_loss_pct"] = compact_by_year(out["les.protection.max_loss_pct"])
    schemes = data["les"]["schemes"]
    for col in list(les_columns) + [c for c in schemes if c not in les_columns]:
        out[f"les.schemes.{col}"] = dict(schemes[col]) if col in schemes else scheme_value("keep")
    return out


def build_scenario(base: Scenario, values: Mapping[str, Any], where: str = "the inputs") -> Scenario:
    """`base` with the panel's values laid over it, validated as a whole; ScenarioError if not valid."""
    data = base.to_dict()
    schemes = data["les"]["schemes"]
    for key, value in one_rate(values).items():
        if key.startswith("les.schemes."):
            col = key[len("les.schemes."):]
            if not isinstance(value, Mapping):
                value = {"action": value}
            if value.get("action") == "keep" and col not in schemes:
                continue
            schemes[col] = dict(value)
        else:
            set_path(data, key, value)
    return parse_scenario(data, where)


def changes(base_values: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The panel values that differ from the scenario file's."""
    out = {}
    for k, v in values.items():
        b = base_values.get(k, None if not k.startswith("les.schemes.") else scheme_value("keep"))
        if not _same(b, v):
            out[k] = v
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


# --- links ------------------------------------------------------------------------------------

MAX_LINK_VALUE = 2000


def encode_value(value: Any) -> str:
    """A value as short YAML flow text for a link: 6.0 -> '6', [0.0, 50.0] -> '[0, 50]'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(encode_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {encode_value(v)}" for k, v in value.items()) + "}"
    text = str(value)
    try:
        if yaml.safe_load(text) == text and "\n" not in text:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)


def decode_value(text: str) -> Any:
    """Inverse of encode_value (YAML flow); raises ValueError on text that is not valid."""
    if len(text) > MAX_LINK_VALUE:
        raise ValueError("the value is too long")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise ValueError(f"'{text[:60]}' is not a value") from None


def _minimal_scheme(value: Mapping[str, Any]) -> Any:
    """A scheme dict without the fields that equal the action's defaults: {action: decommission}."""
    try:
        default = scheme_value(str(value.get("action")))
    except (KeyError, ValueError):
        return dict(value)
    out = {k: v for k, v in value.items() if k == "action" or not _same(default.get(k), v)}
    return out


def link_params(scenario_file: str | None, changed: Mapping[str, Any],
                extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Query parameters that reopen the same scenario: the file's name, then the changed fields."""
    out: dict[str, str] = {}
    if scenario_file:
        out["s"] = scenario_file
    for k, v in (extra or {}).items():
        out[k] = v
    for k, v in changed.items():
        if k.startswith("les.schemes.") and isinstance(v, Mapping):
            v = _minimal_scheme(v)
        out[k] = encode_value(v)
    return out


@dataclass
class LinkReading:
    scenario_file: str | None
    base: Scenario
    overrides: dict[str, Any]
    extra: dict[str, str]
    warnings: list[str]


def scenario_files(folder: str | Path) -> dict[str, Path]:
    """Scenario files by name without '.yaml', sorted, guidance default first."""
    files = {p.stem: p for p in sorted(Path(folder).glob("*.yaml"))}
    if "guidance_default" in files:
        files = {"guidance_default": files.pop("guidance_default"), **files}
    return files


def read_link(params: Mapping[str, Any], folder: str | Path, default_file: str = "guidance_default",
              extra_keys: Iterable[str] = ("ccg",)) -> LinkReading:
    """Read query parameters: the scenario file `s` and overrides; every bad part becomes a warning.

    Overrides are applied one by one on top of the file, so a bad one is dropped and named while the
    others still apply."""
    warnings: list[str] = []
    files = scenario_files(folder)
    extra_keys = set(extra_keys)

    def first(v: Any) -> str:
        return str(v[-1] if isinstance(v, (list, tuple)) and v else v)

    stem = first(params["s"]) if "s" in params else default_file
    if stem not in files:
        warnings.append(f"The link names a scenario file '{stem}' that does not exist; using "
                        f"'{default_file}' instead.")
        stem = default_file
    try:
        base = load_scenario(files[stem].read_bytes(), files[stem].name)
    except (ScenarioError, OSError) as err:
        warnings.append(f"The scenario file of the link cannot be read: {err}")
        base = Scenario()
    allowed = set(editable_keys())
    candidates: dict[str, Any] = {}
    extra: dict[str, str] = {}
    for key, raw in params.items():
        if key == "s":
            continue
        if key in extra_keys:
            extra[key] = first(raw)
            continue
        if key not in allowed and not (key.startswith("les.schemes.les_") and len(key) > len("les.schemes.les_")):
            warnings.append(f"The link has an unknown setting '{key}': ignored.")
            continue
        try:
            value = decode_value(first(raw))
        except ValueError as err:
            warnings.append(f"The link's value for '{key}' cannot be read ({err}): ignored.")
            continue
        if key.startswith("les.schemes.") and isinstance(value, str):
            value = {"action": value}
        if key.startswith("les.schemes.") and isinstance(value, Mapping):
            try:
                value = scheme_value(str(value.get("action")), value)
            except (KeyError, ValueError) as err:
                warnings.append(f"The link's value for '{key}' is not a scheme action: ignored. "
                                f"({str(err).splitlines()[0]})")
                continue
        candidates[key] = value
    overrides = one_rate(candidates)
    try:
        build_scenario(base, overrides, where="the link")
    except ScenarioError:
        # Not valid together: keep the settings one by one, naming each that cannot be used.
        overrides = {}
        units: dict[str, dict[str, Any]] = {}
        for key, value in candidates.items():
            unit = ("distribution.weights" if key.startswith("distribution.weights.") else
                    "pot.rate" if key.startswith("pot.rate_per_") else key)
            units.setdefault(unit, {})[key] = value
        for unit in units.values():
            trial = one_rate({**overrides, **unit})
            try:
                build_scenario(base, trial, where="the link")
            except ScenarioError as err:
                warnings.append(f"{err} (this setting of the link was ignored)")
                continue
            overrides = trial
    return LinkReading(stem, base, overrides, extra, warnings)
