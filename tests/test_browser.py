"""Real-browser test: the running app in headless Debian Chromium (Playwright).

Run: .venv/bin/pytest -m browser tests/test_browser.py -p no:cacheprovider
It FAILS (never skips) when /usr/bin/chromium is missing: install it with `apt-get install -y chromium`.
A screenshot of the page after the change is saved in artifacts/ (gitignored).
"""

from __future__ import annotations

import pytest
from app_helpers import ARTIFACTS, CHROMIUM, chromium_page, metric_value, running_app, wait_for_app

pytestmark = pytest.mark.browser


def test_rate_change_in_a_real_browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser test needs Debian's Chromium "
                    f"(apt-get update && apt-get install -y chromium)")
    from playwright.sync_api import expect

    with running_app() as url, chromium_page(1280, 720) as page:
        page.goto(url, wait_until="domcontentloaded")
        wait_for_app(page)
        assert metric_value(page, "Practice pot 2014/15") == "£3,238,385"

        rate = page.get_by_role("spinbutton", name="Pot: £ per registered patient a year", exact=True)
        rate.fill("6")
        rate.press("Enter")
        pot = page.locator('[data-testid="stMetric"]').filter(has_text="Practice pot 2014/15").first
        expect(pot.locator('[data-testid="stMetricValue"]')).to_have_text("£3,886,062", timeout=30_000)
        assert metric_value(page, "Pot per registered patient") == "£6.00"
        page.wait_for_function("() => window.location.search.includes('pot.rate_per_head=6')", timeout=10_000)

        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "browser_overview_rate_6.png"
        page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 10_000
