"""The scenario: every assumption of a run, typed, validated and documented.

One schema serves the YAML files in ``scenarios/``, the app's widgets and the CLI. Key names
are a contract (docs/design.md §3.2). Every field carries a unit, a one-line description and, for a
default number, its source (or "illustrative"). Unknown keys are refused, naming the key.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from model.validation import printable

GUIDANCE = "NHS England 2014/15 planning guidance para 36"
GUIDANCE_RATE_PER_HEAD = 5.0
"""£ per registered patient in the 2014/15 planning guidance (para 36)."""
GUIDANCE_RATE_PER_OVER75 = 50.0
"""£ per patient aged 75+ the guidance says the £5 'broadly equates to' (para 36)."""

MAX_SCENARIO_DEPTH = 8


def meta(
    label: str,
    unit: str,
    description: str,
    source: str | None = None,
    *,
    choices: dict[str, str] | None = None,
    **kw: Any,
) -> Any:
    """A pydantic Field carrying the facts the app, the papers and the analyses show about it.

    `label` is the field's name in words (widgets, Assumptions sheet, tornado, comparisons); `unit`,
    `description` and `source` (a citation, or "illustrative") document it; `choices` gives each option
    of a choice field in words. Bounds are the Field's own ge/gt/le/lt (see :mod:`model.fields`).
    """
    extra: dict[str, Any] = {"label": label, "unit": unit}
    if source:
        extra["source"] = source
    if choices:
        extra["choices"] = choices
    return Field(description=description, json_schema_extra=extra, **kw)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Pot(_Strict):
    """How big the practice pot is: £ per registered patient or £ per patient aged 75+."""

    rate_per_head: float | None = meta(
        "Pot: £ per registered patient a year",
        "£ per registered patient per year",
        "Pot per registered patient ('around £5 per head of population for each practice').",
        GUIDANCE,
        default=None,
        ge=0,
        le=1000,
    )
    rate_per_over75: float | None = meta(
        "Pot: £ per patient aged 75+ a year",
        "£ per patient aged 75+ per year",
        "Alternative: pot per registered patient aged 75+ ('broadly equates to £50').",
        GUIDANCE,
        default=None,
        ge=0,
        le=10000,
    )
    uplift_pct: float = meta(
        "Uplift to the rate (% a year)",
        "% per year",
        "Annual uplift applied to the rate.",
        "illustrative",
        default=0.0,
        ge=-50,
        le=50,
    )

    @model_validator(mode="after")
    def _one_rate(self) -> Pot:
        if self.rate_per_head is not None and self.rate_per_over75 is not None:
            raise ValueError("give exactly one of pot.rate_per_head and pot.rate_per_over75, not both")
        if self.rate_per_head is None and self.rate_per_over75 is None:
            object.__setattr__(self, "rate_per_head", GUIDANCE_RATE_PER_HEAD)
        return self

    @property
    def basis(self) -> Literal["list_size", "over75"]:
        """The population the rate is applied to."""
        return "over75" if self.rate_per_over75 is not None else "list_size"

    @property
    def rate(self) -> float:
        return float(self.rate_per_over75 if self.rate_per_over75 is not None else self.rate_per_head)


class Weights(_Strict):
    """Shares of the pot by basis; bases left out weigh 0; they must sum to 1."""

    list_size: float = meta(
        "Share by list size (0–1)",
        "share (0–1)",
        "Weight on registered list size.",
        GUIDANCE + " (per head of population)",
        default=0.0,
        ge=0,
        le=1,
    )
    over75: float = meta(
        "Share by patients aged 75+ (0–1)", "share (0–1)", "Weight on patients aged 75+.", default=0.0, ge=0, le=1
    )
    weighted_list: float = meta(
        "Share by weighted list (0–1)", "share (0–1)", "Weight on the Carr-Hill weighted list.", default=0.0, ge=0, le=1
    )

    @model_validator(mode="after")
    def _sum_to_one(self) -> Weights:
        total = self.list_size + self.over75 + self.weighted_list
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ValueError(f"the weights must add up to 1 (they add up to {total:g})")
        return self


class Distribution(_Strict):
    """How the pot is shared between practices."""

    weights: Weights = meta(
        "Shares of the pot by basis",
        "shares",
        "Shares of the pot by basis (list_size, over75, weighted_list).",
        GUIDANCE + " (per head of population)",
        default_factory=lambda: Weights(list_size=1.0),
    )
    floor: float = meta(
        "Minimum per practice (£ a year)",
        "£ per practice per year",
        "Minimum paid to each participating practice.",
        "illustrative",
        default=0.0,
        ge=0,
        le=10_000_000,
    )
    cap: float | None = meta(
        "Maximum per practice (£ a year)",
        "£ per practice per year",
        "Maximum paid to one practice, or none.",
        "illustrative",
        default=None,
        gt=0,
        le=100_000_000,
    )
    non_participants: Literal["redistribute", "retain"] = meta(
        "Share of practices not taking part",
        "choice",
        "What happens to the share of practices not taking part: shared among the others "
        "(redistribute) or kept by the commissioner (retain).",
        choices={"redistribute": "Shared among the others", "retain": "Kept by the CCG"},
        default="redistribute",
    )
    level: Literal["practice", "locality"] = meta(
        "Money paid to",
        "choice",
        "Who is paid: each practice, or its locality/federation (pooled shares).",
        choices={"practice": "Each practice", "locality": "Each locality / federation (pooled)"},
        default="practice",
    )

    @model_validator(mode="after")
    def _floor_below_cap(self) -> Distribution:
        if self.cap is not None and self.floor > self.cap:
            raise ValueError(f"distribution.floor (£{self.floor:,.2f}) is above distribution.cap (£{self.cap:,.2f})")
        return self


class Funding(_Strict):
    """Whether the money is recurrent, for a fixed number of years, or conditional on a review."""

    type: Literal["recurrent", "non_recurrent", "conditional"] = meta(
        "The money is",
        "choice",
        "recurrent: every year; non_recurrent: the first `years` years; conditional: until "
        "`review_year`, then only if the admissions reduction reaches the target.",
        "2014/15 planning guidance para 37",
        choices={
            "recurrent": "Recurrent (every year)",
            "non_recurrent": "Non-recurrent (fixed years)",
            "conditional": "Conditional on the admissions review",
        },
        default="recurrent",
    )
    years: int = meta(
        "Years paid (non-recurrent)", "years", "Years paid when non_recurrent.", "illustrative", default=1, ge=1, le=20
    )
    review_year: int = meta(
        "Review decides funding from",
        "year index (0 = first year)",
        "First year that depends on the review when conditional.",
        "illustrative",
        default=1,
        ge=0,
        le=20,
    )
    required_reduction_pct: float = meta(
        "Admissions cut the review asks for (%)",
        "% of emergency admissions of patients 75+",
        "Reduction the review asks for.",
        "illustrative",
        default=0.0,
        ge=0,
        le=100,
    )


class Growth(_Strict):
    """Population growth applied year on year."""

    list_size_pct: float = meta(
        "List size growth (% a year)",
        "% per year",
        "Growth of registered lists (and weighted lists).",
        "illustrative",
        default=0.0,
        ge=-50,
        le=50,
    )
    over75_pct: float = meta(
        "Patients 75+ growth (% a year)",
        "% per year",
        "Growth of patients aged 75+.",
        "illustrative",
        default=0.0,
        ge=-50,
        le=50,
    )


class Keep(_Strict):
    action: Literal["keep"] = meta(
        "Action", "choice", "The scheme carries on unchanged.", choices={"keep": "Keep as now"}
    )


class Decommission(_Strict):
    action: Literal["decommission"] = meta(
        "Action", "choice", "Stop paying the scheme.", choices={"decommission": "Decommission"}
    )
    fraction: float = meta(
        "Share of the scheme's income decommissioned (0–1)",
        "share (0–1)",
        "Share of each practice's scheme income removed.",
        default=1.0,
        ge=0,
        le=1,
    )
    from_year: int = meta(
        "From year", "year index (0 = first year)", "First year without the money.", default=0, ge=0, le=20
    )


class ExtendToAll(_Strict):
    action: Literal["extend_to_all"] = meta(
        "Action",
        "choice",
        "Offer the scheme to every practice: those without it are paid the holders' average £ per head.",
        choices={"extend_to_all": "Offer to every practice"},
    )
    from_year: int = meta(
        "From year", "year index (0 = first year)", "First year of the offer.", default=0, ge=0, le=20
    )


class Harmonise(_Strict):
    action: Literal["harmonise"] = meta(
        "Action",
        "choice",
        "Pay every practice one £ per head for the scheme.",
        choices={"harmonise": "Harmonise (one £ per head)"},
    )
    rate_per_head: float | None = meta(
        "Harmonised rate (£ per patient a year)",
        "£ per registered patient per year",
        "The harmonised rate; none = the holders' average £ per head in the commissioner.",
        default=None,
        ge=0,
        le=1000,
    )
    from_year: int = meta(
        "From year", "year index (0 = first year)", "First year of the harmonised rate.", default=0, ge=0, le=20
    )


SchemeAction = Annotated[Keep | Decommission | ExtendToAll | Harmonise, Field(discriminator="action")]
SCHEME_CLASSES: dict[str, type[_Strict]] = {
    "keep": Keep, "decommission": Decommission, "extend_to_all": ExtendToAll, "harmonise": Harmonise}
"""Each LES scheme action and the schema class that holds its fields."""


class Protection(_Strict):
    """Transitional protection for practices losing LES income."""

    max_loss_pct: list[float] = meta(
        "Most of its LES loss a practice bears (% by year)",
        "% of LES lost, by year (last value repeats)",
        "Largest share of its LES loss (net of its new allocation) a practice may bear each year; "
        "0 = no loss allowed, 100 = no protection.",
        "illustrative",
        default_factory=lambda: [100.0],
        min_length=1,
        max_length=20,
    )
    funded_from: Literal["pot", "commissioner"] = meta(
        "Protection paid from",
        "choice",
        "pot: top-sliced from the practice pot; commissioner: an extra cost.",
        choices={"pot": "Top-slice of the pot", "commissioner": "The CCG (extra cost)"},
        default="pot",
    )

    @field_validator("max_loss_pct")
    @classmethod
    def _pcts(cls, v: list[float]) -> list[float]:
        for i, x in enumerate(v):
            if not (0 <= x <= 100) or math.isnan(x):
                raise ValueError(f"value {i + 1} ({x}) must be between 0 and 100")
        return v

    def allowed_loss_share(self, years: int) -> list[float]:
        """max_loss_pct as a 0–1 share for each of `years` years, the last value repeating."""
        v = self.max_loss_pct
        return [(v[t] if t < len(v) else v[-1]) / 100.0 for t in range(years)]


class Les(_Strict):
    """Local Enhanced Services: what happens to each scheme and to the money saved."""

    schemes: dict[str, SchemeAction] = meta(
        "LES scheme actions",
        "one entry per les_<scheme> column",
        "Action per LES scheme; schemes not named are kept.",
        default_factory=dict,
    )
    reinvest_pct: float = meta(
        "LES savings recycled into the pot (%)",
        "% of LES savings",
        "Share of decommissioning savings recycled into the practice pot.",
        "illustrative",
        default=0.0,
        ge=0,
        le=100,
    )
    counts_toward_pot: bool = meta(
        "Recycled LES counts toward the £5 (only the rest is new money)",
        "yes/no",
        "true: recycled LES money counts toward the £5 and only the rest is new money; false: it is paid on top.",
        default=False,
    )
    protection: Protection = meta(
        "Transitional protection", "group", "Transitional protection.", default_factory=Protection
    )

    @field_validator("schemes")
    @classmethod
    def _scheme_names(cls, v: dict[str, Any]) -> dict[str, Any]:
        for k in v:
            if not k.startswith("les_") or len(k) <= 4:
                raise ValueError(f"scheme '{k}' must be named after its column, e.g. les_total")
        return v


class Admissions(_Strict):
    """Emergency admissions of patients aged 75+: what the money is meant to reduce."""

    baseline_per_1000_over75: float = meta(
        "Emergency admissions per 1,000 patients 75+ a year",
        "admissions per 1,000 patients 75+ per year",
        "Emergency admissions rate before the scheme.",
        "illustrative",
        default=350.0,
        ge=0,
        le=2000,
    )
    cost_per_admission: float = meta(
        "Cost of one emergency admission (£)",
        "£ per admission",
        "Average cost of one emergency admission.",
        "NAO 2013/14 emergency admissions cost ÷ HSCIC count; derived",
        default=2500.0,
        gt=0,
        le=100_000,
    )
    expected_reduction_pct: float = meta(
        "Expected cut in admissions (%)",
        "% of admissions",
        "Reduction the scheme is expected to bring.",
        "illustrative",
        default=0.0,
        ge=0,
        le=100,
    )
    effect_from_year: int = meta(
        "Admissions cut shows from",
        "year index (0 = first year)",
        "First year the reduction shows.",
        "illustrative",
        default=1,
        ge=0,
        le=20,
    )


class Staffing(_Strict):
    committed_pct: float = meta(
        "Allocation turned into recurrent staff costs (%)",
        "% of allocation",
        "Share of its allocation a practice turns into recurrent staff costs.",
        "illustrative",
        default=0.0,
        ge=0,
        le=100,
    )


class Scenario(_Strict):
    """A complete, named set of assumptions. The defaults reproduce the guidance."""

    version: Literal[1] = meta("File format version", "—", "Scenario file format version.", default=1)
    name: str = meta(
        "Scenario name",
        "text",
        "Short name shown in tables and charts.",
        default="Guidance default",
        min_length=1,
        max_length=120,
    )
    description: str = meta(
        "What this scenario answers",
        "text",
        "What question this scenario answers.",
        default="£5 per registered patient, shared by list size, recurrent.",
        max_length=4000,
    )
    start_year: int = meta(
        "First financial year (2014 = 2014/15)",
        "financial year (2014 = 2014/15)",
        "First year modelled.",
        GUIDANCE,
        default=2014,
        ge=2000,
        le=2100,
    )
    horizon_years: int = meta(
        "Years modelled",
        "years",
        "Years modelled.",
        "planning period of the guidance (2014/15–2018/19)",
        default=5,
        ge=1,
        le=20,
    )
    pot: Pot = meta("Pot", "group", "Size of the practice pot.", default_factory=Pot)
    distribution: Distribution = meta("Distribution", "group", "How the pot is shared.", default_factory=Distribution)
    funding: Funding = meta("Funding", "group", "Recurrence of the money.", default_factory=Funding)
    growth: Growth = meta("Growth", "group", "Population growth.", default_factory=Growth)
    les: Les = meta("Local Enhanced Services", "group", "Local Enhanced Services.", default_factory=Les)
    admissions: Admissions = meta("Emergency admissions", "group", "Emergency admissions.", default_factory=Admissions)
    staffing: Staffing = meta("Staffing", "group", "Staff commitments made from the money.", default_factory=Staffing)

    def year_labels(self) -> list[str]:
        """Financial-year labels, e.g. ['2014/15', '2015/16', ...]."""
        return [f"{y}/{(y + 1) % 100:02d}" for y in range(self.start_year, self.start_year + self.horizon_years)]

    def to_dict(self) -> dict[str, Any]:
        """Resolved scenario (defaults filled in) as plain data, ready for YAML."""
        return self.model_dump(mode="json")

    def with_changes(self, changes: dict[str, Any]) -> Scenario:
        """A new scenario with dotted-path overrides applied all-or-nothing (validated as a whole)."""
        data = self.to_dict()
        for path, value in one_rate(changes).items():
            set_path(data, path, value)
        return Scenario.model_validate(data)


class ScenarioError(ValueError):
    """A scenario file or override that cannot be used; the message names the file and key."""


def get_path(data: dict[str, Any], path: str) -> Any:
    cur: Any = data
    for part in path.split("."):
        cur = cur[part]
    return cur


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set one dotted key in plain scenario data (groups are made as needed)."""
    parts = path.split(".")
    cur = data
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


RATE_KEYS = ("pot.rate_per_head", "pot.rate_per_over75")


def one_rate(changes: dict[str, Any] | Any) -> dict[str, Any]:
    """Dotted changes with the pot's one-rate rule applied: setting one rate clears the other.

    A scenario gives exactly one of the two rates (:class:`Pot` refuses both); when changes set both,
    the rate per patient aged 75+ wins.

    >>> one_rate({"pot.rate_per_head": 6.0})
    {'pot.rate_per_head': 6.0, 'pot.rate_per_over75': None}
    >>> one_rate({"pot.rate_per_head": 5.0, "pot.rate_per_over75": 50.0})
    {'pot.rate_per_head': None, 'pot.rate_per_over75': 50.0}
    """
    out = dict(changes)
    head, over75 = RATE_KEYS
    if out.get(over75) is not None:
        out[head] = None
    elif out.get(head) is not None:
        out[over75] = None
    return out


def _too_deep(obj: Any, limit: int) -> bool:
    """True when containers nest more than `limit` levels. Iterative, stops at the first too-deep
    container, and visits each container once (aliases can share one object many times)."""
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            if level + 1 > limit:
                return True
            if id(node) in seen:
                continue
            seen.add(id(node))
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, level + 1) for child in children)
    return False


def _explain(err: ValidationError, filename: str) -> str:
    lines = []
    for e in err.errors():
        loc = ".".join(
            str(p)
            for p in e["loc"]
            if not (isinstance(p, str) and p in {"keep", "decommission", "extend_to_all", "harmonise"})
        )
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; see scenarios/guidance_default.yaml for the keys)"
        elif e["type"] == "literal_error" and loc == "version":
            msg = "only version: 1 is understood"
        where = f"key '{printable(loc)}'" if e["loc"] else "the file"
        lines.append(f"{filename}: {where}: {msg}")
    return "\n".join(lines)


def _field_kind(annotation: Any) -> tuple[str, Any]:
    """What a field holds: ("number", None), ("numbers", None), ("group", model), ("schemes", None) or
    ("other", None)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if annotation in (int, float) or (origin in (typing.Union, types.UnionType) and args and
                                       all(a in (int, float) for a in args)):
        return "number", None
    if origin is list and args and args[0] in (int, float):
        return "numbers", None
    if origin is dict:
        return "schemes", None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "group", annotation
    return "other", None


def _number_types(data: Any, cls: type[BaseModel], prefix: str, refused: list[str], notes: list[str]) -> None:
    """Walk plain scenario data along the schema: a yes/no value where a number belongs is refused (YAML's
    `true` would otherwise count as 1), and a number written as text ("5") is noted."""
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        field = cls.model_fields.get(key) if isinstance(key, str) else None
        if field is None:
            continue
        path = f"{prefix}{key}"
        kind, group = _field_kind(field.annotation)
        if kind == "number":
            _one_number(value, path, refused, notes)
        elif kind == "numbers" and isinstance(value, list):
            for i, item in enumerate(value):
                _one_number(item, f"{path} (value {i + 1})", refused, notes)
        elif kind == "group":
            _number_types(value, group, path + ".", refused, notes)
        elif kind == "schemes" and isinstance(value, dict):
            for name, scheme in value.items():
                action = scheme.get("action") if isinstance(scheme, dict) else None
                if isinstance(action, str) and action in SCHEME_CLASSES:
                    _number_types(scheme, SCHEME_CLASSES[action], f"{path}.{name}.", refused, notes)


def _one_number(value: Any, path: str, refused: list[str], notes: list[str]) -> None:
    if isinstance(value, bool):
        refused.append(f"key '{printable(path)}': {str(value).lower()} is a yes/no value, not a number: write the "
                       "number itself (e.g. 5)")
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", ""))
        except ValueError:
            return
        if math.isfinite(number):
            notes.append(f"key '{printable(path)}': the number {printable(value)!r} was written as text (in quotes) "
                         f"and read as {number:g}; write it without quotes")


def parse_scenario(data: Any, filename: str = "scenario", notes: list[str] | None = None) -> Scenario:
    """Validate already-parsed data (a dict) into a Scenario, or raise ScenarioError naming the key.

    A yes/no value where a number belongs is refused; a number written as text ("5") is read, and a
    warning saying so is added to `notes` (when given):

    >>> parse_scenario({"horizon_years": True}, "x.yaml")
    Traceback (most recent call last):
    model.scenario.ScenarioError: x.yaml: key 'horizon_years': true is a yes/no value, not a number: write the
    number itself (e.g. 5)
    >>> notes = []
    >>> parse_scenario({"horizon_years": "5"}, "x.yaml", notes).horizon_years, notes
    (5, ["x.yaml: key 'horizon_years': the number '5' was written as text (in quotes) and read as 5; write it
    without quotes"])
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(f"{filename}: a scenario must be a mapping of keys to values, not {type(data).__name__}")
    if _too_deep(data, MAX_SCENARIO_DEPTH):
        raise ScenarioError(f"{filename}: nested more than {MAX_SCENARIO_DEPTH} levels deep")
    refused: list[str] = []
    text_numbers: list[str] = []
    _number_types(data, Scenario, "", refused, text_numbers)
    if refused:
        raise ScenarioError("\n".join(f"{filename}: {r}" for r in refused))
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_explain(err, filename)) from None
    if notes is not None:
        notes += [f"{filename}: {n}" for n in text_numbers]
    return scenario


