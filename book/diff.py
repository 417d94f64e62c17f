"""What differs between two saved versions, in plain English.

Assumptions are named by the schema's labels (:func:`model.fields.label`) and their values written by
:func:`model.formats.value_text` (LES schemes by :func:`model.formats.scheme_text`), exactly as the
Compare tab and the workbook name them; headline figures by the result register's headings. Nothing
here is shown as markup: callers print it, or show it as text.

>>> from model.scenario import Scenario
>>> a = Scenario()
>>> b = a.with_changes({"pot.rate_per_head": 6.0, "funding.type": "non_recurrent", "funding.years": 2})
>>> for line in scenario_differences(a, b):
...     print(line)
Pot: £ per registered patient a year: 5 → 6
The money is: Recurrent (every year) → Non-recurrent (fixed years)
Years paid (non-recurrent): 1 → 2
"""

from __future__ import annotations

from book.records import HEADLINE_KEYS, Version, headline_label, headline_text, when_text
from model import fields, scenario_edits
from model.formats import money_signed, scheme_name, scheme_text, value_text
from model.scenario import Scenario, ScenarioError
from model.scenario_files import load_scenario

ARROW = "→"
MAX_TEXT = 100


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def scenario_differences(a: Scenario, b: Scenario) -> list[str]:
    """One line per assumption that differs, in the schema's order: 'label: value in a → value in b'."""
    cols = list(dict.fromkeys([*a.les.schemes, *b.les.schemes]))
    fa, fb = scenario_edits.flatten(a, cols), scenario_edits.flatten(b, cols)
    changed = scenario_edits.changes(fa, fb)
    lines = []
    for key in fb:
        if key not in changed:
            continue
        if key.startswith("les.schemes."):
            col = key.removeprefix("les.schemes.")
            lines.append(f"{scheme_name(col)}: {scheme_text(a, fa[key])} {ARROW} {scheme_text(b, fb[key])}")
        elif key in ("name", "description"):
            lines.append(f"{fields.label(key)}: '{_short(fa[key])}' {ARROW} '{_short(fb[key])}'")
        else:
            lines.append(f"{fields.label(key)}: {value_text(a, key, fa[key])} {ARROW} {value_text(b, key, fb[key])}")
    return lines


def version_scenario(v: Version) -> Scenario:
    """The scenario a version saved (ScenarioError if its YAML cannot be read)."""
    return load_scenario(v.scenario_yaml, f"{v.title}.yaml")


def headline_differences(a: Version, b: Version) -> list[str]:
    """Headline figures saved with each version that differ: 'Net cost to CCG, first year: £52,315 → £0
    (−£52,315)'."""
    lines = []
    for key in HEADLINE_KEYS:
        x, y = a.headlines.get(key), b.headlines.get(key)
        if x == y:
            continue
        change = ""
        if x is not None and y is not None and not key.startswith(("winners", "losers")):
            change = f" ({money_signed(y - x)})"
        elif x is not None and y is not None:
            change = f" ({y - x:+,.0f})"
        lines.append(f"{headline_label(key)}: {headline_text(key, x)} {ARROW} {headline_text(key, y)}{change}")
    return lines


def list_difference(a: Version, b: Version) -> str:
    """One sentence: the same practice list, or which two."""
    pa, pb = a.practice_list, b.practice_list
    if pa.sha256 == pb.sha256:
        return f"Both computed on the same practice list: {pa.describe()}."
    return (f"Computed on different practice lists: {a.title} on {pa.describe()} (sha256 {pa.sha256[:12]}…), "
            f"{b.title} on {pb.describe()} (sha256 {pb.sha256[:12]}…). Their figures differ for that reason too.")


def saved_line(v: Version) -> str:
    """'LES linked v2 (#5): saved by Bob, 2026-03-12 10:15 UTC; shortlisted by Bob, …; note: "…"'."""
    text = f"{v.title} (#{v.id}): saved by {v.author}, {when_text(v.saved_at)}"
    if v.based_on_title:
        text += f", from {v.based_on_title}"
    text += f"; {v.status_text[0].lower()}{v.status_text[1:]}"
    if v.note:
        text += f'; note: "{_short(v.note)}"'
    return text


def version_differences(a: Version, b: Version) -> list[tuple[str, list[str]]]:
    """The differences from version `a` to version `b`, as (heading, lines) sections."""
    try:
        assumptions = scenario_differences(version_scenario(a), version_scenario(b))
        if not assumptions:
            assumptions = ["No assumption differs."]
    except ScenarioError as err:
        assumptions = [f"Cannot be compared: {err}"]
    heads = headline_differences(a, b) or ["The saved headline figures are the same."]
    n = len([x for x in assumptions if ARROW in x])
    return [
        (f"Assumptions ({n} differ{'s' if n == 1 else ''})", assumptions),
        ("Practice list", [list_difference(a, b)]),
        ("Headline figures when saved", heads),
        ("Saved", [saved_line(a), saved_line(b)]),
    ]


def diff_text(a: Version, b: Version) -> str:
    """The differences as plain text, for the command line."""
    lines = [f"Differences from {a.title} (#{a.id}) to {b.title} (#{b.id})"]
    for heading, items in version_differences(a, b):
        lines.append("")
        lines.append(f"{heading}:")
        lines += [f"  - {item}" for item in items]
    return "\n".join(lines)
