"""Start the real app (``streamlit run app.py``) on a free port and drive it with headless Chromium.

Used by tests/test_browser.py. Everything started here is stopped by the context managers, also when
a test fails.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "artifacts"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_bin() -> str:
    exe = Path(sys.executable).with_name("streamlit")
    return str(exe) if exe.exists() else "streamlit"


@contextlib.contextmanager
def running_app(timeout: float = 90.0) -> Iterator[str]:
    """`streamlit run app.py` headless on a free port; yields its URL; always stops the server."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "streamlit_server.log"  # the last server started; named in any error
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [streamlit_bin(), "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {proc.returncode}; see {log_path}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer on {url} within {timeout:.0f} s; see {log_path}")
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@contextlib.contextmanager
def chromium_page(width: int = 1280, height: int = 720) -> Iterator[object]:
    """A headless Debian Chromium page (Playwright); closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def metric_value(page, label: str) -> str:
    """The value text of the st.metric whose label starts with `label`."""
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def wait_for_app(page, label: str = "Practice pot", timeout_ms: int = 60_000) -> None:
    page.locator('[data-testid="stMetric"]').filter(has_text=label).first.wait_for(timeout=timeout_ms)
    # the first script run has finished when the status widget stops showing "Running"
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)
