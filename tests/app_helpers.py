"""Start the real app (``streamlit run app.py``) on a free port and drive it with headless Chromium.

Used by tests/test_browser.py. Everything started here is stopped by the context managers, also when
a test fails.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html.parser
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
def running_app(timeout: float = 90.0, root: Path = ROOT) -> Iterator[str]:
    """`streamlit run app.py` headless on a free port; yields its URL; always stops the server.
    `root` is the folder holding app.py (another copy of the app, for a before/after benchmark)."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "streamlit_server.log"  # the last server started; named in any error
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [streamlit_bin(), "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=root, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
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


# ---------------------------------------------------------------------------------------------
# Waiting for the page to settle (also used by benchmarks/bench_browser.py)
# ---------------------------------------------------------------------------------------------

QUIET_MS = 400

CARD = '[data-testid="stMetric"], .hc'
"""A headline card on the page: st.metric, or the first screen's HTML cards (screen.cards.cards_html)."""
CARD_VALUE = '[data-testid="stMetricValue"], .hc-value'

# Installed before any page script (page.add_init_script): the time of the last DOM change, of the first
# headline number and the first chart, and every WebSocket message received (time, bytes).

PROBE = """
(() => {
  const CARD_VALUE = '""" + CARD_VALUE + """';
  window.__bench = {lastMutation: performance.now(), firstMetric: null, firstChart: null, messages: [], sent: []};
  const B = window.__bench;
  const seen = () => {
    if (B.firstMetric === null && document.querySelector(CARD_VALUE)) {
      B.firstMetric = performance.now();
    }
    if (B.firstChart === null && document.querySelector('.js-plotly-plot g.trace, figure.nc .nc-row')) {
      B.firstChart = performance.now();
    }
  };
  const start = () => {
    new MutationObserver(() => { B.lastMutation = performance.now(); seen(); })
      .observe(document.documentElement, {subtree: true, childList: true, attributes: true,
                                          characterData: true});
  };
  if (document.documentElement) { start(); } else { document.addEventListener('DOMContentLoaded', start); }
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Native(...args);
    const send = ws.send.bind(ws);
    ws.send = (data) => { B.sent.push(performance.now()); return send(data); };
    ws.addEventListener('message', (ev) => {
      const n = ev.data instanceof ArrayBuffer ? ev.data.byteLength : (ev.data.size || ev.data.length || 0);
      B.messages.push([performance.now(), n]);
    });
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();
"""

SETTLED = """
([t0, quiet, needChange]) => {
  const B = window.__bench;
  const now = performance.now();
  // still running, or an element still waiting for its code to load (a skeleton in its place)
  const running = document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSkeleton"]');
  const changed = B.lastMutation > t0 || (B.messages.length && B.messages[B.messages.length - 1][0] > t0);
  return !running && (changed || !needChange) && now - Math.max(B.lastMutation, t0) >= quiet;
}
"""


def now_ms(page) -> float:
    return float(page.evaluate("performance.now()"))


def settle(page, t0: float, ready_js: str | None = None, timeout_ms: int = 60_000, need_change: bool = True) -> dict:
    """Wait until `ready_js` holds, the page has changed since `t0` (unless not `need_change`) and it has
    been quiet for QUIET_MS; the time split (seconds)."""
    if ready_js:
        page.wait_for_function(ready_js, timeout=timeout_ms)
    page.wait_for_function(SETTLED, arg=[t0, QUIET_MS, need_change], timeout=timeout_ms, polling=50)
    b = page.evaluate("window.__bench")
    msgs = [(t, n) for t, n in b["messages"] if t >= t0]
    last_msg = max((t for t, _ in msgs), default=t0)
    first_msg = min((t for t, _ in msgs), default=t0)
    sent = min((t for t in b["sent"] if t >= t0), default=t0)
    settled = b["lastMutation"]
    return {"total": (settled - t0) / 1000, "server": (last_msg - t0) / 1000,
            "browser": max(settled - last_msg, 0) / 1000, "kB": sum(n for _, n in msgs) / 1024,
            # the server part in detail: the page sending the change, the reply starting, the rerun streaming
            "to_send": (sent - t0) / 1000, "to_reply": (first_msg - sent) / 1000,
            "streaming": (last_msg - first_msg) / 1000}


def goto_view(page, name: str) -> None:
    """Click a view by its name (a tab, or a navigation link / radio / segmented button)."""
    for loc in (page.get_by_role("tab", name=name, exact=True),
                page.get_by_role("link", name=name, exact=True),
                page.get_by_role("button", name=name, exact=True),
                page.get_by_role("radio", name=name, exact=True)):
        if loc.count():
            loc.first.click(timeout=90_000)
            return
    raise RuntimeError(f"no view called {name!r} on the page")



def card(page, label: str):
    """The headline card (st.metric or HTML) whose text has `label`."""
    return page.locator(CARD).filter(has_text=label).first


def metric_value(page, label: str) -> str:
    """The value text of the headline card whose label starts with `label`."""
    return card(page, label).locator(CARD_VALUE).inner_text().strip()


def wait_for_app(page, label: str = "Practice pot", timeout_ms: int = 60_000) -> None:
    card(page, label).wait_for(timeout=timeout_ms)
    # the first script run has finished when the status widget stops showing "Running"
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)


# ---------------------------------------------------------------------------------------------
# Headline cards under AppTest: st.metric and the first screen's HTML cards alike
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Shown:
    """One headline card as the page shows it: its label, its figure and the line under it."""

    label: str
    value: str
    delta: str = ""


class _CardParser(html.parser.HTMLParser):
    """The cards of screen.cards.cards_html: the text of each box's label (without its help), figure and line."""

    PARTS = {"hc-label": "label", "hc-value": "value", "hc-delta": "delta"}

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[dict[str, str]] = []
        self.stack: list[str | None] = []   # per open element: the part it holds, "tip" for help, or None

    def handle_starttag(self, tag, attrs) -> None:
        classes = (dict(attrs).get("class") or "").split()
        part = next((self.PARTS[c] for c in classes if c in self.PARTS), None)
        if "hc" in classes:
            self.cards.append({"label": "", "value": "", "delta": ""})
        self.stack.append("tip" if "hc-help" in classes else part)

    def handle_endtag(self, tag) -> None:
        if self.stack:
            self.stack.pop()

    def handle_data(self, data) -> None:
        if not self.cards or "tip" in self.stack:
            return
        part = next((p for p in reversed(self.stack) if p), None)
        if part:
            self.cards[-1][part] += data


def cards(at) -> list[Shown]:
    """Every headline card on an AppTest page: the st.metric cards and the HTML cards of the first screen."""
    out = [Shown(m.label, m.value, m.proto.delta) for m in at.metric]
    for h in at.get("html"):
        if 'class="hc' in h.proto.body:
            p = _CardParser()
            p.feed(h.proto.body)
            out += [Shown(c["label"].strip(), c["value"].strip(), c["delta"].strip()) for c in p.cards]
    return out


def card_value(at, label_start: str) -> str:
    """The figure of the first card whose label starts with `label_start` (an assertion error naming the
    cards shown if there is none)."""
    found = [c.value for c in cards(at) if c.label.startswith(label_start)]
    assert found, f"no card '{label_start}…' among {[c.label for c in cards(at)]}"
    return found[0]
