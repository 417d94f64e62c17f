"""The one palette: NHS identity colours, and what each is used for on screen and in papers.

Charts (screen), the workbook and the one-pagers (papers) and the app's theme
(``.streamlit/config.toml``, which cannot import Python and repeats the four theme colours) take
their colours from here.

Better off is NHS green and worse off NHS red, wherever a figure is coloured:

>>> (GAIN, LOSS) == (NHS_GREEN, NHS_RED) == ("#007F3B", "#D5281B")
True

and a workbook check says PASS or FAIL in Excel's own "Good" and "Bad" cell colours:

>>> (PASS_FILL, PASS_TEXT), (FAIL_FILL, FAIL_TEXT)
(('#C6EFCE', '#006100'), ('#FFC7CE', '#9C0006'))
"""

from __future__ import annotations

# NHS identity colours (NHS England, "NHS identity guidelines: colours")
NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_LIGHT_BLUE = "#41B6E6"
NHS_WARM_YELLOW = "#FFB81C"
NHS_ORANGE = "#ED8B00"
NHS_RED = "#D5281B"
NHS_GREEN = "#007F3B"
NHS_PURPLE = "#330072"
NHS_AQUA_GREEN = "#00A499"
NHS_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
TEXT = "#212B32"                 # NHS black
WHITE = "#FFFFFF"

# Meanings
GAIN = NHS_GREEN                 # better off
LOSS = NHS_RED                   # worse off
NEUTRAL = NHS_GREY

# Spreadsheet conventions (the CCG finance templates: inputs yellow, calculations plain, checks green/red)
INPUT_FILL = "#FFF2CC"           # yellow: an input
CALC_FILL = "#DCE6F1"            # blue-grey: calculated
DIFFERS_FILL = "#F8CBAD"         # orange: differs from the guidance default
DIFFERS_TEXT = "#C00000"
GROUP_FILL = "#E7E6E6"
CELL_BORDER = "#BFBFBF"
PASS_FILL, PASS_TEXT = "#C6EFCE", "#006100"
FAIL_FILL, FAIL_TEXT = "#FFC7CE", "#9C0006"

# The app's inputs panel: tinted like the input cells of a CCG workbook, under a yellow banner
PANEL_FILL = "#FFF8DC"           # the sidebar (assumptions you can change)
BANNER_FILL = "#FFE98F"          # the "Inputs" banner at the top of the sidebar

# Papers: the one-pager's rules and its red for negative figures (darker than LOSS)
RULE_GREY = "#D8DDE0"            # NHS.UK border grey: table rules, card edges
LOSS_TEXT = "#B3261E"            # negative figures and LES lost on the one-pager
