"""The meeting pack: every practice of NHS Nene under every shipped scenario fits on exactly one A4 page
(laid out by WeasyPrint, pages counted with pypdf). Slow (about a minute a scenario on a busy machine):
marked ``pack`` and run by `make test-pack` (and CI), not by `make test`."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest

from model.engine import prepare, run
from model.practices import load_practices
from model.scenario_files import load_scenario_file
from papers.pack import pack
from papers.provenance import Source

ROOT = Path(__file__).resolve().parents[1]
NENE = ROOT / "data" / "nene_2014_15.csv"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))

pytestmark = pytest.mark.pack


@pytest.fixture(scope="module")
def nene():
    loaded = load_practices(NENE)
    assert loaded.ok
    return loaded.practices, prepare(loaded.practices)


# Every shipped scenario with names; meeting mode (the same pages with letters) under one of them.
CASES = [(s, False) for s in SCENARIOS] + [(s, True) for s in SCENARIOS if s.stem == "conditional_review"]


@pytest.mark.parametrize(("scenario", "anonymise"), CASES,
                         ids=[f"{s.stem}{'-anonymised' if a else ''}" for s, a in CASES])
def test_every_practice_is_exactly_one_page(nene, scenario, anonymise):
    frame, prepared = nene
    results = run(prepared, load_scenario_file(str(scenario)))
    pdf, fits, n_pages = pack(results, anonymise=anonymise, source=Source.from_file(NENE, frame))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    codes = sorted(results.practices["practice_code"].astype(str).unique())
    assert len(reader.pages) == n_pages == 1 + 1 + len(codes)     # cover, index, one page per practice
    texts = [page.extract_text() for page in reader.pages]
    assert "meeting pack" in texts[0] and "Practices in this pack" in texts[1]
    for k, code in enumerate(codes):
        page = texts[2 + k]
        assert "Practice funding summary" in page
        if not anonymise:
            assert f"({code})" in page, (code, k)
        others = [c for c in codes if c != code and f"({c})" in page]
        assert not others, (code, others)
    if anonymise:
        assert not any(code in t for code in codes for t in texts)
