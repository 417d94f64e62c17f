"""The Streamlit page's parts (the app layer): the inputs panel, one module per tab, shared widgets
and the caches. ``app.py`` wires them together; the pure shaping they show is in :mod:`screen`."""
