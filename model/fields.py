"""What the scenario schema says about each field, by dotted key: label, unit, bounds, choices, help.

The facts live once, beside each field in :mod:`model.scenario` (``meta(label, unit, description,
source, choices=…)`` and the Field's own ``ge``/``gt``/``le``/``lt``). The app's widgets, the
sensitivity ranges and labels, the workbook's Assumptions sheet and the comparison's "assumptions
that differ" all read them through :func:`field`.

>>> f = field("pot.rate_per_head")
>>> f.label, f.unit, f.minimum, f.maximum
('Pot: £ per registered patient a year', '£ per registered patient per year', 0, 1000)
>>> field("funding.type").choice_label("non_recurrent")
'Non-recurrent (fixed years)'
>>> field("les.schemes.les_total.fraction").label
"Share of the scheme's income decommissioned (0–1)"
"""

from __future__ import annotations

import functools
import typing
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from model.scenario import SCHEME_CLASSES, Scenario, Weights, get_path


@dataclass(frozen=True)
class Field:
    """One scenario field as the schema describes it."""

    key: str
    label: str
    unit: str
    description: str
    source: str
    minimum: float | None
    maximum: float | None
    exclusive_minimum: bool
    choices: tuple[Any, ...] = ()
    choice_labels: dict[Any, str] = dc_field(default_factory=dict)

    def choice_label(self, value: Any) -> str:
        """An option of a choice field in words (the value itself when it has no label)."""
        return self.choice_labels.get(value, str(value))

    def help(self) -> str:
        """Description, unit and source, for a widget's help text."""
        parts = [self.description, f"Unit: {self.unit}." if self.unit else ""]
        if self.source:
            parts.append(f"Source: {self.source}.")
        return " ".join(p for p in parts if p)


def _scheme_info(name: str) -> FieldInfo | None:
    """A field of any LES scheme action (``action``, ``fraction``, ``from_year``, ``rate_per_head``)."""
    for cls in SCHEME_CLASSES.values():
        if name in cls.model_fields:
            return cls.model_fields[name]
    return None


def _info(key: str) -> FieldInfo:
    """The pydantic FieldInfo of a dotted key; KeyError when the schema has no such field."""
    parts = key.split(".")
    if len(parts) >= 3 and parts[0] == "les" and parts[1] == "schemes":
        if len(parts) == 3:
            return Scenario.model_fields["les"].annotation.model_fields["schemes"]  # type: ignore[union-attr]
        info = _scheme_info(parts[3]) if len(parts) == 4 else None
        if info is None:
            raise KeyError(key)
        return info
    model: type[BaseModel] = Scenario
    info = None
    for part in parts:
        if model is None or part not in model.model_fields:
            raise KeyError(key)
        info = model.model_fields[part]
        ann = info.annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None  # type: ignore[assignment]
    assert info is not None
    return info


def _choices(key: str, info: FieldInfo) -> tuple[Any, ...]:
    if key.startswith("les.schemes.") and key.endswith(".action"):
        return tuple(SCHEME_CLASSES)
    args = typing.get_args(info.annotation)
    if typing.get_origin(info.annotation) is typing.Literal:
        return tuple(args)
    return ()


@functools.lru_cache(maxsize=256)
def field(key: str) -> Field:
    """The schema's facts about one field; KeyError for a key the schema does not have."""
    info = _info(key)
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    lo = hi = None
    exclusive = False
    for m in info.metadata:
        if isinstance(m, annotated_types.Ge):
            lo = m.ge
        elif isinstance(m, annotated_types.Gt):
            lo, exclusive = m.gt, True
        elif isinstance(m, annotated_types.Le):
            hi = m.le
        elif isinstance(m, annotated_types.Lt):
            hi = m.lt
    labels: dict[Any, str] = dict(extra.get("choices") or {})
    if key.startswith("les.schemes.") and key.endswith(".action"):
        for cls in SCHEME_CLASSES.values():
            labels.update(cls.model_fields["action"].json_schema_extra["choices"])  # type: ignore[index]
    label = str(extra.get("label", key))
    if key.startswith("les.schemes.") and key.count(".") == 2:
        label = scheme_name(key.split(".")[2])
    return Field(key=key, label=label, unit=str(extra.get("unit", "")), description=info.description or "",
                 source=str(extra.get("source", "")), minimum=lo, maximum=hi, exclusive_minimum=exclusive,
                 choices=_choices(key, info), choice_labels=labels)


def scheme_name(column: str) -> str:
    """An LES scheme column in words: 'les_total' -> 'LES (all schemes)', 'les_minor_surgery' -> 'LES minor surgery'.

    >>> scheme_name("les_total"), scheme_name("les_minor_surgery"), label("les.schemes.les_total")
    ('LES (all schemes)', 'LES minor surgery', 'LES (all schemes)')
    """
    if column == "les_total":
        return "LES (all schemes)"
    return "LES " + column.removeprefix("les_").replace("_", " ")


def label(key: str) -> str:
    """A field's label in words; a key the schema does not know reads as itself."""
    try:
        return field(key).label
    except KeyError:
        return key


def bounds(key: str, step: float = 0.01) -> tuple[float | None, float | None]:
    """(lowest, highest) value a field accepts; an exclusive lower bound becomes the bound plus `step`
    (1 for whole-number fields)."""
    f = field(key)
    lo = f.minimum
    if lo is not None and f.exclusive_minimum:
        lo = lo + (1 if isinstance(lo, int) else step)
    return lo, f.maximum


def action_labels() -> dict[str, str]:
    """Each LES scheme action in words: {'keep': 'Keep as now', 'decommission': 'Decommission', …}."""
    return dict(field("les.schemes.les_x.action").choice_labels)


def _walk_fields(model: type[BaseModel], prefix: str) -> list[tuple[str, Any]]:
    rows = []
    for name, info in model.model_fields.items():
        path = prefix + name
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel) and ann is not Weights:
            rows.append((path, info))
            rows.extend(_walk_fields(ann, path + "."))
        else:
            rows.append((path, info))
    return rows


def field_docs(scenario: Scenario | None = None) -> list[dict[str, Any]]:
    """Every scenario field: key, value, default, unit, description, source, differs_from_default.

    Used by the app's assumptions panel, the YAML comments and the workbook's Assumptions sheet.
    """
    scenario = scenario or Scenario()
    data = scenario.to_dict()
    default = Scenario().to_dict()
    rows = []
    for path, info in _walk_fields(Scenario, ""):
        extra = info.json_schema_extra or {}
        try:
            value = get_path(data, path)
        except KeyError:
            value = None
        try:
            dvalue = get_path(default, path)
        except KeyError:
            dvalue = None
        is_group = isinstance(value, dict) and path not in ("distribution.weights", "les.schemes")
        rows.append(
            {
                "key": path,
                "value": value,
                "default": dvalue,
                "unit": extra.get("unit", ""),
                "description": info.description or "",
                "source": extra.get("source", ""),
                "differs_from_default": value != dvalue,
                "group": is_group,
            }
        )
    for k, info in Weights.model_fields.items():
        extra = info.json_schema_extra or {}
        value, dvalue = data["distribution"]["weights"][k], default["distribution"]["weights"][k]
        rows.append(
            {
                "key": f"distribution.weights.{k}",
                "value": value,
                "default": dvalue,
                "unit": extra.get("unit", ""),
                "description": info.description or "",
                "source": extra.get("source", ""),
                "differs_from_default": value != dvalue,
                "group": False,
            }
        )
    return rows
