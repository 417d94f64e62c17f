"""The page's own CSS: static text written here (never user text), coloured from the one palette.

The sidebar is tinted like the input cells of a CCG workbook under an "Inputs" banner; meeting mode
enlarges text for a projector. The theme colours themselves are in ``.streamlit/config.toml``.

>>> from model.palette import BANNER_FILL, PANEL_FILL
>>> f"background-color: {PANEL_FILL};" in BASE_CSS, f"background: {BANNER_FILL};" in BASE_CSS
(True, True)
>>> INPUTS_BANNER.startswith('<div class="inputs-banner">Inputs')   # the banner BASE_CSS styles
True
"""

from __future__ import annotations

from model.palette import BANNER_FILL, NHS_BLUE, NHS_DARK_BLUE, NHS_WARM_YELLOW, PANEL_FILL, TEXT, WHITE

BASE_CSS = f"""<style>
section[data-testid="stSidebar"] {{ background-color: {PANEL_FILL}; }}
.inputs-banner {{ background: {BANNER_FILL}; border-left: 8px solid {NHS_WARM_YELLOW}; color: {TEXT};
  padding: 0.45rem 0.8rem; margin: 0 0 0.6rem 0; font-weight: 700; font-size: 1.15rem; }}
.inputs-banner span {{ display: block; font-weight: 400; font-size: 0.85rem; }}
[data-testid="stMainBlockContainer"] {{ padding: 1.5rem 2rem 3rem 2rem; max-width: none; }}
h1 {{ color: {NHS_BLUE}; font-size: 2rem !important; padding: 0 0 0.25rem 0 !important; }}
div[data-testid="stMetric"] {{ background: {WHITE}; padding: 0.6rem 0.8rem; }}
[data-testid="stMetricValue"] {{ color: {NHS_DARK_BLUE}; }}
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p {{ font-size: 1.9rem; }}
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"] p {{ white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; line-height: 1.25; }}
</style>"""

MEETING_CSS = """<style>
html { font-size: 19px; }
section[data-testid="stSidebar"] { zoom: 0.84; }
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p { font-size: 1.7rem; }
</style>"""

INPUTS_BANNER = ('<div class="inputs-banner">Inputs<span>Everything in this panel is an assumption you can '
                 'change. Figures on the right are calculated from it.</span></div>')
