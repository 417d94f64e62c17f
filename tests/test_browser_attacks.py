"""The running app under attack, in headless Chromium: the worst uploads and the link bomb, while a second
session loads the page and must get its figures (issue #18).

Run: .venv/bin/pytest -m browser tests/test_browser_attacks.py -p no:cacheprovider -s
The server's memory (and that of the upload processes it starts) is sampled every 50 ms; the measurements
are written to artifacts/attack_browser.md and printed. It FAILS (never skips) when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

import pytest
from app_helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, metric_value, running_app, wait_for_app

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import attack_corpus  # noqa: E402 - scripts/ is not a package
from test_attacks import ALIAS_BOMB  # noqa: E402

pytestmark = pytest.mark.browser

SECOND_SESSION_S = 30.0   # a second session must get its figures within this, whatever the first one uploads
MAX_SERVER_MB = 1536.0
SESSION_GONE_S = 75.0     # .streamlit/config.toml: disconnectedSessionTTL = 60


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


def _server_pid(port: int) -> int:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"--server.port" in cmd and cmd[cmd.index(b"--server.port") + 1] == str(port).encode():
                return int(entry)
    raise RuntimeError(f"no streamlit server on port {port}")


class Sampler:
    """The server's resident memory, and its upload processes', sampled in the background."""

    def __init__(self, pid: int):
        self.pid, self.samples, self._stop = pid, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            kids = _children(self.pid)
            self.samples.append((time.monotonic(), _rss_mb(self.pid), sum(_rss_mb(k) for k in kids)))
            time.sleep(0.05)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def peak(self, since: float = 0.0) -> tuple[float, float]:
        rows = [s for s in self.samples if s[0] >= since] or [(0, 0.0, 0.0)]
        return max(s[1] for s in rows), max(s[2] for s in rows)


def _upload_page(browser, url: str, pid: int, log: list[str]):
    """A new session with its figures drawn and "Your own file" chosen: (page, its file input, the server's
    memory in MB before any upload, also logged)."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)
    time.sleep(1.0)
    before = _rss_mb(pid)
    log.append(f"server before: {before:,.0f} MB")
    page.get_by_text("Your own file (CSV or Excel)").click()
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]').first
    uploader.wait_for(state="attached", timeout=30_000)
    return page, uploader, before


def _second_session(browser, url: str, log: list[str], label: str) -> float:
    """A fresh session (its own browser context) loads the page; seconds until its figures show."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        start = time.monotonic()
        page.goto(url, wait_until="domcontentloaded")
        wait_for_app(page, timeout_ms=int(SECOND_SESSION_S * 1000))
        took = time.monotonic() - start
        value = metric_value(page, "Practice pot")
        log.append(f"{label}: a second session got its figures in {took:.1f} s (practice pot {value})")
        assert value == "£3,238,385"
        return took
    finally:
        context.close()


def test_uploads_and_link_bombs_do_not_take_the_app_down(tmp_path):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser test needs Debian's Chromium "
                    f"(apt-get update && apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    big = 19_900_000 - 40  # 19.9 MB: the uploader refuses over 20,000,000 bytes itself
    files = {
        "wide.csv (19.9 MB, 10 million columns)": attack_corpus._write(
            tmp_path / "wide.csv", attack_corpus.HEADER.encode() + b",x" * (big // 2) + b"\n"),
        "rows.xlsx (7 million empty rows)": attack_corpus.workbook(tmp_path / "rows.xlsx", attack_corpus._empty_rows,
                                                                  dimension="A1:XFD20000000"),
        "cells.xlsx (3 million cells)": attack_corpus.workbook(
            tmp_path / "cells.xlsx", lambda w: (w(attack_corpus._HEADER_ROW), [
                w(f'<row r="{r}">' + "<c><v>1</v></c>" * 100 + "</row>") for r in range(2, 30_002)])),
        "strings.xlsx (5 million texts)": attack_corpus.workbook(
            tmp_path / "strings.xlsx", lambda w: (w(attack_corpus._HEADER_ROW), w(attack_corpus._row(2))),
            shared=lambda w: attack_corpus._repeat(w, "<si><t>x</t></si>", 5_000_000)),
        "long.csv (250,000 rows)": attack_corpus._write(tmp_path / "long.csv", attack_corpus.HEADER + "\n" + "".join(
            f"P{i},1,0\n" for i in range(250_000))),
    }
    log: list[str] = []
    with running_app() as url, sync_playwright() as pw:
        pid = _server_pid(urlparse(url).port)
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            with Sampler(pid) as mem:
                first, uploader, before = _upload_page(browser, url, pid, log)
                for label, path in files.items():
                    start = time.monotonic()
                    uploader.set_input_files(str(path))
                    time.sleep(0.3)  # the upload is read meanwhile: a second session loads the page now
                    _second_session(browser, url, log, f"during {label}")
                    first.get_by_text("This file cannot be used").first.wait_for(timeout=60_000)
                    message = first.locator('[data-testid="stAlertContentError"]').first.inner_text()
                    server, kids = mem.peak(start)
                    log.append(f"{label}: refused in {time.monotonic() - start:.1f} s (\"{message[:80]}…\"); "
                               f"peak server {server:,.0f} MB, upload process {kids:,.0f} MB")
                    assert server < MAX_SERVER_MB and kids < MAX_SERVER_MB
                    assert metric_value(first, "Practice pot") == "£3,238,385", \
                        "the first session keeps its figures (the good list)"

                for label, query in (("the 867-character alias link bomb",
                                      {"les.protection.max_loss_pct": ALIAS_BOMB[:867]}),
                                     ("a 5,000-character link", {"name": "[" * 5000}),
                                     ("a link naming an unknown LES scheme",
                                      {"les.schemes.les_nothing": "decommission"})):
                    start = time.monotonic()
                    bomb = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                    bomb.goto(f"{url}/?{urlencode(query)}", wait_until="domcontentloaded")
                    _second_session(browser, url, log, f"during {label}")
                    wait_for_app(bomb)
                    warning = bomb.locator('[data-testid="stAlertContentWarning"]').first.inner_text()
                    server, _ = mem.peak(start)
                    log.append(f"{label}: the page shows its figures and one warning (\"{warning[:90]}…\") in "
                               f"{time.monotonic() - start:.1f} s; peak server {server:,.0f} MB")
                    assert server < MAX_SERVER_MB
                    bomb.context.close()

                peak_server, peak_kids = mem.peak()
                first.context.close()
                time.sleep(5.0)
                after = _rss_mb(pid)
                log.append(f"server during (peak): {peak_server:,.0f} MB; upload processes (peak): "
                           f"{peak_kids:,.0f} MB; server after the sessions closed: {after:,.0f} MB "
                           f"(before: {before:,.0f} MB)")
                assert not _children(pid), "no upload process is left running"
        finally:
            browser.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "attack_browser.md").write_text("\n".join(f"- {line}" for line in log) + "\n", encoding="utf-8")
    print("\n".join(log))
    assert after < before + 300, "the server gives the memory of the attacks back (or never took it)"


def test_large_good_uploads_give_their_memory_back(tmp_path):
    """Four different 8,000-practice lists (all England's size; 40,000 practice-years, the most one run may
    make) uploaded in turn, each run and shown; then the session ends. The server's memory must not grow by
    upload (the issue saw +1 GB each, kept after the browser left)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser test needs Debian's Chromium")
    from playwright.sync_api import sync_playwright

    lists = []
    for k in range(4):
        path = attack_corpus.practices_csv(tmp_path / f"list{k}.csv", 8_000, commissioners=50 + k)
        lists.append(path)
    log: list[str] = []
    with running_app() as url, sync_playwright() as pw:
        pid = _server_pid(urlparse(url).port)
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            with Sampler(pid) as mem:
                page, uploader, before = _upload_page(browser, url, pid, log)
                for k, path in enumerate(lists):
                    start = time.monotonic()
                    uploader.set_input_files(str(path))
                    page.get_by_text(f"Uploaded: {path.name}").first.wait_for(timeout=90_000)
                    wait_for_app(page, timeout_ms=90_000)
                    _second_session(browser, url, log, f"after upload {k + 1}")
                    log.append(f"upload {k + 1} ({path.name}, 8,000 practices): shown in "
                               f"{time.monotonic() - start:.1f} s; server now {_rss_mb(pid):,.0f} MB")
                peak, kids = mem.peak()
                page.context.close()
                time.sleep(8.0)
                soon = _rss_mb(pid)
                time.sleep(SESSION_GONE_S)  # server.disconnectedSessionTTL (60 s): then the session may be dropped,
                _second_session(browser, url, log, "after the first session expired")  # which the next one triggers
                time.sleep(35.0)  # the server gives freed memory back every 30 s (cli/memory.start_memory_trimmer)
                after = _rss_mb(pid)
                log.append(f"server 8 s after the session closed: {soon:,.0f} MB")
                log.append(f"server peak {peak:,.0f} MB (upload processes {kids:,.0f} MB); after the session "
                           f"closed: {after:,.0f} MB (before: {before:,.0f} MB)")
        finally:
            browser.close()
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "attack_browser.md", "a", encoding="utf-8") as fh:
        fh.write("\n".join(f"- {line}" for line in log) + "\n")
    print("\n".join(log))
    assert peak < MAX_SERVER_MB
    assert after < before + 300, "the session's lists and runs are not kept after it ends"
