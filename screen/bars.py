"""The first screen's chart: every practice's net change as sorted horizontal bars, in plain HTML.

Pure (no Streamlit). HTML rather than plotly because it is the chart a meeting opens on: it draws with
the page (no 4.7 MB chart library to load before the first figure), every label is real text a projector
shows crisply and a screen reader reads, and nothing overlaps — each row is the practice, its bar, its £
and its £ per patient in fixed columns. Gain and loss are never colour alone: a loss is a red hatched bar
to the left of £0 with a "▼" and a minus sign, a gain a green bar to the right with a "▲" and a plus.

The classes are styled by :data:`screen.style.BASE_CSS`; user text (practice names) is HTML-escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np

from model.formats import money_signed
from model.results import Results
from screen.years import year_labels

TOP = 10
"""'Top and bottom 10': the ten largest losses and the ten largest gains."""


@dataclass(frozen=True)
class Bar:
    label: str
    title: str           # the full name and code (tooltip)
    change: float        # £ net change
    per_head: float      # £ per registered patient


def practice_label(code: str, name: str) -> tuple[str, str]:
    """(row label, tooltip) for a practice: 'Queensview Medical Centre', with the code in the tooltip;
    in meeting mode (code and name both the letter) just 'Practice Q'.

    >>> practice_label("K83003", "Queensview Medical Centre")
    ('Queensview Medical Centre', 'Queensview Medical Centre (K83003)')
    >>> practice_label("Practice Q", "Practice Q")
    ('Practice Q', 'Practice Q')
    """
    if name == code or not name:
        return code, code
    return name, f"{name} ({code})"


def sorted_bars(results: Results, year_index: int = 0, top: int | None = TOP) -> tuple[list[Bar], int]:
    """The practices of one year, largest loss first, and how many were left out in the middle (with
    `top`, only the `top` largest losses and `top` largest gains are kept: practices that lose or gain
    nothing are left out then, however few lose or gain).

    >>> import pandas as pd
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "practice_name": ["Abbey", "Brook", "Castle"],
    ...                           "list_size": [1000, 2000, 3000], "over75": [80, 150, 300],
    ...                           "les_total": [0.0, 20_000.0, 0.0]})
    >>> s = Scenario(horizon_years=1).with_changes({"les.schemes": {"les_total": {"action": "decommission"}}})
    >>> bars, hidden = sorted_bars(run(practices, s), top=1)
    >>> [(b.label, b.change, b.per_head) for b in bars], hidden
    ([('Brook', -10000.0, -5.0), ('Castle', 15000.0, 5.0)], 1)
    """
    p = results.practices
    p = p[(p["year_index"] == year_index).to_numpy()]
    change = p["net_change"].to_numpy(float)
    order = np.argsort(change, kind="stable")   # the table is in practice order: ties stay in code order
    if top is not None and len(order) > 2 * top:
        losses = order[change[order] < -0.005][:top]
        gains = order[change[order] > 0.005][-top:] if (change > 0.005).any() else order[:0]
        order = np.concatenate([losses, gains])
    hidden = len(change) - len(order)
    codes, names = p["practice_code"].astype(str).tolist(), p["practice_name"].astype(str).tolist()
    per_head = p["net_change_per_head"].to_numpy(float)
    return [Bar(*practice_label(codes[i], names[i]), float(change[i]), float(per_head[i])) for i in order], hidden


def _sign(v: float) -> tuple[str, str]:
    """(css class, symbol) for a net change: a loss, a gain or no change (to the penny)."""
    if v < -0.005:
        return "loss", "▼"
    if v > 0.005:
        return "gain", "▲"
    return "same", "="


def _shown_words(losses: int, gains: int) -> str:
    """'the 10 largest losses and the 3 largest gains', 'no loss and the 10 largest gains'."""
    def part(n: int, what: str) -> str:
        return f"no {what}" if n == 0 else f"the largest {what}" if n == 1 else f"the {n} largest {what}es" \
            if what == "loss" else f"the {n} largest {what}s"
    return f"{part(losses, 'loss')} and {part(gains, 'gain')}"


def net_change_html(results: Results, year_index: int = 0, top: int | None = TOP, large: bool = False,
                    caption: bool = True) -> str:
    """Every practice's net change in one year as horizontal bars, largest loss first (with `top`, only the
    `top` largest losses and gains, and a line saying how many are in between); without `caption`, the bars
    alone (the page shows :func:`net_change_caption` beside its own controls).

    >>> import pandas as pd
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> practices = pd.DataFrame({"practice_code": ["P1", "P2"], "practice_name": ["Abbey <&>", "Brook"],
    ...                           "list_size": [1000, 3000], "over75": [80, 300], "les_total": [9_000.0, 0.0]})
    >>> s = Scenario(horizon_years=1).with_changes({"les.schemes": {"les_total": {"action": "decommission"}}})
    >>> html = net_change_html(run(practices, s))
    >>> "Abbey &lt;&amp;&gt;" in html, "▼ −£4,000" in html, "▲ +£15,000" in html, "all practices" in html
    (True, True, True, True)
    >>> "figcaption" in net_change_html(run(practices, s), caption=False)
    False
    """
    year = year_labels(results)[year_index]
    bars, hidden = sorted_bars(results, year_index, top)
    values = [b.change for b in bars]
    lo, hi = min([0.0, *values]), max([0.0, *values])
    span = (hi - lo) or 1.0
    zero = 100.0 * -lo / span
    rows = []
    losses = sum(1 for x in bars if x.change < -0.005)
    for i, b in enumerate(bars):
        kind, symbol = _sign(b.change)
        width = 100.0 * abs(b.change) / span
        left = zero - width if b.change < 0 else zero
        if hidden and i == losses:
            rows.append(f'<div class="nc-gap">… {hidden} practice{"s" if hidden != 1 else ""} in between, '
                        f'not shown …</div>')
        rows.append(
            f'<div class="nc-row nc-{kind}">'
            f'<span class="nc-name" title="{escape(b.title)}">{escape(b.label)}</span>'
            f'<span class="nc-track"><span class="nc-zero" style="left:{zero:.2f}%"></span>'
            f'<span class="nc-bar" style="left:{left:.2f}%;width:{max(width, 0.15):.2f}%"></span></span>'
            f'<span class="nc-val">{symbol} {escape(money_signed(b.change))}</span>'
            f'<span class="nc-head">{escape(money_signed(b.per_head, pence=True))} a patient</span></div>')
    head = f"<figcaption>{net_change_caption(results, year_index, top)}</figcaption>" if caption else ""
    return (f'<figure class="nc{" nc-large" if large else ""}" aria-label="Net change by practice, {year}">'
            + head + "".join(rows) + "</figure>")


def net_change_caption(results: Results, year_index: int = 0, top: int | None = TOP) -> str:
    """What the bars show, how many are worse off, better off and unchanged, and the key (never colour alone).

    >>> import pandas as pd
    >>> from model.engine import run
    >>> from model.scenario import Scenario
    >>> res = run(pd.DataFrame({"practice_code": ["P1"], "list_size": [100], "over75": [9]}), Scenario())
    >>> net_change_caption(res).split("<br>")[0].split("</b>, ")[1]
    'largest loss first: all practices'
    """
    year = year_labels(results)[year_index]
    p = results.practices
    all_rows = p["net_change"].to_numpy(float)[(p["year_index"] == year_index).to_numpy()]
    worse = int((all_rows < -0.005).sum())
    better = int((all_rows > 0.005).sum())
    same = len(all_rows) - worse - better
    hidden = 0 if top is None or len(all_rows) <= 2 * top else len(all_rows) - min(top, worse) - min(top, better)
    shown = "all practices" if not hidden else "showing " + _shown_words(min(top or 0, worse), min(top or 0, better))
    legend = ('<span class="nc-key nc-loss">▼ worse off (red, hatched)</span>'
              '<span class="nc-key nc-gain">▲ better off (green)</span>'
              + ('<span class="nc-key nc-same">= unchanged</span>' if same else ""))
    return f'<b>{year}: net change by practice</b>, largest loss first: {shown}<br>{legend}'
