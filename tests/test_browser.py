"""Real-browser tests: the running app in headless Debian Chromium (Playwright).

Run: .venv/bin/pytest -m browser tests/test_browser.py -p no:cacheprovider
They FAIL (never skip) when /usr/bin/chromium is missing: install it with `apt-get install -y chromium`.
Screenshots, the axe-core counts and the leak scan's findings are saved in artifacts/ (gitignored).

- a rate change reaches the headline figures and the link;
- every view: axe-core finds no serious or critical accessibility problem, and every request the page
  makes goes to the app's own address (nothing fetched from the internet: the page works offline);
- meeting mode: the page text, every chart's data and hover text, every tooltip, every download and the
  message about a bad upload name none of the list's practice codes or names.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest
from app_helpers import (
    ARTIFACTS,
    CARD_VALUE,
    CHROMIUM,
    PROBE,
    card,
    chromium_page,
    goto_view,
    metric_value,
    now_ms,
    running_app,
    settle,
    wait_for_app,
)

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
NENE = ROOT / "data" / "nene_2014_15.csv"


def need_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser test needs Debian's Chromium "
                    f"(apt-get update && apt-get install -y chromium)")


def open_app(page, url: str, query: str = "") -> None:
    page.add_init_script(PROBE)
    page.goto(url + query, wait_until="domcontentloaded")
    wait_for_app(page)
    settle(page, 0.0)


def views(page) -> list[str]:
    return [t.strip() for t in page.get_by_role("tab").all_inner_texts()]


def show_view(page, name: str) -> None:
    if page.get_by_role("tab", name=name, exact=True).get_attribute("aria-selected") == "true":
        return
    t0 = now_ms(page)
    goto_view(page, name)
    settle(page, t0)


def open_expander(page, label: str) -> None:
    summary = page.locator("summary").filter(has_text=label).first
    if summary.count() and summary.locator("xpath=..").get_attribute("open") is None:
        t0 = now_ms(page)
        summary.click()
        settle(page, t0)


def test_rate_change_in_a_real_browser():
    need_chromium()
    from playwright.sync_api import expect

    with running_app() as url, chromium_page(1280, 720) as page:
        open_app(page, url)
        assert metric_value(page, "Practice pot 2014/15") == "£3,238,385"

        rate = page.get_by_role("spinbutton", name="Pot: £ per registered patient a year", exact=True)
        rate.fill("6")
        rate.press("Enter")
        expect(card(page, "Practice pot 2014/15").locator(CARD_VALUE)).to_have_text("£3,886,062", timeout=30_000)
        page.wait_for_function("() => window.location.search.includes('pot.rate_per_head=6')", timeout=10_000)
        assert "edited: 1 change from guidance_default.yaml" in page.inner_text("body")
        settle(page, 0.0, need_change=False)
        open_expander(page, "How the net cost is made up")
        assert metric_value(page, "Pot per registered patient") == "£6.00"

        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "browser_overview_rate_6.png"
        page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 10_000


# ---------------------------------------------------------------------------------------------
# Every view: accessibility (axe-core) and nothing fetched from elsewhere
# ---------------------------------------------------------------------------------------------

SERIOUS = {"serious", "critical"}


def axe_problems(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]),
             "where": [n["target"] for n in v["nodes"][:3]]} for v in result.response["violations"]]


def test_every_view_is_accessible_and_fetches_nothing_from_elsewhere():
    """axe-core on every view (normal and meeting mode first screen): no serious or critical violation; and
    every request of the page, from the first load through every view, goes to the app's own origin."""
    need_chromium()
    counts: dict[str, dict] = {}
    with running_app() as url, chromium_page(1366, 768) as page:
        origin = urlsplit(url)
        elsewhere: list[str] = []

        def check(request) -> None:
            u = urlsplit(request.url)
            if u.scheme in ("data", "blob"):
                return
            if (u.scheme, u.hostname, u.port) != (origin.scheme, origin.hostname, origin.port):
                elsewhere.append(request.url)

        page.on("request", check)
        messages: list[str] = []
        page.on("console", lambda m: messages.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        open_app(page, url, "/?s=les_separate")
        for name in views(page):
            show_view(page, name)
            problems = axe_problems(page)
            counts[name] = {"violations": len(problems), "serious_or_critical":
                            sum(1 for p in problems if p["impact"] in SERIOUS), "problems": problems}
        show_view(page, views(page)[0])
        t0 = now_ms(page)
        page.get_by_text("Meeting mode", exact=True).click()
        settle(page, t0)
        problems = axe_problems(page)
        counts["Overview (meeting mode)"] = {"violations": len(problems), "serious_or_critical":
                                            sum(1 for p in problems if p["impact"] in SERIOUS),
                                            "problems": problems}
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "axe_counts.json").write_text(json.dumps(counts, indent=1))
        assert not elsewhere, f"requests to other origins: {elsewhere[:5]}"
        assert not [m for m in messages if "Failed to load resource" in m], messages
    serious = {v: c["problems"] for v, c in counts.items() if c["serious_or_critical"]}
    assert not serious, json.dumps(serious, indent=1)
    assert len(counts) >= 10


# ---------------------------------------------------------------------------------------------
# Meeting mode: a practice manager in the room can find no practice
# ---------------------------------------------------------------------------------------------

CHART_DATA = """() => [...document.querySelectorAll('.js-plotly-plot')].map(el => JSON.stringify(
  {data: el.data, layout: el.layout}))"""
TOOLTIPS = "() => [...document.querySelectorAll('[title], [aria-label]')].map(e => " \
           "(e.getAttribute('title') || '') + ' ' + (e.getAttribute('aria-label') || ''))"


def file_text(name: str, data: bytes) -> str:
    """Everything readable in a download: text files as they are, workbooks and zips member by member, PDFs
    through their text."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return " ".join(file_text(n, z.read(n)) for n in z.namelist())
    if data[:4] == b"%PDF":
        from pypdf import PdfReader
        return " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    return data.decode("utf-8", errors="replace")


def found(text: str, codes: set[str], names: set[str]) -> list[str]:
    hits = [c for c in codes if re.search(rf"(?<![A-Za-z0-9]){re.escape(c)}(?![0-9])", text)]
    return hits + [n for n in names if n in text]


def download_all(page, where: str, seen: dict[str, bytes], inside: str = "") -> None:
    """Click every download button in view (`inside` a part of the page, if given) and keep each file once
    (by its name)."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSpinner\"]')", timeout=120_000)
    buttons = page.locator(f'{inside} [data-testid="stDownloadButton"] button'.strip())
    for i in range(buttons.count()):
        b = buttons.nth(i)
        if not b.is_visible():
            continue
        with page.expect_download(timeout=120_000) as d:
            b.click()
        name = d.value.suggested_filename
        if not any(k.endswith(f"({name})") for k in seen):
            label = b.inner_text().strip().splitlines()[-1]   # the text after the button's icon
            seen[f"{where}: {label} ({name})"] = Path(d.value.path()).read_bytes()


def test_meeting_mode_names_no_practice_anywhere():
    """The leak scan: page text, chart data and hover text, tooltips, every download in every view, and the
    error about an upload with a repeated practice code."""
    need_chromium()
    nene = pd.read_csv(NENE, dtype=str)
    codes, names = set(nene["practice_code"]), set(nene["practice_name"])
    leaks: dict[str, list[str]] = {}
    downloads: dict[str, bytes] = {}
    scanned = {"views": 0, "charts": 0, "downloads": 0}
    with running_app() as url, chromium_page(1366, 768) as page:
        open_app(page, url, "/?s=les_separate")
        t0 = now_ms(page)
        page.get_by_text("Meeting mode", exact=True).click()
        settle(page, t0)
        first_letters = page.locator("figure.nc .nc-name").all_inner_texts()
        assert first_letters and all(re.fullmatch(r"Practice [A-Z]+", t) for t in first_letters)
        for name in views(page):
            show_view(page, name)
            if name == "Uncertainty":   # the Monte Carlo and the tornado take a moment: scan them drawn
                page.get_by_text("Tornado table: CSV").wait_for(timeout=120_000)
                settle(page, now_ms(page), need_change=False)
            if name == "Overview":
                open_expander(page, "How the net cost is made up")
                open_expander(page, "Downloads: the whole run")
                t0 = now_ms(page)
                page.get_by_role("button", name=re.compile("checks pass")).click()   # the checks' details
                settle(page, t0)
                download_all(page, name, downloads, inside='[data-testid="stPopoverBody"]')
                page.keyboard.press("Escape")
            scanned["views"] += 1
            charts = page.evaluate(CHART_DATA)
            scanned["charts"] += len(charts)
            text = " ".join([page.inner_text("body"), *charts, *page.evaluate(TOOLTIPS)])
            hits = found(text, codes, names)
            if hits:
                leaks[name] = sorted(hits)[:10]
            download_all(page, name, downloads)
        for what, data in downloads.items():
            hits = found(file_text(what, data), codes, names)
            if hits:
                leaks[what] = sorted(hits)[:10]
        scanned["downloads"] = len(downloads)
        # a bad upload in meeting mode: the message names no practice (K83004 is there twice)
        page.locator('[data-testid="stExpandSidebarButton"]').first.click()   # meeting mode collapsed it
        t0 = now_ms(page)
        page.get_by_text("Your own file (CSV or Excel)").click()
        settle(page, t0)
        bad = NENE.read_text().replace("K83005", "K83004")
        t0 = now_ms(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
            files=[{"name": "repeated.csv", "mimeType": "text/csv", "buffer": bad.encode()}])
        page.get_by_text("This file cannot be used").wait_for(timeout=60_000)
        settle(page, t0)
        sidebar = page.inner_text('[data-testid="stSidebar"]')
        assert "appears more than once" in sidebar
        hits = found(sidebar, codes, names)
        if hits:
            leaks["upload message"] = hits
        page.screenshot(path=str(ARTIFACTS / "browser_meeting_upload.png"))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "meeting_leak_scan.json").write_text(json.dumps(
        {"scanned": scanned, "downloads": sorted(downloads), "leaks": leaks}, indent=1))
    assert scanned["views"] >= 10 and scanned["charts"] >= 10 and scanned["downloads"] >= 17, scanned
    assert not leaks, json.dumps(leaks, indent=1)
