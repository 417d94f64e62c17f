"""The app's speed in a real browser: headless Chromium (Playwright) on NHS Nene CCG, median of 20.

Not a test: run on demand, ``.venv/bin/python benchmarks/bench_browser.py [--runs 20] [--json out.json]``.
It starts ``streamlit run app.py`` on a free port (tests/app_helpers.py) and measures, at 1366×768:

- **first figure**: from navigation start to the first headline number, and to the first chart drawn
  (a fresh browser page, so a new session, each time);
- **widget change → settled**: the pot's £ per head changed in the inputs panel (a value not used
  before, so the model runs) until the new pot is on screen and the page has stopped changing;
- **view switch → settled**: moving between the first screen and the Practices, Years and practice views;
- **All England change → settled**: the same widget change with the All England view open.

"Settled" is the last change to the page's DOM before 400 ms without any (a MutationObserver), once the
expected text is on screen and Streamlit's "Running" indicator is gone. Each change is split into where
its time goes, from the WebSocket messages the page receives: **server** (the action until the last
message of the rerun: script time plus transport), **bytes** (what was sent), and **browser** (the last
message until the page settled: React and plotly drawing). "server" is split further into "page sends" (the
action until the page sends the change: the browser's own event handling) and "rerun streams" (the first
to the last message of the rerun: the script running on the server, and anything that holds the
interpreter before the run's last message, such as a full garbage collection). For the first figure,
"server" is navigation
start to the first WebSocket message (the page's JavaScript loaded and the session open) and "browser"
that message to the first headline number (the script's first run, sent and drawn).

Targets (issue #15): widget change ≤ 0.4 s, view switch ≤ 0.4 s, first figure ≤ 2 s, All England ≤ 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from common import ROOT, print_table

sys.path.insert(0, str(ROOT / "tests"))
from app_helpers import (  # noqa: E402
    CARD_VALUE,
    CHROMIUM,
    CHROMIUM_ARGS,
    PROBE,
    goto_view,
    now_ms,
    running_app,
    settle,
)

WIDTH, HEIGHT = 1366, 768
RATE_LABEL = "Pot: £ per registered patient a year"
PATIENTS = 647_677  # Nene's registered patients: the pot is rate × this
def metric_has(text: str) -> str:
    return (f"() => [...document.querySelectorAll({json.dumps(CARD_VALUE)})]"
            f".some(e => e.innerText.trim() === {json.dumps(text)})")


def money(x: float) -> str:
    return f"£{x:,.0f}"


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.add_init_script(PROBE)
    page.goto(url, wait_until="domcontentloaded")
    page.locator(CARD_VALUE).first.wait_for(timeout=90_000)
    settle(page, 0.0)
    return page


def first_figure(browser, url: str, runs: int) -> list[dict]:
    out = []
    for _ in range(runs):
        ctx = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        page = ctx.new_page()
        page.add_init_script(PROBE)
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_function("() => window.__bench.firstMetric !== null && window.__bench.firstChart !== null",
                               timeout=90_000, polling=20)
        settled = settle(page, 0.0)
        b = page.evaluate("window.__bench")
        first_msg = min((t for t, _ in b["messages"]), default=0.0)
        out.append({"number": b["firstMetric"] / 1000, "chart": b["firstChart"] / 1000,
                    "settled": settled["total"], "kB": settled["kB"], "server": first_msg / 1000,
                    "browser": (b["firstMetric"] - first_msg) / 1000})
        ctx.close()
    return out


def rate_input(page):
    return page.get_by_role("spinbutton", name=RATE_LABEL, exact=True)


def widget_changes(page, runs: int, start_rate: float, ready=True) -> list[dict]:
    out = []
    rate = rate_input(page)
    for i in range(runs):
        value = round(start_rate + 0.01 * (i + 1), 2)
        rate.fill(f"{value:.2f}")
        t0 = now_ms(page)
        rate.press("Enter")
        out.append(settle(page, t0, metric_has(money(round(value * PATIENTS, 2))) if ready else None))
    return out


def view_switches(page, views: list[str], runs: int, ready: dict[str, str]) -> list[dict]:
    out = []
    for i in range(runs):
        name = views[i % len(views)]
        t0 = now_ms(page)
        goto_view(page, name)
        out.append(settle(page, t0, ready.get(name)))
    return out


def summarise(label: str, rows: list[dict], target: float, key: str = "total") -> dict:
    total = [r[key] for r in rows]
    med = statistics.median(total)
    row = {"measure": label, "runs": len(rows), "median s": f"{med:.3f}",
           "p90 s": f"{sorted(total)[int(0.9 * (len(total) - 1))]:.3f}",
           "max s": f"{max(total):.3f}", "target s": f"≤ {target:g}", "met": "yes" if med <= target else "no"}
    for part in ("server", "browser"):
        if part in rows[0]:
            row[f"{part} s"] = f"{statistics.median(r[part] for r in rows):.3f}"
    for part, head in (("to_send", "page sends s"), ("streaming", "rerun streams s")):
        row[head] = f"{statistics.median(r[part] for r in rows):.3f}" if part in rows[0] else "–"
    if "kB" in rows[0]:
        row["kB"] = f"{statistics.median(r['kB'] for r in rows):,.0f}"
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--json", help="also write the raw timings here")
    ap.add_argument("--app-dir", default=str(ROOT),
                    help="folder holding the app.py to measure (e.g. a copy of the app before a change)")
    ap.add_argument("--practice-view", default="One practice",
                    help="the one-practice view to include in the view switches (left out if the app has none)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    raw: dict[str, list[dict]] = {}
    with running_app(root=Path(args.app_dir)) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            # warm the server's caches once (a real meeting opens the app more than once)
            open_page(browser, url).close()
            raw["first"] = first_figure(browser, url, args.runs)
            page = open_page(browser, url)
            raw["widget"] = widget_changes(page, args.runs, 5.0)
            tabs = [t.strip() for t in page.get_by_role("tab").all_inner_texts()]
            views = ["Practices", "Years"] + ([args.practice_view] if args.practice_view in tabs else [])
            first_view = page.get_by_role("tab").first.inner_text().strip() or "Overview"
            seq = [v for pair in zip([first_view] * len(views), views) for v in pair]
            raw["view"] = view_switches(page, seq, args.runs, {})
            goto_view(page, "All England")
            settle(page, now_ms(page))
            raw["england"] = widget_changes(page, args.runs, 6.0, ready=False)
            page.close()
        finally:
            browser.close()
        t = time.strftime("%Y-%m-%d %H:%M")
        load = "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    rows = [
        summarise("first headline number after opening", raw["first"], 2.0, "number"),
        summarise("first chart after opening", raw["first"], 2.0, "chart"),
        summarise("widget change → settled (pot £ per head)", raw["widget"], 0.4),
        summarise("view switch → settled", raw["view"], 0.4),
        summarise("All England: widget change → settled", raw["england"], 1.0),
    ]
    print_table(rows, f"Real browser (Chromium, {WIDTH}×{HEIGHT}), NHS Nene CCG, median of {args.runs}, {t}, "
                f"{load} at the end")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1)


if __name__ == "__main__":
    main()
