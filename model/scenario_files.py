r"""Scenario files: reading YAML safely and writing it back with every field documented.

A scenario file may leave out any group or key (the default applies); unknown keys, anchors and
aliases, duplicate keys, deep nesting and files over 256 KB are refused with a message naming the
file and key (docs/design.md §3.2). :func:`dump_scenario` writes every field, each with its unit,
description and source as a comment, and reads back to the same scenario.

>>> s = load_scenario("version: 1\npot: {rate_per_over75: 50}\n", "x.yaml")
>>> s.pot.basis, s.pot.rate
('over75', 50.0)
>>> load_scenario(dump_scenario(s)) == s
True
"""

from __future__ import annotations

from typing import Any

import yaml

from model.fields import field_docs
from model.limits import MAX_SCENARIO_BYTES, LimitError, read_regular_file
from model.scenario import Scenario, ScenarioError, parse_scenario
from model.validation import printable


class _ScenarioLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses anchors/aliases: a scenario never needs them, and they make
    self-referencing or exponentially large ("billion laughs") documents."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a scenario file: write the value out", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:  # type: ignore[override]
        keys = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None and key in keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' is given twice: keep one", key_node.start_mark
                )
            keys.add(key)
        return super().construct_mapping(node, deep=deep)


def load_scenario(source: str | bytes, filename: str = "scenario.yaml") -> Scenario:
    """Read a YAML scenario (text or bytes) safely; raise ScenarioError with a message naming the key."""
    return read_scenario(source, filename)[0]


def read_scenario(source: str | bytes, filename: str = "scenario.yaml") -> tuple[Scenario, list[str]]:
    """:func:`load_scenario`, and the warnings about what was guessed (a number written as text, "5").

    >>> read_scenario("horizon_years: '3'\\n", "x.yaml")[1]
    ["x.yaml: key 'horizon_years': the number '3' was written as text (in quotes) and read as 3; write it
    without quotes"]
    """
    if isinstance(source, bytes):
        if len(source) > MAX_SCENARIO_BYTES:
            raise ScenarioError(
                f"{filename}: the file is {len(source):,} bytes; a scenario may be at most {MAX_SCENARIO_BYTES:,} bytes"
            )
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ScenarioError(f"{filename}: not a text (UTF-8) YAML file") from None
    if len(source) > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            f"{filename}: the file is too large; a scenario may be at most {MAX_SCENARIO_BYTES:,} bytes"
        )
    try:
        data = yaml.load(source, Loader=_ScenarioLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or " ".join(str(err).split())
        raise ScenarioError(printable(f"{filename}: not valid YAML{where}: {problem}")) from None
    except RecursionError:
        raise ScenarioError(f"{filename}: nested too deeply") from None
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as err:
        # PyYAML's constructors raise these for explicit tags with bad values (!!int x, !!timestamp
        # 2014-13-45, !!bool x) and for integers longer than Python allows (4,300 digits)
        detail = " ".join(str(err).split())[:120]
        raise ScenarioError(f"{filename}: not valid YAML: a value could not be read ({detail})") from None
    notes: list[str] = []
    return parse_scenario(data, filename, notes), notes


def load_scenario_file(path: str) -> Scenario:
    """A scenario file read and checked (see :func:`read_scenario_file`)."""
    return read_scenario_file(path)[0]


def read_scenario_file(path: str) -> tuple[Scenario, list[str]]:
    """A scenario file and its warnings. Only a regular file is read, and at most
    :data:`~model.limits.MAX_SCENARIO_BYTES` of it (a FIFO or /dev/zero is refused, not waited on)."""
    from pathlib import Path

    p = Path(path)
    try:
        raw = read_regular_file(p, MAX_SCENARIO_BYTES, "scenario file")
    except LimitError as err:
        raise ScenarioError(f"{p.name}: {err}") from None
    except OSError as err:
        raise ScenarioError(f"{p.name}: cannot read the scenario file ({err.strerror or err})") from None
    return read_scenario(raw, p.name)


def dump_scenario(scenario: Scenario) -> str:
    """The resolved scenario as YAML, every field present, each with its unit and source as a comment."""
    docs = {row["key"]: row for row in field_docs(scenario)}
    data = scenario.to_dict()
    out: list[str] = []

    def emit(obj: dict[str, Any], prefix: str, indent: int) -> None:
        for key, value in obj.items():
            path = f"{prefix}{key}"
            pad = "  " * indent
            doc = docs.get(path)
            comment = ""
            if doc:
                comment = f"  # {doc['unit']}: {doc['description']}"
                if doc.get("source"):
                    comment += f" [source: {doc['source']}]"
            if (
                isinstance(value, dict)
                and value
                and path != "distribution.weights"
                and not path.startswith("les.schemes.")
            ):
                out.append(f"{pad}{key}:{comment}")
                emit(value, path + ".", indent + 1)
            else:
                text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
                text = text.removesuffix("\n...").removesuffix("...").strip()
                out.append(f"{pad}{key}: {text}{comment}")

    emit(data, "", 0)
    return "\n".join(out) + "\n"


