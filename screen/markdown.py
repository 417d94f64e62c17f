"""User text made safe to show inside Streamlit markdown.

Practice, locality, scenario and file names come from users; shown through :func:`md_escape` they
read as plain text, never as formatting, links or HTML.
"""

from __future__ import annotations

from typing import Any

_SPECIAL = set("\\`*_{}[]<>#|~$")


def md_escape(text: Any) -> str:
    """Text safe to put inside Streamlit markdown (no formatting, links or HTML from user data).

    >>> md_escape("les_total [x](javascript:1) <b>")
    'les\\\\_total \\\\[x\\\\](javascript:1) \\\\<b\\\\>'
    """
    out = []
    for ch in str(text):
        if ch in _SPECIAL:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)
