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
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.fields import _info, field_docs
from model.limits import MAX_LINK_CHARS, MAX_LINK_LIST, MAX_LINK_SETTINGS
from model.scenario import (
    SCHEME_CLASSES,
    Scenario,
    ScenarioError,
    _field_kind,
    one_rate,
    parse_scenario,
    set_path,
)
from model.scenario_files import load_scenario
from model.validation import printable

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
#
# A link's values are data, never a language: each is a plain scalar (a number, true/false/null, a word or
# quoted text), a short list of numbers, or a scheme action such as {action: decommission, fraction: 0.5},
# read by the small parser below (no YAML: no aliases, tags or nesting), then checked against the field's
# type and validated through the schema before anything uses it.

MAX_LINK_VALUE = MAX_LINK_CHARS
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}")
_MAX_SCHEME_FIELDS = 6


def encode_value(value: Any) -> str:
    """A value as short flow text for a link (the form :func:`decode_value` reads): 6.0 -> '6',
    [0.0, 50.0] -> '[0, 50]'.

    >>> encode_value(6.0), encode_value([0.0, 25.0, 100.0]), encode_value({"action": "decommission", "fraction": 0.5})
    ('6', '[0, 25, 100]', '{action: decommission, fraction: 0.5}')
    >>> encode_value("Option 3: recurrent"), encode_value("true")
    ('"Option 3: recurrent"', '"true"')
    """
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
        if _decode_scalar(text) == text:
            return text
    except ValueError:
        pass
    return json.dumps(text, ensure_ascii=False)


def decode_value(text: str) -> Any:
    """Inverse of :func:`encode_value`, without YAML; ValueError for anything else.

    >>> decode_value("6"), decode_value("0.5"), decode_value("[0, 25, 100]"), decode_value("null")
    (6, 0.5, [0, 25, 100], None)
    >>> decode_value("{action: decommission, fraction: 0.5}")
    {'action': 'decommission', 'fraction': 0.5}
    >>> decode_value('"Option 3: recurrent"'), decode_value("Guidance default")
    ('Option 3: recurrent', 'Guidance default')
    >>> decode_value("[&a [1, 2], *a]")
    Traceback (most recent call last):
    ValueError: a list in a link holds numbers only ('&a [1' is not a number)
    """
    if len(text) > MAX_LINK_VALUE:
        raise ValueError(f"the value is longer than {MAX_LINK_VALUE:,} characters")
    t = text.strip()
    if t.startswith("["):
        return _decode_list(t)
    if t.startswith("{"):
        return _decode_scheme(t)
    return _decode_scalar(t)


def _decode_scalar(t: str, plain_text: bool = True) -> Any:
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    if t.lower() in ("null", "~", ""):
        return None
    if _NUMBER.fullmatch(t):
        number = float(t) if any(ch in t for ch in ".eE") else int(t)
        if not math.isfinite(number) or abs(number) > 1e15:
            raise ValueError(f"{_shown(t)} is too large a number")
        return number
    if t.startswith('"'):
        try:
            value = json.loads(t)
        except ValueError:
            raise ValueError(f"{_shown(t)} is not quoted text") from None
        if not isinstance(value, str):
            raise ValueError(f"{_shown(t)} is not quoted text")
        return value
    if t.startswith("'") and t.endswith("'") and len(t) >= 2:
        return t[1:-1].replace("''", "'")
    if not plain_text or not t.isprintable() or t[0] in "[]{}&*!|>%@`#,?:'\"" or ": " in t or " #" in t:
        raise ValueError(f"{_shown(t)} is not a value")
    return t


def _decode_list(t: str) -> list[float | int]:
    if not t.endswith("]"):
        raise ValueError(f"{_shown(t)} is not a list of numbers")
    inner = t[1:-1].strip()
    items = [x.strip() for x in inner.split(",")] if inner else []
    if len(items) > MAX_LINK_LIST:
        raise ValueError(f"a list in a link holds at most {MAX_LINK_LIST} numbers")
    out = []
    for item in items:
        if not _NUMBER.fullmatch(item):
            raise ValueError(f"a list in a link holds numbers only ({_shown(item)} is not a number)")
        out.append(_decode_scalar(item))
    return out


def _decode_scheme(t: str) -> dict[str, Any]:
    if not t.endswith("}"):
        raise ValueError(f"{_shown(t)} is not a scheme action")
    inner = t[1:-1].strip()
    parts = [x.strip() for x in inner.split(",")] if inner else []
    if len(parts) > _MAX_SCHEME_FIELDS:
        raise ValueError(f"a scheme action in a link has at most {_MAX_SCHEME_FIELDS} settings")
    out: dict[str, Any] = {}
    for part in parts:
        key, sep, value = part.partition(":")
        key = key.strip()
        if not sep or not _KEY.fullmatch(key) or key in out:
            raise ValueError(f"{_shown(part)} is not 'name: value'")
        out[key] = _decode_scalar(value.strip(), plain_text=_KEY.fullmatch(value.strip()) is not None)
    return out


def _shown(text: str) -> str:
    text = printable(text)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _expected(key: str) -> str:
    """What a link's setting must hold: "number", "numbers", "bool", "text" or "scheme"."""
    if key.startswith("les.schemes."):
        return "scheme"
    annotation = _info(key).annotation
    kind, _ = _field_kind(annotation)
    if kind in ("number", "numbers"):
        return kind
    return "bool" if annotation is bool else "text"


def _typed(key: str, value: Any) -> Any:
    """The decoded value if it has the field's type (a number for a number, …); ValueError otherwise."""
    expected = _expected(key)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == "number" and not (number or value is None):
        raise ValueError(f"{_shown(str(value))} is not a number")
    if expected == "numbers" and not (isinstance(value, list) and value):
        raise ValueError(f"{_shown(str(value))} is not a list of numbers, e.g. [0, 50, 100]")
    if expected == "bool" and not isinstance(value, bool):
        raise ValueError(f"{_shown(str(value))} is not true or false")
    if expected == "text":
        if number:
            return encode_value(value)
        if not isinstance(value, str):
            raise ValueError(f"{_shown(str(value))} is not text")
    if expected == "scheme" and not isinstance(value, (str, dict)):
        raise ValueError(f"{_shown(str(value))} is not a scheme action")
    return value


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
    for long_text in ("description", "name"):  # a link is read only up to MAX_LINK_CHARS: long texts go first
        if link_length(out) > MAX_LINK_CHARS and long_text in out:
            del out[long_text]
    return out


def link_length(params: Mapping[str, Any]) -> int:
    """Characters of a link's settings, as :func:`read_link` counts them (keys and values)."""
    return sum(len(str(k)) + len(str(v[-1] if isinstance(v, (list, tuple)) and v else v)) + 2
               for k, v in params.items())


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
              extra_keys: Iterable[str] = ("ccg",), les_columns: Iterable[str] | None = None) -> LinkReading:
    """Read query parameters: the scenario file `s` and overrides; every bad part becomes a warning.

    Overrides are applied one by one on top of the file, so a bad one is dropped and named while the
    others still apply. A link longer than :data:`~model.limits.MAX_LINK_CHARS` (or with more than
    :data:`~model.limits.MAX_LINK_SETTINGS` settings) is not read at all. With `les_columns`, an action
    for an LES scheme the practice list does not have is dropped and named.

    >>> bomb = {"s": "guidance_default", "name": "[" * 3000}
    >>> read_link(bomb, Path(__file__).parents[1] / "scenarios").warnings
    ['The link is longer than 2,000 characters, so none of its settings were used: showing the default scenario.']
    """
    warnings: list[str] = []
    files = scenario_files(folder)
    extra_keys = set(extra_keys)

    def first(v: Any) -> str:
        return str(v[-1] if isinstance(v, (list, tuple)) and v else v)

    if link_length(params) > MAX_LINK_CHARS or len(params) > MAX_LINK_SETTINGS:
        too = (f"longer than {MAX_LINK_CHARS:,} characters" if link_length(params) > MAX_LINK_CHARS
               else f"more than {MAX_LINK_SETTINGS} settings")
        warnings.append(f"The link is {too}, so none of its settings were used: showing the default scenario.")
        params = {}
    stem = first(params["s"]) if "s" in params else default_file
    if stem not in files:
        warnings.append(f"The link names a scenario file {_shown(stem)} that does not exist; using "
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
            warnings.append(f"The link has an unknown setting {_shown(key)}: ignored.")
            continue
        if key.startswith("les.schemes.") and les_columns is not None and key[len("les.schemes."):] not in \
                set(les_columns):
            warnings.append(f"The link sets an action for LES scheme {_shown(key[len('les.schemes.'):])}, which "
                            "this practice list does not have: ignored.")
            continue
        try:
            value = _typed(key, decode_value(first(raw)))
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
