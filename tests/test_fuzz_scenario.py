"""Fuzzing the scenario loader, and the key-naming messages of its range checks.

Cases start from the real files in ``scenarios/`` and mutate them: keys renamed, deleted or added;
values replaced by text, huge numbers, negatives, NaN/inf, lists, nested mappings, deep nesting;
anchors and aliases (small "billion laughs", self-referencing aliases); ``!!python/...`` tags; other
encodings; junk bytes; truncation; huge files. The property: :func:`load_scenario` returns a Scenario
(which then survives a round trip through :func:`dump_scenario`) or raises ScenarioError whose every
line names the file; when the only mutation was an unknown key, the message names that key. Any other
exception, or a case that takes longer than a few seconds, is a failure.

Each fuzz test is a normal test (a few dozen cases under the default profile) and is marked ``fuzz``
so ``make test-fuzz`` runs it with 10,000 cases. Counts and the distinct messages seen go to
``artifacts/fuzz_summary.txt`` (shared with tests/test_fuzz_practices.py).
"""

from __future__ import annotations

import copy
import fcntl
import json
import math
import os
import re
import signal
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.scenario import Scenario, ScenarioError
from model.scenario_files import MAX_SCENARIO_BYTES, dump_scenario, load_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((REPO / "scenarios").glob("*.yaml"))
SEED_TEXT = {p.name: p.read_text(encoding="utf-8") for p in SCENARIOS}
SEED_DATA = {name: yaml.safe_load(text) for name, text in SEED_TEXT.items()}
ARTIFACTS = REPO / "artifacts"
TIME_LIMIT_S = 10.0


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail (TimeoutError) instead of hanging when a case takes too long (SIGALRM; main thread, Unix)."""

    def _raise(signum, frame):
        raise TimeoutError(f"took longer than {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ---- mutations ------------------------------------------------------------------------------------

KEY_TYPOS = ["rate_per_heads", "Rate_per_head", "rate per head", "ratePerHead", "horizon", "weight", "pot ", "",
             "les_", "les_total ", "max_loss", "typ", "version2", "1", "null", "<<", "__class__", "£", "ключ"]
NASTY_VALUES = [
    None, True, False, 0, -1, -0.0, 1e300, -1e300, 10**400, -(10**40), float("nan"), float("inf"), float("-inf"),
    "5", "£5", "5%", "5,00", "1e300", "nan", ".nan", "yes", "", " ", "=1+1", "@SUM(A1)", "x" * 5000, [], [1, 2],
    [None], {}, {"a": 1}, {"action": "keep"}, {"action": "explode"}, [[[[1]]]], "2014-01-01", 2014.5, 20, 21, 0.5,
    100, 100.0001, -50, -50.1, 50, 1000, 1000.01, 10_000, 2.5e-324, "keep", "decommission", "pot", "locality",
]


def _value() -> st.SearchStrategy[object]:
    leaf = st.one_of(
        st.sampled_from(NASTY_VALUES),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=30),
        st.booleans(),
        st.none(),
    )
    return st.recursive(leaf, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                    st.dictionaries(st.text(max_size=8), kids, max_size=3)),
                        max_leaves=8)


VALUE = _value()  # built once: building a recursive strategy per draw costs more than the case itself
KEY_NAME = st.one_of(st.sampled_from(KEY_TYPOS), st.text(max_size=12))
OPS = st.lists(st.sampled_from(["rename", "delete", "replace", "add", "deep", "scheme", "unknown"]), max_size=4)
SCHEME_VALUE = st.one_of(
    st.fixed_dictionaries({"action": st.sampled_from(["keep", "decommission", "extend_to_all", "harmonise", "stop",
                                                      ""])},
                          optional={"fraction": VALUE, "from_year": VALUE, "rate_per_head": VALUE, "extra": VALUE}),
    VALUE)


def _paths(data: object, prefix: tuple = (), seen: frozenset = frozenset()) -> list[tuple]:
    """Every (path to a mapping, key) in the document. A mutation can put a mapping inside itself (a
    cycle, as a YAML alias would); each mapping is walked once on a path, so the walk always ends."""
    out = []
    if isinstance(data, dict) and id(data) not in seen:
        seen = seen | {id(data)}
        for k, v in data.items():
            out.append((prefix, k))
            out.extend(_paths(v, (*prefix, k), seen))
    return out


def _get(data: object, path: tuple) -> dict:
    for p in path:
        data = data[p]  # type: ignore[index]
    return data  # type: ignore[return-value]


def _nested(depth: int, leaf: object) -> object:
    for i in range(depth):
        leaf = [leaf] if i % 2 else {"x": leaf}
    return leaf


@st.composite
def mutated_document(draw: st.DrawFn) -> dict[str, object]:
    """A real scenario with a few structural mutations; returns the data and, when the only mutation
    added an unknown key at the top level or in a group, that key's dotted path."""
    seed = draw(st.sampled_from(sorted(SEED_DATA)))
    data = copy.deepcopy(SEED_DATA[seed])
    ops = draw(OPS)
    expected_key = None
    for op in ops:
        paths = _paths(data)
        if op in ("rename", "delete", "replace", "deep") and paths:
            path, key = draw(st.sampled_from(paths))
            parent = _get(data, path)
            if op == "rename":
                parent[draw(KEY_NAME)] = parent.pop(key)
            elif op == "delete":
                del parent[key]
            elif op == "replace":
                parent[key] = draw(VALUE)
            else:
                parent[key] = _nested(draw(st.integers(1, 20)), draw(VALUE))
        elif op == "add":
            groups = [()] + [(*p, k) for p, k in paths if isinstance(_get(data, (*p, k)), dict)]
            target = _get(data, draw(st.sampled_from(groups)))
            target[draw(KEY_NAME)] = draw(VALUE)
        elif op == "scheme":
            les = data.setdefault("les", {}) if isinstance(data.get("les", {}), dict) else {}
            schemes = les.setdefault("schemes", {}) if isinstance(les.get("schemes", {}), dict) else {}
            schemes[draw(st.sampled_from(["les_total", "les_x", "total", "les_", "LES total"]))] = draw(SCHEME_VALUE)
        elif op == "unknown":
            group = draw(st.sampled_from([(), ("pot",), ("distribution",), ("funding",), ("admissions",)]))
            name = draw(st.sampled_from(["colour", "rate_per_heads", "horizon", "uplift", "extra_key"]))
            target = data
            for g in group:
                if not isinstance(target.get(g), dict):
                    target[g] = {}
                target = target[g]
            target[name] = 1
            expected_key = ".".join([*group, name])
    if ops != ["unknown"]:
        expected_key = None
    return {"seed": seed, "data": data, "expected_key": expected_key}


def _dump(data: object) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, ValueError, RecursionError):  # keys yaml cannot write, or too deep: a flow repr
        return repr(data)


def _laughs(levels: int, width: int, key: str) -> str:
    lines = ['lol0: &a0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines.append(f"{key}: *a{levels}")
    return "\n".join(lines) + "\n"


TEXT_OPS = ["none", "none", "none", "junk", "truncate", "python_tag", "tag_value", "laughs", "self_alias",
            "huge", "encoding", "giant_int", "tabs", "duplicate", "merge_key", "control"]


@st.composite
def scenario_source(draw: st.DrawFn) -> dict[str, object]:
    doc = draw(mutated_document())
    text = _dump(doc["data"])
    op = draw(st.sampled_from(TEXT_OPS))
    expected_key = doc["expected_key"] if op == "none" else None
    source: str | bytes = text
    if op == "junk":
        pos = draw(st.integers(0, len(text)))
        source = text.encode() [:pos] + draw(st.binary(min_size=1, max_size=32)) + text.encode()[pos:]
    elif op == "truncate":
        source = text[: draw(st.integers(0, len(text)))]
    elif op == "python_tag":
        source = draw(st.sampled_from([
            '!!python/object/apply:os.system ["echo pwned"]\n',
            "name: !!python/name:os.system\n",
            "name: !!python/object:model.scenario.Scenario {}\n",
            "!!python/object/new:type [x, [], {}]\n",
            "pot: !!python/tuple [1, 2]\n",
        ])) + text
    elif op == "tag_value":
        source = text + draw(st.sampled_from([
            "staffing: !!binary aGVsbG8=\n", "staffing: !!set {a, b}\n", "staffing: !!timestamp 2014-04-01\n",
            "staffing: !!omap [a: 1]\n", "staffing: !custom {a: 1}\n", "staffing: !!str 5\n", "staffing: !!int x\n",
        ]))
    elif op == "laughs":
        key = draw(st.sampled_from(["name", "description", "pot", "les.protection.max_loss_pct", "unknown"]))
        lv, width = draw(st.integers(1, 4)), draw(st.integers(1, 5))
        body = _laughs(lv, width, "value")
        if key == "les.protection.max_loss_pct":
            body = body.replace("value: ", "les:\n  protection:\n    max_loss_pct: ")
        else:
            body = body.replace("value: ", f"{key}: ")
        source = body
    elif op == "self_alias":
        source = draw(st.sampled_from(["pot: &a {x: *a}\n", "a: &a [*a]\n", "les: &l {schemes: {les_x: *l}}\n",
                                       "description: &d [1, *d]\n"]))
    elif op == "huge":
        source = text + "# " + "x" * (MAX_SCENARIO_BYTES + draw(st.integers(0, 10))) + "\n"
        if draw(st.booleans()):
            source = source.encode()
    elif op == "encoding":
        source = text.encode(draw(st.sampled_from(["utf-16", "utf-16-le", "cp1252", "latin-1", "utf-8-sig"])),
                             errors="replace")
    elif op == "giant_int":
        source = text + f"horizon_years: {'9' * draw(st.sampled_from([400, 4300, 4301, 5000]))}\n"
    elif op == "tabs":
        source = text.replace("  ", "\t")
    elif op == "duplicate":
        source = text + "pot: {rate_per_over75: 50}\n"
    elif op == "merge_key":
        source = "defaults: &d {rate_per_head: 5}\npot:\n  <<: *d\n  uplift_pct: 1\n"
    elif op == "control":
        pos = draw(st.integers(0, len(text)))
        source = text[:pos] + draw(st.sampled_from(["\x00", "\x07", "\x1b[31m", "\ufeff", "\u2028", "\ud800"])) + \
            text[pos:]
    if isinstance(source, str) and draw(st.booleans()):
        source = source.encode("utf-8", errors="surrogatepass")
    name = draw(st.sampled_from(["scenario.yaml", "my options (v2).yaml", "£5 per head.yml", doc["seed"]]))
    return {"source": source, "name": name, "op": op, "expected_key": expected_key}


# ---- the property ---------------------------------------------------------------------------------

_STATS: dict[str, object] = {"cases": Counter(), "outcomes": Counter(), "messages": Counter(), "examples": {}}


def normalise(message: str, name: str) -> str:
    text = "<file>" + message[len(name):] if message.startswith(name) else message
    text = re.sub(r"(?<!\w)'(?:[^'\\]|\\.)*'(?!\w)|\"(?:[^\"\\]|\\.)*\"", "'…'", text)
    text = re.sub(r"-?\d+(?:[.,]\d+)*(?:e[+-]?\d+)?", "N", text)
    return text


def check_scenario_outcome(source: str | bytes, name: str, expected_key: str | None, label: str) -> Scenario | None:
    _STATS["cases"][label] += 1  # type: ignore[index]
    try:
        with time_limit(TIME_LIMIT_S):
            scenario = load_scenario(source, name)
    except ScenarioError as err:
        _STATS["outcomes"]["refused"] += 1  # type: ignore[index]
        message = str(err)
        assert message.startswith(f"{name}: "), f"the message does not name the file: {message!r}"
        for line in message.split("\n"):
            if not line.startswith(f"{name}: "):
                # a key with a line break in it is echoed as it is (see test_error_messages.py)
                _STATS["outcomes"]["message line broken by a key's own line break"] += 1  # type: ignore[index]
                continue
            key = normalise(line, name)
            if key not in _STATS["messages"]:  # type: ignore[operator]
                _STATS["examples"][key] = line[:300]  # type: ignore[index]
            _STATS["messages"][key] += 1  # type: ignore[index]
        if expected_key is not None:
            assert f"key '{expected_key}'" in message, message
        return None
    _STATS["outcomes"]["loaded"] += 1  # type: ignore[index]
    assert isinstance(scenario, Scenario)
    assert expected_key is None, f"unknown key {expected_key} was accepted"
    assert 1 <= scenario.horizon_years <= 20
    assert math.isfinite(scenario.pot.rate) and scenario.pot.rate >= 0
    # what `run` writes as scenario.yaml loads back to the same scenario
    again = load_scenario(dump_scenario(scenario), "scenario.yaml")
    assert again == scenario
    return scenario


FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                      HealthCheck.filter_too_much])


@pytest.mark.fuzz
@FUZZ
@given(case=scenario_source())
def test_fuzz_mutated_scenarios(case):
    check_scenario_outcome(case["source"], case["name"], case["expected_key"], f"scenario: {case['op']}")


@pytest.mark.fuzz
@FUZZ
@given(source=st.one_of(st.binary(max_size=2048), st.text(max_size=2048)), name=st.sampled_from(["s.yaml", "x"]))
def test_fuzz_random_scenario_text(source, name):
    check_scenario_outcome(source, name, None, "random text/bytes")


def test_every_shipped_scenario_loads_and_round_trips():
    for path in SCENARIOS:
        scenario = check_scenario_outcome(path.read_bytes(), path.name, None, "shipped files")
        assert scenario is not None, path.name


# ---- crashes and hangs found by the fuzzing (reported to the lead) --------------------------------


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "pot: &a {x: *a}\n", "les: &l {schemes: {les_x: *l}}\n"])
def test_self_referencing_alias_is_a_scenario_error(text):
    """A YAML alias that refers to itself builds a recursive structure; it must be refused, not crash
    with RecursionError (found: model/scenario.py `_depth` recurses forever)."""
    with pytest.raises(ScenarioError, match=r"^s\.yaml: "):
        load_scenario(text, "s.yaml")


def test_integer_longer_than_python_allows_is_a_scenario_error():
    """A 5,000-digit integer: PyYAML's int() raises ValueError (Python's 4,300-digit limit)."""
    with pytest.raises(ScenarioError, match=r"^s\.yaml: .*horizon_years|^s\.yaml: "):
        load_scenario("horizon_years: " + "9" * 5000 + "\n", "s.yaml")


@pytest.mark.parametrize("value", ["!!int x", "!!int 0b2", "!!float x", "!!bool x", "!!timestamp x",
                                   "!!timestamp 2014-13-45", "!!timestamp 2014-02-30"])
def test_explicit_tag_with_a_bad_value_is_a_scenario_error(value):
    """PyYAML's constructors raise ValueError/KeyError/AttributeError (not YAMLError) for these; found by
    the fuzzing (`staffing: !!int x` -> ValueError out of load_scenario)."""
    with pytest.raises(ScenarioError, match=r"^s\.yaml: "):
        load_scenario(f"staffing: {value}\n", "s.yaml")


def test_billion_laughs_is_refused_quickly():
    """~500 bytes of nested aliases must not cost minutes (found: `_depth` walks every expanded node,
    9**9 of them here, before the depth limit is applied)."""
    text = _laughs(9, 9, "description")
    assert len(text) < 600
    with time_limit(5), pytest.raises(ScenarioError, match=r"^s\.yaml: "):
        load_scenario(text, "s.yaml")


def test_billion_laughs_within_the_depth_limit_is_refused_quickly():
    text = _laughs(7, 12, "description")  # 12**7 ≈ 36 million strings once expanded, nesting depth 8
    with time_limit(5), pytest.raises(ScenarioError, match=r"^s\.yaml: "):
        load_scenario(text, "s.yaml")


def test_duplicate_key_is_an_error_naming_the_key():
    """Two `pot:` blocks: silently keeping the last one changes the figures without a word."""
    text = "version: 1\npot: {rate_per_head: 5}\nhorizon_years: 5\npot: {rate_per_over75: 50}\n"
    with pytest.raises(ScenarioError, match=r"^s\.yaml: .*'pot'"):
        load_scenario(text, "s.yaml")


def test_a_control_character_is_located_not_reported_as_not_valid_twice():
    """yaml.reader.ReaderError has no problem_mark/problem: the message was "not valid YAML: not valid YAML"
    (3,707 of 20,000 fuzz cases), with no position or reason. str(err) has both."""
    with pytest.raises(ScenarioError) as info:
        load_scenario("name: a\x07b\n", "s.yaml")
    message = str(info.value)
    assert message.startswith("s.yaml: ") and message.count("not valid YAML") == 1, message
    assert "#x0007" in message or "position" in message or "line 1" in message, message


def test_an_empty_key_is_named():
    with pytest.raises(ScenarioError) as info:
        load_scenario('"": 1\n', "s.yaml")
    assert "key ''" in str(info.value), str(info.value)


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system [\"echo pwned\"]", "!!python/name:os.system"])
def test_python_tags_are_refused(tag):
    with pytest.raises(ScenarioError, match=r"^s\.yaml: not valid YAML"):
        load_scenario(f"name: {tag}\n", "s.yaml")


def test_too_large_file_is_refused_naming_the_file():
    with pytest.raises(ScenarioError, match=r"^big\.yaml: the file is .*at most"):
        load_scenario(b"# " + b"x" * MAX_SCENARIO_BYTES, "big.yaml")


def test_deep_nesting_is_refused():
    with pytest.raises(ScenarioError, match=r"^s\.yaml: nested"):
        load_scenario("pot: " + "[" * 50 + "]" * 50 + "\n", "s.yaml")
    with pytest.raises(ScenarioError, match=r"^s\.yaml: "):
        load_scenario("pot: " + "[" * 5000 + "]" * 5000 + "\n", "s.yaml")


def test_utf16_file_is_refused_naming_the_file():
    with pytest.raises(ScenarioError, match=r"^s\.yaml: not a text \(UTF-8\)"):
        load_scenario(SEED_TEXT["guidance_default.yaml"].encode("utf-16"), "s.yaml")


# ---- explicit range checks: each message names the file and the key -------------------------------


def _error(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(text, "opts.yaml")
    message = str(info.value)
    assert all(line.startswith("opts.yaml: ") for line in message.splitlines()), message
    return message


@pytest.mark.parametrize(("text", "key"), [
    ("pot: {rate_per_head: -5}", "pot.rate_per_head"),
    ("pot: {rate_per_over75: -0.01}", "pot.rate_per_over75"),
    ("les: {schemes: {les_total: {action: harmonise, rate_per_head: -1}}}", "les.schemes.les_total.rate_per_head"),
    ("distribution: {floor: -1}", "distribution.floor"),
])
def test_negative_rates_name_the_key(text, key):
    assert f"key '{key}'" in _error(text)


@pytest.mark.parametrize(("text", "key"), [
    ("les: {reinvest_pct: 101}", "les.reinvest_pct"),
    ("les: {reinvest_pct: -1}", "les.reinvest_pct"),
    ("funding: {required_reduction_pct: 150}", "funding.required_reduction_pct"),
    ("admissions: {expected_reduction_pct: -0.5}", "admissions.expected_reduction_pct"),
    ("staffing: {committed_pct: 100.5}", "staffing.committed_pct"),
    ("les: {protection: {max_loss_pct: [0, 50, 120]}}", "les.protection.max_loss_pct"),
    ("les: {protection: {max_loss_pct: [-10]}}", "les.protection.max_loss_pct"),
    ("pot: {uplift_pct: 51}", "pot.uplift_pct"),
    ("growth: {list_size_pct: -60}", "growth.list_size_pct"),
])
def test_percentages_out_of_range_name_the_key(text, key):
    assert f"key '{key}'" in _error(text)


@pytest.mark.parametrize("value", [0, 21, -1, 100, 1.5, "five", ".nan"])
def test_horizon_outside_1_to_20_names_the_key(value):
    message = _error(f"horizon_years: {value}")
    assert "key 'horizon_years'" in message


def test_horizon_limits_themselves_are_allowed():
    assert load_scenario("horizon_years: 1").horizon_years == 1
    assert load_scenario("horizon_years: 20").horizon_years == 20


@pytest.mark.parametrize(("text", "key"), [
    ("colour: blue", "colour"),
    ("pot: {rate_per_heads: 5}", "pot.rate_per_heads"),
    ("distribution: {weights: {list_size: 0.5, over_75: 0.5}}", "distribution.weights.over_75"),
    ("les: {schemes: {les_total: {action: decommission, fractoin: 1}}}", "les.schemes.les_total.fractoin"),
    ("les: {protection: {funded_by: pot}}", "les.protection.funded_by"),
])
def test_unknown_key_is_named(text, key):
    message = _error(text)
    assert f"key '{key}'" in message and "unknown key" in message


def test_both_rates_given_names_both_keys():
    message = _error("pot: {rate_per_head: 5, rate_per_over75: 50}")
    assert "key 'pot'" in message
    assert "rate_per_head" in message and "rate_per_over75" in message


@pytest.mark.parametrize("weights", ["{list_size: 0.5}", "{list_size: 0.5, over75: 0.6}", "{}",
                                     "{list_size: 0.3333, over75: 0.3333, weighted_list: 0.3333}"])
def test_weights_not_summing_to_1_name_the_key(weights):
    message = _error(f"distribution: {{weights: {weights}}}")
    assert "key 'distribution.weights'" in message and "add up to 1" in message


def test_weights_summing_to_1_in_thirds_are_accepted():
    text = "distribution: {weights: {list_size: 0.3333333333333333, over75: 0.3333333333333333, " \
           "weighted_list: 0.3333333333333334}}"
    assert load_scenario(text).distribution.weights.over75 == pytest.approx(1 / 3)


# ---- the summary the lead quotes ------------------------------------------------------------------


def _run_id() -> str:
    return os.environ.get("PYTEST_XDIST_TESTRUNUID") or os.environ.setdefault("PCFUND_FUZZ_RUN", uuid.uuid4().hex)


def _write_part(section: str) -> None:
    """Store this process's counts beside the practice-list ones; the summary is rebuilt from both."""
    folder = ARTIFACTS / "fuzz"
    folder.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    part = {
        "run": _run_id(), "section": section, "profile": os.environ.get("HYPOTHESIS_PROFILE", "default"),
        "cases": dict(_STATS["cases"]), "outcomes": dict(_STATS["outcomes"]),  # type: ignore[arg-type]
        "messages": dict(_STATS["messages"]), "examples": _STATS["examples"],  # type: ignore[arg-type]
    }
    try:
        from test_fuzz_practices import write_fuzz_summary  # same folder: rebuilds fuzz_summary.txt
    except ImportError:  # run on its own in another import mode: keep the raw counts only
        with open(ARTIFACTS / ".fuzz.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            (folder / f"{section}-{worker}.json").write_text(json.dumps(part, ensure_ascii=False, indent=1))
        return
    write_fuzz_summary(section, _STATS)


@pytest.fixture(scope="module", autouse=True)
def _fuzz_summary(pytestconfig):
    yield
    if not sum(_STATS["cases"].values()):  # type: ignore[arg-type]
        return
    _write_part("scenario loader")
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and os.environ.get("PYTEST_XDIST_WORKER") is None:
        cases = sum(_STATS["cases"].values())  # type: ignore[arg-type]
        reporter.write_line(f"\nscenario fuzzing: {cases:,} cases, {len(_STATS['messages'])} distinct messages "
                            "(this process); summary in artifacts/fuzz_summary.txt")
