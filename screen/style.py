"""The page's own CSS: static text written here (never user text), coloured from the one palette.

The sidebar is tinted like the input cells of a CCG workbook under an "Inputs" banner; meeting mode
enlarges text for a projector. The theme colours themselves are in ``.streamlit/config.toml``.

>>> from model.palette import BANNER_FILL, PANEL_FILL
>>> f"background-color: {PANEL_FILL};" in BASE_CSS, f"background: {BANNER_FILL};" in BASE_CSS
(True, True)
>>> INPUTS_BANNER.startswith('<div class="inputs-banner">Inputs')   # the banner BASE_CSS styles
True

Gain and loss are never told by colour alone: the first screen's bars draw a loss hatched.

>>> "repeating-linear-gradient" in BASE_CSS
True
"""

from __future__ import annotations

from model.palette import (
    BANNER_FILL,
    GAIN,
    LOSS,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_GREY,
    NHS_MID_GREY,
    NHS_PALE_GREY,
    NHS_WARM_YELLOW,
    PANEL_FILL,
    TEXT,
    WHITE,
)

BASE_CSS = f"""<style>
section[data-testid="stSidebar"] {{ background-color: {PANEL_FILL}; }}
.inputs-banner {{ background: {BANNER_FILL}; border-left: 8px solid {NHS_WARM_YELLOW}; color: {TEXT};
  padding: 0.45rem 0.8rem; margin: 0 0 0.6rem 0; font-weight: 700; font-size: 1.15rem; }}
.inputs-banner span {{ display: block; font-weight: 400; font-size: 0.85rem; }}
[data-testid="stMainBlockContainer"] {{ padding: 1rem 2rem 3rem 2rem; max-width: none; }}
h1 {{ color: {NHS_BLUE} !important; font-size: 1.6rem !important; padding: 0.2rem 0 0 0 !important; }}
[data-testid="stMainBlockContainer"] h2 {{ font-size: 1.3rem !important; padding: 0.6rem 0 0.2rem 0 !important; }}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {{ color: {NHS_GREY} !important;
  opacity: 1 !important; }}
div[data-testid="stMetric"] {{ background: {WHITE}; padding: 0.4rem 0.55rem; container-type: inline-size; }}
[data-testid="stMetricLabel"] p {{ font-size: 0.9rem; }}
[data-testid="stMetricValue"] {{ color: {NHS_DARK_BLUE}; }}
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p {{ font-size: 1.6rem; white-space: nowrap; }}
[class*="st-key-card_long"] [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p {{
  font-size: min(1.6rem, 13.5cqw); }}   /* a long figure never wraps: its type shrinks with a narrow card */
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"] p {{ white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; line-height: 1.25; color: {TEXT}; }}
.hc-row {{ display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 0.2rem 0 0.8rem 0; }}
.hc {{ background: {WHITE}; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; min-width: 7rem;
  padding: 0.9rem 1rem; container-type: inline-size; color: {TEXT}; }}
.hc-label {{ font-size: 0.9rem; line-height: 1.25; min-height: 2.25rem; }}
.hc-value {{ font-size: 1.6rem; height: 2.6rem; display: flex; align-items: center; color: {NHS_DARK_BLUE};
  white-space: nowrap; }}
.hc-long .hc-value {{ font-size: min(1.6rem, 15cqw); }}   /* a long figure never wraps: its type shrinks */
.hc-delta {{ display: inline-block; font-size: 0.875rem; line-height: 1.25; padding: 0.15rem 0.5rem;
  border-radius: 0.75rem; background: {NHS_PALE_GREY}; }}
.hc-help {{ position: relative; display: inline-block; width: 1rem; height: 1rem; margin-left: 0.35rem;
  border: 1px solid {NHS_GREY}; border-radius: 50%; font-size: 0.7rem; line-height: 0.95rem; text-align: center;
  color: {NHS_GREY}; cursor: help; vertical-align: 0.05rem; }}
.hc-tip {{ display: none; position: absolute; z-index: 20; top: 1.3rem; left: -6rem; width: 15rem;
  padding: 0.45rem 0.65rem; border-radius: 0.35rem; background: {TEXT}; color: {WHITE}; font-size: 0.85rem;
  line-height: 1.3; text-align: left; white-space: normal; }}
.hc-help:hover .hc-tip, .hc-help:focus .hc-tip {{ display: block; }}
.scn {{ line-height: 1.3; }}
.scn-label {{ display: block; font-size: 0.8rem; font-weight: 700; letter-spacing: 0.04em; text-transform: uppercase;
  color: {NHS_GREY}; }}
.scn-name {{ font-size: 1.45rem; font-weight: 700; color: {TEXT}; margin-right: 0.5rem; }}
.scn-status {{ display: inline-block; font-size: 0.95rem; font-weight: 600; padding: 0.1rem 0.55rem;
  border-radius: 0.3rem; vertical-align: 0.2rem; }}
.scn-edited {{ background: {NHS_WARM_YELLOW}; color: {TEXT}; }}
.scn-same {{ background: {NHS_PALE_GREY}; color: {TEXT}; }}
.scn-facts {{ font-size: 0.95rem; color: {TEXT}; }}
ul.scn-changes {{ margin: 0 0 0.3rem 1.1rem; padding: 0; font-size: 0.95rem; color: {TEXT}; }}
.st-key-checks_badge_ok button {{ color: {GAIN}; border-color: {GAIN}; font-weight: 600; }}
.st-key-checks_badge_fail button {{ color: {WHITE}; background: {LOSS}; border-color: {LOSS}; font-weight: 700; }}
.st-key-pick_question {{ background: {WHITE}; }}
.st-key-year {{ display: flex; justify-content: flex-end; }}
.st-key-year button {{ padding-left: 0.7rem; padding-right: 0.7rem; }}
figure.nc {{ margin: 0 0 0.5rem 0; font-size: 0.95rem; color: {TEXT}; }}
figure.nc figcaption, .nc-caption {{ margin-bottom: 0.2rem; line-height: 1.5; font-size: 0.95rem; color: {TEXT}; }}
.nc-key {{ display: inline-block; margin-right: 1.2rem; font-size: 0.9rem; }}
.nc-key.nc-loss::before, .nc-key.nc-gain::before, .nc-key.nc-same::before {{ content: ""; display: inline-block;
  width: 1.6rem; height: 0.8rem; margin-right: 0.35rem; vertical-align: -0.05rem; }}
.nc-key.nc-loss::before {{ background: repeating-linear-gradient(135deg, {LOSS} 0 4px, #F3B9B3 4px 7px); }}
.nc-key.nc-gain::before {{ background: {GAIN}; }}
.nc-key.nc-same::before {{ background: {NHS_MID_GREY}; height: 0.2rem; vertical-align: 0.2rem; }}
.nc-row {{ display: grid; grid-template-columns: minmax(9rem, 16rem) 1fr 7.5rem 9.5rem; align-items: center;
  column-gap: 0.6rem; min-height: 1.45rem; border-bottom: 1px solid {NHS_PALE_GREY}; }}
.nc-name {{ white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.nc-track {{ position: relative; height: 1.05rem; }}
.nc-zero {{ position: absolute; top: -0.2rem; bottom: -0.2rem; width: 2px; margin-left: -1px; background: {TEXT}; }}
.nc-bar {{ position: absolute; top: 0; bottom: 0; }}
.nc-gain .nc-bar {{ background: {GAIN}; }}
.nc-loss .nc-bar {{ background: repeating-linear-gradient(135deg, {LOSS} 0 4px, #F3B9B3 4px 7px); }}
.nc-same .nc-bar {{ background: {NHS_MID_GREY}; }}
.nc-val {{ text-align: right; font-weight: 700; font-variant-numeric: tabular-nums; white-space: nowrap; }}
.nc-loss .nc-val {{ color: {LOSS}; }}
.nc-gain .nc-val {{ color: {GAIN}; }}
.nc-head {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; font-size: 0.9rem; }}
.nc-gap {{ text-align: center; font-style: italic; padding: 0.15rem 0; color: {TEXT}; }}
.nc-large .nc-row {{ min-height: 1.7rem; }}
table.ht {{ border-collapse: collapse; width: 100%; font-size: 1rem; color: {TEXT}; margin: 0.2rem 0 0.6rem 0; }}
table.ht caption {{ caption-side: top; text-align: left; font-weight: 700; padding-bottom: 0.3rem; }}
table.ht th, table.ht td {{ padding: 0.35rem 0.6rem; border-bottom: 1px solid {NHS_PALE_GREY}; }}
table.ht thead th {{ text-align: right; font-weight: 700; border-bottom: 2px solid {NHS_MID_GREY}; }}
table.ht thead th:first-child, table.ht tbody th {{ text-align: left; font-weight: 600; }}
table.ht td {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
</style>"""

MEETING_CSS = """<style>
html { font-size: 19px; }
section[data-testid="stSidebar"] { zoom: 0.84; }
header[data-testid="stHeader"] { background: transparent; }
[data-testid="stMainBlockContainer"] { padding-top: 0.4rem; }
[data-testid="stMainBlockContainer"] h1 { visibility: hidden; height: 0.5rem; }
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p { font-size: 1.4rem; }
[class*="st-key-card_long"] [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p {
  font-size: min(1.4rem, 13.5cqw); }
div[data-testid="stMetric"] { padding: 0.3rem 0.6rem; }
.hc-value { font-size: 1.4rem; }
.hc-long .hc-value { font-size: min(1.4rem, 15cqw); }
.hc { padding: 0.7rem 0.9rem; }
.nc-large .nc-row { min-height: 1.55rem; }
</style>"""

INPUTS_BANNER = ('<div class="inputs-banner">Inputs<span>Everything in this panel is an assumption you can '
                 'change. Figures on the right are calculated from it.</span></div>')
