"""What goes into a board paper or meeting pack, one module per job.

- :mod:`papers.tables` — the neutralising rule, CSV bytes, zips, the file sets of a run and a comparison
- :mod:`papers.files` — a run's or a comparison's files written into a directory
- :mod:`papers.workbook` — the Excel workbook (one module per sheet)
- :mod:`papers.onepager` — one practice on one A4 page (HTML)
- :mod:`papers.text` — money, counts and percentages in words, for papers
"""
