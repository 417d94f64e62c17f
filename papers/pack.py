"""The meeting pack: one PDF with a cover (scenario, data, date, headline figures), an index of practices
and one A4 page per practice — every practice's one-pager (:mod:`papers.onepager`), anonymised when asked.

The PDF is laid out by WeasyPrint (HTML and CSS to PDF; it needs the Pango text library, which Debian's
``libpango-1.0-0`` and ``libpangoft2-1.0-0`` provide). Every practice must fit on one page: the pack is
laid out, each practice's page is measured, and any page that runs onto a second sheet is laid out again
at a denser setting (the one-pager's ``fit`` levels) until it fits. :func:`fit_level` does the same for a
single page. The headline figures on the cover are the workbook's Summary page (£000, adding up as shown).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

from model.limits import MAX_PACK_PRACTICES
from model.results import Results
from papers.onepager import CSS, Sheet, data_line, document, sheets
from papers.provenance import run_date
from papers.tables import displayed

MAX_FIT = 2

_PACK_CSS = """
section.sheet + section.sheet, section.cover + section, section.index + section { break-before: page; }
section.cover h1 { font-size: 24pt; color: {blue}; margin: 0 0 2mm 0; }
section.cover .sub { font-size: 12pt; color: {grey}; margin: 0 0 6mm 0; }
section.cover table { font-size: 9.5pt; margin: 2mm 0 5mm 0; }
section.cover td.label, section.cover th.label { text-align: left; white-space: normal; }
section.cover dl { display: grid; grid-template-columns: 45mm auto; gap: 1mm 4mm; font-size: 9.5pt; margin: 0 0 5mm 0; }
section.cover dt { color: {grey}; }
section.cover dd { margin: 0; overflow-wrap: anywhere; }
section.index h1 { font-size: 16pt; color: {blue}; margin: 0 0 3mm 0; }
ol.index { column-count: 2; column-gap: 8mm; font-size: 8.6pt; padding-left: 7mm; margin: 0; }
ol.index li { break-inside: avoid; margin: 0 0 0.6mm 0; }
ol.index a { color: {text}; text-decoration: none; }
ol.index .loc { color: {grey}; }
ol.index a.pg::after { content: " · page " target-counter(attr(href), page); color: {grey}; }
"""


def _css_string(text: str) -> str:
    """Text as a CSS string literal that cannot end the string or the style element (a scenario name in
    the page footer is user text).

    >>> print(_css_string('Option "B" </style>'))
    "Option \\22 B\\22  \\3c /style\\3e "
    """
    out = []
    for ch in " ".join(str(text).split()):
        if ch in '"\\<>&' or ord(ch) < 32:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _page_css(scenario: str, data_set: str) -> str:
    from model.palette import NHS_BLUE, NHS_GREY, TEXT
    left = _css_string(f"Scenario: {scenario[:90]}")
    centre = _css_string(f"{data_set[:60]} · {run_date()}")
    font = f"font: 7pt Arial, 'Liberation Sans', sans-serif; color: {NHS_GREY};"
    return (_PACK_CSS.replace("{blue}", NHS_BLUE).replace("{grey}", NHS_GREY).replace("{text}", TEXT)
            + "@page { margin: 10mm 12mm 13mm 12mm;"
            f" @bottom-left {{ content: {left}; {font} }}"
            f" @bottom-center {{ content: {centre}; {font} }}"
            f' @bottom-right {{ content: "page " counter(page) " of " counter(pages); {font} }} }}')


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _cover(results: Results, source: Any, anonymise: bool, n_practices: int) -> str:
    from papers.workbook.summary import page
    s = results.scenario
    pg = page(results)
    head = "".join(f"<th>{_e(y)}</th>" for y in [*pg.years, "All years"])
    rows = []
    for ln in pg.lines:
        cells = "".join(f"<td>{v:,}</td>".replace("-", "−") for v in pg.money[ln.key])
        style = ' style="font-weight:bold"' if ln.key in pg.tree and ln.level == 0 else ""
        indent = "&nbsp;&nbsp;&nbsp;" if ln.level else ""
        rows.append(f"<tr{style}><td class=\"label\">{indent}{_e(ln.label)}</td>{cells}</tr>")
    for _key, label, kind, values in pg.other:
        if kind != "count":
            continue
        cells = "".join("<td>–</td>" if v is None else f"<td>{int(v):,}</td>" for v in values)
        rows.append(f"<tr><td class=\"label\">{_e(label)}</td>{cells}</tr>")
    facts = [("Scenario", s.name), ("Practices", f"{n_practices:,}" + (" (anonymised: Practice A, B, …)"
                                                                     if anonymise else "")),
             ("Made", run_date())]
    if source is not None:
        facts += [("Practice list", source.data_set), ("SHA-256 of the file", source.sha256),
                  ("Loaded", source.loaded)]
        if source.edits:
            facts.append(("Edits made in the app", f"{len(source.edits):,} (listed in the workbook's Data sheet)"))
    facts.append(("Data", data_line(source)))
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    desc = f"<p>{_e(s.description)}</p>" if s.description else ""
    return (f'<section class="cover"><h1>Practice funding: meeting pack</h1><p class="sub">{_e(s.name)}</p>'
            f"{desc}<dl>{dl}</dl><h2>Headline figures, £000</h2><table><thead><tr><th class=\"label\">£000</th>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            '<p class="note">£000, each rounded to the nearest £1,000 and moved by at most £1,000 so that the figures '
            "add up as shown. Each practice's page is in whole pounds, rounded the same way. Net change = allocation "
            "+ protection − LES lost + LES gained.</p></section>")


def _index(sheet_list: list[Sheet]) -> str:
    items = "".join(f'<li><a href="#p{i + 1}">{_e(sh.title)}</a> <span class="loc">{_e(sh.locality)}</span>'
                    f'<a class="pg" href="#p{i + 1}"></a></li>' for i, sh in enumerate(sheet_list))
    return f'<section class="index"><h1>Practices in this pack</h1><ol class="index">{items}</ol></section>'


def _html(results: Results, sheet_list: list[Sheet], fits: list[int], source: Any, anonymise: bool) -> str:
    s = results.scenario
    bodies = [_cover(results, source, anonymise, len(sheet_list)), _index(sheet_list)]
    bodies += [sh.body(f) for sh, f in zip(sheet_list, fits)]
    data_set = source.data_set if source is not None else "practice list not recorded"
    return document(f"Meeting pack: {s.name}", bodies, _page_css(s.name, data_set))


def _render(text: str):
    import weasyprint
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint.HTML(string=text).render()


def _starts(doc, n: int) -> list[int]:
    """The page (0-based) on which each practice's section starts."""
    where = {}
    for k, pg in enumerate(doc.pages):
        for name in pg.anchors:
            where.setdefault(name, k)
    return [where[f"p{i + 1}"] for i in range(n)]


def pack(results: Results, anonymise: bool = False, source: Any = None) -> tuple[bytes, dict[str, int], int]:
    """The meeting pack as PDF bytes, the density each practice's page needed (file name -> fit), and the
    number of pages."""
    n = len(results.practices[["commissioner", "practice_code"]].drop_duplicates())
    if n > MAX_PACK_PRACTICES:
        raise ValueError(f"a meeting pack holds at most {MAX_PACK_PRACTICES:,} practices and this list has {n:,}: "
                         "make one pack per CCG (choose one CCG's list)")
    results = displayed(results)
    sheet_list = sheets(results, anonymise, source)
    fits = [0] * len(sheet_list)
    for _ in range(MAX_FIT + 1):
        doc = _render(_html(results, sheet_list, fits, source, anonymise))
        starts = _starts(doc, len(sheet_list)) + [len(doc.pages)]
        spilled = [i for i in range(len(sheet_list)) if starts[i + 1] - starts[i] > 1]
        if not spilled or all(fits[i] >= MAX_FIT for i in spilled):
            break
        for i in spilled:
            fits[i] = min(MAX_FIT, fits[i] + 1)
    return doc.write_pdf(), {sh.file_name: f for sh, f in zip(sheet_list, fits)}, len(doc.pages)


def pack_pdf(results: Results, anonymise: bool = False, source: Any = None) -> bytes:
    """The meeting pack as PDF bytes (see :func:`pack`)."""
    return pack(results, anonymise, source)[0]


def fit_level(body: Callable[[int], str]) -> int:
    """The least dense setting at which one page body stays on one A4 sheet (laid out by WeasyPrint)."""
    for fit in range(MAX_FIT + 1):
        if len(_render(document("page", [body(fit)])).pages) <= 1:
            return fit
    return MAX_FIT


__all__ = ["CSS", "fit_level", "pack", "pack_pdf"]
