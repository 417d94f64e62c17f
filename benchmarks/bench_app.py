"""The app's rerun time on Nene after a widget change, measured with Streamlit's AppTest.

Target: ≤ 0.3 s of script time. Each change sets a rate not used before, so the model call is not a
cache hit; the practice list is (as in real use). AppTest's own overhead is included in the figure.
The same is measured on the All England tab, where each change runs the engine on all 211 CCGs.
"""

from __future__ import annotations

import statistics
import time

from common import ROOT, print_table
from streamlit.testing.v1 import AppTest


def main() -> None:
    rows = []
    for tab in ("Overview", "All England"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.run()
        at.session_state["view"] = tab
        at.number_input(key="in:pot.rate_per_head").set_value(5.5).run()
        for label, key, values in (
            ("rate per head", "in:pot.rate_per_head", [6.0, 6.5, 7.0, 4.5, 5.25, 6.75, 7.5, 4.75, 5.8]),
            ("list growth %", "in:growth.list_size_pct", [0.5, 1.0, 1.5, 2.0, 0.25, 0.75, 1.25]),
        ):
            times = []
            for v in values:
                at.number_input(key=key).set_value(v)
                t = time.perf_counter()
                at.run()
                times.append(time.perf_counter() - t)
                assert not at.exception, at.exception
            rows.append({"tab": tab, "widget changed": label, "runs": len(times),
                         "median s": f"{statistics.median(times):.3f}", "max s": f"{max(times):.3f}"})
    print_table(rows, "App rerun on NHS Nene CCG after a widget change (AppTest at.run())")


if __name__ == "__main__":
    main()
