"""The one-page practice summary: well-formed, safe HTML; the right figures; meeting mode; the CLI."""

from __future__ import annotations

import io
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from model.anonymise import practice_aliases
from model.engine import run
from model.scenario import Scenario
from model.scenario_files import load_scenario_file
from papers.onepager import render_html, story, zip_all
from papers.text import money

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SCENARIOS = ROOT / "scenarios"
SCRIPT = "<script>alert(1)</script>"
VOID = {"meta", "br", "hr", "img", "input", "link", "rect", "line", "col", "source"}


def _load(path: Path) -> pd.DataFrame:
    try:
        from model.practices import load_practices
    except ImportError:  # pragma: no cover - loader not there yet
        return pd.read_csv(path, dtype={"commissioner": str})
    loaded = load_practices(path)
    assert loaded.ok, loaded.report.to_text()
    return loaded.practices


class _Checker(HTMLParser):
    """Parses the page and checks that every element is closed in order; collects tags and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Checker:
    c = _Checker()
    c.feed(page)
    c.close()
    assert not c.errors, c.errors[:5]
    assert not c.stack, f"unclosed: {c.stack}"
    return c


@pytest.fixture(scope="module")
def nene() -> pd.DataFrame:
    return _load(DATA / "nene_2014_15.csv")


@pytest.fixture(scope="module")
def linked(nene):
    return run(nene, load_scenario_file(str(SCENARIOS / "les_linked_counts.yaml")))


@pytest.fixture(scope="module")
def staff(nene):
    return run(nene, load_scenario_file(str(SCENARIOS / "non_recurrent_staff.yaml")))


@pytest.fixture(scope="module")
def hostile(nene):
    df = nene.copy()
    df["practice_name"] = df["practice_name"].astype(object)
    df.loc[df.index[0], "practice_name"] = SCRIPT
    df["locality"] = df["locality"].astype(object)
    df.loc[df.index[0], "locality"] = '"><img src=x onerror=alert(2)>'
    scenario = Scenario().with_changes({"name": "<b>Option</b> & co", "description": "<iframe src=//x></iframe>"})
    return run(df, scenario)


def shown_allocation(page: str) -> float:
    """The first card's figure: the first year's allocation in whole pounds."""
    import re
    text = re.search(r'class="value">([^<]+)<', page).group(1)
    return float(text.replace("£", "").replace(",", "").replace("−", "-"))


def _first(results, code: str) -> pd.Series:
    p = results.practices
    return p[(p["practice_code"].astype(str) == code) & (p["year_index"] == 0)].iloc[0]


def test_money_format():
    assert money(42190.0) == "£42,190"
    assert money(4557.37) == "£4,557"
    assert money(4557.5) == "£4,558"
    assert money(0.54) == "£0.54"
    assert money(12.5) == "£12.50"
    assert money(-1234.0) == "−£1,234"
    assert money(0.0) == "£0"


def test_page_parses_and_shows_the_allocation(linked):
    code = "K83004"
    page = render_html(linked, code)
    checker = _parse(page)
    assert checker.tags[0] == "html"
    r0 = _first(linked, code)
    assert abs(float(r0["allocation"]) - shown_allocation(page)) < 1
    assert str(r0["practice_name"]) in page and code in page
    assert str(r0["locality"]) in page
    assert f"{int(r0['list_size']):,}" in page and f"{int(r0['over75']):,}" in page
    for year in linked.scenario.year_labels():
        assert year in page
    assert "@page" in page and "A4" in page
    assert "#005EB8" in page


def test_page_has_no_external_assets_or_scripts(linked):
    page = render_html(linked, "K83004")
    checker = _parse(page)
    assert "script" not in checker.tags and "link" not in checker.tags and "img" not in checker.tags
    assert "@import" not in page and "url(" not in page
    for name, value in checker.attrs:
        if name in ("src", "href"):
            raise AssertionError(f"external reference {name}={value}")


def test_user_text_is_escaped(hostile):
    code = str(hostile.practices["practice_code"].iloc[0])
    page = render_html(hostile, code)
    checker = _parse(page)
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "script" not in checker.tags and "img" not in checker.tags and "iframe" not in checker.tags
    assert "<b>Option</b>" not in page and "&lt;b&gt;Option&lt;/b&gt; &amp; co" in page
    assert "onerror" not in [a for a, _ in checker.attrs]
    assert SCRIPT in "".join(checker.text), "the name is shown, as text"


def test_meeting_mode_hides_name_and_code(linked):
    code = "K83004"
    r0 = _first(linked, code)
    page = render_html(linked, code, anonymise=True)
    _parse(page)
    assert str(r0["practice_name"]) not in page
    assert code not in page
    alias = practice_aliases(linked.practices["practice_code"])[code]
    assert alias in page and alias.startswith("Practice ")
    assert abs(float(r0["allocation"]) - shown_allocation(page)) < 1


def test_story_in_plain_english(linked, staff, nene):
    default = run(nene, Scenario())
    rows = default.practices[default.practices["practice_code"].astype(str) == "K83004"]
    text = " ".join(story(rows, default))
    assert text.startswith("In 2014/15 the practice receives £")
    assert "all of it new money" in text

    rows = linked.practices[linked.practices["practice_code"].astype(str) == "K83004"]
    text = " ".join(story(rows, linked))
    assert "LES money coming back" in text and "protection" in text.lower()
    assert "2015/16" in text

    rows = staff.practices[staff.practices["practice_code"].astype(str) == "K83004"]
    text = " ".join(story(rows, staff))
    assert "The money stops after 2014/15" in text
    assert "staff costs" in text
    page = render_html(staff, "K83004")
    assert "Unfunded staff costs" in page


def test_unknown_practice_is_refused(linked):
    with pytest.raises(ValueError, match="not in the practice list"):
        render_html(linked, "NOPE01")


def test_zip_all_one_page_per_practice(linked):
    data = zip_all(linked, fits=0)
    assert data == zip_all(linked, fits=0), "deterministic"
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    assert len(names) == linked.practices["practice_code"].nunique()
    assert "K83004.html" in names
    _parse(z.read("K83004.html").decode("utf-8"))

    anon = zipfile.ZipFile(io.BytesIO(zip_all(linked, anonymise=True, fits=0)))
    codes = set(linked.practices["practice_code"].astype(str))
    names = anon.namelist()
    assert "Practice_A.html" in names
    assert not any(code in n for n in names for code in codes)
    page = anon.read(names[0]).decode("utf-8")
    assert not any(code in page for code in codes)


def test_cli_onepager(tmp_path, capsys):
    from cli import main as cli
    from cli import onepager as cli_onepager

    cli.register("onepager", cli_onepager.HELP, cli_onepager.configure, cli_onepager.handle)
    out = tmp_path / "k83004.html"
    argv = ["onepager", "--practices", str(DATA / "nene_2014_15.csv"),
            "--scenario", str(SCENARIOS / "les_linked_counts.yaml"), "--practice", "K83004", "--out", str(out)]
    assert cli.main(argv) == 0
    page = out.read_text(encoding="utf-8")
    _parse(page)
    assert "K83004" in page

    assert cli.main(argv) == 2, "an existing file is not replaced without --force"
    assert "already exists" in capsys.readouterr().err
    assert cli.main(argv + ["--force", "--anonymise"]) == 0
    assert "K83004" not in out.read_text(encoding="utf-8")

    bad = ["onepager", "--practices", str(DATA / "nene_2014_15.csv"), "--practice", "NOPE01",
           "--out", str(tmp_path / "x.html")]
    assert cli.main(bad) == 2
    assert "NOPE01" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()

    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "no temporary files left"


@pytest.mark.pack
def test_cli_onepager_all_writes_the_pack_and_the_zip(tmp_path):
    """`onepager --all` writes one PDF (cover, index, a page per practice) and the zip of HTML pages."""
    import pypdf

    from cli import main as cli
    from cli import onepager as cli_onepager

    cli.register("onepager", cli_onepager.HELP, cli_onepager.configure, cli_onepager.handle)
    out = tmp_path / "pack.pdf"
    assert cli.main(["onepager", "--practices", str(DATA / "nene_2014_15.csv"), "--all", "--anonymise",
                     "--out", str(out)]) == 0
    assert len(zipfile.ZipFile(tmp_path / "pack.zip").namelist()) == 69
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 2 + 69
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Practice A" in text and "K83003" not in text and "Queensview" not in text
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "no temporary files left"


# ---- figures that add up as shown, plain words, one A4 page -------------------------------------------


def test_issue_examples_add_up_as_shown(nene):
    """K83006 under les_separate, 2015/16, was 50,490 + 11,146 − 123,271 shown as −61,636; K83003 under
    blend_with_floor was five years of 42,678 shown as 213,389 in all."""
    import sys
    sys.path.insert(0, str(ROOT / "scripts"))
    from count_footing_breaks import page_breaks

    sep = run(nene, load_scenario_file(str(SCENARIOS / "les_separate.yaml")))
    page = render_html(sep, "K83006", fit=0)
    assert page_breaks(page) == []
    assert "−£61,635" in page
    blend = run(nene, load_scenario_file(str(SCENARIOS / "blend_with_floor.yaml")))
    page = render_html(blend, "K83003", fit=0)
    assert page_breaks(page) == []
    assert "£213,389" in page


def test_no_raw_column_names_and_pooled_practices_read_correctly(nene):
    pooled = run(nene, load_scenario_file(str(SCENARIOS / "locality_pooling.yaml")))
    page = render_html(pooled, "K83026", fit=0)
    assert "paid to the Wellingborough locality" in page or "the Wellingborough locality is paid" in page
    assert "the Wellingborough locality (pooled)" in page
    sep = run(nene, load_scenario_file(str(SCENARIOS / "les_separate.yaml")))
    page = render_html(sep, "K83006", fit=0)
    assert "les_total" not in page and "LES (all schemes): decommissioned in full from 2014/15" in page


def test_the_chart_has_axis_values(linked):
    page = render_html(linked, "K83004", fit=0)
    svg = page[page.index("<svg"):page.index("</svg>")]
    import re
    ticks = re.findall(r'text-anchor="end"[^>]*>([^<]+)<', svg)
    assert len(ticks) >= 3 and all("£" in t for t in ticks), ticks


def test_long_names_shrink(nene):
    df = nene.copy()
    df["practice_name"] = df["practice_name"].astype(object)
    df.loc[df["practice_code"] == "K83004", "practice_name"] = "The Very Long Named Medical Practice " * 3
    page = render_html(run(df, Scenario()), "K83004", fit=0)
    assert '<h1 class="longer">' in page


def test_a_small_pack_has_a_cover_an_index_and_a_page_each():
    """The pack end to end on three practices (the full check, every practice under every scenario, is
    tests/test_pack.py, run by `make test-pack`)."""
    import pypdf

    from papers.pack import pack
    from papers.provenance import Source

    practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
                              "list_size": [1000, 2000, 3000], "over75": [80, 150, 300]})
    pdf, fits, n = pack(run(practices, Scenario()), source=Source.from_frame(practices))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert n == len(reader.pages) == 2 + 3
    assert "meeting pack" in reader.pages[0].extract_text()
    assert "Practices in this pack" in reader.pages[1].extract_text()
    assert [("Abbey" in reader.pages[k].extract_text()) for k in (2, 3, 4)] == [True, False, False]
    assert set(fits.values()) == {0}


def test_a_meeting_pack_of_more_practices_than_the_limit_is_refused_before_any_page_is_laid_out(tmp_path, capsys):
    """A pack is a page per practice: all England (7,912) would take most of an hour, so it is refused
    with a sentence naming the limit (exit 2), and nothing is written."""
    from cli import main as cli
    from model.limits import MAX_PACK_PRACTICES

    out = tmp_path / "pack.pdf"
    code = cli.main(["onepager", "--practices", str(DATA / "england_2014_15.csv"), "--all", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"at most {MAX_PACK_PRACTICES:,} practices" in err and "7,912" in err and "one pack per CCG" in err
    assert not out.exists() and not (tmp_path / "pack.zip").exists()
